/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parts of runtime/config.c's parser, one file each (config-json.c,
 * config-process.c, config-seccomp.c, config-resources.c, config.c), and
 * the walker they share. Internal to the runtime. Every function returns
 * 0 or -errno; a wrong value sets w->err naming its JSON path. */
#ifndef BULKHEAD_CONFIG_JSON_H
#define BULKHEAD_CONFIG_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* The JSON path of the value being read, grown and shrunk as we descend:
 * kept as its parts and spelt out only for an error, since most values are
 * read without one. The parsers descend at most some ten levels. */
#define CFG_PATH_DEPTH 32
struct walker {
	struct cfg_path_part {
		const char *key; /* NULL: an array index */
		size_t index;
	} parts[CFG_PATH_DEPTH];
	size_t depth;
	struct bh_err *err;
	bool on_disk; /* bh_config_load: also check the files the config names */
	const char *config_dir; /* with on_disk: where config.json and its compiled filter are */
	bool keep_annotations;  /* for bh_config_annotations: a runtime's state reports them */
	bool snapshot;          /* a config create accepted, read again (bh_config_load_from) */
};

/* Enter a member or an element; the value returned is what cfg_leave takes.
 * KEY must stay valid until then. */
size_t cfg_enter_key(struct walker *w, const char *key);
size_t cfg_enter_index(struct walker *w, size_t index);
void cfg_leave(struct walker *w, size_t saved);
/* -EINVAL, naming the value being read (or its member KEY). */
__attribute__((format(printf, 2, 3))) int cfg_invalid(struct walker *w, const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int cfg_invalid_at(struct walker *w, const char *key, const char *fmt, ...);

/* Typed getters: an absent member leaves *OUT as it was; one of the wrong
 * type is an error. Strings are malloc'd. */
int cfg_get_string(struct walker *w, json_t *obj, const char *key, char **out);
int cfg_get_bool(struct walker *w, json_t *obj, const char *key, bool *out);
int cfg_get_u32(struct walker *w, json_t *obj, const char *key, uint32_t *out);
int cfg_get_u64(struct walker *w, json_t *obj, const char *key, uint64_t *out);
/* A quantity (shares, a rate, a weight): 0 or more, never a negative that
 * cfg_get_u64 would take as the same bits. */
int cfg_get_count(struct walker *w, json_t *obj, const char *key, uint64_t *out);
int cfg_get_object(struct walker *w, json_t *obj, const char *key, json_t **out);
/* A NULL-terminated list of strings. */
int cfg_get_strv(struct walker *w, json_t *obj, const char *key, char ***out);
/* EACH for every element of the array member KEY (absent: none). */
typedef int (*cfg_element_fn)(struct walker *w, json_t *element, size_t index, void *ctx);
int cfg_for_each(struct walker *w, json_t *obj, const char *key, cfg_element_fn each, void *ctx);
int cfg_require_absolute(struct walker *w, const char *key, const char *path);
/* A string that must be one of a fixed set of names (a policy, a class). */
struct cfg_name {
	const char *name;
	long value;
};
/* NAME's value from NAMES into *OUT, or an error at the walker's path that
 * lists them. */
int cfg_name_value(struct walker *w, const char *name, const struct cfg_name *names, size_t n, long *out);
/* The member KEY, which must be there, a string cfg_name_value reads. */
int cfg_require_name(struct walker *w, json_t *obj, const char *key, const struct cfg_name *names, size_t n,
		     long *out);

/* Where cfg_loadb builds its documents, in this thread, from open to close
 * (config-arena.c): everything it loaded must be json_decref'd before
 * close. Without an arena, and when one is already open, jansson allocates
 * as ever. */
struct cfg_arena {
	struct cfg_block *chunks; /* newest first */
	bool open, allocating;
};
void cfg_arena_open(struct cfg_arena *arena);
void cfg_arena_close(struct cfg_arena *arena);
/* json_loadb, from the open arena if there is one. */
json_t *cfg_arena_loadb(const char *text, size_t len, size_t flags, json_error_t *jerr);
/* cfg_parse_plain (below), from the open arena if there is one. */
json_t *cfg_arena_parse_plain(const char *text, size_t len);

/* Past JSON's blanks (space, tab, newline, carriage return) at P, up to
 * END: for the readers of a text that do not parse it all. */
static inline const char *cfg_skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* ---- json-plain.c ---- */
/* TEXT parsed when it is plain JSON (json-plain.c says what that is), as
 * json_loadb with JSON_REJECT_DUPLICATES would parse it; NULL when it is
 * not, is no JSON at all, or memory ran out: jansson's to parse, and to
 * refuse. */
json_t *cfg_parse_plain(const char *text, size_t len);

/* SIZE bytes from the open arena, gone at its close; NULL without one. */
void *cfg_arena_scratch(size_t size);

/* SIZE bytes (not zeroed) from the blocks at *BLOCKS, a config's: they go
 * with the config (cfg_keep_release), never one by one. NULL without
 * memory. */
void *cfg_keep(struct cfg_block **blocks, size_t size);
void cfg_keep_release(struct cfg_block **blocks);

/* json_loadb and json_load_file, with JSON_REJECT_DUPLICATES, that also take
 * the spec's uint64 numbers above INT64_MAX (as the int64 of the same bits). */
json_t *cfg_loadb(const char *text, size_t len, json_error_t *jerr);
/* The file at PATH into *TEXT (from BLOCKS, cfg_keep) and *LEN: 0, or -1
 * with JERR's line -1 and its reason, as json_load_file says it. */
int cfg_read_file(const char *path, struct cfg_block **blocks, char **text, size_t *len, json_error_t *jerr);
/* Where the value of the member at PATH (DEPTH keys from the top object,
 * each written without escapes) lies in TEXT: [*START, *END). False when
 * there is none, or the text around it is not well formed. */
bool cfg_member_span(const char *text, size_t len, const char *const *path, size_t depth, size_t *start,
		     size_t *end);

/* The parts, each reading its own member of ROOT (or of linux). */
int cfg_parse_process(struct walker *w, json_t *root, struct bh_config *c);
int cfg_parse_seccomp(struct walker *w, json_t *linux_obj, struct bh_config *c);
int cfg_parse_compiled_seccomp(struct walker *w, json_t *root, struct bh_config *c);
/* cfg_loadb of a config.json's TEXT, without its seccomp rules when it
 * names a compiled filter (*ELIDED: the config's seccomp_rules_elided). */
json_t *cfg_loadb_seccomp_compiled(const char *text, size_t len, bool *elided, json_error_t *jerr);
/* With w->on_disk (bh_config_load): the compiled filter's file, read
 * from w->config_dir. */
int cfg_read_compiled_seccomp(struct walker *w, struct bh_config *c);
int cfg_parse_resources(struct walker *w, json_t *linux_obj, struct bh_config *c);
/* The members of RESOURCES the spec has and the runtime does not apply are
 * refused by name; STRICT (update): unknown ones and devices too. */
int cfg_check_resource_fields(struct walker *w, json_t *resources, bool strict);
/* config.json's hooks (config-hooks.c). */
int cfg_parse_hooks(struct walker *w, json_t *root, struct bh_config *c);

#endif
