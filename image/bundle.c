/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI bundle generation: a manifest container becomes a config.json that any
 * OCI runtime reads, with bulkhead's secure defaults decided here, at build
 * time, so that the init only has to apply them. */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
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

static bool string_in(json_t *array, const char *word)
{
	json_t *item;
	size_t i;

	json_array_foreach(array, i, item)
		if (json_is_string(item) && strcmp(json_string_value(item), word) == 0)
			return true;
	return false;
}

/* process.landlock's rules and /tmp's mount from paths: (spec.c decides
 * what each list grants), a write rule per writable volume; paths.deny
 * becomes masked paths. */
static void apply_paths(json_t *config, const struct container *c)
{
	const struct path_rules *p = &c->paths;
	char *const slash[] = { "/", NULL }, *const tmp[] = { "/tmp", NULL };

	bh_spec_paths(config, p->read, p->exec ? p->exec : slash, p->write ? p->write : tmp);
	json_t *masked = json_object_get(json_object_get(config, "linux"), "maskedPaths");
	for (char **d = p->deny; d && *d; d++)
		json_array_append_new(masked, json_string(*d));
	for (size_t i = 0; i < c->n_volumes; i++)
		if (!c->volumes[i].readonly) {
			char *const one[] = { c->volumes[i].path, NULL };
			bh_spec_add_write_rule(config, one);
		}
}

/* Volumes: the disk's directory, bound in. */
static void apply_volumes(json_t *config, const struct container *c)
{
	json_t *mounts = json_object_get(config, "mounts");

	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct volume *v = &c->volumes[i];
		char source[256];
		snprintf(source, sizeof(source), VOLUMES_DIR "/%s/%s", v->disk, v->sub);
		json_t *mount = json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", v->path, "type", "bind",
					  "source", source, "options", "rbind", v->readonly ? "ro" : "rw", "nosuid", "nodev");
		/* W^X: what a container writes is not run (paths.exec cannot name
		 * a writable volume). */
		if (!v->readonly)
			json_array_append_new(json_object_get(mount, "options"), json_string("noexec"));
		json_array_append_new(mounts, mount);
	}
}

/* The user namespace the init made for it (USERNS_DIR/NAME, its range
 * mapped), joined first so that it owns every namespace made after. sysfs
 * mounts only for the owner of the network namespace: with network: host
 * (the VM's) the VM's /sys is bound read-only instead, as podman does,
 * with its submounts (a user namespace may not bind a tree without what
 * is mounted in it: EINVAL). The container's own cgroup2 cannot go right on
 * the VM's (the same superblock at its root: EBUSY): a small tmpfs first. */
static void apply_userns(json_t *config, const struct container *c)
{
	char path[256];
	json_t *m, *mounts = json_object_get(config, "mounts");
	size_t i;

	if (!c->userns.size)
		return;
	snprintf(path, sizeof(path), USERNS_DIR "/%s", c->name);
	json_array_insert_new(json_object_get(json_object_get(config, "linux"), "namespaces"), 0,
			      json_pack("{s:s, s:s}", "type", "user", "path", path));
	if (!c->host_network)
		return;
	json_array_foreach(mounts, i, m) {
		const char *at = json_string_value(json_object_get(m, "destination"));
		if (strcmp(at, "/sys") == 0)
			json_array_set_new(mounts, i,
					   json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination", "/sys", "type",
						     "bind", "source", "/sys", "options", "rbind", "ro", "nosuid", "nodev",
						     "noexec"));
		else if (strcmp(at, "/sys/fs/cgroup") == 0) {
			json_array_insert_new(mounts, i,
					      json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination",
							"/sys/fs/cgroup", "type", "tmpfs", "source", "tmpfs", "options",
							"nosuid", "nodev", "noexec", "mode=755", "size=4k"));
			break; /* the cgroup mount is now the next one */
		}
	}
}

/* network: host drops the network namespace: the container shares the
 * init's, with its loopback. spec.c has the one list of namespaces. A
 * container on networks joins the namespace the init made for it, with its
 * veths in place before it starts, and sees the builder's /etc/hosts and the
 * init's resolv.conf, read-only. */
