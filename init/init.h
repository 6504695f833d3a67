/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-init: PID 1 of the appliance. Shared declarations of its parts. */
#ifndef BULKHEAD_INIT_H
#define BULKHEAD_INIT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

struct pollfd;

#include "../runtime/runtime.h"
#include "../runtime/util.h"
#include "contract.h"

/* ---- log.c: the console is our only log for now ---- */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn, and then ": " and strerror(ERRNUM) appended. */
void log_warn_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From the loop on: a console the host stops reading drops lines (counted,
 * then reported) instead of stopping PID 1. */
void console_nonblocking(void);

/* ---- boot.c ---- */
struct boot_options {
	bool debug_exit;  /* bulkhead.exit=isa-debug-exit: report the status through QEMU */
	char ctl_tty[16]; /* bulkhead.ctl=ttyS1: serve the control protocol there too */
	bool debug;       /* bulkhead.debug: print each boot phase's duration */
	bool shell;       /* bulkhead.shell: an emergency shell when the boot fails */
	unsigned long memory_mib, initrd_mib; /* what the builder recorded; 0: unknown */
	/* The descriptor limit the init started with, before it raised its own:
	 * what a container gets unless its config.json says otherwise. */
	unsigned long long nofile_soft, nofile_hard;
};

/* Options come from the kernel command line and, for an init started by
 * hand or by the kernel after "--", from our own arguments. */
void boot_options_from_args(struct boot_options *options, int argc, char **argv);
/* bulkhead.shell: a busybox shell on the console, when the boot failed. */
void emergency_shell(const struct boot_options *options);

/* bulkhead.debug: "[init] debug: PHASE took N us (M us since start)". */
void debug_phase(const struct boot_options *o, const char *phase);
/* On the machine: how long the kernel took to start PID 1 (bulkhead.debug). */
void debug_kernel_boot(const struct boot_options *o);
/* bulkhead.debug: "[init] debug: VmRSS: N kB". */
void debug_memory(const struct boot_options *o);
/* Moves / off the initramfs and mounts the essentials. Returns 0 or -errno
 * with a message in err; PID 1 may give up only here, before the loop. */
int boot_prepare(struct boot_options *options, struct bh_err *err);
/* Fails, saying how much memory the appliance needs, when the kernel did
 * not unpack the whole initramfs (it ran out of room): a boot that goes on
 * would fail later in ways that hide the cause. */
int initrd_check(const struct boot_options *options, struct bh_err *err);
/* Raises the init's descriptor limit (soft to hard, hard to fs.nr_open
 * when it can), keeping the old one in options for the containers; and
 * makes PID 1 non-dumpable, which closes /proc/1/{root,fd,mem,...} to any
 * process without CAP_SYS_PTRACE over it, uid 0 in our pid namespace too. */
void init_limits(struct boot_options *options);
/* Turns the kernel's BPF JIT off (boot.c says why): the machine's init only. */
void bpf_jit_off(void);
/* Brings up the loopback interface of the init's network namespace. */
void loopback_up(void);
/* Seeds jansson's hash tables before PID 1's first JSON, so that jansson
 * does not read /dev/urandom itself (boot.c says why). */
void json_seed_nonblocking(void);

/* ---- random.c ---- */
/* 32 bits that differ between machines and calls, never waiting for the
 * kernel's entropy pool: not for secrets. */
uint32_t random32_nonblocking(void);

/* ---- appliance.c: what the builder decided (contract.h has the keys) ---- */
struct container_spec {
	char *name;
	char *bundle;
	enum restart_policy restart;
	unsigned max_restarts;   /* 0: no limit */
	size_t *depends_on;      /* indexes into the same phase */
	size_t n_depends_on;
	bool *depends_healthy;   /* NULL, or per depends_on: wait until healthy, not only started */
	struct health_spec *health; /* its health check, or NULL */
	int stop_grace_ms;
	struct link_spec *links; /* its networks; none: lo only (or network: host) */
	size_t n_links;
	enum on_exit_action on_exit; /* ON_EXIT_POWEROFF: its end for good powers off */
	unsigned userns_base, userns_size; /* its ids 0.. map to base..; size 0: no user namespace */
	/* AJ_C_SHARED_IMAGE (images-spec.c): -1, its own rootfs; else the
	 * erofs image init/images.c mounts for its rootfs, and whether that
	 * failed (then it is not started). */
	int shared_image;
	bool image_unmounted;
};

