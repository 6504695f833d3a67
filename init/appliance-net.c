/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json's network parts: the NICs (interfaces), the containers'
 * networks, and each container's links to them, read as strictly as the
 * rest of the file (appliance.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "appliance-json.h"

static const char *const network_keys[] = { AJ_NET_NAME, AJ_NET_BRIDGE, AJ_NET_ADDRESS, AJ_NET_PREFIX };
static const char *const link_keys[] = { AJ_LINK_NETWORK, AJ_LINK_NAME, AJ_LINK_HOST, AJ_LINK_ADDRESS, AJ_LINK_MAC };
static const char *const interface_keys[] = {
	AJ_IF_NAME, AJ_IF_DHCP, AJ_IF_ADDRESS, AJ_IF_PREFIX, AJ_IF_GATEWAY, AJ_IF_DNS,
};

_Static_assert(sizeof(((struct interface_spec *)0)->name) > INTERFACE_NAME_MAX, "an interface name fits");
_Static_assert(ARRAY_SIZE(((struct interface_spec *)0)->dns) == INTERFACE_MAX_DNS, "the dns servers fit");

/* OBJ's KEY (at PATH), an IPv4 address in dotted text, into *OUT; *PRESENT
 * says whether it was there. */
static int ipv4_member(json_t *obj, const char *path, const char *key, struct in_addr *out, bool *present,
		       struct bh_err *err)
{
	json_t *v;
	int r = aj_member(obj, path, key, JSON_STRING, &v, err);

	*present = v != NULL;
	if (r < 0 || !v)
		return r;
	if (inet_pton(AF_INET, json_string_value(v), out) != 1)
		return bh_fail(err, -EINVAL, "%s: %s.%s is not an IPv4 address", APPLIANCE_JSON, path, key);
	return 0;
}

/* A static address: address and prefix both, a gateway (if any) another
 * address of the same subnet. */
static int load_static(json_t *obj, const char *path, struct interface_spec *ifc, struct bh_err *err)
{
	bool has_address, has_gateway;
	json_int_t prefix;
	int r;

	if ((r = ipv4_member(obj, path, AJ_IF_ADDRESS, &ifc->address, &has_address, err)) < 0 ||
	    (r = aj_integer_member(obj, path, AJ_IF_PREFIX, 1, 32, 0, &prefix, err)) < 0 ||
	    (r = ipv4_member(obj, path, AJ_IF_GATEWAY, &ifc->gateway, &has_gateway, err)) < 0)
		return r;
	if (!has_address || !prefix)
		return bh_fail(err, -EINVAL, "%s: %s needs dhcp true, or an address and a prefix", APPLIANCE_JSON, path);
	ifc->prefix = (unsigned)prefix;
	uint32_t mask = interface_netmask(ifc->prefix), a = ntohl(ifc->address.s_addr), g = ntohl(ifc->gateway.s_addr);
	if (has_gateway && (g == 0 || g == a || (g & mask) != (a & mask)))
		return bh_fail(err, -EINVAL, "%s: %s.gateway is not another address of the interface's subnet",
			       APPLIANCE_JSON, path);
	return 0;
}

static int load_interface(json_t *obj, const char *path, struct interface_spec *ifc, struct bh_err *err)
{
	json_t *v, *item;
	int r;
	size_t i;

	if (!json_is_object(obj))
		return bh_fail(err, -EINVAL, "%s: %s must be an object", APPLIANCE_JSON, path);
	if ((r = aj_known_keys(obj, path, interface_keys, ARRAY_SIZE(interface_keys), err)) < 0 ||
	    (r = aj_member(obj, path, AJ_IF_NAME, JSON_STRING, &v, err)) < 0)
		return r;
	if (!v || !interface_name_valid(json_string_value(v)))
		return bh_fail(err, -EINVAL, "%s: %s needs a name of 1 to %d lowercase letters and digits, not lo",
			       APPLIANCE_JSON, path, INTERFACE_NAME_MAX);
	strcpy(ifc->name, json_string_value(v)); /* its length is checked above */
	v = json_object_get(obj, AJ_IF_DHCP);
	if (v && !json_is_boolean(v))
		return bh_fail(err, -EINVAL, "%s: %s." AJ_IF_DHCP " must be true or false", APPLIANCE_JSON, path);
	ifc->dhcp = json_is_true(v);
	if (ifc->dhcp && (json_object_get(obj, AJ_IF_ADDRESS) || json_object_get(obj, AJ_IF_PREFIX) ||
			  json_object_get(obj, AJ_IF_GATEWAY)))
		return bh_fail(err, -EINVAL, "%s: %s: dhcp excludes address, prefix and gateway", APPLIANCE_JSON, path);
	if (!ifc->dhcp && (r = load_static(obj, path, ifc, err)) < 0)
		return r;
	if ((r = aj_member(obj, path, AJ_IF_DNS, JSON_ARRAY, &v, err)) < 0 || !v)
		return r;
	if (json_array_size(v) > INTERFACE_MAX_DNS)
		return bh_fail(err, -EINVAL, "%s: %s.dns holds %zu servers; at most %d", APPLIANCE_JSON, path,
			       json_array_size(v), INTERFACE_MAX_DNS);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) || inet_pton(AF_INET, json_string_value(item), &ifc->dns[i]) != 1)
			return bh_fail(err, -EINVAL, "%s: %s.dns[%zu] is not an IPv4 address", APPLIANCE_JSON, path, i);
		ifc->n_dns = i + 1;
	}
	return 0;
}

