/* The secure default config.json: what `bulkhead-runtime spec` writes and
 * what `bulkhead build` starts every container from. One definition, built
 * into both the static runtime and the host builder. */
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Syscalls no container needs and that reach past its walls: mounting and
 * namespace games, kernel modules and kexec, tracing and other processes'
 * memory, the kernel keyring, BPF, swap, the kernel log, handle-based
 * opens, the clocks, NUMA policy, I/O ports, and the obsolete. Docker's
 * default profile leaves the same ones out of its allow-list. */
static const char *const denied_syscalls[] = {
	"_sysctl", "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
	"finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "get_mempolicy",
	"init_module", "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
	"mbind", "mount", "mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl",
	"open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "process_vm_readv",
	"process_vm_writev", "ptrace", "query_module", "quotactl", "quotactl_fd", "reboot", "request_key",
	"set_mempolicy", "setns", "settimeofday", "stime", "swapoff", "swapon", "syslog", "sysfs", "umount",
	"umount2", "unshare", "uselib", "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
	/* allowed below under argument conditions only */
	"clone", "clone3", "socket",
};

static bool denied(const char *name)
{
	for (size_t i = 0; i < sizeof(denied_syscalls) / sizeof(denied_syscalls[0]); i++)
		if (strcmp(name, denied_syscalls[i]) == 0)
			return true;
	return false;
}

/* Docker's lists: kernel interfaces that leak host state or change it. */
static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug",
	"/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

json_t *bh_json_strings(const char *const *items, size_t n)
{
	json_t *array = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(array, json_string(items[i]));
	return array;
}

static json_t *mount_entry(const char *destination, const char *type, const char *source,
			   const char *const *options, size_t n)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", destination, "type", type, "source", source,
			 "options", bh_json_strings(options, n));
}

static json_t *default_mounts(void)
{
	static const char *const proc[] = { "nosuid", "noexec", "nodev" };
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
	static const char *const pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" };
	static const char *const shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
	static const char *const mqueue[] = { "nosuid", "noexec", "nodev" };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro" };
	static const char *const cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
	static const char *const tmp[] = { "nosuid", "nodev", "mode=1777", "size=65536k" };
	json_t *mounts = json_array();

	json_array_append_new(mounts, mount_entry("/proc", "proc", "proc", proc, ARRAY_SIZE(proc)));
	json_array_append_new(mounts, mount_entry("/dev", "tmpfs", "tmpfs", dev, ARRAY_SIZE(dev)));
	json_array_append_new(mounts, mount_entry("/dev/pts", "devpts", "devpts", pts, ARRAY_SIZE(pts)));
	json_array_append_new(mounts, mount_entry("/dev/shm", "tmpfs", "shm", shm, ARRAY_SIZE(shm)));
	json_array_append_new(mounts, mount_entry("/dev/mqueue", "mqueue", "mqueue", mqueue, ARRAY_SIZE(mqueue)));
	json_array_append_new(mounts, mount_entry("/sys", "sysfs", "sysfs", sys, ARRAY_SIZE(sys)));
	json_array_append_new(mounts, mount_entry("/sys/fs/cgroup", "cgroup", "cgroup", cgroup, ARRAY_SIZE(cgroup)));
	json_array_append_new(mounts, mount_entry("/tmp", "tmpfs", "tmpfs", tmp, ARRAY_SIZE(tmp)));
	return mounts;
}

/* Landlock: read and execute beneath the root, write only beneath /tmp.
 * Device files under /dev stay writable (a shell's >/dev/null) but nothing
 * can be created there. */
static json_t *default_landlock(void)
{
	static const char *const handled[] = {
		"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file", "make_char",
		"make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer", "truncate",
	};
	static const char *const read_exec[] = { "execute", "read_file", "read_dir" };
	static const char *const devices[] = { "write_file", "truncate" };
	static const char *const scratch[] = {
		"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file", "make_dir",
		"make_reg", "make_sock", "make_fifo", "make_sym", "refer", "truncate",
	};
	json_t *rules = json_array();

	json_array_append_new(rules, json_pack("{s:o, s:[s]}", "allowedAccess",
					       bh_json_strings(read_exec, ARRAY_SIZE(read_exec)), "paths", "/"));
	json_array_append_new(rules, json_pack("{s:o, s:[s]}", "allowedAccess",
					       bh_json_strings(devices, ARRAY_SIZE(devices)), "paths", "/dev"));
	json_array_append_new(rules, json_pack("{s:o, s:[s]}", "allowedAccess",
					       bh_json_strings(scratch, ARRAY_SIZE(scratch)), "paths", "/tmp"));
	return json_pack("{s:{s:o}, s:{s:o}, s:b}", "ruleset", "handledAccessFS",
			 bh_json_strings(handled, ARRAY_SIZE(handled)), "rules", "pathBeneath", rules,
			 "disableBestEffort", 0);
}

