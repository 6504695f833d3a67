/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json's walker: typed getters that name the JSON path of a wrong
 * value, shared by the parsers of each part of the config. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config-json.h"

size_t cfg_enter_key(struct walker *w, const char *key)
{
	size_t saved = w->len;
	int n = snprintf(w->path + w->len, sizeof(w->path) - w->len, "%s%s", w->len ? "." : "", key);
	if (n > 0)
		w->len = w->len + (size_t)n < sizeof(w->path) ? w->len + (size_t)n : sizeof(w->path) - 1;
	return saved;
}

size_t cfg_enter_index(struct walker *w, size_t index)
{
	size_t saved = w->len;
	int n = snprintf(w->path + w->len, sizeof(w->path) - w->len, "[%zu]", index);
	if (n > 0)
		w->len = w->len + (size_t)n < sizeof(w->path) ? w->len + (size_t)n : sizeof(w->path) - 1;
	return saved;
}

void cfg_leave(struct walker *w, size_t saved)
{
	w->len = saved;
	w->path[saved] = '\0';
}

int cfg_invalid(struct walker *w, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* bh_fail clears path and reason: they are filled after it. */
	int r = bh_fail(w->err, -EINVAL, "config.json: %s: %s", w->path, what);
	if (w->err) {
		snprintf(w->err->path, sizeof(w->err->path), "%s", w->path);
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
