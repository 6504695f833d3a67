/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manifest's containers: a reader for each key of a container. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
#include "../runtime/spec.h"

/* ---- container keys ---- */

static int c_name(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	c->name_line = v->start_mark.line;
	c->name_column = v->start_mark.column;
	return mf_read_name(p, v, "name", &c->name);
}

static int c_image(struct mf_parse *p, yaml_node_t *v, void *t)
{
	/* Kinds with a path, in the order of enum image_kind from IMAGE_DIR. */
	static const char *const kinds[] = { "dir", "tar", "oci", "docker-archive" };
	/* For suggestions; of two as close, the first wins. */
	static const char *const all[] = { "busybox", "oci", "docker-archive", "tar", "dir" };
	struct container *c = t;
	struct diag why;
	size_t k = 0;

	if (mf_read_string(p, v, "image", &c->image) < 0)
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
		const char *hint = mf_suggest(word, all, 5);
		/* "docker:nginx" reads like a registry reference: point at the file kinds. */
		for (size_t i = 1; !hint && len >= 3 && i < 5; i++)
			if (strncmp(all[i], word, len) == 0)
				hint = all[i];
		if (hint && strcmp(hint, "busybox") == 0)
			return mf_fail(p, v, "image \"%s\" is not one bulkhead knows; did you mean \"busybox\"?", image);
		if (hint && colon && colon[1])
			return mf_fail(p, v, "image \"%s\" is not one bulkhead knows; did you mean \"%s:%s\"?", image, hint,
				    colon + 1);
		return mf_fail(p, v,
			    "image \"%s\" is not one bulkhead knows; use busybox, dir:PATH, tar:PATH, "
			    "oci:PATH[:TAG|@DIGEST] or docker-archive:PATH[:NAME:TAG] (bulkhead pulls from no registry)",
			    image);
	}
	c->image_kind = (enum image_kind)(IMAGE_DIR + k);
	if (image_locate(c, p->dir, &why) < 0)
		return mf_fail(p, v, "image \"%s\": %s", image, why.msg);
	return 0;
}

static int c_command(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = mf_scalar(v);

	c->command_line = v->start_mark.line;
	c->command_column = v->start_mark.column;
	/* A single string is a shell command line, as in a Dockerfile's shell form. */
	if (s) {
		if (!*s)
			return mf_fail(p, v, "command must not be empty");
		c->command = calloc(4, sizeof(char *));
		if (!c->command || !(c->command[0] = strdup("/bin/sh")) || !(c->command[1] = strdup("-c")) ||
		    !(c->command[2] = strdup(s)))
			return mf_fail(p, v, "out of memory");
		return 0;
	}
	return mf_read_strv(p, v, "command", &c->command);
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
static int capability_bits(struct mf_parse *p, yaml_node_t *item, uint64_t *bits)
{
	const char *s = mf_scalar(item);
	char lower[64];
	cap_value_t value;
	size_t n;

	if (!s)
		return mf_fail(p, item, "a capability must be a name such as CAP_NET_BIND_SERVICE");
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
		const char *hint = mf_suggest(s, names, n);
		if (hint)
			return mf_fail(p, item, "unknown capability \"%s\"; did you mean \"%s\"?", s, hint);
		return mf_fail(p, item, "unknown capability \"%s\" (see capabilities(7); spell it CAP_NAME, or ALL)", s);
	}
	*bits = 1ULL << value;
	return 0;
}

static int add_capability(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	uint64_t bits;

	(void)index;
	if (capability_bits(p, item, &bits) < 0)
		return -1;
	((struct container *)ctx)->capabilities |= bits;
	return 0;
}

