/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state directory: ROOT/ID/state.json (ours) and ROOT/ID/exec.fifo
 * (create/start). Liveness is read from /proc, never trusted from disk. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int state_check_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len >= sizeof(((struct state *)0)->id) || id[0] == '.')
		return -EINVAL;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			return -EINVAL;
	return 0;
}

void state_path(const char *id, const char *name, char *out, size_t size)
{
	if (name)
		snprintf(out, size, "%s/%s/%s", globals.root, id, name);
	else
		snprintf(out, size, "%s/%s", globals.root, id);
}

int state_save(const struct state *s)
{
	char path[4096], tmp[4200];
	json_t *annotations = s->annotations_json ? json_loads(s->annotations_json, 0, NULL) : NULL;
	json_t *root = json_pack("{s:s, s:i, s:I, s:b, s:s, s:s, s:s, s:o}", "id", s->id, "pid", (int)s->pid,
				 "startTime", (json_int_t)s->start_time, "started", s->started, "bundle", s->bundle,
				 "cgroupsPath", s->cgroups_path, "created", s->created, "annotations",
				 annotations ? annotations : json_object());

	if (!root)
		return -ENOMEM;
	state_path(s->id, "state.json", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* Written aside and renamed: a reader never sees half a file. */
	int r = json_dump_file(root, tmp, JSON_COMPACT) == 0 && rename(tmp, path) == 0 ? 0 : -errno;
	json_decref(root);
	return r;
}

int state_load(const char *id, struct state *s)
{
	char path[4096];
	json_t *root, *v;

	memset(s, 0, sizeof(*s));
	state_path(id, "state.json", path, sizeof(path));
	if (!(root = json_load_file(path, 0, NULL)))
		return access(path, F_OK) < 0 ? -ENOENT : -EIO;
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->pid = (pid_t)json_integer_value(json_object_get(root, "pid"));
	s->start_time = (unsigned long long)json_integer_value(json_object_get(root, "startTime"));
	s->started = json_is_true(json_object_get(root, "started"));
	if ((v = json_object_get(root, "bundle")) && json_is_string(v))
		snprintf(s->bundle, sizeof(s->bundle), "%s", json_string_value(v));
	if ((v = json_object_get(root, "cgroupsPath")) && json_is_string(v))
		snprintf(s->cgroups_path, sizeof(s->cgroups_path), "%s", json_string_value(v));
	if ((v = json_object_get(root, "created")) && json_is_string(v))
		snprintf(s->created, sizeof(s->created), "%s", json_string_value(v));
	if ((v = json_object_get(root, "annotations")))
		s->annotations_json = json_dumps(v, JSON_COMPACT);
	json_decref(root);
	return 0;
}

void state_free(struct state *s)
{
	free(s->annotations_json);
	s->annotations_json = NULL;
}

/* Field 22 of /proc/PID/stat (0: none), and its state in *STATE_OUT. */
static unsigned long long read_stat(pid_t pid, char *state_out)
{
	unsigned long long field[23];
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return bh_proc_stat(path, field, ARRAY_SIZE(field), state_out) == 0 ? field[22] : 0;
}

unsigned long long process_start_time(pid_t pid)
{
	char state;
	return read_stat(pid, &state);
}

enum status state_status(const struct state *s)
{
	char proc_state = 0;

	if (s->pid <= 0 || read_stat(s->pid, &proc_state) != s->start_time || proc_state == 'Z' ||
	    proc_state == 'X')
		return STATUS_STOPPED;
	/* The kernel's word, not ours: frozen once every process stopped. */
	if (s->cgroups_path[0] && bh_cgroup_frozen(s->cgroups_path) == 1)
		return STATUS_PAUSED;
	return s->started ? STATUS_RUNNING : STATUS_CREATED;
}

const char *status_name(enum status status)
{
	static const char *const names[] = { "created", "running", "stopped", "paused" };
	return names[status];
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void state_remove(const char *id)
{
	/* What the runtime keeps there, by name: a walk (nftw) took 25
	 * system calls for a run's three entries, on every run's way out.
	 * Anything else (the compiled filter a config names) is the walk's. */
	static const char *const files[] = { "state.json", "hooks.json", "exec.fifo", "exec.result",
					     "config/config.json" };
	char path[4096];

	state_path(id, NULL, path, sizeof(path));
	_cleanup_close_ int dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir >= 0) {
		for (size_t i = 0; i < ARRAY_SIZE(files); i++)
			unlinkat(dir, files[i], 0);
		if ((unlinkat(dir, "config", AT_REMOVEDIR) == 0 || errno == ENOENT) && rmdir(path) == 0)
			return;
	}
	nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

json_t *state_json(const struct state *s, json_t *annotations)
{
	enum status status = state_status(s);
	/* runc's "created" beside OCI's fields: list shows it too. */
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o}", "ociVersion", BH_OCI_VERSION, "id", s->id, "status",
			 status_name(status), "pid", status == STATUS_STOPPED ? 0 : (int)s->pid, "bundle", s->bundle,
			 "created", s->created, "annotations", annotations ? annotations : json_object());
}

int print_state(const struct state *s)
{
	json_t *annotations = s->annotations_json ? json_loads(s->annotations_json, 0, NULL) : NULL;
	json_t *root = state_json(s, annotations);
	char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;

	json_decref(root);
	if (!text)
		return -ENOMEM;
	puts(text);
	free(text);
	return 0;
}
