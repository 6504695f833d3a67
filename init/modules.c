/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel modules: the builder resolved which and in what order; we load. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

static void load_each(char *const *paths, char *const *options, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *params = options && options[i] ? options[i] : "";
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			log_warn_errno(errno, "module %s", paths[i]);
			continue;
		}
		if (syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST)
			log_warn_errno(errno, "module %s", paths[i]);
		close(fd);
	}
}

/* The modules no start needs (the power button's) in a child of ours at
 * SCHED_IDLE: Debian's kernel checks each module's signature as it loads,
 * about 30 ms of a TCG boot for the button's, and the containers' starts
 * need not wait for that. Once they are over the child goes on at the
 * normal priority (modules_loader_hurry), so that a busy service cannot
 * hold the button back; a press before the module is in goes unheard, as
 * one during the kernel's boot does. Returns the child's pid, or 0. */
static pid_t load_in_background(char *const *paths, char *const *options, size_t n)
{
	struct sched_param priority = { 0 };
	pid_t pid = fork();

	if (pid < 0) {
		log_warn_errno(errno, "fork: loading the modules here instead");
		load_each(paths, options, n);
		return 0;
	}
	if (pid > 0)
		return pid;
	/* musl's sched_setscheduler is a stub (ENOSYS): the system call. */
	if (syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &priority) < 0)
		log_warn_errno(errno, "sched_setscheduler SCHED_IDLE: loading the modules at the normal priority");
	load_each(paths, options, n);
	_exit(0);
}

pid_t modules_load(char *const *paths, char *const *options, size_t n_background)
{
	size_t n = 0;

	while (paths && paths[n])
		n++;
	if (n_background > n)
		n_background = n;
	load_each(paths, options, n - n_background);
	return n_background ? load_in_background(paths + n - n_background, options ? options + n - n_background : NULL,
						 n_background)
			    : 0;
}

void modules_loader_hurry(pid_t *loader)
{
	struct sched_param priority = { 0 };

	/* Not reaped yet (the caller forgets it when it is): still ours. */
	if (*loader > 0)
		(void)syscall(SYS_sched_setscheduler, *loader, SCHED_OTHER, &priority);
	*loader = 0;
}