static int drop_capability(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
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

static int cap_add(struct mf_parse *p, yaml_node_t *v, void *t)
{
	(void)p;
	((struct capability_edit *)t)->add = v;
	return 0;
}

static int cap_drop(struct mf_parse *p, yaml_node_t *v, void *t)
{
	(void)p;
	((struct capability_edit *)t)->drop = v;
	return 0;
}

static const struct mf_key_handler capability_keys[] = { { "add", cap_add }, { "drop", cap_drop } };

/* A list is the whole set. {add, drop} starts from the default, none, so
 * drop matters after add: [ALL]; drop is applied last whatever the order. */
static int c_capabilities(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct capability_edit edit = { 0 };
	const char *seen[2];

	if (v->type == YAML_SEQUENCE_NODE)
		return mf_each_item(p, v, "capabilities", add_capability, t);
	if (v->type != YAML_MAPPING_NODE)
		return mf_fail(p, v, "capabilities must be a list of names, or add: and drop: lists");
	if (mf_walk_mapping(p, v, "capabilities", capability_keys, 2, &edit, seen, 2) < 0)
		return -1;
	if (edit.add && mf_each_item(p, edit.add, "capabilities.add", add_capability, t) < 0)
		return -1;
	return edit.drop ? mf_each_item(p, edit.drop, "capabilities.drop", drop_capability, t) : 0;
}

/* ---- the process: user, seccomp, path rules, sysctl, rlimits, files ---- */

static int c_user(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	c->user_line = v->start_mark.line;
	c->user_column = v->start_mark.column;
	if (mf_read_string(p, v, "user", &c->user) < 0)
		return -1;
	const char *colon = strchr(c->user, ':');
	if (c->user[0] == ':' || (colon && (!colon[1] || strchr(colon + 1, ':'))))
		return mf_fail(p, v, "user \"%s\" must read NAME, UID, NAME:GROUP or UID:GID", c->user);
	return 0;
}


/* default, unconfined, or a profile file, checked as JSON here and compiled
 * with the container's other settings at build time. */
static int c_seccomp(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = mf_scalar(v);
	json_error_t jerr;
	json_t *profile;

	if (!s || !*s)
		return mf_fail(p, v, "seccomp must be default, unconfined or the path of a JSON profile");
	c->seccomp_line = v->start_mark.line;
	c->seccomp_column = v->start_mark.column;
	if (strcmp(s, "default") == 0)
		return 0;
	if (strcmp(s, "unconfined") == 0) {
		c->seccomp_unconfined = true;
		return 0;
	}
	/* A regular file only: json_load_file on a FIFO or a device would wait forever. */
	if (mf_host_file(p, v, "seccomp", "default, unconfined or the path of a JSON profile", &c->seccomp_profile) < 0)
		return -1;
	int fd = input_open(c->seccomp_profile, O_RDONLY | O_NONBLOCK, NULL, 0);
	profile = fd < 0 ? NULL : json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
	if (fd < 0)
		return mf_fail(p, v, "seccomp profile %s: %s", c->seccomp_profile, strerror(-fd));
	close(fd);
	if (!profile)
		return mf_fail(p, v, "seccomp profile %s:%d:%d: %s", c->seccomp_profile, jerr.line, jerr.column, jerr.text);
	bool usable = json_is_string(json_object_get(profile, "defaultAction"));
	json_decref(profile);
	if (!usable)
		return mf_fail(p, v, "seccomp profile %s has no defaultAction: is it a Docker or OCI seccomp profile?",
			    c->seccomp_profile);
	return 0;
}

static int add_absolute_item(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct mf_strv_ctx *sv = ctx;
	const char *s = mf_scalar(item);

	if (s && (s[0] != '/' || strstr(s, "/..") || strstr(s, "//")))
		return mf_fail(p, item, "%s: \"%s\" must be an absolute path without \"..\"", sv->key, s);
	return mf_add_string_item(p, item, index, sv);
}

static int read_paths(struct mf_parse *p, yaml_node_t *v, const char *key, char ***out)
{
	struct mf_strv_ctx ctx = { out, key };
	return mf_each_item(p, v, key, add_absolute_item, &ctx);
}

static int p_read(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.read", &((struct path_rules *)t)->read);
}

static int p_write(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.write", &((struct path_rules *)t)->write);
}

static int p_exec(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.exec", &((struct path_rules *)t)->exec);
}

static int p_deny(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_paths(p, v, "paths.deny", &((struct path_rules *)t)->deny);
}

static const struct mf_key_handler path_keys[] = {
	{ "read", p_read }, { "write", p_write }, { "exec", p_exec }, { "deny", p_deny },
};

static int c_paths(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct path_rules *rules = &((struct container *)t)->paths;
	const char *seen[4];
	int n = mf_walk_mapping(p, v, "paths", path_keys, 4, rules, seen, 4);

	if (n < 0)
		return -1;
	/* An empty list means none: keep it apart from "not given". Only the
	 * N keys given are in SEEN: the other slots were never written. */
	char ***lists[] = { &rules->read, &rules->write, &rules->exec, &rules->deny };
	for (size_t i = 0; i < 4; i++)
		if (!*lists[i] && mf_has_key(seen, n, path_keys[i].key) && !(*lists[i] = calloc(1, sizeof(char *))))
			return mf_fail(p, v, "out of memory");
	return 0;
}

/* Write xor execute: an exec path may not lie in a writable one (paths.write,
 * /tmp by default, or a writable volume). An exec path above a writable one
 * is fine: the runtime keeps execute out of the writable part. */
static int check_write_xor_exec(struct mf_parse *p, yaml_node_t *item, const struct container *c)
{
	char *const tmp[] = { "/tmp", NULL }, *const slash[] = { "/", NULL };
	char *const *write = c->paths.write ? c->paths.write : tmp, *const *exec = c->paths.exec ? c->paths.exec : slash;
	const char *w, *by_default = " (by default)";

	for (char *const *e = exec; *e; e++) {
		if ((w = bh_spec_path_within(*e, write)))
			return mf_fail(p, item,
				    "container \"%s\": paths.exec%s %s lies in %s, which paths.write%s makes writable: a path "
				    "is writable or executable, never both (W^X); take it out of one of them%s",
				    c->name, c->paths.exec ? "" : by_default, *e, w, c->paths.write ? "" : by_default,
				    c->paths.write ? "" : " (write: [] or a list without it)");
		for (size_t i = 0; i < c->n_volumes; i++)
			if (!c->volumes[i].readonly && bh_spec_path_within(*e, (char *const[]){ c->volumes[i].path, NULL }))
				return mf_fail(p, item,
					    "container \"%s\": paths.exec%s %s lies in the writable volume at %s: a path is "
					    "writable or executable, never both (W^X); make the volume readonly: true or "
					    "take it out of paths.exec",
					    c->name, c->paths.exec ? "" : by_default, *e, c->volumes[i].path);
	}
	return 0;
}

static int c_sysctl(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	if (v->type != YAML_MAPPING_NODE)
		return mf_fail(p, v, "sysctl must be a mapping such as net.ipv4.ip_unprivileged_port_start: 80");
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *k = mf_scalar(key), *val = mf_scalar(value);
		if (!k || !val)
			return mf_fail(p, key, "a sysctl is a name and a value, such as net.core.somaxconn: 1024");
		struct named_value *grown = realloc(c->sysctl, (c->n_sysctl + 1) * sizeof(*grown));
		if (!grown)
			return mf_fail(p, v, "out of memory");
		c->sysctl = grown;
		grown[c->n_sysctl].name = strdup(k);
		grown[c->n_sysctl].value = strdup(val);
		grown[c->n_sysctl].line = key->start_mark.line;
		grown[c->n_sysctl].column = key->start_mark.column;
		if (!grown[c->n_sysctl++].value)
			return mf_fail(p, v, "out of memory");
	}
	return 0;
}

