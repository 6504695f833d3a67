/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's devices: the devices it may use beyond the standard nodes,
 * each named explicitly, in one line as `ls -l` and the device cgroup
 * write them:
 *
 *   devices:
 *     - c 10:229 rw /dev/fuse     # allowed, and the node made in /dev
 *     - b 7:* r                   # allowed only (any loop device), no node
 *
 * TYPE MAJOR:MINOR ACCESS [PATH]. The builder appends an allow entry per
 * device to linux.resources.devices (deny all, then the standard nodes),
 * and a linux.devices node for each with a path. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "manifest-yaml.h"

/* The runtime's allow-list holds 256 entries; the standard ones come first. */
#define MAX_DEVICES 64

#define FORM "write TYPE MAJOR:MINOR ACCESS [PATH], such as \"c 10:229 rw /dev/fuse\""

/* /dev's own mounts and the nodes every container has already. */
static const char *const reserved[] = { "/dev/pts/", "/dev/shm/", "/dev/mqueue/", "/dev/null", "/dev/zero",
					"/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
					"/dev/console", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr",
					"/dev/core" };

/* A decimal device number up to what the kernel's dev_t holds (major 12
 * bits, minor 20), or "*" for any: -1; -2 when it is neither. */
static long device_number(const char *s, long max)
{
	char *end;

	if (strcmp(s, "*") == 0)
		return -1;
	if (!isdigit((unsigned char)s[0]))
		return -2;
	long n = strtol(s, &end, 10);
	return *end || n > max ? -2 : n;
}

/* The node's place: below /dev, where the runtime's tmpfs is (the rest of
 * the root is nodev), in no other mount and no standard name. */
static const char *path_problem(const char *path)
{
	if (strncmp(path, "/dev/", 5) != 0 || !path[5] || strstr(path, "..") || strstr(path, "//") ||
	    path[strlen(path) - 1] == '/')
		return "must be a file below /dev/ without \"..\"; elsewhere the root is nodev and a node cannot be opened";
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		size_t n = strlen(reserved[i]);
		/* A mount ("/dev/shm/"): the mount point itself and what lies in it. */
		bool mount = reserved[i][n - 1] == '/';
		if (mount ? strncmp(path, reserved[i], n - 1) == 0 && (!path[n - 1] || path[n - 1] == '/')
			  : strcmp(path, reserved[i]) == 0)
			return "is a standard node or mount every container has already; choose another path";
	}
	return NULL;
}

static int parse_device(struct mf_parse *p, yaml_node_t *item, const char *s, struct device_entry *d)
{
	char type[4], numbers[32], access[8], path[256], extra[2], *colon;
	int n = sscanf(s, "%3s %31s %7s %255s %1s", type, numbers, access, path, extra);

	if (n < 3 || n > 4)
		return mf_fail(p, item, "device \"%s\": " FORM, s);
	if (strcmp(type, "c") != 0 && strcmp(type, "b") != 0)
		return mf_fail(p, item, "device \"%s\": type \"%s\" must be c (character) or b (block)", s, type);
	d->type = type[0];
	if (!(colon = strchr(numbers, ':')))
		return mf_fail(p, item, "device \"%s\": \"%s\" must be MAJOR:MINOR in numbers (* for any)", s, numbers);
	*colon = '\0';
	d->major = device_number(numbers, 4095);
	d->minor = device_number(colon + 1, 1048575);
	if (d->major == -2 || d->minor == -2)
		return mf_fail(p, item, "device \"%s\": MAJOR:MINOR must be numbers (major up to 4095, minor up to "
					"1048575) or *", s);
	if (!access[strspn(access, "rwm")] && access[0] && strlen(access) <= 3) {
		for (const char *a = access; *a; a++)
			if (strchr(a + 1, *a))
				return mf_fail(p, item, "device \"%s\": access \"%s\" names a letter twice", s, access);
	} else {
		return mf_fail(p, item, "device \"%s\": access \"%s\" must be letters of r (read), w (write) and m (mknod)", s,
			       access);
	}
	memcpy(d->access, access, strlen(access) + 1); /* at most 3 letters: checked above */
	if (n == 3)
		return 0;
	const char *why = path_problem(path);
	if (why)
		return mf_fail(p, item, "device \"%s\": path %s %s", s, path, why);
	if (d->major < 0 || d->minor < 0)
		return mf_fail(p, item, "device \"%s\": a node at %s needs one device: give MAJOR:MINOR without *", s,
			       path);
	return (d->path = strdup(path)) ? 0 : mf_fail(p, item, "out of memory");
}

static int add_device(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct container *c = ctx;
	const char *s = mf_scalar(item);

	if (!s)
		return mf_fail(p, item, "a device is one line of text: " FORM);
	if (index >= MAX_DEVICES)
		return mf_fail(p, item, "more than %d devices; the device program holds no more", MAX_DEVICES);
	struct device_entry *grown = realloc(c->devices, (index + 1) * sizeof(*grown));
	if (!grown)
		return mf_fail(p, item, "out of memory");
	c->devices = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	c->n_devices = index + 1;
	if (parse_device(p, item, s, &grown[index]) < 0)
		return -1;
	for (size_t i = 0; grown[index].path && i < index; i++)
		if (grown[i].path && strcmp(grown[i].path, grown[index].path) == 0)
			return mf_fail(p, item, "device \"%s\": %s is named twice", s, grown[index].path);
	return 0;
}

int mf_container_devices(struct mf_parse *p, yaml_node_t *v, void *target)
{
	return mf_each_item(p, v, "devices", add_device, target);
}
