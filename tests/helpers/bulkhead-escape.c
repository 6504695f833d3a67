/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-escape: the escape probe. Tries, from inside a container, some
 * seventy privileged or escape-prone operations and prints one TAP line
 * each:
 *
 *   ok N - OP refused (ERRNO)
 *   not ok N - OP succeeded
 *   not ok N - OP failed with ERRNO, not with WHAT A WALL ANSWERS
 *
 * and exits with the number of operations that were not refused. Each
 * operation runs in a child of its own (kernel selftests style): some are
 * killed by the seccomp filter, some change the process. Each entry states
 * the errnos a wall answers with and which wall that is; a failure with
 * another errno proves nothing (bad arguments, say) and counts as not
 * refused, so that a missing wall cannot hide behind an EINVAL.
 *
 * Where the operation would change something outside a sandbox, the probe
 * does the least that proves it: it opens a sysctl file for writing but
 * writes nothing, sets the clock to what it reads, and so on. Still: run it
 * inside a container only.
 *
 *   bulkhead-escape [--list] [WORDS...]
 *       --list: the table, with what refuses each operation; WORDS: only the
 *       operations whose name contains one of them
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "errno-name.h"
#include "../../runtime/util.h"

/* What a child reports besides 0 (succeeded) and an errno. */
#define SETUP_FAILED 250 /* the allowed neighbour a test needs did not work */
#define KILLED 1000      /* pseudo errno: ended by SIGSYS (the filter's kill) */
#define MASKED 1001      /* pseudo errno: opened, but reads nothing (a masked path) */
#define FAULTED 1002     /* pseudo errno: ended by SIGSEGV (a refusal only where the table says so) */

/* An outcome's name: the pseudo errnos, else errno_name's. */
static const char *outcome_name(int e)
{
	if (e == FAULTED)
		return "ended by SIGSEGV";
	return e == KILLED ? "killed by SIGSYS" : e == MASKED ? "masked: reads nothing" : errno_name(e);
}

/* The outcome of a call: 0 when it succeeded, else its errno. */
static int result(long r)
{
	return r < 0 ? errno : 0;
}

static char scratch[64]; /* a file of this child's own in /tmp */

static const char *tmp_file(const char *what)
{
	snprintf(scratch, sizeof(scratch), "/tmp/escape-%s-%d", what, (int)getpid());
	return scratch;
}

/* A copy of this program in /tmp: the allowed neighbour of W^X. */
static int write_copy(const char *path, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(out) == 0 && n == 0 && chmod(path, mode) == 0 ? 0 : -1;
}

/* ---- namespaces, mounts, root ---- */

static int t_mount(void) { return result(mount("none", "/tmp", "tmpfs", 0, NULL)); }
static int t_umount(void) { return result(umount2("/proc", MNT_DETACH)); }
static int t_pivot_root(void) { return result(syscall(SYS_pivot_root, "/", "/")); }
static int t_chroot(void) { return result(chroot("/tmp")); }
static int t_unshare_user(void) { return result(unshare(CLONE_NEWUSER)); }
static int t_unshare_mnt(void) { return result(unshare(CLONE_NEWNS)); }
static int t_unshare_net(void) { return result(unshare(CLONE_NEWNET)); }
static int t_unshare_pid(void) { return result(unshare(CLONE_NEWPID)); }
static int t_unshare_uts(void) { return result(unshare(CLONE_NEWUTS)); }
static int t_unshare_ipc(void) { return result(unshare(CLONE_NEWIPC)); }
static int t_unshare_cgroup(void) { return result(unshare(CLONE_NEWCGROUP)); }
static int t_unshare_time(void) { return result(unshare(0x80 /* CLONE_NEWTIME */)); }

static int raw_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return result(pid);
}

static int t_clone_user(void) { return raw_clone(CLONE_NEWUSER); }
static int t_clone_ns(void) { return raw_clone(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET); }

static int t_clone3_user(void)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0)
		_exit(0);
	return result(pid);
}

static int t_setns(void)
{
	int fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? SETUP_FAILED : result(setns(fd, 0));
}

static int t_fsopen(void) { return result(syscall(SYS_fsopen, "tmpfs", 0)); }
static int t_open_tree(void) { return result(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */)); }
static int t_fspick(void) { return result(syscall(SYS_fspick, AT_FDCWD, "/", 0)); }

