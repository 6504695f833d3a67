/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets at run time: read once, before any container starts, from QEMU's
 * fw_cfg (bulkhead run --secret, systemd's credentials prefix) or else from
 * a disk labelled SECRETS_DISK_LABEL, and written into one tmpfs per
 * receiving container (SECRETS_RUN_DIR/CONTAINER, 0500, the container's
 * user's), which its config.json binds read-only on SECRETS_MOUNT. The
 * builder decided who gets what (appliance.json's AJ_SECRETS and
 * AJ_SECRET_MOUNTS); this file only carries bytes. A secret's bytes are
 * never logged: messages name secrets, never show them. The buffer that
 * held one is wiped (explicit_bzero) as soon as it is written. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

/* Where the secrets disk is mounted while it is read: in the init's own
 * /run, which no container sees. */
#define SECRETS_DISK_DIR CONTROL_DIR "/secrets-disk"
/* An init run on a host (the tests) has neither fw_cfg nor disks of its
 * own: it reads this directory of its root instead, laid out as the disk
 * is. Only there: on the machine the path means nothing. */
#define SECRETS_HOST_DIR "/.bulkhead-host-secrets"
/* How long a missing required secret waits for the disk to appear. */
#define SECRETS_DISK_WAIT_MS 5000

static const struct container_spec *container_named(const struct appliance *a, const char *name)
{
	const struct container_spec *phases[3] = { a->onboot, a->services, a->onshutdown };
	size_t counts[3] = { a->n_onboot, a->n_services, a->n_onshutdown };

	for (int p = 0; p < 3; p++)
		for (size_t i = 0; i < counts[p]; i++)
			if (strcmp(phases[p][i].name, name) == 0)
				return &phases[p][i];
	return NULL;
}

/* ---- where the bytes come from ---- */

/* Opens secret NAME from fw_cfg (on the machine) or from the disk's
 * directory DISK ("": none). -ENOENT when neither has it; another -errno
 * (say, one that is there but cannot be opened) wins over -ENOENT. */
static int open_secret(const char *name, bool machine, const char *disk)
{
	char path[256];
	int fd, r = -ENOENT;

	if (machine) {
		snprintf(path, sizeof(path), SECRETS_FW_CFG_DIR "/%s/raw", name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0)
			return fd;
		r = -errno;
	}
	if (disk[0]) {
		snprintf(path, sizeof(path), "%s/%s", disk, name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) >= 0)
			return fd;
		if (r == -ENOENT)
			r = -errno;
	}
	return r;
}

/* Opens, from fw_cfg and/or DISK, each secret FDS does not hold yet: FDS[i]
 * an fd, or -errno. Whether a required one (REQUIRED_ONLY) or any is still
 * missing after. */
static bool open_missing(const struct secrets_spec *s, bool machine, const char *disk, int *fds, bool required_only)
{
	bool missing = false;

	for (size_t i = 0; i < s->n; i++) {
		if (fds[i] < 0) {
			int fd = open_secret(s->names[i], machine, disk);
			/* The first source's reason stays unless this one has a better one. */
			if (fd >= 0 || fds[i] == -ENOENT)
				fds[i] = fd;
		}
		if (fds[i] < 0 && (!required_only || s->required[i]))
			missing = true;
	}
	return missing;
}

/* Mounts the disk labelled SECRETS_DISK_LABEL read-only on
 * SECRETS_DISK_DIR, looking for up to WAIT_MS. */
static bool mount_disk(long wait_ms)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 }, now;
	char label[17], device[300];

	clock_gettime(CLOCK_MONOTONIC, &now);
	long deadline = now.tv_sec * 1000L + now.tv_nsec / 1000000L + wait_ms;
	for (;;) {
		DIR *dir = opendir("/sys/class/block");
		for (struct dirent *e; dir && (e = readdir(dir));) {
			if (e->d_name[0] == '.')
				continue;
			volumes_read_label(e->d_name, label, sizeof(label));
			if (strcmp(label, SECRETS_DISK_LABEL) != 0)
				continue;
			snprintf(device, sizeof(device), "/dev/%s", e->d_name);
			mkdir(SECRETS_DISK_DIR, 0700);
			if (mount(device, SECRETS_DISK_DIR, "ext4", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
				closedir(dir);
				log_info("secrets: reading the disk labelled " SECRETS_DISK_LABEL " (%s)", device);
				return true;
			}
			log_warn_errno(errno, "secrets: mounting %s", device);
			closedir(dir);
			return false;
		}
		if (dir)
			closedir(dir);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec * 1000L + now.tv_nsec / 1000000L >= deadline)
			return false;
		nanosleep(&tick, NULL);
	}
}

