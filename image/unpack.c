/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tar streams unpacked into a private directory, for tar: images and the
 * layers of OCI and docker images. Nothing lands outside that directory:
 * libarchive refuses absolute paths, ".." and writing through symlinks, and
 * what we delete ourselves (whiteouts, directories a file replaces) is
 * reached with openat(O_NOFOLLOW), one component at a time. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

struct archive *unpack_reader(void)
{
	struct archive *a = archive_read_new();

	/* Tar only, never format_all: libarchive's mtree reader takes a text
	 * file as a list of paths and reads them from the host, so a crafted
	 * "layer" could copy the builder's own files into an image. */
	if (a && (archive_read_support_filter_all(a) < ARCHIVE_WARN || archive_read_support_format_tar(a) != ARCHIVE_OK ||
		  archive_read_support_format_empty(a) != ARCHIVE_OK)) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

bool path_clean(char *path, bool resolve)
{
	char *out = path, *in = path;

	if (!resolve && path[0] == '/')
		return false;
	while (*in) {
		size_t len = strcspn(in, "/");
		if (len == 2 && in[0] == '.' && in[1] == '.') {
			if (!resolve || out == path)
				return false;
			while (out > path && out[-1] != '/')
				out--;
			if (out > path)
				out--;
		} else if (len && !(len == 1 && in[0] == '.')) {
			if (out != path)
				*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in += len;
		while (*in == '/')
			in++;
	}
	*out = '\0';
	return true;
}

/* What a whiteout deletes (and remove_at removes) is one entry of its
 * directory: never the directory itself ("."), its parent (".."),
 * nothing (""), or a path. */
static bool whiteout_name_ok(const char *name)
{
	return *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/');
}

/* An fd of the directory PATH below DIRFD ("": DIRFD itself), reached
 * without following a symlink; -errno when a component is missing, not a
 * directory or a symlink. */
static int open_dir(int dirfd, const char *path)
{
	char copy[PATH_MAX];
	_cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(copy, sizeof(copy), "%s", path);
	for (char *part = copy, *next; part; part = next) {
		if ((next = strchr(part, '/')))
			*next++ = '\0';
		if (!*part || strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0)
			return -EINVAL; /* never above DIRFD */
		int sub = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return -errno;
		close(fd);
		fd = sub;
	}
	return steal_fd(&fd);
}

/* The directory holding PATH's last component, as open_dir; *BASE points
 * at that component. */
static int open_parent(int dirfd, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	*base = slash ? slash + 1 : path;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	return open_dir(dirfd, dir);
}

/* Removes every entry of the directory FD (which it closes). */
static int empty_dir(int fd)
{
	DIR *dir = fdopendir(fd);
	struct dirent *entry;
	int r = 0;

	if (!dir) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (entry = readdir(dir)))
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			r = remove_at(dirfd(dir), entry->d_name);
	closedir(dir);
	return r;
}

int remove_at(int dirfd, const char *name)
{
	/* One entry of DIRFD, never DIRFD itself or what lies above it. */
	if (!whiteout_name_ok(name))
		return -EINVAL;
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -errno;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = fd < 0 ? -errno : empty_dir(fd);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		r = -errno;
	return r;
}

static int push(char ***list, size_t *n, const char *dir, const char *name)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(char *));

	if (!grown)
		return -1;
	*list = grown;
	if (asprintf(&grown[*n], "%s%s%s", dir, *dir && *name ? "/" : "", name) < 0)
		return -1;
	(*n)++;
	return 0;
}

/* The next entry, its path made plain; 0 at the end, -1 with d set. */
static int next_entry(struct archive *a, const char *what, struct archive_entry **e, char *path, size_t size,
		      struct diag *d)
{
	int r = archive_read_next_header(a, e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN)
		return diag_fail(d, "%s: %s", what, archive_error_string(a));
	const char *name = archive_entry_pathname(*e);
	if (!name || snprintf(path, size, "%s", name) >= (int)size)
		return diag_fail(d, "%s: an entry without a usable name", what);
	if (!path_clean(path, false))
		return diag_fail(d, "%s: entry \"%s\" points outside the image (absolute or with \"..\")", what, name);
	const char *link = archive_entry_hardlink(*e);
	char target[PATH_MAX];
	if (link && (snprintf(target, sizeof(target), "%s", link) >= (int)sizeof(target) || !path_clean(target, false)))
		return diag_fail(d, "%s: entry \"%s\" links to \"%s\", outside the image", what, name, link);
	/* libarchive writes them as they read now. */
	archive_entry_set_pathname(*e, path);
	if (link)
		archive_entry_set_hardlink(*e, target);
	return 1;
}

int unpack_scan(struct archive *a, const char *what, struct whiteouts *w, struct diag *d)
{
	struct archive_entry *e;
	char path[PATH_MAX];
	int r;

	while ((r = next_entry(a, what, &e, path, sizeof(path), d)) > 0) {
		char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
		if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) != 0)
			continue;
		if (slash)
			*slash = '\0';
		const char *dir = slash ? path : "";
		const char *name = base + strlen(WHITEOUT);
		if (strcmp(base, OPAQUE) == 0)
			r = push(&w->opaque, &w->n_opaque, dir, "");
		else if (strncmp(base, WHITEOUT WHITEOUT, 2 * strlen(WHITEOUT)) == 0)
			continue; /* aufs's own bookkeeping (.wh..wh.plnk and the like) */
		else if (!whiteout_name_ok(name))
			return diag_fail(d, "%s: whiteout entry \"%s%s%s\" names no file of the layers below (\"%s\"); refusing the layer",
					 what, dir, *dir ? "/" : "", base, name);
		else
			r = push(&w->paths, &w->n_paths, dir, name);
		if (r < 0)
			return diag_fail(d, "out of memory");
	}
	return r;
}

