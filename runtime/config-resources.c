/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json's linux.resources, turned into cgroup v2 writes at load. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config-json.h"

/* ---- linux.resources, turned into cgroup v2 writes here, at load ---- */

__attribute__((format(printf, 3, 4))) static int add_cgroup_file(struct bh_config *c, const char *file,
								  const char *fmt, ...)
{
	char value[256];
	va_list ap;
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	while (c->cgroup_files && c->cgroup_files[n])
		n++;
	char **grown = realloc(c->cgroup_files, (n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	c->cgroup_files = grown;
	grown[n + 1] = NULL;
	if (!(grown[n] = malloc(strlen(file) + strlen(value) + 2)))
		return -ENOMEM;
	sprintf(grown[n], "%s=%s", file, value);
	return 0;
}

/* An int64 that may be absent, with -1 (or, where MAX_IF_NONPOSITIVE, any
 * value <= 0) meaning "no limit". Returns 1 when present. */
static int get_limit(struct walker *w, json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	/* -1 is OCI's "no limit"; anything below is a mistake, not another one. */
	if (!json_is_integer(v) || json_integer_value(v) < -1)
		return cfg_invalid_at(w, key, "must be an integer from -1 (no limit) up");
	*out = json_integer_value(v);
	return 1;
}

static int parse_memory(struct walker *w, json_t *resources, struct bh_config *c)
{
	json_t *memory;
	int64_t limit = 0, reservation = 0, swap = 0;
	int r = cfg_get_object(w, resources, "memory", &memory), has_limit, has_reservation, has_swap;

	if (r < 0 || !memory)
		return r;
	size_t saved = cfg_enter_key(w, "memory");
	if ((has_limit = r = get_limit(w, memory, "limit", &limit)) >= 0 &&
	    (has_reservation = r = get_limit(w, memory, "reservation", &reservation)) >= 0 &&
	    (has_swap = r = get_limit(w, memory, "swap", &swap)) >= 0) {
		r = 0;
		if (has_limit)
			r = limit < 0 ? add_cgroup_file(c, "memory.max", "max")
				      : add_cgroup_file(c, "memory.max", "%lld", (long long)limit);
		if (r == 0 && has_reservation)
			r = add_cgroup_file(c, "memory.low", "%lld", (long long)(reservation < 0 ? 0 : reservation));
		/* OCI's swap is memory plus swap; v2 counts swap alone. */
		if (r == 0 && has_swap && swap >= 0 && has_limit && limit >= 0 && swap < limit)
			r = cfg_invalid_at(w, "swap", "(memory plus swap) must not be below limit");
		else if (r == 0 && has_swap)
			r = swap < 0 || !has_limit || limit < 0
				    ? add_cgroup_file(c, "memory.swap.max", "max")
				    : add_cgroup_file(c, "memory.swap.max", "%lld", (long long)(swap - limit));
	}
	cfg_leave(w, saved);
	return r;
}

static int parse_cpu(struct walker *w, json_t *resources, struct bh_config *c)
{
	json_t *cpu;
	uint64_t shares = 0, period = 100000;
	int64_t quota = -1;
	char *cpus = NULL, *mems = NULL;
	int r = cfg_get_object(w, resources, "cpu", &cpu);

	if (r < 0 || !cpu)
		return r;
	size_t saved = cfg_enter_key(w, "cpu");
	bool has_shares = json_object_get(cpu, "shares"), has_quota = json_object_get(cpu, "quota");
	bool has_period = json_object_get(cpu, "period");
	if ((r = cfg_get_count(w, cpu, "shares", &shares)) == 0 && (r = cfg_get_count(w, cpu, "period", &period)) == 0 &&
	    (r = get_limit(w, cpu, "quota", &quota)) >= 0 && (r = cfg_get_string(w, cpu, "cpus", &cpus)) == 0 &&
	    (r = cfg_get_string(w, cpu, "mems", &mems)) == 0) {
		if (has_shares)
			r = add_cgroup_file(c, "cpu.weight", "%llu", (unsigned long long)bh_cpu_shares_to_weight(shares));
		if (r == 0 && (has_quota || has_period)) {
			if (period < 1000 || period > 1000000)
				r = cfg_invalid_at(w, "period", "must be from 1000 to 1000000 microseconds");
			else if (quota > 0)
				r = add_cgroup_file(c, "cpu.max", "%lld %llu", (long long)quota, (unsigned long long)period);
			else
				r = add_cgroup_file(c, "cpu.max", "max %llu", (unsigned long long)period);
		}
		if (r == 0 && cpus)
			r = add_cgroup_file(c, "cpuset.cpus", "%s", cpus);
		if (r == 0 && mems)
			r = add_cgroup_file(c, "cpuset.mems", "%s", mems);
	}
	free(cpus);
	free(mems);
	cfg_leave(w, saved);
	return r;
}

struct throttle {
	struct bh_config *c;
	const char *what; /* rbps, wbps, riops, wiops */
};

static int add_throttle(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct throttle *t = ctx;
	uint32_t major = 0, minor = 0;
	uint64_t rate = 0;
	int r;

	(void)index;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with major, minor and rate");
	if ((r = cfg_get_u32(w, element, "major", &major)) < 0 || (r = cfg_get_u32(w, element, "minor", &minor)) < 0 ||
	    (r = cfg_get_count(w, element, "rate", &rate)) < 0)
		return r;
	return add_cgroup_file(t->c, "io.max", "%u:%u %s=%llu", major, minor, t->what, (unsigned long long)rate);
}

static int parse_block_io(struct walker *w, json_t *resources, struct bh_config *c)
{
	static const struct {
		const char *key, *what;
	} throttles[] = {
		{ "throttleReadBpsDevice", "rbps" },   { "throttleWriteBpsDevice", "wbps" },
		{ "throttleReadIOPSDevice", "riops" }, { "throttleWriteIOPSDevice", "wiops" },
	};
	json_t *io;
	uint64_t weight = 0;
	int r = cfg_get_object(w, resources, "blockIO", &io);

	if (r < 0 || !io)
		return r;
	size_t saved = cfg_enter_key(w, "blockIO");
	if ((r = cfg_get_count(w, io, "weight", &weight)) == 0 && json_object_get(io, "weight")) {
		if (weight < 10 || weight > 1000)
			r = cfg_invalid_at(w, "weight", "must be from 10 to 1000");
		else
			r = add_cgroup_file(c, "io.weight", "default %llu",
					    (unsigned long long)bh_blkio_weight_to_io_weight(weight));
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(throttles); i++) {
		struct throttle t = { c, throttles[i].what };
		r = cfg_for_each(w, io, throttles[i].key, add_throttle, &t);
	}
	cfg_leave(w, saved);
	return r;
}

/* A major or minor: absent or null is any (-1), else 0 to 2^32 - 1. */
static int get_device_number(struct walker *w, json_t *rule, const char *key, int64_t *out)
{
	json_t *v = json_object_get(rule, key);

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > UINT32_MAX)
		return cfg_invalid_at(w, key, "must be a device number from 0 to 4294967295, or -1 or null for any");
	*out = json_integer_value(v);
	return 0;
}

static int add_device_rule(struct walker *w, json_t *element, size_t index, void *ctx)
{
	static const char access_letters[] = "mrw"; /* bit 0, 1, 2: BPF_DEVCG_ACC_MKNOD, _READ, _WRITE */
	struct bh_config *c = ctx;
	struct bh_device_rule *d = &c->device_rules[index];
	char *type = NULL, *access = NULL;
	json_t *allow = json_is_object(element) ? json_object_get(element, "allow") : NULL;
	int r;

	c->n_device_rules = index + 1;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with allow, and optionally type, major, minor and access");
	if (!json_is_boolean(allow))
		return cfg_invalid_at(w, "allow", "is required: true or false");
	d->allow = json_is_true(allow);
	if ((r = cfg_get_string(w, element, "type", &type)) == 0 && (r = cfg_get_string(w, element, "access", &access)) == 0 &&
	    (r = get_device_number(w, element, "major", &d->major)) == 0)
		r = get_device_number(w, element, "minor", &d->minor);
	/* OCI: an unset type is "a", an unset access all of rwm. */
	d->type = type ? type[0] : 'a';
	if (r == 0 && type && (strlen(type) != 1 || !strchr("abc", type[0])))
		r = cfg_invalid_at(w, "type", "\"%s\" is not a device type: a (all), b (block) or c (char)", type);
	d->access = access ? 0 : 7;
	for (const char *a = access; r == 0 && a && *a; a++) {
		const char *at = strchr(access_letters, *a);
		if (!at)
			r = cfg_invalid_at(w, "access", "\"%s\" may hold only r, w and m", access);
		else
			d->access |= 1u << (at - access_letters);
	}
	free(type);
	free(access);
	return r;
}

/* linux.resources.devices, kept in order for the device program. */
static int parse_devices(struct walker *w, json_t *resources, struct bh_config *c)
{
	json_t *list = json_object_get(resources, "devices");

	if (!list)
		return 0;
	if (json_is_array(list) && json_array_size(list) > BH_MAX_DEVICE_RULES)
		return cfg_invalid_at(w, "devices", "has %zu entries; at most %d are supported", json_array_size(list),
				      BH_MAX_DEVICE_RULES);
	if (json_is_array(list)) {
		size_t size = (json_array_size(list) + 1) * sizeof(*c->device_rules);
		if (!(c->device_rules = cfg_keep(&c->blocks, size)))
			return -ENOMEM;
		memset(c->device_rules, 0, size);
	}
	c->has_device_rules = true;
	return cfg_for_each(w, resources, "devices", add_device_rule, c);
}

/* The members of linux.resources and of its objects: those the runtime
 * applies, and those the spec knows that it does not, refused by name at
 * create and at update: a limit silently not applied is worse than a
 * refusal. Most are cgroup v1's alone. */
static const struct section {
	const char *name;
	const char *const applied[8];
	const char *const not_applied[8];
} sections[] = {
	{ "memory", { "limit", "reservation", "swap" },
	  { "kernel", "kernelTCP", "swappiness", "disableOOMKiller", "useHierarchy", "checkBeforeUpdate" } },
	/* checkBeforeUpdate is a check update would make, not a setting:
	 * refused at update alone (say_not_applied). */
	{ "cpu", { "shares", "quota", "period", "cpus", "mems" }, { "realtimeRuntime", "realtimePeriod", "idle", "burst" } },
	{ "pids", { "limit" }, { NULL } },
	{ "blockIO",
	  { "weight", "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice" },
	  { "leafWeight", "weightDevice" } },
};

/* Members of linux.resources with no section above. */
static const char *const open_members[] = { "unified", "hugepageLimits" }; /* checked by the parser */
static const char *const not_applied_members[] = { "network", "rdma" };

static bool listed(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n && names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Whether the member KEY, not applied, is refused: at create only when
 * it asks for something (null, false, [] and {} ask for nothing, as
 * generators write them), at update (STRICT) always. */
static bool say_not_applied(const char *key, json_t *value, bool strict)
{
	if (strict)
		return true;
	if (strcmp(key, "checkBeforeUpdate") == 0 || json_is_null(value) || json_is_false(value))
		return false;
	return !((json_is_array(value) && json_array_size(value) == 0) ||
		 (json_is_object(value) && json_object_size(value) == 0));
}

static int not_applied(struct walker *w, const char *key)
{
	return cfg_invalid_at(w, key, "is not applied by this runtime; leave it out");
}

/* STRICT: an unknown member is refused too (update's). */
static int check_section(struct walker *w, const struct section *s, json_t *obj, bool strict)
{
	const char *key;
	json_t *value;

	if (!json_is_object(obj))
		return cfg_invalid_at(w, s->name, "must be an object");
	size_t saved = cfg_enter_key(w, s->name);
	int r = 0;
	json_object_foreach(obj, key, value) {
		if (listed(s->not_applied, ARRAY_SIZE(s->not_applied), key))
			r = say_not_applied(key, value, strict) ? not_applied(w, key) : 0;
		else if (strict && !listed(s->applied, ARRAY_SIZE(s->applied), key))
			r = cfg_invalid_at(w, key, "unknown field");
		if (r < 0)
			break;
	}
	cfg_leave(w, saved);
	return r;
}

int cfg_check_resource_fields(struct walker *w, json_t *resources, bool strict)
{
	const char *key;
	json_t *value;

	json_object_foreach(resources, key, value) {
		const struct section *s = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
			if (strcmp(sections[i].name, key) == 0)
				s = &sections[i];
		int r = 0;
		if (s)
			r = check_section(w, s, value, strict);
		else if (strict && strcmp(key, "devices") == 0)
			r = cfg_invalid_at(w, key, "cannot be changed by update: the device program is attached at create");
		else if (listed(not_applied_members, ARRAY_SIZE(not_applied_members), key))
			r = say_not_applied(key, value, strict) ? not_applied(w, key) : 0;
		else if (strict && !listed(open_members, ARRAY_SIZE(open_members), key))
			r = cfg_invalid_at(w, key, "unknown field");
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_hugepage_file(struct bh_config *c, const char *size, uint64_t limit)
{
	char file[32];

	snprintf(file, sizeof(file), "hugetlb.%s.max", size);
	return add_cgroup_file(c, file, "%llu", (unsigned long long)limit);
}

/* hugepageLimits[]: hugetlb.SIZE.max, SIZE as the kernel names its files
 * and the spec its pageSize (2MB, 1GB, 64KB). */
static int add_hugepage_limit(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	char *size = NULL;
	uint64_t limit = 0;
	int r;

	(void)index;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with pageSize and limit");
	if ((r = cfg_get_string(w, element, "pageSize", &size)) == 0 && (r = cfg_get_count(w, element, "limit", &limit)) == 0) {
		size_t digits = size ? strspn(size, "0123456789") : 0;
		if (!size || digits == 0 || digits > 6 ||
		    (strcmp(size + digits, "KB") != 0 && strcmp(size + digits, "MB") != 0 && strcmp(size + digits, "GB") != 0))
			r = cfg_invalid_at(w, "pageSize", "\"%s\" is not a page size as hugetlb names them (2MB, 1GB, 64KB)",
					   size ? size : "");
		else if (!json_object_get(element, "limit"))
			r = cfg_invalid_at(w, "limit", "is required: the bytes of such pages the cgroup may use");
		else
			r = add_hugepage_file(c, size, limit);
	}
	free(size);
	return r;
}

int cfg_parse_resources(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *resources, *pids, *unified, *value;
	const char *key;
	int64_t limit = 0;
	int r = cfg_get_object(w, linux_obj, "resources", &resources);

	if (r < 0 || !resources)
		return r;
	size_t saved = cfg_enter_key(w, "resources");
	/* A snapshot's were create's to refuse: a runtime that refuses more
	 * since must still exec into the container. */
	if ((r = w->snapshot ? 0 : cfg_check_resource_fields(w, resources, false)) == 0 &&
	    (r = parse_memory(w, resources, c)) == 0 && (r = parse_cpu(w, resources, c)) == 0 &&
	    (r = parse_block_io(w, resources, c)) == 0 && (r = cfg_get_object(w, resources, "pids", &pids)) == 0 && pids) {
		size_t inner = cfg_enter_key(w, "pids");
		if ((r = get_limit(w, pids, "limit", &limit)) > 0)
			r = limit > 0 ? add_cgroup_file(c, "pids.max", "%lld", (long long)limit)
				      : add_cgroup_file(c, "pids.max", "max");
		cfg_leave(w, inner);
	}
	if (r == 0 && (r = cfg_get_object(w, resources, "unified", &unified)) == 0 && unified) {
		size_t inner = cfg_enter_key(w, "unified");
		json_object_foreach(unified, key, value) {
			/* A key names a file of the container's own cgroup, nothing else. */
			if (!json_is_string(value))
				r = cfg_invalid_at(w, key, "must be a string");
			else if (strchr(key, '/') || key[0] == '.' || !strchr(key, '.'))
				r = cfg_invalid_at(w, key, "is not a cgroup file name (controller.name)");
			else
				r = add_cgroup_file(c, key, "%s", json_string_value(value));
			if (r < 0)
				break;
		}
		cfg_leave(w, inner);
	}
	if (r == 0)
		r = cfg_for_each(w, resources, "hugepageLimits", add_hugepage_limit, c);
	if (r == 0)
		r = parse_devices(w, resources, c);
	/* A device list alone loads without one: the CLI then gives the
	 * container a cgroup (bh_config_default_cgroup), and a caller that
	 * does not is refused at start (bh_devices_apply). */
	if (r == 0 && c->cgroup_files && !c->cgroups_path)
		r = cfg_invalid(w, "limits need linux.cgroupsPath, the cgroup to put them on");
	cfg_leave(w, saved);
	return r;
}
