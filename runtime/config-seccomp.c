/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json's linux.seccomp, and the filter bulkhead build compiled from
 * it ahead of time. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "config-json.h"

static int add_seccomp_rule(struct walker *w, json_t *element, size_t index, void *ctx);

/* The config's rules, and the room reserve_rules made for their names. */
struct seccomp_room {
	struct bh_config *c;
	char *next_name;
	size_t names_left;
};

/* One entry of linux.seccomp.syscalls: the match its names share. */
struct seccomp_group {
	struct seccomp_room *room;
	const struct bh_seccomp_match *match;
};

static int add_seccomp_name(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct seccomp_group *group = ctx;
	struct seccomp_room *room = group->room;
	struct bh_config *c = room->c;

	(void)index;
	if (!json_is_string(element))
		return cfg_invalid(w, "must be a string");
	size_t size = json_string_length(element) + 1;
	/* reserve_rules counted these very names: never taken. */
	if (c->n_seccomp_rules >= c->seccomp_rules_room || size > room->names_left)
		return -ENOMEM;
	struct bh_seccomp_rule *rule = &c->seccomp_rules[c->n_seccomp_rules];
	rule->match = group->match;
	rule->name = memcpy(room->next_name, json_string_value(element), size);
	room->next_name += size;
	room->names_left -= size;
	c->n_seccomp_rules++;
	return 0;
}

/* An errno for SCMP_ACT_ERRNO: the filter keeps 16 bits of it and the
 * kernel at most 4095, so a larger one would silently become another. */
static int get_errno(struct walker *w, json_t *obj, const char *key, uint32_t *out)
{
	int r = cfg_get_u32(w, obj, key, out);

	if (r == 0 && *out > 4095)
		r = cfg_invalid_at(w, key, "must be an errno from 0 to 4095");
	return r;
}

static int parse_action(struct walker *w, json_t *obj, uint32_t errno_default, uint32_t *action)
{
	char *name = NULL;
	uint32_t errno_ret = errno_default;
	int r = cfg_get_string(w, obj, "action", &name);

	if (r == 0)
		r = get_errno(w, obj, "errnoRet", &errno_ret);
	if (r == 0 && !name)
		r = cfg_invalid(w, "action is required");
	if (r == 0 && bh_seccomp_action(name, errno_ret, action) < 0)
		r = cfg_invalid_at(w, "action", "unknown seccomp action \"%s\"", name);
	free(name);
	return r;
}

static int add_seccomp_arg(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_seccomp_match *match = ctx;
	struct bh_seccomp_arg *arg;
	uint32_t arg_index = 0;
	char *op = NULL;
	int r;

	if (index >= ARRAY_SIZE(match->args))
		return cfg_invalid(w, "a rule compares at most 6 arguments");
	arg = &match->args[index];
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with index, value and op");
	if ((r = cfg_get_u32(w, element, "index", &arg_index)) == 0 && arg_index > 5)
		r = cfg_invalid_at(w, "index", "must be from 0 to 5");
	if (r == 0)
		r = cfg_get_u64(w, element, "value", &arg->value);
	if (r == 0)
		r = cfg_get_u64(w, element, "valueTwo", &arg->value_two);
	if (r == 0)
		r = cfg_get_string(w, element, "op", &op);
	if (r == 0 && (!op || bh_seccomp_operator(op, &arg->op) < 0))
		r = cfg_invalid_at(w, "op", "unknown operator \"%s\"", op ? op : "");
	free(op);
	arg->index = arg_index;
	match->n_args = index + 1;
	return r;
}

static int add_seccomp_rule(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct seccomp_room *room = ctx;
	struct bh_seccomp_match *match;
	int r;

	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object");
	/* reserve_rules made one for each entry, this one's included. */
	match = &room->c->seccomp_matches[index];
	struct seccomp_group group = { room, match };
	if ((r = parse_action(w, element, EPERM, &match->action)) < 0 ||
	    (r = cfg_for_each(w, element, "args", add_seccomp_arg, match)) < 0)
		return r;
	return cfg_for_each(w, element, "names", add_seccomp_name, &group);
}

static int add_seccomp_arch(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;

	if (!json_is_string(element) || bh_seccomp_arch(json_string_value(element), &c->seccomp_arches[index]) < 0)
		return cfg_invalid(w, "unknown architecture %s%s%s", json_is_string(element) ? "\"" : "",
			       json_is_string(element) ? json_string_value(element) : "(not a string)",
			       json_is_string(element) ? "\"" : "");
	if (index >= ARRAY_SIZE(c->seccomp_arches) - 1)
		return cfg_invalid(w, "too many architectures");
	c->n_seccomp_arches = index + 1;
	return 0;
}

