/* bulkhead-runtime: the runtime library as an OCI runtime command. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "../runtime.h"

static const char usage[] =
	"usage: bulkhead-runtime [--help] COMMAND [OPTIONS] ID\n"
	"\n"
	"Runs OCI runtime bundles (config.json + rootfs) with namespaces, a dropped\n"
	"capability set, no_new_privs, Landlock path rules and a seccomp filter.\n"
	"\n"
	"commands:\n"
	"  run [--bundle DIR] ID   run the bundle's process in the foreground and exit\n"
	"                          with its exit status (128+N when killed by signal N)\n"
	"\n"
	"options:\n"
	"  -b, --bundle DIR        the bundle directory (default: the current one)\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit statuses of a container that could not be set up:\n"
	"  120 namespace/mount/pivot setup failed, 121 dropping privileges failed,\n"
	"  126 the command cannot be executed, 127 the command was not found.\n"
	"  The runtime itself exits 125 when it cannot start the container.\n";

enum { EXIT_RUNTIME = 125 };

static pid_t container_pid;

static void forward_signal(int sig)
{
	if (container_pid > 0)
		kill(container_pid, sig);
}

static int wait_container(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_RUNTIME;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".";
	struct bh_config *config;
	struct bh_err err = { 0 };
	struct bh_io io = { .stdin_fd = 0, .stdout_fd = -1, .stderr_fd = -1 };
	int opt, status;

	while ((opt = getopt_long(argc, argv, "+b:h", longopts, NULL)) != -1) {
		if (opt == 'b') {
			bundle = optarg;
		} else if (opt == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "bulkhead-runtime run: expected exactly one container ID\n");
		return 2;
	}
	if (bh_config_load(bundle, &config, &err) < 0) {
		fprintf(stderr, "bulkhead-runtime: %s\n", err.msg);
		return EXIT_RUNTIME;
	}
	signal(SIGTERM, forward_signal);
	signal(SIGINT, forward_signal);
	signal(SIGHUP, forward_signal);
	if (bh_container_start(config, &io, &container_pid, &err) < 0) {
		fprintf(stderr, "bulkhead-runtime: %s: %s\n", argv[optind], err.msg);
		bh_config_free(config);
		return EXIT_RUNTIME;
	}
	status = wait_container(container_pid);
	if (bh_container_cleanup(config, &err) < 0)
		fprintf(stderr, "bulkhead-runtime: warning: %s\n", err.msg);
	bh_config_free(config);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	fprintf(stderr, "bulkhead-runtime: unknown command \"%s\" (see --help)\n", argv[1]);
	return 2;
}
