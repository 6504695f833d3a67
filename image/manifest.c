/* Manifest parsing: libyaml's document tree, walked with a table of keys
 * per mapping, so that every node's position is at hand for an error. */
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

#include "image.h"
#include "../runtime/runtime.h"

struct parse {
	yaml_document_t doc;
	const char *path;
	char *dir; /* the manifest's directory: relative paths start here */
	struct diag *diag;
};

__attribute__((format(printf, 3, 4))) static int fail(struct parse *p, const yaml_node_t *node,
						      const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->diag->msg, sizeof(p->diag->msg), "%s:%zu:%zu: %s", p->path,
		 node ? node->start_mark.line + 1 : 1, node ? node->start_mark.column + 1 : 1, what);
	return -1;
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (lb >= 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t best = diagonal + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = up;
		}
	}
	return row[lb];
}

/* The closest of CANDIDATES to WORD, if close enough to be a typo. */
static const char *suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_distance = 3;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);
		if (d < best_distance) {
			best_distance = d;
			best = candidates[i];
		}
	}
	return best;
}

/* ---- scalar readers ---- */

static const char *scalar(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static int read_string(struct parse *p, const yaml_node_t *node, const char *key, char **out)
{
	const char *s = scalar(node);

	if (!s)
		return fail(p, node, "%s must be a string", key);
	if (!*s)
		return fail(p, node, "%s must not be empty", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : fail(p, node, "out of memory");
}

static int read_bool(struct parse *p, const yaml_node_t *node, const char *key, bool *out)
{
	const char *s = scalar(node);

	/* Only the two unambiguous spellings: YAML 1.1's yes/no/on/off surprise. */
	if (s && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "true") == 0)
		*out = true;
	else if (s && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "false") == 0)
		*out = false;
	else
		return fail(p, node, "%s must be true or false", key);
	return 0;
}

typedef int (*item_fn)(struct parse *p, yaml_node_t *item, size_t index, void *ctx);

static int each_item(struct parse *p, yaml_node_t *node, const char *key, item_fn fn, void *ctx)
{
	if (node->type != YAML_SEQUENCE_NODE)
		return fail(p, node, "%s must be a list", key);
	size_t index = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
	     it++, index++)
		if (fn(p, yaml_document_get_node(&p->doc, *it), index, ctx) < 0)
			return -1;
	return 0;
}

struct strv_ctx {
	char ***out;
	const char *key;
};

static int add_string_item(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct strv_ctx *sv = ctx;
	char *value = NULL;

	if (read_string(p, item, sv->key, &value) < 0)
		return -1;
	char **grown = realloc(*sv->out, (index + 2) * sizeof(char *));
	if (!grown) {
		free(value);
		return fail(p, item, "out of memory");
	}
	grown[index] = value;
	grown[index + 1] = NULL;
	*sv->out = grown;
	return 0;
}

static int read_strv(struct parse *p, yaml_node_t *node, const char *key, char ***out)
{
	struct strv_ctx ctx = { out, key };

	if (node->type == YAML_SEQUENCE_NODE && node->data.sequence.items.start == node->data.sequence.items.top)
		return fail(p, node, "%s must not be an empty list", key);
	return each_item(p, node, key, add_string_item, &ctx);
}

/* ---- mappings: a table of keys, each with its reader ---- */

struct key_handler {
	const char *key;
	int (*read)(struct parse *p, yaml_node_t *value, void *target);
};

static int walk_mapping(struct parse *p, yaml_node_t *node, const char *what,
			const struct key_handler *keys, size_t n_keys, void *target, const char **seen,
			size_t seen_size)
{
	const char *names[32];
	size_t n_seen = 0;

	if (node->type != YAML_MAPPING_NODE)
		return fail(p, node, "%s must be a mapping of keys to values", what);
	for (size_t i = 0; i < n_keys && i < 32; i++)
		names[i] = keys[i].key;
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
	     pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *k = scalar(key);
		size_t i;

		if (!k)
			return fail(p, key, "a key of %s must be a plain word", what);
		for (i = 0; i < n_keys; i++)
			if (strcmp(k, keys[i].key) == 0)
				break;
		if (i == n_keys) {
			const char *hint = suggest(k, names, n_keys);
			if (hint)
				return fail(p, key, "unknown key \"%s\" in %s; did you mean \"%s\"?", k, what, hint);
			return fail(p, key, "unknown key \"%s\" in %s", k, what);
		}
		for (size_t j = 0; j < n_seen; j++)
			if (strcmp(seen[j], k) == 0)
				return fail(p, key, "key \"%s\" is given twice in %s", k, what);
		if (n_seen < seen_size)
			seen[n_seen++] = keys[i].key;
		if (keys[i].read(p, value, target) < 0)
			return -1;
	}
	return (int)n_seen;
}

static bool has_key(const char **seen, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(seen[i], key) == 0)
			return true;
	return false;
}

/* Names become paths, cgroup names and hostnames: keep them plain. */
static bool valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 63 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static int read_name(struct parse *p, yaml_node_t *node, const char *key, char **out)
{
	if (read_string(p, node, key, out) < 0)
		return -1;
	if (!valid_name(*out))
		return fail(p, node,
			    "%s \"%s\" must be 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit",
			    key, *out);
	return 0;
}

/* ---- container keys ---- */

static int c_name(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	c->name_line = v->start_mark.line;
	c->name_column = v->start_mark.column;
	return read_name(p, v, "name", &c->name);
}

