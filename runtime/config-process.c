/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json's process: args, env, cwd, user, capabilities, rlimits,
 * no_new_privs, oomScoreAdj and process.landlock. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config-json.h"

/* ---- process ---- */

static int add_capability(struct walker *w, json_t *element, size_t index, void *ctx)
{
	uint64_t *mask = ctx;
	int cap;

	(void)index;
	if (!json_is_string(element))
		return cfg_invalid(w, "must be a string");
	cap = bh_cap_from_name(json_string_value(element));
	if (cap < 0)
		return cfg_invalid(w, "unknown capability \"%s\"", json_string_value(element));
	*mask |= 1ULL << cap;
	return 0;
}

static int parse_capabilities(struct walker *w, json_t *process, struct bh_config *c)
{
	static const struct {
		const char *key;
		size_t offset;
	} sets[] = {
		{ "bounding", offsetof(struct bh_config, cap_bounding) },
		{ "effective", offsetof(struct bh_config, cap_effective) },
		{ "permitted", offsetof(struct bh_config, cap_permitted) },
		{ "inheritable", offsetof(struct bh_config, cap_inheritable) },
		{ "ambient", offsetof(struct bh_config, cap_ambient) },
	};
	json_t *caps;
	int r = cfg_get_object(w, process, "capabilities", &caps);

	if (r < 0 || !caps)
		return r;
	size_t saved = cfg_enter_key(w, "capabilities");
	for (size_t i = 0; i < ARRAY_SIZE(sets) && r == 0; i++)
		r = cfg_for_each(w, caps, sets[i].key, add_capability, (char *)c + sets[i].offset);
	cfg_leave(w, saved);
	return r;
}

static int add_gid(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;

	if (!json_is_integer(element) || json_integer_value(element) < 0 ||
	    json_integer_value(element) >= UINT32_MAX)
		return cfg_invalid(w, "must be a group id");
	c->additional_gids[index] = (gid_t)json_integer_value(element);
	c->n_additional_gids = index + 1;
	return 0;
}

static int parse_user(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *user, *gids;
	uint32_t uid = 0, gid = 0;
	int r = cfg_get_object(w, process, "user", &user);

	if (r < 0 || !user)
		return r;
	size_t saved = cfg_enter_key(w, "user");
	r = cfg_get_u32(w, user, "uid", &uid);
	if (r == 0)
		r = cfg_get_u32(w, user, "gid", &gid);
	if (r == 0 && json_object_get(user, "umask")) {
		uint32_t mask = 0;
		if ((r = cfg_get_u32(w, user, "umask", &mask)) == 0 && mask > 0777)
			r = cfg_invalid_at(w, "umask", "must be from 0 to 0777 (511)");
		c->has_umask = true;
		c->umask = (mode_t)mask;
	}
	gids = json_object_get(user, "additionalGids");
	if (r == 0 && gids && json_is_array(gids)) {
		c->additional_gids = calloc(json_array_size(gids) + 1, sizeof(gid_t));
		r = c->additional_gids ? 0 : -ENOMEM;
	}
	if (r == 0)
		r = cfg_for_each(w, user, "additionalGids", add_gid, c);
	/* -1 means "leave unchanged" to setresuid: the process would stay root. */
	if (r == 0 && uid == UINT32_MAX)
		r = cfg_invalid_at(w, "uid", "4294967295 is not a user id");
	if (r == 0 && gid == UINT32_MAX)
		r = cfg_invalid_at(w, "gid", "4294967295 is not a group id");
	cfg_leave(w, saved);
	c->uid = uid;
	c->gid = gid;
	return r;
}

static int add_landlock_rule(struct walker *w, json_t *element, size_t index, void *ctx);

static int add_landlock_right(struct walker *w, json_t *element, size_t index, void *ctx)
{
	uint64_t *mask = ctx, bit;

	(void)index;
	if (!json_is_string(element))
		return cfg_invalid(w, "must be a string");
	if (bh_landlock_right(json_string_value(element), &bit) < 0)
		return cfg_invalid(w, "unknown Landlock access right \"%s\"", json_string_value(element));
	*mask |= bit;
	return 0;
}