static int add_seccomp_flag(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	unsigned bit;

	(void)index;
	if (!json_is_string(element) || bh_seccomp_flag(json_string_value(element), &bit) < 0)
		return cfg_invalid(w, "unknown seccomp flag (SECCOMP_FILTER_FLAG_TSYNC, _LOG or _SPEC_ALLOW)");
	c->seccomp_flags |= bit;
	return 0;
}

/* Room for every entry of linux.seccomp.syscalls and every name, the rules
 * and their strings, in three allocations: some 350 rules grown by doubling
 * were copied and remapped five times, and each name was one more malloc.
 * A rule is its name and its entry's match: with the match in each rule
 * the 300 names of the default profile took 52 KB, fresh pages at each
 * start. Counts what add_seccomp_name will take, and more when some entry
 * is not what it should be (it is refused then). */
static int reserve_rules(json_t *seccomp, struct seccomp_room *room)
{
	json_t *syscalls = json_object_get(seccomp, "syscalls"), *group, *name;
	struct bh_config *c = room->c;
	size_t index, at, n = 0, bytes = 0;

	json_array_foreach(syscalls, index, group) {
		json_array_foreach(json_object_get(group, "names"), at, name) {
			n++;
			bytes += json_string_length(name) + 1;
		}
	}
	if (json_array_size(syscalls) &&
	    !(c->seccomp_matches = calloc(json_array_size(syscalls), sizeof(*c->seccomp_matches))))
		return -ENOMEM;
	if (n == 0)
		return 0;
	if (!(c->seccomp_rules = malloc(n * sizeof(*c->seccomp_rules))) || !(c->seccomp_names = malloc(bytes)))
		return -ENOMEM;
	c->seccomp_rules_room = n;
	room->next_name = c->seccomp_names;
	room->names_left = bytes;
	return 0;
}

int cfg_parse_seccomp(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *seccomp;
	char *default_action = NULL;
	uint32_t default_errno = EPERM;
	struct seccomp_room room = { .c = c };
	int r = cfg_get_object(w, linux_obj, "seccomp", &seccomp);

	if (r < 0 || !seccomp)
		return r;
	c->has_seccomp = true;
	size_t saved = cfg_enter_key(w, "seccomp");
	r = cfg_get_string(w, seccomp, "defaultAction", &default_action);
	if (r == 0)
		r = get_errno(w, seccomp, "defaultErrnoRet", &default_errno);
	if (r == 0 && !default_action)
		r = cfg_invalid(w, "defaultAction is required");
	if (r == 0 && bh_seccomp_action(default_action, default_errno, &c->seccomp_default) < 0)
		r = cfg_invalid_at(w, "defaultAction", "unknown seccomp action \"%s\"", default_action);
	if (r == 0)
		r = cfg_for_each(w, seccomp, "architectures", add_seccomp_arch, c);
	if (r == 0)
		r = cfg_for_each(w, seccomp, "flags", add_seccomp_flag, c);
	if (r == 0 && json_object_get(seccomp, "listenerPath"))
		r = cfg_invalid_at(w, "listenerPath", "SCMP_ACT_NOTIFY and its listener are not supported yet");
	if (r == 0)
		r = reserve_rules(seccomp, &room);
	if (r == 0)
		r = cfg_for_each(w, seccomp, "syscalls", add_seccomp_rule, &room);
	cfg_leave(w, saved);
	free(default_action);
	return r;
}


/* The document of TEXT, its linux.seccomp.syscalls left out (an empty
 * array in its place) when the text names a compiled filter: PID 1 parses
 * a config.json for each start, the rules are two thirds of it, and the
 * filter compiled from them is what is applied. The rest of the profile
 * (its default action, architectures, flags) is still read: the filter is
 * loaded with its flags. The rules are cut out, not blanked: jansson
 * reads whitespace one character at a time, and blanks cost a third of the
 * decode. A text that fails to parse so is parsed whole, which tells the
 * error where it is in the text as written. *ELIDED says whether the rules
 * were left out; TEXT is parsed whole too when the document turns out not
 * to name a filter after all (the name was only in a string). */
