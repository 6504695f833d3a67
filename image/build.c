/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead build: manifest in, appliance directory out. The output appears
 * whole or not at all: everything is written beside it and renamed into
 * place at the end, and an existing directory that is not an appliance is
 * never replaced. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "signature.h"

/* Written into every appliance; its presence marks a directory as ours. */
#define CMDLINE_FILE "cmdline"

struct progress {
	bool quiet;
	int step, steps;
};

__attribute__((format(printf, 2, 3))) static void say(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->quiet)
		return;
	printf("[%d/%d] ", ++p->step, p->steps);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* mkdir -p of OUTPUT's parent, so that -o out/NAME works in a fresh tree. */
static int make_parent(const char *output, struct diag *d)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", output);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return diag_errno(d, errno, "%s", path);
		*p = '/';
	}
	return 0;
}

static int write_text(const char *path, const char *text, struct diag *d)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return diag_errno(d, errno, "%s", path);
	fputs(text, f);
	if (fclose(f) != 0)
		return diag_errno(d, errno, "%s", path);
	return 0;
}

static int check_tools(const struct tools *t, struct diag *d)
{
	static const char *const hints[] = { "run make all", "apt-get install busybox-static" };
	const char *paths[] = { t->init, t->busybox };

	for (size_t i = 0; i < 2; i++)
		if (!paths[i] || access(paths[i], R_OK) < 0)
			return diag_fail(d, "%s: %s; %s", paths[i] ? paths[i] : "(unset)", strerror(errno), hints[i]);
	return 0;
}

/* The kernel to boot and the modules directory to take modules from ("" for
 * none: everything the appliance needs is built in). --kernel wins over the
 * manifest, and its modules sit beside it, as make deps unpacks Debian's. */
struct kernel_choice {
	const char *image;
	const char *what; /* for the progress line */
	char modules[PATH_MAX];
	/* kernel: {path, modules}: the manifest's inputs, opened (O_PATH)
	 * beneath the build context once, then read through /proc/self/fd:
	 * the files read are the ones checked (context.c); -1 otherwise. */
	int fds[2];
	char via[64];
};

static int pin_input(const char *path, int *fd, char *via, size_t size, struct diag *d)
{
	if ((*fd = input_open(path, O_PATH, NULL, 0)) < 0)
		return diag_fail(d, "%s: %s", path, input_strerror(-*fd));
	snprintf(via, size, "/proc/self/fd/%d", *fd);
	return 0;
}

static int choose_kernel(const struct manifest *m, const struct tools *t, struct kernel_choice *k, struct diag *d)
{
	const char *hint;
	struct stat st;

	memset(k, 0, sizeof(*k));
	k->fds[0] = k->fds[1] = -1;
	if (t->kernel) {
		k->image = t->kernel, k->what = t->kernel, hint = "check --kernel or BULKHEAD_KERNEL";
	} else if (strcmp(m->kernel, "minimal") == 0) {
		k->image = t->kernel_minimal, k->what = "minimal",
		hint = "run make kernel (it builds kernel: minimal from Debian's linux-source)";
	} else if (strcmp(m->kernel, "path") == 0) {
		k->what = m->kernel_path, hint = "check the manifest's kernel: path";
		if (pin_input(m->kernel_path, &k->fds[0], k->via, sizeof(k->via), d) < 0 ||
		    (m->kernel_modules && pin_input(m->kernel_modules, &k->fds[1], k->modules, sizeof(k->modules), d) < 0))
			return -1;
		k->image = k->via;
	} else {
		k->image = t->kernel_debian, k->what = "debian", hint = "run make deps (it unpacks Debian's kernel)";
	}
	if (!k->image || access(k->image, R_OK) < 0)
		return diag_fail(d, "%s: %s; %s", k->image ? k->image : "(unset)", strerror(errno), hint);
	if (strcmp(m->kernel, "path") != 0 || t->kernel) {
		char *slash = strrchr(k->image, '/');
		int len = slash ? (int)(slash - k->image) : 0;
		snprintf(k->modules, sizeof(k->modules), "%.*s%smodules", len, k->image, slash ? "/" : "");
		if (stat(k->modules, &st) < 0 || !S_ISDIR(st.st_mode))
			k->modules[0] = '\0';
	}
	return 0;
}

