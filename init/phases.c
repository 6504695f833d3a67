/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The phases of the appliance's life: onboot containers one after the
 * other, then the services (started as their depends_on allow, restarted
 * by their policy), then shutdown: onshutdown containers, and the services
 * stopped in waves, dependents first. Each phase drives the container
 * state machine and the loop of supervise.c; what a phase decides about
 * one container's end is decisions.c's. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "supervise.h"

#define KILL_WAIT_MS 2000L

/* ---- onboot ---- */

/* Runs C to its end, or until DEADLINE (0: none) when it is killed. */
static void run_to_end(struct supervisor *s, struct container *c, long deadline)
{
	container_start(s, c);
	supervisor_settle(s);
	while (container_active(c)) {
		if (deadline && now_ms() >= deadline && !c->kill_at_ms) {
			c->stopping = true;
			c->kill_at_ms = now_ms();
		}
		if (deadline && now_ms() >= deadline + KILL_WAIT_MS) {
			log_warn("%s: still not gone after SIGKILL", c->spec->name);
			start_abandon(s, c, "cannot start: its setup was still not gone after SIGKILL");
			c->state = STATE_FAILED;
			return;
		}
		supervisor_turn(s, deadline ? deadline + KILL_WAIT_MS : LONG_MAX);
		if (s->shutdown_requested && c->phase == PHASE_ONBOOT && container_active(c)) {
			c->stopping = true;
			container_kill(c);
		}
	}
}

bool supervisor_run_onboot(struct supervisor *s)
{
	/* An onboot container may run for long: the button's module is not
	 * to wait for it. */
	if (s->a->n_onboot)
		modules_loader_hurry(&s->module_loader);
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

/* ---- services ---- */

/* A waiting service starts once every service it depends on has started
 * (its command runs: a start still setting up does not count); one that
 * depends on a service that ended without ever starting fails. Starts
 * begin while fewer than STARTS_IN_FLIGHT set themselves up, so that the
 * loop (reports, reaping, output, the control channel, the power button)
 * runs between them. Returns whether anything changed: then more may be
 * ready. */
static bool start_ready_services(struct supervisor *s)
{
	struct container *svc = services(s);
	bool changed = false;

	for (size_t i = 0; i < s->a->n_services && !s->shutdown_requested; i++) {
		struct container *c = &svc[i];
		bool ready = true;
		const struct container *hopeless = NULL; /* a dependency that ended unmet */
		if (c->state != STATE_WAITING)
			continue;
		if (s->n_starting >= STARTS_IN_FLIGHT)
			return changed;
		for (size_t d = 0; d < c->spec->n_depends_on; d++) {
			const struct container *dep = &svc[c->spec->depends_on[d]];
			bool met = health_dependency_ready(s, c, d); /* started, and healthy when it says so */
			ready &= met;
			if (!met && (dep->state == STATE_EXITED || dep->state == STATE_FAILED))
				hopeless = dep;
		}
		if (hopeless) {
			log_warn("%s: not started: a service it depends on %s (%s)", c->spec->name,
				 hopeless->ever_started ? "ended and will not be healthy" : "never started", hopeless->spec->name);
			c->state = STATE_FAILED;
			record_failure(s, BH_EXIT_SETUP);
			if (c->spec->on_exit == ON_EXIT_POWEROFF)
				poweroff_on_exit(s, c, BH_EXIT_SETUP); /* it never will run: ended for good */
			changed = true;
		} else if (ready) {
			container_start(s, c);
			changed = true;
		}
	}
	return changed;
}

static bool services_left(struct supervisor *s)
{
	for (size_t i = 0; i < s->a->n_services; i++) {
		enum state st = services(s)[i].state;
		if (st == STATE_WAITING || container_active(&services(s)[i]))
			return true;
	}
	return false;
}

void supervisor_run_services(struct supervisor *s, const struct boot_options *o)
{
	bool starting = true;

	while (services_left(s) && !s->shutdown_requested) {
		/* While services are still being started, the loop only looks
		 * at what came (no wait) and starts more, unless as many as
		 * may are setting up: then it waits, for their reports too. */
		bool more = start_ready_services(s);
		if (starting && !more && !s->n_starting) {
			starting = false;
			debug_phase(o, "starting the services");
			debug_memory(o);
			modules_loader_hurry(&s->module_loader);
		}
		supervisor_turn(s, more && s->n_starting < STARTS_IN_FLIGHT ? now_ms() : LONG_MAX);
	}
}

/* ---- shutdown ---- */

static bool left_to_stop(const struct container *c)
{
	return container_active(c) || c->state == STATE_WAITING;
}

/* Some service still to stop depends on C. */
static bool needed(struct supervisor *s, const struct container *c)
{
	if (c->phase != PHASE_SERVICES)
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
		container_begin_stop(c);
		if (container_active(c) && c->kill_at_ms + KILL_WAIT_MS > give_up)
			give_up = c->kill_at_ms + KILL_WAIT_MS;
	}
	if (!any)
		return false;
	/* After the last grace, SIGKILLs: the wave waits while containers are
	 * still being reaped, and gives up KILL_WAIT_MS after the last one
	 * went (hundreds killed at once take a while under TCG). */
	long last_kill = give_up - KILL_WAIT_MS;
	for (size_t waiting = SIZE_MAX, was; waiting && now_ms() < give_up;) {
		supervisor_turn(s, give_up);
		was = waiting;
		waiting = 0;
		for (size_t i = 0; i < s->n_all; i++)
			waiting += s->all[i].in_wave && container_active(&s->all[i]);
		if (waiting < was && now_ms() >= last_kill && now_ms() + KILL_WAIT_MS > give_up)
			give_up = now_ms() + KILL_WAIT_MS;
	}
	for (size_t i = 0; i < s->n_all; i++) {
		struct container *c = &s->all[i];
		if (c->in_wave && container_active(c)) {
			log_warn("%s: still not gone after SIGKILL", c->spec->name);
			start_abandon(s, c, "cannot start: its setup was still not gone after SIGKILL");
			c->state = STATE_FAILED; /* could not be stopped: do not wait on it again */
		}
		c->in_wave = false;
	}
	return true;
}

void supervisor_shutdown(struct supervisor *s)
{
	s->shutdown_requested = true;
	/* Setups under way end here, before the onshutdown containers, whose
	 * starts would otherwise be told (and their ends waited for) after
	 * them. Ours to stop: not a failure. */
	for (size_t i = 0; i < s->n_all && s->n_starting; i++) {
		s->all[i].stopping |= s->all[i].state == STATE_STARTING;
		start_abandon(s, &s->all[i], "stopped while it was starting: the appliance shuts down");
	}
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
	int from = -1;

	if (s->a->exit_status_from)
		for (size_t i = 0; i < s->n_all; i++)
			if (strcmp(s->all[i].spec->name, s->a->exit_status_from) == 0)
				from = exit_status_of(s->all[i].ever_started, s->all[i].status);
	return appliance_exit_status(from, s->poweroff_status, s->first_failure);
}