/* A network: a bridge of the init's namespace whose address is the
 * gateway of the containers on it. */
struct network_spec {
	char name[INTERFACE_NAME_MAX + 1];
	char bridge[INTERFACE_NAME_MAX + 1]; /* NETWORK_BRIDGE_PREFIX name */
	struct in_addr address;
	unsigned prefix;                     /* 16 to 29 */
};

/* A container's place on a network: a veth pair. */
struct link_spec {
	size_t network;                    /* index into appliance.networks */
	char name[INTERFACE_NAME_MAX + 1]; /* inside the container */
	char host[INTERFACE_NAME_MAX + 1]; /* on the bridge */
	struct in_addr address;            /* /32 inside, in the network's subnet */
	uint8_t mac[6];
};

struct interface_spec;

struct appliance {
	char *name;
	char *hostname;
	bool onboot_continue;    /* onboot_failure: continue */
	char *exit_status_from;  /* NULL: the first failure decides */
	struct container_spec *onboot, *services, *onshutdown;
	size_t n_onboot, n_services, n_onshutdown;
	char **modules;          /* kernel modules to load, in order */
	size_t n_background_modules; /* how many of the last of them no container's start needs */
	char **module_options;   /* each one's parameters (NULL: none); NULL: no module has any */
	struct disk_spec *disks;
	size_t n_disks;
	struct interface_spec *interfaces;
	size_t n_interfaces;
	struct network_spec *networks;
	size_t n_networks;
	struct secrets_spec *secrets; /* secrets-spec.c's; NULL: none declared */
};

struct disk_spec {
	char *label;  /* ext4 label */
	char **dirs;  /* directories its volumes bind, made after mounting */
	struct { unsigned base, size; } *owners; /* per dir: its writer's user range; NULL or size 0: none */
	bool mounted;
};

/* An interface to configure (appliance.json's interfaces; the reader has
 * checked each: a usable name, dhcp or a static address, a gateway in its
 * subnet, at most INTERFACE_MAX_DNS servers). */
struct interface_spec {
	char name[16];           /* IFNAMSIZ */
	bool dhcp;
	struct in_addr address;  /* static only */
	unsigned prefix;         /* static only, 1..32 */
	struct in_addr gateway;  /* static only; s_addr 0: none */
	struct in_addr dns[INTERFACE_MAX_DNS];
	size_t n_dns;
};

/* ---- secrets.c: secrets at run time, never in the image ---- */
struct json_t;
/* A container that receives secrets: its tmpfs, its user's. */
struct secret_mount {
	char *container;
	uint64_t wanted; /* bit i: secrets.names[i] */
	unsigned uid, gid; /* read from its config.json at boot */
};

struct secrets_spec {
	size_t n;
	char names[SECRETS_MAX][SECRET_NAME_MAX + 1];
	bool required[SECRETS_MAX];
	struct secret_mount *mounts;
	size_t n_mounts;
};
/* secrets-spec.c: appliance.json's AJ_SECRETS and AJ_SECRET_MOUNTS from ROOT into A (after
 * its phases: mounts name containers). Returns 0 or -errno with err set. */
int secrets_load(struct json_t *root, struct appliance *a, struct bh_err *err);
/* images-spec.c: ITEM's AJ_C_SHARED_IMAGE into SPEC (after its user
 * namespace: one needs the other); PATH names ITEM in messages. */
int shared_image_load(struct json_t *item, const char *path, struct container_spec *spec, struct bh_err *err);
/* ---- images.c: shared images, idmapped per container (contract.h) ---- */
/* Mounts each shared image once, before any container starts. A failure
 * is logged and marks the containers that use it. */
void images_mount_all(struct appliance *a);
/* For a start of SPEC (a shared image's user): an idmapped, read-only clone
 * of its image's mount through its user namespace, detached, for the
 * runtime to mount on its rootfs (bh_config_root_mount). The descriptor,
 * or -errno with ERR set. */
int images_root_mount(const struct container_spec *spec, struct bh_err *err);
/* For the emergency shell when no rootfs holds a busybox: a shared image
 * mounted (the first that has one), its busybox's path into OUT. */
