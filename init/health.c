/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Health checks, run from the supervisor's loop: every interval a probe of
 * each running service that has a check, at most one in flight, each with
 * its deadline; what its result makes of the service's health is
 * health-decisions.c's, and on_failure acts here.
 *
 * A probe never blocks PID 1. Every probe is a child of PID 1 whose end the
 * reaper reports: a command runs through the exec core (exec.c) with the
 * container's sandbox; a TCP or HTTP probe is a child we fork that enters
 * the container's network namespace, drops every privilege and connects to
 * 127.0.0.1:PORT there. PID 1 itself never enters another namespace (a
 * setns it could not undo would leave it in the container's network) and
 * never reads a byte from the container's socket: the child does, into a
 * bounded buffer, and what PID 1 reads is the probe's output, a memory file
 * sealed at HEALTH_OUTPUT_MAX bytes that no writer can grow, whatever it
 * writes. PID 1 kills a probe that outlives its timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise.h"

/* Past its timeout a probe has this long to end by itself (the exec core
 * and the network probe both enforce the timeout) before PID 1 kills it. */
#define PROBE_GRACE_MS 2000L
#define HTTP_ANSWER_MAX 512 /* what a network probe reads of an answer: its status line */
#define NOBODY 65534

static bool has_check(const struct container *c)
{
	return c->spec->health && c->phase == PHASE_SERVICES;
}

void health_started(struct container *c)
{
	struct health_run *r = &c->health;

	r->status = has_check(c) ? HEALTH_STATUS_STARTING : HEALTH_STATUS_NONE;
	r->failures = 0;
	r->restart = false;
	if (has_check(c))
		r->next_ms = now_ms() + c->spec->health->interval_ms;
}

/* ---- the probe's output ---- */

/* A memory file of HEALTH_OUTPUT_MAX bytes, sealed: a write past its end
 * fails (EPERM) instead of growing it. Where the writer stopped is the
 * offset it shares with us. */
static int output_file(void)
{
	int fd = memfd_create("health-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, HEALTH_OUTPUT_MAX) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* What ps shows: "status N: OUTPUT" (or "timed out after N ms: OUTPUT"),
 * the output on one line of printable ASCII, cut to HEALTH_LAST_MAX with
 * "..." when longer. */
static void keep_output(struct health_run *r, int status, bool timed_out, long timeout_ms)
{
	char text[HEALTH_LAST_MAX], line[HEALTH_LAST_MAX];
	off_t end = lseek(r->output_fd, 0, SEEK_CUR);
	size_t len = end > 0 ? (size_t)(end < HEALTH_OUTPUT_MAX ? end : HEALTH_OUTPUT_MAX) : 0;
	ssize_t got = pread(r->output_fd, text, len < sizeof(text) ? len : sizeof(text), 0);
	size_t used = got > 0 ? (size_t)got : 0, n = 0, i = 0;

	for (; i < used && n + 1 < sizeof(line); i++) {
		char ch = text[i];
		if (ch == '\n' || ch == '\r' || ch == '\t')
			ch = ' ';
		else if (ch < ' ' || ch > '~')
			ch = '?';
		if (ch != ' ' || (n > 0 && line[n - 1] != ' '))
			line[n++] = ch;
	}
	while (n > 0 && line[n - 1] == ' ')
		n--;
	int full; /* what it would be, uncut */
	if (timed_out)
		full = snprintf(r->last, sizeof(r->last), "timed out after %ld ms%s%.*s", timeout_ms, n ? ": " : "",
				(int)n, line);
	else
		full = snprintf(r->last, sizeof(r->last), "status %d%s%.*s", status, n ? ": " : "", (int)n, line);
	/* More output than was read, or than fits after the prefix. */
	if (len > i || full >= (int)sizeof(r->last)) {
		size_t at = strlen(r->last);
		memcpy(r->last + (at + 4 <= sizeof(r->last) ? at : sizeof(r->last) - 4), "...", 4);
	}
}

/* ---- what a result leads to ---- */

static void act(struct supervisor *s, struct container *c)
{
	char why[128];

	switch (c->spec->health->on_failure) {
	case HEALTH_RESTART:
		/* As its restart policy would: counted against max_restarts,
		 * after the back-off (decisions.c). */
		c->health.restart = true;
		container_begin_stop(c);
		break;
	case HEALTH_STOP:
		c->restart_now = false;
		c->health.restart = false;
		container_begin_stop(c);
		break;
	case HEALTH_POWEROFF:
		/* The first power-off's cause decides the status (on_exit too). */
		if (s->poweroff_status < 0)
			s->poweroff_status = APPLIANCE_STATUS_UNHEALTHY;
		snprintf(why, sizeof(why), "%s unhealthy (on_failure: poweroff)", c->spec->name);
		request_shutdown(s, why);
		break;
	case HEALTH_NONE:
	case HEALTH_ACTIONS:
		break;
	}
}

#define TASK_EXITING 0x4 /* the kernel's PF_EXITING, in /proc/PID/stat's flags */

/* Whether process PID (our child, not reaped) is on its way out. A
 * container's init that ends first kills every process of its namespace,
 * the probe's command among them, and waits for them to go: the probe's
 * 137 comes back while the init is neither reaped nor a zombie yet, but
 * already exiting. */
static bool process_exiting(pid_t pid)
{
	char path[64], stat[512];
	unsigned flags = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	ssize_t n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return false;
	stat[n] = '\0';
	const char *after_name = strrchr(stat, ')'); /* the name may hold anything, ')' too */
	/* state ppid pgrp session tty_nr tpgid flags */
	return after_name && sscanf(after_name + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 && (flags & TASK_EXITING);
}

/* Whether C's process is gone or going, reaped or not yet: a probe's
 * result then says nothing of it (a command probe dies with it, 137), and
 * its own exit decides what follows, not its check. WNOWAIT leaves it to
 * the reaper. */
static bool instance_gone(const struct container *c)
{
	siginfo_t info = { 0 };

	if (c->pid <= 0 || c->state != STATE_RUNNING || c->setup_failed)
		return true;
	if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == c->pid)
		return true;
	return process_exiting(c->pid);
}

static void probe_done(struct supervisor *s, struct container *c, int status)
{
	struct health_run *r = &c->health;
	const struct health_spec *h = c->spec->health;
	long now = now_ms(), started = r->deadline_ms - h->timeout_ms - PROBE_GRACE_MS;
	bool timed_out = status == 128 + SIGKILL && now - started >= h->timeout_ms;

	r->probe = 0;
	if (r->stale || instance_gone(c)) { /* it probed an instance that is gone: ps keeps what the last real one said */
		r->stale = false;
		r->next_ms = now + h->interval_ms; /* not again at once on one still exiting */
		close(r->output_fd);
		r->output_fd = -1;
		return;
	}
	keep_output(r, status, timed_out, h->timeout_ms);
	close(r->output_fd);
	r->output_fd = -1;
	r->next_ms = now + h->interval_ms;
	bool passed = health_probe_passed(status);
	struct health_verdict v = health_after_probe(h, r->status, r->failures, passed, now - c->started_ms);
	if (v.status == HEALTH_STATUS_HEALTHY && r->status != HEALTH_STATUS_HEALTHY)
		log_info("%s: healthy", c->spec->name);
	else if (!passed && v.failures > r->failures && v.status != HEALTH_STATUS_UNHEALTHY)
		log_info("%s: health check failed (%u of %u): %s", c->spec->name, v.failures, h->retries, r->last);
	r->status = v.status;
	r->failures = v.failures;
	if (!v.act)
		return;
	log_warn("%s: unhealthy after %u failed checks (on_failure: %s): %s", c->spec->name, v.failures,
		 health_action_names[h->on_failure], r->last);
	if (c->state == STATE_RUNNING && !c->stopping && !s->shutdown_requested)
		act(s, c);
}

static struct container *find_probe(struct supervisor *s, pid_t pid)
{
	for (size_t i = 0; i < s->n_all; i++)
		if (s->all[i].health.probe == pid)
			return &s->all[i];
	return NULL;
}

/* The exec core's `ended`: CTX is the supervisor. */
static void command_ended(void *ctx, pid_t session, int status)
{
	struct supervisor *s = ctx;
	struct container *c = find_probe(s, session);

	if (c && c->health.exec)
		probe_done(s, c, status);
}

bool health_probe_reaped(struct supervisor *s, pid_t pid, int status)
{
	struct container *c = find_probe(s, pid);

	if (!c || c->health.exec)
		return false;
	probe_done(s, c, status);
	return true;
}

/* ---- the network probe: a child of PID 1 ---- */

/* Waits until FD is ready for EVENTS or DEADLINE passes. */
static bool wait_ready(int fd, short events, long deadline)
{
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Connects to 127.0.0.1:PORT of the namespace we are in and, for http,
 * reads the status line of a GET. Prints one line; 0 when healthy. */
static int network_check(const struct health_spec *h, long deadline)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)h->port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), error = 0;
	socklen_t size = sizeof(error);

	if (fd < 0)
		return dprintf(STDOUT_FILENO, "socket: %s\n", strerror(errno)), 1;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS)
		return dprintf(STDOUT_FILENO, "connect to port %u: %s\n", h->port, strerror(errno)), 1;
	if (!wait_ready(fd, POLLOUT, deadline))
		return dprintf(STDOUT_FILENO, "connect to port %u: timed out\n", h->port), 1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) < 0 || error)
		return dprintf(STDOUT_FILENO, "connect to port %u: %s\n", h->port, strerror(error ? error : errno)), 1;
	if (h->probe == HEALTH_PROBE_TCP)
		return dprintf(STDOUT_FILENO, "port %u: connected\n", h->port), 0;

	char request[HEALTH_PATH_MAX + 128], answer[HTTP_ANSWER_MAX];
	int len = snprintf(request, sizeof(request), "GET %s HTTP/1.0\r\nHost: localhost\r\nUser-Agent: bulkhead-health\r\n"
				 "Connection: close\r\n\r\n", h->path);
	for (int sent = 0; sent < len;) {
		ssize_t n = send(fd, request + sent, (size_t)(len - sent), MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return dprintf(STDOUT_FILENO, "GET %s: %s\n", h->path, strerror(errno)), 1;
		if (n < 0 && !wait_ready(fd, POLLOUT, deadline))
			return dprintf(STDOUT_FILENO, "GET %s: timed out sending\n", h->path), 1;
		sent += n > 0 ? (int)n : 0;
	}
	/* The status line only, at most HTTP_ANSWER_MAX bytes of whatever comes. */
	size_t got = 0;
	while (got < sizeof(answer) && !memchr(answer, '\n', got)) {
		ssize_t n = recv(fd, answer + got, sizeof(answer) - got, 0);
		if (n == 0)
			break;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return dprintf(STDOUT_FILENO, "GET %s: %s\n", h->path, strerror(errno)), 1;
		if (n < 0 && !wait_ready(fd, POLLIN, deadline))
			return dprintf(STDOUT_FILENO, "GET %s: timed out waiting for the answer\n", h->path), 1;
		got += n > 0 ? (size_t)n : 0;
	}
	int code = health_http_status(answer, got);
	if (code < 0)
		return dprintf(STDOUT_FILENO, "GET %s: not an HTTP answer\n", h->path), 1;
	char *eol = memchr(answer, '\n', got);
	size_t line = eol ? (size_t)(eol - answer) : got;
	return dprintf(STDOUT_FILENO, "GET %s: %.*s\n", h->path, (int)line, answer), health_http_passed(code) ? 0 : 1;
}