static void apply_network(json_t *config, const struct container *c)
{
	char path[256];
	json_t *ns, *mounts = json_object_get(config, "mounts");
	size_t i;

	bh_spec_namespaces(config, bh_spec_namespace_flags(c->host_network));
	apply_userns(config, c);
	if (!c->n_links)
		return;
	json_array_foreach(json_object_get(json_object_get(config, "linux"), "namespaces"), i, ns)
		if (strcmp(json_string_value(json_object_get(ns, "type")), "network") == 0) {
			snprintf(path, sizeof(path), NETNS_DIR "/%s", c->name);
			json_object_set_new(ns, "path", json_string(path));
		}
	snprintf(path, sizeof(path), HOSTS_DIR "/%s", c->name);
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination", "/etc/hosts",
						"type", "bind", "source", path, "options", "bind", "ro", "nosuid",
						"nodev", "noexec"));
	json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination",
						"/etc/resolv.conf", "type", "bind", "source", NET_RESOLV_CONF,
						"options", "bind", "ro", "nosuid", "nodev", "noexec"));
}

/* TEXT += a line "ADDRESS NAME..." (LEN: its length so far); NULL on no memory. */
static char *hosts_line(char *text, size_t *len, struct in_addr address, const char *names)
{
	char ip[INET_ADDRSTRLEN];
	int n = snprintf(NULL, 0, "%s\t%s\n", inet_ntop(AF_INET, &address, ip, sizeof(ip)), names);
	char *grown = realloc(text, *len + (size_t)n + 1);

	if (!grown) {
		free(text);
		return NULL;
	}
	snprintf(grown + *len, (size_t)n + 1, "%s\t%s\n", ip, names);
	*len += (size_t)n;
	return grown;
}

char *bundle_hosts(const struct container *c)
{
	size_t len = 0;
	char *text = strdup("127.0.0.1\tlocalhost\n"), names[256];

	if (text)
		len = strlen(text);
	snprintf(names, sizeof(names), "%s%s%s", c->name, c->hostname && strcmp(c->hostname, c->name) ? " " : "",
		 c->hostname && strcmp(c->hostname, c->name) ? c->hostname : "");
	for (size_t i = 0; text && i < c->n_links; i++)
		text = hosts_line(text, &len, c->links[i].address, names);
	/* A peer by the address on the first network both are on: the one its
	 * allow rule reaches. */
	for (size_t a = 0; text && a < c->n_allow; a++) {
		const struct container *peer = c->allow[a].target;
		bool named = false;
		for (size_t b = 0; b < a; b++)
			named |= c->allow[b].target == peer;
		for (size_t i = 0; !named && i < c->n_links; i++)
			for (size_t k = 0; !named && k < peer->n_links; k++)
				if (peer->links[k].network == c->links[i].network) {
					text = hosts_line(text, &len, peer->links[k].address, peer->name);
					named = true;
				}
	}
	return text;
}

/* init: true: the appliance's init, bound read-only into the /dev tmpfs the
 * runtime makes (never over a file of the image), becomes PID 1 in front of
 * the command (contract.h, init/reaper.c). After the volumes: the last
 * mount. paths.exec's rule names it too: /dev is write-only, so execute
 * beneath / never reaches it (runtime/landlock.c), and its read-only
 * mount is what keeps it from being written. */
static void apply_container_init(json_t *config, const struct container *c)
{
	json_t *process = json_object_get(config, "process"), *args = json_object_get(process, "args"), *rule;
	size_t i;

	if (!c->init)
		return;
	json_array_insert_new(args, 0, json_string("--"));
	json_array_insert_new(args, 0, json_string(CONTAINER_INIT_MODE));
	json_array_insert_new(args, 0, json_string(CONTAINER_INIT_PATH));
	json_array_append_new(json_object_get(config, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", CONTAINER_INIT_PATH, "type",
					"bind", "source", INIT_IMAGE_PATH, "options", "bind", "ro", "nosuid", "nodev"));
	json_array_foreach(json_object_get(json_object_get(json_object_get(process, "landlock"), "rules"), "pathBeneath"),
			   i, rule)
		if (string_in(json_object_get(rule, "allowedAccess"), "execute")) {
			json_array_append_new(json_object_get(rule, "paths"), json_string(CONTAINER_INIT_PATH));
			break;
		}
}

