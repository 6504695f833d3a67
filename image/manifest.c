/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Manifest parsing: libyaml's document tree, walked with a table of keys
 * per mapping (manifest-yaml.c), so that every node's position is at hand
 * for an error. This file reads the top level and checks the whole;
 * manifest-container.c reads each container. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "manifest-yaml.h"
#include "../runtime/runtime.h"

static int m_name(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_name(p, v, "name", &((struct manifest *)t)->name);
}

static int m_hostname(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_name(p, v, "hostname", &((struct manifest *)t)->hostname);
}

/* kernel: {path, modules}: a kernel the user brings, and optionally the
 * modules directory (lib/modules/VERSION, depmod run) to take modules from. */
static int k_path(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_host_file(p, v, "kernel path", "the path of a kernel image (a bzImage)", &((struct manifest *)t)->kernel_path);
}

static int k_modules(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	const char *s = mf_scalar(v);
	char dep[PATH_MAX + 16];

	if (!s || !*s)
		return mf_fail(p, v, "kernel modules must be a modules directory (lib/modules/VERSION)");
	if (mf_host_path(p, v, "kernel modules", s, &m->kernel_modules) < 0)
		return -1;
	snprintf(dep, sizeof(dep), "%s/modules.dep", m->kernel_modules);
	/* A regular file: reading a FIFO or a device there would never end. */
	struct stat st;
	if (access(dep, R_OK) < 0 || stat(dep, &st) < 0 || !S_ISREG(st.st_mode))
		return mf_fail(p, v, "kernel modules \"%s\" has no modules.dep; run depmod -b ROOT VERSION on it", s);
	return 0;
}

static const struct mf_key_handler kernel_keys[] = { { "path", k_path }, { "modules", k_modules } };

static int m_kernel(struct mf_parse *p, yaml_node_t *v, void *t)
{
	static const char *const kinds[] = { "debian", "minimal" };
	struct manifest *m = t;
	const char *s = mf_scalar(v), *seen[2];

	if (v->type == YAML_MAPPING_NODE) {
		int n = mf_walk_mapping(p, v, "kernel", kernel_keys, 2, m, seen, 2);
		if (n < 0)
			return -1;
		if (!mf_has_key(seen, n, "path"))
			return mf_fail(p, v, "kernel needs path: (the kernel image); modules: is optional");
		return (m->kernel = strdup("path")) ? 0 : mf_fail(p, v, "out of memory");
	}
	if (!s || !*s)
		return mf_fail(p, v, "kernel must be debian, minimal or {path: FILE, modules: DIR}");
	for (size_t i = 0; i < 2; i++)
		if (strcmp(s, kinds[i]) == 0)
			return (m->kernel = strdup(s)) ? 0 : mf_fail(p, v, "out of memory");
	const char *hint = mf_suggest(s, kinds, 2);
	if (hint)
		return mf_fail(p, v, "unknown kernel \"%s\"; did you mean \"%s\"?", s, hint);
	return mf_fail(p, v,
		    "unknown kernel \"%s\"; use debian (Debian's linux-image), minimal (make kernel builds it) "
		    "or {path: FILE, modules: DIR}",
		    s);
}

static int m_onboot(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	struct mf_phase_ctx ctx = { &m->onboot, &m->n_onboot, "onboot" };
	return mf_each_item(p, v, "onboot", mf_add_container, &ctx);
}

static int m_services(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	struct mf_phase_ctx ctx = { &m->services, &m->n_services, "services" };
	return mf_each_item(p, v, "services", mf_add_container, &ctx);
}

static int m_onshutdown(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	struct mf_phase_ctx ctx = { &m->onshutdown, &m->n_onshutdown, "onshutdown" };
	return mf_each_item(p, v, "onshutdown", mf_add_container, &ctx);
}

static int m_onboot_failure(struct mf_parse *p, yaml_node_t *v, void *t)
{
	const char *s = mf_scalar(v);

	if (s && strcmp(s, "halt") == 0)
		((struct manifest *)t)->onboot_continue = false;
	else if (s && strcmp(s, "continue") == 0)
		((struct manifest *)t)->onboot_continue = true;
	else
		return mf_fail(p, v, "onboot_failure must be halt (stop the boot) or continue (go on and report)");
	return 0;
}

