/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SBOM's package readers (image/sbom-packages.c) on what an image says
 * it holds: the input is written as an image's dpkg status, apk installed
 * database, bin/busybox or os-release (beside a fixed status; the first
 * byte chooses which), then read as the build reads it. Whatever the input, every package listed has a name and
 * a version of printable ASCII within the bound, with a purl, in order. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "../image/sbom.h"

static const char *const places[] = { "var/lib/dpkg/status", "lib/apk/db/installed", "bin/busybox",
				       "usr/lib/os-release" };
static const char status[] = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n";

static void make_dirs(const char *root)
{
	static const char *const dirs[] = { "var", "var/lib", "var/lib/dpkg", "lib", "lib/apk", "lib/apk/db", "bin",
					    "usr", "usr/lib" };
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		mkdir(path, 0700);
	}
}

static void check_field(const char *s)
{
	size_t len = strlen(s);

	if (len > SBOM_FIELD_MAX)
		abort();
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char root[PATH_MAX], path[PATH_MAX + 32];
	struct sbom_packages p;

	if (size < 1)
		return 0;
	snprintf(root, sizeof(root), "%s/image", fuzz_dir());
	mkdir(root, 0700);
	fuzz_empty(root);
	make_dirs(root);
	snprintf(path, sizeof(path), "%s/%s", root, places[data[0] % 4]);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0)
		abort();
	if (data[0] % 4 == 3) {
		snprintf(path, sizeof(path), "%s/%s", root, places[0]);
		if (!(f = fopen(path, "w")) || fputs(status, f) < 0 || fclose(f) != 0)
			abort();
	}
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	int r = sbom_read_packages(fd, &p);
	close(fd);
	fuzz_verdict("packages", r, p.source ? p.source : "none");
	for (size_t i = 0; r == 0 && i < p.n; i++) {
		if (!*p.v[i].name || !*p.v[i].version || strncmp(p.v[i].purl, "pkg:", 4) != 0)
			abort();
		check_field(p.v[i].name);
		check_field(p.v[i].version);
		if (*p.v[i].arch)
			check_field(p.v[i].arch);
		if (i && strcmp(p.v[i - 1].name, p.v[i].name) > 0)
			abort();
	}
	sbom_packages_free(&p);
	return 0;
}
