/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host builder's parts. Library-style like the runtime: functions return
 * 0 or -1 with a message in a caller-owned struct diag; only main() prints. */
#ifndef BULKHEAD_IMAGE_H
#define BULKHEAD_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../runtime/util.h"
#include "manifest.h"
#include "../init/contract.h"

/* ---- util.c: the builder's small helpers ---- */
/* Formats the message into d and returns -1: "return diag_fail(d, ...)". */
__attribute__((format(printf, 2, 3))) int diag_fail(struct diag *d, const char *fmt, ...);
/* diag_fail, and then ": " and strerror(ERRNUM) appended (ERRNUM positive:
 * errno, or -r of a function that returned -errno). */
__attribute__((format(printf, 3, 4))) int diag_errno(struct diag *d, int errnum, const char *fmt, ...);
/* Puts the formatted text before the message already in d. */
__attribute__((format(printf, 2, 3))) void diag_prefix(struct diag *d, const char *fmt, ...);
/* Frees a NULL-terminated string vector and its strings; NULL is fine. */
void free_strv(char **v);
/* rm -rf PATH, not following symlinks; best effort (what cannot go stays). */
void remove_tree(const char *path);
/* Copies FROM to TO (created 0644 or truncated). Returns 0 or -1 with d set. */
int copy_file(const char *from, const char *to, struct diag *d);
/* PATH's first line, without its newline ("" for an empty file), into OUT.
 * Returns 0 or -errno. */
int read_first_line(const char *path, char *out, size_t size);

/* ---- context.c: the build context, beneath which a manifest's inputs lie ---- */
/* Sets the context to DIR's real path. Returns 0 or -errno. */
int context_set(const char *dir);
/* Its real path ("" when none is set: nothing is confined). */
const char *context_root(void);
/* Opens PATH with FLAGS (O_PATH: just the O_PATH descriptor) only when what
 * it leads to, after every symlink and "..", lies beneath the context; the
 * check is made on the opened file, not on the path. Returns the
 * descriptor, or -errno: -EXDEV when outside. REAL (SIZE bytes, or NULL)
 * gets where it leads. */
int input_open(const char *path, int flags, char *real, size_t size);
/* 0 when PATH (GIVEN: as the manifest wrote it) lies beneath the context;
 * -1 with d saying where it leads and how to fix it, or why it cannot be
 * opened. */
int input_check(const char *given, const char *path, struct diag *d);
/* strerror, but -EXDEV from input_open says what it means. */
const char *input_strerror(int e);
struct initrd;
/* initrd_file for a manifest's input: SOURCE, a regular file beneath the
 * context, is read through the descriptor that was checked. */
int input_file(struct initrd *w, const char *path, const char *source, mode_t mode, struct diag *d);

/* ---- limits.c: what the kernel would refuse at a container's start ---- */
/* CONFIG_JSON: the container's generated config.json. Its args and env
 * within exec's limits (each string, and all with their pointers for the
 * stack limit the container gets). Returns 0, or -1 with
 * "MANIFEST:LINE:COL: container NAME: ..." in d. */
int limits_check_exec(const char *config_json, const struct container *c, const char *manifest, struct diag *d);
/* A compiled seccomp filter of BPF_LEN bytes within what seccomp(2) loads. */
int limits_check_seccomp(size_t bpf_len, const struct container *c, const char *manifest, struct diag *d);
/* Its paths (cwd, volumes, files, paths:) short enough for the runtime
 * to join to the container's root. */
int limits_check_paths(const struct container *c, const char *manifest, struct diag *d);

/* ---- bundle.c ---- */
/* Returns malloc'd JSON text, or NULL (out of memory, or a bad seccomp
 * profile, with d set). SECCOMP_BPF: the
 * bundle's file holding the compiled filter, named when the config has a
 * filter, or NULL. ROOT_PATH: root.path when the rootfs is not the
 * bundle's own (NULL: "rootfs"). */
