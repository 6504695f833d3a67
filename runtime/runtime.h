/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead runtime: an OCI bundle in, an isolated process out.
 *
 * Used in-process by the init and by the bulkhead-runtime CLI. Library rules
 * (DESIGN.md): functions return 0 or a non-negative value on success and
 * -errno on failure; they never log and never exit. A failure fills the
 * caller-owned struct bh_err with a message that names what was wrong. */
#ifndef BULKHEAD_RUNTIME_H
#define BULKHEAD_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The version of this runtime (no release yet), and of the runtime spec it
 * follows: config.json, state and features say the latter. */
#define BH_VERSION "0.1.0"
#define BH_OCI_VERSION "1.0.2"

struct bh_err {
	int code;       /* the negative errno that was returned */
	char msg[512];
	int status;     /* a start that failed in the container process: the status it
			 * exited with (BH_EXIT_*, 126 for an exec error); else 0 */
	/* A config.json value that was wrong (bh_config_parse, bh_config_load):
	 * its JSON path ("linux.seccomp.syscalls[3].names[0]") and what was
	 * wrong with it, the two parts of msg's "config.json: PATH: REASON",
	 * so that a caller can say where the value came from instead (the
	 * builder: a seccomp profile). "" for any other failure. */
	char path[256];
	char reason[384];
};

/* Formats into err (which may be NULL) and returns the negative errno it was
 * given, so that "return bh_fail(err, -EINVAL, ...)" reads as one step. */
int bh_fail(struct bh_err *err, int negative_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* bh_fail, and then ": " and strerror(-NEGATIVE_ERRNO) appended: the one way
 * a message ends in the system's reason ("return bh_fail_errno(err, -errno,
 * "mount %s", path)"). */
