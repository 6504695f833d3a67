/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2: one cgroup per container, controllers enabled along its path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "internal.h"

#define CGROUP2_MAGIC 0x63677270

/* Where the cgroup v2 hierarchy is: /sys/fs/cgroup, or on a hybrid host
 * (v1 controllers beside v2, systemd's layout) its unified/ below, where
 * cgroup BPF programs such as the device program still work. NULL: none. */
const char *bh_cgroup_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		if (statfs(roots[i], &fs) == 0 && fs.f_type == CGROUP2_MAGIC)
			return roots[i];
	return NULL;
}

/* The controllers a container's limits use; others stay off. hugetlb only
 * for a container with hugepage limits: it makes each cgroup's mkdir some
 * 30 us slower (a file per page size and limit), and where it is the one
 * controller cgroup2 has (a hybrid host) it would forbid processes in every
 * cgroup above a container's. */
static const char *const controllers[] = { "cpu", "cpuset", "io", "memory", "pids", "hugetlb" };
enum { N_ALWAYS = ARRAY_SIZE(controllers) - 1 };

static bool wants_hugetlb(const struct bh_config *c)
{
	for (char **file = c->cgroup_files; file && *file; file++)
		if (strncmp(*file, "hugetlb.", 8) == 0)
			return true;
	return false;
}

