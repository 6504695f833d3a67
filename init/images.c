/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared images (contract.h, "shared images"): read-only containers that
 * use the same image share one erofs file of it, owned by the image's own
 * ids, and each sees it through its own user namespace's mapping. The
 * image is mounted once through a loop device, at boot, before any
 * container starts; a failure is said then and keeps that container from
 * starting (images_ready), never the appliance from booting. Each start
 * takes an idmapped, read-only clone of that mount, detached, which the
 * container process mounts on its bundle's empty rootfs directory in its
 * own mount namespace (bh_config_root_mount): never in PID 1's, which
 * every container's clone copies whole, so that a start would pay for the
 * rootfs of every other container. */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#define LOOP_CONTROL "/dev/loop-control"

/* A free loop device backed by FILE, read-only, cleared by the kernel once
 * its last user (the mount) goes. Its path into DEV; returns its open
 * descriptor (keep it until the mount holds the device: with autoclear,
 * closing it first would detach the file), or -errno. */
static int loop_attach(const char *file, char *dev, size_t size, struct bh_err *err)
{
	_cleanup_close_ int control = open(LOOP_CONTROL, O_RDWR | O_CLOEXEC);
	_cleanup_close_ int backing = open(file, O_RDONLY | O_CLOEXEC);

	if (control < 0)
		return bh_fail_errno(err, -errno, LOOP_CONTROL);
	if (backing < 0)
		return bh_fail_errno(err, -errno, "%s", file);
	/* Another user of loop devices may take the free one first: ask again. */
	for (int attempt = 0; attempt < 16; attempt++) {
		int n = ioctl(control, LOOP_CTL_GET_FREE);
		if (n < 0)
			return bh_fail_errno(err, -errno, LOOP_CONTROL ": no free loop device");
		snprintf(dev, size, "/dev/loop%d", n);
		_cleanup_close_ int loop = open(dev, O_RDONLY | O_CLOEXEC);
		if (loop < 0)
			return bh_fail_errno(err, -errno, "%s", dev);
		struct loop_config config = {
			.fd = (unsigned)backing,
			.info = { .lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR },
		};
		snprintf((char *)config.info.lo_file_name, sizeof(config.info.lo_file_name), "%s", file);
		if (ioctl(loop, LOOP_CONFIGURE, &config) == 0)
			return steal_fd(&loop);
		if (errno != EBUSY)
			return bh_fail_errno(err, -errno, "%s: attaching %s", dev, file);
	}
	return bh_fail(err, -EBUSY, "%s: every free loop device was taken before it could be used", file);
}

