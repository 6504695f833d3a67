/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The init's supervision decisions (init/decisions.c), without starting
 * anything: what follows a container's exit under each restart policy, the
 * restart back-off, and the status an appliance reports. tests/init-*.t
 * show the same decisions acted on by a running init. */
#include "../init/init.h"
#include "tap.h"

/* A service of policy RESTART that exited with STATUS after RESTARTS
 * restarts, of at most MAX; nothing else asked of it. */
static struct instance_end service_end(enum restart_policy restart, unsigned max, unsigned restarts, int status)
{
	return (struct instance_end){
		.phase = PHASE_SERVICES,
		.restart = restart,
		.max_restarts = max,
		.restarts = restarts,
		.status = status,
	};
}

TEST(on_failure_restarts_a_failure_after_a_back_off)
{
	struct instance_end e = service_end(RESTART_ON_FAILURE, 0, 0, 3);
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_BACKOFF, d.next);
	ASSERT_EQ(0, d.failure);
}

TEST(on_failure_leaves_a_clean_exit_done_and_no_failure)
{
	struct instance_end e = service_end(RESTART_ON_FAILURE, 0, 0, 0);
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_DONE, d.next);
	ASSERT_EQ(0, d.failure);
}

TEST(always_restarts_a_clean_exit)
{
	struct instance_end e = service_end(RESTART_ALWAYS, 0, 5, 0);

	ASSERT_EQ(NEXT_BACKOFF, decide_end(&e).next);
}

TEST(no_restart_policy_ends_and_a_failure_counts)
{
	struct instance_end e = service_end(RESTART_NO, 0, 0, 7);
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_DONE, d.next);
	ASSERT_EQ(7, d.failure);
}

TEST(max_restarts_gives_up_once_reached_with_the_last_status)
{
	struct instance_end e = service_end(RESTART_ON_FAILURE, 3, 2, 3);

	ASSERT_EQ(NEXT_BACKOFF, decide_end(&e).next);
	e.restarts = 3;
	struct end_decision d = decide_end(&e);
	ASSERT_EQ(NEXT_GIVE_UP, d.next);
	ASSERT_EQ(3, d.failure);
}

TEST(giving_up_after_clean_exits_is_a_failure_of_status_1)
{
	struct instance_end e = service_end(RESTART_ALWAYS, 2, 2, 0);
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_GIVE_UP, d.next);
	ASSERT_EQ(1, d.failure);
}

TEST(a_stop_we_asked_for_is_neither_restarted_nor_a_failure)
{
	struct instance_end e = service_end(RESTART_ALWAYS, 0, 0, 143);
	e.stopping = true;
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_DONE, d.next);
	ASSERT_EQ(0, d.failure);
}

TEST(ctl_restart_starts_again_at_once_past_max_restarts)
{
	struct instance_end e = service_end(RESTART_NO, 1, 1, 143);
	e.stopping = true;
	e.restart_now = true;
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_RESTART_NOW, d.next);
	ASSERT_EQ(0, d.failure);
}

TEST(a_health_restart_backs_off_and_counts_against_max_restarts)
{
	struct instance_end e = service_end(RESTART_NO, 2, 1, 143);
	e.stopping = true;
	e.health_restart = true;

	ASSERT_EQ(NEXT_BACKOFF, decide_end(&e).next);
	e.restarts = 2;
	struct end_decision d = decide_end(&e);
	ASSERT_EQ(NEXT_GIVE_UP, d.next);
	ASSERT_EQ(143, d.failure);
	e.poweroff_on_exit = true;
	d = decide_end(&e);
	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(143, d.status);
	e.shutdown = true;
	ASSERT_EQ(NEXT_DONE, decide_end(&e).next);
}

TEST(nothing_restarts_once_shutdown_began_not_even_ctl_restart)
{
	struct instance_end e = service_end(RESTART_ALWAYS, 0, 0, 3);
	e.shutdown = true;
	e.restart_now = true;
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_DONE, d.next);
	ASSERT_EQ(3, d.failure);
}

TEST(onboot_and_onshutdown_containers_are_never_restarted_by_policy)
{
	struct instance_end e = service_end(RESTART_ALWAYS, 0, 0, 3);

	e.phase = PHASE_ONBOOT;
	ASSERT_EQ(NEXT_DONE, decide_end(&e).next);
	ASSERT_EQ(3, decide_end(&e).failure);
	e.phase = PHASE_ONSHUTDOWN;
	ASSERT_EQ(NEXT_DONE, decide_end(&e).next);
}