char *bundle_config_json(const struct container *c, const char *seccomp_bpf, const char *root_path, struct diag *d);
/* Checks C's CONFIG_JSON, the config.json of the bundle at BUNDLE_DIR in
 * the image, with the runtime's parser, and compiles its seccomp filter:
 * *BPF (malloc'd, *LEN bytes) or NULL when it has none. Touches no file
 * system. Returns 0, or -1 with d set: a mistake in linux.seccomp that
 * came from C's seccomp profile as "MANIFEST:LINE:COL: container NAME:
 * seccomp profile ...". */
int bundle_compile_seccomp(const char *manifest, const struct container *c, const char *config_json,
			   const char *bundle_dir, void **bpf, size_t *len, struct diag *d);

/* ---- appliance.c: the writer of init/appliance.c's reader ---- */
/* appliance.json (docs/appliance.md) as malloc'd text, or NULL without
 * memory. MODULES: the kernel modules in load order, as paths in the image. */
/* A networked container's /etc/hosts: localhost, itself, and the peers its
 * allow rules let it reach, at their addresses on the networks they share. */
char *bundle_hosts(const struct container *c);
/* net-rules.c: the nftables rule set of M's networks, as one nfnetlink
 * batch for the init to send (*OUT, malloc'd, *LEN bytes). */
int net_rules_encode(const struct manifest *m, void **out, size_t *len, struct diag *d);
/* appliance.json for M: MODULES to load (NULL-terminated), each with the
 * parameters in OPTIONS (parallel to it, NULL entries for none; or NULL);
 * the last BACKGROUND of them needed by no container's start. */
char *appliance_json(const struct manifest *m, char *const *modules, const char *const *options, size_t background);
/* The bundle's directory inside the image, without a leading slash. */
void bundle_dir(const struct container *c, size_t index, char *out, size_t size);

/* ---- initrd.c: a reproducible, compressed cpio archive ---- */
struct initrd;
struct initrd *initrd_open(const char *path, struct diag *d);
/* Paths are relative to the archive's root. Missing parent directories are
 * added first, since the kernel's unpacker does not create them. */
int initrd_dir(struct initrd *w, const char *path, mode_t mode, struct diag *d);
int initrd_file(struct initrd *w, const char *path, const char *source, mode_t mode, struct diag *d);
int initrd_data(struct initrd *w, const char *path, const void *data, size_t len, mode_t mode,
		struct diag *d);
int initrd_symlink(struct initrd *w, const char *path, const char *target, struct diag *d);
int initrd_device(struct initrd *w, const char *path, mode_t mode, unsigned major, unsigned minor,
		  struct diag *d);
/* Sets the owner of the entries that follow (default 0:0). */
void initrd_owner(struct initrd *w, uid_t uid, gid_t gid);
/* From now on every owner is shifted into the user range BASE..BASE+SIZE-1
 * (a container's rootfs, written as its user namespace sees it: its root is
 * BASE outside); SIZE 0 ends it. */
void initrd_id_shift(struct initrd *w, uint32_t base, uint32_t size);
bool initrd_has(struct initrd *w, const char *path);
/* Bytes of archive written so far, before compression. */
long long initrd_bytes(struct initrd *w);
/* What the archive written so far takes once unpacked into the kernel's
 * tmpfs: file data in whole pages (the tmpfs's size limit counts these),
 * and the number of entries (each an inode and a dentry besides). */
long long initrd_unpacked_bytes(struct initrd *w);
long long initrd_entries(struct initrd *w);
int initrd_close(struct initrd *w, struct diag *d);

/* ---- modules.c ---- */
/* The modules WANTED (names, NULL-terminated) and what they depend on, in
 * load order, as paths relative to DIR (the kernel's modules directory).
 * What the first N_FIRST of WANTED bring comes first: *FIRST entries. */
int modules_resolve(const char *dir, const char *const *wanted, size_t n_first, char ***order, size_t *first,
		    struct diag *d);
/* Writes them into the initrd; IMAGE_PATHS gets their paths there. */
int modules_write(struct initrd *w, const char *dir, char *const *order, char ***image_paths, struct diag *d);
/* The parameters the init loads the module at PATH with, or NULL. */
const char *modules_options(const char *path);

/* ---- source.c: where an image is and what its config says, at manifest load ---- */
/* Resolves C->image (kind already set) against DIR, the manifest's
 * directory: fills image_path, image_ref, and for OCI and docker images
 * image_digest and image_config, reading and verifying index, manifest and
 * config. Returns 0, or -1 with what is wrong in d (without the image's name). */
