/* Logging to the console. Writes go straight to fd 2 with one write(2) per
 * line, so that lines from the init and from containers do not interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"

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
	(void)!write(STDERR_FILENO, line, len);
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
	memcpy(out + n, line, len);
	out[(size_t)n + len] = '\n';
	(void)!write(STDOUT_FILENO, out, (size_t)n + len + 1);
	if (log->fd < 0)
		return;
	if (log->bytes + (long)len + 1 > CONTAINER_LOG_MAX)
		rotate(log, name);
	if (log->fd >= 0 && write(log->fd, out + n, len + 1) > 0)
		log->bytes += (long)len + 1;
}
