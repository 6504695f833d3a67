/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The appliance's disks: found by their ext4 label, mounted under
 * /volumes, bound into containers by their config.json, unmounted last. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define EXT4_SUPERBLOCK 1024
#define EXT4_MAGIC_AT (EXT4_SUPERBLOCK + 56)
#define EXT4_LABEL_AT (EXT4_SUPERBLOCK + 120)
#define DISK_WAIT_MS 10000

void volumes_read_label(const char *name, char *label, size_t size)
{
	char path[300];
	unsigned char magic[2];

	label[0] = '\0';
	snprintf(path, sizeof(path), "/dev/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (pread(fd, magic, 2, EXT4_MAGIC_AT) == 2 && magic[0] == 0x53 && magic[1] == 0xEF) {
		ssize_t n = pread(fd, label, size - 1 < 16 ? size - 1 : 16, EXT4_LABEL_AT);
		label[n > 0 ? n : 0] = '\0';
	}
	close(fd);
}

static bool mount_found(struct disk_spec *disk, const char *name)
{
	char device[300], target[128], dir[256];

	snprintf(device, sizeof(device), "/dev/%s", name);
	snprintf(target, sizeof(target), "%s/%s", VOLUMES_DIR, disk->label);
	mkdir(VOLUMES_DIR, 0755);
	mkdir(target, 0755);
	if (mount(device, target, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0) {
		log_warn_errno(errno, "disk %s (%s): mount", disk->label, device);
		return false;
	}
	log_info("disk %s: %s mounted on %s", disk->label, device, target);
	for (size_t i = 0; disk->dirs && disk->dirs[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", target, disk->dirs[i]);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			log_warn_errno(errno, "disk %s: mkdir %s", disk->label, dir);
		else if (disk->owners && disk->owners[i].size)
			volume_ids_settle(disk->label, dir, disk->owners[i].base, disk->owners[i].size);
	}
	return true;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* One look at every block device; returns how many disks are still missing. */
static size_t scan(struct appliance *a)
{
	size_t missing = 0;
	DIR *dir = opendir("/sys/class/block");

	for (struct dirent *e; dir && (e = readdir(dir));) {
		char label[17];
		if (e->d_name[0] == '.')
			continue;
		volumes_read_label(e->d_name, label, sizeof(label));
		for (size_t i = 0; label[0] && i < a->n_disks; i++)
			if (!a->disks[i].mounted && strcmp(a->disks[i].label, label) == 0)
				a->disks[i].mounted = mount_found(&a->disks[i], e->d_name);
	}
	if (dir)
		closedir(dir);
	for (size_t i = 0; i < a->n_disks; i++)
		missing += !a->disks[i].mounted;
	return missing;
}

void volumes_mount(struct appliance *a)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	long deadline = now_ms() + DISK_WAIT_MS;

	if (!a->n_disks)
		return;
	/* virtio-blk probes as its module loads, but the disk may still be on
	 * its way: look again until the deadline. */
	while (scan(a) > 0 && now_ms() < deadline)
		nanosleep(&tick, NULL);
	for (size_t i = 0; i < a->n_disks; i++)
		if (!a->disks[i].mounted)
			log_warn("disk %s: not found (bulkhead run attaches DIR/disks/%s.ext4); its volumes will fail",
				 a->disks[i].label, a->disks[i].label);
}

void volumes_unmount(struct appliance *a)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	char target[128];

	sync();
	for (size_t i = 0; i < a->n_disks; i++) {
		if (!a->disks[i].mounted)
			continue;
		snprintf(target, sizeof(target), "%s/%s", VOLUMES_DIR, a->disks[i].label);
		int tries = 0;
		while (umount2(target, 0) < 0 && errno == EBUSY && ++tries < 5)
			nanosleep(&pause, NULL);
		if (tries == 5) {
			log_warn("disk %s: still busy; detaching it lazily", a->disks[i].label);
			umount2(target, MNT_DETACH);
		}
		a->disks[i].mounted = false;
	}
}