/* The probe child: enters NETNS, keeps nothing of PID 1's but its output,
 * and gives up every privilege before it talks to the container. */
static __attribute__((noreturn)) void network_probe(const struct health_spec *h, int netns, int output, long deadline)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(output, STDOUT_FILENO) < 0 || dup2(output, STDERR_FILENO) < 0)
		_exit(2);
	if (setns(netns, CLONE_NEWNET) < 0) {
		dprintf(STDOUT_FILENO, "cannot enter the container's network namespace: %s\n", strerror(errno));
		_exit(2);
	}
	close(STDIN_FILENO);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dprintf(STDOUT_FILENO, "cannot drop privileges: %s\n", strerror(errno));
		_exit(2);
	}
	int status = network_check(h, deadline);
	_exit(status);
}

static pid_t network_probe_start(struct container *c, int output)
{
	char path[64];

	/* Opened here, while PID 1 has not reaped the container: its pid
	 * cannot name another process yet. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->pid);
	int netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return -errno;
	pid_t pid = fork();
	if (pid == 0)
		network_probe(c->spec->health, netns, output, now_ms() + c->spec->health->timeout_ms);
	int e = errno;
	close(netns);
	return pid < 0 ? -e : pid;
}

/* ---- the loop's side ---- */

static void probe_start(struct supervisor *s, struct container *c)
{
	const struct health_spec *h = c->spec->health;
	struct health_run *r = &c->health;
	struct bh_err err = { 0 };
	long now = now_ms();
	int fd = output_file();
	pid_t pid;

	r->next_ms = now + h->interval_ms; /* when it could not start: again then */
	if (fd < 0) {
		log_warn_errno(-fd, "%s: health probe", c->spec->name);
		return;
	}
	if (h->probe == HEALTH_PROBE_EXEC) {
		struct exec_request req = {
			.argv = h->command, .console_socket = -1, .stdin_fd = -1, .stdout_fd = fd, .stderr_fd = fd,
			.timeout_ms = h->timeout_ms, .ended = command_ended, .ctx = s, .probe = true,
		};
		pid = exec_session_start(s, c, &req, &err);
	} else if ((pid = network_probe_start(c, fd)) < 0)
		bh_fail_errno(&err, pid, "cannot start it");
	if (pid < 0) {
		log_warn("%s: health probe: %s", c->spec->name, err.msg);
		close(fd);
		return;
	}
	r->probe = pid;
	r->exec = h->probe == HEALTH_PROBE_EXEC;
	r->stale = false;
	r->output_fd = fd;
	r->deadline_ms = now + h->timeout_ms + PROBE_GRACE_MS;
}

static void probe_kill(struct supervisor *s, struct health_run *r)
{
	if (r->exec)
		exec_session_cancel(s, r->probe);
	else
		kill(r->probe, SIGKILL);
}

void health_ended(struct supervisor *s, struct container *c)
{
	struct health_run *r = &c->health;

	/* What it says of the instance that is gone says nothing of the next,
	 * and a dependent's service_healthy waits for the next to pass. */
	r->status = HEALTH_STATUS_NONE;
	r->failures = 0;
	if (r->probe > 0) {
		r->stale = true;
		probe_kill(s, r);
	}
}

void health_settle(struct supervisor *s)
{
	long now = now_ms();

	for (size_t i = 0; i < s->n_all; i++) {
		struct container *c = &s->all[i];
		struct health_run *r = &c->health;
		if (!has_check(c))
			continue;
		if (r->probe > 0) {
			if (now >= r->deadline_ms) {
				log_warn("%s: health probe still running past its timeout; killing it", c->spec->name);
				probe_kill(s, r);
				r->deadline_ms = now + PROBE_GRACE_MS; /* and again, should that not end it */
			}
			continue;
		}
		if (c->state == STATE_RUNNING && c->pid > 0 && !c->setup_failed && !c->stopping && !s->shutdown_requested &&
		    now >= r->next_ms)
			probe_start(s, c);
	}
}

long health_deadline(struct supervisor *s, long next)
{
	for (size_t i = 0; i < s->n_all; i++) {
		const struct container *c = &s->all[i];
		const struct health_run *r = &c->health;
		if (!has_check(c))
			continue;
		if (r->probe > 0 && r->deadline_ms < next)
			next = r->deadline_ms;
		else if (r->probe <= 0 && c->state == STATE_RUNNING && c->pid > 0 && !c->stopping &&
			 !s->shutdown_requested && r->next_ms < next)
			next = r->next_ms;
	}
	return next;
}

/* Whether C's dependency D is met; when not, whether the console should
 * name it: a dependency that started and is not healthy yet. */
static bool dependency_met(struct supervisor *s, const struct container *c, size_t d, bool *to_name)
{
	const struct container *dep = &services(s)[c->spec->depends_on[d]];
	bool want = c->spec->depends_healthy && c->spec->depends_healthy[d];
	bool running = dep->state == STATE_RUNNING && dep->pid > 0 && !dep->stopping;
	bool met = health_dependency_met(dep->ever_started, want, running, dep->health.status);

	*to_name = !met && want && dep->ever_started;
	return met;
}

bool health_dependency_ready(struct supervisor *s, struct container *c, size_t d)
{
	const struct container *dep = &services(s)[c->spec->depends_on[d]];
	bool to_name, earlier = false;
	bool met = dependency_met(s, c, d, &to_name);

	/* A dependency that never gets healthy must not hold the boot
	 * silently: the console names the one waited for, each time that
	 * changes. The first such is named, so that two not healthy yet are
	 * not named in turn at every pass. */
	for (size_t e = 0; e < d && !earlier; e++)
		dependency_met(s, c, e, &earlier);
	if (to_name && !earlier && c->health.told_wait != d + 1) {
		log_info("%s: waiting for %s to be healthy (now %s)", c->spec->name, dep->spec->name,
			 health_status_names[dep->health.status]);
		c->health.told_wait = d + 1;
	}
	if (to_name && (dep->state == STATE_EXITED || dep->state == STATE_FAILED))
		log_warn("%s: %s ended and will not be healthy", c->spec->name, dep->spec->name);
	return met;
}
