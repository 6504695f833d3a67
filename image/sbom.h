/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The build's SBOM, between its parts: sbom.c collects and writes it,
 * sbom-packages.c reads what an image says it holds, sbom-show.c prints
 * it. What the builder's other parts call is in image.h. */
#ifndef BULKHEAD_SBOM_H
#define BULKHEAD_SBOM_H

#include <stddef.h>

/* The file the build writes beside its outputs. */
#define SBOM_FILE "sbom.spdx.json"

/* What an image's package database is read up to: a hostile image may say
 * anything, but it cannot make the build read or keep more than this. */
#define SBOM_DB_MAX_BYTES (64 << 20)
#define SBOM_MAX_PACKAGES 100000
#define SBOM_FIELD_MAX 256 /* a longer name, version or architecture is cut */
/* A busybox binary is scanned for its version up to this size. */
#define SBOM_BINARY_MAX_BYTES (32 << 20)

struct sbom_package {
	char *name, *version, *arch; /* printable ASCII: anything else became '?' */
	char *purl;                  /* pkg:deb/debian/..., pkg:apk/alpine/..., pkg:generic/busybox@... */
};

struct sbom_packages {
	const char *source; /* what said so: "dpkg", "apk", "busybox", or NULL when nothing did */
	struct sbom_package *v;
	size_t n;
};

/* What the image whose root is the directory ROOT (an O_PATH descriptor)
 * says it holds: dpkg's status (and status.d, as distroless images keep it),
 * else apk's installed database, else the version of its bin/busybox.
 * Files are opened as if ROOT were / (no path leaves it), never through a
 * final symlink, and only regular files are read. Sorted by name,
 * architecture, version. Returns 0 (also when the image says nothing: out->n
 * 0, source NULL) or -ENOMEM. */
int sbom_read_packages(int root, struct sbom_packages *out);
/* image: busybox, the builder's own static busybox at PATH: one package,
 * busybox at the version its "BusyBox vX.Y.Z" string says. Returns 0
 * (nothing listed when the binary carries no such string) or -errno. */
int sbom_read_busybox(const char *path, struct sbom_packages *out);
void sbom_packages_free(struct sbom_packages *p);

#endif
