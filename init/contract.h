/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What bulkhead build writes for bulkhead-init to read, spelled once for
 * both: image/ includes this header and nothing else of init/. Each item
 * is described for users in docs/appliance.md. */
#ifndef BULKHEAD_CONTRACT_H
#define BULKHEAD_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define CONTRACT_STR_(x) #x
#define CONTRACT_STR(x) CONTRACT_STR_(x)

/* ---- paths in the image and in the running appliance ---- */
/* The builder's decisions beyond the bundles (image/appliance.c writes it,
 * init/appliance.c reads it); the builder names it as an initramfs entry,
 * without the leading slash. */
#define APPLIANCE_JSON_ENTRY "etc/bulkhead/appliance.json"
#define APPLIANCE_JSON "/" APPLIANCE_JSON_ENTRY

/* The initramfs's last entry. The kernel unpacks entries in order: a write
 * it has no room for stops it, and a file it cannot create is left out, so
 * this empty file is there only when the whole archive was unpacked. */
#define INITRD_END "etc/bulkhead/initrd.end"

/* Where the init mounts each disk, by its label (VOLUMES_DIR/LABEL); a
 * volume's bind mount in config.json starts here. */
#define VOLUMES_DIR "/volumes"

/* The control channel's socket when no serial line is given (bulkhead.ctl=
 * absent): in the init's own /run, its directory 0700. */
#define CONTROL_DIR "/run/bulkhead"
#define CONTROL_SOCKET CONTROL_DIR "/ctl.sock"

/* A control session's answer (bulkhead ctl exec: init/session.c writes it,
 * image/ctl-session.c reads it): frames of a kind byte, a big-endian 16-bit
 * length and that many bytes, binary-safe. The exit frame is the last; its
 * bytes are the status in decimal. The host sends lines (init/protocol.c),
 * a ping every CTL_PING_MS; a session that hears nothing for
 * CTL_SESSION_IDLE_MS lost its host and ends, its command killed. */
#define CTL_FRAME_STDOUT 'o'
#define CTL_FRAME_STDERR 'e'
#define CTL_FRAME_EXIT 'x'
/* exec -i: the init grants stdin credit, the count in decimal: the host
 * sends at most that many more stdin bytes (in lines) until the next. */
#define CTL_FRAME_CREDIT 'c'
#define CTL_FRAME_HEADER 3
#define CTL_PING_MS 1000
#define CTL_SESSION_IDLE_MS 10000
#define CTL_EXEC_REFUSED 125 /* exec's status when nothing ran: no such container, not running, ... */
/* A line from the host, its newline included, is at most CTL_LINE_MAX
 * bytes; one of arg, arg+ or in carries at most CTL_DATA_MAX bytes as
 * base64 (4 characters for every 3), so that "arg+ " and the newline fit
 * (186 bytes: 248 characters, 254 with the verb and the newline). */
#define CTL_LINE_MAX 256
#define CTL_DATA_MAX 186
_Static_assert(sizeof("arg+ ") - 1 + 4 * ((CTL_DATA_MAX + 2) / 3) + 1 <= CTL_LINE_MAX,
	       "the longest data line fits in a control line");

/* ---- the kernel command line: bulkhead.* options ---- */
/* Numbers in MiB, written by bulkhead build into DIR/cmdline. */
#define BOOT_OPTION_MEMORY "bulkhead.memory=" /* the memory the appliance was built to need */
#define BOOT_OPTION_INITRD "bulkhead.initrd=" /* what its initramfs takes unpacked */
/* How the init reports the appliance's exit status; the one way it knows. */
#define BOOT_OPTION_EXIT "bulkhead.exit="
#define BOOT_EXIT_ISA_DEBUG_EXIT "isa-debug-exit"
/* A serial line (lower-case letters, S and digits) that carries the
 * control protocol instead of the socket; bulkhead run gives the second. */
#define BOOT_OPTION_CTL "bulkhead.ctl="
#define BOOT_CTL_TTY "ttyS1"
#define BOOT_OPTION_DEBUG "bulkhead.debug" /* print each boot phase's duration */
#define BOOT_OPTION_SHELL "bulkhead.shell" /* an emergency shell when the boot fails */
/* Some container may reach beyond the appliance (egress:): bulkhead run's
 * user network then lets the VM out, the rule set still deciding who. The
 * init ignores it. */
