/* Landlock: AppArmor-like path rules that the process cannot lift.
 *
 * The kernel tells its ABI version; rights newer than that ABI are dropped
 * from the handled set as a documented best effort (a right the kernel does
 * not handle stays allowed, as it was before Landlock), unless the config
 * sets disableBestEffort. A kernel without Landlock at all is an error when
 * rules were asked for: path rules are never silently skipped. */
#include <errno.h>
#include <fcntl.h>
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
#define N_RIGHTS (sizeof(rights) / sizeof(rights[0]))

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

static int add_rule(int ruleset, const struct bh_landlock_rule *rule, uint64_t handled,
		    struct bh_err *err)
{
	struct ll_path_beneath_attr attr;
	struct stat st;
	_cleanup_close_ int fd = open(rule->path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return bh_fail(err, -errno, "landlock rule path %s: %s", rule->path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return bh_fail(err, -errno, "landlock rule path %s: %s", rule->path, strerror(errno));
	attr.allowed_access = rule->allowed & handled;
	/* Directory rights on a file are meaningless and the kernel refuses them. */
	if (!S_ISDIR(st.st_mode))
		attr.allowed_access &= rights_mask(99, true);
	if (attr.allowed_access == 0)
		return 0;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) < 0)
		return bh_fail(err, -errno, "landlock rule for %s: %s", rule->path, strerror(errno));
	return 0;
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
		return bh_fail(err, -errno, "landlock: creating the ruleset: %s", strerror(errno));
	for (size_t i = 0; i < c->n_landlock_rules; i++) {
		int r = add_rule(ruleset, &c->landlock_rules[i], attr.handled_access_fs, err);
		if (r < 0)
			return r;
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return bh_fail(err, -errno, "landlock: restricting self: %s", strerror(errno));
	return 0;
}

const char *bh_landlock_right_at(size_t i)
{
	return i < N_RIGHTS ? rights[i].name : NULL;
}