/* Modules every appliance loads: the ACPI power button, so that a power-off
 * request ends the appliance cleanly. The init hears it over netlink
 * (init/power.c), not through evdev's event device. No container's start
 * needs it: it comes last, and the init loads it in the background
 * (init/modules.c). */
static const char *const base_modules[] = { "button" };
/* For disks: virtio-blk on PCI (pc) or MMIO (microvm) and ext4, with the
 * crc32c it asks the crypto API for at mount time (no modprobe in the image
 * to load it then). */
static const char *const disk_modules[] = { "crc32c_generic", "virtio_pci", "virtio_mmio", "virtio_blk", "ext4" };
/* For interfaces: the NIC's driver on either transport; modules.dep brings
 * net_failover and failover, which virtio_net links against.
 */
static const char *const nic_modules[] = { "virtio_pci", "virtio_mmio", "virtio_net" };
/* For containers' networks, from Debian's 6.1 kernel (modules.dep brings
 * the rest: stp and llc for the bridge; nfnetlink and libcrc32c for
 * nf_tables, whose core holds the ip and bridge families, counters, payload
 * and meta; nf_conntrack and nf_nat under the ct and nat expressions).
 * libcrc32c asks the crypto API for crc32c when it loads, which modules.dep
 * does not say: crc32c_generic comes first, or every netfilter module fails
 * with "No such file or directory". The bridge family's meta expression
 * (iifname in a bridge chain) is nft_meta_bridge: the kernel would ask
 * modprobe, which the appliance has none of. br_netfilter is not wanted: the
 * bridge family filters the bridge itself. */
static const char *const network_modules[] = { "crc32c_generic", "veth",     "bridge",     "nf_tables",
					       "nft_ct",	 "nft_chain_nat", "nft_nat", "nft_masq",
					       "nft_objref",	 "nft_meta_bridge" };

/* For shared images (shared-images.c): a loop device over the erofs file;
 * erofs links libcrc32c, which asks for crc32c as for networks. */
static const char *const shared_image_modules[] = { "crc32c_generic", "loop", "erofs" };

static bool manifest_has_shared_image(const struct manifest *m)
{
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (lists[l][i].shared_image)
				return true;
	return false;
}

/* The modules M needs, in load order, from the chosen kernel's modules
 * directory if it has one; a module wanted twice is carried once. The last
 * *BACKGROUND of them are base_modules' alone. */
static int write_modules(struct initrd *w, const char *dir, const struct manifest *m, char ***image_paths,
			 size_t *background, struct diag *d)
{
	const char *wanted[ARRAY_SIZE(base_modules) + ARRAY_SIZE(disk_modules) + ARRAY_SIZE(nic_modules) +
			   ARRAY_SIZE(network_modules) + ARRAY_SIZE(shared_image_modules) + 6 + 1];
	char **order = NULL;
	size_t n = 0, n_containers, first;

	*background = 0;
	if (!dir[0])
		return 0;
	for (size_t i = 0; m->n_disks > 0 && i < ARRAY_SIZE(disk_modules); i++)
		wanted[n++] = disk_modules[i];
	for (size_t i = 0; m->n_interfaces > 0 && i < ARRAY_SIZE(nic_modules); i++)
		wanted[n++] = nic_modules[i];
	for (size_t i = 0; m->n_networks > 0 && i < ARRAY_SIZE(network_modules); i++)
		wanted[n++] = network_modules[i];
	for (size_t i = 0; manifest_has_shared_image(m) && i < ARRAY_SIZE(shared_image_modules); i++)
		wanted[n++] = shared_image_modules[i];
	n += secrets_modules(m, wanted + n);
	n_containers = n;
	for (size_t i = 0; i < ARRAY_SIZE(base_modules); i++)
		wanted[n++] = base_modules[i];
	wanted[n] = NULL;
	if (modules_resolve(dir, wanted, n_containers, &order, &first, d) < 0)
		return -1;
	int r = modules_write(w, dir, order, image_paths, d);
	size_t total = 0;
	while (order[total])
		total++;
	*background = total - first;
	for (char **p = order; *p; p++)
		free(*p);
	free(order);
	return r;
}

