/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The containers' networks: named bridges in the appliance, the containers
 * that join them, the ports the appliance publishes to them, and the
 * connections each container may open (allow: to another container,
 * egress: beyond the appliance):
 *
 *   networks:
 *     - name: front                 # the bridge is bh-front
 *     - name: back
 *       subnet: 10.89.7.0/24        # default 10.89.I.0/24, I its position
 *   services:
 *     - name: web
 *       networks: [front, back]     # eth0 on front, eth1 on back
 *       ports: ["80", "8443:443", "53/udp"]
 *       allow: [{to: db, ports: [5432]}]
 *       egress: [{to: 10.0.2.2/32, ports: [8000]}]
 *
 * Each key is read as its container is; mf_resolve_networks then makes
 * every decision that needs the whole manifest (names to indexes and
 * containers, addresses, interface names, MACs) and refuses at its
 * position whatever the init or the rule set would trip over at boot. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest-yaml.h"

/* The subnet QEMU's user network (bulkhead run's default) gives the
 * appliance's NIC: a network there could not be told from the uplink. */
#define QEMU_USER_SUBNET "10.0.2.0"
#define QEMU_USER_PREFIX 24

#define PORTS_FORM "APPLIANCE_PORT:CONTAINER_PORT[/tcp|/udp], such as \"80\", \"8443:443\" or \"53/udp\""

/* A static form of inet_ntoa for messages; two may be in use at once. */
static const char *ipv4_text(struct in_addr a, int slot)
{
	static char text[2][INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, text[slot & 1], INET_ADDRSTRLEN);
}

/* A node standing at a remembered position, for errors found after the walk. */
static yaml_node_t node_at(size_t line, size_t column)
{
	return (yaml_node_t){ .start_mark = { .line = line, .column = column } };
}

/* ---- ports and addresses ---- */

/* A port number: 1 to 65535 in decimal, no sign and no leading zero. LEN
 * characters of S. Returns the port or 0. */
static uint16_t port_number(const char *s, size_t len)
{
	unsigned long n = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	return n <= 65535 ? (uint16_t)n : 0;
}

