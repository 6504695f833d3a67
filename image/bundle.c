/* OCI bundle generation: a manifest container becomes a config.json that any
 * OCI runtime reads, with bulkhead's secure defaults decided here, at build
 * time, so that the init only has to apply them. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "image.h"
#include "../runtime/spec.h"

static json_t *strv_array(char *const *v)
{
	json_t *array = json_array();
	for (; v && *v; v++)
		json_array_append_new(array, json_string(*v));
	return array;
}

static json_t *capability_array(uint64_t mask)
{
	json_t *array = json_array();

	for (int cap = 0; cap < 64; cap++) {
		if (!(mask & (1ULL << cap)))
			continue;
		char *name = cap_to_name(cap);
		for (char *q = name; q && *q; q++)
			*q = (char)(*q >= 'a' && *q <= 'z' ? *q - 'a' + 'A' : *q);
		json_array_append_new(array, json_string(name));
		cap_free(name);
	}
	return array;
}

/* process.args, env, cwd and capabilities, root.readonly, hostname and
 * the cgroup come from the manifest; everything else is the shared default. */
char *bundle_config_json(const struct container *c)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
	char cgroups_path[128];
	json_t *config = bh_spec_default();

	if (!config)
		return NULL;
	json_t *process = json_object_get(config, "process");
	json_t *caps = json_object_get(process, "capabilities");
	json_object_set_new(process, "args", strv_array(c->command));
	/* The manifest's variables come after the default PATH, and replace it
	 * when they set PATH: the first match is the one a lookup finds. */
	json_t *env = json_object_get(process, "env");
	for (char **v = c->env; v && *v; v++) {
		if (strncmp(*v, "PATH=", 5) == 0)
			json_array_set_new(env, 0, json_string(*v));
		else
			json_array_append_new(env, json_string(*v));
	}
	json_object_set_new(process, "cwd", json_string(c->cwd ? c->cwd : "/"));
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		json_object_set_new(caps, sets[i], capability_array(c->capabilities));
	json_object_set_new(json_object_get(config, "root"), "readonly", json_boolean(c->readonly));
	json_object_set_new(config, "hostname", json_string(c->hostname ? c->hostname : c->name));
	snprintf(cgroups_path, sizeof(cgroups_path), "/bulkhead/%s", c->name);
	json_object_set_new(json_object_get(config, "linux"), "cgroupsPath", json_string(cgroups_path));

	json_t *resources = json_object();
	if (c->memory_bytes)
		json_object_set_new(resources, "memory", json_pack("{s:I}", "limit", (json_int_t)c->memory_bytes));
	if (c->cpu_millis)
		json_object_set_new(resources, "cpu", json_pack("{s:I, s:I}", "quota", (json_int_t)(c->cpu_millis * 100),
								"period", (json_int_t)100000));
	if (c->pids)
		json_object_set_new(resources, "pids", json_pack("{s:I}", "limit", (json_int_t)c->pids));
	if (c->io_weight)
		json_object_set_new(resources, "blockIO", json_pack("{s:I}", "weight", (json_int_t)c->io_weight));
	if (json_object_size(resources))
		json_object_set_new(json_object_get(config, "linux"), "resources", resources);
	else
		json_decref(resources);

	char *text = json_dumps(config, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(config);
	return text;
}

static const char *const restart_names[] = { "no", "on-failure", "always" };

static json_t *phase_json(const struct container *list, size_t n, uint64_t default_grace_ms)
{
	json_t *array = json_array();
	char bundle[256];

	for (size_t i = 0; i < n; i++) {
		const struct container *c = &list[i];
		bundle_dir(c, i, bundle, sizeof(bundle));
		json_array_append_new(array,
				      json_pack("{s:s, s:s+, s:s, s:I, s:o, s:I}", "name", c->name, "bundle", "/", bundle,
						"restart", restart_names[c->restart], "max_restarts",
						(json_int_t)c->max_restarts, "depends_on", strv_array(c->depends_on),
						"stop_grace_ms",
						(json_int_t)(c->stop_grace_ms ? c->stop_grace_ms : default_grace_ms)));
	}
	return array;
}

/* What the init needs to know beyond the bundles, decided here. */
char *appliance_json(const struct manifest *m, char *const *modules)
{
	json_t *root = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name", m->name, "hostname", m->hostname,
				 "onboot_failure", m->onboot_continue ? "continue" : "halt", "onboot",
				 phase_json(m->onboot, m->n_onboot, m->stop_grace_ms), "services",
				 phase_json(m->services, m->n_services, m->stop_grace_ms), "onshutdown",
				 phase_json(m->onshutdown, m->n_onshutdown, m->stop_grace_ms));
	if (root)
		json_object_set_new(root, "modules", strv_array(modules));
	if (root && m->exit_status_from)
		json_object_set_new(root, "exit_status_from", json_string(m->exit_status_from));
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	return text;
}

void bundle_dir(const struct container *c, size_t index, char *out, size_t size)
{
	/* onboot and onshutdown run in order: the number keeps it visible. */
	if (strcmp(c->phase, "services") != 0)
		snprintf(out, size, "containers/%s/%02zu-%s", c->phase, index, c->name);
	else
		snprintf(out, size, "containers/services/%s", c->name);
}
