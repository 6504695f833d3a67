/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json's hooks: six lists of {path, args, env, timeout}, read into
 * struct bh_hooks with each wrong value named by its JSON path. The object
 * is kept as text too: the CLI stores it at create and reads it back at
 * start and delete (bh_hooks_parse), since the runtime spec says a
 * config.json changed after create must not change the container. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>

#include "config-json.h"

/* In enum bh_hook_kind's order: config.json's names, and features'. */
static const char *const hook_names[BH_HOOK_KINDS] = {
	[BH_HOOK_PRESTART] = "prestart",
	[BH_HOOK_CREATE_RUNTIME] = "createRuntime",
	[BH_HOOK_CREATE_CONTAINER] = "createContainer",
	[BH_HOOK_START_CONTAINER] = "startContainer",
	[BH_HOOK_POSTSTART] = "poststart",
	[BH_HOOK_POSTSTOP] = "poststop",
};

const char *bh_hook_name_at(size_t i)
{
	return i < ARRAY_SIZE(hook_names) ? hook_names[i] : NULL;
}

struct hook_list {
	struct bh_hooks *hooks;
	enum bh_hook_kind kind;
};

static int add_hook(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct hook_list *list = ctx;
	struct bh_hook *h = &list->hooks->list[list->kind][index];
	json_t *timeout;
	int r;

	list->hooks->n[list->kind] = index + 1;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with path");
	if ((r = cfg_get_string(w, element, "path", &h->path)) < 0)
		return r;
	if (!h->path)
		return cfg_invalid(w, "path is required");
	/* The spec asks for an absolute path: a relative one would be looked
	 * up from wherever the runtime happens to run. */
	if (h->path[0] != '/')
		return cfg_invalid_at(w, "path", "\"%s\" must be an absolute path", h->path);
	if ((r = cfg_get_strv(w, element, "args", &h->args)) < 0 || (r = cfg_get_strv(w, element, "env", &h->env)) < 0)
		return r;
	/* "MUST be greater than zero"; bounded so that it adds up in ms. */
	if ((timeout = json_object_get(element, "timeout"))) {
		if (!json_is_integer(timeout) || json_integer_value(timeout) < 1 ||
		    json_integer_value(timeout) > INT_MAX / 1000)
			return cfg_invalid_at(w, "timeout", "must be a number of seconds from 1 to %d", INT_MAX / 1000);
		h->timeout = (unsigned)json_integer_value(timeout);
	}
	return 0;
}

/* OBJ, the hooks object, into *OUT; *OUT stays NULL when it holds no hook. */
static int parse_hooks_object(struct walker *w, json_t *obj, struct bh_hooks **out)
{
	struct bh_hooks *hooks = calloc(1, sizeof(*hooks));
	size_t total = 0;
	int r = 0;

	if (!hooks)
		return -ENOMEM;
	for (size_t kind = 0; kind < BH_HOOK_KINDS && r == 0; kind++) {
		json_t *array = json_object_get(obj, hook_names[kind]);
		struct hook_list list = { hooks, (enum bh_hook_kind)kind };
		if (array && json_is_array(array) &&
		    !(hooks->list[kind] = calloc(json_array_size(array) + 1, sizeof(struct bh_hook))))
			r = -ENOMEM;
		if (r == 0)
			r = cfg_for_each(w, obj, hook_names[kind], add_hook, &list);
		total += hooks->n[kind];
	}
	if (r == 0 && total > 0 && !(hooks->json = json_dumps(obj, JSON_COMPACT)))
		r = -ENOMEM;
	if (r < 0 || total == 0) {
		bh_hooks_free(hooks);
		return r;
	}
	*out = hooks;
	return 0;
}

int cfg_parse_hooks(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *obj;
	int r = cfg_get_object(w, root, "hooks", &obj);

	if (r < 0 || !obj)
		return r;
	size_t saved = cfg_enter_key(w, "hooks");
	r = parse_hooks_object(w, obj, &c->hooks);
	cfg_leave(w, saved);
	return r;
}

int bh_hooks_parse(const char *json, size_t len, struct bh_hooks **out, struct bh_err *err)
{
	struct walker w = { .err = err };
	json_error_t jerr;
	json_t *obj;
	int r;

	*out = NULL;
	if (err)
		err->path[0] = err->reason[0] = '\0';
	if (!(obj = cfg_loadb(json, len, &jerr)))
		return bh_fail(err, -EINVAL, "hooks:%d:%d: %s", jerr.line, jerr.column, jerr.text);
	cfg_enter_key(&w, "hooks");
	r = json_is_object(obj) ? parse_hooks_object(&w, obj, out) : cfg_invalid(&w, "must be an object");
	json_decref(obj);
	if (r == -ENOMEM)
		bh_fail(err, r, "hooks: out of memory");
	return r;
}

void bh_hooks_free(struct bh_hooks *hooks)
{
	if (!hooks)
		return;
	for (size_t kind = 0; kind < BH_HOOK_KINDS; kind++) {
		for (size_t i = 0; i < hooks->n[kind]; i++) {
			free(hooks->list[kind][i].path);
			bh_strv_free(hooks->list[kind][i].args);
			bh_strv_free(hooks->list[kind][i].env);
		}
		free(hooks->list[kind]);
	}
	free(hooks->json);
	free(hooks);
}

const char *bh_hooks_json(const struct bh_hooks *hooks)
{
	return hooks ? hooks->json : NULL;
}

size_t bh_hooks_count(const struct bh_hooks *hooks, enum bh_hook_kind kind)
{
	return hooks && kind < BH_HOOK_KINDS ? hooks->n[kind] : 0;
}

const struct bh_hooks *bh_config_hooks(const struct bh_config *c)
{
	return c->hooks;
}

void bh_config_set_hook_state(struct bh_config *c, bh_hook_state_fn fn, void *data)
{
	c->hook_state = fn;
	c->hook_state_data = data;
}
