/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Supervision: the container state machine and the loop that drives it.
 * Start containers through the runtime library, carry their output to the
 * console and their logs, reap every child, restart services by their
 * policy (decisions.c decides, this file acts). One signalfd and poll(2)
 * loop over what main opened; the phases (phases.c) run it. After boot
 * nothing in here gives up: a failure is a warning and the loop goes on (a
 * dead PID 1 is a panic). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervise.h"

static const char *const state_names[] = { "waiting", "starting", "running", "backoff", "exited", "failed" };

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct container *services(struct supervisor *s)
{
	return s->all + s->a->n_onboot;
}

struct container *onshutdown(struct supervisor *s)
{
	return s->all + s->a->n_onboot + s->a->n_services;
}

static void init_phase(struct container *c, const struct container_spec *specs, size_t n, enum phase phase)
{
	for (size_t i = 0; i < n; i++) {
		c[i].spec = &specs[i];
		c[i].phase = phase;
		c[i].output_fd = -1;
		c[i].log.fd = -1;
		c[i].report_fd = -1;
		c[i].untold_exit = -1;
		c[i].status = 0;
	}
}

/* ---- one instance of a container ---- */

void record_failure(struct supervisor *s, int status)
{
	if (status != 0 && s->first_failure == 0)
		s->first_failure = status;
}

void container_kill(struct container *c)
{
	/* cgroup.kill takes every process in it, strays outside the pid
	 * namespace too; the pid is the fallback without a cgroup. */
	const char *path = c->cgroups_path;
	char file[512];

	if (path) {
		snprintf(file, sizeof(file), "/sys/fs/cgroup/%s/cgroup.kill", path);
		int fd = open(file, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "1", 1);
			close(fd);
		}
	}
	if (c->pid > 0)
		kill(c->pid, SIGKILL);
}

static bool instance_over(const struct container *c)
{
	return c->state == STATE_RUNNING && c->pid <= 0 && c->output_fd < 0 && !c->start_untold;
}

/* A process of this instance may be alive: cloned, and not known to be over. */
static bool has_process(const struct container *c)
{
	return c->state == STATE_STARTING || c->state == STATE_RUNNING;
}

bool container_active(const struct container *c)
{
	return has_process(c) || c->state == STATE_BACKOFF;
}

int container_begin_stop(struct container *c)
{
	if (c->state == STATE_BACKOFF || c->state == STATE_WAITING) {
		c->state = STATE_EXITED;
		c->stopping = true;
		return 0;
	}
	if (!has_process(c))
		return -ESRCH;
	c->stopping = true;
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
	c->kill_at_ms = now_ms() + c->spec->stop_grace_ms;
	return 0;
}

/* The instance is gone: free it, then decide what comes next. */
static void end_instance(struct supervisor *s, struct container *c)
{
	struct bh_err err = { 0 };
	long now = now_ms();

	if (c->cgroups_path && bh_cgroup_destroy(c->cgroups_path, &err) < 0)
		log_warn("%s: %s", c->spec->name, err.msg);
	free(c->cgroups_path);
	c->cgroups_path = NULL;
	health_ended(s, c);

	struct end_decision d = decide_end(&(struct instance_end){
		.phase = c->phase,
		.restart = c->spec->restart,
		.max_restarts = c->spec->max_restarts,
		.restarts = c->restarts,
		.status = c->status,
		.stopping = c->stopping,
		.restart_now = c->restart_now,
		.health_restart = c->health.restart,
		.shutdown = s->shutdown_requested,
		.poweroff_on_exit = c->spec->on_exit == ON_EXIT_POWEROFF,
	});
	record_failure(s, d.failure);
	switch (d.next) {
	case NEXT_DONE:
		c->state = STATE_EXITED;
		break;
	case NEXT_RESTART_NOW:
		c->restart_at_ms = now;
		c->state = STATE_BACKOFF;
		break;
	case NEXT_GIVE_UP:
		log_warn("%s: gave up after %u restarts (last status %d)", c->spec->name, c->restarts, c->status);
		c->state = STATE_FAILED;
		break;
	case NEXT_BACKOFF:
		c->quick_exits = backoff_quick_exits(c->quick_exits, now - c->started_ms);
		long delay = backoff_delay_ms(c->quick_exits);
		c->restart_at_ms = now + delay;
		c->state = STATE_BACKOFF;
		log_info("%s: restarting in %ld ms (restart %u)", c->spec->name, delay, c->restarts + 1);
		break;
	}
	if (d.poweroff)
		poweroff_on_exit(s, c, d.status);
}

