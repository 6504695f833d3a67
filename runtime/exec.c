/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec: another process in a running container. It joins what the
 * container's first process is in (its namespaces, read from /proc/PID/ns,
 * and its cgroup) rather than making anything, then takes the same path to
 * its command as that process did (privileges.c).
 *
 * Joining a user or mount namespace cannot be undone, and a pid namespace
 * takes only children: a short-lived helper joins the cgroup and the
 * namespaces and clones the process with CLONE_PARENT, so that it is the
 * caller's child, inside the container's pid namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "internal.h"

/* In the order they are joined: the user namespace first, since it owns
 * the others and joining it gives the capabilities to join them; the pid
 * namespace last (it applies to the clone that follows). */
static const struct {
	const char *name; /* in /proc/PID/ns */
	int flag;
} namespace_files[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },   { "cgroup", CLONE_NEWCGROUP }, { "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC },   { "net", CLONE_NEWNET },  { "pid", CLONE_NEWPID },
};

struct joined {
	int ns_fds[ARRAY_SIZE(namespace_files)]; /* -1: the same as the caller's */
	int cgroup_fd;                            /* -1: none */
	int root_fd;                              /* the process's root directory (O_PATH) */
};

static void joined_close(struct joined *j)
{
	for (size_t i = 0; i < ARRAY_SIZE(j->ns_fds); i++)
		if (j->ns_fds[i] >= 0)
			close(j->ns_fds[i]);
	if (j->cgroup_fd >= 0)
		close(j->cgroup_fd);
	if (j->root_fd >= 0)
		close(j->root_fd);
}

/* Opens each namespace of PID that is not the caller's own: joining one's
 * own user namespace is an error, and the others would change nothing.
 * A namespace the container made (C's clone flags, its cgroup namespace)
 * cannot be the caller's: then PID is not the container's process (a
 * reused pid), and nothing is joined. One it joined by path or shares
 * (the host's network) may be. */
