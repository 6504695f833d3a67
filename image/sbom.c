/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SPDX 2.3 document each build writes beside its outputs (sbom.spdx.json):
 * the appliance, and in it the kernel (with the config it was built from),
 * the init, the runtime linked into it, and each image its containers run,
 * holding the packages the image says it has (sbom-packages.c).
 *
 * Reproducible like the rest of the output: created is SOURCE_DATE_EPOCH,
 * the namespace is a hash of the document's content, SPDXIDs come from the
 * manifest's names and the packages' sorted order, and no host path (the
 * build context, the output directory) is written into it.
 *
 * An image's digest is the one that names it best:
 *   oci:            the OCI manifest's digest (what a registry calls it)
 *   docker-archive: the image ID (its config's digest, as docker names it)
 *   tar:            sha256 of the archive file
 *   dir:            sha256 of a listing of the tree (see tree_digest)
 *   busybox:        sha256 of the busybox binary packed */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/runtime.h"
#include "image.h"
#include "sbom.h"

struct sbom_image {
	const struct container *first; /* the first container that runs it: its SPDXID's name */
	char **containers;             /* every container that runs it, in the manifest's order */
	size_t n_containers;
	char digest[8 + 2 * SHA256_DIGEST_SIZE + 1]; /* "sha256:HEX" */
	const char *digest_is;                      /* what the digest is a digest of */
	struct sbom_packages packages;
};

struct sbom {
	struct sbom_image *images;
	size_t n_images;
};

static void hex(const uint8_t *sum, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", sum[i]);
}

static int sha256_fd(int fd, struct sha256_ctx *ctx)
{
	uint8_t buf[1 << 16];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(ctx, (size_t)n, buf);
	return n < 0 ? -errno : 0;
}

/* "sha256:HEX" of the file at PATH into OUT; INPUT: PATH is the
 * manifest's, read only beneath the build context (context.c), as the
 * build reads it. Returns 0 or -errno. */
static int sha256_path(const char *path, bool input, char out[8 + 2 * SHA256_DIGEST_SIZE + 1])
{
	_cleanup_close_ int fd = input ? input_open(path, O_RDONLY, NULL, 0) : open(path, O_RDONLY | O_CLOEXEC);
	struct sha256_ctx ctx;
	uint8_t sum[SHA256_DIGEST_SIZE];
	int r;

	if (fd < 0)
		return input ? fd : -errno;
	sha256_init(&ctx);
	if ((r = sha256_fd(fd, &ctx)) < 0)
		return r;
	sha256_digest(&ctx, sizeof(sum), sum);
	memcpy(out, "sha256:", 7);
	hex(sum, sizeof(sum), out + 7);
	return 0;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A dir: image's digest: sha256 over one record per entry, in name order,
 * depth first, as the builder packs it: "TYPE MODE UID GID PATH\0" then,
 * for a regular file, the sha256 of its content (hex), for a symlink its
 * target, each ended by "\0". Device nodes, FIFOs and sockets are left out,
 * as the build leaves them out of the image. */
static int tree_digest(int dirfd, const char *prefix, struct sha256_ctx *ctx)
{
	DIR *dir = fdopendir(dirfd);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	int r = 0;

	if (!dir) {
		close(dirfd);
		return -errno;
	}
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || !(grown[n] = strdup(e->d_name))) {
			names = grown ? grown : names;
			r = -ENOMEM;
			break;
		}
		names = grown;
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), by_string);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char path[PATH_MAX], record[PATH_MAX + 128], target[PATH_MAX];
		struct stat st;
		if (snprintf(path, sizeof(path), "%s%s", prefix, names[i]) >= (int)sizeof(path)) {
			r = -ENAMETOOLONG;
			break;
		}
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		char type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 0;
		if (!type)
			continue;
		int len = snprintf(record, sizeof(record), "%c %o %u %u %s", type, (unsigned)(st.st_mode & 07777),
				   (unsigned)st.st_uid, (unsigned)st.st_gid, path);
		sha256_update(ctx, (size_t)len + 1, (const uint8_t *)record);
		if (type == 'f') {
			_cleanup_close_ int fd = openat(dirfd, names[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
			struct sha256_ctx file;
			uint8_t sum[SHA256_DIGEST_SIZE];
			char text[2 * SHA256_DIGEST_SIZE + 1];
			sha256_init(&file);
			if (fd < 0 || (r = sha256_fd(fd, &file)) < 0) {
				r = r < 0 ? r : -errno;
				break;
			}
			sha256_digest(&file, sizeof(sum), sum);
			hex(sum, sizeof(sum), text);
			sha256_update(ctx, sizeof(text), (const uint8_t *)text);
		} else if (type == 'l') {
			ssize_t got = readlinkat(dirfd, names[i], target, sizeof(target) - 1);
			if (got < 0) {
				r = -errno;
				break;
			}
			target[got] = '\0';
			sha256_update(ctx, (size_t)got + 1, (const uint8_t *)target);
		} else {
			int sub = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			strncat(path, "/", sizeof(path) - strlen(path) - 1);
			r = sub < 0 ? -errno : tree_digest(sub, path, ctx);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return r;
}

/* The image's digest and what it is a digest of (see the top). */
static int image_digest(struct sbom_image *im, const struct container *c, const struct tools *t, struct diag *d)
{
	int r = 0;

	switch (c->image_kind) {
	case IMAGE_OCI:
	case IMAGE_DOCKER_ARCHIVE:
		snprintf(im->digest, sizeof(im->digest), "%s", c->image_digest ? c->image_digest : "");
		im->digest_is = c->image_kind == IMAGE_OCI ? "the OCI image manifest's digest"
							   : "the image ID: the digest of the image's config";
		return 0;
	case IMAGE_TAR:
		im->digest_is = "sha256 of the tar archive";
		r = sha256_path(c->image_path, true, im->digest);
		break;
	case IMAGE_BUSYBOX:
		im->digest_is = "sha256 of the busybox binary packed as /bin/busybox";
		r = sha256_path(t->busybox, false, im->digest);
		break;
	case IMAGE_DIR: {
		struct sha256_ctx ctx;
		uint8_t sum[SHA256_DIGEST_SIZE];
		int fd = input_open(c->image_path, O_RDONLY | O_DIRECTORY, NULL, 0);
		im->digest_is = "sha256 of bulkhead's listing of the directory (docs/manifest.md, \"The SBOM\")";
		sha256_init(&ctx);
		r = fd < 0 ? fd : tree_digest(fd, "", &ctx);
		if (r == 0) {
			sha256_digest(&ctx, sizeof(sum), sum);
			memcpy(im->digest, "sha256:", 7);
			hex(sum, sizeof(sum), im->digest + 7);
		}
		break;
	}
	}
	return r < 0 ? diag_errno(d, -r, "SBOM: the digest of image %s", c->image) : 0;
}

int sbom_add_image(struct sbom **sp, const struct container *c, const char *unpacked, const struct tools *t,
		   struct diag *d)
{
	struct sbom *s = *sp;
	struct sbom_image *im = NULL;
	int r;

	if (!s && !(s = *sp = calloc(1, sizeof(*s))))
		return diag_fail(d, "out of memory");
	for (size_t i = 0; i < s->n_images && !im; i++)
		if (same_image(s->images[i].first, c))
			im = &s->images[i];
	if (!im) {
		struct sbom_image *grown = realloc(s->images, (s->n_images + 1) * sizeof(*grown));
		if (!grown)
			return diag_fail(d, "out of memory");
		s->images = grown;
		im = &s->images[s->n_images++];
		*im = (struct sbom_image){ .first = c };
		if (image_digest(im, c, t, d) < 0)
			return -1;
		if (c->image_kind == IMAGE_BUSYBOX) {
			r = sbom_read_busybox(t->busybox, &im->packages);
		} else {
			/* A dir: image is the manifest's: beneath the context, as the build reads it. */
			_cleanup_close_ int root = c->image_kind == IMAGE_DIR
							   ? input_open(c->image_path, O_PATH | O_DIRECTORY, NULL, 0)
							   : open(unpacked, O_PATH | O_DIRECTORY | O_CLOEXEC);
			r = root < 0 ? (c->image_kind == IMAGE_DIR ? root : -errno) : sbom_read_packages(root, &im->packages);
		}
		if (r < 0)
			return diag_errno(d, -r, "SBOM: the packages of image %s", c->image);
	}
	char **grown = realloc(im->containers, (im->n_containers + 1) * sizeof(*grown));
	if (!grown)
		return diag_fail(d, "out of memory");
	im->containers = grown;
	if (!(im->containers[im->n_containers] = strdup(c->name)))
		return diag_fail(d, "out of memory");
	im->n_containers++;
	return 0;
}

void sbom_free(struct sbom *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_images; i++) {
		for (size_t k = 0; k < s->images[i].n_containers; k++)
			free(s->images[i].containers[k]);
		free(s->images[i].containers);
		sbom_packages_free(&s->images[i].packages);
	}
	free(s->images);
	free(s);
}

/* The kernel's release ("6.1.0-57-amd64") and its whole version string,
 * from the bzImage's setup header: kernel_version (at 0x20e) points at the
 * string, 0x200 bytes before where it is. Returns 0 or -errno (-EINVAL:
 * not a bzImage). */
static int kernel_version(const char *path, char *release, size_t release_size, char *full, size_t full_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char head[0x210];
	char text[256];

	if (fd < 0)
		return -errno;
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) || memcmp(head + 0x202, "HdrS", 4) != 0)
		return -EINVAL;
	off_t at = (off_t)(head[0x20e] | head[0x20f] << 8) + 0x200;
	ssize_t n = pread(fd, text, sizeof(text) - 1, at);
	if (n <= 0)
		return -EINVAL;
	text[n] = '\0';
	for (ssize_t i = 0; i < n && text[i]; i++)
		if (text[i] < ' ' || text[i] > '~')
			text[i] = '?';
	snprintf(full, full_size, "%s", text);
	snprintf(release, release_size, "%.*s", (int)strcspn(text, " "), text);
	return release[0] ? 0 : -EINVAL;
}