TEST(back_off_starts_at_100_ms_and_doubles_up_to_10_s)
{
	ASSERT_EQ(100, backoff_delay_ms(0));
	ASSERT_EQ(100, backoff_delay_ms(1));
	ASSERT_EQ(200, backoff_delay_ms(2));
	ASSERT_EQ(400, backoff_delay_ms(3));
	ASSERT_EQ(6400, backoff_delay_ms(7));
	ASSERT_EQ(BACKOFF_MAX_MS, backoff_delay_ms(8));
	ASSERT_EQ(BACKOFF_MAX_MS, backoff_delay_ms(1000));
}

TEST(a_quick_exit_counts_and_a_stable_run_resets_the_back_off)
{
	ASSERT_EQ(1, backoff_quick_exits(0, 5));
	ASSERT_EQ(4, backoff_quick_exits(3, BACKOFF_STABLE_MS - 1));
	ASSERT_EQ(0, backoff_quick_exits(3, BACKOFF_STABLE_MS));
	ASSERT_EQ(100, backoff_delay_ms(backoff_quick_exits(9, BACKOFF_STABLE_MS)));
}

TEST(exit_status_from_reports_the_status_or_that_it_never_started)
{
	ASSERT_EQ(0, exit_status_of(true, 0));
	ASSERT_EQ(3, exit_status_of(true, 3));
	ASSERT_EQ(127, exit_status_of(false, 127));
	ASSERT_EQ(BH_EXIT_SETUP, exit_status_of(false, 0));
}

TEST(phase_names_are_the_ones_ps_shows)
{
	ASSERT_STREQ("onboot", phase_names[PHASE_ONBOOT]);
	ASSERT_STREQ("services", phase_names[PHASE_SERVICES]);
	ASSERT_STREQ("onshutdown", phase_names[PHASE_ONSHUTDOWN]);
}

/* ---- health checks (init/health-decisions.c) ---- */

static const struct health_spec check_3_retries = {
	.probe = HEALTH_PROBE_EXEC, .interval_ms = 1000, .timeout_ms = 1000, .start_period_ms = 5000, .retries = 3,
};

TEST(a_passing_probe_makes_a_service_healthy_and_clears_its_failures)
{
	struct health_verdict v = health_after_probe(&check_3_retries, HEALTH_STATUS_STARTING, 2, true, 100);

	ASSERT_EQ(HEALTH_STATUS_HEALTHY, v.status);
	ASSERT_EQ(0, v.failures);
	ASSERT_TRUE(!v.act);
}

TEST(failures_in_the_start_period_do_not_count_while_it_was_never_healthy)
{
	struct health_verdict v = health_after_probe(&check_3_retries, HEALTH_STATUS_STARTING, 0, false, 4999);

	ASSERT_EQ(HEALTH_STATUS_STARTING, v.status);
	ASSERT_EQ(0, v.failures);
	v = health_after_probe(&check_3_retries, HEALTH_STATUS_STARTING, 0, false, 5000);
	ASSERT_EQ(1, v.failures);
}

TEST(once_healthy_a_failure_counts_even_in_the_start_period)
{
	struct health_verdict v = health_after_probe(&check_3_retries, HEALTH_STATUS_HEALTHY, 0, false, 10);

	ASSERT_EQ(HEALTH_STATUS_HEALTHY, v.status);
	ASSERT_EQ(1, v.failures);
}

TEST(retries_failures_in_a_row_make_it_unhealthy_and_act_once)
{
	struct health_verdict v = health_after_probe(&check_3_retries, HEALTH_STATUS_HEALTHY, 1, false, 60000);

	ASSERT_EQ(HEALTH_STATUS_HEALTHY, v.status);
	ASSERT_TRUE(!v.act);
	v = health_after_probe(&check_3_retries, v.status, v.failures, false, 60000);
	ASSERT_EQ(HEALTH_STATUS_UNHEALTHY, v.status);
	ASSERT_EQ(3, v.failures);
	ASSERT_TRUE(v.act);
	/* Left unhealthy (on_failure: none): no second action, no overflow. */
	v = health_after_probe(&check_3_retries, v.status, v.failures, false, 60000);
	ASSERT_EQ(HEALTH_STATUS_UNHEALTHY, v.status);
	ASSERT_EQ(3, v.failures);
	ASSERT_TRUE(!v.act);
	v = health_after_probe(&check_3_retries, v.status, v.failures, true, 60000);
	ASSERT_EQ(HEALTH_STATUS_HEALTHY, v.status);
}