/* "/tcp", "/udp" or nothing (tcp) at S; false for anything else. */
static bool read_proto(const char *s, uint8_t *proto)
{
	if (!*s || strcmp(s, "/tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(s, "/udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return false;
	return true;
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Why the port text S (LEN characters of it) is no port. */
static const char *port_problem(const char *s, size_t len)
{
	if (len > 1 && s[0] == '0' && strspn(s, "0123456789") >= len)
		return "is written with a leading zero; write the number alone";
	return "must be a number from 1 to 65535";
}

/* PORT[/tcp|/udp], for allow: and egress: (a plain integer too). */
static int read_port_proto(struct mf_parse *p, yaml_node_t *v, const char *key, struct port_proto *out)
{
	const char *s = mf_scalar(v);

	if (!s || !*s)
		return mf_fail(p, v, "%s: a port must be a number such as 5432, or \"53/udp\"", key);
	size_t len = strcspn(s, "/");
	if (!read_proto(s + len, &out->proto))
		return mf_fail(p, v, "%s: port \"%s\": the protocol after / must be tcp or udp", key, s);
	if (!(out->port = port_number(s, len)))
		return mf_fail(p, v, "%s: port \"%s\" %s", key, s, port_problem(s, len));
	return 0;
}

/* A.B.C.D/PREFIX (or A.B.C.D alone when BARE_PREFIX is not 0: that prefix)
 * into ADDRESS and PREFIX; WHAT names the value in messages. */
static int read_cidr(struct mf_parse *p, yaml_node_t *v, const char *what, unsigned bare_prefix,
		     struct in_addr *address, unsigned *prefix)
{
	const char *s = mf_scalar(v), *slash, *end;
	char host[INET_ADDRSTRLEN];
	uint64_t n = bare_prefix;

	if (!s || !*s)
		return mf_fail(p, v, "%s must be an IPv4 subnet such as 10.89.1.0/24", what);
	slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof(host) || (memcpy(host, s, len), host[len] = '\0', inet_pton(AF_INET, host, address) != 1))
		return mf_fail(p, v, "%s \"%s\": the part before / is not an IPv4 address (four numbers from 0 to 255)",
			       what, s);
	if (!slash && !bare_prefix)
		return mf_fail(p, v, "%s \"%s\" needs its prefix length, such as %s/24", what, s, s);
	/* No leading zero: /024 would read as /24 while inet_pton refuses 010. */
	if (slash && ((slash[1] == '0' && slash[2]) || !mf_parse_u64(slash + 1, &n, &end) || *end || n > 32))
		return mf_fail(p, v, "%s \"%s\": the prefix length after / must be a number from 0 to 32", what, s);
	*prefix = (unsigned)n;
	return 0;
}

/* A subnet's address has no bit set beyond its prefix: 10.89.1.5/24 is a
 * typo for 10.89.1.0/24 (or for an address, which a subnet is not). */
static int check_host_bits(struct mf_parse *p, yaml_node_t *v, const char *what, struct in_addr address,
			   unsigned prefix)
{
	uint32_t a = ntohl(address.s_addr), mask = interface_netmask(prefix);

	if (!(a & ~mask))
		return 0;
	struct in_addr net = { htonl(a & mask) };
	return mf_fail(p, v, "%s \"%s\" has host bits set; did you mean %s/%u?", what, mf_scalar(v), ipv4_text(net, 0),
		       prefix);
}

/* Whether A/PA and B/PB (host order) share an address. */
static bool subnets_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	uint32_t mask = interface_netmask(pa < pb ? pa : pb);

	return (a & mask) == (b & mask);
}

/* ---- networks: (the top level) ---- */

struct network_item {
	struct manifest_network *net;
	yaml_node_t *subnet;
};

static int n_name(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct network_item *item = t;
	const char *s = mf_scalar(v);
	size_t len = s ? strlen(s) : 0;

	if (!s || len < 1 || len > NETWORK_NAME_MAX || s[0] < 'a' || s[0] > 'z' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
		return mf_fail(p, v,
			       "network name%s%s%s must be 1 to %d lowercase letters, digits and dashes, starting with a "
			       "letter (its bridge, " NETWORK_BRIDGE_PREFIX "NAME, is an interface name of at most %d)",
			       s ? " \"" : "", s ? s : "", s ? "\"" : "", NETWORK_NAME_MAX, INTERFACE_NAME_MAX);
	item->net->line = v->start_mark.line;
	item->net->column = v->start_mark.column;
	return (item->net->name = strdup(s)) ? 0 : mf_fail(p, v, "out of memory");
}

static int n_subnet(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct network_item *item = t;
	struct manifest_network *net = item->net;

	item->subnet = v;
	if (read_cidr(p, v, "subnet", 0, &net->subnet, &net->prefix) < 0)
		return -1;
	const char *s = mf_scalar(v);
	if (net->prefix < 16 || net->prefix > 29)
		return mf_fail(p, v,
			       "subnet \"%s\": the prefix length must be from 16 to 29 (a /29 holds the gateway and 5 "
			       "containers, a /16 more than an appliance runs)",
			       s);
	if (check_host_bits(p, v, "subnet", net->subnet, net->prefix) < 0)
		return -1;
	uint32_t a = ntohl(net->subnet.s_addr);
	const char *why = a >> 24 == 0	 ? "0.0.0.0/8, which means \"this network\""
			  : a >> 24 == 127 ? "127.0.0.0/8, the loopback"
			  : a >> 28 == 14  ? "224.0.0.0/4, multicast"
			  : a >> 28 == 15  ? "240.0.0.0/4, reserved"
					   : NULL;
	if (why)
		return mf_fail(p, v, "subnet \"%s\" lies in %s, where no host has an address; use a private range such as 10.89.1.0/24",
			       s, why);
	return 0;
}

static const struct mf_key_handler network_keys[] = { { "name", n_name }, { "subnet", n_subnet } };

static int add_network(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct manifest *m = t;
	struct network_item item = { 0 };
	const char *seen[4];

	if (index >= NETWORKS_MAX)
		return mf_fail(p, v, "more than %d networks; an appliance declares no more (let containers share one)",
			       NETWORKS_MAX);
	struct manifest_network *grown = realloc(m->networks, (index + 1) * sizeof(*grown));
	if (!grown)
		return mf_fail(p, v, "out of memory");
	m->networks = grown;
	m->n_networks = index + 1;
	item.net = &grown[index];
	memset(item.net, 0, sizeof(*item.net));
	item.net->line = v->start_mark.line;
	item.net->column = v->start_mark.column;
	int n = mf_walk_mapping(p, v, "a network", network_keys, ARRAY_SIZE(network_keys), &item, seen, ARRAY_SIZE(seen));
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "name"))
		return mf_fail(p, v, "this network has no name; add name: SOMETHING (its bridge is " NETWORK_BRIDGE_PREFIX "NAME)");
	yaml_node_t name_at = node_at(item.net->line, item.net->column);
	for (size_t i = 0; i < index; i++)
		if (strcmp(m->networks[i].name, item.net->name) == 0)
			return mf_fail(p, &name_at, "network name \"%s\" is used twice (first at line %zu)", item.net->name,
				       m->networks[i].line + 1);
	if (!item.subnet) {
		item.net->subnet.s_addr = htonl(0x0a590000u | (uint32_t)index << 8); /* 10.89.INDEX.0 */
		item.net->prefix = 24;
	}
	uint32_t a = ntohl(item.net->subnet.s_addr);
	item.net->gateway.s_addr = htonl(a + 1);
	snprintf(item.net->bridge, sizeof(item.net->bridge), NETWORK_BRIDGE_PREFIX "%s", item.net->name);

	/* The subnets checked here: a default one points at its network. */
	yaml_node_t *at = item.subnet ? item.subnet : v;
	struct in_addr qemu;
	inet_pton(AF_INET, QEMU_USER_SUBNET, &qemu);
	if (subnets_overlap(a, item.net->prefix, ntohl(qemu.s_addr), QEMU_USER_PREFIX))
		return mf_fail(p, at,
			       "network \"%s\": subnet %s/%u overlaps " QEMU_USER_SUBNET "/%d, which QEMU's user network "
			       "(bulkhead run's default) gives the appliance's NIC; choose another, such as 10.89.%zu.0/24",
			       item.net->name, ipv4_text(item.net->subnet, 0), item.net->prefix, QEMU_USER_PREFIX, index);
	for (size_t i = 0; i < index; i++) {
		const struct manifest_network *other = &m->networks[i];
		if (subnets_overlap(a, item.net->prefix, ntohl(other->subnet.s_addr), other->prefix))
			return mf_fail(p, at,
				       "network \"%s\": subnet %s/%u%s overlaps network \"%s\"'s %s/%u (line %zu); give each "
				       "network a subnet of its own (subnet:)",
				       item.net->name, ipv4_text(item.net->subnet, 0), item.net->prefix,
				       item.subnet ? "" : " (the default for its position, 10.89.I.0/24)", other->name,
				       ipv4_text(other->subnet, 1), other->prefix, other->line + 1);
	}
	return 0;
}

