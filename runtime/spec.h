/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The secure default OCI config, shared by the runtime's `spec` command and
 * the host builder (which compiles spec.c too). Needs jansson only. */
#ifndef BULKHEAD_SPEC_H
#define BULKHEAD_SPEC_H

#include <jansson.h>
#include <stdbool.h>

/* A new config.json object (owned by the caller): no_new_privs, a few
 * capabilities, six namespaces, read-only root, Docker's masked and read-only
 * paths, /tmp noexec, Landlock read/exec beneath / and write (never
 * execute) beneath /tmp, and bh_spec_seccomp()'s profile. */
json_t *bh_spec_default(void);

/* The namespaces a container has, as CLONE_NEW* flags: new ones of the
 * default's types (pid, network, ipc, uts, mount, cgroup), less the network
 * namespace when it shares the appliance's (network: host). */
int bh_spec_namespace_flags(bool host_network);
/* CONFIG's linux.namespaces: a new namespace for each of FLAGS (from
 * bh_spec_namespace_flags), in the default's order. */
void bh_spec_namespaces(json_t *config, int flags);

/* The default's linux.seccomp (spec-seccomp.c): Docker's default
 * allow-list for x86_64, tighter where README.md says. A new object. */
json_t *bh_spec_seccomp(void);

/* CONFIG's path rights, the one definition for `spec` and `bulkhead build`:
 * process.landlock with READ (read beneath), EXEC (read and execute
 * beneath) and WRITE (create, write and remove beneath, never execute),
 * /dev's device files writable, and /tmp's mount noexec unless an EXEC path
 * is /tmp or lies beneath it. NULL or empty lists grant nothing. The
 * runtime keeps execute granted on an ancestor out of a WRITE path (W^X,
 * see landlock.c). The default is READ none, EXEC /, WRITE /tmp. */
void bh_spec_paths(json_t *config, char *const *read, char *const *exec, char *const *write);

/* The item of LIST that PATH is, or lies beneath (both absolute); NULL. */
const char *bh_spec_path_within(const char *path, char *const *list);

/* One more WRITE rule in CONFIG's process.landlock (a writable volume). */
void bh_spec_add_write_rule(json_t *config, char *const *paths);

/* linux.resources.devices of the default: deny all, then the standard
 * nodes (a new array, owned by the caller). */
json_t *bh_spec_default_devices(void);

/* A JSON array of the N strings. */
json_t *bh_json_strings(const char *const *items, size_t n);

/* The OCI features document of this runtime (runtime side only). */
json_t *bh_features(void);

#endif