static int m_exit_status_from(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_name(p, v, "exit_status_from", &((struct manifest *)t)->exit_status_from);
}

static int m_stop_grace(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_duration(p, v, "stop_grace", &((struct manifest *)t)->stop_grace_ms);
}

static int d_label(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct disk *disk = t;

	disk->line = v->start_mark.line;
	disk->column = v->start_mark.column;
	if (mf_read_name(p, v, "label", &disk->label) < 0)
		return -1;
	if (strlen(disk->label) > 16)
		return mf_fail(p, v, "label \"%s\" is longer than the 16 characters ext4 keeps", disk->label);
	/* The init reads secrets from the disk with this label. */
	if (strcmp(disk->label, SECRETS_DISK_LABEL) == 0)
		return mf_fail(p, v, "label \"%s\" is kept for the secrets disk (bulkhead secrets-disk); choose another",
			       disk->label);
	return 0;
}

static int d_size(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_size(p, v, "size", 16 * 1024 * 1024, "the 16M an ext4 disk needs", &((struct disk *)t)->bytes);
}

static const struct mf_key_handler disk_keys[] = { { "label", d_label }, { "size", d_size } };

static int add_disk(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct manifest *m = ctx;
	const char *seen[4];
	struct disk *grown = realloc(m->disks, (index + 1) * sizeof(*grown));

	if (!grown)
		return mf_fail(p, item, "out of memory");
	m->disks = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	m->n_disks = index + 1;
	int n = mf_walk_mapping(p, item, "a disk", disk_keys, 2, &grown[index], seen, 4);
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "label") || !mf_has_key(seen, n, "size"))
		return mf_fail(p, item, "a disk needs label: and size: (such as 64M)");
	for (size_t i = 0; i < index; i++)
		if (strcmp(m->disks[i].label, grown[index].label) == 0)
			return mf_fail(p, item, "disk label \"%s\" is used twice", grown[index].label);
	return 0;
}

static int m_disks(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_each_item(p, v, "disks", add_disk, t);
}

static const struct mf_key_handler manifest_keys[] = {
	{ "disks", m_disks },       { "interfaces", mf_interfaces }, { "networks", mf_networks },
	{ "name", m_name },         { "hostname", m_hostname },     { "kernel", m_kernel },
	{ "onboot", m_onboot },     { "services", m_services },     { "onshutdown", m_onshutdown },
	{ "onboot_failure", m_onboot_failure }, { "exit_status_from", m_exit_status_from },
	{ "stop_grace", m_stop_grace }, { "secrets", mf_secrets },
};

/* The index of the service NAME, or n_services. */
static size_t service_index(const struct manifest *m, const char *name)
{
	size_t i = 0;

	while (i < m->n_services && strcmp(m->services[i].name, name) != 0)
		i++;
	return i;
}

/* "b → c → b": the walk's services from STACK[FROM] on, back to the first. */
static void describe_cycle(const struct manifest *m, const size_t *stack, size_t from, size_t depth, char *out,
			   size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t k = from; k <= depth && used < size; k++) {
		const char *name = m->services[k < depth ? stack[k] : stack[from]].name;
		used += (size_t)snprintf(out + used, size - used, "%s%s", k > from ? " \u2192 " : "", name);
	}
}

/* depends_on never goes in a circle, wherever the circle starts: a service
 * in one would wait forever. A depth-first walk of every service, without
 * recursion (the chain may be as long as the list): a service met again
 * while it is still on the walk closes a cycle, which the message names. */