int mf_networks(struct mf_parse *p, yaml_node_t *v, void *target)
{
	if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "networks must not be an empty list; leave the key out for containers without networks");
	return mf_each_item(p, v, "networks", add_network, target);
}

/* ---- a container's networks:, ports:, allow:, egress: ---- */

/* A link's network is known by name until every network is read: until
 * mf_resolve_networks, link.network holds the name's node in the document. */
static int add_link(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct container *c = t;
	const char *s = mf_scalar(v);

	if (!s || !*s)
		return mf_fail(p, v, "networks: each item is a network's name, such as front");
	if (index >= CONTAINER_LINKS_MAX)
		return mf_fail(p, v, "more than %d networks for one container; it joins no more", CONTAINER_LINKS_MAX);
	for (size_t i = 0; i < index; i++)
		if (strcmp(mf_scalar(yaml_document_get_node(&p->doc, (int)c->links[i].network)), s) == 0)
			return mf_fail(p, v, "network \"%s\" is joined twice; a container joins each network once", s);
	struct network_link *grown = realloc(c->links, (index + 1) * sizeof(*grown));
	if (!grown)
		return mf_fail(p, v, "out of memory");
	c->links = grown;
	c->n_links = index + 1;
	memset(&grown[index], 0, sizeof(grown[index]));
	grown[index].network = (size_t)(v - p->doc.nodes.start) + 1; /* the node's id */
	grown[index].line = v->start_mark.line;
	grown[index].column = v->start_mark.column;
	return 0;
}