static bool manifest_has_egress(const struct manifest *m)
{
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (lists[l][i].n_egress)
				return true;
	return false;
}

/* The containers' networks: the rule set the init loads before any of
 * them starts, and each networked container's /etc/hosts. */
static int write_networks(struct initrd *w, const struct manifest *m, struct diag *d)
{
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };
	void *rules = NULL;
	size_t len = 0;
	char path[PATH_MAX];
	int r;

	if (!m->n_networks)
		return 0;
	if (net_rules_encode(m, &rules, &len, d) < 0)
		return -1;
	r = initrd_data(w, NET_RULES_ENTRY, rules, len, 0644, d);
	free(rules);
	if (r < 0 || initrd_dir(w, HOSTS_DIR_ENTRY, 0755, d) < 0)
		return -1;
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct container *c = &lists[l][i];
			if (!c->n_links)
				continue;
			char *hosts = bundle_hosts(c);
			if (!hosts)
				return diag_fail(d, "out of memory");
			snprintf(path, sizeof(path), HOSTS_DIR_ENTRY "/%s", c->name);
			r = initrd_data(w, path, hosts, strlen(hosts), 0644, d);
			free(hosts);
			if (r < 0)
				return -1;
		}
	return 0;
}

/* The system part of the image: what the kernel and the init need. */
static int write_system(struct initrd *w, const struct manifest *m, const struct tools *t,
			const struct kernel_choice *k, struct diag *d)
{
	static const char *const dirs[] = { "proc", "sys", "run", "containers" };
	char *json;
	int r;

	if (initrd_dir(w, "dev", 0755, d) < 0 ||
	    /* Without it the kernel starts PID 1 with no console. */
	    initrd_device(w, "dev/console", S_IFCHR | 0600, 5, 1, d) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (initrd_dir(w, dirs[i], 0755, d) < 0)
			return -1;
	if (initrd_dir(w, "tmp", 01777, d) < 0 || initrd_file(w, "init", t->init, 0755, d) < 0)
		return -1;
	char **modules = NULL;
	size_t background;
	if (write_modules(w, k->modules, m, &modules, &background, d) < 0)
		return -1;
	size_t n = 0;
	while (modules && modules[n])
		n++;
	const char **options = calloc(n + 1, sizeof(*options));
	for (size_t i = 0; options && i < n; i++)
		options[i] = modules_options(modules[i]);
	json = options ? appliance_json(m, modules, options, background) : NULL;
	free(options);
	for (char **p = modules; p && *p; p++)
		free(*p);
	free(modules);
	if (!json)
		return diag_fail(d, "out of memory");
	r = initrd_data(w, APPLIANCE_JSON_ENTRY, json, strlen(json), 0644, d);
	free(json);
	return r < 0 ? r : write_networks(w, m, d);
}

/* A container in the order the image holds them, with where it stands in
 * its phase (its bundle's name) and whose rootfs it uses. */
struct slot {
	struct container *c;
	size_t index;
	const struct slot *shares; /* NULL: its own rootfs */
	long long bytes;
	char unpacked[PATH_MAX];   /* its image unpacked in the staging directory, or "" */
	struct node_drops drops;   /* what of its image the build left out */
};

/* One image, one copy: a read-only container uses the rootfs of the first
 * read-only container before it with the same image. A writable container
 * writes into its rootfs, and files: are written into it: those have their
 * own. */
static bool may_share(const struct container *c)
{
	return c->readonly && c->n_files == 0;
}

/* A and B use one copy: the same erofs image (shared-images.c), or, in
 * one user range (or none), the same rootfs in the initrd, owned by that
 * range. */
static bool same_copy(const struct container *a, const struct container *b)
{
	if (a->shared_image || b->shared_image)
		return a->shared_image == b->shared_image;
	/* A receiver of secrets gets /run/secrets made in its rootfs at
	 * start: shared only with another receiver. Its files have the
	 * owners of one user range. */
	return !a->n_secrets == !b->n_secrets && a->userns.base == b->userns.base && a->userns.size == b->userns.size;
}

static void share_images(struct slot *slots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i && may_share(slots[i].c) && !slots[i].shares; j++)
			if (may_share(slots[j].c) && !slots[j].shares && same_image(slots[j].c, slots[i].c) &&
			    same_copy(slots[j].c, slots[i].c))
				slots[i].shares = &slots[j];
}

