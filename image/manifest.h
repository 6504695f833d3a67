/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The appliance manifest (YAML), validated completely before anything is
 * written. Every error reads "FILE:LINE:COL: what is wrong" and, where it
 * helps, how to fix it. */
#ifndef BULKHEAD_MANIFEST_H
#define BULKHEAD_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "../init/contract.h" /* enum restart_policy, STOP_GRACE_* */

struct diag {
	char msg[1024];
};

/* The kinds that take a PATH follow IMAGE_DIR in the order their prefixes
 * are listed in c_image. */
enum image_kind { IMAGE_BUSYBOX, IMAGE_DIR, IMAGE_TAR, IMAGE_OCI, IMAGE_DOCKER_ARCHIVE };

struct image_config; /* image/oci.c: what an image's config sets */
struct manifest_interface;

struct volume {
	char *disk;      /* a disk's label */
	size_t disk_line, disk_column;
	char *path;      /* where it appears in the container */
	char *sub;       /* the directory of the disk it binds: default the container's name */
	bool readonly;
};

/* devices: one device the container may use, beyond the standard nodes. */
struct device_entry {
	char type;          /* 'c' or 'b' */
	long major, minor;  /* -1: any (only without a path) */
	char access[4];     /* of "rwm" */
	char *path;         /* the node the runtime makes in /dev, or NULL */
};

struct disk {
	char *label;     /* ext4 label; the init mounts the disk by it */
	uint64_t bytes;
	size_t line, column;
};

/* interfaces: one NIC of the appliance, configured by the init. */
struct manifest_interface {
	char name[INTERFACE_NAME_MAX + 1]; /* default eth0, eth1, ... by position */
	bool dhcp;                         /* address: dhcp (the default) */
	struct in_addr address;            /* static only */
	unsigned prefix;                   /* static only, 1..32 */
	struct in_addr gateway;            /* static only; s_addr 0: none */
	struct in_addr dns[INTERFACE_MAX_DNS];
	size_t n_dns;
	size_t line, column;               /* the item's position, for later errors */
};

/* ---- networks: named networks the containers join (image/manifest-networks.c) ---- */

