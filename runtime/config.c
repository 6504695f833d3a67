/* config.json: parsed once, validated completely, before anything is created.
 * A wrong value names its JSON path; unknown fields are ignored, as the OCI
 * runtime-spec asks. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "internal.h"

/* The JSON path of the value being read, grown and shrunk as we descend. */
struct walker {
	char path[256];
	size_t len;
	struct bh_err *err;
};

static size_t enter_key(struct walker *w, const char *key)
{
	size_t saved = w->len;
	int n = snprintf(w->path + w->len, sizeof(w->path) - w->len, "%s%s", w->len ? "." : "", key);
	if (n > 0)
		w->len = w->len + (size_t)n < sizeof(w->path) ? w->len + (size_t)n : sizeof(w->path) - 1;
	return saved;
}

static size_t enter_index(struct walker *w, size_t index)
{
	size_t saved = w->len;
	int n = snprintf(w->path + w->len, sizeof(w->path) - w->len, "[%zu]", index);
	if (n > 0)
		w->len = w->len + (size_t)n < sizeof(w->path) ? w->len + (size_t)n : sizeof(w->path) - 1;
	return saved;
}

static void leave(struct walker *w, size_t saved)
{
	w->len = saved;
	w->path[saved] = '\0';
}

__attribute__((format(printf, 2, 3))) static int invalid(struct walker *w, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return bh_fail(w->err, -EINVAL, "config.json: %s: %s", w->path, what);
}

/* Like invalid(), for the member KEY of the value being read. */
__attribute__((format(printf, 3, 4))) static int invalid_at(struct walker *w, const char *key, const char *fmt,
							    ...)
{
	char what[384];
	va_list ap;
	size_t saved = enter_key(w, key);

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int r = invalid(w, "%s", what);
	leave(w, saved);
	return r;
}

/* ---- typed getters: absent is fine (the caller keeps its default),
 * present with the wrong type is an error ---- */

enum json_want { WANT_STRING, WANT_BOOL, WANT_U32, WANT_U64, WANT_OBJECT };

static int convert(struct walker *w, json_t *v, enum json_want want, void *out)
{
	switch (want) {
	case WANT_STRING:
		if (!json_is_string(v))
			return invalid(w, "must be a string");
		return (*(char **)out = strdup(json_string_value(v))) ? 0 : -ENOMEM;
	case WANT_BOOL:
		if (!json_is_boolean(v))
			return invalid(w, "must be true or false");
		*(bool *)out = json_is_true(v);
		return 0;
	case WANT_U32:
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
			return invalid(w, "must be an integer from 0 to %u", UINT32_MAX);
		*(uint32_t *)out = (uint32_t)json_integer_value(v);
		return 0;
	case WANT_U64:
		/* jansson holds integers as signed 64 bits: a mask with the top
		 * bit set arrives negative and means the same bits. */
		if (!json_is_integer(v))
			return invalid(w, "must be an integer");
		*(uint64_t *)out = (uint64_t)json_integer_value(v);
		return 0;
	case WANT_OBJECT:
		if (!json_is_object(v))
			return invalid(w, "must be an object");
		*(json_t **)out = v;
		return 0;
	}
	return -EINVAL;
}

static int get(struct walker *w, json_t *obj, const char *key, enum json_want want, void *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	size_t saved = enter_key(w, key);
	int r = convert(w, v, want, out);
	leave(w, saved);
	return r;
}

static int get_string(struct walker *w, json_t *obj, const char *key, char **out)
{
	return get(w, obj, key, WANT_STRING, out);
}

static int get_bool(struct walker *w, json_t *obj, const char *key, bool *out)
{
	return get(w, obj, key, WANT_BOOL, out);
}

static int get_u32(struct walker *w, json_t *obj, const char *key, uint32_t *out)
{
	return get(w, obj, key, WANT_U32, out);
}

static int get_u64(struct walker *w, json_t *obj, const char *key, uint64_t *out)
{
	return get(w, obj, key, WANT_U64, out);
}

static int get_object(struct walker *w, json_t *obj, const char *key, json_t **out)
{
	*out = NULL;
	return get(w, obj, key, WANT_OBJECT, out);
}

/* Calls EACH for every element of the array at KEY, with the path set. */
typedef int (*element_fn)(struct walker *w, json_t *element, size_t index, void *ctx);

static int for_each(struct walker *w, json_t *obj, const char *key, element_fn each, void *ctx)
{
	json_t *v = json_object_get(obj, key);
	size_t saved, index;
	json_t *element;
	int r = 0;

	if (!v)
		return 0;
	saved = enter_key(w, key);
	if (!json_is_array(v))
		r = invalid(w, "must be an array");
	json_array_foreach(v, index, element) {
		if (r < 0)
			break;
		size_t inner = enter_index(w, index);
		r = each(w, element, index, ctx);
		leave(w, inner);
	}
	leave(w, saved);
	return r;
}

