/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-probe: looks at a sandbox from inside. A static multi-call helper
 * that tests put into container root filesystems.
 *
 *   bulkhead-probe selftest [--hostname NAME] [--own-cgroup] [--cap-eff HEX]
 *       every check of the walking skeleton, as TAP lines after a plan
 *       counted from its list; exit status is the number of failed checks
 *   bulkhead-probe status FIELD          print FIELD of /proc/self/status
 *   bulkhead-probe write PATH            create PATH; print ok or the errno name
 *   bulkhead-probe syscall mount|unshare-user|unshare-net|clone-newuser|clone3|fork|socket-alg|socket-inet|unknown
 *   bulkhead-probe cat PATH              print the first line of PATH
 *   bulkhead-probe rlimit NOFILE|CORE    print the soft and hard limit
 *   bulkhead-probe umask | domainname    print them
 *   bulkhead-probe ns TYPE               print /proc/self/ns/TYPE's link
 *   bulkhead-probe node PATH             print a device node: c MAJOR:MINOR MODE
 *   bulkhead-probe owner PATH            print PATH's uid:gid as seen inside
 *   bulkhead-probe mountpoint PATH       print yes when a mount of
 *                                        /proc/self/mountinfo is on PATH, else no
 *   bulkhead-probe mountinfo PATH        print the line of /proc/self/mountinfo of
 *                                        the (last) mount on PATH
 *   bulkhead-probe lstat PATH            print PATH itself: TYPE (f d l p c b s) MODE UID:GID,
 *                                        and -> TARGET for a link
 *   bulkhead-probe fd N                  is descriptor N open? ok or EBADF
 *   bulkhead-probe bind-tcp PORT         bind a TCP socket to 0.0.0.0:PORT; ok or the errno name
 *   bulkhead-probe loopback              a TCP connection to itself over 127.0.0.1 and a
 *                                        byte through it: ok or the errno name
 *   bulkhead-probe sleep SECONDS         sleep (a long-running container)
 *   bulkhead-probe sleep-term SECONDS    sleep, but on SIGTERM print "SIGTERM" and
 *                                        exit 143 (as PID 1 of its pid namespace,
 *                                        whose default action ignores it)
 *   bulkhead-probe exit STATUS           exit with STATUS
 *   bulkhead-probe open PATH [r|w|rw]    open PATH (read-only unless told, never
 *                                        waiting); print ok or the errno name
 *                                        try it; print ok or the errno name
 *   bulkhead-probe ignoring-signals CMD [ARG...]
 *                                        exec CMD with SIGHUP, SIGPIPE and 32 to
 *                                        64 ignored (which exec keeps), through
 *                                        the system call: libc refuses 32 to 34
 *   bulkhead-probe connect-unix PATH|@NAME [TEXT [HOLD]]
 *                                        connect (ok or the errno name); send
 *                                        TEXT and print the answer, or print
 *                                        holding and hold the connection
 *                                        HOLD s unread
 *   bulkhead-probe acpi-forge PORTID     forge the ACPI button driver's power
 *                                        button event (generic netlink's
 *                                        acpi_event family) and send it to the
 *                                        socket PORTID, then to the family's
 *                                        group, which it listens to as well;
 *                                        print "unicast R group R heard
 *                                        yes|no", R ok or the errno name
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/mount.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errno-name.h"

static int status_field(const char *field, char *out, size_t size)
{
	char line[256];
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			char *v = line + len + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, size, "%s", v);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

/* The line of /proc/self/mountinfo of the last mount on PATH into LINE
 * (its fifth field; no test path has a space): 1, 0 when none is, or
 * -errno. */
static int mountinfo_line(const char *path, char *line, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char next[4096], at[4096];
	int found = 0;

	if (!f)
		return -errno;
	line[0] = '\0';
	while (fgets(next, sizeof(next), f))
		if (sscanf(next, "%*s %*s %*s %*s %4095s", at) == 1 && strcmp(at, path) == 0) {
			snprintf(line, size, "%s", next);
			found = 1;
		}
	fclose(f);
	return found;
}