/* A limit: a count up to MAX, or "unlimited". A number too large is an
 * error, never "unlimited" (strtoull's ULLONG_MAX) nor wrapped. */
static int read_limit(struct mf_parse *p, yaml_node_t *v, const char *name, uint64_t max, uint64_t *out)
{
	const char *s = mf_scalar(v), *end = NULL;
	uint64_t n = 0;

	if (s && strcmp(s, "unlimited") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	bool number = mf_parse_u64(s, &n, &end) && !*end;
	if (number && n <= max) {
		*out = n;
		return 0;
	}
	if (s && *s && strspn(s, "0123456789") == strlen(s))
		return mf_fail(p, v, "rlimit %s \"%s\" is out of range: it must be from 0 to %llu, or unlimited", name, s,
			    (unsigned long long)max);
	return mf_fail(p, v, "a limit must be a whole number or unlimited");
}

/* The largest limit the kernel takes for TYPE: nofile above fs.nr_open
 * (1048576 unless raised, and the init does not raise it) fails at boot;
 * the others go into config.json as signed 64-bit JSON integers. */
static uint64_t limit_max(const char *type)
{
	return strcmp(type, "RLIMIT_NOFILE") == 0 ? 1048576 : (uint64_t)INT64_MAX;
}

static int c_rlimits(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	if (v->type != YAML_MAPPING_NODE)
		return mf_fail(p, v, "rlimits must be a mapping such as nofile: 1024 or nofile: [1024, 4096]");
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *k = mf_scalar(key);
		char type[64];
		struct rlimit_entry e = { 0 };

		snprintf(type, sizeof(type), "RLIMIT_%s", k ? k : "");
		for (char *q = type; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		if (!k || bh_rlimit_from_name(type) < 0)
			return mf_fail(p, key, "unknown rlimit \"%s\" (nofile, nproc, core, memlock, stack, as, fsize, ...)",
				    k ? k : "?");
		if (value->type == YAML_SEQUENCE_NODE) {
			yaml_node_item_t *it = value->data.sequence.items.start;
			if (value->data.sequence.items.top - it != 2)
				return mf_fail(p, value, "rlimit %s: [soft, hard] takes two limits", k);
			if (read_limit(p, yaml_document_get_node(&p->doc, it[0]), k, limit_max(type), &e.soft) < 0 ||
			    read_limit(p, yaml_document_get_node(&p->doc, it[1]), k, limit_max(type), &e.hard) < 0)
				return -1;
			if (e.soft > e.hard)
				return mf_fail(p, value, "rlimit %s: the soft limit is above the hard one", k);
		} else if (read_limit(p, value, k, limit_max(type), &e.soft) < 0) {
			return -1;
		} else {
			e.hard = e.soft;
		}
		struct rlimit_entry *grown = realloc(c->rlimits, (c->n_rlimits + 1) * sizeof(*grown));
		if (!grown || !(e.type = strdup(type)))
			return mf_fail(p, v, "out of memory");
		c->rlimits = grown;
		grown[c->n_rlimits++] = e;
	}
	return 0;
}

static int f_path(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct file_entry *f = t;

	if (mf_read_string(p, v, "path", &f->path) < 0)
		return -1;
	if (f->path[0] != '/' || strstr(f->path, "..") || f->path[strlen(f->path) - 1] == '/')
		return mf_fail(p, v, "path \"%s\" must be an absolute file path without \"..\"", f->path);
	return 0;
}

static int f_contents(struct mf_parse *p, yaml_node_t *v, void *t)
{
	const char *s = mf_scalar(v);

	if (!s)
		return mf_fail(p, v, "contents must be text (use a | block for several lines)");
	return (((struct file_entry *)t)->contents = strdup(s)) ? 0 : mf_fail(p, v, "out of memory");
}

static int f_source(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_host_file(p, v, "source", "the path of a file", &((struct file_entry *)t)->source);
}

static int f_mode(struct mf_parse *p, yaml_node_t *v, void *t)
{
	const char *s = mf_scalar(v);
	char *end = NULL;
	/* Octal digits only: strtoul would take a sign or spaces and wrap. */
	unsigned long mode = s && strspn(s, "01234567") == strlen(s) && strlen(s) <= 5 ? strtoul(s, &end, 8) : ULONG_MAX;

	/* Quoted or not, read as octal: YAML would take 0644 as 420. */
	if (!s || !*s || !end || *end || mode > 07777 || (mode & 06000))
		return mf_fail(p, v, "mode must be octal permissions such as \"0644\" (no setuid or setgid)");
	((struct file_entry *)t)->mode = (unsigned)mode;
	return 0;
}

static int f_owner(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct file_entry *f = t;
	const char *s = mf_scalar(v), *end = NULL;
	uint64_t uid = 0, gid;

	/* Digits only, within 64 bits: a sign or an overflow would wrap to root. */
	if (!mf_parse_u64(s, &uid, &end) || (*end && *end != ':'))
		return mf_fail(p, v, "owner must be UID or UID:GID in numbers, such as 1000:1000");
	gid = uid;
	if (*end == ':' && (!mf_parse_u64(end + 1, &gid, &end) || *end))
		return mf_fail(p, v, "owner must be UID or UID:GID in numbers, such as 1000:1000");
	if (uid > 65534 || gid > 65534)
		return mf_fail(p, v, "owner %s: ids above 65534 do not map in the appliance", s);
	f->uid = (unsigned)uid;
	f->gid = (unsigned)gid;
	return 0;
}

static const struct mf_key_handler file_keys[] = {
	{ "path", f_path }, { "contents", f_contents }, { "source", f_source }, { "mode", f_mode }, { "owner", f_owner },
};

static int add_file(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct container *c = ctx;
	const char *seen[8];
	struct file_entry *grown = realloc(c->files, (index + 1) * sizeof(*grown));

	if (!grown)
		return mf_fail(p, item, "out of memory");
	c->files = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	grown[index].mode = 0644;
	c->n_files = index + 1;
	int n = mf_walk_mapping(p, item, "a file", file_keys, ARRAY_SIZE(file_keys), &grown[index], seen,
			     8);
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "path"))
		return mf_fail(p, item, "a file needs path: (where it appears in the container)");
	if (mf_has_key(seen, n, "contents") == mf_has_key(seen, n, "source"))
		return mf_fail(p, item, "file %s needs either contents: (the text) or source: (a file to copy), not both",
			    grown[index].path);
	return 0;
}

