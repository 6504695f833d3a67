/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead ctl: the init's control protocol from a shell. One command a
 * connection; the answer is copied to stdout. Sessions (exec, logs -f) are
 * ctl-session.c's.
 *
 * The serial line (--vm) has one host at a time, and no end of connection:
 * a lock file beside its socket keeps a second ctl from queueing behind a
 * session (QEMU takes one client; the next would wait unseen), and each
 * host begins with "sync TOKEN", which ends whatever an earlier host left
 * going there; what arrives before "synced TOKEN" is not ours. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
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

#define CTL_LOCK_WAIT_MS 5000  /* another ctl's short answer goes by in this */
#define CTL_SYNC_WAIT_MS 60000 /* a stale answer may drain first, at TCG's serial speed */

static long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The serial line is ours until the lock's descriptor closes (at exit too). */
static int lock_line(const char *where, struct diag *d)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s.lock", where);
	/* Beside the socket, in a directory others may write to: no symlink
	 * followed to create a file elsewhere, no device opened. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	struct stat st;
	if (fd < 0)
		return diag_errno(d, errno, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return diag_fail(d, "%s: not a regular file; remove it", path);
	}
	for (long until = clock_ms() + CTL_LOCK_WAIT_MS; flock(fd, LOCK_EX | LOCK_NB) < 0;) {
		if (errno != EWOULDBLOCK || clock_ms() > until) {
			close(fd);
			return diag_fail(d, "%s: another bulkhead ctl holds the appliance's serial line (an exec or "
					 "logs -f session?); try again once it ends", where);
		}
		poll(NULL, 0, 50);
	}
	return fd;
}

static int sync_line(int fd, const char *where, struct diag *d)
{
	unsigned char random[8];
	char token[17], line[32], marker[40], window[64];
	size_t have = 0;

	if (getrandom(random, sizeof(random), 0) != sizeof(random))
		return diag_errno(d, errno, "getrandom");
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(token + 2 * i, 3, "%02x", random[i]);
	/* The newline first ends a line an earlier host left half-written. */
	int n = snprintf(line, sizeof(line), "\nsync %s\n", token);
	snprintf(marker, sizeof(marker), "synced %s\n", token);
	if (write(fd, line, (size_t)n) != n)
		return diag_errno(d, errno, "%s", where);
	size_t want = strlen(marker);
	for (long until = clock_ms() + CTL_SYNC_WAIT_MS;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = until - clock_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return diag_fail(d, "%s: no answer from the appliance's init (is it still booting?)", where);
		/* Byte by byte: nothing past the marker may be taken from the line. */
		ssize_t r = read(fd, window + have, 1);
		if (r <= 0)
			return diag_fail(d, "%s: the appliance closed the line", where);
		have += 1;
		if (have >= want && memcmp(window + have - want, marker, want) == 0)
			return 0;
		if (have == sizeof(window)) {
			memmove(window, window + have - want, want);
			have = want;
		}
	}
}

int ctl_connect(const char *where, bool serial, int *lock_fd, struct diag *d)
{
	*lock_fd = -1;
	if (serial && (*lock_fd = lock_line(where, d)) < 0)
		return -1;
	int fd = connect_to(where, d);
	if (fd >= 0 && serial && sync_line(fd, where, d) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && *lock_fd >= 0) {
		close(*lock_fd);
		*lock_fd = -1;
	}
	return fd;
}

int ctl_command(const char *where, bool serial, const char *command, const char *arg, struct diag *d)
{
	char line[512], buf[8192];
	ssize_t n;
	int lock_fd, failed = 0;
	int fd = ctl_connect(where, serial, &lock_fd, d);

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
	if (lock_fd >= 0)
		close(lock_fd);
	return failed ? 1 : 0;
}