#define BOOT_OPTION_EGRESS "bulkhead.egress"

/* ---- the appliance's exit status, through QEMU's isa-debug-exit ---- */
/* The init writes one byte, status + 1, to this I/O port; QEMU then exits
 * with (byte << 1) | 1. The +1 keeps QEMU's own error exit (1) from ever
 * reading as success; 0 means QEMU stopped without a byte (a panic, a
 * reset). QEMU's 8-bit status leaves room for statuses 0 to 126. */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_DEVICE "isa-debug-exit,iobase=" CONTRACT_STR(DEBUG_EXIT_PORT) ",iosize=0x01"
#define APPLIANCE_STATUS_MAX 126 /* a higher status reads as this one */
/* The appliance could not boot (a bad appliance.json, the early mounts),
 * or bulkhead itself failed before it could tell a status: Docker's 125,
 * so that a script tells "the tool failed" from a container's own 1. */
#define APPLIANCE_STATUS_FAILED 125

/* The byte the init writes for STATUS (0 up; higher ones clamped). */
static inline unsigned char debug_exit_byte(int status)
{
	return (unsigned char)((status > APPLIANCE_STATUS_MAX ? APPLIANCE_STATUS_MAX : status) + 1);
}

/* The appliance's status from QEMU's exit status RC, or -1 when RC carries
 * none (0: no byte was written; 1 or even: QEMU's own exit). */
static inline int debug_exit_decode(int rc)
{
	return rc >= 3 && rc % 2 == 1 ? (rc >> 1) - 1 : -1;
}

/* ---- appliance.json (docs/appliance.md) ---- */
/* The keys, at the top level, of each container of a phase and of each
 * disk: image/appliance.c writes them, init/appliance.c refuses any other. */
#define AJ_NAME "name"                         /* string, required */
#define AJ_HOSTNAME "hostname"                 /* string */
#define AJ_ONBOOT_FAILURE "onboot_failure"     /* AJ_ONBOOT_HALT or AJ_ONBOOT_CONTINUE */
#define AJ_EXIT_STATUS_FROM "exit_status_from" /* a container's name */
#define AJ_MODULES "modules"                   /* kernel module paths, in load order */
#define AJ_MODULE_OPTIONS "module_options"     /* object: a module's path -> its parameters */
#define AJ_MODULES_IN_BACKGROUND "modules_in_background" /* how many of the last modules no start needs */
#define AJ_DISKS "disks"                       /* objects of AJ_DISK_* */
#define AJ_INTERFACES "interfaces"             /* objects of AJ_IF_* */
#define AJ_NETWORKS "networks"                 /* objects of AJ_NET_* */
#define AJ_ONBOOT "onboot"                     /* the phases: objects of AJ_C_* */
#define AJ_SERVICES "services"
#define AJ_ONSHUTDOWN "onshutdown"

#define AJ_ONBOOT_HALT "halt"
#define AJ_ONBOOT_CONTINUE "continue"

#define AJ_C_NAME "name"                   /* 1 to 63 of [A-Za-z0-9_.-], a letter or digit first */
#define AJ_C_BUNDLE "bundle"               /* the bundle's absolute directory in the image */
#define AJ_C_RESTART "restart"             /* one of restart_policy_names */
#define AJ_C_MAX_RESTARTS "max_restarts"   /* 0: no limit */
#define AJ_C_DEPENDS_ON "depends_on"       /* names of containers of the same phase */
#define AJ_C_STOP_GRACE_MS "stop_grace_ms" /* 1 to STOP_GRACE_MAX_MS */
#define AJ_C_LINKS "links"                 /* objects of AJ_LINK_*: its networks */
#define AJ_C_DEPENDS_ON_HEALTHY "depends_on_healthy" /* of depends_on: wait until healthy, not only started */
#define AJ_C_HEALTH "health"               /* an object of AJ_H_*: its health check */

