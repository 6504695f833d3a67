/* Logging to the console. Writes go straight to fd 2 with one write(2) per
 * line, so that lines from the init and from containers do not interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "init.h"

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "[init] %s", prefix);

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

void log_container_line(const char *name, const char *line, size_t len)
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
}
