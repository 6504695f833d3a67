/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a container's image comes from, settled when the manifest is read:
 * the path (relative to the manifest, like dir:), the tag or digest, and
 * for OCI and docker images their config, so that a missing file, an
 * unknown tag or a tampered config is a manifest error with its line. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

void image_config_free(struct image_config *ic)
{
	if (!ic)
		return;
	free_strv(ic->entrypoint);
	free_strv(ic->cmd);
	free_strv(ic->env);
	free(ic->workdir);
	free(ic->user);
	free(ic);
}

/* Splits REST into the path and what names the image in it: oci:PATH:TAG,
 * oci:PATH@sha256:HEX, docker-archive:PATH:NAME:TAG. The first colon
 * ends the path, as skopeo reads these names. */
static int split_ref(struct container *c, const char *rest, char **path, struct diag *d)
{
	const char *at = strrchr(rest, '@'), *colon = strchr(rest, ':'), *end = NULL;

	if (c->image_kind == IMAGE_OCI && at && strchr(at, ':')) {
		end = at;
		if (strncmp(at + 1, "sha256:", 7) != 0)
			return diag_fail(d, "digest \"%s\": only sha256 digests are supported", at + 1);
	}
	else if (c->image_kind >= IMAGE_OCI && colon)
		end = colon;
	if (end && !end[1])
		return diag_fail(d, "nothing after the \"%c\"; give a %s or leave it out", *end,
				 *end == '@' ? "digest" : "tag");
	if (end && !(c->image_ref = strdup(end + 1)))
		return diag_fail(d, "out of memory");
	if (!(*path = strndup(rest, end ? (size_t)(end - rest) : strlen(rest))))
		return diag_fail(d, "out of memory");
	if (!**path)
		return diag_fail(d, "the path is empty");
	return 0;
}

/* A tar: image is read at build time; here only that it is an archive. */
static int probe_archive(const char *path, struct diag *d)
{
	struct archive *a = unpack_reader();
	struct archive_entry *e;
	int r = 0, fd = input_open(path, O_RDONLY | O_NONBLOCK, NULL, 0);

	if (fd < 0 || !a) {
		archive_read_free(a);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? diag_errno(d, -fd, "%s", path) : diag_fail(d, "out of memory");
	}
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK || archive_read_next_header(a, &e) < ARCHIVE_WARN)
		r = diag_fail(d, "%s is not a tar archive libarchive can read: %s", path, archive_error_string(a));
	archive_read_free(a);
	close(fd);
	return r;
}

int image_locate(struct container *c, const char *dir, struct diag *d)
{
	char *path = NULL, joined[PATH_MAX];
	struct stat st;
	int r = split_ref(c, strchr(c->image, ':') + 1, &path, d);

	if (r < 0) {
		free(path);
		return -1;
	}
	snprintf(joined, sizeof(joined), "%s%s%s", path[0] == '/' ? "" : dir, path[0] == '/' ? "" : "/", path);
	bool exists = stat(joined, &st) == 0;
	/* A manifest's images lie in its build context (context.c); a path
	 * that does not exist is reported as before, below. */
	r = exists ? input_check(path, joined, d) : 0;
	free(path);
	if (r < 0)
		return -1;
	if (c->image_kind == IMAGE_DIR && (!exists || !S_ISDIR(st.st_mode)))
		return diag_fail(d, "%s is not a directory", joined);
	if (!exists)
		return diag_errno(d, errno, "%s", joined);
	if (c->image_kind == IMAGE_TAR && !S_ISREG(st.st_mode))
		return diag_fail(d, "%s is not a file; tar: takes an archive (dir: takes a directory)", joined);
	/* A FIFO or a device would block the build or never end: only a
	 * layout directory or an archive file. */
	if (c->image_kind >= IMAGE_OCI && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return diag_fail(d, "%s is neither a directory nor a regular file (an archive of one)", joined);
	/* The real path names the image (two spellings, one image); messages
	 * keep the path as the manifest gave it. */
	if (!(c->image_path = realpath(joined, NULL)))
		return diag_errno(d, errno, "%s", joined);
	if (c->image_kind == IMAGE_TAR) /* its digest: what a signature names (tar-image.c) */
		return probe_archive(joined, d) < 0 ? -1 : tar_image_digest(c->image_path, &c->image_digest, d);
	if (c->image_kind == IMAGE_DIR)
		return 0;
	if (!(c->image_config = calloc(1, sizeof(*c->image_config))))
		return diag_fail(d, "out of memory");
	return oci_inspect(c->image_kind, joined, c->image_ref, &c->image_digest, c->image_config, d);
}

static char **strv_concat(char *const *a, char *const *b)
{
	size_t na = 0, nb = 0;

	while (a && a[na])
		na++;
	while (b && b[nb])
		nb++;
	char **v = na + nb ? calloc(na + nb + 1, sizeof(char *)) : NULL;
	for (size_t i = 0; v && i < na + nb; i++)
		if (!(v[i] = strdup(i < na ? a[i] : b[i - na]))) {
			free_strv(v);
			return NULL;
		}
	return v;
}

/* The image's variables, each replaced by the manifest's of the same name,
 * then the manifest's others: the manifest wins per key. */
static char **merge_env(char *const *image, char *const *manifest)
{
	char **v = strv_concat(image, manifest);
	size_t n = 0, kept = 0;

	while (v && v[n])
		n++;
	for (size_t i = 0; i < n; i++) {
		size_t key = strcspn(v[i], "=") + 1;
		bool replaced = false;
		for (size_t j = 0; j < kept && !replaced; j++)
			if (strncmp(v[j], v[i], key) == 0) {
				free(v[j]);
				v[j] = v[i];
				replaced = true;
			}
		if (!replaced)
			v[kept++] = v[i];
	}
	if (v)
		v[kept] = NULL;
	return v;
}

int image_apply_config(struct container *c)
{
	struct image_config *ic = c->image_config;
	int r = 0;

	if (!ic)
		return 0;
	/* Docker's rule: a command replaces Cmd and keeps the Entrypoint. */
	if (ic->entrypoint || ic->cmd || c->command) {
		char **command = strv_concat(ic->entrypoint, c->command ? c->command : ic->cmd);
		r = command ? 0 : -ENOMEM;
		if (command) {
			free_strv(c->command);
			c->command = command;
		}
	}
	if (r == 0 && ic->env) {
		char **env = merge_env(ic->env, c->env);
		r = env ? 0 : -ENOMEM;
		if (env) {
			free_strv(c->env);
			c->env = env;
		}
	}
	/* Docker takes a relative WorkingDir from /. */
	if (r == 0 && !c->cwd && ic->workdir &&
	    asprintf(&c->cwd, "%s%s", ic->workdir[0] == '/' ? "" : "/", ic->workdir) < 0) {
		c->cwd = NULL;
		r = -ENOMEM;
	}
	if (r == 0 && ic->user && !(c->image_user = strdup(ic->user)))
		r = -ENOMEM;
	image_config_free(ic);
	c->image_config = NULL;
	return r;
}
