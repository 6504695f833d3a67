/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-process settings that are neither namespaces nor privileges: host and
 * domain names, resource limits, the OOM score, the umask, sysctls, the
 * I/O priority, the scheduler and the personality. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int bh_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_names[i].resource;
	return -EINVAL;
}

/* Which sysctls a namespace makes private (Docker's rule, from the kernel's
 * own namespacing): the IPC ones, the network ones, and the UTS names. */
static const struct {
	const char *prefix;
	bool exact;
	int needs;
} namespaced_sysctls[] = {
	{ "kernel.msgmax", true, CLONE_NEWIPC },  { "kernel.msgmnb", true, CLONE_NEWIPC },
	{ "kernel.msgmni", true, CLONE_NEWIPC },  { "kernel.sem", true, CLONE_NEWIPC },
	{ "kernel.shmall", true, CLONE_NEWIPC },  { "kernel.shmmax", true, CLONE_NEWIPC },
	{ "kernel.shmmni", true, CLONE_NEWIPC },  { "kernel.shm_rmid_forced", true, CLONE_NEWIPC },
	{ "fs.mqueue.", false, CLONE_NEWIPC },    { "net.", false, CLONE_NEWNET },
	{ "kernel.hostname", true, CLONE_NEWUTS }, { "kernel.domainname", true, CLONE_NEWUTS },
};

int bh_sysctl_check(const char *key, int clone_flags)
{
	if (strstr(key, "..") || strchr(key, '/'))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(namespaced_sysctls); i++) {
		const char *prefix = namespaced_sysctls[i].prefix;
		bool match = namespaced_sysctls[i].exact ? strcmp(key, prefix) == 0
							 : strncmp(key, prefix, strlen(prefix)) == 0;
		if (match)
			return (clone_flags & namespaced_sysctls[i].needs) ? 0 : -EPERM;
	}
	return -EPERM;
}

int bh_sysctl_apply(const struct bh_config *c, struct bh_err *err)
{
	char path[512];

	for (char **kv = c->sysctl; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		int len = snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - *kv), *kv);
		if (len < 0 || (size_t)len >= sizeof(path))
			return bh_fail(err, -ENAMETOOLONG, "sysctl %s: name too long", *kv);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		int r = bh_write_file(path, eq + 1);
		if (r < 0)
			return bh_fail_errno(err, r, "sysctl %.*s", (int)(eq - *kv), *kv);
	}
	return 0;
}

int bh_oom_score_apply(const struct bh_config *c, pid_t pid, struct bh_err *err)
{
	char path[64], value[16];

	if (!c->has_oom_score_adj)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(value, sizeof(value), "%d", c->oom_score_adj);
	int r = bh_write_file(path, value);
	if (r < 0)
		return bh_fail(err, r, "process.oomScoreAdj %d: %s%s", c->oom_score_adj, strerror(-r),
			       r == -EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
	return 0;
}

/* The personality, the I/O priority and the scheduler: set in the process
 * itself, as runc does, while it still holds what a real-time class or
 * policy or a lower nice needs (CAP_SYS_NICE, or CAP_SYS_ADMIN for the
 * real-time I/O class before Linux 5.10), and kept across the exec. The
 * kernel judges those capabilities in the initial user namespace: in a
 * container with a user namespace of its own it refuses them, and the
 * start fails saying so. */
static int scheduling_apply(const struct bh_config *c, struct bh_err *err)
{
	enum { IOPRIO_WHO_PROCESS = 1 };
	_Static_assert(sizeof(struct bh_scheduler) == 48, "sched_attr's first size");

	if (c->has_personality && personality(c->personality) < 0)
		return bh_fail_errno(err, -errno, "linux.personality");
	if (c->has_io_priority && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, c->io_priority) < 0)
		return bh_fail(err, -errno, "process.ioPriority: ioprio_set: %s%s", strerror(errno),
			       errno == EPERM ? " (the real-time class needs CAP_SYS_NICE in the host's user namespace, "
						"which a container with its own does not have)"
					      : "");
	if (c->has_scheduler && syscall(SYS_sched_setattr, 0, &c->scheduler, 0U) < 0)
		return bh_fail(err, -errno, "process.scheduler: sched_setattr: %s%s", strerror(errno),
			       errno == EPERM ? " (a real-time or deadline policy, or a lower nice, needs CAP_SYS_NICE in the "
						"host's user namespace, which a container with its own does not have; "
						"SCHED_DEADLINE also needs every CPU in the process's affinity)"
			       : errno == EINVAL ? " (a real-time policy takes a priority of 1 to 99, the others 0; "
						   "SCHED_DEADLINE needs runtime <= deadline <= period)"
			       : errno == EBUSY	 ? " (SCHED_DEADLINE: no bandwidth left on these CPUs)"
						 : "");
	return 0;
}

int bh_process_apply(const struct bh_config *c, struct bh_err *err)
{
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return bh_fail_errno(err, -errno, "sethostname");
	if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return bh_fail_errno(err, -errno, "setdomainname");
	for (size_t i = 0; i < c->n_rlimits; i++) {
		struct rlimit limit = { .rlim_cur = c->rlimits[i].soft, .rlim_max = c->rlimits[i].hard };
		if (setrlimit(c->rlimits[i].resource, &limit) < 0)
			return bh_fail(err, -errno, "process.rlimits[%zu]: setrlimit: %s%s", i, strerror(errno),
				       errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
	}
	if (c->has_umask)
		umask(c->umask);
	return scheduling_apply(c, err);
}

int bh_config_rlimit_default(struct bh_config *c, int resource, unsigned long long soft, unsigned long long hard)
{
	for (size_t i = 0; i < c->n_rlimits; i++)
		if (c->rlimits[i].resource == resource)
			return 0;
	struct bh_rlimit *grown = realloc(c->rlimits, (c->n_rlimits + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	c->rlimits = grown;
	c->rlimits[c->n_rlimits++] = (struct bh_rlimit){ .resource = resource, .soft = soft, .hard = hard };
	return 0;
}
