/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ps and list: what runs, from the cgroups and the state directory. Each as
 * a table for people (the default) or, with --format json, the JSON that
 * runc and crun print and podman reads. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* --format table|json (-f), and for list --quiet (-q); returns the
 * number of arguments left, or -1 after a usage error. */
static int parse_format(int argc, char **argv, const char *command, bool *json, bool *quiet)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "quiet", no_argument, NULL, 'q' }, { NULL, 0, NULL, 0 }
	};
	int opt;

	*json = false;
	while ((opt = getopt_long(argc, argv, quiet ? "f:q" : "f:", longopts, NULL)) != -1) {
		if (opt == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			*json = strcmp(optarg, "json") == 0;
		else if (opt == 'q' && quiet)
			*quiet = true;
		else {
			fprintf(stderr, "bulkhead-runtime %s: --format takes table or json\n", command);
			return -1;
		}
	}
	return argc - optind;
}

/* The command line of PID, its arguments joined by spaces, into OUT. */
static void command_line(pid_t pid, char *out, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, out, size - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(out, size, "?");
		return;
	}
	out[n] = '\0';
	for (ssize_t i = 0; i < n - 1; i++)
		if (out[i] == '\0')
			out[i] = ' ';
}

/* ps [--format table|json] ID: the processes of the container's cgroup. */
int cmd_ps(int argc, char **argv)
{
	struct bh_err err = { 0 };
	struct state s;
	pid_t *pids = NULL;
	bool json;

	if (parse_format(argc, argv, "ps", &json, NULL) != 1) {
		fprintf(stderr, "bulkhead-runtime ps: expected [--format table|json] ID\n");
		return 2;
	}
	if (load_existing(argv[optind], &s) != 0)
		return EXIT_RUNTIME;
	ssize_t n = bh_cgroup_pids(s.cgroups_path[0] ? s.cgroups_path : NULL, &pids, &err);
	/* A cgroup gone with its last process leaves nothing to list. */
	if (n == -ENOENT && state_status(&s) == STATUS_STOPPED)
		n = 0;
	else if (n == -ENOENT && s.pid > 0 && (pids = malloc(sizeof(*pids)))) {
		pids[0] = s.pid; /* no cgroup of its own: its one known process */
		n = 1;
	}
	state_free(&s);
	if (n < 0)
		return cli_error("ps %s: %s", argv[optind], err.msg);
	if (json) {
		putchar('[');
		for (ssize_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (ssize_t i = 0; i < n; i++) {
			char cmd[512];
			command_line(pids[i], cmd, sizeof(cmd));
			printf("%-8d %s\n", (int)pids[i], cmd);
		}
	}
	free(pids);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The IDs of the state directory, sorted, into *IDS; their count or -errno. */
static ssize_t container_ids(char ***ids)
{
	DIR *dir = opendir(globals.root);
	struct dirent *entry;
	size_t n = 0;

	*ids = NULL;
	if (!dir)
		return errno == ENOENT ? 0 : -errno; /* nothing created yet */
	while ((entry = readdir(dir))) {
		if (state_check_id(entry->d_name) < 0)
			continue;
		char **grown = realloc(*ids, (n + 1) * sizeof(char *));
		if (!grown || !(grown[n] = strdup(entry->d_name))) {
			*ids = grown ? grown : *ids;
			break;
		}
		*ids = grown;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(*ids, n, sizeof(char *), by_name);
	return (ssize_t)n;
}

/* list [--format table|json] [--quiet]: every container of the root. */
int cmd_list(int argc, char **argv)
{
	char **ids;
	bool json, quiet = false;

	if (parse_format(argc, argv, "list", &json, &quiet) != 0) {
		fprintf(stderr, "bulkhead-runtime list: expected [--format table|json] [--quiet]\n");
		return 2;
	}
	ssize_t n = container_ids(&ids);
	if (n < 0)
		return cli_error_errno((int)-n, "list: %s", globals.root);
	json_t *list = json_array();
	struct state *states = calloc((size_t)n + 1, sizeof(*states));
	size_t loaded = 0, id_width = 2, bundle_width = 6;
	for (ssize_t i = 0; states && i < n; i++) {
		/* One being created or deleted meanwhile is skipped, not an error. */
		if (state_load(ids[i], &states[loaded]) < 0)
			continue;
		id_width = strlen(ids[i]) > id_width ? strlen(ids[i]) : id_width;
		bundle_width = strlen(states[loaded].bundle) > bundle_width ? strlen(states[loaded].bundle) : bundle_width;
		loaded++;
	}
	int r = list && states ? 0 : cli_error("out of memory");
	if (r == 0 && !json && !quiet)
		printf("%-*s %-8s %-8s %-*s %s\n", (int)id_width, "ID", "PID", "STATUS", (int)bundle_width, "BUNDLE",
		       "CREATED");
	for (size_t i = 0; r == 0 && i < loaded; i++) {
		struct state *s = &states[i];
		enum status status = state_status(s);
		json_t *annotations = s->annotations_json ? json_loads(s->annotations_json, 0, NULL) : NULL;
		if (quiet)
			puts(s->id);
		else if (json)
			json_array_append_new(list, state_json(s, annotations));
		else
			printf("%-*s %-8d %-8s %-*s %s\n", (int)id_width, s->id, status == STATUS_STOPPED ? 0 : (int)s->pid,
			       status_name(status), (int)bundle_width, s->bundle, s->created);
		if (!json || quiet) /* else state_json took it */
			json_decref(annotations);
	}
	if (r == 0 && json && !quiet) {
		char *text = json_dumps(list, JSON_COMPACT);
		r = text ? (puts(text), 0) : cli_error("out of memory");
		free(text);
	}
	json_decref(list);
	for (size_t i = 0; i < loaded; i++)
		state_free(&states[i]);
	free(states);
	for (ssize_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return r;
}
