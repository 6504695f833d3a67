/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manifest's networks as the builder decides them: a manifest is
 * written to a file, read by manifest_load, and the structures the rule
 * set and the init's links are made from are checked field by field
 * (subnets, gateways, bridges, addresses in declaration order, interface
 * names, MACs, ports, allow targets, egress). The refusals are
 * tests/manifests/bad's; this is what a valid manifest gives. A host
 * program: the parser links Debian's libyaml. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../image/image.h"
#include "tap.h"

static const char full[] = "name: net\n"
			   "interfaces: [{}]\n"
			   "networks:\n"
			   "  - name: front\n"
			   "  - name: back\n"
			   "    subnet: 10.89.7.0/24\n"
			   "  - name: small\n"
			   "    subnet: 172.30.0.8/29\n"
			   "onboot:\n"
			   "  - name: setup\n"
			   "    image: busybox\n"
			   "    command: [/bin/true]\n"
			   "    networks: [back]\n"
			   "services:\n"
			   "  - name: web\n"
			   "    image: busybox\n"
			   "    command: [/bin/true]\n"
			   "    networks: [front, back]\n"
			   "    ports: [\"80\", \"8443:443\", \"53/udp\", 8080, \"5353:53/udp\"]\n"
			   "    allow:\n"
			   "      - to: db\n"
			   "        ports: [5432, \"53/udp\"]\n"
			   "    egress:\n"
			   "      - to: 10.0.2.2\n"
			   "        ports: [8000]\n"
			   "      - to: 0.0.0.0/0\n"
			   "  - name: lonely\n"
			   "    image: busybox\n"
			   "    command: [/bin/true]\n"
			   "  - name: db\n"
			   "    image: busybox\n"
			   "    command: [/bin/true]\n"
			   "    networks: [back, small]\n"
			   "onshutdown:\n"
			   "  - name: bye\n"
			   "    image: busybox\n"
			   "    command: [/bin/true]\n"
			   "    networks: [small]\n";

/* TEXT written to a fresh directory and loaded; a failure is the test's. */
static void load(const char *text, struct manifest *m)
{
	char dir[] = "/tmp/manifest-networks.XXXXXX", path[64];
	struct diag d = { { 0 } };

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/appliance.yml", dir);
	FILE *f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
	int r = manifest_load(path, m, &d);
	unlink(path);
	rmdir(dir);
	if (r < 0)
		TAP_FAIL("manifest_load: %s", d.msg);
}

static const char *dotted(struct in_addr a)
{
	static char text[4][INET_ADDRSTRLEN];
	static int slot;

	return inet_ntop(AF_INET, &a, text[slot++ & 3], INET_ADDRSTRLEN);
}

static const char *mac_text(const uint8_t *mac)
{
	static char text[18];

	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return text;
}

TEST(networks_get_default_or_given_subnets_gateways_and_bridges)
{
	struct manifest m;

	load(full, &m);
	ASSERT_EQ(3, m.n_networks);
	ASSERT_STREQ("front", m.networks[0].name);
	ASSERT_STREQ("10.89.0.0", dotted(m.networks[0].subnet)); /* 10.89.I.0/24, I its position */
	ASSERT_EQ(24, m.networks[0].prefix);
	ASSERT_STREQ("10.89.0.1", dotted(m.networks[0].gateway));
	ASSERT_STREQ("bh-front", m.networks[0].bridge);
	ASSERT_STREQ("10.89.7.0", dotted(m.networks[1].subnet));
	ASSERT_STREQ("10.89.7.1", dotted(m.networks[1].gateway));
	ASSERT_STREQ("bh-back", m.networks[1].bridge);
	ASSERT_STREQ("172.30.0.8", dotted(m.networks[2].subnet));
	ASSERT_EQ(29, m.networks[2].prefix);
	ASSERT_STREQ("172.30.0.9", dotted(m.networks[2].gateway));
	for (size_t n = 0; n < m.n_networks; n++)
		ASSERT_TRUE(m.networks[n].joined);
	manifest_free(&m);
}

