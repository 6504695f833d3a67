/* SPDX-License-Identifier: GPL-2.0-or-later */
/* networks-driver: the init's container networks (init/networks.c with
 * netlink.c and nft.c) run on their own, as tests/init-networks.t needs
 * them in a network namespace of its making: the init makes them only as
 * the machine's PID 1.
 *
 *   networks-driver APPLIANCE_JSON RULES
 *       In a mount namespace of its own with a fresh /run, reads
 *       APPLIANCE_JSON with the init's reader, makes the networks as the
 *       init does with the rule set RULES, prints "ready N" (the containers
 *       whose networks are ready), then waits for SIGTERM or SIGINT. Each
 *       container's network namespace is then /run/bulkhead/netns/NAME in
 *       the driver's mount namespace (nsenter -t PID -m). Logs go to stderr
 *       as the init's. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../../init/init.h"

int main(int argc, char **argv)
{
	struct appliance a;
	struct bh_err err = { 0 };
	sigset_t set;
	int sig;

	if (argc != 3) {
		fprintf(stderr, "usage: networks-driver APPLIANCE_JSON RULES\n");
		return 2;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0) {
		perror("networks-driver: a mount namespace with its own /run");
		return 1;
	}
	if (appliance_load(argv[1], &a, &err) < 0) {
		fprintf(stderr, "networks-driver: %s\n", err.msg);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready %d\n", networks_start(&a, argv[2]));
	fflush(stdout);
	sigwait(&set, &sig);
	appliance_free(&a);
	return 0;
}