static int c_files(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_each_item(p, v, "files", add_file, t);
}

static int c_readonly(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_bool(p, v, "readonly", &((struct container *)t)->readonly);
}

static int add_env(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct mf_strv_ctx sv = { ctx, "env" };
	const char *s = mf_scalar(item);

	if (s && (!strchr(s, '=') || s[0] == '='))
		return mf_fail(p, item, "env entry \"%s\" must read KEY=value", s);
	return mf_add_string_item(p, item, index, &sv);
}

static int c_env(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_each_item(p, v, "env", add_env, &((struct container *)t)->env);
}

static int c_cwd(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;

	if (mf_read_string(p, v, "cwd", &c->cwd) < 0)
		return -1;
	if (c->cwd[0] != '/')
		return mf_fail(p, v, "cwd \"%s\" must be an absolute path", c->cwd);
	return 0;
}

static int c_hostname(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_name(p, v, "hostname", &((struct container *)t)->hostname);
}


static int r_memory(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_size(p, v, "memory", 4 * 1024 * 1024, "the 4M a container needs to start",
			 &((struct container *)t)->memory_bytes);
}

/* "0.5", "2" or 1.5: a share of CPUs, kept in thousandths. */
static int r_cpus(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = mf_scalar(v);
	char *end;
	double cpus = s ? strtod(s, &end) : 0;

	if (!s || end == s || *end || !(cpus >= 0.01) || cpus > 1024)
		return mf_fail(p, v, "cpus must be a number of CPUs from 0.01 to 1024, such as 0.5");
	c->cpu_millis = (uint64_t)(cpus * 1000 + 0.5);
	return 0;
}


