/* OCI bundle generation: a manifest container becomes a config.json that any
 * OCI runtime reads, with bulkhead's secure defaults decided here, at build
 * time, so that the init only has to apply them. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "../runtime/runtime.h"
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
char *bundle_config_json(const struct container *c, const char *seccomp_bpf, const char *root_path)
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
	if (root_path)
		json_object_set_new(json_object_get(config, "root"), "path", json_string(root_path));
	json_object_set_new(config, "hostname", json_string(c->hostname ? c->hostname : c->name));
	snprintf(cgroups_path, sizeof(cgroups_path), "/bulkhead/%s", c->name);
	json_object_set_new(json_object_get(config, "linux"), "cgroupsPath", json_string(cgroups_path));

	/* Volumes: the disk's directory, bound in; Landlock opens it for
	 * writing unless it is read-only. */
	json_t *mounts = json_object_get(config, "mounts");
	json_t *rules = json_object_get(json_object_get(json_object_get(process, "landlock"), "rules"), "pathBeneath");
	/* A writable volume gets the rights the default gives /tmp. */
	json_t *scratch_rights = NULL, *rule;
	size_t k;
	json_array_foreach(rules, k, rule)
		if (json_is_string(json_array_get(json_object_get(rule, "paths"), 0)) &&
		    strcmp(json_string_value(json_array_get(json_object_get(rule, "paths"), 0)), "/tmp") == 0)
			scratch_rights = json_object_get(rule, "allowedAccess");
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct volume *v = &c->volumes[i];
		char source[256];
		snprintf(source, sizeof(source), "/volumes/%s/%s", v->disk, v->sub);
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", v->path, "type",
							"bind", "source", source, "options", "rbind",
							v->readonly ? "ro" : "rw", "nosuid", "nodev"));
		if (!v->readonly && scratch_rights)
			json_array_append_new(rules, json_pack("{s:o, s:[s]}", "allowedAccess",
							       json_deep_copy(scratch_rights), "paths", v->path));
	}

	/* network: host drops the network namespace: the container shares the
	 * init's, with its loopback. */
	if (c->host_network) {
		json_t *namespaces = json_object_get(json_object_get(config, "linux"), "namespaces"), *ns;
		size_t at;
		json_array_foreach(namespaces, at, ns)
			if (json_is_string(json_object_get(ns, "type")) &&
			    strcmp(json_string_value(json_object_get(ns, "type")), "network") == 0) {
				json_array_remove(namespaces, at);
				break;
			}
	}

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

	if (seccomp_bpf)
		json_object_set_new(config, "annotations", json_pack("{s:s}", BH_SECCOMP_BPF_ANNOTATION, seccomp_bpf));

	char *text = json_dumps(config, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(config);
	return text;
}

/* Loads CONFIG_JSON with the runtime's own parser, so that what the init
 * would refuse is refused now, and compiles its seccomp rules as the init
 * would at every start. *BPF is NULL when the config has no filter. */
int bundle_compile_seccomp(const char *config_json, void **bpf, size_t *len, struct diag *d)
{
	char dir[] = "/tmp/bulkhead-bundle.XXXXXX", path[sizeof(dir) + 16], rootfs[sizeof(dir) + 16];
	struct bh_config *config = NULL;
	struct bh_err err = { 0 };
	int fd = -1, r = -1, n;

	*bpf = NULL;
	*len = 0;
	if (!mkdtemp(dir))
		return diag_fail(d, "a temporary directory: %s", strerror(errno));
	/* The parser checks that root.path exists; it is written later. */
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = mkdir(rootfs, 0755) == 0 ? fopen(path, "w") : NULL;
	if (!f || fputs(config_json, f) < 0 || fclose(f) != 0) {
		diag_fail(d, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (bh_config_load(dir, &config, &err) < 0) {
		diag_fail(d, "the generated %s", err.msg);
		goto out;
	}
	if ((fd = memfd_create("seccomp.bpf", MFD_CLOEXEC)) < 0) {
		diag_fail(d, "memfd_create: %s", strerror(errno));
		goto out;
	}
	if ((n = bh_seccomp_export(config, fd, &err)) < 0) {
		diag_fail(d, "%s", err.msg);
		goto out;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	if (n > 0 && size > 0) {
		if (!(*bpf = malloc((size_t)size)) || pread(fd, *bpf, (size_t)size, 0) != size) {
			free(*bpf);
			*bpf = NULL;
			diag_fail(d, "reading the compiled filter back: %s", strerror(errno));
			goto out;
		}
		*len = (size_t)size;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	bh_config_free(config);
	unlink(path);
	rmdir(rootfs);
	rmdir(dir);
	return r;
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

/* Each disk with the directories its volumes bind, which the init makes
 * after mounting (a disk from an earlier build lacks new ones). */
static json_t *disks_json(const struct manifest *m)
{
	json_t *disks = json_array();
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (size_t d = 0; d < m->n_disks; d++) {
		json_t *dirs = json_array();
		for (int l = 0; l < 3; l++)
			for (size_t i = 0; i < counts[l]; i++)
				for (size_t v = 0; v < lists[l][i].n_volumes; v++)
					if (strcmp(lists[l][i].volumes[v].disk, m->disks[d].label) == 0)
						json_array_append_new(dirs, json_string(lists[l][i].volumes[v].sub));
		json_array_append_new(disks, json_pack("{s:s, s:o}", "label", m->disks[d].label, "dirs", dirs));
	}
	return disks;
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
	if (root)
		json_object_set_new(root, "disks", disks_json(m));
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
