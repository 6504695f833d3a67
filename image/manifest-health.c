/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Health checks in the manifest: a service's healthcheck: key (close to
 * compose's test, interval, timeout, retries, start_period, with tcp: and
 * http: probes and on_failure: beside), an OCI image's Healthcheck as its
 * default, and depends_on's long form, whose condition: service_healthy
 * waits for a dependency to be healthy. Every value is checked here, so
 * that appliance.json carries only what the init can act on. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest-yaml.h"

struct health_ctx {
	struct health_check *h;
	const char *probe_key; /* the first of test, tcp, http given */
	bool disable;
};

static void health_defaults(struct health_check *h)
{
	h->interval_ms = HEALTH_INTERVAL_DEFAULT_MS;
	h->timeout_ms = HEALTH_TIMEOUT_DEFAULT_MS;
	h->retries = HEALTH_RETRIES_DEFAULT;
	h->start_period_ms = 0;
	h->on_failure = HEALTH_RESTART;
}

void health_check_free(struct health_check *h)
{
	free_strv(h->command);
	free(h->path);
	h->command = NULL;
	h->path = NULL;
}

/* Only one probe per check: a second one is a mistake, not an addition. */
static int claim_probe(struct mf_parse *p, yaml_node_t *v, struct health_ctx *x, const char *key)
{
	if (x->probe_key)
		return mf_fail(p, v, "healthcheck has both %s and %s; give one probe: test (a command), tcp (a port) or "
				     "http (PORT or PORT/PATH)", x->probe_key, key);
	x->probe_key = key;
	return 0;
}

/* /bin/sh -c TEXT, as command: takes a string. */
static char **shell_command(const char *text)
{
	char **argv = calloc(4, sizeof(char *));

	if (argv && (argv[0] = strdup("/bin/sh")) && (argv[1] = strdup("-c")) && (argv[2] = strdup(text)))
		return argv;
	free_strv(argv);
	return NULL;
}

/* test: a string (a shell command line), or a list: compose's ["CMD", ...],
 * ["CMD-SHELL", "..."] or ["NONE"], or a plain argv as command: takes. */
static int h_test(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct health_ctx *x = t;
	const char *s = mf_scalar(v);
	char **list = NULL;

	if (claim_probe(p, v, x, "test") < 0)
		return -1;
	x->h->probe = HEALTH_PROBE_EXEC;
	if (s) {
		if (!*s)
			return mf_fail(p, v, "healthcheck test must not be empty; give a command such as \"test -e /tmp/ok\"");
		return (x->h->command = shell_command(s)) ? 0 : mf_fail(p, v, "out of memory");
	}
	if (mf_read_strv(p, v, "healthcheck test", &list) < 0)
		return -1;
	size_t n = 0;
	while (list[n])
		n++;
	if (strcmp(list[0], "NONE") == 0 && n == 1) {
		free_strv(list);
		x->disable = true;
		return 0;
	}
	if (strcmp(list[0], "CMD-SHELL") == 0) {
		if (n != 2 || !*list[1]) {
			free_strv(list);
			return mf_fail(p, v, "healthcheck test [\"CMD-SHELL\", ...] takes one command line, as in "
					     "[\"CMD-SHELL\", \"test -e /tmp/ok\"]");
		}
		x->h->command = shell_command(list[1]);
		free_strv(list);
		return x->h->command ? 0 : mf_fail(p, v, "out of memory");
	}
	if (strcmp(list[0], "CMD") == 0) {
		free(list[0]);
		memmove(list, list + 1, n * sizeof(char *));
		if (!list[0]) {
			free_strv(list);
			return mf_fail(p, v, "healthcheck test [\"CMD\"] names no command; as in [\"CMD\", \"cat\", \"/tmp/ok\"]");
		}
	}
	x->h->command = list;
	return 0;
}

/* A port number alone: "8080". *END is what follows it. */
static bool read_port(const char *s, unsigned *port, const char **end)
{
	uint64_t n;

	if (!s || !mf_parse_u64(s, &n, end) || n < 1 || n > 65535)
		return false;
	*port = (unsigned)n;
	return true;
}

static int h_tcp(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct health_ctx *x = t;
	const char *end = NULL;

	if (claim_probe(p, v, x, "tcp") < 0)
		return -1;
	x->h->probe = HEALTH_PROBE_TCP;
	if (!read_port(mf_scalar(v), &x->h->port, &end) || *end)
		return mf_fail(p, v, "healthcheck tcp must be a port from 1 to 65535 of the container's, as in tcp: 5432");
	return 0;
}

