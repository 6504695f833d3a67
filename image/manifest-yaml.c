/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manifest's YAML, read generically: errors at a node's position, "did
 * you mean" suggestions, scalar, list and size readers, and mappings walked
 * with a table of keys each with its reader. */
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

int mf_fail(struct mf_parse *p, const yaml_node_t *node, const char *fmt, ...)
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
const char *mf_suggest(const char *word, const char *const *candidates, size_t n)
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

const char *mf_scalar(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

int mf_read_string(struct mf_parse *p, const yaml_node_t *node, const char *key, char **out)
{
	const char *s = mf_scalar(node);

	if (!s)
		return mf_fail(p, node, "%s must be a string", key);
	if (!*s)
		return mf_fail(p, node, "%s must not be empty", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : mf_fail(p, node, "out of memory");
}

int mf_read_bool(struct mf_parse *p, const yaml_node_t *node, const char *key, bool *out)
{
	const char *s = mf_scalar(node);

	/* Only the two unambiguous spellings: YAML 1.1's yes/no/on/off surprise. */
	if (s && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "true") == 0)
		*out = true;
	else if (s && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "false") == 0)
		*out = false;
	else
		return mf_fail(p, node, "%s must be true or false", key);
	return 0;
}

int mf_each_item(struct mf_parse *p, yaml_node_t *node, const char *key, mf_item_fn fn, void *ctx)
{
	if (node->type != YAML_SEQUENCE_NODE)
		return mf_fail(p, node, "%s must be a list", key);
	size_t index = 0;
	for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
	     it++, index++)
		if (fn(p, yaml_document_get_node(&p->doc, *it), index, ctx) < 0)
			return -1;
	return 0;
}

int mf_add_string_item(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct mf_strv_ctx *sv = ctx;
	char *value = NULL;

	if (mf_read_string(p, item, sv->key, &value) < 0)
		return -1;
	char **grown = realloc(*sv->out, (index + 2) * sizeof(char *));
	if (!grown) {
		free(value);
		return mf_fail(p, item, "out of memory");
	}
	grown[index] = value;
	grown[index + 1] = NULL;
	*sv->out = grown;
	return 0;
}

int mf_read_strv(struct mf_parse *p, yaml_node_t *node, const char *key, char ***out)
{
	struct mf_strv_ctx ctx = { out, key };

	if (node->type == YAML_SEQUENCE_NODE && node->data.sequence.items.start == node->data.sequence.items.top)
		return mf_fail(p, node, "%s must not be an empty list", key);
	return mf_each_item(p, node, key, mf_add_string_item, &ctx);
}

/* ---- mappings: a table of keys, each with its reader ---- */

int mf_walk_mapping(struct mf_parse *p, yaml_node_t *node, const char *what, const struct mf_key_handler *keys,
		    size_t n_keys, void *target, const char **seen, size_t seen_size)
{
	const char *names[MF_KEYS_MAX];
	size_t n_seen = 0, n_names = n_keys < MF_KEYS_MAX ? n_keys : MF_KEYS_MAX;

	if (node->type != YAML_MAPPING_NODE)
		return mf_fail(p, node, "%s must be a mapping of keys to values", what);
	for (size_t i = 0; i < n_names; i++)
		names[i] = keys[i].key;
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
	     pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *k = mf_scalar(key);
		size_t i;

		if (!k)
			return mf_fail(p, key, "a key of %s must be a plain word", what);
		for (i = 0; i < n_keys; i++)
			if (strcmp(k, keys[i].key) == 0)
				break;
		if (i == n_keys) {
			const char *hint = mf_suggest(k, names, n_names);
			if (hint)
				return mf_fail(p, key, "unknown key \"%s\" in %s; did you mean \"%s\"?", k, what, hint);
			return mf_fail(p, key, "unknown key \"%s\" in %s", k, what);
		}
		for (size_t j = 0; j < n_seen; j++)
			if (strcmp(seen[j], k) == 0)
				return mf_fail(p, key, "key \"%s\" is given twice in %s", k, what);
		if (n_seen < seen_size)
			seen[n_seen++] = keys[i].key;
		if (keys[i].read(p, value, target) < 0)
			return -1;
	}
	return (int)n_seen;
}

bool mf_has_key(const char **seen, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(seen[i], key) == 0)
			return true;
	return false;
}

/* Names become paths, cgroup names and hostnames: keep them plain. */
bool mf_valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 63 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

int mf_read_name(struct mf_parse *p, yaml_node_t *node, const char *key, char **out)
{
	if (mf_read_string(p, node, key, out) < 0)
		return -1;
	if (!mf_valid_name(*out))
		return mf_fail(p, node,
			    "%s \"%s\" must be 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit",
			    key, *out);
	return 0;
}

/* A path on the host, relative to the manifest's directory; must exist.
 * Kept as joined, not resolved, so that messages show what the user wrote. */
