/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI index/manifest/config reader (oci_inspect), for OCI layouts and
 * docker save archives. Every blob is checked against its digest before
 * it is parsed, which random bytes never match; so the input is a recipe
 * and the harness fills in the digests, as a real image's writer would:
 *
 *   byte 0: bit 0 docker-archive (else oci), bit 1 the rest is a tar file
 *           of a layout taken as is, bits 2-3 the reference (none, a tag,
 *           the manifest's digest, a docker NAME:TAG)
 *   then NUL-separated parts, each written as a file of a layout directory:
 *     oci:    oci-layout, index.json, manifest, config, layer
 *     docker: manifest.json, config, layer
 *   with placeholders replaced: @CONFIG@ @CSIZE@ @LAYER@ @LSIZE@ (in the
 *   manifest), @MANIFEST@ @MSIZE@ (in index.json), @DIFFID@ (in docker's
 *   config), @CONFIGNAME@ @LAYERNAME@ (in docker's manifest.json). */
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "../image/image.h"

#define PARTS 5

struct subst {
	const char *from;
	char to[80];
};

static void hex_digest(const void *data, size_t size, char out[65])
{
	struct sha256_ctx ctx;
	uint8_t sum[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, size, data);
	sha256_digest(&ctx, sizeof(sum), sum);
	for (size_t i = 0; i < sizeof(sum); i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

/* TEXT with every placeholder of S replaced; malloc'd, its length in *LEN. */
static char *substitute(const char *text, size_t len, const struct subst *s, size_t n, size_t *out_len)
{
	size_t cap = len * 8 + 1, used = 0;
	char *out = malloc(cap);

	if (!out)
		abort();
	for (size_t i = 0; i < len;) {
		size_t k = 0;
		while (k < n && (len - i < strlen(s[k].from) || memcmp(text + i, s[k].from, strlen(s[k].from)) != 0))
			k++;
		const char *piece = k < n ? s[k].to : text + i;
		size_t piece_len = k < n ? strlen(s[k].to) : 1;
		if (used + piece_len >= cap && !(out = realloc(out, cap = 2 * cap + piece_len)))
			abort();
		memcpy(out + used, piece, piece_len);
		used += piece_len;
		i += k < n ? strlen(s[k].from) : 1;
	}
	*out_len = used;
	return out;
}

/* Writes a blob under blobs/sha256/ of the layout; its hex digest in HEX. */
static void write_blob(const char *layout, const char *data, size_t size, char hex[65])
{
	char name[PATH_MAX];

	hex_digest(data, size, hex);
	snprintf(name, sizeof(name), "%s/blobs/sha256/%s", layout, hex);
	fuzz_write(name, data, size);
}

static void make_oci(const char *const *part, const size_t *len, char *manifest_digest)
{
	char config_hex[65], layer_hex[65], manifest_hex[65];
	size_t n;

	write_blob("layout", part[3], len[3], config_hex);
	write_blob("layout", part[4], len[4], layer_hex);
	struct subst m[4] = { { "@CONFIG@", "" }, { "@CSIZE@", "" }, { "@LAYER@", "" }, { "@LSIZE@", "" } };
	snprintf(m[0].to, sizeof(m[0].to), "sha256:%s", config_hex);
	snprintf(m[1].to, sizeof(m[1].to), "%zu", len[3]);
	snprintf(m[2].to, sizeof(m[2].to), "sha256:%s", layer_hex);
	snprintf(m[3].to, sizeof(m[3].to), "%zu", len[4]);
	char *manifest = substitute(part[2], len[2], m, 4, &n);
	write_blob("layout", manifest, n, manifest_hex);
	struct subst x[2] = { { "@MANIFEST@", "" }, { "@MSIZE@", "" } };
	snprintf(x[0].to, sizeof(x[0].to), "sha256:%s", manifest_hex);
	snprintf(x[1].to, sizeof(x[1].to), "%zu", n);
	free(manifest);
	char *index = substitute(part[1], len[1], x, 2, &n);
	fuzz_write("layout/index.json", index, n);
	free(index);
	fuzz_write("layout/oci-layout", part[0], len[0]);
	snprintf(manifest_digest, 80, "sha256:%s", manifest_hex);
}

static void make_docker(const char *const *part, const size_t *len)
{
	char layer_hex[65], config_hex[65], name[PATH_MAX];
	size_t n;

	hex_digest(part[2], len[2], layer_hex);
	snprintf(name, sizeof(name), "layout/%s.tar", layer_hex);
	fuzz_write(name, part[2], len[2]);
	struct subst c[1] = { { "@DIFFID@", "" } };
	snprintf(c[0].to, sizeof(c[0].to), "sha256:%s", layer_hex);
	char *config = substitute(part[1], len[1], c, 1, &n);
	hex_digest(config, n, config_hex);
	snprintf(name, sizeof(name), "layout/%s.json", config_hex);
	fuzz_write(name, config, n);
	free(config);
	struct subst m[2] = { { "@CONFIGNAME@", "" }, { "@LAYERNAME@", "" } };
	snprintf(m[0].to, sizeof(m[0].to), "%s.json", config_hex);
	snprintf(m[1].to, sizeof(m[1].to), "%s.tar", layer_hex);
	char *manifest = substitute(part[0], len[0], m, 2, &n);
	fuzz_write("layout/manifest.json", manifest, n);
	free(manifest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const refs[] = { NULL, "latest", NULL, "example:latest" };
	char path[PATH_MAX], manifest_digest[80] = "";
	const char *part[PARTS] = { "", "", "", "", "" };
	size_t len[PARTS] = { 0 };
	char *digest = NULL;
	struct diag d;

	if (size < 1)
		return 0;
	enum image_kind kind = data[0] & 1 ? IMAGE_DOCKER_ARCHIVE : IMAGE_OCI;
	unsigned ref = (data[0] >> 2) & 3;
	const char *rest = (const char *)data + 1, *end = (const char *)data + size;

	snprintf(path, sizeof(path), "%s/layout", fuzz_dir());
	mkdir(path, 0700);
	fuzz_empty(path);
	if (data[0] & 2) {
		snprintf(path, sizeof(path), "%s", fuzz_write("layout.tar", rest, (size_t)(end - rest)));
	} else {
		for (size_t i = 0; i < PARTS && rest <= end; i++) {
			const char *nul = memchr(rest, '\0', (size_t)(end - rest));
			part[i] = rest;
			len[i] = (size_t)((nul ? nul : end) - rest);
			rest += len[i] + 1;
		}
		snprintf(path, sizeof(path), "%s/layout/blobs", fuzz_dir());
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/layout/blobs/sha256", fuzz_dir());
		mkdir(path, 0700);
		if (kind == IMAGE_OCI)
			make_oci(part, len, manifest_digest);
		else
			make_docker(part, len);
		snprintf(path, sizeof(path), "%s/layout", fuzz_dir());
	}
	const char *name = ref == 2 ? (manifest_digest[0] ? manifest_digest : NULL) : refs[ref];
	struct image_config *config = calloc(1, sizeof(*config));
	if (!config)
		abort();
	fuzz_verdict("oci", oci_inspect(kind, path, name, &digest, config, &d), d.msg);
	free(digest);
	image_config_free(config);
	return 0;
}