static int r_pids(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_count(p, v, "pids", 1, 4194304, &((struct container *)t)->pids);
}

static int r_io_weight(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_count(p, v, "io_weight", 10, 1000, &((struct container *)t)->io_weight);
}

static const struct mf_key_handler resource_keys[] = {
	{ "memory", r_memory }, { "cpus", r_cpus }, { "pids", r_pids }, { "io_weight", r_io_weight },
};

static int c_resources(struct mf_parse *p, yaml_node_t *v, void *t)
{
	const char *seen[8];
	return mf_walk_mapping(p, v, "resources", resource_keys, ARRAY_SIZE(resource_keys), t,
			    seen, 8) < 0 ? -1 : 0;
}


static int c_restart(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct container *c = t;
	const char *s = mf_scalar(v);

	/* YAML 1.1 reads a plain no as false: take the word as written. */
	for (size_t i = 0; s && i < RESTART_POLICIES; i++)
		if (strcmp(s, restart_policy_names[i]) == 0) {
			c->restart = (enum restart_policy)i;
			return 0;
		}
	const char *hint = s ? mf_suggest(s, restart_policy_names, RESTART_POLICIES) : NULL;
	if (hint)
		return mf_fail(p, v, "restart \"%s\" is not a policy; did you mean \"%s\"?", s, hint);
	return mf_fail(p, v, "restart must be no, on-failure or always");
}

