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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int copy_file(const char *from, const char *to, struct diag *d)
{
	char buf[1 << 16];
	ssize_t n = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, r = 0;

	if (in < 0)
		return diag_fail(d, "%s: %s", from, strerror(errno));
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		close(in);
		return diag_fail(d, "%s: %s", to, strerror(errno));
	}
	while (r == 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			r = diag_fail(d, "%s: %s", to, strerror(errno));
	if (r == 0 && n < 0)
		r = diag_fail(d, "%s: %s", from, strerror(errno));
	close(in);
	if (close(out) < 0 && r == 0)
		r = diag_fail(d, "%s: %s", to, strerror(errno));
	return r;
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
			return diag_fail(d, "%s: %s", path, strerror(errno));
		*p = '/';
	}
	return 0;
}

static int write_text(const char *path, const char *text, struct diag *d)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return diag_fail(d, "%s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		return diag_fail(d, "%s: %s", path, strerror(errno));
	return 0;
}

static int check_tools(const struct tools *t, struct diag *d)
{
	static const char *const hints[] = { "run make all", "run make deps (it unpacks Debian's kernel)",
					     "apt-get install busybox-static" };
	const char *paths[] = { t->init, t->kernel, t->busybox };

	for (size_t i = 0; i < 3; i++)
		if (!paths[i] || access(paths[i], R_OK) < 0)
			return diag_fail(d, "%s: %s; %s", paths[i] ? paths[i] : "(unset)", strerror(errno), hints[i]);
	return 0;
}

/* Modules every appliance loads: the ACPI power button and the event
 * device it reports through, so that a power-off request ends the
 * appliance cleanly. */
static const char *const base_modules[] = { "button", "evdev", NULL };
/* And for disks: virtio-blk on PCI and ext4, with the crc32c it asks the
 * crypto API for at mount time (no modprobe in the image to load it then). */
static const char *const disk_modules[] = { "button", "evdev", "crc32c_generic", "virtio_pci", "virtio_blk", "ext4",
					    NULL };

/* The kernel's modules sit beside it as make deps unpacks it
 * (build/kernel/modules); a kernel without that directory needs none. */
static int write_modules(struct initrd *w, const struct tools *t, bool disks, char ***image_paths, struct diag *d)
{
	char dir[PATH_MAX], **order = NULL;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", t->kernel);
	char *slash = strrchr(dir, '/');
	snprintf(slash ? slash + 1 : dir, sizeof(dir) - (size_t)(slash ? slash + 1 - dir : 0), "modules");
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (modules_resolve(dir, disks ? disk_modules : base_modules, &order, d) < 0)
		return -1;
	int r = modules_write(w, dir, order, image_paths, d);
	for (char **p = order; *p; p++)
		free(*p);
	free(order);
	return r;
}

