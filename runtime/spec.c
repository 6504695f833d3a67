/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The secure default config.json: what `bulkhead-runtime spec` writes and
 * what `bulkhead build` starts every container from. One definition, built
 * into both the static runtime and the host builder. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "spec.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Docker's lists: kernel interfaces that leak host state or change it. */
static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug",
	"/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
};
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

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
	/* noexec: what is written there is not run (W^X); bh_spec_paths
	 * drops it when paths.exec opts /tmp in. */
	static const char *const tmp[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" };
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

/* Landlock rights, the one definition of what read, exec and write grant
 * (bulkhead build's paths: too). Write never includes execute, nor device
 * nodes: write xor execute, and landlock.c keeps an ancestor's execute out
 * of a write path. */
static const char *const handled_rights[] = {
	"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file", "make_char",
	"make_dir", "make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer", "truncate",
};
static const char *const read_rights[] = { "read_file", "read_dir" };
static const char *const exec_rights[] = { "execute", "read_file", "read_dir" };
static const char *const write_rights[] = { "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
					    "make_dir", "make_reg", "make_sock", "make_fifo", "make_sym", "refer",
					    "truncate" };
/* Device files under /dev stay writable (a shell's >/dev/null) but
 * nothing can be created there. */
static const char *const device_rights[] = { "write_file", "truncate" };

static json_t *path_array(char *const *paths)
{
	json_t *array = json_array();
	for (; paths && *paths; paths++)
		json_array_append_new(array, json_string(*paths));
	return array;
}

static void add_landlock_rule(json_t *rules, const char *const *rights, size_t n, char *const *paths)
{
	if (paths && paths[0])
		json_array_append_new(rules, json_pack("{s:o, s:o}", "allowedAccess", bh_json_strings(rights, n),
						       "paths", path_array(paths)));
}

void bh_spec_add_write_rule(json_t *config, char *const *paths)
{
	json_t *rules = json_object_get(
		json_object_get(json_object_get(json_object_get(config, "process"), "landlock"), "rules"), "pathBeneath");
	add_landlock_rule(rules, write_rights, ARRAY_SIZE(write_rights), paths);
}

const char *bh_spec_path_within(const char *path, char *const *list)
{
	for (; list && *list; list++) {
		size_t n = strlen(*list);
		while (n > 0 && (*list)[n - 1] == '/')
			n--;
		if (strncmp(path, *list, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return *list;
	}
	return NULL;
}

/* /tmp's mount is noexec unless /tmp itself, or something beneath it, is
 * an exec path (an exec path above it, / by default, does not count). */
static void tmp_mount_exec(json_t *config, char *const *exec)
{
	json_t *mount, *options, *option;
	size_t i, k;
	bool opted_in = false;

	for (char *const *e = exec; e && *e; e++)
		opted_in |= bh_spec_path_within(*e, (char *const[]){ "/tmp", NULL }) != NULL;
	json_array_foreach(json_object_get(config, "mounts"), i, mount) {
		const char *destination = json_string_value(json_object_get(mount, "destination"));
		if (!destination || strcmp(destination, "/tmp") != 0)
			continue;
		options = json_object_get(mount, "options");
		json_array_foreach(options, k, option)
			if (opted_in && json_is_string(option) && strcmp(json_string_value(option), "noexec") == 0) {
				json_array_remove(options, k);
				break;
			}
	}
}

void bh_spec_paths(json_t *config, char *const *read, char *const *exec, char *const *write)
{
	json_t *rules = json_array();
	char *const dev[] = { "/dev", NULL };

	add_landlock_rule(rules, device_rights, ARRAY_SIZE(device_rights), dev);
	add_landlock_rule(rules, read_rights, ARRAY_SIZE(read_rights), read);
	add_landlock_rule(rules, exec_rights, ARRAY_SIZE(exec_rights), exec);
	add_landlock_rule(rules, write_rights, ARRAY_SIZE(write_rights), write);
	json_object_set_new(json_object_get(config, "process"), "landlock",
			    json_pack("{s:{s:o}, s:{s:o}, s:b}", "ruleset", "handledAccessFS",
				      bh_json_strings(handled_rights, ARRAY_SIZE(handled_rights)), "rules",
				      "pathBeneath", rules, "disableBestEffort", 0));
	tmp_mount_exec(config, exec);
}

/* linux.resources.devices: deny every device, then allow the nodes the
 * runtime puts into every container's /dev (devices.c's list, which the
 * device program keeps usable anyway; written out so that the config says
 * what the container gets). The builder appends what devices: declares. */
json_t *bh_spec_default_devices(void)
{
	json_t *rules = json_array();

	json_array_append_new(rules, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));
	for (size_t i = 0; i < bh_n_default_device_rules; i++) {
		const struct bh_device_rule *d = &bh_default_device_rules[i];
		json_t *rule = json_pack("{s:b, s:s, s:I, s:s}", "allow", 1, "type", "c", "major", (json_int_t)d->major,
					 "access", "rwm");
		json_object_set_new(rule, "minor", d->minor < 0 ? json_null() : json_integer(d->minor));
		json_array_append_new(rules, rule);
	}
	return rules;
}

/* The one list of the namespaces every container gets, in the order
 * config.json lists them; ns.c maps each OCI type to its clone flag. */
static const char *const default_namespaces[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };

int bh_spec_namespace_flags(bool host_network)
{
	int flags = 0, flag;

	for (size_t i = 0; i < ARRAY_SIZE(default_namespaces); i++)
		if (bh_ns_flag(default_namespaces[i], &flag) == 0)
			flags |= flag;
	return host_network ? flags & ~CLONE_NEWNET : flags;
}

void bh_spec_namespaces(json_t *config, int flags)
{
	json_t *namespaces = json_array();
	int flag;

	for (size_t i = 0; i < ARRAY_SIZE(default_namespaces); i++)
		if (bh_ns_flag(default_namespaces[i], &flag) == 0 && (flags & flag))
			json_array_append_new(namespaces, json_pack("{s:s}", "type", default_namespaces[i]));
	json_object_set_new(json_object_get(config, "linux"), "namespaces", namespaces);
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
	json_t *process = json_pack("{s:b, s:{s:i, s:i}, s:[s], s:[s], s:s, s:o, s:b}", "terminal", 0, "user",
				    "uid", 0, "gid", 0, "args", "sh", "env", DEFAULT_PATH, "cwd", "/", "capabilities",
				    caps, "noNewPrivileges", 1);
	/* namespaces: filled in below (bh_spec_namespaces), in this place. */
	json_t *linux_obj = json_pack("{s:[], s:o, s:o, s:o}", "namespaces", "maskedPaths",
				      bh_json_strings(masked_paths, ARRAY_SIZE(masked_paths)), "readonlyPaths",
				      bh_json_strings(readonly_paths, ARRAY_SIZE(readonly_paths)), "seccomp",
				      bh_spec_seccomp());
	json_object_set_new(linux_obj, "resources", json_pack("{s:o}", "devices", bh_spec_default_devices()));
	json_t *config = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", BH_OCI_VERSION, "process", process, "root",
			 "path", "rootfs", "readonly", 1, "hostname", "bulkhead", "mounts", default_mounts(), "linux",
			 linux_obj);
	if (config) {
		bh_spec_namespaces(config, bh_spec_namespace_flags(false));
		bh_spec_paths(config, NULL, (char *const[]){ "/", NULL }, (char *const[]){ "/tmp", NULL });
	}
	return config;
}