/* config.json, and the seccomp filter compiled once here rather than at
 * every start. ROOT: root.path when the rootfs is another bundle's. */
static int write_bundle_config(struct initrd *w, const char *manifest, const struct container *c, const char *dir,
			       const char *root, struct diag *d)
{
	static const char bpf_name[] = "seccomp.bpf";
	char path[PATH_MAX];
	void *bpf = NULL;
	size_t bpf_len = 0;
	/* Generated once, as the image holds it, and checked from this text. */
	char *json = bundle_config_json(c, bpf_name, root, d);
	int r;

	if (!json)
		return -1;
	snprintf(path, sizeof(path), "/%s", dir);
	r = bundle_compile_seccomp(manifest, c, json, path, &bpf, &bpf_len, d);
	/* What the kernel would refuse when the init starts it: refused now. */
	if (r == 0)
		r = limits_check_exec(json, c, manifest, d);
	if (r == 0)
		r = limits_check_seccomp(bpf_len, c, manifest, d);
	if (r == 0)
		r = limits_check_paths(c, manifest, d);
	snprintf(path, sizeof(path), "%s/%s", dir, bpf_name);
	if (r == 0 && bpf)
		r = initrd_data(w, path, bpf, bpf_len, 0644, d);
	free(bpf);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (r == 0)
		r = initrd_data(w, path, json, strlen(json), 0644, d);
	free(json);
	return r;
}

/* Once no later container shares it, an unpacked image goes: an image
 * takes room in the staging directory only while containers still need it. */
static void drop_unpacked(struct slot *slots, size_t n, size_t i)
{
	struct slot *owner = slots[i].shares ? (struct slot *)slots[i].shares : &slots[i];

	for (size_t k = i + 1; k < n; k++)
		if (slots[k].shares == owner)
			return;
	if (owner->unpacked[0])
		remove_tree(owner->unpacked);
	owner->unpacked[0] = '\0';
}

