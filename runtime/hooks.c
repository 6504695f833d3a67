/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running config.json's hooks: fork, exec the hook with its args and env,
 * the container's state on its stdin, the caller's stderr as its stdout
 * and stderr, and wait for it within its timeout. The same code runs in
 * the caller and in the container process (createContainer before the
 * pivot, startContainer right before the exec, with the container's seccomp
 * filter in place): it needs only pipes, fork, exec, wait and kill. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"

extern char **environ;

/* A pipe holding the whole of STATE, its write end closed, for the hook's
 * stdin: written before the hook runs, so that nothing here can block on a
 * hook that does not read it, nor get SIGPIPE from one that exits first.
 * The read end, or -errno. */
static int state_pipe(const char *state)
{
	size_t len = strlen(state);
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	/* 64 KiB unless grown: a state with large annotations asks for more
	 * (up to /proc/sys/fs/pipe-max-size without privilege). */
	int size = fcntl(fds[1], F_GETPIPE_SZ);
	if (size >= 0 && (size_t)size < len && len <= INT_MAX)
		size = fcntl(fds[1], F_SETPIPE_SZ, (int)len);
	if (size < 0 || (size_t)size < len || bh_write_all(fds[1], state, len) != (ssize_t)len) {
		int e = size < 0 ? errno : E2BIG;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	close(fds[1]);
	return fds[0];
}

/* The environment of a hook of KIND that has no env of its own. The hooks
 * the runtime runs on its own side (prestart, createRuntime, poststart,
 * poststop) get the runtime's, as runc's do. Those that run as the
 * container's process (createContainer, startContainer) get none: there
 * environ is still the runtime's copy of its caller's (HOME, any secret
 * in it), and such a hook runs as the container's user, often from its
 * rootfs, where the container can read what it writes. */
static char *const *hook_env(const struct bh_hook *h, enum bh_hook_kind kind)
{
	static char *const none[] = { NULL };

	if (h->env)
		return h->env;
	return kind == BH_HOOK_CREATE_CONTAINER || kind == BH_HOOK_START_CONTAINER ? none : environ;
}

/* In the forked child: becomes the hook, or reports why not on REPORT_FD. */
static __attribute__((noreturn)) void exec_hook(const struct bh_hook *h, enum bh_hook_kind kind, int stdin_fd,
						int report_fd)
{
	char *default_args[] = { h->path, NULL };

	/* Its own process group: a timeout kills whatever it started too. */
	setpgid(0, 0);
	/* The caller's ignored and blocked signals (the init's, the CLI's
	 * forwarding) are not the hook's. */
	bh_signals_reset();
	if (dup2(stdin_fd, 0) < 0 || dup2(2, 1) < 0) {
		int e = errno;
		(void)!write(report_fd, &e, sizeof(e));
		_exit(127);
	}
	/* Nothing of the runtime's but stdio: a report pipe or the exec.fifo
	 * held by a hook that lingers would hold create or start. Those are
	 * close-on-exec already; this is for any the caller left open. A
	 * seccomp filter may refuse close_range: then close-on-exec does. */
	syscall(SYS_close_range, 3U, (unsigned)report_fd - 1, 0U);
	syscall(SYS_close_range, (unsigned)report_fd + 1, ~0U, 0U);
	execve(h->path, h->args && h->args[0] ? h->args : default_args, hook_env(h, kind));
	int e = errno;
	(void)!write(report_fd, &e, sizeof(e));
	_exit(127);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* Kills the hook PID past its deadline, with its process group (what it
 * started), and reaps it: -ETIMEDOUT. The reap waits with no bound, and
 * may: SIGKILL can be neither caught nor blocked, and the waits of an
 * exec on a hung NFS or FUSE mount are killable ones, so the kernel ends
 * the process as soon as it delivers the signal; not reaping would leave
 * a zombie in the caller. */
static int kill_hook(pid_t pid, int *wstatus)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
		;
	return -ETIMEDOUT;
}

/* Waits for the hook PID until DEADLINE (now_ms's clock; -1: as long as it
 * runs), and kills its process group past that. Its wait status in
 * *WSTATUS; -ETIMEDOUT when it was killed for the timeout. */
static int wait_hook(pid_t pid, long deadline, int *wstatus)
{
	bool bounded = deadline >= 0;
	int fd = bounded ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	int r = 0;

	for (;;) {
		pid_t done = waitpid(pid, wstatus, bounded ? WNOHANG : 0);
		if (done == pid)
			break;
		if (done < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (!bounded || done < 0)
			continue;
		long left = deadline - now_ms();
		if (left <= 0) {
			r = kill_hook(pid, wstatus);
			break;
		}
		/* A pidfd wakes us when it ends; where there is none (old
		 * kernel, a filter that refuses pidfd_open) look every 10 ms. */
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		} else {
			struct timespec tick = { 0, 10 * 1000 * 1000 };
			nanosleep(&tick, NULL);
		}
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* Reads the exec's report from REPORT_FD until DEADLINE (-1: none): the
 * bytes read (sizeof(int) for an errno in *EXEC_ERRNO, 0 for EOF: the
 * pipe closed on exec), -ETIMEDOUT, or the read's -errno. Under the
 * hook's own deadline: an execve of a path on a hung mount blocks in the
 * kernel, and a plain read here with it, for as long as the mount hangs. */
static ssize_t read_exec_report(int report_fd, long deadline, int *exec_errno)
{
	for (;;) {
		long left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = report_fd, .events = POLLIN };
		int ready = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		/* A filter that refuses poll: then the read alone, unbounded. */
		if (ready < 0 && errno != EINTR)
			ready = 1;
		if (ready <= 0)
			continue; /* EINTR, or a poll of INT_MAX ms that ended before the deadline */
		ssize_t n = read(report_fd, exec_errno, sizeof(*exec_errno));
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

int bh_hook_run(const struct bh_hooks *hooks, enum bh_hook_kind kind, size_t index, const char *state,
		struct bh_err *err)
{
	if (index >= bh_hooks_count(hooks, kind))
		return bh_fail(err, -EINVAL, "hooks.%s[%zu]: no such hook", bh_hook_name_at(kind), index);
	const struct bh_hook *h = &hooks->list[kind][index];
	const char *name = bh_hook_name_at(kind);
	int report[2], stdin_fd, wstatus = 0, exec_errno = 0;

	if ((stdin_fd = state_pipe(state)) < 0)
		return bh_fail_errno(err, stdin_fd, "hooks.%s[%zu] (%s): passing the state on stdin", name, index, h->path);
	if (pipe2(report, O_CLOEXEC) < 0) {
		int r = -errno;
		close(stdin_fd);
		return bh_fail_errno(err, r, "hooks.%s[%zu] (%s): pipe", name, index, h->path);
	}
	/* A raw clone, as container.c's: none of the caller's atfork
	 * handlers, and the same in the container process as in the caller. */
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		exec_hook(h, kind, stdin_fd, report[1]);
	int fork_errno = errno;
	close(stdin_fd);
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return bh_fail_errno(err, -fork_errno, "hooks.%s[%zu] (%s): fork", name, index, h->path);
	}
	/* Set here too, so that a timeout's kill finds the group whichever of
	 * the two ran first; EACCES once it exec'd, when it did it itself. */
	setpgid(pid, pid);
	/* The timeout counts from the fork: the exec is the hook's time too. */
	long deadline = h->timeout ? now_ms() + (long)h->timeout * 1000 : -1;
	ssize_t n = read_exec_report(report[0], deadline, &exec_errno);
	close(report[0]);
	int r;
	if (n == -ETIMEDOUT)
		r = kill_hook(pid, &wstatus);
	else /* the hook runs (EOF), or its exec failed and it is exiting */
		r = wait_hook(pid, n == (ssize_t)sizeof(exec_errno) ? -1 : deadline, &wstatus);
	if (n == (ssize_t)sizeof(exec_errno))
		return bh_fail_errno(err, -exec_errno, "hooks.%s[%zu] (%s): cannot execute", name, index, h->path);
	if (r == -ETIMEDOUT)
		return bh_fail(err, r, "hooks.%s[%zu] (%s): timed out after %u s, killed", name, index, h->path,
			       h->timeout);
	if (r < 0)
		return bh_fail_errno(err, r, "hooks.%s[%zu] (%s): waiting for it", name, index, h->path);
	if (WIFSIGNALED(wstatus))
		return bh_fail(err, -ECHILD, "hooks.%s[%zu] (%s): killed by signal %d (%s)", name, index, h->path,
			       WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	if (WEXITSTATUS(wstatus) != 0)
		return bh_fail(err, -ECHILD, "hooks.%s[%zu] (%s): exit status %d", name, index, h->path,
			       WEXITSTATUS(wstatus));
	return 0;
}

int bh_hooks_run_all(const struct bh_hooks *hooks, enum bh_hook_kind kind, const char *state, struct bh_err *err)
{
	for (size_t i = 0; i < bh_hooks_count(hooks, kind); i++) {
		int r = bh_hook_run(hooks, kind, i, state, err);
		if (r < 0)
			return r;
	}
	return 0;
}

long bh_hooks_time_ms(const struct bh_hooks *hooks, enum bh_hook_kind kind)
{
	long total = 0;

	for (size_t i = 0; i < bh_hooks_count(hooks, kind); i++) {
		if (!hooks->list[kind][i].timeout)
			return -1;
		total += (long)hooks->list[kind][i].timeout * 1000;
	}
	return total;
}