int mf_host_path(struct mf_parse *p, yaml_node_t *v, const char *key, const char *given, char **out)
{
	char joined[PATH_MAX];

	snprintf(joined, sizeof(joined), "%s%s%s", given[0] == '/' ? "" : p->dir, given[0] == '/' ? "" : "/", given);
	struct diag why;

	if (access(joined, R_OK) < 0)
		return mf_fail(p, v, "%s \"%s\": %s: %s", key, given, joined, strerror(errno));
	/* A manifest's inputs lie in its build context (context.c). */
	if (input_check(given, joined, &why) < 0)
		return mf_fail(p, v, "%s %s", key, why.msg);
	return (*out = strdup(joined)) ? 0 : mf_fail(p, v, "out of memory");
}

/* A host_path that must name a regular file; WHAT says what KEY should be. */
int mf_host_file(struct mf_parse *p, yaml_node_t *v, const char *key, const char *what, char **out)
{
	const char *s = mf_scalar(v);
	struct stat st;

	if (!s || !*s)
		return mf_fail(p, v, "%s must be %s", key, what);
	if (mf_host_path(p, v, key, s, out) < 0)
		return -1;
	if (stat(*out, &st) < 0 || !S_ISREG(st.st_mode))
		return mf_fail(p, v, "%s \"%s\" is not a regular file", key, s);
	return 0;
}

/* A whole number in decimal: digits only (no sign, space or "+"), and
 * within 64 bits; *END is left after the digits. False otherwise. */
bool mf_parse_u64(const char *s, uint64_t *out, const char **end)
{
	char *stop;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long long n = strtoull(s, &stop, 10);
	if (errno == ERANGE)
		return false;
	*out = n;
	*end = stop;
	return true;
}

/* "64M", "1G", "512K" or plain bytes; binary multiples as Docker reads them.
 * At most MF_SIZE_MAX: beyond that a size is a typo, and the arithmetic on
 * it (the VM's memory, a disk's blocks) must not wrap. */
int mf_read_size(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t min, const char *why,
		     uint64_t *out)
{
	const char *s = mf_scalar(v), *end;
	static const char units[] = "KMG";
	uint64_t n;

	if (!s || !mf_parse_u64(s, &n, &end)) {
		if (s && isdigit((unsigned char)s[0]))
			return mf_fail(p, v, "%s \"%s\" is out of range: the most is 1024G", key, s);
		return mf_fail(p, v, "%s must be a size such as 64M, 1G or 500K", key);
	}
	if (*end) {
		const char *u = strchr(units, toupper((unsigned char)*end));
		if (!u || end[1])
			return mf_fail(p, v, "%s \"%s\": the unit must be K, M or G", key, s);
		for (const char *q = units; q <= u && n <= MF_SIZE_MAX; q++)
			n *= 1024;
	}
	if (n > MF_SIZE_MAX)
		return mf_fail(p, v, "%s \"%s\" is out of range: the most is 1024G", key, s);
	if (n < min)
		return mf_fail(p, v, "%s \"%s\" is below %s", key, s, why);
	*out = n;
	return 0;
}

int mf_read_count(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = mf_scalar(v), *end = NULL;
	uint64_t n = 0;
	bool number = mf_parse_u64(s, &n, &end) && !*end;

	if (number && n >= min && n <= max) {
		*out = n;
		return 0;
	}
	/* Digits only, yet refused: the value is out of range (maybe beyond 64 bits). */
	if (s && *s && strspn(s, "0123456789") == strlen(s))
		return mf_fail(p, v, "%s \"%s\" is out of range: it must be a whole number from %llu to %llu", key, s,
			    (unsigned long long)min, (unsigned long long)max);
	return mf_fail(p, v, "%s must be a whole number from %llu to %llu", key, (unsigned long long)min,
		    (unsigned long long)max);
}

/* "10s", "500ms", "2m" or plain seconds, at most an hour: checked before
 * the unit multiplies, so that no value wraps to a small one. */
int mf_read_duration(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t *ms)
{
	const char *s = mf_scalar(v), *end;
	static const uint64_t max_ms = STOP_GRACE_MAX_MS; /* its only use is stop_grace */
	uint64_t n, unit;

	if (!s || !mf_parse_u64(s, &n, &end)) {
		if (s && isdigit((unsigned char)s[0]))
			return mf_fail(p, v, "%s \"%s\" is out of range: the most is an hour (3600s)", key, s);
		return mf_fail(p, v, "%s must be a duration such as 10s, 500ms or 2m", key);
	}
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0 || !*end)
		unit = 1000;
	else if (strcmp(end, "m") == 0)
		unit = 60000;
	else
		return mf_fail(p, v, "%s \"%s\": the unit must be ms, s or m", key, s);
	if (n > max_ms / unit)
		return mf_fail(p, v, "%s \"%s\" is out of range: the most is an hour (3600s)", key, s);
	*ms = n * unit;
	return 0;
}
