/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cloning the container process: born in its cgroup, through a helper when
 * it joins a user namespace by path, into a pid namespace joined by path.
 * What the clone runs is container.c's (bh_child_start). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* clone(2) of FLAGS, the child born in the cgroup CGROUP_FD when it is one
 * (clone3's CLONE_INTO_CGROUP): moving it in afterwards through cgroup.procs
 * takes the cgroup core's write lock, which waits for an RCU grace period,
 * milliseconds on a loaded machine, while the child is held, and holds up
 * every fork on the machine meanwhile. *JOINED says whether the child is in
 * the cgroup; a kernel older than 5.7 has no CLONE_INTO_CGROUP, and then
 * the caller moves it. Returns as clone does. */
static pid_t clone_into_cgroup(unsigned long flags, int cgroup_fd, bool *joined)
{
	*joined = false;
	if (cgroup_fd >= 0) {
		/* With CLONE_PARENT the child's exit signal is its parent's
		 * (clone ignores the one given): clone3 refuses any but 0 then
		 * (EINVAL), which would have the child moved in after all. */
		struct clone_args args = {
			.flags = (flags & ~(unsigned long)CSIGNAL) | CLONE_INTO_CGROUP,
			.exit_signal = flags & CLONE_PARENT ? 0 : flags & CSIGNAL,
			.cgroup = (uint64_t)cgroup_fd,
		};
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		/* EPERM too: older container seccomp profiles (Docker's,
		 * podman's) answer clone3 so, to make their callers fall back. */
		if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EPERM)) {
			*joined = pid >= 0;
			return (pid_t)pid;
		}
	}
	return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

/* The helper that joins a user namespace (clone_in_user_ns) and what it
 * answers: the container's pid or -errno (and the step that failed), and
 * whether it was born in its cgroup. The helper shares our memory; we wait
 * while it runs. */
struct user_ns_helper {
	const struct bh_child_start *start;
	int cgroup_fd;
	int result;
	const char *failed;
	bool joined;
};

/* The helper shares our descriptor table too (CLONE_FILES): a copy of it
 * would take a reference on every descriptor we hold (with 100 containers
 * some 250: their user namespaces, pipes and logs) and the helper's exit
 * would drop them all again, for each start. So what the helper opens it
 * closes before it exits, and it closes nothing of ours. */
static _Noreturn void user_ns_helper_exit(int fd)
{
	if (fd >= 0)
		close(fd);
	_exit(0);
}

static int user_ns_helper_main(void *arg)
{
	struct user_ns_helper *h = arg;
	const struct bh_config *c = h->start->c;
	int fd = open(c->user_ns_path, O_RDONLY | O_CLOEXEC);
	bool joined = false;

	/* The caller's root mount, attached here, still in our user namespace,
	 * in a mount namespace of the helper's own: the container's, copied
	 * from it into a less privileged owner, gets it with its flags locked
	 * (read-only, nodev, nosuid), as a mount of the caller's would be. */
	if (c->root_mount_fd >= 0 && (h->result = bh_mount_attach_root(c)) < 0) {
		h->failed = "mounting the caller's root mount";
		user_ns_helper_exit(fd);
	}
	h->result = fd < 0 || setns(fd, CLONE_NEWUSER) < 0 ? -errno : 0;
	h->failed = "joining its user namespace";
	if (h->result == 0) {
		/* Without CLONE_FILES: the container gets a table of its own,
		 * a copy of ours (the user namespace's descriptor in it is
		 * closed with the rest it does not keep). */
		pid_t pid = clone_into_cgroup((unsigned long)(CLONE_PARENT | SIGCHLD | h->start->c->clone_flags),
					      h->cgroup_fd, &joined);
		if (pid == 0)
			bh_child_start(h->start, joined); /* the container process, on its copy of our memory */
		h->result = pid < 0 ? -errno : pid;
		h->joined = joined;
	}
	user_ns_helper_exit(fd);
}

