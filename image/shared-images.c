/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared images (init/contract.h): read-only containers in different user
 * ranges that use the same image share one erofs file of it. The
 * initramfs is a tmpfs, which Linux 6.1 cannot idmap, so one copy there
 * could be owned by one range only; an erofs image keeps the image's own
 * ids (0-based) and the init mounts it into each container through that
 * container's mapping. Containers in one range (or none) share a plain
 * copy, owned by that range (build.c). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

bool same_image(const struct container *a, const struct container *b)
{
	return a->image_kind == b->image_kind && (a->image_path == b->image_path ||
						  (a->image_path && b->image_path && strcmp(a->image_path, b->image_path) == 0)) &&
	       (a->image_digest == b->image_digest ||
		(a->image_digest && b->image_digest && strcmp(a->image_digest, b->image_digest) == 0));
}

/* Nothing writes into its rootfs (read-only, no files:), and its ids are
 * a range's. */
static bool mounts_shared_image(const struct container *c)
{
	return c->readonly && c->n_files == 0 && c->userns.size;
}

size_t shared_images_plan(struct manifest *m)
{
	struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown }, n = 0, images = 0;
	struct container **all = calloc(m->n_onboot + m->n_services + m->n_onshutdown + 1, sizeof(*all));
	size_t *leader = calloc(m->n_onboot + m->n_services + m->n_onshutdown + 1, sizeof(*leader));
	size_t *members = calloc(m->n_onboot + m->n_services + m->n_onshutdown + 1, sizeof(*members));
	bool *ranges_differ = calloc(m->n_onboot + m->n_services + m->n_onshutdown + 1, sizeof(*ranges_differ));

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			lists[l][i].shared_image = 0;
			if (all)
				all[n++] = &lists[l][i];
		}
	/* Out of memory: no sharing, each its own copy (still correct). */
	if (!all || !leader || !members || !ranges_differ)
		n = 0;
	/* The first container of each image leads its group, in image order. */
	for (size_t i = 0; i < n; i++) {
		leader[i] = i;
		if (!mounts_shared_image(all[i]))
			continue;
		for (size_t j = 0; j < i; j++)
			/* A receiver of secrets has /run/secrets in its image: the
			 * docs promise the others none. */
			if (leader[j] == j && mounts_shared_image(all[j]) && same_image(all[j], all[i]) &&
			    !all[j]->n_secrets == !all[i]->n_secrets) {
				leader[i] = j;
				break;
			}
		members[leader[i]]++;
		ranges_differ[leader[i]] |= all[i]->userns.base != all[leader[i]]->userns.base ||
					    all[i]->userns.size != all[leader[i]]->userns.size;
	}
	/* Numbered by leader, so that the same manifest gives the same image.
	 * Containers all in one range share a plain copy owned by it (build.c). */
	for (size_t i = 0; i < n; i++)
		if (leader[i] == i && members[i] >= 2 && ranges_differ[i])
			all[i]->shared_image = ++images;
	for (size_t i = 0; i < n; i++)
		all[i]->shared_image = all[leader[i]]->shared_image;
	free(all);
	free(leader);
	free(members);
	free(ranges_differ);
	return images;
}

/* A bind's source that is a file, not a directory: its mount point in the
 * image is then an empty file. */
static const char *const file_sources[] = { HOSTS_DIR "/", NET_RESOLV_CONF };

static bool is_file_source(const char *source)
{
	for (size_t i = 0; source && i < ARRAY_SIZE(file_sources); i++)
		if (strncmp(source, file_sources[i], strlen(file_sources[i])) == 0)
			return true;
	return false;
}

/* Makes the mount point PATH (relative) beneath ROOT unless something is
 * there: a directory, or an empty file (FILE). A symlink on the way stops
 * it quietly: resolved inside the container at start, where the runtime
 * says what is missing. Never leaves ROOT. */