static int c_max_restarts(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_count(p, v, "max_restarts", 1, 1000000, &((struct container *)t)->max_restarts);
}

static int c_stop_grace(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_duration(p, v, "stop_grace", &((struct container *)t)->stop_grace_ms);
}

/* ---- volumes: a directory of a disk, bound into the container ---- */

static int v_disk(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct volume *vol = t;

	vol->disk_line = v->start_mark.line;
	vol->disk_column = v->start_mark.column;
	return mf_read_name(p, v, "disk", &vol->disk);
}

static int v_path(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct volume *vol = t;

	if (mf_read_string(p, v, "path", &vol->path) < 0)
		return -1;
	if (vol->path[0] != '/' || strstr(vol->path, "..") || strcmp(vol->path, "/") == 0)
		return mf_fail(p, v, "path \"%s\" must be an absolute path below / without \"..\"", vol->path);
	return 0;
}

static int v_sub(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_name(p, v, "sub", &((struct volume *)t)->sub);
}

static int v_readonly(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_bool(p, v, "readonly", &((struct volume *)t)->readonly);
}

static const struct mf_key_handler volume_keys[] = {
	{ "disk", v_disk }, { "path", v_path }, { "sub", v_sub }, { "readonly", v_readonly },
};

static int add_volume(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct container *c = ctx;
	const char *seen[8];
	struct volume *grown = realloc(c->volumes, (index + 1) * sizeof(*grown));

	if (!grown)
		return mf_fail(p, item, "out of memory");
	c->volumes = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	c->n_volumes = index + 1;
	int n = mf_walk_mapping(p, item, "a volume", volume_keys, ARRAY_SIZE(volume_keys),
			     &grown[index], seen, 8);
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "disk") || !mf_has_key(seen, n, "path"))
		return mf_fail(p, item, "a volume needs disk: (a disk's label) and path: (where it appears)");
	return 0;
}

static int c_volumes(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_each_item(p, v, "volumes", add_volume, t);
}

static int c_network(struct mf_parse *p, yaml_node_t *v, void *t)
{
	const char *s = mf_scalar(v);

	if (s && strcmp(s, "none") == 0)
		((struct container *)t)->host_network = false;
	else if (s && strcmp(s, "host") == 0)
		((struct container *)t)->host_network = true;
	else
		return mf_fail(p, v, "network must be none (its own namespace with only lo) or host (the appliance's)");
	return 0;
}

