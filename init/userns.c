/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Each container's user namespace, made at boot before anything else of
 * the container and kept for the appliance's life by a descriptor PID 1
 * holds, reached at USERNS_DIR/NAME (a symlink to that descriptor in
 * /proc): its config.json joins it there, so a restart gets the same one;
 * the init makes its network namespace inside it, so that the container's
 * root owns that namespace (sysfs, sysctls, ports below 1024 are its to
 * use, the VM's are not).
 *
 * Not a bind mount of the namespace file: every container's clone copies
 * PID 1's mount namespace, and a start then paid for the mounts of all the
 * others (copied, made private, detached at the pivot): a start's cost grew
 * with the number of containers.
 *
 * A user namespace is made by a process, and PID 1 could never come back
 * from one: a short-lived child is cloned into it, we write its maps from
 * outside (only a process of the parent namespace may map ids it owns),
 * open its namespace file, and let it go. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

/* How long a child made here may take to say it is ready. */
#define USERNS_CHILD_MS 10000

static int write_map(pid_t pid, const char *file, unsigned base, unsigned size, struct bh_err *err)
{
	char path[64], line[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	int n = snprintf(line, sizeof(line), "0 %u %u\n", base, size);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		return bh_fail_errno(err, -errno, "%s", path);
	return 0;
}

/* Binds /proc/PID/ns/WHICH on PATH, a file made here; -errno. */
static int keep_namespace(pid_t pid, const char *which, const char *path, struct bh_err *err)
{
	char source[64];

	snprintf(source, sizeof(source), "/proc/%d/ns/%s", pid, which);
	_cleanup_close_ int file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (file < 0)
		return bh_fail_errno(err, -errno, "%s", path);
	if (mount(source, path, NULL, MS_BIND, NULL) < 0) {
		int r = bh_fail_errno(err, -errno, "keeping %s at %s", source, path);
		unlink(path);
		return r;
	}
	return 0;
}

/* Opens /proc/PID/ns/user, never to close it, and links PATH to that
 * descriptor: opening PATH opens the namespace. Only processes that may
 * look into PID 1 (root of the VM's own ids) can follow the link; the
 * containers never see USERNS_DIR. -errno. */
static int keep_by_descriptor(pid_t pid, const char *path, struct bh_err *err)
{
	char source[64], target[64];

	snprintf(source, sizeof(source), "/proc/%d/ns/user", pid);
	_cleanup_close_ int opened = open(source, O_RDONLY | O_CLOEXEC);
	/* Above the standard streams, which may be closed (no console): a
	 * write meant for them must never land in the namespace. */
	int fd = opened < 0 ? -1 : fcntl(opened, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return bh_fail_errno(err, -errno, "%s", source);
	snprintf(target, sizeof(target), "/proc/%d/fd/%d", getpid(), fd);
	if (symlink(target, path) < 0) {
		int r = bh_fail_errno(err, -errno, "keeping %s at %s", source, path);
		close(fd);
		return r;
	}
	return 0;
}

/* The child's word: an int, 0 or -errno, and its message. Waited for with
 * a bound, so that a child stuck in the kernel cannot hold PID 1. */
struct child_word {
	int result;
	char msg[sizeof(((struct bh_err *)0)->msg)];
};

static int hear(int fd, struct bh_err *err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct child_word w = { .result = -EIO };

	if (poll(&p, 1, USERNS_CHILD_MS) != 1)
		return bh_fail(err, -ETIMEDOUT, "a namespace helper did not answer within %d s", USERNS_CHILD_MS / 1000);
	if (read(fd, &w, sizeof(w)) != (ssize_t)sizeof(w))
		return bh_fail(err, -EIO, "a namespace helper ended before it answered");
	if (w.result < 0)
		return bh_fail(err, w.result, "%s", w.msg);
	return 0;
}

static void end_child(pid_t pid, int *channel)
{
	close(channel[0]);
	close(channel[1]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* The child that holds a new user namespace until its maps are written
 * and its namespace kept: it waits on the pipe at *ARG until it is killed.
 * It runs on PID 1's memory (while PID 1 goes on), so it only waits and
 * exits its own task: no allocation, nothing of libc's state touched but
 * errno if the read failed (no handler is installed yet: no EINTR). */
static int wait_to_be_let_go(void *arg)
{
	char byte;

	syscall(SYS_read, *(int *)arg, &byte, 1);
	syscall(SYS_exit, 0);
	return 0;
}

static int userns_make(const struct container_spec *c, struct bh_err *err)
{
	char path[128];
	int channel[2];

	snprintf(path, sizeof(path), USERNS_DIR "/%s", c->name);
	if (pipe2(channel, O_CLOEXEC) < 0)
		return bh_fail_errno(err, -errno, "pipe");
	/* Born in a new user namespace, on our memory (no copy of it made or
	 * torn down: a hundred containers made a hundred copies of PID 1). */
	static char stack[16384] __attribute__((aligned(16)));
	pid_t pid = clone(wait_to_be_let_go, stack + sizeof(stack), CLONE_VM | CLONE_NEWUSER | SIGCHLD, &channel[0]);
	if (pid < 0) {
		close(channel[0]);
		close(channel[1]);
		return bh_fail_errno(err, -errno, "a user namespace");
	}
	int r = write_map(pid, "uid_map", c->userns_base, c->userns_size, err);
	if (r == 0)
		r = write_map(pid, "gid_map", c->userns_base, c->userns_size, err);
	if (r == 0)
		r = keep_by_descriptor(pid, path, err);
	end_child(pid, channel);
	return r;
}

void userns_make_all(const struct appliance *a)
{
	const struct container_spec *c;
	struct bh_err err = { 0 };
	size_t made = 0, wanted = 0;

	for (size_t i = 0; (c = appliance_container(a, i)); i++)
		wanted += c->userns_size > 0;
	if (!wanted)
		return;
	if ((mkdir(CONTROL_DIR, 0700) < 0 && errno != EEXIST) || (mkdir(USERNS_DIR, 0700) < 0 && errno != EEXIST)) {
		log_warn_errno(errno, "%s: none of the %zu containers with a user namespace will start", USERNS_DIR,
			       wanted);
		return;
	}
	for (size_t i = 0; (c = appliance_container(a, i)); i++) {
		if (!c->userns_size)
			continue;
		/* Without it the container's start fails: it joins this path. */
		if (userns_make(c, &err) < 0)
			log_warn("%s: its user namespace: %s; it will not start", c->name, err.msg);
		else
			made++;
	}
	log_info("user namespaces: %zu of %zu made", made, wanted);
}

int userns_netns_make(const struct container_spec *c, const char *path, int (*prepare)(struct bh_err *),
		      struct bh_err *err)
{
	char userns[128];
	int channel[2];

	snprintf(userns, sizeof(userns), USERNS_DIR "/%s", c->name);
	_cleanup_close_ int fd = open(userns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bh_fail_errno(err, -errno, "%s", userns);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) < 0)
		return bh_fail_errno(err, -errno, "socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		struct child_word w = { 0 };
		struct bh_err inner = { 0 };
		char byte;
		close(channel[0]);
		if (setns(fd, CLONE_NEWUSER) < 0 || unshare(CLONE_NEWNET) < 0)
			w.result = bh_fail_errno(&inner, -errno, "%s: a network namespace in its user namespace", c->name);
		else
			w.result = prepare(&inner);
		memcpy(w.msg, inner.msg, sizeof(w.msg));
		(void)!write(channel[1], &w, sizeof(w));
		(void)!read(channel[1], &byte, 1); /* until its namespace is kept */
		_exit(0);
	}
	if (pid < 0) {
		close(channel[0]);
		close(channel[1]);
		return bh_fail_errno(err, -errno, "fork");
	}
	int r = hear(channel[0], err);
	if (r == 0)
		r = keep_namespace(pid, "net", path, err);
	end_child(pid, channel);
	return r;
}
