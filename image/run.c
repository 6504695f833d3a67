/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead run: boot an appliance in QEMU and return its exit status.
 *
 * The init reports the appliance's status through QEMU's isa-debug-exit
 * device; init/contract.h has the encoding (debug_exit_byte, decoded here
 * by debug_exit_decode) and docs/appliance.md describes it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "image.h"

#define QEMU "qemu-system-x86_64"

#if defined(__x86_64__)
#include <x86intrin.h>

/* Under TCG a guest's TSC is this host's. microvm gives the kernel nothing
 * to calibrate it against but the PIT (no HPET, no ACPI PM timer), and on a
 * busy host that calibration fails: the TSC is marked unstable and the boot
 * can hang waiting for timer ticks. So we measure the rate here and hand it
 * over (tsc_early_khz=). Returns 0 when it cannot tell. */
static long long monotonic_raw_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One clock reading with the TSC read just before and after it: the two
 * TSC values bound when the clock was read (a preemption widens the gap). */
struct tsc_stamp {
	long long ns;
	unsigned long long before, after;
};

static struct tsc_stamp tsc_stamp(void)
{
	struct tsc_stamp s;

	s.before = __rdtsc();
	s.ns = monotonic_raw_ns();
	s.after = __rdtsc();
	return s;
}

static long host_tsc_khz(void)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	unsigned long long best_slack = ~0ULL;
	long khz = 0;

	/* Five tries; the one whose clock readings were bracketed tightest wins. */
	for (int i = 0; i < 5; i++) {
		struct tsc_stamp a = tsc_stamp();
		nanosleep(&nap, NULL);
		struct tsc_stamp b = tsc_stamp();
		unsigned long long slack = (a.after - a.before) + (b.after - b.before);
		long long ns = b.ns - a.ns;
		if (ns <= 0 || slack >= best_slack)
			continue;
		best_slack = slack;
		double ticks = (double)(b.before + b.after) / 2 - (double)(a.before + a.after) / 2;
		khz = (long)(ticks * 1e6 / (double)ns);
	}
	return khz;
}
#else
static long host_tsc_khz(void)
{
	return 0;
}
#endif

static int read_cmdline(const char *dir, char *out, size_t size, struct diag *d)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/cmdline", dir);
	if ((r = read_first_line(path, out, size)) < 0)
		return diag_fail(d, "%s: %s (is %s a bulkhead build output?)", path, strerror(-r), dir);
	return 0;
}

/* UEFI firmware for the disk formats: the code read-only, the variables
 * (boot entries) copied afresh for each boot so that every boot starts
 * from the same state and the package's file is never written. */
#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE.fd"
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS.fd"

static int fresh_vars(char *vars, size_t size, struct diag *d)
{
	const char *tmp = getenv("TMPDIR");

	if (access(OVMF_CODE, R_OK) < 0 || access(OVMF_VARS, R_OK) < 0)
		return diag_fail(d, "%s: %s (make deps installs ovmf, the UEFI firmware a disk boots with)",
				 access(OVMF_CODE, R_OK) < 0 ? OVMF_CODE : OVMF_VARS, strerror(errno));
	snprintf(vars, size, "%s/bulkhead-ovmf-vars-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(vars);
	if (fd < 0) {
		int e = errno;
		vars[0] = '\0';
		return diag_errno(d, e, "a copy of %s", OVMF_VARS);
	}
	close(fd);
	return copy_file(OVMF_VARS, vars, d);
}

/* A number the builder wrote into the command line ("bulkhead.memory=448"),
 * or 0. */
static long cmdline_number(const char *cmdline, const char *option)
{
	size_t n = strlen(option);

	for (const char *p = cmdline; (p = strstr(p, option)); p += n)
		if (p == cmdline || p[-1] == ' ')
			return strtol(p + n, NULL, 10);
	return 0;
}

/* Whether the builder wrote WORD, alone, into the command line. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = cmdline; (p = strstr(p, word)); p += n)
		if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* QEMU's command line and the strings it points into. */
struct qemu_cmd {
	const char *argv[128 + 2 * SECRETS_MAX]; /* the base, a boot's arguments, RUN_MAX_DISKS disks of 4, the NIC;
						    the secrets' fw_cfg */
	size_t argc;
	char machine[64], memory[16], monitor_path[PATH_MAX], monitor[PATH_MAX + 64], ctl_path[PATH_MAX],
		ctl[PATH_MAX + 64];
	char kernel[PATH_MAX], initrd[PATH_MAX], append[2200];
	char code[PATH_MAX + 64], vars[PATH_MAX], vars_drive[PATH_MAX + 64], boot_drive[PATH_MAX + 64];
	char disk_args[RUN_MAX_DISKS][PATH_MAX + 16 + NAME_MAX + 96], disk_devices[RUN_MAX_DISKS][64];
	char netdev[RUN_MAX_PUBLISH * 48 + 64], net_device[64];
};

static void add_args(struct qemu_cmd *q, const char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++)
		q->argv[q->argc++] = args[i];
}

