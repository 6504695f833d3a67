/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json's walker: typed getters that name the JSON path of a wrong
 * value, shared by the parsers of each part of the config. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config-json.h"

static size_t enter(struct walker *w, const char *key, size_t index)
{
	size_t saved = w->depth;

	/* Deeper than any parser goes: the path names the levels it kept. */
	if (w->depth < CFG_PATH_DEPTH)
		w->parts[w->depth] = (struct cfg_path_part){ key, index };
	w->depth++;
	return saved;
}

size_t cfg_enter_key(struct walker *w, const char *key)
{
	return enter(w, key, 0);
}

size_t cfg_enter_index(struct walker *w, size_t index)
{
	return enter(w, NULL, index);
}

void cfg_leave(struct walker *w, size_t saved)
{
	w->depth = saved;
}

/* The path as "a.b[2].c", cut at SIZE - 1 characters. An empty key adds
 * nothing at the start and a bare "." after it. */
static void format_path(const struct walker *w, char *path, size_t size)
{
	size_t len = 0;

	path[0] = '\0';
	for (size_t i = 0; i < w->depth && i < CFG_PATH_DEPTH; i++) {
		const struct cfg_path_part *part = &w->parts[i];
		int n = part->key ? snprintf(path + len, size - len, "%s%s", len ? "." : "", part->key)
				  : snprintf(path + len, size - len, "[%zu]", part->index);
		if (n > 0)
			len = len + (size_t)n < size ? len + (size_t)n : size - 1;
	}
}

int cfg_invalid(struct walker *w, const char *fmt, ...)
{
	char what[384], path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	format_path(w, path, sizeof(path));
	/* bh_fail clears path and reason: they are filled after it. */
	int r = bh_fail(w->err, -EINVAL, "config.json: %s: %s", path, what);
	if (w->err) {
		snprintf(w->err->path, sizeof(w->err->path), "%s", path);
		snprintf(w->err->reason, sizeof(w->err->reason), "%s", what);
	}
	return r;
}

/* Like cfg_invalid(), for the member KEY of the value being read. */
int cfg_invalid_at(struct walker *w, const char *key, const char *fmt, ...)
{
	char what[384];
	va_list ap;
	size_t saved = cfg_enter_key(w, key);

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int r = cfg_invalid(w, "%s", what);
	cfg_leave(w, saved);
	return r;
}

/* ---- typed getters: absent is fine (the caller keeps its default),
 * present with the wrong type is an error ---- */

enum json_want { WANT_STRING, WANT_BOOL, WANT_U32, WANT_U64, WANT_COUNT, WANT_OBJECT };

static int convert(struct walker *w, json_t *v, enum json_want want, void *out)
{
	switch (want) {
	case WANT_STRING:
		if (!json_is_string(v))
			return cfg_invalid(w, "must be a string");
		return (*(char **)out = strdup(json_string_value(v))) ? 0 : -ENOMEM;
	case WANT_BOOL:
		if (!json_is_boolean(v))
			return cfg_invalid(w, "must be true or false");
		*(bool *)out = json_is_true(v);
		return 0;
	case WANT_U32:
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
			return cfg_invalid(w, "must be an integer from 0 to %u", UINT32_MAX);
		*(uint32_t *)out = (uint32_t)json_integer_value(v);
		return 0;
	case WANT_U64:
		/* jansson holds integers as signed 64 bits: a mask with the top
		 * bit set arrives negative and means the same bits. */
		if (!json_is_integer(v))
			return cfg_invalid(w, "must be an integer");
		*(uint64_t *)out = (uint64_t)json_integer_value(v);
		return 0;
	case WANT_COUNT:
		/* A quantity: a negative one would wrap to a huge one. */
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return cfg_invalid(w, "must be an integer from 0 up");
		*(uint64_t *)out = (uint64_t)json_integer_value(v);
		return 0;
	case WANT_OBJECT:
		if (!json_is_object(v))
			return cfg_invalid(w, "must be an object");
		*(json_t **)out = v;
		return 0;
	}
	return -EINVAL;
}

static int get(struct walker *w, json_t *obj, const char *key, enum json_want want, void *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	size_t saved = cfg_enter_key(w, key);
	int r = convert(w, v, want, out);
	cfg_leave(w, saved);
	return r;
}

int cfg_get_string(struct walker *w, json_t *obj, const char *key, char **out)
{
	return get(w, obj, key, WANT_STRING, out);
}

int cfg_get_bool(struct walker *w, json_t *obj, const char *key, bool *out)
{
	return get(w, obj, key, WANT_BOOL, out);
}

int cfg_get_u32(struct walker *w, json_t *obj, const char *key, uint32_t *out)
{
	return get(w, obj, key, WANT_U32, out);
}

int cfg_get_u64(struct walker *w, json_t *obj, const char *key, uint64_t *out)
{
	return get(w, obj, key, WANT_U64, out);
}

int cfg_get_count(struct walker *w, json_t *obj, const char *key, uint64_t *out)
{
	return get(w, obj, key, WANT_COUNT, out);
}

