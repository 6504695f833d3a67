/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead ctl: the init's control protocol from a shell. One command a
 * connection; the answer is copied to stdout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "image.h"

/* A socket's path: DIR/RUN_CTL_SOCKET (the VM's serial line, through QEMU) or
 * the init's own socket on this host (through /proc/PID/root). */
static int connect_to(const char *where, struct diag *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return diag_errno(d, errno, "socket");
	if (strlen(where) >= sizeof(addr.sun_path))
		return diag_fail(d, "%s: path too long for a socket", where);
	memcpy(addr.sun_path, where, strlen(where));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return diag_fail(d, "%s: %s (is the appliance running?)", where, strerror(errno));
	return steal_fd(&fd);
}

int ctl_raw(const char *where, const char *text, struct diag *d)
{
	int fd = connect_to(where, d);

	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	shutdown(fd, SHUT_WR);
	char drain[256];
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : diag_errno(d, e, "%s", where);
}

int ctl_command(const char *where, const char *command, const char *arg, struct diag *d)
{
	char line[512], buf[8192];
	ssize_t n;
	int fd = connect_to(where, d), failed = 0;

	if (fd < 0)
		return -1;
	snprintf(line, sizeof(line), "%s%s%s\n", command, arg ? " " : "", arg ? arg : "");
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(fd);
		return diag_errno(d, errno, "%s", where);
	}
	/* The answer ends at EOF (the init's own socket) or at an EOT byte
	 * (the VM's serial port, which has no end of connection). */
	bool first = true, done = false;
	while (!done && (n = read(fd, buf, sizeof(buf))) > 0) {
		char *eot = memchr(buf, '\x04', (size_t)n);
		if (eot) {
			n = eot - buf;
			done = true;
		}
		if (first)
			failed |= n >= 6 && strncmp(buf, "error:", 6) == 0;
		first = false;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return failed ? 1 : 0;
}