int bh_fail_errno(struct bh_err *err, int negative_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reserved exit statuses of a container whose setup failed in the child.
 * They let a supervisor tell a setup failure from the application's own exit
 * status when the error message itself could not be delivered. */
enum bh_exit {
	BH_EXIT_SETUP = 120,  /* namespaces, mounts, pivot_root, hostname, a create or start hook */
	BH_EXIT_PRIVDROP = 121, /* ids, capabilities, no_new_privs, Landlock, seccomp */
	BH_EXIT_NOEXEC = 126, /* the command exists but cannot be executed */
	BH_EXIT_NOTFOUND = 127, /* the command was not found */
};

struct bh_config; /* a parsed and validated config.json; opaque */

/* Parses and validates LEN bytes of config.json text, and touches no file
 * system: relative paths in it (root.path, mount sources) are joined to
 * BUNDLE_DIR, which is not looked at, and a compiled seccomp filter that
 * the annotation below names is not read (starting such a config compiles
 * linux.seccomp again). On success *out owns the config (free it with
 * bh_config_free). On failure, -EINVAL with err->msg saying
 * "config.json: JSON.PATH: what" and err->path and err->reason set, or
 * "config.json:LINE:COLUMN: what" for text that is no JSON; -ENOMEM. */
int bh_config_parse(const char *json, size_t len, const char *bundle_dir, struct bh_config **out,
		    struct bh_err *err);
/* Reads BUNDLE/config.json and parses it as bh_config_parse does, checking
 * as well what lies on disk: root.path must exist (it is resolved to a
 * real path) and the compiled seccomp filter the annotation names is read.
 * Its failures read like bh_config_parse's, but name BUNDLE/config.json
 * when it is missing (-ENOENT) or no JSON. */
int bh_config_load(const char *bundle, struct bh_config **out, struct bh_err *err);
/* bh_config_load, keeping the annotations for the state (bh_config_annotations). */
int bh_config_load_annotated(const char *bundle, struct bh_config **out, struct bh_err *err);
/* bh_config_load, but config.json and the compiled seccomp filter are read
 * from CONFIG_DIR (a snapshot bh_config_save wrote) while relative paths in
 * it (root.path, mount sources) still resolve against BUNDLE:
 * bh_config_load(B) is bh_config_load_from(B, B). */
int bh_config_load_from(const char *config_dir, const char *bundle, struct bh_config **out, struct bh_err *err);
/* The snapshot of what CONFIG was parsed from, for a later
 * bh_config_load_from: DIR (made here, 0700; it must not exist) gets the
 * config.json text bh_config_load read, byte for byte, and the compiled
 * seccomp filter it read, under the name the annotation gives (files
 * 0600). Nothing is read again: what is saved is what was applied.
 * -EINVAL for a config that bh_config_parse made (no text kept). */
int bh_config_save(const struct bh_config *config, const char *dir, struct bh_err *err);
/* The config.json text CONFIG was parsed from, LEN bytes in *LEN (NULL for
 * a config parsed from text by bh_config_parse): what a caller reads of it
 * beyond the parsed config is the same text, never a second read. */
const char *bh_config_text(const struct bh_config *config, size_t *len);
/* The config's annotations object as compact JSON text, or NULL when it
 * has none or the config was loaded without them (bh_config_load_annotated
 * and bh_config_parse keep them): what the OCI state reports, kept from the
 * one parse. */
const char *bh_config_annotations(const struct bh_config *config);
/* The bundle's real path, as bh_config_load resolved it (bh_config_parse:
 * as given). */
const char *bh_config_bundle(const struct bh_config *config);
void bh_config_free(struct bh_config *config);

/* How the caller wires a container to the outside world. */
struct bh_io {
	int stdin_fd;  /* -1: /dev/null */
	int stdout_fd; /* -1: inherit the caller's */
	int stderr_fd; /* -1: inherit the caller's */
	/* A connected unix socket for a config whose process.terminal is true:
	 * the process gets a pty for stdio and the master goes there. -1: none;
	 * a terminal without one is refused, and so is one without a terminal. */
	int console_socket;
	/* The caller runs from its installed file (the CLI): the container
	 * process first runs from a view of this program no one can write
	 * (self-exe.c), before anything of the container's runs. The
	 * caller checks bh_exe_in_place_possible first. */
	bool seal_exe;
};

/* Creates the container's cgroup (when the config names one), clones the
 * container process into its namespaces and applies the whole sandbox in
 * DESIGN.md's order before exec. Returns once the command was exec'd (or
 * after BH_SETUP_TIMEOUT_MS plus the createContainer and startContainer
 * hooks' timeouts, no bound when one of them has none, with -ETIMEDOUT and
 * nothing left behind), with its pid in *pid (the caller reaps it), or once
 * setup failed, with -errno and the failing step in err; a failed start
 * leaves no process and no cgroup behind. While it waits, it brings up lo
 * of the container's new network namespace through a socket the
 * container process made there (so does bh_container_create). */
int bh_container_start(const struct bh_config *config, const struct bh_io *io,
		       pid_t *pid, struct bh_err *err);

/* bh_container_start in two halves, for a caller with more to do while the
 * container sets itself up (the init, which starts many at once). The first
 * returns once the child is cloned and the caller's part of the setup is
 * done, with its pid in *PID (the caller's child: it reaps it) and in
 * *REPORT_FD (close-on-exec; the caller closes it) the end of a pipe that
 * becomes readable when the setup is over; *BOUND_MS is how long it may
 * take (-1: no bound), past which the caller kills it (its pid and its
 * cgroup). A config with prestart, createRuntime or createContainer hooks
 * is refused (-EINVAL): they need a caller that waits. On failure nothing
 * is left behind. */
int bh_container_spawn(const struct bh_config *config, const struct bh_io *io, pid_t *pid, int *report_fd,
		       long *bound_ms, struct bh_err *err);
/* Once REPORT_FD is readable: 0 when the command was exec'd; else -errno
 * with err saying which step of the setup failed and err->status the
 * status the child exits with (126, 127 for a command that cannot run).
 * After a failure the child and its cgroup are the caller's to reap and
 * remove. */
int bh_container_spawned(int report_fd, struct bh_err *err);

/* The create half of OCI's create/start: like bh_container_start, but the
 * container process, once its whole sandbox is applied, waits until a byte
 * can be read from START_FD and only then execs. Returns as soon as it
 * waits. The process inherits START_FD and RESULT_FD (a fifo it holds open
 * for reading and writing, so that it alone keeps it open) and closes both
 * on exec; an exec that fails is reported through RESULT_FD, to
 * bh_container_start_created, and the exit status. */
int bh_container_create(const struct bh_config *config, const struct bh_io *io, int start_fd,
			int result_fd, pid_t *pid, struct bh_err *err);

/* The start half, in any process: writes the byte to START_FD (the write end
 * of create's START_FD fifo) and returns once the container process has
 * exec'd, so that a signal sent next reaches the user's command and not the
 * runtime's setup. RESULT_FD is create's RESULT_FD fifo, opened for reading
 * (only) before START_FD is written. 0 once it exec'd (EOF: its end closed
 * on exec), or -errno with err->msg naming what failed and err->status the
 * status the process exits with (126, 127); -ETIMEDOUT when it did not
 * exec within BH_SETUP_TIMEOUT_MS (a stopped process). A process killed
 * before exec reads as an exec. */
int bh_container_start_created(int start_fd, int result_fd, struct bh_err *err);

/* Replaces the process settings of CONFIG (a running container's, from
 * bh_config_load_from of the snapshot its create saved) by LEN bytes of JSON text, an OCI process
 * object as config.json's process is: args, env, cwd, user, capabilities
 * and noNewPrivileges always; rlimits, oomScoreAdj and landlock when it
 * has them, else the container's stay. A wrong member is named as
 * config.json's are, from the object ("process: user.uid: ...", err->path
 * "user.uid"); after a failure CONFIG is fit only for bh_config_free. */
int bh_config_set_process(struct bh_config *config, const char *json, size_t len, struct bh_err *err);
/* The same, but only the members the object has replace the config's
 * (exec's --cwd, --env, --user on the container's own process); an
 * absent one stays as the config has it. */
int bh_config_change_process(struct bh_config *config, const char *json, size_t len, struct bh_err *err);

/* Runs CONFIG's process (bh_config_set_process) in the running container
 * whose first process is CONTAINER_PID, CONTAINER_PIDFD a pidfd of it that
 * the caller took once it knew the pid was the container's (its start
 * time): in every namespace of that process (its user namespace first;
 * -ESRCH when one the container made is the caller's own, or when the
 * process ended while they were opened), in the cgroup it is in, which
 * must be CGROUPS_PATH or below it (-EPERM otherwise; NULL: none),
 * with CONFIG's rlimits, umask, cwd, then its privileges dropped as the
 * container's process had them (ids, capabilities, no_new_privs, Landlock,
 * seccomp). It keeps the caller's stdin, stdout and stderr, unless the
 * process's terminal is true: then CONSOLE_SOCKET (a connected unix
 * socket, as bh_io's; -1 none, and both or neither) gets the master of a
 * pty from the container's devpts, its stdio and controlling terminal
 * (the container's /dev/console is left as it is). Returns once
 * the command was exec'd, with its pid (in the caller's pid namespace, the
 * caller's child: it reaps it) in *PID; or -errno with err->status the
 * status it exited with (126, 127 for an exec error, BH_EXIT_*), as
 * bh_container_start does. The caller must not be PID 1 of its pid
 * namespace (a helper clones the process as the caller's child). */
int bh_container_exec(const struct bh_config *config, pid_t container_pid, int container_pidfd,
		      const char *cgroups_path, int console_socket, pid_t *pid, struct bh_err *err);

/* How long bh_container_start and bh_container_create wait for the container
 * process to apply its sandbox before they kill it and fail, and
 * bh_container_start_created for the exec: a caller that must never hang
 * (PID 1) is not held by a setup step that hangs. */
#define BH_SETUP_TIMEOUT_MS 30000

/* ---- hooks: config.json's hooks, as the runtime spec's lifecycle runs them ----
 *
 * A start runs prestart and createRuntime hooks itself (in the caller, with
 * the container's pid), createContainer hooks in the container process
 * before its pivot_root (paths on the caller's side), and startContainer
 * hooks in the container right before the exec (bh_container_create: once
 * start asked for it). Any of them failing fails the start or create, with
 * err->msg naming the hook ("hooks.prestart[0] (/usr/bin/x): exit status
 * 1", "... timed out after 5 s") and nothing left behind. poststart and
 * poststop belong to the caller's own lifecycle (bh_hook_run). Each hook
 * gets the container's state on stdin, writes to the caller's stderr
 * (stdout too), and is killed (its process group) once past its timeout,
 * counted from before its exec; without one it is waited for as long as it
 * runs. A hook without env gets the caller's environment, but for the two
 * that run as the container's process (createContainer, startContainer):
 * those get an empty one, so that the caller's variables stay out of the
 * container. */
enum bh_hook_kind {
	BH_HOOK_PRESTART,
	BH_HOOK_CREATE_RUNTIME,
	BH_HOOK_CREATE_CONTAINER,
	BH_HOOK_START_CONTAINER,
	BH_HOOK_POSTSTART,
	BH_HOOK_POSTSTOP,
	BH_HOOK_KINDS
};
struct bh_hooks; /* a parsed hooks object; opaque */

/* The container's state (the runtime spec's State) as JSON text, malloc'd,
 * for a hook's stdin; NULL when out of memory. The library says the status
 * ("creating", "created") and the pid as the hook sees it; everything else
 * (the container's ID above all) only the caller knows. */
typedef char *(*bh_hook_state_fn)(void *data, const char *status, pid_t pid);

/* Lets a start run CONFIG's hooks, with the state FN gives. A config with
 * hooks and without it is refused at start (-EINVAL): a caller that must
 * never wait on a program it did not choose (PID 1) sets none. FN is called
 * in the caller and in the container process (a copy of the caller's
 * memory), before the pivot; DATA must live as long as the start. */
void bh_config_set_hook_state(struct bh_config *config, bh_hook_state_fn fn, void *data);
/* The config's hooks, owned by it; NULL when it has none. */
const struct bh_hooks *bh_config_hooks(const struct bh_config *config);
/* HOOKS as the JSON text of config.json's hooks object, for a caller that
 * keeps it for a later process (start, delete): bh_hooks_parse reads it
 * back. Owned by HOOKS. */
const char *bh_hooks_json(const struct bh_hooks *hooks);
/* Parses LEN bytes of a hooks object's JSON text as bh_config_parse does
 * (errors name "config.json: hooks.poststop[0].path"). *out is NULL when it
 * holds no hook; free it with bh_hooks_free. */
int bh_hooks_parse(const char *json, size_t len, struct bh_hooks **out, struct bh_err *err);
void bh_hooks_free(struct bh_hooks *hooks);
/* How many hooks of KIND there are (0 for NULL HOOKS). */
size_t bh_hooks_count(const struct bh_hooks *hooks, enum bh_hook_kind kind);
/* Runs hook INDEX of KIND with STATE on its stdin and waits for it (up to
 * its timeout). 0 when it exits 0; else -errno with err->msg naming it and
 * saying what happened: -ECHILD for a non-zero status or a signal,
 * -ETIMEDOUT, or the exec's own error. */
int bh_hook_run(const struct bh_hooks *hooks, enum bh_hook_kind kind, size_t index, const char *state,
		struct bh_err *err);
/* "prestart", "createRuntime", ... in enum order; NULL past the last. */
const char *bh_hook_name_at(size_t i);

/* bh_container_start_created for a container with startContainer hooks
 * (HOOKS, NULL for none): they run before the exec, so the wait for it is
 * BH_SETUP_TIMEOUT_MS longer than their timeouts together, and has no bound
 * when one of them has none. */
int bh_container_start_created_hooked(int start_fd, int result_fd, const struct bh_hooks *hooks,
				      struct bh_err *err);

/* Gives CONFIG the limit SOFT/HARD for RESOURCE (RLIMIT_*) unless it sets
 * one: a caller whose own limits are not meant for its containers (the
 * init raises its descriptor limit) says what they get instead. 0 or
 * -ENOMEM. */
int bh_config_rlimit_default(struct bh_config *config, int resource, unsigned long long soft,
			     unsigned long long hard);

/* Has FD, a detached mount (open_tree's OPEN_TREE_CLONE, an idmapped one
 * say), mounted on CONFIG's root.path for the container only: the helper
 * that joins its user namespace attaches it first, in a mount namespace of
 * its own, from which the container's is copied with the mount's flags
 * locked. It never appears in the caller's namespace, whose every mount
 * each new mount namespace copies. FD stays the caller's. -EINVAL unless
 * the config joins a user namespace by path and makes a mount namespace. */
int bh_config_root_mount(struct bh_config *config, int fd);

/* The host ids the user namespace the config joins by path maps its root
 * (id 0) to: the caller that made it knows them, the config does not say.
 * With them the container's /dev is made on the caller's side, its device
 * nodes with mknod rather than bound one by one. -EINVAL unless the config
 * joins a user namespace by path. */
int bh_config_user_ns_root(struct bh_config *config, uid_t uid, gid_t gid);

/* Kills whatever is left in the cgroup at CGROUPS_PATH (relative to the
 * cgroup2 root) and removes it; call it once the container's process was
 * reaped (bh_config_cgroups_path gives the path). Returns 0 when it is
 * gone or never was, and for a NULL path. */
int bh_cgroup_destroy(const char *cgroups_path, struct bh_err *err);

/* The verbs that act on every process of a running container, through its
 * cgroup at CGROUPS_PATH (relative to the cgroup2 root, as
 * bh_config_cgroups_path gives it). -ENOENT when the cgroup is gone. */

/* Freezes the cgroup (FROZEN true) or thaws it, and returns once the kernel
 * says every process stopped or may run again (within 10 s: -ETIMEDOUT). */
int bh_cgroup_freeze(const char *cgroups_path, bool frozen, struct bh_err *err);
/* 1 when the cgroup is frozen, 0 when not, or -errno. */
int bh_cgroup_frozen(const char *cgroups_path);
/* The pids (in the caller's pid namespace) of every process in the cgroup
 * and below it, into *PIDS (malloc'd, the caller frees it); their count, or
 * -errno. */
ssize_t bh_cgroup_pids(const char *cgroups_path, pid_t **pids, struct bh_err *err);
/* Sends SIG to every process in the cgroup and below it: SIGKILL through
 * cgroup.kill, any other while the cgroup is frozen (so that no fork
 * escapes), thawing it after unless it was frozen before. */
int bh_cgroup_signal(const char *cgroups_path, int sig, struct bh_err *err);
/* Applies LEN bytes of JSON text, an OCI linux.resources object, to the
 * cgroup as `update` does: memory (limit, reservation, swap), cpu (shares,
 * quota, period, cpus, mems), pids.limit, blockIO (weight, throttles) and
 * unified, each as at create; cpu quota or period alone keeps the other.
 * A field it does not know or cannot change is refused by its path,
 * before anything is written: -EINVAL with err->path ("memory.kernel")
 * and err->reason set, as config.json's errors are. */
int bh_cgroup_update(const char *cgroups_path, const char *json, size_t len, struct bh_err *err);

/* The cgroup path of the config relative to the cgroup2 root, or NULL. */
const char *bh_config_cgroups_path(const struct bh_config *config);

/* A config that names no cgroup gets PATH when it has a device list, which
 * is enforced on the container's own cgroup, or when cgroup v2 is there at
 * all: the CLI gives each container one, as runc and crun do, for the verbs
 * that act on all its processes (kill --all, pause, ps, update). Where no
 * cgroup2 tree is mounted writable, a config that asks for no limit and no
 * device list loses its cgroupsPath too and runs in the caller's cgroup.
 * Returns 1 when PATH was taken, 0 when the config has its own or can have
 * none, or -ENOMEM. */
int bh_config_default_cgroup(struct bh_config *config, const char *path);

/* For validating a config before it is written (the builder): an rlimit's
 * number for "RLIMIT_NOFILE" and friends, or -EINVAL; 0 when the sysctl KEY
 * is private to a container with CLONE_FLAGS' namespaces, -EPERM when it
 * would change the whole machine, -EINVAL when it is no sysctl name. */
int bh_rlimit_from_name(const char *name);
int bh_sysctl_check(const char *key, int clone_flags);

/* Brings up lo in the caller's network namespace, as a container's new one
 * gets it (and the init's own at boot): 0, or -errno. */
int bh_loopback_up(void);

/* Fields 4 to N - 1 of PATH, a /proc/PID/stat, in FIELD, numbered from 1
 * as proc(5) numbers them, and field 3, the state, in *STATE: 0, or -1. */
int bh_proc_stat(const char *path, unsigned long long *field, size_t n, char *state);

/* ---- self-exe.c: this program, run from where no one can write it ---- */
/* Whether this process can point its /proc/self/exe at another copy of its
 * program in place (bh_exe_run_in_place_from): the image and the kernel
 * allow it, and it holds what PR_SET_MM_MAP needs. */
bool bh_exe_in_place_possible(void);
/* Points /proc/self/exe at FILE, a file of this program's content,
 * without executing it: each loaded segment is mapped again from FILE
 * first. 0; or -errno: -ENOTSUP (not possible here) having changed
 * nothing, else with some segments mapped from FILE already (the same
 * content: a call with another file maps them all again). A failure
 * half-way through one (no memory left) leaves the process to die of
 * SIGSEGV. */
int bh_exe_run_in_place_from(int file);
/* Whether SELF, an fd of /proc/self/exe, is one no one can write: on a
 * read-only mount, or a sealed memfd. */
bool bh_exe_unwritable(int self);
/* A copy of SELF in a memfd sealed against writing, growing and
 * shrinking (close-on-exec), or -errno with ERR set. */
int bh_exe_sealed_copy(int self, struct bh_err *err);

/* FD (-1: none) over the unix socket SOCKET_FD (SCM_RIGHTS) with the LEN
 * bytes of DATA (at least one): 0, or -errno. */
int bh_fd_send(int socket_fd, int fd, const void *data, size_t len);
/* The one descriptor of the next message on SOCKET_FD (close-on-exec),
 * recvmsg's FLAGS added: the descriptor; -errno from recvmsg (-EAGAIN:
 * nothing yet, with MSG_DONTWAIT); -ENODATA when the message, or the end
 * of the stream, held not exactly one (any it held are closed). */
int bh_fd_receive(int socket_fd, int flags);

/* The annotation that names a file in the bundle holding linux.seccomp
 * compiled to classic BPF for x86_64. When a config carries it, starting a
 * container loads that program instead of compiling the rules again. */
#define BH_SECCOMP_BPF_ANNOTATION "run.bulkhead.seccomp.bpf"

/* Compiles the config's linux.seccomp as a start would and writes the BPF
 * program to FD. Returns its length in instructions, 0 when the config has
 * no seccomp filter, or -errno. The builder uses it to decide at build time. */
int bh_seccomp_export(const struct bh_config *config, int fd, struct bh_err *err);


#endif