static int qemu_cmd_make(struct qemu_cmd *q, const struct run_options *o, int accel, int memory_mb, int format,
			 const char *cmdline, struct diag *d)
{
	bool kvm = accel == ACCEL_KVM;

	snprintf(q->memory, sizeof(q->memory), "%d", memory_mb);
	/* QEMU's monitor, for `bulkhead stop` (the ACPI power button). */
	snprintf(q->monitor_path, sizeof(q->monitor_path), "%s/qemu-monitor.sock", o->dir);
	snprintf(q->monitor, sizeof(q->monitor), "unix:%s,server=on,wait=off", q->monitor_path);
	/* The VM's ttyS1 carries the init's control protocol (bulkhead ctl --vm). */
	snprintf(q->ctl_path, sizeof(q->ctl_path), "%s/" RUN_CTL_SOCKET, o->dir);
	snprintf(q->ctl, sizeof(q->ctl), "socket,id=ctl,path=%s,server=on,wait=off", q->ctl_path);
	snprintf(q->machine, sizeof(q->machine), "%s,accel=%s", o->microvm ? "microvm" : "pc", accel_names[accel]);
	/* The control channel as a second ISA serial port by hand: microvm
	 * makes one for the first -serial only. */
	const char *base[] = {
		QEMU, "-machine", q->machine, "-cpu", kvm ? "host" : "max",
		"-m", q->memory, "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
		"-serial", "stdio", "-chardev", q->ctl, "-device", "isa-serial,chardev=ctl,index=1", "-no-reboot",
		"-device", DEBUG_EXIT_DEVICE, "-monitor", q->monitor,
	};
	q->argc = 0;
	add_args(q, base, ARRAY_SIZE(base));

	if (format == FORMAT_KERNEL_INITRD) {
		snprintf(q->kernel, sizeof(q->kernel), "%s/kernel", o->dir);
		snprintf(q->initrd, sizeof(q->initrd), "%s/initrd.img", o->dir);
		/* tsc=reliable: the TSC is the host's; no watchdog on jiffies
		 * (all microvm has to check it with) should switch it off. */
		char tsc[64] = "";
		long khz = o->microvm && !kvm ? host_tsc_khz() : 0;
		if (khz > 0)
			snprintf(tsc, sizeof(tsc), " tsc_early_khz=%ld tsc=reliable", khz);
		snprintf(q->append, sizeof(q->append), "%s " QEMU_CMDLINE "%s%s", cmdline, tsc,
			 o->debug ? " " BOOT_OPTION_DEBUG : "");
		const char *boot[] = { "-kernel", q->kernel, "-initrd", q->initrd, "-append", q->append };
		add_args(q, boot, ARRAY_SIZE(boot));
	} else {
		if (o->microvm)
			return diag_fail(d, "the %s disk in %s needs UEFI firmware, which microvm has not; boot it on pc "
					    "(without --machine) or rebuild with --format kernel+initrd",
					 formats[format].name, o->dir);
		if (o->debug)
			return diag_fail(d, "--debug needs the kernel+initrd format: the %s disk in %s carries its own "
					    "command line (rebuild with --format kernel+initrd)",
					 formats[format].name, o->dir);
		if (fresh_vars(q->vars, sizeof(q->vars), d) < 0)
			return -1;
		snprintf(q->code, sizeof(q->code), "if=pflash,format=raw,unit=0,readonly=on,file=%s", OVMF_CODE);
		snprintf(q->vars_drive, sizeof(q->vars_drive), "if=pflash,format=raw,unit=1,file=%s", q->vars);
		const char *firmware[] = { "-drive", q->code, "-drive", q->vars_drive };
		add_args(q, firmware, ARRAY_SIZE(firmware));
	}

	/* Disks: one virtio-blk each; the init finds them by label. */
	size_t n_disks = 0;
	char disks_dir[PATH_MAX + 16];
	snprintf(disks_dir, sizeof(disks_dir), "%s/disks", o->dir);
	DIR *dh = opendir(disks_dir);
	for (struct dirent *e; dh && (e = readdir(dh)) && n_disks < RUN_MAX_DISKS;) {
		size_t len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".ext4") != 0)
			continue;
		/* microvm has no PCI: its virtio devices sit on MMIO slots. */
		/* The secrets disk read-only: nothing in the VM writes it. */
		bool secrets = strcmp(e->d_name, SECRETS_DISK_LABEL ".ext4") == 0;
		snprintf(q->disk_args[n_disks], sizeof(q->disk_args[0]), "file=%s/%s,format=raw,if=%s,id=disk%zu%s",
			 disks_dir, e->d_name, o->microvm ? "none" : "virtio", n_disks, secrets ? ",readonly=on" : "");
		snprintf(q->disk_devices[n_disks], sizeof(q->disk_devices[0]), "virtio-blk-device,drive=disk%zu",
			 n_disks);
		n_disks++;
	}
	if (dh)
		closedir(dh);
	for (size_t i = 0; i < n_disks; i++) {
		const char *drive[] = { "-drive", q->disk_args[i], "-device", q->disk_devices[i] };
		add_args(q, drive, o->microvm ? 4 : 2);
	}
	if (format != FORMAT_KERNEL_INITRD) {
		/* The boot disk sits in the PCI bus's last slot, after the data
		 * disks (QEMU gives -device its slot before any -drive
		 * if=virtio), so that they keep the names they have under
		 * -kernel, vda first; bootindex makes it the firmware's first
		 * choice all the same. Read-only: firmware has no need to write,
		 * and the disk stays as built. */
		snprintf(q->boot_drive, sizeof(q->boot_drive), "if=none,id=boot,format=%s,readonly=on,file=%s/%s",
			 formats[format].qemu, o->dir, formats[format].file);
		const char *boot[] = { "-drive", q->boot_drive, "-device",
				       "virtio-blk-pci,drive=boot,bootindex=0,addr=0x1f" };
		add_args(q, boot, ARRAY_SIZE(boot));
	}
	/* fw_cfg files: the init reads each once, and QEMU's copy stays out
	 * of every container's /sys. */
	for (char **arg = o->secret_args; arg && *arg; arg++) {
		/* Room for this one, the NIC's 4 and the NULL: a secret
		 * dropped here would boot without it. */
		if (q->argc + 1 + 4 + 1 > ARRAY_SIZE(q->argv))
			return diag_fail(d, "too many arguments for QEMU: no room for the secrets' -fw_cfg options "
					    "(give at most %d --secret)", SECRETS_MAX);
		q->argv[q->argc++] = *arg;
	}
	/* The NIC last, the same on every format: the disks keep their
	 * slots and names. */
	if (run_net_qemu_args(&o->net, o->microvm, cmdline_has(cmdline, BOOT_OPTION_EGRESS), q->netdev,
			      sizeof(q->netdev), q->net_device, sizeof(q->net_device))) {
		const char *nic[] = { "-netdev", q->netdev, "-device", q->net_device };
		add_args(q, nic, ARRAY_SIZE(nic));
	}
	q->argv[q->argc] = NULL;
	return 0;
}