static int check_cycles(struct mf_parse *p, struct manifest *m)
{
	enum { NEW, ON_WALK, DONE };
	size_t n = m->n_services, depth = 0;
	unsigned char *state = calloc(n + 1, 1);
	size_t *stack = calloc(n + 1, sizeof(size_t)), *next = calloc(n + 1, sizeof(size_t));
	int r = state && stack && next ? 0 : mf_fail(p, NULL, "out of memory");

	for (size_t root = 0; r == 0 && root < n; root++) {
		if (state[root] != NEW)
			continue;
		stack[0] = root;
		next[0] = 0;
		state[root] = ON_WALK;
		depth = 1;
		while (r == 0 && depth > 0) {
			char **deps = m->services[stack[depth - 1]].depends_on;
			if (!deps || !deps[next[depth - 1]]) {
				state[stack[--depth]] = DONE;
				continue;
			}
			size_t j = service_index(m, deps[next[depth - 1]++]);
			if (state[j] == NEW) {
				state[j] = ON_WALK;
				stack[depth] = j;
				next[depth++] = 0;
			} else if (state[j] == ON_WALK) {
				size_t from = 0;
				char cycle[512];
				while (stack[from] != j)
					from++;
				describe_cycle(m, stack, from, depth, cycle, sizeof(cycle));
				yaml_node_t at = { .start_mark = { .line = m->services[j].name_line,
								    .column = m->services[j].name_column } };
				r = mf_fail(p, &at, "depends_on cycle: %s; each waits for the next, so none would start: remove one of these depends_on",
					    cycle);
			}
		}
	}
	free(state);
	free(stack);
	free(next);
	return r;
}

/* depends_on names services. Positions are the dependent's name. */
static int check_dependencies(struct mf_parse *p, struct manifest *m)
{
	for (size_t i = 0; i < m->n_services; i++) {
		struct container *c = &m->services[i];
		yaml_node_t at = { .start_mark = { .line = c->name_line, .column = c->name_column } };
		for (char **d = c->depends_on; d && *d; d++)
			if (service_index(m, *d) == m->n_services)
				return mf_fail(p, &at, "service \"%s\" depends on \"%s\", which is not a service", c->name,
					    *d);
	}
	return check_cycles(p, m);
}

/* Container names become paths and cgroups: one name, one container. */
static int check_unique_names(struct mf_parse *p, struct manifest *m)
{
	struct container *all[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (int a = 0; a < 3; a++)
		for (size_t i = 0; i < counts[a]; i++)
			for (int b = a; b < 3; b++)
				for (size_t j = (a == b ? i + 1 : 0); j < counts[b]; j++) {
					const struct container *first = &all[a][i], *again = &all[b][j];
					yaml_node_t at = { .start_mark = { .line = again->name_line,
									    .column = again->name_column } };
					if (strcmp(first->name, again->name) == 0)
						return mf_fail(p, &at,
							    "container name \"%s\" is used again (first in %s at line %zu); names must be unique",
							    again->name, first->phase, first->name_line + 1);
				}
	return 0;
}

/* Every volume names a declared disk; its sub directory defaults to the
 * container's name, so that containers do not share by accident. */
static int check_volumes(struct mf_parse *p, struct manifest *m)
{
	struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			struct container *c = &lists[l][i];
			yaml_node_t at = { .start_mark = { .line = c->name_line, .column = c->name_column } };
			for (size_t v = 0; v < c->n_volumes; v++) {
				struct volume *vol = &c->volumes[v];
				size_t d = 0;
				while (d < m->n_disks && strcmp(m->disks[d].label, vol->disk) != 0)
					d++;
				if (d == m->n_disks) {
					const char *labels[32];
					size_t n = 0;
					for (; n < m->n_disks && n < 32; n++)
						labels[n] = m->disks[n].label;
					const char *hint = mf_suggest(vol->disk, labels, n);
					yaml_node_t disk_at = { .start_mark = { .line = vol->disk_line,
										 .column = vol->disk_column } };
					if (hint)
						return mf_fail(p, &disk_at, "disk \"%s\" is not in disks:; did you mean \"%s\"?",
							    vol->disk, hint);
					return mf_fail(p, &disk_at, "disk \"%s\" is not in disks: (declare it there)", vol->disk);
				}
				if (!vol->sub && !(vol->sub = strdup(c->name)))
					return mf_fail(p, &at, "out of memory");
			}
		}
	return 0;
}

/* Counts the init and bulkhead run hold to (init/contract.h, image.h):
 * refused here rather than failing at boot. Positions: the first one over. */