static void add_relationship(json_t *list, const char *from, const char *type, const char *to)
{
	json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "spdxElementId", from, "relationshipType", type,
					      "relatedSpdxElement", to));
}

/* A package as SPDX 2.3 has it; VERSION, DIGEST ("sha256:HEX"), PURL and
 * COMMENT may be NULL (left out). Nothing is said of where it can be
 * downloaded from: the build never downloads. */
static json_t *package(const char *id, const char *name, const char *version, const char *purpose, const char *digest,
		       const char *purl, const char *comment)
{
	json_t *p = json_pack("{s:s, s:s}", "SPDXID", id, "name", name);

	if (!p)
		return NULL;
	if (version)
		json_object_set_new(p, "versionInfo", json_string(version));
	json_object_set_new(p, "downloadLocation", json_string("NOASSERTION"));
	json_object_set_new(p, "filesAnalyzed", json_false());
	if (purpose)
		json_object_set_new(p, "primaryPackagePurpose", json_string(purpose));
	if (digest && strncmp(digest, "sha256:", 7) == 0)
		json_object_set_new(p, "checksums",
				    json_pack("[{s:s, s:s}]", "algorithm", "SHA256", "checksumValue", digest + 7));
	if (purl)
		json_object_set_new(p, "externalRefs", json_pack("[{s:s, s:s, s:s}]", "referenceCategory",
								 "PACKAGE-MANAGER", "referenceType", "purl",
								 "referenceLocator", purl));
	if (comment)
		json_object_set_new(p, "comment", json_string(comment));
	return p;
}

