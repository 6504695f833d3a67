/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Random bits for PID 1 that never wait for the kernel's entropy pool. */
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

uint32_t random32_nonblocking(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	/* The pool is not ready yet, early in a boot: the bytes the kernel
	 * gave this process at exec (AT_RANDOM; musl's stack canary takes
	 * the first eight, these are the next four), mixed with the clock
	 * so that each call differs. */
	const unsigned char *at_random = (const unsigned char *)getauxval(AT_RANDOM);
	struct timespec ts;
	uint32_t exec_bytes = 0;

	if (at_random)
		memcpy(&exec_bytes, at_random + 8, sizeof(exec_bytes));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return exec_bytes ^ (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761U ^ (uint32_t)getpid();
}