bool images_busybox(char *out, size_t size);
/* False when SPEC's shared image could not be mounted (the boot said why;
 * the start says so in its turn). */
bool images_ready(const struct container_spec *spec);
/* The erofs FILE through a loop device, read-only, on WHERE (made 0700). */
int image_mount(const char *file, const char *where, struct bh_err *err);
/* A read-only clone of the mount at IMAGE_DIR, its ids mapped through the
 * user namespace USERNS_FD, detached: its descriptor, or -errno. */
int image_tree(const char *image_dir, int userns_fd, struct bh_err *err);
void secrets_free(struct appliance *a);
/* Reads each secret once (MACHINE: fw_cfg, else the disk labelled
 * SECRETS_DISK_LABEL; on a host, the tests' directory) into each receiving
 * container's tmpfs, before any container starts. Fails, naming it and how
 * to give it, when a required secret is missing. */
int secrets_prepare(const struct appliance *a, bool machine, struct bh_err *err);
/* volumes.c: the ext4 label of block device NAME, or "" when it has none. */
void volumes_read_label(const char *name, char *label, size_t size);

/* Reads appliance.json from TEXT, or from the file at PATH (which then
 * names it in messages). Returns 0, or -errno with err naming the JSON path
 * that is wrong; either way OUT is for appliance_free. */
int appliance_parse(const char *text, struct appliance *out, struct bh_err *err);
int appliance_load(const char *path, struct appliance *out, struct bh_err *err);
void appliance_free(struct appliance *a);

/* ---- log.c: per-container logs under /run/log, each capped ---- */
#define CONTAINER_LOG_DIR "/run/log"
#define CONTAINER_LOG_MAX (1L << 20) /* then NAME.log moves to NAME.log.1 */
struct container_log {
	int fd;
	long bytes;
};
void container_log_open(struct container_log *log, const char *name);
/* Writes one line to the console as "[name] line" and to the log. */
void container_log_line(struct container_log *log, const char *name, const char *line, size_t len);

/* ---- decisions.c: what supervision decides, pure (tests/init-decisions.c) ---- */
enum phase { PHASE_ONBOOT, PHASE_SERVICES, PHASE_ONSHUTDOWN };
extern const char *const phase_names[]; /* as ps shows them */
/* The Ith container of onboot, services and onshutdown together, or NULL. */
const struct container_spec *appliance_container(const struct appliance *a, size_t i);

/* Restart back-off: from 100 ms, doubling on every quick exit, up to 10 s;
 * an instance that ran 10 s counts as stable and resets it. */
#define BACKOFF_FIRST_MS 100L
#define BACKOFF_MAX_MS 10000L
#define BACKOFF_STABLE_MS 10000L

/* What is known when an instance of a container has ended. */
struct instance_end {
	enum phase phase;
	enum restart_policy restart;
	unsigned max_restarts;  /* 0: no limit */
	unsigned restarts;      /* restarts so far */
	int status;             /* its exit status: code, or 128+N for signal N */
	bool stopping;          /* we asked it to stop */
	bool restart_now;       /* `ctl restart` asked for it */
	bool health_restart;    /* its check's on_failure: restart stopped it: counted, with back-off */
	bool shutdown;          /* shutdown began */
	bool poweroff_on_exit;  /* on_exit: poweroff */
};
enum next_step {
	NEXT_DONE,        /* it stays exited */
	NEXT_RESTART_NOW, /* `ctl restart`: again at once, no back-off */
	NEXT_BACKOFF,     /* again after backoff_delay_ms */
	NEXT_GIVE_UP,     /* max_restarts reached: failed */
};
struct end_decision {
	enum next_step next;
	int failure;  /* the status this end counts as a failure of the appliance; 0: none */
	bool poweroff; /* on_exit: poweroff and it ended for good: the appliance powers off */
	int status;    /* with poweroff: the appliance's status, this container's */
};
struct end_decision decide_end(const struct instance_end *e);
/* The count of quick exits in a row after one that ran RAN_MS. */
unsigned backoff_quick_exits(unsigned quick_exits, long ran_ms);
/* The wait before the next start, after QUICK_EXITS quick exits in a row. */
long backoff_delay_ms(unsigned quick_exits);
/* The status exit_status_from reports for its container. */
int exit_status_of(bool ever_started, int status);
/* The appliance's status: FROM_STATUS, exit_status_from's container's
 * (-1: no exit_status_from), else POWEROFF_STATUS, the container's whose
 * end powered the appliance off (-1: none did), else FIRST_FAILURE. */