/* http: PORT or PORT/PATH: a GET of http://127.0.0.1:PORT/PATH in the
 * container's network namespace. The path goes into a request line as it
 * is: printable, no space. */
static int h_http(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct health_ctx *x = t;
	const char *end = NULL;

	if (claim_probe(p, v, x, "http") < 0)
		return -1;
	x->h->probe = HEALTH_PROBE_HTTP;
	bool ok = read_port(mf_scalar(v), &x->h->port, &end) && (!*end || *end == '/') && strlen(end) <= HEALTH_PATH_MAX;
	for (const char *c = end; ok && *c; c++)
		ok = *c > ' ' && *c < 0x7f;
	if (!ok)
		return mf_fail(p, v, "healthcheck http must be PORT or PORT/PATH (a port from 1 to 65535, a path of at "
				     "most %d printable characters without spaces), as in http: 8080/healthz", HEALTH_PATH_MAX);
	return (x->h->path = strdup(*end ? end : "/")) ? 0 : mf_fail(p, v, "out of memory");
}

static int h_duration(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t min, uint64_t *out)
{
	if (mf_read_duration(p, v, key, out) < 0)
		return -1;
	if (*out < min)
		return mf_fail(p, v, "%s must be at least %llums", key, (unsigned long long)min);
	return 0;
}

static int h_interval(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return h_duration(p, v, "healthcheck interval", HEALTH_MIN_MS, &((struct health_ctx *)t)->h->interval_ms);
}

static int h_timeout(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return h_duration(p, v, "healthcheck timeout", HEALTH_MIN_MS, &((struct health_ctx *)t)->h->timeout_ms);
}

static int h_start_period(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return h_duration(p, v, "healthcheck start_period", 0, &((struct health_ctx *)t)->h->start_period_ms);
}

static int h_retries(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_count(p, v, "healthcheck retries", 1, HEALTH_RETRIES_MAX, &((struct health_ctx *)t)->h->retries);
}

static int h_on_failure(struct mf_parse *p, yaml_node_t *v, void *t)
{
	const char *s = mf_scalar(v);

	for (size_t i = 0; s && i < HEALTH_ACTIONS; i++)
		if (strcmp(s, health_action_names[i]) == 0) {
			((struct health_ctx *)t)->h->on_failure = (enum health_action)i;
			return 0;
		}
	const char *hint = s ? mf_suggest(s, health_action_names, HEALTH_ACTIONS) : NULL;
	return mf_fail(p, v, "healthcheck on_failure must be restart, stop, poweroff or none%s%s%s", hint ? "; did you mean \"" : "",
		       hint ? hint : "", hint ? "\"?" : "");
}

static int h_disable(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_bool(p, v, "healthcheck disable", &((struct health_ctx *)t)->disable);
}

static const struct mf_key_handler health_keys[] = {
	{ "test", h_test },		{ "tcp", h_tcp },	  { "http", h_http },
	{ "interval", h_interval },	{ "timeout", h_timeout }, { "start_period", h_start_period },
	{ "retries", h_retries },	{ "on_failure", h_on_failure }, { "disable", h_disable },
};

int mf_container_healthcheck(struct mf_parse *p, yaml_node_t *v, void *target)
{
	struct container *c = target;
	struct health_ctx x = { .h = &c->health };
	const char *s = mf_scalar(v);
	const char *seen[ARRAY_SIZE(health_keys)];

	c->health.line = v->start_mark.line;
	c->health.column = v->start_mark.column;
	health_defaults(&c->health);
	if (s && strcmp(s, "none") == 0) {
		c->health.given = HEALTH_DISABLED;
		return 0;
	}
	if (v->type != YAML_MAPPING_NODE)
		return mf_fail(p, v, "healthcheck must be none or a mapping with test (a command), tcp (a port) or http "
				     "(PORT or PORT/PATH)");
	if (mf_walk_mapping(p, v, "healthcheck", health_keys, ARRAY_SIZE(health_keys), &x, seen, ARRAY_SIZE(seen)) < 0)
		return -1;
	if (x.disable) {
		if (x.probe_key && !c->health.command && c->health.probe == HEALTH_PROBE_EXEC && strcmp(x.probe_key, "test") == 0)
			x.probe_key = NULL; /* test: ["NONE"] */
		if (x.probe_key)
			return mf_fail(p, v, "healthcheck disables the check and gives %s too; keep one", x.probe_key);
		health_check_free(&c->health);
		c->health.given = HEALTH_DISABLED;
		return 0;
	}
	if (!x.probe_key)
		return mf_fail(p, v, "healthcheck needs a probe: test (a command), tcp (a port) or http (PORT or PORT/PATH); "
				     "or say healthcheck: none");
	c->health.given = HEALTH_GIVEN;
	return 0;
}