int mf_container_networks(struct mf_parse *p, yaml_node_t *v, void *target)
{
	struct container *c = target;

	c->networks_line = v->start_mark.line;
	c->networks_column = v->start_mark.column;
	if (v->type != YAML_SEQUENCE_NODE)
		return mf_fail(p, v, "networks must be a list of network names, such as [front]");
	if (v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "networks must not be an empty list; leave it out for a container on no network");
	return mf_each_item(p, v, "networks", add_link, c);
}

/* "80", "8443:443", "53/udp", 80. */
static int add_publish(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct container *c = t;
	const char *s = mf_scalar(v);
	struct publish_port port = { .line = v->start_mark.line, .column = v->start_mark.column };

	if (!s || !*s)
		return mf_fail(p, v, "ports: each item is " PORTS_FORM);
	size_t len = strcspn(s, "/"), first = strcspn(s, ":/");
	if (!read_proto(s + len, &port.proto))
		return mf_fail(p, v, "port \"%s\": the protocol after / must be tcp or udp", s);
	if (!(port.appliance_port = port_number(s, first)))
		return mf_fail(p, v, "port \"%s\": the appliance's port %.*s %s", s, (int)first, s, port_problem(s, first));
	/* The appliance's DHCP client receives on UDP 68 (servers on 67): a
	 * forward of either would take its leases away. */
	if (port.proto == IPPROTO_UDP && (port.appliance_port == 67 || port.appliance_port == 68))
		return mf_fail(p, v, "port \"%s\": the appliance's UDP port %u is DHCP's, which the appliance's own "
			       "client uses; publish another appliance port (\"1068:%u/udp\")",
			       s, port.appliance_port, port.appliance_port);
	port.container_port = port.appliance_port;
	if (first < len && !(port.container_port = port_number(s + first + 1, len - first - 1)))
		return mf_fail(p, v, "port \"%s\": the container's port %.*s %s; write " PORTS_FORM, s,
			       (int)(len - first - 1), s + first + 1, port_problem(s + first + 1, len - first - 1));
	struct publish_port *grown = realloc(c->ports, (index + 1) * sizeof(*grown));
	if (!grown)
		return mf_fail(p, v, "out of memory");
	c->ports = grown;
	c->n_ports = index + 1;
	grown[index] = port;
	return 0;
}

int mf_container_ports(struct mf_parse *p, yaml_node_t *v, void *target)
{
	if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "ports must not be an empty list; leave it out to publish none");
	return mf_each_item(p, v, "ports", add_publish, target);
}

/* allow: and egress: take a list of PORT[/proto]. */
struct ports_ctx {
	struct port_proto **ports;
	size_t *n;
	const char *key;
};

static int add_port_proto(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct ports_ctx *ctx = t;
	struct port_proto port;

	if (read_port_proto(p, v, ctx->key, &port) < 0)
		return -1;
	for (size_t i = 0; i < index; i++)
		if ((*ctx->ports)[i].port == port.port && (*ctx->ports)[i].proto == port.proto)
			return mf_fail(p, v, "%s: port %s/%u is given twice", ctx->key, proto_name(port.proto), port.port);
	struct port_proto *grown = realloc(*ctx->ports, (index + 1) * sizeof(*grown));
	if (!grown)
		return mf_fail(p, v, "out of memory");
	*ctx->ports = grown;
	*ctx->n = index + 1;
	grown[index] = port;
	return 0;
}

static int read_ports(struct mf_parse *p, yaml_node_t *v, const char *key, struct port_proto **ports, size_t *n)
{
	struct ports_ctx ctx = { ports, n, key };

	if (v->type != YAML_SEQUENCE_NODE)
		return mf_fail(p, v, "%s: ports must be a list, such as [5432, \"53/udp\"]", key);
	if (v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "%s: ports must not be an empty list", key);
	return mf_each_item(p, v, key, add_port_proto, &ctx);
}