int appliance_exit_status(int from_status, int poweroff_status, int first_failure);

/* ---- health-decisions.c: health checks' decisions, pure (tests/init-decisions.c) ---- */
struct health_spec {
	enum health_probe probe;
	char **command;        /* exec: NULL-terminated */
	unsigned port;         /* tcp, http: of 127.0.0.1 in the container's network namespace */
	char *path;            /* http */
	long interval_ms, timeout_ms, start_period_ms;
	unsigned retries;
	enum health_action on_failure;
};
enum health_status { HEALTH_STATUS_NONE, HEALTH_STATUS_STARTING, HEALTH_STATUS_HEALTHY, HEALTH_STATUS_UNHEALTHY };
extern const char *const health_status_names[]; /* as ps shows them: "-", "starting", ... */
struct health_verdict {
	enum health_status status;
	unsigned failures; /* in a row, counted outside the start period */
	bool act;          /* it just became unhealthy: on_failure acts now */
};
/* After a probe of an instance that has run RAN_MS, which PASSED or not,
 * from STATUS with FAILURES in a row so far. Docker's rules: a pass makes
 * it healthy; a failure in the start period is not counted while it has
 * never been healthy; RETRIES failures in a row make it unhealthy. */
struct health_verdict health_after_probe(const struct health_spec *h, enum health_status status, unsigned failures,
					 bool passed, long ran_ms);
/* Whether a probe's exit STATUS is a pass: 0 only (a timeout is 137). */
bool health_probe_passed(int status);
/* A dependency waited for is met: started, and when WANT_HEALTHY running
 * now (not ended, not in back-off) and healthy. */
bool health_dependency_met(bool ever_started, bool want_healthy, bool running, enum health_status status);
/* An HTTP answer's status line (at most LEN bytes of BUF, not
 * NUL-terminated): its status code, or -1 when it does not read
 * "HTTP/1.x NNN". Pure, bounded by LEN. */
int health_http_status(const char *buf, size_t len);
/* Whether an HTTP status code counts as healthy: 2xx and 3xx. */
bool health_http_passed(int code);

/* ---- supervise.c (the containers and the loop), phases.c (onboot, services, shutdown) ---- */
struct supervisor;
struct control;
/* What the process owns, opened by main and handed to the supervisor. */
struct supervisor_inputs {
	int signal_fd;            /* a signalfd of the signals main blocked; each but SIGCHLD shuts down */
	int power_fd;             /* the power button, or -1 */
	pid_t module_loader;      /* loading the modules no start needs (modules_load), or 0 */
	struct control *control;  /* NULL: no control channel */
	struct net *net;          /* the DHCP clients; NULL: none */
};
struct supervisor *supervisor_new(const struct appliance *a, const struct boot_options *o,
				  const struct supervisor_inputs *in, struct bh_err *err);
/* Runs each onboot container to completion, in order. Returns false when
 * one failed and the appliance says to halt the boot. */
bool supervisor_run_onboot(struct supervisor *s);
/* Starts the services (each once its depends_on have started), restarts
 * them by their policy, and returns when none is left to run or a shutdown
 * was asked for. */
void supervisor_run_services(struct supervisor *s, const struct boot_options *o);
/* onshutdown containers, then the services in waves, dependents first, each
 * with SIGTERM, its grace period, and then cgroup.kill. */
void supervisor_shutdown(struct supervisor *s);
int supervisor_exit_status(const struct supervisor *s);

/* ---- control.c: the host's control channel (see control.c for why) ---- */
#define CONTROL_LINE_MAX CTL_LINE_MAX /* a command line with its newline; longer: an error */
#define CONTROL_PEERS_MAX 8    /* sockets served at once; one more drops the idlest */
#define CONTROL_FDS_PER_PEER 4 /* the peer, and a session's stdout, stderr (or console socket), stdin */
#define CONTROL_POLL_MAX (1 + (1 + CONTROL_PEERS_MAX) * CONTROL_FDS_PER_PEER)
#define CONTROL_DATA_MAX CTL_DATA_MAX /* bytes a line carries (as base64) for arg, arg+ and in */

