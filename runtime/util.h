/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small idioms every part may include: the runtime, the init, the builder,
 * the CLIs, the tests and the fuzz targets. Header-only, so that including
 * it links nothing and adds no layer: image/ and init/ may both use it
 * (image -> runtime <- init). */
#ifndef BULKHEAD_UTIL_H
#define BULKHEAD_UTIL_H

#include <stdlib.h>
#include <unistd.h>

/* The number of elements of an array (not of a pointer: -Wsizeof-pointer-div
 * catches that). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Cleanup attributes: the variable is freed or closed when it goes out of
 * scope, on every return path. Always initialise it (NULL, -1). To hand
 * what it holds to the caller, steal it (steal_fd, steal_ptr) so that the
 * cleanup finds nothing left to release. */
static inline void bh_freep(void *p)
{
	free(*(void **)p);
}

static inline void bh_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ __attribute__((cleanup(bh_freep)))
#define _cleanup_close_ __attribute__((cleanup(bh_closep)))

/* Returns the descriptor in *FD and leaves -1 behind: "return steal_fd(&fd);"
 * hands a _cleanup_close_ descriptor on instead of closing it. */
static inline int steal_fd(int *fd)
{
	int taken = *fd;

	*fd = -1;
	return taken;
}

/* The same for memory held by a _cleanup_free_ pointer. */
#define steal_ptr(pp)                                  \
	({                                             \
		__typeof__(*(pp)) taken_ = *(pp);      \
		*(pp) = NULL;                          \
		taken_;                                \
	})

#endif
