/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command run inside a running container, for the host (ctl exec) and for
 * health checks: the one place the init enters a container after its start.
 *
 * PID 1 only forks. The session process, PID 1's child, does the rest: it
 * reads the container's config.json from its bundle (the builder's, in the
 * initramfs: nothing the container can write), enters the container through
 * the runtime's bh_container_exec (which may wait up to BH_SETUP_TIMEOUT_MS
 * on a container that makes its setup hang: the session waits, not PID 1),
 * then waits for the command, enforcing the request's timeout, and exits
 * with the command's status. PID 1 learns the end from its reaper. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervise.h"

#define EXEC_STATUS_TIMEOUT (128 + SIGKILL)
/* Where the session keeps what it passes on, after stdio. */
#define SESSION_CONSOLE_FD 3
#define SESSION_PIDFD 4

int wait_status_code(int wstatus)
{
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

/* ---- in the session process ---- */

static void session_fail(const struct bh_err *err, int status)
{
	dprintf(STDERR_FILENO, "exec: %s\n", err->msg);
	_exit(status);
}

/* Stdio, the console socket and the pidfd at fixed numbers, and nothing
 * else of PID 1's: the control channel's sockets and the other containers'
 * pipes stay out of the container. A stdio of -1 is /dev/null. */
static void session_descriptors(const struct exec_request *req, int pidfd)
{
	int fds[] = { req->stdin_fd, req->stdout_fd, req->stderr_fd, req->console_socket, pidfd };

	/* Each is lifted clear of the targets first: a source may sit on one. */
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (fds[i] < 0 && i < 3)
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fds[i] >= 0)
			fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, (int)ARRAY_SIZE(fds));
	}
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] < 0 || dup2(fds[i], (int)i) < 0)
			close((int)i);
	syscall(SYS_close_range, (unsigned)ARRAY_SIZE(fds), ~0U, 0U);
}

/* The container's config with REQ's command in place of its process's. */
static struct bh_config *session_config(const struct container *c, const struct boot_options *o,
					const struct exec_request *req, struct bh_err *err)
{
	struct bh_config *config;

	if (bh_config_load(c->spec->bundle, &config, err) < 0)
		return NULL;
	json_t *args = json_array(), *changes = json_object();
	int r = args && changes ? 0 : bh_fail(err, -ENOMEM, "out of memory");
	/* An argument jansson refuses (not UTF-8) is an error, never one
	 * left out: the command run must be the command asked for. */
	for (size_t i = 0; r == 0 && req->argv[i]; i++)
		if (json_array_append_new(args, json_string(req->argv[i])) < 0)
			r = bh_fail(err, -EINVAL, "argument %zu of the command is not UTF-8 text", i);
	/* The pty is given its size before the command runs: set later,
	 * when the master reaches us, a quick command would see 0 0. Always
	 * given, 0 0 for none: not the container's own process.consoleSize. */
	if (r == 0 && req->terminal &&
	    json_object_set_new(changes, "consoleSize",
				json_pack("{s:i,s:i}", "height", (int)req->rows, "width", (int)req->cols)) < 0)
		r = bh_fail(err, -ENOMEM, "out of memory");
	char *text = NULL;
	if (r == 0 && json_object_set(changes, "args", args) == 0 &&
	    json_object_set_new(changes, "terminal", json_boolean(req->terminal)) == 0)
		text = json_dumps(changes, JSON_COMPACT);
	json_decref(args);
	json_decref(changes);
	if (r == 0)
		r = text ? bh_config_change_process(config, text, strlen(text), err) : bh_fail(err, -ENOMEM, "out of memory");
	free(text);
	/* As container_start: our raised descriptor limit is PID 1's. */
	if (r == 0 && o->nofile_hard)
		r = bh_config_rlimit_default(config, RLIMIT_NOFILE, o->nofile_soft, o->nofile_hard);
	if (r < 0) {
		if (!err->msg[0])
			bh_fail(err, r, "out of memory");
		bh_config_free(config);
		return NULL;
	}
	return config;
}

/* Waits for COMMAND, killing it at DEADLINE_MS (0: none) or when PID 1
 * cancels the session (SIGTERM). Returns its status. */
static int session_wait(pid_t command, long deadline_ms)
{
	sigset_t set;
	int wstatus;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	for (;;) {
		if (waitpid(command, &wstatus, WNOHANG) == command)
			return wait_status_code(wstatus);
		long left = deadline_ms ? deadline_ms - now_ms() : 60000;
		if (left <= 0)
			break;
		struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000L };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM)
			break;
	}
	/* Its process group too: the runtime made the command a session
	 * leader, and a shell's children (a probe's "curl ... || exit 1")
	 * would otherwise outlive it in the container. */
	kill(-command, SIGKILL);
	kill(command, SIGKILL);
	while (waitpid(command, &wstatus, 0) < 0 && errno == EINTR)
		;
	return EXEC_STATUS_TIMEOUT;
}

