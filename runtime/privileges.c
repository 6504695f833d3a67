/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a container's first process (container.c) and a process exec'd into
 * a running container (exec.c) share, so that each decision has one home:
 * the signal state they start from, the order in which privileges go, how
 * the command is found and exec'd, and how a failing child reports. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CLOSE_RANGE_CLOEXEC (1U << 2) /* linux/close_range.h, Linux 5.11 */

void bh_signals_reset(void)
{
	/* The kernel's sigaction for SIG_DFL, no flags, no mask: all zeros,
	 * whatever its layout on the architecture. */
	static const uint64_t default_action[4];
	sigset_t none;

	/* PID 1 blocks signals for its signalfd and may have been started
	 * with some ignored: both would survive exec and leave the container
	 * deaf to SIGTERM. Every signal is set, through the system call: libc
	 * refuses 32 to 34, which it keeps for itself, and an ignored one
	 * there reached the container (a test harness's). Not only those
	 * /proc/self/status says are ignored or caught: in a child under TCG
	 * reading that file took 260 us, these 64 calls 50. */
	for (int sig = 1; sig <= 64; sig++)
		syscall(SYS_rt_sigaction, sig, default_action, NULL, (size_t)8);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int change_ids(const struct bh_config *c, struct bh_err *err)
{
	/* Keep the permitted set across the uid change; bh_caps_apply then
	 * trims it to exactly what the config grants. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return bh_fail_errno(err, -errno, "keeping capabilities across setuid");
	if (setgroups(c->n_additional_gids, c->additional_gids) < 0)
		return bh_fail_errno(err, -errno, "setgroups");
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		return bh_fail_errno(err, -errno, "setresgid %u", (unsigned)c->gid);
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		return bh_fail_errno(err, -errno, "setresuid %u", (unsigned)c->uid);
	return 0;
}

/* Whether AppArmor answers here: its own current label reads (it says
 * EINVAL where the module is built in but off). */
static bool apparmor_on(void)
{
	char label[256];
	int fd = open("/proc/self/attr/apparmor/current", O_RDONLY | O_CLOEXEC);
	bool on = fd >= 0 && read(fd, label, sizeof(label)) > 0;

	if (fd >= 0)
		close(fd);
	return on;
}

/* process.apparmorProfile: the profile the command is to exec into, set
 * for the next exec (AppArmor's change_onexec), through the container's
 * own /proc, while we are still the one to decide. The file is
 * AppArmor's own where the kernel stacks security modules (Linux 5.8),
 * else the first module's. It must be procfs's: the container's /proc is
 * the config's and the image's to fill (no proc mount, a volume over it),
 * and a write to a plain file there would leave the command unconfined
 * (runc's CVE-2019-16884). Refused by name wherever it cannot be applied:
 * a config that asks for confinement never runs without it (crun refuses
 * too; runc and podman put one only where AppArmor is on). */
static int apparmor_apply(const struct bh_config *c, struct bh_err *err)
{
	const char *name = c->apparmor_profile;
	struct statfs fs;
	char text[1100];

	if (!name)
		return 0;
	int len = snprintf(text, sizeof(text), "exec %s", name);
	bool own_file = true;
	int fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		own_file = false;
		fd = open("/proc/self/attr/exec", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return bh_fail_errno(err, -errno,
				     "process.apparmorProfile \"%s\": /proc/self/attr (is /proc mounted in the container?)", name);
	if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return bh_fail(err, -EPERM, "process.apparmorProfile \"%s\": the container's /proc is not procfs", name);
	}
	ssize_t n = write(fd, text, (size_t)len);
	int e = n == len ? 0 : n < 0 ? errno : EIO;
	close(fd);
	if (e == EINVAL && own_file && apparmor_on())
		return bh_fail(err, -EINVAL, "process.apparmorProfile \"%s\": AppArmor refused the name", name);
	if (e == EINVAL)
		return bh_fail(err, -EINVAL, "process.apparmorProfile \"%s\": AppArmor is not enabled on this kernel; remove the "
					     "key, or run where it is", name);
	if (e == ENOENT)
		return bh_fail(err, -ENOENT, "process.apparmorProfile \"%s\": no profile of that name is loaded (apparmor_parser "
					     "-r loads one)", name);
	return e ? bh_fail_errno(err, -e, "process.apparmorProfile \"%s\"", name) : 0;
}

int bh_privileges_drop(const struct bh_config *c, struct bh_err *err)
{
	int r;

	/* The profile first, with everything of ours still in place to
	 * write it; it takes effect at the command's exec. */
	if ((r = apparmor_apply(c, err)) < 0)
		return r;

	/* From here privileges go, and nothing can be undone. The bounding set
	 * first, while CAP_SETPCAP is still held. */
	if ((r = bh_caps_drop_bounding(c, err)) < 0 || (r = change_ids(c, err)) < 0)
		return r;
	/* Descriptors the caller handed us (a directory fd above all) would
	 * reach the host's tree past the pivot: none but stdio survives exec.
	 * Ours from here on are close-on-exec already. Before the filter, which
	 * need not allow close_range. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return bh_fail_errno(err, -errno, "marking inherited descriptors close-on-exec");
	if (c->no_new_privileges) {
		/* no_new_privs lets an unprivileged process restrict itself:
		 * Landlock and seccomp come after the final capability sets,
		 * the filter last, so that it need not allow any of the setup. */
		if ((r = bh_caps_apply(c, err)) < 0)
			return r;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return bh_fail_errno(err, -errno, "no_new_privs");
		if ((r = bh_landlock_apply(c, err)) < 0 || (r = bh_seccomp_apply(c, err)) < 0)
			return r;
	} else {
		/* Without no_new_privs (setuid and file-capability programs keep
		 * working), restricting oneself takes CAP_SYS_ADMIN: Landlock and
		 * the filter are applied while we hold it, before the final
		 * capability sets, as runc does. The filter must then allow what
		 * follows: capset, prctl, faccessat, read and write, execve. */
		if ((r = bh_caps_hold_admin(c, err)) < 0 || (r = bh_landlock_apply(c, err)) < 0 ||
		    (r = bh_seccomp_apply(c, err)) < 0 || (r = bh_caps_apply(c, err)) < 0)
			return r;
	}
	return 0;
}

/* Finds the command as execvpe() would, but in the container's own PATH,
 * before create returns: a missing command is reported at create, not
 * after start, when no one is left to read the message. */
int bh_command_resolve(const struct bh_config *c, char *out, size_t size, struct bh_err *err)
{
	const char *path = bh_env_get(c->env, "PATH");
	const char *cmd = c->args[0];
	int saved = ENOENT;

	if (strchr(cmd, '/')) {
		snprintf(out, size, "%s", cmd);
		if (access(out, X_OK) == 0)
			return 0;
		return bh_fail(err, -errno, "exec %s: %s", cmd,
			       errno == ENOENT ? "not found in the container's rootfs" : strerror(errno));
	}
	for (const char *p = path ? path : DEFAULT_PATH; *p;) {
		size_t len = strcspn(p, ":");
		if (len > 0 && len + strlen(cmd) + 2 <= size) {
			snprintf(out, size, "%.*s/%s", (int)len, p, cmd);
			if (access(out, X_OK) == 0)
				return 0;
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		p += len + (p[len] == ':');
	}
	/* "executable file not found in": the words of runc and crun, which
	 * podman reads to exit 127 as a shell would. */
	return bh_fail(err, -saved, "exec %s: %s", cmd,
		       saved == ENOENT ? "executable file not found in the container's PATH" : strerror(saved));
}

int bh_command_exec(const struct bh_config *c, const char *command, struct bh_err *err)
{
	execve(command, c->args, c->env);
	int exec_errno = errno;
	bh_fail_errno(err, -exec_errno, "exec %s", command);
	return exec_errno == ENOENT ? BH_EXIT_NOTFOUND : BH_EXIT_NOEXEC;
}

/* Waits no longer than TIMEOUT_MS (-1: without end): the init calls us,
 * and PID 1 must not hang on a setup step that hangs (a mount that never
 * answers). */
ssize_t bh_child_report_read(int fd, struct bh_child_report *report, long timeout_ms)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long deadline = now.tv_sec * 1000L + now.tv_nsec / 1000000 + timeout_ms;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = deadline - (now.tv_sec * 1000L + now.tv_nsec / 1000000);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = timeout_ms < 0 ? poll(&p, 1, -1)
			    : left > 0	   ? poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left)
					   : 0;
		if (ready == 0 && left > 0)
			continue; /* a poll of INT_MAX ms ended, the deadline did not */
		if (ready == 0)
			return -ETIMEDOUT;
		if (ready < 0 && errno != EINTR)
			return -errno;
		if (ready < 0)
			continue;
		ssize_t n = read(fd, report, sizeof(*report));
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

int bh_process_enter(const struct bh_config *c, bool names, char *command, size_t size, struct bh_err *err)
{
	struct bh_config process_only = *c;

	if (!names)
		process_only.hostname = process_only.domainname = NULL;
	if (bh_process_apply(&process_only, err) < 0)
		return BH_EXIT_SETUP;
	if (chdir(c->cwd) < 0)
		return bh_fail_errno(err, -errno, "cwd %s", c->cwd), BH_EXIT_SETUP;
	/* From here privileges go, and nothing can be undone. */
	if (bh_privileges_drop(c, err) < 0)
		return BH_EXIT_PRIVDROP;
	if (bh_command_resolve(c, command, size, err) < 0)
		return err->code == -ENOENT ? BH_EXIT_NOTFOUND : BH_EXIT_NOEXEC;
	return 0;
}