static int try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	int e = write(fd, "x\n", 2) == 2 ? 0 : errno;
	close(fd);
	return e;
}

/* A raw clone, as fork() would issue it, with FLAGS added. */
static int try_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

static int try_syscall(const char *what)
{
	int r;

	if (strcmp(what, "mount") == 0)
		r = mount("none", "/tmp", "tmpfs", 0, NULL);
	else if (strcmp(what, "unshare-user") == 0)
		r = unshare(CLONE_NEWUSER);
	else if (strcmp(what, "unshare-net") == 0)
		r = unshare(CLONE_NEWNET);
	else if (strcmp(what, "clone-newuser") == 0)
		return try_clone(CLONE_NEWUSER);
	else if (strcmp(what, "fork") == 0)
		return try_clone(0);
	else if (strcmp(what, "clone3") == 0)
		r = (int)syscall(SYS_clone3, NULL, 0);
	else if (strcmp(what, "socket-alg") == 0)
		r = socket(38 /* AF_ALG */, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	else if (strcmp(what, "socket-inet") == 0)
		r = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else if (strcmp(what, "unknown") == 0)
		r = (int)syscall(1000); /* no such syscall: ENOSYS, unless a filter answers first */
	else
		return -1;
	return r < 0 ? errno : 0;
}

static int checks, failures;

__attribute__((format(printf, 2, 3))) static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	failures += !ok;
	printf("%s %d - ", ok ? "ok" : "not ok", checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void check_status(const char *field, const char *want)
{
	char got[128] = "(missing)";

	status_field(field, got, sizeof(got));
	check(strcmp(got, want) == 0, "%s is %s (got %s)", field, want, got);
}

static void check_errno(const char *what, int got, int want)
{
	check(got == want, "%s gives %s (got %s)", what, errno_name(want), errno_name(got));
}

static void check_hostname(const char *hostname)
{
	char name[256] = "";

	gethostname(name, sizeof(name) - 1);
	check(strcmp(name, hostname) == 0, "hostname is %s (got %s)", hostname, name);
}

static void check_write_refused(const char *path)
{
	int e = try_write(path);

	check(e != 0, "writing under / fails (got %s)", errno_name(e));
}

static void check_own_cgroup(void)
{
	struct stat st;

	check(stat("/sys/fs/cgroup/cgroup.events", &st) == 0 && stat("/sys/fs/cgroup/memory.max", &st) == 0,
	      "in its own cgroup with the memory controller (cgroup.events and memory.max present)");
}

/* The selftest's checks, each with the condition under which it runs: one
 * list, from which the plan is counted before any check runs, so that a
 * runner can tell that every planned check reported. */
#define SELFTEST_CHECKS(X)                                                                                     \
	X(1, check_status("CapEff", cap_eff))                                                                  \
	X(1, check_status("NoNewPrivs", "1"))                                                                  \
	X(1, check_status("Seccomp", "2"))                                                                     \
	X(1, check(getpid() == 1, "PID 1 of its namespace (got %d)", (int)getpid()))                           \
	X(hostname != NULL, check_hostname(hostname))                                                          \
	X(1, check_errno("mount", try_syscall("mount"), EPERM))                                                \
	/* Without seccomp this needs no capability: the refusal is the filter's. */                          \
	X(1, check_errno("unshare(CLONE_NEWUSER)", try_syscall("unshare-user"), EPERM))                        \
	X(1, check_errno("clone(CLONE_NEWUSER)", try_syscall("clone-newuser"), EPERM))                         \
	X(1, check_errno("clone3 (flags out of the filter's sight)", try_syscall("clone3"), ENOSYS))           \
	X(1, check_errno("a plain fork", try_syscall("fork"), 0))                                              \
	X(1, check_errno("socket(AF_ALG)", try_syscall("socket-alg"), EPERM))                                  \
	X(1, check_errno("socket(AF_INET)", try_syscall("socket-inet"), 0))                                    \
	/* An allow-list refuses what it does not name, newer syscalls too. */                                \
	X(1, check_errno("a syscall the allow-list does not name (nr 1000)", try_syscall("unknown"), EPERM))   \
	X(1, check_write_refused("/probe-write-test"))                                                         \
	X(1, check_errno("writing under /tmp", try_write("/tmp/probe-write-test"), 0))                         \
	/* /dev/shm is a writable tmpfs the Landlock rules do not open for writing. */                        \
	X(1, check_errno("creating /dev/shm/probe (writable mount, no Landlock rule)",                         \
			 try_write("/dev/shm/probe-write-test"), EACCES))                                      \
	X(own_cgroup, check_own_cgroup())

static int selftest(int argc, char **argv)
{
	const char *hostname = NULL, *cap_eff = "0000000000000000";
	int own_cgroup = 0, planned = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--hostname") == 0 && i + 1 < argc)
			hostname = argv[++i];
		else if (strcmp(argv[i], "--own-cgroup") == 0)
			own_cgroup = 1;
		else if (strcmp(argv[i], "--cap-eff") == 0 && i + 1 < argc)
			cap_eff = argv[++i];
	}
#define PLAN(when, call) planned += !!(when);
#define RUN(when, call)     \
	if (when)           \
		call;
	SELFTEST_CHECKS(PLAN)
	printf("1..%d\n", planned);
	SELFTEST_CHECKS(RUN)
#undef PLAN
#undef RUN
	fflush(stdout);
	/* A check that did not report counts as failed. */
	return failures + (planned - checks);
}

/* loopback: what a container's processes do between themselves on
 * 127.0.0.1 (a health check's request, nginx to php-fpm): listen there,
 * connect, accept, and a byte across. 0 or the errno of the step that
 * failed: while lo is down, the connect's ENETUNREACH, or the bind's
 * EADDRNOTAVAIL where the kernel gives lo 127.0.0.1 only once it is up. */
static int loopback_talk(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char byte = 'x';

	if (listener < 0 || client < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 1) < 0 || getsockname(listener, (struct sockaddr *)&addr, &len) < 0 ||
	    connect(client, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return errno;
	int served = accept(listener, NULL, NULL);
	if (served < 0 || write(client, &byte, 1) != 1 || read(served, &byte, 1) != 1)
		return errno ? errno : EIO;
	return 0;
}

/* connect-unix PATH|@NAME [TEXT [HOLD]]: connects to a unix stream socket
 * (@: abstract) and prints ok or the errno name; with TEXT, sends it and
 * copies the answer to stdout up to EOF or an EOT byte, or, with HOLD,
 * keeps the connection HOLD seconds without reading a byte: the slow and
 * the deaf peers of the init's control tests. */
static int connect_unix(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *where = argv[2];
	size_t len = strlen(where);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || len >= sizeof(addr.sun_path))
		return puts("EINVAL"), 1;
	memcpy(addr.sun_path, where, len);
	if (where[0] == '@')
		addr.sun_path[0] = '\0';
	if (connect(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		int e = errno;
		puts(errno_name(e));
		return 1;
	}
	if (argc < 4)
		return puts("ok"), 0;
	if (write(fd, argv[3], strlen(argv[3])) != (ssize_t)strlen(argv[3]))
		return puts(errno_name(errno)), 1;
	if (argc >= 5) {
		/* Said at once, so that a test waits for it, not for a while. */
		puts("holding");
		fflush(stdout);
		sleep((unsigned)atoi(argv[4]));
		return 0;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *eot = memchr(buf, '\x04', (size_t)n);
		fwrite(buf, 1, eot ? (size_t)(eot - buf) : (size_t)n, stdout);
		if (eot)
			break;
	}
	return 0;
}

static void on_sigterm(int sig)
{
	static const char said[] = "SIGTERM\n";

	(void)!write(1, said, sizeof(said) - 1);
	_exit(128 + sig);
}

/* Walks the attributes in [P, END), calling SEE on each (type, value,
 * value's length). */
static void each_attribute(const char *p, const char *end, void (*see)(int, const char *, size_t, void *), void *ctx)
{
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return;
		see(a->nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN, a->nla_len - NLA_HDRLEN, ctx);
		p += NLA_ALIGN(a->nla_len);
	}
}

struct acpi_ids {
	uint16_t family;
	uint32_t group, id;   /* the group found; the id of the one being read */
	bool named;           /* the one being read is acpi_mc_group */
};

static void see_group_member(int type, const char *v, size_t len, void *ctx)
{
	struct acpi_ids *ids = ctx;

	if (type == CTRL_ATTR_MCAST_GRP_ID && len >= 4)
		memcpy(&ids->id, v, 4);
	if (type == CTRL_ATTR_MCAST_GRP_NAME && len == sizeof("acpi_mc_group") && !memcmp(v, "acpi_mc_group", len))
		ids->named = true;
}

static void see_group(int type, const char *v, size_t len, void *ctx)
{
	struct acpi_ids *ids = ctx;

	(void)type; /* the groups' index */
	ids->id = 0;
	ids->named = false;
	each_attribute(v, v + len, see_group_member, ids);
	if (ids->named)
		ids->group = ids->id;
}

static void see_family(int type, const char *v, size_t len, void *ctx)
{
	struct acpi_ids *ids = ctx;

	if (type == CTRL_ATTR_FAMILY_ID && len >= 2)
		memcpy(&ids->family, v, 2);
	if (type == CTRL_ATTR_MCAST_GROUPS)
		each_attribute(v, v + len, see_group, ids);
}

/* The acpi_event family's id and its group's, from the kernel's answer
 * to CTRL_CMD_GETFAMILY; false when it gave none. */
static bool acpi_ids(int fd, struct acpi_ids *ids)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		struct nlattr a;
		char name[12];
	} req = { { sizeof(req), GENL_ID_CTRL, NLM_F_REQUEST, 0, 0 }, { CTRL_CMD_GETFAMILY, 1, 0 },
		  { NLA_HDRLEN + 11, CTRL_ATTR_FAMILY_NAME }, "acpi_event" };
	char buf[4096] __attribute__((aligned(4)));
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	memset(ids, 0, sizeof(*ids));
	if (send(fd, &req, sizeof(req), 0) < 0)
		return false;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) || h->nlmsg_type != GENL_ID_CTRL || h->nlmsg_len > (size_t)n)
		return false;
	each_attribute(buf + NLMSG_HDRLEN + GENL_HDRLEN, buf + h->nlmsg_len, see_family, ids);
	return ids->family && ids->group;
}

