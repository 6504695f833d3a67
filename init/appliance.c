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

static int load_spec(json_t *item, struct container_spec *spec, const char *phase, size_t i, struct bh_err *err)
{
	json_t *v;

	spec->name = dup_string(item, "name");
	spec->bundle = dup_string(item, "bundle");
	if (!spec->name || !spec->bundle || strlen(spec->name) > 63)
		return bh_fail(err, -EINVAL, "%s: %s[%zu] needs a name (63 characters at most) and a bundle",
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
	return resolve_dependencies(list, *out, *n, phase, err);
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
	json_t *modules = json_object_get(root, "modules"), *m;
	size_t i;
	if (json_is_array(modules) && (a->modules = calloc(json_array_size(modules) + 1, sizeof(char *))))
		json_array_foreach(modules, i, m)
			a->modules[i] = json_is_string(m) ? strdup(json_string_value(m)) : NULL;
	json_t *disks = json_object_get(root, "disks"), *disk;
	if (json_is_array(disks) && (a->disks = calloc(json_array_size(disks) + 1, sizeof(*a->disks))))
		json_array_foreach(disks, i, disk) {
			json_t *dirs = json_object_get(disk, "dirs"), *dir;
			size_t k;
			a->disks[i].label = dup_string(disk, "label");
			a->disks[i].dirs = calloc(json_is_array(dirs) ? json_array_size(dirs) + 1 : 1, sizeof(char *));
			if (json_is_array(dirs) && a->disks[i].dirs)
				json_array_foreach(dirs, k, dir)
					a->disks[i].dirs[k] = json_is_string(dir) ? strdup(json_string_value(dir)) : NULL;
			a->n_disks = i + 1;
			/* A label becomes a path: refuse anything but a plain name. */
			if (!a->disks[i].label || strchr(a->disks[i].label, '/') || a->disks[i].label[0] == '.')
				return json_decref(root), bh_fail(err, -EINVAL, "%s: disks[%zu] has no usable label",
								   APPLIANCE_JSON, i);
		}
	r = load_phase(root, "onboot", &a->onboot, &a->n_onboot, err);
	if (r == 0)
		r = load_phase(root, "services", &a->services, &a->n_services, err);
	if (r == 0)
		r = load_phase(root, "onshutdown", &a->onshutdown, &a->n_onshutdown, err);
	json_decref(root);
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