static long long monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* Ends QEMU: SIGTERM first, so that it puts the terminal back as it found
 * it, then SIGKILL if it does not go. */
static void end_qemu(pid_t pid, int *wstatus)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, wstatus, WNOHANG) == pid)
			return;
		struct timespec tick = { 0, 20 * 1000 * 1000 };
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, wstatus, 0);
}

/* Watching a boot under KVM: the guest runs once its init has printed its
 * first line. Until then, what QEMU says on stderr is held back (its last
 * 4 KiB), since a fall-back to TCG makes it moot; once the guest runs it is
 * the user's, and goes out. */
struct kvm_watch {
	bool on, ready;
	size_t line_pos;       /* where the console is in its current line */
	char prefix[sizeof(INIT_CONSOLE_PREFIX) - 1];
	char held[4096];
	size_t n_held;
	/* The end of all QEMU said on stderr, whatever the accelerator, for
	 * run_net_failed to read why the NIC could not be set up. */
	char said[2048];
	size_t n_said;
};

static void watch_console(struct kvm_watch *w, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !w->ready; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			w->line_pos = 0;
			continue;
		}
		if (w->line_pos < sizeof(w->prefix))
			w->prefix[w->line_pos] = buf[i];
		if (++w->line_pos == sizeof(w->prefix) && memcmp(w->prefix, INIT_CONSOLE_PREFIX, sizeof(w->prefix)) == 0)
			w->ready = true;
	}
}

