/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json's secrets, read strictly: the declared names (with
 * whether the boot needs each) and which container receives which. Apart
 * from secrets.c, which carries the bytes at boot, so that every reader of
 * appliance.json (the tests, the fuzz targets) links this alone. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

static bool container_declared(const struct appliance *a, const char *name)
{
	const struct container_spec *phases[3] = { a->onboot, a->services, a->onshutdown };
	size_t counts[3] = { a->n_onboot, a->n_services, a->n_onshutdown };

	for (int p = 0; p < 3; p++)
		for (size_t i = 0; i < counts[p]; i++)
			if (strcmp(phases[p][i].name, name) == 0)
				return true;
	return false;
}

static int load_mount(json_t *obj, size_t at, struct secrets_spec *s, const struct appliance *a,
		      struct bh_err *err)
{
	json_t *container = json_object_get(obj, AJ_SMOUNT_CONTAINER), *names = json_object_get(obj, AJ_SMOUNT_SECRETS);
	json_t *item;
	const char *key;
	size_t i;

	json_object_foreach(obj, key, item)
		if (strcmp(key, AJ_SMOUNT_CONTAINER) != 0 && strcmp(key, AJ_SMOUNT_SECRETS) != 0)
			return bh_fail(err, -EINVAL, "%s: " AJ_SECRET_MOUNTS "[%zu].%s is not a key of appliance.json",
				       APPLIANCE_JSON, at, key);
	if (!json_is_string(container) || !container_declared(a, json_string_value(container)))
		return bh_fail(err, -EINVAL, "%s: " AJ_SECRET_MOUNTS "[%zu]." AJ_SMOUNT_CONTAINER
			       " must name a container", APPLIANCE_JSON, at);
	if (!json_is_array(names) || !json_array_size(names))
		return bh_fail(err, -EINVAL, "%s: " AJ_SECRET_MOUNTS "[%zu]." AJ_SMOUNT_SECRETS
			       " must list declared secrets", APPLIANCE_JSON, at);
	struct secret_mount *m = &s->mounts[at];
	json_array_foreach(names, i, item) {
		size_t k = 0;
		while (json_is_string(item) && k < s->n && strcmp(s->names[k], json_string_value(item)) != 0)
			k++;
		if (!json_is_string(item) || k == s->n)
			return bh_fail(err, -EINVAL, "%s: " AJ_SECRET_MOUNTS "[%zu]." AJ_SMOUNT_SECRETS
				       "[%zu] is not a declared secret", APPLIANCE_JSON, at, i);
		m->wanted |= 1ULL << k;
	}
	for (size_t j = 0; j < at; j++)
		if (strcmp(s->mounts[j].container, json_string_value(container)) == 0)
			return bh_fail(err, -EINVAL, "%s: " AJ_SECRET_MOUNTS " names %s twice", APPLIANCE_JSON,
				       json_string_value(container));
	return (m->container = strdup(json_string_value(container))) ? 0 : bh_fail(err, -ENOMEM, "out of memory");
}

int secrets_load(struct json_t *root, struct appliance *a, struct bh_err *err)
{
	json_t *decls = json_object_get(root, AJ_SECRETS), *mounts = json_object_get(root, AJ_SECRET_MOUNTS), *item;
	size_t i;

	if (!decls && !mounts)
		return 0;
	if (!json_is_array(decls) || !json_is_array(mounts) || json_array_size(decls) > SECRETS_MAX)
		return bh_fail(err, -EINVAL, "%s: " AJ_SECRETS " and " AJ_SECRET_MOUNTS " must be lists, with at most %d "
			       "secrets", APPLIANCE_JSON, SECRETS_MAX);
	struct secrets_spec *s = calloc(1, sizeof(*s));
	if (!s || !(s->mounts = calloc(json_array_size(mounts) + 1, sizeof(*s->mounts)))) {
		free(s);
		return bh_fail(err, -ENOMEM, "out of memory");
	}
	a->secrets = s;
	json_array_foreach(decls, i, item) {
		json_t *name = json_object_get(item, AJ_SECRET_NAME), *required = json_object_get(item, AJ_SECRET_REQUIRED);
		if (json_object_size(item) != 2 || !json_is_string(name) || !secret_name_valid(json_string_value(name)) ||
		    !json_is_boolean(required))
			return bh_fail(err, -EINVAL, "%s: " AJ_SECRETS "[%zu] must be {" AJ_SECRET_NAME ": a secret's "
				       "name, " AJ_SECRET_REQUIRED ": true or false}", APPLIANCE_JSON, i);
		for (size_t k = 0; k < i; k++)
			if (strcmp(s->names[k], json_string_value(name)) == 0)
				return bh_fail(err, -EINVAL, "%s: " AJ_SECRETS " declares %s twice", APPLIANCE_JSON,
					       s->names[k]);
		snprintf(s->names[i], sizeof(s->names[i]), "%s", json_string_value(name));
		s->required[i] = json_is_true(required);
		s->n = i + 1;
	}
	json_array_foreach(mounts, i, item) {
		s->n_mounts = i + 1;
		if (!json_is_object(item))
			return bh_fail(err, -EINVAL, "%s: " AJ_SECRET_MOUNTS "[%zu] must be an object", APPLIANCE_JSON, i);
		int r = load_mount(item, i, s, a, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void secrets_free(struct appliance *a)
{
	if (!a->secrets)
		return;
	for (size_t i = 0; i < a->secrets->n_mounts; i++)
		free(a->secrets->mounts[i].container);
	free(a->secrets->mounts);
	free(a->secrets);
	a->secrets = NULL;
}

