/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the fuzz targets share. Each target defines LLVMFuzzerTestOneInput;
 * `make fuzz` links it with libFuzzer (clang), `make check` with replay.c, a
 * main() that feeds it every file of its corpus once (gcc, ASan, UBSan). */
#ifndef BULKHEAD_FUZZ_H
#define BULKHEAD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional; called once before the first input (libFuzzer and replay.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A private directory for the target's files, made once and reused. */
const char *fuzz_dir(void);
/* Writes DATA to fuzz_dir()/NAME, replacing it; returns the path (static
 * storage, one per name slot until the next call with the same NAME) or
 * aborts: a harness that cannot write its input is broken, not a finding. */
const char *fuzz_write(const char *name, const void *data, size_t size);
/* With FUZZ_VERBOSE set in the environment: prints WHAT and MESSAGE (the
 * target's verdict on an input) to stderr, for checking a seed does what
 * it was made for. */
void fuzz_verdict(const char *what, int r, const char *message);
/* Removes everything below DIR (not DIR itself); aborts on failure. */
void fuzz_empty(const char *dir);
/* The same for the open directory DIRFD (left open). */
void fuzz_empty_at(int dirfd);

#endif