/* ---- where they go ---- */

/* The container's process.user, from its bundle's config.json (0:0 when
 * none is given), as the VM sees it: in its user range when it has one. */
static int container_owner(const struct appliance *a, struct secret_mount *m, struct bh_err *err)
{
	const struct container_spec *spec = container_named(a, m->container);
	char path[512];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/config.json", spec->bundle);
	/* Numbers as reals: an unlimited rlimit elsewhere in the file is the
	 * spec's uint64 18446744073709551615, beyond jansson's integers. */
	json_t *config = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
	if (!config)
		return bh_fail(err, -EINVAL, "secrets: %s: %s", path, jerr.text);
	json_t *user = json_object_get(json_object_get(config, "process"), "user");
	double uid = json_number_value(json_object_get(user, "uid"));
	double gid = json_number_value(json_object_get(user, "gid"));
	json_decref(config);
	if (!(uid >= 0 && gid >= 0 && uid <= 0xfffffffe && gid <= 0xfffffffe) || uid != (unsigned)uid ||
	    gid != (unsigned)gid)
		return bh_fail(err, -EINVAL, "secrets: %s: process.user is out of range", path);
	if (spec->userns_size && (uid >= spec->userns_size || gid >= spec->userns_size))
		return bh_fail(err, -EINVAL, "secrets: %s: process.user is past its user range", path);
	m->uid = spec->userns_base + (unsigned)uid;
	m->gid = spec->userns_base + (unsigned)gid;
	return 0;
}

/* The container's own tmpfs, its user's, that only it will see. */
static int mount_tmpfs(const struct secret_mount *m, struct bh_err *err)
{
	char dir[256], data[160];
	unsigned count = (unsigned)__builtin_popcountll(m->wanted);

	snprintf(dir, sizeof(dir), SECRETS_RUN_DIR "/%s", m->container);
	if (mkdir(dir, 0500) < 0 && errno != EEXIST)
		return bh_fail_errno(err, -errno, "secrets: mkdir %s", dir);
	snprintf(data, sizeof(data), "mode=0500,uid=%u,gid=%u,size=%llu,nr_inodes=%u", m->uid, m->gid,
		 (unsigned long long)count * (SECRET_SIZE_MAX + 4096), count + 2);
	if (mount("secrets", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
		return bh_fail_errno(err, -errno, "secrets: mounting a tmpfs on %s", dir);
	return 0;
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int place(const struct secret_mount *m, const char *name, const unsigned char *buf, size_t len,
		 struct bh_err *err)
{
	char path[256];

	snprintf(path, sizeof(path), SECRETS_RUN_DIR "/%s/%s", m->container, name);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	int r;
	if (fd < 0)
		return bh_fail_errno(err, -errno, "secrets: creating %s", path);
	if ((r = write_all(fd, buf, len)) < 0)
		return bh_fail_errno(err, r, "secrets: writing %s", path);
	if (fchown(fd, m->uid, m->gid) < 0 || fchmod(fd, 0400) < 0)
		return bh_fail_errno(err, -errno, "secrets: owning %s to %u:%u", path, m->uid, m->gid);
	return 0;
}

/* Reads FD whole (at most SECRET_SIZE_MAX bytes) into BUF. */
static ssize_t read_secret(int fd, unsigned char *buf)
{
	size_t used = 0;

	for (;;) {
		ssize_t n = read(fd, buf + used, SECRET_SIZE_MAX + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)used;
		used += (size_t)n;
		if (used > SECRET_SIZE_MAX)
			return -EFBIG;
	}
}

/* Reads each secret from its fd in FDS (opened once, by open_missing)
 * and places it for the containers that receive it. */
static int deliver(const struct secrets_spec *s, const int *fds, unsigned char *buf, struct bh_err *err)
{
	size_t given = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (fds[i] == -ENOENT) {
			log_info("secret %s: not given (optional): its containers see no " SECRETS_MOUNT "/%s",
				 s->names[i], s->names[i]);
			continue;
		}
		if (fds[i] < 0) {
			log_warn_errno(-fds[i], "secret %s: given but cannot be opened (optional): its containers see no "
				       SECRETS_MOUNT "/%s", s->names[i], s->names[i]);
			continue;
		}
		ssize_t len = read_secret(fds[i], buf);
		if (len < 0) {
			explicit_bzero(buf, SECRET_SIZE_MAX + 1);
			return bh_fail_errno(err, (int)len, "secret %s: reading it", s->names[i]);
		}
		int r = 0;
		for (size_t k = 0; r == 0 && k < s->n_mounts; k++)
			if (s->mounts[k].wanted & (1ULL << i))
				r = place(&s->mounts[k], s->names[i], buf, (size_t)len, err);
		explicit_bzero(buf, (size_t)len);
		if (r < 0)
			return r;
		given++;
	}
	log_info("secrets: %zu of %zu given to %zu container%s at " SECRETS_MOUNT, given, s->n, s->n_mounts,
		 s->n_mounts == 1 ? "" : "s");
	return 0;
}

/* The boot's failure when a required secret is not there to read. */
static int required_missing(const struct secrets_spec *s, const int *fds, struct bh_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!s->required[i] || fds[i] >= 0)
			continue;
		if (fds[i] == -ENOENT)
			return bh_fail(err, -ENOENT, "secret %s is required and was not given: boot with `bulkhead run "
				       "--secret %s=FILE`, or attach a disk labelled " SECRETS_DISK_LABEL " holding it as %s "
				       "(bulkhead secrets-disk)", s->names[i], s->names[i], s->names[i]);
		return bh_fail_errno(err, fds[i], "secret %s is required and was given, but cannot be opened",
				     s->names[i]);
	}
	return 0;
}

