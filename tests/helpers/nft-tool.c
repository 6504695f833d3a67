/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft-tool: the builder's rule set encoder (image/net-rules.c) and the
 * init's loader (init/nft.c) on this host, for tests/net-rules.t, which
 * checks what they do with nft(8), the independent reader.
 *
 *   nft-tool encode-sample FILE   writes the batch net_rules_encode makes
 *                                 for the built-in sample manifest below
 *   nft-tool describe-sample      prints the sample's links, one a line:
 *       link CONTAINER HOST_VETH INSIDE ADDRESS PREFIX MAC BRIDGE GATEWAY SUBNET
 *   nft-tool encode-many N FILE   the same for N containers on one network, each
 *                                 allowed to the first on 8 ports: thousands of
 *                                 messages, to load in one batch
 *   nft-tool load FILE            nft_load: the batch in FILE, as the init loads it
 *   nft-tool counters             nft_counters: "FAMILY NAME PACKETS BYTES" lines,
 *                                 NAME between double quotes
 *
 * The sample covers every kind of rule: two networks, a container on both
 * with published ports (TCP and UDP), allow rules to a container on one of
 * them, egress with ports, without ports, and to a prefix that is not whole
 * bytes; containers with no allow, whose traffic is refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../image/image.h"
#include "../../init/init.h"

enum { WEB, DB, CACHE, N_CONTAINERS };
enum { FRONT, BACK, N_NETWORKS };

static struct manifest_network networks[N_NETWORKS] = {
	[FRONT] = { .name = "front", .prefix = 24, .bridge = "bh-front", .joined = true },
	[BACK] = { .name = "back", .prefix = 24, .bridge = "bh-back", .joined = true },
};
static struct container containers[N_CONTAINERS];
static struct manifest_interface interfaces[1] = { { .name = "eth0", .dhcp = true } };
static struct network_link web_links[2], db_links[1], cache_links[1];
static struct publish_port web_ports[] = {
	{ .appliance_port = 8080, .container_port = 80, .proto = IPPROTO_TCP },
	{ .appliance_port = 53, .container_port = 53, .proto = IPPROTO_UDP },
};
static struct port_proto web_to_db_ports[] = { { 5432, IPPROTO_TCP }, { 53, IPPROTO_UDP } };
static struct allow_rule web_allow[] = { { .to = "db", .ports = web_to_db_ports, .n_ports = 2 } };
static struct port_proto web_egress_ports[] = { { 8000, IPPROTO_TCP } };
static struct egress_rule web_egress[2];
static struct port_proto db_egress_ports[] = { { 443, IPPROTO_TCP } };
static struct egress_rule db_egress[1];

static void link_on(struct network_link *l, size_t container, size_t index, size_t network, unsigned host)
{
	uint32_t address = ntohl(networks[network].subnet.s_addr) + host;

	l->network = network;
	l->address.s_addr = htonl(address);
	snprintf(l->name, sizeof(l->name), "eth%zu", index);
	snprintf(l->host_name, sizeof(l->host_name), "bhc%zun%zu", container, index);
	l->mac[0] = 0x02;
	l->mac[1] = 0xb4;
	memcpy(l->mac + 2, &l->address, 4);
}

static void sample(struct manifest *m)
{
	inet_pton(AF_INET, "10.89.0.0", &networks[FRONT].subnet);
	inet_pton(AF_INET, "10.89.0.1", &networks[FRONT].gateway);
	inet_pton(AF_INET, "10.89.1.0", &networks[BACK].subnet);
	inet_pton(AF_INET, "10.89.1.1", &networks[BACK].gateway);

	/* Addresses in declaration order, from .2: web is first on both. */
	link_on(&web_links[0], WEB, 0, FRONT, 2);
	link_on(&web_links[1], WEB, 1, BACK, 2);
	link_on(&db_links[0], DB, 0, BACK, 3);
	link_on(&cache_links[0], CACHE, 0, FRONT, 3);

	inet_pton(AF_INET, "10.0.2.2", &web_egress[0].address);
	web_egress[0].prefix = 32;
	web_egress[0].ports = web_egress_ports;
	web_egress[0].n_ports = 1;
	web_egress[1].prefix = 0; /* 0.0.0.0/0, every TCP and UDP port */
	inet_pton(AF_INET, "10.0.16.0", &db_egress[0].address);
	db_egress[0].prefix = 20;
	db_egress[0].ports = db_egress_ports;
	db_egress[0].n_ports = 1;

	containers[WEB] = (struct container){
		.name = "web", .phase = "services", .links = web_links, .n_links = 2,
		.ports = web_ports, .n_ports = 2, .allow = web_allow, .n_allow = 1,
		.egress = web_egress, .n_egress = 2,
	};
	containers[DB] = (struct container){
		.name = "db", .phase = "services", .links = db_links, .n_links = 1,
		.egress = db_egress, .n_egress = 1,
	};
	containers[CACHE] = (struct container){
		.name = "cache", .phase = "services", .links = cache_links, .n_links = 1,
	};
	web_allow[0].target = &containers[DB];

	*m = (struct manifest){
		.path = "sample.yml", .name = "sample", .services = containers, .n_services = N_CONTAINERS,
		.interfaces = interfaces, .n_interfaces = 1, .networks = networks, .n_networks = N_NETWORKS,
	};
}

