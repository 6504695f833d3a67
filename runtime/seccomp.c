/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp: the filter is built with libseccomp and loaded last (with
 * no_new_privs; without, just before the final capability sets, see
 * container.c), so it need not allow the setup syscalls. Syscall names this architecture does not
 * have are skipped, as crun and runc do: profiles list every architecture's. */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/syscall.h>

#include "internal.h"

static const struct {
	const char *name;
	uint32_t action; /* SCMP_ACT_ERRNO and _TRACE take their argument later */
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

int bh_seccomp_action(const char *name, uint32_t errno_ret, uint32_t *action)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		if (strcmp(name, actions[i].name) != 0)
			continue;
		*action = actions[i].action;
		if (*action == SCMP_ACT_ERRNO(0))
			*action = SCMP_ACT_ERRNO(errno_ret);
		else if (*action == SCMP_ACT_TRACE(0))
			*action = SCMP_ACT_TRACE(errno_ret);
		return 0;
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	int op;
} operators[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

int bh_seccomp_operator(const char *name, int *op)
{
	for (size_t i = 0; i < ARRAY_SIZE(operators); i++)
		if (strcmp(name, operators[i].name) == 0) {
			*op = operators[i].op;
			return 0;
		}
	return -EINVAL;
}

static int add_rule(scmp_filter_ctx ctx, const struct bh_seccomp_rule *rule, int nr)
{
	struct scmp_arg_cmp cmp[6];

	const struct bh_seccomp_match *m = rule->match;

	for (size_t i = 0; i < m->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){ .arg = m->args[i].index,
						.op = (enum scmp_compare)m->args[i].op,
						.datum_a = m->args[i].value,
						.datum_b = m->args[i].value_two };
	return seccomp_rule_add_array(ctx, m->action, nr, (unsigned)m->n_args, cmp);
}

int bh_seccomp_arch(const char *name, uint32_t *token)
{
	char lower[32];
	size_t len;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || (len = strlen(name + 10)) == 0 || len >= sizeof(lower))
		return -EINVAL;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)(name[10 + i] >= 'A' && name[10 + i] <= 'Z' ? name[10 + i] - 'A' + 'a' : name[10 + i]);
	*token = seccomp_arch_resolve_name(lower);
	return *token ? 0 : -EINVAL;
}

static const struct {
	const char *name;
	enum scmp_filter_attr attr;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
};

int bh_seccomp_flag(const char *name, unsigned *bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(filter_flags); i++)
		if (strcmp(name, filter_flags[i].name) == 0) {
			*bit = 1U << i;
			return 0;
		}
	return -EINVAL;
}

/* Architectures and filter flags, before any rule is added. */
static int configure(scmp_filter_ctx ctx, const struct bh_config *c)
{
	int r;

	for (size_t i = 0; i < c->n_seccomp_arches; i++)
		if ((r = seccomp_arch_add(ctx, c->seccomp_arches[i])) < 0 && r != -EEXIST)
			return r;
	for (size_t i = 0; i < ARRAY_SIZE(filter_flags); i++)
		if ((c->seccomp_flags & (1U << i)) && (r = seccomp_attr_set(ctx, filter_flags[i].attr, 1)) < 0)
			return r;
	/* An allow-list of some 350 names: a binary tree instead of a linear
	 * scan keeps every syscall's cost down. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	/* libseccomp would set no_new_privs itself when it loads: whether the
	 * process gets it is process.noNewPrivileges' to say (container.c). */
	return seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
}

/* The config's rules in a libseccomp context, ready to load or export. */
static int filter_build(const struct bh_config *c, scmp_filter_ctx *out, struct bh_err *err)
{
	/* Its default action alone would refuse every call the rules allow. */
	if (c->seccomp_rules_elided)
		return bh_fail(err, -EINVAL, "seccomp: this load of config.json left the rules to the compiled filter");
	scmp_filter_ctx ctx = seccomp_init(c->seccomp_default);
	int r;

	if (!ctx)
		return bh_fail(err, -ENOMEM, "seccomp: creating the filter");
	if ((r = configure(ctx, c)) < 0) {
		seccomp_release(ctx);
		return bh_fail_errno(err, r, "seccomp: architectures or flags");
	}
	for (size_t i = 0; i < c->n_seccomp_rules; i++) {
		const struct bh_seccomp_rule *rule = &c->seccomp_rules[i];
		int nr = seccomp_syscall_resolve_name(rule->name);
		if (nr == __NR_SCMP_ERROR || rule->match->action == c->seccomp_default)
			continue;
		if ((r = add_rule(ctx, rule, nr)) < 0) {
			seccomp_release(ctx);
			return bh_fail_errno(err, r, "seccomp: rule for %s", rule->name);
		}
	}
	*out = ctx;
	return 0;
}

/* The kernel's own flags for the config's; libseccomp sets them itself
 * when it loads, a compiled program needs them passed. */
static unsigned kernel_flags(const struct bh_config *c)
{
	static const unsigned bits[] = { SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,
					 SECCOMP_FILTER_FLAG_SPEC_ALLOW };
	unsigned flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
		if (c->seccomp_flags & (1U << i))
			flags |= bits[i];
	return flags;
}

/* The program compiled at build time, as it is. */
static int load_compiled(const struct bh_config *c, struct bh_err *err)
{
	struct sock_fprog prog = { .len = (unsigned short)c->n_seccomp_bpf, .filter = c->seccomp_bpf };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, kernel_flags(c), &prog) < 0)
		return bh_fail_errno(err, -errno, "seccomp: loading the compiled filter");
	return 0;
}

int bh_seccomp_apply(const struct bh_config *c, struct bh_err *err)
{
	scmp_filter_ctx ctx;
	int r;

	if (!c->has_seccomp)
		return 0;
	if (c->seccomp_bpf)
		return load_compiled(c, err);
	if ((r = filter_build(c, &ctx, err)) < 0)
		return r;
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return bh_fail_errno(err, r, "seccomp: loading the filter");
	return 0;
}

int bh_seccomp_export(const struct bh_config *c, int fd, struct bh_err *err)
{
	scmp_filter_ctx ctx;
	off_t start, end;
	int r;

	if (!c->has_seccomp)
		return 0;
	/* The appliance's kernel is x86_64: a filter for another machine's
	 * native architecture would kill every syscall in it. */
	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return bh_fail(err, -ENOTSUP, "seccomp: compiling for x86_64 needs an x86_64 build machine");
	if ((r = filter_build(c, &ctx, err)) < 0)
		return r;
	start = lseek(fd, 0, SEEK_CUR);
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (r < 0)
		return bh_fail_errno(err, r, "seccomp: writing the compiled filter");
	end = lseek(fd, 0, SEEK_CUR);
	return start < 0 || end < 0 ? 1 : (int)((end - start) / (off_t)sizeof(struct sock_filter));
}

const char *bh_seccomp_action_at(size_t i)
{
	return i < ARRAY_SIZE(actions) ? actions[i].name : NULL;
}

const char *bh_seccomp_operator_at(size_t i)
{
	return i < ARRAY_SIZE(operators) ? operators[i].name : NULL;
}
