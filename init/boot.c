/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Boot: leave the initramfs root, mount the essentials, read our options. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <jansson.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "init.h"

/* pivot_root(2) refuses to move the initramfs root, so containers could not
 * pivot out of it. A bind mount of / moved on top of / gives the same files
 * a real mount with a parent, without copying a byte. */
static int move_root_off_initramfs(struct bh_err *err)
{
	static const char staging[] = "/.bulkhead-root";

	if (mkdir(staging, 0700) < 0 && errno != EEXIST)
		return bh_fail_errno(err, -errno, "mkdir %s", staging);
	if (mount("/", staging, NULL, MS_BIND, NULL) < 0 || chdir(staging) < 0 ||
	    mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return bh_fail_errno(err, -errno, "moving / off the initramfs");
	return 0;
}

static const struct {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
	bool optional; /* a kernel without it still boots, with a warning */
} essential_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", false },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666", true },
	{ "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", true },
	{ "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true },
	{ "run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", false },
	{ "tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", false },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate", false },
};

static int mount_essentials(struct bh_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(essential_mounts); i++) {
		const __typeof__(essential_mounts[0]) *m = &essential_mounts[i];
		if (mkdir(m->target, 0755) < 0 && errno != EEXIST && !m->optional)
			return bh_fail_errno(err, -errno, "mkdir %s", m->target);
		if (mount(m->source, m->target, m->type, m->flags, m->data) == 0)
			continue;
		if (errno == EBUSY)
			continue; /* the kernel mounted it for us (devtmpfs.mount=1) */
		if (m->optional) {
			log_warn_errno(errno, "mount %s on %s", m->type, m->target);
			continue;
		}
		return bh_fail_errno(err, -errno, "mount %s on %s", m->type, m->target);
	}
	return 0;
}