static int append_string(struct walker *w, json_t *element, size_t index, void *ctx)
{
	char ***vec = ctx;

	if (!json_is_string(element))
		return invalid(w, "must be a string");
	(*vec)[index] = strdup(json_string_value(element));
	return (*vec)[index] ? 0 : -ENOMEM;
}

static int get_strv(struct walker *w, json_t *obj, const char *key, char ***out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	*out = calloc(json_is_array(v) ? json_array_size(v) + 1 : 1, sizeof(char *));
	if (!*out)
		return -ENOMEM;
	return for_each(w, obj, key, append_string, out);
}

static int require_absolute(struct walker *w, const char *key, const char *path)
{
	if (path[0] != '/')
		return invalid_at(w, key, "\"%s\" must be an absolute path", path);
	if (strstr(path, "/../") || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
		return invalid_at(w, key, "\"%s\" must not contain \"..\"", path);
	return 0;
}

/* ---- process ---- */

static int add_capability(struct walker *w, json_t *element, size_t index, void *ctx)
{
	uint64_t *mask = ctx;
	int cap;

	(void)index;
	if (!json_is_string(element))
		return invalid(w, "must be a string");
	cap = bh_cap_from_name(json_string_value(element));
	if (cap < 0)
		return invalid(w, "unknown capability \"%s\"", json_string_value(element));
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
	int r = get_object(w, process, "capabilities", &caps);

	if (r < 0 || !caps)
		return r;
	size_t saved = enter_key(w, "capabilities");
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]) && r == 0; i++)
		r = for_each(w, caps, sets[i].key, add_capability, (char *)c + sets[i].offset);
	leave(w, saved);
	return r;
}

static int add_gid(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;

	if (!json_is_integer(element) || json_integer_value(element) < 0 ||
	    json_integer_value(element) >= UINT32_MAX)
		return invalid(w, "must be a group id");
	c->additional_gids[index] = (gid_t)json_integer_value(element);
	c->n_additional_gids = index + 1;
	return 0;
}

static int parse_user(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *user, *gids;
	uint32_t uid = 0, gid = 0;
	int r = get_object(w, process, "user", &user);

	if (r < 0 || !user)
		return r;
	size_t saved = enter_key(w, "user");
	r = get_u32(w, user, "uid", &uid);
	if (r == 0)
		r = get_u32(w, user, "gid", &gid);
	if (r == 0 && json_object_get(user, "umask")) {
		uint32_t mask = 0;
		if ((r = get_u32(w, user, "umask", &mask)) == 0 && mask > 0777)
			r = invalid_at(w, "umask", "must be from 0 to 0777 (511)");
		c->has_umask = true;
		c->umask = (mode_t)mask;
	}
	gids = json_object_get(user, "additionalGids");
	if (r == 0 && gids && json_is_array(gids)) {
		c->additional_gids = calloc(json_array_size(gids) + 1, sizeof(gid_t));
		r = c->additional_gids ? 0 : -ENOMEM;
	}
	if (r == 0)
		r = for_each(w, user, "additionalGids", add_gid, c);
	/* -1 means "leave unchanged" to setresuid: the process would stay root. */
	if (r == 0 && uid == UINT32_MAX)
		r = invalid_at(w, "uid", "4294967295 is not a user id");
	if (r == 0 && gid == UINT32_MAX)
		r = invalid_at(w, "gid", "4294967295 is not a group id");
	leave(w, saved);
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
		return invalid(w, "must be a string");
	if (bh_landlock_right(json_string_value(element), &bit) < 0)
		return invalid(w, "unknown Landlock access right \"%s\"", json_string_value(element));
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
		return invalid(w, "must be an absolute path");
	rules = realloc(c->landlock_rules, (c->n_landlock_rules + 1) * sizeof(*rules));
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
		return invalid(w, "must be an object with allowedAccess and paths");
	r = for_each(w, element, "allowedAccess", add_landlock_right, &group.allowed);
	if (r == 0 && (group.allowed & ~group.c->landlock_handled))
		r = invalid_at(w, "allowedAccess", "allows a right that ruleset.handledAccessFS does not handle");
	if (r == 0)
		r = for_each(w, element, "paths", add_landlock_path, &group);
	return r;
}

static int parse_landlock(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *landlock, *ruleset, *rules;
	int r = get_object(w, process, "landlock", &landlock);

	if (r < 0 || !landlock)
		return r;
	c->has_landlock = true;
	size_t saved = enter_key(w, "landlock");
	r = get_object(w, landlock, "ruleset", &ruleset);
	if (r == 0 && ruleset) {
		size_t inner = enter_key(w, "ruleset");
		r = for_each(w, ruleset, "handledAccessFS", add_landlock_right, &c->landlock_handled);
		leave(w, inner);
	}
	if (r == 0)
		r = get_object(w, landlock, "rules", &rules);
	if (r == 0 && rules) {
		size_t inner = enter_key(w, "rules");
		r = for_each(w, rules, "pathBeneath", add_landlock_rule, c);
		leave(w, inner);
	}
	if (r == 0)
		r = get_bool(w, landlock, "disableBestEffort", &c->landlock_strict);
	leave(w, saved);
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
		return invalid(w, "must be an object with type, soft and hard");
	if ((r = get_string(w, element, "type", &type)) == 0 && (!type || (limit->resource = bh_rlimit_from_name(type)) < 0))
		r = invalid_at(w, "type", "unknown resource limit \"%s\"", type ? type : "");
	free(type);
	if (r == 0)
		r = get_u64(w, element, "soft", &limit->soft);
	if (r == 0)
		r = get_u64(w, element, "hard", &limit->hard);
	if (r == 0 && limit->soft > limit->hard)
		r = invalid_at(w, "soft", "is above hard");
	for (size_t i = 0; r == 0 && i < index; i++)
		if (c->rlimits[i].resource == limit->resource)
			r = invalid_at(w, "type", "is given twice");
	return r;
}