static int t_mount_setattr(void)
{
	struct {
		uint64_t attr_set, attr_clr, propagation, userns_fd;
	} attr = { .attr_clr = 0x1 /* MOUNT_ATTR_RDONLY */ };
	return result(syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &attr, sizeof(attr)));
}

/* ---- the kernel itself ---- */

static int t_io_uring_setup(void)
{
	struct io_uring_params params;

	memset(&params, 0, sizeof(params));
	return result(syscall(SYS_io_uring_setup, 8, &params));
}

static int t_io_uring_enter(void) { return result(syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0)); }
static int t_io_uring_register(void) { return result(syscall(SYS_io_uring_register, -1, 0, NULL, 0)); }

static int t_bpf(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
}

static int t_perf_event_open(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	return result(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}

static int t_userfaultfd(void) { return result(syscall(SYS_userfaultfd, O_CLOEXEC)); }
static int t_kexec_load(void) { return result(syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL)); }
static int t_kexec_file_load(void) { return result(syscall(SYS_kexec_file_load, -1, -1, 1UL, "", 0UL)); }
static int t_init_module(void) { return result(syscall(SYS_init_module, "\177ELF", 4UL, "")); }

static int t_finit_module(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? SETUP_FAILED : result(syscall(SYS_finit_module, fd, "", 0));
}

static int t_delete_module(void) { return result(syscall(SYS_delete_module, "bulkhead_no_such_module", O_NONBLOCK)); }
static int t_reboot(void) { return result(syscall(SYS_reboot, 0xfee1dead, 672274793, 0 /* CAD_OFF */, NULL)); }
static int t_swapon(void) { return result(syscall(SYS_swapon, "/tmp/escape-swap", 0)); }

static int t_syslog(void)
{
	char buf[256];
	return result(syscall(SYS_syslog, 3 /* READ_ALL */, buf, (int)sizeof(buf)));
}

static int t_keyctl(void) { return result(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "escape")); }
static int t_add_key(void) { return result(syscall(SYS_add_key, "user", "escape", "x", 1UL, KEY_SPEC_PROCESS_KEYRING)); }
static int t_request_key(void) { return result(syscall(SYS_request_key, "user", "escape", NULL, 0)); }

static int t_open_by_handle(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char f_handle[8];
	} handle = { 8, 1, { 2, 0, 0, 0, 0, 0, 0, 0 } }; /* inode 2: a root directory */
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return root < 0 ? SETUP_FAILED : result(syscall(SYS_open_by_handle_at, root, &handle, O_RDONLY));
}

static int t_name_to_handle(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char f_handle[128];
	} handle = { 128, 0, { 0 } };
	int mount_id;
	return result(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &handle, &mount_id, 0));
}

static int t_fanotify(void) { return result(syscall(SYS_fanotify_init, 0 /* FAN_CLASS_NOTIF */, O_RDONLY)); }

static int t_lookup_dcookie(void)
{
	char buf[64];
	return result(syscall(SYS_lookup_dcookie, 1ULL, buf, sizeof(buf)));
}

static int t_quotactl(void)
{
	char buf[128];
	return result(syscall(SYS_quotactl, (0x800007 << 8) /* QCMD(Q_GETQUOTA, USRQUOTA) */, "/", 0, buf));
}

static int t_acct(void) { return result(syscall(SYS_acct, tmp_file("acct"))); }
static int t_vhangup(void) { return result(syscall(SYS_vhangup)); }
static int t_iopl(void) { return result(syscall(SYS_iopl, 3)); }
static int t_ioperm(void) { return result(syscall(SYS_ioperm, 0x80UL, 1UL, 1)); }

/* ---- other processes ---- */

/* Where a wall is missing PID 1 (this probe, often) must not stay stopped. */
static int t_ptrace_init(void)
{
	int r = result(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, NULL, NULL));

	if (r == 0) {
		waitpid(1, NULL, __WALL);
		syscall(SYS_ptrace, 17 /* PTRACE_DETACH */, 1, NULL, NULL);
	}
	return r;
}
static int t_ptrace_me(void) { return result(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, NULL, NULL)); }

