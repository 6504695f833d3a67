/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The containers' firewall, decided at build time: the manifest's networks,
 * ports, allow and egress turned into one nftables batch (image/nft.c) that
 * the init loads at boot (init/nft.c). docs/networks.md is the operator's
 * view of the same rule set; the order of everything here is stable, so
 * that one manifest always gives the same bytes.
 *
 * Table NET_TABLE in family ip: DNAT for ports, masquerade for egress, and
 * a forward chain that drops what no rule allows (every container's
 * traffic is routed by the appliance: bridge ports are isolated). Table
 * NET_TABLE in family bridge: a container's frames must carry its own MAC
 * and IPv4 address, and be IPv4 or ARP. Every accept or drop that an
 * operator may want to see counts in a named counter (`ctl net`). */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "nft.h"

#define FAMILY_IP NFPROTO_IPV4
#define FAMILY_BRIDGE NFPROTO_BRIDGE
#define IPV4_SADDR 12 /* offsets in the IPv4 header */
#define IPV4_DADDR 16
#define ARP_SHA 8     /* offsets in an Ethernet/IPv4 ARP packet */
#define ARP_SPA 14
#define ETHER_SADDR 6 /* offsets in the Ethernet header */
#define ETHER_TYPE 12

typedef char counter_name[NFT_OBJ_MAXNAMELEN];

/* The appliance-wide counters. A colon no container name has keeps them
 * apart from every "NAME ..." counter. */
#define OUTSIDE_REFUSED "outside: refused"          /* forward: from a NIC to no published port */
#define OUTSIDE_SPOOFED "outside: spoofed"          /* from a NIC with a container network's source */
#define PORT_BYPASS_REFUSED "bridge ports: refused" /* received on a container's veth itself */
#define APPLIANCE_REFUSED "appliance: refused"      /* the appliance's own namespace to a container */
#define L2_REFUSED "bridge ports: forward refused"  /* bridge: port to port */

struct rules {
	struct nft_batch b;
	const struct manifest *m;
	char **declared; /* the ip table's counters so far: one object per name */
	size_t n_declared;
	struct diag *d;
	bool failed;     /* d says why */
};

static size_t container_count(const struct manifest *m)
{
	return m->n_onboot + m->n_services + m->n_onshutdown;
}

/* The containers in the order the builder numbers them: onboot, services,
 * onshutdown. */
