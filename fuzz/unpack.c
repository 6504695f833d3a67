/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layer unpacking (image/unpack.c) as `bulkhead build` does it for each
 * layer of an OCI or docker image: whiteouts found and applied, then the
 * entries extracted. Each input is applied twice, as two layers, so that
 * its whiteouts meet what its first copy created.
 *
 * Run as an unprivileged user in a tmpfs of its own: as root, the harness
 * unshares a mount namespace, mounts a tmpfs over its directory, makes the
 * unpack directory and a sentinel tree beside it, hands both to nobody and
 * drops to nobody for good. The sentinel is writable by nobody, so an
 * entry that escapes the unpack directory would change it: after every
 * input, anything changed outside the unpack directory aborts. */
#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "../image/image.h"

#define NOBODY 65534

/* Opened before the drop: the parents of fuzz_dir() (TMPDIR) may be closed
 * to nobody. */
static int base_fd = -1, root_fd = -1;
static char *before;
static size_t before_len;

static void die(const char *what)
{
	fprintf(stderr, "fuzz unpack: %s: %s\n", what, strerror(errno));
	abort();
}

static void append(char **out, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char **out, size_t *len, const char *fmt, ...)
{
	char line[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || !(*out = realloc(*out, *len + (size_t)n + 1)))
		abort();
	memcpy(*out + *len, line, (size_t)n + 1);
	*len += (size_t)n;
}

/* Every entry below DIR but the unpack directory: path, type, mode, owner,
 * size, a hash of the contents or the link's target. */
static void snapshot(int dirfd, const char *path, char **out, size_t *len)
{
	DIR *dir = fdopendir(dirfd);
	struct dirent **names;
	int n;

	if (!dir)
		die("fdopendir");
	n = scandirat(dirfd, ".", &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char sub[PATH_MAX], target[PATH_MAX] = "";
		struct stat st;
		unsigned long hash = 5381;
		snprintf(sub, sizeof(sub), "%s/%s", path, name);
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(sub, "./root") == 0 ||
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(names[i]);
			continue;
		}
		if (S_ISLNK(st.st_mode))
			readlinkat(dirfd, name, target, sizeof(target) - 1);
		int fd = S_ISREG(st.st_mode) ? openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
		char buf[4096];
		ssize_t got;
		while (fd >= 0 && (got = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t k = 0; k < got; k++)
				hash = hash * 33 + (unsigned char)buf[k];
		if (fd >= 0)
			close(fd);
		append(out, len, "%s %o %u:%u %lld %lx %s\n", sub, st.st_mode, st.st_uid, st.st_gid, (long long)st.st_size,
		       hash, target);
		if (S_ISDIR(st.st_mode)) {
			int subfd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (subfd >= 0)
				snapshot(subfd, sub, out, len);
		}
		free(names[i]);
	}
	free(n >= 0 ? names : NULL);
	closedir(dir);
}

static char *take_snapshot(size_t *len)
{
	char *out = NULL;
	int fd = openat(base_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*len = 0;
	append(&out, len, "%s", "");
	if (fd < 0)
		die(fuzz_dir());
	snapshot(fd, ".", &out, len);
	return out;
}

static void make(const char *name, const char *contents)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	if (!contents ? mkdir(path, 0755) < 0 : 0)
		die(path);
	if (contents)
		fuzz_write(name, contents, strlen(contents));
	if (lchown(path, NOBODY, NOBODY) < 0 && geteuid() == 0)
		die(path);
}

/* As root: a private tmpfs, then nobody for good. Otherwise as we are. */
static void confine(void)
{
	if (geteuid() != 0)
		return;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("fuzz", fuzz_dir(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=0755") < 0)
		die("a private tmpfs");
}

static void drop(void)
{
	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
		die("dropping to nobody");
	if (setresuid(0, 0, 0) == 0)
		abort(); /* the drop must be for good */
}

/* libFuzzer writes new inputs into the first corpus directory named on its
 * command line and crashes under -artifact_prefix, from this process: give
 * those to nobody before the drop, or every finding would be lost. The
 * other (seed) directories are only read. */
static void hand_over(int argc, char **argv)
{
	bool first = true;

	for (int i = 1; geteuid() == 0 && i < argc; i++) {
		char dir[PATH_MAX];
		const char *prefix = strncmp(argv[i], "-artifact_prefix=", 17) == 0 ? argv[i] + 17 : NULL;
		if ((argv[i][0] == '-' && !prefix) || (!prefix && !first))
			continue;
		first = first && prefix;
		snprintf(dir, sizeof(dir), "%s", prefix ? prefix : argv[i]);
		if (prefix && strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
		struct stat st;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && chown(dir, NOBODY, NOBODY) < 0)
			die(dir);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (argc && argv)
		hand_over(*argc, *argv);
	confine();
	/* The unpack directory, and beside it what an escape would reach:
	 * the staging directory's siblings, a file, a tree, a symlink. */
	make("root", NULL);
	make("sentinel", NULL);
	make("sentinel/etc", NULL);
	make("sentinel/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	make("sentinel-file", "outside the unpack directory\n");
	char link[PATH_MAX];
	snprintf(link, sizeof(link), "%s/sentinel-link", fuzz_dir());
	if (symlink("sentinel", link) < 0 || (lchown(link, NOBODY, NOBODY) < 0 && geteuid() == 0))
		die(link);
	if (geteuid() == 0 && chown(fuzz_dir(), NOBODY, NOBODY) < 0)
		die(fuzz_dir());
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/root", fuzz_dir());
	if ((base_fd = open(fuzz_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(root);
	drop();
	before = take_snapshot(&before_len);
	return 0;
}

/* One layer: whiteouts first (a pass of their own), then the entries. */
static void layer(const uint8_t *data, size_t size, int dirfd)
{
	struct whiteouts w = { 0 };
	struct diag d;
	struct archive *a = unpack_reader();

	if (!a)
		abort();
	int r = archive_read_open_memory(a, data, size) == ARCHIVE_OK ? unpack_scan(a, "layer", &w, &d)
									: diag_fail(&d, "%s", archive_error_string(a));
	archive_read_free(a);
	if (r == 0)
		r = unpack_whiteouts(dirfd, &w, &d);
	whiteouts_free(&w);
	if (r == 0 && (a = unpack_reader())) {
		if (archive_read_open_memory(a, data, size) == ARCHIVE_OK)
			r = unpack_extract(a, dirfd, true, "layer", &d);
		archive_read_free(a);
	}
	fuzz_verdict("layer", r, d.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char cwd[PATH_MAX], after_cwd[PATH_MAX];
	size_t after_len;

	if (!before)
		LLVMFuzzerInitialize(NULL, NULL);
	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	layer(data, size, root_fd);
	layer(data, size, root_fd);
	/* The detector's own test (tests/fuzz-replay.t): an escape, simulated. */
	if (getenv("FUZZ_UNPACK_SIMULATE_ESCAPE"))
		close(openat(base_fd, "sentinel/escaped", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	char *after = take_snapshot(&after_len);
	if (after_len != before_len || memcmp(after, before, after_len) != 0) {
		fprintf(stderr, "fuzz unpack: the input changed something outside the unpack directory\nbefore:\n%s\nafter:\n%s\n",
			before, after);
		abort();
	}
	if (!getcwd(after_cwd, sizeof(after_cwd)) || strcmp(cwd, after_cwd) != 0) {
		fprintf(stderr, "fuzz unpack: the working directory moved to %s\n", after_cwd);
		abort();
	}
	free(after);
	fuzz_empty_at(root_fd);
	return 0;
}
