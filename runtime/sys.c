/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Side-effecting syscall wrappers that take no container, and the reading
 * of /proc/PID/stat. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "internal.h"

ssize_t bh_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int bh_fd_send(int socket_fd, int fd, const void *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do
		n = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int bh_fd_receive(int socket_fd, int flags)
{
	char byte;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))]; /* room to see, and close, more than the one */
	} control;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n = recvmsg(socket_fd, &msg, flags | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	/* Exactly one descriptor in one SCM_RIGHTS message; anything else
	 * received is closed, and nothing cut short is used. */
	int got = -1;
	bool whole = n > 0 && !(msg.msg_flags & MSG_CTRUNC);
	for (struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (whole && got < 0 && count == 1)
				got = fd;
			else
				close(fd);
		}
	}
	return got >= 0 ? got : -ENODATA;
}

int bh_write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = bh_write_all(fd, text, strlen(text));
	return n < 0 ? (int)n : 0;
}

int bh_read_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (int)len;
}

int bh_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	/* Back from the end, cutting off one component at a time until a
	 * directory is made or found: most paths miss only their last
	 * component (a mount point), and take one call instead of one per
	 * component. A loop, not recursion: a path may have 2000 of them. */
	while (mkdir(buf, mode) < 0 && errno != EEXIST) {
		char *slash = strrchr(buf, '/');
		if (errno != ENOENT || !slash || slash == buf)
			return -errno;
		*slash = '\0';
	}
	/* Forward again: each cut slash back in place, that directory made. */
	for (char *p = buf + strlen(buf); p < buf + len; p += strlen(p)) {
		*p = '/';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

int bh_make_mountpoint(const char *path, bool dir)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return 0;
	return bh_make_missing_mountpoint(path, dir);
}

int bh_make_missing_mountpoint(const char *path, bool dir)
{
	char parent[4096];
	const char *slash = strrchr(path, '/');

	if (dir)
		return bh_mkdir_p(path, 0755);
	if (slash && slash != path) {
		size_t len = (size_t)(slash - path);
		if (len >= sizeof(parent))
			return -ENAMETOOLONG;
		memcpy(parent, path, len);
		parent[len] = '\0';
		int r = bh_mkdir_p(parent, 0755);
		if (r < 0)
			return r;
	}
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int bh_proc_stat(const char *path, unsigned long long *field, size_t n, char *state)
{
	char text[1024];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	text[len] = '\0';
	/* The command's name may hold spaces and parentheses: the fields
	 * after it start at the last ')'. */
	char *at = strrchr(text, ')');
	if (!at || at[1] != ' ' || !at[2])
		return -1;
	*state = at[2];
	at += 3;
	for (size_t i = 4; i < n; i++) {
		char *end;
		field[i] = strtoull(at, &end, 10);
		if (end == at)
			return -1;
		at = end;
	}
	return 0;
}