static const struct container *container_at(const struct manifest *m, size_t i)
{
	if (i < m->n_onboot)
		return &m->onboot[i];
	i -= m->n_onboot;
	if (i < m->n_services)
		return &m->services[i];
	return &m->onshutdown[i - m->n_services];
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static const char *ntoa(struct in_addr address, char *buf)
{
	return inet_ntop(AF_INET, &address, buf, INET_ADDRSTRLEN);
}

/* A counter's name, formatted: false (and the rules failed) when it is
 * longer than nftables takes. */
__attribute__((format(printf, 3, 4))) static bool name_counter(struct rules *r, counter_name name,
							       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(name, sizeof(counter_name), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(counter_name))
		return true;
	if (!r->failed)
		diag_fail(r->d, "network rules: the counter name \"%.40s...\" is longer than nftables allows (%zu bytes)",
			  name, sizeof(counter_name) - 1);
	r->failed = true;
	return false;
}

static bool allow_name(struct rules *r, counter_name name, const struct container *from, const struct container *to,
		       const struct port_proto *p)
{
	return name_counter(r, name, "%s -> %s %s/%u accepted", from->name, to->name, proto_name(p->proto), p->port);
}

static bool publish_name(struct rules *r, counter_name name, const struct container *c, const struct publish_port *p)
{
	return name_counter(r, name, "publish %s/%u -> %s:%u accepted", proto_name(p->proto), p->appliance_port,
			    c->name, p->container_port);
}

static bool egress_name(struct rules *r, counter_name name, const struct container *c, const struct egress_rule *e,
			const struct port_proto *p)
{
	char address[INET_ADDRSTRLEN];

	if (!p)
		return name_counter(r, name, "%s egress %s/%u accepted", c->name, ntoa(e->address, address), e->prefix);
	return name_counter(r, name, "%s egress %s/%u %s/%u accepted", c->name, ntoa(e->address, address), e->prefix,
			    proto_name(p->proto), p->port);
}

/* The container that allow rule A names: resolved by the manifest's
 * reader, else looked up here by name. */
static const struct container *allow_target(struct rules *r, const struct container *from, const struct allow_rule *a)
{
	if (a->target)
		return a->target;
	for (size_t i = 0; i < container_count(r->m); i++)
		if (a->to && strcmp(container_at(r->m, i)->name, a->to) == 0)
			return container_at(r->m, i);
	if (!r->failed)
		diag_fail(r->d, "%s:%zu:%zu: container %s: allow names %s, which is no container", r->m->path, a->line,
			  a->column, from->name, a->to ? a->to : "nothing");
	r->failed = true;
	return NULL;
}

/* Declares counter NAME in the ip table once, however many rules count
 * in it (two allow entries may name the same port). */
static void ip_counter(struct rules *r, const char *name)
{
	for (size_t i = 0; i < r->n_declared; i++)
		if (strcmp(r->declared[i], name) == 0)
			return;
	char **grown = realloc(r->declared, (r->n_declared + 1) * sizeof(*grown));
	char *copy = strdup(name);
	if (grown)
		r->declared = grown;
	if (!grown || !copy) {
		free(copy);
		if (!r->failed)
			diag_fail(r->d, "network rules: out of memory");
		r->failed = true;
		return;
	}
	r->declared[r->n_declared++] = copy;
	nft_counter(&r->b, FAMILY_IP, NET_TABLE, name);
}

/* Per container, in order: what it publishes, may open, may send out, and
 * what it was refused; then what came from outside and was refused. */
static void ip_counters(struct rules *r)
{
	counter_name name;

	for (size_t i = 0; i < container_count(r->m); i++) {
		const struct container *c = container_at(r->m, i);
		if (!c->n_links)
			continue;
		for (size_t p = 0; p < c->n_ports; p++)
			if (publish_name(r, name, c, &c->ports[p]))
				ip_counter(r, name);
		for (size_t a = 0; a < c->n_allow; a++) {
			const struct container *to = allow_target(r, c, &c->allow[a]);
			for (size_t p = 0; to && p < c->allow[a].n_ports; p++)
				if (allow_name(r, name, c, to, &c->allow[a].ports[p]))
					ip_counter(r, name);
		}
		for (size_t e = 0; e < c->n_egress; e++) {
			const struct egress_rule *rule = &c->egress[e];
			for (size_t p = 0; p < (rule->n_ports ? rule->n_ports : 1); p++)
				if (egress_name(r, name, c, rule, rule->n_ports ? &rule->ports[p] : NULL))
					ip_counter(r, name);
		}
		if (name_counter(r, name, "%s refused", c->name))
			ip_counter(r, name);
	}
	ip_counter(r, OUTSIDE_REFUSED);
	ip_counter(r, OUTSIDE_SPOOFED);
	ip_counter(r, PORT_BYPASS_REFUSED);
	ip_counter(r, APPLIANCE_REFUSED);
}

static void match_bridges_prefix(struct rules *r, uint32_t key, uint32_t op)
{
	nft_match_ifname_prefix(&r->b, key, op, NETWORK_BRIDGE_PREFIX);
}

static void match_l4proto(struct rules *r, uint8_t proto)
{
	nft_meta_load(&r->b, NFT_META_L4PROTO, NFT_REG_1);
	nft_cmp(&r->b, NFT_CMP_EQ, NFT_REG_1, &proto, sizeof(proto));
}

/* prerouting: per published port and per interface of the appliance,
 * `iifname IF meta l4proto P th dport AP counter "publish..." dnat to C:CP`. */
static void ip_prerouting(struct rules *r, const struct container *c)
{
	counter_name name;

	for (size_t p = 0; p < c->n_ports; p++) {
		const struct publish_port *port = &c->ports[p];
		uint16_t to_port = htons(port->container_port);
		if (!publish_name(r, name, c, port))
			return;
		for (size_t i = 0; i < r->m->n_interfaces; i++) {
			nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "prerouting");
			nft_match_ifname(&r->b, NFT_META_IIFNAME, NFT_CMP_EQ, r->m->interfaces[i].name);
			nft_match_l4_dport(&r->b, port->proto, port->appliance_port);
			nft_objref_counter(&r->b, name);
			nft_immediate(&r->b, NFT_REG_1, &c->links[0].address, sizeof(c->links[0].address));
			nft_immediate(&r->b, NFT_REG_2, &to_port, sizeof(to_port));
			nft_dnat(&r->b, NFT_REG_1, NFT_REG_2);
			nft_rule_end(&r->b);
		}
	}
}

