/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2: one cgroup per container, controllers enabled along its path. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "internal.h"

#define CGROUP2_MAGIC 0x63677270

/* Where the cgroup v2 hierarchy is: /sys/fs/cgroup, or on a hybrid host
 * (v1 controllers beside v2, systemd's layout) its unified/ below, where
 * cgroup BPF programs such as the device program still work. NULL: none. */
static const char *cgroup_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		if (statfs(roots[i], &fs) == 0 && fs.f_type == CGROUP2_MAGIC)
			return roots[i];
	return NULL;
}

/* The controllers a container's limits use; others stay off. */
static const char *const controllers[] = { "cpu", "cpuset", "io", "memory", "pids" };

static int enable_controllers(int dir_fd)
{
	char available[512];
	_cleanup_close_ int fd = openat(dir_fd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, available, sizeof(available) - 1);
	if (n < 0)
		return -errno;
	available[n] = '\0';

	_cleanup_close_ int control = openat(dir_fd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	if (control < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(controllers); i++) {
		char word[32];
		if (!strstr(available, controllers[i]))
			continue;
		snprintf(word, sizeof(word), "+%s", controllers[i]);
		/* Best effort per controller: one the kernel refuses here (say, io
		 * without a block device) must not keep the others off. */
		(void)!write(control, word, strlen(word));
	}
	return 0;
}

int bh_cgroup_create(const struct bh_config *c, struct bh_err *err)
{
	const char *root = cgroup_root();
	char path[4096];
	_cleanup_close_ int dir_fd = -1;

	if (!c->cgroups_path)
		return -ENOENT;
	if (!root)
		return bh_fail(err, -ENOTSUP, "cgroup: /sys/fs/cgroup is not a cgroup v2 mount (linux.cgroupsPath needs one)");
	if (snprintf(path, sizeof(path), "%s", c->cgroups_path) >= (int)sizeof(path))
		return bh_fail(err, -ENAMETOOLONG, "cgroup: path too long");

	dir_fd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dir_fd < 0)
		return bh_fail_errno(err, -errno, "cgroup: %s", root);
	for (char *save = NULL, *part = strtok_r(path, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		int r = enable_controllers(dir_fd);
		if (r < 0)
			return bh_fail_errno(err, r, "cgroup: enabling controllers above %s", part);
		if (mkdirat(dir_fd, part, 0755) < 0 && errno != EEXIST)
			return bh_fail_errno(err, -errno, "cgroup: creating %s", c->cgroups_path);
		int next = openat(dir_fd, part, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (next < 0)
			return bh_fail_errno(err, -errno, "cgroup: opening %s", c->cgroups_path);
		close(dir_fd);
		dir_fd = next;
	}
	return steal_fd(&dir_fd);
}

int bh_cgroup_join(int cgroup_fd, pid_t pid, struct bh_err *err)
{
	char text[32];
	_cleanup_close_ int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return bh_fail_errno(err, -errno, "cgroup: opening cgroup.procs");
	snprintf(text, sizeof(text), "%d", (int)pid);
	ssize_t n = bh_write_all(fd, text, strlen(text));
	if (n < 0)
		return bh_fail_errno(err, (int)n, "cgroup: moving pid %d", (int)pid);
	return 0;
}

int bh_cgroup_destroy(const char *cgroups_path, struct bh_err *err)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	char path[4096], kill_file[4200];

	if (!cgroups_path || !cgroup_root())
		return 0;
	snprintf(path, sizeof(path), "%s/%s", cgroup_root(), cgroups_path);
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	/* cgroup.kill (Linux 5.14) ends every process in it at once; the
	 * removal then waits for the kernel to finish reaping them. */
	snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", path);
	bh_write_file(kill_file, "1");
	for (int tries = 0; tries < 200; tries++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&pause, NULL);
	}
	return bh_fail_errno(err, -errno, "cgroup: removing %s", path);
}

int bh_cgroup_set_limits(const struct bh_config *c, int cgroup_fd, struct bh_err *err)
{
	for (char **kv = c->cgroup_files; kv && *kv; kv++) {
		char file[256];
		const char *eq = strchr(*kv, '=');
		snprintf(file, sizeof(file), "%.*s", (int)(eq - *kv), *kv);
		_cleanup_close_ int fd = openat(cgroup_fd, file, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return bh_fail(err, -errno, "cgroup: %s: %s%s", file, strerror(errno),
				       errno == ENOENT ? " (is its controller available here?)" : "");
		ssize_t n = bh_write_all(fd, eq + 1, strlen(eq + 1));
		if (n < 0)
			return bh_fail_errno(err, (int)n, "cgroup: writing \"%s\" to %s", eq + 1, file);
	}
	return 0;
}

/* Clamps V to [FROM_LO, FROM_HI] and maps it linearly onto [TO_LO, TO_HI]. */
static uint64_t rescale(uint64_t v, uint64_t from_lo, uint64_t from_hi, uint64_t to_lo, uint64_t to_hi)
{
	if (v < from_lo)
		v = from_lo;
	if (v > from_hi)
		v = from_hi;
	return to_lo + ((v - from_lo) * (to_hi - to_lo)) / (from_hi - from_lo);
}

/* The conversions crun and runc apply too: cpu shares 2..262144 onto
 * cpu.weight 1..10000, blkio weight 10..1000 onto io.weight 1..10000. */
uint64_t bh_cpu_shares_to_weight(uint64_t shares)
{
	return rescale(shares, 2, 262144, 1, 10000);
}

uint64_t bh_blkio_weight_to_io_weight(uint64_t weight)
{
	return rescale(weight, 10, 1000, 1, 10000);
}
