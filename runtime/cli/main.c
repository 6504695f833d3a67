/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-runtime: OCI's runtime command line over the runtime library. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct globals globals = { .root = "/run/bulkhead" };

static const char usage[] =
	"usage: bulkhead-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
	"\n"
	"Runs OCI runtime bundles (config.json + rootfs) with namespaces, a dropped\n"
	"capability set, no_new_privs, Landlock path rules and a seccomp filter.\n"
	"\n"
	"commands:\n"
	"  create [-b DIR] [--pid-file F] [--console-socket S] ID\n"
	"                                     set the container up; its process waits for start;\n"
	"                                     with process.terminal, a pty's master goes to the\n"
	"                                     unix socket S (SCM_RIGHTS), as podman's conmon takes it\n"
	"  start ID                           let a created container's process exec\n"
	"  state ID                           print its OCI state (created, running, paused,\n"
	"                                     stopped)\n"
	"  kill [-a] ID [SIGNAL]              send SIGNAL (name or number, default TERM) to its\n"
	"                                     process; -a, --all: to every process of its cgroup\n"
	"  delete [--force] ID                remove a stopped or created container (--force: a\n"
	"                                     running or paused one too, killing it; and no error\n"
	"                                     when there is no such container)\n"
	"  run [-b DIR] [--pid-file F] [--console-socket S] [-d] ID\n"
	"                                     create, start and wait; exit with its status\n"
	"                                     (128+N when killed by signal N); -d: do not wait\n"
	"  exec [OPTIONS] ID [COMMAND ARGS...]  run another process in a running container:\n"
	"                                     in all its namespaces and its cgroup, with its\n"
	"                                     capabilities, no_new_privs, Landlock and seccomp;\n"
	"                                     waits and exits with its status (127: not found)\n"
	"      -p, --process FILE             the whole OCI process object (JSON) instead of\n"
	"                                     config.json's process and the options below\n"
	"      --cwd DIR, -e, --env K=V, -u, --user UID[:GID] (no additional groups),\n"
	"      -c, --cap CAP, --no-new-privs  changes to config.json's process\n"
	"      -d, --detach                   return once the command exec'd\n"
	"      --pid-file F                   write its pid (the caller's pid namespace)\n"
	"      --apparmor PROFILE             the AppArmor profile it execs into (refused\n"
	"                                     where AppArmor is off), as apparmorProfile\n"
	"      --process-label LABEL          accepted and ignored: no SELinux label is set\n"
	"      -t, --tty, --console-socket S  a terminal: a pty of the container's devpts is\n"
	"                                     its stdio, the master sent to socket S\n"
	"  pause ID, resume ID                freeze and thaw every process of its cgroup\n"
	"                                     (state says paused meanwhile)\n"
	"  update -r FILE ID                  apply FILE, linux.resources as JSON (- for stdin):\n"
	"                                     memory, cpu, pids, blockIO, unified; other fields\n"
	"                                     are refused by name\n"
	"  ps [-f table|json] ID              the pids of its cgroup (json: an array of pids)\n"
	"  list [-f table|json] [-q]          every container: id, pid, status, bundle, created\n"
	"  spec [-b DIR]                      write a secure default config.json into DIR\n"
	"  features                           print what this runtime supports, as JSON\n"
	"\n"
	"global options:\n"
	"  --root DIR          state directory (default /run/bulkhead)\n"
	"  --log FILE          also append errors to FILE\n"
	"  --log-format FMT    text (default) or json\n"
	"  --systemd-cgroup    accepted, as podman passes it with systemd's cgroup manager;\n"
	"                      a cgroupsPath SLICE:PREFIX:NAME, with or without it, is made\n"
	"                      where systemd would put the unit (a-b.slice:p:n is\n"
	"                      /a.slice/a-b.slice/p-n.scope; an empty slice is system.slice)\n"
	"                      by the runtime itself, which asks no systemd\n"
	"  --cgroup-manager M, --rootless V, --debug\n"
	"                      accepted for crun's and runc's callers; they change nothing\n"
	"  -v, --version       print the runtime's version and the spec's\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit statuses of a container that could not be set up:\n"
	"  120 namespace/mount/pivot setup failed, 121 dropping privileges failed,\n"
	"  126 the command cannot be executed, 127 the command was not found.\n"
	"  The runtime itself exits 125 when it fails, 2 on a usage error.\n";