static int t_ptrace_sibling(void)
{
	pid_t sibling = fork();

	if (sibling == 0) {
		pause();
		_exit(0);
	}
	if (sibling < 0)
		return SETUP_FAILED;
	int r = result(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, sibling, NULL, NULL));
	kill(sibling, SIGKILL);
	waitpid(sibling, NULL, 0);
	return r;
}

static int t_process_vm_readv(void)
{
	char here[8], there[8] = "x";
	struct iovec local = { here, sizeof(here) }, remote = { there, sizeof(there) };
	return result(syscall(SYS_process_vm_readv, getppid(), &local, 1UL, &remote, 1UL, 0UL));
}

static int t_process_vm_writev(void)
{
	char here[8] = "x", there[8];
	struct iovec local = { here, sizeof(here) }, remote = { there, sizeof(there) };
	return result(syscall(SYS_process_vm_writev, getppid(), &local, 1UL, &remote, 1UL, 0UL));
}

static int t_kcmp(void) { return result(syscall(SYS_kcmp, getpid(), getppid(), KCMP_FILE, 0UL, 0UL)); }

static int t_pidfd_getfd(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getppid(), 0);
	return pidfd < 0 ? SETUP_FAILED : result(syscall(SYS_pidfd_getfd, pidfd, 0, 0));
}

/* ---- identity and privileges ---- */

static int t_setuid(void) { return result(setuid(getuid() == 0 ? 12345 : 0)); }

static int t_capset(void)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++)
		data[i] = (struct __user_cap_data_struct){ ~0U, ~0U, 0 };
	return result(syscall(SYS_capset, &header, data));
}

/* File capabilities: a binary that grants CAP_SYS_ADMIN when run. */
static int t_file_caps(void)
{
	struct vfs_cap_data caps = { VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, { { 1U << CAP_SYS_ADMIN, 0 } } };
	const char *path = tmp_file("fcaps");
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);

	if (fd < 0)
		return SETUP_FAILED;
	close(fd);
	return result(setxattr(path, "security.capability", &caps, sizeof(caps), 0));
}

static int t_setuid_exec(void)
{
	const char *path = tmp_file("suid");
	char *argv[] = { (char *)path, "--list", NULL };

	if (write_copy(path, 04755) < 0)
		return SETUP_FAILED;
	execv(path, argv);
	return errno;
}

static int t_settimeofday(void)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return result(settimeofday(&now, NULL));
}

static int t_clock_settime(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return result(clock_settime(CLOCK_REALTIME, &now));
}

static int t_adjtimex(void)
{
	struct timex tx = { 0 };

	if (adjtimex(&tx) < 0) /* reading is every process's right */
		return SETUP_FAILED;
	tx.modes = ADJ_FREQUENCY; /* the frequency it has: changes nothing */
	return result(adjtimex(&tx));
}

static int t_sethostname(void) { return result(sethostname("escaped", 7)); }
static int t_setdomainname(void) { return result(setdomainname("escaped", 7)); }
static int t_personality_rie(void) { return result(syscall(SYS_personality, 0x0400000UL /* READ_IMPLIES_EXEC */)); }
static int t_personality_aslr(void) { return result(syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */)); }

/* ---- sockets ---- */

static int t_socket(long family, int type, int protocol)
{
	return result(syscall(SYS_socket, family, type | SOCK_CLOEXEC, protocol));
}

static int t_vsock(void) { return t_socket(40 /* AF_VSOCK */, SOCK_STREAM, 0); }
/* The kernel reads the family as an int: bits above 32 must not fool a rule. */
static int t_vsock_high(void) { return t_socket(40 | (1L << 32), SOCK_STREAM, 0); }
/* socketpair creates its sockets before it fails for a family without pairs. */
static int t_socketpair_tipc(void)
{
	int sv[2];
	return result(syscall(SYS_socketpair, 30 /* AF_TIPC */, SOCK_RDM | SOCK_CLOEXEC, 0, sv));
}
static int t_alg(void) { return t_socket(38 /* AF_ALG */, SOCK_SEQPACKET, 0); }
static int t_packet(void) { return t_socket(17 /* AF_PACKET */, SOCK_RAW, 0x0300 /* htons(ETH_P_ALL) */); }
static int t_raw(void) { return t_socket(AF_INET, SOCK_RAW, IPPROTO_RAW); }
static int t_tipc(void) { return t_socket(30 /* AF_TIPC */, SOCK_RDM, 0); }
static int t_kcm(void) { return t_socket(41 /* AF_KCM */, SOCK_DGRAM, 0); }

