/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead: build appliances from a manifest and boot them. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"

static const char usage[] =
	"usage: bulkhead COMMAND [OPTIONS]\n"
	"\n"
	"  bulkhead build MANIFEST -o DIR [--format FORMAT] [--context DIR] [--quiet]\n"
	"      Validate MANIFEST (YAML) and write a bootable appliance to DIR:\n"
	"      kernel, initrd.img (static init + one OCI bundle per container) and\n"
	"      cmdline. DIR appears whole or not at all; an existing DIR is replaced\n"
	"      only if it holds an earlier appliance. Exit 1 on any error, with\n"
	"      FILE:LINE:COL for mistakes in the manifest; 2 for a wrong option.\n"
	"        -o, --output DIR   where to write the appliance (required)\n"
	"        -f, --format F     what DIR holds (default kernel+initrd):\n"
	"                           kernel+initrd  kernel, initrd.img, cmdline (QEMU -kernel)\n"
	"                           raw-efi        disk.img: a GPT disk that UEFI firmware boots\n"
	"                                          alone (an EFI System Partition holding a\n"
	"                                          unified kernel image: kernel, initrd and\n"
	"                                          command line in \\EFI\\BOOT\\BOOTX64.EFI)\n"
	"                           qcow2          disk.qcow2: the same disk in QEMU's format\n"
	"                           All are byte-identical from one build to the next\n"
	"                           (SOURCE_DATE_EPOCH sets the time stamps).\n"
	"        -c, --context DIR  the build context (default: MANIFEST's directory).\n"
	"                           Every host path the manifest names (files: source:,\n"
	"                           image: dir:/tar:/oci:/docker-archive:, kernel: path and\n"
	"                           modules, seccomp: profiles) must lie beneath it once\n"
	"                           symlinks and .. are resolved; anything else is refused.\n"
	"                           Relative paths still start from MANIFEST's directory.\n"
	"                           The builder's own files (--init, --kernel, --busybox,\n"
	"                           kernel: debian and minimal) are not the manifest's.\n"
	"        --require-signatures  every oci: and docker-archive: image must have a\n"
	"                           signature: that verifies (cosign-style ECDSA P-256 or\n"
	"                           OpenPGP, checked offline); an unsigned one fails the\n"
	"                           build (a signature: given is always checked)\n"
	"        -q, --quiet        print nothing but errors\n"
	"        --init PATH        the static init (default: bulkhead-init beside this program)\n"
	"        --kernel PATH      boot this kernel whatever the manifest's kernel: says;\n"
	"                           modules come from a modules/ directory beside it,\n"
	"                           if there is one (the manifest's kernel: debian is\n"
	"                           ../kernel/vmlinuz from this program, as make deps\n"
	"                           unpacks it; minimal is ../kernel-minimal/vmlinuz,\n"
	"                           as make kernel builds it); also BULKHEAD_KERNEL\n"
	"        --busybox PATH     a static busybox for image: busybox (default /bin/busybox)\n"
	"\n"
	"  bulkhead run DIR [--timeout SECONDS] [--memory MB] [--accel A] [--machine M] [--debug]\n"
	"               [--net none|user|tap:IF|bridge:BR] [-p [ADDR:]HOST:GUEST[/tcp|/udp]]..\n"
	"               [--secret NAME=FILE]...\n"
	"      Boot the appliance in QEMU with its console on this terminal, and exit\n"
	"      with the appliance's exit status when it powers off (" CONTRACT_STR(APPLIANCE_STATUS_FAILED) " when it could\n"
	"      not tell one). A disk format (raw-efi, qcow2; known by DIR's files)\n"
	"      boots under the UEFI firmware OVMF, a few seconds slower.\n"
	"        -t, --timeout S    kill QEMU after S seconds in all (default: no limit)\n"
	"        -m, --memory MB    guest memory (default: what bulkhead build recorded in\n"
	"                           DIR/cmdline as bulkhead.memory=, from the kernel, the\n"
	"                           unpacked initrd and the containers' memory limits)\n"
	"        -a, --accel A      auto (the default), kvm or tcg; also BULKHEAD_ACCEL.\n"
	"                           auto tries KVM when /dev/kvm can be opened and takes it\n"
	"                           only once the guest runs: when QEMU crashes or fails\n"
	"                           naming KVM before the init's first line, or that line\n"
	"                           does not come within 30 s (more for a large initrd), it\n"
	"                           says why on stderr in one line and boots again under TCG;\n"
	"                           once TCG has run the guest that is remembered until the\n"
	"                           host reboots (keyed by its boot_id, in\n"
	"                           ${XDG_CACHE_HOME:-~/.cache}/bulkhead/kvm-verdict), so that\n"
	"                           only the first boot pays for the try. kvm fails with the\n"
	"                           reason instead of falling back; tcg never tries KVM.\n"
	"        --forget-accel     forget what auto remembered: try KVM again\n"
	"        --machine M        QEMU's pc (the default) or microvm (no PCI, no firmware:\n"
	"                           kernel+initrd only; the kernel needs virtio-mmio built\n"
	"                           in, as kernel: minimal has it)\n"
	"        -d, --debug        the init prints each boot phase's duration (bulkhead.debug;\n"
	"                           kernel+initrd only: a disk's command line is fixed)\n"
	"        -n, --net N        the VM's one NIC (virtio-net, eth0 in the guest), on any\n"
	"                           format and machine; the appliance configures it when its\n"
	"                           manifest declares interfaces:, and leaves it down if not:\n"
	"                           user    QEMU's user network (the default), restricted:\n"
	"                                   egress is closed, the VM reaches neither the\n"
	"                                   host nor the outside; only --publish reaches it\n"
	"                                   (DHCP: 10.0.2.15/24, no router or DNS server)\n"
	"                           tap:IF  the tap device IF (root, or a tap you own:\n"
	"                                   ip tuntap add dev IF mode tap user $USER)\n"
	"                           bridge:BR  the bridge BR through qemu-bridge-helper\n"
	"                                   (root, or `allow BR` in /etc/qemu/bridge.conf)\n"
	"                           none    no NIC at all\n"
	"        -p, --publish [ADDR:]HOST:GUEST[/tcp|/udp]\n"
	"                           forward the host's port HOST (tcp unless /udp) to the\n"
	"                           VM's port GUEST; it binds to 127.0.0.1, the host's\n"
	"                           loopback only, unless ADDR (IPv4) says otherwise\n"
	"                           (0.0.0.0: every address). Repeatable, up to " CONTRACT_STR(RUN_MAX_PUBLISH) ";\n"
	"                           --net user only (with tap or bridge the VM has an\n"
	"                           address of its own: publishing is the host's job)\n"
	"        -s, --secret NAME=FILE\n"
	"                           hand the secret NAME, declared in the manifest's secrets:,\n"
	"                           to the appliance: FILE's bytes (at most 1 MiB) go to QEMU\n"
	"                           as the fw_cfg file " SECRETS_FW_CFG_PREFIX "NAME (systemd's\n"
	"                           credentials; NAME: at most " CONTRACT_STR(SECRET_NAME_MAX) " of a-z, 0-9, -), never into\n"
	"                           DIR; the init gives them to the containers that declared\n"
	"                           them, at " SECRETS_MOUNT "/NAME. Repeatable. A NAME the\n"
	"                           appliance does not declare is refused, and so is a boot\n"
	"                           without a required one (unless DIR/disks/" SECRETS_DISK_LABEL ".ext4,\n"
	"                           a secrets disk, goes with it)\n"
	"\n"
	"  bulkhead secrets-disk OUT --secret NAME=FILE...\n"
	"      Write OUT (mode 0600): a small ext4 disk labelled " SECRETS_DISK_LABEL " holding\n"
	"      each FILE as NAME, for an appliance booted where fw_cfg is not (a disk\n"
	"      format on another hypervisor or on metal): attach it as a second disk;\n"
	"      the init mounts it read-only, reads the secrets QEMU did not give and\n"
	"      unmounts it before any container starts. Keep OUT as secret as FILEs.\n"
	"\n"
	"  bulkhead stop DIR\n"
	"      Press the ACPI power button of the appliance `bulkhead run DIR` booted:\n"
	"      its init runs the onshutdown containers, stops the services and powers\n"
	"      off; `bulkhead run` then exits with the appliance's status.\n"
	"\n"
	"  bulkhead ctl --vm DIR | --socket PATH  COMMAND [NAME]\n"
	"  bulkhead ctl --vm DIR | --socket PATH  exec [-i] [-t] NAME -- CMD [ARG...]\n"
	"  bulkhead ctl --vm DIR | --socket PATH  logs -f NAME\n"
	"      Talk to a running appliance's init: ps (name, phase, state, pid,\n"
	"      restarts, uptime, memory.current, addresses on its networks), logs\n"
	"      NAME, restart NAME, stop NAME, poweroff, net (each rule counter of the\n"
	"      containers' networks: what was accepted and what refused). --vm DIR: the appliance `bulkhead run DIR` booted, over the\n"
	"      VM's serial line (DIR/" RUN_CTL_SOCKET "); the host is the only way in, no\n"
	"      container reaches it. --socket PATH: an init run on this host without\n"
	"      bulkhead.ctl=, whose socket is " CONTROL_SOCKET " in its own mount\n"
	"      namespace (as root: /proc/PID/root" CONTROL_SOCKET ").\n"
	"      Lines of logs carry the time since boot they were read at. logs -f\n"
	"      follows the log until ^C. exec runs CMD in NAME's running container,\n"
	"      with its sandbox (namespaces, cgroup, user, capabilities, Landlock,\n"
	"      seccomp); CMD's stdout and stderr come apart, its status is ctl's\n"
	"      (" CONTRACT_STR(CTL_EXEC_REFUSED) " when nothing ran: no such container, not running). -i\n"
	"      passes stdin; -t gives CMD a terminal (stdin must be one; ^C reaches\n"
	"      CMD). ^C without -t ends CMD. One session at a time on --vm's line: a\n"
	"      second ctl is refused while it runs.\n"
	"\n"
	"  bulkhead check-kernel [--quiet] [CONFIG]\n"
	"      Report which features bulkhead needs (namespaces, cgroup v2 controllers,\n"
	"      seccomp filters, Landlock in the LSM list, ...) and which it can use\n"
	"      (virtio disks, ext4, the ACPI button, overlay, ...) the kernel config\n"
	"      CONFIG has (default: ../kernel/config from this program, the config of\n"
	"      the kernel make deps unpacks). Exit 1 when a required one is missing.\n"
	"\n"
	"  bulkhead accel [--forget]\n"
	"      Print the accelerator `bulkhead run --accel auto` would boot with now:\n"
	"      kvm, or tcg (with the reason on stderr when KVM was tried and failed\n"
	"      since the host booted; BULKHEAD_ACCEL is heeded as run heeds it).\n"
	"      --forget: forget that first. The benchmarks\n"
	"      boot their plain QEMU baselines with it.\n"
	"\n"
	"  bulkhead --help\n";

