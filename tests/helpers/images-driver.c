/* SPDX-License-Identifier: GPL-2.0-or-later */
/* images-driver: the init's shared-image mounts (init/images.c) run on
 * their own, in the caller's mount namespace, with user namespaces of the
 * test's making: the init makes those itself only as PID 1.
 *
 *   images-driver mount FILE DIR
 *       Mounts the erofs FILE read-only on DIR through a loop device, as
 *       the init mounts each shared image once.
 *   images-driver attach DIR USERNS TARGET
 *       Mounts a read-only clone of the mount at DIR on TARGET, its ids
 *       mapped through the user namespace at USERNS (a /proc/PID/ns/user
 *       or a bind mount of one): the clone the init makes for each start,
 *       mounted here as the container process mounts it in its own
 *       namespace (bh_config_root_mount).
 *
 * Exits 0, or 1 with the init's message on stderr. */
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../init/init.h"

int main(int argc, char **argv)
{
	struct bh_err err = { 0 };

	if (argc == 4 && strcmp(argv[1], "mount") == 0) {
		if (image_mount(argv[2], argv[3], &err) < 0) {
			fprintf(stderr, "images-driver: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "attach") == 0) {
		int userns = open(argv[3], O_RDONLY | O_CLOEXEC);
		if (userns < 0) {
			perror(argv[3]);
			return 1;
		}
		int tree = image_tree(argv[2], userns, &err);
		if (tree < 0) {
			fprintf(stderr, "images-driver: %s\n", err.msg);
			return 1;
		}
		if (syscall(SYS_move_mount, tree, "", AT_FDCWD, argv[4], MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			perror(argv[4]);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: images-driver mount FILE DIR | attach DIR USERNS TARGET\n");
	return 2;
}