/* One netlink request, and the error its acknowledgement carries. */
static int netlink_request(int protocol, struct nlmsghdr *msg)
{
	char reply[4096];
	struct timeval timeout = { 5, 0 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (send(fd, msg, msg->nlmsg_len, 0) < 0)
		return errno;
	ssize_t n = recv(fd, reply, sizeof(reply), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(struct nlmsgerr)))
		return n < 0 ? errno : SETUP_FAILED;
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	if (h->nlmsg_type != NLMSG_ERROR)
		return SETUP_FAILED;
	return -((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/* lo down: a network change, CAP_NET_ADMIN's. */
static int t_netlink_route(void)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = { { sizeof(req), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0 },
		  { .ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex("lo"), .ifi_change = IFF_UP } };
	return req.i.ifi_index ? netlink_request(NETLINK_ROUTE, &req.h) : SETUP_FAILED;
}

/* Auditing off. */
static int t_netlink_audit(void)
{
	struct {
		struct nlmsghdr h;
		struct audit_status s;
	} req = { { sizeof(req), AUDIT_SET, NLM_F_REQUEST | NLM_F_ACK, 1, 0 },
		  { .mask = AUDIT_STATUS_ENABLED, .enabled = 0 } };
	return netlink_request(NETLINK_AUDIT, &req.h);
}

/* ---- files the kernel serves ---- */

static int open_for_writing(const char *path)
{
	return result(open(path, O_WRONLY | O_CLOEXEC)); /* writes nothing */
}

static int t_core_pattern(void) { return open_for_writing("/proc/sys/kernel/core_pattern"); }
static int t_modprobe(void) { return open_for_writing("/proc/sys/kernel/modprobe"); }
static int t_sysrq(void) { return open_for_writing("/proc/sysrq-trigger"); }
static int t_uevent_helper(void) { return open_for_writing("/sys/kernel/uevent_helper"); }
static int t_cgroup_procs(void) { return open_for_writing("/sys/fs/cgroup/cgroup.procs"); }
static int t_release_agent(void) { return open_for_writing("/sys/fs/cgroup/release_agent"); }

static int t_kcore(void)
{
	char buf[64];
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	ssize_t n = read(fd, buf, sizeof(buf));
	return n < 0 ? errno : n == 0 ? MASKED : 0;
}

static int t_dev_mem(void) { return result(open("/dev/mem", O_RDONLY | O_CLOEXEC)); }
static int t_dev_kmem(void) { return result(open("/dev/kmem", O_RDONLY | O_CLOEXEC)); }
static int t_dev_port(void) { return result(open("/dev/port", O_RDONLY | O_CLOEXEC)); }

/* Any of the disks a VM or a host may have. */
static int t_raw_disk(void)
{
	static const char *const disks[] = { "/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda" };
	int e = ENOENT;

	for (size_t i = 0; i < ARRAY_SIZE(disks); i++) {
		if (open(disks[i], O_RDONLY | O_CLOEXEC) >= 0)
			return 0;
		if (errno != ENOENT)
			e = errno;
	}
	return e;
}

static int t_mknod_block(void) { return result(mknod(tmp_file("blk"), S_IFBLK | 0600, makedev(254, 0))); }
static int t_mknod_char(void) { return result(mknod(tmp_file("mem"), S_IFCHR | 0600, makedev(1, 1))); }
static int t_mknod_dev(void) { return result(mknod("/dev/escape-mem", S_IFCHR | 0600, makedev(1, 1))); }

/* ---- write xor execute ---- */

static int t_tmp_exec(void)
{
	const char *path = tmp_file("exec");
	char *argv[] = { (char *)path, "--list", NULL };

	if (write_copy(path, 0755) < 0)
		return SETUP_FAILED;
	execv(path, argv);
	return errno;
}

static int t_tmp_mmap_exec(void)
{
	const char *path = tmp_file("mmap");
	int fd;

	if (write_copy(path, 0755) < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return SETUP_FAILED;
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) == MAP_FAILED ? errno : 0;
}

/* ---- other system call ABIs ---- */

/* A kernel with the i386 ABI runs int $0x80 as a system call, which the
 * filter must kill (SIGSYS); one without it (no IA32_EMULATION, or
 * ia32_emulation=off as on some hosts) faults it before any filter sees
 * it (SIGSEGV): FAULTED, a refusal for this operation alone. */
static int t_int80(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L /* i386 getpid */) : "memory");
	return r < 0 ? (int)-r : 0;
}

