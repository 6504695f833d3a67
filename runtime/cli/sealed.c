/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs whose container process cannot make its own read-only view of
 * this program (self-exe.c says why one is needed): this process makes one
 * first, and its clone inherits it.
 *
 * exec's process joins the container's mount namespace and has none of its
 * own to make a bind in; create's and run's, where the kernel or the image
 * do not let a process switch its /proc/self/exe in place. The view is a
 * read-only bind mount of the program's file that is mounted nowhere
 * (open_tree's detached clone, made read-only with mount_setattr: no copy,
 * a write fails with EROFS, and once the fd that held it is closed the
 * mount is in no namespace, so no one can remount it), and where that
 * cannot be made (a kernel before 5.12, no CAP_SYS_ADMIN), a copy in a
 * memfd sealed against writing (a write fails with EPERM). runc uses an
 * overlayfs for the first; a bind is as read-only and cheaper to make (no
 * superblock of its own).
 *
 * From the view it runs without executing itself again where it can
 * (bh_exe_run_in_place_from); else it executes the view. On kernels before
 * 5.15 the loader's own mappings also kept the file from being written
 * while it ran (VM_DENYWRITE), which mappings made again do not: a host's
 * write to the installed file could then change the code of a running CLI,
 * no more.
 *
 * The init needs none of this: PID 1 never exits, and the kernel refuses
 * writes to a file a live process executes (ETXTBSY). */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

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

/* FILE reopened for reading (a detached mount's fd is a path only), or -1. */
static int reopen(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int run_from_sealed_copy(char **argv)
{
	extern char **environ;
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct bh_err err = { 0 };

	if (self < 0)
		return cli_error_errno(errno, "opening /proc/self/exe");
	/* Already where no one can write it (the bind is a read-only
	 * mount, as is a system's read-only /usr; the copy is sealed). */
	if (bh_exe_unwritable(self))
		return 0;
	int exe = open_through_readonly_bind(self);
	if (exe >= 0) {
		int file = reopen(exe);
		int in_place = file >= 0 ? bh_exe_run_in_place_from(file) : -1;
		if (file >= 0)
			close(file);
		if (in_place == 0) {
			close(exe);
			return 0;
		}
	}
	if (exe < 0 && (exe = bh_exe_sealed_copy(self, &err)) < 0)
		return cli_error("%s", err.msg);
	fexecve(exe, argv, environ);
	int e = errno;
	close(exe);
	return cli_error_errno(e, "executing the runtime from its read-only or sealed copy");
}
