/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tar: images: their digest and their unpacking.
 *
 * A tar: image's digest is "sha256:" and the sha256 of the file's bytes as
 * given, compressed or not: what sha256sum prints for the file the user
 * ships and signs. A digest of the decompressed stream would need the
 * signer to decompress with the tool the builder happens to use; the
 * file's own bytes need nothing. A signature's payload names this digest
 * (signature.c), as it names an OCI manifest's.
 *
 * The digest is taken when the manifest is read, and taken again from the
 * very bytes that are unpacked: a file changed in between fails the build,
 * so that what is unpacked is what was verified (as oci.c checks each
 * blob it unpacks). */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

/* The file read as a stream, hashed on the way. */
struct hashed_file {
	int fd;
	struct sha256_ctx sha;
	char buf[1 << 16];
};

static la_ssize_t hashed_read(struct archive *a, void *ctx, const void **data)
{
	struct hashed_file *f = ctx;
	la_ssize_t n;

	while ((n = read(f->fd, f->buf, sizeof(f->buf))) < 0 && errno == EINTR)
		;
	if (n < 0 && a)
		archive_set_error(a, errno, "%s", strerror(errno));
	if (n > 0)
		sha256_update(&f->sha, (size_t)n, (const uint8_t *)f->buf);
	*data = f->buf;
	return n;
}

/* Reads what is left of F (libarchive stops at the end of the tar, before
 * any padding or trailing bytes), then writes "sha256:HEX" into OUT. */
static int hashed_finish(struct hashed_file *f, char out[7 + 2 * SHA256_DIGEST_SIZE + 1])
{
	uint8_t sum[SHA256_DIGEST_SIZE];
	const void *data;
	la_ssize_t n;

	while ((n = hashed_read(NULL, f, &data)) > 0)
		;
	if (n < 0)
		return -errno;
	sha256_digest(&f->sha, sizeof(sum), sum);
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < sizeof(sum); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", sum[i]);
	return 0;
}

/* F, opened on PATH beneath the build context; NULL with d set. */
static struct hashed_file *hashed_open(const char *path, struct diag *d)
{
	/* Non-blocking: a FIFO put in the file's place must not hang the build. */
	_cleanup_close_ int fd = input_open(path, O_RDONLY | O_NONBLOCK, NULL, 0);
	struct hashed_file *f;
	struct stat st;

	if (fd < 0) {
		diag_fail(d, "%s: %s", path, input_strerror(-fd));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_fail(d, "%s is not a regular file", path);
		return NULL;
	}
	if (!(f = malloc(sizeof(*f)))) {
		diag_fail(d, "out of memory");
		return NULL;
	}
	f->fd = steal_fd(&fd);
	sha256_init(&f->sha);
	return f;
}

static void hashed_close(struct hashed_file *f)
{
	close(f->fd);
	free(f);
}

int tar_image_digest(const char *path, char **digest, struct diag *d)
{
	char hex[7 + 2 * SHA256_DIGEST_SIZE + 1];
	struct hashed_file *f = hashed_open(path, d);
	int r;

	if (!f)
		return -1;
	r = hashed_finish(f, hex);
	hashed_close(f);
	if (r < 0)
		return diag_errno(d, -r, "%s", path);
	if (!(*digest = strdup(hex)))
		return diag_fail(d, "out of memory");
	return 0;
}

int tar_image_unpack(const struct container *c, int dirfd, struct diag *d)
{
	char now[7 + 2 * SHA256_DIGEST_SIZE + 1];
	struct archive *a = unpack_reader();
	struct hashed_file *f = a ? hashed_open(c->image_path, d) : NULL;
	int r;

	if (!f) {
		archive_read_free(a);
		return a ? -1 : diag_fail(d, "out of memory");
	}
	/* No skip callback: libarchive reads every byte, and every byte is hashed. */
	if (archive_read_open(a, f, NULL, hashed_read, NULL) != ARCHIVE_OK)
		r = diag_fail(d, "%s: %s", c->image_path, archive_error_string(a));
	else
		r = unpack_extract(a, dirfd, false, c->image_path, d);
	int e = hashed_finish(f, now);
	/* A changed file tells more than the tar error it may have caused. */
	if (e < 0)
		r = diag_errno(d, -e, "%s", c->image_path);
	else if (c->image_digest && strcmp(now, c->image_digest) != 0)
		r = diag_fail(d, "it changed while the build ran (now %s, was %s)", now, c->image_digest);
	archive_read_free(a);
	hashed_close(f);
	return r;
}
