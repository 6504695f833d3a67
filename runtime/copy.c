/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copying a directory tree of the rootfs into a fresh tmpfs (tmpcopyup).
 * The source is the image's, so nothing in it is trusted: every step is
 * relative to an open directory, with O_NOFOLLOW, and a symlink is copied
 * as a link, never followed. The destination is ours and empty. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define MAX_DEPTH 128 /* deeper than any image's tree; bounds the open fds */

/* The path below the copied directory, for messages. */
struct copy_walk {
	char rel[PATH_MAX];
	struct bh_err *err;
};

static int fail(struct copy_walk *walk, int negative_errno, const char *what)
{
	return bh_fail_errno(walk->err, negative_errno, "%s %s", what, walk->rel[0] ? walk->rel : ".");
}

static int copy_bytes(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (bh_write_all(out, buf, (size_t)n) < 0)
			return -errno;
	}
	return 0;
}

static int copy_file(struct copy_walk *walk, int from, int to, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	int r;

	if (in < 0)
		return fail(walk, -errno, "reading");
	if ((out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return fail(walk, -errno, "creating");
	if ((r = copy_bytes(in, out)) < 0)
		return fail(walk, r, "copying");
	/* Owner first: a chown clears set-id bits, which the chmod restores. */
	if (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
		return fail(walk, -errno, "setting the owner and mode of");
	return 0;
}

static int copy_dir(struct copy_walk *walk, int from, int to, int depth);

/* One entry NAME of FROM, made in TO. */
static int copy_entry(struct copy_walk *walk, int from, int to, const char *name, int depth)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t len;
	int r = 0;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(walk, -errno, "reading");
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		r = copy_file(walk, from, to, name, &st);
		break;
	case S_IFDIR: {
		/* Made private (0700) while it is filled, given its mode after. */
		if (mkdirat(to, name, 0700) < 0)
			return fail(walk, -errno, "creating");
		_cleanup_close_ int sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub_from < 0 || sub_to < 0)
			return fail(walk, -errno, "opening");
		if ((r = copy_dir(walk, sub_from, sub_to, depth + 1)) < 0)
			return r;
		if (fchown(sub_to, st.st_uid, st.st_gid) < 0 || fchmod(sub_to, st.st_mode & 07777) < 0)
			return fail(walk, -errno, "setting the owner and mode of");
		break;
	}
	case S_IFLNK:
		if ((len = readlinkat(from, name, target, sizeof(target) - 1)) < 0)
			return fail(walk, -errno, "reading the link");
		target[len] = '\0';
		if (symlinkat(target, to, name) < 0)
			return fail(walk, -errno, "creating the link");
		break;
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
		if (mknodat(to, name, st.st_mode, st.st_rdev) < 0 ||
		    fchmodat(to, name, st.st_mode & 07777, 0) < 0)
			return fail(walk, -errno, "creating the node");
		break;
	default:
		/* A socket means nothing without the process that listened on it. */
		return 0;
	}
	if (r < 0)
		return r;
	const struct timespec times[2] = { st.st_atim, st.st_mtim };
	if ((!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
	     fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) ||
	    utimensat(to, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(walk, -errno, "setting the owner and times of");
	return 0;
}

static int copy_dir(struct copy_walk *walk, int from, int to, int depth)
{
	struct dirent *entry;
	int r = 0;

	if (depth > MAX_DEPTH)
		return fail(walk, -ELOOP, "descending into");
	int fd = dup(from);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return fail(walk, r, "listing");
	}
	size_t base = strlen(walk->rel);
	while (r == 0 && (errno = 0, entry = readdir(dir))) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (snprintf(walk->rel + base, sizeof(walk->rel) - base, "%s%s", base ? "/" : "", entry->d_name) >=
		    (int)(sizeof(walk->rel) - base)) {
			r = fail(walk, -ENAMETOOLONG, "copying");
			break;
		}
		r = copy_entry(walk, from, to, entry->d_name, depth);
		walk->rel[base] = '\0';
	}
	if (r == 0 && errno != 0)
		r = fail(walk, -errno, "listing");
	closedir(dir);
	return r;
}

int bh_copy_tree(int from, const char *to, struct bh_err *err)
{
	struct copy_walk walk = { .rel = "", .err = err };
	_cleanup_close_ int to_fd = open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (to_fd < 0)
		return bh_fail_errno(err, -errno, "opening %s", to);
	/* The tmpfs's root keeps what its options (mode=, uid=, gid=) say. */
	return copy_dir(&walk, from, to_fd, 0);
}