/* The helper's stack, and the container process's (on its copy) for its
 * whole setup: as large as a main thread's, reserved and not committed
 * (only the pages touched count), with a guard page below it, so that a
 * deep setup (tmpcopyup of a deep tree) faults rather than writes over
 * other memory. Mapped once: one helper at a time (we wait for it), and
 * each container process goes on on its own copy. NULL on failure. */
#define HELPER_STACK_SIZE ((size_t)8 << 20)
static char *helper_stack(void)
{
	static char *stack;

	if (stack)
		return stack;
	char *map = mmap(NULL, HELPER_STACK_SIZE + 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	if (mprotect(map, 4096, PROT_NONE) < 0) {
		munmap(map, HELPER_STACK_SIZE + 4096);
		return NULL;
	}
	return stack = map + 4096;
}

/* A joined user namespace must own the container's new namespaces, so it
 * is entered before they are made, and entering it cannot be undone: a
 * short-lived helper joins it and clones the container with CLONE_PARENT,
 * so that the container is still our child, born in its cgroup as
 * clone_into_cgroup makes it (the helper's ids are still ours on the
 * cgroup's files). The helper shares our memory and we wait while it runs
 * (CLONE_VM | CLONE_VFORK): no copy of our memory is made for it, only the
 * container's own, nor of our descriptor table (CLONE_FILES). Returns the container's pid, or -errno. */
static pid_t clone_in_user_ns(const struct bh_child_start *start, int cgroup_fd, bool *joined, struct bh_err *err)
{
	struct user_ns_helper h = { .start = start, .cgroup_fd = cgroup_fd, .result = -EIO };
	char *stack = helper_stack();

	if (!stack)
		return bh_fail_errno(err, -errno, "mapping the helper's stack");
	/* SIGCHLD: the container, cloned by the helper with CLONE_PARENT,
	 * takes the helper's exit signal, which is how we learn of its end. */
	pid_t helper = clone(user_ns_helper_main, stack + HELPER_STACK_SIZE, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
			     &h);
	if (helper < 0)
		return bh_fail_errno(err, -errno, "clone");
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	if (h.result < 0)
		return bh_fail_errno(err, h.result, "%s %s", h.failed, start->c->user_ns_path);
	*joined = h.joined;
	return h.result;
}

/* Clones the container process. A pid namespace joined by path only takes
 * effect for children, so we enter it for the one clone and go back to the
 * pid namespace our children had before: the caller's later children (the
 * init's other containers) are not affected. */
pid_t bh_clone_child(const struct bh_child_start *start, int cgroup_fd, bool *in_cgroup, struct bh_err *err)
{
	const struct bh_config *c = start->c;
	_cleanup_close_ int ours = -1, target = -1;
	pid_t pid;

	if (c->pid_ns_path) {
		if ((ours = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC)) < 0 ||
		    (target = open(c->pid_ns_path, O_RDONLY | O_CLOEXEC)) < 0)
			return bh_fail_errno(err, -errno, "pid namespace %s", c->pid_ns_path);
		if (setns(target, CLONE_NEWPID) < 0)
			return bh_fail_errno(err, -errno, "joining pid namespace %s", c->pid_ns_path);
	}
	*in_cgroup = false;
	pid = c->user_ns_path ? clone_in_user_ns(start, cgroup_fd, in_cgroup, err)
			      : clone_into_cgroup((unsigned long)(SIGCHLD | c->clone_flags), cgroup_fd, in_cgroup);
	if (pid == 0)
		return 0;
	int clone_errno = errno;
	if (ours >= 0 && setns(ours, CLONE_NEWPID) < 0 && pid > 0) {
		/* We could not go back: never leave a half-made container. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return bh_fail_errno(err, -errno, "returning to our pid namespace");
	}
	if (pid < 0)
		return bh_fail_errno(err, -clone_errno, "clone");
	return pid;
}