static void apply_resources(json_t *config, const struct container *c)
{
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
	/* Beside what the default has there already: its device list. */
	json_t *linux_obj = json_object_get(config, "linux");
	if (json_object_get(linux_obj, "resources"))
		json_object_update(json_object_get(linux_obj, "resources"), resources);
	else if (json_object_size(resources))
		json_object_set(linux_obj, "resources", resources);
	json_decref(resources);
}

/* devices: an allow entry each, after the default's (the last match wins),
 * and a node in /dev for each with a path. m comes with a path: the
 * runtime's mknod of the node is itself checked against the list. */
static void apply_devices(json_t *config, const struct container *c)
{
	json_t *linux_obj = json_object_get(config, "linux");
	json_t *rules = json_object_get(json_object_get(linux_obj, "resources"), "devices");
	json_t *nodes = json_array();

	for (size_t i = 0; i < c->n_devices; i++) {
		const struct device_entry *d = &c->devices[i];
		char type[2] = { d->type, '\0' }, access[8];
		snprintf(access, sizeof(access), "%s%s", d->access, d->path && !strchr(d->access, 'm') ? "m" : "");
		json_t *rule = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", type, "access", access);
		json_object_set_new(rule, "major", d->major < 0 ? json_null() : json_integer(d->major));
		json_object_set_new(rule, "minor", d->minor < 0 ? json_null() : json_integer(d->minor));
		json_array_append_new(rules, rule);
		if (d->path)
			json_array_append_new(nodes, json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path", d->path, "type",
							       type, "major", (json_int_t)d->major, "minor",
							       (json_int_t)d->minor, "fileMode", 0666, "uid", 0, "gid", 0));
	}
	if (json_array_size(nodes))
		json_object_set(linux_obj, "devices", nodes);
	json_decref(nodes);
}

/* An unlimited rlimit as the spec has it, the uint64 18446744073709551615
 * that runc and crun read, where jansson, whose integers are signed, wrote
 * -1 (the same bits). Only rlimits have soft and hard members. Takes TEXT;
 * NULL when out of memory. */
static char *spell_unlimited(char *text)
{
	static const char *const signed_forms[] = { "\"soft\":-1", "\"hard\":-1" };
	static const char *const spec_forms[] = { "\"soft\":18446744073709551615", "\"hard\":18446744073709551615" };
	size_t count = 0, len = strlen(text);

	for (size_t f = 0; f < ARRAY_SIZE(signed_forms); f++)
		for (const char *p = strstr(text, signed_forms[f]); p; p = strstr(p + 1, signed_forms[f]))
			count++;
	if (!count)
		return text;
	char *out = malloc(len + count * (strlen(spec_forms[0]) - strlen(signed_forms[0])) + 1), *o = out;
	for (const char *p = text; out && *p;) {
		size_t f = 0;
		while (f < ARRAY_SIZE(signed_forms) &&
		       (strncmp(p, signed_forms[f], strlen(signed_forms[f])) != 0 ||
			(p[strlen(signed_forms[f])] >= '0' && p[strlen(signed_forms[f])] <= '9')))
			f++;
		if (f < ARRAY_SIZE(signed_forms)) {
			o = stpcpy(o, spec_forms[f]);
			p += strlen(signed_forms[f]);
		} else {
			*o++ = *p++;
		}
	}
	if (out)
		*o = '\0';
	free(text);
	return out;
}

/* sysctl, rlimits and the user (resolved from the image at build). */
static void apply_process(json_t *config, const struct container *c)
{
	json_t *process = json_object_get(config, "process");

	if (c->n_sysctl) {
		json_t *sysctl = json_object();
		for (size_t i = 0; i < c->n_sysctl; i++)
			json_object_set_new(sysctl, c->sysctl[i].name, json_string(c->sysctl[i].value));
		json_object_set_new(json_object_get(config, "linux"), "sysctl", sysctl);
	}
	if (c->n_rlimits) {
		json_t *rlimits = json_array();
		/* unlimited is RLIM_INFINITY, all ones: jansson's signed -1,
		 * spelled as the spec's uint64 by spell_unlimited. */
		for (size_t i = 0; i < c->n_rlimits; i++)
			json_array_append_new(rlimits, json_pack("{s:s, s:I, s:I}", "type", c->rlimits[i].type, "soft",
								 (json_int_t)c->rlimits[i].soft, "hard",
								 (json_int_t)c->rlimits[i].hard));
		json_object_set_new(process, "rlimits", rlimits);
	}
	if (c->ids.resolved) {
		json_t *user = json_pack("{s:I, s:I}", "uid", (json_int_t)c->ids.uid, "gid", (json_int_t)c->ids.gid);
		if (c->ids.n_groups) {
			json_t *groups = json_array();
			for (size_t i = 0; i < c->ids.n_groups; i++)
				json_array_append_new(groups, json_integer(c->ids.groups[i]));
			json_object_set_new(user, "additionalGids", groups);
		}
		json_object_set_new(process, "user", user);
	}
}

