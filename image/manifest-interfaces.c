/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The appliance's interfaces: the NICs the init configures, each by DHCPv4
 * or with a static address:
 *
 *   interfaces:
 *     - {}                          # eth0, DHCP
 *     - name: eth1
 *       address: 10.0.2.20/24       # "dhcp" (the default) or IPv4/PREFIX
 *       gateway: 10.0.2.2           # static only, in the address's subnet
 *       dns: [10.0.2.3]             # up to 3
 *
 * Everything the init would trip over later (a gateway it cannot reach, a
 * host address that is the subnet's own, a name the kernel refuses) is an
 * error here, at its position. The limits are contract.h's. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest-yaml.h"

/* One item while it is read: the nodes the checks after the walk point at. */
struct interface_item {
	struct manifest_interface *ifc;
	yaml_node_t *name, *address, *gateway;
};

/* Dotted IPv4 in network byte order: four decimal numbers 0 to 255,
 * nothing else (inet_pton: no leading zeros, no short forms). */
static bool parse_ipv4(const char *s, struct in_addr *out)
{
	return s && inet_pton(AF_INET, s, out) == 1;
}

/* A static form of inet_ntoa for messages; two may be in use at once. */
static const char *ipv4_text(struct in_addr a, int slot)
{
	static char text[2][INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, text[slot & 1], INET_ADDRSTRLEN);
}

/* Why A (host order) cannot be a host's or a server's address, or NULL. */
static const char *unusable_address(uint32_t a)
{
	if (a >> 24 == 0)
		return "is in 0.0.0.0/8, which means \"this network\", not a host";
	if (a >> 24 == 127)
		return "is a loopback address (127.0.0.0/8), which never leaves the appliance";
	if (a >> 28 == 14)
		return "is a multicast address (224.0.0.0/4), not a host";
	if (a >> 28 == 15)
		return "is in 240.0.0.0/4, reserved, not a host";
	return NULL;
}

static int i_name(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct interface_item *item = t;
	const char *s = mf_scalar(v);

	item->name = v;
	if (!s || !*s)
		return mf_fail(p, v, "an interface's name must be a string, such as eth0");
	if (strcmp(s, "lo") == 0)
		return mf_fail(p, v, "interface name \"lo\" is the loopback, which the init brings up itself; name a NIC (eth0)");
	/* The rule set tells the containers' bridge ports by this prefix and
	 * refuses what comes in through them: a NIC named so would be cut off. */
	if (strncmp(s, NETWORK_PORT_PREFIX, strlen(NETWORK_PORT_PREFIX)) == 0)
		return mf_fail(p, v, "interface name \"%s\" begins with \"" NETWORK_PORT_PREFIX "\", which names the "
			       "containers' network ports; name the NIC otherwise (eth0)", s);
	if (!interface_name_valid(s))
		return mf_fail(p, v, "interface name \"%s\" must be 1 to %d lowercase letters and digits, such as eth0", s,
			       INTERFACE_NAME_MAX);
	strcpy(item->ifc->name, s); /* its length is checked above */
	return 0;
}

static int i_address(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct interface_item *item = t;
	struct manifest_interface *ifc = item->ifc;
	const char *s = mf_scalar(v), *end;
	char host[32];
	uint64_t prefix;

	item->address = v;
	if (s && strcmp(s, "dhcp") == 0) {
		ifc->dhcp = true;
		return 0;
	}
	if (!s || !*s)
		return mf_fail(p, v, "address must be dhcp or an IPv4 address with its prefix length, such as 10.0.2.20/24");
	const char *slash = strchr(s, '/');
	if (!slash)
		return mf_fail(p, v, "address \"%s\" needs its prefix length, such as %s/24 (or write dhcp)", s, s);
	if ((size_t)(slash - s) >= sizeof(host))
		return mf_fail(p, v, "address \"%s\": the part before / is not an IPv4 address (such as 10.0.2.20)", s);
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	if (!parse_ipv4(host, &ifc->address))
		return mf_fail(p, v, "address \"%s\": %s is not an IPv4 address (four numbers 0 to 255, such as 10.0.2.20)",
			       s, host);
	/* No leading zero: 10.0.0.1/024 would read as /24 while inet_pton
	 * refuses 010.0.0.1; one rule for both parts. */
	if (slash[1] == '0' || !mf_parse_u64(slash + 1, &prefix, &end) || *end || prefix < 1 || prefix > 32)
		return mf_fail(p, v, "address \"%s\": the prefix length after / must be a number from 1 to 32", s);
	ifc->prefix = (unsigned)prefix;
	ifc->dhcp = false;

	uint32_t a = ntohl(ifc->address.s_addr), mask = interface_netmask(ifc->prefix);
	const char *why = unusable_address(a);
	if (why)
		return mf_fail(p, v, "address \"%s\": %s %s", s, host, why);
	/* /31 (point to point) and /32 have no network or broadcast address. */
	if (ifc->prefix <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask)) {
		struct in_addr first = { htonl((a & mask) + 1) }, last = { htonl((a | ~mask) - 1) };
		return mf_fail(p, v, "address \"%s\" is the %s address of its subnet; give the interface one from %s to %s", s,
			       (a & ~mask) == 0 ? "network" : "broadcast", ipv4_text(first, 0), ipv4_text(last, 1));
	}
	return 0;
}

