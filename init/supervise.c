/* Supervision: start containers through the runtime library, carry their
 * output to the console and their logs, reap every child, restart services
 * by their policy, stop everything in order. One signalfd and poll(2) loop;
 * after boot nothing in here gives up: a failure is a warning and the loop
 * goes on (a dead PID 1 is a panic). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define LINE_MAX_BYTES 1024
/* Restart back-off: from 100 ms, doubling on every quick exit, up to 10 s;
 * an instance that ran 10 s counts as stable and resets it. */
#define BACKOFF_FIRST_MS 100L
#define BACKOFF_MAX_MS 10000L
#define STABLE_MS 10000L
#define KILL_WAIT_MS 2000L
#define START_BATCH 8 /* services started between two turns of the loop */

enum state {
	STATE_WAITING, /* not started yet: its phase, or its depends_on */
	STATE_RUNNING, /* process alive, or its output not drained yet */
	STATE_BACKOFF, /* exited; starts again at restart_at */
	STATE_EXITED,  /* done, by its own exit or our stop */
	STATE_FAILED,  /* could not start again, or we gave up restarting */
};

static const char *const state_names[] = { "waiting", "running", "backoff", "exited", "failed" };

struct container {
	const struct container_spec *spec;
	const char *phase;
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
	bool in_wave;      /* stopping in the current shutdown wave (stop_wave) */
	struct container_log log;
	size_t pending;
	char line[LINE_MAX_BYTES];
};

struct supervisor {
	const struct appliance *a;
	const struct boot_options *o;
	int signal_fd, power_fd;
	struct control *control;
	bool shutdown_requested;
	int first_failure;
	struct container *all; /* onboot, then services, then onshutdown */
	size_t n_all;
	struct pollfd *pollfds;
	struct container **owners;
};

static const int handled_signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPWR, SIGHUP };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static struct container *services(struct supervisor *s)
{
	return s->all + s->a->n_onboot;
}

static struct container *onshutdown(struct supervisor *s)
{
	return s->all + s->a->n_onboot + s->a->n_services;
}

static void init_phase(struct container *c, const struct container_spec *specs, size_t n, const char *phase)
{
	for (size_t i = 0; i < n; i++) {
		c[i].spec = &specs[i];
		c[i].phase = phase;
		c[i].output_fd = -1;
		c[i].log.fd = -1;
		c[i].status = 0;
	}
}

struct supervisor *supervisor_new(const struct appliance *a, const struct boot_options *o, struct bh_err *err)
{
	struct supervisor *s = calloc(1, sizeof(*s));
	sigset_t set;

