/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock: AppArmor-like path rules that the process cannot lift.
 *
 * The kernel tells its ABI version; rights newer than that ABI are dropped
 * from the handled set as a documented best effort (a right the kernel does
 * not handle stays allowed, as it was before Landlock), unless the config
 * sets disableBestEffort. A kernel without Landlock at all is an error when
 * rules were asked for: path rules are never silently skipped.
 *
 * Write xor execute: a rule that lets a process write files beneath a path
 * but not execute them (write_file or make_reg without execute) also keeps
 * execute away from there when a rule on an ancestor grants it. Landlock's
 * rules only add up, so the ancestor's execute is given instead to each of
 * its entries that is not that path or leads to it (see carve_execute). A
 * config that wants a path both writable and executable says so in the
 * path's own rule. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

/* Bit numbers are the kernel's ABI (include/uapi/linux/landlock.h). */
static const struct {
	const char *name;
	int abi;        /* first Landlock ABI that knows the right */
	bool file;      /* may be granted on a regular file, not only a directory */
} rights[] = {
	{ "execute", 1, true },     { "write_file", 1, true },   { "read_file", 1, true },
	{ "read_dir", 1, false },   { "remove_dir", 1, false },  { "remove_file", 1, false },
	{ "make_char", 1, false },  { "make_dir", 1, false },    { "make_reg", 1, false },
	{ "make_sock", 1, false },  { "make_fifo", 1, false },   { "make_block", 1, false },
	{ "make_sym", 1, false },   { "refer", 2, false },       { "truncate", 3, true },
	{ "ioctl_dev", 5, true },
};
#define N_RIGHTS ARRAY_SIZE(rights)

int bh_landlock_right(const char *name, uint64_t *bit)
{
	for (size_t i = 0; i < N_RIGHTS; i++)
		if (strcmp(name, rights[i].name) == 0) {
			*bit = 1ULL << i;
			return 0;
		}
	return -EINVAL;
}

static uint64_t rights_mask(int abi, bool file_only)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < N_RIGHTS; i++)
		if (rights[i].abi <= abi && (!file_only || rights[i].file))
			mask |= 1ULL << i;
	return mask;
}

static const char *first_right_name(uint64_t mask)
{
	for (size_t i = 0; i < N_RIGHTS; i++)
		if (mask & (1ULL << i))
			return rights[i].name;
	return "?";
}

static int add_path_rule(int ruleset, const char *path, uint64_t allowed, uint64_t handled, struct bh_err *err)
{
	struct ll_path_beneath_attr attr;
	struct stat st;
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return bh_fail_errno(err, -errno, "landlock rule path %s", path);
	if (fstat(fd, &st) < 0)
		return bh_fail_errno(err, -errno, "landlock rule path %s", path);
	attr.allowed_access = allowed & handled;
	/* Directory rights on a file are meaningless and the kernel refuses them. */
	if (!S_ISDIR(st.st_mode))
		attr.allowed_access &= rights_mask(99, true);
	if (attr.allowed_access == 0)
		return 0;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) < 0)
		return bh_fail_errno(err, -errno, "landlock rule for %s", path);
	return 0;
}

#define LL_EXECUTE (1ULL << 0)
#define LL_WRITE_FILE (1ULL << 1)
#define LL_MAKE_REG (1ULL << 8)

/* RULE's path holds files that may be written but not executed. */
static bool write_only(const struct bh_landlock_rule *rule)
{
	return (rule->allowed & (LL_WRITE_FILE | LL_MAKE_REG)) && !(rule->allowed & LL_EXECUTE);
}

/* The length of PATH without trailing slashes ("/" counts as 0). */
static size_t trimmed(const char *path)
{
	size_t n = strlen(path);

	while (n > 0 && path[n - 1] == '/')
		n--;
	return n;
}

/* INNER lies strictly beneath OUTER (both absolute). */
static bool beneath(const char *inner, const char *outer)
{
	size_t n = trimmed(outer), m = trimmed(inner);

	return m > n && strncmp(inner, outer, n) == 0 && inner[n] == '/';
}

static bool same_path(const char *a, const char *b)
{
	size_t n = trimmed(a);

	return n == trimmed(b) && strncmp(a, b, n) == 0;
}

/* The write-only paths, resolved once: Landlock ties a rule to the file
 * its path leads to, so a write-only "/var/run" that is a symlink to /run
 * makes /run writable, and it is /run that must not get execute. The text
 * when the path does not resolve (the rule's own open fails then, and says
 * so). */
