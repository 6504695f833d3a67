/* appliance.json: the builder's decisions, read once at boot. The builder
 * validated it; we still refuse what would make us misbehave. */
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

static int load_phase(json_t *root, const char *phase, struct container_spec **out, size_t *n,
		      struct bh_err *err)
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
		struct container_spec *spec = &(*out)[i];
		spec->name = dup_string(item, "name");
		spec->bundle = dup_string(item, "bundle");
		*n = i + 1;
		if (!spec->name || !spec->bundle)
			return bh_fail(err, -EINVAL, "%s: %s[%zu] needs a name and a bundle", APPLIANCE_JSON,
				       phase, i);
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
	r = load_phase(root, "onboot", &a->onboot, &a->n_onboot, err);
	if (r == 0)
		r = load_phase(root, "services", &a->services, &a->n_services, err);
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
	}
	free(specs);
}

void appliance_free(struct appliance *a)
{
	free(a->name);
	free(a->hostname);
	free_phase(a->onboot, a->n_onboot);
	free_phase(a->services, a->n_services);
}
