/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an image says it holds, for the SBOM: dpkg's status, apk's installed
 * database, busybox's version string. An image is untrusted input: every
 * file is opened as if the image's root were / (RESOLVE_IN_ROOT: no path,
 * symlink or ".." leads out of it), never through a final symlink, only a
 * regular file is read, and only up to a bound; what a record lacks makes
 * it skipped, what it has too much of is cut. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../runtime/util.h"
#include "sbom.h"

/* PATH below ROOT, as the image sees it; a final symlink is refused
 * (-ELOOP), so that status -> /etc/shadow reads nothing at all. Kernels
 * without openat2 (before 5.6) get nothing read: -ENOSYS. */
static int open_in_image(int root, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* The whole of FD, a regular file of at most MAX bytes, NUL-terminated, in
 * *TEXT (malloc'd, *LEN bytes). -EFBIG beyond MAX; -EINVAL for a FIFO, a
 * device or a directory. */
static int read_bounded(int fd, size_t max, char **text, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((unsigned long long)st.st_size > max)
		return -EFBIG;
	/* The size is only a hint: a file that grows while read stops at it. */
	_cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	if (n < 0 && got < (size_t)st.st_size)
		return -errno;
	buf[got] = '\0';
	*len = got;
	*text = steal_ptr(&buf);
	return 0;
}

/* A field's value as the SBOM keeps it: printable ASCII without spaces,
 * at most SBOM_FIELD_MAX bytes; anything else becomes '?'. */
static char *clean_value(const char *v, size_t len)
{
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r'))
		len--;
	if (len > SBOM_FIELD_MAX)
		len = SBOM_FIELD_MAX;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = v[i] > ' ' && v[i] < 0x7f ? v[i] : '?';
	out[len] = '\0';
	return out;
}

/* purl's percent-encoding (the spec's unreserved characters stay). */
static size_t purl_encode(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr(".-_~", ch))
			out[n++] = (char)ch;
		else
			out[n++] = '%', out[n++] = hex[ch >> 4], out[n++] = hex[ch & 15];
	}
	out[n] = '\0';
	return n;
}

/* The record being read: the fields a package database names it by. */
struct record {
	const char *name, *version, *arch, *status;
	size_t name_len, version_len, arch_len, status_len;
};

/* How one database spells the fields: dpkg's "Package:", apk's "P:". */
struct db_format {
	const char *source;     /* for sbom_packages.source */
	const char *purl_type;  /* pkg:TYPE/ */
	const char *namespace;  /* the distribution when the image does not say (os-release's ID) */
	const char *keys[4];    /* name, version, architecture, status (NULL: none) */
};

static const struct db_format dpkg_format = { "dpkg", "deb", "debian", { "Package", "Version", "Architecture", "Status" } };
static const struct db_format apk_format = { "apk", "apk", "alpine", { "P", "V", "A", NULL } };

/* What every purl of one image starts with and ends with: "deb/ubuntu",
 * and the distro qualifier ("ubuntu-22.04") when the image names its
 * release. */
struct purl_base {
	char type_namespace[80];
	char distro[80];
};

/* busybox's version string names no distribution. */
static const struct purl_base generic_purl = { "generic", "" };

