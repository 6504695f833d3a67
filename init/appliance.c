/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json: the builder's decisions, read once at boot. The builder
 * validated them and wrote exactly what contract.h lists (image/appliance.c
 * mirrors this file); we still read strictly: a key we do not know or a
 * value of the wrong type is refused, naming its JSON path, since a bad
 * file must end the boot cleanly, never crash PID 1 or be half understood. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "appliance-json.h"
#include "init.h"

static const char *const top_keys[] = {
	AJ_NAME,    AJ_HOSTNAME, AJ_ONBOOT_FAILURE, AJ_EXIT_STATUS_FROM, AJ_MODULES, AJ_MODULE_OPTIONS, AJ_MODULES_IN_BACKGROUND,
	AJ_DISKS,   AJ_INTERFACES, AJ_NETWORKS,     AJ_ONBOOT,           AJ_SERVICES, AJ_ONSHUTDOWN,
	AJ_SECRETS, AJ_SECRET_MOUNTS,
};
static const char *const container_keys[] = {
	AJ_C_NAME, AJ_C_BUNDLE, AJ_C_RESTART, AJ_C_MAX_RESTARTS, AJ_C_DEPENDS_ON, AJ_C_STOP_GRACE_MS, AJ_C_LINKS,
	AJ_C_DEPENDS_ON_HEALTHY, AJ_C_HEALTH,
	AJ_C_ON_EXIT, AJ_C_USERNS_BASE, AJ_C_USERNS_SIZE, AJ_C_SHARED_IMAGE,
};

/* OBJ (at PATH: "" for the top level) holds only KEYS. */
int aj_known_keys(json_t *obj, const char *path, const char *const *keys, size_t n, struct bh_err *err)
{
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value) {
		size_t k = 0;
		while (k < n && strcmp(key, keys[k]) != 0)
			k++;
		if (k == n)
			return bh_fail(err, -EINVAL, "%s: %s%s%s is not a key of appliance.json (docs/appliance.md)",
				       APPLIANCE_JSON, path, *path ? "." : "", key);
	}
	(void)value;
	return 0;
}

static const char *type_name(json_type type)
{
	switch (type) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_TRUE:
	case JSON_FALSE: return "true or false";
	default: return "another type";
	}
}

/* OBJ's KEY into *OUT: NULL when absent, else a value of TYPE, or an error
 * naming PATH.KEY. */
int aj_member(json_t *obj, const char *path, const char *key, json_type type, json_t **out, struct bh_err *err)
{
	*out = json_object_get(obj, key);
	if (*out && json_typeof(*out) != type)
		return bh_fail(err, -EINVAL, "%s: %s%s%s must be %s", APPLIANCE_JSON, path, *path ? "." : "", key,
			       type_name(type));
	return 0;
}

/* A string member, copied into *OUT (NULL when absent). */
int aj_string_member(json_t *obj, const char *path, const char *key, char **out, struct bh_err *err)
{
	json_t *v;
	int r = aj_member(obj, path, key, JSON_STRING, &v, err);

	*out = NULL;
	if (r < 0 || !v)
		return r;
	return (*out = strdup(json_string_value(v))) ? 0 : bh_fail(err, -ENOMEM, "out of memory");
}

/* An integer member from MIN to MAX into *OUT (DEFAULT_VALUE when absent). */
int aj_integer_member(json_t *obj, const char *path, const char *key, json_int_t min, json_int_t max,
			  json_int_t default_value, json_int_t *out, struct bh_err *err)
{
	json_t *v;
	int r = aj_member(obj, path, key, JSON_INTEGER, &v, err);

	*out = default_value;
	if (r < 0 || !v)
		return r;
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return bh_fail(err, -EINVAL, "%s: %s%s%s must be an integer from %lld to %lld", APPLIANCE_JSON, path,
			       path[0] ? "." : "", key, (long long)min, (long long)max);
	return 0;
}

/* A container's name becomes a path (its log) and is echoed to the host:
 * a letter or digit, then letters, digits, '-', '_' or '.'. */
static bool usable_name(const char *name)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = name ? strlen(name) : 0;

	return len > 0 && len <= 63 && strchr(alnum, name[0]) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

/* A list of strings: every element must be one. A wrong-typed element is
 * an error for the whole file, never the silent end of the walk. Returns a
 * NULL-terminated copy in *out (NULL for no list), or -errno. */
