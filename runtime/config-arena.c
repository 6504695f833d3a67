/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory jansson builds a parsed config.json in: a block or a few
 * instead of some 1,700 mallocs and their frees, which under musl cost as
 * much as the parse itself (its allocator maps and unmaps pages as the
 * last block of a size is freed). Only cfg_loadb allocates from the arena
 * (and cfg_arena_scratch, for the text it is given),
 * between cfg_arena_open and cfg_arena_close; jansson's frees of what it
 * put there do nothing, and every other allocation of jansson's goes to
 * the allocator it had, json_dumps' strings included.
 *
 * The first block is kept from one parse to the next, for the process's
 * life, and is not copied into its children (MADV_WIPEONFORK): PID 1
 * parses a config.json for each start and forks right after. A block
 * freed and mapped again costs a page fault for each of its pages at the
 * next parse, and so does a block a fork left shared: some twenty a start,
 * tens of microseconds each under emulation. */
#include <jansson.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "config-json.h"

/* A block bumped through: the arena's chunks, and a config's kept blocks
 * (below). */
struct cfg_block {
	struct cfg_block *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

/* *SIZE rounded up so that the next piece stays aligned; false if it cannot be. */
static bool round_to_alignment(size_t *size)
{
	const size_t align = alignof(max_align_t);

	if (*size > SIZE_MAX - align)
		return false;
	*size = (*size + align - 1) & ~(align - 1);
	return true;
}

/* SIZE bytes (rounded) from B, or NULL when B has not that many left. */
static void *take(struct cfg_block *b, size_t size)
{
	if (!b || b->size - b->used < size)
		return NULL;
	void *p = b->data + b->used;
	b->used += size;
	return p;
}

/* What a 17 KB config.json takes is some 72 KB. */
#define FIRST_CHUNK ((size_t)96 * 1024)

/* The first block, kept: mapped apart, so that it can be left out of
 * children. In a child it reads as zeros (size 0), and is not used. One
 * for the process, as the allocator swap below: bulkhead's programs parse
 * from one thread. */
static struct cfg_block *kept;

/* Per thread: another thread's jansson calls are not this parse's. */
static _Thread_local struct cfg_arena *current;
static json_malloc_t next_malloc;
static json_free_t next_free;

static struct cfg_block *map_kept(void)
{
#ifdef __SANITIZE_ADDRESS__
	return NULL; /* freed at each close, so that ASan sees a use after it */
#endif
	if (kept && kept->size == FIRST_CHUNK)
		return kept;
	if (kept) /* a child's: its parent's pages were not copied */
		munmap(kept, sizeof(*kept) + FIRST_CHUNK);
	kept = NULL;
	void *p = mmap(NULL, sizeof(*kept) + FIRST_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, sizeof(*kept) + FIRST_CHUNK, MADV_WIPEONFORK); /* before Linux 4.14: copied, still kept */
	kept = p;
	kept->size = FIRST_CHUNK;
	return kept;
}

static struct cfg_block *add_chunk(struct cfg_arena *a, size_t want)
{
	size_t size = a->chunks ? a->chunks->size * 2 : FIRST_CHUNK;
	struct cfg_block *chunk;

	if (!a->chunks && want <= FIRST_CHUNK && (chunk = map_kept())) {
		chunk->next = NULL;
		chunk->used = 0;
		return a->chunks = chunk;
	}

