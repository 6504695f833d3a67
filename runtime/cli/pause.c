/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pause and resume: the container's cgroup frozen and thawed (cgroup v2's
 * cgroup.freeze); state says paused meanwhile. */
#include <stdio.h>

#include "cli.h"

static int freeze(int argc, char **argv, const char *command, bool frozen)
{
	struct bh_err err = { 0 };
	struct state s;
	const char *id = single_id(argc, argv, command);

	if (!id)
		return 2;
	if (load_existing(id, &s) != 0)
		return EXIT_RUNTIME;
	enum status status = state_status(&s);
	int r = 0;
	if (frozen && status != STATUS_RUNNING)
		r = cli_error("container \"%s\" is %s; only a running container can be paused", s.id, status_name(status));
	else if (!frozen && status != STATUS_PAUSED)
		r = cli_error("container \"%s\" is %s; only a paused container can be resumed", s.id, status_name(status));
	else if (bh_cgroup_freeze(s.cgroups_path[0] ? s.cgroups_path : NULL, frozen, &err) < 0)
		r = cli_error("%s %s: %s", command, s.id, err.msg);
	state_free(&s);
	return r;
}

int cmd_pause(int argc, char **argv)
{
	return freeze(argc, argv, "pause", true);
}

int cmd_resume(int argc, char **argv)
{
	return freeze(argc, argv, "resume", false);
}
