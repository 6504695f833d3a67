/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The default seccomp profile of `bulkhead-runtime spec` and of every
 * container `bulkhead build` makes: an explicit allow-list, as Docker's
 * default (moby/profiles seccomp/default.json), and tighter on every point
 * where they differ. README.md ("The default seccomp profile") lists each
 * difference with its reason; tests/runtime-cli.t and qemu-tests/walls.t
 * run the escape probe (tests/helpers/bulkhead-escape.c) against it. */
#include <errno.h>
#include <jansson.h>

#include "spec.h"
#include "util.h"

/* Docker's unconditional allow-list for x86_64, without the names that only
 * exist on other architectures, and without:
 *   name_to_handle_at (the first half of the "shocker" handle escape),
 *   ptrace, process_vm_readv, process_vm_writev (reading and writing a
 *   neighbour's memory in the same container),
 *   modify_ldt (16-bit segments: nothing 64-bit needs them; a long CVE list).
 * Names this machine's libseccomp does not know yet are skipped when the
 * filter is built: they stay refused. */
static const char *const allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "arch_prctl", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep",
	"close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
	"eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchownat", "fcntl",
	"fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstatfs",
	"fsync", "ftruncate", "futex", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake", "futimesat",
	"getcpu", "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresuid", "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
	"get_thread_area", "gettid", "gettimeofday", "getuid", "getxattr", "getxattrat", "inotify_add_watch",
	"inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
	"io_pgetevents", "ioprio_get", "ioprio_set", "io_setup", "io_submit", "kill", "landlock_add_rule",
	"landlock_create_ruleset", "landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat", "listen",
	"listmount", "listxattr", "listxattrat", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat",
	"madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat",
	"mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify",
	"mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv",
	"msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "open", "openat", "openat2",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"poll", "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
	"pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recvfrom",
	"recvmmsg", "recvmsg", "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat",
	"renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
	"rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
	"sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
	"sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"sendfile", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer",
	"setpgid", "setpriority", "setregid", "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list",
	"setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setxattr", "setxattrat", "shmat",
	"shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "splice",
	"stat", "statfs", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs",
	"sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate",
	"umask", "uname", "unlink", "unlinkat", "uretprobe", "utime", "utimensat", "utimes", "vfork", "vmsplice",
	"wait4", "waitid", "write", "writev",
};

/* socket(2)'s families, each compared whole: the kernel reads the family as
 * an int, and a rule such as Docker's "family > 40" also lets through
 * AF_VSOCK with bits set above the int's 32 (the kernel drops them). Only
 * local, IP and netlink sockets (and packet sockets, which still need
 * CAP_NET_RAW): no AF_VSOCK (the hypervisor), no AF_ALG (the kernel's crypto
 * API), none of the rarely used protocol families that keep giving kernel
 * holes (TIPC, RDS, CAN, X.25, KCM, ...). */
static const int socket_families[] = { 1 /* AF_UNIX */, 2 /* AF_INET */, 10 /* AF_INET6 */,
				       16 /* AF_NETLINK */, 17 /* AF_PACKET */ };

/* personality(2): Docker's values. The query and the Linux personalities,
 * not READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE. */
static const json_int_t personalities[] = { 0, 0x0008, 0x20000, 0x20008, 0xffffffff };

/* clone(2) flags that create namespaces: NEWNS|NEWCGROUP|NEWUTS|NEWIPC|
 * NEWUSER|NEWPID|NEWNET, Docker's mask. clone's flags are a full 64-bit
 * argument, so the masked compare sees all of them. */
#define NAMESPACE_CLONE_FLAGS 0x7e020000LL

static json_t *equal_rule(const char *name, int index, json_int_t value)
{
	return json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names", name, "action", "SCMP_ACT_ALLOW", "args",
			 "index", index, "value", value, "op", "SCMP_CMP_EQ");
}

json_t *bh_spec_seccomp(void)
{
	json_t *syscalls = json_array();

	/* First: tests and readers find the plain allow-list at syscalls[0]. */
	json_array_append_new(syscalls, json_pack("{s:o, s:s}", "names", bh_json_strings(allowed, ARRAY_SIZE(allowed)),
						  "action", "SCMP_ACT_ALLOW"));
	for (size_t i = 0; i < ARRAY_SIZE(socket_families); i++)
		json_array_append_new(syscalls, equal_rule("socket", 0, socket_families[i]));
	/* socketpair makes its sockets as socket(2) does, family and all (and
	 * may load the family's module) before it fails for any but AF_UNIX,
	 * the one family that has pairs: AF_UNIX only, compared whole. */
	json_array_append_new(syscalls, equal_rule("socketpair", 0, 1 /* AF_UNIX */));
	for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
		json_array_append_new(syscalls, equal_rule("personality", 0, personalities[i]));
	/* clone without namespace flags, so that clone(CLONE_NEWUSER) is no way
	 * round the refused unshare. */
	json_array_append_new(syscalls, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:I, s:s}]}", "names", "clone", "action",
						  "SCMP_ACT_ALLOW", "args", "index", 0, "value",
						  NAMESPACE_CLONE_FLAGS, "valueTwo", (json_int_t)0, "op",
						  "SCMP_CMP_MASKED_EQ"));
	/* clone3's flags sit in memory, out of the filter's sight: ENOSYS, as
	 * Docker answers, makes glibc and musl fall back to clone. */
	json_array_append_new(syscalls, json_pack("{s:[s], s:s, s:i}", "names", "clone3", "action", "SCMP_ACT_ERRNO",
						  "errnoRet", ENOSYS));
	/* Everything else, newer syscalls included, fails with EPERM, as in
	 * Docker: a refused call must look refused, not absent. */
	return json_pack("{s:s, s:i, s:[s], s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
			 "architectures", "SCMP_ARCH_X86_64", "syscalls", syscalls);
}