	if (size < want)
		size = want;
	if (size > SIZE_MAX - sizeof(*chunk) || !(chunk = malloc(sizeof(*chunk) + size)))
		return NULL;
	chunk->next = a->chunks;
	chunk->size = size;
	chunk->used = 0;
	a->chunks = chunk;
	return chunk;
}

static void *arena_take(struct cfg_arena *a, size_t size)
{
	void *p;

	if (!round_to_alignment(&size))
		return NULL;
	if (!(p = take(a->chunks, size)) && add_chunk(a, size))
		p = take(a->chunks, size);
	return p;
}

static void *arena_malloc(size_t size)
{
	struct cfg_arena *a = current;

	if (!a || !a->allocating)
		return next_malloc(size);
	return arena_take(a, size);
}

static bool owns(const struct cfg_arena *a, const void *p)
{
	uintptr_t at = (uintptr_t)p;

	for (const struct cfg_block *chunk = a->chunks; chunk; chunk = chunk->next)
		if (at >= (uintptr_t)chunk->data && at < (uintptr_t)chunk->data + chunk->size)
			return true;
	return false;
}

/* Freed with the arena, all at once. */
static void arena_free(void *p)
{
	if (current && owns(current, p))
		return;
	next_free(p);
}

void cfg_arena_open(struct cfg_arena *a)
{
	*a = (struct cfg_arena){ 0 };
	/* A parse inside a parse (none is) would allocate as jansson does. */
	if (current)
		return;
	/* Installed once, in front of what jansson had: objects made before
	 * or outside an arena are freed where they came from. (bulkhead's
	 * programs parse from one thread; two first opens at once would race.) */
	if (!next_malloc) {
		json_malloc_t had_malloc;
		json_free_t had_free;
		json_get_alloc_funcs(&had_malloc, &had_free);
		if (had_malloc != arena_malloc) {
			next_free = had_free;
			next_malloc = had_malloc;
			json_set_alloc_funcs(arena_malloc, arena_free);
		}
	}
	a->open = true;
	current = a;
}

void cfg_arena_close(struct cfg_arena *a)
{
	if (!a->open)
		return;
	current = NULL;
	while (a->chunks) {
		struct cfg_block *next = a->chunks->next;
		if (a->chunks != kept)
			free(a->chunks);
		a->chunks = next;
	}
	a->open = false;
}

/* Whether jansson's allocations come from the open arena, if there is one:
 * only while a text is parsed. */
static void allocate_from_arena(bool on)
{
	if (current)
		current->allocating = on;
}

json_t *cfg_arena_loadb(const char *text, size_t len, size_t flags, json_error_t *jerr)
{
	allocate_from_arena(true);
	json_t *root = json_loadb(text, len, flags, jerr);
	allocate_from_arena(false);
	return root;
}

/* What a plain parse that gave up had taken is given back: jansson then
 * builds the whole tree again, and a large config's two trees would not
 * fit in the first chunk. Only that parse allocated meanwhile. */
json_t *cfg_arena_parse_plain(const char *text, size_t len)
{
	struct cfg_arena *a = current;
	struct cfg_block *had = a ? a->chunks : NULL;
	size_t used = had ? had->used : 0;

	allocate_from_arena(true);
	json_t *root = cfg_parse_plain(text, len);
	allocate_from_arena(false);
	if (root || !a)
		return root;
	while (a->chunks != had) {
		struct cfg_block *next = a->chunks->next;
		if (a->chunks != kept)
			free(a->chunks);
		a->chunks = next;
	}
	if (had)
		had->used = used;
	return NULL;
}

/* SIZE bytes from the open arena, gone at its close (NULL without one):
 * for a text made only to be parsed. */
void *cfg_arena_scratch(size_t size)
{
	struct cfg_arena *a = current;

	return a && a->open ? arena_take(a, size) : NULL;
}

/* ---- what a parsed config keeps ----
 *
 * The larger buffers a config keeps for its life (its text, its compiled
 * filter, its device list) come from a block of the config's instead of
 * each from malloc. PID 1 loads a config for each start and frees it right
 * after the clone; musl's allocator gave each of those buffers a mapping of
 * its own and unmapped it at the free: some five mmap and munmap calls a
 * start, and under emulation each munmap's TLB flush is dear. The block of
 * the config freed last is kept for the next one. Unlike the arena's, it is
 * copied into children: the container process applies the filter after its
 * clone. The blocks are the arena's kind (struct cfg_block, above). */

/* A config.json of 17 KB, its filter and its device list fit. */
#define KEPT_BLOCK ((size_t)32 * 1024)

/* One for the process, as the arena's kept chunk: one thread loads. */
static struct cfg_block *spare;

/* A block of WANT bytes: the spare when it is the kept size, else new. */
static struct cfg_block *block_of(size_t want)
{
	struct cfg_block *b = spare;

	if (b && want == KEPT_BLOCK) {
		spare = NULL;
		return b;
	}
	if ((b = malloc(sizeof(*b) + want)))
		b->size = want;
	return b;
}

void *cfg_keep(struct cfg_block **blocks, size_t size)
{
	struct cfg_block *b;

	if (size > SIZE_MAX / 2)
		return NULL;
#ifdef __SANITIZE_ADDRESS__
	size_t want = size; /* a block each, of the size asked: ASan sees a write past it */
#else
	round_to_alignment(&size);
	void *p = take(*blocks, size);
	if (p)
		return p;
	size_t want = size > KEPT_BLOCK ? size : KEPT_BLOCK;
#endif
	if (!(b = block_of(want)))
		return NULL;
	b->used = 0;
	b->next = *blocks;
	*blocks = b;
	return take(b, size);
}

void cfg_keep_release(struct cfg_block **blocks)
{
	while (*blocks) {
		struct cfg_block *b = *blocks;
		*blocks = b->next;
#ifndef __SANITIZE_ADDRESS__
		if (!spare && b->size == KEPT_BLOCK) {
			spare = b;
			continue;
		}
#endif
		free(b);
	}
}
