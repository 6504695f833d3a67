/* bulkhead run: boot an appliance in QEMU and return its exit status.
 *
 * The init reports the appliance's status S through QEMU's isa-debug-exit
 * device by writing S+1 (S clamped to 0..126); QEMU then exits with
 * ((S+1) << 1) | 1. So an odd exit status of 3 or more carries S, 1 is
 * QEMU's own error and 0 means the VM stopped without a verdict. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
	FILE *f;

	snprintf(path, sizeof(path), "%s/cmdline", dir);
	if (!(f = fopen(path, "r")))
		return diag_fail(d, "%s: %s (is %s a bulkhead build output?)", path, strerror(errno), dir);
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int wait_qemu(pid_t pid, int timeout_s, int *wstatus)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long waited_ms = 0;

	for (;;) {
		pid_t r = waitpid(pid, wstatus, timeout_s ? WNOHANG : 0);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (timeout_s && waited_ms >= timeout_s * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, wstatus, 0);
			return 1;
		}
		nanosleep(&tick, NULL);
		waited_ms += 20;
	}
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
		return diag_fail(d, "a copy of %s: %s", OVMF_VARS, strerror(e));
	}
	close(fd);
	return copy_file(OVMF_VARS, vars, d);
}

static void add_args(const char **argv, size_t *argc, const char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++)
		argv[(*argc)++] = args[i];
}

/* Waits for QEMU and turns its exit into the appliance's status. */
static int appliance_status(pid_t pid, int timeout_s, struct diag *d)
{
	int wstatus, waited = wait_qemu(pid, timeout_s, &wstatus);

	if (waited < 0)
		return diag_fail(d, "waiting for QEMU: %s", strerror(errno));
	if (waited > 0)
		return diag_fail(d, "the appliance did not power off within %d s; QEMU was killed", timeout_s);
	if (WIFSIGNALED(wstatus))
		return diag_fail(d, "QEMU was killed by signal %d", WTERMSIG(wstatus));
	int rc = WEXITSTATUS(wstatus);
	if (rc == 0)
		return diag_fail(d, "the VM stopped without reporting a status (a kernel panic or a reset?)");
	if (rc % 2 == 0 || rc == 1)
		return diag_fail(d, "QEMU failed (exit status %d)", rc);
	return (rc >> 1) - 1;
}

