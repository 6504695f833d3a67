/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixtures for tests that run real containers on the host: a private tmpfs
 * in a private mount namespace (gone when the test's child exits), and
 * bundles whose rootfs holds the static bulkhead-probe. */
#ifndef BULKHEAD_FIXTURE_H
#define BULKHEAD_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tap.h"
#include "../runtime/util.h"

static const char *probe_path(void)
{
	static char path[4096];
	const char *build = getenv("BUILD");

	snprintf(path, sizeof(path), "%s/tests/helpers/bulkhead-probe", build ? build : "build");
	return path;
}

/* The probe, opened before /tmp is covered: the build tree may live there. */
static int probe_fd = -1;

/* Returns a fresh directory on a private tmpfs: /tmp itself is replaced
 * in the test's own mount namespace, so nothing is left on the host. */
__attribute__((unused)) static const char *fixture_tmpfs(void)
{
	static char dir[] = "/tmp/bulkhead-test-XXXXXX";

	if (probe_fd < 0)
		probe_fd = open(probe_path(), O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWNS) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		SKIP("no private mount namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		TAP_FAIL("making / private: %s", strerror(errno));
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") < 0)
		TAP_FAIL("tmpfs on /tmp: %s", strerror(errno));
	if (!mkdtemp(dir))
		TAP_FAIL("mkdtemp: %s", strerror(errno));
	/* Traversable by a container whose root maps to another host uid. */
	chmod(dir, 0755);
	return dir;
}

__attribute__((unused)) static void write_text_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		TAP_FAIL("writing %s: %s", path, strerror(errno));
}

/* Copies the probe opened by fixture_tmpfs to TO. */
static void copy_probe(const char *to)
{
	char buf[65536];
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t n;

	if (probe_fd < 0)
		TAP_FAIL("%s: cannot open (run make check, which builds it)", probe_path());
	if (out < 0 || lseek(probe_fd, 0, SEEK_SET) < 0)
		TAP_FAIL("copying the probe to %s: %s", to, strerror(errno));
	while ((n = read(probe_fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			TAP_FAIL("copying the probe: %s", strerror(errno));
	close(out);
}

/* bundle/config.json from CONFIG (printf-style, any length);
 * bundle/rootfs/bin/bulkhead-probe. */
__attribute__((unused, format(printf, 2, 3))) static void make_bundle(const char *bundle, const char *config, ...)
{
	char path[4096], *text;
	va_list ap;

	snprintf(path, sizeof(path), "%s/rootfs/bin", bundle);
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
	/* The mount points, as bulkhead build makes them: a container whose
	 * root is not the host's could not create them. */
	static const char *const mountpoints[] = { "proc", "dev", "tmp", "sys" };
	for (size_t i = 0; i < ARRAY_SIZE(mountpoints); i++) {
		snprintf(path, sizeof(path), "%s/rootfs/%s", bundle, mountpoints[i]);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/rootfs/bin/bulkhead-probe", bundle);
	copy_probe(path);
	va_start(ap, config);
	int n = vasprintf(&text, config, ap);
	va_end(ap);
	if (n < 0)
		TAP_FAIL("config.json: out of memory");
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	write_text_file(path, text);
	free(text);
}

#endif