static int t_x32(void) { return result(syscall(0x40000000L | SYS_getpid)); }

#define E(...) { __VA_ARGS__, 0 }
static const struct op {
	const char *name;
	int (*try)(void);
	int refusals[4]; /* what a wall answers, 0-terminated */
	const char *wall;
} ops[] = {
	{ "mount(tmpfs)", t_mount, E(EPERM), "seccomp; no CAP_SYS_ADMIN" },
	{ "umount2(/proc)", t_umount, E(EPERM), "seccomp" },
	{ "pivot_root", t_pivot_root, E(EPERM), "seccomp" },
	{ "chroot(/tmp)", t_chroot, E(EPERM), "seccomp; no CAP_SYS_CHROOT" },
	{ "unshare(CLONE_NEWUSER)", t_unshare_user, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWNS)", t_unshare_mnt, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWNET)", t_unshare_net, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWPID)", t_unshare_pid, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWUTS)", t_unshare_uts, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWIPC)", t_unshare_ipc, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWCGROUP)", t_unshare_cgroup, E(EPERM), "seccomp" },
	{ "unshare(CLONE_NEWTIME)", t_unshare_time, E(EPERM), "seccomp" },
	{ "clone(CLONE_NEWUSER)", t_clone_user, E(EPERM), "seccomp: clone's namespace flags" },
	{ "clone(CLONE_NEWNS|NEWPID|NEWNET)", t_clone_ns, E(EPERM), "seccomp: clone's namespace flags" },
	{ "clone3(CLONE_NEWUSER)", t_clone3_user, E(ENOSYS), "seccomp: ENOSYS, the C library falls back to clone" },
	{ "setns(mnt)", t_setns, E(EPERM), "seccomp" },
	{ "fsopen(tmpfs)", t_fsopen, E(EPERM), "seccomp" },
	{ "open_tree(OPEN_TREE_CLONE)", t_open_tree, E(EPERM), "seccomp" },
	{ "fspick(/)", t_fspick, E(EPERM), "seccomp" },
	{ "mount_setattr(/, clear RDONLY)", t_mount_setattr, E(EPERM), "seccomp" },
	{ "io_uring_setup", t_io_uring_setup, E(EPERM), "seccomp (as Docker since 2023)" },
	{ "io_uring_enter", t_io_uring_enter, E(EPERM), "seccomp" },
	{ "io_uring_register", t_io_uring_register, E(EPERM), "seccomp" },
	{ "bpf(BPF_MAP_CREATE)", t_bpf, E(EPERM), "seccomp" },
	{ "perf_event_open", t_perf_event_open, E(EPERM), "seccomp" },
	{ "userfaultfd", t_userfaultfd, E(EPERM), "seccomp" },
	{ "kexec_load", t_kexec_load, E(EPERM), "seccomp" },
	{ "kexec_file_load", t_kexec_file_load, E(EPERM), "seccomp" },
	{ "init_module", t_init_module, E(EPERM), "seccomp" },
	{ "finit_module", t_finit_module, E(EPERM), "seccomp" },
	{ "delete_module", t_delete_module, E(EPERM), "seccomp" },
	{ "reboot(CAD_OFF)", t_reboot, E(EPERM), "seccomp" },
	{ "swapon", t_swapon, E(EPERM), "seccomp" },
	{ "syslog(READ_ALL)", t_syslog, E(EPERM), "seccomp" },
	{ "keyctl(JOIN_SESSION_KEYRING)", t_keyctl, E(EPERM), "seccomp" },
	{ "add_key", t_add_key, E(EPERM), "seccomp" },
	{ "request_key", t_request_key, E(EPERM), "seccomp" },
	{ "open_by_handle_at", t_open_by_handle, E(EPERM), "seccomp" },
	{ "name_to_handle_at", t_name_to_handle, E(EPERM), "seccomp" },
	{ "fanotify_init", t_fanotify, E(EPERM), "seccomp" },
	{ "lookup_dcookie", t_lookup_dcookie, E(EPERM), "seccomp" },
	{ "quotactl", t_quotactl, E(EPERM), "seccomp" },
	{ "acct", t_acct, E(EPERM), "seccomp" },
	{ "vhangup", t_vhangup, E(EPERM), "seccomp" },
	{ "iopl(3)", t_iopl, E(EPERM), "seccomp" },
	{ "ioperm(0x80)", t_ioperm, E(EPERM), "seccomp" },
	{ "ptrace(PTRACE_ATTACH, 1)", t_ptrace_init, E(EPERM), "seccomp" },
	{ "ptrace(PTRACE_ATTACH, a sibling)", t_ptrace_sibling, E(EPERM), "seccomp" },
	{ "ptrace(PTRACE_TRACEME)", t_ptrace_me, E(EPERM), "seccomp" },
	{ "process_vm_readv(parent)", t_process_vm_readv, E(EPERM), "seccomp" },
	{ "process_vm_writev(parent)", t_process_vm_writev, E(EPERM), "seccomp" },
	{ "kcmp(parent)", t_kcmp, E(EPERM), "seccomp" },
	{ "pidfd_getfd(parent, 0)", t_pidfd_getfd, E(EPERM), "seccomp" },
	{ "setuid to another user", t_setuid, E(EPERM), "no CAP_SETUID" },
	{ "capset(all)", t_capset, E(EPERM), "the bounding set" },
	{ "setxattr(security.capability)", t_file_caps, E(EPERM), "no CAP_SETFCAP" },
	{ "exec of a setuid copy in /tmp", t_setuid_exec, E(EACCES), "/tmp noexec, nosuid; Landlock" },
	{ "settimeofday", t_settimeofday, E(EPERM), "seccomp" },
	{ "clock_settime(REALTIME)", t_clock_settime, E(EPERM), "seccomp" },
	{ "adjtimex(ADJ_FREQUENCY)", t_adjtimex, E(EPERM), "no CAP_SYS_TIME" },
	{ "sethostname", t_sethostname, E(EPERM), "seccomp" },
	{ "setdomainname", t_setdomainname, E(EPERM), "seccomp" },
	{ "personality(READ_IMPLIES_EXEC)", t_personality_rie, E(EPERM), "seccomp: Docker's values only" },
	{ "personality(ADDR_NO_RANDOMIZE)", t_personality_aslr, E(EPERM), "seccomp: Docker's values only" },
	{ "socket(AF_VSOCK)", t_vsock, E(EPERM), "seccomp: the hypervisor's door" },
	{ "socket(AF_VSOCK + 1<<32)", t_vsock_high, E(EPERM), "seccomp compares the whole argument" },
	{ "socketpair(AF_TIPC)", t_socketpair_tipc, E(EPERM), "seccomp: socketpair for AF_UNIX only" },
	{ "socket(AF_ALG)", t_alg, E(EPERM), "seccomp" },
	{ "socket(AF_PACKET, SOCK_RAW)", t_packet, E(EPERM), "no CAP_NET_RAW" },
	{ "socket(AF_INET, SOCK_RAW)", t_raw, E(EPERM), "no CAP_NET_RAW" },
	{ "socket(AF_TIPC)", t_tipc, E(EPERM), "seccomp: families allow-list" },
	{ "socket(AF_KCM)", t_kcm, E(EPERM), "seccomp: families allow-list" },
	{ "netlink route: lo down", t_netlink_route, E(EPERM), "no CAP_NET_ADMIN" },
	{ "netlink audit: AUDIT_SET enabled=0", t_netlink_audit, E(ECONNREFUSED, EPERM, EPROTONOSUPPORT),
	  "audit refuses namespaced senders; no CAP_AUDIT_CONTROL" },
	{ "open /proc/sys/kernel/core_pattern for writing", t_core_pattern, E(EROFS, EACCES), "read-only /proc/sys" },
	{ "open /proc/sys/kernel/modprobe for writing", t_modprobe, E(EROFS, EACCES, ENOENT), "read-only /proc/sys" },
	{ "open /proc/sysrq-trigger for writing", t_sysrq, E(EROFS, EACCES, ENOENT), "read-only path" },
	{ "open /sys/kernel/uevent_helper for writing", t_uevent_helper, E(EROFS, EACCES, ENOENT), "read-only /sys" },
	{ "open /sys/fs/cgroup/cgroup.procs for writing", t_cgroup_procs, E(EROFS, EACCES), "read-only cgroupfs" },
	{ "open /sys/fs/cgroup/release_agent for writing", t_release_agent, E(EROFS, EACCES, ENOENT), "cgroup v2, read-only" },
	{ "read /proc/kcore", t_kcore, E(MASKED, EACCES, ENOENT), "masked path" },
	{ "open /dev/mem", t_dev_mem, E(ENOENT, EACCES, EPERM), "no such node" },
	{ "open /dev/kmem", t_dev_kmem, E(ENOENT, EACCES, EPERM), "no such node" },
	{ "open /dev/port", t_dev_port, E(ENOENT, EACCES, EPERM), "no such node" },
	{ "open a raw disk (/dev/vda, sda, nvme0n1, xvda)", t_raw_disk, E(ENOENT, EACCES, EPERM), "no such node" },
	{ "mknod a block device in /tmp", t_mknod_block, E(EACCES, EPERM), "Landlock; no CAP_MKNOD" },
	{ "mknod /dev/mem's twin in /tmp", t_mknod_char, E(EACCES, EPERM), "Landlock; no CAP_MKNOD" },
	{ "mknod in /dev", t_mknod_dev, E(EACCES, EPERM), "Landlock; no CAP_MKNOD" },
	{ "exec of a file written in /tmp", t_tmp_exec, E(EACCES), "/tmp noexec; Landlock W^X" },
	{ "mmap(PROT_EXEC) of a file written in /tmp", t_tmp_mmap_exec, E(EPERM, EACCES), "/tmp noexec" },
	{ "i386 syscall (int $0x80)", t_int80, E(KILLED, FAULTED),
	  "seccomp: x86_64 only; a kernel without the i386 ABI faults it first" },
	{ "x32 syscall", t_x32, E(KILLED, ENOSYS), "seccomp: x86_64 only" },
};
#define N_OPS ARRAY_SIZE(ops)