/* The words of FILE under DIR_FD into BUF (SIZE bytes), or -errno. */
static int read_words(int dir_fd, const char *file, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static bool has_word(const char *words, const char *word)
{
	size_t len = strlen(word);

	for (const char *at = words; (at = strstr(at, word)); at += len)
		if ((at == words || at[-1] == ' ') && (at[len] == ' ' || at[len] == '\n' || at[len] == '\0'))
			return true;
	return false;
}

/* Each controller available here and not enabled yet (hugetlb only when
 * HUGETLB) is enabled for the cgroups below. Those enabled already are
 * not written again: every write to cgroup.subtree_control walks all the
 * cgroups below, so a
 * write per container (the init's hundred under one parent) made the
 * starts quadratic. Returns 1 when every one available is now enabled,
 * 0 when the kernel refused one, or -errno. */
static int enable_controllers(int dir_fd, bool hugetlb)
{
	bool all = true;
	char available[512], enabled[512];
	_cleanup_close_ int control = -1;
	int r;

	if ((r = read_words(dir_fd, "cgroup.controllers", available, sizeof(available))) < 0 ||
	    (r = read_words(dir_fd, "cgroup.subtree_control", enabled, sizeof(enabled))) < 0)
		return r;
	for (size_t i = 0; i < (hugetlb ? ARRAY_SIZE(controllers) : N_ALWAYS); i++) {
		char word[32];
		if (!has_word(available, controllers[i]) || has_word(enabled, controllers[i]))
			continue;
		if (control < 0 && (control = openat(dir_fd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC)) < 0)
			return -errno;
		snprintf(word, sizeof(word), "+%s", controllers[i]);
		/* Best effort per controller: one the kernel refuses here (say, io
		 * without a block device) must not keep the others off. */
		if (write(control, word, strlen(word)) < 0)
			all = false;
	}
	return all;
}

/* The parent of the cgroup this process made last, its controllers all
 * enabled along the way ("" before the first, or after a refusal): the
 * init's containers all go below one parent, whose two files at each
 * level would otherwise be read again for every start (the writes are
 * made once anyway). Only the caller's own process enables them there:
 * no container can reach the parent's cgroup.subtree_control
 * (nsdelegate), so the answer stays. */
static char enabled_parent[4096 + 64];

/* The parent of CGROUPS_PATH under ROOT into PARENT, as enabled_parent
 * keeps it; returns the leaf's name, or NULL when it has no parent but
 * the root (then there is nothing to skip). */
static const char *parent_of(const char *root, const char *cgroups_path, char parent[sizeof(enabled_parent)])
{
	const char *leaf = strrchr(cgroups_path, '/');

	if (!leaf || !leaf[1] || leaf == cgroups_path)
		return NULL;
	snprintf(parent, sizeof(enabled_parent), "%s/%.*s", root, (int)(leaf - cgroups_path), cgroups_path);
	return leaf + 1;
}

/* CGROUPS_PATH below a parent made and enabled already: the leaf alone,
 * made in it, and *DONE set; as bh_cgroup_create then. *DONE stays false
 * when that is not so. */
static int create_below_enabled(const char *root, const char *cgroups_path, bool *done, struct bh_err *err)
{
	char parent[sizeof(enabled_parent)];
	const char *leaf = parent_of(root, cgroups_path, parent);

	*done = false;
	if (!leaf || strcmp(parent, enabled_parent) != 0)
		return 0;
	_cleanup_close_ int parent_fd = open(parent, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (parent_fd < 0)
		return 0; /* gone meanwhile: the whole path is made again */
	if (mkdirat(parent_fd, leaf, 0755) < 0 && errno != EEXIST) {
		if (errno == ENOENT || errno == ENODEV)
			return 0; /* removed since the open: the whole path is made again */
		*done = true;
		return bh_fail_errno(err, -errno, "cgroup: creating %s", cgroups_path);
	}
	*done = true;
	int fd = openat(parent_fd, leaf, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bh_fail_errno(err, -errno, "cgroup: opening %s", cgroups_path);
	return fd;
}

int bh_cgroup_create(const struct bh_config *c, struct bh_err *err)
{
	const char *root = bh_cgroup_root();
	char path[4096];
	_cleanup_close_ int dir_fd = -1;

	if (!c->cgroups_path)
		return -ENOENT;
	/* What cannot be applied without one is named; a container that asks
	 * for neither gets no cgroup here (bh_config_default_cgroup). */
	if (!root && c->has_device_rules)
		return bh_fail(err, -ENOTSUP, "linux.resources.devices: the device list is enforced on a cgroup v2, and "
			       "neither /sys/fs/cgroup nor /sys/fs/cgroup/unified is one; mount cgroup2 there");
	if (!root && c->cgroup_files)
		return bh_fail(err, -ENOTSUP, "linux.resources: the limits (%.*s first) need a cgroup v2, and neither "
			       "/sys/fs/cgroup nor /sys/fs/cgroup/unified is one; mount cgroup2 there, or drop them",
			       (int)strcspn(c->cgroup_files[0], "="), c->cgroup_files[0]);
	if (!root)
		return bh_fail(err, -ENOTSUP, "linux.cgroupsPath: /sys/fs/cgroup is not a cgroup v2 mount");
	if (snprintf(path, sizeof(path), "%s", c->cgroups_path) >= (int)sizeof(path))
		return bh_fail(err, -ENAMETOOLONG, "cgroup: path too long");
	/* A parent enabled for others may lack hugetlb: the whole path then. */
	bool done = false, hugetlb = wants_hugetlb(c);
	int below = hugetlb ? 0 : create_below_enabled(root, c->cgroups_path, &done, err);
	if (done)
		return below;

	dir_fd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dir_fd < 0)
		return bh_fail_errno(err, -errno, "cgroup: %s", root);
	int complete = 0; /* whether the leaf's parent has every controller it can give */
	for (char *save = NULL, *part = strtok_r(path, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		complete = enable_controllers(dir_fd, hugetlb);
		if (complete < 0)
			return bh_fail_errno(err, complete, "cgroup: enabling controllers above %s", part);
		if (mkdirat(dir_fd, part, 0755) < 0 && errno != EEXIST)
			return bh_fail_errno(err, -errno, "cgroup: creating %s", c->cgroups_path);
		int next = openat(dir_fd, part, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (next < 0)
			return bh_fail_errno(err, -errno, "cgroup: opening %s", c->cgroups_path);
		close(dir_fd);
		dir_fd = next;
	}
	/* Kept only when nothing was refused there: a refusal is tried again. */
	if (!complete || !parent_of(root, c->cgroups_path, enabled_parent))
		enabled_parent[0] = '\0';
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

	if (!cgroups_path || !bh_cgroup_root())
		return 0;
	snprintf(path, sizeof(path), "%s/%s", bh_cgroup_root(), cgroups_path);
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
	return bh_cgroup_write_files(cgroup_fd, c->cgroup_files, err);
}

int bh_cgroup_write_files(int cgroup_fd, char *const *files, struct bh_err *err)
{
	int r = bh_cgroup_check_controllers(cgroup_fd, files, err);

	if (r < 0)
		return r;
	for (char *const *kv = files; kv && *kv; kv++) {
		char file[256];
		const char *eq = strchr(*kv, '=');
		snprintf(file, sizeof(file), "%.*s", (int)(eq - *kv), *kv);
		_cleanup_close_ int fd = openat(cgroup_fd, file, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && bh_cgroup_file_lifts_limit(*kv))
			continue;
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

/* ---- the verbs that act on every process of a container: pause and
 * resume, ps, kill --all ---- */

int bh_cgroup_open(const char *cgroups_path, struct bh_err *err)
{
	const char *root = bh_cgroup_root();
	char path[4096];

	if (!cgroups_path || !root)
		return bh_fail(err, -ENOENT, "cgroup: the container has no cgroup v2 of its own");
	snprintf(path, sizeof(path), "%s/%s", root, cgroups_path);
	int fd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bh_fail_errno(err, -errno, "cgroup: %s", path);
	return fd;
}

/* The value of KEY in the "key value" lines of FILE in the cgroup DIR_FD. */
static int read_key(int dir_fd, const char *file, const char *key, long long *value)
{
	char text[1024];
	_cleanup_close_ int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if ((n = read(fd, text, sizeof(text) - 1)) < 0)
		return -errno;
	text[n] = '\0';
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ' ') {
			*value = strtoll(line + strlen(key) + 1, NULL, 10);
			return 0;
		}
	return -ENOENT;
}

static int frozen_at(int dir_fd)
{
	long long frozen = 0;
	int r = read_key(dir_fd, "cgroup.events", "frozen", &frozen);
	return r < 0 ? r : frozen != 0;
}

int bh_cgroup_frozen(const char *cgroups_path)
{
	_cleanup_close_ int dir_fd = bh_cgroup_open(cgroups_path, NULL);
	return dir_fd < 0 ? dir_fd : frozen_at(dir_fd);
}

static int set_frozen(int dir_fd, bool frozen, struct bh_err *err)
{
	_cleanup_close_ int control = openat(dir_fd, "cgroup.freeze", O_WRONLY | O_CLOEXEC);
	_cleanup_close_ int events = openat(dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	struct timespec start, now;

	if (control < 0 || events < 0)
		return bh_fail_errno(err, -errno, "cgroup: cgroup.freeze (Linux 5.2)");
	ssize_t n = bh_write_all(control, frozen ? "1" : "0", 1);
	if (n < 0)
		return bh_fail_errno(err, (int)n, "cgroup: writing cgroup.freeze");
	/* The write only asks: the kernel says in cgroup.events, which wakes a
	 * poller, once every task has stopped (a task in an uninterruptible
	 * sleep stops only when it leaves it). */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int state = frozen_at(dir_fd);
		if (state < 0)
			return bh_fail_errno(err, state, "cgroup: reading cgroup.events");
		if (state == frozen)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 10)
			return bh_fail(err, -ETIMEDOUT, "cgroup: still %s after 10 s", frozen ? "not frozen" : "frozen");
		struct pollfd p = { .fd = events, .events = POLLPRI };
		(void)poll(&p, 1, 100); /* and a read again now and then: a wake-up is not promised */
	}
}

int bh_cgroup_freeze(const char *cgroups_path, bool frozen, struct bh_err *err)
{
	_cleanup_close_ int dir_fd = bh_cgroup_open(cgroups_path, err);
	return dir_fd < 0 ? dir_fd : set_frozen(dir_fd, frozen, err);
}

struct pid_list {
	pid_t *pids;
	size_t n, size;
};

/* Adds the pids of DIR_FD's cgroup.procs and of every cgroup below it. */
static int collect_pids(int dir_fd, struct pid_list *list, int depth)
{
	FILE *procs;
	int fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	long pid;

	if (fd < 0 || !(procs = fdopen(fd, "r"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	while (fscanf(procs, "%ld", &pid) == 1) {
		if (list->n == list->size) {
			size_t size = list->size ? list->size * 2 : 64;
			pid_t *grown = realloc(list->pids, size * sizeof(*grown));
			if (!grown) {
				fclose(procs);
				return -ENOMEM;
			}
			list->pids = grown;
			list->size = size;
		}
		list->pids[list->n++] = (pid_t)pid;
	}
	fclose(procs);
	if (depth >= 32) /* deeper than any container makes; a loop is impossible anyway */
		return 0;
	int dup_fd = openat(dir_fd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *entry;
	int r = 0;
	if (!dir) {
		r = -errno;
		if (dup_fd >= 0)
			close(dup_fd);
		return r;
	}
	while (r == 0 && (entry = readdir(dir))) {
		if (entry->d_type != DT_DIR || entry->d_name[0] == '.')
			continue;
		_cleanup_close_ int child = openat(dir_fd, entry->d_name, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		/* A child cgroup removed meanwhile had nothing left to list. */
		if (child >= 0 && (r = collect_pids(child, list, depth + 1)) == -ENOENT)
			r = 0;
	}
	closedir(dir);
	return r;
}

ssize_t bh_cgroup_pids(const char *cgroups_path, pid_t **pids, struct bh_err *err)
{
	_cleanup_close_ int dir_fd = bh_cgroup_open(cgroups_path, err);
	struct pid_list list = { 0 };

	*pids = NULL;
	if (dir_fd < 0)
		return dir_fd;
	int r = collect_pids(dir_fd, &list, 0);
	if (r < 0) {
		free(list.pids);
		return bh_fail_errno(err, r, "cgroup: listing the processes of %s", cgroups_path);
	}
	*pids = list.pids;
	return (ssize_t)list.n;
}

int bh_cgroup_signal(const char *cgroups_path, int sig, struct bh_err *err)
{
	_cleanup_close_ int dir_fd = bh_cgroup_open(cgroups_path, err);
	struct pid_list list = { 0 };

	if (dir_fd < 0)
		return dir_fd;
	/* cgroup.kill (Linux 5.14) kills every process at once, forks racing
	 * with it included. */
	if (sig == SIGKILL) {
		_cleanup_close_ int kill_fd = openat(dir_fd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
		if (kill_fd >= 0 && bh_write_all(kill_fd, "1", 1) == 1)
			return 0;
	}
	/* Any other signal goes to each process of a frozen cgroup, so that
	 * none forks a child that the list would miss; it arrives at the thaw.
	 * A cgroup the user paused stays paused. */
	int was_frozen = frozen_at(dir_fd), r;
	if (was_frozen == 0 && (r = set_frozen(dir_fd, true, err)) < 0)
		return r;
	r = collect_pids(dir_fd, &list, 0);
	for (size_t i = 0; r == 0 && i < list.n; i++)
		if (kill(list.pids[i], sig) < 0 && errno != ESRCH)
			r = -errno;
	free(list.pids);
	if (r < 0)
		bh_fail_errno(err, r, "cgroup: signalling the processes of %s", cgroups_path);
	if (was_frozen == 0) {
		struct bh_err thaw_err;
		int thawed = set_frozen(dir_fd, false, r < 0 ? &thaw_err : err);
		if (r == 0)
			r = thawed;
	}
	return r;
}