enum control_verb {
	CONTROL_PS, CONTROL_LOGS, CONTROL_RESTART, CONTROL_STOP, CONTROL_POWEROFF, CONTROL_NET,
	/* sessions (session.c): */
	CONTROL_SYNC,   /* sync TOKEN: end what the line was doing, answer "synced TOKEN" */
	CONTROL_EXEC,   /* exec NAME [i|t|it]: a command in NAME follows as arg lines, then run */
	CONTROL_FOLLOW, /* follow NAME: logs -f, until end */
	CONTROL_ARG, CONTROL_ARG_MORE, CONTROL_RUN, /* arg [B64], arg+ B64 (more of the last one), run */
	CONTROL_IN, CONTROL_EOF, /* in B64: stdin bytes; eof: stdin closed */
	CONTROL_WINCH,  /* winch ROWS COLS: the host's terminal size */
	CONTROL_PING,   /* the host is there (every second); a session without it ends */
	CONTROL_END,    /* the host ends the session */
};
#define CONTROL_VERB_LAST CONTROL_END
struct control_request {
	enum control_verb verb;
	char name[64]; /* logs, restart, stop, exec, follow, sync: printable ASCII, no space, 63 bytes at most */
	bool interactive, terminal; /* exec's flags */
	unsigned short rows, cols;  /* winch */
	unsigned char data[CONTROL_DATA_MAX]; /* arg, arg+, in: decoded */
	size_t data_len;
};
/* protocol.c: parses one line of LEN bytes (not NUL-terminated, without its
 * newline; a trailing \r is ignored): "ps", "logs NAME", "restart NAME",
 * "stop NAME", "poweroff", "net", and the session lines above. Pure: reads
 * only LINE[0..LEN). Returns 0, -ENAMETOOLONG for a name of 64 bytes or
 * more, -EINVAL for anything else. */
int control_parse(const char *line, size_t len, struct control_request *out);

/* The serial line of bulkhead.ctl= when given, else the socket. Failures
 * are warnings; NULL only without memory (then every call below is a no-op). */
struct control *control_new(const struct boot_options *o);
/* Fills FDS (room for CONTROL_POLL_MAX) with what to poll; returns how many. */
size_t control_poll_fds(struct control *c, struct pollfd *fds);
/* What the control channel asks of the one who serves it (the supervisor),
 * each called with CTX: control.c calls no supervision code by name. */
struct exec_request; /* supervise.h */
struct control_ops {
	void *ctx;
	/* The container named NAME, by its spec's own name (safe in a path), or NULL. */
	const char *(*lookup)(void *ctx, const char *name);
	/* Line I of ps (0: the header) into BUF; its length, 0 past the end. */
	size_t (*ps_line)(void *ctx, size_t i, char *buf, size_t size);
	/* 0, or -ENOENT (no such service), -ESRCH (not running), -EAGAIN
	 * (waiting for its depends_on), -ESHUTDOWN (shutdown began). */
	int (*restart)(void *ctx, const char *name);
	int (*stop)(void *ctx, const char *name);
	void (*request_shutdown)(void *ctx, const char *why);
	/* net: a descriptor to read the answer from, or -errno with ERR. */
	int (*net_report)(void *ctx, struct bh_err *err);
	/* exec: starts REQ in the container NAME (exec_session_start); the
	 * session's pid, or -ENOENT (no such container), -ESRCH (not running),
	 * -EBUSY, another -errno, with ERR. ENDED(CTX_OF_REQ, pid, status) comes
	 * from the reaper once it is over. */
	pid_t (*exec_start)(void *ctx, const char *name, const struct exec_request *req, struct bh_err *err);
	/* Kills a session's command (exec_session_cancel). */
	void (*exec_cancel)(void *ctx, pid_t session);
};
/* After poll: serves the FDS control_poll_fds filled, drops peers past their
 * deadline, asking OPS for what the commands need. Never blocks. */
void control_handle(struct control *c, const struct control_ops *ops, const struct pollfd *fds, size_t n);
/* When the next peer deadline falls (CLOCK_MONOTONIC ms), or LONG_MAX. */
long control_deadline(const struct control *c);

/* ---- netlink.c: links, addresses and routes over rtnetlink ---- */
/* Each returns 0 or -errno with err naming the interface and what failed;
 * each request waits for the kernel's acknowledgement (a netlink socket
 * answers at once: this never waits on a peer). */