static int c_image(struct parse *p, yaml_node_t *v, void *t)
{
	/* Kinds with a path, in the order of enum image_kind from IMAGE_DIR. */
	static const char *const kinds[] = { "dir", "tar", "oci", "docker-archive" };
	/* For suggestions; of two as close, the first wins. */
	static const char *const all[] = { "busybox", "oci", "docker-archive", "tar", "dir" };
	struct container *c = t;
	struct diag why;
	size_t k = 0;

	if (read_string(p, v, "image", &c->image) < 0)
		return -1;
	const char *image = c->image, *colon = strchr(image, ':');
	size_t len = colon ? (size_t)(colon - image) : strlen(image);
	if (strcmp(image, "busybox") == 0) {
		c->image_kind = IMAGE_BUSYBOX;
		return 0;
	}
	while (k < 4 && !(strlen(kinds[k]) == len && strncmp(image, kinds[k], len) == 0))
		k++;
	if (!colon || !colon[1] || k == 4) {
		char word[32];
		snprintf(word, sizeof(word), "%.*s", (int)len, image);
		const char *hint = suggest(word, all, 5);
		/* "docker:nginx" reads like a registry reference: point at the file kinds. */
		for (size_t i = 1; !hint && len >= 3 && i < 5; i++)
			if (strncmp(all[i], word, len) == 0)
				hint = all[i];
		if (hint && strcmp(hint, "busybox") == 0)
			return fail(p, v, "image \"%s\" is not one bulkhead knows; did you mean \"busybox\"?", image);
		if (hint && colon && colon[1])
			return fail(p, v, "image \"%s\" is not one bulkhead knows; did you mean \"%s:%s\"?", image, hint,
				    colon + 1);
		return fail(p, v,
			    "image \"%s\" is not one bulkhead knows; use busybox, dir:PATH, tar:PATH, "
			    "oci:PATH[:TAG|@DIGEST] or docker-archive:PATH[:NAME:TAG] (bulkhead pulls from no registry)",
			    image);
	}
	c->image_kind = (enum image_kind)(IMAGE_DIR + k);
	if (image_locate(c, p->dir, &why) < 0)
		return fail(p, v, "image \"%s\": %s", image, why.msg);
	return 0;
}

static int c_command(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = scalar(v);

	/* A single string is a shell command line, as in a Dockerfile's shell form. */
	if (s) {
		if (!*s)
			return fail(p, v, "command must not be empty");
		c->command = calloc(4, sizeof(char *));
		if (!c->command || !(c->command[0] = strdup("/bin/sh")) || !(c->command[1] = strdup("-c")) ||
		    !(c->command[2] = strdup(s)))
			return fail(p, v, "out of memory");
		return 0;
	}
	return read_strv(p, v, "command", &c->command);
}

static const char *const *capability_names(size_t *n)
{
	static char *names[64];
	static size_t count;

	if (!count) {
		for (int cap = 0; cap < 64 && cap < (int)cap_max_bits(); cap++) {
			char *lower = cap_to_name(cap), *upper;
			if (!lower)
				continue;
			upper = strdup(lower);
			for (char *q = upper; q && *q; q++)
				*q = (char)toupper((unsigned char)*q);
			cap_free(lower);
			if (upper)
				names[count++] = upper;
		}
	}
	*n = count;
	return (const char *const *)names;
}

