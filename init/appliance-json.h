/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.c's strict readers of appliance.json's members, for the parts
 * of the file read in files of their own (appliance-disks.c, appliance-net.c). Each returns
 * 0, or -EINVAL with "appliance.json: PATH.KEY ..." in ERR; PATH is where
 * OBJ stands ("" for the top level). Internal to init/. */
#ifndef BULKHEAD_INIT_APPLIANCE_JSON_H
#define BULKHEAD_INIT_APPLIANCE_JSON_H

#include <jansson.h>

#include "init.h"

/* OBJ holds only KEYS. */
int aj_known_keys(json_t *obj, const char *path, const char *const *keys, size_t n, struct bh_err *err);
/* OBJ's KEY into *OUT: NULL when absent, else a value of TYPE. */
int aj_member(json_t *obj, const char *path, const char *key, json_type type, json_t **out, struct bh_err *err);
/* A string member, copied into *OUT (NULL when absent). */
int aj_string_member(json_t *obj, const char *path, const char *key, char **out, struct bh_err *err);
/* An integer member from MIN to MAX into *OUT (DEFAULT_VALUE when absent). */
int aj_integer_member(json_t *obj, const char *path, const char *key, json_int_t min, json_int_t max,
		      json_int_t default_value, json_int_t *out, struct bh_err *err);
/* A list of strings (WHAT names it), a NULL-terminated copy in *OUT (NULL
 * for no list). */
int aj_string_list(json_t *list, const char *what, char ***out, struct bh_err *err);

/* appliance-disks.c: AJ_DISKS into A's disks. */
int appliance_load_disks(json_t *root, struct appliance *a, struct bh_err *err);

/* appliance-net.c: AJ_INTERFACES and AJ_NETWORKS into A's, and a
 * container's AJ_C_LINKS (ITEM at PATH) into SPEC's, each naming one of A's
 * networks (so the networks are read first). */
int appliance_load_interfaces(json_t *root, struct appliance *a, struct bh_err *err);
int appliance_load_networks(json_t *root, struct appliance *a, struct bh_err *err);
int appliance_load_links(json_t *item, const char *path, const struct appliance *a, struct container_spec *spec,
			 struct bh_err *err);

#endif