int netlink_link_up(const char *ifname, struct bh_err *err);
/* The attribute TYPE among those in [AT, AT + LEN) (the payload of a
 * message, or of a nested attribute), its payload's length in *PAYLOAD; NULL
 * when absent or when the attributes do not fit. */
const uint8_t *netlink_attribute(const uint8_t *at, size_t len, uint16_t type, size_t *payload);
int netlink_address_add(const char *ifname, struct in_addr address, unsigned prefix, struct bh_err *err);
int netlink_address_remove(const char *ifname, struct in_addr address, unsigned prefix, struct bh_err *err);
int netlink_default_route(const char *ifname, struct in_addr gateway, struct bh_err *err);
/* DESTINATION/PREFIX via GATEWAY, or on the link itself when GATEWAY is 0. */
int netlink_route_add(const char *ifname, struct in_addr destination, unsigned prefix, struct in_addr gateway,
		      struct bh_err *err);
/* An address that is the source of nothing but what goes out of IFNAME
 * itself: the kernel never lends a link-scoped address to a packet of
 * another link (a DHCP client's broadcast from a NIC without its address
 * yet would otherwise leave with a bridge's). */
int netlink_address_add_link_scope(const char *ifname, struct in_addr address, unsigned prefix, struct bh_err *err);
int netlink_bridge_add(const char *name, struct bh_err *err);
/* A veth pair: HOST here, PEER in the namespace PEER_NETNS_FD with MAC. */
int netlink_veth_add(const char *host, const char *peer, int peer_netns_fd, const uint8_t mac[6], struct bh_err *err);
/* PORT joins BRIDGE as an isolated port that learns and floods nothing,
 * with a static entry for MAC, the one address behind it. */
int netlink_bridge_port(const char *port, const char *bridge, const uint8_t mac[6], struct bh_err *err);

/* ---- networks.c: the containers' networks, made before any container starts ---- */
/* Loads the rule set (the file RULES: NET_RULES), then makes the bridges and each networked container's
 * namespace (NETNS_DIR/NAME) with its links. Fails closed: a container whose
 * walls are not all in place gets no namespace, so its start fails; the
 * console says why. Returns how many containers' networks are ready, or -1
 * when the init could not return to its own network namespace after
 * making one (then nothing it does is safe: the boot ends). */
int networks_start(const struct appliance *a, const char *rules);
/* Whether an init that is not the machine's PID 1 may make networks here:
 * its network namespace holds nothing but lo, one a test made for it. */
bool networks_namespace_is_ours(void);
/* ctl net: every counter of the rule set, one line each under a header, in
 * a memory file read from its start; or -errno with err (-ENOENT: the
 * appliance has no networks). */
int networks_report(const struct appliance *a, struct bh_err *err);
/* ctl ps: C's addresses, "NETWORK=ADDRESS,...", or "-" without networks. */
void networks_addresses(const struct appliance *a, const struct container_spec *c, char *buf, size_t size);

/* ---- nft.c: the containers' firewall, as the builder encoded it (NET_RULES) ---- */
#define NFT_BATCH_MAX (16U << 20) /* bytes: a file larger than this is refused */
/* Checks that BATCH (LEN bytes) is one nftables batch: nlmsghdr lengths
 * within bounds, each message's attributes tiling it, BATCH_BEGIN first and
 * BATCH_END last. Pure. Returns 0 with *MESSAGES set (BEGIN and END
 * included), or -EBADMSG (-EFBIG) with err saying where it is broken. */
int nft_batch_check(const void *batch, size_t len, size_t *messages, struct bh_err *err);
/* Sends BATCH, once checked, in one sendmsg on a NETLINK_NETFILTER socket
 * and reads every acknowledgement (bounded by a receive timeout). The kernel
 * applies it all or nothing. Returns 0, or -errno with err naming the first
 * message refused (its position; the table, chain or counter it makes; for
 * a rule, the counter it counts in) and the kernel's reason. The tables are
 * created exclusively: a second load fails with -EEXIST and changes nothing. */