int appliance_load_interfaces(json_t *root, struct appliance *a, struct bh_err *err)
{
	json_t *list, *obj;
	size_t i;
	int r;

	if ((r = aj_member(root, "", AJ_INTERFACES, JSON_ARRAY, &list, err)) < 0 || !list)
		return r;
	if (json_array_size(list) > INTERFACES_MAX)
		return bh_fail(err, -EINVAL, "%s: %zu interfaces; the init configures %d at most", APPLIANCE_JSON,
			       json_array_size(list), INTERFACES_MAX);
	if (!(a->interfaces = calloc(json_array_size(list) + 1, sizeof(*a->interfaces))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, obj) {
		char path[64];

		a->n_interfaces = i + 1;
		snprintf(path, sizeof(path), AJ_INTERFACES "[%zu]", i);
		if ((r = load_interface(obj, path, &a->interfaces[i], err)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->interfaces[j].name, a->interfaces[i].name) == 0)
				return bh_fail(err, -EINVAL, "%s: %s.name %s is also interfaces[%zu]'s", APPLIANCE_JSON,
					       path, a->interfaces[i].name, j);
	}
	return 0;
}

/* A network's or link's name: 1 to MAX of ALLOWED, so that it fits an
 * interface name and is plain text. */
static int name_member(json_t *obj, const char *path, const char *key, const char *allowed, size_t max, char *out,
		       struct bh_err *err)
{
	json_t *v;
	int r = aj_member(obj, path, key, JSON_STRING, &v, err);
	const char *s = v ? json_string_value(v) : "";

	if (r < 0)
		return r;
	if (!*s || strlen(s) > max || strspn(s, allowed) != strlen(s))
		return bh_fail(err, -EINVAL, "%s: %s.%s must be 1 to %zu lowercase letters%s", APPLIANCE_JSON, path,
			       key, max, strchr(allowed, '-') ? ", digits or dashes" : " or digits");
	strcpy(out, s);
	return 0;
}

static const char network_name_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";

static int load_network(json_t *obj, const char *path, struct network_spec *net, struct bh_err *err)
{
	json_int_t prefix;
	bool present;
	int r;

	if (!json_is_object(obj))
		return bh_fail(err, -EINVAL, "%s: %s must be an object", APPLIANCE_JSON, path);
	if ((r = aj_known_keys(obj, path, network_keys, ARRAY_SIZE(network_keys), err)) < 0 ||
	    (r = name_member(obj, path, AJ_NET_NAME, network_name_chars, NETWORK_NAME_MAX, net->name, err)) < 0 ||
	    (r = name_member(obj, path, AJ_NET_BRIDGE, network_name_chars, INTERFACE_NAME_MAX, net->bridge, err)) < 0 ||
	    (r = ipv4_member(obj, path, AJ_NET_ADDRESS, &net->address, &present, err)) < 0 ||
	    (r = aj_integer_member(obj, path, AJ_NET_PREFIX, 16, 29, 0, &prefix, err)) < 0)
		return r;
	/* The bridge's name is decided by the network's: nothing else of the
	 * init's namespace can be named by this file. */
	if (strncmp(net->bridge, NETWORK_BRIDGE_PREFIX, strlen(NETWORK_BRIDGE_PREFIX)) != 0 ||
	    strcmp(net->bridge + strlen(NETWORK_BRIDGE_PREFIX), net->name) != 0)
		return bh_fail(err, -EINVAL, "%s: %s.bridge must be " NETWORK_BRIDGE_PREFIX "%s", APPLIANCE_JSON, path,
			       net->name);
	if (!present || !prefix)
		return bh_fail(err, -EINVAL, "%s: %s needs an address and a prefix", APPLIANCE_JSON, path);
	net->prefix = (unsigned)prefix;
	return 0;
}

int appliance_load_networks(json_t *root, struct appliance *a, struct bh_err *err)
{
	json_t *list, *obj;
	size_t i;
	int r;

	if ((r = aj_member(root, "", AJ_NETWORKS, JSON_ARRAY, &list, err)) < 0 || !list)
		return r;
	if (json_array_size(list) > NETWORKS_MAX)
		return bh_fail(err, -EINVAL, "%s: %zu networks; at most %d", APPLIANCE_JSON, json_array_size(list),
			       NETWORKS_MAX);
	if (!(a->networks = calloc(json_array_size(list) + 1, sizeof(*a->networks))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, obj) {
		char path[64];

		a->n_networks = i + 1;
		snprintf(path, sizeof(path), AJ_NETWORKS "[%zu]", i);
		if ((r = load_network(obj, path, &a->networks[i], err)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(a->networks[j].name, a->networks[i].name) == 0)
				return bh_fail(err, -EINVAL, "%s: %s.name %s is also networks[%zu]'s", APPLIANCE_JSON,
					       path, a->networks[i].name, j);
	}
	return 0;
}

static int load_link(json_t *obj, const char *path, const struct appliance *a, struct link_spec *link,
		     struct bh_err *err)
{
	char network[INTERFACE_NAME_MAX + 1];
	json_t *mac;
	bool present;
	int r;

	if (!json_is_object(obj))
		return bh_fail(err, -EINVAL, "%s: %s must be an object", APPLIANCE_JSON, path);
	if ((r = aj_known_keys(obj, path, link_keys, ARRAY_SIZE(link_keys), err)) < 0 ||
	    (r = name_member(obj, path, AJ_LINK_NETWORK, network_name_chars, NETWORK_NAME_MAX, network, err)) < 0 ||
	    (r = name_member(obj, path, AJ_LINK_NAME, "abcdefghijklmnopqrstuvwxyz0123456789", INTERFACE_NAME_MAX,
			     link->name, err)) < 0 ||
	    (r = name_member(obj, path, AJ_LINK_HOST, "abcdefghijklmnopqrstuvwxyz0123456789", INTERFACE_NAME_MAX,
			     link->host, err)) < 0 ||
	    (r = ipv4_member(obj, path, AJ_LINK_ADDRESS, &link->address, &present, err)) < 0 ||
	    (r = aj_member(obj, path, AJ_LINK_MAC, JSON_STRING, &mac, err)) < 0)
		return r;
	if (strncmp(link->host, NETWORK_PORT_PREFIX, strlen(NETWORK_PORT_PREFIX)) != 0)
		return bh_fail(err, -EINVAL, "%s: %s.host must start with " NETWORK_PORT_PREFIX, APPLIANCE_JSON, path);
	link->network = 0;
	while (link->network < a->n_networks && strcmp(a->networks[link->network].name, network) != 0)
		link->network++;
	if (link->network == a->n_networks)
		return bh_fail(err, -EINVAL, "%s: %s.network %s is not in networks", APPLIANCE_JSON, path, network);
	const struct network_spec *net = &a->networks[link->network];
	uint32_t mask = interface_netmask(net->prefix), addr = ntohl(link->address.s_addr),
		 gateway = ntohl(net->address.s_addr);
	if (!present || addr == gateway || (addr & mask) != (gateway & mask) || (addr & ~mask) == 0 ||
	    (addr & ~mask) == ~mask)
		return bh_fail(err, -EINVAL, "%s: %s.address is not a host of %s's subnet other than its gateway",
			       APPLIANCE_JSON, path, network);
	unsigned m[6];
	char end;
	if (!mac || sscanf(json_string_value(mac), "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
			   &m[5], &end) != 6 || (m[0] & 1))
		return bh_fail(err, -EINVAL, "%s: %s.mac is not a unicast MAC address (02:b4:0a:59:00:02)",
			       APPLIANCE_JSON, path);
	for (int i = 0; i < 6; i++)
		link->mac[i] = (uint8_t)m[i];
	return 0;
}

/* A container's links: each on a known network, each host name once in
 * the whole appliance (checked by the init when it makes them). */
int appliance_load_links(json_t *item, const char *path, const struct appliance *a, struct container_spec *spec,
		      struct bh_err *err)
{
	json_t *list, *obj;
	size_t i;
	int r;

	if ((r = aj_member(item, path, AJ_C_LINKS, JSON_ARRAY, &list, err)) < 0 || !list || !json_array_size(list))
		return r;
	if (json_array_size(list) > CONTAINER_LINKS_MAX)
		return bh_fail(err, -EINVAL, "%s: %s.links holds %zu; at most %d", APPLIANCE_JSON, path,
			       json_array_size(list), CONTAINER_LINKS_MAX);
	if (!(spec->links = calloc(json_array_size(list), sizeof(*spec->links))))
		return bh_fail(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, obj) {
		char at[96];

		spec->n_links = i + 1;
		snprintf(at, sizeof(at), "%s.links[%zu]", path, i);
		if ((r = load_link(obj, at, a, &spec->links[i], err)) < 0)
			return r;
	}
	return 0;
}