int image_locate(struct container *c, const char *dir, struct diag *d);
/* Makes the image config the container's defaults and frees it: command =
 * Entrypoint + (the manifest's command, or Cmd); env merged, the manifest
 * winning per key; cwd defaults to WorkingDir; User goes to image_user.
 * Returns 0 or -ENOMEM. */
int image_apply_config(struct container *c);
void image_config_free(struct image_config *ic);

/* ---- manifest-health.c ---- */
struct json_t;
/* An image config's Healthcheck (Test, Interval, ... in nanoseconds) into
 * *OUT (NULL: none given); 0, or -1 with what is wrong in d. */
int health_from_image_json(struct json_t *healthcheck, struct health_check **out, struct diag *d);
void health_check_free(struct health_check *h);

/* ---- oci.c: OCI image layouts and docker save archives ---- */
struct image_config {
	char **entrypoint, **cmd, **env; /* NULL-terminated, or NULL when unset */
	char *workdir, *user;             /* NULL when unset */
	struct health_check *health;      /* Healthcheck; NULL when unset */
};
/* Reads the image at PATH (kind OCI or DOCKER_ARCHIVE; a directory or an
 * archive of one) chosen by REF (NULL: the only one): its digest and config.
 * Every blob read is checked against its digest and size first. */
int oci_inspect(enum image_kind kind, const char *path, const char *ref, char **digest, struct image_config *config,
		struct diag *d);
/* Applies the layers of C's image in order, with OCI whiteouts, into the
 * empty directory DIRFD. Refuses any layer whose digest does not match
 * before a byte of it is used. */
int oci_unpack(const struct container *c, int dirfd, struct diag *d);
/* The cosign signature kept in the OCI layout at PATH beside the image
 * DIGEST, by cosign's convention: the tag sha256-HEX.sig names a manifest
 * whose first layer is the simple-signing payload (checked against its
 * digest; into PAYLOAD, LEN bytes) and carries the base64 signature in its
 * annotation dev.cosignproject.cosign/signature (into SIGNATURE). */
int oci_cosign_signature(const char *path, const char *digest, char **payload, size_t *len, char **signature,
			 struct diag *d);

/* ---- tar-image.c: tar: images ---- */
/* "sha256:HEX" of the file at PATH's bytes as given (compressed or not),
 * into DIGEST (the caller frees it): what a signature names. */
int tar_image_digest(const char *path, char **digest, struct diag *d);
/* C's tar: image, as it is (no whiteouts), into the empty directory DIRFD;
 * fails when the file's bytes no longer hash to C's image_digest. */
int tar_image_unpack(const struct container *c, int dirfd, struct diag *d);

/* ---- unpack.c: tar streams into a directory, confined to it ---- */
/* A reader for any tar (or other archive libarchive knows), compressed
 * with anything libarchive knows; NULL when out of memory. */
struct archive *unpack_reader(void);
/* Whiteouts found in a layer: paths relative to the layer's root. */
struct whiteouts {
	char **paths;  /* .wh.NAME: NAME is deleted from the layers below */
	char **opaque; /* .wh..wh..opq: the directory's lower contents are deleted */
	size_t n_paths, n_opaque;
};
/* Both read A, an opened reader, to its end (the caller frees it); WHAT
 * names it in messages. */
int unpack_scan(struct archive *a, const char *what, struct whiteouts *w, struct diag *d);
/* LAYER: skip whiteout entries (apply them first with unpack_whiteouts).
 * Owners are kept when running as root; device nodes never are (no node
 * of an image is made on the builder's host). */
int unpack_extract(struct archive *a, int dirfd, bool layer, const char *what, struct diag *d);
int unpack_whiteouts(int dirfd, const struct whiteouts *w, struct diag *d);
void whiteouts_free(struct whiteouts *w);
/* Rewrites PATH in place without "." components, doubled or trailing
 * slashes. RESOLVE: ".." takes a component off, and false means it would
 * climb above the start; otherwise false for an absolute path or any
 * "..": nothing in an image may name a place outside it. */
