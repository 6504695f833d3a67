/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memcpy for the static musl binaries (the init, the runtime, the tests
 * that run in containers): copies of up to 32 bytes are made here, longer
 * ones by musl's. The link sends every call of memcpy here (ld's
 * --wrap=memcpy, the Makefile's MUSL_LDFLAGS), jansson's included.
 *
 * Why: jansson's parser appends each character of a token to its buffer
 * with a memcpy of one byte, some 10,000 per config.json, and musl's
 * x86_64 memcpy begins every copy with a `rep movsq`, whose start-up costs
 * more than the copy: a third of a config.json's load went there (470 µs
 * natively, and a tenth of a container's start under TCG).
 *
 * Built apart from the runtime's library: the host's glibc needs none of
 * this, and its builds have no __real_memcpy. No loop and no memcpy call
 * here (unaligned loads and stores of fixed widths instead): a compiler
 * turns a byte loop into a call of memcpy, which would come back here. */
#include <stddef.h>
#include <stdint.h>

typedef uint64_t __attribute__((may_alias, aligned(1))) u64_anywhere;
typedef uint32_t __attribute__((may_alias, aligned(1))) u32_anywhere;
typedef uint16_t __attribute__((may_alias, aligned(1))) u16_anywhere;

void *__real_memcpy(void *restrict dest, const void *restrict src, size_t n);
void *__wrap_memcpy(void *restrict dest, const void *restrict src, size_t n);

/* Each size from W to 2W is two copies of W bytes, the first from the
 * start and the second ending at the end, overlapping in the middle. */
void *__wrap_memcpy(void *restrict dest, const void *restrict src, size_t n)
{
	unsigned char *d = dest;
	const unsigned char *s = src;

	if (n > 32)
		return __real_memcpy(dest, src, n);
	if (n >= 16) {
		uint64_t a = *(const u64_anywhere *)s, b = *(const u64_anywhere *)(s + 8);
		uint64_t y = *(const u64_anywhere *)(s + n - 16), z = *(const u64_anywhere *)(s + n - 8);
		*(u64_anywhere *)d = a;
		*(u64_anywhere *)(d + 8) = b;
		*(u64_anywhere *)(d + n - 16) = y;
		*(u64_anywhere *)(d + n - 8) = z;
	} else if (n >= 8) {
		uint64_t a = *(const u64_anywhere *)s, z = *(const u64_anywhere *)(s + n - 8);
		*(u64_anywhere *)d = a;
		*(u64_anywhere *)(d + n - 8) = z;
	} else if (n >= 4) {
		uint32_t a = *(const u32_anywhere *)s, z = *(const u32_anywhere *)(s + n - 4);
		*(u32_anywhere *)d = a;
		*(u32_anywhere *)(d + n - 4) = z;
	} else if (n >= 2) {
		uint16_t a = *(const u16_anywhere *)s, z = *(const u16_anywhere *)(s + n - 2);
		*(u16_anywhere *)d = a;
		*(u16_anywhere *)(d + n - 2) = z;
	} else if (n == 1) {
		*d = *s;
	}
	return dest;
}
