/* SPDX-License-Identifier: GPL-2.0-or-later */
/* update -r FILE ID: new limits for a container's cgroup, FILE holding a
 * config.json's linux.resources object ("-": standard input), as with runc
 * and crun. A field it cannot apply is refused by name, not skipped. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

/* All of FD, NUL-terminated, into *TEXT (malloc'd); its length or -errno. */
static ssize_t read_all(int fd, char **text)
{
	size_t len = 0, size = 0;
	char *buf = NULL;

	for (;;) {
		if (len + 1 >= size) {
			char *grown = realloc(buf, size ? size * 2 : 4096);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			size = size ? size * 2 : 4096;
		}
		ssize_t n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*text = buf;
	return (ssize_t)len;
}

int cmd_update(int argc, char **argv)
{
	static const struct option longopts[] = { { "resources", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
	const char *file = NULL;
	struct bh_err err = { 0 };
	struct state s;
	int opt;

	while ((opt = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		if (opt != 'r')
			return 2;
		file = optarg;
	}
	if (!file || optind != argc - 1) {
		fprintf(stderr, "bulkhead-runtime update: expected -r FILE ID (FILE: linux.resources as JSON, - for stdin)\n");
		return 2;
	}
	if (load_existing(argv[optind], &s) != 0)
		return EXIT_RUNTIME;
	const char *name = file[0] == '-' && !file[1] ? "<stdin>" : file;
	int fd = name == file ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	char *text = NULL;
	ssize_t len = fd < 0 ? -errno : read_all(fd, &text);
	if (fd > 0)
		close(fd);
	int r = 0;
	if (len < 0)
		r = cli_error_errno((int)-len, "update %s: %s", s.id, name);
	else if (state_status(&s) == STATUS_STOPPED)
		r = cli_error("container \"%s\" is stopped; only a created, running or paused one can be updated", s.id);
	else if (bh_cgroup_update(s.cgroups_path[0] ? s.cgroups_path : NULL, text, (size_t)len, &err) < 0)
		r = cli_error("update %s: %s%s%s", s.id, err.path[0] || err.code == -EINVAL ? name : "",
			      err.path[0] || err.code == -EINVAL ? ": " : "", err.msg);
	free(text);
	state_free(&s);
	return r;
}
