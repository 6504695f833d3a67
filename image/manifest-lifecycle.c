/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's lifecycle keys: init: (a reaper and signal forwarder as its
 * PID 1, init/reaper.c) and on_exit: (what its end for good does to the
 * appliance). Decided here; bundle.c and appliance.c write them. */
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
