/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel modules: the builder resolved which and in what order; we load. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

void modules_load(char *const *paths, char *const *options)
{
	for (char *const *p = paths; p && *p; p++) {
		const char *params = options && options[p - paths] ? options[p - paths] : "";
		int fd = open(*p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			log_warn_errno(errno, "module %s", *p);
			continue;
		}
		if (syscall(SYS_finit_module, fd, params, 0) < 0 && errno != EEXIST)
			log_warn_errno(errno, "module %s", *p);
		close(fd);
	}
}