/* postrouting: what a container with egress sends beyond the appliance
 * leaves with the appliance's address. */
static void ip_postrouting(struct rules *r, const struct container *c)
{
	if (!c->n_egress)
		return;
	for (size_t l = 0; l < c->n_links; l++) {
		nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "postrouting");
		nft_match_ipv4(&r->b, IPV4_SADDR, NFT_CMP_EQ, c->links[l].address, 32);
		match_bridges_prefix(r, NFT_META_OIFNAME, NFT_CMP_NEQ);
		nft_masq(&r->b);
		nft_rule_end(&r->b);
	}
}

static void ct_state_new(struct rules *r)
{
	nft_match_ct_bits(&r->b, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_NEW));
}

static void counted_verdict(struct rules *r, const char *counter, uint32_t verdict)
{
	nft_objref_counter(&r->b, counter);
	nft_verdict(&r->b, verdict);
	nft_rule_end(&r->b);
}

/* forward, allow: on every network FROM and TO share, per port, a new
 * connection from FROM's address to TO's. */
static void forward_allow(struct rules *r, const struct container *from, const struct allow_rule *a)
{
	const struct container *to = allow_target(r, from, a);
	counter_name name;

	for (size_t lf = 0; to && lf < from->n_links; lf++)
		for (size_t lt = 0; lt < to->n_links; lt++) {
			const struct network_link *src = &from->links[lf], *dst = &to->links[lt];
			if (src->network != dst->network)
				continue;
			const char *bridge = r->m->networks[src->network].bridge;
			for (size_t p = 0; p < a->n_ports; p++) {
				if (!allow_name(r, name, from, to, &a->ports[p]))
					return;
				nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "forward");
				nft_match_ifname(&r->b, NFT_META_IIFNAME, NFT_CMP_EQ, bridge);
				nft_match_ifname(&r->b, NFT_META_OIFNAME, NFT_CMP_EQ, bridge);
				nft_match_ipv4(&r->b, IPV4_SADDR, NFT_CMP_EQ, src->address, 32);
				nft_match_ipv4(&r->b, IPV4_DADDR, NFT_CMP_EQ, dst->address, 32);
				nft_match_l4_dport(&r->b, a->ports[p].proto, a->ports[p].port);
				ct_state_new(r);
				counted_verdict(r, name, NF_ACCEPT);
			}
		}
}

/* forward, ports: what prerouting translated may reach the container's port. */
static void forward_published(struct rules *r, const struct container *c)
{
	for (size_t p = 0; p < c->n_ports; p++) {
		nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "forward");
		nft_match_ct_bits(&r->b, NFT_CT_STATUS, IPS_DST_NAT);
		nft_match_ipv4(&r->b, IPV4_DADDR, NFT_CMP_EQ, c->links[0].address, 32);
		nft_match_l4_dport(&r->b, c->ports[p].proto, c->ports[p].container_port);
		nft_verdict(&r->b, NF_ACCEPT);
		nft_rule_end(&r->b);
	}
}