static int parse_rlimits(struct walker *w, json_t *process, struct bh_config *c)
{
	json_t *list = json_object_get(process, "rlimits");

	if (list && json_is_array(list) && !(c->rlimits = calloc(json_array_size(list) + 1, sizeof(*c->rlimits))))
		return -ENOMEM;
	return for_each(w, process, "rlimits", add_rlimit, c);
}

static int parse_process(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *process;
	bool terminal = false;
	int r = get_object(w, root, "process", &process);

	if (r < 0)
		return r;
	if (!process)
		return invalid(w, "process is required");
	size_t saved = enter_key(w, "process");
	if ((r = get_strv(w, process, "args", &c->args)) == 0 && (!c->args || !c->args[0]))
		r = invalid(w, "args must name the command to run");
	if (r == 0 && (r = get_strv(w, process, "env", &c->env)) == 0 && !c->env)
		r = (c->env = calloc(1, sizeof(char *))) ? 0 : -ENOMEM;
	if (r == 0 && (r = get_string(w, process, "cwd", &c->cwd)) == 0 && !c->cwd)
		r = (c->cwd = strdup("/")) ? 0 : -ENOMEM;
	if (r == 0)
		r = require_absolute(w, "cwd", c->cwd);
	if (r == 0 && (r = get_bool(w, process, "terminal", &terminal)) == 0 && terminal) {
		r = invalid_at(w, "terminal", "a terminal is not supported yet; set it to false");
	}
	if (r == 0)
		r = get_bool(w, process, "noNewPrivileges", &c->no_new_privileges);
	if (r == 0)
		r = parse_user(w, process, c);
	if (r == 0)
		r = parse_rlimits(w, process, c);
	if (r == 0 && json_object_get(process, "oomScoreAdj")) {
		json_t *v = json_object_get(process, "oomScoreAdj");
		if (!json_is_integer(v) || json_integer_value(v) < -1000 || json_integer_value(v) > 1000)
			r = invalid_at(w, "oomScoreAdj", "must be an integer from -1000 to 1000");
		c->has_oom_score_adj = true;
		c->oom_score_adj = (int)json_integer_value(v);
	}
	if (r == 0)
		r = parse_capabilities(w, process, c);
	if (r == 0)
		r = parse_landlock(w, process, c);
	leave(w, saved);
	return r;
}

/* ---- root, mounts ---- */

static int parse_root(struct walker *w, json_t *json, struct bh_config *c)
{
	json_t *root;
	char *path = NULL, joined[PATH_MAX];
	int r = get_object(w, json, "root", &root);

	if (r < 0)
		return r;
	if (!root)
		return invalid(w, "root is required");
	size_t saved = enter_key(w, "root");
	r = get_string(w, root, "path", &path);
	if (r == 0 && !path)
		r = invalid(w, "path is required");
	if (r == 0)
		r = get_bool(w, root, "readonly", &c->root_readonly);
	if (r == 0) {
		snprintf(joined, sizeof(joined), "%s/%s", path[0] == '/' ? "" : c->bundle, path);
		if (!(c->root = realpath(joined, NULL)))
			r = invalid_at(w, "path", "%s: %s", joined, strerror(errno));
	}
	leave(w, saved);
	free(path);
	return r;
}

static int add_mount_option(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_mount *m = ctx;

	(void)index;
	if (!json_is_string(element))
		return invalid(w, "must be a string");
	return bh_mount_option(json_string_value(element), m, &m->data);
}

static int add_mount(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	struct bh_mount *m = &c->mounts[index];
	int r;

	c->n_mounts = index + 1;
	if (!json_is_object(element))
		return invalid(w, "must be an object");
	if ((r = get_string(w, element, "destination", &m->destination)) < 0)
		return r;
	if (!m->destination)
		return invalid(w, "destination is required");
	if ((r = require_absolute(w, "destination", m->destination)) < 0 ||
	    (r = get_string(w, element, "type", &m->type)) < 0 ||
	    (r = get_string(w, element, "source", &m->source)) < 0 ||
	    (r = for_each(w, element, "options", add_mount_option, m)) < 0)
		return r;
	if ((m->flags & MS_BIND) && !m->source)
		return invalid(w, "a bind mount needs a source");
	if (!(m->flags & MS_BIND) && !m->type)
		return invalid(w, "type is required unless the options say bind or rbind");
	return 0;
}