static void session_main(const struct supervisor *s, const struct container *c, const struct exec_request *req,
			 int pidfd, long deadline_ms)
{
	struct bh_err err = { 0 };
	sigset_t set;

	/* PID 1's mask is inherited: SIGCHLD and SIGTERM stay blocked for
	 * sigtimedwait; the command's mask is reset by the runtime. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	session_descriptors(req, pidfd);
	struct bh_config *config = session_config(c, s->o, req, &err);
	if (!config)
		session_fail(&err, BH_EXIT_SETUP);
	pid_t command;
	int console = req->terminal ? SESSION_CONSOLE_FD : -1;
	/* The instance's cgroup; the config's when PID 1 could not keep a copy
	 * of it: never none, which would run the command outside the
	 * container's limits and device list. */
	const char *cgroup = c->cgroups_path ? c->cgroups_path : bh_config_cgroups_path(config);
	if (bh_container_exec(config, c->pid, SESSION_PIDFD, cgroup, console, &command, &err) < 0)
		session_fail(&err, err.status ? err.status : BH_EXIT_SETUP);
	bh_config_free(config);
	close(SESSION_PIDFD);
	if (console >= 0)
		close(console);
	_exit(session_wait(command, deadline_ms));
}

/* ---- in PID 1 ---- */

static struct exec_session *session_slot(struct supervisor *s, pid_t pid)
{
	for (size_t i = 0; i < s->n_sessions; i++)
		if (s->sessions[i].pid == pid)
			return &s->sessions[i];
	return NULL;
}

pid_t exec_session_start(struct supervisor *s, struct container *c, const struct exec_request *req,
			 struct bh_err *err)
{
	/* A setup that failed may leave its process a while, half made. */
	if (c->state != STATE_RUNNING || c->pid <= 0 || c->setup_failed)
		return bh_fail(err, -ESRCH, "%s is not running", c->spec->name);
	if (!req->argv || !req->argv[0])
		return bh_fail(err, -EINVAL, "no command to run in %s", c->spec->name);
	if (req->terminal != (req->console_socket >= 0))
		return bh_fail(err, -EINVAL, "a terminal needs a console socket, and only a terminal has one");
	/* A container whose commands' setup stalls holds its own share of
	 * the slots, never the others'. Health probes are not counted: each
	 * has room of its own (supervise.h). */
	size_t all = 0, its = 0;
	for (size_t i = 0; i < s->n_sessions; i++)
		if (s->sessions[i].pid > 0 && !s->sessions[i].probe) {
			all++;
			its += s->sessions[i].container == c;
		}
	if (!req->probe && all >= EXEC_SESSIONS_MAX)
		return bh_fail(err, -EBUSY, "%d commands already run in containers; try again when one ended",
			       EXEC_SESSIONS_MAX);
	if (!req->probe && its >= EXEC_SESSIONS_PER_CONTAINER)
		return bh_fail(err, -EBUSY, "%zu commands already run in %s; try again when one ended", its,
			       c->spec->name);
	struct exec_session *slot = session_slot(s, 0);
	if (!slot)
		return bh_fail(err, -EBUSY, "no free command slot");
	/* C's process is our child and not reaped (c->pid > 0): the pid is
	 * its own, and the pidfd pins it for the session's checks. */
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (pidfd < 0)
		return bh_fail_errno(err, -errno, "%s: pidfd_open", c->spec->name);
	long deadline_ms = req->timeout_ms > 0 ? now_ms() + req->timeout_ms : 0;
	pid_t pid = fork();
	if (pid == 0)
		session_main(s, c, req, pidfd, deadline_ms);
	int e = errno;
	close(pidfd);
	if (pid < 0)
		return bh_fail_errno(err, -e, "%s: fork", c->spec->name);
	*slot = (struct exec_session){
		.pid = pid, .probe = req->probe, .container = c, .ended = req->ended, .ctx = req->ctx };
	return pid;
}

void exec_session_cancel(struct supervisor *s, pid_t session)
{
	/* Still in the table: not reaped, so the pid is still the session's. */
	if (session > 0 && session_slot(s, session))
		kill(session, SIGTERM);
}

bool exec_session_reaped(struct supervisor *s, pid_t pid, int status)
{
	struct exec_session *slot = session_slot(s, pid);

	if (!slot || pid <= 0)
		return false;
	struct exec_session done = *slot;
	*slot = (struct exec_session){ 0 };
	if (done.ended)
		done.ended(done.ctx, pid, status);
	return true;
}