static int add_package(struct sbom_packages *out, const struct purl_base *base, const char *name, const char *version,
		       const char *arch)
{
	char purl[3 * 3 * SBOM_FIELD_MAX + 256];
	size_t n;

	if (out->n == SBOM_MAX_PACKAGES)
		return 0; /* the rest is not listed: the bound says how many can be */
	struct sbom_package *grown = realloc(out->v, (out->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	out->v = grown;
	n = (size_t)snprintf(purl, sizeof(purl), "pkg:%s/", base->type_namespace);
	n += purl_encode(purl + n, sizeof(purl) - n, name);
	n += (size_t)snprintf(purl + n, sizeof(purl) - n, "@");
	n += purl_encode(purl + n, sizeof(purl) - n, version);
	/* Qualifiers in the order purl sorts them: arch, then distro. */
	if (arch && *arch) {
		n += (size_t)snprintf(purl + n, sizeof(purl) - n, "?arch=");
		n += purl_encode(purl + n, sizeof(purl) - n, arch);
	}
	if (base->distro[0]) {
		n += (size_t)snprintf(purl + n, sizeof(purl) - n, "%cdistro=", arch && *arch ? '&' : '?');
		purl_encode(purl + n, sizeof(purl) - n, base->distro);
	}
	struct sbom_package *p = &out->v[out->n];
	*p = (struct sbom_package){ .name = strdup(name), .version = strdup(version),
				    .arch = strdup(arch ? arch : ""), .purl = strdup(purl) };
	out->n++;
	if (!p->name || !p->version || !p->arch || !p->purl)
		return -ENOMEM;
	return 0;
}

/* "install ok installed", "hold ok installed": the third word is what
 * dpkg -l's second letter says; only "installed" is in the image. */
static bool dpkg_installed(const char *status, size_t len)
{
	static const char word[] = "installed";
	size_t words = 0, i = 0;

	/* Words apart by any blank: both loops agree on what one is, so that
	 * each pass moves on (a '\r' the first skipped not would stall it). */
	while (i < len) {
		while (i < len && (status[i] == ' ' || status[i] == '\t' || status[i] == '\r'))
			i++;
		size_t start = i;
		while (i < len && status[i] != ' ' && status[i] != '\t' && status[i] != '\r')
			i++;
		if (i > start && ++words == 3)
			return i - start == sizeof(word) - 1 && memcmp(status + start, word, i - start) == 0;
	}
	return false;
}

static int end_record(struct sbom_packages *out, const struct db_format *f, const struct purl_base *base,
		      struct record *r)
{
	int ret = 0;

	/* A record without a name or a version names no package. */
	if (r->name && r->version && r->name_len && r->version_len &&
	    (!f->keys[3] || (r->status && dpkg_installed(r->status, r->status_len)))) {
		_cleanup_free_ char *name = clean_value(r->name, r->name_len);
		_cleanup_free_ char *version = clean_value(r->version, r->version_len);
		_cleanup_free_ char *arch = r->arch ? clean_value(r->arch, r->arch_len) : strdup("");
		if (!name || !version || !arch)
			ret = -ENOMEM;
		else if (*name && *version)
			ret = add_package(out, base, name, version, arch);
	}
	memset(r, 0, sizeof(*r));
	return ret;
}

/* TEXT (LEN bytes, NULs and all) as records of "Key: value" lines apart
 * from one another by an empty line; a line that starts with a blank
 * continues the field before it and is skipped. */
static int parse_db(const char *text, size_t len, const struct db_format *f, const struct purl_base *base,
		    struct sbom_packages *out)
{
	struct record r = { 0 };
	const char **values[4] = { &r.name, &r.version, &r.arch, &r.status };
	size_t *lens[4] = { &r.name_len, &r.version_len, &r.arch_len, &r.status_len };
	size_t i = 0;
	int ret;

	while (i < len) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t line_len = nl ? (size_t)(nl - line) : len - i;
		i += line_len + 1;
		if (line_len && line[line_len - 1] == '\r')
			line_len--;
		if (!line_len) {
			if ((ret = end_record(out, f, base, &r)) < 0)
				return ret;
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		const char *colon = memchr(line, ':', line_len);
		if (!colon)
			continue;
		size_t key_len = (size_t)(colon - line);
		for (size_t k = 0; k < 4; k++)
			if (f->keys[k] && strlen(f->keys[k]) == key_len && memcmp(line, f->keys[k], key_len) == 0) {
				const char *v = colon + 1, *end = line + line_len;
				while (v < end && (*v == ' ' || *v == '\t'))
					v++;
				*values[k] = v;
				*lens[k] = (size_t)(end - v);
			}
	}
	return end_record(out, f, base, &r);
}

/* Reads and parses the file at PATH in the image; a missing or refused
 * file adds nothing. *FOUND: whether it was read. */
static int read_db(int root, const char *path, const struct db_format *f, const struct purl_base *base,
		   struct sbom_packages *out, bool *found)
{
	_cleanup_close_ int fd = open_in_image(root, path, O_RDONLY);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (fd < 0 || read_bounded(fd, SBOM_DB_MAX_BYTES, &text, &len) < 0)
		return 0;
	*found = true;
	return parse_db(text, len, f, base, out);
}

/* var/lib/dpkg/status.d/: one file per package (distroless images), with
 * NAME.md5sums beside each, which holds no record. */
static int read_dpkg_status_d(int root, const struct purl_base *base, struct sbom_packages *out, bool *found)
{
	int dirfd = open_in_image(root, "var/lib/dpkg/status.d", O_RDONLY | O_DIRECTORY);
	size_t total = 0;
	struct dirent *e;
	int ret = 0;

	if (dirfd < 0)
		return 0;
	DIR *dir = fdopendir(dirfd);
	if (!dir) {
		close(dirfd);
		return 0;
	}
	while (ret == 0 && (e = readdir(dir))) {
		size_t name_len = strlen(e->d_name);
		if (e->d_name[0] == '.' || (name_len > 8 && strcmp(e->d_name + name_len - 8, ".md5sums") == 0))
			continue;
		/* A name has no slash: openat beneath the directory cannot leave it. */
		_cleanup_close_ int fd = openat(dirfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (fd < 0 || total >= SBOM_DB_MAX_BYTES || read_bounded(fd, SBOM_DB_MAX_BYTES - total, &text, &len) < 0)
			continue;
		total += len;
		*found = true;
		ret = parse_db(text, len, &dpkg_format, base, out);
	}
	closedir(dir);
	return ret;
}

/* The version after "BusyBox v" in TEXT: a digit, then what a version is
 * made of, up to the first other character. */
static int busybox_version_in(const char *text, size_t len, char *out, size_t size)
{
	static const char marker[] = "BusyBox v";
	const char *p = text, *end = text + len;

	while ((p = memmem(p, (size_t)(end - p), marker, sizeof(marker) - 1))) {
		const char *v = p + sizeof(marker) - 1, *e = v;
		p = v;
		if (e >= end || *e < '0' || *e > '9')
			continue;
		while (e < end && e - v < SBOM_FIELD_MAX && ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'z') ||
							    (*e >= 'A' && *e <= 'Z') || strchr(".+~_-", *e)))
			e++;
		if ((size_t)(e - v) >= size)
			return -ENAMETOOLONG;
		memcpy(out, v, (size_t)(e - v));
		out[e - v] = '\0';
		return 0;
	}
	return -ENOENT;
}

static int busybox_version_fd(int fd, char *out, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_bounded(fd, SBOM_BINARY_MAX_BYTES, &text, &len);

	return r < 0 ? r : busybox_version_in(text, len, out, size);
}


static int by_name_arch_version(const void *a, const void *b)
{
	const struct sbom_package *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(x->arch, y->arch);
	return c ? c : strcmp(x->version, y->version);
}

static void package_free(struct sbom_package *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->purl);
}