/* A capability's bits: one, or every one the kernel knows for "ALL". */
static int capability_bits(struct parse *p, yaml_node_t *item, uint64_t *bits)
{
	const char *s = scalar(item);
	char lower[64];
	cap_value_t value;
	size_t n;

	if (!s)
		return fail(p, item, "a capability must be a name such as CAP_NET_BIND_SERVICE");
	if (strcmp(s, "ALL") == 0) {
		unsigned max = cap_max_bits();
		*bits = max >= 64 ? ~0ULL : (1ULL << max) - 1;
		return 0;
	}
	size_t len = strlen(s);
	for (size_t i = 0; i <= len && i < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[sizeof(lower) - 1] = '\0';
	if (strncmp(s, "CAP_", 4) != 0 || cap_from_name(lower, &value) < 0 || value < 0 || value > 63) {
		const char *const *names = capability_names(&n);
		const char *hint = suggest(s, names, n);
		if (hint)
			return fail(p, item, "unknown capability \"%s\"; did you mean \"%s\"?", s, hint);
		return fail(p, item, "unknown capability \"%s\" (see capabilities(7); spell it CAP_NAME, or ALL)", s);
	}
	*bits = 1ULL << value;
	return 0;
}

static int add_capability(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	uint64_t bits;

	(void)index;
	if (capability_bits(p, item, &bits) < 0)
		return -1;
	((struct container *)ctx)->capabilities |= bits;
	return 0;
}

static int drop_capability(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	uint64_t bits;

	(void)index;
	if (capability_bits(p, item, &bits) < 0)
		return -1;
	((struct container *)ctx)->capabilities &= ~bits;
	return 0;
}

struct capability_edit {
	yaml_node_t *add, *drop;
};

static int cap_add(struct parse *p, yaml_node_t *v, void *t)
{
	(void)p;
	((struct capability_edit *)t)->add = v;
	return 0;
}

static int cap_drop(struct parse *p, yaml_node_t *v, void *t)
{
	(void)p;
	((struct capability_edit *)t)->drop = v;
	return 0;
}

static const struct key_handler capability_keys[] = { { "add", cap_add }, { "drop", cap_drop } };

/* A list is the whole set. {add, drop} starts from the default, none, so
 * drop matters after add: [ALL]; drop is applied last whatever the order. */
static int c_capabilities(struct parse *p, yaml_node_t *v, void *t)
{
	struct capability_edit edit = { 0 };
	const char *seen[2];

	if (v->type == YAML_SEQUENCE_NODE)
		return each_item(p, v, "capabilities", add_capability, t);
	if (v->type != YAML_MAPPING_NODE)
		return fail(p, v, "capabilities must be a list of names, or add: and drop: lists");
	if (walk_mapping(p, v, "capabilities", capability_keys, 2, &edit, seen, 2) < 0)
		return -1;
	if (edit.add && each_item(p, edit.add, "capabilities.add", add_capability, t) < 0)
		return -1;
	return edit.drop ? each_item(p, edit.drop, "capabilities.drop", drop_capability, t) : 0;
}

/* ---- the process: user, seccomp, path rules, sysctl, rlimits, files ---- */

static int c_user(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	c->user_line = v->start_mark.line;
	c->user_column = v->start_mark.column;
	if (read_string(p, v, "user", &c->user) < 0)
		return -1;
	const char *colon = strchr(c->user, ':');
	if (c->user[0] == ':' || (colon && (!colon[1] || strchr(colon + 1, ':'))))
		return fail(p, v, "user \"%s\" must read NAME, UID, NAME:GROUP or UID:GID", c->user);
	return 0;
}

/* A path on the host, relative to the manifest's directory; must exist.
 * Kept as joined, not resolved, so that messages show what the user wrote. */
static int host_path(struct parse *p, yaml_node_t *v, const char *key, const char *given, char **out)
{
	char joined[PATH_MAX];

	snprintf(joined, sizeof(joined), "%s%s%s", given[0] == '/' ? "" : p->dir, given[0] == '/' ? "" : "/", given);
	if (access(joined, R_OK) < 0)
		return fail(p, v, "%s \"%s\": %s: %s", key, given, joined, strerror(errno));
	return (*out = strdup(joined)) ? 0 : fail(p, v, "out of memory");
}

/* A host_path that must name a regular file; WHAT says what KEY should be. */
static int host_file(struct parse *p, yaml_node_t *v, const char *key, const char *what, char **out)
{
	const char *s = scalar(v);
	struct stat st;

	if (!s || !*s)
		return fail(p, v, "%s must be %s", key, what);
	if (host_path(p, v, key, s, out) < 0)
		return -1;
	if (stat(*out, &st) < 0 || !S_ISREG(st.st_mode))
		return fail(p, v, "%s \"%s\" is not a regular file", key, s);
	return 0;
}

/* default, unconfined, or a profile file, checked as JSON here and compiled
 * with the container's other settings at build time. */
static int c_seccomp(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = scalar(v);
	json_error_t jerr;
	json_t *profile;

	if (!s || !*s)
		return fail(p, v, "seccomp must be default, unconfined or the path of a JSON profile");
	c->seccomp_line = v->start_mark.line;
	c->seccomp_column = v->start_mark.column;
	if (strcmp(s, "default") == 0)
		return 0;
	if (strcmp(s, "unconfined") == 0) {
		c->seccomp_unconfined = true;
		return 0;
	}
	if (host_path(p, v, "seccomp", s, &c->seccomp_profile) < 0)
		return -1;
	if (!(profile = json_load_file(c->seccomp_profile, JSON_REJECT_DUPLICATES, &jerr)))
		return fail(p, v, "seccomp profile %s:%d:%d: %s", c->seccomp_profile, jerr.line, jerr.column, jerr.text);
	bool usable = json_is_string(json_object_get(profile, "defaultAction"));
	json_decref(profile);
	if (!usable)
		return fail(p, v, "seccomp profile %s has no defaultAction: is it a Docker or OCI seccomp profile?",
			    c->seccomp_profile);
	return 0;
}

static int add_absolute_item(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct strv_ctx *sv = ctx;
	const char *s = scalar(item);

	if (s && (s[0] != '/' || strstr(s, "/..") || strstr(s, "//")))
		return fail(p, item, "%s: \"%s\" must be an absolute path without \"..\"", sv->key, s);
	return add_string_item(p, item, index, sv);
}

static int read_paths(struct parse *p, yaml_node_t *v, const char *key, char ***out)
{
	struct strv_ctx ctx = { out, key };
	return each_item(p, v, key, add_absolute_item, &ctx);
}

static int p_read(struct parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.read", &((struct path_rules *)t)->read);
}

static int p_write(struct parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.write", &((struct path_rules *)t)->write);
}

static int p_exec(struct parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.exec", &((struct path_rules *)t)->exec);
}

static int p_deny(struct parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.deny", &((struct path_rules *)t)->deny);
}

static const struct key_handler path_keys[] = {
	{ "read", p_read }, { "write", p_write }, { "exec", p_exec }, { "deny", p_deny },
};

static int c_paths(struct parse *p, yaml_node_t *v, void *t)
{
	struct path_rules *rules = &((struct container *)t)->paths;
	const char *seen[4];

	if (walk_mapping(p, v, "paths", path_keys, 4, rules, seen, 4) < 0)
		return -1;
	/* An empty list means none: keep it apart from "not given". */
	char ***lists[] = { &rules->read, &rules->write, &rules->exec, &rules->deny };
	for (size_t i = 0; i < 4; i++)
		if (!*lists[i] && has_key(seen, 4, path_keys[i].key) && !(*lists[i] = calloc(1, sizeof(char *))))
			return fail(p, v, "out of memory");
	return 0;
}

static int c_sysctl(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	if (v->type != YAML_MAPPING_NODE)
		return fail(p, v, "sysctl must be a mapping such as net.ipv4.ip_unprivileged_port_start: 80");
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *k = scalar(key), *val = scalar(value);
		if (!k || !val)
			return fail(p, key, "a sysctl is a name and a value, such as net.core.somaxconn: 1024");
		struct named_value *grown = realloc(c->sysctl, (c->n_sysctl + 1) * sizeof(*grown));
		if (!grown)
			return fail(p, v, "out of memory");
		c->sysctl = grown;
		grown[c->n_sysctl].name = strdup(k);
		grown[c->n_sysctl].value = strdup(val);
		grown[c->n_sysctl].line = key->start_mark.line;
		grown[c->n_sysctl].column = key->start_mark.column;
		if (!grown[c->n_sysctl++].value)
			return fail(p, v, "out of memory");
	}
	return 0;
}

