/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container root filesystems, written straight into the initrd. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image.h"

/* Mount points every container needs; the runtime mounts onto them, and the
 * rootfs may be read-only by then. */
static const char *const mountpoints[] = { "dev", "proc", "sys", "tmp" };

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group[] = "root:x:0:\nnogroup:x:65534:\n";

static int join(char *out, size_t size, const char *prefix, const char *path, struct diag *d)
{
	if (snprintf(out, size, "%s/%s", prefix, path) >= (int)size)
		return diag_fail(d, "path too long: %s/%s", prefix, path);
	return 0;
}

static int write_busybox(struct initrd *w, const char *prefix, const struct tools *t, struct diag *d)
{
	static const char *const dirs[] = { "bin", "etc", "home", "root", "run", "sbin", "usr/bin", "usr/sbin", "var" };
	char path[PATH_MAX], command[PATH_MAX + 32], applet[PATH_MAX];
	FILE *list;
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (join(path, sizeof(path), prefix, dirs[i], d) < 0 ||
		    initrd_dir(w, path, strcmp(dirs[i], "root") == 0 ? 0700 : 0755, d) < 0)
			return -1;
	if (join(path, sizeof(path), prefix, "bin/busybox", d) < 0 || initrd_file(w, path, t->busybox, 0755, d) < 0)
		return -1;
	if (join(path, sizeof(path), prefix, "etc/passwd", d) < 0 ||
	    initrd_data(w, path, passwd, sizeof(passwd) - 1, 0644, d) < 0 ||
	    join(path, sizeof(path), prefix, "etc/group", d) < 0 ||
	    initrd_data(w, path, group, sizeof(group) - 1, 0644, d) < 0)
		return -1;

	/* The applet list comes from the binary itself, so that links match it. */
	snprintf(command, sizeof(command), "'%s' --list-full", t->busybox);
	if (!(list = popen(command, "r")))
		return diag_errno(d, errno, "%s --list-full", t->busybox);
	while (r == 0 && fgets(applet, sizeof(applet), list)) {
		applet[strcspn(applet, "\n")] = '\0';
		if (!applet[0] || strcmp(applet, "bin/busybox") == 0)
			continue;
		r = join(path, sizeof(path), prefix, applet, d);
		if (r == 0)
			r = initrd_symlink(w, path, "/bin/busybox", d);
	}
	if (pclose(list) != 0 && r == 0)
		r = diag_fail(d, "%s --list-full failed; is it a busybox binary?", t->busybox);
	return r;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Copies SOURCE below PREFIX in name order, so that two builds match.
 * INPUT: SOURCE is the manifest's (dir:), and every file is read through a
 * descriptor checked to lie beneath the build context (context.c), so that
 * a directory swapped for a symlink mid-walk cannot bring a file in. Device
 * nodes, FIFOs and sockets go to DROPS instead. */
static int write_tree(struct initrd *w, const char *source, const char *prefix, bool input,
		      struct node_drops *drops, struct diag *d)
{
	struct dirent **entries;
	int n = scandir(source, &entries, NULL, by_name), r = 0;

	if (n < 0)
		return diag_errno(d, errno, "%s", source);
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		char from[PATH_MAX], to[PATH_MAX], target[PATH_MAX];
		struct stat st;
		ssize_t len;

		if (r < 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (join(from, sizeof(from), source, name, d) < 0 || join(to, sizeof(to), prefix, name, d) < 0) {
			r = -1;
			continue;
		}
		if (lstat(from, &st) < 0) {
			r = diag_errno(d, errno, "%s", from);
			continue;
		}
		initrd_owner(w, st.st_uid, st.st_gid);
		if (S_ISDIR(st.st_mode))
			r = initrd_dir(w, to, st.st_mode, d) < 0 ? -1 : write_tree(w, from, to, input, drops, d);
		else if (S_ISREG(st.st_mode))
			r = input ? input_file(w, to, from, st.st_mode, d) : initrd_file(w, to, from, st.st_mode, d);
		else if (S_ISLNK(st.st_mode)) {
			if ((len = readlink(from, target, sizeof(target) - 1)) < 0)
				r = diag_errno(d, errno, "%s", from);
			else {
				target[len] = '\0';
				r = initrd_symlink(w, to, target, d);
			}
		} else {
			/* Device nodes, FIFOs and sockets: see struct node_drops. */
			node_drops_add(drops, from + drops->strip, S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
		}
	}
	for (int i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	initrd_owner(w, 0, 0);
	return r;
}

/* Archives and images are unpacked on disk first, where whiteouts are
 * plain deletions, then written as a dir: image is. */
int rootfs_unpack(const struct container *c, const char *scratch, char *dir, size_t size, struct node_drops *drops,
		  struct diag *d)
{
	int fd = -1, r = 0;

	dir[0] = '\0';
	if (c->image_kind == IMAGE_BUSYBOX || c->image_kind == IMAGE_DIR)
		return 0;
	if (snprintf(dir, size, "%s/unpack-XXXXXX", scratch) >= (int)size || !mkdtemp(dir) ||
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = diag_errno(d, errno, "%s", dir);
	else {
		unpack_count_drops(drops);
		r = c->image_kind == IMAGE_TAR ? tar_image_unpack(c, fd, d) : oci_unpack(c, fd, d);
		unpack_count_drops(NULL);
	}
	if (fd >= 0)
		close(fd);
	if (r < 0)
		diag_prefix(d, "image \"%s\": ", c->image);
	return r;
}

int rootfs_write(struct initrd *w, const char *prefix, const struct container *c, const struct tools *t,
		 const char *unpacked, struct node_drops *drops, struct diag *d)
{
	char path[PATH_MAX];
	int r;

	if (initrd_dir(w, prefix, 0755, d) < 0)
		return -1;
	if (c->image_kind == IMAGE_BUSYBOX)
		r = write_busybox(w, prefix, t, d);
	else {
		const char *source = c->image_kind == IMAGE_DIR ? c->image_path : unpacked;
		drops->strip = strlen(source) + 1;
		r = write_tree(w, source, prefix, c->image_kind == IMAGE_DIR, drops, d);
	}
	if (r < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(mountpoints); i++)
		if (join(path, sizeof(path), prefix, mountpoints[i], d) < 0 ||
		    initrd_dir(w, path, strcmp(mountpoints[i], "tmp") == 0 ? 01777 : 0755, d) < 0)
			return -1;
	return 0;
}

/* The image's /etc/passwd or /etc/group as text ("" when it has none).
 * Opened as if the image's root were / (RESOLVE_IN_ROOT): an image's
 * etc -> /etc means its own /etc, never the builder's. Only a regular file
 * of up to 1 MiB is read, so that a FIFO or a huge file cannot stall the
 * build. */
static char *image_etc(const struct container *c, const char *unpacked, const char *name)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	char path[64];
	struct stat st;
	char *text = NULL;

	if (c->image_kind == IMAGE_BUSYBOX)
		return strdup(strcmp(name, "passwd") == 0 ? passwd : group);
	int root = open(c->image_kind == IMAGE_DIR ? c->image_path : unpacked, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "etc/%s", name);
	int fd = root < 0 ? -1 : (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	/* Kernels before 5.6: no symlinks followed at all. */
	if (fd < 0 && errno == ENOSYS)
		fd = openat(root, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
	if (root >= 0)
		close(root);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (1 << 20) &&
	    (text = calloc(1, (size_t)st.st_size + 1))) {
		size_t got = 0;
		ssize_t n;
		while (got < (size_t)st.st_size && (n = read(fd, text + got, (size_t)st.st_size - got)) > 0)
			got += (size_t)n;
		text[got] = '\0';
	}
	if (fd >= 0)
		close(fd);
	return text ? text : strdup("");
}

/* The colon-separated fields of LINE (up to its newline), in COPY. */
static size_t etc_fields(const char *line, char *copy, size_t size, char *fields[], size_t max)
{
	size_t n = 0;

	snprintf(copy, size, "%.*s", (int)strcspn(line, "\n"), line);
	for (char *q = copy, *f; n < max && (f = strsep(&q, ":")); n++)
		fields[n] = f;
	return n;
}

static const char *next_line(const char *line)
{
	const char *end = strchr(line, '\n');
	return end ? end + 1 : NULL;
}

/* Field FIELD (from 0) of the first line whose field KEY_FIELD is KEY,
 * copied into OUT; false when there is none. */
static bool etc_lookup(const char *text, size_t key_field, const char *key, size_t field, char *out, size_t size)
{
	for (const char *line = text; line && *line; line = next_line(line)) {
		char copy[1024], *fields[8];
		size_t n = etc_fields(line, copy, sizeof(copy), fields, 8);
		if (key_field < n && field < n && strcmp(fields[key_field], key) == 0) {
			snprintf(out, size, "%s", fields[field]);
			return true;
		}
	}
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* An id from the manifest or the image's /etc files: digits only, else
 * -1. Beyond 32 bits it stays above 65534, for the range check to refuse:
 * (unsigned)strtoul or atoi would wrap "4294967296" to 0, which is root. */
static long long id_number(const char *s)
{
	if (!all_digits(s))
		return -1;
	errno = 0;
	unsigned long long n = strtoull(s, NULL, 10);
	return errno == ERANGE || n > UINT_MAX ? (long long)UINT_MAX : (long long)n;
}

/* Groups that list USER as a member, from /etc/group's fourth field. */
static void member_groups(struct container *c, const char *group_text, const char *user)
{
	for (const char *line = group_text; line && *line && c->ids.n_groups < 32; line = next_line(line)) {
		char copy[1024], *fields[4], *save = NULL;
		/* A group whose id could not map is no group the user can be given. */
		if (etc_fields(line, copy, sizeof(copy), fields, 4) < 4 || id_number(fields[2]) < 0 ||
		    id_number(fields[2]) > 65534)
			continue;
		for (char *m = strtok_r(fields[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (strcmp(m, user) == 0 && (unsigned)id_number(fields[2]) != c->ids.gid)
				c->ids.groups[c->ids.n_groups++] = (unsigned)id_number(fields[2]);
	}
}

int rootfs_resolve_user(struct container *c, const char *unpacked, struct diag *d)
{
	char user[256], group_name[256] = "", value[64];
	char *colon, *passwd_text, *group_text;
	int r = 0;

	/* The manifest's user, else the image config's. */
	const char *given = c->user ? c->user : c->image_user;
	if (!given)
		return 0;
	snprintf(user, sizeof(user), "%s", given);
	if ((colon = strchr(user, ':'))) {
		*colon = '\0';
		snprintf(group_name, sizeof(group_name), "%s", colon + 1);
	}
	passwd_text = image_etc(c, unpacked, "passwd");
	group_text = image_etc(c, unpacked, "group");
	if (!passwd_text || !group_text) {
		r = diag_fail(d, "out of memory");
		goto out;
	}
	/* A number need not be in /etc/passwd; its group is then 0, as with
	 * Docker. A name must be. */
	long long uid = -1, gid = 0;
	if (all_digits(user)) {
		uid = id_number(user);
		if (etc_lookup(passwd_text, 2, user, 3, value, sizeof(value)))
			gid = id_number(value);
	} else if (etc_lookup(passwd_text, 0, user, 2, value, sizeof(value))) {
		uid = id_number(value);
		gid = etc_lookup(passwd_text, 0, user, 3, value, sizeof(value)) ? id_number(value) : -1;
		/* Supplementary groups besides the passwd entry's own. */
		c->ids.gid = gid < 0 || gid > 65534 ? UINT_MAX : (unsigned)gid;
		member_groups(c, group_text, user);
	} else {
		r = diag_fail(d, "user \"%s\": no such user in the image's /etc/passwd; give a number or add the user",
			      user);
		goto out;
	}
	if (group_name[0] && all_digits(group_name)) {
		gid = id_number(group_name);
	} else if (group_name[0]) {
		if (!etc_lookup(group_text, 0, group_name, 2, value, sizeof(value))) {
			r = diag_fail(d, "user \"%s\": no such group \"%s\" in the image's /etc/group", given, group_name);
			goto out;
		}
		gid = id_number(value);
	}
	if (uid < 0 || gid < 0) {
		r = diag_fail(d, "user \"%s\": the image's /etc/passwd or /etc/group gives it an id that is not a number",
			      given);
		goto out;
	}
	c->ids.uid = uid > 65534 ? UINT_MAX : (unsigned)uid;
	c->ids.gid = gid > 65534 ? UINT_MAX : (unsigned)gid;
	if (c->ids.uid > 65534 || c->ids.gid > 65534)
		r = diag_fail(d, "user \"%s\": ids above 65534 do not map in the appliance", given);
	c->ids.resolved = r == 0;
out:
	free(passwd_text);
	free(group_text);
	return r;
}

int rootfs_write_files(struct initrd *w, const char *prefix, const struct container *c, struct diag *d)
{
	char path[PATH_MAX];
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->n_files; i++) {
		const struct file_entry *f = &c->files[i];
		if (join(path, sizeof(path), prefix, f->path + 1, d) < 0)
			return -1;
		initrd_owner(w, f->uid, f->gid);
		if (f->source)
			r = input_file(w, path, f->source, f->mode, d);
		else
			r = initrd_data(w, path, f->contents, strlen(f->contents), f->mode, d);
	}
	initrd_owner(w, 0, 0);
	return r;
}