static int a_to(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct allow_rule *rule = t;

	rule->line = v->start_mark.line;
	rule->column = v->start_mark.column;
	return mf_read_name(p, v, "allow: to", &rule->to);
}

static int a_ports(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct allow_rule *rule = t;

	return read_ports(p, v, "allow", &rule->ports, &rule->n_ports);
}

static const struct mf_key_handler allow_keys[] = { { "to", a_to }, { "ports", a_ports } };

static int add_allow(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct container *c = t;
	const char *seen[4];
	struct allow_rule *grown = realloc(c->allow, (index + 1) * sizeof(*grown));

	if (!grown)
		return mf_fail(p, v, "out of memory");
	c->allow = grown;
	c->n_allow = index + 1;
	memset(&grown[index], 0, sizeof(grown[index]));
	grown[index].line = v->start_mark.line;
	grown[index].column = v->start_mark.column;
	int n = mf_walk_mapping(p, v, "an allow item", allow_keys, ARRAY_SIZE(allow_keys), &grown[index], seen,
				ARRAY_SIZE(seen));
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "to"))
		return mf_fail(p, v, "an allow item needs to: (the container this one may connect to)");
	if (!mf_has_key(seen, n, "ports"))
		return mf_fail(p, v, "allow to \"%s\" needs ports: (the ports it may connect to, such as [5432])",
			       grown[index].to);
	return 0;
}

int mf_container_allow(struct mf_parse *p, yaml_node_t *v, void *target)
{
	if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "allow must not be an empty list; leave it out to allow no connection");
	return mf_each_item(p, v, "allow", add_allow, target);
}

static int e_to(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct egress_rule *rule = t;

	rule->line = v->start_mark.line;
	rule->column = v->start_mark.column;
	if (read_cidr(p, v, "egress to", 32, &rule->address, &rule->prefix) < 0)
		return -1;
	return check_host_bits(p, v, "egress to", rule->address, rule->prefix);
}

static int e_ports(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct egress_rule *rule = t;

	return read_ports(p, v, "egress", &rule->ports, &rule->n_ports);
}

static const struct mf_key_handler egress_keys[] = { { "to", e_to }, { "ports", e_ports } };

static int add_egress(struct mf_parse *p, yaml_node_t *v, size_t index, void *t)
{
	struct container *c = t;
	const char *seen[4];
	struct egress_rule *grown = realloc(c->egress, (index + 1) * sizeof(*grown));

	if (!grown)
		return mf_fail(p, v, "out of memory");
	c->egress = grown;
	c->n_egress = index + 1;
	memset(&grown[index], 0, sizeof(grown[index]));
	grown[index].line = v->start_mark.line;
	grown[index].column = v->start_mark.column;
	int n = mf_walk_mapping(p, v, "an egress item", egress_keys, ARRAY_SIZE(egress_keys), &grown[index], seen,
				ARRAY_SIZE(seen));
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "to"))
		return mf_fail(p, v, "an egress item needs to: (a subnet such as 10.0.2.2/32, or 0.0.0.0/0 for anywhere)");
	return 0;
}

int mf_container_egress(struct mf_parse *p, yaml_node_t *v, void *target)
{
	if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.start == v->data.sequence.items.top)
		return mf_fail(p, v, "egress must not be an empty list; leave it out to allow none");
	return mf_each_item(p, v, "egress", add_egress, target);
}

/* ---- decisions once every container is read ---- */

/* Every container in the order the init meets them: onboot, services,
 * onshutdown. Its position there numbers its host-side interfaces. */
struct all_containers {
	struct container **list;
	size_t n;
};

static int gather(struct mf_parse *p, struct manifest *m, struct all_containers *all)
{
	struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	all->n = 0;
	all->list = calloc(counts[0] + counts[1] + counts[2] + 1, sizeof(*all->list));
	if (!all->list)
		return mf_fail(p, NULL, "out of memory");
	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			all->list[all->n++] = &lists[l][i];
	return 0;
}

/* The subnet: node of network INDEX in the document, or the network's
 * item when its subnet is the default. */
