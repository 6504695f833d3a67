/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TEMPORARY STUB until the lead's exec core lands on int: enters the
 * container's namespaces only (no sandbox), for testing the transport. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise.h"

static struct {
	pid_t pid;
	void (*ended)(void *, pid_t, int);
	void *ctx;
} sessions[EXEC_SESSIONS_MAX];

pid_t exec_session_start(struct supervisor *s, struct container *c, const struct exec_request *req,
			 struct bh_err *err)
{
	(void)s;
	(void)err;
	if (c->state != STATE_RUNNING || c->pid <= 0)
		return -ESRCH;
	size_t slot = 0;
	while (slot < EXEC_SESSIONS_MAX && sessions[slot].pid)
		slot++;
	if (slot == EXEC_SESSIONS_MAX)
		return -EBUSY;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(req->stdin_fd >= 0 ? req->stdin_fd : null, 0);
		dup2(req->stdout_fd >= 0 ? req->stdout_fd : null, 1);
		dup2(req->stderr_fd >= 0 ? req->stderr_fd : null, 2);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		const char *ns[] = { "ipc", "uts", "net", "pid", "mnt" };
		char path[64];
		for (size_t i = 0; i < 5; i++) {
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)c->pid, ns[i]);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, 0) < 0) {
				dprintf(2, "exec: setns %s: %m\n", ns[i]);
				_exit(120);
			}
			close(fd);
		}
		if (chdir("/") < 0)
			_exit(120);
		pid_t child = fork();
		if (child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execvp(req->argv[0], req->argv);
			dprintf(2, "exec: %s: %m\n", req->argv[0]);
			_exit(127);
		}
		int w;
		while (waitpid(child, &w, 0) < 0 && errno == EINTR)
			;
		_exit(WIFSIGNALED(w) ? 128 + WTERMSIG(w) : WEXITSTATUS(w));
	}
	sessions[slot].pid = pid;
	sessions[slot].ended = req->ended;
	sessions[slot].ctx = req->ctx;
	return pid;
}

void exec_session_cancel(struct supervisor *s, pid_t session)
{
	(void)s;
	for (size_t i = 0; i < EXEC_SESSIONS_MAX; i++)
		if (sessions[i].pid == session)
			kill(session, SIGKILL);
}

bool exec_session_reaped(struct supervisor *s, pid_t pid, int status)
{
	(void)s;
	for (size_t i = 0; i < EXEC_SESSIONS_MAX; i++)
		if (sessions[i].pid == pid) {
			sessions[i].pid = 0;
			sessions[i].ended(sessions[i].ctx, pid, status);
			return true;
		}
	return false;
}