/* A health check (docs/manifest.md "healthcheck"): a command in the
 * container, or a TCP or HTTP probe of 127.0.0.1:PORT in its network
 * namespace, every INTERVAL; TIMEOUT bounds one probe; RETRIES failures in
 * a row outside START_PERIOD make it unhealthy, and ON_FAILURE acts. */
#define AJ_H_PROBE "probe"                 /* one of health_probe_names */
#define AJ_H_COMMAND "command"             /* exec: argv, a non-empty list of strings */
#define AJ_H_PORT "port"                   /* tcp, http: 1 to 65535 */
#define AJ_H_PATH "path"                   /* http: starts with '/', printable, no space */
#define AJ_H_INTERVAL_MS "interval_ms"     /* HEALTH_MIN_MS to HEALTH_MAX_MS */
#define AJ_H_TIMEOUT_MS "timeout_ms"       /* HEALTH_MIN_MS to HEALTH_MAX_MS */
#define AJ_H_START_PERIOD_MS "start_period_ms" /* 0 to HEALTH_MAX_MS */
#define AJ_H_RETRIES "retries"             /* 1 to HEALTH_RETRIES_MAX */
#define AJ_H_ON_FAILURE "on_failure"       /* one of health_action_names */
#define AJ_C_ON_EXIT "on_exit"             /* one of on_exit_names; absent: "none" */

/* A network: a bridge in the init's namespace with the gateway's address. */
#define AJ_NET_NAME "name"       /* NETWORK_NAME_MAX of [a-z0-9-] */
#define AJ_NET_BRIDGE "bridge"   /* NETWORK_BRIDGE_PREFIX NAME */
#define AJ_NET_ADDRESS "address" /* dotted IPv4: the bridge's (the containers' gateway) */
#define AJ_NET_PREFIX "prefix"   /* the subnet's, 16 to 29 */

/* A container's link to a network: a veth pair, HOST on the bridge and
 * NAME in the container's network namespace with ADDRESS/32 and MAC. */
#define AJ_LINK_NETWORK "network" /* a network's name */
#define AJ_LINK_NAME "name"       /* inside: eth0, eth1, ... */
#define AJ_LINK_HOST "host"       /* the bridge's side */
#define AJ_LINK_ADDRESS "address" /* dotted IPv4 in the network's subnet */
#define AJ_LINK_MAC "mac"         /* "02:b4:..." */

#define AJ_DISK_LABEL "label" /* the ext4 label, mounted on VOLUMES_DIR/LABEL */
#define AJ_DISK_DIRS "dirs"   /* directories of the disk the volumes bind */
/* per directory of dirs, [BASE, SIZE]: the user range of the container
 * writing it, whose root owns it (VOLUME_IDS_XATTR); [0, USERNS_SIZE]: the
 * VM's own ids (a userns: off writer); [0, 0]: left as it is (readers) */
#define AJ_DISK_DIR_OWNERS "dir_owners"

/* An interface: dhcp true, or a static address/prefix (and a gateway in its
 * subnet); dns with either. */
#define AJ_IF_NAME "name"       /* 1 to INTERFACE_NAME_MAX of [a-z0-9], not "lo" */
#define AJ_IF_DHCP "dhcp"       /* true: DHCPv4; excludes address, prefix and gateway */
#define AJ_IF_ADDRESS "address" /* dotted IPv4, with prefix */
#define AJ_IF_PREFIX "prefix"   /* 1 to 32 */
#define AJ_IF_GATEWAY "gateway" /* dotted IPv4: the default route */
#define AJ_IF_DNS "dns"         /* up to INTERFACE_MAX_DNS dotted IPv4 */

/* The most interfaces an appliance configures, the longest name the kernel
 * takes (IFNAMSIZ - 1) and the most DNS servers per interface (resolv.conf's
 * MAXNS): the builder refuses more, and the init's reader too. */
#define INTERFACES_MAX 8
#define INTERFACE_NAME_MAX 15
#define INTERFACE_MAX_DNS 3

/* An interface's name: what the manifest may give and the init accepts.
 * Plain [a-z0-9] (never "." or "/", which the kernel refuses, nor ':', an
 * alias); "lo" is the loopback the init brings up itself. */
static inline bool interface_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= INTERFACE_NAME_MAX && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") == len &&
	       strcmp(name, "lo") != 0;
}