int secrets_prepare(const struct appliance *a, bool machine, struct bh_err *err)
{
	const struct secrets_spec *s = a->secrets;
	const char *disk = machine ? "" : SECRETS_HOST_DIR;
	bool disk_mounted = false;
	int r = 0;

	if (!s)
		return 0;
	if (mkdir(SECRETS_RUN_DIR, 0711) < 0 && errno != EEXIST)
		return bh_fail_errno(err, -errno, "secrets: mkdir " SECRETS_RUN_DIR);
	int fds[SECRETS_MAX];
	for (size_t i = 0; i < s->n; i++)
		fds[i] = -ENOENT;
	/* The disk only when fw_cfg lacks some: waited for while a
	 * required one is still missing (virtio-blk may still be probing). */
	if (!machine)
		open_missing(s, false, disk, fds, false);
	else if (open_missing(s, true, "", fds, false)) {
		bool waiting = open_missing(s, false, "", fds, true);
		if ((disk_mounted = mount_disk(waiting ? SECRETS_DISK_WAIT_MS : 0)))
			open_missing(s, false, SECRETS_DISK_DIR, fds, false);
	}
	if ((r = required_missing(s, fds, err)) < 0)
		goto out;
	for (size_t k = 0; r == 0 && k < s->n_mounts; k++)
		if ((r = container_owner(a, &s->mounts[k], err)) == 0)
			r = mount_tmpfs(&s->mounts[k], err);
	unsigned char *buf = r == 0 ? malloc(SECRET_SIZE_MAX + 1) : NULL;
	if (r == 0 && !buf)
		r = bh_fail(err, -ENOMEM, "secrets: out of memory");
	if (r == 0)
		r = deliver(s, fds, buf, err);
	free(buf);
	/* Frozen: nothing, not even the init, changes them from here on. */
	for (size_t k = 0; r == 0 && k < s->n_mounts; k++) {
		char dir[256];
		snprintf(dir, sizeof(dir), SECRETS_RUN_DIR "/%s", s->mounts[k].container);
		if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			r = bh_fail_errno(err, -errno, "secrets: making %s read-only", dir);
	}
out:
	for (size_t i = 0; i < s->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (disk_mounted && umount2(SECRETS_DISK_DIR, MNT_DETACH) == 0)
		rmdir(SECRETS_DISK_DIR);
	/* QEMU's copies stay in the firmware; with the module gone sysfs
	 * shows them to no one, whatever a container is allowed. A kernel
	 * with it built in keeps them, behind /sys/firmware's mask. */
	if (machine && syscall(SYS_delete_module, "qemu_fw_cfg", O_NONBLOCK) == 0)
		log_info("secrets: read; qemu_fw_cfg unloaded, so /sys shows them no more");
	else if (machine && errno != ENOENT && errno != ENOSYS) /* built in, never loaded, or no modules at all */
		log_warn_errno(errno, "secrets: unloading qemu_fw_cfg (its files stay in /sys, behind the mask)");
	return r;
}