	if (!s)
		return bh_fail(err, -ENOMEM, "out of memory"), NULL;
	s->a = a;
	s->o = o;
	s->n_all = a->n_onboot + a->n_services + a->n_onshutdown;
	/* Fixed for the appliance's life: pointers into it stay valid. */
	s->all = calloc(s->n_all + 1, sizeof(*s->all));
	s->pollfds = calloc(s->n_all + 2 + CONTROL_POLL_MAX, sizeof(*s->pollfds));
	s->owners = calloc(s->n_all + 2 + CONTROL_POLL_MAX, sizeof(*s->owners));
	if (!s->all || !s->pollfds || !s->owners)
		return bh_fail(err, -ENOMEM, "out of memory"), NULL;
	init_phase(s->all, a->onboot, a->n_onboot, "onboot");
	init_phase(services(s), a->services, a->n_services, "services");
	init_phase(onshutdown(s), a->onshutdown, a->n_onshutdown, "onshutdown");

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++)
		sigaddset(&set, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (s->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return bh_fail(err, -errno, "signalfd: %s", strerror(errno)), NULL;
	/* ctrl-alt-del then reaches us as SIGINT instead of rebooting at once. */
	if (machine_init())
		reboot(RB_DISABLE_CAD);
	s->power_fd = machine_init() ? power_button_open() : -1;
	if (machine_init() && s->power_fd < 0)
		log_warn("no power button found: an ACPI power-off will not reach us");
	s->control = control_new(o);
	mkdir(CONTAINER_LOG_DIR, 0750);
	return s;
}

/* ---- one instance of a container ---- */

static void record_failure(struct supervisor *s, int status)
{
	if (status != 0 && s->first_failure == 0)
		s->first_failure = status;
}

static void kill_container(struct container *c)
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

static void start_container(struct supervisor *s, struct container *c)
{
	struct bh_err err = { 0 };
	int pipe_fds[2];

	c->state = STATE_RUNNING;
	c->started_ms = now_ms();
	c->kill_at_ms = 0;
	c->stopping = false;
	c->restart_now = false;
	if (c->log.fd < 0)
		container_log_open(&c->log, c->spec->name);
	struct bh_config *config;
	if (bh_config_load(c->spec->bundle, &config, &err) < 0) {
		log_warn("%s: %s", c->spec->name, err.msg);
		c->status = BH_EXIT_SETUP;
		return; /* reaped and drained already: settle() ends the instance */
	}
	/* Our raised descriptor limit is PID 1's, not the containers'. */
	if (s->o->nofile_hard && bh_config_rlimit_default(config, RLIMIT_NOFILE, s->o->nofile_soft, s->o->nofile_hard) < 0) {
		log_warn("%s: out of memory", c->spec->name);
		bh_config_free(config);
		c->status = BH_EXIT_SETUP;
		return;
	}
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		log_warn("%s: pipe: %s", c->spec->name, strerror(errno));
		bh_config_free(config);
		c->status = BH_EXIT_SETUP;
		return;
	}
	struct bh_io io = { .stdin_fd = -1, .stdout_fd = pipe_fds[1], .stderr_fd = pipe_fds[1] };
	int r = bh_container_start(config, &io, &c->pid, &err);
	close(pipe_fds[1]);
	/* Only the cgroup is needed from here on: a parsed config (a seccomp
	 * allow-list of some 350 names) would cost PID 1 memory per container. */
	const char *cgroup = bh_config_cgroups_path(config);
	c->cgroups_path = cgroup && r == 0 ? strdup(cgroup) : NULL;
	bh_config_free(config);
	if (r < 0) {
		close(pipe_fds[0]);
		c->pid = 0;
		log_warn("%s: cannot start: %s", c->spec->name, err.msg);
		/* The container's own status when it got that far: 126 and 127
		 * for a command that cannot run, as README.md says. */
		c->status = err.status ? err.status : BH_EXIT_SETUP;
		return;
	}
	fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
	c->output_fd = pipe_fds[0];
	c->ever_started = true;
	log_info("%s: started, pid %d", c->spec->name, (int)c->pid);
}

static bool instance_over(const struct container *c)
{
	return c->state == STATE_RUNNING && c->pid <= 0 && c->output_fd < 0;
}

static bool wants_restart(const struct supervisor *s, const struct container *c)
{
	/* Once shutdown began nothing starts again, not even a ctl restart
	 * asked for just before. */
	if (s->shutdown_requested)
		return false;
	if (c->restart_now)
		return true;
	if (c->stopping || strcmp(c->phase, "services") != 0)
		return false;
	return c->spec->restart == RESTART_ALWAYS || (c->spec->restart == RESTART_ON_FAILURE && c->status != 0);
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

	if (!wants_restart(s, c)) {
		c->state = STATE_EXITED;
		if (!c->stopping)
			record_failure(s, c->status);
		return;
	}
	if (c->restart_now) {
		c->restart_at_ms = now;
		c->state = STATE_BACKOFF;
		return;
	}
	if (c->spec->max_restarts && c->restarts >= c->spec->max_restarts) {
		log_warn("%s: gave up after %u restarts (last status %d)", c->spec->name, c->restarts, c->status);
		c->state = STATE_FAILED;
		record_failure(s, c->status ? c->status : 1);
		return;
	}
	c->quick_exits = now - c->started_ms >= STABLE_MS ? 0 : c->quick_exits + 1;
	long delay = BACKOFF_FIRST_MS;
	for (unsigned i = 1; i < c->quick_exits && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	c->restart_at_ms = now + delay;
	c->state = STATE_BACKOFF;
	log_info("%s: restarting in %ld ms (restart %u)", c->spec->name, delay, c->restarts + 1);
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
		struct container *c = find_by_pid(s, pid);
		if (!c)
			continue;
		c->pid = 0;
		if (WIFSIGNALED(wstatus)) {
			c->status = 128 + WTERMSIG(wstatus);
			log_info("%s: killed by signal %d", c->spec->name, WTERMSIG(wstatus));
		} else {
			c->status = WEXITSTATUS(wstatus);
			log_info("%s: exited with status %d", c->spec->name, c->status);
		}
	}
}

void supervisor_request_shutdown(struct supervisor *s, const char *why)
{
	if (!s->shutdown_requested)
		log_info("%s: shutting down", why);
	s->shutdown_requested = true;
	/* A restart waiting for its back-off is off: the service is over. */
	for (size_t i = 0; i < s->n_all; i++)
		if (s->all[i].state == STATE_BACKOFF)
			s->all[i].state = STATE_EXITED;
}

