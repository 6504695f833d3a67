/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a container's cgroup goes: linux.cgroupsPath in either of its
 * forms, and whether the controllers its limits need are there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The characters systemd allows in a unit name (unit_name_is_valid), but
 * '\\' (its escapes), which a cgroup path never needs. */
static bool unit_chars_ok(const char *s, size_t len)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.@";

	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(allowed, s[i]))
			return false;
	return true;
}

/* Appends the directories of SLICE (LEN bytes, "a-b.slice") to OUT, as
 * systemd.slice(5) lays them out: every dash is a level, so a-b.slice is
 * /a.slice/a-b.slice; -.slice is the root and adds nothing. */
static int expand_slice(const char *slice, size_t len, char *out, size_t size, const char **why)
{
	static const char suffix[] = ".slice";
	size_t stem_len = len - (sizeof(suffix) - 1);

	if (len < sizeof(suffix) || memcmp(slice + stem_len, suffix, sizeof(suffix) - 1) != 0)
		return *why = "the slice (before the first colon) must end in .slice", -EINVAL;
	if (stem_len == 1 && slice[0] == '-')
		return 0;
	if (!unit_chars_ok(slice, stem_len) || memchr(slice, ':', stem_len))
		return *why = "the slice has a character systemd does not allow in a unit name", -EINVAL;
	for (size_t i = 0; i <= stem_len; i++) {
		if (i < stem_len && slice[i] != '-')
			continue;
		/* A dash at either end or two in a row would name an empty level. */
		if (i == 0 || slice[i - 1] == '-')
			return *why = "the slice's name has an empty level (a dash at an end, or two dashes)", -EINVAL;
		size_t used = strlen(out);
		if (snprintf(out + used, size - used, "/%.*s.slice", (int)i, slice) >= (int)(size - used))
			return *why = "it is too long", -ENAMETOOLONG;
	}
	return 0;
}

int bh_cgroup_path_from_systemd(const char *spec, char *out, size_t size, const char **why)
{
	const char *first = strchr(spec, ':'), *second = first ? strchr(first + 1, ':') : NULL;

	out[0] = '\0';
	/* A path from the root is a path whatever it holds, as cgroupfs's
	 * managers (podman's, crun's) write it. */
	if (!first || spec[0] == '/')
		return 1;
	if (!second || strchr(second + 1, ':'))
		return *why = "systemd's form is SLICE:PREFIX:NAME, with exactly two colons", -EINVAL;
	if (strchr(spec, '/'))
		return *why = "systemd's form SLICE:PREFIX:NAME names units, and has no slash", -EINVAL;
	if (strstr(spec, ".."))
		return *why = "\"..\" has no place in it", -EINVAL;

	const char *prefix = first + 1, *name = second + 1;
	size_t prefix_len = (size_t)(second - prefix), name_len = strlen(name);
	if (!name_len)
		return *why = "the name (after the second colon) is empty", -EINVAL;
	if (!unit_chars_ok(prefix, prefix_len) || !unit_chars_ok(name, name_len))
		return *why = "the prefix or name has a character systemd does not allow in a unit name", -EINVAL;
	/* An empty slice is where systemd puts a unit given none. */
	int r = first == spec ? expand_slice("system.slice", strlen("system.slice"), out, size, why)
			      : expand_slice(spec, (size_t)(first - spec), out, size, why);
	if (r < 0)
		return r;
	size_t used = strlen(out);
	if (snprintf(out + used, size - used, "/%.*s%s%s.scope", (int)prefix_len, prefix, prefix_len ? "-" : "",
		     name) >= (int)(size - used))
		return *why = "it is too long", -ENAMETOOLONG;
	return 0;
}

/* The part of linux.resources that writes each controller's files, for
 * a message that names what the user asked for. */
static const struct {
	const char *controller, *field;
} controller_fields[] = {
	{ "memory", "linux.resources.memory" }, { "cpu", "linux.resources.cpu" },
	{ "cpuset", "linux.resources.cpu" },    { "pids", "linux.resources.pids" },
	{ "io", "linux.resources.blockIO" },    { "hugetlb", "linux.resources.hugepageLimits" },
	{ "rdma", "linux.resources.rdma" },
};

/* Whether the space-separated LIST holds the LEN bytes at WORD. */
static bool has_word(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p; p += strcspn(p, " \n"), p += strspn(p, " \n"))
		if (strncmp(p, word, len) == 0 && (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}

static int read_controllers(int dir_fd, const char *at, char *buf, size_t size)
{
	_cleanup_close_ int fd = at ? open(at, O_RDONLY | O_CLOEXEC) : openat(dir_fd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if ((n = read(fd, buf, size - 1)) < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int bh_cgroup_check_controllers(int cgroup_fd, char *const *files, struct bh_err *err)
{
	char here[512], top[512], where[4096] = "", link[64], root_list[4200];

	if (!files || !files[0])
		return 0;
	int r = read_controllers(cgroup_fd, NULL, here, sizeof(here));
	if (r < 0)
		return bh_fail_errno(err, r, "cgroup: reading cgroup.controllers");
	for (char *const *kv = files; *kv; kv++) {
		size_t len = strcspn(*kv, ".=");
		const char *field = "linux.resources.unified";
		/* cgroup.* files belong to the core, which every cgroup has. */
		if ((len == 6 && strncmp(*kv, "cgroup", 6) == 0) || has_word(here, *kv, len) ||
		    bh_cgroup_file_lifts_limit(*kv))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(controller_fields); i++)
			if (strlen(controller_fields[i].controller) == len &&
			    strncmp(controller_fields[i].controller, *kv, len) == 0)
				field = controller_fields[i].field;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", cgroup_fd);
		ssize_t n = readlink(link, where, sizeof(where) - 1);
		where[n > 0 ? n : 0] = '\0';
		/* Missing at the top too: the kernel lends it to cgroup v1 (a
		 * hybrid host) or lacks it; nothing below can enable it. */
		const char *root = bh_cgroup_root();
		snprintf(root_list, sizeof(root_list), "%s/cgroup.controllers", root ? root : "/sys/fs/cgroup");
		bool at_top = read_controllers(-1, root_list, top, sizeof(top)) == 0 && has_word(top, *kv, len);
		return bh_fail(err, -EOPNOTSUPP,
			       "%s: the %.*s controller is not enabled in cgroup2 at %s (%.*s); %s", field, (int)len,
			       *kv, where, (int)strcspn(*kv, "="), *kv,
			       at_top ? "enable it in cgroup.subtree_control of the cgroups above, or drop the limit"
				      : "this host's cgroup2 does not have it (a hybrid host keeps it in cgroup v1): "
					"drop the limit, or run where cgroup v2 holds it");
	}
	return 0;
}
