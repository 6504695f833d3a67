/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting containers, many at once. A start is split where the runtime
 * lets it (bh_container_spawn, bh_container_spawned): PID 1 clones the
 * container and does its own part, then goes on to the next while that
 * one sets itself up on the other core; the setup's report comes back
 * through the loop (supervise.c polls it). Starts are told on the console
 * in the order they began, whatever order their setups end in, so that
 * the log of a boot reads the same every time; a container's output and
 * its exit wait for its start to be told. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise.h"

/* C's start failed with STATUS; the console is told why (FMT) in its turn.
 * It leaves an instance that is over once its process is reaped, which
 * supervisor_settle() ends as a config that cannot load always was. */
static void start_failed(struct container *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void start_failed(struct container *c, int status, const char *fmt, ...)
{
	va_list ap;
	char *why = NULL;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL; /* out of memory: told as a failure without its reason */
	va_end(ap);
	free(c->start_error);
	c->start_error = why;
	c->state = STATE_RUNNING;
	c->status = status;
	c->setup_failed = true;
	if (c->output_fd >= 0)
		close(c->output_fd);
	c->output_fd = -1;
}

/* The parsed config is PID 1's only while the process is cloned: a parsed
 * config (a seccomp allow-list of some 350 names) kept per container would
 * cost PID 1 memory per container; only the cgroup is needed from here on. */
void container_start(struct supervisor *s, struct container *c)
{
	struct bh_err err = { 0 };
	struct bh_config *config;
	int pipe_fds[2];
	long bound_ms;

	c->state = STATE_STARTING;
	c->started_ms = now_ms();
	c->kill_at_ms = 0;
	c->stopping = false;
	c->restart_now = false;
	c->setup_failed = false;
	c->start_pid = 0;
	c->untold_exit = -1;
	c->start_seq = s->starts_begun++;
	c->start_untold = true;
	if (c->log.fd < 0)
		container_log_open(&c->log, c->spec->name);
	if (!images_ready(c->spec))
		return start_failed(c, BH_EXIT_SETUP, "%s: cannot start: its shared image is not mounted "
						      "(the boot said why)", c->spec->name);
	if (bh_config_load(c->spec->bundle, &config, &err) < 0)
		return start_failed(c, BH_EXIT_SETUP, "%s: %s", c->spec->name, err.msg);
	/* Our raised descriptor limit is PID 1's, not the containers'. */
	if (s->o->nofile_hard && bh_config_rlimit_default(config, RLIMIT_NOFILE, s->o->nofile_soft, s->o->nofile_hard) < 0) {
		bh_config_free(config);
		return start_failed(c, BH_EXIT_SETUP, "%s: out of memory", c->spec->name);
	}
	/* Whom its user namespace's root is on our side, so that its /dev is
	 * made here, the nodes in it with mknod (runtime/mount.c). */
	if (c->spec->userns_size)
		(void)bh_config_user_ns_root(config, c->spec->userns_base, c->spec->userns_base);
	/* A shared image's user: this start's clone of the image, which the
	 * process mounts on its rootfs itself (images.c). Ours until spawned. */
	_cleanup_close_ int root_mount = -1;
	if (c->spec->shared_image >= 0 && ((root_mount = images_root_mount(c->spec, &err)) < 0 ||
					   bh_config_root_mount(config, root_mount) < 0)) {
		bh_config_free(config);
		return start_failed(c, BH_EXIT_SETUP, "%s: cannot start: %s", c->spec->name,
				    root_mount < 0 ? err.msg : "its config makes no mount namespace");
	}
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		int e = errno;
		bh_config_free(config);
		return start_failed(c, BH_EXIT_SETUP, "%s: pipe: %s", c->spec->name, strerror(e));
	}
	struct bh_io io = { .stdin_fd = -1, .stdout_fd = pipe_fds[1], .stderr_fd = pipe_fds[1], .console_socket = -1 };
	int r = bh_container_spawn(config, &io, &c->pid, &c->report_fd, &bound_ms, &err);
	close(pipe_fds[1]);
	const char *cgroup = bh_config_cgroups_path(config);
	c->cgroups_path = cgroup && r == 0 ? strdup(cgroup) : NULL;
	bh_config_free(config);
	c->output_fd = pipe_fds[0];
	if (r < 0) {
		c->pid = 0;
		c->report_fd = -1;
		/* The container's own status when it got that far: 126 and 127
		 * for a command that cannot run, as README.md says. */
		return start_failed(c, err.status ? err.status : BH_EXIT_SETUP, "%s: cannot start: %s", c->spec->name,
				    err.msg);
	}
	fcntl(c->output_fd, F_SETFL, O_NONBLOCK);
	c->start_pid = c->pid; /* the reaper may take it before the report is read */
	c->setup_deadline_ms = bound_ms < 0 ? 0 : c->started_ms + bound_ms;
	s->n_starting++;
}