static yaml_node_t *subnet_node(struct mf_parse *p, size_t index)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc), *list = NULL, *item;

	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++)
		if (strcmp(mf_scalar(yaml_document_get_node(&p->doc, pair->key)), "networks") == 0)
			list = yaml_document_get_node(&p->doc, pair->value);
	item = yaml_document_get_node(&p->doc, list->data.sequence.items.start[index]);
	for (yaml_node_pair_t *pair = item->data.mapping.pairs.start; pair < item->data.mapping.pairs.top; pair++)
		if (strcmp(mf_scalar(yaml_document_get_node(&p->doc, pair->key)), "subnet") == 0)
			return yaml_document_get_node(&p->doc, pair->value);
	return item;
}

/* A network and a static interface on one subnet: the init could not tell
 * which link an address is on. */
static int check_interface_overlap(struct mf_parse *p, const struct manifest *m)
{
	for (size_t n = 0; n < m->n_networks; n++) {
		const struct manifest_network *net = &m->networks[n];
		for (size_t i = 0; i < m->n_interfaces; i++) {
			const struct manifest_interface *ifc = &m->interfaces[i];
			if (ifc->dhcp || !subnets_overlap(ntohl(net->subnet.s_addr), net->prefix, ntohl(ifc->address.s_addr),
							  ifc->prefix))
				continue;
			struct in_addr ifnet = { htonl(ntohl(ifc->address.s_addr) & interface_netmask(ifc->prefix)) };
			return mf_fail(p, subnet_node(p, n),
				       "network \"%s\": subnet %s/%u overlaps interface %s's %s/%u (line %zu); the appliance "
				       "could not tell which link an address is on: give the network another subnet",
				       net->name, ipv4_text(net->subnet, 0), net->prefix, ifc->name, ipv4_text(ifnet, 1),
				       ifc->prefix, ifc->line + 1);
		}
	}
	return 0;
}

/* Which keys need what: ports, allow and egress a network; ports and
 * egress a NIC to reach beyond the appliance. */
static int check_container_keys(struct mf_parse *p, const struct manifest *m, const struct container *c)
{
	yaml_node_t at = node_at(c->name_line, c->name_column);
	const char *key = c->n_ports ? "ports" : c->n_allow ? "allow" : c->n_egress ? "egress" : NULL;

	if (c->n_ports)
		at = node_at(c->ports[0].line, c->ports[0].column);
	else if (c->n_allow)
		at = node_at(c->allow[0].line, c->allow[0].column);
	else if (c->n_egress)
		at = node_at(c->egress[0].line, c->egress[0].column);
	if (c->host_network && c->n_links) {
		at = node_at(c->networks_line, c->networks_column);
		return mf_fail(p, &at,
			       "container \"%s\" has network: host and networks:; network: host shares the appliance's "
			       "own network, without the network wall: remove one of them",
			       c->name);
	}
	if (key && c->host_network)
		return mf_fail(p, &at,
			       "container \"%s\" has %s: and network: host; network: host shares the appliance's own "
			       "network, which no rule guards: remove network: host and join a network (networks: [NAME])",
			       c->name, key);
	if (key && !c->n_links)
		return mf_fail(p, &at,
			       "container \"%s\" has %s: but joins no network; add networks: [NAME] (and declare NAME in "
			       "the top-level networks:)",
			       c->name, key);
	if ((c->n_ports || c->n_egress) && !m->n_interfaces) {
		if (!c->n_ports)
			at = node_at(c->egress[0].line, c->egress[0].column);
		return mf_fail(p, &at,
			       "container \"%s\" has %s: but the appliance has no NIC; add interfaces: [{}] at the top "
			       "(eth0 by DHCP)",
			       c->name, c->n_ports ? "ports" : "egress");
	}
	return 0;
}

/* A link's network by name, its address from the network's next free
 * one, its interface names and MAC. NEXT_HOST: per network, the host
 * part the next container gets. */
