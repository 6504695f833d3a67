/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The build context: the directory beneath which every host path a
 * manifest names must lie (files: source:, dir:, tar:, oci:,
 * docker-archive:, kernel: path and modules, seccomp: profiles). A manifest
 * is often someone else's; without this, source: /etc/shadow would copy
 * whatever the builder can read into the image.
 *
 * How "beneath" is decided, and why it is sound: a path is opened first
 * with O_PATH, following symlinks and ".." as the kernel does (no side
 * effect, a FIFO does not block, a device is not opened). Where that
 * descriptor really is, is then read back from /proc/self/fd and compared
 * with the context's real path. Only then is the file opened for reading,
 * through that same descriptor (reopening /proc/self/fd/N reaches its
 * inode, not a path). So the check and the read concern one file, however
 * the path is changed meanwhile (no TOCTOU), and a symlink inside the
 * context that points out of it is refused like a plain path outside.
 *
 * One context per process: bulkhead build reads one manifest. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

static char root[PATH_MAX]; /* "": no context set, nothing is confined */

int context_set(const char *dir)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(dir, real) || stat(real, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	snprintf(root, sizeof(root), "%s", real);
	return 0;
}

const char *context_root(void)
{
	return root;
}

static bool beneath(const char *where)
{
	size_t len = strlen(root);

	if (!root[0] || strcmp(root, "/") == 0)
		return true;
	return strncmp(where, root, len) == 0 && (where[len] == '/' || where[len] == '\0');
}

int input_open(const char *path, int flags, char *real, size_t size)
{
	char link[64], where[PATH_MAX];
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW));

	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, where, sizeof(where) - 1);
	if (n < 0)
		return -errno;
	where[n] = '\0';
	if (real)
		snprintf(real, size, "%s", where);
	if (!beneath(where))
		return -EXDEV;
	if (flags & O_PATH)
		return steal_fd(&fd);
	int out = open(link, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	return out < 0 ? -errno : out;
}

int input_check(const char *given, const char *path, struct diag *d)
{
	char real[PATH_MAX] = "";
	int fd = input_open(path, O_PATH, real, sizeof(real));

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (fd == -EXDEV)
		return diag_fail(d,
				 "\"%s\" is outside the build context %s (it is %s); move it under %s, or widen the "
				 "context with bulkhead build --context DIR",
				 given, root, real, root);
	return diag_errno(d, -fd, "%s", path);
}

const char *input_strerror(int e)
{
	return e == EXDEV ? "it leads outside the build context (changed since the manifest was read?)" : strerror(e);
}

int input_file(struct initrd *w, const char *path, const char *source, mode_t mode, struct diag *d)
{
	int fd = input_open(source, O_RDONLY | O_NONBLOCK | O_NOCTTY, NULL, 0), r;
	struct stat st;
	char via[64];

	if (fd < 0)
		return diag_fail(d, "%s: %s", source, input_strerror(-fd));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return diag_fail(d, "%s is not a regular file", source);
	}
	snprintf(via, sizeof(via), "/proc/self/fd/%d", fd);
	r = initrd_file(w, path, via, mode, d);
	close(fd);
	return r;
}