/* ---- the image's Healthcheck ---- */

/* Nanoseconds (0: Docker's default) into milliseconds. Their bounds are
 * checked only when the check is adopted (mf_health_from_image): a
 * Healthcheck the manifest turns off, or an onboot container's, is no
 * reason to fail the build. */
static int image_duration(json_t *hc, const char *key, uint64_t *out, struct diag *d)
{
	json_t *v = json_object_get(hc, key);

	if (!v || json_is_null(v) || (json_is_integer(v) && json_integer_value(v) == 0))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return diag_fail(d, "the image config's Healthcheck.%s is not a duration in nanoseconds", key);
	*out = (uint64_t)json_integer_value(v) / 1000000;
	return 0;
}

static int image_health(json_t *hc, struct health_check **out, struct diag *d)
{
	json_t *test = json_object_get(hc, "Test"), *item;
	size_t n = json_array_size(test), i;

	*out = NULL;
	if (!hc || json_is_null(hc) || !n) /* none, or {} : inherit nothing */
		return 0;
	json_array_foreach(test, i, item)
		if (!json_is_string(item))
			return diag_fail(d, "the image config's Healthcheck.Test is not a list of strings");
	struct health_check *h = calloc(1, sizeof(*h));
	if (!h)
		return diag_fail(d, "out of memory");
	*out = h;
	health_defaults(h);
	h->given = HEALTH_GIVEN;
	h->probe = HEALTH_PROBE_EXEC;
	const char *kind = json_string_value(json_array_get(test, 0));
	if (strcmp(kind, "NONE") == 0) {
		h->given = HEALTH_DISABLED;
		return 0;
	}
	if (strcmp(kind, "CMD-SHELL") == 0 && n == 2)
		h->command = shell_command(json_string_value(json_array_get(test, 1)));
	else if (strcmp(kind, "CMD") == 0 && n >= 2) {
		if ((h->command = calloc(n, sizeof(char *))))
			for (i = 1; i < n; i++)
				if (!(h->command[i - 1] = strdup(json_string_value(json_array_get(test, i)))))
					return diag_fail(d, "out of memory");
	} else
		return diag_fail(d, "the image config's Healthcheck.Test is not [\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"]");
	if (!h->command)
		return diag_fail(d, "out of memory");
	json_t *retries = json_object_get(hc, "Retries");
	if (json_is_integer(retries) && json_integer_value(retries) > 0)
		h->retries = json_integer_value(retries) > HEALTH_RETRIES_MAX ? HEALTH_RETRIES_MAX
									     : (uint64_t)json_integer_value(retries);
	if (image_duration(hc, "Interval", &h->interval_ms, d) < 0 ||
	    image_duration(hc, "Timeout", &h->timeout_ms, d) < 0 ||
	    image_duration(hc, "StartPeriod", &h->start_period_ms, d) < 0)
		return -1;
	return 0;
}

int health_from_image_json(json_t *hc, struct health_check **out, struct diag *d)
{
	int r = image_health(hc, out, d);

	/* A config that fails the build leaves nothing behind. */
	if (r < 0 && *out) {
		health_check_free(*out);
		free(*out);
		*out = NULL;
	}
	return r;
}

/* An adopted image check's durations within the manifest's bounds; the
 * first that is not, or NULL. */
static const char *image_duration_out_of_range(const struct health_check *h, uint64_t *ms, uint64_t *min)
{
	const struct {
		const char *key;
		uint64_t ms, min;
	} durations[] = {
		{ "Interval", h->interval_ms, HEALTH_MIN_MS },
		{ "Timeout", h->timeout_ms, HEALTH_MIN_MS },
		{ "StartPeriod", h->start_period_ms, 0 },
	};

	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
		if (durations[i].ms < durations[i].min || durations[i].ms > HEALTH_MAX_MS) {
			*ms = durations[i].ms;
			*min = durations[i].min;
			return durations[i].key;
		}
	return NULL;
}

int mf_health_from_image(struct mf_parse *p, yaml_node_t *item, struct container *c)
{
	struct health_check *image = c->image_config ? c->image_config->health : NULL;
	const char *bad = NULL;
	uint64_t ms = 0, min = 0;

	if (!image)
		return 0;
	c->image_config->health = NULL;
	/* The manifest's own healthcheck (or none) wins; on_failure keeps its default. */
	bool adopted = c->health.given == HEALTH_UNSET && strcmp(c->phase, "services") == 0;
	if (adopted && image->given == HEALTH_GIVEN)
		bad = image_duration_out_of_range(image, &ms, &min);
	if (adopted && !bad) {
		c->health = *image;
		c->health.line = item->start_mark.line;
		c->health.column = item->start_mark.column;
	} else
		health_check_free(image);
	free(image);
	if (bad)
		return mf_fail(p, item, "service \"%s\": its image's Healthcheck.%s (%llu ms) is not from %llu ms to an hour; "
				       "give healthcheck: in the manifest instead, or healthcheck: none",
			       c->name, bad, (unsigned long long)ms, (unsigned long long)min);
	return 0;
}