static int parse_mounts(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *mounts = json_object_get(root, "mounts");

	if (!mounts || !json_is_array(mounts))
		return for_each(w, root, "mounts", add_mount, c);
	c->mounts = calloc(json_array_size(mounts) + 1, sizeof(*c->mounts));
	if (!c->mounts)
		return -ENOMEM;
	return for_each(w, root, "mounts", add_mount, c);
}

/* ---- linux ---- */

static int add_join(struct bh_config *c, int flag, char **path)
{
	struct bh_ns_join *joins;

	/* pid and user namespaces are entered before the clone (see
	 * container.c); the others by the child. */
	if (flag == CLONE_NEWPID || flag == CLONE_NEWUSER) {
		char **slot = flag == CLONE_NEWPID ? &c->pid_ns_path : &c->user_ns_path;
		*slot = *path;
		*path = NULL;
		return 0;
	}
	if (!(joins = realloc(c->joins, (c->n_joins + 1) * sizeof(*joins))))
		return -ENOMEM;
	c->joins = joins;
	size_t at = c->n_joins;
	joins[at].flag = flag;
	joins[at].path = *path; /* ownership moves to the config */
	*path = NULL;
	c->n_joins++;
	return 0;
}

struct map_list {
	struct bh_id_map **maps;
	size_t *n;
};

static int add_id_map(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct map_list *list = ctx;
	struct bh_id_map *map = &(*list->maps)[index];
	int r;

	*list->n = index + 1;
	if (!json_is_object(element))
		return invalid(w, "must be an object with containerID, hostID and size");
	if ((r = get_u32(w, element, "containerID", &map->container_id)) < 0 ||
	    (r = get_u32(w, element, "hostID", &map->host_id)) < 0 || (r = get_u32(w, element, "size", &map->size)) < 0)
		return r;
	if (map->size == 0)
		return invalid_at(w, "size", "must be at least 1");
	return 0;
}

static int parse_id_maps(struct walker *w, json_t *linux_obj, const char *key, struct bh_id_map **maps, size_t *n)
{
	json_t *list = json_object_get(linux_obj, key);
	struct map_list ctx = { maps, n };

	if (list && json_is_array(list) && !(*maps = calloc(json_array_size(list) + 1, sizeof(**maps))))
		return -ENOMEM;
	return for_each(w, linux_obj, key, add_id_map, &ctx);
}

static int add_namespace(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	char *type = NULL, *path = NULL;
	int flag, r;

	(void)index;
	if (!json_is_object(element))
		return invalid(w, "must be an object");
	if ((r = get_string(w, element, "type", &type)) == 0 && (r = get_string(w, element, "path", &path)) == 0) {
		if (!type || bh_ns_flag(type, &flag) < 0)
			r = invalid(w, "unknown namespace type \"%s\"", type ? type : "");
		else if (c->namespaces & flag)
			r = invalid(w, "namespace type \"%s\" is given twice", type);
		/* pivot_root would re-root every process of a joined mount namespace. */
		else if (path && flag == CLONE_NEWNS)
			r = invalid(w, "a container needs a mount namespace of its own; remove the path");
		else if (path)
			r = add_join(c, flag, &path);
		else if (flag == CLONE_NEWCGROUP)
			c->cgroup_ns = true;
		else
			c->clone_flags |= flag;
		c->namespaces |= flag;
	}
	free(type);
	free(path);
	return r;
}

static int add_seccomp_rule(struct walker *w, json_t *element, size_t index, void *ctx);

/* One entry of linux.seccomp.syscalls: the same action and argument
 * comparisons for every name it lists. */
struct seccomp_group {
	struct bh_config *c;
	struct bh_seccomp_rule template;
};

