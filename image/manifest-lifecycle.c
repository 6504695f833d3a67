/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's lifecycle keys: init: (a reaper and signal forwarder as its
 * PID 1, init/reaper.c) and on_exit: (what its end for good does to the
 * appliance). Decided here; bundle.c and appliance.c write them. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "manifest-yaml.h"

int mf_container_init(struct mf_parse *p, yaml_node_t *v, void *target)
{
	return mf_read_bool(p, v, "init", &((struct container *)target)->init);
}

int mf_container_on_exit(struct mf_parse *p, yaml_node_t *v, void *target)
{
	struct container *c = target;
	const char *s = mf_scalar(v);

	for (size_t i = 0; s && i < ON_EXIT_ACTIONS; i++)
		if (strcmp(s, on_exit_names[i]) == 0)
			c->on_exit = (enum on_exit_action)i;
	if (!s || strcmp(s, on_exit_names[c->on_exit]) != 0) {
		const char *hint = s ? mf_suggest(s, on_exit_names, ON_EXIT_ACTIONS) : NULL;
		if (hint)
			return mf_fail(p, v, "on_exit \"%s\" is not an action; did you mean \"%s\"?", s, hint);
		return mf_fail(p, v, "on_exit must be none or poweroff (power the appliance off with this container's "
				     "status once it has ended for good)");
	}
	/* Its key is read with the container's phase already known. */
	if (c->on_exit == ON_EXIT_POWEROFF && strcmp(c->phase, AJ_ONSHUTDOWN) == 0)
		return mf_fail(p, v, "on_exit: poweroff is for onboot containers and services; an onshutdown container "
				     "runs while the appliance is powering off already");
	return 0;
}

int mf_check_lifecycle(struct mf_parse *p, yaml_node_t *item, const struct container *c)
{
	/* The runtime would bind the init over the device node, or the node
	 * over the init: either way one of them would not be what it says. */
	for (size_t i = 0; c->init && i < c->n_devices; i++)
		if (c->devices[i].path && strcmp(c->devices[i].path, CONTAINER_INIT_PATH) == 0)
			return mf_fail(p, item,
				       "container \"%s\": init: true puts the init at " CONTAINER_INIT_PATH
				       ", where devices: makes a node too; give the device another path",
				       c->name);
	return 0;
}

static bool action_allows(json_t *action)
{
	const char *a = json_string_value(action);

	return a && (strcmp(a, "SCMP_ACT_ALLOW") == 0 || strcmp(a, "SCMP_ACT_LOG") == 0);
}

/* Whether linux.seccomp SECCOMP lets NAME through, whatever its arguments
 * might be: an entry that names it without conditions and another action
 * refuses it; else an entry that allows it, or the default, lets it. */
static bool seccomp_allows(json_t *seccomp, const char *name)
{
	json_t *entry, *item;
	size_t i, k;
	bool allowed = action_allows(json_object_get(seccomp, "defaultAction"));

	json_array_foreach(json_object_get(seccomp, "syscalls"), i, entry) {
		bool named = false;
		json_array_foreach(json_object_get(entry, "names"), k, item)
			named |= json_is_string(item) && strcmp(json_string_value(item), name) == 0;
		if (!named)
			continue;
		if (action_allows(json_object_get(entry, "action")))
			allowed = true;
		else if (!json_array_size(json_object_get(entry, "args")))
			return false;
	}
	return allowed;
}

int lifecycle_check_seccomp(const char *manifest, const struct container *c, const char *config_json, struct diag *d)
{
	json_t *config, *seccomp;

	/* Numbers as reals: an unlimited rlimit is the spec's uint64
	 * 18446744073709551615, beyond jansson's integers. */
	if (!c->init || !(config = json_loads(config_json, JSON_DECODE_INT_AS_REAL, NULL)))
		return 0; /* the runtime's parser has read it already: it parses */
	seccomp = json_object_get(json_object_get(config, "linux"), "seccomp");
	for (size_t i = 0; seccomp && i < ARRAY_SIZE(container_init_syscalls); i++) {
		char all[256] = "";
		if (seccomp_allows(seccomp, container_init_syscalls[i]))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(container_init_syscalls); k++)
			snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", k ? ", " : "",
				 container_init_syscalls[k]);
		size_t line = (c->seccomp_profile ? c->seccomp_line : c->name_line) + 1;
		size_t column = (c->seccomp_profile ? c->seccomp_column : c->name_column) + 1;
		json_decref(config);
		return diag_fail(d,
				 "%s:%zu:%zu: container %s: init: true needs %s, which its seccomp profile refuses: the "
				 "init's reaper calls %s; allow them, or drop init: true",
				 manifest, line, column, c->name, container_init_syscalls[i], all);
	}
	json_decref(config);
	return 0;
}