/* Appends BUF to TAIL (*LEN bytes of SIZE), keeping its last SIZE bytes. */
static void keep_tail(char *tail, size_t size, size_t *len, const char *buf, size_t n)
{
	if (n >= size) {
		buf += n - size, n = size;
		*len = 0;
	} else if (*len + n > size) {
		size_t drop = *len + n - size;
		memmove(tail, tail + drop, *len - drop);
		*len -= drop;
	}
	memcpy(tail + *len, buf, n);
	*len += n;
}

/* QEMU's stdio chardev makes the terminal non-blocking, and our stdout and
 * stderr share it: wait for room rather than drop the console. */
static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd room = { .fd = fd, .events = POLLOUT };
			poll(&room, 1, 1000);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w, n -= (size_t)w;
	}
}

/* QEMU's last two lines on stderr, joined by "; " for a one-line message:
 * an error and the assertion it ended in, say. */
static void last_held_lines(const struct kvm_watch *w, char *out, size_t size)
{
	size_t end = w->n_held, start, o = 0;
	int newlines = 0;

	while (end > 0 && (w->held[end - 1] == '\n' || w->held[end - 1] == ' '))
		end--;
	for (start = end; start > 0; start--)
		if (w->held[start - 1] == '\n' && ++newlines == 2)
			break;
	for (size_t i = start; i < end && o + 3 < size; i++) {
		if (w->held[i] == '\n')
			out[o++] = ';', out[o++] = ' ';
		else
			out[o++] = w->held[i];
	}
	out[o] = '\0';
}

enum { QEMU_EXITED, QEMU_TIMED_OUT, GUEST_SILENT };

/* Reads what FD has now and passes it on: console (IS_CONSOLE) to stdout,
 * stderr to ours or into W's hold. Returns the bytes passed on, 0 at the
 * pipe's end, -1 when there is nothing to read now. */
