/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json's disks: each with the directories its volumes bind and,
 * per directory, the user range its files belong to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance-json.h"

static const char *const disk_keys[] = { AJ_DISK_LABEL, AJ_DISK_DIRS, AJ_DISK_DIR_OWNERS };

/* AJ_DISK_DIR_OWNERS: per directory of DIRS, [BASE, SIZE], [0, SIZE] (the
 * VM's own ids) or [0, 0] (left as it is). */
static int load_owners(json_t *disk, const char *path, struct disk_spec *d, struct bh_err *err)
{
	json_t *owners, *pair;
	size_t n_dirs = 0, i;
	int r = aj_member(disk, path, AJ_DISK_DIR_OWNERS, JSON_ARRAY, &owners, err);

	while (d->dirs && d->dirs[n_dirs])
		n_dirs++;
	if (r < 0 || !owners)
		return r;
	if (json_array_size(owners) != n_dirs)
		return bh_fail(err, -EINVAL, "%s: %s." AJ_DISK_DIR_OWNERS " must have one entry per directory",
			       APPLIANCE_JSON, path);
	if (!(d->owners = calloc(n_dirs + 1, sizeof(*d->owners))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(owners, i, pair) {
		json_int_t base = json_integer_value(json_array_get(pair, 0));
		json_int_t size = json_integer_value(json_array_get(pair, 1));
		bool none = base == 0 && size == 0, own_ids = base == 0 && size == USERNS_SIZE;
		if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_integer(json_array_get(pair, 0)) ||
		    !json_is_integer(json_array_get(pair, 1)) ||
		    (!none && !own_ids &&
		     (size < 1 || size > USERNS_SIZE || base < USERNS_MIN_BASE ||
		      base > (json_int_t)USERNS_MAX_END - size + 1)))
			return bh_fail(err, -EINVAL,
				       "%s: %s." AJ_DISK_DIR_OWNERS "[%zu] must be [0, 0], [0, %u] or a user range [BASE, SIZE]",
				       APPLIANCE_JSON, path, i, USERNS_SIZE);
		d->owners[i].base = (unsigned)base;
		d->owners[i].size = (unsigned)size;
	}
	return 0;
}

int appliance_load_disks(json_t *root, struct appliance *a, struct bh_err *err)
{
	json_t *disks, *disk;
	size_t i;
	int r;

	if ((r = aj_member(root, "", AJ_DISKS, JSON_ARRAY, &disks, err)) < 0 || !disks)
		return r;
	if (!(a->disks = calloc(json_array_size(disks) + 1, sizeof(*a->disks))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(disks, i, disk) {
		char path[64], what[80];
		struct disk_spec *d = &a->disks[i];

		a->n_disks = i + 1;
		snprintf(path, sizeof(path), AJ_DISKS "[%zu]", i);
		if (!json_is_object(disk))
			return bh_fail(err, -EINVAL, "%s: %s must be an object", APPLIANCE_JSON, path);
		if ((r = aj_known_keys(disk, path, disk_keys, ARRAY_SIZE(disk_keys), err)) < 0 ||
		    (r = aj_string_member(disk, path, AJ_DISK_LABEL, &d->label, err)) < 0)
			return r;
		/* A label becomes a path: refuse anything but a plain name. */
		if (!d->label || !d->label[0] || strchr(d->label, '/') || d->label[0] == '.')
			return bh_fail(err, -EINVAL, "%s: %s has no usable label", APPLIANCE_JSON, path);
		snprintf(what, sizeof(what), "%s." AJ_DISK_DIRS, path);
		if ((r = aj_string_list(json_object_get(disk, AJ_DISK_DIRS), what, &d->dirs, err)) < 0 ||
		    (r = load_owners(disk, path, d, err)) < 0)
			return r;
	}
	return 0;
}