/* forward, egress: a new connection from any of the container's addresses
 * out of the appliance (not to a bridge) to the rule's CIDR; without ports,
 * any TCP or UDP port. */
static void forward_egress(struct rules *r, const struct container *c, const struct egress_rule *e)
{
	static const uint8_t any_port_protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	size_t n = e->n_ports ? e->n_ports : ARRAY_SIZE(any_port_protos);
	counter_name name;

	for (size_t l = 0; l < c->n_links; l++)
		for (size_t p = 0; p < n; p++) {
			if (!egress_name(r, name, c, e, e->n_ports ? &e->ports[p] : NULL))
				return;
			nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "forward");
			nft_match_ipv4(&r->b, IPV4_SADDR, NFT_CMP_EQ, c->links[l].address, 32);
			match_bridges_prefix(r, NFT_META_OIFNAME, NFT_CMP_NEQ);
			nft_match_ipv4(&r->b, IPV4_DADDR, NFT_CMP_EQ, e->address, e->prefix);
			if (e->n_ports)
				nft_match_l4_dport(&r->b, e->ports[p].proto, e->ports[p].port);
			else
				match_l4proto(r, any_port_protos[p]);
			ct_state_new(r);
			counted_verdict(r, name, NF_ACCEPT);
		}
}

/* A drop counted as CONTAINER's refusal, for each of its addresses; in
 * input, only what comes from a bridge. */
static void refused(struct rules *r, const struct container *c, const char *chain, bool from_bridges)
{
	counter_name name;

	if (!name_counter(r, name, "%s refused", c->name))
		return;
	for (size_t l = 0; l < c->n_links; l++) {
		nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, chain);
		if (from_bridges)
			match_bridges_prefix(r, NFT_META_IIFNAME, NFT_CMP_EQ);
		nft_match_ipv4(&r->b, IPV4_SADDR, NFT_CMP_EQ, c->links[l].address, 32);
		counted_verdict(r, name, NF_DROP);
	}
}

static void established(struct rules *r, const char *chain, bool from_bridges)
{
	nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, chain);
	if (from_bridges)
		match_bridges_prefix(r, NFT_META_IIFNAME, NFT_CMP_EQ);
	nft_match_ct_bits(&r->b, NFT_CT_STATE,
			  NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
	nft_verdict(&r->b, NF_ACCEPT);
	nft_rule_end(&r->b);
}

/* spoofing, before NAT: a packet the appliance's namespace receives on a
 * container's veth itself (a frame to a link-local MAC, which the bridge
 * passes up without its hooks) is refused whatever it carries; and one
 * from a NIC (not a bridge, not lo) whose source is in a container network
 * is forged. */
static void ip_spoofing(struct rules *r)
{
	nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "spoofing");
	nft_match_ifname_prefix(&r->b, NFT_META_IIFNAME, NFT_CMP_EQ, NETWORK_PORT_PREFIX);
	counted_verdict(r, PORT_BYPASS_REFUSED, NF_DROP);
	for (size_t n = 0; n < r->m->n_networks; n++) {
		const struct manifest_network *net = &r->m->networks[n];
		nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "spoofing");
		match_bridges_prefix(r, NFT_META_IIFNAME, NFT_CMP_NEQ);
		nft_match_ifname(&r->b, NFT_META_IIFNAME, NFT_CMP_NEQ, "lo");
		nft_match_ipv4(&r->b, IPV4_SADDR, NFT_CMP_EQ, net->subnet, net->prefix);
		counted_verdict(r, OUTSIDE_SPOOFED, NF_DROP);
	}
}

/* The statement that follows runs for every container on a network, in
 * order, with C pointing at it. */
#define for_each_linked(r, c)                                                                     \
	for (size_t i_ = 0; i_ < container_count((r)->m); i_++)                                    \
		for (const struct container *c = container_at((r)->m, i_); c; c = NULL)          \
			if (c->n_links)