static bool any_capability_in(json_t *names, uint64_t caps, bool all)
{
	json_t *item;
	size_t i;
	bool seen = false;

	json_array_foreach(names, i, item) {
		char lower[64];
		cap_value_t value;
		snprintf(lower, sizeof(lower), "%s", json_is_string(item) ? json_string_value(item) : "");
		for (char *q = lower; *q; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
		bool held = cap_from_name(lower, &value) == 0 && value >= 0 && value < 64 && (caps & (1ULL << value));
		if (all && !held)
			return false;
		seen |= held;
	}
	return all ? true : seen;
}

/* A Docker profile's entry applies on amd64 with the container's
 * capabilities; an OCI profile's entries have no conditions. */
static bool docker_entry_applies(json_t *entry, uint64_t caps)
{
	json_t *includes = json_object_get(entry, "includes"), *excludes = json_object_get(entry, "excludes");
	json_t *arches;

	if ((arches = json_object_get(includes, "arches")) && !string_in(arches, "amd64"))
		return false;
	if (!any_capability_in(json_object_get(includes, "caps"), caps, true))
		return false;
	if ((arches = json_object_get(excludes, "arches")) && string_in(arches, "amd64"))
		return false;
	return !any_capability_in(json_object_get(excludes, "caps"), caps, false);
}

/* A Docker or OCI seccomp profile as linux.seccomp: Docker's archMap
 * becomes x86_64's architectures, its conditional entries are kept when
 * they apply, its comments go. The runtime's parser checks the rest when
 * the build compiles it. */
static json_t *seccomp_from_profile(const struct container *c, struct diag *d)
{
	json_error_t jerr;
	/* Opened again beneath the build context: the file read is the one checked. */
	int fd = input_open(c->seccomp_profile, O_RDONLY | O_NONBLOCK, NULL, 0);
	json_t *profile = fd < 0 ? NULL : json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
	json_t *out, *entry, *syscalls = json_array();
	size_t i;
	static const char *const kept[] = { "defaultAction", "defaultErrnoRet", "architectures", "flags" };

	if (fd >= 0)
		close(fd);
	if (!profile) {
		if (fd < 0)
			diag_errno(d, -fd, "seccomp profile %s", c->seccomp_profile);
		else
			diag_fail(d, "seccomp profile %s:%d:%d: %s", c->seccomp_profile, jerr.line, jerr.column, jerr.text);
		json_decref(syscalls);
		return NULL;
	}
	out = json_object();
	for (i = 0; i < ARRAY_SIZE(kept); i++)
		if (json_object_get(profile, kept[i]))
			json_object_set(out, kept[i], json_object_get(profile, kept[i]));
	json_array_foreach(json_object_get(profile, "archMap"), i, entry)
		if (json_is_string(json_object_get(entry, "architecture")) &&
		    strcmp(json_string_value(json_object_get(entry, "architecture")), "SCMP_ARCH_X86_64") == 0) {
			json_t *arches = json_array();
			json_array_append_new(arches, json_string("SCMP_ARCH_X86_64"));
			json_array_extend(arches, json_object_get(entry, "subArchitectures"));
			json_object_set_new(out, "architectures", arches);
		}
	json_array_foreach(json_object_get(profile, "syscalls"), i, entry) {
		if (!json_is_object(entry) || !docker_entry_applies(entry, c->capabilities))
			continue;
		json_t *copy = json_deep_copy(entry);
		json_object_del(copy, "includes");
		json_object_del(copy, "excludes");
		json_object_del(copy, "comment");
		json_array_append_new(syscalls, copy);
	}
	json_object_set_new(out, "syscalls", syscalls);
	json_decref(profile);
	return out;
}

static int apply_seccomp(json_t *config, const struct container *c, struct diag *d)
{
	json_t *linux_obj = json_object_get(config, "linux");

	if (c->seccomp_unconfined) {
		json_object_del(linux_obj, "seccomp");
		return 0;
	}
	if (!c->seccomp_profile)
		return 0;
	json_t *seccomp = seccomp_from_profile(c, d);
	if (!seccomp)
		return -1;
	json_object_set_new(linux_obj, "seccomp", seccomp);
	return 0;
}

/* The manifest's container over the shared secure default. */
char *bundle_config_json(const struct container *c, const char *seccomp_bpf, const char *root_path, struct diag *d)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
	char cgroups_path[128];
	json_t *config = bh_spec_default();

	if (!config)
		return diag_fail(d, "out of memory"), NULL;
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
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		json_object_set_new(caps, sets[i], capability_array(c->capabilities));
	json_object_set_new(json_object_get(config, "root"), "readonly", json_boolean(c->readonly));
	if (root_path)
		json_object_set_new(json_object_get(config, "root"), "path", json_string(root_path));
	json_object_set_new(config, "hostname", json_string(c->hostname ? c->hostname : c->name));
	snprintf(cgroups_path, sizeof(cgroups_path), "/bulkhead/%s", c->name);
	json_object_set_new(json_object_get(config, "linux"), "cgroupsPath", json_string(cgroups_path));

	apply_volumes(config, c);
	apply_paths(config, c);
	apply_network(config, c);
	secrets_bundle_mount(config, c);
	apply_resources(config, c);
	apply_devices(config, c);
	apply_process(config, c);
	apply_container_init(config, c);
	if (apply_seccomp(config, c, d) < 0) {
		json_decref(config);
		return NULL;
	}
	if (seccomp_bpf && json_object_get(json_object_get(config, "linux"), "seccomp"))
		json_object_set_new(config, "annotations", json_pack("{s:s}", BH_SECCOMP_BPF_ANNOTATION, seccomp_bpf));

	/* Compact: the init parses it at every start of the container, one
	 * character at a time, and indentation was half of its characters. */
	char *text = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(config);
	if (text && !(text = spell_unlimited(text)))
		return diag_fail(d, "out of memory"), NULL;
	return text ? text : (diag_fail(d, "out of memory"), NULL);
}

