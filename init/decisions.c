/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Supervision's decisions, apart from the loop that acts on them: what
 * follows a container's exit, how long the back-off waits, which status
 * the appliance reports. Pure (no clock, no process, no log), so that
 * tests/init-decisions.c checks them without starting anything. */
#include "init.h"

const char *const phase_names[] = {
	[PHASE_ONBOOT] = "onboot",
	[PHASE_SERVICES] = "services",
	[PHASE_ONSHUTDOWN] = "onshutdown",
};

const struct container_spec *appliance_container(const struct appliance *a, size_t i)
{
	if (i < a->n_onboot)
		return &a->onboot[i];
	i -= a->n_onboot;
	if (i < a->n_services)
		return &a->services[i];
	i -= a->n_services;
	return i < a->n_onshutdown ? &a->onshutdown[i] : NULL;
}

static struct end_decision decide_next(const struct instance_end *e)
{
	/* Once shutdown began nothing starts again, not even a ctl restart
	 * asked for just before. A stop we asked for is neither restarted
	 * nor a failure; only services have a restart policy. */
	bool by_policy = !e->stopping && e->phase == PHASE_SERVICES &&
			 (e->restart == RESTART_ALWAYS || (e->restart == RESTART_ON_FAILURE && e->status != 0));
	/* A restart for its health is as one by its policy: counted against
	 * max_restarts and backed off, so that a check that always fails
	 * does not restart it in a tight loop for ever. */
	bool by_health = e->health_restart && e->phase == PHASE_SERVICES;

	if (e->shutdown || !(e->restart_now || by_policy || by_health))
		return (struct end_decision){ .next = NEXT_DONE, .failure = e->stopping ? 0 : e->status };
	if (e->restart_now)
		return (struct end_decision){ .next = NEXT_RESTART_NOW };
	/* Given up: a failure even after a clean exit (restart: always). */
	if (e->max_restarts && e->restarts >= e->max_restarts)
		return (struct end_decision){ .next = NEXT_GIVE_UP, .failure = e->status ? e->status : 1 };
	return (struct end_decision){ .next = NEXT_BACKOFF };
}

struct end_decision decide_end(const struct instance_end *e)
{
	struct end_decision d = decide_next(e);

	/* on_exit: poweroff once it has ended for good: not when its policy
	 * or a ctl restart starts it again, and not once shutdown began (the
	 * power-off is under way, and a stop we made is not its verdict). A
	 * ctl stop is an end for good. Given up, it reports its failure. */
	if (e->poweroff_on_exit && !e->shutdown && (d.next == NEXT_DONE || d.next == NEXT_GIVE_UP)) {
		d.poweroff = true;
		d.status = d.next == NEXT_GIVE_UP ? d.failure : e->status;
	}
	return d;
}

unsigned backoff_quick_exits(unsigned quick_exits, long ran_ms)
{
	return ran_ms >= BACKOFF_STABLE_MS ? 0 : quick_exits + 1;
}

long backoff_delay_ms(unsigned quick_exits)
{
	long delay = BACKOFF_FIRST_MS;

	for (unsigned i = 1; i < quick_exits && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	return delay > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay;
}

int exit_status_of(bool ever_started, int status)
{
	/* One that never ran says why it could not (126 and 127 for its
	 * command), or that it never got to. */
	return ever_started || status ? status : BH_EXIT_SETUP;
}

int appliance_exit_status(int from_status, int poweroff_status, int first_failure)
{
	/* exit_status_from says whose status it is; on_exit: poweroff says
	 * when the appliance ends, and whose status it is only without it. */
	if (from_status >= 0)
		return from_status;
	return poweroff_status >= 0 ? poweroff_status : first_failure;
}
