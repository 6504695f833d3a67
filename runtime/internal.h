/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the runtime's facilities share: the parsed config and one entry point
 * per facility. Each facility lives in its own file (DESIGN.md). */
#ifndef BULKHEAD_RUNTIME_INTERNAL_H
#define BULKHEAD_RUNTIME_INTERNAL_H

#include <linux/filter.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"
#include "util.h"

/* ---- util.c: pure helpers ---- */

/* Prefixes err->msg with "what: " in place. */
void bh_err_prefix(struct bh_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees a NULL-terminated string vector and its strings. */
void bh_strv_free(char **v);
/* ARRAY of N elements of SIZE bytes with room for one more (see util.c). */
void *bh_grow(void *array, size_t *room, size_t n, size_t size);
/* Looks NAME up in a NULL-terminated "NAME=value" vector; NULL if absent. */
const char *bh_env_get(char *const *env, const char *name);

/* ---- sys.c: syscall wrappers that take no container ---- */

int bh_write_file(const char *path, const char *text);
int bh_read_file(const char *path, char *buf, size_t size);
int bh_mkdir_p(const char *path, mode_t mode);
/* Makes PATH exist as an empty file (or directory when DIR is true) so that
 * something can be mounted on it. */
int bh_make_mountpoint(const char *path, bool dir);
/* The same, for a PATH the caller has just seen missing. */
int bh_make_missing_mountpoint(const char *path, bool dir);
ssize_t bh_write_all(int fd, const void *buf, size_t len);

/* ---- config ---- */

struct bh_mount {
	char *destination;
	char *type;
	char *source;
	unsigned long flags;       /* MS_* applied when mounting */
	unsigned long propagation; /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (|MS_REC) */
	char *data;                /* the options that are not flags, comma separated */
	bool copy_up;              /* tmpcopyup: a tmpfs starts with the image's content there */
};

struct bh_device {
	char *path;   /* absolute, inside the container */
	mode_t mode;  /* S_IFCHR, S_IFBLK or S_IFIFO | permissions */
	unsigned major, minor;
	uid_t uid;
	gid_t gid;
};

/* One entry of linux.resources.devices. */
#define BH_MAX_DEVICE_RULES 256
struct bh_device_rule {
	bool allow;
	char type;            /* 'a' (both), 'b' or 'c' */
	int64_t major, minor; /* -1: any */
	unsigned access;      /* BPF_DEVCG_ACC_* bits: 1 mknod, 2 read, 4 write */
};

struct bh_landlock_rule {
	char *path;
	uint64_t allowed;
};

struct bh_ns_join {
	int flag;   /* CLONE_NEW* */
	char *path; /* e.g. /proc/PID/ns/net or a bind-mounted namespace file */
};

struct bh_id_map {
	uint32_t container_id, host_id, size;
};

/* The CPUs an execCPUAffinity may name: glibc's CPU_SETSIZE (musl's is
 * 128), in sets made with CPU_ALLOC. */
#define BH_MAX_CPUS 1024

struct bh_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

struct bh_seccomp_arg {
	unsigned index;  /* which syscall argument, 0 to 5 */
	int op;          /* enum scmp_compare */
	uint64_t value;  /* for SCMP_CMP_MASKED_EQ: the mask */
	uint64_t value_two;
};

/* What one entry of linux.seccomp.syscalls gives each name it lists. */
struct bh_seccomp_match {
	uint32_t action;
	struct bh_seccomp_arg args[6]; /* all must match (AND) */
	size_t n_args;
};

/* One name, and its entry's match: some 300 names share a handful. */
struct bh_seccomp_rule {
	char *name;
	const struct bh_seccomp_match *match;
};

struct cfg_block; /* config-arena.c */
struct bh_config {
	struct cfg_block *blocks; /* where text, seccomp_bpf and device_rules are (config-arena.c) */
	char *bundle;
	char *text;        /* config.json as bh_config_load read and parsed it (bh_config_save), or NULL */
	size_t text_len;
	char *annotations; /* the annotations object as compact JSON, or NULL (bh_config_annotations) */
	char *root;        /* absolute path of the rootfs */
	bool root_readonly;
	int root_mount_fd; /* a detached mount the caller gave for root (bh_config_root_mount); -1: none */
	/* The host ids a joined user namespace maps its root to, as the
	 * caller tells them (bh_config_user_ns_root): whom a /dev made on the
	 * caller's side belongs to (bh_mount_dev_prepare). */
	bool user_ns_root_known;
	uid_t user_ns_root_uid;
	gid_t user_ns_root_gid;
	bool seccomp_rules_elided; /* linux.seccomp.syscalls not parsed: the compiled filter is applied */

	char **args;
	char **env;
	char *cwd;
	char *apparmor_profile; /* process.apparmorProfile: the profile it execs into, or NULL */
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool no_new_privileges;
	bool terminal;                /* process.terminal: a pty, sent to the console socket */
	unsigned short console_rows, console_columns; /* process.consoleSize; 0: the kernel's */

	/* capability sets as bit masks, bit N = capability N */
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;

	char *hostname;
	char *domainname;
	struct bh_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_umask;
	mode_t umask;
	bool has_io_priority;
	int io_priority; /* process.ioPriority, as ioprio_set takes it: class << 13 | priority */
	bool has_scheduler;
	/* process.scheduler, as sched_setattr takes it (linux/sched/types.h's
	 * struct sched_attr, SCHED_ATTR_SIZE_VER0: size 48) */
	struct bh_scheduler {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period; /* ns, SCHED_DEADLINE's */
	} scheduler;
	/* process.execCPUAffinity, for a process exec'd into the container (the
	 * spec's, not its first process's): the CPUs of the one that joins
	 * the cgroup, and then its own; NULL: none given. */
	cpu_set_t *exec_cpus_initial, *exec_cpus_final; /* of BH_MAX_CPUS */
	bool has_personality;
	unsigned long personality; /* linux.personality's domain: PER_LINUX or PER_LINUX32 */
	char **sysctl; /* "key=value" pairs, keys with dots */
	int clone_flags;   /* CLONE_NEW* except CLONE_NEWCGROUP, which is unshared after the cgroup join */
	bool cgroup_ns;
	int namespaces;    /* every CLONE_NEW* the container has, new or joined */
	struct bh_ns_join *joins; /* namespaces joined by path, in the child */
	size_t n_joins;
	char *pid_ns_path;        /* a pid namespace to join: the parent clones into it */
	char *user_ns_path;       /* a user namespace to join: a helper joins it and clones */
	struct bh_id_map *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	char *cgroups_path; /* relative to the cgroup2 mount; NULL: stay in the caller's cgroup */
	char **cgroup_files; /* linux.resources as cgroup v2 "file=value" writes, in order */
	bool has_device_rules; /* linux.resources.devices was given (even empty: deny all) */
	struct bh_device_rule *device_rules;
	size_t n_device_rules;
	unsigned long rootfs_propagation;

	struct bh_mount *mounts;
	size_t n_mounts;
	struct bh_device *devices;
	size_t n_devices;
	char **masked_paths;
	char **readonly_paths;

	bool has_landlock;
	uint64_t landlock_handled;
	bool landlock_strict; /* disableBestEffort */
	struct bh_landlock_rule *landlock_rules;
	size_t n_landlock_rules, landlock_rules_room;

	bool has_seccomp;
	uint32_t seccomp_default;
	uint32_t seccomp_arches[8]; /* libseccomp tokens besides the native one */
	size_t n_seccomp_arches;
	unsigned seccomp_flags;     /* BH_SECCOMP_FLAG_* */
	struct bh_seccomp_rule *seccomp_rules;
	size_t n_seccomp_rules, seccomp_rules_room;
	struct bh_seccomp_match *seccomp_matches; /* one for each entry of syscalls */
	char *seccomp_names; /* the rules' names, one after another */
	char *seccomp_bpf_name;          /* the bundle's file holding them compiled, or NULL */
	struct sock_filter *seccomp_bpf; /* that file as bh_config_load read it, or NULL */
	size_t n_seccomp_bpf;

	struct bh_hooks *hooks;       /* config.json's hooks; NULL: none */
	bh_hook_state_fn hook_state;  /* the caller's, for the hooks' stdin (bh_config_set_hook_state) */
	void *hook_state_data;
};

/* ---- caps.c ---- */
/* Resolves a capability name ("CAP_SYS_ADMIN") to its number, or -EINVAL. */
int bh_cap_from_name(const char *name);
/* Applies bounding set, then (after the id change) the other four sets. */
int bh_caps_drop_bounding(const struct bh_config *c, struct bh_err *err);
int bh_caps_apply(const struct bh_config *c, struct bh_err *err);
/* After the id change, for a config with seccomp or Landlock and without
 * no_new_privs: CAP_SYS_ADMIN effective again, which restricting oneself
 * then needs, until bh_caps_apply sets the final sets. */
int bh_caps_hold_admin(const struct bh_config *c, struct bh_err *err);

/* ---- container.c, container-clone.c: the container process ---- */
/* What the parent does while the child sets itself up, the child waiting
 * for its word before its own privileges (container.c decides). */
struct parent_part {
	bool limits;   /* the cgroup's limits and device program */
	bool loopback; /* lo of the new network namespace (else the child's first steps do it) */
	bool dev;      /* the container's /dev, sent before the child mounts it (struct bh_dev_source) */
};
/* What the container process needs right after its clone (bh_child_start). */
struct bh_child_start {
	const struct bh_config *c;
	const struct bh_io *io;
	int go[2], report[2]; /* the go socket and the report pipe: the parent's ends are closed in the child */
	int start_fd, result_fd;
	int dev_fd;           /* the container's /dev, made by the parent before the clone (bh_mount_dev_prepare), or -1 */
	int exe_fd;           /* io->seal_exe: this program's file, opened by the parent (self-exe.c), or -1 */
	bool sync;            /* create hooks: the parent speaks again at the mounts */
	struct parent_part part; /* the parent speaks again once it is done (container.c) */
	bool has_cgroup;
};
/* In the container process, right after its clone: the parent's ends of
 * the pipes closed, then its setup, then the exec; never returns.
 * IN_CGROUP: born in its cgroup. */
_Noreturn void bh_child_start(const struct bh_child_start *s, bool in_cgroup);
/* Clones the container process (which runs bh_child_start), born in the
 * cgroup CGROUP_FD when one is given and the kernel can (*IN_CGROUP says).
 * Returns its pid, 0 in the child, or -errno with ERR set. */
pid_t bh_clone_child(const struct bh_child_start *start, int cgroup_fd, bool *in_cgroup, struct bh_err *err);

/* ---- self-exe.c ---- */
/* In the container process, in its new mount namespace, before its pivot:
 * points /proc/self/exe at a read-only bind of SELF (an fd of this
 * program's file, opened by the parent) made there, or where none can be
 * made or used at a sealed memfd copy of it, unless SELF is one no one can
 * write already. A path below the container's ROOT gets no bind: the
 * pivot would not take it away. Closes SELF. 0, or -errno with ERR set:
 * the process must not go on. */
int bh_exe_seal(int self, const char *root, struct bh_err *err);

/* ---- mount.c ---- */
/* Parses one OCI mount option into flags/propagation/data/copy_up. Returns
 * 0, or -EINVAL for an option the runtime does not know (never passed on
 * to the kernel as data). */
int bh_mount_option(const char *option, struct bh_mount *m, char **data_out);
/* Where the child's /dev comes from when its caller makes it
 * (bh_mount_dev_prepare): held already (FD), or sent by the parent over
 * SOCKET while the child mounts what comes before it, one message with the
 * mount or without (then the child makes its own); else both -1. */
struct bh_dev_source {
	int fd;
	int socket;
};
/* In the child's new mount namespace, in this order: the rootfs and its
 * mounts and device nodes; the pivot into it; then masked paths, read-only
 * paths and the read-only root. */
int bh_mount_rootfs(const struct bh_config *c, const struct bh_dev_source *dev, struct bh_err *err);
/* The rootfs, as bh_mount_rootfs's working directory while it mounts: the
 * paths below are made from there, a step or two each. */
#define BH_ROOT_HERE "."
/* DESTINATION inside the rootfs (BH_ROOT_HERE) into OUT, refusing a path
 * whose existing components include a symlink: a rootfs must not redirect
 * a mount or a node onto the host. 1 when the whole path is there, 0 when
 * a component is missing (the caller makes it, and need not look again),
 * or -errno with ERR set. */
int bh_mount_target(const char *destination, char *out, size_t size, struct bh_err *err);
/* A remount of the bind mount TARGET adding FLAGS to those it has (a bind
 * remount in a user namespace must repeat the locked ones). */
int bh_bind_remount(const char *target, unsigned long flags);

/* In the helper that joins the user namespace, before it joins: a mount
 * namespace of its own, with c->root_mount_fd attached on c->root.
 * 0 or -errno. */
int bh_mount_attach_root(const struct bh_config *c);
int bh_mount_pivot(const struct bh_config *c, struct bh_err *err);
int bh_mount_finish(const struct bh_config *c, struct bh_err *err);

/* ---- mount-dev.c: the container's /dev ---- */
/* The config's one /dev mount, when it is a plain tmpfs the caller can make
 * alike (no ids or security context in its options, no propagation, no
 * tmpcopyup); -1 when there is none such. */
ssize_t bh_mount_dev_index(const struct bh_config *c);
/* The /dev the parent makes while the child mounts what comes before it,
 * from SOCKET: *DEV the mount, or -1 when it sent none (it could not: the
 * child makes its own). 0 or -errno. */
int bh_mount_dev_received(int socket, int *dev);
/* In the rootfs (BH_ROOT_HERE), after the config's mounts: the devices the
 * config lists, then the default nodes and links, unless SENT (the /dev
 * the parent sent, mounted; -1: none) came with them and is still what
 * dev is. 0 or -errno with ERR set. */
int bh_mount_devices(const struct bh_config *c, int sent, struct bh_err *err);
/* Whether the container's /dev can be made on the caller's side: a new
 * mount namespace whose /dev is one plain tmpfs, and, in a user namespace,
 * the host ids of its root known. */
bool bh_mount_dev_by_caller(const struct bh_config *c);
/* In the caller (container.c says when): the container's /dev tmpfs, made
 * where mknod works, as a detached mount the child moves onto /dev
 * (struct bh_dev_source); -1 when the child makes /dev itself, as it
 * always could. WHOLE (the parent's, sent while the child mounts): with
 * the default nodes and links, so that the child makes none, unless the
 * config names one of them (mount-dev.c). The nodes alone otherwise, and
 * in a user namespace in any case, where the child could only bind them. */
int bh_mount_dev_prepare(const struct bh_config *c, bool whole);

/* ---- console.c ---- */
/* In the container process, a session leader standing in the container's
 * mount namespace: a new pty from the container's /dev/ptmx becomes the
 * controlling terminal and stdin, stdout and stderr (and /dev/console when
 * BIND_CONSOLE); its master is sent over the connected unix socket
 * SOCKET_FD (SCM_RIGHTS), which is closed then, as is our master. */
int bh_console_setup(const struct bh_config *c, int socket_fd, bool bind_console, struct bh_err *err);
/* Before anything starts: -EINVAL, saying which, unless the config has a
 * terminal and SOCKET_FD is one, or it has none and SOCKET_FD is -1. */
int bh_console_check(const struct bh_config *c, int socket_fd, struct bh_err *err);

/* ---- copy.c ---- */
/* Copies the tree beneath the directory FROM (an fd) into the empty
 * directory TO: files, directories, symlinks, fifos and device nodes, with
 * their modes, owners and times (the root of TO keeps its own); symlinks
 * are copied, never followed. */
int bh_copy_tree(int from, const char *to, struct bh_err *err);

/* ---- ns.c ---- */
int bh_ns_flag(const char *type, int *flag);
/* In the child, first of all: setns() into each namespace joined by path. */
int bh_ns_join(const struct bh_config *c, struct bh_err *err);
/* In the container process, inside its namespaces and still privileged:
 * a network namespace it was born in gets its loopback up. */
int bh_ns_new_network_ready(const struct bh_config *c, struct bh_err *err);
/* lo of the child's new network namespace raised by the parent, so that
 * the child need not spend the time (bh_ns_new_network_ready's work): the
 * child, first, sends TO (its end of the go socket) a socket made in its
 * namespace (a socket stays in the one it was made in), 0 or -errno; the
 * parent waits for it on FROM (at most TIMEOUT_MS) and raises lo through
 * it, 0 or -errno (the child then raises lo itself). */
int bh_ns_loopback_socket_send(int to);
int bh_ns_loopback_up_received(int from, long timeout_ms);
/* In the parent, before the child runs: its uid_map and gid_map. */
int bh_ns_write_id_maps(const struct bh_config *c, pid_t pid, struct bh_err *err);

/* ---- process.c: per-process settings ---- */
/* bh_sysctl_check (runtime.h) refuses at load a sysctl that no namespace of
 * the config makes private: writing it would change the whole machine. */
int bh_sysctl_apply(const struct bh_config *c, struct bh_err *err);
/* In the child: hostname, domainname, rlimits, umask, then the
 * personality, the I/O priority and the scheduler, in that order. */
int bh_process_apply(const struct bh_config *c, struct bh_err *err);
/* In the parent, before the child runs: /proc/PID/oom_score_adj. */
int bh_oom_score_apply(const struct bh_config *c, pid_t pid, struct bh_err *err);

/* ---- privileges.c: what a container's process and an exec'd one share ---- */
/* What a failing child tells its parent before it exits. */
struct bh_child_report {
	int error;  /* negative errno */
	int status; /* the status the child exits with */
	char msg[sizeof(((struct bh_err *)0)->msg)];
};
/* Reads a child's report, as read() does, waiting no longer than
 * TIMEOUT_MS (BH_SETUP_TIMEOUT_MS, longer by the timeouts of hooks the
 * child runs meanwhile; -1: as long as it takes), then -ETIMEDOUT. */
ssize_t bh_child_report_read(int fd, struct bh_child_report *report, long timeout_ms);
/* Every signal back to its default, none blocked: what the caller set up
 * for itself, or was started with, must not survive into the container's
 * command or a hook. In a child, before exec: 32 to 34 too, past libc. */
void bh_signals_reset(void);
/* Once inside the container and past its setup, in this order: the
 * bounding set, the ids, inherited descriptors close-on-exec, then
 * no_new_privs, Landlock, seccomp and the final capability sets in the
 * order process.noNewPrivileges asks. Nothing can be undone after. */
int bh_privileges_drop(const struct bh_config *c, struct bh_err *err);
/* The tail a container's process and an exec'd one share, once inside the
 * container: rlimits and umask (and the host and domain names when NAMES:
 * they are the container's, set by its first process only), the cwd, the
 * privilege drop above, and the command's path into COMMAND. 0, or the
 * status to exit with for the step that failed (BH_EXIT_*). */
int bh_process_enter(const struct bh_config *c, bool names, char *command, size_t size, struct bh_err *err);
/* The command's path in the container, found through its PATH as execvpe()
 * would; -ENOENT when it is not there. */
int bh_command_resolve(const struct bh_config *c, char *out, size_t size, struct bh_err *err);
/* execve()s COMMAND with the config's args and env; returns only when that
 * failed, with the status to exit with (127 not found, 126 otherwise). */
int bh_command_exec(const struct bh_config *c, const char *command, struct bh_err *err);

/* ---- landlock.c ---- */
int bh_landlock_right(const char *name, uint64_t *bit);
int bh_landlock_apply(const struct bh_config *c, struct bh_err *err);

/* ---- seccomp.c ---- */
int bh_seccomp_action(const char *name, uint32_t errno_ret, uint32_t *action);
int bh_seccomp_operator(const char *name, int *op);
/* "SCMP_ARCH_X86" and friends: libseccomp's token, or -EINVAL. */
int bh_seccomp_arch(const char *name, uint32_t *token);
/* "SECCOMP_FILTER_FLAG_LOG" and friends: a BH_SECCOMP_FLAG_* bit, or -EINVAL. */
int bh_seccomp_flag(const char *name, unsigned *bit);
int bh_seccomp_apply(const struct bh_config *c, struct bh_err *err);

/* ---- names each facility knows, for `features`: NULL past the last ---- */
const char *bh_ns_type_at(size_t i);
const char *bh_mount_option_at(size_t i);
const char *bh_seccomp_action_at(size_t i);
const char *bh_seccomp_operator_at(size_t i);
const char *bh_landlock_right_at(size_t i);

/* ---- config-hooks.c, hooks.c ---- */
struct bh_hook {
	char *path;
	char **args;      /* NULL: { path } */
	char **env;       /* NULL: the runtime's own environment, as runc and crun give */
	unsigned timeout; /* seconds; 0: none */
};
struct bh_hooks {
	struct bh_hook *list[BH_HOOK_KINDS];
	size_t n[BH_HOOK_KINDS];
	char *json; /* the hooks object, compact: what bh_hooks_json gives */
};
/* Runs every hook of KIND in order, stopping at the first that fails. */
int bh_hooks_run_all(const struct bh_hooks *hooks, enum bh_hook_kind kind, const char *state, struct bh_err *err);
/* How long the hooks of KIND may take together, in ms: the sum of their
 * timeouts (0 when there are none), or -1 when one has none. */
long bh_hooks_time_ms(const struct bh_hooks *hooks, enum bh_hook_kind kind);

/* ---- cgroup.c ---- */
/* Creates the container's cgroup with its controllers enabled along the path;
 * returns an fd of its directory, or -errno. */
int bh_cgroup_create(const struct bh_config *c, struct bh_err *err);
int bh_cgroup_join(int cgroup_fd, pid_t pid, struct bh_err *err);
/* Writes the config's cgroup_files into the cgroup, before anything runs in it. */
int bh_cgroup_set_limits(const struct bh_config *c, int cgroup_fd, struct bh_err *err);
/* Writes each "file=value" of FILES (NULL-terminated) into the cgroup, in
 * order, once bh_cgroup_check_controllers found every controller there. */
int bh_cgroup_write_files(int cgroup_fd, char *const *files, struct bh_err *err);
/* A "file=max" write only says there is no limit, which a cgroup without
 * the file's controller has anyway: it is skipped there, never refused
 * (podman sends pids.limit 0, "no limit", on every host). */
static inline bool bh_cgroup_file_lifts_limit(const char *kv)
{
	const char *eq = strchr(kv, '=');
	/* "max", or cpu.max's "max PERIOD": no quota whatever the period. */
	return eq && strncmp(eq + 1, "max", 3) == 0 && (eq[4] == '\0' || eq[4] == ' ');
}
/* -EOPNOTSUPP, naming the linux.resources field and the controller, when a
 * "file=value" of FILES needs a controller the cgroup at CGROUP_FD lacks
 * (cgroup-path.c); 0 when all are there. */
int bh_cgroup_check_controllers(int cgroup_fd, char *const *files, struct bh_err *err);
/* SPEC, a linux.cgroupsPath in systemd's form SLICE:PREFIX:NAME, as the
 * directory systemd would give the unit PREFIX-NAME.scope, below the
 * cgroup2 root ("/machine.slice/libpod-ID.scope"), into OUT. 1 (OUT empty)
 * when SPEC is a plain path: it has no colon, or begins with '/'; -EINVAL or -ENAMETOOLONG with *WHY
 * (static) saying what is wrong. */
int bh_cgroup_path_from_systemd(const char *spec, char *out, size_t size, const char **why);
/* Where the cgroup v2 hierarchy is mounted (on a hybrid host, its unified/
 * below /sys/fs/cgroup), or NULL when there is none. */
const char *bh_cgroup_root(void);
/* An fd of the directory of the existing cgroup at CGROUPS_PATH, or -errno
 * (-ENOENT when it is gone, or there is no cgroup v2). */
int bh_cgroup_open(const char *cgroups_path, struct bh_err *err);
/* cgroup v1 numbers in OCI's resources, on v2's scales. */
uint64_t bh_cpu_shares_to_weight(uint64_t shares);
uint64_t bh_blkio_weight_to_io_weight(uint64_t weight);

/* ---- devices.c ---- */
/* The nodes every container gets in /dev (mount-dev.c), which its device
 * program always allows (c, rwm); spec.c writes them into the default. */
extern const struct bh_device_rule bh_default_device_rules[];
extern const size_t bh_n_default_device_rules;
/* The nodes every container's /dev gets: bh_default_node_names[i] is
 * bh_default_device_rules[i]'s node, for i below bh_n_default_nodes. */
extern const char *const bh_default_node_names[];
extern const size_t bh_n_default_nodes;
/* In the parent, before anything runs in the cgroup: the config's device
 * list as an eBPF device program attached to CGROUP_FD. A config with a
 * list but no cgroup (CGROUP_FD < 0), or a kernel that cannot load or
 * attach the program, is an error: the container must not start without. */
int bh_devices_apply(const struct bh_config *c, int cgroup_fd, struct bh_err *err);

#endif
