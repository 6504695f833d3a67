/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the kernel would refuse when the init starts a container, refused
 * here instead, with the manifest's line: a 10 MB command must not build
 * an appliance whose container can never start. Checked on the config.json
 * the builder writes, so that every argument and variable counts, the
 * manifest's, the image's and the ones the builder adds (PATH). */
#include <jansson.h>
#include <limits.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "image.h"

/* The kernel's exec limits (fs/exec.c, include/uapi/linux/binfmts.h):
 * one string, its NUL included, at most MAX_ARG_STRLEN (32 pages); all of
 * them with their pointers within a quarter of the stack rlimit, capped at
 * three quarters of _STK_LIM and never below ARG_MAX (32 pages). Pages are
 * x86's 4 KiB, the least any kernel we boot uses. */
#define PAGE 4096ULL
#define MAX_ARG_STRLEN (32 * PAGE)
#define ARG_MAX_FLOOR (32 * PAGE)
#define STK_LIM (8ULL << 20) /* the stack rlimit PID 1 starts with, and hands on */

/* The stack rlimit the container will get: its own rlimits.stack (soft),
 * or the init's. Unlimited (18446744073709551615 in the JSON, read as a
 * real: jansson's integers stop at 2^63 - 1) counts as the cap. */
static unsigned long long stack_limit(json_t *process)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(process, "rlimits"), i, r) {
		double soft = json_number_value(json_object_get(r, "soft"));
		if (strcmp(json_string_value(json_object_get(r, "type")) ?: "", "RLIMIT_STACK") == 0)
			return soft < 0 || soft >= 0x1p63 ? ULLONG_MAX : (unsigned long long)soft;
	}
	return STK_LIM;
}

struct exec_sum {
	unsigned long long bytes; /* strings with their NULs, and a pointer for each */
	const char *key;          /* where the oversized string is: "command" or "env" */
	size_t index;
	size_t length;
};

/* Adds LIST's strings to SUM; false at the first one exec refuses alone. */
static bool add_strings(json_t *list, const char *key, struct exec_sum *sum)
{
	json_t *s;
	size_t i;

	json_array_foreach(list, i, s) {
		size_t len = json_string_length(s);
		sum->bytes += len + 1 + sizeof(void *);
		if (len + 1 > MAX_ARG_STRLEN) {
			sum->key = key, sum->index = i, sum->length = len;
			return false;
		}
	}
	return true;
}

int limits_check_exec(const char *config_json, const struct container *c, const char *manifest, struct diag *d)
{
	json_error_t jerr;
	json_t *config = json_loads(config_json, JSON_DECODE_INT_AS_REAL, &jerr);
	json_t *process = json_object_get(config, "process"), *args = json_object_get(process, "args");
	struct exec_sum sum = { 0 };
	int r = 0;

	if (!config)
		return diag_fail(d, "the generated config.json does not parse: %s", jerr.text);
	/* The command's file name is copied too (at most a path); the runtime
	 * resolves args[0] into a PATH_MAX buffer. */
	sum.bytes = PATH_MAX;
	size_t arg0 = json_string_length(json_array_get(args, 0));
	bool each = add_strings(args, "command", &sum) && add_strings(json_object_get(process, "env"), "env", &sum);
	unsigned long long stack = stack_limit(process), limit = stack / 4;
	if (limit > STK_LIM / 4 * 3)
		limit = STK_LIM / 4 * 3;
	if (limit < ARG_MAX_FLOOR)
		limit = ARG_MAX_FLOOR;
	size_t line = (c->command_line ? c->command_line : c->name_line) + 1;
	size_t column = (c->command_line ? c->command_column : c->name_column) + 1;
	if (!each && strcmp(sum.key, "env") == 0)
		line = c->name_line + 1, column = c->name_column + 1;
	if (arg0 >= PATH_MAX)
		r = diag_fail(d, "%s:%zu:%zu: container %s: the command's program name is %zu bytes; a path has at most %d",
			      manifest, line, column, c->name, arg0, PATH_MAX - 1);
	else if (!each)
		r = diag_fail(d,
			      "%s:%zu:%zu: container %s: %s string %zu is %zu bytes; the kernel passes at most %llu bytes per "
			      "argument or variable (MAX_ARG_STRLEN, 32 pages); put the data in a file (files:) instead",
			      manifest, line, column, c->name, sum.key, sum.index + 1, sum.length, MAX_ARG_STRLEN - 1);
	else if (sum.bytes > limit)
		r = diag_fail(d,
			      "%s:%zu:%zu: container %s: its command and environment take %llu bytes with their pointers "
			      "(and %d for the program's path); exec allows %llu with a stack limit of %llu bytes (a quarter "
			      "of it, at most 6 MiB, at least 128 KiB); shorten them, put data in files (files:), or raise "
			      "rlimits.stack",
			      manifest, line, column, c->name, sum.bytes - PATH_MAX, PATH_MAX, limit, stack);
	json_decref(config);
	return r;
}

int limits_check_seccomp(size_t bpf_len, const struct container *c, const char *manifest, struct diag *d)
{
	size_t insns = bpf_len / sizeof(struct sock_filter);
	size_t line = (c->seccomp_profile ? c->seccomp_line : c->name_line) + 1;
	size_t column = (c->seccomp_profile ? c->seccomp_column : c->name_column) + 1;

	/* The init loads it with seccomp(2), which takes no longer program. */
	if (insns > BPF_MAXINSNS)
		return diag_fail(d,
				 "%s:%zu:%zu: container %s: its seccomp filter compiles to %zu instructions; the kernel "
				 "loads at most %d (BPF_MAXINSNS); list fewer syscalls or argument rules",
				 manifest, line, column, c->name, insns, BPF_MAXINSNS);
	return 0;
}

/* Paths inside the container are joined to its root in the runtime's
 * PATH_MAX buffers (runtime/mount.c): leave room for the root, which is
 * /containers/PHASE/NN-NAME/rootfs in the appliance, well under 512. */
#define CONTAINER_PATH_MAX (PATH_MAX - 512)

static const char *too_long(const struct container *c)
{
	char **const lists[] = { c->paths.read, c->paths.write, c->paths.exec, c->paths.deny };

	if (c->cwd && strlen(c->cwd) > CONTAINER_PATH_MAX)
		return c->cwd;
	for (size_t i = 0; i < c->n_volumes; i++)
		if (strlen(c->volumes[i].path) > CONTAINER_PATH_MAX)
			return c->volumes[i].path;
	for (size_t i = 0; i < c->n_files; i++)
		if (strlen(c->files[i].path) > CONTAINER_PATH_MAX)
			return c->files[i].path;
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (char **p = lists[l]; p && *p; p++)
			if (strlen(*p) > CONTAINER_PATH_MAX)
				return *p;
	return NULL;
}

int limits_check_paths(const struct container *c, const char *manifest, struct diag *d)
{
	const char *path = too_long(c);

	if (path)
		return diag_fail(d,
				 "%s:%zu:%zu: container %s: the path \"%.40s...\" is %zu bytes; paths in a container "
				 "take at most %d (the kernel's PATH_MAX with room for the container's root)",
				 manifest, c->name_line + 1, c->name_column + 1, c->name, path, strlen(path),
				 CONTAINER_PATH_MAX);
	return 0;
}