json_t *cfg_loadb_seccomp_compiled(const char *text, size_t len, bool *elided, json_error_t *jerr)
{
	static const char *const seccomp_path[] = { "linux", "seccomp", "syscalls" };
	static const char annotation[] = "\"" BH_SECCOMP_BPF_ANNOTATION "\"";
	size_t start, end;

	*elided = false;
	if (!memmem(text, len, annotation, sizeof(annotation) - 1) ||
	    !cfg_member_span(text, len, seccomp_path, ARRAY_SIZE(seccomp_path), &start, &end) || text[start] != '[')
		return cfg_loadb(text, len, jerr);
	/* Up to the rules' '[', then from their ']' (END is past it) on. */
	size_t kept = start + 1, rest = len - (end - 1);
	/* From the arena when one is open: malloc would map and unmap it. */
	char *scratch = cfg_arena_scratch(kept + rest);
	_cleanup_free_ char *allocated = scratch ? NULL : malloc(kept + rest);
	char *copy = scratch ? scratch : allocated;
	if (!copy)
		return cfg_loadb(text, len, jerr);
	memcpy(copy, text, kept);
	memcpy(copy + kept, text + end - 1, rest);
	json_t *root = cfg_loadb(copy, kept + rest, jerr);
	if (root && json_object_get(json_object_get(root, "annotations"), BH_SECCOMP_BPF_ANNOTATION)) {
		*elided = true;
		return root;
	}
	json_decref(root);
	return cfg_loadb(text, len, jerr);
}

/* annotations["run.bulkhead.seccomp.bpf"]: the name of a file in the bundle
 * that holds linux.seccomp already compiled to classic BPF (bulkhead build
 * writes it), so that starting a container need not build the filter.
 * Only its name is checked here; cfg_read_compiled_seccomp reads it. */
int cfg_parse_compiled_seccomp(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *name = json_object_get(json_object_get(root, "annotations"), BH_SECCOMP_BPF_ANNOTATION);
	const char *file;
	size_t saved;
	int r = 0;

	if (!name)
		return 0;
	saved = cfg_enter_key(w, "annotations");
	cfg_enter_key(w, BH_SECCOMP_BPF_ANNOTATION);
	file = json_string_value(name);
	if (!file || !file[0] || file[0] == '.' || strchr(file, '/'))
		r = cfg_invalid(w, "must name a file in the bundle directory");
	else if (!c->has_seccomp)
		r = cfg_invalid(w, "a compiled filter needs the linux.seccomp it was compiled from");
	else if (!(c->seccomp_bpf_name = strdup(file)))
		r = -ENOMEM;
	cfg_leave(w, saved);
	return r;
}

/* The file the annotation names, read at load so that a missing or
 * malformed one stops the start before anything is created. It is read
 * from where config.json was (the bundle, or the snapshot create kept). */
int cfg_read_compiled_seccomp(struct walker *w, struct bh_config *c)
{
	char path[PATH_MAX];
	struct stat st;
	size_t saved;
	int n, r = 0;

	if (!c->seccomp_bpf_name)
		return 0;
	saved = cfg_enter_key(w, "annotations");
	cfg_enter_key(w, BH_SECCOMP_BPF_ANNOTATION);
	snprintf(path, sizeof(path), "%s/%s", w->config_dir ? w->config_dir : c->bundle, c->seccomp_bpf_name);
	if (stat(path, &st) < 0)
		r = cfg_invalid(w, "%s: %s", path, strerror(errno));
	else if (st.st_size == 0 || st.st_size % sizeof(*c->seccomp_bpf) ||
		 st.st_size / sizeof(*c->seccomp_bpf) > BPF_MAXINSNS)
		r = cfg_invalid(w, "%s: %lld bytes is not a classic BPF program (8-byte instructions, at most %d)", path,
			    (long long)st.st_size, BPF_MAXINSNS);
	else if (!(c->seccomp_bpf = cfg_keep(&c->blocks, (size_t)st.st_size + 1))) /* + 1: bh_read_file's terminator */
		r = -ENOMEM;
	else if ((n = bh_read_file(path, (char *)c->seccomp_bpf, (size_t)st.st_size + 1)) != st.st_size)
		r = cfg_invalid(w, "%s: %s", path, n < 0 ? strerror(-n) : "changed while it was read");
	else
		c->n_seccomp_bpf = (size_t)st.st_size / sizeof(*c->seccomp_bpf);
	cfg_leave(w, saved);
	return r;
}
