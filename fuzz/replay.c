/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A main() for the fuzz targets without libFuzzer: every file named (a
 * directory: each file in it, sorted) goes once through
 * LLVMFuzzerTestOneInput. Built with gcc and ASan/UBSan, so that `make
 * check` replays the corpora fast and without clang. Prints one line per
 * input; a sanitizer report or a crash ends it with a failure. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (size == cap && !(data = realloc(data, cap = cap ? 2 * cap : 4096))) {
			fclose(f);
			return -1;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	fclose(f);
	printf("replay %s (%zu bytes)\n", path, size);
	fflush(stdout);
	LLVMFuzzerTestOneInput((const uint8_t *)data, size);
	free(data);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	int failed = 0, count = 0;

	/* Only the program's name: the inputs named are not for the target
	 * to write to (libFuzzer's corpus directories are). */
	int no_argc = 1;
	char **no_argv = argv;
	LLVMFuzzerInitialize(&no_argc, &no_argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]) < 0;
			count++;
			continue;
		}
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, by_name);
		for (int k = 0; k < n; k++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
			if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				failed |= run_file(path) < 0;
				count++;
			}
			free(names[k]);
		}
		free(n >= 0 ? names : NULL);
	}
	printf("replayed %d inputs\n", count);
	return failed ? 1 : 0;
}
