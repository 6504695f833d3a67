/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `update`: new linux.resources for a running container's cgroup. The
 * values are read by config.json's own parser (config-resources.c), so that
 * a limit means at update what it means at create; what update adds is a
 * stricter check of the fields (an unknown one is refused too, and devices)
 * and cpu.max's two halves changed one at a time. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "config-json.h"

static int check_fields(struct walker *w, json_t *resources)
{
	int r = cfg_check_resource_fields(w, resources, true);

	/* At create the swap limit is counted from the limit beside it. */
	json_t *memory = json_object_get(resources, "memory");
	if (r == 0 && json_object_get(memory, "swap") && !json_object_get(memory, "limit")) {
		size_t saved = cfg_enter_key(w, "memory");
		r = cfg_invalid_at(w, "swap", "needs memory.limit in the same update (swap counts memory plus swap)");
		cfg_leave(w, saved);
	}
	return r;
}

/* "cpu.max=QUOTA PERIOD" with one of the two taken from the cgroup when the
 * update gave only the other: cpu.max holds both. */
static int merge_cpu_max(int dir_fd, json_t *cpu, char **entry)
{
	char quota[32], period[32], current_quota[32], current_period[32], text[64];
	bool has_quota = json_object_get(cpu, "quota"), has_period = json_object_get(cpu, "period");
	_cleanup_close_ int fd = -1;

	if ((has_quota && has_period) || sscanf(*entry, "cpu.max=%31s %31s", quota, period) != 2)
		return 0;
	/* Unreadable (no cpu controller here): the write then says so. */
	if ((fd = openat(dir_fd, "cpu.max", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%31s %31s", current_quota, current_period) != 2)
		return 0;
	char *merged = NULL;
	if (asprintf(&merged, "cpu.max=%s %s", has_quota ? quota : current_quota, has_quota ? current_period : period) < 0)
		return -ENOMEM;
	free(*entry);
	*entry = merged;
	return 0;
}

/* Moves err's message to "PATH: REASON" with PATH below linux.resources:
 * the caller says which file it came from. */
static void name_relative(struct bh_err *err)
{
	static const char prefix[] = "resources.";

	if (!err || !err->path[0])
		return;
	if (strncmp(err->path, prefix, strlen(prefix)) == 0)
		memmove(err->path, err->path + strlen(prefix), strlen(err->path) - strlen(prefix) + 1);
	snprintf(err->msg, sizeof(err->msg), "%.120s: %.380s", err->path, err->reason); /* both fit */
}

int bh_cgroup_update(const char *cgroups_path, const char *json, size_t len, struct bh_err *err)
{
	struct walker w = { .err = err };
	json_error_t jerr;
	json_t *resources = cfg_loadb(json, len, &jerr), *wrapper = NULL;
	struct bh_config *c = calloc(1, sizeof(*c));
	int r;

	if (err)
		err->path[0] = err->reason[0] = '\0';
	if (!resources) {
		r = bh_fail(err, -EINVAL, "%d:%d: %s", jerr.line, jerr.column, jerr.text);
	} else if (!json_is_object(resources)) {
		r = bh_fail(err, -EINVAL, "must be a JSON object, the linux.resources of a config.json");
	} else if (!c || !(c->cgroups_path = strdup(cgroups_path ? cgroups_path : "")) ||
		   !(wrapper = json_pack("{s:O}", "resources", resources))) {
		r = bh_fail(err, -ENOMEM, "out of memory");
	} else if ((r = check_fields(&w, resources)) == 0 && (r = cfg_parse_resources(&w, wrapper, c)) == 0) {
		_cleanup_close_ int dir_fd = bh_cgroup_open(cgroups_path, err);
		r = dir_fd;
		for (char **kv = c->cgroup_files; dir_fd >= 0 && kv && *kv && r >= 0; kv++)
			if (strncmp(*kv, "cpu.max=", 8) == 0)
				r = merge_cpu_max(dir_fd, json_object_get(resources, "cpu"), kv);
		if (r >= 0)
			r = bh_cgroup_write_files(dir_fd, c->cgroup_files, err);
	}
	if (r == -EINVAL)
		name_relative(err);
	json_decref(wrapper);
	json_decref(resources);
	bh_config_free(c);
	return r;
}
