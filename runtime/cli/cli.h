/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-runtime: the runtime library behind OCI's runtime command line.
 * Only this command prints; the library reports through struct bh_err. */
#ifndef BULKHEAD_CLI_H
#define BULKHEAD_CLI_H

#include <stdbool.h>
#include <sys/types.h>

#include "../runtime.h"
#include "../util.h"

enum { EXIT_RUNTIME = 125 }; /* the runtime itself failed, not the container */

struct globals {
	const char *root;       /* state directory, one subdirectory per container */
	const char *log_path;   /* --log: errors are appended here too */
	bool log_json;          /* --log-format json */
};
extern struct globals globals;

/* Prints "bulkhead-runtime: MESSAGE" and logs it; returns EXIT_RUNTIME. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_error, and then ": " and strerror(ERRNUM) appended. */
int cli_error_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- state.c: what a created container leaves in ROOT/ID ---- */
enum status { STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED };

struct state {
	char id[256];
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22: tells a reused pid apart */
	bool started;
	char bundle[4096];
	char cgroups_path[1024];
	char *annotations_json; /* the config's annotations object, verbatim */
};

int state_check_id(const char *id);
/* ROOT/ID, or ROOT/ID/NAME when NAME is given. */
void state_path(const char *id, const char *name, char *out, size_t size);
int state_save(const struct state *s);
int state_load(const char *id, struct state *s);
void state_free(struct state *s);
enum status state_status(const struct state *s);
const char *status_name(enum status status);
unsigned long long process_start_time(pid_t pid);
/* Removes ROOT/ID and everything in it. */
void state_remove(const char *id);
int print_state(const struct state *s);

/* ---- commands.c ---- */
int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_features(int argc, char **argv);

#endif