static int check_counts(struct mf_parse *p, struct manifest *m)
{
	struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };
	size_t total = counts[0] + counts[1] + counts[2], seen = 0;

	for (int l = 0; total > INIT_MAX_CONTAINERS && l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (++seen > INIT_MAX_CONTAINERS) {
				const struct container *c = &lists[l][i];
				yaml_node_t at = { .start_mark = { .line = c->name_line, .column = c->name_column } };
				return mf_fail(p, &at,
					    "the manifest declares %zu containers; the init runs at most %d "
					    "(INIT_MAX_CONTAINERS), and \"%s\" is one too many: split the appliance",
					    total, INIT_MAX_CONTAINERS, c->name);
			}
	if (m->n_disks > RUN_MAX_DISKS) {
		const struct disk *disk = &m->disks[RUN_MAX_DISKS];
		yaml_node_t at = { .start_mark = { .line = disk->line, .column = disk->column } };
		return mf_fail(p, &at, "the manifest declares %zu disks; bulkhead run attaches at most %d: let volumes "
			    "share a disk (each container gets its own directory of it, sub:)", m->n_disks, RUN_MAX_DISKS);
	}
	return 0;
}

static int load_tree(struct mf_parse *p, FILE *f)
{
	yaml_parser_t parser;
	int r = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &p->doc)) {
		int n = snprintf(p->diag->msg, sizeof(p->diag->msg), "%s:%zu:%zu: %s", p->path,
				 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "invalid YAML");
		/* Where the unfinished construct began is what the user must fix. */
		if (parser.context && n > 0 && (size_t)n < sizeof(p->diag->msg))
			snprintf(p->diag->msg + n, sizeof(p->diag->msg) - (size_t)n,
				 " %s that starts at line %zu, column %zu", parser.context,
				 parser.context_mark.line + 1, parser.context_mark.column + 1);
		r = -1;
	}
	yaml_parser_delete(&parser);
	return r;
}

int manifest_load(const char *path, struct manifest *m, struct diag *diag)
{
	return manifest_load_in(path, NULL, m, diag);
}

int manifest_load_in(const char *path, const char *context, struct manifest *m, struct diag *diag)
{
	struct mf_parse p = { .path = path, .diag = diag };
	const char *seen[16];
	char *slash;
	int r;
	FILE *f = fopen(path, "r");

	memset(m, 0, sizeof(*m));
	if (!f) {
		snprintf(diag->msg, sizeof(diag->msg), "%s: %s", path, strerror(errno));
		return -1;
	}
	r = load_tree(&p, f);
	fclose(f);
	if (r < 0)
		return -1;
	p.dir = strdup(path);
	slash = p.dir ? strrchr(p.dir, '/') : NULL;
	if (slash)
		*slash = '\0';
	else if (p.dir)
		strcpy(p.dir, ".");
	m->path = strdup(path);
	/* Before any key is read: every host path is checked against it. */
	if (p.dir && (r = context_set(context ? context : p.dir)) < 0) {
		snprintf(diag->msg, sizeof(diag->msg), "build context %s: %s", context ? context : p.dir, strerror(-r));
		yaml_document_delete(&p.doc);
		free(p.dir);
		manifest_free(m);
		return -1;
	}

	yaml_node_t *root = yaml_document_get_root_node(&p.doc);
	if (!root)
		r = mf_fail(&p, NULL, "the manifest is empty; it needs at least name: and services:");
	else
		r = mf_walk_mapping(&p, root, "the manifest", manifest_keys,
				 ARRAY_SIZE(manifest_keys), m, seen, 16);
	if (r >= 0 && !mf_has_key(seen, r, "name"))
		r = mf_fail(&p, root, "the manifest has no name; add name: SOMETHING at the top");
	if (r >= 0 && m->n_onboot + m->n_services == 0)
		r = mf_fail(&p, root, "the manifest declares no container; add an onboot: or services: list");
	if (r >= 0)
		r = check_counts(&p, m);
	if (r >= 0)
		r = check_unique_names(&p, m);
	if (r >= 0)
		r = check_dependencies(&p, m);
	if (r >= 0)
		r = mf_resolve_health(&p, m);
	if (r >= 0 && m->exit_status_from) {
		bool found = false;
		struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
		size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };
		for (int l = 0; l < 3; l++)
			for (size_t i = 0; i < counts[l]; i++)
				found |= strcmp(lists[l][i].name, m->exit_status_from) == 0;
		if (!found)
			r = mf_fail(&p, root, "exit_status_from names \"%s\", which is not a container of this appliance",
				 m->exit_status_from);
	}
	if (r >= 0 && !m->stop_grace_ms)
		m->stop_grace_ms = STOP_GRACE_DEFAULT_MS;
	if (r >= 0)
		r = check_volumes(&p, m);
	if (r >= 0)
		r = mf_resolve_userns(&p, m);
	if (r >= 0)
		r = mf_resolve_networks(&p, m);
	if (r >= 0)
		r = mf_resolve_secrets(&p, m);
	if (r >= 0 && !m->kernel && !(m->kernel = strdup("debian")))
		r = mf_fail(&p, root, "out of memory");
	if (r >= 0 && !m->hostname && !(m->hostname = strdup(m->name)))
		r = mf_fail(&p, root, "out of memory");
	yaml_document_delete(&p.doc);
	free(p.dir);
	if (r < 0) {
		manifest_free(m);
		return -1;
	}
	return 0;
}