/* A limit: a count, "unlimited", or [soft, hard]. */
static int read_limit(struct parse *p, yaml_node_t *v, uint64_t *out)
{
	const char *s = scalar(v);
	char *end;

	if (s && strcmp(s, "unlimited") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	unsigned long long n = s ? strtoull(s, &end, 10) : 0;
	if (!s || !*s || s[0] == '-' || *end)
		return fail(p, v, "a limit must be a whole number or unlimited");
	*out = n;
	return 0;
}

static int c_rlimits(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	if (v->type != YAML_MAPPING_NODE)
		return fail(p, v, "rlimits must be a mapping such as nofile: 1024 or nofile: [1024, 4096]");
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *k = scalar(key);
		char type[64];
		struct rlimit_entry e = { 0 };

		snprintf(type, sizeof(type), "RLIMIT_%s", k ? k : "");
		for (char *q = type; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		if (!k || bh_rlimit_from_name(type) < 0)
			return fail(p, key, "unknown rlimit \"%s\" (nofile, nproc, core, memlock, stack, as, fsize, ...)",
				    k ? k : "?");
		if (value->type == YAML_SEQUENCE_NODE) {
			yaml_node_item_t *it = value->data.sequence.items.start;
			if (value->data.sequence.items.top - it != 2)
				return fail(p, value, "rlimit %s: [soft, hard] takes two limits", k);
			if (read_limit(p, yaml_document_get_node(&p->doc, it[0]), &e.soft) < 0 ||
			    read_limit(p, yaml_document_get_node(&p->doc, it[1]), &e.hard) < 0)
				return -1;
			if (e.soft > e.hard)
				return fail(p, value, "rlimit %s: the soft limit is above the hard one", k);
		} else if (read_limit(p, value, &e.soft) < 0) {
			return -1;
		} else {
			e.hard = e.soft;
		}
		struct rlimit_entry *grown = realloc(c->rlimits, (c->n_rlimits + 1) * sizeof(*grown));
		if (!grown || !(e.type = strdup(type)))
			return fail(p, v, "out of memory");
		c->rlimits = grown;
		grown[c->n_rlimits++] = e;
	}
	return 0;
}

static int f_path(struct parse *p, yaml_node_t *v, void *t)
{
	struct file_entry *f = t;

	if (read_string(p, v, "path", &f->path) < 0)
		return -1;
	if (f->path[0] != '/' || strstr(f->path, "..") || f->path[strlen(f->path) - 1] == '/')
		return fail(p, v, "path \"%s\" must be an absolute file path without \"..\"", f->path);
	return 0;
}

static int f_contents(struct parse *p, yaml_node_t *v, void *t)
{
	const char *s = scalar(v);

	if (!s)
		return fail(p, v, "contents must be text (use a | block for several lines)");
	return (((struct file_entry *)t)->contents = strdup(s)) ? 0 : fail(p, v, "out of memory");
}

static int f_source(struct parse *p, yaml_node_t *v, void *t)
{
	return host_file(p, v, "source", "the path of a file", &((struct file_entry *)t)->source);
}

static int f_mode(struct parse *p, yaml_node_t *v, void *t)
{
	const char *s = scalar(v);
	char *end;
	unsigned long mode = s ? strtoul(s, &end, 8) : 0;

	/* Quoted or not, read as octal: YAML would take 0644 as 420. */
	if (!s || !*s || *end || mode > 07777 || (mode & 06000))
		return fail(p, v, "mode must be octal permissions such as \"0644\" (no setuid or setgid)");
	((struct file_entry *)t)->mode = (unsigned)mode;
	return 0;
}

static int f_owner(struct parse *p, yaml_node_t *v, void *t)
{
	struct file_entry *f = t;
	const char *s = scalar(v);
	char *end;

	unsigned long uid = s ? strtoul(s, &end, 10) : 0;
	if (!s || !*s || end == s || (*end && *end != ':'))
		return fail(p, v, "owner must be UID or UID:GID in numbers, such as 1000:1000");
	unsigned long gid = uid;
	if (*end == ':') {
		const char *g = end + 1;
		gid = strtoul(g, &end, 10);
		if (!*g || *end)
			return fail(p, v, "owner must be UID or UID:GID in numbers, such as 1000:1000");
	}
	if (uid > 65534 || gid > 65534)
		return fail(p, v, "owner %s: ids above 65534 do not map in the appliance", s);
	f->uid = (unsigned)uid;
	f->gid = (unsigned)gid;
	return 0;
}

static const struct key_handler file_keys[] = {
	{ "path", f_path }, { "contents", f_contents }, { "source", f_source }, { "mode", f_mode }, { "owner", f_owner },
};

static int add_file(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct container *c = ctx;
	const char *seen[8];
	struct file_entry *grown = realloc(c->files, (index + 1) * sizeof(*grown));

	if (!grown)
		return fail(p, item, "out of memory");
	c->files = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	grown[index].mode = 0644;
	c->n_files = index + 1;
	int n = walk_mapping(p, item, "a file", file_keys, sizeof(file_keys) / sizeof(file_keys[0]), &grown[index], seen,
			     8);
	if (n < 0)
		return -1;
	if (!has_key(seen, n, "path"))
		return fail(p, item, "a file needs path: (where it appears in the container)");
	if (has_key(seen, n, "contents") == has_key(seen, n, "source"))
		return fail(p, item, "file %s needs either contents: (the text) or source: (a file to copy), not both",
			    grown[index].path);
	return 0;
}

static int c_files(struct parse *p, yaml_node_t *v, void *t)
{
	return each_item(p, v, "files", add_file, t);
}

static int c_readonly(struct parse *p, yaml_node_t *v, void *t)
{
	return read_bool(p, v, "readonly", &((struct container *)t)->readonly);
}

static int add_env(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct strv_ctx sv = { ctx, "env" };
	const char *s = scalar(item);

	if (s && (!strchr(s, '=') || s[0] == '='))
		return fail(p, item, "env entry \"%s\" must read KEY=value", s);
	return add_string_item(p, item, index, &sv);
}

static int c_env(struct parse *p, yaml_node_t *v, void *t)
{
	return each_item(p, v, "env", add_env, &((struct container *)t)->env);
}

static int c_cwd(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	if (read_string(p, v, "cwd", &c->cwd) < 0)
		return -1;
	if (c->cwd[0] != '/')
		return fail(p, v, "cwd \"%s\" must be an absolute path", c->cwd);
	return 0;
}

static int c_hostname(struct parse *p, yaml_node_t *v, void *t)
{
	return read_name(p, v, "hostname", &((struct container *)t)->hostname);
}

/* "64M", "1G", "512K" or plain bytes; binary multiples as Docker reads them. */
static int read_size(struct parse *p, yaml_node_t *v, const char *key, uint64_t min, const char *why,
		     uint64_t *out)
{
	const char *s = scalar(v);
	char *end;
	unsigned long long n = s ? strtoull(s, &end, 10) : 0;
	static const char units[] = "KMG";

	if (!s || !*s || s[0] == '-' || end == s)
		return fail(p, v, "%s must be a size such as 64M, 1G or 500K", key);
	if (*end) {
		const char *u = strchr(units, toupper((unsigned char)*end));
		if (!u || end[1])
			return fail(p, v, "%s \"%s\": the unit must be K, M or G", key, s);
		for (const char *q = units; q <= u; q++)
			n *= 1024;
	}
	if (n < min)
		return fail(p, v, "%s \"%s\" is below %s", key, s, why);
	*out = n;
	return 0;
}

static int r_memory(struct parse *p, yaml_node_t *v, void *t)
{
	return read_size(p, v, "memory", 4 * 1024 * 1024, "the 4M a container needs to start",
			 &((struct container *)t)->memory_bytes);
}

/* "0.5", "2" or 1.5: a share of CPUs, kept in thousandths. */
static int r_cpus(struct parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = scalar(v);
	char *end;
	double cpus = s ? strtod(s, &end) : 0;

	if (!s || end == s || *end || !(cpus >= 0.01) || cpus > 1024)
		return fail(p, v, "cpus must be a number of CPUs from 0.01 to 1024, such as 0.5");
	c->cpu_millis = (uint64_t)(cpus * 1000 + 0.5);
	return 0;
}

static int read_count(struct parse *p, yaml_node_t *v, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = scalar(v);
	char *end;
	unsigned long long n = s ? strtoull(s, &end, 10) : 0;

	if (!s || !*s || s[0] == '-' || *end || n < min || n > max)
		return fail(p, v, "%s must be a whole number from %llu to %llu", key, (unsigned long long)min,
			    (unsigned long long)max);
	*out = n;
	return 0;
}

static int r_pids(struct parse *p, yaml_node_t *v, void *t)
{
	return read_count(p, v, "pids", 1, 4194304, &((struct container *)t)->pids);
}

static int r_io_weight(struct parse *p, yaml_node_t *v, void *t)
{
	return read_count(p, v, "io_weight", 10, 1000, &((struct container *)t)->io_weight);
}

static const struct key_handler resource_keys[] = {
	{ "memory", r_memory }, { "cpus", r_cpus }, { "pids", r_pids }, { "io_weight", r_io_weight },
};

static int c_resources(struct parse *p, yaml_node_t *v, void *t)
{
	const char *seen[8];
	return walk_mapping(p, v, "resources", resource_keys, sizeof(resource_keys) / sizeof(resource_keys[0]), t,
			    seen, 8) < 0 ? -1 : 0;
}

/* "10s", "500ms", "2m" or plain seconds. */
static int read_duration(struct parse *p, yaml_node_t *v, const char *key, uint64_t *ms)
{
	const char *s = scalar(v);
	char *end;
	unsigned long long n = s ? strtoull(s, &end, 10) : 0;

	if (!s || !*s || s[0] == '-' || end == s)
		return fail(p, v, "%s must be a duration such as 10s, 500ms or 2m", key);
	if (strcmp(end, "ms") == 0)
		*ms = n;
	else if (strcmp(end, "s") == 0 || !*end)
		*ms = n * 1000;
	else if (strcmp(end, "m") == 0)
		*ms = n * 60000;
	else
		return fail(p, v, "%s \"%s\": the unit must be ms, s or m", key, s);
	if (*ms > 3600 * 1000ULL)
		return fail(p, v, "%s \"%s\" is above an hour", key, s);
	return 0;
}

static int c_restart(struct parse *p, yaml_node_t *v, void *t)
{
	static const char *const policies[] = { "no", "on-failure", "always" };
	struct container *c = t;
	const char *s = scalar(v);

	/* YAML 1.1 reads a plain no as false: take the word as written. */
	for (size_t i = 0; s && i < 3; i++)
		if (strcmp(s, policies[i]) == 0) {
			c->restart = (enum restart_policy)i;
			return 0;
		}
	const char *hint = s ? suggest(s, policies, 3) : NULL;
	if (hint)
		return fail(p, v, "restart \"%s\" is not a policy; did you mean \"%s\"?", s, hint);
	return fail(p, v, "restart must be no, on-failure or always");
}

static int c_max_restarts(struct parse *p, yaml_node_t *v, void *t)
{
	return read_count(p, v, "max_restarts", 1, 1000000, &((struct container *)t)->max_restarts);
}

static int c_depends_on(struct parse *p, yaml_node_t *v, void *t)
{
	return read_strv(p, v, "depends_on", &((struct container *)t)->depends_on);
}

static int c_stop_grace(struct parse *p, yaml_node_t *v, void *t)
{
	return read_duration(p, v, "stop_grace", &((struct container *)t)->stop_grace_ms);
}

/* ---- volumes: a directory of a disk, bound into the container ---- */

static int v_disk(struct parse *p, yaml_node_t *v, void *t)
{
	struct volume *vol = t;

	vol->disk_line = v->start_mark.line;
	vol->disk_column = v->start_mark.column;
	return read_name(p, v, "disk", &vol->disk);
}

static int v_path(struct parse *p, yaml_node_t *v, void *t)
{
	struct volume *vol = t;

	if (read_string(p, v, "path", &vol->path) < 0)
		return -1;
	if (vol->path[0] != '/' || strstr(vol->path, "..") || strcmp(vol->path, "/") == 0)
		return fail(p, v, "path \"%s\" must be an absolute path below / without \"..\"", vol->path);
	return 0;
}

static int v_sub(struct parse *p, yaml_node_t *v, void *t)
{
	return read_name(p, v, "sub", &((struct volume *)t)->sub);
}

static int v_readonly(struct parse *p, yaml_node_t *v, void *t)
{
	return read_bool(p, v, "readonly", &((struct volume *)t)->readonly);
}

static const struct key_handler volume_keys[] = {
	{ "disk", v_disk }, { "path", v_path }, { "sub", v_sub }, { "readonly", v_readonly },
};

static int add_volume(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct container *c = ctx;
	const char *seen[8];
	struct volume *grown = realloc(c->volumes, (index + 1) * sizeof(*grown));

	if (!grown)
		return fail(p, item, "out of memory");
	c->volumes = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	c->n_volumes = index + 1;
	int n = walk_mapping(p, item, "a volume", volume_keys, sizeof(volume_keys) / sizeof(volume_keys[0]),
			     &grown[index], seen, 8);
	if (n < 0)
		return -1;
	if (!has_key(seen, n, "disk") || !has_key(seen, n, "path"))
		return fail(p, item, "a volume needs disk: (a disk's label) and path: (where it appears)");
	return 0;
}

static int c_volumes(struct parse *p, yaml_node_t *v, void *t)
{
	return each_item(p, v, "volumes", add_volume, t);
}

static int c_network(struct parse *p, yaml_node_t *v, void *t)
{
	const char *s = scalar(v);

	if (s && strcmp(s, "none") == 0)
		((struct container *)t)->host_network = false;
	else if (s && strcmp(s, "host") == 0)
		((struct container *)t)->host_network = true;
	else
		return fail(p, v, "network must be none (its own namespace with only lo) or host (the appliance's)");
	return 0;
}

static const struct key_handler container_keys[] = {
	{ "name", c_name },     { "image", c_image }, { "command", c_command }, { "capabilities", c_capabilities },
	{ "readonly", c_readonly }, { "env", c_env }, { "cwd", c_cwd },         { "hostname", c_hostname },
	{ "resources", c_resources }, { "restart", c_restart }, { "max_restarts", c_max_restarts },
	{ "depends_on", c_depends_on }, { "stop_grace", c_stop_grace }, { "volumes", c_volumes },
	{ "network", c_network }, { "user", c_user }, { "seccomp", c_seccomp }, { "paths", c_paths },
	{ "sysctl", c_sysctl }, { "rlimits", c_rlimits }, { "files", c_files },
};

/* Keys that only make sense for a supervised service. */
static const char *const service_only_keys[] = { "restart", "max_restarts", "depends_on" };

/* ---- phases and the top level ---- */

struct phase_ctx {
	struct container **list;
	size_t *n;
	const char *phase;
};

static int add_container(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct phase_ctx *ph = ctx;
	const char *seen[32];
	char what[64];
	struct container *grown = realloc(*ph->list, (index + 1) * sizeof(**ph->list));

	if (!grown)
		return fail(p, item, "out of memory");
	*ph->list = grown;
	struct container *c = &grown[index];
	memset(c, 0, sizeof(*c));
	*ph->n = index + 1;
	c->phase = ph->phase;
	c->readonly = true; /* a container writes only where it is told to */
	snprintf(what, sizeof(what), "a container of %s", ph->phase);
	int n = walk_mapping(p, item, what, container_keys, sizeof(container_keys) / sizeof(container_keys[0]), c,
			     seen, 32);
	if (n < 0)
		return -1;
	if (!has_key(seen, n, "name"))
		return fail(p, item, "this container of %s has no name; add name: SOMETHING", ph->phase);
	for (size_t i = 0; strcmp(ph->phase, "services") != 0 && i < 3; i++)
		if (has_key(seen, n, service_only_keys[i]))
			return fail(p, item, "container \"%s\": %s is for services; %s containers run once", c->name,
				    service_only_keys[i], ph->phase);
	if (!has_key(seen, n, "image"))
		return fail(p, item, "container \"%s\" has no image; add image: busybox", c->name);
	/* Once network: is known: the namespaces the bundle will have. */
	int flags = CLONE_NEWIPC | CLONE_NEWUTS | (c->host_network ? 0 : CLONE_NEWNET);
	for (size_t i = 0; i < c->n_sysctl; i++) {
		yaml_node_t at = { .start_mark = { .line = c->sysctl[i].line, .column = c->sysctl[i].column } };
		if (bh_sysctl_check(c->sysctl[i].name, flags) < 0)
			return fail(p, &at,
				    "sysctl %s is not private to the container%s: only net.* (without network: host), "
				    "kernel.msg*, kernel.sem, kernel.shm* and fs.mqueue.* can be set per container",
				    c->sysctl[i].name, c->host_network ? " (network: host shares the appliance's)" : "");
	}
	/* An OCI or docker image's Entrypoint and Cmd are a command too. */
	if (image_apply_config(c) < 0)
		return fail(p, item, "out of memory");
	if (!c->command && c->image_kind >= IMAGE_OCI)
		return fail(p, item,
			    "container \"%s\" has no command and its image sets no Entrypoint or Cmd; add command: [\"/bin/echo\", \"hi\"]",
			    c->name);
	if (!c->command)
		return fail(p, item, "container \"%s\" has no command; add command: [\"/bin/echo\", \"hi\"]",
			    c->name);
	return 0;
}

static int m_name(struct parse *p, yaml_node_t *v, void *t)
{
	return read_name(p, v, "name", &((struct manifest *)t)->name);
}

static int m_hostname(struct parse *p, yaml_node_t *v, void *t)
{
	return read_name(p, v, "hostname", &((struct manifest *)t)->hostname);
}

/* kernel: {path, modules}: a kernel the user brings, and optionally the
 * modules directory (lib/modules/VERSION, depmod run) to take modules from. */
static int k_path(struct parse *p, yaml_node_t *v, void *t)
{
	return host_file(p, v, "kernel path", "the path of a kernel image (a bzImage)", &((struct manifest *)t)->kernel_path);
}

static int k_modules(struct parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	const char *s = scalar(v);
	char dep[PATH_MAX + 16];

	if (!s || !*s)
		return fail(p, v, "kernel modules must be a modules directory (lib/modules/VERSION)");
	if (host_path(p, v, "kernel modules", s, &m->kernel_modules) < 0)
		return -1;
	snprintf(dep, sizeof(dep), "%s/modules.dep", m->kernel_modules);
	if (access(dep, R_OK) < 0)
		return fail(p, v, "kernel modules \"%s\" has no modules.dep; run depmod -b ROOT VERSION on it", s);
	return 0;
}

static const struct key_handler kernel_keys[] = { { "path", k_path }, { "modules", k_modules } };

static int m_kernel(struct parse *p, yaml_node_t *v, void *t)
{
	static const char *const kinds[] = { "debian", "minimal" };
	struct manifest *m = t;
	const char *s = scalar(v), *seen[2];

	if (v->type == YAML_MAPPING_NODE) {
		int n = walk_mapping(p, v, "kernel", kernel_keys, 2, m, seen, 2);
		if (n < 0)
			return -1;
		if (!has_key(seen, n, "path"))
			return fail(p, v, "kernel needs path: (the kernel image); modules: is optional");
		return (m->kernel = strdup("path")) ? 0 : fail(p, v, "out of memory");
	}
	if (!s || !*s)
		return fail(p, v, "kernel must be debian, minimal or {path: FILE, modules: DIR}");
	for (size_t i = 0; i < 2; i++)
		if (strcmp(s, kinds[i]) == 0)
			return (m->kernel = strdup(s)) ? 0 : fail(p, v, "out of memory");
	const char *hint = suggest(s, kinds, 2);
	if (hint)
		return fail(p, v, "unknown kernel \"%s\"; did you mean \"%s\"?", s, hint);
	return fail(p, v,
		    "unknown kernel \"%s\"; use debian (Debian's linux-image), minimal (make kernel builds it) "
		    "or {path: FILE, modules: DIR}",
		    s);
}

static int m_onboot(struct parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	struct phase_ctx ctx = { &m->onboot, &m->n_onboot, "onboot" };
	return each_item(p, v, "onboot", add_container, &ctx);
}

static int m_services(struct parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	struct phase_ctx ctx = { &m->services, &m->n_services, "services" };
	return each_item(p, v, "services", add_container, &ctx);
}

static int m_onshutdown(struct parse *p, yaml_node_t *v, void *t)
{
	struct manifest *m = t;
	struct phase_ctx ctx = { &m->onshutdown, &m->n_onshutdown, "onshutdown" };
	return each_item(p, v, "onshutdown", add_container, &ctx);
}

static int m_onboot_failure(struct parse *p, yaml_node_t *v, void *t)
{
	const char *s = scalar(v);

	if (s && strcmp(s, "halt") == 0)
		((struct manifest *)t)->onboot_continue = false;
	else if (s && strcmp(s, "continue") == 0)
		((struct manifest *)t)->onboot_continue = true;
	else
		return fail(p, v, "onboot_failure must be halt (stop the boot) or continue (go on and report)");
	return 0;
}

static int m_exit_status_from(struct parse *p, yaml_node_t *v, void *t)
{
	return read_name(p, v, "exit_status_from", &((struct manifest *)t)->exit_status_from);
}

static int m_stop_grace(struct parse *p, yaml_node_t *v, void *t)
{
	return read_duration(p, v, "stop_grace", &((struct manifest *)t)->stop_grace_ms);
}

static int d_label(struct parse *p, yaml_node_t *v, void *t)
{
	struct disk *disk = t;

	disk->line = v->start_mark.line;
	disk->column = v->start_mark.column;
	if (read_name(p, v, "label", &disk->label) < 0)
		return -1;
	if (strlen(disk->label) > 16)
		return fail(p, v, "label \"%s\" is longer than the 16 characters ext4 keeps", disk->label);
	return 0;
}

static int d_size(struct parse *p, yaml_node_t *v, void *t)
{
	return read_size(p, v, "size", 16 * 1024 * 1024, "the 16M an ext4 disk needs", &((struct disk *)t)->bytes);
}

static const struct key_handler disk_keys[] = { { "label", d_label }, { "size", d_size } };

static int add_disk(struct parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct manifest *m = ctx;
	const char *seen[4];
	struct disk *grown = realloc(m->disks, (index + 1) * sizeof(*grown));

	if (!grown)
		return fail(p, item, "out of memory");
	m->disks = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	m->n_disks = index + 1;
	int n = walk_mapping(p, item, "a disk", disk_keys, 2, &grown[index], seen, 4);
	if (n < 0)
		return -1;
	if (!has_key(seen, n, "label") || !has_key(seen, n, "size"))
		return fail(p, item, "a disk needs label: and size: (such as 64M)");
	for (size_t i = 0; i < index; i++)
		if (strcmp(m->disks[i].label, grown[index].label) == 0)
			return fail(p, item, "disk label \"%s\" is used twice", grown[index].label);
	return 0;
}

static int m_disks(struct parse *p, yaml_node_t *v, void *t)
{
	return each_item(p, v, "disks", add_disk, t);
}

static const struct key_handler manifest_keys[] = {
	{ "disks", m_disks },
	{ "name", m_name },         { "hostname", m_hostname },     { "kernel", m_kernel },
	{ "onboot", m_onboot },     { "services", m_services },     { "onshutdown", m_onshutdown },
	{ "onboot_failure", m_onboot_failure }, { "exit_status_from", m_exit_status_from },
	{ "stop_grace", m_stop_grace },
};

static struct container *find_service(struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n_services; i++)
		if (strcmp(m->services[i].name, name) == 0)
			return &m->services[i];
	return NULL;
}