/* The netmask of PREFIX (0 to 32), in host byte order. */
static inline uint32_t interface_netmask(unsigned prefix)
{
	return prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
}

/* What a service's exit leads to. */
enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_POLICIES };
static const char *const restart_policy_names[RESTART_POLICIES] = { "no", "on-failure", "always" };

/* Health checks: what probes a container, and what its failure leads to.
 * Docker's defaults (30 s, 30 s, 3 retries, no start period); restart is
 * ours: an appliance has no orchestrator to act on "unhealthy", so its
 * supervisor does what one would. */
enum health_probe { HEALTH_PROBE_EXEC, HEALTH_PROBE_TCP, HEALTH_PROBE_HTTP, HEALTH_PROBES };
static const char *const health_probe_names[HEALTH_PROBES] = { "exec", "tcp", "http" };
enum health_action { HEALTH_RESTART, HEALTH_STOP, HEALTH_POWEROFF, HEALTH_NONE, HEALTH_ACTIONS };
static const char *const health_action_names[HEALTH_ACTIONS] = { "restart", "stop", "poweroff", "none" };
#define HEALTH_INTERVAL_DEFAULT_MS 30000
#define HEALTH_TIMEOUT_DEFAULT_MS 30000
#define HEALTH_RETRIES_DEFAULT 3
#define HEALTH_MIN_MS 10           /* a probe no more often than this */
#define HEALTH_MAX_MS 3600000      /* an hour, as the manifest's durations */
#define HEALTH_RETRIES_MAX 1000
#define HEALTH_PATH_MAX 255
/* The status an appliance powered off by an unhealthy container (on_failure:
 * poweroff) reports, unless exit_status_from names another's. */
#define APPLIANCE_STATUS_UNHEALTHY 122
/* What a container's end for good (no restart to follow) does to the
 * appliance: nothing, or the power-off with its status (on_exit: poweroff). */
enum on_exit_action { ON_EXIT_NONE, ON_EXIT_POWEROFF, ON_EXIT_ACTIONS };
static const char *const on_exit_names[ON_EXIT_ACTIONS] = { "none", "poweroff" };

/* init: true: the init binary itself runs as the container's PID 1 in a
 * mode of its own (init/reaper.c), a reaper that forwards signals to the
 * command. The builder binds INIT_IMAGE_PATH, read-only, at
 * CONTAINER_INIT_PATH: in the /dev tmpfs the runtime makes for every
 * container, so never over a file of the image; and process.args become
 * CONTAINER_INIT_PATH CONTAINER_INIT_MODE -- COMMAND... */
#define INIT_IMAGE_PATH "/init"
#define CONTAINER_INIT_PATH "/dev/bulkhead-init"
#define CONTAINER_INIT_MODE "--container-init"
/* What that mode calls (init/reaper.c, with musl's start-up, fork and
 * isatty), in the order it calls them: the builder refuses init: true
 * under a seccomp profile that refuses one. */
static const char *const container_init_syscalls[] = {
	"arch_prctl", "set_tid_address", "rt_sigprocmask", "fork",   "gettid",     "setpgid", "getpid",
	"ioctl",      "rt_sigtimedwait", "kill",           "wait4", "execve",     "writev",  "exit_group",
};

/* How long a container has after SIGTERM before it is killed: the default
 * when the manifest gives no stop_grace, and the most it may give. */
#define STOP_GRACE_DEFAULT_MS 10000
#define STOP_GRACE_MAX_MS 3600000

/* The most containers (onboot, services and onshutdown together) one
 * appliance may declare; the builder refuses more, saying why. Each costs
 * PID 1 two descriptors from its first start on: its output pipe while it
 * runs and its log, which stays open. The kernel starts the VM's PID 1 with
 * 1024/4096; the init raises both to fs.nr_open (1048576) but must not rely
 * on more than the 4096 it always has: 64 stay for its own (stdio,
 * signalfd, power button, the control line or socket and 8 peers with two
 * log files each, the 7 a start holds for a moment), and (4096 - 64) / 2 is
 * 2016. Beyond descriptors the loop is linear in the containers per event,
 * which 2000 keeps cheap. */