static void ip_table(struct rules *r)
{
	static const struct {
		const char *name;
		struct nft_base_chain base;
	} chains[] = {
		{ "spoofing", { NF_INET_PRE_ROUTING, NF_IP_PRI_MANGLE, "filter", NF_ACCEPT } },
		{ "prerouting", { NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST, "nat", NF_ACCEPT } },
		{ "postrouting", { NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC, "nat", NF_ACCEPT } },
		{ "forward", { NF_INET_FORWARD, NF_IP_PRI_FILTER, "filter", NF_DROP } },
		{ "input", { NF_INET_LOCAL_IN, NF_IP_PRI_FILTER, "filter", NF_ACCEPT } },
		{ "output", { NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER, "filter", NF_ACCEPT } },
	};

	nft_table(&r->b, FAMILY_IP, NET_TABLE);
	ip_counters(r);
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
		nft_chain(&r->b, FAMILY_IP, NET_TABLE, chains[i].name, &chains[i].base);

	ip_spoofing(r);
	for_each_linked(r, c) ip_prerouting(r, c);
	for_each_linked(r, c) ip_postrouting(r, c);

	established(r, "forward", false);
	for_each_linked(r, c) for (size_t a = 0; a < c->n_allow; a++) forward_allow(r, c, &c->allow[a]);
	for_each_linked(r, c) forward_published(r, c);
	for_each_linked(r, c) for (size_t e = 0; e < c->n_egress; e++) forward_egress(r, c, &c->egress[e]);
	for_each_linked(r, c) refused(r, c, "forward", false);
	nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "forward");
	counted_verdict(r, OUTSIDE_REFUSED, NF_DROP);

	established(r, "input", true);
	for_each_linked(r, c) refused(r, c, "input", true);
	nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "input");
	match_bridges_prefix(r, NFT_META_IIFNAME, NFT_CMP_EQ);
	nft_verdict(&r->b, NF_DROP);
	nft_rule_end(&r->b);

	/* The appliance's own namespace (the init, network: host containers)
	 * answers containers but opens nothing to them: the walls hold
	 * against it too. */
	nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "output");
	match_bridges_prefix(r, NFT_META_OIFNAME, NFT_CMP_EQ);
	nft_match_ct_bits(&r->b, NFT_CT_STATE,
			  NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
	nft_verdict(&r->b, NF_ACCEPT);
	nft_rule_end(&r->b);
	nft_rule_begin(&r->b, FAMILY_IP, NET_TABLE, "output");
	match_bridges_prefix(r, NFT_META_OIFNAME, NFT_CMP_EQ);
	counted_verdict(r, APPLIANCE_REFUSED, NF_DROP);
}

/* A rule of the bridge's prerouting for frames that come in on HOST. */
static void bridge_rule(struct rules *r, const struct network_link *l)
{
	nft_rule_begin(&r->b, FAMILY_BRIDGE, NET_TABLE, "prerouting");
	nft_match_ifname(&r->b, NFT_META_IIFNAME, NFT_CMP_EQ, l->host_name);
}

static void match_ether_type(struct rules *r, uint32_t op, uint16_t type)
{
	uint16_t type_be = htons(type);

	nft_match_payload(&r->b, NFT_PAYLOAD_LL_HEADER, ETHER_TYPE, op, &type_be, sizeof(type_be));
}

/* What a container's veth may bring onto its bridge: frames from its own
 * MAC, ARP and IPv4 from its own address; nothing else. */