int unpack_whiteouts(int dirfd, const struct whiteouts *w, struct diag *d)
{
	for (size_t i = 0; i < w->n_paths + w->n_opaque; i++) {
		bool opaque = i >= w->n_paths;
		const char *path = opaque ? w->opaque[i - w->n_paths] : w->paths[i], *base;
		/* An opaque directory is emptied: its lower entries go as if each
		 * had a whiteout, and this layer's own come after. */
		int fd = opaque ? open_dir(dirfd, path) : open_parent(dirfd, path, &base), r;
		/* A whiteout for what no lower layer has, or that sits below a
		 * symlink, deletes nothing. */
		if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
			continue;
		if (fd < 0)
			r = fd;
		else if (opaque)
			r = empty_dir(fd);
		else {
			r = remove_at(fd, base);
			close(fd);
		}
		if (r < 0)
			return diag_errno(d, -r, "whiteout %s%s", path, opaque ? " (opaque directory)" : "");
	}
	return 0;
}

void whiteouts_free(struct whiteouts *w)
{
	for (size_t i = 0; i < w->n_paths; i++)
		free(w->paths[i]);
	for (size_t i = 0; i < w->n_opaque; i++)
		free(w->opaque[i]);
	free(w->paths);
	free(w->opaque);
	memset(w, 0, sizeof(*w));
}

/* A layer's file, link or device replaces a directory of a lower layer
 * whole; libarchive would only remove an empty one. */
static int replace_directory(int dirfd, const char *path)
{
	const char *base;
	struct stat st;
	int fd = open_parent(dirfd, path, &base), r = 0;
	if (fd < 0)
		return 0; /* libarchive reports what is wrong with the path */
	if (fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		r = remove_at(fd, base);
	close(fd);
	return r;
}

static int copy_entry(struct archive *a, struct archive *disk, struct archive_entry *e, const char *path,
		      const char *what, struct diag *d)
{
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;

	if (archive_write_header(disk, e) < ARCHIVE_WARN)
		return diag_fail(d, "%s: %s: %s", what, path, archive_error_string(disk));
	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK || r == ARCHIVE_WARN)
		if (archive_write_data_block(disk, buf, size, offset) < ARCHIVE_WARN)
			return diag_fail(d, "%s: %s: %s", what, path, archive_error_string(disk));
	if (r != ARCHIVE_EOF)
		return diag_fail(d, "%s: %s: %s", what, path, archive_error_string(a));
	if (archive_write_finish_entry(disk) < ARCHIVE_WARN)
		return diag_fail(d, "%s: %s: %s", what, path, archive_error_string(disk));
	return 0;
}

static struct node_drops *drops_sink;

void unpack_count_drops(struct node_drops *sink)
{
	drops_sink = sink;
}

void node_drops_add(struct node_drops *drops, const char *path, bool device)
{
	if (!drops)
		return;
	if (!device) {
		drops->others++;
		return;
	}
	if (!drops->devices++)
		snprintf(drops->first, sizeof(drops->first), "/%.250s", path[0] == '/' ? path + 1 : path);
}

int unpack_extract(struct archive *a, int dirfd, bool layer, const char *what, struct diag *d)
{
	int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	bool root = geteuid() == 0;
	struct archive *disk = archive_write_disk_new();
	struct archive_entry *e;
	char path[PATH_MAX];
	int r, cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* The image's own owners, by number: the builder's user names mean
	 * nothing inside it. Without root they cannot be kept. */
	if (root)
		flags |= ARCHIVE_EXTRACT_OWNER;
	if (!disk || cwd < 0 || archive_write_disk_set_options(disk, flags) != ARCHIVE_OK) {
		r = diag_fail(d, "%s: %s", what, disk ? strerror(errno) : "out of memory");
		goto out;
	}
	/* libarchive writes relative to the working directory; with the
	 * SECURE_ flags it refuses anything that would leave it. The builder
	 * is single-threaded, and the directory is restored below. */
	if (fchdir(dirfd) < 0) {
		r = diag_errno(d, errno, "%s", what);
		goto out;
	}
	while ((r = next_entry(a, what, &e, path, sizeof(path), d)) > 0) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		mode_t type = archive_entry_filetype(e);
		if (!*path)
			continue; /* the root itself: ours, not the archive's */
		if (layer && strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0)
			continue; /* applied before this layer, by unpack_whiteouts */
		/* Never made, not even as root: a node of the image's choosing
		 * would reach this host's devices from the staging directory. */
		if (type == AE_IFCHR || type == AE_IFBLK) {
			node_drops_add(drops_sink, path, true);
			continue;
		}
		if (layer && type != AE_IFDIR && (r = replace_directory(dirfd, path)) < 0) {
			r = diag_errno(d, -r, "%s: %s: replacing a directory", what, path);
			break;
		}
		if ((r = copy_entry(a, disk, e, path, what, d)) < 0)
			break;
	}
	/* Closing sets the modes of directories, deferred until their entries are in. */
	if (archive_write_close(disk) != ARCHIVE_OK && r == 0)
		r = diag_fail(d, "%s: %s", what, archive_error_string(disk));
	if (fchdir(cwd) < 0 && r == 0)
		r = diag_errno(d, errno, "back to the working directory");
out:
	if (disk)
		archive_write_free(disk);
	if (cwd >= 0)
		close(cwd);
	return r < 0 ? -1 : 0;
}
