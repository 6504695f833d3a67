/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure helpers: no syscalls beyond memory, no global state. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int bh_fail(struct bh_err *err, int negative_errno, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = negative_errno;
		err->path[0] = err->reason[0] = '\0';
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return negative_errno;
}

int bh_fail_errno(struct bh_err *err, int negative_errno, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = negative_errno;
		err->path[0] = err->reason[0] = '\0';
		va_start(ap, fmt);
		int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		/* As one vsnprintf of "FMT: %s" would have truncated it. */
		if (n >= 0 && (size_t)n < sizeof(err->msg) - 1)
			snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(-negative_errno));
	}
	return negative_errno;
}

void bh_err_prefix(struct bh_err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message is for a human. */
	size_t len = strlen(prefix);
	if (len > sizeof(err->msg) - 3)
		len = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, len);
	memcpy(err->msg + len, ": ", 2);
	size_t room = sizeof(err->msg) - len - 3;
	strncpy(err->msg + len + 2, old, room);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

/* ARRAY (N elements of SIZE bytes, room for *ROOM) with room for one more,
 * or NULL without memory (ARRAY left as it was). The room doubles, so
 * that appending one at a time copies O(n) bytes in all, not O(n²): a
 * config.json's 350 seccomp names grown one by one cost the init 2 ms of
 * copying per container start. */
void *bh_grow(void *array, size_t *room, size_t n, size_t size)
{
	if (n < *room)
		return array;
	size_t want = *room ? *room * 2 : 16;
	if (want > SIZE_MAX / size)
		return NULL;
	void *grown = realloc(array, want * size);
	if (grown)
		*room = want;
	return grown;
}

void bh_strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

const char *bh_env_get(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}