int nft_load(const void *batch, size_t len, struct bh_err *err);
/* FAMILY "ip" or "bridge"; NAME as the builder named the counter. */
typedef void (*nft_counter_fn)(const char *family, const char *name, uint64_t packets, uint64_t bytes, void *ctx);
/* Calls EACH for every counter object of table NET_TABLE in family ip,
 * then bridge, in the kernel's order (the order they were made). A table
 * that is not there has no counters. Never blocks past a few seconds.
 * Returns 0, or -errno with err set. */
int nft_counters(nft_counter_fn each, void *ctx, struct bh_err *err);

/* ---- dhcp.c: DHCPv4 messages and the client's timing, pure (tests/dhcp.c) ---- */
#define DHCP_MESSAGE_MAX 576 /* what we send; what we accept is bounded by the buffer given */
enum dhcp_type {
	DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK, DHCP_NAK, DHCP_RELEASE, DHCP_INFORM
};
/* What we ask: in SELECTING a REQUEST names the offer (requested address,
 * server id); in RENEWING and REBINDING it carries ciaddr instead. */
struct dhcp_request {
	enum dhcp_type type;     /* DHCP_DISCOVER or DHCP_REQUEST */
	uint32_t xid;
	uint16_t secs;
	uint8_t mac[6];
	bool broadcast;          /* ask the server to broadcast its answer (no address yet) */
	struct in_addr ciaddr;   /* RENEWING, REBINDING: ours; else 0 */
	struct in_addr requested; /* REQUESTING: the offered address; else 0 */
	struct in_addr server_id; /* REQUESTING: the offer's server; else 0 */
};
/* A server's answer, every field checked. Times are seconds;
 * DHCP_LEASE_INFINITE: no renewal at all. */
#define DHCP_LEASE_INFINITE 0xffffffffU
/* A shorter lease is refused: renewing at half of it would have PID 1
 * exchange messages without pause. */
#define DHCP_LEASE_MIN_S 10
struct dhcp_reply {
	enum dhcp_type type;
	struct in_addr address;   /* yiaddr */
	struct in_addr server_id;
	unsigned prefix;          /* from the subnet mask; classful when absent */
	struct in_addr router;    /* 0: none */
	struct in_addr dns[INTERFACE_MAX_DNS];
	size_t n_dns;
	uint32_t lease_s, t1_s, t2_s; /* T1 and T2: their defaults (1/2, 7/8) when absent or inconsistent */
};
/* Writes REQ into BUF (room for DHCP_MESSAGE_MAX); returns its length. */
size_t dhcp_build(const struct dhcp_request *req, uint8_t *buf);
/* Parses the LEN bytes at BUF as an answer to transaction XID from MAC.
 * Returns 0, or -EINVAL for a malformed message (truncated, an option
 * running past the end or of a wrong length, a bad cookie, not a reply),
 * -ESRCH for one that is not ours (another xid or hardware address).
 * Option overload (52) is ignored: sname and file are never read as
 * options, and a reply that needs them lacks its message type. */
int dhcp_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6], struct dhcp_reply *out);

enum dhcp_state { DHCP_INIT, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND, DHCP_RENEWING, DHCP_REBINDING };
/* Retransmission: 4 s, doubling up to 64 s, each +/- 1 s of jitter taken
 * from RANDOM (RFC 2131 4.1). ATTEMPT counts from 0. */
long dhcp_backoff_ms(unsigned attempt, uint32_t random);
/* A lease's deadlines (CLOCK_MONOTONIC ms), from when its REQUEST went out. */
struct dhcp_times {
	long t1_ms, t2_ms, expiry_ms; /* LONG_MAX for an infinite lease */
};
struct dhcp_times dhcp_lease_times(const struct dhcp_reply *lease, long requested_ms);
/* Where a bound lease stands at NOW: DHCP_BOUND, DHCP_RENEWING or
 * DHCP_REBINDING, or DHCP_INIT once it expired. */
enum dhcp_state dhcp_lease_state(const struct dhcp_times *t, long now);
/* When to send again in RENEWING or REBINDING: after the back-off, but
 * never past the state's end (T2, or the expiry). */
long dhcp_retry_at(enum dhcp_state state, const struct dhcp_times *t, long now, unsigned attempt, uint32_t random);

