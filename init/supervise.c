/* Supervision: start containers through the runtime library, carry their
 * output to the console line by line, reap every child, react to signals.
 * One signalfd and poll(2) loop; after boot nothing in here gives up: a
 * failure is a warning and the loop goes on (a dead PID 1 is a panic). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define LINE_MAX_BYTES 1024

struct container {
	const struct container_spec *spec;
	struct bh_config *config;
	pid_t pid;      /* > 0 while running */
	int output_fd;  /* read end of its stdout+stderr pipe; -1 at EOF */
	bool exited;
	int status;     /* exit code, or 128+N when killed by signal N */
	size_t pending; /* bytes of an unfinished line in line[] */
	char line[LINE_MAX_BYTES];
};

struct supervisor {
	int signal_fd;
	bool shutdown_requested;
	int exit_status;
	struct container *containers;
	size_t n_containers;
	size_t capacity;
	/* poll's arguments, one slot more than containers (the signalfd) */
	struct pollfd *pollfds;
	struct container **owners;
};

static const int handled_signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPWR, SIGHUP };

struct supervisor *supervisor_new(struct bh_err *err)
{
	struct supervisor *s = calloc(1, sizeof(*s));
	sigset_t set;

	if (!s)
		return bh_fail(err, -ENOMEM, "out of memory"), NULL;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++)
		sigaddset(&set, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (s->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		bh_fail(err, -errno, "signalfd: %s", strerror(errno));
		free(s);
		return NULL;
	}
	s->capacity = 16;
	s->containers = calloc(s->capacity, sizeof(*s->containers));
	s->pollfds = calloc(s->capacity + 1, sizeof(*s->pollfds));
	s->owners = calloc(s->capacity + 1, sizeof(*s->owners));
	if (!s->containers || !s->pollfds || !s->owners) {
		bh_fail(err, -ENOMEM, "out of memory");
		return NULL;
	}
	/* ctrl-alt-del then reaches us as SIGINT instead of rebooting at once. */
	if (machine_init())
		reboot(RB_DISABLE_CAD);
	return s;
}

static struct container *find_by_pid(struct supervisor *s, pid_t pid)
{
	for (size_t i = 0; i < s->n_containers; i++)
		if (s->containers[i].pid == pid)
			return &s->containers[i];
	return NULL;
}

static bool container_done(const struct container *c)
{
	return c->exited && c->output_fd < 0;
}

static void record_exit(struct supervisor *s, struct container *c, int status)
{
	c->exited = true;
	c->pid = 0;
	c->status = status;
	if (status != 0 && s->exit_status == 0)
		s->exit_status = status;
}

static void finish_container(struct container *c)
{
	struct bh_err err = { 0 };

	if (c->config && bh_container_cleanup(c->config, &err) < 0)
		log_warn("%s: %s", c->spec->name, err.msg);
	bh_config_free(c->config);
	c->config = NULL;
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
		if (WIFSIGNALED(wstatus)) {
			log_info("%s: killed by signal %d", c->spec->name, WTERMSIG(wstatus));
			record_exit(s, c, 128 + WTERMSIG(wstatus));
		} else {
			log_info("%s: exited with status %d", c->spec->name, WEXITSTATUS(wstatus));
			record_exit(s, c, WEXITSTATUS(wstatus));
		}
		if (container_done(c))
			finish_container(c);
	}
}