/* depends_on names services, and never in a circle: a service that waits
 * for itself would never start. Positions are the dependent's name. */
static int check_dependencies(struct parse *p, struct manifest *m)
{
	for (size_t i = 0; i < m->n_services; i++) {
		struct container *c = &m->services[i];
		yaml_node_t at = { .start_mark = { .line = c->name_line, .column = c->name_column } };
		for (char **d = c->depends_on; d && *d; d++)
			if (!find_service(m, *d))
				return fail(p, &at, "service \"%s\" depends on \"%s\", which is not a service", c->name,
					    *d);
	}
	/* Walk each chain; longer than the number of services means a cycle. */
	for (size_t i = 0; i < m->n_services; i++) {
		const struct container *c = &m->services[i];
		yaml_node_t at = { .start_mark = { .line = c->name_line, .column = c->name_column } };
		const struct container *stack[64];
		size_t depth = 0;
		stack[depth++] = c;
		while (depth > 0) {
			const struct container *top = stack[--depth];
			for (char **d = top->depends_on; d && *d; d++) {
				const struct container *next = find_service(m, *d);
				if (next == c)
					return fail(p, &at, "service \"%s\" depends on itself through depends_on", c->name);
				if (depth < 64 && next->depends_on)
					stack[depth++] = next;
				else if (depth >= 64)
					return fail(p, &at, "depends_on chains of service \"%s\" are too deep", c->name);
			}
		}
	}
	return 0;
}

