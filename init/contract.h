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
#define CTL_FRAME_HEADER 3
#define CTL_PING_MS 1000
#define CTL_SESSION_IDLE_MS 10000
#define CTL_EXEC_REFUSED 125 /* exec's status when nothing ran: no such container, not running, ... */

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

/* How each of the init's console lines starts; bulkhead run takes the first
 * as the sign that the guest runs (KVM can run it). */
#define INIT_CONSOLE_PREFIX "[init]"

#endif
