/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The initrd: a newc cpio archive written with libarchive, compressed.
 * Reproducible by construction: callers add entries in a fixed order, every
 * time stamp is SOURCE_DATE_EPOCH (or 0) and inode numbers count up. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "image.h"

struct initrd {
	struct archive *archive;
	time_t mtime;
	unsigned ino;
	uid_t uid;
	gid_t gid;
	uint32_t shift_base, shift_size; /* initrd_id_shift's range; size 0: none */
	long long data_pages; /* file data once unpacked, in pages */
	char **dirs; /* directories already written, to add missing parents once */
	size_t n_dirs, cap_dirs;
};

static int archive_fail(struct initrd *w, const char *path, struct diag *d)
{
	return diag_fail(d, "initrd: %s: %s", path, archive_error_string(w->archive));
}

struct initrd *initrd_open(const char *path, struct diag *d)
{
	struct initrd *w = calloc(1, sizeof(*w));
	const char *epoch = getenv("SOURCE_DATE_EPOCH");

	if (!w)
		return diag_fail(d, "out of memory"), NULL;
	w->mtime = epoch ? (time_t)strtoll(epoch, NULL, 10) : 0;
	w->archive = archive_write_new();
	if (!w->archive || archive_write_set_format_cpio_newc(w->archive) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(w->archive) != ARCHIVE_OK ||
	    /* a gzip header time stamp would make two builds differ */
	    archive_write_set_filter_option(w->archive, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
	    archive_write_open_filename(w->archive, path) != ARCHIVE_OK) {
		diag_fail(d, "initrd: %s: %s", path, w->archive ? archive_error_string(w->archive) : "out of memory");
		if (w->archive)
			archive_write_free(w->archive);
		free(w);
		return NULL;
	}
	return w;
}

void initrd_owner(struct initrd *w, uid_t uid, gid_t gid)
{
	w->uid = uid;
	w->gid = gid;
}

void initrd_id_shift(struct initrd *w, uint32_t base, uint32_t size)
{
	w->shift_base = base;
	w->shift_size = size;
}

/* An id of the image as the VM sees it in the range: ID inside is BASE+ID
 * outside; one past the range is unmapped there, and is written as the
 * VM's nobody, which the container sees as its overflow id too. */
static unsigned shifted(const struct initrd *w, unsigned id)
{
	if (!w->shift_size)
		return id;
	return id < w->shift_size ? w->shift_base + id : 65534;
}

bool initrd_has(struct initrd *w, const char *path)
{
	for (size_t i = w->n_dirs; i > 0; i--)
		if (strcmp(w->dirs[i - 1], path) == 0)
			return true;
	return false;
}

static int remember_dir(struct initrd *w, const char *path, struct diag *d)
{
	if (w->n_dirs == w->cap_dirs) {
		size_t cap = w->cap_dirs ? w->cap_dirs * 2 : 256;
		char **grown = realloc(w->dirs, cap * sizeof(char *));
		if (!grown)
			return diag_fail(d, "out of memory");
		w->dirs = grown;
		w->cap_dirs = cap;
	}
	if (!(w->dirs[w->n_dirs] = strdup(path)))
		return diag_fail(d, "out of memory");
	w->n_dirs++;
	return 0;
}

static struct archive_entry *new_entry(struct initrd *w, const char *path, mode_t type, mode_t mode)
{
	struct archive_entry *e = archive_entry_new();

	if (!e)
		return NULL;
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode & 07777);
	archive_entry_set_uid(e, shifted(w, w->uid));
	archive_entry_set_gid(e, shifted(w, w->gid));
	archive_entry_set_mtime(e, w->mtime, 0);
	archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
	archive_entry_set_ino(e, ++w->ino);
	archive_entry_set_size(e, 0);
	return e;
}

enum { TMPFS_PAGE = 4096 };

static void count_data(struct initrd *w, long long bytes)
{
	w->data_pages += (bytes + TMPFS_PAGE - 1) / TMPFS_PAGE;
}

static int write_header(struct initrd *w, struct archive_entry *e, const char *path, struct diag *d)
{
	int r = archive_write_header(w->archive, e) == ARCHIVE_OK ? 0 : archive_fail(w, path, d);
	archive_entry_free(e);
	return r;
}

