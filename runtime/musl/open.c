/* SPDX-License-Identifier: GPL-2.0-or-later */
/* open for the static musl binaries: the same call made as openat. The
 * link sends every call of open here (ld's --wrap=open, the Makefile's
 * MUSL_LDFLAGS), jansson's and libseccomp's included.
 *
 * Why: musl's open follows each O_CLOEXEC open with an fcntl(F_SETFD), for
 * kernels before 2.6.23 that ignored the flag; its openat does not. A
 * container's start opens some thirty files so (the init's and the
 * container process's), and under emulation each system call costs some
 * ten microseconds. Every kernel bulkhead runs on sets the flag in the
 * open itself. Built apart from the runtime's library, as memcpy.c. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/types.h>

int __wrap_open(const char *path, int flags, ...);

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	/* As open(2): a mode only when a file may be made. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return openat(AT_FDCWD, path, flags, mode);
}
