/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's insides: shared by the container state machine and the
 * loop (supervise.c) and the phases that drive them (phases.c), and by no
 * other file. main and control.c see only init.h. */
#ifndef BULKHEAD_SUPERVISE_H
#define BULKHEAD_SUPERVISE_H

#include "init.h"

#define LINE_MAX_BYTES 1024

enum state {
	STATE_WAITING, /* not started yet: its phase, or its depends_on */
	STATE_STARTING, /* its process sets itself up (starts.c) */
	STATE_RUNNING, /* process alive, or its output not drained yet */
	STATE_BACKOFF, /* exited; starts again at restart_at */
	STATE_EXITED,  /* done, by its own exit or our stop */
	STATE_FAILED,  /* could not start again, or we gave up restarting */
};

/* A container's health (health.c): its check's state for the running
 * instance, the probe in flight, and what the last one said. */
#define HEALTH_OUTPUT_MAX 4096 /* what a probe may write: a sealed memory file of this size */
#define HEALTH_LAST_MAX 96     /* what ps shows of it */
struct health_run {
	enum health_status status;
	unsigned failures;
	long next_ms;     /* the next probe, while none is in flight */
	pid_t probe;      /* > 0: in flight */
	bool exec;        /* the probe is an exec session (else a network probe of ours) */
	bool stale;       /* the instance it probed is gone: its result is dropped */
	long deadline_ms; /* past it the probe is killed */
	int output_fd;    /* the probe's sealed memfd while in flight, else -1 */
	size_t told_wait; /* as a dependent: 1 + the dependency it said it waits for; 0: none yet */
	bool restart;     /* on_failure: restart stopped this instance: start again as its policy would */
	char last[HEALTH_LAST_MAX];
};

struct container {
	const struct container_spec *spec;
	enum phase phase;
	char *cgroups_path; /* the running instance's cgroup; its config is freed once it started */
	enum state state;
	pid_t pid;         /* > 0 until reaped */
	int output_fd;     /* read end of its stdout+stderr pipe; -1 at EOF */
	int status;        /* last exit status: code, or 128+N for signal N */
	bool ever_started;
	bool stopping;     /* we asked it to stop: no restart, not a failure */
	bool restart_now;  /* `ctl restart`: start again at once */
	long started_ms, restart_at_ms, kill_at_ms;
	unsigned restarts, quick_exits;
	bool in_wave;      /* stopping in the current shutdown wave (phases.c) */
	/* The start under way or not told yet (starts.c). */
	int report_fd;             /* its setup's report while STATE_STARTING, else -1 */
	long setup_deadline_ms;    /* past it a setup still going is killed; 0: none */
	unsigned long start_seq;   /* its start's place in the log of starts */
	bool start_untold;         /* its start is not on the console yet */
	bool setup_failed;         /* this instance never ran its command */
	pid_t start_pid;           /* told as "started, pid N"; 0: it did not start */
	char *start_error;         /* told instead: why it did not start */
	int untold_exit;           /* a wait status reaped before its start was told; -1: none */
	struct container_log log;
	struct health_run health;
	size_t pending;
	char line[LINE_MAX_BYTES];
};

/* ---- exec.c: a command run inside a running container (ctl exec, health checks) ---- */
#define EXEC_SESSIONS_MAX 16 /* ctl exec's, in all */
#define EXEC_SESSIONS_PER_CONTAINER 4 /* ctl exec's, in one container */
/* The table (struct supervisor's sessions) holds ctl exec's share and room
 * of its own for a health probe of each container (health.c runs at most
 * one per container at a time), so that neither crowds the other out:
 * EXEC_SESSIONS_MAX + the appliance's containers. */
struct exec_request {
	char *const *argv;        /* the command; argv[0] is looked up in the container's PATH */
	bool terminal;            /* a pty from the container's devpts; its master goes to console_socket */
	int console_socket;       /* terminal only: a connected unix socket (SCM_RIGHTS); else -1 */
	unsigned short rows, cols; /* terminal only: its size from the start; 0 0: the kernel's default */
	int stdin_fd;             /* -1: /dev/null */
	int stdout_fd, stderr_fd; /* where its output goes; -1: /dev/null */
	long timeout_ms;          /* 0: none; from the command's start (its setup has its own bound,
				   * BH_SETUP_TIMEOUT_MS); past it the command is killed, status 137 */
	void (*ended)(void *ctx, pid_t session, int status); /* from the reaper, once */
	void *ctx;
	bool probe;               /* a health probe: not counted in ctl exec's limits */
};
struct exec_session {
	pid_t pid; /* 0: a free slot */
	bool probe;
	const struct container *container;
	void (*ended)(void *ctx, pid_t session, int status);
	void *ctx;
};

struct supervisor {
	const struct appliance *a;
	const struct boot_options *o;
	int signal_fd, power_fd;
	pid_t module_loader; /* modules_load's child while it runs at SCHED_IDLE, or 0 */
	struct control *control;
	struct net *net;                /* the DHCP clients, or NULL */
	struct control_ops control_ops; /* what the control channel may ask of us */
	bool shutdown_requested;
	int first_failure;
	/* The appliance's status once a power-off was decided: the status of
	 * the container whose on_exit: poweroff ended it, or
	 * APPLIANCE_STATUS_UNHEALTHY (on_failure: poweroff); -1: none. */
	int poweroff_status;
	struct container *all; /* onboot, then services, then onshutdown */
	size_t n_all;
	struct pollfd *pollfds;
	struct container **owners;
	struct exec_session *sessions;
	size_t n_sessions;
	/* Starts (starts.c): how many began, how many are setting up. */
	unsigned long starts_begun;
	size_t n_starting;
};

