/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill: a signal, by name or number, for a container's process or for
 * every process of its cgroup. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int number;
} signals[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "BUS", SIGBUS },     { "FPE", SIGFPE },
	{ "KILL", SIGKILL },   { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },   { "ALRM", SIGALRM },     { "TERM", SIGTERM },   { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },   { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },   { "URG", SIGURG },       { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },   { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR },     { "SYS", SIGSYS },
};

static int parse_signal(const char *text)
{
	char *end;
	long number = strtol(text, &end, 10);

	if (*text && !*end)
		return number > 0 && number < _NSIG ? (int)number : -1;
	if (strncmp(text, "SIG", 3) == 0)
		text += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcmp(text, signals[i].name) == 0)
			return signals[i].number;
	return -1;
}

/* kill [--all] ID [SIGNAL]: the container's process, or with --all every
 * process of its cgroup (what podman asks for a container sharing the
 * host's pid namespace, whose processes outlive its first one). */
int cmd_kill(int argc, char **argv)
{
	static const struct option longopts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	struct bh_err err = { 0 };
	struct state s;
	bool all = false;
	int sig = SIGTERM, opt;

	while ((opt = getopt_long(argc, argv, "a", longopts, NULL)) != -1) {
		if (opt != 'a')
			return 2;
		all = true;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		fprintf(stderr, "bulkhead-runtime kill: expected [--all] ID [SIGNAL]\n");
		return 2;
	}
	if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0)
		return cli_error("kill: unknown signal \"%s\"", argv[optind + 1]);
	if (load_existing(argv[optind], &s) != 0)
		return EXIT_RUNTIME;
	enum status status = state_status(&s);
	int r = 0;
	if (all && s.cgroups_path[0]) {
		/* Its first process may be gone while others live on: the cgroup
		 * decides, and an empty one is no error, as with runc. */
		int signalled = bh_cgroup_signal(s.cgroups_path, sig, &err);
		if (signalled == -ENOENT && status == STATUS_STOPPED)
			r = cli_error("container \"%s\" is not running", s.id);
		else if (signalled < 0 && signalled != -ENOENT)
			r = cli_error("kill --all %s: %s", s.id, err.msg);
		else if (signalled == -ENOENT && kill(s.pid, sig) < 0)
			r = cli_error_errno(errno, "kill %d", (int)s.pid);
	} else if (status == STATUS_STOPPED) {
		r = cli_error("container \"%s\" is not running", s.id);
	} else if (kill(s.pid, sig) < 0) {
		r = cli_error_errno(errno, "kill %d", (int)s.pid);
	}
	state_free(&s);
	return r;
}