static int open_namespaces(const struct bh_config *c, pid_t pid, struct joined *j, struct bh_err *err)
{
	int made = c->clone_flags | (c->cgroup_ns ? CLONE_NEWCGROUP : 0);
	char path[64];

	for (size_t i = 0; i < ARRAY_SIZE(namespace_files); i++) {
		char own[64];
		struct stat theirs, ours;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, namespace_files[i].name);
		snprintf(own, sizeof(own), "/proc/self/ns/%s", namespace_files[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && access(own, F_OK) < 0)
			continue; /* a kind of namespace this kernel does not have */
		if (fd < 0)
			return bh_fail_errno(err, -errno, "the container's %s namespace (%s)", namespace_files[i].name, path);
		if (fstat(fd, &theirs) == 0 && stat(own, &ours) == 0 && theirs.st_ino == ours.st_ino &&
		    theirs.st_dev == ours.st_dev) {
			close(fd);
			if (made & namespace_files[i].flag)
				return bh_fail(err, -ESRCH,
					       "pid %d is in the caller's own %s namespace, but the container made one of "
					       "its own: it is not the container's process",
					       (int)pid, namespace_files[i].name);
			continue;
		}
		j->ns_fds[i] = fd;
	}
	/* Its root too: setns into a mount namespace puts us at the
	 * namespace's root, which is the process's only when its runtime's
	 * caller was not itself chrooted (an init run by a test harness). */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if ((j->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return bh_fail_errno(err, -errno, "the container's root (%s)", path);
	return 0;
}

/* The cgroup PID is in (the "0::" line of /proc/PID/cgroup), opened: it
 * may have moved below CGROUPS_PATH (a container that enabled controllers
 * there keeps no process in CGROUPS_PATH itself), but never outside it. */
static int open_process_cgroup(pid_t pid, const char *cgroups_path, struct bh_err *err)
{
	const char *root = bh_cgroup_root();
	char path[64], text[4096], dir[4200];
	int n;

	if (!root)
		return bh_fail(err, -ENOENT, "cgroup: the container has no cgroup v2 of its own");
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if ((n = bh_read_file(path, text, sizeof(text))) < 0)
		return bh_fail_errno(err, n, "cgroup: %s", path);
	char *line = strstr(text, "0::/");
	while (line && line != text && line[-1] != '\n')
		line = strstr(line + 1, "0::/");
	if (!line)
		return bh_fail(err, -ENOENT, "cgroup: %s has no cgroup v2 line", path);
	char *in = line + strlen("0::/");
	in[strcspn(in, "\n")] = '\0';
	const char *wanted = cgroups_path + strspn(cgroups_path, "/");
	size_t len = strlen(wanted);
	while (len > 0 && wanted[len - 1] == '/')
		len--;
	if (strncmp(in, wanted, len) != 0 || (in[len] != '\0' && in[len] != '/') || strstr(in, ".."))
		return bh_fail(err, -EPERM, "cgroup: pid %d is in /%s, outside the container's cgroup /%.*s", (int)pid, in,
			       (int)len, wanted);
	snprintf(dir, sizeof(dir), "%s/%s", root, in);
	int fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bh_fail_errno(err, -errno, "cgroup: %s", dir);
	return fd;
}

/* In the helper: the cgroup before the namespaces, while the helper is
 * still the host's root (inside a user namespace the cgroup's files are
 * not its own); the process it clones inherits the cgroup. */
static int join_cgroup(int cgroup_fd, struct bh_err *err)
{
	if (cgroup_fd < 0)
		return 0;
	_cleanup_close_ int procs = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (procs < 0 || write(procs, "0", 1) != 1)
		return bh_fail_errno(err, -errno, "joining the container's cgroup");
	return 0;
}

static int join_namespaces(const struct joined *j, struct bh_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(namespace_files); i++)
		if (j->ns_fds[i] >= 0 && setns(j->ns_fds[i], namespace_files[i].flag) < 0)
			return bh_fail_errno(err, -errno, "joining the container's %s namespace", namespace_files[i].name);
	if (fchdir(j->root_fd) < 0 || chroot(".") < 0)
		return bh_fail_errno(err, -errno, "entering the container's root");
	return 0;
}

static void report_and_exit(int fd, int status, const struct bh_err *err)
{
	struct bh_child_report report = { .error = err->code ? err->code : -EIO, .status = status };

	memcpy(report.msg, err->msg, sizeof(report.msg));
	(void)!write(fd, &report, sizeof(report));
	_exit(status);
}

/* The exec'd process, inside every namespace and the cgroup. Returns only
 * on failure, with the status to exit with. */
static int apply_and_exec(const struct bh_config *c, int console_socket, int report_fd, struct bh_err *err)
{
	bh_signals_reset();
	/* A new session: the caller's terminal and job control stay outside,
	 * and the pty, if any, becomes this session's controlling terminal. */
	setsid();
	/* From the container's own devpts, as its first process's; its
	 * /dev/console is that process's and stays so. */
	if (c->terminal && bh_console_setup(c, console_socket, false, err) < 0)
		return BH_EXIT_SETUP;
	/* Only stdio and the report (close-on-exec) are left: the helper's and
	 * the caller's descriptors reach the host. */
	if (report_fd > 3)
		syscall(SYS_close_range, 3U, (unsigned)report_fd - 1, 0U);
	syscall(SYS_close_range, (unsigned)report_fd + 1, ~0U, 0U);

	/* The host and domain names are the container's, set at its start. */
	char command[4096];
	int status = bh_process_enter(c, false, command, sizeof(command), err);
	return status ? status : bh_command_exec(c, command, err);
}

/* The helper: reports the pid it cloned (in .status, .error 0) or why it
 * could not on HELPER_FD, and exits; the clone holds REPORT_FD until exec. */
static void helper_main(const struct bh_config *c, struct joined *j, int console_socket, int helper_fd,
			int report_fd)
{
	struct bh_err err = { 0 };

	/* execCPUAffinity: the CPUs to join the cgroup from, and then the
	 * process's own (joining a cgroup with a cpuset resets the first
	 * before Linux 6.2, and keeps it within the cpuset since); the clone
	 * inherits them, as it does oom_score_adj, which is set on ourselves
	 * through the host's /proc, before the mount namespace changes what
	 * /proc is. */
	if (c->exec_cpus_initial && sched_setaffinity(0, CPU_ALLOC_SIZE(BH_MAX_CPUS), c->exec_cpus_initial) < 0) {
		bh_fail_errno(&err, -errno, "process.execCPUAffinity.initial: sched_setaffinity");
		report_and_exit(helper_fd, BH_EXIT_SETUP, &err);
	}
	if (join_cgroup(j->cgroup_fd, &err) < 0 || bh_oom_score_apply(c, getpid(), &err) < 0)
		report_and_exit(helper_fd, BH_EXIT_SETUP, &err);
	if (c->exec_cpus_final && sched_setaffinity(0, CPU_ALLOC_SIZE(BH_MAX_CPUS), c->exec_cpus_final) < 0) {
		bh_fail_errno(&err, -errno, "process.execCPUAffinity.final: sched_setaffinity");
		report_and_exit(helper_fd, BH_EXIT_SETUP, &err);
	}
	/* Until its exec, a process of the container's could otherwise read
	 * ours and the clone's memory and descriptors through /proc: we hold
	 * the host's privileges and descriptors that reach outside. execve
	 * makes the command dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		bh_fail_errno(&err, -errno, "PR_SET_DUMPABLE");
		report_and_exit(helper_fd, BH_EXIT_SETUP, &err);
	}
	if (join_namespaces(j, &err) < 0)
		report_and_exit(helper_fd, BH_EXIT_SETUP, &err);
	/* The namespaces' and the cgroup's descriptors are the host's: the
	 * clone does not get them. */
	joined_close(j);
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(helper_fd);
		int status = apply_and_exec(c, console_socket, report_fd, &err);
		report_and_exit(report_fd, status, &err);
	}
	if (pid < 0) {
		bh_fail_errno(&err, -errno, "clone into the container");
		report_and_exit(helper_fd, BH_EXIT_SETUP, &err);
	}
	struct bh_child_report cloned = { .error = 0, .status = pid };
	(void)!write(helper_fd, &cloned, sizeof(cloned));
	_exit(0);
}