struct landlock_group {
	struct bh_config *c;
	uint64_t allowed;
};

static int add_landlock_path(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct landlock_group *group = ctx;
	struct bh_config *c = group->c;
	struct bh_landlock_rule *rules;

	(void)index;
	if (!json_is_string(element) || json_string_value(element)[0] != '/')
		return cfg_invalid(w, "must be an absolute path");
	rules = bh_grow(c->landlock_rules, &c->landlock_rules_room, c->n_landlock_rules, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	c->landlock_rules = rules;
	rules[c->n_landlock_rules].allowed = group->allowed;
	if (!(rules[c->n_landlock_rules].path = strdup(json_string_value(element))))
		return -ENOMEM;
	c->n_landlock_rules++;
	return 0;
}

static int add_landlock_rule(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct landlock_group group = { ctx, 0 };
	int r;

	(void)index;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with allowedAccess and paths");
	r = cfg_for_each(w, element, "allowedAccess", add_landlock_right, &group.allowed);
	if (r == 0 && (group.allowed & ~group.c->landlock_handled))
		r = cfg_invalid_at(w, "allowedAccess", "allows a right that ruleset.handledAccessFS does not handle");
	if (r == 0)
		r = cfg_for_each(w, element, "paths", add_landlock_path, &group);
	return r;
}

static int parse_landlock(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *landlock, *ruleset, *rules;
	int r = cfg_get_object(w, process, "landlock", &landlock);

	if (r < 0 || !landlock)
		return r;
	c->has_landlock = true;
	size_t saved = cfg_enter_key(w, "landlock");
	r = cfg_get_object(w, landlock, "ruleset", &ruleset);
	if (r == 0 && ruleset) {
		size_t inner = cfg_enter_key(w, "ruleset");
		r = cfg_for_each(w, ruleset, "handledAccessFS", add_landlock_right, &c->landlock_handled);
		cfg_leave(w, inner);
	}
	if (r == 0)
		r = cfg_get_object(w, landlock, "rules", &rules);
	if (r == 0 && rules) {
		size_t inner = cfg_enter_key(w, "rules");
		r = cfg_for_each(w, rules, "pathBeneath", add_landlock_rule, c);
		cfg_leave(w, inner);
	}
	if (r == 0)
		r = cfg_get_bool(w, landlock, "disableBestEffort", &c->landlock_strict);
	cfg_leave(w, saved);
	return r;
}

static int add_rlimit(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	struct bh_rlimit *limit = &c->rlimits[index];
	char *type = NULL;
	int r;

	c->n_rlimits = index + 1;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with type, soft and hard");
	if ((r = cfg_get_string(w, element, "type", &type)) == 0 && (!type || (limit->resource = bh_rlimit_from_name(type)) < 0))
		r = cfg_invalid_at(w, "type", "unknown resource limit \"%s\"", type ? type : "");
	free(type);
	if (r == 0)
		r = cfg_get_u64(w, element, "soft", &limit->soft);
	if (r == 0)
		r = cfg_get_u64(w, element, "hard", &limit->hard);
	if (r == 0 && limit->soft > limit->hard)
		r = cfg_invalid_at(w, "soft", "is above hard");
	for (size_t i = 0; r == 0 && i < index; i++)
		if (c->rlimits[i].resource == limit->resource)
			r = cfg_invalid_at(w, "type", "is given twice");
	return r;
}

static int parse_rlimits(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *list = json_object_get(process, "rlimits");

	if (list && json_is_array(list) && !(c->rlimits = calloc(json_array_size(list) + 1, sizeof(*c->rlimits))))
		return -ENOMEM;
	return cfg_for_each(w, process, "rlimits", add_rlimit, c);
}

/* process.consoleSize: the pty's rows and columns, as a terminal's are. */
static int parse_console_size(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *size;
	uint32_t height = 0, width = 0;
	int r = cfg_get_object(w, process, "consoleSize", &size);

	if (r < 0 || !size)
		return r;
	size_t saved = cfg_enter_key(w, "consoleSize");
	if ((r = cfg_get_u32(w, size, "height", &height)) == 0 && (r = cfg_get_u32(w, size, "width", &width)) == 0) {
		if (height > 0xffff)
			r = cfg_invalid_at(w, "height", "must be at most 65535");
		else if (width > 0xffff)
			r = cfg_invalid_at(w, "width", "must be at most 65535");
	}
	cfg_leave(w, saved);
	c->console_rows = (unsigned short)height;
	c->console_columns = (unsigned short)width;
	return r;
}

/* process.apparmorProfile: a profile's name, one word (the kernel's
 * "exec NAME" takes the rest of the line), as podman gives its
 * containers-default. */
static int parse_apparmor_profile(struct walker *w, json_t *process, struct bh_config *c)
{
	int r = cfg_get_string(w, process, "apparmorProfile", &c->apparmor_profile);

	if (r == 0 && c->apparmor_profile &&
	    (!c->apparmor_profile[0] || strlen(c->apparmor_profile) > 1024 || strpbrk(c->apparmor_profile, " \t\n")))
		r = cfg_invalid_at(w, "apparmorProfile", "must be a profile's name: 1 to 1024 characters, no space or newline");
	return r;
}

/* process.ioPriority: a class and, but for the idle class, a level from 0
 * (first) to 7, as ioprio_set takes them. */
static int parse_io_priority(struct walker *w, json_t *process, struct bh_config *c)
{
	static const struct cfg_name classes[] = {
		{ "IOPRIO_CLASS_RT", 1 }, { "IOPRIO_CLASS_BE", 2 }, { "IOPRIO_CLASS_IDLE", 3 },
	};
	json_t *io;
	long class = 0;
	uint32_t level = 0;
	int r = cfg_get_object(w, process, "ioPriority", &io);

	if (r < 0 || !io)
		return r;
	size_t saved = cfg_enter_key(w, "ioPriority");
	r = cfg_require_name(w, io, "class", classes, ARRAY_SIZE(classes), &class);
	if (r == 0 && (r = cfg_get_u32(w, io, "priority", &level)) == 0 && level > 7)
		r = cfg_invalid_at(w, "priority", "must be from 0 (first) to 7");
	cfg_leave(w, saved);
	c->has_io_priority = true;
	c->io_priority = (int)(class << 13 | (class == 3 ? 0 : level));
	return r;
}

/* linux/sched.h's, which musl's headers do not have */
enum {
	SCHED_FLAG_RESET_ON_FORK = 0x01,
	SCHED_FLAG_RECLAIM = 0x02,
	SCHED_FLAG_DL_OVERRUN = 0x04,
	SCHED_FLAG_KEEP_POLICY = 0x08,
	SCHED_FLAG_KEEP_PARAMS = 0x10,
	SCHED_FLAG_UTIL_CLAMP_MIN = 0x20,
	SCHED_FLAG_UTIL_CLAMP_MAX = 0x40,
};

static int add_scheduler_flag(struct walker *w, json_t *element, size_t index, void *ctx)
{
#define FLAG(name) { #name, name }
	static const struct cfg_name flags[] = {
		FLAG(SCHED_FLAG_RESET_ON_FORK), FLAG(SCHED_FLAG_RECLAIM),	 FLAG(SCHED_FLAG_DL_OVERRUN),
		FLAG(SCHED_FLAG_KEEP_POLICY),	FLAG(SCHED_FLAG_KEEP_PARAMS),	 FLAG(SCHED_FLAG_UTIL_CLAMP_MIN),
		FLAG(SCHED_FLAG_UTIL_CLAMP_MAX),
	};
#undef FLAG
	struct bh_scheduler *s = ctx;
	long flag = 0;
	int r;

	(void)index;
	if (!json_is_string(element))
		return cfg_invalid(w, "must be a string");
	if ((r = cfg_name_value(w, json_string_value(element), flags, ARRAY_SIZE(flags), &flag)) == 0)
		s->flags |= (uint64_t)flag;
	return r;
}

/* process.scheduler: sched_setattr's fields by the spec's names. The
 * kernel judges the combination (a real-time policy needs a priority of 1
 * to 99, a deadline one its three times) when the process starts. */
static int parse_scheduler(struct walker *w, json_t *process, struct bh_config *c)
{
	enum { POLICY_ISO = 4 }; /* SCHED_ISO: in the spec, reserved but never made in Linux */
	static const struct cfg_name policies[] = {
		{ "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
		{ "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", POLICY_ISO },    { "SCHED_IDLE", SCHED_IDLE },
		{ "SCHED_DEADLINE", SCHED_DEADLINE },
	};
	struct bh_scheduler *s = &c->scheduler;
	json_t *sched, *nice;
	long policy = 0;
	int r = cfg_get_object(w, process, "scheduler", &sched);

	if (r < 0 || !sched)
		return r;
	*s = (struct bh_scheduler){ .size = sizeof(*s) };
	size_t saved = cfg_enter_key(w, "scheduler");
	r = cfg_require_name(w, sched, "policy", policies, ARRAY_SIZE(policies), &policy);
	if (r == 0 && policy == POLICY_ISO)
		r = cfg_invalid_at(w, "policy", "SCHED_ISO is not implemented by Linux");
	s->policy = (uint32_t)policy;
	if (r == 0 && (nice = json_object_get(sched, "nice"))) {
		if (!json_is_integer(nice) || json_integer_value(nice) < -20 || json_integer_value(nice) > 19)
			r = cfg_invalid_at(w, "nice", "must be an integer from -20 to 19");
		s->nice = (int32_t)json_integer_value(nice);
	}
	if (r == 0 && (r = cfg_get_u32(w, sched, "priority", &s->priority)) == 0 && s->priority > 99)
		r = cfg_invalid_at(w, "priority", "must be from 0 to 99");
	if (r == 0)
		r = cfg_for_each(w, sched, "flags", add_scheduler_flag, s);
	/* The clamps' values have no field in the spec, and the kernel refuses
	 * either flag without them. */
	if (r == 0 && (s->flags & (SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX)))
		r = cfg_invalid_at(w, "flags", "SCHED_FLAG_UTIL_CLAMP_MIN and _MAX need values the spec has no field for");
	if (r == 0 && (r = cfg_get_u64(w, sched, "runtime", &s->runtime)) == 0 &&
	    (r = cfg_get_u64(w, sched, "deadline", &s->deadline)) == 0)
		r = cfg_get_u64(w, sched, "period", &s->period);
	cfg_leave(w, saved);
	c->has_scheduler = true;
	return r;
}

/* The CPU number at P into *CPU: where it ends, or NULL when there is
 * none (strtoul alone would take spaces and signs) or it is too high. */
static const char *cpu_number(const char *p, unsigned long *cpu)
{
	char *end;

	if (!isdigit((unsigned char)*p))
		return NULL;
	*cpu = strtoul(p, &end, 10);
	return *cpu < BH_MAX_CPUS ? end : NULL;
}

/* A list of CPUs as the kernel writes one ("0-3,8"), KEY of AFFINITY, into
 * a set of BH_MAX_CPUS of its own in *OUT. Empty, as absent: the spec's
 * "do not change the affinity". */
static int parse_cpu_list(struct walker *w, json_t *affinity, const char *key, cpu_set_t **out)
{
	char *list = NULL;
	int r = cfg_get_string(w, affinity, key, &list);

	if (r < 0 || !list || !list[0]) {
		free(list);
		return r;
	}
	cpu_set_t *set = calloc(1, CPU_ALLOC_SIZE(BH_MAX_CPUS));
	if (!set) {
		free(list);
		return -ENOMEM;
	}
	for (const char *p = list, *end;; p = end + 1) {
		unsigned long first, last;
		end = cpu_number(p, &first);
		last = first;
		if (end && *end == '-')
			end = cpu_number(end + 1, &last);
		if (!end || (*end && *end != ',') || first > last) {
			r = cfg_invalid_at(w, key, "\"%s\" is not a list of CPUs (\"0-3,8\"), each below %d", list,
					   BH_MAX_CPUS);
			break;
		}
		for (unsigned long cpu = first; cpu <= last; cpu++)
			CPU_SET_S(cpu, CPU_ALLOC_SIZE(BH_MAX_CPUS), set);
		if (!*end)
			break;
	}
	free(list);
	free(*out);
	*out = set;
	return r;
}

static int parse_exec_cpu_affinity(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *affinity;
	int r = cfg_get_object(w, process, "execCPUAffinity", &affinity);

	if (r < 0 || !affinity)
		return r;
	size_t saved = cfg_enter_key(w, "execCPUAffinity");
	if ((r = parse_cpu_list(w, affinity, "initial", &c->exec_cpus_initial)) == 0)
		r = parse_cpu_list(w, affinity, "final", &c->exec_cpus_final);
	cfg_leave(w, saved);
	return r;
}

/* The members of the process object PROCESS, the walker's path at it. */
static int parse_process_object(struct walker *w, json_t *process, struct bh_config *c)
{
	int r;

	if ((r = cfg_get_strv(w, process, "args", &c->args)) == 0 && (!c->args || !c->args[0]))
		r = cfg_invalid(w, "args must name the command to run");
	if (r == 0 && (r = cfg_get_strv(w, process, "env", &c->env)) == 0 && !c->env)
		r = (c->env = calloc(1, sizeof(char *))) ? 0 : -ENOMEM;
	if (r == 0 && (r = cfg_get_string(w, process, "cwd", &c->cwd)) == 0 && !c->cwd)
		r = (c->cwd = strdup("/")) ? 0 : -ENOMEM;
	if (r == 0)
		r = cfg_require_absolute(w, "cwd", c->cwd);
	if (r == 0)
		r = parse_apparmor_profile(w, process, c);
	if (r == 0)
		r = cfg_get_bool(w, process, "terminal", &c->terminal);
	if (r == 0)
		r = parse_console_size(w, process, c);
	if (r == 0)
		r = cfg_get_bool(w, process, "noNewPrivileges", &c->no_new_privileges);
	if (r == 0)
		r = parse_user(w, process, c);
	if (r == 0)
		r = parse_rlimits(w, process, c);
	if (r == 0 && json_object_get(process, "oomScoreAdj")) {
		json_t *v = json_object_get(process, "oomScoreAdj");
		if (!json_is_integer(v) || json_integer_value(v) < -1000 || json_integer_value(v) > 1000)
			r = cfg_invalid_at(w, "oomScoreAdj", "must be an integer from -1000 to 1000");
		c->has_oom_score_adj = true;
		c->oom_score_adj = (int)json_integer_value(v);
	}
	if (r == 0)
		r = parse_io_priority(w, process, c);
	if (r == 0)
		r = parse_scheduler(w, process, c);
	if (r == 0)
		r = parse_exec_cpu_affinity(w, process, c);
	if (r == 0)
		r = parse_capabilities(w, process, c);
	if (r == 0)
		r = parse_landlock(w, process, c);
	return r;
}

int cfg_parse_process(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *process;
	int r = cfg_get_object(w, root, "process", &process);

	if (r < 0)
		return r;
	if (!process)
		return cfg_invalid_at(w, "process", "is required (the process to run, with args at least)");
	size_t saved = cfg_enter_key(w, "process");
	r = parse_process_object(w, process, c);
	cfg_leave(w, saved);
	return r;
}

/* Forgets the settings a process object is about to give: every one when
 * WHOLE (a process object replaces config.json's, as --process does; of
 * what it lacks, rlimits, oomScoreAdj, apparmorProfile and landlock stay
 * the container's, never the caller's limits or no profile or Landlock at
 * all), else only those of the members it has. The parser leaves what is absent as it was. */
static void clear_process(struct bh_config *c, json_t *process, bool whole)
{
#define GIVES(key) (whole || json_object_get(process, key))
	if (GIVES("args")) {
		bh_strv_free(c->args);
		c->args = NULL;
	}
	if (GIVES("env")) {
		bh_strv_free(c->env);
		c->env = NULL;
	}
	if (GIVES("cwd")) {
		free(c->cwd);
		c->cwd = NULL;
	}
	if (GIVES("user")) {
		free(c->additional_gids);
		c->additional_gids = NULL;
		c->n_additional_gids = 0;
		c->uid = c->gid = 0;
		c->has_umask = false;
	}
	if (GIVES("noNewPrivileges"))
		c->no_new_privileges = false;
	if (GIVES("terminal"))
		c->terminal = false;
	if (GIVES("consoleSize"))
		c->console_rows = c->console_columns = 0;
	if (GIVES("capabilities"))
		c->cap_bounding = c->cap_effective = c->cap_permitted = c->cap_inheritable = c->cap_ambient = 0;
	if (GIVES("ioPriority"))
		c->has_io_priority = false;
	if (GIVES("scheduler"))
		c->has_scheduler = false;
	if (GIVES("execCPUAffinity")) {
		free(c->exec_cpus_initial);
		free(c->exec_cpus_final);
		c->exec_cpus_initial = c->exec_cpus_final = NULL;
	}
#undef GIVES
	if (json_object_get(process, "rlimits")) {
		free(c->rlimits);
		c->rlimits = NULL;
		c->n_rlimits = 0;
	}
	if (json_object_get(process, "oomScoreAdj"))
		c->has_oom_score_adj = false;
	/* Without one, an exec'd process keeps the container's profile, as
	 * runc's does: a process file must not be a way out of it. */
	if (json_object_get(process, "apparmorProfile")) {
		free(c->apparmor_profile);
		c->apparmor_profile = NULL;
	}
	if (json_object_get(process, "landlock")) {
		for (size_t i = 0; i < c->n_landlock_rules; i++)
			free(c->landlock_rules[i].path);
		free(c->landlock_rules);
		c->landlock_rules = NULL;
		c->n_landlock_rules = c->landlock_rules_room = 0;
		c->landlock_handled = 0;
		c->landlock_strict = false;
		c->has_landlock = false;
	}
}

static int set_process(struct bh_config *c, const char *json, size_t len, bool whole, struct bh_err *err)
{
	struct walker w = { .err = err };
	json_error_t jerr;
	json_t *process = cfg_loadb(json, len, &jerr);
	int r;

	if (err)
		err->path[0] = err->reason[0] = '\0';
	if (!process)
		return bh_fail(err, -EINVAL, "process:%d:%d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(process)) {
		json_decref(process);
		return bh_fail(err, -EINVAL, "process: must be an object (config.json's process)");
	}
	clear_process(c, process, whole);
	r = parse_process_object(&w, process, c);
	json_decref(process);
	if (r == -EINVAL && err && err->reason[0]) {
		/* Named as the process's own members, not config.json's. */
		char path[sizeof(err->path)], reason[sizeof(err->reason)];
		memcpy(path, err->path, sizeof(path));
		memcpy(reason, err->reason, sizeof(reason));
		bh_fail(err, r, "process: %s%s%s", path, path[0] ? ": " : "", reason);
		memcpy(err->path, path, sizeof(path));
		memcpy(err->reason, reason, sizeof(reason));
	} else if (r == -ENOMEM) {
		bh_fail(err, r, "process: out of memory");
	}
	return r;
}

int bh_config_set_process(struct bh_config *c, const char *json, size_t len, struct bh_err *err)
{
	return set_process(c, json, len, true, err);
}

int bh_config_change_process(struct bh_config *c, const char *json, size_t len, struct bh_err *err)
{
	return set_process(c, json, len, false, err);
}
