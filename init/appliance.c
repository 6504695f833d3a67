/* appliance.json: the builder's decisions, read once at boot. The builder
 * validated it; we still refuse what would make us misbehave, since a bad
 * file must end the boot cleanly, never crash PID 1. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

static char *dup_string(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static const char *const restart_names[] = { "no", "on-failure", "always" };

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
static int string_list(json_t *list, const char *what, char ***out, struct bh_err *err)
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

static int load_spec(json_t *item, struct container_spec *spec, const char *phase, size_t i, struct bh_err *err)
{
	json_t *v;

	spec->name = dup_string(item, "name");
	spec->bundle = dup_string(item, "bundle");
	if (!usable_name(spec->name) || !spec->bundle)
		return bh_fail(err, -EINVAL,
			       "%s: %s[%zu] needs a name (1 to 63 letters, digits, '-', '_' or '.', starting with a "
			       "letter or digit) and a bundle",
			       APPLIANCE_JSON, phase, i);
	spec->restart = RESTART_NO;
	if ((v = json_object_get(item, "restart"))) {
		size_t r = 0;
		while (r < 3 && !(json_is_string(v) && strcmp(json_string_value(v), restart_names[r]) == 0))
			r++;
		if (r == 3)
			return bh_fail(err, -EINVAL, "%s: %s[%zu].restart is not no, on-failure or always",
				       APPLIANCE_JSON, phase, i);
		spec->restart = (enum restart_policy)r;
	}
	v = json_object_get(item, "max_restarts");
	spec->max_restarts = json_is_integer(v) && json_integer_value(v) > 0 ? (unsigned)json_integer_value(v) : 0;
	v = json_object_get(item, "stop_grace_ms");
	spec->stop_grace_ms = json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 3600000
				      ? (int)json_integer_value(v)
				      : 10000;
	return 0;
}

/* depends_on names become indexes now, so that supervision never compares
 * strings; an unknown name is an error. */
static int resolve_dependencies(json_t *list, struct container_spec *specs, size_t n, const char *phase,
				struct bh_err *err)
{
	for (size_t i = 0; i < n; i++) {
		json_t *deps = json_object_get(json_array_get(list, i), "depends_on"), *d;
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

static int load_phase(json_t *root, const char *phase, struct container_spec **out, size_t *n, struct bh_err *err)
{
	json_t *list = json_object_get(root, phase), *item;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!list)
		return 0;
	if (!json_is_array(list))
		return bh_fail(err, -EINVAL, "%s: %s must be an array", APPLIANCE_JSON, phase);
	*out = calloc(json_array_size(list) + 1, sizeof(**out));
	if (!*out)
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, item) {
		*n = i + 1;
		int r = load_spec(item, &(*out)[i], phase, i, err);
		if (r < 0)
			return r;
	}
	int r = resolve_dependencies(list, *out, *n, phase, err);
	return r < 0 ? r : check_cycles(*out, *n, phase, err);
}

static int load_disks(json_t *disks, struct appliance *a, struct bh_err *err)
{
	json_t *disk;
	size_t i;

	if (!disks)
		return 0;
	if (!json_is_array(disks))
		return bh_fail(err, -EINVAL, "%s: disks must be a list", APPLIANCE_JSON);
	if (!(a->disks = calloc(json_array_size(disks) + 1, sizeof(*a->disks))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(disks, i, disk) {
		char what[64];
		a->n_disks = i + 1;
		a->disks[i].label = dup_string(disk, "label");
		/* A label becomes a path: refuse anything but a plain name. */
		if (!a->disks[i].label || strchr(a->disks[i].label, '/') || a->disks[i].label[0] == '.')
			return bh_fail(err, -EINVAL, "%s: disks[%zu] has no usable label", APPLIANCE_JSON, i);
		snprintf(what, sizeof(what), "disks[%zu].dirs", i);
		int r = string_list(json_object_get(disk, "dirs"), what, &a->disks[i].dirs, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int appliance_load(const char *path, struct appliance *a, struct bh_err *err)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	int r;

	memset(a, 0, sizeof(*a));
	if (!root)
		return bh_fail(err, -EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	a->name = dup_string(root, "name");
	a->hostname = dup_string(root, "hostname");
	a->exit_status_from = dup_string(root, "exit_status_from");
	json_t *policy = json_object_get(root, "onboot_failure");
	a->onboot_continue = json_is_string(policy) && strcmp(json_string_value(policy), "continue") == 0;
	r = string_list(json_object_get(root, "modules"), "modules", &a->modules, err);
	if (r == 0)
		r = load_disks(json_object_get(root, "disks"), a, err);
	if (r == 0)
		r = load_phase(root, "onboot", &a->onboot, &a->n_onboot, err);
	if (r == 0)
		r = load_phase(root, "services", &a->services, &a->n_services, err);
	if (r == 0)
		r = load_phase(root, "onshutdown", &a->onshutdown, &a->n_onshutdown, err);
	json_decref(root);
	if (r == 0 && a->n_onboot + a->n_services + a->n_onshutdown > INIT_MAX_CONTAINERS)
		r = bh_fail(err, -E2BIG, "%s: %zu containers; the init runs %d at most (INIT_MAX_CONTAINERS)", path,
			    a->n_onboot + a->n_services + a->n_onshutdown, INIT_MAX_CONTAINERS);
	if (r == 0 && !a->name)
		r = bh_fail(err, -EINVAL, "%s: name is missing", path);
	return r;
}

static void free_phase(struct container_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(specs[i].name);
		free(specs[i].bundle);
		free(specs[i].depends_on);
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
	for (char **m = a->modules; m && *m; m++)
		free(*m);
	free(a->modules);
	for (size_t i = 0; i < a->n_disks; i++) {
		free(a->disks[i].label);
		for (char **d = a->disks[i].dirs; d && *d; d++)
			free(*d);
		free(a->disks[i].dirs);
	}
	free(a->disks);
}