bool path_clean(char *path, bool resolve);
/* Removes NAME below DIRFD and all it holds, never following a symlink. */
int remove_at(int dirfd, const char *name);

/* What the build leaves out of an image: device nodes (a container gets
 * /dev from the runtime, and a node of the image would reach the VM's own
 * disks and serial lines), FIFOs and sockets (runtime objects; a FIFO in a
 * rootfs that two containers share would be a channel between them). */
struct node_drops {
	unsigned devices, others; /* others: FIFOs and sockets */
	char first[256];          /* the first device node dropped, as a path in the image */
	size_t strip;             /* rootfs.c: the source directory's length, not part of that path */
};
/* While set (non-NULL), unpack_extract counts the device nodes it leaves
 * out in SINK: the builder is single-threaded, and the unpack calls below
 * rootfs_unpack keep their signatures. */
void unpack_count_drops(struct node_drops *sink);
/* Counts one dropped entry at PATH (relative to the image's root). */
void node_drops_add(struct node_drops *drops, const char *path, bool device);

/* ---- rootfs.c ---- */
struct tools {
	const char *init;    /* the static bulkhead-init */
	const char *kernel;         /* --kernel: this image whatever the manifest says, or NULL */
	const char *kernel_debian;  /* kernel: debian, as make deps unpacks it */
	const char *kernel_minimal; /* kernel: minimal, as make kernel builds it */
	const char *busybox; /* a static busybox for image: busybox */
};
/* Archives and images (tar:, oci:, docker-archive:) are unpacked into a
 * directory made below SCRATCH, named in DIR ("" for busybox and dir:,
 * which need none); the caller removes it once the rootfs is written. */
int rootfs_unpack(const struct container *c, const char *scratch, char *dir, size_t size, struct node_drops *drops,
		  struct diag *d);
/* Writes the container's root filesystem below PREFIX, from UNPACKED for
 * the kinds rootfs_unpack unpacks. */
int rootfs_write(struct initrd *w, const char *prefix, const struct container *c, const struct tools *t,
		 const char *unpacked, struct node_drops *drops, struct diag *d);
/* The manifest's user: as ids, looked up in the image's /etc/passwd and
 * /etc/group (UNPACKED's, for the kinds rootfs_unpack unpacks); fills c->ids. */
int rootfs_resolve_user(struct container *c, const char *unpacked, struct diag *d);
/* The manifest's files:, written over the image. */
int rootfs_write_files(struct initrd *w, const char *prefix, const struct container *c, struct diag *d);

/* ---- shared-images.c: one erofs image for read-only containers in ranges ---- */
/* Whether A and B name the same image (kind, path, digest). */
bool same_image(const struct container *a, const struct container *b);
/* Sets each container's shared_image: N (from 1) for every read-only
 * container with a user namespace and no files: whose image two or more
 * such containers in more than one range use (receivers of secrets apart),
 * numbered in image order; 0 for the others. Returns how many shared
 * images there are. */
size_t shared_images_plan(struct manifest *m);
/* Writes LEADER's image (the first of its group; UNPACKED as for
 * rootfs_write, DROPS counting what it leaves out) into W as
 * SHARED_IMAGES_ENTRY/N.erofs: the image's own ids, the mount points
 * every container of the group needs, reproducible. Works in SCRATCH.
 * Returns 0 or -1 with d set. */
int shared_image_write(struct initrd *w, const struct manifest *m, const struct container *leader,
		       const struct tools *t, const char *unpacked, struct node_drops *drops, const char *scratch,
		       struct diag *d);

/* ---- spawn.c ---- */
/* Starts ARGV[0], found on PATH, with ENV ("NAME=VALUE", NULL-terminated,
 * or NULL) added to this environment and its stdin, stdout and stderr on
 * IN, OUT and ERR (-1: this process's). Returns its pid, or -errno when it
 * could not be started (-ENOENT: not found). */
pid_t spawn(const char *const argv[], const char *const env[], int in, int out, int err);
/* Runs ARGV to completion with INPUT (or nothing) on its stdin and its
 * output dropped. Returns 0 when it exits 0, or -1 with d naming the tool
 * and its last line of stderr; a tool not found is named with PACKAGE,
 * the Debian package that provides it. */