/* The console the kernel gave us, or /dev/console once devtmpfs is there. */
static void ensure_console(void)
{
	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* What follows OPTION ("bulkhead.memory=") in WORD, or NULL. */
static const char *option_value(const char *word, const char *option)
{
	size_t n = strlen(option);
	return strncmp(word, option, n) == 0 ? word + n : NULL;
}

/* The bulkhead.* options of contract.h; any other word is the kernel's. */
static void parse_option(struct boot_options *options, const char *word)
{
	const char *v;

	if (strcmp(word, BOOT_OPTION_EXIT BOOT_EXIT_ISA_DEBUG_EXIT) == 0)
		options->debug_exit = true;
	else if (strcmp(word, BOOT_OPTION_DEBUG) == 0)
		options->debug = true;
	else if (strcmp(word, BOOT_OPTION_SHELL) == 0)
		options->shell = true;
	else if ((v = option_value(word, BOOT_OPTION_MEMORY)))
		options->memory_mib = strtoul(v, NULL, 10);
	else if ((v = option_value(word, BOOT_OPTION_INITRD)))
		options->initrd_mib = strtoul(v, NULL, 10);
	else if ((v = option_value(word, BOOT_OPTION_CTL)) && strspn(v, "abcdefghijklmnopqrstuvwxyzS0123456789") == strlen(v))
		snprintf(options->ctl_tty, sizeof(options->ctl_tty), "%s", v);
}

void boot_options_from_args(struct boot_options *options, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		parse_option(options, argv[i]);
}

/* The busybox of any container will do: the image carries no other. */
void emergency_shell(const struct boot_options *options)
{
	static const char *const candidates[] = { "/containers/*/*/rootfs/bin/busybox", "/bin/busybox" };
	glob_t found = { 0 };
	const char *shell = NULL;
	char shared[64];

	if (!options->shell)
		return;
	for (size_t i = 0; i < 2 && !shell; i++)
		if (glob(candidates[i], 0, NULL, &found) == 0 && found.gl_pathc > 0)
			shell = found.gl_pathv[0];
	/* Read-only containers in ranges have theirs in a shared image. */
	if (!shell && images_busybox(shared, sizeof(shared)))
		shell = shared;
	if (!shell) {
		log_warn(BOOT_OPTION_SHELL ": no busybox in the image to run a shell with");
		return;
	}
	log_warn(BOOT_OPTION_SHELL ": starting an emergency shell; leave it to power off");
	pid_t pid = fork();
	if (pid == 0) {
		char *const args[] = { "sh", NULL };
		char *const env[] = { "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "PS1=bulkhead# ", NULL };
		execve(shell, args, env);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	globfree(&found);
}

static void read_options(struct boot_options *options)
{
	char cmdline[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	cmdline[n] = '\0';
	for (char *save = NULL, *word = strtok_r(cmdline, " \n", &save); word;
	     word = strtok_r(NULL, " \n", &save))
		parse_option(options, word);
}

int boot_prepare(struct boot_options *options, struct bh_err *err)
{
	int r;

	debug_phase(options, "start"); /* the clock starts here */

	if ((r = move_root_off_initramfs(err)) < 0)
		return r;
	if ((r = mount_essentials(err)) < 0)
		return r;
	ensure_console();
	read_options(options);
	return 0;
}

int initrd_check(const struct boot_options *options, struct bh_err *err)
{
	struct sysinfo si;

	if (access("/" INITRD_END, F_OK) == 0)
		return 0;
	unsigned long long have = sysinfo(&si) == 0 ? (unsigned long long)si.totalram * si.mem_unit >> 20 : 0;
	if (!options->memory_mib || !options->initrd_mib)
		return bh_fail(err, -ENOSPC,
			       "the initramfs was not unpacked whole (/%s is missing): is the VM's memory (%llu MiB for "
			       "the kernel) too small for it? The kernel unpacks it into at most half of that",
			       INITRD_END, have);
	return bh_fail(err, -ENOSPC,
		       "the initramfs was not unpacked whole: it takes %lu MiB unpacked, and the kernel unpacks it into at "
		       "most half of the %llu MiB it has here. Boot the VM with at least %lu MiB (bulkhead run gives it "
		       "that unless --memory says less)",
		       options->initrd_mib, have, options->memory_mib);
}

/* Left to itself, jansson seeds its hash tables from /dev/urandom on its
 * first object. Early in a VM's boot the kernel's pool may not be ready,
 * and a read of /dev/urandom then runs the kernel's jitter-entropy loop in
 * the reader until it is (Linux 5.18 and later): a whole second of PID 1's
 * CPU under emulation with kernel: minimal. The seed only keeps colliding
 * keys from being chosen in advance, and what PID 1 parses the builder
 * wrote. */
void json_seed_nonblocking(void)
{
	uint32_t seed = random32_nonblocking();

	json_object_seed(seed ? seed : 1); /* 0 asks jansson to read /dev/urandom */
}

void loopback_up(void)
{
	int r = bh_loopback_up();

	if (r < 0)
		log_warn_errno(-r, "bringing up lo");
}

static long long monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* CLOCK_MONOTONIC starts with the kernel (after decompression): its reading
 * at the init's first instruction of note is the kernel's boot to PID 1. */
static long long kernel_to_init_us;

void debug_kernel_boot(const struct boot_options *o)
{
	if (o->debug)
		log_info("debug: the kernel took %lld us to start PID 1", kernel_to_init_us);
}

void debug_phase(const struct boot_options *o, const char *phase)
{
	static long long start, last;
	long long now = monotonic_us();

	if (!start) {
		start = last = now;
		kernel_to_init_us = now;
	}
	if (o->debug)
		log_info("debug: %s took %lld us (%lld us since the init started)", phase, now - last, now - start);
	last = now;
}

void debug_memory(const struct boot_options *o)
{
	char status[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, status, sizeof(status) - 1);

	if (fd >= 0)
		close(fd);
	if (!o->debug || n <= 0)
		return;
	status[n] = '\0';
	char *rss = strstr(status, "VmRSS:");
	if (rss) {
		rss[strcspn(rss, "\n")] = '\0';
		log_info("debug: %s", rss);
	}
	/* Under emulation a page fault costs tens of microseconds: the
	 * count says how much of a start went to them. */
	struct rusage usage;
	if (getrusage(RUSAGE_SELF, &usage) == 0)
		log_info("debug: page faults in PID 1: %ld", usage.ru_minflt + usage.ru_majflt);
}

/* The BPF JIT off: every start loads its container's seccomp filter (some
 * 400 classic BPF instructions) and the JIT compiled each one, 0.9 ms of a
 * start's 16 under emulation (QEMU's instruction count, 100 containers).
 * At run time the kernel answers most system calls from a filter's action
 * cache (Linux 5.11) without running it; its interpreter runs the rest,
 * and the device program. A kernel without the JIT (kernel: minimal) has
 * no such file, and one with the JIT alone (BPF_JIT_ALWAYS_ON) refuses the
 * 0: either way nothing changes. The machine's init only (main.c): on a
 * host (the tests, bench/boot.sh's native rows) the setting is the host's. */
void bpf_jit_off(void)
{
	int fd = open("/proc/sys/net/core/bpf_jit_enable", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "0", 1) < 0 && errno != EPERM && errno != EINVAL)
		log_warn_errno(errno, "turning the BPF JIT off");
	close(fd);
}

/* Every running container costs PID 1 two descriptors (its output pipe and
 * its log): the kernel's default of 1024 for PID 1 ran out at some 500. */
void init_limits(struct boot_options *options)
{
	struct rlimit limit;
	char text[32] = "";

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn_errno(errno, "making PID 1 non-dumpable");
	/* The kernel's RLIMIT_NPROC (half of threads-max, some hundreds on a
	 * small VM) binds no process of the VM's root, but binds a container's
	 * root in its user namespace, counted per user: a container's limit is
	 * its pids controller (resources.pids) or its own rlimits, not this. */
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	if (setrlimit(RLIMIT_NPROC, &unlimited) < 0)
		log_warn_errno(errno, "lifting the process count limit");
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
		return;
	options->nofile_soft = limit.rlim_cur;
	options->nofile_hard = limit.rlim_max;
	int fd = open("/proc/sys/fs/nr_open", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	if (fd >= 0)
		close(fd);
	unsigned long long nr_open = n > 0 ? strtoull(text, NULL, 10) : 0;
	if (nr_open > limit.rlim_max) {
		struct rlimit raised = { .rlim_cur = nr_open, .rlim_max = nr_open };
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			return;
	}
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) < 0)
		log_warn_errno(errno, "raising the descriptor limit");
}
