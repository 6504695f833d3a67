/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime/musl/memcpy.c, in a static binary linked as the init and the
 * runtime are: memcpy is the wrapper, and each size it copies itself, at
 * each alignment of either side, copies exactly those bytes, no fewer and
 * none beyond. Static musl only: the asan build (glibc) has no wrapper. */
#include <stdint.h>
#include <string.h>

#include "tap.h"

void *__wrap_memcpy(void *restrict dest, const void *restrict src, size_t n);

/* What the program calls when it says memcpy, as a value: a call through
 * it is never expanded inline by the compiler. */
static void *(*volatile copy)(void *restrict, const void *restrict, size_t) = memcpy;

TEST(memcpy_is_the_wrapper_in_a_static_binary)
{
	ASSERT_TRUE(copy == __wrap_memcpy);
}

TEST(every_size_up_to_80_at_every_alignment_copies_exactly_its_bytes)
{
	unsigned char src[128], dest[128];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (size_t n = 0; n <= 80; n++)
		for (size_t from = 0; from < 8; from++)
			for (size_t to = 0; to < 8; to++) {
				for (size_t i = 0; i < sizeof(dest); i++)
					dest[i] = 0xee;
				ASSERT_TRUE(copy(dest + to, src + from, n) == dest + to);
				for (size_t i = 0; i < sizeof(dest); i++) {
					int inside = i >= to && i < to + n;
					int want = inside ? src[from + i - to] : 0xee;
					if (dest[i] != want)
						TAP_FAIL("size %zu from +%zu to +%zu: byte %zu is %#x, not %#x", n, from, to, i,
							 dest[i], want);
				}
			}
}