int run_tool(const char *const argv[], const char *const env[], const char *input, const char *package,
	     struct diag *d);

/* ---- disk.c: output formats ---- */
enum { FORMAT_KERNEL_INITRD, FORMAT_RAW_EFI, FORMAT_QCOW2, N_FORMATS };
struct format {
	const char *name; /* as --format takes it */
	const char *file; /* in the output directory; bulkhead run knows the format by it */
	const char *qemu; /* the disk's format for QEMU; NULL: no disk */
};
extern const struct format formats[N_FORMATS];
/* The format called NAME, or -1. */
int format_named(const char *name);
/* The format of the appliance in DIR, by the files it holds. */
int format_of(const char *dir);
/* Turns DIR/kernel and DIR/initrd.img into DIR's disk of FORMAT (raw-efi
 * or qcow2) that boots with CMDLINE, and removes them. */
int disk_write(const char *dir, int format, const char *cmdline, struct diag *d);
/* Whether KERNEL (a bzImage) carries an EFI stub, which a disk's UEFI boot
 * needs (CONFIG_EFI_STUB). */
bool disk_kernel_has_efi_stub(const char *kernel);

/* ---- build.c, run.c ---- */
/* The kernel's command line, and what bulkhead run's QEMU adds to it: the
 * init's exit status through isa-debug-exit, its control protocol on the
 * second serial port. A disk format holds both, since nothing can add the
 * second when firmware boots it. */
#define KERNEL_CMDLINE "console=ttyS0 panic=-1 quiet"
#define QEMU_CMDLINE BOOT_OPTION_EXIT BOOT_EXIT_ISA_DEBUG_EXIT " " BOOT_OPTION_CTL BOOT_CTL_TTY
/* The host's end of a booted appliance's control line, in its directory:
 * bulkhead run makes it, bulkhead ctl --vm DIR connects to it. */
#define RUN_CTL_SOCKET "ctl.sock"
/* Memory for an appliance whose cmdline records none (built before it did). */
#define RUN_DEFAULT_MEMORY_MB 256
/* The disks bulkhead run attaches (run.c's disk_args); the builder refuses more. */
#define RUN_MAX_DISKS 16

struct build_options {
	const char *manifest;
	const char *context; /* --context: the build context (NULL: the manifest's directory) */
	const char *output;
	bool quiet;
	bool require_signatures; /* --require-signatures: every archive image is signed (signature.c) */
	int format; /* FORMAT_* */
	struct tools tools;
};
int build_appliance(const struct build_options *o, struct diag *d);

/* ---- sbom.c, sbom-show.c: the SPDX 2.3 SBOM a build writes beside its outputs ---- */
struct sbom;
/* Adds the image container C runs (*S made on the first call): its digest,
 * and the packages it says it holds, read from UNPACKED (its directory in
 * the staging area; dir: and busybox images are read where they are). An
 * image several containers run is read once. Returns 0 or -1 with d set. */
int sbom_add_image(struct sbom **s, const struct container *c, const char *unpacked, const struct tools *t,
		   struct diag *d);
/* Writes DIR/sbom.spdx.json: M's appliance, KERNEL (the file packed, with
 * the config beside it), T's init and the runtime linked into it, and S's
 * images (S may be NULL). Returns 0 or -1 with d set. */
int sbom_write(const struct sbom *s, const char *dir, const struct manifest *m, const char *kernel,
	       const struct tools *t, struct diag *d);
void sbom_free(struct sbom *s);
/* bulkhead sbom: the SBOM at PATH (a file, or an appliance directory
 * holding one) as a table on stdout; PACKAGES: each image's packages
 * listed, not only counted. Returns 0 or -1 with d set (unreadable, not
 * JSON, not an SPDX 2.3 document). */