int cfg_get_object(struct walker *w, json_t *obj, const char *key, json_t **out)
{
	*out = NULL;
	return get(w, obj, key, WANT_OBJECT, out);
}

/* "A, B, C": what an error about a name offers instead. */
static const char *name_list(const struct cfg_name *names, size_t n, char *list, size_t size)
{
	size_t used = 0;

	list[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(list + used, size - used, "%s%s", i ? ", " : "", names[i].name);
	return list;
}

int cfg_name_value(struct walker *w, const char *name, const struct cfg_name *names, size_t n, long *out)
{
	char list[512];

	for (size_t i = 0; i < n; i++)
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].value;
			return 0;
		}
	return cfg_invalid(w, "\"%s\" is not one of %s", name, name_list(names, n, list, sizeof(list)));
}

int cfg_require_name(struct walker *w, json_t *obj, const char *key, const struct cfg_name *names, size_t n,
		     long *out)
{
	char list[512], *name = NULL;
	int r = cfg_get_string(w, obj, key, &name);

	if (r == 0 && !name)
		return cfg_invalid_at(w, key, "is required: one of %s", name_list(names, n, list, sizeof(list)));
	if (r == 0) {
		size_t saved = cfg_enter_key(w, key);
		r = cfg_name_value(w, name, names, n, out);
		cfg_leave(w, saved);
	}
	free(name);
	return r;
}

/* Calls EACH for every element of the array at KEY, with the path set. */
int cfg_for_each(struct walker *w, json_t *obj, const char *key, cfg_element_fn each, void *ctx)
{
	json_t *v = json_object_get(obj, key);
	size_t saved, index;
	json_t *element;
	int r = 0;

	if (!v)
		return 0;
	saved = cfg_enter_key(w, key);
	if (!json_is_array(v))
		r = cfg_invalid(w, "must be an array");
	json_array_foreach(v, index, element) {
		if (r < 0)
			break;
		size_t inner = cfg_enter_index(w, index);
		r = each(w, element, index, ctx);
		cfg_leave(w, inner);
	}
	cfg_leave(w, saved);
	return r;
}

static int append_string(struct walker *w, json_t *element, size_t index, void *ctx)
{
	char ***vec = ctx;

	if (!json_is_string(element))
		return cfg_invalid(w, "must be a string");
	(*vec)[index] = strdup(json_string_value(element));
	return (*vec)[index] ? 0 : -ENOMEM;
}

int cfg_get_strv(struct walker *w, json_t *obj, const char *key, char ***out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	*out = calloc(json_is_array(v) ? json_array_size(v) + 1 : 1, sizeof(char *));
	if (!*out)
		return -ENOMEM;
	return cfg_for_each(w, obj, key, append_string, out);
}

