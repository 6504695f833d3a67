/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parts of the manifest parser (manifest-yaml.c, manifest-container.c,
 * manifest.c) and what they share. Internal to image/. Readers return 0,
 * or -1 with "FILE:LINE:COL: what is wrong" in p->diag. */
#ifndef BULKHEAD_MANIFEST_YAML_H
#define BULKHEAD_MANIFEST_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "image.h"

struct mf_parse {
	yaml_document_t doc;
	const char *path;
	char *dir; /* the manifest's directory: relative paths start here */
	struct diag *diag;
};

/* -1, with the message at NODE's position (NULL: the file's start). */
__attribute__((format(printf, 3, 4))) int mf_fail(struct mf_parse *p, const yaml_node_t *node, const char *fmt, ...);
/* The candidate closest to WORD, or NULL when none is close. */
const char *mf_suggest(const char *word, const char *const *candidates, size_t n);
/* A scalar node's text, or NULL for any other node. */
const char *mf_scalar(const yaml_node_t *node);

int mf_read_string(struct mf_parse *p, const yaml_node_t *node, const char *key, char **out);
int mf_read_bool(struct mf_parse *p, const yaml_node_t *node, const char *key, bool *out);
/* A name: 1 to 63 lowercase letters, digits and dashes. */
bool mf_valid_name(const char *s);
int mf_read_name(struct mf_parse *p, yaml_node_t *node, const char *key, char **out);
/* A list of strings, NULL-terminated; a lone scalar is a list of one. */
int mf_read_strv(struct mf_parse *p, yaml_node_t *node, const char *key, char ***out);
/* Decimal digits only, within 64 bits (no sign, space or "+"); *END is
 * what follows them. False otherwise: never a wrapped or clamped value. */
bool mf_parse_u64(const char *s, uint64_t *out, const char **end);
/* The largest size a manifest takes (1024G): sums and unit conversions of
 * sizes never wrap. */
#define MF_SIZE_MAX (1ULL << 40)
/* "64M", "1G", "512K" or bytes, at least MIN (WHY names it), at most MF_SIZE_MAX. */
int mf_read_size(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t min, const char *why, uint64_t *out);
int mf_read_count(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t min, uint64_t max, uint64_t *out);
/* "10s", "500ms", "2m" or seconds, at most an hour. */
int mf_read_duration(struct mf_parse *p, yaml_node_t *v, const char *key, uint64_t *ms);
/* A path on the host beside the manifest (GIVEN as written); must exist.
 * mf_host_file: and be a regular file (WHAT names it in messages). */
int mf_host_path(struct mf_parse *p, yaml_node_t *v, const char *key, const char *given, char **out);
int mf_host_file(struct mf_parse *p, yaml_node_t *v, const char *key, const char *what, char **out);

/* An mf_item_fn appending a string item to the list in CTX, a struct
 * mf_strv_ctx (KEY names it in messages). */
struct mf_strv_ctx {
	char ***out;
	const char *key;
};
int mf_add_string_item(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx);

/* FN for every item of the sequence NODE (a lone scalar is one item). */
typedef int (*mf_item_fn)(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx);
int mf_each_item(struct mf_parse *p, yaml_node_t *node, const char *key, mf_item_fn fn, void *ctx);

/* A mapping read with a table of keys, each with its reader. Unknown keys
 * and duplicates are errors (with a suggestion). Returns how many keys were
 * seen, their names in SEEN, or -1. */
/* The most keys a mapping's table may have: the suggestions look at them
 * all, and a caller's SEEN holds them all. */
#define MF_KEYS_MAX 64
struct mf_key_handler {
	const char *key;
	int (*read)(struct mf_parse *p, yaml_node_t *value, void *target);
};
int mf_walk_mapping(struct mf_parse *p, yaml_node_t *node, const char *what, const struct mf_key_handler *keys,
		    size_t n_keys, void *target, const char **seen, size_t seen_size);
bool mf_has_key(const char **seen, int n, const char *key);

/* manifest-container.c: an mf_item_fn adding a container to a phase. */
struct mf_phase_ctx {
	struct container **list;
	size_t *n;
	const char *phase;
};
int mf_add_container(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx);

/* manifest-devices.c: a container's devices: key (TARGET is the container). */
int mf_container_devices(struct mf_parse *p, yaml_node_t *v, void *target);

/* manifest-lifecycle.c: a container's init: and on_exit: keys (TARGET is
 * the container), and the checks they need once the container is read. */
int mf_container_init(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_on_exit(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_check_lifecycle(struct mf_parse *p, yaml_node_t *item, const struct container *c);

/* manifest-interfaces.c: the top-level interfaces: key (TARGET is the manifest). */
int mf_interfaces(struct mf_parse *p, yaml_node_t *v, void *target);

/* manifest-networks.c: the top-level networks: key (TARGET is the
 * manifest); a container's networks:, ports:, allow: and egress: keys
 * (TARGET is the container); and, once every container and interface is
 * read, the decisions that need them all (names resolved, addresses,
 * interface names, MACs) with the checks across containers. */
int mf_networks(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_networks(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_ports(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_allow(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_egress(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_resolve_networks(struct mf_parse *p, struct manifest *m);

/* manifest-health.c: a service's healthcheck: and depends_on: keys (TARGET
 * is the container); the image's Healthcheck as C's default when the
 * manifest gave none (it takes C->image_config->health); and, once every
 * service is read, that a service waited for until healthy has a check. */
int mf_container_healthcheck(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_depends_on(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_health_from_image(struct mf_parse *p, yaml_node_t *item, struct container *c);
int mf_resolve_health(struct mf_parse *p, struct manifest *m);

/* manifest-secrets.c: the top-level secrets: key (TARGET is the manifest), a
 * container's secrets: (TARGET is the container), and, once all are read,
 * the checks across them (every name declared and received). */
int mf_secrets(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_container_secrets(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_resolve_secrets(struct mf_parse *p, struct manifest *m);

/* manifest-userns.c: a container's userns: key (TARGET is the container),
 * and, once every container is read, the ranges: auto ones given, overlaps
 * and what a user namespace cannot give refused. */
int mf_container_userns(struct mf_parse *p, yaml_node_t *v, void *target);
int mf_resolve_userns(struct mf_parse *p, struct manifest *m);
void mf_free_secrets(struct manifest *m);

/* manifest-signature.c: a container's signature: key (TARGET is the
 * container), and what it holds freed. */
int mf_container_signature(struct mf_parse *p, yaml_node_t *v, void *target);
void mf_free_signature(struct image_signature *s);

#endif