static void setup_over(struct supervisor *s, struct container *c)
{
	close(c->report_fd);
	c->report_fd = -1;
	s->n_starting--;
}

void start_reported(struct supervisor *s, struct container *c)
{
	struct bh_err err = { 0 };
	int r = bh_container_spawned(c->report_fd, &err);

	setup_over(s, c);
	if (r < 0) {
		/* The child exits with the status it reported; the reaper
		 * takes it, end_instance() its cgroup. */
		start_failed(c, err.status ? err.status : BH_EXIT_SETUP, "%s: cannot start: %s", c->spec->name, err.msg);
		return;
	}
	/* The end of the report is also what a process killed in its setup
	 * leaves: one asked to stop meanwhile is not told as started. */
	if (c->stopping) {
		start_failed(c, BH_EXIT_SETUP, "%s: stopped while it was starting", c->spec->name);
		return;
	}
	c->state = STATE_RUNNING;
	c->ever_started = true;
	health_started(c);
}

void start_abandon(struct supervisor *s, struct container *c, const char *why)
{
	if (c->state != STATE_STARTING)
		return;
	container_kill(c);
	setup_over(s, c);
	start_failed(c, BH_EXIT_SETUP, "%s: %s", c->spec->name, why);
}

void starts_settle(struct supervisor *s, long now)
{
	char why[96];

	for (size_t i = 0; i < s->n_all && s->n_starting; i++) {
		struct container *c = &s->all[i];
		if (c->state != STATE_STARTING || !c->setup_deadline_ms || now < c->setup_deadline_ms)
			continue;
		snprintf(why, sizeof(why), "cannot start: the container's setup did not finish within %ld s",
			 (c->setup_deadline_ms - c->started_ms) / 1000);
		start_abandon(s, c, why);
	}
}

long starts_deadline(const struct supervisor *s, long next)
{
	for (size_t i = 0; i < s->n_all && s->n_starting; i++) {
		const struct container *c = &s->all[i];
		if (c->state == STATE_STARTING && c->setup_deadline_ms && c->setup_deadline_ms < next)
			next = c->setup_deadline_ms;
	}
	return next;
}

static void exit_tell(const struct container *c, int wstatus)
{
	if (WIFSIGNALED(wstatus))
		log_info("%s: killed by signal %d", c->spec->name, WTERMSIG(wstatus));
	else
		log_info("%s: exited with status %d", c->spec->name, wait_status_code(wstatus));
}

void container_exit_tell(struct container *c, int wstatus)
{
	if (c->start_untold && !c->setup_failed)
		c->untold_exit = wstatus;
	else if (!c->setup_failed)
		exit_tell(c, wstatus);
}

/* The earliest start not told yet, or NULL. */
static struct container *first_untold(struct supervisor *s)
{
	struct container *first = NULL;

	for (size_t i = 0; i < s->n_all; i++)
		if (s->all[i].start_untold && (!first || s->all[i].start_seq < first->start_seq))
			first = &s->all[i];
	return first;
}

void starts_tell(struct supervisor *s)
{
	struct container *c;

	while ((c = first_untold(s)) && c->state != STATE_STARTING) {
		c->start_untold = false;
		if (!c->setup_failed)
			log_info("%s: started, pid %d", c->spec->name, (int)c->start_pid);
		else if (c->start_error)
			log_warn("%s", c->start_error);
		else
			log_warn("%s: cannot start: out of memory", c->spec->name);
		free(c->start_error);
		c->start_error = NULL;
		if (c->untold_exit >= 0 && !c->setup_failed)
			exit_tell(c, c->untold_exit);
		c->untold_exit = -1;
	}
}