TEST(one_retry_acts_on_the_first_failure_after_the_start_period)
{
	struct health_spec h = check_3_retries;
	h.retries = 1;
	h.start_period_ms = 0;
	struct health_verdict v = health_after_probe(&h, HEALTH_STATUS_STARTING, 0, false, 0);

	ASSERT_EQ(HEALTH_STATUS_UNHEALTHY, v.status);
	ASSERT_TRUE(v.act);
}

TEST(only_status_0_passes_a_probe_a_timeout_does_not)
{
	ASSERT_TRUE(health_probe_passed(0));
	ASSERT_TRUE(!health_probe_passed(1));
	ASSERT_TRUE(!health_probe_passed(137));
	ASSERT_TRUE(!health_probe_passed(BH_EXIT_SETUP));
}

TEST(a_dependency_waited_for_until_healthy_is_met_only_when_healthy)
{
	ASSERT_TRUE(health_dependency_met(true, false, true, HEALTH_STATUS_NONE));
	ASSERT_TRUE(!health_dependency_met(false, false, false, HEALTH_STATUS_NONE));
	ASSERT_TRUE(!health_dependency_met(true, true, true, HEALTH_STATUS_STARTING));
	ASSERT_TRUE(!health_dependency_met(true, true, true, HEALTH_STATUS_UNHEALTHY));
	ASSERT_TRUE(health_dependency_met(true, true, true, HEALTH_STATUS_HEALTHY));
	ASSERT_TRUE(!health_dependency_met(false, true, true, HEALTH_STATUS_HEALTHY));
}

TEST(a_healthy_said_of_an_instance_that_ended_does_not_meet_service_healthy)
{
	/* Exited, or in back-off: its last check's healthy is stale. */
	ASSERT_TRUE(!health_dependency_met(true, true, false, HEALTH_STATUS_HEALTHY));
	/* service_started only asks that it started once. */
	ASSERT_TRUE(health_dependency_met(true, false, false, HEALTH_STATUS_NONE));
}

#define HTTP_STATUS(text) health_http_status(text, sizeof(text) - 1)

TEST(an_http_status_line_is_read_within_its_bounds)
{
	ASSERT_EQ(200, HTTP_STATUS("HTTP/1.1 200 OK\r\n"));
	ASSERT_EQ(500, HTTP_STATUS("HTTP/1.0 500 Internal Server Error\r\n"));
	ASSERT_EQ(204, HTTP_STATUS("HTTP/1.1 204"));
	ASSERT_EQ(301, HTTP_STATUS("HTTP/1.1 301\r\n"));
	ASSERT_EQ(-1, HTTP_STATUS("HTTP/1.1 20"));
	ASSERT_EQ(-1, HTTP_STATUS("HTTP/1.1 2000 OK"));
	ASSERT_EQ(-1, HTTP_STATUS("HTTP/2 200 OK"));
	ASSERT_EQ(-1, HTTP_STATUS("SSH-2.0-OpenSSH\r\n"));
	ASSERT_EQ(-1, HTTP_STATUS("HTTP/1.1 -12 x"));
	ASSERT_EQ(-1, HTTP_STATUS("HTTP/1.1 099 x"));
	ASSERT_EQ(-1, HTTP_STATUS(""));
	/* The length bounds the read, whatever follows in memory. */
	ASSERT_EQ(-1, health_http_status("HTTP/1.1 200 OK", 11));
	ASSERT_EQ(200, health_http_status("HTTP/1.1 200 OK", 12));
}

TEST(only_2xx_and_3xx_answers_are_healthy)
{
	ASSERT_TRUE(health_http_passed(200));
	ASSERT_TRUE(health_http_passed(302));
	ASSERT_TRUE(health_http_passed(399));
	ASSERT_TRUE(!health_http_passed(199));
	ASSERT_TRUE(!health_http_passed(404));
	ASSERT_TRUE(!health_http_passed(500));
}