static int resolve_links(struct mf_parse *p, struct manifest *m, struct container *c, size_t position,
			 uint32_t *next_host)
{
	const char *names[NETWORKS_MAX];

	for (size_t n = 0; n < m->n_networks; n++)
		names[n] = m->networks[n].name;
	for (size_t l = 0; l < c->n_links; l++) {
		struct network_link *link = &c->links[l];
		yaml_node_t *node = yaml_document_get_node(&p->doc, (int)link->network);
		const char *name = mf_scalar(node);
		size_t n = 0;

		while (n < m->n_networks && strcmp(m->networks[n].name, name) != 0)
			n++;
		if (n == m->n_networks) {
			const char *hint = mf_suggest(name, names, m->n_networks);
			if (hint)
				return mf_fail(p, node, "container \"%s\" joins network \"%s\", which is not declared; did you mean \"%s\"?",
					       c->name, name, hint);
			return mf_fail(p, node,
				       "container \"%s\" joins network \"%s\", which is not declared; add it to the top-level "
				       "networks: (- name: %s)",
				       c->name, name, name);
		}
		struct manifest_network *net = &m->networks[n];
		uint32_t hosts = ~interface_netmask(net->prefix) - 1; /* without the network and broadcast addresses */
		if (next_host[n] > hosts)
			return mf_fail(p, node,
				       "network \"%s\" is full: %s/%u holds the gateway and %u containers; give it a larger "
				       "subnet (a smaller prefix length)",
				       net->name, ipv4_text(net->subnet, 0), net->prefix, hosts - 1);
		net->joined = true;
		link->network = n;
		link->address.s_addr = htonl(ntohl(net->subnet.s_addr) + next_host[n]++);
		/* position < INIT_MAX_CONTAINERS and l < CONTAINER_LINKS_MAX (check_counts,
		 * add_link): the names fit; the casts tell the compiler so. */
		snprintf(link->name, sizeof(link->name), "eth%hu", (unsigned short)l);
		snprintf(link->host_name, sizeof(link->host_name), NETWORK_PORT_PREFIX "%hun%hu", (unsigned short)position, (unsigned short)l);
		link->mac[0] = 0x02;
		link->mac[1] = 0xb4;
		memcpy(link->mac + 2, &link->address.s_addr, 4); /* network order: the dotted bytes */
	}
	return 0;
}

static bool share_network(const struct container *a, const struct container *b)
{
	for (size_t i = 0; i < a->n_links; i++)
		for (size_t j = 0; j < b->n_links; j++)
			if (a->links[i].network == b->links[j].network)
				return true;
	return false;
}

/* A port both lists name, or NULL. */
static const struct port_proto *shared_port(const struct port_proto *a, size_t n_a, const struct port_proto *b,
					    size_t n_b)
{
	for (size_t i = 0; i < n_a; i++)
		for (size_t j = 0; j < n_b; j++)
			if (a[i].port == b[j].port && a[i].proto == b[j].proto)
				return &a[i];
	return NULL;
}

/* Each rule is counted under a name of its own (the rule set's counters):
 * two items of one container saying the same thing would name one counter
 * twice, and the kernel would refuse the whole rule set at boot. */
static int check_repeated_rules(struct mf_parse *p, const struct container *c)
{
	for (size_t r = 0; r < c->n_allow; r++)
		for (size_t q = 0; q < r; q++) {
			const struct allow_rule *rule = &c->allow[r], *first = &c->allow[q];
			const struct port_proto *port = shared_port(rule->ports, rule->n_ports, first->ports, first->n_ports);
			yaml_node_t at = node_at(rule->line, rule->column);
			if (strcmp(rule->to, first->to) == 0 && port)
				return mf_fail(p, &at, "allow to \"%s\" port %s/%u is given twice (first at line %zu); name each port once",
					       rule->to, proto_name(port->proto), port->port, first->line + 1);
		}
	for (size_t r = 0; r < c->n_egress; r++)
		for (size_t q = 0; q < r; q++) {
			const struct egress_rule *rule = &c->egress[r], *first = &c->egress[q];
			yaml_node_t at = node_at(rule->line, rule->column);
			if (rule->address.s_addr != first->address.s_addr || rule->prefix != first->prefix ||
			    (rule->n_ports && first->n_ports && !shared_port(rule->ports, rule->n_ports, first->ports, first->n_ports)) ||
			    !rule->n_ports != !first->n_ports)
				continue;
			return mf_fail(p, &at, "egress to %s/%u is given twice (first at line %zu)%s",
				       ipv4_text(rule->address, 0), rule->prefix, first->line + 1,
				       rule->n_ports ? " with a port in common; name each port once"
						     : ", both for every port; remove one");
		}
	return 0;
}