/* Container names become paths and cgroups: one name, one container. */
static int check_unique_names(struct parse *p, struct manifest *m)
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
						return fail(p, &at,
							    "container name \"%s\" is used again (first in %s at line %zu); names must be unique",
							    again->name, first->phase, first->name_line + 1);
				}
	return 0;
}

/* Every volume names a declared disk; its sub directory defaults to the
 * container's name, so that containers do not share by accident. */
static int check_volumes(struct parse *p, struct manifest *m)
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
					const char *hint = suggest(vol->disk, labels, n);
					yaml_node_t disk_at = { .start_mark = { .line = vol->disk_line,
										 .column = vol->disk_column } };
					if (hint)
						return fail(p, &disk_at, "disk \"%s\" is not in disks:; did you mean \"%s\"?",
							    vol->disk, hint);
					return fail(p, &disk_at, "disk \"%s\" is not in disks: (declare it there)", vol->disk);
				}
				if (!vol->sub && !(vol->sub = strdup(c->name)))
					return fail(p, &at, "out of memory");
			}
		}
	return 0;
}

static int load_tree(struct parse *p, FILE *f)
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
	struct parse p = { .path = path, .diag = diag };
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

	yaml_node_t *root = yaml_document_get_root_node(&p.doc);
	if (!root)
		r = fail(&p, NULL, "the manifest is empty; it needs at least name: and services:");
	else
		r = walk_mapping(&p, root, "the manifest", manifest_keys,
				 sizeof(manifest_keys) / sizeof(manifest_keys[0]), m, seen, 16);
	if (r >= 0 && !has_key(seen, r, "name"))
		r = fail(&p, root, "the manifest has no name; add name: SOMETHING at the top");
	if (r >= 0 && m->n_onboot + m->n_services == 0)
		r = fail(&p, root, "the manifest declares no container; add an onboot: or services: list");
	if (r >= 0)
		r = check_unique_names(&p, m);
	if (r >= 0)
		r = check_dependencies(&p, m);
	if (r >= 0 && m->exit_status_from) {
		bool found = false;
		struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
		size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };
		for (int l = 0; l < 3; l++)
			for (size_t i = 0; i < counts[l]; i++)
				found |= strcmp(lists[l][i].name, m->exit_status_from) == 0;
		if (!found)
			r = fail(&p, root, "exit_status_from names \"%s\", which is not a container of this appliance",
				 m->exit_status_from);
	}
	if (r >= 0 && !m->stop_grace_ms)
		m->stop_grace_ms = 10000;
	if (r >= 0)
		r = check_volumes(&p, m);
	if (r >= 0 && !m->kernel && !(m->kernel = strdup("debian")))
		r = fail(&p, root, "out of memory");
	if (r >= 0 && !m->hostname && !(m->hostname = strdup(m->name)))
		r = fail(&p, root, "out of memory");
	yaml_document_delete(&p.doc);
	free(p.dir);
	if (r < 0) {
		manifest_free(m);
		return -1;
	}
	return 0;
}

static void free_strv(char **v)
{
	for (char **s = v; s && *s; s++)
		free(*s);
	free(v);
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
		image_config_free(list[i].image_config);
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
	}
	free(list);
}

void manifest_free(struct manifest *m)
{
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
	memset(m, 0, sizeof(*m));
}