static int make_mountpoint(int root, const char *path, bool file, struct diag *d)
{
	char copy[PATH_MAX], *save = NULL;
	int dir = dup(root);

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *name = strtok_r(copy, "/", &save), *next; dir >= 0 && name; name = next) {
		next = strtok_r(NULL, "/", &save);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			break;
		if (!next && file) {
			int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd < 0 && errno != EEXIST) {
				close(dir);
				return diag_errno(d, errno, "shared image: mount point /%s", path);
			}
			if (fd >= 0)
				close(fd);
			break;
		}
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) {
			close(dir);
			return diag_errno(d, errno, "shared image: mount point /%s", path);
		}
		int sub = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = sub; /* -1 (a symlink or a file there): stop */
	}
	if (dir >= 0)
		close(dir);
	return 0;
}

/* Every mount point C's config.json names that does not land on a file
 * system the runtime mounts first (/proc, /dev, /sys: those are fresh),
 * made beneath ROOT: the runtime cannot make it in a read-only image. */
static int make_mountpoints(int root, const struct container *c, struct diag *d)
{
	char *text = bundle_config_json(c, NULL, NULL, d);
	json_error_t error;
	/* Integers as reals: an unlimited rlimit is the spec's uint64
	 * 18446744073709551615, beyond jansson's integers; only strings are
	 * read here. */
	json_t *config = text ? json_loads(text, JSON_DECODE_INT_AS_REAL, &error) : NULL, *mount;
	const char *fresh[64];
	size_t i, n_fresh = 0;
	int r = 0;

	if (!text)
		return -1;
	free(text);
	if (!config)
		return diag_fail(d, "its config.json, read back for its mount points: %s", error.text);
	json_array_foreach(json_object_get(config, "mounts"), i, mount) {
		const char *dest = json_string_value(json_object_get(mount, "destination"));
		const char *type = json_string_value(json_object_get(mount, "type"));
		bool bind = type && strcmp(type, "bind") == 0, below = false;
		for (size_t f = 0; dest && f < n_fresh; f++) {
			size_t len = strlen(fresh[f]);
			below |= strncmp(dest, fresh[f], len) == 0 && dest[len] == '/';
		}
		if (!dest || dest[0] != '/' || below)
			continue;
		if (!bind && n_fresh < ARRAY_SIZE(fresh))
			fresh[n_fresh++] = dest;
		if (r == 0 && dest[1])
			r = make_mountpoint(root, dest + 1, bind && is_file_source(json_string_value(json_object_get(mount, "source"))), d);
	}
	json_decref(config);
	return r;
}

/* The rootfs as the initrd would hold it (ARCHIVE, a cpio we wrote) made
 * on disk below DIR, owners kept where the builder may set them. */
static int extract(const char *archive_path, const char *dir, struct diag *d)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	char path[PATH_MAX * 2];
	int r = -1, st;

	if (!in || !out) {
		diag_fail(d, "out of memory");
		goto done;
	}
	archive_read_support_format_cpio(in);
	archive_read_support_filter_gzip(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open_filename(in, archive_path, 65536) != ARCHIVE_OK) {
		diag_fail(d, "shared image: %s: %s", archive_path, archive_error_string(in));
		goto done;
	}
	while ((st = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const void *buf;
		size_t len;
		la_int64_t offset;
		snprintf(path, sizeof(path), "%s/%s", dir, archive_entry_pathname(e));
		archive_entry_set_pathname(e, path);
		/* A warning: an owner a non-root builder cannot set. */
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			diag_fail(d, "shared image: %s: %s", path, archive_error_string(out));
			goto done;
		}
		while ((st = archive_read_data_block(in, &buf, &len, &offset)) == ARCHIVE_OK)
			if (archive_write_data_block(out, buf, len, offset) < ARCHIVE_WARN) {
				diag_fail(d, "shared image: %s: %s", path, archive_error_string(out));
				goto done;
			}
		if (st != ARCHIVE_EOF || archive_write_finish_entry(out) < ARCHIVE_WARN) {
			diag_fail(d, "shared image: %s: %s", path, archive_error_string(st != ARCHIVE_EOF ? in : out));
			goto done;
		}
	}
	if (st != ARCHIVE_EOF)
		diag_fail(d, "shared image: %s: %s", archive_path, archive_error_string(in));
	else if (archive_write_close(out) < ARCHIVE_WARN)
		diag_fail(d, "shared image: %s: %s", dir, archive_error_string(out));
	else
		r = 0;
