/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-runtime: the runtime library behind OCI's runtime command line.
 * Only this command prints; the library reports through struct bh_err. */
#ifndef BULKHEAD_CLI_H
#define BULKHEAD_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../runtime.h"
#include "../util.h"

enum { EXIT_RUNTIME = 125 }; /* the runtime itself failed, not the container */

struct globals {
	const char *root;       /* state directory, one subdirectory per container */
	const char *log_path;   /* --log: errors are appended here too */
	bool log_json;          /* --log-format json */
	bool container_seals;   /* the container process makes its own view of this program (main.c) */
};
extern struct globals globals;

/* Prints "bulkhead-runtime: MESSAGE" and logs it; returns EXIT_RUNTIME. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_error, and then ": " and strerror(ERRNUM) appended. */
int cli_error_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- state.c: what a created container leaves in ROOT/ID ---- */
enum status { STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED, STATUS_PAUSED };

struct state {
	char id[256];
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22: tells a reused pid apart */
	bool started;
	char bundle[4096];
	char cgroups_path[1024];
	char created[40]; /* when create ran, RFC 3339 in UTC with nanoseconds; "" in older states */
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
/* The OCI state of S as JSON, taking ANNOTATIONS (NULL: none); NULL when out
 * of memory. */
json_t *state_json(const struct state *s, json_t *annotations);

/* Loads the state of the container ID, or says why not and returns
 * EXIT_RUNTIME. */
int load_existing(const char *id, struct state *s);
/* The one argument of a command that takes only an ID, or NULL (usage). */
const char *single_id(int argc, char **argv, const char *command);

/* ---- sealed.c ---- */
/* Runs this program from a view of its file no one can write: a read-only
 * bind mounted nowhere, switched to in place, else executed with ARGV; or
 * a sealed memfd copy, executed. 0 at once when it runs from one already.
 * Called first by the verbs whose container process cannot make its own
 * view (main.c). Returns EXIT_RUNTIME, having said why, when it cannot. */
int run_from_sealed_copy(char **argv);

/* ---- commands.c: the lifecycle ---- */
/* A connected socket to the unix socket at PATH (--console-socket), or
 * says why not and returns -1. */
int console_socket_connect(const char *path);
/* Writes PID to PATH through a temporary file renamed over it, so that a
 * reader sees all or nothing. 0 or -errno. */
int write_pid_file(const char *path, pid_t pid);
/* TERM, INT and HUP sent to us wait (blocked; the container's process
 * unblocks them for itself) until forward_signals_to, which sends them on. */
void hold_forwarded_signals(void);
/* From now on TERM, INT and HUP sent to us go on to PID, the held ones first. */
void forward_signals_to(pid_t pid);
/* Waits for PID, our child: its exit status, 128+N when signal N killed
 * it, or -errno. */
int wait_exit_status(pid_t pid);
int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_run(int argc, char **argv);
/* ---- kill.c ---- */
int cmd_kill(int argc, char **argv);
/* ---- pause.c: pause and resume, the cgroup's freezer ---- */
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
/* ---- update.c ---- */
int cmd_update(int argc, char **argv);
/* ---- inspect.c: ps and list ---- */
int cmd_ps(int argc, char **argv);
int cmd_list(int argc, char **argv);
/* ---- exec.c ---- */
int cmd_exec(int argc, char **argv);
/* ---- spec.c ---- */
int cmd_spec(int argc, char **argv);
int cmd_features(int argc, char **argv);

#endif