/* onboot, services, onshutdown: setup, web, lonely, db, bye at 0 to 4. */
TEST(links_get_addresses_in_declaration_order_names_and_macs)
{
	struct manifest m;

	load(full, &m);
	const struct container *setup = &m.onboot[0], *web = &m.services[0], *lonely = &m.services[1],
			       *db = &m.services[2], *bye = &m.onshutdown[0];
	ASSERT_EQ(1, setup->n_links);
	ASSERT_EQ(1, setup->links[0].network);
	ASSERT_STREQ("10.89.7.2", dotted(setup->links[0].address)); /* the first from .2 */
	ASSERT_STREQ("eth0", setup->links[0].name);
	ASSERT_STREQ("bhc0n0", setup->links[0].host_name);

	ASSERT_EQ(2, web->n_links);
	ASSERT_EQ(0, web->links[0].network);
	ASSERT_STREQ("10.89.0.2", dotted(web->links[0].address));
	ASSERT_STREQ("eth0", web->links[0].name);
	ASSERT_STREQ("bhc1n0", web->links[0].host_name);
	ASSERT_STREQ("02:b4:0a:59:00:02", mac_text(web->links[0].mac));
	ASSERT_EQ(1, web->links[1].network);
	ASSERT_STREQ("10.89.7.3", dotted(web->links[1].address));
	ASSERT_STREQ("eth1", web->links[1].name);
	ASSERT_STREQ("bhc1n1", web->links[1].host_name);
	ASSERT_STREQ("02:b4:0a:59:07:03", mac_text(web->links[1].mac));

	ASSERT_EQ(0, lonely->n_links); /* network: none, the default */
	ASSERT_TRUE(lonely->links == NULL);
	ASSERT_TRUE(!lonely->host_network);

	ASSERT_EQ(2, db->n_links);
	ASSERT_STREQ("10.89.7.4", dotted(db->links[0].address));
	ASSERT_STREQ("bhc3n0", db->links[0].host_name);
	ASSERT_EQ(2, db->links[1].network);
	ASSERT_STREQ("172.30.0.10", dotted(db->links[1].address));
	ASSERT_STREQ("eth1", db->links[1].name);
	ASSERT_STREQ("bhc3n1", db->links[1].host_name);

	ASSERT_STREQ("172.30.0.11", dotted(bye->links[0].address));
	ASSERT_STREQ("bhc4n0", bye->links[0].host_name);
	ASSERT_STREQ("02:b4:ac:1e:00:0b", mac_text(bye->links[0].mac));
	manifest_free(&m);
}

TEST(ports_read_as_appliance_port_container_port_and_protocol)
{
	static const struct {
		uint16_t appliance, container;
		uint8_t proto;
	} want[] = { { 80, 80, IPPROTO_TCP }, { 8443, 443, IPPROTO_TCP }, { 53, 53, IPPROTO_UDP },
		     { 8080, 8080, IPPROTO_TCP }, { 5353, 53, IPPROTO_UDP } };
	struct manifest m;

	load(full, &m);
	const struct container *web = &m.services[0];
	ASSERT_EQ(ARRAY_SIZE(want), web->n_ports);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ASSERT_EQ(want[i].appliance, web->ports[i].appliance_port);
		ASSERT_EQ(want[i].container, web->ports[i].container_port);
		ASSERT_EQ(want[i].proto, web->ports[i].proto);
	}
	ASSERT_EQ(0, m.services[2].n_ports);
	manifest_free(&m);
}

TEST(allow_resolves_its_target_and_reads_its_ports)
{
	struct manifest m;

	load(full, &m);
	const struct container *web = &m.services[0];
	ASSERT_EQ(1, web->n_allow);
	ASSERT_STREQ("db", web->allow[0].to);
	ASSERT_TRUE(web->allow[0].target == &m.services[2]);
	ASSERT_EQ(2, web->allow[0].n_ports);
	ASSERT_EQ(5432, web->allow[0].ports[0].port);
	ASSERT_EQ(IPPROTO_TCP, web->allow[0].ports[0].proto);
	ASSERT_EQ(53, web->allow[0].ports[1].port);
	ASSERT_EQ(IPPROTO_UDP, web->allow[0].ports[1].proto);
	manifest_free(&m);
}

TEST(egress_reads_an_address_as_a_slash_32_and_no_ports_as_every_port)
{
	struct manifest m;

	load(full, &m);
	const struct container *web = &m.services[0];
	ASSERT_EQ(2, web->n_egress);
	ASSERT_STREQ("10.0.2.2", dotted(web->egress[0].address));
	ASSERT_EQ(32, web->egress[0].prefix);
	ASSERT_EQ(1, web->egress[0].n_ports);
	ASSERT_EQ(8000, web->egress[0].ports[0].port);
	ASSERT_EQ(IPPROTO_TCP, web->egress[0].ports[0].proto);
	ASSERT_STREQ("0.0.0.0", dotted(web->egress[1].address));
	ASSERT_EQ(0, web->egress[1].prefix);
	ASSERT_EQ(0, web->egress[1].n_ports);
	ASSERT_TRUE(web->egress[1].ports == NULL);
	manifest_free(&m);
}

TEST(a_manifest_without_networks_has_none)
{
	struct manifest m;

	load("name: plain\nservices:\n  - {name: a, image: busybox, command: [/bin/true], network: host}\n"
	     "  - {name: b, image: busybox, command: [/bin/true]}\n",
	     &m);
	ASSERT_EQ(0, m.n_networks);
	ASSERT_TRUE(m.networks == NULL);
	ASSERT_TRUE(m.services[0].host_network);
	for (size_t i = 0; i < m.n_services; i++) {
		ASSERT_EQ(0, m.services[i].n_links);
		ASSERT_EQ(0, m.services[i].n_ports + m.services[i].n_allow + m.services[i].n_egress);
	}
	manifest_free(&m);
}