static int i_gateway(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct interface_item *item = t;
	const char *s = mf_scalar(v);

	item->gateway = v;
	if (!parse_ipv4(s, &item->ifc->gateway))
		return mf_fail(p, v, "gateway%s%s%s must be an IPv4 address, such as 10.0.2.2", s ? " \"" : "", s ? s : "",
			       s ? "\"" : "");
	/* s_addr 0 means "no gateway" to the init. */
	if (!item->ifc->gateway.s_addr)
		return mf_fail(p, v, "gateway 0.0.0.0 is no router's address; leave gateway out for none");
	return 0;
}

static int add_dns(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct manifest_interface *ifc = ((struct interface_item *)t)->ifc;
	const char *s = mf_scalar(v);
	struct in_addr a;

	if (index >= INTERFACE_MAX_DNS)
		return mf_fail(p, v, "more than %d dns servers; the resolver reads no more than %d", INTERFACE_MAX_DNS,
			       INTERFACE_MAX_DNS);
	if (!parse_ipv4(s, &a))
		return mf_fail(p, v, "dns%s%s%s must be an IPv4 address, such as 10.0.2.3 (a server's address, not its name)",
			       s ? " \"" : "", s ? s : "", s ? "\"" : "");
	uint32_t h = ntohl(a.s_addr);
	if (h >> 24 == 0 || h >> 28 >= 14)
		return mf_fail(p, v, "dns %s is no server's address (it is %s)", s,
			       h >> 24 == 0 ? "in 0.0.0.0/8" : "multicast or reserved");
	for (size_t i = 0; i < ifc->n_dns; i++)
		if (ifc->dns[i].s_addr == a.s_addr)
			return mf_fail(p, v, "dns %s is given twice", s);
	ifc->dns[ifc->n_dns++] = a;
	return 0;
}

static int i_dns(struct mf_parse *p, yaml_node_t *v, void *t)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return mf_fail(p, v, "dns must be a list of IPv4 addresses, such as [10.0.2.3]");
	if (v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "dns must not be an empty list; leave it out for none");
	return mf_each_item(p, v, "dns", add_dns, t);
}

static const struct mf_key_handler interface_keys[] = {
	{ "name", i_name }, { "address", i_address }, { "gateway", i_gateway }, { "dns", i_dns },
};

/* What needs the whole item: dhcp by default, the gateway against the
 * address. */
static int check_item(struct mf_parse *p, struct interface_item *item)
{
	struct manifest_interface *ifc = item->ifc;

	if (!item->address)
		ifc->dhcp = true;
	if (!item->gateway)
		return 0;
	if (ifc->dhcp)
		return mf_fail(p, item->gateway,
			       "gateway is for a static address; %s the DHCP server gives the gateway (remove it, or "
			       "give address: such as 10.0.2.20/24)",
			       item->address ? "with address: dhcp," : "without address: the interface uses dhcp, and");
	uint32_t a = ntohl(ifc->address.s_addr), g = ntohl(ifc->gateway.s_addr), mask = interface_netmask(ifc->prefix);
	struct in_addr net = { htonl(a & mask) };
	if (g == a)
		return mf_fail(p, item->gateway, "gateway %s is the interface's own address; give the router's",
			       ipv4_text(ifc->gateway, 0));
	if ((g & mask) != (a & mask))
		return mf_fail(p, item->gateway,
			       "gateway %s is outside %s/%u, the subnet of the address; the gateway must be on the "
			       "interface's own link",
			       ipv4_text(ifc->gateway, 0), ipv4_text(net, 1), ifc->prefix);
	if (ifc->prefix <= 30 && ((g & ~mask) == 0 || (g & ~mask) == ~mask))
		return mf_fail(p, item->gateway, "gateway %s is the %s address of %s/%u, not a router's",
			       ipv4_text(ifc->gateway, 0), (g & ~mask) == 0 ? "network" : "broadcast", ipv4_text(net, 1),
			       ifc->prefix);
	return 0;
}

static int add_interface(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct manifest *m = t;
	struct interface_item item = { 0 };
	const char *seen[8];

	if (index >= INTERFACES_MAX)
		return mf_fail(p, v, "more than %d interfaces; the init configures no more", INTERFACES_MAX);
	struct manifest_interface *grown = realloc(m->interfaces, (index + 1) * sizeof(*grown));
	if (!grown)
		return mf_fail(p, v, "out of memory");
	m->interfaces = grown;
	m->n_interfaces = index + 1;
	item.ifc = &grown[index];
	memset(item.ifc, 0, sizeof(*item.ifc));
	item.ifc->line = v->start_mark.line;
	item.ifc->column = v->start_mark.column;
	if (mf_walk_mapping(p, v, "an interface", interface_keys, ARRAY_SIZE(interface_keys), &item, seen,
			    ARRAY_SIZE(seen)) < 0 ||
	    check_item(p, &item) < 0)
		return -1;
	/* The default is by position, so that adding a name to one never
	 * renames another. */
	if (!item.name)
		snprintf(item.ifc->name, sizeof(item.ifc->name), "eth%zu", index);
	for (size_t i = 0; i < index; i++)
		if (strcmp(m->interfaces[i].name, item.ifc->name) == 0)
			return mf_fail(p, item.name ? item.name : v,
				       "interface name \"%s\" is used twice (first at line %zu)%s", item.ifc->name,
				       m->interfaces[i].line + 1,
				       item.name ? "" : "; this one has it by default (eth0, eth1, ... by position): give it name:");
	return 0;
}

int mf_interfaces(struct mf_parse *p, yaml_node_t *v, void *target)
{
	if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "interfaces must not be an empty list; leave the key out for an appliance without a network");
	return mf_each_item(p, v, "interfaces", add_interface, target);
}