/* clone(2) flags that create namespaces. */
#define NAMESPACE_CLONE_FLAGS 0x7e020000LL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define AF_ALG_FAMILY 38

/* An allow-list, as Docker's: every x86_64 syscall libseccomp knows but the
 * denied ones; anything else, a syscall newer than this list above all,
 * fails with EPERM. clone is allowed only without namespace flags (so that
 * clone(CLONE_NEWUSER) is no way round the refused unshare), clone3 answers
 * ENOSYS (its flags are out of the filter's sight, and the C library then
 * falls back to clone), socket is allowed for every family but AF_ALG (the
 * kernel's crypto API, a long source of holes). */
static json_t *default_seccomp(void)
{
	json_t *allowed = json_array(), *syscalls = json_array();

	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (name && !denied(name))
			json_array_append_new(allowed, json_string(name));
		free(name);
	}
	json_array_append_new(syscalls, json_pack("{s:o, s:s}", "names", allowed, "action", "SCMP_ACT_ALLOW"));
	json_array_append_new(syscalls, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}]}", "names", "clone", "action",
						  "SCMP_ACT_ALLOW", "args", "index", 0, "value",
						  (json_int_t)NAMESPACE_CLONE_FLAGS, "valueTwo", (json_int_t)0, "op",
						  "SCMP_CMP_MASKED_EQ"));
	json_array_append_new(syscalls, json_pack("{s:[s], s:s, s:i}", "names", "clone3", "action",
						  "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
	json_array_append_new(syscalls, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names", "socket", "action",
						  "SCMP_ACT_ALLOW", "args", "index", 0, "value",
						  (json_int_t)AF_ALG_FAMILY, "op", "SCMP_CMP_NE"));
	return json_pack("{s:s, s:i, s:[s], s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
			 "architectures", "SCMP_ARCH_X86_64", "syscalls", syscalls);
}

/* linux.resources.devices: deny every device, then allow the nodes the
 * runtime puts into every container's /dev (Docker's and runc's list,
 * rwm as theirs): null, zero, full, random, urandom, tty, ptmx and the
 * pseudo-terminals. The runtime enforces it with a device program on the
 * container's cgroup; the builder appends what devices: declares. */
static const struct {
	int major, minor; /* -1: any */
} default_device_nodes[] = {
	{ 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 0 }, { 5, 2 }, { 136, -1 },
};

json_t *bh_spec_default_devices(void)
{
	json_t *rules = json_array();

	json_array_append_new(rules, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));
	for (size_t i = 0; i < ARRAY_SIZE(default_device_nodes); i++) {
		json_t *rule = json_pack("{s:b, s:s, s:I, s:s}", "allow", 1, "type", "c", "major",
					 (json_int_t)default_device_nodes[i].major, "access", "rwm");
		json_object_set_new(rule, "minor", default_device_nodes[i].minor < 0
							   ? json_null()
							   : json_integer(default_device_nodes[i].minor));
		json_array_append_new(rules, rule);
	}
	return rules;
}

/* The few capabilities runc's spec grants too; bulkhead build grants none
 * unless the manifest lists them. */
static const char *const default_capabilities[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" };

json_t *bh_spec_default(void)
{
	json_t *caps = json_object();
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		json_object_set_new(caps, sets[i], bh_json_strings(default_capabilities, ARRAY_SIZE(default_capabilities)));
	json_t *process = json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s], s:s, s:o, s:b, s:o}", "terminal", 0, "user",
				    "uid", 0, "gid", 0, "args", "sh", "env", DEFAULT_PATH, "cwd", "/", "capabilities",
				    caps, "noNewPrivileges", 1, "landlock", default_landlock());
	json_t *namespaces = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "network",
				       "type", "ipc", "type", "uts", "type", "mount", "type", "cgroup");
	json_t *linux_obj = json_pack("{s:o, s:o, s:o, s:o}", "namespaces", namespaces, "maskedPaths",
				      bh_json_strings(masked_paths, ARRAY_SIZE(masked_paths)), "readonlyPaths",
				      bh_json_strings(readonly_paths, ARRAY_SIZE(readonly_paths)), "seccomp",
				      default_seccomp());
	json_object_set_new(linux_obj, "resources", json_pack("{s:o}", "devices", bh_spec_default_devices()));
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.0.2", "process", process, "root",
			 "path", "rootfs", "readonly", 1, "hostname", "bulkhead", "mounts", default_mounts(), "linux",
			 linux_obj);
}
