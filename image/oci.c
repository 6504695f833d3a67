/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI image layouts and docker save archives, as directories or as tar
 * archives of one, read with libarchive. Every blob is checked against its
 * sha256 digest (and size, where a descriptor gives one) before it is used:
 * JSON before it is parsed, a layer before it is unpacked. A docker save
 * archive names no blob by digest but its config (by its file name) and its
 * layers (by the config's rootfs.diff_ids, the digests of the plain tars it
 * holds). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <jansson.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"

/* Index, manifests and configs are small; a larger one is refused rather
 * than read into memory. */
#define JSON_MAX (4 << 20)
#define REF_NAME "org.opencontainers.image.ref.name"

struct layout {
	const char *path;
	int dirfd; /* a directory; -1: a tar archive of one */
	/* The archive, opened (O_PATH) beneath the build context and read
	 * again through /proc/self/fd: always the file that was checked. */
	int archive;
};

/* One file of a layout read as a stream and hashed on the way: a file of a
 * directory, or a member of an archive positioned at it. */
struct blob {
	int fd;
	struct archive *outer;
	struct sha256_ctx sha;
	unsigned long long size;
	char buf[1 << 16];
};

struct layer {
	char name[PATH_MAX]; /* inside the layout */
	const char *digest;  /* OCI: the blob's; docker: the config's diff_id, which is the same for a plain tar */
	json_int_t size;     /* -1: the layout does not say */
};

struct image {
	struct layout layout;
	char *digest;       /* the manifest's (OCI) or the config's (docker) */
	json_t *doc;        /* the manifest, or manifest.json: owns the layers' strings */
	json_t *config;
	struct layer *layers;
	size_t n_layers;
	bool docker;
};

static void image_free(struct image *img)
{
	free(img->digest);
	json_decref(img->doc);
	json_decref(img->config);
	free(img->layers);
	if (img->layout.dirfd >= 0)
		close(img->layout.dirfd);
	if (img->layout.archive >= 0)
		close(img->layout.archive);
	memset(img, 0, sizeof(*img));
	img->layout.dirfd = img->layout.archive = -1;
}

/* ---- names and digests ---- */

/* A path inside the layout: made plain, ".." resolved within it. */
static bool member_path(char *path)
{
	return path_clean(path, true) && *path;
}

/* The hex part of "sha256:HEX", or NULL with d set. */
static const char *digest_hex(const char *digest, struct diag *d)
{
	static const char prefix[] = "sha256:";

	if (!digest || strncmp(digest, prefix, sizeof(prefix) - 1) != 0) {
		diag_fail(d, "digest \"%s\": only sha256 digests are supported", digest ? digest : "(none)");
		return NULL;
	}
	const char *hex = digest + sizeof(prefix) - 1;
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64) {
		diag_fail(d, "digest \"%s\" is not sha256: and 64 lowercase hex digits", digest);
		return NULL;
	}
	return hex;
}

static int blob_name(const char *digest, char *out, size_t size, struct diag *d)
{
	const char *hex = digest_hex(digest, d);

	if (!hex)
		return -1;
	snprintf(out, size, "blobs/sha256/%s", hex);
	return 0;
}

/* ---- blobs ---- */

static void blob_close(struct blob *b)
{
	if (b->fd >= 0)
		close(b->fd);
	if (b->outer)
		archive_read_free(b->outer);
	b->fd = -1;
	b->outer = NULL;
}

