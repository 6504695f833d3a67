/* The secure default OCI config, shared by the runtime's `spec` command and
 * the host builder (which compiles spec.c too). Needs jansson only. */
#ifndef BULKHEAD_SPEC_H
#define BULKHEAD_SPEC_H

#include <jansson.h>

/* A new config.json object (owned by the caller): no_new_privs, a few
 * capabilities, six namespaces, read-only root, Docker's masked and read-only
 * paths, Landlock read/exec beneath / and write beneath /tmp, and a seccomp
 * profile that refuses what reaches past the container's walls. */
json_t *bh_spec_default(void);

/* linux.resources.devices of the default: deny all, then the standard
 * nodes (a new array, owned by the caller). */
json_t *bh_spec_default_devices(void);

/* A JSON array of the N strings. */
json_t *bh_json_strings(const char *const *items, size_t n);

/* The OCI features document of this runtime (runtime side only). */
json_t *bh_features(void);

#endif