int run_appliance(const struct run_options *o, struct diag *d)
{
	char kernel[PATH_MAX], initrd[PATH_MAX], cmdline[2048], append[2200], memory[16];
	char code[PATH_MAX + 64], vars[PATH_MAX] = "", vars_drive[PATH_MAX + 64], boot_drive[PATH_MAX + 64];
	bool kvm = access("/dev/kvm", R_OK | W_OK) == 0;
	int format = format_of(o->dir), r = -1;

	snprintf(memory, sizeof(memory), "%d", o->memory_mb);
	/* QEMU's monitor, for `bulkhead stop` (the ACPI power button). */
	char monitor_path[PATH_MAX], monitor[PATH_MAX + 64];
	snprintf(monitor_path, sizeof(monitor_path), "%s/qemu-monitor.sock", o->dir);
	snprintf(monitor, sizeof(monitor), "unix:%s,server=on,wait=off", monitor_path);
	/* The VM's ttyS1 carries the init's control protocol (bulkhead ctl --vm). */
	char ctl_path[PATH_MAX], ctl[PATH_MAX + 64];
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl.sock", o->dir);
	snprintf(ctl, sizeof(ctl), "socket,id=ctl,path=%s,server=on,wait=off", ctl_path);

	char machine[64];
	snprintf(machine, sizeof(machine), "%s,accel=%s", o->microvm ? "microvm" : "pc", kvm ? "kvm" : "tcg");
	/* The control channel as a second ISA serial port by hand: microvm
	 * makes one for the first -serial only. */
	/* Room for the worst case: the base, a boot's arguments, 16 disks of 4. */
	const char *argv[128] = {
		QEMU, "-machine", machine, "-cpu", kvm ? "host" : "max",
		"-m", memory, "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
		"-serial", "stdio", "-chardev", ctl, "-device", "isa-serial,chardev=ctl,index=1", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x01", "-monitor", monitor, NULL,
	};
	size_t argc = 0;
	while (argv[argc])
		argc++;

	if (format == FORMAT_KERNEL_INITRD) {
		if (read_cmdline(o->dir, cmdline, sizeof(cmdline), d) < 0)
			return -1;
		snprintf(kernel, sizeof(kernel), "%s/kernel", o->dir);
		snprintf(initrd, sizeof(initrd), "%s/initrd.img", o->dir);
		/* tsc=reliable: the TSC is the host's; no watchdog on jiffies
		 * (all microvm has to check it with) should switch it off. */
		char tsc[64] = "";
		long khz = o->microvm && !kvm ? host_tsc_khz() : 0;
		if (khz > 0)
			snprintf(tsc, sizeof(tsc), " tsc_early_khz=%ld tsc=reliable", khz);
		snprintf(append, sizeof(append), "%s " QEMU_CMDLINE "%s%s", cmdline, tsc, o->debug ? " bulkhead.debug" : "");
		const char *boot[] = { "-kernel", kernel, "-initrd", initrd, "-append", append };
		add_args(argv, &argc, boot, sizeof(boot) / sizeof(boot[0]));
	} else {
		if (o->microvm)
			return diag_fail(d, "the %s disk in %s needs UEFI firmware, which microvm has not; boot it on pc "
					    "(without --machine) or rebuild with --format kernel+initrd",
					 formats[format].name, o->dir);
		if (o->debug)
			return diag_fail(d, "--debug needs the kernel+initrd format: the %s disk in %s carries its own "
					    "command line (rebuild with --format kernel+initrd)",
					 formats[format].name, o->dir);
		if (fresh_vars(vars, sizeof(vars), d) < 0)
			goto out;
		snprintf(code, sizeof(code), "if=pflash,format=raw,unit=0,readonly=on,file=%s", OVMF_CODE);
		snprintf(vars_drive, sizeof(vars_drive), "if=pflash,format=raw,unit=1,file=%s", vars);
		const char *firmware[] = { "-drive", code, "-drive", vars_drive };
		add_args(argv, &argc, firmware, sizeof(firmware) / sizeof(firmware[0]));
	}
	unlink(monitor_path);
	unlink(ctl_path);

	/* Disks: one virtio-blk each; the init finds them by label. */
	char disk_args[16][PATH_MAX + 64], disk_devices[16][64];
	size_t n_disks = 0;
	char disks_dir[PATH_MAX + 16];
	snprintf(disks_dir, sizeof(disks_dir), "%s/disks", o->dir);
	DIR *dh = opendir(disks_dir);
	for (struct dirent *e; dh && (e = readdir(dh)) && n_disks < 16;) {
		size_t len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".ext4") != 0)
			continue;
		/* microvm has no PCI: its virtio devices sit on MMIO slots. */
		snprintf(disk_args[n_disks], sizeof(disk_args[0]), "file=%s/%s,format=raw,if=%s,id=disk%zu", disks_dir,
			 e->d_name, o->microvm ? "none" : "virtio", n_disks);
		snprintf(disk_devices[n_disks], sizeof(disk_devices[0]), "virtio-blk-device,drive=disk%zu", n_disks);
		n_disks++;
	}
	if (dh)
		closedir(dh);
	for (size_t i = 0; i < n_disks; i++) {
		argv[argc++] = "-drive";
		argv[argc++] = disk_args[i];
		if (o->microvm) {
			argv[argc++] = "-device";
			argv[argc++] = disk_devices[i];
		}
	}
	if (format != FORMAT_KERNEL_INITRD) {
		/* The boot disk sits in the PCI bus's last slot, after the data
		 * disks (QEMU gives -device its slot before any -drive
		 * if=virtio), so that they keep the names they have under
		 * -kernel, vda first; bootindex makes it the firmware's first
		 * choice all the same. Read-only: firmware has no need to write,
		 * and the disk stays as built. */
		snprintf(boot_drive, sizeof(boot_drive), "if=none,id=boot,format=%s,readonly=on,file=%s/%s",
			 formats[format].qemu, o->dir, formats[format].file);
		const char *boot[] = { "-drive", boot_drive, "-device",
				       "virtio-blk-pci,drive=boot,bootindex=0,addr=0x1f" };
		add_args(argv, &argc, boot, sizeof(boot) / sizeof(boot[0]));
	}
	argv[argc] = NULL;

	/* ctrl-c ends QEMU (it shares our terminal); we stay to report. */
	signal(SIGINT, SIG_IGN);
	pid_t pid = spawn(argv, NULL, -1, -1, -1);
	if (pid < 0) {
		diag_fail(d, "%s: %s (make deps installs qemu-system-x86)", QEMU, strerror((int)-pid));
		goto out;
	}
	r = appliance_status(pid, o->timeout_s, d);
out:
	if (vars[0])
		unlink(vars);
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