/* ---- depends_on: a list of names, or compose's long form ---- */

static int add_name(char ***list, const char *name)
{
	size_t n = 0;

	while (*list && (*list)[n])
		n++;
	char **grown = realloc(*list, (n + 2) * sizeof(char *));
	if (!grown)
		return -1;
	*list = grown;
	grown[n + 1] = NULL;
	return (grown[n] = strdup(name)) ? 0 : -1;
}

int mf_container_depends_on(struct mf_parse *p, yaml_node_t *v, void *target)
{
	struct container *c = target;

	c->depends_line = v->start_mark.line;
	c->depends_column = v->start_mark.column;
	if (v->type != YAML_MAPPING_NODE)
		return mf_read_strv(p, v, "depends_on", &c->depends_on);
	if (v->data.mapping.pairs.start == v->data.mapping.pairs.top)
		return mf_fail(p, v, "depends_on must not be an empty mapping");
	for (yaml_node_pair_t *pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(&p->doc, pair->value);
		const char *name = mf_scalar(key), *condition = NULL;

		if (!name || !*name)
			return mf_fail(p, key, "a key of depends_on must be a service's name");
		for (char **d = c->depends_on; d && *d; d++)
			if (strcmp(*d, name) == 0)
				return mf_fail(p, key, "depends_on names \"%s\" twice", name);
		if (value->type == YAML_MAPPING_NODE && value->data.mapping.pairs.top - value->data.mapping.pairs.start == 1 &&
		    strcmp(mf_scalar(yaml_document_get_node(&p->doc, value->data.mapping.pairs.start->key)) ?: "",
			   "condition") == 0)
			condition = mf_scalar(yaml_document_get_node(&p->doc, value->data.mapping.pairs.start->value));
		else
			return mf_fail(p, value, "depends_on %s must be {condition: service_started} or "
						 "{condition: service_healthy}", name);
		bool healthy = condition && strcmp(condition, "service_healthy") == 0;
		if (!healthy && !(condition && strcmp(condition, "service_started") == 0))
			return mf_fail(p, value, "depends_on %s: condition must be service_started or service_healthy%s", name,
				       condition && strcmp(condition, "service_completed_successfully") == 0
					       ? " (a service that must complete first is an onboot container)"
					       : "");
		if (add_name(&c->depends_on, name) < 0 || (healthy && add_name(&c->depends_healthy, name) < 0))
			return mf_fail(p, key, "out of memory");
	}
	return 0;
}

/* Once every service is read: a service waited for until healthy has a
 * check, or it would never be. */
int mf_resolve_health(struct mf_parse *p, struct manifest *m)
{
	for (size_t i = 0; i < m->n_services; i++) {
		const struct container *c = &m->services[i];
		yaml_node_t at = { .start_mark = { .line = c->health.line, .column = c->health.column } };
		/* tcp and http are probed from the init's side. Without a
		 * network the container has only its own loopback, which is
		 * not the init's: a command check, run inside, reaches it. */
		if (c->health.given == HEALTH_GIVEN && c->health.probe != HEALTH_PROBE_EXEC && !c->n_links && !c->host_network)
			return mf_fail(p, &at, "service \"%s\": a %s healthcheck needs the container on a network (networks:) or "
					       "network: host: the init probes it from outside, and without one the container has only a "
					       "loopback of its own; use test: instead (it runs inside, where 127.0.0.1 is the container's)",
				       c->name, health_probe_names[c->health.probe]);
	}
	for (size_t i = 0; i < m->n_services; i++)
		for (char **d = m->services[i].depends_healthy; d && *d; d++)
			for (size_t j = 0; j < m->n_services; j++) {
				if (strcmp(m->services[j].name, *d) != 0 || m->services[j].health.given == HEALTH_GIVEN)
					continue;
				yaml_node_t at = { .start_mark = { .line = m->services[i].depends_line,
								    .column = m->services[i].depends_column } };
				return mf_fail(p, &at, "service \"%s\" waits for \"%s\" to be healthy, but \"%s\" has no "
						       "healthcheck (nor does its image); give it one, or use condition: service_started",
					       m->services[i].name, *d, *d);
			}
	return 0;
}

