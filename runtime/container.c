/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting a container: configure (the parsed config), then apply once, in
 * the child, in the order DESIGN.md gives. Each step says why it sits there. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"

/* An empty report (error 0) says where the child stands instead, in status:
 * its sandbox stands and it waits for start_fd (or it exec'd: EOF), or its
 * mounts are made and it waits on the go socket for the create hooks. */
enum { CHILD_READY = 0, CHILD_MOUNTED = 1 };

/* prestart, createRuntime or createContainer hooks: the spec runs them all
 * between the mounts and the pivot, so the child stops there and tells us. */
static bool hooks_before_pivot(const struct bh_config *c)
{
	return bh_hooks_count(c->hooks, BH_HOOK_PRESTART) || bh_hooks_count(c->hooks, BH_HOOK_CREATE_RUNTIME) ||
	       bh_hooks_count(c->hooks, BH_HOOK_CREATE_CONTAINER);
}

static int setup_stdio(const struct bh_io *io, struct bh_err *err)
{
	int in = io->stdin_fd;

	if (in < 0 && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return bh_fail_errno(err, -errno, "opening /dev/null");
	if (dup2(in, 0) < 0 || (io->stdout_fd >= 0 && dup2(io->stdout_fd, 1) < 0) ||
	    (io->stderr_fd >= 0 && dup2(io->stderr_fd, 2) < 0))
		return bh_fail_errno(err, -errno, "wiring stdio");
	return 0;
}

/* create/start: tell the parent the sandbox stands (an empty report), then
 * block until `start` writes to the fifo. Reading an open fd needs nothing
 * the filter or Landlock could refuse. From here a failure is reported to
 * `start` through RESULT_FD, which replaces *REPORT_FD. */
static int wait_for_start(int start_fd, int result_fd, int *report_fd, struct bh_err *err)
{
	struct bh_child_report ready = { 0 };
	char byte;
	ssize_t n;

	if (write(*report_fd, &ready, sizeof(ready)) != (ssize_t)sizeof(ready))
		return bh_fail(err, -EPIPE, "telling create the sandbox stands: the report pipe closed");
	close(*report_fd);
	*report_fd = result_fd;
	do
		n = read(start_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	int read_errno = n < 0 ? errno : 0;
	close(start_fd);
	if (n == 1)
		return 0;
	if (read_errno)
		return bh_fail_errno(err, -read_errno, "waiting for start");
	return bh_fail(err, -EPIPE, "waiting for start: the start fifo closed");
}

/* In the child, once the mounts are made and before the pivot (SYNC_FD
 * open: there are create hooks): tells the parent, which runs prestart and
 * createRuntime with our pid, waits for its go-ahead, then runs the
 * createContainer hooks here, in our namespaces, where the caller's paths
 * are still in reach. The startContainer hooks' state is formatted now
 * too, by the caller's function, before the seccomp filter could refuse
 * what that needs (it runs right before the exec). */
static int hooks_at_pivot(const struct bh_config *c, int sync_fd, int report_fd, char **start_state,
			  struct bh_err *err)
{
	struct bh_child_report mounted = { .status = CHILD_MOUNTED };
	char go;

	if (bh_hooks_count(c->hooks, BH_HOOK_START_CONTAINER) &&
	    !(*start_state = c->hook_state(c->hook_state_data, "created", getpid())))
		return bh_fail(err, -ENOMEM, "formatting the state for the startContainer hooks");
	if (sync_fd < 0)
		return 0;
	if (write(report_fd, &mounted, sizeof(mounted)) != (ssize_t)sizeof(mounted))
		return bh_fail(err, -EPIPE, "telling the runtime the mounts are made: the report pipe closed");
	/* EOF: a prestart or createRuntime hook failed; the parent says which. */
	if (read(sync_fd, &go, 1) != 1)
		return bh_fail(err, -ECANCELED, "the runtime's create hooks failed");
	close(sync_fd);
	_cleanup_free_ char *state = c->hook_state(c->hook_state_data, "creating", getpid());
	if (!state)
		return bh_fail(err, -ENOMEM, "formatting the state for the createContainer hooks");
	return bh_hooks_run_all(c->hooks, BH_HOOK_CREATE_CONTAINER, state, err);
}

/* The parent's word at the gate (struct parent_part): its part is done,
 * and lo is up, or is left to the child. */
enum { GATE_DONE = 'd', GATE_DONE_LO_UP = 'u' };

/* GATE_FD: the parent's word that its part while we set up is done: the
 * cgroup's limits and device program in place, lo up if it could bring it
 * up (else we do, LOOPBACK_BY_PARENT: it tried). EOF: it could not place the
 * limits, and will have us killed. */
static int wait_for_parent_part(int gate_fd, bool loopback_by_parent, struct bh_err *err)
{
	char word;
	ssize_t n;

	do
		n = read(gate_fd, &word, 1);
	while (n < 0 && errno == EINTR);
	close(gate_fd);
	if (n != 1)
		return bh_fail(err, -ECANCELED, "the runtime gave up before the container's privileges (its cgroup "
						"limits or device rules could not be placed)");
	int r = loopback_by_parent && word != GATE_DONE_LO_UP ? bh_loopback_up() : 0;
	return r < 0 ? bh_fail_errno(err, r, "bringing up lo in the container's new network namespace") : 0;
}

/* Runs in the child, in its cgroup (born there, or moved by the parent
 * before it said go), GO_FD the parent's socket when it speaks again.
 * Returns only on failure, with the exit status to use. */
static int apply_and_exec(const struct bh_child_start *s, int go_fd, int *report_fd, struct bh_err *err)
{
	const struct bh_config *c = s->c;
	const struct bh_io *io = s->io;
	int sync_fd = s->sync ? go_fd : -1;
	int gate_fd = s->part.limits || s->part.loopback ? go_fd : -1;
	bool loopback_by_parent = s->part.loopback;
	struct bh_dev_source dev = { .fd = s->dev_fd, .socket = s->part.dev ? go_fd : -1 };
	char *start_state = NULL; /* the process execs or exits: never freed */

	/* Joined namespaces first: everything after happens inside them. */
	if (bh_ns_join(c, err) < 0)
		return BH_EXIT_SETUP;
	/* In a new user namespace we hold no mapped id until we take one:
	 * files created while setting up (mount points) need an owner. */
	if ((c->namespaces & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return bh_fail_errno(err, -errno,
				     "becoming root of the user namespace (is container id 0 mapped?)"), BH_EXIT_SETUP;
	/* The cgroup namespace is unshared only now, so that its root is the
	 * container's own cgroup, which we are in by now. */
	if (c->cgroup_ns && unshare(CLONE_NEWCGROUP) < 0)
		return bh_fail_errno(err, -errno, "unsharing the cgroup namespace"), BH_EXIT_SETUP;
	if (loopback_by_parent) {
		int r = bh_ns_loopback_socket_send(gate_fd);
		if (r < 0)
			return bh_fail_errno(err, r, "handing the runtime a socket for lo"), BH_EXIT_SETUP;
	} else if (bh_ns_new_network_ready(c, err) < 0)
		return BH_EXIT_SETUP;
	/* A new session: the console's job control must not reach the container. */
	setsid();
	if (setup_stdio(io, err) < 0)
		return BH_EXIT_SETUP;

	/* Mounts and devices need the host's paths, so they come before the pivot;
	 * masked and read-only paths refer to the container's own, so after. */
	/* sysctls go through the container's own /proc/sys, before the
	 * read-only paths close it. */
	/* The terminal comes from the container's own devpts, so after the
	 * pivot, and before the read-only root, since it binds /dev/console. */
	/* The read-only view of this program (self-exe.c) is made last before
	 * the pivot: no mount of the config's, recursive or not, copies it
	 * into the container, and the pivot detaches it with the host's tree. */
	int mounted = bh_mount_rootfs(c, &dev, err);
	if (dev.fd >= 0)
		close(dev.fd);
	/* The parent has nothing more to say there: a descriptor less under
	 * the rlimits to come. */
	if (dev.socket >= 0 && gate_fd < 0)
		close(dev.socket);
	if (mounted < 0 || hooks_at_pivot(c, sync_fd, *report_fd, &start_state, err) < 0 ||
	    (s->exe_fd >= 0 && bh_exe_seal(s->exe_fd, c->root, err) < 0) || bh_mount_pivot(c, err) < 0 ||
	    (c->terminal && bh_console_setup(c, io->console_socket, true, err) < 0) ||
	    bh_sysctl_apply(c, err) < 0 || bh_mount_finish(c, err) < 0)
		return BH_EXIT_SETUP;
	/* Nothing of the container's own runs before its cgroup's limits and
	 * device program stand and its lo is up; the parent saw to them while
	 * we mounted. */
	if (gate_fd >= 0 && wait_for_parent_part(gate_fd, loopback_by_parent, err) < 0)
		return BH_EXIT_SETUP;
	char command[4096];
	int status = bh_process_enter(c, true, command, sizeof(command), err);
	if (status)
		return status;
	if (s->start_fd >= 0 && wait_for_start(s->start_fd, s->result_fd, report_fd, err) < 0)
		return BH_EXIT_SETUP;
	/* In the container, with its own privileges, as runc and crun run them. */
	if (start_state && bh_hooks_run_all(c->hooks, BH_HOOK_START_CONTAINER, start_state, err) < 0)
		return BH_EXIT_SETUP;

	return bh_command_exec(c, command, err);
}

/* Closes every descriptor from 3 up but the N in KEEP (-1s ignored). The
 * caller's are not the container's: the init holds two per container, far
 * above the container's own descriptor limit once its rlimits apply, and a
 * setup step that opens one then (Landlock's ruleset) would find no number
 * below that limit free. */
static void close_inherited(int *keep, size_t n)
{
	unsigned from = 3;

	for (size_t i = 1; i < n; i++) /* a handful: insertion sort */
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0U);
		from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0U);
}

/* WAITS: for the parent's part first (child_waits). */
static _Noreturn void child_main(const struct bh_child_start *s, bool waits)
{
	const struct bh_io *io = s->io;
	int go_fd = s->go[0], report_fd = s->report[1];
	int keep[] = { report_fd,     s->start_fd,   s->result_fd,        io->stdin_fd,	 io->stdout_fd,
		       io->stderr_fd, s->dev_fd,     io->console_socket, s->exe_fd, -1 /* go_fd */ };

	struct bh_child_report report = { 0 };
	struct bh_err err = { 0 };
	char go;
	int status;

	bh_signals_reset();
	/* Wait until the parent has done its part. EOF means the parent gave
	 * up on us. */
	if (waits && read(go_fd, &go, 1) != 1)
		_exit(BH_EXIT_SETUP);
	/* The parent speaks again: with create hooks before the pivot, else
	 * with /dev, and once its part while we set up is done. */
	bool speaks = s->sync || s->part.limits || s->part.loopback || s->part.dev;
	if (speaks)
		keep[ARRAY_SIZE(keep) - 1] = go_fd;
	else
		close(go_fd);
	close_inherited(keep, ARRAY_SIZE(keep));

	status = apply_and_exec(s, speaks ? go_fd : -1, &report_fd, &err);
	report.error = err.code ? err.code : -EIO;
	report.status = status;
	memcpy(report.msg, err.msg, sizeof(report.msg));
	(void)!write(report_fd, &report, sizeof(report));
	_exit(status);
}

/* Returns the exit status, or 128+N for signal N. */
static int reap(pid_t pid)
{
	int wstatus = 0;

	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

/* Whether the child must wait for the parent's part: its id maps, its
 * cgroup (unless born in it), its OOM score, the create hooks. Most
 * containers need none of them, and start one hand-over between the two
 * processes sooner. Decided alike on both sides of the clone. */
static bool child_waits(const struct bh_child_start *s, bool in_cgroup)
{
	return s->sync || (s->c->clone_flags & CLONE_NEWUSER) || (s->has_cgroup && !in_cgroup) ||
	       s->c->has_oom_score_adj;
}

_Noreturn void bh_child_start(const struct bh_child_start *s, bool in_cgroup)
{
	close(s->go[1]);
	close(s->report[0]);
	child_main(s, child_waits(s, in_cgroup));
}

/* In the parent, at the child's CHILD_MOUNTED: the prestart hooks, then
 * createRuntime, here in the caller's namespaces, with the child's pid. */
static int runtime_hooks(const struct bh_config *c, pid_t pid, struct bh_err *err)
{
	_cleanup_free_ char *state = c->hook_state(c->hook_state_data, "creating", pid);

	if (!state)
		return bh_fail(err, -ENOMEM, "formatting the state for the create hooks");
	int r = bh_hooks_run_all(c->hooks, BH_HOOK_PRESTART, state, err);
	return r < 0 ? r : bh_hooks_run_all(c->hooks, BH_HOOK_CREATE_RUNTIME, state, err);
}

/* The bound of a wait for the container's report while the hooks of KINDS
 * (a mask of 1 << bh_hook_kind) run before it: BH_SETUP_TIMEOUT_MS for the
 * setup itself plus the hooks' timeouts, or -1 (none) when one of them has
 * no timeout, since such a hook is waited for as long as it runs. */
static long report_bound_ms(const struct bh_hooks *hooks, unsigned kinds)
{
	long bound = BH_SETUP_TIMEOUT_MS;

	for (int kind = 0; kind < BH_HOOK_KINDS; kind++) {
		if (!(kinds & 1U << kind))
			continue;
		long hooks_ms = bh_hooks_time_ms(hooks, (enum bh_hook_kind)kind);
		if (hooks_ms < 0)
			return -1;
		bound += hooks_ms;
	}
	return bound;
}

/* A child that must not go on: our ends of its pipes closed (-1: none),
 * the child killed and reaped, its cgroup removed. Returns R. */
static int abandon_child(const struct bh_config *c, pid_t pid, int go_fd, int report_fd, int r)
{
	if (go_fd >= 0)
		close(go_fd);
	if (report_fd >= 0)
		close(report_fd);
	kill(pid, SIGKILL);
	reap(pid);
	bh_cgroup_destroy(c->cgroups_path, NULL);
	return r;
}

/* A child between its clone and its report (launch_begin, launch_finish). */
struct launch {
	pid_t pid;
	int go_fd;     /* with create hooks, the parent's second word to the child; else -1 */
	int report_fd; /* the child's report: EOF at exec */
	bool sync;     /* create hooks: the child stops at its mounts for them */
	long bound_ms; /* the first wait for the report (-1: none) */
	unsigned exec_hooks;
};

/* FD moved above 2 when the caller started with a standard descriptor
 * closed: the child puts its stdio on 0-2 (setup_stdio) and must not
 * overwrite its end of the go socket or the report pipe. */
static int off_stdio(int *fd)
{
	if (*fd > 2)
		return 0;
	int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (moved < 0)
		return -errno;
	close(*fd);
	*fd = moved;
	return 0;
}

/* The parent's words to the child (GO) and the child's report (REPORT).
 * GO is a socket, not a pipe: the child may have failed and gone before a
 * word of ours (say_go). Returns 0, or -errno with nothing left open. */
static int open_channels(int go[2], int report[2])
{
	int r = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0)
		return -errno;
	if (pipe2(report, O_CLOEXEC) < 0) {
		r = -errno;
		report[0] = report[1] = -1;
	}
	for (int i = 0; r == 0 && i < 2; i++)
		if ((r = off_stdio(&go[i])) == 0)
			r = off_stdio(&report[i]);
	if (r < 0) {
		int fds[] = { go[0], go[1], report[0], report[1] };
		for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	return r;
}

/* A word to the child on the go socket. It may have failed and exited
 * already, as its report will say: that is no SIGPIPE for us. */
static void say_go(int go_fd, char word)
{
	(void)!send(go_fd, &word, 1, MSG_NOSIGNAL);
}

/* What the parent does while the child sets itself up (its namespaces,
 * its mounts), rather than before the clone or in the child: the child
 * then waits for it only before its own privileges, its first step that
 * leads to the container's code. Decided once, for both sides of the
 * clone. Never with create hooks, which see the container as it will run.
 * - The cgroup's limits and device program, when there are some.
 * - lo of a new network namespace, through a socket the child makes there
 *   first, when the caller only waits meanwhile (CALLER_WAITS: the CLI's
 *   run and create; the init, which never waits for a child, starts its
 *   next container instead) and no sysctl comes first, which the child
 *   writes after lo is up. It is the child's dearest step after its mounts
 *   (on the kernel's side: the addresses and routes of 127.0.0.1 and ::1).
 * - /dev with its nodes and links, where the caller can make it
 *   (bh_mount_dev_by_caller) and waits: made first, and sent while the
 *   child mounts what comes before it. Files made in a tmpfs are the
 *   dearest part of the child's mounts. Else, for a container with a user
 *   namespace, where the child could only bind nodes, it is made before
 *   the clone (launch_begin: the init, and create hooks), and otherwise
 *   left to the child. */
static struct parent_part parent_part_while_child_sets_up(const struct bh_config *c, bool sync, int cgroup_fd,
							  bool caller_waits)
{
	bool any_limits = c->has_device_rules || (c->cgroup_files && c->cgroup_files[0]);
	bool sysctls = c->sysctl && c->sysctl[0];

	return (struct parent_part){
		.limits = !sync && cgroup_fd >= 0 && any_limits,
		.loopback = !sync && caller_waits && (c->clone_flags & CLONE_NEWNET) && !sysctls,
		.dev = !sync && caller_waits && bh_mount_dev_by_caller(c),
	};
}

static int place_limits(const struct bh_config *c, int cgroup_fd, struct bh_err *err)
{
	if (cgroup_fd >= 0 && bh_cgroup_set_limits(c, cgroup_fd, err) < 0)
		return err->code;
	return bh_devices_apply(c, cgroup_fd, err);
}

/* The parent's half of a start, up to the child's report: the cgroup, the
 * clone, what the child waits for (id maps, a cgroup move, the OOM score),
 * and the cgroup's limits and device program (before the clone with create
 * hooks). Returns 0 with L filled: the child sets itself up from here on,
 * and says how it went on L->report_fd. */
static int launch_begin(const struct bh_config *c, const struct bh_io *io, int start_fd, int result_fd,
			bool caller_waits, struct launch *l, struct bh_err *err)
{
	int go[2], report[2];
	_cleanup_close_ int cgroup_fd = -1;
	pid_t pid;
	/* Without a start fd (bh_container_start: the CLI's run, and the
	 * init, whose configs have no hooks) the startContainer hooks run
	 * before the exec, inside the last wait for a report, and count in
	 * its bound. */
	unsigned exec_hooks = start_fd < 0 ? 1U << BH_HOOK_START_CONTAINER : 0;
	bool sync = hooks_before_pivot(c);

	if (bh_console_check(c, io->console_socket, err) < 0)
		return err->code;
	/* Refused rather than ignored: a prestart hook may be what keeps the
	 * container safe. */
	if (c->hooks && !c->hook_state)
		return bh_fail(err, -EINVAL, "config.json: hooks: this caller of the runtime runs no hooks");
	/* Opened here, as the caller: in a user namespace the container
	 * process may not open a file of the host's root. */
	_cleanup_close_ int exe_fd = io->seal_exe ? open("/proc/self/exe", O_RDONLY | O_CLOEXEC) : -1;
	if (io->seal_exe && (exe_fd < 0 || off_stdio(&exe_fd) < 0))
		return bh_fail_errno(err, -errno, "opening /proc/self/exe, which the container process runs from a "
						  "read-only view of");
	if (c->cgroups_path && (cgroup_fd = bh_cgroup_create(c, err)) < 0)
		return cgroup_fd;
	/* Limits and the device program are in place before anything of the
	 * container's runs in the cgroup; the program is loaded here, by the
	 * caller, since the container's own seccomp filter refuses bpf(). */
	struct parent_part part = parent_part_while_child_sets_up(c, sync, cgroup_fd, caller_waits);
	if (!part.limits && place_limits(c, cgroup_fd, err) < 0) {
		bh_cgroup_destroy(c->cgroups_path, NULL);
		return err->code;
	}
	int channels = open_channels(go, report);
	if (channels < 0) {
		bh_cgroup_destroy(c->cgroups_path, NULL);
		return bh_fail_errno(err, channels, "the pipes to the container process");
	}

	/* A raw clone behaves like fork() with namespaces: the child gets a
	 * copy of our memory, so the config needs no serialising. */
	struct bh_child_start start = { .c = c, .io = io, .go = { go[0], go[1] }, .report = { report[0], report[1] },
				     .start_fd = start_fd, .result_fd = result_fd,
				     .dev_fd = !part.dev && (c->namespaces & CLONE_NEWUSER) ? bh_mount_dev_prepare(c, false) : -1,
				     .exe_fd = exe_fd,
				     .sync = sync, .part = part, .has_cgroup = cgroup_fd >= 0 };
	/* Above 2 as the channels are; where it cannot be, the child makes
	 * /dev itself. */
	if (start.dev_fd >= 0 && off_stdio(&start.dev_fd) < 0) {
		close(start.dev_fd);
		start.dev_fd = -1;
	}
	bool in_cgroup = false;
	pid = bh_clone_child(&start, cgroup_fd, &in_cgroup, err);
	if (pid == 0)
		bh_child_start(&start, in_cgroup);
	if (start.dev_fd >= 0)
		close(start.dev_fd);
	close(go[0]);
	close(report[1]);
	if (pid < 0) {
		close(go[1]);
		close(report[0]);
		bh_cgroup_destroy(c->cgroups_path, NULL);
		return pid;
	}

	/* What the parent does for the child before it may go on: id maps
	 * (the child has no ids in its user namespace until then), the cgroup,
	 * the OOM score. */
	{
		int r = bh_ns_write_id_maps(c, pid, err);
		if (r == 0 && cgroup_fd >= 0 && !in_cgroup)
			r = bh_cgroup_join(cgroup_fd, pid, err);
		if (r == 0)
			r = bh_oom_score_apply(c, pid, err);
		if (r < 0)
			return abandon_child(c, pid, go[1], report[0], r);
	}
	if (child_waits(&start, in_cgroup))
		say_go(go[1], 'g');
	if (part.dev) {
		/* Without one (the kernel refused, or no room to send it), the
		 * byte alone: the child makes its own, and takes no later word
		 * for this one. A child that failed before reading it says so
		 * in its report. */
		int dev = bh_mount_dev_prepare(c, true);
		if (bh_fd_send(go[1], dev, "v", 1) < 0 && dev >= 0)
			(void)bh_fd_send(go[1], -1, "v", 1);
		if (dev >= 0)
			close(dev);
	}
	if (part.limits || part.loopback) {
		int r = part.limits ? place_limits(c, cgroup_fd, err) : 0;
		/* Failed (no socket came, the ioctl refused): the child brings
		 * lo up itself, and says so if it cannot either. A child that
		 * never got as far as its socket is given up at the same bound
		 * as one that never reports. */
		int lo = r == 0 && part.loopback ? bh_ns_loopback_up_received(go[1], BH_SETUP_TIMEOUT_MS) : -1;
		if (lo == -ETIMEDOUT)
			r = bh_fail(err, -ETIMEDOUT, "the container's setup did not finish within %d s",
				    BH_SETUP_TIMEOUT_MS / 1000);
		if (r < 0)
			return abandon_child(c, pid, go[1], report[0], r);
		say_go(go[1], lo == 0 ? GATE_DONE_LO_UP : GATE_DONE);
	}
	if (!sync) {
		close(go[1]);
		go[1] = -1;
	}
	/* With SYNC the first wait ends at the mounts, before any hook. */
	*l = (struct launch){ .pid = pid, .go_fd = go[1], .report_fd = report[0], .sync = sync,
			      .bound_ms = report_bound_ms(c->hooks, sync ? 0 : exec_hooks), .exec_hooks = exec_hooks };
	return 0;
}

/* A report read from the child: 0 when it exec'd (EOF) or stands waiting
 * for start (an empty report); else its failure in err, err->status the
 * status it exits with. */
static int report_outcome(ssize_t n, const struct bh_child_report *failure, struct bh_err *err)
{
	if (n == 0 || (n == (ssize_t)sizeof(*failure) && failure->error == 0))
		return 0;
	int r;
	if (n != (ssize_t)sizeof(*failure)) {
		r = bh_fail(err, -EIO, "the container died during setup without a report");
		if (err)
			err->status = BH_EXIT_SETUP;
		return r;
	}
	r = bh_fail(err, failure->error, "%.*s", (int)sizeof(failure->msg) - 1, failure->msg);
	/* The child's own status says which step failed (an exec error is
	 * 126 or 127), so that the caller can report what README.md promises. */
	if (err)
		err->status = failure->status;
	return r;
}

/* The rest of a start, waiting: the create hooks when there are some, then
 * the report. A failed start leaves no process and no cgroup behind. */
static int launch_finish(const struct bh_config *c, struct launch *l, pid_t *pid_out, struct bh_err *err)
{
	struct bh_child_report failure;
	ssize_t n = bh_child_report_read(l->report_fd, &failure, l->bound_ms);
	long bound_ms = l->bound_ms;

	if (l->sync && n == (ssize_t)sizeof(failure) && failure.error == 0 && failure.status == CHILD_MOUNTED) {
		int r = runtime_hooks(c, l->pid, err);
		if (r < 0)
			return abandon_child(c, l->pid, l->go_fd, l->report_fd, r);
		say_go(l->go_fd, 'h');
		bound_ms = report_bound_ms(c->hooks, 1U << BH_HOOK_CREATE_CONTAINER | l->exec_hooks);
		n = bh_child_report_read(l->report_fd, &failure, bound_ms);
	}
	if (l->go_fd >= 0)
		close(l->go_fd);
	close(l->report_fd);
	if (n < 0) {
		abandon_child(c, l->pid, -1, -1, 0);
		if (n == -ETIMEDOUT)
			return bh_fail(err, -ETIMEDOUT, "the container's setup did not finish within %ld s", bound_ms / 1000);
		return bh_fail_errno(err, (int)n, "reading the container's setup report");
	}
	int r = report_outcome(n, &failure, err);
	if (r == 0) {
		*pid_out = l->pid;
		return 0;
	}
	int status = reap(l->pid);
	bh_cgroup_destroy(c->cgroups_path, NULL);
	if (err && n != (ssize_t)sizeof(failure))
		err->status = status;
	return r;
}

static int launch(const struct bh_config *c, const struct bh_io *io, int start_fd, int result_fd, pid_t *pid_out,
		  struct bh_err *err)
{
	struct launch l;
	int r = launch_begin(c, io, start_fd, result_fd, true, &l, err);

	return r < 0 ? r : launch_finish(c, &l, pid_out, err);
}

int bh_container_spawn(const struct bh_config *c, const struct bh_io *io, pid_t *pid, int *report_fd, long *bound_ms,
		       struct bh_err *err)
{
	struct launch l;

	if (hooks_before_pivot(c))
		return bh_fail(err, -EINVAL, "config.json: hooks: prestart, createRuntime and createContainer hooks "
					     "need a caller that waits for the setup (bh_container_start)");
	int r = launch_begin(c, io, -1, -1, false, &l, err);
	if (r < 0)
		return r;
	*pid = l.pid;
	*report_fd = l.report_fd;
	*bound_ms = l.bound_ms;
	return 0;
}

int bh_container_spawned(int report_fd, struct bh_err *err)
{
	struct bh_child_report failure;
	ssize_t n;

	do
		n = read(report_fd, &failure, sizeof(failure));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return bh_fail_errno(err, -errno, "reading the container's setup report");
	return report_outcome(n, &failure, err);
}

int bh_container_start(const struct bh_config *c, const struct bh_io *io, pid_t *pid, struct bh_err *err)
{
	return launch(c, io, -1, -1, pid, err);
}

int bh_container_create(const struct bh_config *c, const struct bh_io *io, int start_fd, int result_fd,
			pid_t *pid, struct bh_err *err)
{
	return launch(c, io, start_fd, result_fd, pid, err);
}

int bh_container_start_created(int start_fd, int result_fd, struct bh_err *err)
{
	return bh_container_start_created_hooked(start_fd, result_fd, NULL, err);
}

int bh_container_start_created_hooked(int start_fd, int result_fd, const struct bh_hooks *hooks, struct bh_err *err)
{
	struct bh_child_report failure;
	long bound_ms = report_bound_ms(hooks, 1U << BH_HOOK_START_CONTAINER);
	ssize_t n;

	if (write(start_fd, "s", 1) != 1)
		return bh_fail_errno(err, errno == EAGAIN ? -EBUSY : -errno, "writing to the start fifo");
	/* The container process holds its end until execve closes it: EOF is
	 * the exec done; a report is the exec (or the wait, or a startContainer
	 * hook) failing. */
	n = bh_child_report_read(result_fd, &failure, bound_ms);
	if (n == 0)
		return 0;
	if (n == -ETIMEDOUT)
		return bh_fail(err, -ETIMEDOUT, "the container process did not exec within %ld s (is it stopped?)",
			       bound_ms / 1000);
	if (n < 0)
		return bh_fail_errno(err, (int)n, "reading the container's exec result");
	if (n != (ssize_t)sizeof(failure))
		return bh_fail(err, -EIO, "the container process died before exec with a partial report");
	failure.msg[sizeof(failure.msg) - 1] = '\0';
	int r = bh_fail(err, failure.error ? failure.error : -EIO, "%s", failure.msg);
	if (err)
		err->status = failure.status;
	return r;
}