static const struct mf_key_handler container_keys[] = {
	{ "name", c_name },     { "image", c_image }, { "command", c_command }, { "capabilities", c_capabilities },
	{ "readonly", c_readonly }, { "env", c_env }, { "cwd", c_cwd },         { "hostname", c_hostname },
	{ "resources", c_resources }, { "restart", c_restart }, { "max_restarts", c_max_restarts },
	{ "depends_on", mf_container_depends_on }, { "stop_grace", c_stop_grace }, { "volumes", c_volumes },
	{ "network", c_network }, { "user", c_user }, { "seccomp", c_seccomp }, { "paths", c_paths },
	{ "sysctl", c_sysctl }, { "rlimits", c_rlimits }, { "files", c_files },
	{ "devices", mf_container_devices }, { "networks", mf_container_networks }, { "ports", mf_container_ports },
	{ "allow", mf_container_allow }, { "egress", mf_container_egress },
	{ "secrets", mf_container_secrets },
	{ "healthcheck", mf_container_healthcheck },
	{ "init", mf_container_init }, { "on_exit", mf_container_on_exit },
	{ "userns", mf_container_userns },
	{ "signature", mf_container_signature },
};

/* Keys that only make sense for a supervised service. */
static const char *const service_only_keys[] = { "restart", "max_restarts", "depends_on", "healthcheck" };

/* ---- a container of a phase ---- */

int mf_add_container(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct mf_phase_ctx *ph = ctx;
	const char *seen[MF_KEYS_MAX];
	char what[64];
	struct container *grown = realloc(*ph->list, (index + 1) * sizeof(**ph->list));

	if (!grown)
		return mf_fail(p, item, "out of memory");
	*ph->list = grown;
	struct container *c = &grown[index];
	memset(c, 0, sizeof(*c));
	*ph->n = index + 1;
	c->phase = ph->phase;
	c->readonly = true; /* a container writes only where it is told to */
	snprintf(what, sizeof(what), "a container of %s", ph->phase);
	_Static_assert(ARRAY_SIZE(container_keys) <= MF_KEYS_MAX, "every key of a container can be seen");
	int n = mf_walk_mapping(p, item, what, container_keys, ARRAY_SIZE(container_keys), c, seen, ARRAY_SIZE(seen));
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "name"))
		return mf_fail(p, item, "this container of %s has no name; add name: SOMETHING", ph->phase);
	for (size_t i = 0; strcmp(ph->phase, "services") != 0 && i < ARRAY_SIZE(service_only_keys); i++)
		if (mf_has_key(seen, n, service_only_keys[i]))
			return mf_fail(p, item, "container \"%s\": %s is for services; %s containers run once", c->name,
				    service_only_keys[i], ph->phase);
	if (!mf_has_key(seen, n, "image"))
		return mf_fail(p, item, "container \"%s\" has no image; add image: busybox", c->name);
	if (check_write_xor_exec(p, item, c) < 0 || mf_check_lifecycle(p, item, c) < 0)
		return -1;
	/* Once network: is known: the namespaces the bundle will have. */
	int flags = bh_spec_namespace_flags(c->host_network);
	for (size_t i = 0; i < c->n_sysctl; i++) {
		yaml_node_t at = { .start_mark = { .line = c->sysctl[i].line, .column = c->sysctl[i].column } };
		if (bh_sysctl_check(c->sysctl[i].name, flags) < 0)
			return mf_fail(p, &at,
				    "sysctl %s is not private to the container%s: only net.* (without network: host), "
				    "kernel.msg*, kernel.sem, kernel.shm* and fs.mqueue.* can be set per container",
				    c->sysctl[i].name, c->host_network ? " (network: host shares the appliance's)" : "");
	}
	/* An OCI or docker image's Entrypoint and Cmd are a command too; its Healthcheck a check. */
	if (mf_health_from_image(p, item, c) < 0) /* it says what is wrong */
		return -1;
	if (image_apply_config(c) < 0)
		return mf_fail(p, item, "out of memory");
	if (!c->command && c->image_kind >= IMAGE_OCI)
		return mf_fail(p, item,
			    "container \"%s\" has no command and its image sets no Entrypoint or Cmd; add command: [\"/bin/echo\", \"hi\"]",
			    c->name);
	if (!c->command)
		return mf_fail(p, item, "container \"%s\" has no command; add command: [\"/bin/echo\", \"hi\"]",
			    c->name);
	return 0;
}