static int add_seccomp_name(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct seccomp_group *group = ctx;
	struct bh_config *c = group->c;
	struct bh_seccomp_rule *rules;

	(void)index;
	if (!json_is_string(element))
		return invalid(w, "must be a string");
	rules = realloc(c->seccomp_rules, (c->n_seccomp_rules + 1) * sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	c->seccomp_rules = rules;
	rules[c->n_seccomp_rules] = group->template;
	if (!(rules[c->n_seccomp_rules].name = strdup(json_string_value(element))))
		return -ENOMEM;
	c->n_seccomp_rules++;
	return 0;
}

static int parse_action(struct walker *w, json_t *obj, uint32_t errno_default, uint32_t *action)
{
	char *name = NULL;
	uint32_t errno_ret = errno_default;
	int r = get_string(w, obj, "action", &name);

	if (r == 0)
		r = get_u32(w, obj, "errnoRet", &errno_ret);
	if (r == 0 && !name)
		r = invalid(w, "action is required");
	if (r == 0 && bh_seccomp_action(name, errno_ret, action) < 0)
		r = invalid_at(w, "action", "unknown seccomp action \"%s\"", name);
	free(name);
	return r;
}

static int add_seccomp_arg(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_seccomp_rule *rule = ctx;
	struct bh_seccomp_arg *arg = &rule->args[index];
	uint32_t arg_index = 0;
	char *op = NULL;
	int r;

	if (index >= 6)
		return invalid(w, "a rule compares at most 6 arguments");
	if (!json_is_object(element))
		return invalid(w, "must be an object with index, value and op");
	if ((r = get_u32(w, element, "index", &arg_index)) == 0 && arg_index > 5)
		r = invalid_at(w, "index", "must be from 0 to 5");
	if (r == 0)
		r = get_u64(w, element, "value", &arg->value);
	if (r == 0)
		r = get_u64(w, element, "valueTwo", &arg->value_two);
	if (r == 0)
		r = get_string(w, element, "op", &op);
	if (r == 0 && (!op || bh_seccomp_operator(op, &arg->op) < 0))
		r = invalid_at(w, "op", "unknown operator \"%s\"", op ? op : "");
	free(op);
	arg->index = arg_index;
	rule->n_args = index + 1;
	return r;
}

static int add_seccomp_rule(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct seccomp_group group = { ctx, { 0 } };
	int r;

	(void)index;
	if (!json_is_object(element))
		return invalid(w, "must be an object");
	if ((r = parse_action(w, element, EPERM, &group.template.action)) < 0 ||
	    (r = for_each(w, element, "args", add_seccomp_arg, &group.template)) < 0)
		return r;
	return for_each(w, element, "names", add_seccomp_name, &group);
}

static int add_seccomp_arch(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;

	if (!json_is_string(element) || bh_seccomp_arch(json_string_value(element), &c->seccomp_arches[index]) < 0)
		return invalid(w, "unknown architecture %s%s%s", json_is_string(element) ? "\"" : "",
			       json_is_string(element) ? json_string_value(element) : "(not a string)",
			       json_is_string(element) ? "\"" : "");
	if (index >= sizeof(c->seccomp_arches) / sizeof(c->seccomp_arches[0]) - 1)
		return invalid(w, "too many architectures");
	c->n_seccomp_arches = index + 1;
	return 0;
}

static int add_seccomp_flag(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	unsigned bit;

	(void)index;
	if (!json_is_string(element) || bh_seccomp_flag(json_string_value(element), &bit) < 0)
		return invalid(w, "unknown seccomp flag (SECCOMP_FILTER_FLAG_TSYNC, _LOG or _SPEC_ALLOW)");
	c->seccomp_flags |= bit;
	return 0;
}

static int parse_seccomp(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *seccomp;
	char *default_action = NULL;
	uint32_t default_errno = EPERM;
	int r = get_object(w, linux_obj, "seccomp", &seccomp);

	if (r < 0 || !seccomp)
		return r;
	c->has_seccomp = true;
	size_t saved = enter_key(w, "seccomp");
	r = get_string(w, seccomp, "defaultAction", &default_action);
	if (r == 0)
		r = get_u32(w, seccomp, "defaultErrnoRet", &default_errno);
	if (r == 0 && !default_action)
		r = invalid(w, "defaultAction is required");
	if (r == 0 && bh_seccomp_action(default_action, default_errno, &c->seccomp_default) < 0)
		r = invalid_at(w, "defaultAction", "unknown seccomp action \"%s\"", default_action);
	if (r == 0)
		r = for_each(w, seccomp, "architectures", add_seccomp_arch, c);
	if (r == 0)
		r = for_each(w, seccomp, "flags", add_seccomp_flag, c);
	if (r == 0 && json_object_get(seccomp, "listenerPath"))
		r = invalid_at(w, "listenerPath", "SCMP_ACT_NOTIFY and its listener are not supported yet");
	if (r == 0)
		r = for_each(w, seccomp, "syscalls", add_seccomp_rule, c);
	leave(w, saved);
	free(default_action);
	return r;
}

static int add_device(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	struct bh_device *d = &c->devices[index];
	char *type = NULL;
	uint32_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
	int r;

	c->n_devices = index + 1;
	if (!json_is_object(element))
		return invalid(w, "must be an object with path and type");
	if ((r = get_string(w, element, "path", &d->path)) < 0 || (r = get_string(w, element, "type", &type)) < 0)
		return free(type), r;
	if (!d->path)
		r = invalid(w, "path is required");
	else if ((r = require_absolute(w, "path", d->path)) == 0 &&
		 (!type || strlen(type) != 1 || !strchr("cbup", type[0])))
		r = invalid_at(w, "type", "must be c, b, u or p");
	if (r == 0 && (r = get_u32(w, element, "major", &major)) == 0 && (r = get_u32(w, element, "minor", &minor)) == 0 &&
	    (r = get_u32(w, element, "fileMode", &mode)) == 0 && (r = get_u32(w, element, "uid", &uid)) == 0)
		r = get_u32(w, element, "gid", &gid);
	if (r == 0 && mode > 07777)
		r = invalid_at(w, "fileMode", "must be permission bits only (at most 07777)");
	if (r == 0) {
		d->mode = (type[0] == 'b' ? S_IFBLK : type[0] == 'p' ? S_IFIFO : S_IFCHR) | (mode_t)mode;
		d->major = major;
		d->minor = minor;
		d->uid = uid;
		d->gid = gid;
	}
	free(type);
	return r;
}

static int parse_devices(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *list = json_object_get(linux_obj, "devices");

	if (list && json_is_array(list) && !(c->devices = calloc(json_array_size(list) + 1, sizeof(*c->devices))))
		return -ENOMEM;
	return for_each(w, linux_obj, "devices", add_device, c);
}

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
	if (!json_is_integer(v))
		return invalid_at(w, key, "must be an integer");
	*out = json_integer_value(v);
	return 1;
}