/* Finds NAME in an archived layout, following links within it. */
static int member_open(const struct layout *l, const char *name, struct blob *b, struct diag *d)
{
	char want[PATH_MAX], path[PATH_MAX], via[64];

	snprintf(want, sizeof(want), "%s", name);
	snprintf(via, sizeof(via), "/proc/self/fd/%d", l->archive);
	for (int hops = 0; hops < 8; hops++) {
		struct archive_entry *e;
		int r;
		if (!(b->outer = unpack_reader()))
			return diag_fail(d, "out of memory");
		if (archive_read_open_filename(b->outer, via, 1 << 16) != ARCHIVE_OK)
			return diag_fail(d, "%s: %s", l->path, archive_error_string(b->outer));
		while ((r = archive_read_next_header(b->outer, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
			snprintf(path, sizeof(path), "%s", archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
			if (!member_path(path) || strcmp(path, want) != 0)
				continue;
			const char *link = archive_entry_hardlink(e);
			if (!link && archive_entry_filetype(e) == AE_IFREG)
				return 0;
			if (!link && archive_entry_filetype(e) != AE_IFLNK)
				return diag_fail(d, "%s in %s is not a file", name, l->path);
			/* docker save links a layer it holds twice to the first copy;
			 * a symlink's target is relative to its directory, a hard
			 * link's to the archive's root. */
			char *slash = strrchr(want, '/');
			if (link)
				snprintf(want, sizeof(want), "%s", link);
			else if (archive_entry_symlink(e) && archive_entry_symlink(e)[0] != '/')
				snprintf(want, sizeof(want), "%.*s%s", slash ? (int)(slash + 1 - want) : 0, path,
					 archive_entry_symlink(e));
			else
				return diag_fail(d, "%s in %s links outside it", name, l->path);
			if (!member_path(want))
				return diag_fail(d, "%s in %s links outside it", name, l->path);
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return r == ARCHIVE_EOF ? diag_fail(d, "%s has no %s", l->path, name)
						: diag_fail(d, "%s: %s", l->path, archive_error_string(b->outer));
		archive_read_free(b->outer);
		b->outer = NULL;
	}
	return diag_fail(d, "%s in %s: too many links", name, l->path);
}

static int blob_open(const struct layout *l, const char *name, struct blob *b, struct diag *d)
{
	char path[PATH_MAX];
	struct stat st;

	b->fd = -1;
	b->outer = NULL;
	b->size = 0;
	sha256_init(&b->sha);
	snprintf(path, sizeof(path), "%s", name);
	if (!member_path(path) || strcmp(path, name) != 0)
		return diag_fail(d, "\"%s\" is not a plain path inside the image", name);
	if (l->dirfd < 0) {
		if (member_open(l, name, b, d) == 0)
			return 0;
		blob_close(b);
		return -1;
	}
	/* Beneath the layout, whatever its symlinks say: a blob is the layout's. */
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	b->fd = (int)syscall(SYS_openat2, l->dirfd, name, &how, sizeof(how));
	if (b->fd < 0 && errno == ENOSYS) /* kernels before 5.6: no symlink at all */
		b->fd = openat(l->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (b->fd < 0 && errno == EXDEV)
		return diag_fail(d, "%s/%s: a symlink that leads outside the layout; refusing it", l->path, name);
	if (b->fd < 0 || fstat(b->fd, &st) < 0)
		return diag_errno(d, errno, "%s/%s", l->path, name);
	if (!S_ISREG(st.st_mode)) {
		blob_close(b);
		return diag_fail(d, "%s/%s is not a file", l->path, name);
	}
	return 0;
}

static la_ssize_t blob_read(struct archive *a, void *ctx, const void **data)
{
	struct blob *b = ctx;
	la_ssize_t n = b->fd >= 0 ? read(b->fd, b->buf, sizeof(b->buf))
				  : archive_read_data(b->outer, b->buf, sizeof(b->buf));

	if (n < 0 && a)
		archive_set_error(a, EIO, "reading the blob: %s",
				  b->fd >= 0 ? strerror(errno) : archive_error_string(b->outer));
	if (n > 0) {
		sha256_update(&b->sha, (size_t)n, (const uint8_t *)b->buf);
		b->size += (unsigned long long)n;
	}
	*data = b->buf;
	return n;
}

/* Reads what is left, then compares the whole blob with DIGEST and SIZE
 * (-1: unknown). WHAT names the blob. */
static int blob_check(struct blob *b, const char *what, const char *digest, json_int_t size, struct diag *d)
{
	uint8_t sum[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	const void *data;
	la_ssize_t n;

	while ((n = blob_read(NULL, b, &data)) > 0)
		;
	if (n < 0)
		return diag_fail(d, "%s: %s", what, b->fd >= 0 ? strerror(errno) : archive_error_string(b->outer));
	sha256_digest(&b->sha, sizeof(sum), sum);
	for (size_t i = 0; i < sizeof(sum); i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	if (size >= 0 && b->size != (unsigned long long)size)
		return diag_fail(d, "%s: %llu bytes where its descriptor says %lld; refusing it", what, b->size,
				 (long long)size);
	if (strcmp(hex, digest + strlen("sha256:")) != 0)
		return diag_fail(d, "%s: digest mismatch: its content hashes to sha256:%s; refusing it (modified or corrupt)",
				 what, hex);
	return 0;
}

/* Reads NAME whole (at most JSON_MAX bytes), checked against DIGEST (NULL:
 * not named by one); NUL-terminated, its length in LEN. */
static char *read_blob(const struct layout *l, const char *name, const char *digest, json_int_t size, size_t *len,
		       struct diag *d)
{
	struct blob b;
	char *text = NULL, *grown = NULL;
	const void *data;
	la_ssize_t n;
	bool good = false;

	*len = 0;
	if (blob_open(l, name, &b, d) < 0)
		return NULL;
	while ((n = blob_read(NULL, &b, &data)) > 0 && *len + (size_t)n <= JSON_MAX &&
	       (grown = realloc(text, *len + (size_t)n + 1))) {
		text = grown;
		memcpy(text + *len, data, (size_t)n);
		*len += (size_t)n;
	}
	if (n > 0 && !grown)
		diag_fail(d, "out of memory");
	else if (n > 0)
		diag_fail(d, "%s: larger than the %d MiB a JSON file of an image may be", name, JSON_MAX >> 20);
	else if (n < 0)
		diag_fail(d, "%s: %s", name, b.fd >= 0 ? strerror(errno) : archive_error_string(b.outer));
	else if (!text && !(text = calloc(1, 1)))
		diag_fail(d, "out of memory");
	else
		good = !digest || blob_check(&b, name, digest, size, d) == 0;
	blob_close(&b);
	if (!good) {
		free(text);
		return NULL;
	}
	text[*len] = '\0';
	return text;
}

/* Reads NAME as JSON, checked against DIGEST (NULL: not named by one). */
static json_t *read_json(const struct layout *l, const char *name, const char *digest, json_int_t size,
			 struct diag *d)
{
	size_t len;
	char *text = read_blob(l, name, digest, size, &len, d);
	json_t *json = NULL;
	json_error_t err;

	if (text && !(json = json_loadb(text, len, 0, &err)))
		diag_fail(d, "%s: invalid JSON at line %d: %s", name, err.line, err.text);
	free(text);
	return json;
}

/* ---- OCI image layouts ---- */

struct descriptor {
	const char *media_type, *digest;
	json_int_t size;
};

static int descriptor(json_t *o, const char *what, struct descriptor *out, struct diag *d)
{
	json_t *size = json_object_get(o, "size");

	out->media_type = json_string_value(json_object_get(o, "mediaType"));
	out->digest = json_string_value(json_object_get(o, "digest"));
	out->size = json_is_integer(size) ? json_integer_value(size) : -1;
	if (!json_is_object(o) || !out->digest || out->size < 0)
		return diag_fail(d, "%s is not a descriptor with a digest and a size", what);
	return digest_hex(out->digest, d) ? 0 : -1;
}

static bool one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static const char *const manifest_types[] = { "application/vnd.oci.image.manifest.v1+json",
					      "application/vnd.docker.distribution.manifest.v2+json" };
static const char *const index_types[] = { "application/vnd.oci.image.index.v1+json",
					   "application/vnd.docker.distribution.manifest.list.v2+json" };
/* libarchive tells the compression from the bytes; the type is only checked. */
static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

/* "a, b, c" from the names NAME gives for each element (J: the first,
 * second... of one element; NULL after the last), for messages; "none"
 * when there is none. */
static void list_names(json_t *array, const char *(*name)(json_t *, size_t), char *out, size_t size)
{
	size_t i, used = 0;
	json_t *item;

	out[0] = '\0';
	json_array_foreach(array, i, item)
		for (size_t j = 0; name(item, j); j++)
			if (used < size && !strstr(out, name(item, j)))
				used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", name(item, j));
	if (!used)
		snprintf(out, size, "none");
}

static const char *oci_tag(json_t *descriptor, size_t j)
{
	return j ? NULL : json_string_value(json_object_get(json_object_get(descriptor, "annotations"), REF_NAME));
}

static const char *oci_digest(json_t *descriptor, size_t j)
{
	return j ? NULL : json_string_value(json_object_get(descriptor, "digest"));
}

/* The descriptor of index.json's image that REF names (a tag or a digest;
 * NULL: the only image). Entries with one digest are one image, whatever
 * their tags. */
static json_t *oci_choose(json_t *index, const char *ref, struct diag *d)
{
	json_t *manifests = json_object_get(index, "manifests"), *item, *found = NULL;
	bool by_digest = ref && strncmp(ref, "sha256:", 7) == 0;
	size_t i, matches = 0, images = 0;
	char tags[512], digests[512];

	if (!json_is_array(manifests))
		return diag_fail(d, "index.json has no manifests list"), NULL;
	list_names(manifests, oci_tag, tags, sizeof(tags));
	list_names(manifests, oci_digest, digests, sizeof(digests));
	json_array_foreach(manifests, i, item) {
		const char *key = by_digest ? oci_digest(item, 0) : oci_tag(item, 0);
		if (!ref || (key && strcmp(key, ref) == 0)) {
			const char *digest = oci_digest(item, 0), *first = found ? oci_digest(found, 0) : NULL;
			matches++;
			images += !found || !digest || !first || strcmp(digest, first) != 0;
			found = found ? found : item;
		}
	}
	if (images == 1)
		return found;
	if (!ref && matches == 0)
		diag_fail(d, "index.json lists no image");
	else if (!ref)
		diag_fail(d, "index.json lists %zu images; name one as oci:PATH:TAG (tags: %s) or oci:PATH@DIGEST", images,
			  tags);
	else if (matches == 0 && by_digest)
		diag_fail(d, "no image with digest %s (digests: %s)", ref, digests);
	else if (matches == 0)
		diag_fail(d, "no image tagged \"%s\" (tags: %s)", ref, tags);
	else
		diag_fail(d, "tag \"%s\" names %zu images; name one as oci:PATH@DIGEST (digests: %s)", ref, images, digests);
	return NULL;
}

static int oci_resolve(struct image *img, const char *ref, struct diag *d)
{
	struct descriptor m, c;
	struct diag probe;
	char name[PATH_MAX];
	json_t *layout = read_json(&img->layout, "oci-layout", NULL, -1, &probe), *index, *chosen;

	if (!layout) {
		json_t *docker = read_json(&img->layout, "manifest.json", NULL, -1, d);
		json_decref(docker);
		return diag_fail(d, "not an OCI image layout (%s)%s", probe.msg,
				 docker ? "; it looks like docker save output: use docker-archive:PATH" : "");
	}
	json_decref(layout);
	if (!(index = read_json(&img->layout, "index.json", NULL, -1, d)))
		return -1;
	chosen = oci_choose(index, ref, d);
	int r = chosen ? descriptor(chosen, "the image's entry in index.json", &m, d) : -1;
	if (r == 0 && one_of(m.media_type, index_types, ARRAY_SIZE(index_types)))
		r = diag_fail(d, "%s is an image index (several platforms?); name one of its manifests as oci:PATH@DIGEST",
			      m.digest);
	else if (r == 0 && !one_of(m.media_type, manifest_types, ARRAY_SIZE(manifest_types)))
		r = diag_fail(d, "%s: media type \"%s\" is not an image manifest", m.digest,
			      m.media_type ? m.media_type : "(none)");
	if (r == 0)
		r = blob_name(m.digest, name, sizeof(name), d);
	if (r == 0 && !(img->doc = read_json(&img->layout, name, m.digest, m.size, d)))
		r = -1;
	if (r == 0 && !(img->digest = strdup(m.digest)))
		r = diag_fail(d, "out of memory");
	json_decref(index); /* m's strings with it */
	if (r < 0)
		return -1;

	json_t *layers = json_object_get(img->doc, "layers"), *item;
	size_t i;
	if (descriptor(json_object_get(img->doc, "config"), "the manifest's config", &c, d) < 0 ||
	    blob_name(c.digest, name, sizeof(name), d) < 0 ||
	    !(img->config = read_json(&img->layout, name, c.digest, c.size, d)))
		return -1;
	if (!json_is_array(layers) || !(img->layers = calloc(json_array_size(layers) + 1, sizeof(*img->layers))))
		return diag_fail(d, "manifest %s has no layers list", img->digest);
	json_array_foreach(layers, i, item) {
		struct descriptor l;
		char what[64];
		snprintf(what, sizeof(what), "layer %zu of the manifest", i + 1);
		if (descriptor(item, what, &l, d) < 0)
			return -1;
		if (!one_of(l.media_type, layer_types, ARRAY_SIZE(layer_types)))
			return diag_fail(d, "layer %s: media type \"%s\" is not a tar layer bulkhead reads", l.digest,
					 l.media_type ? l.media_type : "(none)");
		blob_name(l.digest, img->layers[i].name, sizeof(img->layers[i].name), d);
		img->layers[i].digest = l.digest;
		img->layers[i].size = l.size;
		img->n_layers++;
	}
	return 0;
}

/* ---- docker save archives ---- */

static void tag_key(const char *tag, char *out, size_t size)
{
	const char *slash = strrchr(tag, '/');

	/* nginx, library/nginx and docker.io/library/nginx:latest are one image */
	if (strncmp(tag, "docker.io/", 10) == 0)
		tag += 10;
	if (strncmp(tag, "library/", 8) == 0)
		tag += 8;
	snprintf(out, size, "%s%s", tag, strchr(slash ? slash : tag, ':') ? "" : ":latest");
}

static const char *docker_tag(json_t *entry, size_t j)
{
	return json_string_value(json_array_get(json_object_get(entry, "RepoTags"), j));
}

static json_t *docker_choose(json_t *doc, const char *ref, struct diag *d)
{
	json_t *item, *found = NULL;
	size_t i, matches = 0;
	char tags[512], want[256], key[256];

	if (!json_is_array(doc))
		return diag_fail(d, "manifest.json is not a list of images"), NULL;
	list_names(doc, docker_tag, tags, sizeof(tags));
	if (ref)
		tag_key(ref, want, sizeof(want));
	json_array_foreach(doc, i, item) {
		bool match = !ref;
		for (size_t j = 0; !match && docker_tag(item, j); j++) {
			tag_key(docker_tag(item, j), key, sizeof(key));
			match = strcmp(key, want) == 0;
		}
		if (match) {
			matches++;
			found = found ? found : item;
		}
	}
	if (matches == 1)
		return found;
	if (!ref && matches == 0)
		diag_fail(d, "manifest.json lists no image");
	else if (!ref)
		diag_fail(d, "manifest.json lists %zu images; name one as docker-archive:PATH:NAME:TAG (tags: %s)", matches,
			  tags);
	else
		diag_fail(d, "%s images tagged \"%s\" (tags: %s)", matches ? "several" : "no", ref, tags);
	return NULL;
}

static int docker_resolve(struct image *img, const char *ref, struct diag *d)
{
	json_t *entry, *layers, *diff_ids, *item;
	char digest[80], config[PATH_MAX];
	size_t i;

	img->docker = true;
	if (!(img->doc = read_json(&img->layout, "manifest.json", NULL, -1, d))) {
		struct diag probe = *d, ignored;
		json_t *oci = read_json(&img->layout, "oci-layout", NULL, -1, &ignored);
		json_decref(oci);
		return diag_fail(d, "not a docker save archive (%s)%s", probe.msg,
				 oci ? "; it is an OCI image layout: use oci:PATH" : "");
	}
	if (!(entry = docker_choose(img->doc, ref, d)))
		return -1;
	const char *name = json_string_value(json_object_get(entry, "Config"));
	if (!name || snprintf(config, sizeof(config), "%s", name) >= (int)sizeof(config) || !member_path(config))
		return diag_fail(d, "manifest.json: the image's Config is not a path inside the archive");
	/* Its name is its digest: HEX.json (docker) or blobs/sha256/HEX. */
	const char *base = strrchr(config, '/') ? strrchr(config, '/') + 1 : config;
	snprintf(digest, sizeof(digest), "sha256:%.64s", base);
	if (strlen(base) < 64 || !(strcmp(base + 64, ".json") == 0 || (!base[64] && strstr(config, "sha256/"))) ||
	    !digest_hex(digest, d))
		return diag_fail(d, "config %s is not named by its digest, so it cannot be verified", config);
	if (!(img->config = read_json(&img->layout, config, digest, -1, d)))
		return -1;
	if (!(img->digest = strdup(digest)))
		return diag_fail(d, "out of memory");

	layers = json_object_get(entry, "Layers");
	diff_ids = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
	if (!json_is_array(layers) || !json_is_array(diff_ids) || json_array_size(layers) != json_array_size(diff_ids))
		return diag_fail(d, "its Layers and the config's rootfs.diff_ids do not pair up");
	if (!(img->layers = calloc(json_array_size(layers) + 1, sizeof(*img->layers))))
		return diag_fail(d, "out of memory");
	json_array_foreach(layers, i, item) {
		struct layer *l = &img->layers[i];
		l->digest = json_string_value(json_array_get(diff_ids, i));
		l->size = -1;
		if (!json_is_string(item) || snprintf(l->name, sizeof(l->name), "%s", json_string_value(item)) >= PATH_MAX ||
		    !member_path(l->name))
			return diag_fail(d, "manifest.json: layer %zu is not a path inside the archive", i + 1);
		if (!digest_hex(l->digest, d))
			return -1;
		img->n_layers++;
	}
	return 0;
}

/* ---- both ---- */

/* Opens the layout or archive at PATH into IMG, beneath the build context. */
static int layout_open(const char *path, struct image *img, struct diag *d)
{
	struct stat st;

	memset(img, 0, sizeof(*img));
	img->layout.path = path;
	img->layout.dirfd = img->layout.archive = -1;
	if (stat(path, &st) < 0)
		return diag_errno(d, errno, "%s", path);
	/* Opening a FIFO or reading a device would block or never end. */
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return diag_fail(d, "%s is neither a directory nor a regular file (an archive of one)", path);
	/* A manifest's input: opened beneath the build context (context.c). */
	int fd = input_open(path, S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_PATH, NULL, 0);
	if (fd < 0)
		return diag_fail(d, "%s: %s", path, input_strerror(-fd));
	*(S_ISDIR(st.st_mode) ? &img->layout.dirfd : &img->layout.archive) = fd;
	return 0;
}

static int resolve(enum image_kind kind, const char *path, const char *ref, struct image *img, struct diag *d)
{
	if (layout_open(path, img, d) < 0)
		return -1;
	return kind == IMAGE_OCI ? oci_resolve(img, ref, d) : docker_resolve(img, ref, d);
}

#define COSIGN_PAYLOAD_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define COSIGN_SIGNATURE_ANNOTATION "dev.cosignproject.cosign/signature"

int oci_cosign_signature(const char *path, const char *digest, char **payload, size_t *len, char **signature,
			 struct diag *d)
{
	struct image img;
	struct descriptor m, l;
	char tag[96], name[PATH_MAX];
	json_t *index = NULL, *chosen, *sig_manifest = NULL, *layer;
	int r = -1;

	*payload = *signature = NULL;
	if (!digest_hex(digest, d))
		return -1;
	snprintf(tag, sizeof(tag), "sha256-%s.sig", digest + strlen("sha256:"));
	if (layout_open(path, &img, d) < 0 || !(index = read_json(&img.layout, "index.json", NULL, -1, d)))
		goto out;
	if (!(chosen = oci_choose(index, tag, d)) || descriptor(chosen, "the signature's entry in index.json", &m, d) < 0 ||
	    blob_name(m.digest, name, sizeof(name), d) < 0 ||
	    !(sig_manifest = read_json(&img.layout, name, m.digest, m.size, d)))
		goto out;
	layer = json_array_get(json_object_get(sig_manifest, "layers"), 0);
	json_t *annotations = json_object_get(layer, "annotations");
	const char *b64 = json_string_value(json_object_get(annotations, COSIGN_SIGNATURE_ANNOTATION));
	if (descriptor(layer, "the first layer of the signature's manifest", &l, d) < 0)
		goto out;
	if (!l.media_type || strcmp(l.media_type, COSIGN_PAYLOAD_TYPE) != 0)
		diag_fail(d, "%s: its first layer is of media type \"%s\", not a cosign payload (%s)", tag,
			  l.media_type ? l.media_type : "(none)", COSIGN_PAYLOAD_TYPE);
	else if (!b64)
		diag_fail(d, "%s: its first layer has no %s annotation", tag, COSIGN_SIGNATURE_ANNOTATION);
	else if (!(*signature = strdup(b64)))
		diag_fail(d, "out of memory");
	else if (blob_name(l.digest, name, sizeof(name), d) == 0 &&
		 (*payload = read_blob(&img.layout, name, l.digest, l.size, len, d)))
		r = 0;
out:
	if (r < 0) {
		free(*signature);
		*signature = NULL;
	}
	json_decref(sig_manifest);
	json_decref(index);
	image_free(&img);
	return r;
}

static int strv_from_json(json_t *array, const char *what, char ***out, struct diag *d)
{
	json_t *item;
	size_t i;

	*out = NULL;
	if (!array || json_is_null(array) || (json_is_array(array) && json_array_size(array) == 0))
		return 0;
	if (!json_is_array(array) || !(*out = calloc(json_array_size(array) + 1, sizeof(char *))))
		return diag_fail(d, "the image config's %s is not a list of strings", what);
	json_array_foreach(array, i, item)
		if (!json_is_string(item) || !((*out)[i] = strdup(json_string_value(item))))
			return diag_fail(d, "the image config's %s is not a list of strings", what);
	return 0;
}

static int string_from_json(json_t *value, const char *what, char **out, struct diag *d)
{
	*out = NULL;
	if (!value || json_is_null(value) || (json_is_string(value) && !json_string_length(value)))
		return 0;
	if (!json_is_string(value) || !(*out = strdup(json_string_value(value))))
		return diag_fail(d, "the image config's %s is not a string", what);
	return 0;
}

int oci_inspect(enum image_kind kind, const char *path, const char *ref, char **digest, struct image_config *config,
		struct diag *d)
{
	struct image img;
	int r = resolve(kind, path, ref, &img, d);
	json_t *c = json_object_get(img.config, "config");

	if (r == 0 && !(*digest = strdup(img.digest)))
		r = diag_fail(d, "out of memory");
	if (r == 0)
		r = strv_from_json(json_object_get(c, "Entrypoint"), "Entrypoint", &config->entrypoint, d);
	if (r == 0)
		r = strv_from_json(json_object_get(c, "Cmd"), "Cmd", &config->cmd, d);
	if (r == 0)
		r = strv_from_json(json_object_get(c, "Env"), "Env", &config->env, d);
	for (char **e = config->env; r == 0 && e && *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			r = diag_fail(d, "the image config's Env entry \"%s\" does not read KEY=value", *e);
	if (r == 0)
		r = string_from_json(json_object_get(c, "WorkingDir"), "WorkingDir", &config->workdir, d);
	if (r == 0)
		r = string_from_json(json_object_get(c, "User"), "User", &config->user, d);
	if (r == 0)
		r = health_from_image_json(json_object_get(c, "Healthcheck"), &config->health, d);
	image_free(&img);
	return r;
}

/* Reads layer L as a tar through its blob: with W, its whiteouts (a first
 * pass, before the blob is verified); without, it unpacks into DIRFD. The
 * blob is checked at the end of either pass, so that what was unpacked is
 * what was verified. */
static int layer_pass(struct image *img, const struct layer *l, const char *what, struct whiteouts *w, int dirfd,
		      struct diag *d)
{
	struct blob b;
	struct diag mismatch;
	struct archive *a = unpack_reader();
	int r = a ? blob_open(&img->layout, l->name, &b, d) : diag_fail(d, "out of memory");

	if (r < 0) {
		if (a)
			archive_read_free(a);
		return -1;
	}
	if (archive_read_open(a, &b, NULL, blob_read, NULL) != ARCHIVE_OK)
		r = diag_fail(d, "%s: %s", what, archive_error_string(a));
	else
		r = w ? unpack_scan(a, what, w, d) : unpack_extract(a, dirfd, true, what, d);
	/* A digest mismatch tells more than the tar error it may have caused. */
	if (blob_check(&b, what, l->digest, l->size, &mismatch) < 0)
		r = diag_fail(d, "%s", mismatch.msg);
	/* A diff_id names the plain tar: a compressed layer cannot match it. */
	if (img->docker && archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE)
		r = diag_fail(d, "%s is compressed (%s); docker save writes plain tars, named by their digest", what,
			      archive_filter_name(a, 0));
	archive_read_free(a);
	blob_close(&b);
	return r;
}

int oci_unpack(const struct container *c, int dirfd, struct diag *d)
{
	struct image img;
	int r = resolve(c->image_kind, c->image_path, c->image_ref, &img, d);

	if (r == 0 && strcmp(img.digest, c->image_digest) != 0)
		r = diag_fail(d, "it changed while the build ran (now %s)", img.digest);
	for (size_t i = 0; r == 0 && i < img.n_layers; i++) {
		struct whiteouts w = { 0 };
		char what[160];
		snprintf(what, sizeof(what), "layer %zu of %zu (%s%s)", i + 1, img.n_layers, img.docker ? "diff_id " : "",
			 img.layers[i].digest);
		r = layer_pass(&img, &img.layers[i], what, &w, -1, d);
		if (r == 0)
			r = unpack_whiteouts(dirfd, &w, d);
		if (r == 0)
			r = layer_pass(&img, &img.layers[i], what, NULL, dirfd, d);
		whiteouts_free(&w);
	}
	image_free(&img);
	return r;
}