/* ---- events ---- */

static struct container *find_by_pid(struct supervisor *s, pid_t pid)
{
	for (size_t i = 0; i < s->n_all; i++)
		if (s->all[i].pid == pid)
			return &s->all[i];
	return NULL;
}

static void reap_children(struct supervisor *s)
{
	int wstatus;
	pid_t pid;

	/* Every child, ours or an orphan the kernel handed us, is reaped. */
	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		if (pid == s->module_loader) {
			s->module_loader = 0; /* its pid may be another's from now on */
			continue;
		}
		if (health_probe_reaped(s, pid, wait_status_code(wstatus)))
			continue; /* a TCP or HTTP probe (health.c) */

		struct container *c = find_by_pid(s, pid);
		if (!c) {
			exec_session_reaped(s, pid, wait_status_code(wstatus));
			continue;
		}
		c->pid = 0;
		/* A setup that failed said its status in its report. */
		if (!c->setup_failed)
			c->status = wait_status_code(wstatus);
		container_exit_tell(c, wstatus);
	}
}

void request_shutdown(struct supervisor *s, const char *why)
{
	if (!s->shutdown_requested)
		log_info("%s: shutting down", why);
	s->shutdown_requested = true;
	/* A restart waiting for its back-off is off: the service is over. */
	for (size_t i = 0; i < s->n_all; i++)
		if (s->all[i].state == STATE_BACKOFF)
			s->all[i].state = STATE_EXITED;
}

void poweroff_on_exit(struct supervisor *s, const struct container *c, int status)
{
	char why[128];

	if (s->poweroff_status < 0)
		s->poweroff_status = status;
	snprintf(why, sizeof(why), "%s ended with status %d (on_exit: poweroff)", c->spec->name, status);
	request_shutdown(s, why);
}

static void handle_signals(struct supervisor *s)
{
	struct signalfd_siginfo info;

	while (read(s->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGCHLD)
			continue;
		char why[32];
		snprintf(why, sizeof(why), "signal %d", (int)info.ssi_signo);
		request_shutdown(s, why);
	}
	/* SIGCHLD coalesces: reap whatever is there on every wake-up. */
	reap_children(s);
}

static void emit_lines(struct container *c, bool flush)
{
	size_t start = 0;

	for (size_t i = 0; i < c->pending; i++) {
		if (c->line[i] != '\n')
			continue;
		container_log_line(&c->log, c->spec->name, c->line + start, i - start);
		start = i + 1;
	}
	/* A line longer than the buffer is cut rather than held forever. */
	if (start == 0 && c->pending == sizeof(c->line))
		flush = true;
	if (flush && c->pending > start) {
		container_log_line(&c->log, c->spec->name, c->line + start, c->pending - start);
		start = c->pending;
	}
	memmove(c->line, c->line + start, c->pending - start);
	c->pending -= start;
}

/* One read per wake-up: poll is level-triggered, so the rest comes on the
 * next turn, and a container that writes faster than the console drains
 * can never keep the loop from signals and the other containers. */
static void handle_output(struct container *c)
{
	ssize_t n = read(c->output_fd, c->line + c->pending, sizeof(c->line) - c->pending);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		emit_lines(c, true);
		close(c->output_fd);
		c->output_fd = -1;
		return;
	}
	c->pending += (size_t)n;
	emit_lines(c, false);
}

