/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Random bits for PID 1 that never wait for the kernel's entropy pool. */
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004 /* Linux 5.6; not in every libc's headers */
#endif

uint32_t random32_nonblocking(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	/* The pool is not ready yet, early in a boot: the kernel's best
	 * effort, which neither waits nor runs its jitter loop (Linux 5.6). */
	if (getrandom(&r, sizeof(r), GRND_INSECURE) == (ssize_t)sizeof(r))
		return r;
	/* An older kernel: the clock and our pid, which differ between
	 * machines and calls. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761U ^ (uint32_t)getpid();
}