static void handle_signals(struct supervisor *s)
{
	struct signalfd_siginfo info;

	while (read(s->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGCHLD)
			continue;
		char why[32];
		snprintf(why, sizeof(why), "signal %d", (int)info.ssi_signo);
		supervisor_request_shutdown(s, why);
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
		if (c->state == STATE_RUNNING && c->kill_at_ms && c->kill_at_ms < next)
			next = c->kill_at_ms;
	}
	if (next == LONG_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

/* After any event: end what is over, start what is due, kill what ran out
 * of grace. */
static void settle(struct supervisor *s)
{
	long now = now_ms();

	for (size_t i = 0; i < s->n_all; i++) {
		struct container *c = &s->all[i];
		if (instance_over(c))
			end_instance(s, c);
		else if (c->state == STATE_RUNNING && c->kill_at_ms && now >= c->kill_at_ms) {
			log_warn("%s: still running after its grace period; killing it", c->spec->name);
			c->kill_at_ms = 0;
			kill_container(c);
		}
		if (c->state == STATE_BACKOFF && now >= c->restart_at_ms && !s->shutdown_requested) {
			c->restarts++;
			start_container(s, c);
		}
	}
}

/* One turn of the loop: wait up to the nearest timer (or LIMIT_MS) for a
 * signal, the power button, the control channel or output, and handle what
 * came. */
static void turn(struct supervisor *s, long limit_ms)
{
	struct pollfd *fds = s->pollfds;
	nfds_t n = 0;
	long control_due = control_deadline(s->control);

	fds[n++] = (struct pollfd){ .fd = s->signal_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = s->power_fd, .events = POLLIN };
	size_t n_control = control_poll_fds(s->control, fds + n);
	n += n_control;
	nfds_t first_output = n;
	for (size_t i = 0; i < s->n_all; i++) {
		if (s->all[i].output_fd < 0)
			continue;
		fds[n] = (struct pollfd){ .fd = s->all[i].output_fd, .events = POLLIN };
		s->owners[n++] = &s->all[i];
	}
	if (poll(fds, n, next_timeout(s, control_due < limit_ms ? control_due : limit_ms)) < 0 && errno != EINTR)
		log_warn("poll: %s", strerror(errno));
	for (nfds_t i = first_output; i < n; i++)
		if (fds[i].revents)
			handle_output(s->owners[i]);
	if (fds[0].revents)
		handle_signals(s);
	if (fds[1].revents && power_button_pressed(s->power_fd))
		supervisor_request_shutdown(s, "power button");
	control_handle(s->control, s, fds + 2, n_control);
	settle(s);
}

/* ---- phases ---- */

static bool active(const struct container *c)
{
	return c->state == STATE_RUNNING || c->state == STATE_BACKOFF;
}

/* Runs C to its end, or until DEADLINE (0: none) when it is killed. */
static void run_to_end(struct supervisor *s, struct container *c, long deadline)
{
	start_container(s, c);
	settle(s);
	while (active(c)) {
		if (deadline && now_ms() >= deadline && !c->kill_at_ms) {
			c->stopping = true;
			c->kill_at_ms = now_ms();
		}
		if (deadline && now_ms() >= deadline + KILL_WAIT_MS) {
			log_warn("%s: still not gone after SIGKILL", c->spec->name);
			c->state = STATE_FAILED;
			return;
		}
		turn(s, deadline ? deadline + KILL_WAIT_MS : LONG_MAX);
		if (s->shutdown_requested && strcmp(c->phase, "onboot") == 0 && active(c)) {
			c->stopping = true;
			kill_container(c);
		}
	}
}

bool supervisor_run_onboot(struct supervisor *s)
{
	for (size_t i = 0; i < s->a->n_onboot && !s->shutdown_requested; i++) {
		struct container *c = &s->all[i];
		run_to_end(s, c, 0);
		if (c->status != 0 && !s->a->onboot_continue) {
			log_warn("%s: onboot container failed with status %d; the boot halts (onboot_failure: halt)",
				 c->spec->name, c->status);
			return false;
		}
	}
	return !s->shutdown_requested;
}

/* A waiting service starts once every service it depends on has started;
 * one that depends on a service that ended without ever starting fails.
 * At most START_BATCH start per call, so that the loop (reaping, output,
 * the control channel, the power button) runs between batches of a long
 * start phase. Returns whether anything changed: then more may be ready. */
static bool start_ready_services(struct supervisor *s)
{
	struct container *svc = services(s);
	unsigned started = 0;
	bool changed = false;

	for (size_t i = 0; i < s->a->n_services && !s->shutdown_requested; i++) {
		struct container *c = &svc[i];
		bool ready = true, hopeless = false;
		if (c->state != STATE_WAITING)
			continue;
		if (started == START_BATCH)
			return true;
		for (size_t d = 0; d < c->spec->n_depends_on; d++) {
			const struct container *dep = &svc[c->spec->depends_on[d]];
			ready &= dep->ever_started;
			hopeless |= !dep->ever_started && (dep->state == STATE_EXITED || dep->state == STATE_FAILED);
		}
		if (hopeless) {
			log_warn("%s: not started: a service it depends on never started", c->spec->name);
			c->state = STATE_FAILED;
			record_failure(s, BH_EXIT_SETUP);
			changed = true;
		} else if (ready) {
			start_container(s, c);
			started++;
			changed = true;
		}
	}
	return changed;
}

static bool services_left(struct supervisor *s)
{
	for (size_t i = 0; i < s->a->n_services; i++) {
		enum state st = services(s)[i].state;
		if (st == STATE_WAITING || st == STATE_RUNNING || st == STATE_BACKOFF)
			return true;
	}
	return false;
}

void supervisor_run_services(struct supervisor *s, const struct boot_options *o)
{
	bool starting = true;

	while (services_left(s) && !s->shutdown_requested) {
		/* While services are still being started, the loop only looks
		 * at what came (no wait), then starts the next batch. */
		bool more = start_ready_services(s);
		if (starting && !more) {
			starting = false;
			debug_phase(o, "starting the services");
			debug_memory(o);
		}
		turn(s, more ? now_ms() : LONG_MAX);
	}
}

/* Stops C: SIGTERM, its grace period, then cgroup.kill. */
/* Sends C its SIGTERM (a container that never ran just ends); the loop
 * kills it at its grace's end (settle). */
static void stop_begin(struct container *c)
{
	if (c->state == STATE_BACKOFF || c->state == STATE_WAITING) {
		c->state = STATE_EXITED;
		return;
	}
	if (c->state != STATE_RUNNING)
		return;
	c->stopping = true;
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
	c->kill_at_ms = now_ms() + c->spec->stop_grace_ms;
}

static bool left_to_stop(const struct container *c)
{
	return active(c) || c->state == STATE_WAITING;
}

/* Some service still to stop depends on C. */
static bool needed(struct supervisor *s, const struct container *c)
{
	if (strcmp(c->phase, "services") != 0)
		return false;
	size_t index = (size_t)(c - services(s));
	for (size_t i = 0; i < s->a->n_services; i++) {
		const struct container *d = &services(s)[i];
		for (size_t k = 0; left_to_stop(d) && d != c && k < d->spec->n_depends_on; k++)
			if (d->spec->depends_on[k] == index)
				return true;
	}
	return false;
}

/* One wave: every container left that nothing left depends on gets its
 * SIGTERM at once, and the wave ends when all of them are gone (each has
 * its own grace, then SIGKILL). Dependents go before what they depend on,
 * as a reverse start order would have it, while unrelated services stop
 * together: 2000 services that ignore SIGTERM take one grace period, not
 * 2000. Returns false when nothing is left. */
static bool stop_wave(struct supervisor *s)
{
	long give_up = 0;
	bool any = false, left = false, free_one = false;

	for (size_t i = 0; i < s->n_all; i++) {
		left |= left_to_stop(&s->all[i]);
		free_one |= left_to_stop(&s->all[i]) && !needed(s, &s->all[i]);
	}
	for (size_t i = 0; left && i < s->n_all; i++) {
		struct container *c = &s->all[i];
		/* Only a cycle leaves none free; then all go together. */
		if (!left_to_stop(c) || (free_one && needed(s, c)))
			continue;
		c->in_wave = true;
		any = true;
		stop_begin(c);
		if (active(c) && c->kill_at_ms + KILL_WAIT_MS > give_up)
			give_up = c->kill_at_ms + KILL_WAIT_MS;
	}
	if (!any)
		return false;
	/* After the last grace, SIGKILLs: the wave waits while containers are
	 * still being reaped, and gives up KILL_WAIT_MS after the last one
	 * went (hundreds killed at once take a while under TCG). */
	long last_kill = give_up - KILL_WAIT_MS;
	for (size_t waiting = SIZE_MAX, was; waiting && now_ms() < give_up;) {
		turn(s, give_up);
		was = waiting;
		waiting = 0;
		for (size_t i = 0; i < s->n_all; i++)
			waiting += s->all[i].in_wave && active(&s->all[i]);
		if (waiting < was && now_ms() >= last_kill && now_ms() + KILL_WAIT_MS > give_up)
			give_up = now_ms() + KILL_WAIT_MS;
	}
	for (size_t i = 0; i < s->n_all; i++) {
		struct container *c = &s->all[i];
		if (c->in_wave && active(c)) {
			log_warn("%s: still not gone after SIGKILL", c->spec->name);
			c->state = STATE_FAILED; /* could not be stopped: do not wait on it again */
		}
		c->in_wave = false;
	}
	return true;
}

void supervisor_shutdown(struct supervisor *s)
{
	s->shutdown_requested = true;
	for (size_t i = 0; i < s->a->n_onshutdown; i++) {
		struct container *c = &onshutdown(s)[i];
		run_to_end(s, c, now_ms() + c->spec->stop_grace_ms);
		if (c->status != 0)
			log_warn("%s: onshutdown container failed with status %d", c->spec->name, c->status);
	}
	/* In waves, dependents first (stop_wave). */
	while (stop_wave(s))
		;
}

int supervisor_exit_status(const struct supervisor *s)
{
	if (s->a->exit_status_from)
		for (size_t i = 0; i < s->n_all; i++)
			if (strcmp(s->all[i].spec->name, s->a->exit_status_from) == 0)
				/* One that never ran says why it could not (126 and
				 * 127 for its command), or that it never got to. */
				return s->all[i].ever_started || s->all[i].status ? s->all[i].status : BH_EXIT_SETUP;
	return s->first_failure;
}

/* ---- what the control socket asks for ---- */

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

size_t supervisor_ps_line(struct supervisor *s, size_t i, char *buf, size_t size)
{
	int n;

	if (i == 0)
		n = snprintf(buf, size, "%-16s %-10s %-8s %8s %10s %12s %s\n", "NAME", "PHASE", "STATE", "PID",
			     "RESTARTS", "UPTIME", "MEMORY");
	else if (i > s->n_all)
		return 0;
	else {
		const struct container *c = &s->all[i - 1];
		long memory = memory_current(c);
		char uptime[32] = "-", mem[32] = "-";
		if (c->state == STATE_RUNNING)
			snprintf(uptime, sizeof(uptime), "%.1fs", (double)(now_ms() - c->started_ms) / 1000.0);
		if (memory >= 0)
			snprintf(mem, sizeof(mem), "%ld", memory);
		n = snprintf(buf, size, "%-16s %-10s %-8s %8d %10u %12s %s\n", c->spec->name, c->phase,
			     state_names[c->state], c->state == STATE_RUNNING ? (int)c->pid : 0, c->restarts, uptime,
			     mem);
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

const char *supervisor_lookup(struct supervisor *s, const char *name)
{
	struct container *c = find_by_name(s, name);
	return c ? c->spec->name : NULL;
}

int supervisor_restart(struct supervisor *s, const char *name)
{
	struct container *c = find_by_name(s, name);

	if (!c || strcmp(c->phase, "services") != 0)
		return -ENOENT;
	if (s->shutdown_requested)
		return -ESHUTDOWN;
	/* Not yet started: a restart now would start it before its depends_on. */
	if (c->state == STATE_WAITING)
		return -EAGAIN;
	c->restart_now = true;
	if (c->state == STATE_RUNNING) {
		c->stopping = true;
		if (c->pid > 0)
			kill(c->pid, SIGTERM);
		c->kill_at_ms = now_ms() + c->spec->stop_grace_ms;
	} else {
		c->state = STATE_BACKOFF;
		c->restart_at_ms = now_ms();
	}
	return 0;
}

int supervisor_stop(struct supervisor *s, const char *name)
{
	struct container *c = find_by_name(s, name);

	if (!c || strcmp(c->phase, "services") != 0)
		return -ENOENT;
	if (c->state == STATE_BACKOFF || c->state == STATE_WAITING) {
		c->state = STATE_EXITED;
		c->stopping = true;
		return 0;
	}
	if (c->state != STATE_RUNNING)
		return -ESRCH;
	c->stopping = true;
	c->restart_now = false;
	if (c->pid > 0)
		kill(c->pid, SIGTERM);
	c->kill_at_ms = now_ms() + c->spec->stop_grace_ms;
	return 0;
}