static int parse_memory(struct walker *w, json_t *resources, struct bh_config *c)
{
	json_t *memory;
	int64_t limit = 0, reservation = 0, swap = 0;
	int r = get_object(w, resources, "memory", &memory), has_limit, has_reservation, has_swap;

	if (r < 0 || !memory)
		return r;
	size_t saved = enter_key(w, "memory");
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
			r = invalid_at(w, "swap", "(memory plus swap) must not be below limit");
		else if (r == 0 && has_swap)
			r = swap < 0 || !has_limit || limit < 0
				    ? add_cgroup_file(c, "memory.swap.max", "max")
				    : add_cgroup_file(c, "memory.swap.max", "%lld", (long long)(swap - limit));
	}
	leave(w, saved);
	return r;
}

static int parse_cpu(struct walker *w, json_t *resources, struct bh_config *c)
{
	json_t *cpu;
	uint64_t shares = 0, period = 100000;
	int64_t quota = -1;
	char *cpus = NULL, *mems = NULL;
	int r = get_object(w, resources, "cpu", &cpu);

	if (r < 0 || !cpu)
		return r;
	size_t saved = enter_key(w, "cpu");
	bool has_shares = json_object_get(cpu, "shares"), has_quota = json_object_get(cpu, "quota");
	bool has_period = json_object_get(cpu, "period");
	if ((r = get_u64(w, cpu, "shares", &shares)) == 0 && (r = get_u64(w, cpu, "period", &period)) == 0 &&
	    (r = get_limit(w, cpu, "quota", &quota)) >= 0 && (r = get_string(w, cpu, "cpus", &cpus)) == 0 &&
	    (r = get_string(w, cpu, "mems", &mems)) == 0) {
		if (has_shares)
			r = add_cgroup_file(c, "cpu.weight", "%llu", (unsigned long long)bh_cpu_shares_to_weight(shares));
		if (r == 0 && (has_quota || has_period)) {
			if (period < 1000 || period > 1000000)
				r = invalid_at(w, "period", "must be from 1000 to 1000000 microseconds");
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
	leave(w, saved);
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
		return invalid(w, "must be an object with major, minor and rate");
	if ((r = get_u32(w, element, "major", &major)) < 0 || (r = get_u32(w, element, "minor", &minor)) < 0 ||
	    (r = get_u64(w, element, "rate", &rate)) < 0)
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
	int r = get_object(w, resources, "blockIO", &io);

	if (r < 0 || !io)
		return r;
	size_t saved = enter_key(w, "blockIO");
	if ((r = get_u64(w, io, "weight", &weight)) == 0 && json_object_get(io, "weight")) {
		if (weight < 10 || weight > 1000)
			r = invalid_at(w, "weight", "must be from 10 to 1000");
		else
			r = add_cgroup_file(c, "io.weight", "default %llu",
					    (unsigned long long)bh_blkio_weight_to_io_weight(weight));
	}
	for (size_t i = 0; r == 0 && i < sizeof(throttles) / sizeof(throttles[0]); i++) {
		struct throttle t = { c, throttles[i].what };
		r = for_each(w, io, throttles[i].key, add_throttle, &t);
	}
	leave(w, saved);
	return r;
}

static int parse_resources(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *resources, *pids, *unified, *value;
	const char *key;
	int64_t limit = 0;
	int r = get_object(w, linux_obj, "resources", &resources);

	if (r < 0 || !resources)
		return r;
	size_t saved = enter_key(w, "resources");
	if ((r = parse_memory(w, resources, c)) == 0 && (r = parse_cpu(w, resources, c)) == 0 &&
	    (r = parse_block_io(w, resources, c)) == 0 && (r = get_object(w, resources, "pids", &pids)) == 0 && pids) {
		size_t inner = enter_key(w, "pids");
		if ((r = get_limit(w, pids, "limit", &limit)) > 0)
			r = limit > 0 ? add_cgroup_file(c, "pids.max", "%lld", (long long)limit)
				      : add_cgroup_file(c, "pids.max", "max");
		leave(w, inner);
	}
	if (r == 0 && (r = get_object(w, resources, "unified", &unified)) == 0 && unified) {
		size_t inner = enter_key(w, "unified");
		json_object_foreach(unified, key, value) {
			/* A key names a file of the container's own cgroup, nothing else. */
			if (!json_is_string(value))
				r = invalid_at(w, key, "must be a string");
			else if (strchr(key, '/') || key[0] == '.' || !strchr(key, '.'))
				r = invalid_at(w, key, "is not a cgroup file name (controller.name)");
			else
				r = add_cgroup_file(c, key, "%s", json_string_value(value));
			if (r < 0)
				break;
		}
		leave(w, inner);
	}
	/* linux.resources.devices needs the eBPF device controller, which
	 * bulkhead does not load: devices are reached only through the nodes
	 * the runtime binds and the capabilities the config grants. */
	if (r == 0 && c->cgroup_files && !c->cgroups_path)
		r = invalid(w, "limits need linux.cgroupsPath, the cgroup to put them on");
	leave(w, saved);
	return r;
}

/* Checked once namespaces are known: parse_linux reads namespaces first. */
static int parse_sysctl(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *sysctl, *value;
	const char *key;
	size_t n = 0;
	int r = get_object(w, linux_obj, "sysctl", &sysctl);

	if (r < 0 || !sysctl)
		return r;
	if (!(c->sysctl = calloc(json_object_size(sysctl) + 1, sizeof(char *))))
		return -ENOMEM;
	size_t saved = enter_key(w, "sysctl");
	json_object_foreach(sysctl, key, value) {
		if (!json_is_string(value))
			r = invalid_at(w, key, "must be a string");
		else if (bh_sysctl_check(key, c->namespaces) < 0)
			r = invalid_at(w, key,
				       "is not namespaced by this container's namespaces; setting it would change the host");
		else if (!(c->sysctl[n] = malloc(strlen(key) + strlen(json_string_value(value)) + 2)))
			r = -ENOMEM;
		else
			sprintf(c->sysctl[n++], "%s=%s", key, json_string_value(value));
		if (r < 0)
			break;
	}
	leave(w, saved);
	return r;
}

static int parse_linux(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *linux_obj;
	char *propagation = NULL;
	int r = get_object(w, root, "linux", &linux_obj);

	c->rootfs_propagation = MS_PRIVATE;
	if (r < 0 || !linux_obj)
		return r;
	size_t saved = enter_key(w, "linux");
	r = for_each(w, linux_obj, "namespaces", add_namespace, c);
	if (r == 0)
		r = parse_id_maps(w, linux_obj, "uidMappings", &c->uid_maps, &c->n_uid_maps);
	if (r == 0)
		r = parse_id_maps(w, linux_obj, "gidMappings", &c->gid_maps, &c->n_gid_maps);
	/* Without both maps nobody in the namespace has an id at all. */
	if (r == 0 && (c->clone_flags & CLONE_NEWUSER) && (!c->n_uid_maps || !c->n_gid_maps))
		r = invalid(w, "a user namespace needs uidMappings and gidMappings");
	if (r == 0 && !(c->clone_flags & CLONE_NEWUSER) && (c->n_uid_maps || c->n_gid_maps))
		r = invalid(w, "uidMappings and gidMappings need a user namespace in namespaces");
	if (r == 0)
		r = get_string(w, linux_obj, "cgroupsPath", &c->cgroups_path);
	if (r == 0 && c->cgroups_path && (strstr(c->cgroups_path, "..") || !c->cgroups_path[0]))
		r = invalid_at(w, "cgroupsPath", "\"%s\" must be a path below the cgroup root", c->cgroups_path);
	if (r == 0)
		r = get_strv(w, linux_obj, "maskedPaths", &c->masked_paths);
	if (r == 0)
		r = get_strv(w, linux_obj, "readonlyPaths", &c->readonly_paths);
	if (r == 0)
		r = get_string(w, linux_obj, "rootfsPropagation", &propagation);
	if (r == 0 && propagation) {
		struct bh_mount probe = { 0 };
		char *data = NULL;
		if (bh_mount_option(propagation, &probe, &data) < 0 || data || !probe.propagation)
			r = invalid_at(w, "rootfsPropagation", "\"%s\" is not a propagation (private, slave, unbindable)",
				    propagation);
		/* Shared would carry the container's mounts back to the caller,
		 * and pivot_root refuses a shared root anyway. */
		else if (probe.propagation & MS_SHARED)
			r = invalid_at(w, "rootfsPropagation", "\"%s\" would leak the container's mounts; use private or slave",
				       propagation);
		c->rootfs_propagation = probe.propagation & ~MS_REC;
		free(data);
	}
	if (r == 0)
		r = parse_seccomp(w, linux_obj, c);
	if (r == 0)
		r = parse_sysctl(w, linux_obj, c);
	if (r == 0)
		r = parse_resources(w, linux_obj, c);
	if (r == 0)
		r = parse_devices(w, linux_obj, c);
	leave(w, saved);
	free(propagation);
	return r;
}

/* annotations["run.bulkhead.seccomp.bpf"]: the name of a file in the bundle
 * that holds linux.seccomp already compiled to classic BPF (bulkhead build
 * writes it), so that starting a container need not build the filter.
 * Read here, so that a missing or malformed file stops the start before
 * anything is created. */
static int parse_compiled_seccomp(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *name = json_object_get(json_object_get(root, "annotations"), BH_SECCOMP_BPF_ANNOTATION);
	char path[PATH_MAX];
	struct stat st;
	const char *file;
	size_t saved;
	int n, r = 0;

	if (!name)
		return 0;
	saved = enter_key(w, "annotations");
	enter_key(w, BH_SECCOMP_BPF_ANNOTATION);
	file = json_string_value(name);
	if (!file || !file[0] || file[0] == '.' || strchr(file, '/'))
		r = invalid(w, "must name a file in the bundle directory");
	else if (!c->has_seccomp)
		r = invalid(w, "a compiled filter needs the linux.seccomp it was compiled from");
	if (r < 0) {
		leave(w, saved);
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", c->bundle, file);
	if (stat(path, &st) < 0)
		r = invalid(w, "%s: %s", path, strerror(errno));
	else if (st.st_size == 0 || st.st_size % sizeof(*c->seccomp_bpf) ||
		 st.st_size / sizeof(*c->seccomp_bpf) > BPF_MAXINSNS)
		r = invalid(w, "%s: %lld bytes is not a classic BPF program (8-byte instructions, at most %d)", path,
			    (long long)st.st_size, BPF_MAXINSNS);
	else if (!(c->seccomp_bpf = malloc((size_t)st.st_size + 1))) /* + 1: bh_read_file's terminator */
		r = -ENOMEM;
	else if ((n = bh_read_file(path, (char *)c->seccomp_bpf, (size_t)st.st_size + 1)) != st.st_size)
		r = invalid(w, "%s: %s", path, n < 0 ? strerror(-n) : "changed while it was read");
	else
		c->n_seccomp_bpf = (size_t)st.st_size / sizeof(*c->seccomp_bpf);
	leave(w, saved);
	return r;
}

static int parse_config(struct walker *w, json_t *root, struct bh_config *c)
{
	int r;

	if (!json_is_object(root))
		return bh_fail(w->err, -EINVAL, "config.json: the top level must be an object");
	if ((r = parse_root(w, root, c)) < 0 || (r = parse_process(w, root, c)) < 0 ||
	    (r = get_string(w, root, "hostname", &c->hostname)) < 0 ||
	    (r = get_string(w, root, "domainname", &c->domainname)) < 0 || (r = parse_mounts(w, root, c)) < 0 ||
	    (r = parse_linux(w, root, c)) < 0 || (r = parse_compiled_seccomp(w, root, c)) < 0)
		return r;
	if ((c->hostname || c->domainname) && !(c->namespaces & CLONE_NEWUTS))
		return bh_fail(w->err, -EINVAL, "config.json: %s: setting it needs a uts namespace in linux.namespaces",
			       c->hostname ? "hostname" : "domainname");
	/* The rootfs is always pivoted into: without a namespace of its own that
	 * would re-root the caller's whole mount namespace. */
	if (!(c->clone_flags & CLONE_NEWNS))
		return bh_fail(w->err, -EINVAL,
			       "config.json: linux.namespaces: a mount namespace is required (add {\"type\": \"mount\"})");
	return 0;
}

int bh_config_load(const char *bundle, struct bh_config **out, struct bh_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	struct walker w = { .err = err };
	struct bh_config *c;
	json_t *root;
	int r;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line < 0)
			return bh_fail(err, -ENOENT, "%s: %s", path, jerr.text);
		return bh_fail(err, -EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->bundle = realpath(bundle, NULL))) {
		json_decref(root);
		free(c);
		return bh_fail(err, -ENOMEM, "%s: %s", bundle, strerror(errno));
	}
	r = parse_config(&w, root, c);
	json_decref(root);
	if (r < 0) {
		if (r == -ENOMEM)
			bh_fail(err, r, "config.json: out of memory");
		bh_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void bh_config_free(struct bh_config *c)
{
	if (!c)
		return;
	free(c->bundle);
	free(c->root);
	bh_strv_free(c->args);
	bh_strv_free(c->env);
	free(c->cwd);
	free(c->additional_gids);
	free(c->hostname);
	free(c->domainname);
	free(c->rlimits);
	for (size_t i = 0; i < c->n_joins; i++)
		free(c->joins[i].path);
	free(c->joins);
	free(c->pid_ns_path);
	free(c->user_ns_path);
	free(c->uid_maps);
	free(c->gid_maps);
	bh_strv_free(c->sysctl);
	bh_strv_free(c->cgroup_files);
	free(c->cgroups_path);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		free(c->mounts[i].data);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	bh_strv_free(c->masked_paths);
	bh_strv_free(c->readonly_paths);
	for (size_t i = 0; i < c->n_landlock_rules; i++)
		free(c->landlock_rules[i].path);
	free(c->landlock_rules);
	for (size_t i = 0; i < c->n_seccomp_rules; i++)
		free(c->seccomp_rules[i].name);
	free(c->seccomp_rules);
	free(c->seccomp_bpf);
	free(c);
}

const char *bh_config_cgroups_path(const struct bh_config *c)
{
	return c->cgroups_path;
}
