/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-probe: makes one system call that podman's default seccomp
 * profile refuses though it needs no privilege, vmsplice(2), on a
 * descriptor that is not open, and prints the errno name: EPERM when a
 * filter answered, EBADF when the kernel did. A static helper that tests
 * put into container root filesystems (tests/podman.t).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errno-name.h"

int main(void)
{
	long r = syscall(SYS_vmsplice, -1, NULL, 0UL, 0U);

	puts(r == 0 ? "ok" : errno_name(errno));
	return 0;
}
