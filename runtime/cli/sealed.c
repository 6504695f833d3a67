/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs that make a container process run this program from where no
 * one can write it, never from its file as installed.
 *
 * A container process is a clone of the runtime until it execs, so its
 * /proc/self/exe is the runtime's binary. A command the container controls
 * can name that as its interpreter (#!/proc/self/exe, an ELF's PT_INTERP,
 * a symlink): the host's binary then runs in the container, and its
 * processes can open it through /proc/PID/exe and, once the runtime has
 * exited (no more ETXTBSY), write to it, so that the next call of the
 * runtime on the host runs their code as root (CVE-2019-5736). The
 * program re-executes itself first through a read-only bind mount of its
 * file that is mounted nowhere (open_tree's detached clone, made read-only
 * with mount_setattr: no copy, a write fails with EROFS, and once the fd
 * that held it is closed on exec the mount is in no namespace, so no one
 * can remount it), and where that cannot be made (a kernel before 5.12,
 * no CAP_SYS_ADMIN), from a copy in a memfd sealed against writing,
 * growing and shrinking (crun's way; a write fails with EPERM). runc uses
 * an overlayfs for the first; a bind is as read-only and cheaper to make
 * (no superblock of its own). A program already on a read-only mount needs
 * neither.
 *
 * The init needs none of this: PID 1 never exits, and the kernel refuses
 * writes to a file a live process executes (ETXTBSY). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* An fd of the program SELF (an fd of it) through a read-only bind mount
 * of that file alone that is mounted nowhere, or -1. */
static int open_through_readonly_bind(int self)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID };
	int tree = (int)syscall(SYS_open_tree, self, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

	if (tree >= 0 && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* A sealed memfd copy of SELF, or -1 having said why. */
static int sealed_copy(int self)
{
	struct stat st;
	int copy = memfd_create("bulkhead-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (copy < 0) {
		cli_error_errno(errno, "memfd_create (a sealed copy of the runtime is what keeps a container from "
				       "overwriting it)");
		return -1;
	}
	if (fstat(self, &st) < 0) {
		cli_error_errno(errno, "/proc/self/exe");
		close(copy);
		return -1;
	}
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(copy, self, &done, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_error_errno(n < 0 ? errno : EIO, "copying the runtime into a memfd");
			close(copy);
			return -1;
		}
	}
	if (fcntl(copy, F_ADD_SEALS, SEALS) < 0) {
		cli_error_errno(errno, "sealing the runtime's memfd");
		close(copy);
		return -1;
	}
	return copy;
}

int run_from_sealed_copy(char **argv)
{
	extern char **environ;
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs fs;

	if (self < 0)
		return cli_error_errno(errno, "opening /proc/self/exe");
	/* Already where no one can write it (the bind is a read-only
	 * mount, as is a system's read-only /usr; the copy is sealed). */
	int seals = fcntl(self, F_GET_SEALS);
	if ((seals >= 0 && (seals & SEALS) == SEALS) || (fstatvfs(self, &fs) == 0 && (fs.f_flag & ST_RDONLY)))
		return 0;
	int exe = open_through_readonly_bind(self);
	if (exe < 0 && (exe = sealed_copy(self)) < 0)
		return EXIT_RUNTIME;
	fexecve(exe, argv, environ);
	int e = errno;
	close(exe);
	return cli_error_errno(e, "executing the runtime from its read-only or sealed copy");
}
