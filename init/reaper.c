/* SPDX-License-Identifier: GPL-2.0-or-later */
/* init: true: the init binary as a container's PID 1, a reaper and signal
 * forwarder in front of the container's command.
 *
 * Why: the kernel drops a signal whose action is the default one when it is
 * sent to the PID 1 of a pid namespace (from outside it too, SIGKILL
 * aside), so a program that never installs a SIGTERM handler (a Python
 * service, busybox's sleep or httpd) ignores the supervisor's stop as the
 * container's PID 1 and is only killed when its grace period runs out; and
 * a PID 1 that never waits for its orphans fills the pid table with
 * zombies. Here the command runs as PID 2, where SIGTERM's default action
 * applies, and this process reaps every child.
 *
 * How: the builder binds the appliance's static init read-only at
 * CONTAINER_INIT_PATH and makes process.args CONTAINER_INIT_PATH
 * CONTAINER_INIT_MODE -- COMMAND... (contract.h); main() dispatches on that
 * argument. It runs under the container's whole sandbox (no capabilities,
 * no_new_privs, Landlock, seccomp): what it calls (the list the builder
 * checks a container's own seccomp profile against, in
 * image/manifest-lifecycle.c) the default profile allows.
 *
 * The command gets a process group of its own, so that its own kill(0, ...)
 * to its job (a shell script cleaning up) reaches its processes and not this
 * one; on a terminal (bulkhead-runtime run of such a bundle) that group is
 * made the foreground one, so that the command may read it and a ctrl-c
 * reaches it once, from the terminal, not a second time through us. A
 * forwarded signal goes to the command alone, as the supervisor's would
 * without init: true (a shell forwards or not, as it would as PID 1).
 * When the command ends this process ends with its status (128+N when a
 * signal N killed it), and the kernel kills what is left of the namespace:
 * the container ended as it would have without init: true. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

/* What a stop, a terminal or an operator sends; SIGKILL and SIGSTOP cannot
 * be caught, and SIGCHLD is ours. */
static const int forwarded_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

bool container_init_mode(int argc, char **argv)
{
	/* argv[0] too: the kernel gives the machine's PID 1 "/init", which no
	 * command line can change, so the real boot is never taken for it. */
	return argc >= 4 && strcmp(argv[0], CONTAINER_INIT_PATH) == 0 && strcmp(argv[1], CONTAINER_INIT_MODE) == 0 &&
	       strcmp(argv[2], "--") == 0;
}

/* In the child: its own process group, the signal mask the container was
 * started with, then the command (looked up in PATH, as the runtime would). */
static _Noreturn void run_command(char **command, const sigset_t *start_mask)
{
	sigset_t ttou;

	setpgid(0, 0);
	/* A background group's tcsetpgrp stops it with SIGTTOU unless blocked. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, NULL);
	if (isatty(STDIN_FILENO))
		tcsetpgrp(STDIN_FILENO, getpid());
	sigprocmask(SIG_SETMASK, start_mask, NULL);
	execvp(command[0], command);
	int e = errno;
	fprintf(stderr, "bulkhead-init: cannot run %s: %s\n", command[0], strerror(e));
	/* The shell's statuses, as the runtime reports a command it cannot run. */
	_exit(e == ENOENT ? BH_EXIT_NOTFOUND : BH_EXIT_NOEXEC);
}

static int status_of(int wstatus)
{
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

/* Reaps every child that has ended, the command and the orphans the kernel
 * handed us alike (SIGCHLD coalesces). True, with *STATUS, once the command
 * was among them. */
static bool reap_children(pid_t command, int *status)
{
	bool ended = false;
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		if (pid == command) {
			*status = status_of(wstatus);
			ended = true;
		}
	return ended;
}

int container_init_main(int argc, char **argv)
{
	char **command = argv + 3;
	sigset_t handled, start_mask;
	int status = 0;

	(void)argc;
	/* Blocked before the fork: a signal that comes before the command
	 * exists waits, and is forwarded once it does. */
	sigemptyset(&handled);
	sigaddset(&handled, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&handled, forwarded_signals[i]);
	if (sigprocmask(SIG_BLOCK, &handled, &start_mask) < 0) {
		perror("bulkhead-init: sigprocmask");
		return BH_EXIT_SETUP;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("bulkhead-init: fork");
		return BH_EXIT_SETUP;
	}
	if (child == 0)
		run_command(command, &start_mask);
	/* Signals go to the child's pid, never to its group: its group is its
	 * own business (run_command), and nothing here waits for it. */
	for (;;) {
		int sig = sigwaitinfo(&handled, NULL);
		if (sig < 0)
			continue; /* EINTR: nothing else can fail with a valid set */
		if (sig != SIGCHLD)
			kill(child, sig); /* ESRCH: it ended; its SIGCHLD is next */
		else if (reap_children(child, &status))
			return status;
	}
}
