/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The other end of --console-socket, as podman's conmon is: listens on
 * SOCKET, takes one pty master sent over it (SCM_RIGHTS), and copies all
 * the terminal prints to OUT until the last of the container's ends
 * closes. Each WAIT SEND pair after OUT types SEND into the terminal once
 * the output so far holds WAIT, in order ("\n" and "\003" style escapes
 * are understood, so that a test can press Enter or ^C).
 *
 * usage: console-receiver SOCKET OUT [WAIT SEND]...
 * Prints "received SLAVE-NAME" on stdout once the master arrived. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "console-receiver: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(addr.sun_path))
		die("socket");
	strcpy(addr.sun_path, path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0)
		die(path);
	return fd;
}

static int receive_master(int listener, char *name, size_t size)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = name, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	if (conn < 0)
		die("accept");
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		die("recvmsg");
	name[n] = '\0';
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "console-receiver: no descriptor came with the message\n");
		exit(1);
	}
	int master;
	memcpy(&master, CMSG_DATA(cmsg), sizeof(int));
	close(conn);
	return master;
}

/* "\n", "\r", "\t", "\\" and "\NNN" (octal) in place. */
static size_t unescape(char *s)
{
	char *out = s;

	for (const char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			*out++ = *p;
			continue;
		}
		p++;
		if (*p >= '0' && *p <= '7') {
			int value = 0;
			for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++, p++)
				value = value * 8 + (*p - '0');
			p--;
			*out++ = (char)value;
		} else
			*out++ = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : *p;
	}
	*out = '\0';
	return (size_t)(out - s);
}

int main(int argc, char **argv)
{
	static char seen[1 << 16];
	size_t seen_len = 0;
	char name[256];

	if (argc < 3 || (argc - 3) % 2) {
		fprintf(stderr, "usage: console-receiver SOCKET OUT [WAIT SEND]...\n");
		return 2;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		die(argv[2]);
	int listener = listen_on(argv[1]);
	int master = receive_master(listener, name, sizeof(name));
	printf("received %s\n", name);
	fflush(stdout);

	int next = 3; /* the next WAIT SEND pair */
	for (;;) {
		while (next < argc && memmem(seen, seen_len, argv[next], strlen(argv[next]))) {
			size_t len = unescape(argv[next + 1]);
			if (write(master, argv[next + 1], len) != (ssize_t)len)
				die("typing into the terminal");
			next += 2;
		}
		char buf[4096];
		ssize_t n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		/* EIO: every slave descriptor closed, the container is done. */
		if (n <= 0)
			break;
		if (write(out, buf, (size_t)n) != n)
			die(argv[2]);
		size_t keep = (size_t)n < sizeof(seen) - seen_len ? (size_t)n : sizeof(seen) - seen_len;
		memcpy(seen + seen_len, buf, keep);
		seen_len += keep;
	}
	return 0;
}