static void free_containers(struct container *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].image);
		free(list[i].image_path);
		free(list[i].image_ref);
		free(list[i].image_digest);
		free(list[i].image_user);
		mf_free_signature(&list[i].signature);
		if (list[i].image_config && list[i].image_config->health)
			health_check_free(list[i].image_config->health), free(list[i].image_config->health);
		image_config_free(list[i].image_config);
		health_check_free(&list[i].health);
		free_strv(list[i].depends_healthy);
		free_strv(list[i].command);
		free_strv(list[i].env);
		free(list[i].cwd);
		free(list[i].hostname);
		free_strv(list[i].depends_on);
		for (size_t v = 0; v < list[i].n_volumes; v++) {
			free(list[i].volumes[v].disk);
			free(list[i].volumes[v].path);
			free(list[i].volumes[v].sub);
		}
		free(list[i].volumes);
		for (size_t v = 0; v < list[i].n_devices; v++)
			free(list[i].devices[v].path);
		free(list[i].devices);
		free(list[i].user);
		free(list[i].seccomp_profile);
		free_strv(list[i].paths.read);
		free_strv(list[i].paths.write);
		free_strv(list[i].paths.exec);
		free_strv(list[i].paths.deny);
		for (size_t k = 0; k < list[i].n_sysctl; k++) {
			free(list[i].sysctl[k].name);
			free(list[i].sysctl[k].value);
		}
		free(list[i].sysctl);
		for (size_t k = 0; k < list[i].n_rlimits; k++)
			free(list[i].rlimits[k].type);
		free(list[i].rlimits);
		for (size_t k = 0; k < list[i].n_files; k++) {
			free(list[i].files[k].path);
			free(list[i].files[k].contents);
			free(list[i].files[k].source);
		}
		free(list[i].files);
		free(list[i].links);
		free(list[i].ports);
		for (size_t k = 0; k < list[i].n_allow; k++) {
			free(list[i].allow[k].to);
			free(list[i].allow[k].ports);
		}
		free(list[i].allow);
		for (size_t k = 0; k < list[i].n_egress; k++)
			free(list[i].egress[k].ports);
		free(list[i].egress);
	}
	free(list);
}

void manifest_free(struct manifest *m)
{
	mf_free_secrets(m); /* before the containers: it frees theirs too */
	free(m->path);
	free(m->name);
	free(m->hostname);
	free(m->kernel);
	free(m->kernel_path);
	free(m->kernel_modules);
	free_containers(m->onboot, m->n_onboot);
	free_containers(m->services, m->n_services);
	free_containers(m->onshutdown, m->n_onshutdown);
	free(m->exit_status_from);
	for (size_t i = 0; i < m->n_disks; i++)
		free(m->disks[i].label);
	free(m->disks);
	free(m->interfaces);
	for (size_t i = 0; i < m->n_networks; i++)
		free(m->networks[i].name);
	free(m->networks);
	memset(m, 0, sizeof(*m));
}