/* A mistake the runtime found in linux.seccomp came from the container's
 * seccomp profile when it has one: say so, where the manifest names it. */
static int seccomp_profile_fail(const char *manifest, const struct container *c, const struct bh_err *err,
				struct diag *d)
{
	static const char prefix[] = "linux.seccomp.";
	char inner[sizeof(err->path) + sizeof(err->reason)];

	if (!c->seccomp_profile || strncmp(err->path, prefix, strlen(prefix)) != 0)
		return diag_fail(d, "the generated %s", err->msg);
	/* The profile's own path: its entries are linux.seccomp's. */
	snprintf(inner, sizeof(inner), "%s: %s", err->path + strlen(prefix), err->reason);
	return diag_fail(d, "%s:%zu:%zu: container %s: seccomp profile %.300s: %.400s (entries counted after dropping "
			    "those whose includes or excludes rule them out)", manifest, c->seccomp_line + 1,
			 c->seccomp_column + 1, c->name, c->seccomp_profile, inner);
}

/* Parses CONFIG_JSON with the runtime's own parser, so that what the init
 * would refuse is refused now, and compiles its seccomp rules as the init
 * would at every start, into memory. *BPF is NULL when the config has no
 * filter. */
int bundle_compile_seccomp(const char *manifest, const struct container *c, const char *config_json,
			   const char *bundle_dir, void **bpf, size_t *len, struct diag *d)
{
	struct bh_config *config = NULL;
	struct bh_err err = { 0 };
	int fd = -1, r = -1, n;

	*bpf = NULL;
	*len = 0;
	if (bh_config_parse(config_json, strlen(config_json), bundle_dir, &config, &err) < 0)
		return seccomp_profile_fail(manifest, c, &err, d);
	if (lifecycle_check_seccomp(manifest, c, config_json, d) < 0)
		goto out;
	if ((fd = memfd_create("seccomp.bpf", MFD_CLOEXEC)) < 0) {
		diag_errno(d, errno, "memfd_create");
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
			diag_errno(d, errno, "reading the compiled filter back");
			goto out;
		}
		*len = (size_t)size;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	bh_config_free(config);
	return r;
}