long now_ms(void);
struct container *services(struct supervisor *s);
struct container *onshutdown(struct supervisor *s);
/* The first failure decides the appliance's status (without exit_status_from). */
void record_failure(struct supervisor *s, int status);

/* on_exit: poweroff: C ended for good with STATUS, the appliance's; the
 * shutdown begins. */
void poweroff_on_exit(struct supervisor *s, const struct container *c, int status);

/* ---- starts.c: starting containers, many at once, told in order ---- */
/* At most this many set themselves up at once: the clone of the next
 * overlaps with the setup of those before it. */
#define STARTS_IN_FLIGHT 8
/* Begins C's start: its process is cloned and sets itself up while the
 * loop goes on (STATE_STARTING), or its start failed already. Either way
 * it is told on the console in the order starts began (starts_tell). */
void container_start(struct supervisor *s, struct container *c);
/* C's setup report is readable: it runs (STATE_RUNNING), or it failed. */
void start_reported(struct supervisor *s, struct container *c);
/* C's setup, when under way, is killed and its start fails: WHY is told. */
void start_abandon(struct supervisor *s, struct container *c, const char *why);
/* Setups past their bound are killed and fail. */
void starts_settle(struct supervisor *s, long now);
/* The nearest setup deadline, or NEXT when later. */
long starts_deadline(const struct supervisor *s, long next);
/* Tells the starts that are over, in the order they began: a start is
 * told once every start before it was. */
void starts_tell(struct supervisor *s);
/* The reaper's: C's process ended with WSTATUS; logs it unless its start
 * is not told yet (then it is told after) or it never ran its command. */
void container_exit_tell(struct container *c, int wstatus);
/* ---- one container (supervise.c) ---- */
/* SIGTERM now, and the loop kills it when its grace runs out; one that is
 * not running (waiting, in back-off) just ends. -ESRCH when it is over. */
int container_begin_stop(struct container *c);
/* cgroup.kill, and SIGKILL to its pid. */
void container_kill(struct container *c);
/* Setting up, running or in back-off: not over yet. */
bool container_active(const struct container *c);

/* Forks a session process (PID 1's child; PID 1 only forks) that runs REQ's
 * argv inside C's running container: its namespaces, the cgroup its process
 * is in, and its process's sandbox (user, capabilities, no_new_privs,
 * Landlock, seccomp, rlimits, cwd, env) as config.json in its bundle gives
 * them, argv replacing process.args. The session waits for the command and
 * exits with its status: its code, or 128+N for signal N; 126/127 when it
 * cannot be run; BH_EXIT_SETUP or BH_EXIT_PRIVDROP when the container could
 * not be entered, the reason then written as one line "exec: REASON" to
 * stderr_fd (a setup that outlived its bound can read 137, as a timeout
 * does). Returns the session's pid, or -errno with err: -ESRCH (C is not
 * running), -EBUSY (not a probe: EXEC_SESSIONS_MAX ctl sessions already, or
 * EXEC_SESSIONS_PER_CONTAINER of C's), -EINVAL, a fork error. */
pid_t exec_session_start(struct supervisor *s, struct container *c, const struct exec_request *req,
			 struct bh_err *err);
/* Ends a session early: its command is killed (SIGKILL) and the session
 * exits with 137, once the command started (a setup under way ends first,
 * within its bound); `ended` is still called, from the reaper. No-op for a
 * pid that is not a session's. */
void exec_session_cancel(struct supervisor *s, pid_t session);
/* The reaper's: PID was a session's (its `ended` was called); false otherwise. */
bool exec_session_reaped(struct supervisor *s, pid_t pid, int status);
/* A waitpid status as a shell tells it: the code, or 128+N for signal N. */
int wait_status_code(int wstatus);

/* ---- health.c: health checks, run from the loop ---- */
/* A new instance of C started, or C's instance ended. */
void health_started(struct container *c);
void health_ended(struct supervisor *s, struct container *c);
/* Starts the probes that are due and kills those past their deadline. */
void health_settle(struct supervisor *s);
/* The nearest health timer (CLOCK_MONOTONIC ms), or NEXT when later. */
long health_deadline(struct supervisor *s, long next);
/* The reaper's: PID was a network probe (handled); false otherwise. */
bool health_probe_reaped(struct supervisor *s, pid_t pid, int status);
/* phases.c: whether C's dependency D is met; says once on the console what
 * C waits for when a dependency started and is not healthy yet. */
bool health_dependency_ready(struct supervisor *s, struct container *c, size_t d);
/* Shuts the appliance down: WHY is said on the console. */
void request_shutdown(struct supervisor *s, const char *why);

/* ---- the loop (supervise.c) ---- */
/* After any event: end what is over, start what is due, kill what ran out
 * of grace. */
void supervisor_settle(struct supervisor *s);
/* One turn of the loop: wait up to the nearest timer (or LIMIT_MS) for a
 * signal, the power button, the control channel, a DHCP answer or output,
 * and handle what came. */
void supervisor_turn(struct supervisor *s, long limit_ms);

#endif