/* Forges the power button's event (as the kernel's acpi_event family
 * writes it) and sends it to PORTID, then to the family's group, which a
 * second socket of ours has joined: "heard" says the group's members got
 * it, as the init would. */
static int acpi_forge(unsigned portid)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		struct nlattr a;
		char device_class[20];
		char bus_id[16];
		uint32_t type, data;
	} event = { { sizeof(event), 0, 0, 1, 0 }, { 1 /* ACPI_GENL_CMD_EVENT */, 1, 0 },
		    { NLA_HDRLEN + 44, 1 /* ACPI_GENL_ATTR_EVENT */ }, "button/power", "LNXPWRBN:00", 0x80, 1 };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = portid };
	struct acpi_ids ids;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int listener = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC);
	char buf[256] __attribute__((aligned(4)));

	if (fd < 0 || listener < 0 || !acpi_ids(fd, &ids))
		return printf("no acpi_event family and group\n"), 1;
	/* nl_groups holds groups 1 to 32 only. */
	if (ids.group > 32)
		return printf("acpi_mc_group is group %u, past what nl_groups can name\n", ids.group), 1;
	/* Bound, to a port of its own: a group's sends pass over port 0. */
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	if (bind(listener, (struct sockaddr *)&self, sizeof(self)) < 0 ||
	    setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &ids.group, sizeof(ids.group)) < 0)
		return printf("joining acpi_mc_group: %s\n", errno_name(errno)), 1;
	event.h.nlmsg_type = ids.family;
	int unicast = sendto(fd, &event, sizeof(event), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? errno : 0;
	to.nl_pid = 0;
	to.nl_groups = 1u << (ids.group - 1);
	int multicast = sendto(fd, &event, sizeof(event), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? errno : 0;
	ssize_t n = recv(listener, buf, sizeof(buf), 0);
	bool heard = n == (ssize_t)sizeof(event) && !memcmp(buf, &event, sizeof(event));
	printf("unicast %s group %s heard %s\n", errno_name(unicast), errno_name(multicast), heard ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	char value[128];

	if (argc >= 2 && strcmp(argv[1], "selftest") == 0)
		return selftest(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "status") == 0) {
		if (status_field(argv[2], value, sizeof(value)) < 0)
			return 1;
		puts(value);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "write") == 0) {
		int e = try_write(argv[2]);
		puts(errno_name(e));
		return e ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "syscall") == 0) {
		int e = try_syscall(argv[2]);
		if (e < 0)
			return 2;
		puts(errno_name(e));
		return e ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "cat") == 0) {
		char line[256] = "";
		FILE *f = fopen(argv[2], "re");
		if (!f || !fgets(line, sizeof(line), f)) {
			puts(errno_name(errno));
			return 1;
		}
		fputs(line, stdout);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "rlimit") == 0 &&
	    (strcmp(argv[2], "NOFILE") == 0 || strcmp(argv[2], "CORE") == 0)) {
		struct rlimit limit;
		getrlimit(strcmp(argv[2], "CORE") == 0 ? RLIMIT_CORE : RLIMIT_NOFILE, &limit);
		/* RLIM_INFINITY as the spec writes it: 2^64 - 1. */
		printf("%llu %llu\n", (unsigned long long)limit.rlim_cur, (unsigned long long)limit.rlim_max);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "umask") == 0) {
		mode_t mask = umask(0);
		printf("%04o\n", (unsigned)mask);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "domainname") == 0) {
		char name[256] = "";
		getdomainname(name, sizeof(name) - 1);
		puts(name);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "ns") == 0) {
		char path[64], target[64] = "";
		snprintf(path, sizeof(path), "/proc/self/ns/%s", argv[2]);
		if (readlink(path, target, sizeof(target) - 1) < 0) {
			puts(errno_name(errno));
			return 1;
		}
		puts(target);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "node") == 0) {
		struct stat st;
		if (stat(argv[2], &st) < 0) {
			puts(errno_name(errno));
			return 1;
		}
		printf("%c %u:%u %04o\n", S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : '?',
		       major(st.st_rdev), minor(st.st_rdev), (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "owner") == 0) {
		struct stat st;
		if (stat(argv[2], &st) < 0) {
			puts(errno_name(errno));
			return 1;
		}
		printf("%u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
		return 0;
	}
	if (argc == 3 && (strcmp(argv[1], "mountinfo") == 0 || strcmp(argv[1], "mountpoint") == 0)) {
		char line[4096];
		int r = mountinfo_line(argv[2], line, sizeof(line));
		if (r < 0) {
			puts(errno_name(-r));
			return 1;
		}
		if (strcmp(argv[1], "mountpoint") == 0) {
			puts(r ? "yes" : "no");
			return 0;
		}
		fputs(line, stdout);
		return r ? 0 : 1;
	}
	if (argc == 3 && strcmp(argv[1], "lstat") == 0) {
		struct stat st;
		char target[256] = "";
		if (lstat(argv[2], &st) < 0) {
			puts(errno_name(errno));
			return 1;
		}
		static const char types[] = "?pc?d?b?f?l?s???";
		printf("%c %04o %u:%u", types[(st.st_mode & S_IFMT) >> 12], (unsigned)(st.st_mode & 07777),
		       (unsigned)st.st_uid, (unsigned)st.st_gid);
		if (S_ISLNK(st.st_mode) && readlink(argv[2], target, sizeof(target) - 1) >= 0)
			printf(" -> %s", target);
		putchar('\n');
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "fd") == 0) {
		int e = fcntl(atoi(argv[2]), F_GETFD) < 0 ? errno : 0;
		puts(errno_name(e));
		return e ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "bind-tcp") == 0) {
		struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int e = fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? errno : 0;
		puts(errno_name(e));
		return e ? 1 : 0;
	}
	if (argc == 2 && strcmp(argv[1], "loopback") == 0) {
		int e = loopback_talk();
		puts(errno_name(e));
		return e ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "sleep-term") == 0) {
		signal(SIGTERM, on_sigterm);
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (argc >= 3 && argc <= 5 && strcmp(argv[1], "connect-unix") == 0)
		return connect_unix(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "ignoring-signals") == 0) {
		/* The kernel's sigaction: SIG_IGN (1), no flags, no mask. */
		const uint64_t ignore[4] = { 1 };
		syscall(SYS_rt_sigaction, SIGHUP, ignore, NULL, (size_t)8);
		syscall(SYS_rt_sigaction, SIGPIPE, ignore, NULL, (size_t)8);
		for (int sig = 32; sig <= 64; sig++)
			syscall(SYS_rt_sigaction, sig, ignore, NULL, (size_t)8);
		execvp(argv[2], argv + 2);
		return 127;
	}
	if (argc >= 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "open") == 0) {
		/* Device nodes: no controlling terminal taken, no wait for a
		 * serial line's carrier. */
		const char *how = argc == 4 ? argv[3] : "r";
		int flags = strcmp(how, "rw") == 0 ? O_RDWR : strcmp(how, "w") == 0 ? O_WRONLY : O_RDONLY;
		int fd = open(argv[2], flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), e = fd < 0 ? errno : 0;
		puts(e == ENXIO ? "ENXIO" : e == ENODEV ? "ENODEV" : errno_name(e));
		if (fd >= 0)
			close(fd);
		return e ? 1 : 0;
	}
	/* write-exe-later PID: what CVE-2019-5736's attacker does to the
	 * program PID runs: holds it by path now (O_PATH, no ETXTBSY), and
	 * once a line comes on stdin (PID has exec'd something else) tries to
	 * make the mount it is on writable (mount_setattr), then opens it for
	 * writing through the held descriptor and writes one byte. Prints the
	 * write's outcome, then "mount_setattr" and that call's. */
	if (argc == 3 && strcmp(argv[1], "write-exe-later") == 0) {
		char path[64], line[16];
		snprintf(path, sizeof(path), "/proc/%s/exe", argv[2]);
		int held = open(path, O_PATH | O_CLOEXEC);
		if (held < 0)
			return puts(errno_name(errno)), 1;
		puts("held");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		struct mount_attr writable = { .attr_clr = MOUNT_ATTR_RDONLY };
		int remount = syscall(SYS_mount_setattr, held, "", AT_EMPTY_PATH, &writable, sizeof(writable)) < 0 ? errno : 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", held);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		int e = fd < 0 ? errno : write(fd, "X", 1) == 1 ? 0 : errno;
		puts(errno_name(e));
		printf("mount_setattr %s\n", errno_name(remount));
		return e ? 1 : 0;
	}
	if (argc == 6 && strcmp(argv[1], "mknod") == 0) { /* mknod PATH c|b MAJOR MINOR */
		mode_t type = argv[3][0] == 'b' ? S_IFBLK : S_IFCHR;
		dev_t dev = makedev((unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]));
		int e = mknod(argv[2], type | 0600, dev) < 0 ? errno : 0;
		puts(errno_name(e));
		return e ? 1 : 0;
	}
	if (argc == 3 && strcmp(argv[1], "acpi-forge") == 0)
		return acpi_forge((unsigned)atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "clock") == 0) { /* CLOCK_MONOTONIC in us, for the benches */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld\n", ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
		return 0;
	}
	fprintf(stderr, "usage: bulkhead-probe selftest|status FIELD|write PATH|syscall NAME|sleep S|exit N|clock\n");
	return 2;
}