int aj_string_list(json_t *list, const char *what, char ***out, struct bh_err *err)
{
	json_t *item;
	size_t i;

	*out = NULL;
	if (!list)
		return 0;
	if (!json_is_array(list))
		return bh_fail(err, -EINVAL, "%s: %s must be a list of strings", APPLIANCE_JSON, what);
	if (!(*out = calloc(json_array_size(list) + 1, sizeof(char *))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, item) {
		if (!json_is_string(item))
			return bh_fail(err, -EINVAL, "%s: %s[%zu] is not a string", APPLIANCE_JSON, what, i);
		if (!((*out)[i] = strdup(json_string_value(item))))
			return bh_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int load_health(json_t *item, const char *path, struct container_spec *spec, struct bh_err *err);

/* on_exit: one of on_exit_names; absent: none. */
static int load_on_exit(json_t *item, const char *path, struct container_spec *spec, struct bh_err *err)
{
	json_t *v;
	int r = aj_member(item, path, AJ_C_ON_EXIT, JSON_STRING, &v, err);

	spec->on_exit = ON_EXIT_NONE;
	if (r < 0 || !v)
		return r;
	for (size_t i = 0; i < ON_EXIT_ACTIONS; i++)
		if (strcmp(json_string_value(v), on_exit_names[i]) == 0) {
			spec->on_exit = (enum on_exit_action)i;
			return 0;
		}
	return bh_fail(err, -EINVAL, "%s: %s." AJ_C_ON_EXIT " is not none or poweroff", APPLIANCE_JSON, path);
}

static int load_spec(json_t *item, struct container_spec *spec, const char *phase, size_t i, const struct appliance *a,
		     struct bh_err *err)
{
	char path[64];
	json_t *v;
	json_int_t n;
	int r;

	snprintf(path, sizeof(path), "%s[%zu]", phase, i);
	if (!json_is_object(item))
		return bh_fail(err, -EINVAL, "%s: %s must be an object", APPLIANCE_JSON, path);
	if ((r = aj_known_keys(item, path, container_keys, ARRAY_SIZE(container_keys), err)) < 0 ||
	    (r = aj_string_member(item, path, AJ_C_NAME, &spec->name, err)) < 0 ||
	    (r = aj_string_member(item, path, AJ_C_BUNDLE, &spec->bundle, err)) < 0)
		return r;
	if (!usable_name(spec->name) || !spec->bundle)
		return bh_fail(err, -EINVAL,
			       "%s: %s needs a name (1 to 63 letters, digits, '-', '_' or '.', starting with a "
			       "letter or digit) and a bundle",
			       APPLIANCE_JSON, path);
	spec->restart = RESTART_NO;
	if ((r = aj_member(item, path, AJ_C_RESTART, JSON_STRING, &v, err)) < 0)
		return r;
	if (v) {
		size_t p = 0;
		while (p < RESTART_POLICIES && strcmp(json_string_value(v), restart_policy_names[p]) != 0)
			p++;
		if (p == RESTART_POLICIES)
			return bh_fail(err, -EINVAL, "%s: %s.restart is not no, on-failure or always", APPLIANCE_JSON,
				       path);
		spec->restart = (enum restart_policy)p;
	}
	if ((r = aj_integer_member(item, path, AJ_C_MAX_RESTARTS, 0, UINT_MAX, 0, &n, err)) < 0)
		return r;
	spec->max_restarts = (unsigned)n;
	if ((r = aj_integer_member(item, path, AJ_C_STOP_GRACE_MS, 1, STOP_GRACE_MAX_MS, STOP_GRACE_DEFAULT_MS, &n,
				err)) < 0)
		return r;
	spec->stop_grace_ms = (int)n;
	if ((r = aj_integer_member(item, path, AJ_C_USERNS_SIZE, 1, USERNS_SIZE, 0, &n, err)) < 0)
		return r;
	spec->userns_size = (unsigned)n;
	if ((r = aj_integer_member(item, path, AJ_C_USERNS_BASE, USERNS_MIN_BASE, USERNS_MAX_END - n + 1, 0, &n, err)) < 0)
		return r;
	if (!n != !spec->userns_size)
		return bh_fail(err, -EINVAL, "%s: %s needs both or neither of " AJ_C_USERNS_BASE " and " AJ_C_USERNS_SIZE,
			       APPLIANCE_JSON, path);
	spec->userns_base = (unsigned)n;
	if ((r = appliance_load_links(item, path, a, spec, err)) < 0 || (r = load_health(item, path, spec, err)) < 0 ||
	    (r = load_on_exit(item, path, spec, err)) < 0 || (r = shared_image_load(item, path, spec, err)) < 0)
		return r;
	/* Its elements are names, resolved once the phase is read. */
	return aj_member(item, path, AJ_C_DEPENDS_ON, JSON_ARRAY, &v, err);
}

/* depends_on names become indexes now, so that supervision never compares
 * strings; an unknown name is an error. */
static int resolve_dependencies(json_t *list, struct container_spec *specs, size_t n, const char *phase,
				struct bh_err *err)
{
	for (size_t i = 0; i < n; i++) {
		json_t *deps = json_object_get(json_array_get(list, i), AJ_C_DEPENDS_ON), *d;
		size_t k;

		if (!json_is_array(deps) || !json_array_size(deps))
			continue;
		specs[i].depends_on = calloc(json_array_size(deps), sizeof(size_t));
		if (!specs[i].depends_on)
			return bh_fail(err, -ENOMEM, "out of memory");
		json_array_foreach(deps, k, d) {
			size_t j = 0;
			while (j < n && !(json_is_string(d) && strcmp(specs[j].name, json_string_value(d)) == 0))
				j++;
			if (j == n || j == i)
				return bh_fail(err, -EINVAL, "%s: %s[%zu].depends_on[%zu] names no other container of %s",
					       APPLIANCE_JSON, phase, i, k, phase);
			specs[i].depends_on[specs[i].n_depends_on++] = j;
		}
		/* Of depends_on, those waited for until healthy: each has a check. */
		json_t *healthy = json_object_get(json_array_get(list, i), AJ_C_DEPENDS_ON_HEALTHY);
		if (healthy && !(specs[i].depends_healthy = calloc(specs[i].n_depends_on + 1, sizeof(bool))))
			return bh_fail(err, -ENOMEM, "out of memory");
		for (k = 0; k < json_array_size(healthy); k++) {
			size_t at = 0;
			d = json_array_get(healthy, k);
			while (at < specs[i].n_depends_on &&
			       !(json_is_string(d) && strcmp(specs[specs[i].depends_on[at]].name, json_string_value(d)) == 0))
				at++;
			if (at == specs[i].n_depends_on || !specs[specs[i].depends_on[at]].health)
				return bh_fail(err, -EINVAL, "%s: %s[%zu]." AJ_C_DEPENDS_ON_HEALTHY "[%zu] is not of its depends_on "
					       "or has no health check", APPLIANCE_JSON, phase, i, k);
			specs[i].depends_healthy[at] = true;
		}
	}
	return 0;
}

/* A not-yet-ordered dependency of I (one exists while I is not ordered). */
static size_t open_dependency(const struct container_spec *specs, const bool *ordered, size_t i)
{
	for (size_t d = 0; d < specs[i].n_depends_on; d++)
		if (!ordered[specs[i].depends_on[d]])
			return specs[i].depends_on[d];
	return i;
}

/* Services wait for their depends_on: a cycle anywhere (a -> b -> a, or
 * a -> b -> c -> b) would make them wait forever. Orders what it can in
 * passes; what is left lies on a cycle or behind one, and following open
 * dependencies from there for n steps surely lands on the cycle, which the
 * message names. */
static int check_cycles(const struct container_spec *specs, size_t n, const char *phase, struct bh_err *err)
{
	bool *ordered = calloc(n + 1, sizeof(bool)), progress = true;
	size_t left = n;

	if (!ordered)
		return bh_fail(err, -ENOMEM, "out of memory");
	while (progress && left) {
		progress = false;
		for (size_t i = 0; i < n; i++)
			if (!ordered[i] && open_dependency(specs, ordered, i) == i) {
				ordered[i] = progress = true;
				left--;
			}
	}
	if (!left) {
		free(ordered);
		return 0;
	}
	size_t at = 0;
	while (ordered[at])
		at++;
	for (size_t step = 0; step < n; step++)
		at = open_dependency(specs, ordered, at);
	char cycle[512] = "";
	size_t len = 0, i = at;
	do {
		int w = snprintf(cycle + len, sizeof(cycle) - len, "%s -> ", specs[i].name);
		len = w > 0 && (size_t)w < sizeof(cycle) - len ? len + (size_t)w : len;
		i = open_dependency(specs, ordered, i);
	} while (i != at);
	free(ordered);
	return bh_fail(err, -ELOOP, "%s: %s: depends_on has a cycle: %s%s; every service would wait for itself",
		       APPLIANCE_JSON, phase, cycle, specs[at].name);
}

static int load_phase(json_t *root, const char *phase, const struct appliance *a, struct container_spec **out,
		      size_t *n, struct bh_err *err)
{
	json_t *list, *item;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = aj_member(root, "", phase, JSON_ARRAY, &list, err)) < 0 || !list)
		return r;
	*out = calloc(json_array_size(list) + 1, sizeof(**out));
	if (!*out)
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, item) {
		*n = i + 1;
		if ((r = load_spec(item, &(*out)[i], phase, i, a, err)) < 0)
			return r;
	}
	r = resolve_dependencies(list, *out, *n, phase, err);
	return r < 0 ? r : check_cycles(*out, *n, phase, err);
}


