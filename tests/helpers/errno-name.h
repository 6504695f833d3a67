/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The name of an errno, as the helpers print their outcomes ("ok" for 0),
 * one table for bulkhead-probe and bulkhead-escape. musl has no
 * strerrorname_np; an errno not listed prints as "errno N". */
#ifndef BULKHEAD_ERRNO_NAME_H
#define BULKHEAD_ERRNO_NAME_H

#include <errno.h>
#include <stdio.h>
#include "../../runtime/util.h"

static const struct {
	int value;
	const char *name;
} errno_names[] = {
	{ 0, "ok" },
	{ EPERM, "EPERM" },
	{ EACCES, "EACCES" },
	{ EROFS, "EROFS" },
	{ ENOENT, "ENOENT" },
	{ ENOSYS, "ENOSYS" },
	{ EINVAL, "EINVAL" },
	{ EBADF, "EBADF" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ ECONNREFUSED, "ECONNREFUSED" },
	{ ENETUNREACH, "ENETUNREACH" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENODEV, "ENODEV" },
	{ ENXIO, "ENXIO" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ ESRCH, "ESRCH" },
	{ EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },
	{ ENOEXEC, "ENOEXEC" },
	{ EAGAIN, "EAGAIN" },
	{ ENOTDIR, "ENOTDIR" },
	{ EEXIST, "EEXIST" },
};

static const char *errno_name(int e)
{
	static char unknown[32];

	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].value == e)
			return errno_names[i].name;
	snprintf(unknown, sizeof(unknown), "errno %d", e);
	return unknown;
}

#endif