/* ---- net.c: the appliance's interfaces ---- */
#define NET_LINK_WAIT_MS 10000 /* how long a named interface may take to appear */
#define NET_POLL_MAX INTERFACES_MAX /* DHCP sockets at most: one per interface */
struct net;
/* Configures each interface: a static one fully (address, route, DNS), a
 * DHCP one gets its client started. Waits up to NET_LINK_WAIT_MS for links
 * that are not there yet. Every failure is a warning naming the interface.
 * RESOLV is where DNS servers are written. NULL when there is nothing left
 * to drive from the loop (no DHCP interface), or without memory. */
struct net *net_start(const struct interface_spec *ifs, size_t n, const char *resolv);
/* Fills FDS (room for NET_POLL_MAX) with the DHCP sockets; returns how many. */
size_t net_poll_fds(struct net *net, struct pollfd *fds);
/* After poll: reads what came on FDS, sends what is due, moves the leases
 * along. Never blocks. */
void net_handle(struct net *net, const struct pollfd *fds, size_t n);
/* When the next DHCP timer falls (CLOCK_MONOTONIC ms), or LONG_MAX. */
long net_deadline(const struct net *net);

/* ---- modules.c ---- */
/* Loads the appliance's kernel modules in the order the builder resolved,
 * each with the parameters it gave (OPTIONS, parallel to PATHS, may be
 * NULL); a module that fails is a warning, and the boot goes on. The last
 * N_BACKGROUND (at most all), which no container's start needs, are left
 * to a child at SCHED_IDLE, whose pid is returned (0: none), for
 * modules_loader_hurry once the starts are over. */
pid_t modules_load(char *const *paths, char *const *options, size_t n_background);
/* The loader *LOADER (0: none) at the normal priority from now on, and
 * *LOADER 0: it has nothing more to be told. */
void modules_loader_hurry(pid_t *loader);

/* ---- userns.c: each container's user namespace ---- */
/* Makes USERNS_DIR/NAME for every container with a range; a failure is
 * logged, and that container's start fails (it joins the path). */
void userns_make_all(const struct appliance *a);
/* A new network namespace inside C's user namespace, kept at PATH, with
 * PREPARE run in it first; 0 or -errno. */
int userns_netns_make(const struct container_spec *c, const char *path, int (*prepare)(struct bh_err *),
		      struct bh_err *err);

/* ---- volumes-ids.c: a volume directory owned by its writer's user range ---- */
/* DIR (of disk LABEL) and what is beneath it moved into BASE..BASE+SIZE-1
 * once, and recorded on it; failures are logged. */
void volume_ids_settle(const char *label, const char *dir, unsigned base, unsigned size);

/* ---- volumes.c: the appliance's disks ---- */
/* Waits (boundedly) for each disk to appear, mounts it by its ext4 label on
 * /volumes/LABEL with nosuid,nodev, and makes its volumes' directories. */
void volumes_mount(struct appliance *a);
/* After the containers stopped: sync, then unmount each disk (retried, then
 * lazily with a warning). */
void volumes_unmount(struct appliance *a);

/* ---- power.c: the ACPI power button ---- */
/* A socket that hears the ACPI button driver's events (generic netlink's
 * acpi_event family), or -1: no ACPI, or no button driver (unless
 * DRIVER_LOADING: its module is loading in the background). */
int power_button_open(bool driver_loading);
/* True when the messages read from FD include a press of the power button;
 * only the kernel's are read. */
bool power_button_pressed(int fd);
/* The N bytes of netlink messages at BUF (aligned), from port SENDER, hold
 * the power button's ACPI event (FAMILY: acpi_event's id); only the
 * kernel's (port 0) count. */
bool power_message_is_press(const void *buf, size_t n, uint32_t sender, uint16_t family);

/* ---- reaper.c: init: true, the init as a container's PID 1 ---- */
/* ARGV is CONTAINER_INIT_PATH CONTAINER_INIT_MODE -- COMMAND... (contract.h). */
bool container_init_mode(int argc, char **argv);
/* Runs COMMAND as its child, forwards signals to it, reaps every child;
 * returns the command's status (128+N when a signal N killed it). */
int container_init_main(int argc, char **argv);

/* ---- shutdown.c ---- */
/* Whether we are the machine's PID 1, not PID 1 of a namespace on a host. */
bool machine_init(void);
/* Syncs, reports STATUS and powers off. Never returns when PID 1. */
void shutdown_appliance(const struct boot_options *options, int status);

#endif