int sbom_show(const char *path, bool packages, struct diag *d);
/* bulkhead sbom's arguments (ARGV[0] is "sbom"); its exit status. */
int sbom_command(int argc, char **argv);
#define SBOM_USAGE                                                                          \
	"  bulkhead sbom [--packages] DIR\n"                                                 \
	"      Print the SBOM bulkhead build wrote beside the appliance in DIR\n"            \
	"      (DIR/sbom.spdx.json, an SPDX 2.3 JSON document; DIR may also be that\n"       \
	"      file) as a table: the kernel and the config it was built with, the init,\n"   \
	"      the runtime linked into it and each container's image, each with its\n"      \
	"      version and sha256 digest, and how many packages each image holds (as\n"     \
	"      its dpkg status, apk database or busybox binary says).\n"                      \
	"        -p, --packages     list each image's packages: name, version, architecture\n" \
	"      Exit 1 when the file cannot be read or is not an SPDX 2.3 document;\n"       \
	"      2 for a wrong option.\n"

/* ---- accel.c: KVM or TCG ---- */
enum { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG, N_ACCELS };
extern const char *const accel_names[N_ACCELS];
/* The accelerator called NAME, or -1. */
int accel_named(const char *name);
/* What to boot with when WANTED (ACCEL_*) is asked for: TCG when asked, or
 * when auto finds no usable /dev/kvm or remembers that KVM could not run a
 * guest since the host booted (WHY then says so); KVM otherwise. -1 with d
 * set when kvm is asked for and /dev/kvm cannot be opened. */
int accel_choose(int wanted, char *why, size_t size, struct diag *d);
/* Remembers, until the host reboots, that KVM could not run a guest, and
 * WHY. Returns 0 or -errno (no boot id, no cache directory to write in). */
int accel_remember_unusable(const char *why);
/* Forgets it: the next auto boot tries KVM again. Returns 0 (also when
 * nothing was remembered) or -errno. */
int accel_forget(void);

/* ---- run-net.c: the VM's NIC (bulkhead run --net, --publish) ---- */
/* How the VM's one NIC meets the host: QEMU's user networking (restricted:
 * no egress), a tap device, a bridge through QEMU's bridge helper, or no
 * NIC at all. */
enum { RUN_NET_USER, RUN_NET_NONE, RUN_NET_TAP, RUN_NET_BRIDGE };
/* The forwards one -netdev user carries; more are refused. */
#define RUN_MAX_PUBLISH 32
/* One --publish: a host port (on ADDR) forwarded to a port of the VM. */
struct run_publish {
	const char *spec;  /* as the user wrote it, for messages */
	char addr[16];     /* dotted IPv4; 127.0.0.1 unless the spec named one */
	unsigned host_port, guest_port;
	bool udp;
};
struct run_net {
	int mode;          /* RUN_NET_* */
	char ifname[16];   /* tap: the tap device; bridge: the bridge (IFNAMSIZ) */
	struct run_publish publish[RUN_MAX_PUBLISH];
	size_t n_publish;
};
/* --net SPEC (none, user, tap:IF, bridge:BR) into NET's mode and ifname.
 * Returns 0, or -1 with what is wrong and how to fix it in d. */
int run_net_parse(struct run_net *net, const char *spec, struct diag *d);
/* Adds --publish SPEC ([ADDR:]HOST:GUEST[/tcp|/udp]) to NET: ports
 * 1-65535, ADDR dotted IPv4, a host port and protocol not published
 * before. Returns 0, or -1 with what is wrong and how to fix it in d. */
int run_publish_add(struct run_net *net, const char *spec, struct diag *d);
/* What needs all the options: --publish only with --net user. */
int run_net_check(const struct run_net *net, struct diag *d);
/* QEMU's -netdev and -device values for NET on the pc or microvm machine,
 * into NETDEV and DEVICE; EGRESS (the build's BOOT_OPTION_EGRESS) lets the
 * user network out. Returns false when the VM gets no NIC. */
bool run_net_qemu_args(const struct run_net *net, bool microvm, bool egress, char *netdev, size_t netdev_size,
		       char *device, size_t device_size);
/* When QEMU_SAID (the end of QEMU's stderr, LEN bytes) says QEMU could not
 * set up the NIC, a message naming the option, the port or the device and
 * what to do goes into d and this returns true. */
bool run_net_failed(const struct run_net *net, const char *qemu_said, size_t len, struct diag *d);

