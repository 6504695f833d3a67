/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json: what the init needs to know beyond the bundles, decided
 * here. The writer of init/appliance.c's reader, mirrored: the same parts
 * in the same order, every key spelled once in init/contract.h, the whole
 * format in docs/appliance.md. The init refuses any key it does not know,
 * so a key added here is added to contract.h and to the reader first. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "image.h"

static json_t *string_array(char *const *v)
{
	json_t *array = json_array();
	for (; v && *v; v++)
		json_array_append_new(array, json_string(*v));
	return array;
}

void bundle_dir(const struct container *c, size_t index, char *out, size_t size)
{
	/* onboot and onshutdown run in order: the number keeps it visible. */
	if (strcmp(c->phase, AJ_SERVICES) != 0)
		snprintf(out, size, "containers/%s/%02zu-%s", c->phase, index, c->name);
	else
		snprintf(out, size, "containers/" AJ_SERVICES "/%s", c->name);
}

static json_t *ipv4_json(struct in_addr a);

/* A container's links, as the build decided them (manifest-networks.c). */
static json_t *links_json(const struct manifest *m, const struct container *c)
{
	json_t *list = json_array();

	for (size_t i = 0; i < c->n_links; i++) {
		const struct network_link *l = &c->links[i];
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l->mac[0], l->mac[1], l->mac[2], l->mac[3],
			 l->mac[4], l->mac[5]);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:s}", AJ_LINK_NETWORK,
						      m->networks[l->network].name, AJ_LINK_NAME, l->name, AJ_LINK_HOST,
						      l->host_name, AJ_LINK_ADDRESS, ipv4_json(l->address), AJ_LINK_MAC,
						      mac));
	}
	return list;
}

/* A service's health check: AJ_C_HEALTH's object (AJ_H_*). */
static json_t *health_json(const struct health_check *h)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", AJ_H_PROBE, health_probe_names[h->probe], AJ_H_INTERVAL_MS,
			      (json_int_t)h->interval_ms, AJ_H_TIMEOUT_MS, (json_int_t)h->timeout_ms,
			      AJ_H_START_PERIOD_MS, (json_int_t)h->start_period_ms, AJ_H_RETRIES, (json_int_t)h->retries,
			      AJ_H_ON_FAILURE, health_action_names[h->on_failure]);
	json_t *argv = json_array();

	if (!o || !argv) {
		json_decref(o);
		json_decref(argv);
		return NULL;
	}
	for (char **a = h->command; h->probe == HEALTH_PROBE_EXEC && a && *a; a++)
		json_array_append_new(argv, json_string(*a));
	if (h->probe == HEALTH_PROBE_EXEC)
		json_object_set_new(o, AJ_H_COMMAND, argv);
	else
		json_decref(argv);
	if (h->probe != HEALTH_PROBE_EXEC)
		json_object_set_new(o, AJ_H_PORT, json_integer(h->port));
	if (h->probe == HEALTH_PROBE_HTTP)
		json_object_set_new(o, AJ_H_PATH, json_string(h->path));
	return o;
}

/* One container of a phase: every key, defaults written out, so that the
 * init's defaults never decide for a manifest. */
static json_t *spec_json(const struct manifest *m, const struct container *c, size_t index, uint64_t default_grace_ms)
{
	char bundle[256];
	json_t *spec;

	bundle_dir(c, index, bundle, sizeof(bundle));
	spec = json_pack("{s:s, s:s+, s:s, s:I, s:o, s:I}", AJ_C_NAME, c->name, AJ_C_BUNDLE, "/", bundle, AJ_C_RESTART,
			 restart_policy_names[c->restart], AJ_C_MAX_RESTARTS, (json_int_t)c->max_restarts,
			 AJ_C_DEPENDS_ON, string_array(c->depends_on), AJ_C_STOP_GRACE_MS,
			 (json_int_t)(c->stop_grace_ms ? c->stop_grace_ms : default_grace_ms));
	/* Absent: no network of its own beyond lo, as before the key. */
	if (spec && c->n_links)
		json_object_set_new(spec, AJ_C_LINKS, links_json(m, c));
	if (spec && c->depends_healthy)
		json_object_set_new(spec, AJ_C_DEPENDS_ON_HEALTHY, string_array(c->depends_healthy));
	if (spec && c->health.given == HEALTH_GIVEN)
		json_object_set_new(spec, AJ_C_HEALTH, health_json(&c->health));
	/* Absent: no user namespace (userns: off). */
	if (spec && c->userns.size) {
		json_object_set_new(spec, AJ_C_USERNS_BASE, json_integer(c->userns.base));
		json_object_set_new(spec, AJ_C_USERNS_SIZE, json_integer(c->userns.size));
	}
	/* Absent: its own rootfs, or an earlier one's (userns: off). */
	if (spec && c->shared_image)
		json_object_set_new(spec, AJ_C_SHARED_IMAGE, json_integer((json_int_t)c->shared_image - 1));
	/* Absent: none, as before the key. */
	if (spec && c->on_exit != ON_EXIT_NONE)
		json_object_set_new(spec, AJ_C_ON_EXIT, json_string(on_exit_names[c->on_exit]));
	return spec;
}

static json_t *phase_json(const struct manifest *m, const struct container *list, size_t n, uint64_t default_grace_ms)
{
	json_t *array = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(array, spec_json(m, &list[i], i, default_grace_ms));
	return array;
}

/* Each disk with the directories its volumes bind, which the init makes
 * after mounting (a disk from an earlier build lacks new ones). */
