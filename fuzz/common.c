/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files for the fuzz targets: the parsers under test take paths. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char fuzz_path[PATH_MAX];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* At exit, best effort: what a target left, and the directory. */
static void remove_dir(void)
{
	nftw(fuzz_path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (!fuzz_path[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/bulkhead-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(fuzz_path)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(remove_dir);
	}
	return fuzz_path;
}

const char *fuzz_write(const char *name, const void *data, size_t size)
{
	static char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (size && write(fd, data, size) != (ssize_t)size) || close(fd) < 0) {
		fprintf(stderr, "fuzz: writing %s: %s\n", path, strerror(errno));
		abort();
	}
	return path;
}

static void empty_at(int dirfd)
{
	DIR *dir = fdopendir(dirfd);
	struct dirent *e;

	if (!dir) {
		perror("fuzz: fdopendir");
		abort();
	}
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* A directory the input made unwritable or unreadable: let us in again. */
		if (sub < 0 && fchmodat(dirfd, e->d_name, 0700, 0) == 0)
			sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			fprintf(stderr, "fuzz: cannot remove %s: %s\n", e->d_name, strerror(errno));
			abort();
		}
		fchmod(sub, 0700);
		empty_at(sub);
		if (unlinkat(dirfd, e->d_name, AT_REMOVEDIR) < 0) {
			fprintf(stderr, "fuzz: cannot remove %s: %s\n", e->d_name, strerror(errno));
			abort();
		}
	}
	closedir(dir);
}

void fuzz_empty(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		abort();
	}
	fchmod(fd, 0700);
	empty_at(fd);
}

void fuzz_empty_at(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		perror("fuzz: reopening a directory");
		abort();
	}
	fchmod(fd, 0700);
	empty_at(fd);
}

void fuzz_verdict(const char *what, int r, const char *message)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "%s: %s\n", what, r == 0 ? "accepted" : message);
}