static void handle_signals(struct supervisor *s)
{
	struct signalfd_siginfo info;

	while (read(s->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGCHLD)
			continue;
		if (!s->shutdown_requested)
			log_info("signal %d: shutting down", (int)info.ssi_signo);
		s->shutdown_requested = true;
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
		log_container_line(c->spec->name, c->line + start, i - start);
		start = i + 1;
	}
	/* A line longer than the buffer is cut rather than held forever. */
	if ((flush || start == 0) && c->pending - start == sizeof(c->line))
		flush = true;
	if (flush && c->pending > start) {
		log_container_line(c->spec->name, c->line + start, c->pending - start);
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
		if (container_done(c))
			finish_container(c);
		return;
	}
	c->pending += (size_t)n;
	emit_lines(c, false);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* One turn of the loop: wait up to TIMEOUT_MS (-1: no limit) for a signal
 * or output, and handle what came. */
static void wait_events(struct supervisor *s, int timeout_ms)
{
	struct pollfd *fds = s->pollfds;
	struct container **owners = s->owners;
	nfds_t n = 0;

	fds[n].fd = s->signal_fd;
	fds[n].events = POLLIN;
	owners[n++] = NULL;
	for (size_t i = 0; i < s->n_containers; i++) {
		if (s->containers[i].output_fd < 0)
			continue;
		fds[n].fd = s->containers[i].output_fd;
		fds[n].events = POLLIN;
		owners[n++] = &s->containers[i];
	}
	if (poll(fds, n, timeout_ms) < 0) {
		if (errno != EINTR)
			log_warn("poll: %s", strerror(errno));
		return;
	}
	for (nfds_t i = 1; i < n; i++)
		if (fds[i].revents)
			handle_output(owners[i]);
	if (fds[0].revents)
		handle_signals(s);
}

static struct container *add_container(struct supervisor *s, const struct container_spec *spec)
{
	if (s->n_containers == s->capacity) {
		size_t capacity = s->capacity ? s->capacity * 2 : 16;
		struct container *grown = realloc(s->containers, capacity * sizeof(*grown));
		if (!grown)
			return NULL;
		s->containers = grown;
		struct pollfd *fds = realloc(s->pollfds, (capacity + 1) * sizeof(*fds));
		if (!fds)
			return NULL;
		s->pollfds = fds;
		struct container **owners = realloc(s->owners, (capacity + 1) * sizeof(*owners));
		if (!owners)
			return NULL;
		s->owners = owners;
		s->capacity = capacity;
	}
	struct container *c = &s->containers[s->n_containers++];
	memset(c, 0, sizeof(*c));
	c->spec = spec;
	c->output_fd = -1;
	return c;
}

/* Starts one container. A container that cannot start is marked exited with
 * the setup status; the appliance goes on. */
static struct container *start_container(struct supervisor *s, const struct container_spec *spec)
{
	struct bh_err err = { 0 };
	struct container *c = add_container(s, spec);
	int pipe_fds[2];

	if (!c) {
		log_warn("%s: out of memory", spec->name);
		s->exit_status = s->exit_status ? s->exit_status : BH_EXIT_SETUP;
		return NULL;
	}
	if (bh_config_load(spec->bundle, &c->config, &err) < 0) {
		log_warn("%s: %s", spec->name, err.msg);
		record_exit(s, c, BH_EXIT_SETUP);
		return c;
	}
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		log_warn("%s: pipe: %s", spec->name, strerror(errno));
		record_exit(s, c, BH_EXIT_SETUP);
		finish_container(c);
		return c;
	}
	struct bh_io io = { .stdin_fd = -1, .stdout_fd = pipe_fds[1], .stderr_fd = pipe_fds[1] };
	int r = bh_container_start(c->config, &io, &c->pid, &err);
	close(pipe_fds[1]);
	if (r < 0) {
		close(pipe_fds[0]);
		log_warn("%s: cannot start: %s", spec->name, err.msg);
		record_exit(s, c, err.code == -ENOENT ? BH_EXIT_NOTFOUND : BH_EXIT_SETUP);
		finish_container(c);
		return c;
	}
	fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
	c->output_fd = pipe_fds[0];
	log_info("%s: started, pid %d", spec->name, (int)c->pid);
	return c;
}

void supervisor_run_onboot(struct supervisor *s, const struct appliance *a)
{
	for (size_t i = 0; i < a->n_onboot && !s->shutdown_requested; i++) {
		struct container *c = start_container(s, &a->onboot[i]);
		size_t index = c ? (size_t)(c - s->containers) : 0;
		/* The array may grow while we wait; hold an index, not a pointer. */
		while (c && !container_done(&s->containers[index]) && !s->shutdown_requested)
			wait_events(s, -1);
	}
}

static bool any_running(const struct supervisor *s)
{
	for (size_t i = 0; i < s->n_containers; i++)
		if (!container_done(&s->containers[i]))
			return true;
	return false;
}

void supervisor_run_services(struct supervisor *s, const struct appliance *a)
{
	for (size_t i = 0; i < a->n_services && !s->shutdown_requested; i++)
		start_container(s, &a->services[i]);
	while (any_running(s) && !s->shutdown_requested)
		wait_events(s, -1);
}

static void signal_running(struct supervisor *s, int sig)
{
	for (size_t i = 0; i < s->n_containers; i++)
		if (s->containers[i].pid > 0)
			kill(s->containers[i].pid, sig);
}

static void wait_until(struct supervisor *s, long deadline)
{
	long left;

	while (any_running(s) && (left = deadline - now_ms()) > 0)
		wait_events(s, (int)left);
}

void supervisor_stop_all(struct supervisor *s, int grace_ms)
{
	if (!any_running(s))
		return;
	log_info("stopping containers (grace %d ms)", grace_ms);
	signal_running(s, SIGTERM);
	wait_until(s, now_ms() + grace_ms);
	if (!any_running(s))
		return;
	signal_running(s, SIGKILL);
	/* SIGKILL cannot be ignored; the bound only guards against a pipe kept
	 * open by a process outside the container. */
	wait_until(s, now_ms() + 2000);
	for (size_t i = 0; i < s->n_containers; i++)
		if (!container_done(&s->containers[i]))
			log_warn("%s: still not gone after SIGKILL", s->containers[i].spec->name);
}

int supervisor_exit_status(const struct supervisor *s)
{
	return s->exit_status;
}