#define INIT_MAX_CONTAINERS 2000

/* ---- the containers' networks ---- */
/* A network's bridge is NETWORK_BRIDGE_PREFIX and its name, in the init's
 * network namespace: the name fits IFNAMSIZ - 1 with the prefix. */
#define NETWORK_BRIDGE_PREFIX "bh-"
#define NETWORK_NAME_MAX (INTERFACE_NAME_MAX - 3)
/* A container's veth on a bridge is NETWORK_PORT_PREFIX, its position among
 * all containers, "n" and the link's: bhc1n0. The rules refuse anything the
 * appliance's own namespace receives on such a port. */
#define NETWORK_PORT_PREFIX "bhc"
/* The most networks one appliance declares, and one container joins. */
#define NETWORKS_MAX 32
#define CONTAINER_LINKS_MAX 4
/* Where the init keeps each networked container's network namespace (a
 * bind mount of it, NETNS_DIR/NAME), made before the container starts; its
 * config.json joins it by this path. */
#define NETNS_DIR CONTROL_DIR "/netns"
/* The DNS servers the init learned or was given, rewritten in place: the
 * containers on a network see it read-only as their /etc/resolv.conf. */
#define NET_RESOLV_CONF "/run/resolv.conf"
/* Each networked container's /etc/hosts, written by the builder
 * (HOSTS_DIR/NAME): itself and the peers it may reach. */
#define HOSTS_DIR_ENTRY "etc/bulkhead/hosts"
#define HOSTS_DIR "/" HOSTS_DIR_ENTRY
/* The nftables rule set the builder encoded (nfnetlink messages, one
 * batch), loaded by the init before any container starts. */
#define NET_RULES_ENTRY "etc/bulkhead/net.rules"
#define NET_RULES "/" NET_RULES_ENTRY
/* The tables the rules live in (ip and bridge families): ctl net lists
 * their named counters. */
#define NET_TABLE "bulkhead"

/* ---- user namespaces: root inside, an unprivileged range outside ---- */
/* Each container with a range (appliance.json's AJ_C_USERNS, [BASE, SIZE])
 * runs in a user namespace mapping its ids 0..SIZE-1 to BASE..BASE+SIZE-1,
 * made by the init before anything else of the container (init/userns.c)
 * and kept by a descriptor PID 1 holds, which USERNS_DIR/NAME links to
 * (/proc/PID/fd/N): its config.json joins it
 * there, its network namespace is made inside it (so that its root may
 * manage it) and a shared image is mapped into it. The builder writes its
 * own rootfs already owned by the range (image/initrd.c's id shift). */
#define USERNS_DIR CONTROL_DIR "/userns"
#define AJ_C_USERNS_BASE "userns_base" /* USERNS_MIN_BASE to USERNS_MAX_END - size + 1 */
#define AJ_C_USERNS_SIZE "userns_size" /* 1 to USERNS_SIZE; absent: no user namespace */
/* userns: auto's ranges: USERNS_AUTO_BASE + K * USERNS_SIZE, K from the
 * container's name (image/manifest-userns.c), the next free one on a clash;
 * 65536 ids cover nobody (65534). */
#define USERNS_AUTO_BASE 100000u
#define USERNS_SIZE 65536u
#define USERNS_AUTO_SLOTS ((0xffffffffu - USERNS_AUTO_BASE) / USERNS_SIZE)
/* A given range: a base of at least USERNS_MIN_BASE (0..65535 are the
 * VM's own ids) and at most USERNS_MAX_END past its last id. */
#define USERNS_MIN_BASE 65536u
#define USERNS_MAX_END 4294967294u
/* On a volume's directory: the range its ownership was shifted to, "BASE
 * SIZE" (init/volumes-ids.c), so that a later boot with another range
 * shifts it once more, and a disk without it is shifted from 0 once. */
#define VOLUME_IDS_XATTR "trusted.bulkhead.ids"