int cfg_require_absolute(struct walker *w, const char *key, const char *path)
{
	if (path[0] != '/')
		return cfg_invalid_at(w, key, "\"%s\" must be an absolute path", path);
	if (strstr(path, "/../") || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
		return cfg_invalid_at(w, key, "\"%s\" must not contain \"..\"", path);
	return 0;
}

/* ---- reading the text: the spec's uint64 numbers ---- */

/* The number token at TEXT, when it is an integer above INT64_MAX that fits
 * in 64 bits: its length, and its value in *VALUE. 0 for any other token. */
static size_t big_unsigned_at(const char *text, size_t left, uint64_t *value)
{
	size_t digits = 0;

	while (digits < left && text[digits] >= '0' && text[digits] <= '9')
		digits++;
	/* A fraction or an exponent makes it a real, which jansson takes. */
	if (digits < 19 || digits > 20 || text[0] == '0' ||
	    (digits < left && (text[digits] == '.' || text[digits] == 'e' || text[digits] == 'E')))
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < digits; i++) {
		unsigned d = (unsigned)(text[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0; /* above 2^64 - 1: jansson's "too big integer" stands */
		v = v * 10 + d;
	}
	if (v <= INT64_MAX)
		return 0;
	*value = v;
	return digits;
}

/* Whether C, before a digit, makes it the first of a number. A NUL does
 * not: the strchr this test replaced found the terminator for it. */
static bool ends_number(char c)
{
	return !((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || c == '\0');
}

/* Whether TEXT has a run of digits long enough for big_unsigned_at, in a
 * string or not: most configs have none, and are parsed as they are. */
static bool has_long_digit_run(const char *text, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		run = text[i] >= '0' && text[i] <= '9' ? run + 1 : 0;
		if (run >= 19)
			return true;
	}
	return false;
}

/* jansson holds integers as int64 and refuses larger ones, but the spec's
 * uint64 fields (rlimits, seccomp masks) reach 2^64 - 1, which runc and
 * crun write for "unlimited". Such a number, outside strings, is given to
 * jansson as the int64 of the same bits, which cfg_get_u64 reads back as
 * the uint64 it was. Padded with spaces to its own width, so that a syntax
 * error's column stays right (a 19-digit one grows by one character). */
json_t *cfg_loadb(const char *text, size_t len, json_error_t *jerr)
{
	_cleanup_free_ char *copy = NULL;
	size_t out = 0;
	bool in_string = false;
	/* Most config.json files are plain JSON, read at some 30 instructions
	 * a byte, their values made included (json-plain.c; jansson's decoder
	 * takes some 130), and a plain text has no number too long for an
	 * int64. */
	json_t *root = cfg_arena_parse_plain(text, len);

	if (root)
		return root;
	if (!has_long_digit_run(text, len))
		return cfg_arena_loadb(text, len, JSON_REJECT_DUPLICATES, jerr);
	if (!(copy = malloc(len + len / 19 + 1))) {
		jerr->line = jerr->column = -1;
		snprintf(jerr->text, sizeof(jerr->text), "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		uint64_t value;
		size_t n;
		char c = text[i];

		if (in_string) {
			copy[out++] = c;
			if (c == '\\' && i + 1 < len)
				copy[out++] = text[++i];
			else if (c == '"')
				in_string = false;
			i++;
		} else if (c == '"') {
			in_string = true;
			copy[out++] = text[i++];
		} else if ((i == 0 || ends_number(text[i - 1])) &&
			   (n = big_unsigned_at(text + i, len - i, &value)) > 0) {
			int written = sprintf(copy + out, "%lld", (long long)(int64_t)value);
			out += (size_t)written;
			for (size_t pad = (size_t)written; pad < n; pad++)
				copy[out++] = ' ';
			i += n;
		} else {
			copy[out++] = text[i++];
		}
	}
	return cfg_arena_loadb(copy, out, JSON_REJECT_DUPLICATES, jerr);
}

/* ---- finding one member's value in the text, without parsing it ---- */

/* Past the value at P (a string, object or array by its brackets, outside
 * strings; anything else up to its delimiter), or NULL where the text ends
 * first. Only the bounds are found: jansson checks the rest. */
static const char *skip_value(const char *p, const char *end)
{
	size_t depth = 0;
	bool in_string = false;

	if (p < end && *p != '"' && *p != '{' && *p != '[') {
		while (p < end && !strchr(",}] \t\n\r", *p))
			p++;
		return p;
	}
	for (; p < end; p++) {
		if (in_string) {
			if (*p == '\\' && p + 1 < end) {
				p++;
			} else if (*p == '"') {
				in_string = false;
				if (depth == 0)
					return p + 1;
			}
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return NULL;
}

/* The value of member KEY (written plainly, without escapes) of the object
 * at P, as [*START, *END); false when P is no object or has no such member. */
static bool member_value(const char *p, const char *end, const char *key, const char **start, const char **end_out)
{
	size_t key_len = strlen(key);

	p = cfg_skip_blanks(p, end);
	if (p == end || *p != '{')
		return false;
	for (p++;;) {
		const char *name = cfg_skip_blanks(p, end);
		if (name == end || *name != '"')
			return false;
		const char *after = skip_value(name, end);
		if (!after)
			return false;
		p = cfg_skip_blanks(after, end);
		if (p == end || *p != ':')
			return false;
		const char *value = cfg_skip_blanks(p + 1, end), *value_end = skip_value(value, end);
		if (!value_end || value_end == value)
			return false;
		if ((size_t)(after - name) == key_len + 2 && memcmp(name + 1, key, key_len) == 0) {
			*start = value;
			*end_out = value_end;
			return true;
		}
		p = cfg_skip_blanks(value_end, end);
		if (p == end || *p != ',')
			return false;
		p++;
	}
}

bool cfg_member_span(const char *text, size_t len, const char *const *path, size_t depth, size_t *start,
		     size_t *end)
{
	const char *from = text, *to = text + len;

	for (size_t i = 0; i < depth; i++)
		if (!member_value(from, to, path[i], &from, &to))
			return false;
	*start = (size_t)(from - text);
	*end = (size_t)(to - text);
	return true;
}

int cfg_read_file(const char *path, struct cfg_block **blocks, char **text_out, size_t *len_out, json_error_t *jerr)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text = NULL;
	size_t len = 0, size = 0, first = 16384;
	struct stat st;

	/* Read in one go when the size is known: the byte over it sees the end. */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < SSIZE_MAX)
		first = (size_t)st.st_size + 1;
	for (;;) {
		if (fd < 0)
			break;
		if (len == size) {
			/* A file that grew: a larger buffer, the smaller one
			 * left in the block until the config goes. */
			size_t want = size ? size * 2 : first;
			char *grown = cfg_keep(blocks, want);
			if (!grown) {
				errno = ENOMEM;
				break;
			}
			if (len)
				memcpy(grown, text, len);
			text = grown;
			size = want;
		}
		ssize_t n = read(fd, text + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			*text_out = text;
			*len_out = len;
			return 0;
		}
		len += (size_t)n;
	}
	/* As json_load_file says it: line -1 tells the file was not read. */
	jerr->line = jerr->column = -1;
	snprintf(jerr->text, sizeof(jerr->text), "unable to open %s: %s", path, strerror(errno));
	return -1;
}