struct run_options {
	const char *dir;
	struct run_net net;
	int timeout_s;   /* 0: none */
	int memory_mb;   /* 0: what bulkhead build recorded in DIR/cmdline */
	int accel;       /* ACCEL_* */
	bool debug;      /* bulkhead.debug: the init prints each boot phase's duration */
	bool microvm;    /* QEMU's microvm machine (no PCI, virtio on MMIO) instead of pc */
	char **secret_args; /* QEMU's -fw_cfg pairs for --secret (secrets_run_args), or NULL */
	/* Told one line for the user (which accelerator and why, a memory
	 * below the appliance's need) before the boot it concerns. */
	void (*notice)(const char *line);
};
/* Boots the appliance and returns its exit status, or -1 with d set. */
int run_appliance(const struct run_options *o, struct diag *d);

/* ---- net-rules.c: the containers' firewall (docs/networks.md) ---- */
/* The nftables batch for M's networks, ports, allow and egress, as the
 * init loads it from NET_RULES: *OUT (malloc'd, *LEN bytes). Meant for a
 * manifest with at least one network; the same manifest always gives the
 * same bytes. Returns 0, or -1 with d set. */
int net_rules_encode(const struct manifest *m, void **out, size_t *len, struct diag *d);

/* ---- secrets.c, run-secrets.c: secrets supplied at run time (docs/manifest.md, Secrets) ---- */
struct json_t;
/* AJ_SECRETS and AJ_SECRET_MOUNTS into ROOT when M declares secrets. */
void secrets_appliance_json(const struct manifest *m, struct json_t *root);
/* C's read-only bind of its secrets tmpfs on SECRETS_MOUNT, when it has any. */
void secrets_bundle_mount(struct json_t *config, const struct container *c);
/* The modules reading secrets need, into WANTED (room for 6): how many. */
size_t secrets_modules(const struct manifest *m, const char **wanted);
/* DIR/SECRETS_LIST_FILE: the declared names. Returns 0 or -1 with d set. */
int secrets_write_list(const struct manifest *m, const char *dir, struct diag *d);
/* SPECS (N of NAME=FILE) checked against the secrets the appliance in DIR
 * declares (each declared, each file readable and small enough, every
 * required one given) into QEMU's -fw_cfg arguments (*ARGS, NULL-ended, to
 * free with free_strv). Returns 0 or -1 with d set. */
int secrets_run_args(const char *dir, char *const *specs, size_t n, char ***args, struct diag *d);
/* Writes PATH: an ext4 image labelled SECRETS_DISK_LABEL holding each of
 * SPECS's files as NAME (root's, 0400). Returns 0 or -1 with d set. */
int secrets_disk_write(const char *path, char *const *specs, size_t n, struct diag *d);

/* ---- kernel.c ---- */
/* Prints, for each symbol of the kernel contract, whether CONFIG has it
 * (QUIET: only what is missing), then a summary. Returns the number of
 * required features missing, or -1 with d set. */
int check_kernel(const char *config, bool quiet, struct diag *d);

/* ---- ctl.c ---- */
/* Sends COMMAND [ARG] to the init at the socket path WHERE and copies the answer to stdout. Returns 0, 1
 * when the init answered with an error, or -1 with d set. */
int ctl_command(const char *where, bool serial, const char *command, const char *arg, struct diag *d);
/* Connects to WHERE; SERIAL (--vm): takes the line's lock (*LOCK_FD, to
 * close at the end) and syncs it. The connection, or -1 with D. */
int ctl_connect(const char *where, bool serial, int *lock_fd, struct diag *d);
/* ---- ctl-session.c: exec and logs -f ---- */
/* Runs ARGV in NAME's container; returns its status (CTL_EXEC_REFUSED when
 * the init refused), or -1 with D when the appliance cannot be reached. */
int ctl_exec(const char *where, bool serial, const char *name, bool interactive, bool terminal, char *const *argv,
	     struct diag *d);
/* Follows NAME's log until SIGINT, SIGTERM or SIGHUP: 0, 1 for an error answer, -1 with D. */
int ctl_follow(const char *where, bool serial, const char *name, struct diag *d);
/* Sends TEXT to the socket at WHERE and drops the answer. */
int ctl_raw(const char *where, const char *text, struct diag *d);
/* Presses the ACPI power button of the appliance `bulkhead run DIR` boots. */
int stop_appliance(const char *dir, struct diag *d);

#endif