done:
	if (in)
		archive_read_free(in);
	if (out)
		archive_write_free(out);
	return r;
}

/* A file system UUID from the sha256 of PATH's bytes (a reproducible
 * archive): the same image gives the same UUID, another a different one. */
static int content_uuid(const char *path, char *out, size_t size, struct diag *d)
{
	struct sha256_ctx sha;
	uint8_t buf[65536], h[SHA256_DIGEST_SIZE];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return diag_errno(d, errno, "%s", path);
	sha256_init(&sha);
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&sha, (size_t)got, buf);
	int e = errno;
	close(fd);
	if (got < 0)
		return diag_errno(d, e, "%s", path);
	sha256_digest(&sha, sizeof(h), h);
	/* RFC 9562's version 8 (made by its own rules) and variant 10. */
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3],
		 h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
	return 0;
}

int shared_image_write(struct initrd *w, const struct manifest *m, const struct container *leader,
		       const struct tools *t, const char *unpacked, struct node_drops *drops, const char *scratch,
		       struct diag *d)
{
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown }, n = leader->shared_image - 1;
	char cpio[PATH_MAX], dir[PATH_MAX], root[PATH_MAX + 8], erofs[PATH_MAX], entry[64], uuid[40], epoch[24];
	const char *source_date = getenv("SOURCE_DATE_EPOCH");
	int r = -1;

	snprintf(cpio, sizeof(cpio), "%s/shared-%zu.cpio.gz", scratch, n);
	snprintf(dir, sizeof(dir), "%s/shared-%zu", scratch, n);
	snprintf(root, sizeof(root), "%s/rootfs", dir);
	snprintf(erofs, sizeof(erofs), "%s/shared-%zu.erofs", scratch, n);
	/* Written as the initrd would hold it (the same filters: no device
	 * nodes, inputs confined to the context), unshifted. */
	struct initrd *tree = initrd_open(cpio, d);
	if (!tree)
		return -1;
	r = rootfs_write(tree, "rootfs", leader, t, unpacked, drops, d);
	struct diag ignored;
	if (initrd_close(tree, r < 0 ? &ignored : d) < 0 || r < 0)
		goto out;
	r = -1;
	if (mkdir(dir, 0700) < 0) {
		diag_errno(d, errno, "%s", dir);
		goto out;
	}
	if (extract(cpio, dir, d) < 0)
		goto out;
	int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		diag_errno(d, errno, "%s", root);
		goto out;
	}
	/* The mount points any of its containers needs, in the one copy. */
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (lists[l][i].shared_image == leader->shared_image && make_mountpoints(root_fd, &lists[l][i], d) < 0) {
				close(root_fd);
				diag_prefix(d, "its shared image, for container %s: ", lists[l][i].name);
				goto out;
			}
	close(root_fd);
	if (content_uuid(cpio, uuid, sizeof(uuid), d) < 0)
		goto out;
	/* Every time stamp the build's, no xattrs (the cpio has none either),
	 * the UUID from the content: two builds give the same bytes. A builder
	 * that is not root could not keep the image's owners: root's then. */
	snprintf(epoch, sizeof(epoch), "-T%lld", source_date ? strtoll(source_date, NULL, 10) : 0LL);
	char uuid_arg[48];
	snprintf(uuid_arg, sizeof(uuid_arg), "-U%s", uuid);
	const char *argv[9] = { "mkfs.erofs", "--quiet", "-x-1", epoch, uuid_arg };
	size_t k = 5;
	if (geteuid() != 0)
		argv[k++] = "--all-root";
	argv[k++] = erofs;
	argv[k++] = root;
	if (run_tool(argv, NULL, NULL, "erofs-utils", d) < 0)
		goto out;
	snprintf(entry, sizeof(entry), SHARED_IMAGES_ENTRY "/%zu.erofs", n);
	r = initrd_file(w, entry, erofs, 0400, d);
out:
	unlink(cpio);
	unlink(erofs);
	remove_tree(dir);
	return r;
}
