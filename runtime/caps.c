/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities: names through libcap, the five sets applied in two steps
 * (the bounding set while we still hold CAP_SETPCAP, the rest after the id
 * change, see container.c), and CAP_SYS_ADMIN held a little longer where
 * the process restricts itself without no_new_privs. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "internal.h"

int bh_cap_from_name(const char *name)
{
	char lower[64];
	cap_value_t value;
	size_t len = strlen(name);

	/* OCI spells them CAP_NAME; libcap knows them as cap_name. */
	if (len < 5 || len >= sizeof(lower) || strncmp(name, "CAP_", 4) != 0)
		return -EINVAL;
	for (size_t i = 0; i <= len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	if (cap_from_name(lower, &value) < 0 || value < 0 || value > 63)
		return -EINVAL;
	return (int)value;
}

static int kernel_cap_count(void)
{
	int n = (int)cap_max_bits();
	return n > 64 ? 64 : n;
}

int bh_caps_drop_bounding(const struct bh_config *c, struct bh_err *err)
{
	for (int cap = 0; cap < kernel_cap_count(); cap++) {
		if (c->cap_bounding & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return bh_fail_errno(err, -errno, "dropping capability %d from the bounding set", cap);
	}
	return 0;
}

static int set_flag(cap_t caps, cap_flag_t flag, uint64_t mask)
{
	for (int cap = 0; cap < kernel_cap_count(); cap++) {
		cap_value_t value = cap;
		if ((mask & (1ULL << cap)) && cap_set_flag(caps, flag, 1, &value, CAP_SET) < 0)
			return -errno;
	}
	return 0;
}

int bh_caps_apply(const struct bh_config *c, struct bh_err *err)
{
	cap_t caps = cap_init();
	int r = 0;

	if (!caps)
		return bh_fail(err, -ENOMEM, "allocating a capability set");
	if ((r = set_flag(caps, CAP_EFFECTIVE, c->cap_effective)) < 0 ||
	    (r = set_flag(caps, CAP_PERMITTED, c->cap_permitted)) < 0 ||
	    (r = set_flag(caps, CAP_INHERITABLE, c->cap_inheritable)) < 0) {
		cap_free(caps);
		return bh_fail_errno(err, r, "building the capability sets");
	}
	if (cap_set_proc(caps) < 0) {
		r = -errno;
		cap_free(caps);
		return bh_fail_errno(err, r, "setting the capability sets");
	}
	cap_free(caps);

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return bh_fail_errno(err, -errno, "clearing the ambient set");
	/* The kernel only lets a capability that is permitted and inheritable be
	 * ambient. Configs in the wild (crun's and runc's spec) list ambient
	 * capabilities without inheritable ones; like them, we raise what the
	 * rules allow and skip the rest. Skipping grants less, never more. */
	uint64_t ambient = c->cap_ambient & c->cap_permitted & c->cap_inheritable;
	for (int cap = 0; cap < kernel_cap_count(); cap++) {
		if (!(ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return bh_fail_errno(err, -errno, "raising capability %d in the ambient set", cap);
	}
	return 0;
}

int bh_caps_hold_admin(const struct bh_config *c, struct bh_err *err)
{
	cap_value_t admin = CAP_SYS_ADMIN;
	cap_flag_value_t permitted = CAP_CLEAR;
	int r = 0;

	if (!c->has_seccomp && !c->has_landlock)
		return 0;
	/* A uid change cleared the effective set; KEEPCAPS kept the permitted
	 * one, from which CAP_SYS_ADMIN is raised again. */
	cap_t caps = cap_get_proc();
	if (!caps)
		return bh_fail_errno(err, -errno, "reading the capability sets");
	if (cap_get_flag(caps, admin, CAP_PERMITTED, &permitted) < 0 || permitted != CAP_SET)
		r = -EPERM;
	else if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &admin, CAP_SET) < 0 || cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	if (r < 0)
		return bh_fail(err, r,
			       "loading seccomp or Landlock without no_new_privs needs CAP_SYS_ADMIN, which the runtime lacks (%s); "
			       "set process.noNewPrivileges",
			       strerror(-r));
	return 0;
}