static char *beside_me(const char *relative)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return NULL;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(self), relative);
	return strdup(path);
}

static const char *tool(const char *option, const char *env, const char *relative, const char *fallback)
{
	if (option)
		return option;
	if (getenv(env) && *getenv(env))
		return getenv(env);
	return relative ? beside_me(relative) : fallback;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
		{ "init", required_argument, NULL, 'I' },   { "kernel", required_argument, NULL, 'K' },
		{ "busybox", required_argument, NULL, 'B' }, { "format", required_argument, NULL, 'f' },
		{ "context", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ "require-signatures", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct build_options o = { 0 };
	const char *init = NULL, *kernel = NULL, *busybox = NULL;
	struct diag d = { "" };
	int opt;

	while ((opt = getopt_long(argc, argv, "o:f:c:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.output = optarg; break;
		case 'c': o.context = optarg; break;
		case 'S': o.require_signatures = true; break;
		case 'f':
			if ((o.format = format_named(optarg)) < 0) {
				fprintf(stderr, "bulkhead build: unknown format \"%s\"; the formats are", optarg);
				for (int i = 0; i < N_FORMATS; i++)
					fprintf(stderr, "%s %s", i ? "," : "", formats[i].name);
				fputc('\n', stderr);
				return 2;
			}
			break;
		case 'q': o.quiet = true; break;
		case 'I': init = optarg; break;
		case 'K': kernel = optarg; break;
		case 'B': busybox = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc - 1 || !o.output) {
		fprintf(stderr, "bulkhead build: expected MANIFEST and -o DIR (see bulkhead --help)\n");
		return 2;
	}
	o.manifest = argv[optind];
	o.tools.init = tool(init, "BULKHEAD_INIT", "bulkhead-init", NULL);
	o.tools.kernel = tool(kernel, "BULKHEAD_KERNEL", NULL, NULL);
	o.tools.kernel_debian = beside_me("../kernel/vmlinuz");
	o.tools.kernel_minimal = beside_me("../kernel-minimal/vmlinuz");
	o.tools.busybox = tool(busybox, "BULKHEAD_BUSYBOX", NULL, "/bin/busybox");
	if (build_appliance(&o, &d) < 0) {
		fprintf(stderr, "%s\n", d.msg);
		return 1;
	}
	return 0;
}

static void print_notice(const char *line)
{
	fprintf(stderr, "bulkhead run: %s\n", line);
	fflush(stderr);
}

/* --accel's value (or BULKHEAD_ACCEL's, as WHERE says), or -1 after COMMAND
 * has said what is wrong. */
static int accel_option(const char *command, const char *where, const char *value)
{
	int accel = accel_named(value);

	if (accel < 0)
		fprintf(stderr, "bulkhead %s: %s \"%s\" is not an accelerator; use auto, kvm or tcg\n", command, where,
			value);
	return accel;
}

/* A whole number for --timeout or --memory, or -1 (refused with the usage
 * below): atoi would take "1x" as 1 and wrap what exceeds an int. */
static int run_number(const char *s)
{
	char *end;

	errno = 0;
	long n = strtol(s, &end, 10);
	return !*s || *end || errno || n < 0 || n > INT_MAX / 1000 ? -1 : (int)n;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' }, { "memory", required_argument, NULL, 'm' },
		{ "debug", no_argument, NULL, 'd' },          { "machine", required_argument, NULL, 'M' },
		{ "accel", required_argument, NULL, 'a' },    { "forget-accel", no_argument, NULL, 'F' },
		{ "net", required_argument, NULL, 'n' },      { "publish", required_argument, NULL, 'p' },
		{ "secret", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	struct run_options o = { .notice = print_notice };
	const char *env = getenv("BULKHEAD_ACCEL");
	struct diag d = { "" };
	bool memory_given = false;
	int opt, forgot;
	char *secrets[SECRETS_MAX + 1];
	size_t n_secrets = 0;

	if (env && *env && (o.accel = accel_option("run", "BULKHEAD_ACCEL", env)) < 0)
		return 2;
	while ((opt = getopt_long(argc, argv, "t:m:a:n:p:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': o.timeout_s = run_number(optarg); break;
		case 'm': o.memory_mb = run_number(optarg), memory_given = true; break;
		case 'a':
			if ((o.accel = accel_option("run", "--accel", optarg)) < 0)
				return 2;
			break;
		case 'F':
			if ((forgot = accel_forget()) < 0) {
				fprintf(stderr, "bulkhead run: --forget-accel: %s\n", strerror(-forgot));
				return APPLIANCE_STATUS_FAILED;
			}
			break;
		case 'd': o.debug = true; break;
		case 'n':
			if (run_net_parse(&o.net, optarg, &d) < 0) {
				fprintf(stderr, "bulkhead run: --net %s: %s\n", optarg, d.msg);
				return 2;
			}
			break;
		case 'p':
			if (run_publish_add(&o.net, optarg, &d) < 0) {
				fprintf(stderr, "bulkhead run: --publish %s: %s\n", optarg, d.msg);
				return 2;
			}
			break;
		case 's':
			if (n_secrets == SECRETS_MAX) {
				fprintf(stderr, "bulkhead run: more than %d --secret options\n", SECRETS_MAX);
				return 2;
			}
			secrets[n_secrets++] = optarg;
			break;
		case 'M':
			if (strcmp(optarg, "pc") != 0 && strcmp(optarg, "microvm") != 0) {
				fprintf(stderr, "bulkhead run: unknown machine \"%s\"; the machines are pc, microvm\n", optarg);
				return 2;
			}
			o.microvm = strcmp(optarg, "microvm") == 0;
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc - 1 || o.timeout_s < 0 || (memory_given && o.memory_mb < 64)) {
		fprintf(stderr, "bulkhead run: expected DIR, a timeout >= 0 and memory >= 64 MB (see bulkhead --help)\n");
		return 2;
	}
	if (run_net_check(&o.net, &d) < 0) {
		fprintf(stderr, "bulkhead run: %s\n", d.msg);
		return 2;
	}
	o.dir = argv[optind];
	if (secrets_run_args(o.dir, secrets, n_secrets, &o.secret_args, &d) < 0) {
		fprintf(stderr, "bulkhead run: %s\n", d.msg);
		return 2;
	}
	int status = run_appliance(&o, &d);
	free_strv(o.secret_args);
	if (status < 0) {
		fprintf(stderr, "bulkhead run: %s\n", d.msg);
		return APPLIANCE_STATUS_FAILED;
	}
	return status;
}

static int cmd_secrets_disk(int argc, char **argv)
{
	static const struct option longopts[] = { { "secret", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
	char *secrets[SECRETS_MAX + 1];
	size_t n = 0;
	struct diag d = { "" };
	int opt;

	while ((opt = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (opt != 's' || n == SECRETS_MAX) {
			fprintf(stderr, "bulkhead secrets-disk: expected OUT --secret NAME=FILE... (at most %d)\n",
				SECRETS_MAX);
			return 2;
		}
		secrets[n++] = optarg;
	}
	if (optind != argc - 1 || !n) {
		fprintf(stderr, "bulkhead secrets-disk: expected OUT --secret NAME=FILE... (see bulkhead --help)\n");
		return 2;
	}
	if (secrets_disk_write(argv[optind], secrets, n, &d) < 0) {
		fprintf(stderr, "bulkhead secrets-disk: %s\n", d.msg);
		return 1;
	}
	return 0;
}

static int cmd_accel(int argc, char **argv)
{
	char why[600];
	struct diag d = { "" };

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--forget") != 0)) {
		fprintf(stderr, "bulkhead accel: expected [--forget] (see bulkhead --help)\n");
		return 2;
	}
	int forgot = argc == 2 ? accel_forget() : 0;
	if (forgot < 0) {
		fprintf(stderr, "bulkhead accel: --forget: %s\n", strerror(-forgot));
		return APPLIANCE_STATUS_FAILED;
	}
	/* What bulkhead run would use, BULKHEAD_ACCEL and all. */
	const char *env = getenv("BULKHEAD_ACCEL");
	int wanted = env && *env ? accel_option("accel", "BULKHEAD_ACCEL", env) : ACCEL_AUTO;
	if (wanted < 0)
		return 2;
	int accel = accel_choose(wanted, why, sizeof(why), &d);
	if (accel < 0) {
		fprintf(stderr, "bulkhead accel: %s\n", d.msg);
		return APPLIANCE_STATUS_FAILED;
	}
	if (why[0])
		fprintf(stderr, "bulkhead accel: KVM could not run a guest on this host since it booted: %s\n", why);
	printf("%s\n", accel_names[accel]);
	return 0;
}

/* ctl exec [-i] [-t] NAME [--] CMD [ARG...] */
static int ctl_exec_command(const char *where, bool serial, int argc, char **argv)
{
	bool interactive = false, terminal = false;
	struct diag d = { "" };
	int i = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--interactive") == 0)
			interactive = true;
		else if (strcmp(argv[i], "--tty") == 0)
			terminal = true;
		else if (argv[i][1] != '-' && strspn(argv[i] + 1, "it") == strlen(argv[i] + 1)) {
			interactive |= strchr(argv[i], 'i') != NULL;
			terminal |= strchr(argv[i], 't') != NULL;
		} else {
			fprintf(stderr, "bulkhead ctl exec: unknown option %s (-i, -t, -it)\n", argv[i]);
			return 2;
		}
	}
	const char *name = i < argc ? argv[i++] : NULL;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (!name || i >= argc) {
		fprintf(stderr, "bulkhead ctl: expected exec [-i] [-t] NAME -- COMMAND [ARG...] (see bulkhead --help)\n");
		return 2;
	}
	if (terminal && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "bulkhead ctl exec: -t needs a terminal on stdin (drop -t, or run it from one)\n");
		return 2;
	}
	int status = ctl_exec(where, serial, name, interactive, terminal, argv + i, &d);
	if (status < 0) {
		fprintf(stderr, "bulkhead ctl: %s\n", d.msg);
		return CTL_EXEC_REFUSED;
	}
	return status;
}

static int cmd_ctl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vm", required_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char where[4200] = "";
	struct diag d = { "" };
	bool serial = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'v') {
			snprintf(where, sizeof(where), "%s/" RUN_CTL_SOCKET, optarg);
			serial = true;
		} else if (opt == 's')
			snprintf(where, sizeof(where), "%s", optarg);
		else if (opt == 'h') {
			fputs(usage, stdout);
			return 0;
		} else
			return 2;
	}
	if (!where[0]) {
		fprintf(stderr, "bulkhead ctl: say which appliance: --vm DIR or --socket PATH (see bulkhead --help)\n");
		return 2;
	}
	if (optind < argc && strcmp(argv[optind], "exec") == 0)
		return ctl_exec_command(where, serial, argc - optind - 1, argv + optind + 1);
	if (optind + 2 < argc && strcmp(argv[optind], "logs") == 0 &&
	    (strcmp(argv[optind + 1], "-f") == 0 || strcmp(argv[optind + 1], "--follow") == 0)) {
		if (optind + 3 != argc) {
			fprintf(stderr, "bulkhead ctl: expected logs -f NAME (see bulkhead --help)\n");
			return 2;
		}
		int r = ctl_follow(where, serial, argv[optind + 2], &d);
		if (r < 0)
			fprintf(stderr, "bulkhead ctl: %s\n", d.msg);
		return r < 0 ? APPLIANCE_STATUS_FAILED : r;
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "bulkhead ctl: expected COMMAND [NAME] (see bulkhead --help)\n");
		return 2;
	}
	int r = ctl_command(where, serial, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &d);
	if (r < 0) {
		fprintf(stderr, "bulkhead ctl: %s\n", d.msg);
		return APPLIANCE_STATUS_FAILED;
	}
	return r;
}

static int cmd_check_kernel(int argc, char **argv)
{
	struct diag d = { "" };
	bool quiet = argc > 1 && (strcmp(argv[1], "--quiet") == 0 || strcmp(argv[1], "-q") == 0);
	int rest = argc - 1 - quiet;

	if (rest > 1 || (rest == 1 && argv[argc - 1][0] == '-')) {
		fprintf(stderr, "bulkhead check-kernel: expected [--quiet] [CONFIG] (see bulkhead --help)\n");
		return 2;
	}
	const char *config = rest == 1 ? argv[argc - 1] : tool(NULL, "BULKHEAD_KERNEL_CONFIG", "../kernel/config", NULL);
	int missing = config ? check_kernel(config, quiet, &d) : diag_fail(&d, "out of memory");
	if (missing < 0) {
		fprintf(stderr, "bulkhead check-kernel: %s\n", d.msg);
		return 2;
	}
	return missing ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "secrets-disk") == 0)
		return cmd_secrets_disk(argc - 1, argv + 1);
	if (strcmp(argv[1], "accel") == 0)
		return cmd_accel(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctl") == 0)
		return cmd_ctl(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-kernel") == 0)
		return cmd_check_kernel(argc - 1, argv + 1);
	if (strcmp(argv[1], "stop") == 0) {
		struct diag d = { "" };
		if (argc != 3) {
			fprintf(stderr, "bulkhead stop: expected DIR (see bulkhead --help)\n");
			return 2;
		}
		if (stop_appliance(argv[2], &d) < 0) {
			fprintf(stderr, "bulkhead stop: %s\n", d.msg);
			return APPLIANCE_STATUS_FAILED;
		}
		return 0;
	}
	fprintf(stderr, "bulkhead: unknown command \"%s\" (see bulkhead --help)\n", argv[1]);
	return 2;
}
