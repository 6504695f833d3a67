/* The control socket: an abstract unix socket, so that only processes in
 * the init's network namespace reach it (no container is); one command a
 * connection, answered in text, then closed.
 *
 *   ps | logs NAME | restart NAME | stop NAME | poweroff */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

static socklen_t control_address(struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* sun_path[0] stays '\0': the abstract namespace, nothing on disk. */
	memcpy(addr->sun_path + 1, CONTROL_SOCKET, strlen(CONTROL_SOCKET));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(CONTROL_SOCKET));
}

int control_open(void)
{
	struct sockaddr_un addr;
	socklen_t len = control_address(&addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, len) < 0 || listen(fd, 8) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void send_file(int out, const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(fd);
}

static void send_logs(int out, const char *name)
{
	char path[160];

	/* The older file first: the output reads in order. */
	snprintf(path, sizeof(path), "%s/%s.log.1", CONTAINER_LOG_DIR, name);
	send_file(out, path);
	snprintf(path, sizeof(path), "%s/%s.log", CONTAINER_LOG_DIR, name);
	send_file(out, path);
}

static void reply_result(int out, int r, const char *what, const char *name)
{
	if (r == 0)
		dprintf(out, "ok: %s %s\n", what, name);
	else if (r == -ENOENT)
		dprintf(out, "error: no service named \"%s\"\n", name);
	else if (r == -ESRCH)
		dprintf(out, "error: %s is not running\n", name);
	else
		dprintf(out, "error: %s %s: %s\n", what, name, strerror(-r));
}

/* The client gets a short time to send its line: a silent client must not
 * hold PID 1's loop. */
static ssize_t read_command(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;

	while (len + 1 < size && poll(&p, 1, 200) > 0) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return (ssize_t)len;
}

/* One command line, its answer written to CLIENT. */
static void run_command(struct supervisor *s, char *command, int client)
{
	char *arg = strchr(command, ' ');
	if (arg)
		*arg++ = '\0';
	if (strcmp(command, "ps") == 0)
		supervisor_ps(s, client);
	else if (strcmp(command, "logs") == 0 && arg)
		send_logs(client, arg);
	else if (strcmp(command, "restart") == 0 && arg)
		reply_result(client, supervisor_restart(s, arg), "restart", arg);
	else if (strcmp(command, "stop") == 0 && arg)
		reply_result(client, supervisor_stop(s, arg), "stop", arg);
	else if (strcmp(command, "poweroff") == 0) {
		dprintf(client, "ok: powering off\n");
		supervisor_request_shutdown(s, "bulkhead ctl poweroff");
	} else
		dprintf(client, "error: unknown command \"%s\" (ps, logs NAME, restart NAME, stop NAME, poweroff)\n",
			command);
}

void control_serve(struct supervisor *s, int listen_fd)
{
	char command[256];
	int client = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (client < 0)
		return;
	read_command(client, command, sizeof(command));
	run_command(s, command, client);
	close(client);
}

/* The same protocol on a serial port, for the host: QEMU joins the VM's
 * ttyS1 to a socket beside the appliance. A serial line has no end of
 * connection, so each answer ends with an EOT byte. */
int control_tty_open(const char *tty)
{
	char path[64];
	struct termios raw;

	snprintf(path, sizeof(path), "/dev/%s", tty);
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(fd, TCSANOW, &raw);
	}
	return fd;
}

void control_tty_serve(struct supervisor *s, int fd, char *buf, size_t size, size_t *len)
{
	ssize_t n = read(fd, buf + *len, size - 1 - *len);

	if (n <= 0)
		return;
	*len += (size_t)n;
	char *newline;
	while ((newline = memchr(buf, '\n', *len))) {
		size_t line_len = (size_t)(newline - buf);
		char command[256];
		snprintf(command, sizeof(command), "%.*s", (int)line_len, buf);
		command[strcspn(command, "\r")] = '\0';
		/* Answers go out whole: the port is made blocking for them. */
		int flags = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		run_command(s, command, fd);
		(void)!write(fd, "\x04", 1);
		fcntl(fd, F_SETFL, flags);
		memmove(buf, newline + 1, *len - line_len - 1);
		*len -= line_len + 1;
	}
	/* A line longer than the buffer is noise: drop it. */
	if (*len == size - 1)
		*len = 0;
}
