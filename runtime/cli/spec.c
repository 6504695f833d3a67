/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec and features: what the runtime offers, as JSON. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../spec.h"
#include "cli.h"

int cmd_spec(int argc, char **argv)
{
	static const struct option longopts[] = { { "bundle", required_argument, NULL, 'b' }, { NULL, 0, NULL, 0 } };
	const char *bundle = ".";
	char path[4096];
	int opt;

	while ((opt = getopt_long(argc, argv, "b:", longopts, NULL)) != -1) {
		if (opt != 'b')
			return 2;
		bundle = optarg;
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	json_t *spec = bh_spec_default();
	char *text = spec ? json_dumps(spec, JSON_INDENT(2)) : NULL;
	json_decref(spec);
	if (!text)
		return cli_error("out of memory");
	/* O_EXCL: an existing config.json is someone's work; never overwrite it. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(text);
		return cli_error("%s: %s", path, errno == EEXIST ? "already exists; remove it first" : strerror(errno));
	}
	size_t len = strlen(text);
	int r = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 ? 0 : -errno;
	free(text);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return cli_error_errno(-r, "%s", path);
	}
	return 0;
}

int cmd_features(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "bulkhead-runtime features: takes no arguments\n");
		return 2;
	}
	json_t *features = bh_features();
	char *text = features ? json_dumps(features, JSON_INDENT(2)) : NULL;
	json_decref(features);
	if (!text)
		return cli_error("out of memory");
	puts(text);
	free(text);
	return 0;
}