static bool refusal(const struct op *op, int e)
{
	for (size_t i = 0; i < 4 && op->refusals[i]; i++)
		if (op->refusals[i] == e)
			return true;
	return false;
}

/* The outcome of OP, tried in a child of its own: 0, an errno, KILLED or
 * SETUP_FAILED; -1 when it ended some other way. */
static int run(const struct op *op)
{
	int status;

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(20);
		int e = op->try();
		_exit(e > 255 ? (e == MASKED ? 251 : 255) : e);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return SETUP_FAILED;
	if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSYS || WTERMSIG(status) == SIGSEGV))
		return WTERMSIG(status) == SIGSYS ? KILLED : FAULTED;
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	int e = WEXITSTATUS(status);
	return e == 251 ? MASKED : e;
}

static void expected(const struct op *op, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < 4 && op->refusals[i] && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " or " : "", outcome_name(op->refusals[i]));
}

static bool chosen(const struct op *op, int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strstr(op->name, argv[i]))
			return true;
	return argc == 0;
}

int main(int argc, char **argv)
{
	char want[160];
	int not_refused = 0, tried = 0;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < N_OPS; i++) {
			expected(&ops[i], want, sizeof(want));
			printf("%s: %s (%s)\n", ops[i].name, want, ops[i].wall);
		}
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < N_OPS; i++) {
		const struct op *op = &ops[i];
		if (!chosen(op, argc - 1, argv + 1))
			continue;
		tried++;
		int e = run(op);
		expected(op, want, sizeof(want));
		if (refusal(op, e)) {
			printf("ok %d - %s refused (%s)\n", tried, op->name, outcome_name(e));
			continue;
		}
		not_refused++;
		if (e == 0)
			printf("not ok %d - %s succeeded\n", tried, op->name);
		else if (e == SETUP_FAILED)
			printf("not ok %d - %s: its set-up failed, so nothing was proven\n", tried, op->name);
		else if (e < 0)
			printf("not ok %d - %s ended by signal %d\n", tried, op->name, -e);
		else
			printf("not ok %d - %s failed with %s, not with %s (%s)\n", tried, op->name, outcome_name(e), want,
			       op->wall);
	}
	printf("1..%d\n", tried);
	return not_refused;
}