TEST(health_names_are_the_ones_ps_shows)
{
	ASSERT_STREQ("-", health_status_names[HEALTH_STATUS_NONE]);
	ASSERT_STREQ("starting", health_status_names[HEALTH_STATUS_STARTING]);
	ASSERT_STREQ("healthy", health_status_names[HEALTH_STATUS_HEALTHY]);
	ASSERT_STREQ("unhealthy", health_status_names[HEALTH_STATUS_UNHEALTHY]);
}

/* on_exit: poweroff: a service of policy RESTART that exited with STATUS. */
static struct instance_end poweroff_end(enum restart_policy restart, unsigned max, unsigned restarts, int status)
{
	struct instance_end e = service_end(restart, max, restarts, status);

	e.poweroff_on_exit = true;
	return e;
}

TEST(on_exit_poweroff_powers_off_with_the_status_once_it_ended)
{
	struct instance_end e = poweroff_end(RESTART_NO, 0, 0, 3);
	struct end_decision d = decide_end(&e);

	ASSERT_EQ(NEXT_DONE, d.next);
	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(3, d.status);
	e.status = 0;
	d = decide_end(&e);
	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(0, d.status);
}

TEST(without_on_exit_poweroff_an_end_powers_nothing_off)
{
	struct instance_end e = service_end(RESTART_NO, 0, 0, 3);

	ASSERT_TRUE(!decide_end(&e).poweroff);
}

TEST(a_service_its_policy_restarts_has_not_ended)
{
	struct instance_end e = poweroff_end(RESTART_ON_FAILURE, 2, 1, 3);

	ASSERT_EQ(NEXT_BACKOFF, decide_end(&e).next);
	ASSERT_TRUE(!decide_end(&e).poweroff);
	e = poweroff_end(RESTART_ALWAYS, 0, 0, 0);
	ASSERT_TRUE(!decide_end(&e).poweroff);
}

TEST(on_failure_powers_off_after_a_clean_exit_and_once_given_up)
{
	struct instance_end e = poweroff_end(RESTART_ON_FAILURE, 2, 0, 0);
	struct end_decision d = decide_end(&e);

	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(0, d.status);
	e = poweroff_end(RESTART_ON_FAILURE, 2, 2, 3);
	d = decide_end(&e);
	ASSERT_EQ(NEXT_GIVE_UP, d.next);
	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(3, d.status);
	/* restart: always given up after clean exits: the failure it counts as. */
	e = poweroff_end(RESTART_ALWAYS, 2, 2, 0);
	d = decide_end(&e);
	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(1, d.status);
}

TEST(ctl_restart_does_not_power_off_and_ctl_stop_does)
{
	struct instance_end e = poweroff_end(RESTART_NO, 0, 0, 143);

	e.stopping = true;
	e.restart_now = true;
	ASSERT_TRUE(!decide_end(&e).poweroff);
	e.restart_now = false;
	struct end_decision d = decide_end(&e);
	ASSERT_TRUE(d.poweroff);
	ASSERT_EQ(143, d.status);
	ASSERT_EQ(0, d.failure);
}

TEST(an_end_once_shutdown_began_powers_nothing_off_again)
{
	struct instance_end e = poweroff_end(RESTART_NO, 0, 0, 143);

	e.stopping = true;
	e.shutdown = true;
	ASSERT_TRUE(!decide_end(&e).poweroff);
}

TEST(an_onboot_container_powers_off_too)
{
	struct instance_end e = poweroff_end(RESTART_NO, 0, 0, 0);

	e.phase = PHASE_ONBOOT;
	ASSERT_TRUE(decide_end(&e).poweroff);
}

TEST(exit_status_from_wins_then_the_poweroff_then_the_first_failure)
{
	ASSERT_EQ(7, appliance_exit_status(7, 3, 5));
	ASSERT_EQ(0, appliance_exit_status(0, 3, 5));
	ASSERT_EQ(3, appliance_exit_status(-1, 3, 5));
	ASSERT_EQ(0, appliance_exit_status(-1, 0, 5));
	ASSERT_EQ(5, appliance_exit_status(-1, -1, 5));
	ASSERT_EQ(0, appliance_exit_status(-1, -1, 0));
}
