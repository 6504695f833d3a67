/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to the console. Writes go straight to fd 2 with one write(2) per
 * line, so that lines from the init and from containers do not interleave.
 *
 * The console is a serial port the host may stop reading (a terminal
 * paused, a pipe nobody drains): PID 1 must not wait on it. Once the loop
 * runs, the console is non-blocking (console_nonblocking); a line that finds
 * no room waits CONSOLE_WAIT_MS at most, and while the console stays full
 * the lines after it are dropped without waiting, counted, and reported
 * once it takes output again. The container's log file keeps every line. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define CONSOLE_WAIT_MS 100

static unsigned long console_dropped; /* lines lost since the console stalled */

static bool write_within(int fd, const char *buf, size_t len, int wait_ms)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (n == 0 || errno != EAGAIN || wait_ms <= 0 || poll(&p, 1, wait_ms) <= 0)
			return false;
		wait_ms = 0; /* one wait a line: then the line is dropped */
	}
	return true;
}

static void console_write(int fd, const char *line, size_t len)
{
	if (console_dropped) {
		char note[128];
		int n = snprintf(note, sizeof(note),
				 INIT_CONSOLE_PREFIX " warning: console: %lu lines dropped while it took no output\n",
				 console_dropped);
		if (!write_within(fd, note, (size_t)n, 0)) {
			console_dropped++;
			return;
		}
		console_dropped = 0;
	}
	if (!write_within(fd, line, len, console_dropped ? 0 : CONSOLE_WAIT_MS))
		console_dropped++;
}

void console_nonblocking(void)
{
	/* stdout and stderr share the console's open file: one flag for both. */
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		int flags = fcntl(fd, F_GETFL);
		if (flags >= 0)
			fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	}
}

/* A vprintf-style function: the attribute lets the compiler check each
 * caller's format (log_info's and log_warn's) against its arguments. */
__attribute__((format(printf, 2, 0))) static void emit(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), INIT_CONSOLE_PREFIX " %s", prefix);

	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	console_write(STDERR_FILENO, line, len);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void log_warn_errno(int errnum, const char *fmt, ...)
{
	char what[1024]; /* as long as emit's line: it truncates the same */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *reason = strerror(errnum);
	log_warn("%s: %s", what, reason);
}

void container_log_open(struct container_log *log, const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.log", CONTAINER_LOG_DIR, name);
	log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	log->bytes = log->fd >= 0 && fstat(log->fd, &st) == 0 ? (long)st.st_size : 0;
}

/* Keeps one old file: NAME.log.1. The cap bounds what a flooding container
 * can take of /run, which is memory. */
static void rotate(struct container_log *log, const char *name)
{
	char path[128], old[140];

	snprintf(path, sizeof(path), "%s/%s.log", CONTAINER_LOG_DIR, name);
	snprintf(old, sizeof(old), "%s.1", path);
	close(log->fd);
	rename(path, old);
	container_log_open(log, name);
}

void container_log_line(struct container_log *log, const char *name, const char *line, size_t len)
{
	char out[1200];
	int n = snprintf(out, sizeof(out), "[%s] ", name);

	if (n < 0)
		return;
	/* A name that fills the buffer leaves room for the newline only. */
	if ((size_t)n > sizeof(out) - 2)
		n = (int)sizeof(out) - 2;
	if (len > sizeof(out) - (size_t)n - 1)
		len = sizeof(out) - (size_t)n - 1;
	/* A carriage return ending the line (CRLF output) goes; any other
	 * control byte becomes '?': it would reach the host's terminal (escape
	 * sequences) and the control line, where EOT ends an answer. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		out[(size_t)n + i] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : (char)ch;
	}
	out[(size_t)n + len] = '\n';
	console_write(STDOUT_FILENO, out, (size_t)n + len + 1);
	if (log->fd < 0)
		return;
	/* The log's line carries when it was read (ctl logs shows it): the
	 * time since boot, as the kernel's own messages do. */
	struct timespec boot;
	char stamp[32];
	clock_gettime(CLOCK_BOOTTIME, &boot);
	int m = snprintf(stamp, sizeof(stamp), "[%5ld.%03ld] ", (long)boot.tv_sec, boot.tv_nsec / 1000000L);
	struct iovec parts[2] = { { stamp, m > 0 ? (size_t)m : 0 }, { out + n, len + 1 } };
	size_t bytes = parts[0].iov_len + parts[1].iov_len;
	if (log->bytes + (long)bytes > CONTAINER_LOG_MAX)
		rotate(log, name);
	if (log->fd >= 0 && writev(log->fd, parts, 2) > 0)
		log->bytes += (long)bytes;
}