int cli_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "bulkhead-runtime: %s\n", msg);
	if (globals.log_path) {
		FILE *log = fopen(globals.log_path, "ae");
		char when[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		if (log && globals.log_json) {
			fprintf(log, "{\"level\":\"error\",\"msg\":\"");
			for (const char *p = msg; *p; p++) {
				if (*p == '"' || *p == '\\')
					fprintf(log, "\\%c", *p);
				else if ((unsigned char)*p < 0x20)
					fprintf(log, "\\u%04x", *p);
				else
					fputc(*p, log);
			}
			fprintf(log, "\",\"time\":\"%s\"}\n", when);
		} else if (log) {
			fprintf(log, "%s error: %s\n", when, msg);
		}
		if (log)
			fclose(log);
	}
	return EXIT_RUNTIME;
}

int cli_error_errno(int errnum, const char *fmt, ...)
{
	char what[1024]; /* as long as cli_error's message: it truncates the same */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *reason = strerror(errnum);
	return cli_error("%s: %s", what, reason);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	/* Clones a container process, which must not run this program from
	 * its installed file (self-exe.c): SEALS_ITSELF, the container
	 * process makes its own read-only view of it in its mount namespace,
	 * where it can point at one in place; else this process runs from one
	 * first (sealed.c), and its clone inherits it. */
	bool makes_processes, seals_itself;
} commands[] = {
	{ "create", cmd_create, true, true },     { "start", cmd_start, false, false },
	{ "state", cmd_state, false, false },     { "kill", cmd_kill, false, false },
	{ "delete", cmd_delete, false, false },   { "run", cmd_run, true, true },
	{ "pause", cmd_pause, false, false },     { "resume", cmd_resume, false, false },
	{ "update", cmd_update, false, false },   { "ps", cmd_ps, false, false },
	{ "list", cmd_list, false, false },       { "spec", cmd_spec, false, false },
	{ "features", cmd_features, false, false }, { "exec", cmd_exec, true, false },
};

/* jansson seeds its hash tables on its first object from /dev/urandom: an
 * open, a read and a close on every call. One getrandom instead; where it
 * has nothing to give (a kernel before 3.17), jansson's own way. */
static void seed_json(void)
{
	uint32_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed)
		json_object_seed(seed);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },       { "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		/* What podman (through conmon), docker and containerd pass to crun
		 * and runc. The cgroup is decided by cgroupsPath's own form, and the
		 * runtime talks to no systemd: they change nothing here. */
		{ "systemd-cgroup", no_argument, NULL, 's' },   { "cgroup-manager", required_argument, NULL, 'm' },
		{ "rootless", required_argument, NULL, 'R' },   { "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	/* "+": stop at the command; its own options follow it. */
	while ((opt = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': globals.root = optarg; break;
		case 'l': globals.log_path = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
				fprintf(stderr, "bulkhead-runtime: --log-format takes text or json\n");
				return 2;
			}
			globals.log_json = strcmp(optarg, "json") == 0;
			break;
		case 's': case 'd': break;
		case 'm':
			if (strcmp(optarg, "cgroupfs") != 0 && strcmp(optarg, "systemd") != 0 && strcmp(optarg, "disabled") != 0) {
				fprintf(stderr, "bulkhead-runtime: --cgroup-manager takes cgroupfs, systemd or disabled\n");
				return 2;
			}
			break;
		case 'R':
			if (strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0 && strcmp(optarg, "auto") != 0) {
				fprintf(stderr, "bulkhead-runtime: --rootless takes true, false or auto\n");
				return 2;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		/* The lines crun and runc print, which podman info shows. */
		case 'v': printf("bulkhead-runtime version %s\nspec: %s\n", BH_VERSION, BH_OCI_VERSION); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[optind], commands[i].name) == 0) {
			globals.container_seals = commands[i].seals_itself && bh_exe_in_place_possible();
			if (commands[i].makes_processes && !globals.container_seals && run_from_sealed_copy(argv) != 0)
				return EXIT_RUNTIME;
			seed_json();
			char **sub = argv + optind;
			int subc = argc - optind;
			optind = 1; /* each command parses its own options from here */
			return commands[i].run(subc, sub);
		}
	fprintf(stderr, "bulkhead-runtime: unknown command \"%s\" (see --help)\n", argv[optind]);
	return 2;
}