static void bridge_link(struct rules *r, const struct network_link *l, const char *spoofed, const char *non_ipv4)
{
	bridge_rule(r, l);
	nft_match_payload(&r->b, NFT_PAYLOAD_LL_HEADER, ETHER_SADDR, NFT_CMP_NEQ, l->mac, sizeof(l->mac));
	counted_verdict(r, spoofed, NF_DROP);

	bridge_rule(r, l);
	match_ether_type(r, NFT_CMP_EQ, ETH_P_ARP);
	nft_match_payload(&r->b, NFT_PAYLOAD_NETWORK_HEADER, ARP_SPA, NFT_CMP_NEQ, &l->address, sizeof(l->address));
	counted_verdict(r, spoofed, NF_DROP);

	bridge_rule(r, l);
	match_ether_type(r, NFT_CMP_EQ, ETH_P_ARP);
	nft_match_payload(&r->b, NFT_PAYLOAD_NETWORK_HEADER, ARP_SHA, NFT_CMP_NEQ, l->mac, sizeof(l->mac));
	counted_verdict(r, spoofed, NF_DROP);

	bridge_rule(r, l);
	match_ether_type(r, NFT_CMP_EQ, ETH_P_IP);
	nft_match_ipv4(&r->b, IPV4_SADDR, NFT_CMP_NEQ, l->address, 32);
	counted_verdict(r, spoofed, NF_DROP);

	bridge_rule(r, l);
	match_ether_type(r, NFT_CMP_NEQ, ETH_P_IP);
	match_ether_type(r, NFT_CMP_NEQ, ETH_P_ARP);
	counted_verdict(r, non_ipv4, NF_DROP);
}

static void bridge_table(struct rules *r)
{
	static const struct nft_base_chain prerouting = { NF_BR_PRE_ROUTING, NF_BR_PRI_FILTER_BRIDGED, "filter",
							  NF_ACCEPT };
	/* At -200 too, not 0: a kernel with br_netfilter hooks the bridge's
	 * forward at 0 and resumes only the hooks after its own priority. */
	static const struct nft_base_chain forward = { NF_BR_FORWARD, NF_BR_PRI_FILTER_BRIDGED, "filter", NF_DROP };
	counter_name spoofed, non_ipv4;

	nft_table(&r->b, FAMILY_BRIDGE, NET_TABLE);
	for_each_linked(r, c) {
		if (!name_counter(r, spoofed, "%s spoofed", c->name) ||
		    !name_counter(r, non_ipv4, "%s non-ipv4 refused", c->name))
			return;
		nft_counter(&r->b, FAMILY_BRIDGE, NET_TABLE, spoofed);
		nft_counter(&r->b, FAMILY_BRIDGE, NET_TABLE, non_ipv4);
	}
	nft_counter(&r->b, FAMILY_BRIDGE, NET_TABLE, L2_REFUSED);
	nft_chain(&r->b, FAMILY_BRIDGE, NET_TABLE, "prerouting", &prerouting);
	nft_chain(&r->b, FAMILY_BRIDGE, NET_TABLE, "forward", &forward);

	for_each_linked(r, c) {
		if (!name_counter(r, spoofed, "%s spoofed", c->name) ||
		    !name_counter(r, non_ipv4, "%s non-ipv4 refused", c->name))
			return;
		for (size_t l = 0; l < c->n_links; l++)
			bridge_link(r, &c->links[l], spoofed, non_ipv4);
	}
	/* Bridge ports are isolated: a frame from port to port is refused
	 * and counted, should one ever reach this hook. */
	nft_rule_begin(&r->b, FAMILY_BRIDGE, NET_TABLE, "forward");
	counted_verdict(r, L2_REFUSED, NF_DROP);
}

int net_rules_encode(const struct manifest *m, void **out, size_t *len, struct diag *d)
{
	struct rules r = { .m = m, .d = d };

	nft_batch_init(&r.b);
	nft_batch_begin(&r.b);
	ip_table(&r);
	bridge_table(&r);
	nft_batch_end(&r.b);
	for (size_t i = 0; i < r.n_declared; i++)
		free(r.declared[i]);
	free(r.declared);
	if (!r.failed && nft_batch_failed(&r.b))
		r.failed = diag_fail(d, "network rules: out of memory encoding the nftables batch") < 0;
	if (r.failed) {
		nft_batch_free(&r.b);
		return -1;
	}
	*out = r.b.data;
	*len = r.b.len;
	return 0;
}
