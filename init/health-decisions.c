/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Health checks' decisions, apart from the probes and the loop (health.c):
 * what a probe's result makes of a container's health, when a dependency
 * waited for is met, and how an HTTP answer is read. Pure (no clock, no
 * process, no log), so that tests/init-decisions.c checks them. */
#include "init.h"

const char *const health_status_names[] = {
	[HEALTH_STATUS_NONE] = "-",
	[HEALTH_STATUS_STARTING] = "starting",
	[HEALTH_STATUS_HEALTHY] = "healthy",
	[HEALTH_STATUS_UNHEALTHY] = "unhealthy",
};

bool health_probe_passed(int status)
{
	return status == 0;
}

struct health_verdict health_after_probe(const struct health_spec *h, enum health_status status, unsigned failures,
					 bool passed, long ran_ms)
{
	if (passed)
		return (struct health_verdict){ .status = HEALTH_STATUS_HEALTHY };
	/* A slow start is not a failure, until the service has once been
	 * healthy (then it started) or the start period is over. */
	if (status == HEALTH_STATUS_STARTING && ran_ms < h->start_period_ms)
		return (struct health_verdict){ .status = status, .failures = failures };
	failures = failures < h->retries ? failures + 1 : failures;
	if (failures < h->retries)
		return (struct health_verdict){ .status = status, .failures = failures };
	/* Acts once, on the way into unhealthy: a service left unhealthy
	 * (on_failure: none) is not acted on again at every probe. */
	return (struct health_verdict){ .status = HEALTH_STATUS_UNHEALTHY,
					.failures = failures,
					.act = status != HEALTH_STATUS_UNHEALTHY };
}

bool health_dependency_met(bool ever_started, bool want_healthy, bool running, enum health_status status)
{
	/* Healthy is said of the instance that runs now: one that ended or
	 * waits to start again is not healthy, whatever its last check said. */
	return ever_started && (!want_healthy || (running && status == HEALTH_STATUS_HEALTHY));
}

int health_http_status(const char *buf, size_t len)
{
	static const char prefix[] = "HTTP/1.";

	/* "HTTP/1.x NNN", then a space or the line's end. */
	if (len < sizeof(prefix) - 1 + 5)
		return -1;
	for (size_t i = 0; i < sizeof(prefix) - 1; i++)
		if (buf[i] != prefix[i])
			return -1;
	size_t at = sizeof(prefix) - 1;
	if (buf[at] < '0' || buf[at] > '9' || buf[at + 1] != ' ')
		return -1;
	at += 2;
	int code = 0;
	for (size_t i = 0; i < 3; i++, at++) {
		if (at >= len || buf[at] < '0' || buf[at] > '9')
			return -1;
		code = code * 10 + (buf[at] - '0');
	}
	if (at < len && buf[at] != ' ' && buf[at] != '\r' && buf[at] != '\n')
		return -1;
	return code >= 100 ? code : -1;
}

bool health_http_passed(int code)
{
	return code >= 200 && code < 400;
}