static ssize_t pass_on(int fd, bool is_console, struct kvm_watch *w)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? -1 : 0;
	if (n == 0)
		return 0;
	if (!is_console) {
		keep_tail(w->said, sizeof(w->said), &w->n_said, buf, (size_t)n);
		if (w->on && !w->ready)
			keep_tail(w->held, sizeof(w->held), &w->n_held, buf, (size_t)n);
		else
			write_all(STDERR_FILENO, buf, (size_t)n);
		return n;
	}
	bool was_ready = w->ready;
	watch_console(w, buf, (size_t)n);
	if (w->on && w->ready && !was_ready) {
		write_all(STDERR_FILENO, w->held, w->n_held);
		w->n_held = 0;
	}
	write_all(STDOUT_FILENO, buf, (size_t)n);
	return n;
}

/* Copies QEMU's console (OUT) and stderr (ERR; -1 for neither: QEMU has
 * ours) through until QEMU exits, DEADLINE (ms on the monotonic clock, 0:
 * none) passes, or, while W watches a KVM boot that has not reached the
 * init, SILENT_MS pass. Returns QEMU_EXITED, QEMU_TIMED_OUT or GUEST_SILENT;
 * QEMU has been waited for in every case. */
static int relay(pid_t pid, int out, int err, struct kvm_watch *w, long long silent_ms, long long deadline,
		 int *wstatus)
{
	struct pollfd fds[2] = { { .fd = out, .events = POLLIN }, { .fd = err, .events = POLLIN } };
	long long start = monotonic_ms();

	for (;;) {
		/* Nothing to relay, watch or time: just wait. */
		if (fds[0].fd < 0 && fds[1].fd < 0 && !deadline && !(w->on && !w->ready)) {
			while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
				;
			return QEMU_EXITED;
		}
		long long now = monotonic_ms();
		if (w->on && !w->ready && now - start >= silent_ms) {
			end_qemu(pid, wstatus);
			return GUEST_SILENT;
		}
		if (deadline && now >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, wstatus, 0);
			return QEMU_TIMED_OUT;
		}
		/* QEMU gone: what it wrote last is still in the pipes. Checked
		 * before the pipes' end, which a child of QEMU's could hold off. */
		if (waitpid(pid, wstatus, WNOHANG) == pid) {
			for (int i = 0; i < 2; i++)
				while (fds[i].fd >= 0 && pass_on(fds[i].fd, i == 0, w) > 0)
					;
			return QEMU_EXITED;
		}
		if (poll(fds, 2, 200) < 0 && errno != EINTR)
			fds[0].fd = fds[1].fd = -1; /* nothing more to relay; wait for QEMU */
		for (int i = 0; i < 2; i++)
			if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && pass_on(fds[i].fd, i == 0, w) == 0)
				fds[i].fd = -1;
		if (fds[0].fd < 0 && fds[1].fd < 0) {
			struct timespec tick = { 0, 20 * 1000 * 1000 };
			nanosleep(&tick, NULL);
		}
	}
}

/* Turns QEMU's exit into the appliance's status. */
static int appliance_status(int wstatus, struct diag *d)
{
	if (WIFSIGNALED(wstatus))
		return diag_fail(d, "QEMU was killed by signal %d", WTERMSIG(wstatus));
	int rc = WEXITSTATUS(wstatus), status = debug_exit_decode(rc);
	if (rc == 0)
		return diag_fail(d, "the VM stopped without reporting a status (a kernel panic or a reset?)");
	if (status < 0)
		return diag_fail(d, "QEMU failed (exit status %d)", rc);
	return status;
}

/* How long a guest under KVM may take to print its init's first line
 * before we take KVM to be unable to run it. KVM gets there in a second or
 * two; the bound is generous for a loaded host and the init's own start
 * (disks it waits for), plus the time to unpack a large initrd. */
static long long silent_bound_ms(const char *dir, int format)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, format == FORMAT_KERNEL_INITRD ? "initrd.img" : formats[format].file);
	long long mib = stat(path, &st) == 0 ? st.st_size >> 20 : 0;
	return 30000 + mib * 125; /* 30 s, and 1 s for every 8 MiB */
}

/* Whether QEMU's end before the guest ran is KVM's doing: QEMU crashed (as
 * it aborts when it cannot set an MSR), or gave up naming KVM. Any other
 * early failure (a disk's lock, memory it cannot get) is not, and TCG would
 * meet it too. */