static int reap(pid_t pid)
{
	int wstatus = 0;

	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

/* A report that says why a child failed, into ERR. */
static int fail_from_report(struct bh_child_report *report, ssize_t n, const char *who, struct bh_err *err)
{
	if (n == -ETIMEDOUT)
		return bh_fail(err, -ETIMEDOUT, "%s did not finish within %d s", who, BH_SETUP_TIMEOUT_MS / 1000);
	if (n < 0)
		return bh_fail_errno(err, (int)n, "reading the report of %s", who);
	if (n != (ssize_t)sizeof(*report))
		return bh_fail(err, -EIO, "%s died without a report", who);
	report->msg[sizeof(report->msg) - 1] = '\0';
	return bh_fail(err, report->error ? report->error : -EIO, "%s", report->msg);
}

/* The caller's side, once the helper runs: its report, then the process's. */
static int await_exec(pid_t helper, int helper_fd, int report_fd, pid_t *pid_out, struct bh_err *err)
{
	struct bh_child_report report;
	ssize_t n = bh_child_report_read(helper_fd, &report, BH_SETUP_TIMEOUT_MS);

	if (n != (ssize_t)sizeof(report) || report.error != 0 || report.status <= 0) {
		kill(helper, SIGKILL);
		int status = reap(helper);
		int r = fail_from_report(&report, n == 0 ? -EPIPE : n, "joining the container", err);
		if (err)
			err->status = status;
		return r;
	}
	reap(helper);
	pid_t pid = report.status;
	/* EOF: the process's end of the report closed on exec. */
	n = bh_child_report_read(report_fd, &report, BH_SETUP_TIMEOUT_MS);
	if (n == 0) {
		*pid_out = pid;
		return 0;
	}
	if (n == -ETIMEDOUT)
		kill(pid, SIGKILL);
	int status = reap(pid);
	int r = fail_from_report(&report, n, "the exec'd process's setup", err);
	if (err)
		err->status = status;
	return r;
}

int bh_container_exec(const struct bh_config *c, pid_t container_pid, int container_pidfd, const char *cgroups_path,
		      int console_socket, pid_t *pid_out, struct bh_err *err)
{
	struct joined j = { .cgroup_fd = -1, .root_fd = -1 };
	int helper_pipe[2] = { -1, -1 }, report_pipe[2] = { -1, -1 };
	int r;

	/* As at create (container.c): a pty nobody receives, or a socket
	 * that waits for one forever, is the caller's mistake to name now. */
	if (bh_console_check(c, console_socket, err) < 0)
		return err->code;
	if (container_pidfd < 0)
		return bh_fail(err, -EINVAL, "exec needs a pidfd of the container's process");

	for (size_t i = 0; i < ARRAY_SIZE(j.ns_fds); i++)
		j.ns_fds[i] = -1;
	if ((r = open_namespaces(c, container_pid, &j, err)) < 0)
		goto out;
	if (cgroups_path && (j.cgroup_fd = r = open_process_cgroup(container_pid, cgroups_path, err)) < 0)
		goto out;
	/* The files were opened by number. Alive now through the pidfd, the
	 * process cannot have ended meanwhile and left its pid to another:
	 * what was opened is its own. */
	if (syscall(SYS_pidfd_send_signal, container_pidfd, 0, NULL, 0U) < 0) {
		r = bh_fail_errno(err, errno == ESRCH ? -ESRCH : -errno, "the container's process (pid %d) ended",
				  (int)container_pid);
		goto out;
	}
	if (pipe2(helper_pipe, O_CLOEXEC) < 0 || pipe2(report_pipe, O_CLOEXEC) < 0) {
		r = bh_fail_errno(err, -errno, "pipe");
		goto out;
	}
	pid_t helper = (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, NULL);
	if (helper == 0) {
		close(helper_pipe[0]);
		close(report_pipe[0]);
		helper_main(c, &j, console_socket, helper_pipe[1], report_pipe[1]);
	}
	if (helper < 0) {
		r = bh_fail_errno(err, -errno, "clone");
		goto out;
	}
	/* Only the helper and the process hold the write ends from here. */
	close(helper_pipe[1]);
	close(report_pipe[1]);
	helper_pipe[1] = report_pipe[1] = -1;
	r = await_exec(helper, helper_pipe[0], report_pipe[0], pid_out, err);
out:
	for (int i = 0; i < 2; i++) {
		if (helper_pipe[i] >= 0)
			close(helper_pipe[i]);
		if (report_pipe[i] >= 0)
			close(report_pipe[i]);
	}
	joined_close(&j);
	return r;
}