/* ---- shared images: one read-only copy, each container in its own range ---- */
/* Read-only containers with a user namespace that use the same image share
 * one erofs image of it, owned by the image's own ids (0-based, unshifted):
 * SHARED_IMAGES_DIR/N.erofs. The init mounts image N once, read-only, on
 * SHARED_IMAGES_MOUNT_DIR/N through a loop device, and gives each container
 * whose AJ_C_SHARED_IMAGE is N, at each start, an idmapped clone of that
 * mount (its user namespace's mapping), which the container process mounts
 * on its bundle's empty rootfs directory in its own mount namespace
 * (init/images.c). tmpfs, the initramfs, cannot be idmapped on Linux 6.1;
 * erofs can. */
#define SHARED_IMAGES_ENTRY "containers/images"
#define SHARED_IMAGES_DIR "/" SHARED_IMAGES_ENTRY
#define SHARED_IMAGES_MOUNT_DIR CONTROL_DIR "/images"
#define AJ_C_SHARED_IMAGE "shared_image" /* 0 to INIT_MAX_CONTAINERS / 2 - 1; absent: its own rootfs */

/* ---- secrets: supplied at run time, never in the image (docs/manifest.md) ---- */
/* QEMU's fw_cfg files under systemd's credentials prefix: bulkhead run
 * adds -fw_cfg name=SECRETS_FW_CFG_PREFIX NAME; the kernel's qemu_fw_cfg
 * shows each as SECRETS_FW_CFG_DIR/NAME/raw. QEMU takes names of at most
 * 55 bytes (FW_CFG_MAX_FILE_PATH 56 with its NUL): 28 are left for NAME. */
#define SECRETS_FW_CFG_PREFIX "opt/io.systemd.credentials/"
#define SECRETS_FW_CFG_DIR "/sys/firmware/qemu_fw_cfg/by_name/opt/io.systemd.credentials"
#define SECRET_NAME_MAX 28
_Static_assert(SECRET_NAME_MAX == 55 - (sizeof(SECRETS_FW_CFG_PREFIX) - 1), "fw_cfg names end at 55 bytes");
/* The largest secret: systemd's CREDENTIAL_SIZE_MAX. */
#define SECRET_SIZE_MAX (1024 * 1024)
/* The most secrets one appliance declares. QEMU has 32 fw_cfg file
 * slots unless told otherwise and fills about 12 itself: the ~20th
 * -fw_cfg aborts it (SIGABRT, a core with the secrets read so far). */
#define SECRETS_MAX 16
/* Elsewhere (a disk format on another hypervisor or metal): an ext4 disk
 * with this label holding one file per secret, mounted read-only. */
#define SECRETS_DISK_LABEL "bh-secrets"
/* Each receiving container's tmpfs in the init's /run (SECRETS_RUN_DIR/
 * CONTAINER, 0500, its user's), bound read-only on SECRETS_MOUNT. Not in
 * CONTROL_DIR (0700): the runtime binds it from inside the container's user
 * namespace, whose root must pass through; 0711 lists nothing to it. */
#define SECRETS_RUN_DIR "/run/bulkhead-secrets"
#define SECRETS_MOUNT "/run/secrets"
/* What bulkhead build writes beside the kernel: one line per declared
 * secret, "NAME required" or "NAME optional" (names only), for run. */
#define SECRETS_LIST_FILE "secrets"
/* appliance.json: AJ_SECRETS lists objects of AJ_SECRET_*; AJ_SECRET_MOUNTS
 * one object of AJ_SMOUNT_* per container that receives any. Both absent:
 * no secrets. */
#define AJ_SECRETS "secrets"
#define AJ_SECRET_NAME "name"         /* 1 to SECRET_NAME_MAX of [a-z0-9-] */
#define AJ_SECRET_REQUIRED "required" /* true: the boot stops without it */
#define AJ_SECRET_MOUNTS "secret_mounts"
#define AJ_SMOUNT_CONTAINER "container" /* a container's name; owner: its config.json's process.user */
#define AJ_SMOUNT_SECRETS "secrets"     /* names of declared secrets */

/* A secret's name: what the manifest may give and the init accepts. */
static inline bool secret_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= SECRET_NAME_MAX && name[0] != '-' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* How each of the init's console lines starts; bulkhead run takes the first
 * as the sign that the guest runs (KVM can run it). */
#define INIT_CONSOLE_PREFIX "[init]"

#endif