/* A container port and its protocol: "80", "53/udp". */
struct port_proto {
	uint16_t port;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* networks: one bridge in the init's network namespace. */
struct manifest_network {
	char *name;                           /* 1 to NETWORK_NAME_MAX of [a-z0-9-] */
	struct in_addr subnet;                /* network order, host bits zero */
	unsigned prefix;                      /* 16 to 29 */
	struct in_addr gateway;               /* the bridge's own address: the subnet's first host */
	char bridge[INTERFACE_NAME_MAX + 1];  /* NETWORK_BRIDGE_PREFIX NAME */
	bool joined;                          /* some container joins it */
	size_t line, column;
};

/* A container's place on one network: decided at build time. */
struct network_link {
	size_t network;                        /* index into manifest.networks */
	struct in_addr address;                /* its own, assigned in declaration order from .2 */
	char name[INTERFACE_NAME_MAX + 1];     /* inside the container: eth0, eth1, ... */
	char host_name[INTERFACE_NAME_MAX + 1];/* its veth peer on the bridge: bhc<index>n<link> */
	uint8_t mac[6];                        /* 02:b4 and the address's four bytes */
	size_t line, column;
};

/* ports: a port of the appliance's NICs forwarded to the container. */
struct publish_port {
	uint16_t appliance_port;   /* on every interface of the appliance */
	uint16_t container_port;
	uint8_t proto;             /* IPPROTO_TCP or IPPROTO_UDP */
	size_t line, column;
};

/* allow: this container may open connections to TO on PORTS. */
struct allow_rule {
	char *to;                  /* a container's name */
	const struct container *target; /* resolved once every container is read */
	struct port_proto *ports;  /* at least one */
	size_t n_ports;
	size_t line, column;
};

/* egress: this container may open connections beyond the appliance. */
struct egress_rule {
	struct in_addr address;    /* network order, host bits zero */
	unsigned prefix;           /* 0 to 32 */
	struct port_proto *ports;  /* NULL: every port of TCP and UDP */
	size_t n_ports;
	size_t line, column;
};

/* secrets: a secret supplied at run time (image/secrets.c). */
struct secret_decl {
	char *name;      /* secret_name_valid */
	bool required;   /* default true: the boot stops without it */
	bool received;   /* some container names it */
	size_t line, column;
};

/* A container's secrets: item, the name as written and where. */
struct secret_ref {
	char *name;
	size_t line, column;
};

struct file_entry {
	char *path;      /* absolute, in the container */
	char *contents;  /* or: */
	char *source;    /* a host file, relative to the manifest's directory */
	unsigned mode;   /* default 0644 */
	unsigned uid, gid;
};

struct named_value {
	char *name;
	char *value;
	size_t line, column;
};

struct rlimit_entry {
	char *type;      /* "RLIMIT_NOFILE" */
	uint64_t soft, hard;
};

/* AppArmor-like path rules: Landlock allow-lists, masks for deny. A NULL
 * list keeps its default (read and exec beneath /, write beneath /tmp). */
struct path_rules {
	char **read, **write, **exec, **deny;
};

/* healthcheck: (image/manifest-health.c), or an image's Healthcheck. */
enum health_given { HEALTH_UNSET, HEALTH_DISABLED, HEALTH_GIVEN };
struct health_check {
	enum health_given given;   /* UNSET: none in the manifest (the image's applies) */
	enum health_probe probe;
	char **command;            /* exec: NULL-terminated */
	unsigned port;             /* tcp, http */
	char *path;                /* http */
	uint64_t interval_ms, timeout_ms, start_period_ms, retries;
	enum health_action on_failure;
	size_t line, column;       /* where it stands: the image's takes the container's */
};

/* signature: proof of where an archive image comes from, read by
 * image/manifest-signature.c and checked at build time by image/signature.c. */
struct signature_input {
	char *given;             /* as the manifest wrote it, for messages */
	char *path;              /* the host file, beneath the build context */
	size_t line, column;     /* 1-based, where its value stands */
};
struct image_signature {
	bool given;
	struct signature_input key, payload, signature;
	size_t line, column;     /* 1-based, where signature: stands */
};

struct container {
	char *name;
	size_t name_line, name_column; /* where the name stands, for later errors */
	const char *phase;   /* "onboot" or "services" */
	enum image_kind image_kind;
	char *image;         /* as the manifest names it, for messages */
	char *image_path;    /* every kind but busybox: the absolute path of the directory or file */
	char *image_ref;     /* OCI: a tag or "sha256:HEX" digest; DOCKER_ARCHIVE: a repository tag;
				NULL: the archive's only image */
	char *image_digest;  /* OCI: the manifest's digest; DOCKER_ARCHIVE: the config's (the image
				ID); TAR: the file's (tar-image.c). Two containers with one kind, path
				and digest have one image. */
	/* The image config's User ("1000:1000", "nginx"), as the image gives it:
	 * only the image's default. The manifest's own user: key and the name
	 * lookup live in a separate field (user), which takes precedence. */
	char *image_user;
	struct image_config *image_config; /* between c_image and add_container only */
	struct image_signature signature;  /* signature: (image/manifest-signature.c) */
	char **command;      /* NULL-terminated */
	size_t command_line, command_column; /* where command: stands, for the build's exec checks (0: not given) */
	char **env;          /* NULL-terminated "KEY=value" */
	char *cwd;
	char *hostname;
	uint64_t capabilities; /* bit N = capability N */
	char *user;            /* "name", "uid", "name:group", "uid:gid"; resolved at build */
	size_t user_line, user_column;
	struct {
		bool resolved;
		unsigned uid, gid;
		unsigned groups[32]; /* supplementary groups from the image's /etc/group */
		size_t n_groups;
	} ids;                 /* set by the build from the image */
	bool seccomp_unconfined;
	char *seccomp_profile; /* an OCI or Docker seccomp JSON file, as the path to open */
	size_t seccomp_line, seccomp_column;
	struct path_rules paths;
	struct named_value *sysctl;
	size_t n_sysctl;
	struct rlimit_entry *rlimits;
	size_t n_rlimits;
	struct file_entry *files;
	size_t n_files;
	bool readonly;
	bool host_network;     /* network: host shares the appliance's network namespace */
	struct network_link *links;   /* networks: the networks it joins, in its order */
	size_t n_links;
	size_t networks_line, networks_column;
	struct publish_port *ports;   /* ports: */
	size_t n_ports;
	struct allow_rule *allow;     /* allow: */
	size_t n_allow;
	struct egress_rule *egress;   /* egress: */
	size_t n_egress;
	/* supervision (services only) */
	enum restart_policy restart;
	uint64_t max_restarts;  /* 0: no limit */
	char **depends_on;      /* names of services, NULL-terminated */
	uint64_t stop_grace_ms; /* 0: the appliance's default */
	char **depends_healthy;  /* of depends_on: those to wait for until healthy (condition: service_healthy) */
	size_t depends_line, depends_column;
	struct health_check health;
	/* lifecycle (image/manifest-lifecycle.c) */
	bool init;                  /* init: true: the init's reaper is its PID 1 */
	enum on_exit_action on_exit; /* on_exit: what its end for good does */
	/* 0: its own rootfs (or an earlier one's, userns: off); N: it mounts
	 * the erofs image N - 1 (image/shared-images.c decides). */
	size_t shared_image;
	struct volume *volumes;
	size_t n_volumes;
	struct device_entry *devices;
	size_t n_devices;
	/* userns: (image/manifest-userns.c): its ids 0..size-1 map to
	 * base..; size 0: userns: off. Auto ranges are given by
	 * userns_assign once every container is known. */
	struct {
		uint32_t base, size;
		bool off;             /* userns: off */
		bool given;           /* an explicit {base, size} */
		size_t line, column;  /* where userns: stands (0: not given) */
	} userns;
	struct secret_ref *secrets;   /* secrets: what it receives at /run/secrets */
	size_t n_secrets;
	/* resources; 0: not set */
	uint64_t memory_bytes;
	uint64_t cpu_millis;    /* 500 = half a CPU */
	uint64_t pids;
	uint64_t io_weight;     /* 10..1000 */
};

struct manifest {
	char *path;
	char *name;
	char *hostname;
	char *kernel;         /* "debian", "minimal" or "path" */
	char *kernel_path;    /* kernel: {path}: the image, joined with the manifest's directory */
	char *kernel_modules; /* kernel: {modules}: lib/modules/VERSION, or NULL */
	struct container *onboot;
	size_t n_onboot;
	struct container *services;
	size_t n_services;
	struct container *onshutdown;
	size_t n_onshutdown;
	bool onboot_continue;     /* onboot_failure: continue (default: halt) */
	char *exit_status_from;   /* the container whose status is the appliance's */
	uint64_t stop_grace_ms;   /* default for services and onshutdown (STOP_GRACE_DEFAULT_MS) */
	struct disk *disks;
	size_t n_disks;
	struct manifest_interface *interfaces; /* NULL: no NIC configured (lo only) */
	size_t n_interfaces;
	struct manifest_network *networks;     /* networks: */
	size_t n_networks;
	struct secret_decl *secrets;          /* secrets: */
	size_t n_secrets;
};

/* Returns 0, or -1 with the first error in diag. Every host path the
 * manifest names must lie beneath CONTEXT (NULL: the manifest's directory),
 * which becomes the process's build context (context.c); relative paths
 * start from the manifest's directory whatever the context. */
int manifest_load_in(const char *path, const char *context, struct manifest *m, struct diag *diag);
int manifest_load(const char *path, struct manifest *m, struct diag *diag);
void manifest_free(struct manifest *m);

/* -1 with "FILE:LINE:COL: ..." when C runs as an id past its user range
 * (known once its image resolved its user: image/manifest-userns.c). */
int userns_check_ids(const char *manifest, const struct container *c, struct diag *d);

/* init: true under a seccomp filter (image/manifest-lifecycle.c): -1 with
 * "FILE:LINE:COL: ..." when CONFIG_JSON's linux.seccomp refuses a call the
 * init's reaper makes; 0 otherwise (no init: true, no filter). */
int lifecycle_check_seccomp(const char *manifest, const struct container *c, const char *config_json, struct diag *d);

/* Edit distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

#endif