static bool kvm_to_blame(int wstatus, const struct kvm_watch *w)
{
	static const int crashes[] = { SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE };

	if (WIFSIGNALED(wstatus)) {
		for (size_t i = 0; i < ARRAY_SIZE(crashes); i++)
			if (WTERMSIG(wstatus) == crashes[i])
				return true;
		return false;
	}
	return WEXITSTATUS(wstatus) == 1 && memmem(w->held, w->n_held, "kvm", 3) != NULL;
}

/* One boot with ACCEL, ended at DEADLINE (0: none). Returns the
 * appliance's status, or -1 with d set; *KVM_FAILED is set (with the
 * reason in d) when KVM could not run the guest, and only then. */
static int boot(const struct run_options *o, int accel, int memory_mb, int format, const char *cmdline,
		long long deadline, bool *kvm_failed, struct diag *d)
{
	struct qemu_cmd *q = calloc(1, sizeof(*q));
	struct kvm_watch w = { .on = accel == ACCEL_KVM };
	int pipes[2][2] = { { -1, -1 }, { -1, -1 } }, r = -1, wstatus = 0;

	*kvm_failed = false;
	if (!q)
		return diag_fail(d, "out of memory");
	if (qemu_cmd_make(q, o, accel, memory_mb, format, cmdline, d) < 0)
		goto out;
	unlink(q->monitor_path);
	unlink(q->ctl_path);
	/* Under TCG QEMU writes to our stdout itself; under KVM it comes
	 * through us, to watch the boot. Its stderr always does, so that a
	 * NIC QEMU could not set up is told in our words. Our ends never
	 * block. */
	for (int i = w.on ? 0 : 1; i < 2; i++)
		if (pipe2(pipes[i], O_CLOEXEC) < 0 || fcntl(pipes[i][0], F_SETFL, O_NONBLOCK) < 0) {
			diag_errno(d, errno, "pipe");
			goto out;
		}
	pid_t pid = spawn(q->argv, NULL, -1, pipes[0][1], pipes[1][1]);
	if (pid < 0) {
		diag_fail(d, "%s: %s (make deps installs qemu-system-x86)", QEMU, strerror((int)-pid));
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (pipes[i][1] >= 0)
			close(pipes[i][1]), pipes[i][1] = -1;
	long long bound = silent_bound_ms(o->dir, format);
	int how = relay(pid, pipes[0][0], pipes[1][0], &w, bound, deadline, &wstatus);
	char last[512];
	last_held_lines(&w, last, sizeof(last));
	if (how == GUEST_SILENT) {
		*kvm_failed = true;
		diag_fail(d, "the guest did not reach its init's first line within %lld s under KVM%s%s", bound / 1000,
			  last[0] ? "; QEMU said: " : "", last);
	} else if (how == QEMU_TIMED_OUT) {
		diag_fail(d, "the appliance did not power off within %d s; QEMU was killed", o->timeout_s);
	} else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 1 && !w.ready &&
		   run_net_failed(&o->net, w.said, w.n_said, d)) {
		/* Not KVM's doing: QEMU's own line, then ours saying what to do. */
		write_all(STDERR_FILENO, w.held, w.n_held);
	} else if (w.on && !w.ready && kvm_to_blame(wstatus, &w)) {
		*kvm_failed = true;
		if (WIFSIGNALED(wstatus))
			diag_fail(d, "QEMU was killed by signal %d under KVM before the guest ran%s%s", WTERMSIG(wstatus),
				  last[0] ? ": " : "", last);
		else
			diag_fail(d, "QEMU failed under KVM before the guest ran%s%s", last[0] ? ": " : "", last);
	} else {
		/* The guest ran, or it or QEMU ended for reasons of their own:
		 * what QEMU said is the user's. */
		write_all(STDERR_FILENO, w.held, w.n_held);
		r = appliance_status(wstatus, d);
	}
out:
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (pipes[i][j] >= 0)
				close(pipes[i][j]);
	if (q->vars[0])
		unlink(q->vars);
	free(q);
	return r;
}