static int write_container(struct initrd *w, const struct manifest *m, struct slot *s, const struct tools *t,
			   const char *scratch, struct diag *d)
{
	const char *manifest = m->path;
	struct container *c = s->c;
	char dir[256], path[PATH_MAX], root[PATH_MAX] = "";
	long long before = initrd_bytes(w);
	int r;

	bundle_dir(c, s->index, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (s->shares && !c->shared_image) {
		/* Relative to the bundle, so that it resolves wherever the image
		 * is unpacked: up to the image's root, down to the other bundle. */
		for (const char *p = dir; p; p = strchr(p + 1, '/'))
			strcat(root, "../");
		bundle_dir(s->shares->c, s->shares->index, root + strlen(root), sizeof(root) - strlen(root));
		strncat(root, "/rootfs", sizeof(root) - strlen(root) - 1);
	}
	if (!s->shares && rootfs_unpack(c, scratch, s->unpacked, sizeof(s->unpacked), &s->drops, d) < 0) {
		diag_prefix(d, "container %s: ", c->name);
		return -1;
	}
	const char *unpacked = s->shares ? s->shares->unpacked : s->unpacked;
	/* Known only once the image is: its place in the manifest still helps. */
	if (rootfs_resolve_user(c, unpacked, d) < 0) {
		char inner[sizeof(d->msg)];
		memcpy(inner, d->msg, sizeof(inner));
		return diag_fail(d, "%s:%zu:%zu: container %s: %.700s", manifest,
				 (c->user ? c->user_line : c->name_line) + 1, (c->user ? c->user_column : c->name_column) + 1,
				 c->name, inner);
	}
	if (userns_check_ids(manifest, c, d) < 0)
		return -1;
	r = write_bundle_config(w, manifest, c, dir, root[0] ? root : NULL, d);
	/* A shared image: written once with the image's own ids (the init
	 * maps them into each range), and mounted on an empty rootfs. */
	if (r == 0 && c->shared_image && !s->shares)
		r = shared_image_write(w, m, c, t, unpacked, &s->drops, scratch, d);
	initrd_id_shift(w, c->userns.base, c->userns.size);
	if (r == 0 && c->shared_image)
		r = initrd_dir(w, path, 0755, d);
	else if (r == 0 && !s->shares)
		r = rootfs_write(w, path, c, t, unpacked, &s->drops, d);
	/* Said even with -q: the image is not what its author shipped. */
	if (r == 0 && s->drops.devices)
		fprintf(stderr, "note: %s: dropped %u device node%s from the image (first: %s); containers get /dev from the "
				"runtime\n", c->name, s->drops.devices, s->drops.devices == 1 ? "" : "s", s->drops.first);
	if (r == 0 && s->drops.others)
		fprintf(stderr, "note: %s: dropped %u FIFO or socket node%s from the image; a program makes them at run "
				"time (in /tmp)\n", c->name, s->drops.others, s->drops.others == 1 ? "" : "s");
	if (r == 0)
		r = rootfs_write_files(w, path, c, d);
	initrd_id_shift(w, 0, 0);
	s->bytes = initrd_bytes(w) - before;
	/* A message that points into the manifest names the container itself. */
	if (r < 0 && strncmp(d->msg, manifest, strlen(manifest)) != 0)
		diag_prefix(d, "container %s: ", c->name);
	return r;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void human(long long bytes, char *out, size_t size)
{
	if (bytes >= 1 << 20)
		snprintf(out, size, "%.1f MiB", (double)bytes / (1 << 20));
	else
		snprintf(out, size, "%.1f KiB", (double)bytes / 1024);
}

/* The memory the VM needs, in MiB, decided here once for bulkhead run and
 * the init. The kernel unpacks the initramfs into a tmpfs that may fill
 * only half of the memory it sees, while the compressed archive is still
 * held; after that the unpacked files stay, and the containers run beside
 * them. So: the kernel's own share, then the larger of the unpack's need
 * and the running appliance's, then headroom for processes without a
 * declared limit. */
static int appliance_memory_mib(const struct manifest *m, long long kernel_bytes, long long initrd_bytes,
				long long unpacked_bytes, long long entries)
{
	/* RUNNING_CONTAINER: what a container costs beside its program's own
	 * memory: its processes' kernel side, its cgroup, its namespaces (a
	 * network namespace with its loopback among them). Measured at some
	 * 0.6 MiB each for 2000 busybox sleep services under Debian's kernel
	 * (MemAvailable as they started); without it 2000 services ran the VM
	 * out of memory at the 295th. */
	enum { MIB = 1 << 20, KERNEL_BASE = 48 * MIB, HEADROOM = 64 * MIB, FLOOR_MIB = 256, STEP_MIB = 16,
	       CEILING_MIB = 1 << 20, RUNNING_CONTAINER = 1 * MIB };
	/* The decompressed kernel and its tables are some four times its bzImage. */
	long long kernel = KERNEL_BASE + 4 * kernel_bytes;
	/* An inode and a dentry for every entry, about a KiB. */
	long long files = unpacked_bytes + entries * 1024;
	/* Services run side by side; onboot and onshutdown containers one at a
	 * time. In doubles: limits may be as large as the manifest allows. */
	double services = (double)m->n_services * RUNNING_CONTAINER, one_at_a_time = 0;
	for (size_t i = 0; i < m->n_services; i++)
		services += (double)m->services[i].memory_bytes;
	for (size_t i = 0; i < m->n_onboot; i++)
		if ((double)m->onboot[i].memory_bytes > one_at_a_time)
			one_at_a_time = (double)m->onboot[i].memory_bytes;
	for (size_t i = 0; i < m->n_onshutdown; i++)
		if ((double)m->onshutdown[i].memory_bytes > one_at_a_time)
			one_at_a_time = (double)m->onshutdown[i].memory_bytes;
	one_at_a_time += RUNNING_CONTAINER;
	double containers = services > one_at_a_time ? services : one_at_a_time;
	/* The compressed archive twice: a disk's firmware loads it inside the
	 * unified image before the kernel takes its own copy. */
	double unpacking = 2.0 * (double)files + 2.0 * (double)initrd_bytes, running = (double)files + containers;
	double need = (double)kernel + (unpacking > running ? unpacking : running) + HEADROOM;
	/* QEMU takes -m in MiB as an int; beyond 1 TiB it is no VM we boot. */
	if (need / MIB >= CEILING_MIB)
		return CEILING_MIB;
	long long steps = ((long long)need + (long long)STEP_MIB * MIB - 1) / ((long long)STEP_MIB * MIB);
	int mib = (int)steps * STEP_MIB;
	return mib < FLOOR_MIB ? FLOOR_MIB : mib;
}

/* Creates each declared disk that does not exist yet: an ext4 file system
 * with the disk's label. An existing disk is never touched. */
static int make_disks(const struct manifest *m, const char *output, struct progress *p, struct diag *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], size[32];

	if (!m->n_disks)
		return 0;
	snprintf(dir, sizeof(dir), "%s/disks", output);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return diag_errno(d, errno, "%s", dir);
	for (size_t i = 0; i < m->n_disks; i++) {
		snprintf(path, sizeof(path), "%s/%s.ext4", dir, m->disks[i].label);
		if (access(path, F_OK) == 0) {
			if (!p->quiet)
				printf("  disk %s: kept (%s)\n", m->disks[i].label, path);
			continue;
		}
		snprintf(size, sizeof(size), "%lluk", (unsigned long long)(m->disks[i].bytes / 1024));
		const char *argv[] = { "mkfs.ext4", "-q", "-L", m->disks[i].label, "-E", "root_owner=0:0", path, size,
				       NULL };
		if (run_tool(argv, NULL, NULL, "e2fsprogs", d) < 0) {
			unlink(path);
			return diag_prefix(d, "disk %s: ", m->disks[i].label), -1;
		}
		if (!p->quiet)
			printf("  disk %s: created, %s (%s)\n", m->disks[i].label, size, path);
	}
	return 0;
}

/* Puts STAGING at OUTPUT, replacing an earlier appliance only. */
static int publish(const char *staging, const char *output, struct diag *d)
{
	char marker[PATH_MAX], old[PATH_MAX];
	struct stat st;

	if (lstat(output, &st) < 0)
		return rename(staging, output) == 0 ? 0 : diag_errno(d, errno, "%s", output);
	snprintf(marker, sizeof(marker), "%s/%s", output, CMDLINE_FILE);
	if (!S_ISDIR(st.st_mode) || access(marker, F_OK) < 0)
		return diag_fail(d, "%s exists and is not a bulkhead appliance; refusing to replace it (choose another -o)",
				 output);
	snprintf(old, sizeof(old), "%s.old-%d", output, (int)getpid());
	if (rename(output, old) < 0)
		return diag_errno(d, errno, "%s", output);
	if (rename(staging, output) < 0) {
		int e = errno;
		rename(old, output);
		return diag_errno(d, e, "%s", output);
	}
	/* Disks hold the appliance's data: they move to the new build. */
	char old_disks[PATH_MAX + 16], new_disks[PATH_MAX + 16];
	snprintf(old_disks, sizeof(old_disks), "%s/disks", old);
	snprintf(new_disks, sizeof(new_disks), "%s/disks", output);
	if (access(old_disks, F_OK) == 0 && rename(old_disks, new_disks) < 0) {
		int e = errno;
		return diag_fail(d, "%s: %s; the disks are still in %s, move them back by hand", new_disks, strerror(e),
				 old_disks);
	}
	remove_tree(old);
	return 0;
}

int build_appliance(const struct build_options *o, struct diag *d)
{
	struct progress p = { .quiet = o->quiet, .steps = o->format == FORMAT_KERNEL_INITRD ? 4 : 5 };
	struct manifest m;
	char staging[PATH_MAX] = "", path[PATH_MAX], size[32];
	struct slot *slots = NULL;
	size_t n = 0;
	long long kernel_bytes, initrd_bytes;
	struct kernel_choice kernel = { .fds = { -1, -1 } };
	struct initrd *w = NULL;
	struct sbom *sbom = NULL; /* sbom.c: what went into the image */
	int r = -1;

	say(&p, "reading %s", o->manifest);
	if (manifest_load_in(o->manifest, o->context, &m, d) < 0)
		return -1;
	if (signatures_verify(&m, o->require_signatures, d) < 0) /* before anything is written */
		goto out;
	if (check_tools(&o->tools, d) < 0 || choose_kernel(&m, &o->tools, &kernel, d) < 0)
		goto out;
	if (o->format != FORMAT_KERNEL_INITRD && !disk_kernel_has_efi_stub(kernel.image)) {
		diag_fail(d, "the kernel (%s) has no EFI stub, so UEFI firmware cannot start it from the %s disk; use "
			     "--format kernel+initrd, or a kernel built with CONFIG_EFI_STUB (kernel: debian is)",
			  kernel.what, formats[o->format].name);
		goto out;
	}
	if (make_parent(o->output, d) < 0)
		goto out;
	if (snprintf(staging, sizeof(staging), "%s.partial-XXXXXX", o->output) >= (int)sizeof(staging) ||
	    !mkdtemp(staging)) {
		diag_errno(d, errno, "%s: cannot create a directory beside it", o->output);
		goto out;
	}
	if (!(slots = calloc(m.n_onboot + m.n_services + m.n_onshutdown + 1, sizeof(*slots)))) {
		diag_fail(d, "out of memory");
		goto out;
	}
	struct container *lists[3] = { m.onboot, m.services, m.onshutdown };
	size_t counts[3] = { m.n_onboot, m.n_services, m.n_onshutdown };
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			slots[n++] = (struct slot){ .c = &lists[l][i], .index = i };
	size_t shared_images = shared_images_plan(&m);
	share_images(slots, n);

	say(&p, "writing the initrd: init, %zu onboot, %zu service and %zu onshutdown containers", m.n_onboot,
	    m.n_services, m.n_onshutdown);
	snprintf(path, sizeof(path), "%s/initrd.img", staging);
	if (!(w = initrd_open(path, d)) || write_system(w, &m, &o->tools, &kernel, d) < 0)
		goto out;
	/* Images are unpacked in the staging directory; on failure they go with it. */
	for (size_t i = 0; i < n; i++) {
		if (write_container(w, &m, &slots[i], &o->tools, staging, d) < 0 ||
		    sbom_add_image(&sbom, slots[i].c, slots[i].shares ? slots[i].shares->unpacked : slots[i].unpacked,
				   &o->tools, d) < 0)
			goto out;
		drop_unpacked(slots, n, i);
	}
	/* Last, so that the init can tell a whole unpack from a cut one. */
	if (initrd_data(w, INITRD_END, "", 0, 0644, d) < 0)
		goto out;
	long long unpacked_bytes = initrd_unpacked_bytes(w), entries = initrd_entries(w);
	r = initrd_close(w, d);
	w = NULL;
	if (r < 0)
		goto out;

	say(&p, "adding the kernel (%s) and its command line", kernel.what);
	snprintf(path, sizeof(path), "%s/kernel", staging);
	if ((r = copy_file(kernel.image, path, d)) < 0)
		goto out;
	kernel_bytes = file_size(path);
	snprintf(path, sizeof(path), "%s/initrd.img", staging);
	initrd_bytes = file_size(path);
	long long initrd_mib = (unpacked_bytes + (1 << 20) - 1) >> 20;
	int memory_mib = appliance_memory_mib(&m, kernel_bytes, initrd_bytes, unpacked_bytes, entries);
	/* A disk's command line is whole: nothing adds to it at boot. */
	char cmdline[256], line[300];
	snprintf(cmdline, sizeof(cmdline), "%s %s%d %s%lld%s%s%s", KERNEL_CMDLINE, BOOT_OPTION_MEMORY, memory_mib,
		 BOOT_OPTION_INITRD, initrd_mib, manifest_has_egress(&m) ? " " BOOT_OPTION_EGRESS : "",
		 o->format == FORMAT_KERNEL_INITRD ? "" : " ", o->format == FORMAT_KERNEL_INITRD ? "" : QEMU_CMDLINE);
	snprintf(line, sizeof(line), "%s\n", cmdline);
	snprintf(path, sizeof(path), "%s/%s", staging, CMDLINE_FILE);
	if ((r = write_text(path, line, d)) < 0)
		goto out;
	if ((r = secrets_write_list(&m, staging, d)) < 0)
		goto out;
	if ((r = sbom_write(sbom, staging, &m, kernel.image, &o->tools, d)) < 0)
		goto out;
	if (o->format != FORMAT_KERNEL_INITRD) {
		say(&p, "making the %s disk: a unified kernel image on an EFI System Partition, in a GPT",
		    formats[o->format].name);
		if ((r = disk_write(staging, o->format, cmdline, d)) < 0)
			goto out;
	}

	say(&p, "publishing %s", o->output);
	if ((r = publish(staging, o->output, d)) < 0)
		goto out;
	staging[0] = '\0';
	if ((r = make_disks(&m, o->output, &p, d)) < 0)
		goto out;

	if (!o->quiet) {
		if (o->format != FORMAT_KERNEL_INITRD) {
			snprintf(path, sizeof(path), "%s/%s", o->output, formats[o->format].file);
			human(file_size(path), size, sizeof(size));
			printf("  %-11s %s (%s), holding:\n", formats[o->format].file, size, formats[o->format].name);
		}
		human(kernel_bytes, size, sizeof(size));
		printf("  kernel      %s\n", size);
		human(initrd_bytes, size, sizeof(size));
		printf("  initrd.img  %s compressed, %lld MiB unpacked\n", size, initrd_mib);
		printf("  memory      %d MiB needed to boot (recorded in %s/cmdline; bulkhead run gives the VM that)\n",
		       memory_mib, o->output);
		human(file_size(o->tools.init), size, sizeof(size));
		printf("    init      %s\n", size);
		size_t shared = 0, mounting = 0;
		for (size_t i = 0; i < n; i++) {
			const struct container *c = slots[i].c;
			human(slots[i].bytes, size, sizeof(size));
			printf("    %-9s %s (%s, uncompressed", c->name, size, c->phase);
			if (c->shared_image && !slots[i].shares)
				printf("; image %s stored once, as erofs image %zu", c->image, c->shared_image - 1);
			else if (c->shared_image)
				printf("; image %s shared with %s (erofs image %zu)", c->image, slots[i].shares->c->name,
				       c->shared_image - 1);
			else if (slots[i].shares)
				printf("; image %s shared with %s", c->image, slots[i].shares->c->name);
			printf(")\n");
			shared += slots[i].shares && !c->shared_image;
			mounting += c->shared_image != 0;
		}
		if (shared)
			printf("  %zu read-only container%s use%s the rootfs of an earlier one with the same image\n", shared,
			       shared == 1 ? "" : "s", shared == 1 ? "s" : "");
		if (shared_images)
			printf("  %zu read-only containers mount %zu shared image%s (erofs, stored once), each through its "
			       "own id mapping\n",
			       mounting, shared_images, shared_images == 1 ? "" : "s");
	}
out:
	if (w) {
		struct diag ignored;
		initrd_close(w, &ignored);
	}
	if (r < 0 && staging[0])
		remove_tree(staging);
	free(slots);
	sbom_free(sbom);
	manifest_free(&m);
	for (int i = 0; i < 2; i++)
		if (kernel.fds[i] >= 0)
			close(kernel.fds[i]);
	return r;
}
