/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel modules for the image: the builder resolves which files, in which
 * order, from the kernel's modules.dep, so that the init only loads a list
 * (decide at build time, keep boot dumb). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"

struct dep_entry {
	char *path;  /* relative to the modules directory */
	char **deps; /* the same */
};

struct dep_table {
	struct dep_entry *entries;
	size_t n;
};

static void table_free(struct dep_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->entries[i].path);
		for (char **d = t->entries[i].deps; d && *d; d++)
			free(*d);
		free(t->entries[i].deps);
	}
	free(t->entries);
}

static int table_load(const char *dir, struct dep_table *t, struct diag *d)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0, room = 0;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	if (!(f = fopen(path, "r")))
		return diag_fail(d, "%s: %s (make deps runs depmod on the unpacked kernel)", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (t->n == room) {
			room = room ? room * 2 : 4096;
			struct dep_entry *grown = realloc(t->entries, room * sizeof(*grown));
			if (!grown)
				break;
			t->entries = grown;
		}
		struct dep_entry *e = &t->entries[t->n++];
		e->path = strdup(line);
		e->deps = calloc(1, sizeof(char *));
		size_t n = 0;
		for (char *save = NULL, *dep = strtok_r(colon + 1, " \n", &save); dep; dep = strtok_r(NULL, " \n", &save)) {
			char **grown = realloc(e->deps, (n + 2) * sizeof(char *));
			if (!grown)
				break;
			e->deps = grown;
			e->deps[n++] = strdup(dep);
			e->deps[n] = NULL;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

/* "button" for kernel/drivers/acpi/button.ko (or .ko.xz, .ko.zst). */
static bool has_name(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');
	size_t len = strlen(name);

	base = base ? base + 1 : path;
	return strncmp(base, name, len) == 0 && strncmp(base + len, ".ko", 3) == 0;
}

/* The parameters a module is loaded with, as modprobe.d's "options NAME
 * ...": the init passes them to finit_module. */
static const struct {
	const char *name, *options;
} module_options[] = {
	/* No loop device made when the module loads (Debian's config makes 8,
	 * each a disk with its queue and its sysfs entries, 11 ms of a TCG
	 * boot): the init's images.c asks /dev/loop-control for each one it
	 * uses. 0 sets no limit on those. */
	{ "loop", "max_loop=0" },
};

const char *modules_options(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(module_options); i++)
		if (has_name(path, module_options[i].name))
			return module_options[i].options;
	return NULL;
}

static struct dep_entry *find(struct dep_table *t, const char *path_or_name, bool by_name)
{
	for (size_t i = 0; i < t->n; i++)
		if (by_name ? has_name(t->entries[i].path, path_or_name) : strcmp(t->entries[i].path, path_or_name) == 0)
			return &t->entries[i];
	return NULL;
}

static bool listed(char **order, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(order[i], path) == 0)
			return true;
	return false;
}

/* Depth first: a module's dependencies come before it, each once. */
static int add_with_deps(struct dep_table *t, struct dep_entry *e, char ***order, size_t *n, int depth,
			 struct diag *d)
{
	if (depth > 32)
		return diag_fail(d, "modules: dependencies of %s go round in a circle", e->path);
	if (listed(*order, *n, e->path))
		return 0;
	for (char **dep = e->deps; dep && *dep; dep++) {
		struct dep_entry *de = find(t, *dep, false);
		if (!de)
			return diag_fail(d, "modules: %s needs %s, which modules.dep does not list", e->path, *dep);
		if (add_with_deps(t, de, order, n, depth + 1, d) < 0)
			return -1;
	}
	char **grown = realloc(*order, (*n + 2) * sizeof(char *));
	if (!grown)
		return diag_fail(d, "out of memory");
	*order = grown;
	grown[(*n)++] = strdup(e->path);
	grown[*n] = NULL;
	return 0;
}

int modules_resolve(const char *dir, const char *const *wanted, size_t n_first, char ***order_out, size_t *first,
		    struct diag *d)
{
	struct dep_table t;
	char **order = calloc(1, sizeof(char *));
	size_t n = 0, i = 0;
	int r = 0;

	*order_out = NULL;
	*first = 0;
	if (!order || table_load(dir, &t, d) < 0) {
		free(order);
		return -1;
	}
	for (; r == 0 && wanted[i]; i++) {
		if (i == n_first)
			*first = n;
		struct dep_entry *e = find(&t, wanted[i], true);
		/* Built in (modules.builtin) or absent: nothing to carry. */
		if (e)
			r = add_with_deps(&t, e, &order, &n, 0, d);
	}
	table_free(&t);
	if (r < 0) {
		for (size_t k = 0; k < n; k++)
			free(order[k]);
		free(order);
		return -1;
	}
	if (i <= n_first) /* all of WANTED were the first */
		*first = n;
	*order_out = order;
	return 0;
}

/* One module, opened beneath ROOT (the modules directory, REAL), whatever
 * its symlinks say: a modules directory (perhaps the manifest's) brings
 * only its own files. */
static int write_one(struct initrd *w, int root, const char *real, const char *to, const char *module, struct diag *d)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	char from[64];
	int fd = (int)syscall(SYS_openat2, root, module, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) /* kernels before 5.6: no symlink at all */
		fd = openat(root, module, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 && errno == EXDEV)
		return diag_fail(d, "%s/%s: a symlink that leads outside the modules directory; refusing it", real, module);
	if (fd < 0)
		return diag_errno(d, errno, "%s/%s", real, module);
	snprintf(from, sizeof(from), "/proc/self/fd/%d", fd);
	int r = initrd_file(w, to, from, 0644, d);
	close(fd);
	return r;
}

int modules_write(struct initrd *w, const char *dir, char *const *order, char ***image_paths, struct diag *d)
{
	char real[PATH_MAX], to[PATH_MAX + 256];
	size_t n = 0;
	int r = 0;

	if (!realpath(dir, real))
		return diag_errno(d, errno, "%s", dir);
	const char *release = basename(real);
	while (order[n])
		n++;
	*image_paths = calloc(n + 1, sizeof(char *));
	int root = *image_paths ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	if (!*image_paths)
		return diag_fail(d, "out of memory");
	if (root < 0)
		return diag_errno(d, errno, "%s", dir);
	for (size_t i = 0; r == 0 && i < n; i++) {
		snprintf(to, sizeof(to), "lib/modules/%s/%s", release, order[i]);
		r = write_one(w, root, real, to, order[i], d);
		if (r == 0 && asprintf(&(*image_paths)[i], "/%s", to) < 0)
			r = diag_fail(d, "out of memory");
	}
	close(root);
	return r;
}