int image_mount(const char *file, const char *where, struct bh_err *err)
{
	char dev[32];

	if (mkdir(where, 0700) < 0 && errno != EEXIST)
		return bh_fail_errno(err, -errno, "mkdir %s", where);
	_cleanup_close_ int loop = loop_attach(file, dev, sizeof(dev), err);
	if (loop < 0)
		return loop;
	/* nodev, nosuid: whatever the image holds, its nodes and set-id bits
	 * give nothing. */
	if (mount(dev, where, "erofs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) < 0)
		return bh_fail_errno(err, -errno, "mount %s (%s) on %s as erofs", file, dev, where);
	return 0;
}

int image_tree(const char *image_dir, int userns_fd, struct bh_err *err)
{
	/* A detached copy of the image's mount: only a mount not yet attached
	 * anywhere may be given an id mapping. Private: no peer of the image's
	 * mount (or of another container's copy) sees what is mounted on it. */
	_cleanup_close_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, image_dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID,
		.propagation = MS_PRIVATE,
		.userns_fd = (uint64_t)userns_fd,
	};

	if (tree < 0)
		return bh_fail_errno(err, -errno, "open_tree %s", image_dir);
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return bh_fail_errno(err, -errno, "mapping %s into the user namespace", image_dir);
	return steal_fd(&tree);
}

/* What became of each image: not tried yet, mounted, or failed. */
enum image_state { IMAGE_UNTRIED, IMAGE_MOUNTED, IMAGE_FAILED };

static enum image_state mount_once(int n, enum image_state *states)
{
	char file[64], where[64];
	struct bh_err err = { 0 };

	if (states[n] != IMAGE_UNTRIED)
		return states[n];
	snprintf(file, sizeof(file), SHARED_IMAGES_DIR "/%d.erofs", n);
	snprintf(where, sizeof(where), SHARED_IMAGES_MOUNT_DIR "/%d", n);
	if ((mkdir(CONTROL_DIR, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(SHARED_IMAGES_MOUNT_DIR, 0700) < 0 && errno != EEXIST)) {
		log_warn_errno(errno, "shared image %d: mkdir " SHARED_IMAGES_MOUNT_DIR, n);
		return states[n] = IMAGE_FAILED;
	}
	if (image_mount(file, where, &err) < 0) {
		log_warn("shared image %d: %s", n, err.msg);
		return states[n] = IMAGE_FAILED;
	}
	return states[n] = IMAGE_MOUNTED;
}

void images_mount_all(struct appliance *a)
{
	static enum image_state states[INIT_MAX_CONTAINERS / 2];
	struct container_spec *phases[3] = { a->onboot, a->services, a->onshutdown };
	size_t counts[3] = { a->n_onboot, a->n_services, a->n_onshutdown }, sharing = 0;

	for (int p = 0; p < 3; p++)
		for (size_t i = 0; i < counts[p]; i++) {
			struct container_spec *spec = &phases[p][i];
			if (spec->shared_image < 0)
				continue;
			spec->image_unmounted = mount_once(spec->shared_image, states) != IMAGE_MOUNTED;
			if (spec->image_unmounted)
				log_warn("%s: will not start: its shared image %d could not be mounted", spec->name,
					 spec->shared_image);
			else
				sharing++;
		}
	if (sharing)
		log_info("shared images: mounted for %zu containers, each to see through its own id mapping", sharing);
}

int images_root_mount(const struct container_spec *spec, struct bh_err *err)
{
	char where[64], userns[sizeof(USERNS_DIR) + 64];

	snprintf(where, sizeof(where), SHARED_IMAGES_MOUNT_DIR "/%d", spec->shared_image);
	snprintf(userns, sizeof(userns), USERNS_DIR "/%s", spec->name);
	_cleanup_close_ int userns_fd = open(userns, O_RDONLY | O_CLOEXEC);
	if (userns_fd < 0)
		return bh_fail_errno(err, -errno, "its user namespace %s", userns);
	struct bh_err inner = { 0 };
	int tree = image_tree(where, userns_fd, &inner);
	if (tree < 0)
		return bh_fail(err, tree, "shared image %d: %s", spec->shared_image, inner.msg);
	return tree;
}

bool images_busybox(char *out, size_t size)
{
	char file[64], where[64];
	struct bh_err err = { 0 };

	/* Mounted already when the boot failed after images_mount_all. */
	for (int n = 0; n < INIT_MAX_CONTAINERS / 2; n++) {
		snprintf(file, sizeof(file), SHARED_IMAGES_DIR "/%d.erofs", n);
		snprintf(where, sizeof(where), SHARED_IMAGES_MOUNT_DIR "/%d", n);
		snprintf(out, size, "%s/bin/busybox", where);
		if (access(out, X_OK) == 0)
			return true;
		if (access(file, F_OK) < 0)
			return false;
		if ((mkdir(CONTROL_DIR, 0700) == 0 || errno == EEXIST) &&
		    (mkdir(SHARED_IMAGES_MOUNT_DIR, 0700) == 0 || errno == EEXIST) && image_mount(file, where, &err) == 0 &&
		    access(out, X_OK) == 0)
			return true;
	}
	return false;
}

bool images_ready(const struct container_spec *spec)
{
	return !spec->image_unmounted;
}