/* The system part of the image: what the kernel and the init need. */
static int write_system(struct initrd *w, const struct manifest *m, const struct tools *t, struct diag *d)
{
	static const char *const dirs[] = { "proc", "sys", "run", "containers" };
	char *json;
	int r;

	if (initrd_dir(w, "dev", 0755, d) < 0 ||
	    /* Without it the kernel starts PID 1 with no console. */
	    initrd_device(w, "dev/console", S_IFCHR | 0600, 5, 1, d) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (initrd_dir(w, dirs[i], 0755, d) < 0)
			return -1;
	if (initrd_dir(w, "tmp", 01777, d) < 0 || initrd_file(w, "init", t->init, 0755, d) < 0)
		return -1;
	char **modules = NULL;
	if (write_modules(w, t, m->n_disks > 0, &modules, d) < 0)
		return -1;
	json = appliance_json(m, modules);
	for (char **p = modules; p && *p; p++)
		free(*p);
	free(modules);
	if (!json)
		return diag_fail(d, "out of memory");
	r = initrd_data(w, "etc/bulkhead/appliance.json", json, strlen(json), 0644, d);
	free(json);
	return r;
}

/* Puts "WHAT NAME: " before d's message; returns -1. */
static int in_context(struct diag *d, const char *what, const char *name)
{
	char inner[sizeof(d->msg)];

	memcpy(inner, d->msg, sizeof(inner));
	snprintf(d->msg, sizeof(d->msg), "%s %s: %.900s", what, name, inner);
	return -1;
}

static int write_container(struct initrd *w, const struct container *c, size_t index, const struct tools *t,
			   long long *bytes, struct diag *d)
{
	char dir[256], path[PATH_MAX];
	long long before = initrd_bytes(w);
	void *bpf = NULL;
	size_t bpf_len = 0;
	char *json = bundle_config_json(c, NULL);
	int r;

	if (!json)
		return diag_fail(d, "out of memory");
	bundle_dir(c, index, dir, sizeof(dir));
	/* The filter is compiled here once rather than at every start. */
	r = bundle_compile_seccomp(json, &bpf, &bpf_len, d);
	if (r == 0 && bpf) {
		free(json);
		if (!(json = bundle_config_json(c, "seccomp.bpf")))
			r = diag_fail(d, "out of memory");
		snprintf(path, sizeof(path), "%s/seccomp.bpf", dir);
		if (r == 0)
			r = initrd_data(w, path, bpf, bpf_len, 0644, d);
	}
	free(bpf);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (r == 0)
		r = initrd_data(w, path, json, strlen(json), 0644, d);
	free(json);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	if (r == 0)
		r = rootfs_write(w, path, c, t, d);
	*bytes = initrd_bytes(w) - before;
	return r < 0 ? in_context(d, "container", c->name) : r;
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

/* Creates each declared disk that does not exist yet: an ext4 file system
 * with the disk's label. An existing disk is never touched. */
static int make_disks(const struct manifest *m, const char *output, struct progress *p, struct diag *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], size[32];

	if (!m->n_disks)
		return 0;
	snprintf(dir, sizeof(dir), "%s/disks", output);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return diag_fail(d, "%s: %s", dir, strerror(errno));
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
			return in_context(d, "disk", m->disks[i].label);
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
		return rename(staging, output) == 0 ? 0 : diag_fail(d, "%s: %s", output, strerror(errno));
	snprintf(marker, sizeof(marker), "%s/%s", output, CMDLINE_FILE);
	if (!S_ISDIR(st.st_mode) || access(marker, F_OK) < 0)
		return diag_fail(d, "%s exists and is not a bulkhead appliance; refusing to replace it (choose another -o)",
				 output);
	snprintf(old, sizeof(old), "%s.old-%d", output, (int)getpid());
	if (rename(output, old) < 0)
		return diag_fail(d, "%s: %s", output, strerror(errno));
	if (rename(staging, output) < 0) {
		int e = errno;
		rename(old, output);
		return diag_fail(d, "%s: %s", output, strerror(e));
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
	long long *bytes = NULL, kernel_bytes, initrd_bytes;
	struct initrd *w = NULL;
	int r = -1;

	say(&p, "reading %s", o->manifest);
	if (manifest_load(o->manifest, &m, d) < 0)
		return -1;
	if (check_tools(&o->tools, d) < 0)
		goto out;
	if (make_parent(o->output, d) < 0)
		goto out;
	if (snprintf(staging, sizeof(staging), "%s.partial-XXXXXX", o->output) >= (int)sizeof(staging) ||
	    !mkdtemp(staging)) {
		diag_fail(d, "%s: cannot create a directory beside it: %s", o->output, strerror(errno));
		goto out;
	}
	if (!(bytes = calloc(m.n_onboot + m.n_services + m.n_onshutdown + 1, sizeof(*bytes)))) {
		diag_fail(d, "out of memory");
		goto out;
	}

	say(&p, "writing the initrd: init, %zu onboot, %zu service and %zu onshutdown containers", m.n_onboot,
	    m.n_services, m.n_onshutdown);
	snprintf(path, sizeof(path), "%s/initrd.img", staging);
	if (!(w = initrd_open(path, d)) || write_system(w, &m, &o->tools, d) < 0)
		goto out;
	for (size_t i = 0; i < m.n_onboot; i++)
		if (write_container(w, &m.onboot[i], i, &o->tools, &bytes[i], d) < 0)
			goto out;
	for (size_t i = 0; i < m.n_services; i++)
		if (write_container(w, &m.services[i], i, &o->tools, &bytes[m.n_onboot + i], d) < 0)
			goto out;
	for (size_t i = 0; i < m.n_onshutdown; i++)
		if (write_container(w, &m.onshutdown[i], i, &o->tools, &bytes[m.n_onboot + m.n_services + i], d) < 0)
			goto out;
	r = initrd_close(w, d);
	w = NULL;
	if (r < 0)
		goto out;

	say(&p, "adding the kernel (%s) and its command line", m.kernel);
	snprintf(path, sizeof(path), "%s/kernel", staging);
	if ((r = copy_file(o->tools.kernel, path, d)) < 0)
		goto out;
	kernel_bytes = file_size(path);
	snprintf(path, sizeof(path), "%s/initrd.img", staging);
	initrd_bytes = file_size(path);
	/* A disk's command line is whole: nothing adds to it at boot. */
	const char *cmdline = o->format == FORMAT_KERNEL_INITRD ? KERNEL_CMDLINE : KERNEL_CMDLINE " " QEMU_CMDLINE;
	char line[256];
	snprintf(line, sizeof(line), "%s\n", cmdline);
	snprintf(path, sizeof(path), "%s/%s", staging, CMDLINE_FILE);
	if ((r = write_text(path, line, d)) < 0)
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
		printf("  initrd.img  %s compressed\n", size);
		human(file_size(o->tools.init), size, sizeof(size));
		printf("    init      %s\n", size);
		for (size_t i = 0; i < m.n_onboot + m.n_services + m.n_onshutdown; i++) {
			const struct container *c = i < m.n_onboot		     ? &m.onboot[i]
						    : i < m.n_onboot + m.n_services ? &m.services[i - m.n_onboot]
										     : &m.onshutdown[i - m.n_onboot - m.n_services];
			human(bytes[i], size, sizeof(size));
			printf("    %-9s %s (%s, uncompressed)\n", c->name, size, c->phase);
		}
	}
out:
	if (w) {
		struct diag ignored;
		initrd_close(w, &ignored);
	}
	if (r < 0 && staging[0])
		remove_tree(staging);
	free(bytes);
	manifest_free(&m);
	return r;
}
