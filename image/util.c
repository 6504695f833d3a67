/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The builder's small helpers: messages in a struct diag, string vectors,
 * files and trees. Each is written once here and declared in image.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"

int diag_fail(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int diag_errno(struct diag *d, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	/* As one vsnprintf of "FMT: %s" would have truncated it. */
	if (n >= 0 && (size_t)n < sizeof(d->msg) - 1)
		snprintf(d->msg + n, sizeof(d->msg) - (size_t)n, ": %s", strerror(errnum));
	return -1;
}

void diag_prefix(struct diag *d, const char *fmt, ...)
{
	char inner[sizeof(d->msg)];
	va_list ap;
	int n;

	memcpy(inner, d->msg, sizeof(inner));
	va_start(ap, fmt);
	n = vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(d->msg))
		snprintf(d->msg + n, sizeof(d->msg) - (size_t)n, "%s", inner);
}

void free_strv(char **v)
{
	for (char **s = v; s && *s; s++)
		free(*s);
	free(v);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int copy_file(const char *from, const char *to, struct diag *d)
{
	char buf[1 << 16];
	ssize_t n = 0;
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, r = 0;

	if (in < 0)
		return diag_errno(d, errno, "%s", from);
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		close(in);
		return diag_errno(d, errno, "%s", to);
	}
	while (r == 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			r = diag_errno(d, errno, "%s", to);
	if (r == 0 && n < 0)
		r = diag_errno(d, errno, "%s", from);
	close(in);
	if (close(out) < 0 && r == 0)
		r = diag_errno(d, errno, "%s", to);
	return r;
}

int read_first_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}