static int write_batch(const struct manifest *m, const char *path)
{
	struct diag d = { "" };
	void *batch = NULL;
	size_t len = 0;

	if (net_rules_encode(m, &batch, &len, &d) < 0) {
		fprintf(stderr, "nft-tool: %s\n", d.msg);
		return 1;
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(batch, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "nft-tool: %s: %s\n", path, strerror(errno));
		free(batch);
		return 1;
	}
	free(batch);
	return 0;
}

static int encode_many(size_t n, const char *path)
{
	static struct port_proto ports[8];
	struct manifest_network net = { .name = "many", .prefix = 16, .bridge = "bh-many", .joined = true };
	struct container *cs = calloc(n, sizeof(*cs));
	struct network_link *links = calloc(n, sizeof(*links));
	struct allow_rule *allow = calloc(n, sizeof(*allow));
	char (*names)[16] = calloc(n, sizeof(*names));
	struct manifest m = { .path = "many.yml", .name = "many", .services = cs, .n_services = n,
			      .interfaces = interfaces, .n_interfaces = 1, .networks = &net, .n_networks = 1 };

	if (!cs || !links || !allow || !names || n < 2 || n > 60000)
		return 2;
	for (size_t p = 0; p < ARRAY_SIZE(ports); p++)
		ports[p] = (struct port_proto){ (uint16_t)(5000 + p), IPPROTO_TCP };
	inet_pton(AF_INET, "10.90.0.0", &net.subnet);
	inet_pton(AF_INET, "10.90.0.1", &net.gateway);
	networks[0] = net; /* link_on reads the subnet from the sample's table */
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "c%zu", i);
		link_on(&links[i], i, 0, 0, (unsigned)i + 2);
		cs[i] = (struct container){ .name = names[i], .phase = "services", .links = &links[i], .n_links = 1 };
		if (i > 0) {
			allow[i] = (struct allow_rule){ .to = names[0], .target = &cs[0], .ports = ports,
							.n_ports = ARRAY_SIZE(ports) };
			cs[i].allow = &allow[i];
			cs[i].n_allow = 1;
		}
	}
	int r = write_batch(&m, path);
	free(cs);
	free(links);
	free(allow);
	free(names);
	return r;
}

static int encode_sample(const char *path)
{
	struct manifest m;

	sample(&m);
	return write_batch(&m, path);
}

static int describe_sample(void)
{
	struct manifest m;
	char address[INET_ADDRSTRLEN], gateway[INET_ADDRSTRLEN], subnet[INET_ADDRSTRLEN];

	sample(&m);
	for (size_t i = 0; i < m.n_services; i++) {
		const struct container *c = &m.services[i];
		for (size_t l = 0; l < c->n_links; l++) {
			const struct network_link *link = &c->links[l];
			const struct manifest_network *n = &m.networks[link->network];
			inet_ntop(AF_INET, &link->address, address, sizeof(address));
			inet_ntop(AF_INET, &n->gateway, gateway, sizeof(gateway));
			inet_ntop(AF_INET, &n->subnet, subnet, sizeof(subnet));
			printf("link %s %s %s %s %u %02x:%02x:%02x:%02x:%02x:%02x %s %s %s\n", c->name, link->host_name,
			       link->name, address, n->prefix, link->mac[0], link->mac[1], link->mac[2], link->mac[3],
			       link->mac[4], link->mac[5], n->bridge, gateway, subnet);
		}
	}
	return 0;
}

static int load(const char *path)
{
	struct bh_err err = { 0 };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "nft-tool: %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t len = (size_t)st.st_size;
	char *batch = malloc(len ? len : 1);
	if (!batch || read(fd, batch, len) != (ssize_t)len) {
		fprintf(stderr, "nft-tool: %s: cannot read it\n", path);
		return 1;
	}
	close(fd);
	int r = nft_load(batch, len, &err);
	free(batch);
	if (r < 0) {
		fprintf(stderr, "nft-tool: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static void print_counter(const char *family, const char *name, uint64_t packets, uint64_t bytes, void *ctx)
{
	(void)ctx;
	printf("%s \"%s\" %llu %llu\n", family, name, (unsigned long long)packets, (unsigned long long)bytes);
}

int main(int argc, char **argv)
{
	struct bh_err err = { 0 };

	if (argc == 3 && strcmp(argv[1], "encode-sample") == 0)
		return encode_sample(argv[2]);
	if (argc == 4 && strcmp(argv[1], "encode-many") == 0)
		return encode_many(strtoul(argv[2], NULL, 10), argv[3]);
	if (argc == 2 && strcmp(argv[1], "describe-sample") == 0)
		return describe_sample();
	if (argc == 3 && strcmp(argv[1], "load") == 0)
		return load(argv[2]);
	if (argc == 2 && strcmp(argv[1], "counters") == 0) {
		if (nft_counters(print_counter, NULL, &err) < 0) {
			fprintf(stderr, "nft-tool: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: nft-tool encode-sample FILE | encode-many N FILE | describe-sample | load FILE | counters\n");
	return 2;
}