static json_t *disks_json(const struct manifest *m)
{
	json_t *disks = json_array();
	const struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (size_t d = 0; d < m->n_disks; d++) {
		json_t *dirs = json_array(), *owners = json_array();
		for (int l = 0; l < 3; l++)
			for (size_t i = 0; i < counts[l]; i++)
				for (size_t v = 0; v < lists[l][i].n_volumes; v++) {
					const struct container *c = &lists[l][i];
					if (strcmp(c->volumes[v].disk, m->disks[d].label) != 0)
						continue;
					json_array_append_new(dirs, json_string(c->volumes[v].sub));
					/* Its writer's root owns it (userns: off: the VM's root,
					 * moved back if it was another's); a reader changes nothing. */
					bool writes = !c->volumes[v].readonly;
					json_int_t size = !writes ? 0 : c->userns.size ? c->userns.size : USERNS_SIZE;
					json_int_t base = writes ? c->userns.base : 0;
					json_array_append_new(owners, json_pack("[I, I]", base, size));
				}
		json_array_append_new(disks, json_pack("{s:s, s:o, s:o}", AJ_DISK_LABEL, m->disks[d].label, AJ_DISK_DIRS,
						       dirs, AJ_DISK_DIR_OWNERS, owners));
	}
	return disks;
}

static json_t *ipv4_json(struct in_addr a)
{
	char text[INET_ADDRSTRLEN];

	return json_string(inet_ntop(AF_INET, &a, text, sizeof(text)));
}

/* Each interface as docs/appliance.md shows it: dhcp true, or address and
 * prefix (and gateway when there is one); dns when there is some. */
static json_t *interfaces_json(const struct manifest *m)
{
	json_t *list = json_array();

	for (size_t i = 0; i < m->n_interfaces; i++) {
		const struct manifest_interface *ifc = &m->interfaces[i];
		json_t *obj = json_pack("{s:s}", AJ_IF_NAME, ifc->name);

		if (ifc->dhcp) {
			json_object_set_new(obj, AJ_IF_DHCP, json_true());
		} else {
			json_object_set_new(obj, AJ_IF_ADDRESS, ipv4_json(ifc->address));
			json_object_set_new(obj, AJ_IF_PREFIX, json_integer(ifc->prefix));
			if (ifc->gateway.s_addr)
				json_object_set_new(obj, AJ_IF_GATEWAY, ipv4_json(ifc->gateway));
		}
		if (ifc->n_dns) {
			json_t *dns = json_array();
			for (size_t d = 0; d < ifc->n_dns; d++)
				json_array_append_new(dns, ipv4_json(ifc->dns[d]));
			json_object_set_new(obj, AJ_IF_DNS, dns);
		}
		json_array_append_new(list, obj);
	}
	return list;
}

/* Each network's bridge and the gateway's address on it. */
static json_t *networks_json(const struct manifest *m)
{
	json_t *list = json_array();

	for (size_t i = 0; i < m->n_networks; i++) {
		const struct manifest_network *n = &m->networks[i];
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:i}", AJ_NET_NAME, n->name, AJ_NET_BRIDGE,
						      n->bridge, AJ_NET_ADDRESS, ipv4_json(n->gateway), AJ_NET_PREFIX,
						      (int)n->prefix));
	}
	return list;
}

char *appliance_json(const struct manifest *m, char *const *modules, const char *const *options, size_t background)
{
	json_t *root = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", AJ_NAME, m->name, AJ_HOSTNAME, m->hostname,
				 AJ_ONBOOT_FAILURE, m->onboot_continue ? AJ_ONBOOT_CONTINUE : AJ_ONBOOT_HALT, AJ_MODULES,
				 string_array(modules), AJ_DISKS, disks_json(m), AJ_ONBOOT,
				 phase_json(m, m->onboot, m->n_onboot, m->stop_grace_ms), AJ_SERVICES,
				 phase_json(m, m->services, m->n_services, m->stop_grace_ms), AJ_ONSHUTDOWN,
				 phase_json(m, m->onshutdown, m->n_onshutdown, m->stop_grace_ms));
	json_t *by_path = json_object();
	bool lost = !by_path;
	for (size_t i = 0; by_path && options && modules && modules[i]; i++)
		if (options[i])
			lost |= json_object_set_new(by_path, modules[i], json_string(options[i])) < 0;
	/* Absent: no module takes parameters. */
	if (root && by_path && json_object_size(by_path))
		lost |= json_object_set(root, AJ_MODULE_OPTIONS, by_path) < 0;
	json_decref(by_path);
	/* A module loaded without its parameters is not what was built. */
	if (lost) {
		json_decref(root);
		return NULL;
	}
	/* Absent: every module loads before the containers start. */
	if (root && background)
		json_object_set_new(root, AJ_MODULES_IN_BACKGROUND, json_integer((json_int_t)background));
	/* Absent: the first failure decides. */
	if (root && m->exit_status_from)
		json_object_set_new(root, AJ_EXIT_STATUS_FROM, json_string(m->exit_status_from));
	/* Absent: no NIC is configured, as in an appliance built before the key. */
	if (root && m->n_interfaces)
		json_object_set_new(root, AJ_INTERFACES, interfaces_json(m));
	/* Absent: no container joins a network. */
	if (root && m->n_networks)
		json_object_set_new(root, AJ_NETWORKS, networks_json(m));
	if (root)
		secrets_appliance_json(m, root);
	/* Compact, as the bundles' config.json (bundle.c): the init parses it
	 * at boot, one character at a time. */
	char *text = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	return text;
}
