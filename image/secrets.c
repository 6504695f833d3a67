/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets, what the image says of them: names only. appliance.json's
 * AJ_SECRETS and AJ_SECRET_MOUNTS (who receives what), each receiver's
 * read-only bind of the tmpfs the init fills, and the modules that read
 * them at boot. The manifest's keys are read in manifest-secrets.c; what
 * bulkhead run and secrets-disk do with a secret's bytes is in
 * run-secrets.c. The build itself never reads a secret. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "image.h"

void secrets_appliance_json(const struct manifest *m, json_t *root)
{
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };
	json_t *decls = json_array(), *mounts = json_array();

	for (size_t i = 0; i < m->n_secrets; i++)
		json_array_append_new(decls, json_pack("{s:s, s:b}", AJ_SECRET_NAME, m->secrets[i].name,
						       AJ_SECRET_REQUIRED, m->secrets[i].required));
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct container *c = &lists[l][i];
			if (!c->n_secrets)
				continue;
			json_t *names = json_array();
			for (size_t r = 0; r < c->n_secrets; r++)
				json_array_append_new(names, json_string(c->secrets[r].name));
			json_array_append_new(mounts, json_pack("{s:s, s:o}", AJ_SMOUNT_CONTAINER, c->name,
								AJ_SMOUNT_SECRETS, names));
		}
	/* Absent: no secrets, as in an appliance built before the keys. */
	if (m->n_secrets) {
		json_object_set_new(root, AJ_SECRETS, decls);
		json_object_set_new(root, AJ_SECRET_MOUNTS, mounts);
	} else {
		json_decref(decls);
		json_decref(mounts);
	}
}

void secrets_bundle_mount(json_t *config, const struct container *c)
{
	char source[128];

	if (!c->n_secrets)
		return;
	/* The init's tmpfs for this container alone; read-only here, and
	 * nothing on it runs or is a device. */
	snprintf(source, sizeof(source), SECRETS_RUN_DIR "/%s", c->name);
	json_array_append_new(json_object_get(config, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination", SECRETS_MOUNT, "type",
					"bind", "source", source, "options", "bind", "ro", "nosuid", "nodev", "noexec"));
}

/* qemu_fw_cfg shows QEMU's fw_cfg files in sysfs; the rest reads the
 * labelled disk (a module wanted twice is carried once). */
static const char *const secrets_modules_list[] = { "qemu_fw_cfg",  "crc32c_generic", "virtio_pci",
						    "virtio_mmio", "virtio_blk",     "ext4" };

size_t secrets_modules(const struct manifest *m, const char **wanted)
{
	if (!m->n_secrets)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(secrets_modules_list); i++)
		wanted[i] = secrets_modules_list[i];
	return ARRAY_SIZE(secrets_modules_list);
}