/* The nearest timer: a restart due, or a stop's grace running out. */
static int next_timeout(struct supervisor *s, long limit_ms)
{
	long now = now_ms(), next = limit_ms;

	for (size_t i = 0; i < s->n_all; i++) {
		const struct container *c = &s->all[i];
		if (c->state == STATE_BACKOFF && c->restart_at_ms < next)
			next = c->restart_at_ms;
		if (has_process(c) && c->kill_at_ms && c->kill_at_ms < next)
			next = c->kill_at_ms;
	}
	next = starts_deadline(s, health_deadline(s, next));
	if (next == LONG_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

void supervisor_settle(struct supervisor *s)
{
	long now = now_ms();

	starts_settle(s, now);
	starts_tell(s);
	for (size_t i = 0; i < s->n_all; i++) {
		struct container *c = &s->all[i];
		if (instance_over(c))
			end_instance(s, c);
		else if (has_process(c) && c->kill_at_ms && now >= c->kill_at_ms) {
			log_warn("%s: still running after its grace period; killing it", c->spec->name);
			c->kill_at_ms = 0;
			container_kill(c);
		}
		if (c->state == STATE_BACKOFF && now >= c->restart_at_ms && !s->shutdown_requested) {
			c->restarts++;
			container_start(s, c);
		}
	}
	health_settle(s);
}

void supervisor_turn(struct supervisor *s, long limit_ms)
{
	struct pollfd *fds = s->pollfds;
	nfds_t n = 0;
	long due = control_deadline(s->control), net_due = net_deadline(s->net);

	fds[n++] = (struct pollfd){ .fd = s->signal_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = s->power_fd, .events = POLLIN };
	size_t n_control = control_poll_fds(s->control, fds + n);
	n += n_control;
	nfds_t first_net = n;
	size_t n_net = net_poll_fds(s->net, fds + n);
	n += n_net;
	nfds_t first_output = n;
	/* A container's output waits until its start is told (starts.c). */
	for (size_t i = 0; i < s->n_all; i++) {
		if (s->all[i].output_fd < 0 || s->all[i].start_untold)
			continue;
		fds[n] = (struct pollfd){ .fd = s->all[i].output_fd, .events = POLLIN };
		s->owners[n++] = &s->all[i];
	}
	nfds_t first_report = n;
	for (size_t i = 0; i < s->n_all && s->n_starting; i++) {
		if (s->all[i].report_fd < 0)
			continue;
		fds[n] = (struct pollfd){ .fd = s->all[i].report_fd, .events = POLLIN };
		s->owners[n++] = &s->all[i];
	}
	due = net_due < due ? net_due : due;
	if (poll(fds, n, next_timeout(s, due < limit_ms ? due : limit_ms)) < 0 && errno != EINTR)
		log_warn_errno(errno, "poll");
	for (nfds_t i = first_output; i < first_report; i++)
		if (fds[i].revents)
			handle_output(s->owners[i]);
	for (nfds_t i = first_report; i < n; i++)
		if (fds[i].revents && s->owners[i]->report_fd == fds[i].fd)
			start_reported(s, s->owners[i]);
	if (fds[0].revents)
		handle_signals(s);
	if (fds[1].revents && power_button_pressed(s->power_fd))
		request_shutdown(s, "power button");
	control_handle(s->control, &s->control_ops, fds + 2, n_control);
	net_handle(s->net, fds + first_net, n_net);
	supervisor_settle(s);
}

/* ---- what the control channel asks for (struct control_ops) ---- */

static struct container *find_by_name(struct supervisor *s, const char *name)
{
	for (size_t i = 0; i < s->n_all; i++)
		if (strcmp(s->all[i].spec->name, name) == 0)
			return &s->all[i];
	return NULL;
}

static long memory_current(const struct container *c)
{
	char path[512], text[32] = "";
	const char *cg = c->cgroups_path;

	if (!cg)
		return -1;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/memory.current", cg);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	return n > 0 ? atol(text) : -1;
}

static int net_report(void *ctx, struct bh_err *err)
{
	return networks_report(((struct supervisor *)ctx)->a, err);
}

static size_t ps_line(void *ctx, size_t i, char *buf, size_t size)
{
	struct supervisor *s = ctx;
	int n;

	if (i == 0)
		n = snprintf(buf, size, "%-16s %-10s %-8s %8s %10s %12s %10s %-9s %s %s\n", "NAME", "PHASE", "STATE", "PID",
			     "RESTARTS", "UPTIME", "MEMORY", "HEALTH", "ADDRESSES", "LAST-PROBE");
	else if (i > s->n_all)
		return 0;
	else {
		const struct container *c = &s->all[i - 1];
		long memory = memory_current(c);
		char uptime[32] = "-", mem[32] = "-", addresses[128];
		if (c->state == STATE_RUNNING)
			snprintf(uptime, sizeof(uptime), "%.1fs", (double)(now_ms() - c->started_ms) / 1000.0);
		if (memory >= 0)
			snprintf(mem, sizeof(mem), "%ld", memory);
		networks_addresses(s->a, c->spec, addresses, sizeof(addresses));
		/* The last probe's output last: free text, cut to HEALTH_LAST_MAX. */
		n = snprintf(buf, size, "%-16s %-10s %-8s %8d %10u %12s %10s %-9s %s%s%s\n", c->spec->name,
			     phase_names[c->phase], state_names[c->state], c->state == STATE_RUNNING ? (int)c->pid : 0,
			     c->restarts, uptime, mem, health_status_names[c->health.status], addresses,
			     c->health.last[0] ? " " : "", c->health.last);
	}
	/* A line cut short still ends the way every line does. */
	if (n < 0 || size == 0)
		return 0;
	if ((size_t)n >= size) {
		buf[size - 2] = '\n';
		return size - 1;
	}
	return (size_t)n;
}

static const char *lookup(void *ctx, const char *name)
{
	struct container *c = find_by_name(ctx, name);

	return c ? c->spec->name : NULL;
}

static int restart(void *ctx, const char *name)
{
	struct supervisor *s = ctx;
	struct container *c = find_by_name(s, name);

	if (!c || c->phase != PHASE_SERVICES)
		return -ENOENT;
	if (s->shutdown_requested)
		return -ESHUTDOWN;
	/* Not yet started: a restart now would start it before its depends_on. */
	if (c->state == STATE_WAITING)
		return -EAGAIN;
	c->restart_now = true;
	if (has_process(c))
		return container_begin_stop(c);
	c->state = STATE_BACKOFF;
	c->restart_at_ms = now_ms();
	return 0;
}

static int stop(void *ctx, const char *name)
{
	struct container *c = find_by_name(ctx, name);

	if (!c || c->phase != PHASE_SERVICES)
		return -ENOENT;
	/* Stopped, it stays so: a ctl restart or health restart asked for before is off. */
	c->restart_now = false;
	c->health.restart = false;
	bool not_running = c->state == STATE_WAITING || c->state == STATE_BACKOFF;
	int r = container_begin_stop(c);
	/* Waiting or backing off, it ends here, with no instance to end:
	 * on_exit: poweroff holds for this end for good too. */
	if (r == 0 && not_running && c->spec->on_exit == ON_EXIT_POWEROFF && !((struct supervisor *)ctx)->shutdown_requested)
		poweroff_on_exit(ctx, c, exit_status_of(c->ever_started, c->status));
	return r;
}

static pid_t control_exec_start(void *ctx, const char *name, const struct exec_request *req, struct bh_err *err)
{
	struct container *c = find_by_name(ctx, name);

	return c ? exec_session_start(ctx, c, req, err) : -ENOENT;
}

static void control_exec_cancel(void *ctx, pid_t session)
{
	exec_session_cancel(ctx, session);
}

static void control_request_shutdown(void *ctx, const char *why)
{
	request_shutdown(ctx, why);
}

struct supervisor *supervisor_new(const struct appliance *a, const struct boot_options *o,
				  const struct supervisor_inputs *in, struct bh_err *err)
{
	struct supervisor *s = calloc(1, sizeof(*s));

	if (!s)
		return bh_fail(err, -ENOMEM, "out of memory"), NULL;
	s->a = a;
	s->o = o;
	s->signal_fd = in->signal_fd;
	s->power_fd = in->power_fd;
	s->module_loader = in->module_loader;
	s->control = in->control;
	s->net = in->net;
	s->poweroff_status = -1;
	s->control_ops = (struct control_ops){
		.ctx = s,
		.lookup = lookup,
		.ps_line = ps_line,
		.restart = restart,
		.stop = stop,
		.request_shutdown = control_request_shutdown,
		.net_report = net_report,
		.exec_start = control_exec_start,
		.exec_cancel = control_exec_cancel,
	};
	s->n_all = a->n_onboot + a->n_services + a->n_onshutdown;
	/* Fixed for the appliance's life: pointers into it stay valid. */
	s->all = calloc(s->n_all + 1, sizeof(*s->all));
	/* Each container's output and its setup report, then ours. */
	s->pollfds = calloc(2 * s->n_all + 2 + CONTROL_POLL_MAX + NET_POLL_MAX, sizeof(*s->pollfds));
	s->owners = calloc(2 * s->n_all + 2 + CONTROL_POLL_MAX + NET_POLL_MAX, sizeof(*s->owners));
	s->n_sessions = EXEC_SESSIONS_MAX + s->n_all;
	s->sessions = calloc(s->n_sessions, sizeof(*s->sessions));
	if (!s->all || !s->pollfds || !s->owners || !s->sessions)
		return bh_fail(err, -ENOMEM, "out of memory"), NULL;
	init_phase(s->all, a->onboot, a->n_onboot, PHASE_ONBOOT);
	init_phase(services(s), a->services, a->n_services, PHASE_SERVICES);
	init_phase(onshutdown(s), a->onshutdown, a->n_onshutdown, PHASE_ONSHUTDOWN);
	mkdir(CONTAINER_LOG_DIR, 0750);
	/* A child that ended before main blocked SIGCHLD (the module loader)
	 * left no signal for the loop: reaped here. */
	reap_children(s);
	return s;
}