static void notice(const struct run_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(const struct run_options *o, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	if (!o->notice)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->notice(line);
}

/* QEMU puts a terminal on stdin into raw, non-blocking mode and restores
 * it as it exits, unless it is killed: a KVM boot that had to be ended
 * would leave the user's shell without echo. */
struct terminal {
	bool saved;
	struct termios mode;
	int flags;
};

static void terminal_save(struct terminal *t)
{
	t->saved = tcgetattr(STDIN_FILENO, &t->mode) == 0 && (t->flags = fcntl(STDIN_FILENO, F_GETFL)) >= 0;
}

static void terminal_restore(const struct terminal *t)
{
	if (!t->saved)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &t->mode);
	fcntl(STDIN_FILENO, F_SETFL, t->flags);
}

int run_appliance(const struct run_options *o, struct diag *d)
{
	char cmdline[2048] = "", why[600];
	int format = format_of(o->dir);
	long long deadline = o->timeout_s ? monotonic_ms() + o->timeout_s * 1000LL : 0;

	/* A disk carries its own command line: the file only tells the memory. */
	if (read_cmdline(o->dir, cmdline, sizeof(cmdline), d) < 0 && format == FORMAT_KERNEL_INITRD)
		return -1;
	/* The builder recorded what the appliance needs; --memory wins. */
	long needed = cmdline_number(cmdline, BOOT_OPTION_MEMORY);
	int memory_mb = o->memory_mb ? o->memory_mb : needed > 0 && needed <= INT_MAX ? (int)needed : RUN_DEFAULT_MEMORY_MB;
	if (o->memory_mb && needed > o->memory_mb)
		notice(o, "--memory %d is less than the %ld MiB this appliance was built to need; its initramfs may not "
			  "unpack whole (the init will say so)", o->memory_mb, needed);

	int accel = accel_choose(o->accel, why, sizeof(why), d);
	if (accel < 0)
		return -1;
	if (why[0])
		notice(o, "booting under TCG: KVM could not run a guest on this host since it booted (%s); "
			  "--forget-accel tries KVM again", why);
	/* Signals: ctrl-c ends QEMU (it shares our terminal); we stay to
	 * report; a closed pipe on our side must not kill us mid-relay; and
	 * QEMU must stay ours to wait for, whatever we inherited. */
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	struct terminal terminal;
	terminal_save(&terminal);
	bool kvm_failed;
	int r = boot(o, accel, memory_mb, format, cmdline, deadline, &kvm_failed, d);
	terminal_restore(&terminal);
	if (!kvm_failed)
		return r;
	if (o->accel == ACCEL_KVM) {
		diag_prefix(d, "--accel kvm: KVM cannot run this guest here: ");
		strncat(d->msg, " (use --accel tcg, or auto, which falls back to TCG)", sizeof(d->msg) - strlen(d->msg) - 1);
		return -1;
	}
	snprintf(why, sizeof(why), "%.*s", (int)sizeof(why) - 1, d->msg);
	notice(o, "KVM cannot run this guest here (%s); booting again under TCG, as later runs will until the host "
		  "reboots (--forget-accel tries KVM again)", why);
	r = boot(o, ACCEL_TCG, memory_mb, format, cmdline, deadline, &kvm_failed, d);
	terminal_restore(&terminal);
	/* Remembered only once TCG has run the guest to a status: a failure
	 * that TCG meets as well was never KVM's. A verdict that cannot be
	 * written costs the next run the same try, nothing more. */
	if (r >= 0)
		(void)accel_remember_unusable(why);
	return r;
}

int stop_appliance(const char *dir, struct diag *d)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/qemu-monitor.sock", dir);
	/* The monitor speaks lines too: the same client as ctl's. */
	int r = ctl_raw(path, "system_powerdown\n", d);
	return r < 0 ? -1 : 0;
}