static int resolve_allow(struct mf_parse *p, const struct all_containers *all, struct container *c)
{
	for (size_t r = 0; r < c->n_allow; r++) {
		struct allow_rule *rule = &c->allow[r];
		yaml_node_t at = node_at(rule->line, rule->column);
		size_t k = 0;

		while (k < all->n && strcmp(all->list[k]->name, rule->to) != 0)
			k++;
		if (k == all->n) {
			const char **names = calloc(all->n + 1, sizeof(*names));
			if (!names)
				return mf_fail(p, &at, "out of memory");
			for (size_t i = 0; i < all->n; i++)
				names[i] = all->list[i]->name;
			const char *hint = mf_suggest(rule->to, names, all->n);
			int ret = hint ? mf_fail(p, &at, "allow to \"%s\": no container has this name; did you mean \"%s\"?",
						 rule->to, hint)
				       : mf_fail(p, &at, "allow to \"%s\": no container has this name; name a container of this appliance",
						 rule->to);
			free(names);
			return ret;
		}
		const struct container *target = all->list[k];
		if (target == c)
			return mf_fail(p, &at,
				       "container \"%s\" allows itself; a container reaches its own ports without a rule: "
				       "remove this item",
				       c->name);
		if (!share_network(c, target))
			return mf_fail(p, &at,
				       "allow to \"%s\": \"%s\" and \"%s\" share no network, so no packet could pass; add a "
				       "network both join to their networks:",
				       rule->to, c->name, rule->to);
		rule->target = target;
	}
	return 0;
}

/* One appliance port and protocol forwards to one container. */
static int check_published(struct mf_parse *p, const struct all_containers *all)
{
	for (size_t k = 0; k < all->n; k++)
		for (size_t i = 0; i < all->list[k]->n_ports; i++) {
			const struct publish_port *port = &all->list[k]->ports[i];
			for (size_t j = 0; j <= k; j++)
				for (size_t e = 0; e < (j == k ? i : all->list[j]->n_ports); e++) {
					const struct publish_port *first = &all->list[j]->ports[e];
					if (first->appliance_port != port->appliance_port || first->proto != port->proto)
						continue;
					yaml_node_t at = node_at(port->line, port->column);
					if (j == k)
						return mf_fail(p, &at,
							       "appliance port %s/%u is published twice by \"%s\" (first at line "
							       "%zu); publish each port once",
							       proto_name(port->proto), port->appliance_port, all->list[k]->name,
							       first->line + 1);
					return mf_fail(p, &at,
						       "appliance port %s/%u is published twice: by \"%s\" (line %zu) and by "
						       "\"%s\"; publish each port once (another appliance port can forward to "
						       "the same container port: \"8081:80\")",
						       proto_name(port->proto), port->appliance_port, all->list[j]->name,
						       first->line + 1, all->list[k]->name);
				}
		}
	return 0;
}

int mf_resolve_networks(struct mf_parse *p, struct manifest *m)
{
	struct all_containers all = { 0 };
	uint32_t next_host[NETWORKS_MAX];
	int r = gather(p, m, &all);

	for (size_t n = 0; n < NETWORKS_MAX; n++)
		next_host[n] = 2; /* .1 is the gateway */
	if (r == 0)
		r = check_interface_overlap(p, m);
	for (size_t k = 0; r == 0 && k < all.n; k++)
		r = check_container_keys(p, m, all.list[k]);
	for (size_t k = 0; r == 0 && k < all.n; k++)
		r = resolve_links(p, m, all.list[k], k, next_host);
	for (size_t k = 0; r == 0 && k < all.n; k++)
		r = resolve_allow(p, &all, all.list[k]) < 0 ? -1 : check_repeated_rules(p, all.list[k]);
	if (r == 0)
		r = check_published(p, &all);
	for (size_t n = 0; r == 0 && n < m->n_networks; n++)
		if (!m->networks[n].joined) {
			yaml_node_t at = node_at(m->networks[n].line, m->networks[n].column);
			r = mf_fail(p, &at,
				    "network \"%s\" is joined by no container; add it to a container's networks: or remove it",
				    m->networks[n].name);
		}
	free(all.list);
	return r;
}