static size_t count_modules(const struct appliance *a)
{
	size_t n = 0;

	while (a->modules && a->modules[n])
		n++;
	return n;
}

/* module_options: {path: parameters}, each path one of the modules; into
 * a list parallel to A's modules. */
static int load_module_options(json_t *root, struct appliance *a, struct bh_err *err)
{
	json_t *options, *value;
	const char *path;
	size_t n = count_modules(a);
	int r = aj_member(root, "", AJ_MODULE_OPTIONS, JSON_OBJECT, &options, err);

	if (r < 0 || !options)
		return r;
	if (!(a->module_options = calloc(n + 1, sizeof(char *))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_object_foreach(options, path, value) {
		size_t i = 0;
		while (i < n && strcmp(a->modules[i], path) != 0)
			i++;
		if (i == n)
			return bh_fail(err, -EINVAL, "%s: " AJ_MODULE_OPTIONS ": %s is not one of the " AJ_MODULES,
				       APPLIANCE_JSON, path);
		if (!json_is_string(value))
			return bh_fail(err, -EINVAL, "%s: " AJ_MODULE_OPTIONS "[\"%s\"] is not a string", APPLIANCE_JSON,
				       path);
		if (!(a->module_options[i] = strdup(json_string_value(value))))
			return bh_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

/* modules_in_background: how many of the last modules can wait; at most
 * all of them. */
static int load_modules_in_background(json_t *root, struct appliance *a, struct bh_err *err)
{
	json_int_t n;
	int r = aj_integer_member(root, "", AJ_MODULES_IN_BACKGROUND, 0, (json_int_t)count_modules(a), 0, &n, err);
	a->n_background_modules = r == 0 ? (size_t)n : 0;
	return r;
}

/* The top level of ROOT into A; PATH names the file in messages. */
static int appliance_read(json_t *root, const char *path, struct appliance *a, struct bh_err *err)
{
	json_t *policy;
	int r;

	if (!json_is_object(root))
		return bh_fail(err, -EINVAL, "%s: the top level must be an object", path);
	if ((r = aj_known_keys(root, "", top_keys, ARRAY_SIZE(top_keys), err)) < 0 ||
	    (r = aj_string_member(root, "", AJ_NAME, &a->name, err)) < 0 ||
	    (r = aj_string_member(root, "", AJ_HOSTNAME, &a->hostname, err)) < 0 ||
	    (r = aj_string_member(root, "", AJ_EXIT_STATUS_FROM, &a->exit_status_from, err)) < 0 ||
	    (r = aj_member(root, "", AJ_ONBOOT_FAILURE, JSON_STRING, &policy, err)) < 0)
		return r;
	if (policy && strcmp(json_string_value(policy), AJ_ONBOOT_HALT) != 0 &&
	    strcmp(json_string_value(policy), AJ_ONBOOT_CONTINUE) != 0)
		return bh_fail(err, -EINVAL, "%s: " AJ_ONBOOT_FAILURE " must be " AJ_ONBOOT_HALT " or " AJ_ONBOOT_CONTINUE,
			       APPLIANCE_JSON);
	a->onboot_continue = policy && strcmp(json_string_value(policy), AJ_ONBOOT_CONTINUE) == 0;
	r = aj_string_list(json_object_get(root, AJ_MODULES), AJ_MODULES, &a->modules, err);
	if (r == 0)
		r = load_module_options(root, a, err);
	if (r == 0)
		r = load_modules_in_background(root, a, err);
	if (r == 0)
		r = appliance_load_disks(root, a, err);
	if (r == 0)
		r = appliance_load_interfaces(root, a, err);
	if (r == 0)
		r = appliance_load_networks(root, a, err);
	if (r == 0)
		r = load_phase(root, AJ_ONBOOT, a, &a->onboot, &a->n_onboot, err);
	if (r == 0)
		r = load_phase(root, AJ_SERVICES, a, &a->services, &a->n_services, err);
	if (r == 0)
		r = load_phase(root, AJ_ONSHUTDOWN, a, &a->onshutdown, &a->n_onshutdown, err);
	if (r == 0)
		r = secrets_load(root, a, err);
	if (r == 0 && a->n_onboot + a->n_services + a->n_onshutdown > INIT_MAX_CONTAINERS)
		r = bh_fail(err, -E2BIG, "%s: %zu containers; the init runs %d at most (INIT_MAX_CONTAINERS)", path,
			    a->n_onboot + a->n_services + a->n_onshutdown, INIT_MAX_CONTAINERS);
	if (r == 0 && !a->name)
		r = bh_fail(err, -EINVAL, "%s: name is missing", path);
	return r;
}

/* ROOT as json_loads or json_load_file left it (NULL: JERR says why). */
static int appliance_take(json_t *root, const json_error_t *jerr, const char *path, struct appliance *a,
			  struct bh_err *err)
{
	memset(a, 0, sizeof(*a));
	if (!root)
		return bh_fail(err, -EINVAL, "%s:%d:%d: %s", path, jerr->line, jerr->column, jerr->text);
	int r = appliance_read(root, path, a, err);
	json_decref(root);
	return r;
}

int appliance_parse(const char *text, struct appliance *a, struct bh_err *err)
{
	json_error_t jerr;
	return appliance_take(json_loads(text, JSON_REJECT_DUPLICATES, &jerr), &jerr, APPLIANCE_JSON, a, err);
}

int appliance_load(const char *path, struct appliance *a, struct bh_err *err)
{
	json_error_t jerr;
	return appliance_take(json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), &jerr, path, a, err);
}

/* A container's health check (AJ_H_*), every value within contract.h's bounds. */
static int load_health(json_t *item, const char *path, struct container_spec *spec, struct bh_err *err)
{
	static const char *const health_keys[] = { AJ_H_PROBE, AJ_H_COMMAND, AJ_H_PORT, AJ_H_PATH, AJ_H_INTERVAL_MS,
						   AJ_H_TIMEOUT_MS, AJ_H_START_PERIOD_MS, AJ_H_RETRIES, AJ_H_ON_FAILURE };
	char at[96];
	json_t *obj, *probe, *action, *v;
	json_int_t n;
	int r;

	if ((r = aj_member(item, path, AJ_C_HEALTH, JSON_OBJECT, &obj, err)) < 0 || !obj)
		return r;
	snprintf(at, sizeof(at), "%s." AJ_C_HEALTH, path);
	struct health_spec *h = spec->health = calloc(1, sizeof(*h));
	if (!h)
		return bh_fail(err, -ENOMEM, "out of memory");
	if ((r = aj_known_keys(obj, at, health_keys, ARRAY_SIZE(health_keys), err)) < 0 ||
	    (r = aj_member(obj, at, AJ_H_PROBE, JSON_STRING, &probe, err)) < 0 ||
	    (r = aj_member(obj, at, AJ_H_ON_FAILURE, JSON_STRING, &action, err)) < 0)
		return r;
	size_t p = 0, f = 0;
	while (probe && p < HEALTH_PROBES && strcmp(json_string_value(probe), health_probe_names[p]) != 0)
		p++;
	while (action && f < HEALTH_ACTIONS && strcmp(json_string_value(action), health_action_names[f]) != 0)
		f++;
	if (!probe || p == HEALTH_PROBES || !action || f == HEALTH_ACTIONS)
		return bh_fail(err, -EINVAL, "%s: %s needs a probe (exec, tcp or http) and an on_failure (restart, stop, "
			       "poweroff or none)", APPLIANCE_JSON, at);
	h->probe = (enum health_probe)p;
	h->on_failure = (enum health_action)f;
	if ((r = aj_integer_member(obj, at, AJ_H_INTERVAL_MS, HEALTH_MIN_MS, HEALTH_MAX_MS, HEALTH_INTERVAL_DEFAULT_MS, &n, err)) < 0)
		return r;
	h->interval_ms = (long)n;
	if ((r = aj_integer_member(obj, at, AJ_H_TIMEOUT_MS, HEALTH_MIN_MS, HEALTH_MAX_MS, HEALTH_TIMEOUT_DEFAULT_MS, &n, err)) < 0)
		return r;
	h->timeout_ms = (long)n;
	if ((r = aj_integer_member(obj, at, AJ_H_START_PERIOD_MS, 0, HEALTH_MAX_MS, 0, &n, err)) < 0)
		return r;
	h->start_period_ms = (long)n;
	if ((r = aj_integer_member(obj, at, AJ_H_RETRIES, 1, HEALTH_RETRIES_MAX, HEALTH_RETRIES_DEFAULT, &n, err)) < 0)
		return r;
	h->retries = (unsigned)n;
	if (h->probe == HEALTH_PROBE_EXEC) {
		char what[128];
		snprintf(what, sizeof(what), "%s." AJ_H_COMMAND, at);
		if ((r = aj_string_list(json_object_get(obj, AJ_H_COMMAND), what, &h->command, err)) < 0)
			return r;
		if (!h->command || !h->command[0])
			return bh_fail(err, -EINVAL, "%s: %s needs a command", APPLIANCE_JSON, at);
		return 0;
	}
	if ((r = aj_integer_member(obj, at, AJ_H_PORT, 1, 65535, 0, &n, err)) < 0)
		return r;
	h->port = (unsigned)n;
	if (!h->port)
		return bh_fail(err, -EINVAL, "%s: %s needs a port", APPLIANCE_JSON, at);
	if (h->probe != HEALTH_PROBE_HTTP)
		return 0;
	if ((r = aj_member(obj, at, AJ_H_PATH, JSON_STRING, &v, err)) < 0)
		return r;
	const char *s = v ? json_string_value(v) : "";
	bool ok = s[0] == '/' && strlen(s) <= HEALTH_PATH_MAX;
	for (const char *c = s; ok && *c; c++)
		ok = *c > ' ' && *c < 0x7f;
	if (!ok)
		return bh_fail(err, -EINVAL, "%s: %s." AJ_H_PATH " must start with / and hold only printable characters",
			       APPLIANCE_JSON, at);
	return (h->path = strdup(s)) ? 0 : bh_fail(err, -ENOMEM, "out of memory");
}

static void free_phase(struct container_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(specs[i].name);
		free(specs[i].bundle);
		free(specs[i].depends_on);
		free(specs[i].depends_healthy);
		free(specs[i].links);
		if (specs[i].health) {
			for (char **c = specs[i].health->command; c && *c; c++)
				free(*c);
			free(specs[i].health->command);
			free(specs[i].health->path);
			free(specs[i].health);
		}
	}
	free(specs);
}

void appliance_free(struct appliance *a)
{
	free(a->name);
	free(a->hostname);
	free(a->exit_status_from);
	free_phase(a->onboot, a->n_onboot);
	free_phase(a->services, a->n_services);
	free_phase(a->onshutdown, a->n_onshutdown);
	for (size_t i = 0; a->modules && a->modules[i]; i++) {
		free(a->modules[i]);
		free(a->module_options ? a->module_options[i] : NULL);
	}
	free(a->modules);
	free(a->module_options);
	for (size_t i = 0; i < a->n_disks; i++) {
		free(a->disks[i].label);
		for (char **d = a->disks[i].dirs; d && *d; d++)
			free(*d);
		free(a->disks[i].dirs);
		free(a->disks[i].owners);
	}
	free(a->disks);
	free(a->interfaces);
	free(a->networks);
	secrets_free(a);
}