struct carved {
	char **paths;
	size_t n;
};

static void carved_free(struct carved *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->paths[i]);
	free(w->paths);
}

static int carved_collect(const struct bh_config *c, struct carved *w, struct bh_err *err)
{
	w->n = 0;
	if (!(w->paths = calloc(c->n_landlock_rules + 1, sizeof(*w->paths))))
		return bh_fail(err, -ENOMEM, "landlock: out of memory");
	for (size_t i = 0; i < c->n_landlock_rules; i++) {
		const char *path = c->landlock_rules[i].path;
		if (!write_only(&c->landlock_rules[i]))
			continue;
		char *real = realpath(path, NULL);
		if (!real && !(real = strdup(path)))
			return bh_fail(err, -ENOMEM, "landlock: out of memory"); /* the caller frees W */
		w->paths[w->n++] = real;
	}
	return 0;
}

/* Some write-only path lies strictly beneath DIR. */
static bool carves(const struct carved *w, const char *dir)
{
	for (size_t i = 0; i < w->n; i++)
		if (beneath(w->paths[i], dir))
			return true;
	return false;
}

/* Execute beneath DIR, but not beneath any write-only path: each entry of
 * DIR gets execute of its own, except a write-only path (skipped), and an
 * entry that leads to one (split further). Symbolic links are skipped:
 * what they point to gets its right where it lies. A directory that cannot
 * be listed gets no execute: narrower, never wider. */
static int carve_execute(const struct carved *w, int ruleset, const char *dir, uint64_t handled, int depth,
			 struct bh_err *err)
{
	char child[PATH_MAX];
	struct dirent *entry;
	struct stat st;
	int r = 0;
	DIR *d = depth < 32 ? opendir(dir) : NULL;

	if (!d)
		return 0;
	while (r == 0 && (entry = readdir(d))) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (snprintf(child, sizeof(child), "%.*s/%s", (int)trimmed(dir), dir, entry->d_name) >= (int)sizeof(child))
			continue;
		bool skip = false;
		for (size_t i = 0; i < w->n; i++)
			skip |= same_path(w->paths[i], child);
		if (skip || lstat(child, &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode) && carves(w, child))
			r = carve_execute(w, ruleset, child, handled, depth + 1, err);
		else
			r = add_path_rule(ruleset, child, LL_EXECUTE, handled, err);
	}
	closedir(d);
	return r;
}

static int add_rule(int ruleset, const struct carved *w, const struct bh_landlock_rule *rule, uint64_t handled,
		    struct bh_err *err)
{
	if (!(rule->allowed & LL_EXECUTE & handled) || !carves(w, rule->path))
		return add_path_rule(ruleset, rule->path, rule->allowed, handled, err);
	int r = add_path_rule(ruleset, rule->path, rule->allowed & ~LL_EXECUTE, handled, err);
	return r < 0 ? r : carve_execute(w, ruleset, rule->path, handled, 0, err);
}

int bh_landlock_apply(const struct bh_config *c, struct bh_err *err)
{
	struct ll_ruleset_attr attr;
	int abi;

	if (!c->has_landlock)
		return 0;
	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi < 0)
		return bh_fail(err, -errno,
			       "landlock: the kernel offers no Landlock (%s); boot with lsm=landlock,... or drop process.landlock",
			       strerror(errno));
	attr.handled_access_fs = c->landlock_handled & rights_mask(abi, false);
	if (c->landlock_strict && attr.handled_access_fs != c->landlock_handled)
		return bh_fail(err, -EOPNOTSUPP,
			       "landlock: right \"%s\" needs a newer kernel (ABI %d here) and disableBestEffort is set",
			       first_right_name(c->landlock_handled & ~attr.handled_access_fs), abi);
	if (attr.handled_access_fs == 0)
		return 0;

	_cleanup_close_ int ruleset =
		(int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return bh_fail_errno(err, -errno, "landlock: creating the ruleset");
	struct carved write_only_paths;
	int r = carved_collect(c, &write_only_paths, err);
	for (size_t i = 0; r == 0 && i < c->n_landlock_rules; i++)
		r = add_rule(ruleset, &write_only_paths, &c->landlock_rules[i], attr.handled_access_fs, err);
	carved_free(&write_only_paths);
	if (r < 0)
		return r;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return bh_fail_errno(err, -errno, "landlock: restricting self");
	return 0;
}

const char *bh_landlock_right_at(size_t i)
{
	return i < N_RIGHTS ? rights[i].name : NULL;
}