/* An SPDXID's idstring holds letters, digits, '.' and '-' only. */
static void spdx_id(char *out, size_t size, const char *prefix, const char *name)
{
	size_t n = (size_t)snprintf(out, size, "%s", prefix);

	for (; *name && n + 1 < size; name++)
		out[n++] = (*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
					   (*name >= '0' && *name <= '9') || *name == '.'
				   ? *name
				   : '-';
	out[n] = '\0';
}

static int add_kernel(json_t *packages, json_t *rels, const struct manifest *m, const char *kernel,
		      const struct tools *t, struct diag *d)
{
	char release[128] = "", full[256] = "", digest[80], config_digest[80], dir[PATH_MAX], config[PATH_MAX + 8],
		comment[512];
	int r;

	if ((r = sha256_path(kernel, false, digest)) < 0)
		return diag_errno(d, -r, "SBOM: the kernel");
	/* A kernel that is no bzImage has no version to tell: said so. */
	kernel_version(kernel, release, sizeof(release), full, sizeof(full));
	snprintf(comment, sizeof(comment), "packed as the appliance's kernel (%s); version string: %s",
		 t->kernel ? "--kernel" : m->kernel, full[0] ? full : "unknown (not a bzImage)");
	json_array_append_new(packages,
			      package("SPDXRef-Kernel", "linux", release[0] ? release : NULL, "OPERATING_SYSTEM", digest,
				      NULL, comment));
	add_relationship(rels, "SPDXRef-Appliance", "CONTAINS", "SPDXRef-Kernel");
	/* Its config sits beside it, as make deps and make kernel leave it. */
	snprintf(dir, sizeof(dir), "%s", kernel);
	snprintf(config, sizeof(config), "%s/config", dirname(dir));
	if (sha256_path(config, false, config_digest) == 0) {
		json_array_append_new(packages, package("SPDXRef-Kernel-config", "linux-config", release[0] ? release : NULL,
							"FILE", config_digest, NULL,
							"the configuration the kernel was built with"));
		add_relationship(rels, "SPDXRef-Kernel", "GENERATED_FROM", "SPDXRef-Kernel-config");
	}
	return 0;
}

/* The runtime is linked into the init and has no file of its own in the
 * appliance: its digest is the static library's the init beside this
 * builder was linked from (build/lib), and only when that init is packed. */
static void runtime_digest(const struct tools *t, char *out)
{
	char self[PATH_MAX], dir[PATH_MAX], beside[PATH_MAX + 32], packed[PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	out[0] = '\0';
	if (n < 0)
		return;
	self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	snprintf(beside, sizeof(beside), "%s/bulkhead-init", dir);
	if (!realpath(beside, real) || !realpath(t->init, packed) || strcmp(real, packed) != 0)
		return;
	snprintf(beside, sizeof(beside), "%s/../lib/libbulkhead-runtime.a", dir);
	if (sha256_path(beside, false, out) < 0)
		out[0] = '\0';
}

static int add_image(json_t *packages, json_t *rels, const struct sbom_image *im, size_t index)
{
	char prefix[64], id[128], pid[160], comment[1024];
	size_t n;

	snprintf(prefix, sizeof(prefix), "SPDXRef-Image-%zu-", index + 1);
	spdx_id(id, sizeof(id), prefix, im->first->name);
	n = (size_t)snprintf(comment, sizeof(comment), "digest: %s; run by", im->digest_is);
	for (size_t i = 0; i < im->n_containers && n < sizeof(comment); i++)
		n += (size_t)snprintf(comment + n, sizeof(comment) - n, "%s %s", i ? "," : "", im->containers[i]);
	if (n < sizeof(comment))
		snprintf(comment + n, sizeof(comment) - n, "; packages: %s",
			 im->packages.source ? im->packages.source : "the image says none (no dpkg status, apk database or busybox)");
	json_array_append_new(packages, package(id, im->first->image, im->first->image_ref, "CONTAINER",
						im->digest[0] ? im->digest : NULL, NULL, comment));
	add_relationship(rels, "SPDXRef-Appliance", "CONTAINS", id);
	for (size_t i = 0; i < im->packages.n; i++) {
		const struct sbom_package *p = &im->packages.v[i];
		snprintf(pid, sizeof(pid), "%s-Package-%zu", id, i + 1);
		json_array_append_new(packages, package(pid, p->name, p->version, NULL, NULL, p->purl, NULL));
		add_relationship(rels, id, "CONTAINS", pid);
	}
	return 0;
}

/* SOURCE_DATE_EPOCH as SPDX writes a time, as the initrd's and the disk's
 * time stamps take it (0 when unset). */
static void created(char *out, size_t size)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	time_t when = epoch ? (time_t)strtoll(epoch, NULL, 10) : 0;
	struct tm tm;

	if (when < 0 || !gmtime_r(&when, &tm))
		when = 0, gmtime_r(&when, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The namespace SPDX asks to be unique per document: a hash of the
 * document's content, so that one content has one name. */
static int set_namespace(json_t *doc, const char *name)
{
	char *text = json_dumps(doc, JSON_INDENT(2));
	struct sha256_ctx ctx;
	uint8_t sum[SHA256_DIGEST_SIZE];
	char id[2 * SHA256_DIGEST_SIZE + 1], ns[512];

	if (!text)
		return -ENOMEM;
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(text), (const uint8_t *)text);
	free(text);
	sha256_digest(&ctx, sizeof(sum), sum);
	hex(sum, sizeof(sum), id);
	snprintf(ns, sizeof(ns), "https://spdx.org/spdxdocs/bulkhead/%s-%s", name, id);
	return json_object_set_new(doc, "documentNamespace", json_string(ns)) < 0 ? -ENOMEM : 0;
}

int sbom_write(const struct sbom *s, const char *dir, const struct manifest *m, const char *kernel,
	       const struct tools *t, struct diag *d)
{
	char when[32], digest[80], path[PATH_MAX], comment[256], *manifest = strdup(m->path);
	json_t *packages = json_array(), *rels = json_array();
	json_t *doc = NULL;
	int r = -1;

	created(when, sizeof(when));
	if (!manifest || !packages || !rels)
		goto nomem;
	snprintf(comment, sizeof(comment), "the appliance bulkhead build made from %s", basename(manifest));
	json_array_append_new(packages, package("SPDXRef-Appliance", m->name, NULL, "OPERATING_SYSTEM", NULL, NULL,
						comment));
	add_relationship(rels, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Appliance");
	if (add_kernel(packages, rels, m, kernel, t, d) < 0)
		goto out;
	if ((r = sha256_path(t->init, false, digest)) < 0) {
		r = diag_errno(d, -r, "SBOM: %s", t->init);
		goto out;
	}
	r = -1;
	json_array_append_new(packages, package("SPDXRef-Init", "bulkhead-init", BH_VERSION, "APPLICATION", digest, NULL,
						"the static PID 1, packed as /init"));
	add_relationship(rels, "SPDXRef-Appliance", "CONTAINS", "SPDXRef-Init");
	runtime_digest(t, digest);
	json_array_append_new(packages,
			      package("SPDXRef-Runtime", "bulkhead-runtime", BH_VERSION, "LIBRARY", digest[0] ? digest : NULL,
				      NULL,
				      digest[0] ? "linked statically into bulkhead-init; the digest is the library's "
						  "(libbulkhead-runtime.a) the init was linked from"
						: "linked statically into bulkhead-init; no digest: the init packed is not "
						  "the one beside this builder"));
	add_relationship(rels, "SPDXRef-Appliance", "CONTAINS", "SPDXRef-Runtime");
	for (size_t i = 0; s && i < s->n_images; i++)
		add_image(packages, rels, &s->images[i], i);

	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:o, s:o}", "spdxVersion", "SPDX-2.3", "dataLicense",
			"CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name", m->name, "documentNamespace", "", "creationInfo",
			"created", when, "creators", "Tool: bulkhead-" BH_VERSION, "packages", packages, "relationships",
			rels);
	packages = rels = NULL; /* the document holds them (or json_pack freed them) */
	if (!doc || set_namespace(doc, m->name) < 0)
		goto nomem;
	char *text = json_dumps(doc, JSON_INDENT(2));
	if (!text)
		goto nomem;
	snprintf(path, sizeof(path), "%s/%s", dir, SBOM_FILE);
	FILE *f = fopen(path, "w");
	bool written = f && fputs(text, f) >= 0 && fputc('\n', f) >= 0;
	/* fclose reports what the writes left unsaid (a full disk). */
	if (f && fclose(f) != 0)
		written = false;
	r = written ? 0 : diag_errno(d, errno, "%s", path);
	free(text);
	goto out;
nomem:
	r = diag_fail(d, "out of memory");
out:
	json_decref(packages);
	json_decref(rels);
	json_decref(doc);
	free(manifest);
	return r;
}