/* In a fixed order, and once each: status and status.d may both name one. */
static void sort_unique(struct sbom_packages *p)
{
	size_t kept = 0;

	if (!p->n)
		return;
	qsort(p->v, p->n, sizeof(*p->v), by_name_arch_version);
	for (size_t i = 1; i < p->n; i++) {
		if (by_name_arch_version(&p->v[kept], &p->v[i]) == 0)
			package_free(&p->v[i]);
		else
			p->v[++kept] = p->v[i];
	}
	p->n = kept + 1;
}

/* An os-release value (ID, VERSION_ID) as a purl may carry it: unquoted,
 * lowercase letters, digits, '.', '_' and '-' only, at most 32 bytes; ""
 * for anything else. */
static void os_release_value(const char *text, size_t len, const char *key, char *out, size_t size)
{
	size_t key_len = strlen(key), i = 0;

	out[0] = '\0';
	while (i < len) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t line_len = nl ? (size_t)(nl - line) : len - i;
		i += line_len + 1;
		if (line_len <= key_len || memcmp(line, key, key_len) != 0 || line[key_len] != '=')
			continue;
		const char *v = line + key_len + 1, *end = line + line_len;
		if (v < end && (*v == '"' || *v == '\''))
			v++;
		size_t n = 0;
		for (; v < end && *v != '"' && *v != '\''; v++) {
			bool ok = (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') || *v == '.' || *v == '_' || *v == '-';
			if (!ok || n + 1 >= size || n == 32) {
				out[0] = '\0';
				return;
			}
			out[n++] = *v;
		}
		out[n] = '\0';
	}
}

