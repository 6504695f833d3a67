/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json's AJ_C_SHARED_IMAGE, read strictly: which erofs image of
 * SHARED_IMAGES_DIR a container mounts on its rootfs. Apart from images.c,
 * which mounts it, so that every reader of appliance.json (the tests, the
 * fuzz targets) links this alone. */
#include <errno.h>
#include <jansson.h>

#include "init.h"

int shared_image_load(json_t *item, const char *path, struct container_spec *spec, struct bh_err *err)
{
	json_t *v = json_object_get(item, AJ_C_SHARED_IMAGE);

	spec->shared_image = -1;
	spec->image_unmounted = false;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= INIT_MAX_CONTAINERS / 2)
		return bh_fail(err, -EINVAL, "%s: %s." AJ_C_SHARED_IMAGE " must be an integer from 0 to %d", APPLIANCE_JSON,
			       path, INIT_MAX_CONTAINERS / 2 - 1);
	/* Its ids are the image's own: only a mapping makes them the range's. */
	if (!spec->userns_size)
		return bh_fail(err, -EINVAL, "%s: %s has " AJ_C_SHARED_IMAGE " but no user namespace (" AJ_C_USERNS_SIZE
			       ")", APPLIANCE_JSON, path);
	spec->shared_image = (int)json_integer_value(v);
	return 0;
}