static int ensure_parents(struct initrd *w, const char *path, struct diag *d)
{
	char parent[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	if (initrd_has(w, parent))
		return 0;
	return initrd_dir(w, parent, 0755, d);
}

int initrd_dir(struct initrd *w, const char *path, mode_t mode, struct diag *d)
{
	if (initrd_has(w, path))
		return 0;
	if (ensure_parents(w, path, d) < 0)
		return -1;
	struct archive_entry *e = new_entry(w, path, AE_IFDIR, mode);
	if (!e)
		return diag_fail(d, "out of memory");
	if (write_header(w, e, path, d) < 0)
		return -1;
	return remember_dir(w, path, d);
}

int initrd_data(struct initrd *w, const char *path, const void *data, size_t len, mode_t mode,
		struct diag *d)
{
	if (ensure_parents(w, path, d) < 0)
		return -1;
	struct archive_entry *e = new_entry(w, path, AE_IFREG, mode);
	if (!e)
		return diag_fail(d, "out of memory");
	archive_entry_set_size(e, (la_int64_t)len);
	count_data(w, (long long)len);
	if (write_header(w, e, path, d) < 0)
		return -1;
	if (len && archive_write_data(w->archive, data, len) != (la_ssize_t)len)
		return archive_fail(w, path, d);
	return 0;
}

int initrd_file(struct initrd *w, const char *path, const char *source, mode_t mode, struct diag *d)
{
	char buf[65536];
	struct stat st;
	int fd = open(source, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return diag_errno(d, e, "%s", source);
	}
	if (ensure_parents(w, path, d) < 0) {
		close(fd);
		return -1;
	}
	struct archive_entry *e = new_entry(w, path, AE_IFREG, mode);
	if (!e) {
		close(fd);
		return diag_fail(d, "out of memory");
	}
	archive_entry_set_size(e, st.st_size);
	count_data(w, (long long)st.st_size);
	if (write_header(w, e, path, d) < 0) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(w->archive, buf, (size_t)n) != n) {
			close(fd);
			return archive_fail(w, path, d);
		}
	int e2 = errno;
	close(fd);
	return n < 0 ? diag_errno(d, e2, "%s", source) : 0;
}

int initrd_symlink(struct initrd *w, const char *path, const char *target, struct diag *d)
{
	if (ensure_parents(w, path, d) < 0)
		return -1;
	struct archive_entry *e = new_entry(w, path, AE_IFLNK, 0777);
	if (!e)
		return diag_fail(d, "out of memory");
	archive_entry_set_symlink(e, target);
	count_data(w, (long long)strlen(target)); /* a page, unless short enough to sit in the inode: no matter */
	return write_header(w, e, path, d);
}

int initrd_device(struct initrd *w, const char *path, mode_t mode, unsigned major, unsigned minor,
		  struct diag *d)
{
	if (ensure_parents(w, path, d) < 0)
		return -1;
	struct archive_entry *e = new_entry(w, path, S_ISBLK(mode) ? AE_IFBLK : AE_IFCHR, mode);
	if (!e)
		return diag_fail(d, "out of memory");
	archive_entry_set_rdev(e, makedev(major, minor));
	return write_header(w, e, path, d);
}

long long initrd_bytes(struct initrd *w)
{
	/* filter 0 is the cpio stream itself, before gzip; -1 would be the gzip output */
	return (long long)archive_filter_bytes(w->archive, 0);
}

long long initrd_unpacked_bytes(struct initrd *w)
{
	return w->data_pages * TMPFS_PAGE;
}

long long initrd_entries(struct initrd *w)
{
	return w->ino;
}

int initrd_close(struct initrd *w, struct diag *d)
{
	int r = 0;

	if (archive_write_close(w->archive) != ARCHIVE_OK)
		r = diag_fail(d, "initrd: %s", archive_error_string(w->archive));
	archive_write_free(w->archive);
	for (size_t i = 0; i < w->n_dirs; i++)
		free(w->dirs[i]);
	free(w->dirs);
	free(w);
	return r;
}