/* The image's purls for database F: the distribution its os-release names
 * (usr/lib/os-release, or etc/os-release when that is a file), else F's. */
static void purl_base_for(int root, const struct db_format *f, struct purl_base *base)
{
	static const char *const places[] = { "usr/lib/os-release", "etc/os-release" };
	char id[40] = "", version[40] = "";

	for (size_t i = 0; i < ARRAY_SIZE(places) && !id[0]; i++) {
		_cleanup_close_ int fd = open_in_image(root, places[i], O_RDONLY);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (fd < 0 || read_bounded(fd, 1 << 16, &text, &len) < 0)
			continue;
		os_release_value(text, len, "ID", id, sizeof(id));
		os_release_value(text, len, "VERSION_ID", version, sizeof(version));
	}
	snprintf(base->type_namespace, sizeof(base->type_namespace), "%s/%s", f->purl_type, id[0] ? id : f->namespace);
	if (id[0] && version[0])
		snprintf(base->distro, sizeof(base->distro), "%s-%s", id, version);
	else
		base->distro[0] = '\0';
}

int sbom_read_packages(int root, struct sbom_packages *out)
{
	struct purl_base dpkg, apk;
	bool found = false;
	char version[SBOM_FIELD_MAX + 1];
	int r;

	memset(out, 0, sizeof(*out));
	purl_base_for(root, &dpkg_format, &dpkg);
	purl_base_for(root, &apk_format, &apk);
	if ((r = read_db(root, "var/lib/dpkg/status", &dpkg_format, &dpkg, out, &found)) < 0 ||
	    (r = read_dpkg_status_d(root, &dpkg, out, &found)) < 0)
		return r;
	if (found) {
		out->source = dpkg_format.source;
	} else {
		if ((r = read_db(root, "lib/apk/db/installed", &apk_format, &apk, out, &found)) < 0)
			return r;
		if (found) {
			out->source = apk_format.source;
		} else {
			/* No package database: a busybox image says what it is by its binary. */
			_cleanup_close_ int fd = open_in_image(root, "bin/busybox", O_RDONLY);
			if (fd >= 0 && busybox_version_fd(fd, version, sizeof(version)) == 0) {
				out->source = "busybox";
				if ((r = add_package(out, &generic_purl, "busybox", version, NULL)) < 0)
					return r;
			}
		}
	}
	sort_unique(out);
	return 0;
}

int sbom_read_busybox(const char *path, struct sbom_packages *out)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	char version[SBOM_FIELD_MAX + 1];
	int r;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -errno;
	if ((r = busybox_version_fd(fd, version, sizeof(version))) == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	out->source = "busybox";
	return add_package(out, &generic_purl, "busybox", version, NULL);
}

void sbom_packages_free(struct sbom_packages *p)
{
	for (size_t i = 0; i < p->n; i++)
		package_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}
