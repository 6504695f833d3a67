/* SPDX-License-Identifier: GPL-2.0-or-later */
/* appliance.json from one end to the other: the builder's writer
 * (image/appliance.c) writes a manifest with every appliance-level key set,
 * the init's reader (init/appliance.c) reads the text back, and each field
 * comes out as the manifest said. Also: the reader is strict (an unknown
 * key or a wrong type is refused, naming its JSON path), and the exit
 * status the init encodes for QEMU is the one bulkhead run decodes. A host
 * program: neither half runs anywhere else in this shape. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>

#include "../image/image.h"
#include "../init/init.h"
#include "tap.h"

static char *strv_svc1[] = { NULL };
static char *strv_svc2_deps[] = { "svc1", NULL };
static char *modules[] = { "/lib/modules/x/a.ko", "/lib/modules/x/b.ko", NULL };

/* Every key of appliance.json set, none to its default. */
static void full_manifest(struct manifest *m)
{
	static struct volume svc1_volumes[] = { { .disk = "data", .path = "/data", .sub = "svc1" },
						{ .disk = "logs", .path = "/logs", .sub = "svc1-logs" } };
	static struct volume svc2_volumes[] = { { .disk = "data", .path = "/srv", .sub = "shared", .readonly = true } };
	static struct container onboot[] = { { .name = "first", .phase = "onboot" } };
	/* Two networks; svc1 on both, svc2 on the second. */
	static struct manifest_network networks[2] = {
		{ .name = "front", .prefix = 24, .bridge = NETWORK_BRIDGE_PREFIX "front" },
		{ .name = "back-end", .prefix = 29, .bridge = NETWORK_BRIDGE_PREFIX "back-end" },
	};
	static struct network_link svc1_links[2] = {
		{ .network = 0, .name = "eth0", .host_name = "bhc1n0", .mac = { 0x02, 0xb4, 10, 89, 0, 2 } },
		{ .network = 1, .name = "eth1", .host_name = "bhc1n1", .mac = { 0x02, 0xb4, 10, 89, 1, 2 } },
	};
	static struct network_link svc2_links[1] = {
		{ .network = 1, .name = "eth0", .host_name = "bhc2n0", .mac = { 0x02, 0xb4, 10, 89, 1, 3 } },
	};
	static struct container services[] = {
		{ .name = "svc1", .phase = "services", .restart = RESTART_ALWAYS, .max_restarts = 5,
		  .depends_on = strv_svc1, .stop_grace_ms = STOP_GRACE_MAX_MS, .volumes = svc1_volumes, .n_volumes = 2,
		  .links = svc1_links, .n_links = 2 },
		{ .name = "svc2", .phase = "services", .restart = RESTART_ON_FAILURE, .depends_on = strv_svc2_deps,
		  .volumes = svc2_volumes, .n_volumes = 1, .links = svc2_links, .n_links = 1,
		  .on_exit = ON_EXIT_POWEROFF },
	};
	static struct container onshutdown[] = { { .name = "bye", .phase = "onshutdown", .stop_grace_ms = 250 } };
	static struct disk disks[] = { { .label = "data" }, { .label = "logs" } };
	/* DHCP with a DNS server; static with gateway and three; static alone. */
	static struct manifest_interface interfaces[3];

	interfaces[0] = (struct manifest_interface){ .name = "eth0", .dhcp = true, .n_dns = 1 };
	inet_pton(AF_INET, "10.0.2.3", &interfaces[0].dns[0]);
	interfaces[1] = (struct manifest_interface){ .name = "eth1", .prefix = 24, .n_dns = 3 };
	inet_pton(AF_INET, "10.0.2.20", &interfaces[1].address);
	inet_pton(AF_INET, "10.0.2.2", &interfaces[1].gateway);
	inet_pton(AF_INET, "1.1.1.1", &interfaces[1].dns[0]);
	inet_pton(AF_INET, "9.9.9.9", &interfaces[1].dns[1]);
	inet_pton(AF_INET, "10.0.2.3", &interfaces[1].dns[2]);
	interfaces[2] = (struct manifest_interface){ .name = "wan7", .prefix = 32 };
	inet_pton(AF_INET, "192.168.100.1", &interfaces[2].address);
	inet_pton(AF_INET, "10.89.0.0", &networks[0].subnet);
	inet_pton(AF_INET, "10.89.0.1", &networks[0].gateway);
	inet_pton(AF_INET, "10.89.1.0", &networks[1].subnet);
	inet_pton(AF_INET, "10.89.1.1", &networks[1].gateway);
	inet_pton(AF_INET, "10.89.0.2", &svc1_links[0].address);
	inet_pton(AF_INET, "10.89.1.2", &svc1_links[1].address);
	inet_pton(AF_INET, "10.89.1.3", &svc2_links[0].address);

	*m = (struct manifest){
		.name = "all", .hostname = "allhost", .onboot_continue = true, .exit_status_from = "svc2",
		.stop_grace_ms = 3000, .onboot = onboot, .n_onboot = 1, .services = services, .n_services = 2,
		.onshutdown = onshutdown, .n_onshutdown = 1, .disks = disks, .n_disks = 2,
		.interfaces = interfaces, .n_interfaces = 3, .networks = networks, .n_networks = 2,
	};
}

/* The builder's text, read by the init; fails the test if it is refused. */
static void round_trip_with(const struct manifest *m, char *const *mods, const char *const *options,
			    size_t background, struct appliance *a)
{
	struct bh_err err = { 0 };
	char *text = appliance_json(m, mods, options, background);

	ASSERT_TRUE(text != NULL);
	if (appliance_parse(text, a, &err) < 0)
		TAP_FAIL("the init refused what the builder wrote: %s\n%s", err.msg, text);
	free(text);
}

static void round_trip(const struct manifest *m, char *const *mods, struct appliance *a)
{
	round_trip_with(m, mods, NULL, 0, a);
}

/* TEXT (malloc'd, freed here) refused with MESSAGE. */
static void refused(char *text, const char *message)
{
	struct appliance a;
	struct bh_err err = { 0 };

	if (appliance_parse(text, &a, &err) == 0)
		TAP_FAIL("accepted:\n%s", text);
	appliance_free(&a);
	free(text);
	ASSERT_EQ(-EINVAL, err.code);
	ASSERT_STREQ(message, err.msg);
}

/* The builder's text for the full manifest with one change: KEY of the
 * top level (PHASE NULL) or of PHASE[INDEX] set to VALUE (taken over). */
static char *edited(const char *phase, int index, const char *key, json_t *value)
{
	struct manifest m;
	full_manifest(&m);
	char *text = appliance_json(&m, modules, NULL, 0);
	json_t *root = json_loads(text, 0, NULL);
	json_t *obj = phase ? json_array_get(json_object_get(root, phase), (size_t)index) : root;

	json_object_set_new(obj, key, value);
	free(text);
	text = json_dumps(root, 0);
	json_decref(root);
	return text;
}

TEST(every_top_level_key_round_trips)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip(&m, modules, &a);
	ASSERT_STREQ("all", a.name);
	ASSERT_STREQ("allhost", a.hostname);
	ASSERT_TRUE(a.onboot_continue);
	ASSERT_STREQ("svc2", a.exit_status_from);
	ASSERT_TRUE(a.modules != NULL);
	ASSERT_STREQ(modules[0], a.modules[0]);
	ASSERT_STREQ(modules[1], a.modules[1]);
	ASSERT_TRUE(a.modules[2] == NULL);
	ASSERT_EQ(1, a.n_onboot);
	ASSERT_EQ(2, a.n_services);
	ASSERT_EQ(1, a.n_onshutdown);
	appliance_free(&a);
}

TEST(every_container_key_round_trips)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip(&m, modules, &a);
	ASSERT_STREQ("first", a.onboot[0].name);
	ASSERT_STREQ("/containers/onboot/00-first", a.onboot[0].bundle);
	ASSERT_EQ(RESTART_NO, a.onboot[0].restart);
	ASSERT_EQ(3000, a.onboot[0].stop_grace_ms); /* the appliance's stop_grace */

	ASSERT_STREQ("svc1", a.services[0].name);
	ASSERT_STREQ("/containers/services/svc1", a.services[0].bundle);
	ASSERT_EQ(RESTART_ALWAYS, a.services[0].restart);
	ASSERT_EQ(5, a.services[0].max_restarts);
	ASSERT_EQ(0, a.services[0].n_depends_on);
	ASSERT_EQ(STOP_GRACE_MAX_MS, a.services[0].stop_grace_ms); /* the most the manifest allows */

	ASSERT_STREQ("svc2", a.services[1].name);
	ASSERT_EQ(RESTART_ON_FAILURE, a.services[1].restart);
	ASSERT_EQ(0, a.services[1].max_restarts);
	ASSERT_EQ(1, a.services[1].n_depends_on);
	ASSERT_EQ(0, a.services[1].depends_on[0]); /* svc1, as its index */
	ASSERT_EQ(3000, a.services[1].stop_grace_ms);

	ASSERT_STREQ("bye", a.onshutdown[0].name);
	ASSERT_STREQ("/containers/onshutdown/00-bye", a.onshutdown[0].bundle);
	ASSERT_EQ(250, a.onshutdown[0].stop_grace_ms);
	appliance_free(&a);
}

TEST(every_disk_key_round_trips)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip(&m, modules, &a);
	ASSERT_EQ(2, a.n_disks);
	ASSERT_STREQ("data", a.disks[0].label);
	ASSERT_STREQ("svc1", a.disks[0].dirs[0]);
	ASSERT_STREQ("shared", a.disks[0].dirs[1]);
	ASSERT_TRUE(a.disks[0].dirs[2] == NULL);
	ASSERT_STREQ("logs", a.disks[1].label);
	ASSERT_STREQ("svc1-logs", a.disks[1].dirs[0]);
	ASSERT_TRUE(a.disks[1].dirs[1] == NULL);
	appliance_free(&a);
}

static void assert_ipv4(const char *expected, struct in_addr got)
{
	char text[INET_ADDRSTRLEN];

	ASSERT_STREQ(expected, inet_ntop(AF_INET, &got, text, sizeof(text)));
}

TEST(every_interface_key_round_trips)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip(&m, modules, &a);
	ASSERT_EQ(3, a.n_interfaces);
	ASSERT_STREQ("eth0", a.interfaces[0].name);
	ASSERT_TRUE(a.interfaces[0].dhcp);
	ASSERT_EQ(0, a.interfaces[0].address.s_addr);
	ASSERT_EQ(0, a.interfaces[0].prefix);
	ASSERT_EQ(0, a.interfaces[0].gateway.s_addr);
	ASSERT_EQ(1, a.interfaces[0].n_dns);
	assert_ipv4("10.0.2.3", a.interfaces[0].dns[0]);

	ASSERT_STREQ("eth1", a.interfaces[1].name);
	ASSERT_TRUE(!a.interfaces[1].dhcp);
	assert_ipv4("10.0.2.20", a.interfaces[1].address);
	ASSERT_EQ(24, a.interfaces[1].prefix);
	assert_ipv4("10.0.2.2", a.interfaces[1].gateway);
	ASSERT_EQ(3, a.interfaces[1].n_dns);
	assert_ipv4("1.1.1.1", a.interfaces[1].dns[0]);
	assert_ipv4("9.9.9.9", a.interfaces[1].dns[1]);
	assert_ipv4("10.0.2.3", a.interfaces[1].dns[2]);

	ASSERT_STREQ("wan7", a.interfaces[2].name);
	ASSERT_TRUE(!a.interfaces[2].dhcp);
	assert_ipv4("192.168.100.1", a.interfaces[2].address);
	ASSERT_EQ(32, a.interfaces[2].prefix);
	ASSERT_EQ(0, a.interfaces[2].gateway.s_addr); /* none */
	ASSERT_EQ(0, a.interfaces[2].n_dns);
	appliance_free(&a);
}

TEST(interfaces_are_written_as_docs_appliance_md_shows_them)
{
	struct manifest m;

	full_manifest(&m);
	char *text = appliance_json(&m, modules, NULL, 0);
	json_t *root = json_loads(text, 0, NULL);
	char *got = json_dumps(json_object_get(root, "interfaces"), JSON_SORT_KEYS | JSON_COMPACT);

	ASSERT_STREQ("[{\"dhcp\":true,\"dns\":[\"10.0.2.3\"],\"name\":\"eth0\"},"
		     "{\"address\":\"10.0.2.20\",\"dns\":[\"1.1.1.1\",\"9.9.9.9\",\"10.0.2.3\"],\"gateway\":\"10.0.2.2\","
		     "\"name\":\"eth1\",\"prefix\":24},"
		     "{\"address\":\"192.168.100.1\",\"name\":\"wan7\",\"prefix\":32}]",
		     got);
	free(got);
	free(text);
	json_decref(root);
}

TEST(every_network_and_link_key_round_trips)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip(&m, modules, &a);
	ASSERT_EQ(2, a.n_networks);
	ASSERT_STREQ("front", a.networks[0].name);
	ASSERT_STREQ("bh-front", a.networks[0].bridge);
	assert_ipv4("10.89.0.1", a.networks[0].address);
	ASSERT_EQ(24, a.networks[0].prefix);
	ASSERT_STREQ("back-end", a.networks[1].name);
	ASSERT_STREQ("bh-back-end", a.networks[1].bridge);
	ASSERT_EQ(29, a.networks[1].prefix);
	ASSERT_EQ(0, a.onboot[0].n_links); /* a container on no network has none */
	ASSERT_EQ(2, a.services[0].n_links);
	ASSERT_EQ(0, a.services[0].links[0].network);
	ASSERT_EQ(1, a.services[0].links[1].network);
	ASSERT_STREQ("eth1", a.services[0].links[1].name);
	ASSERT_STREQ("bhc1n1", a.services[0].links[1].host);
	assert_ipv4("10.89.1.2", a.services[0].links[1].address);
	ASSERT_EQ(0, memcmp(a.services[0].links[1].mac, (uint8_t[]){ 0x02, 0xb4, 10, 89, 1, 2 }, 6));
	ASSERT_EQ(1, a.services[1].n_links);
	assert_ipv4("10.89.1.3", a.services[1].links[0].address);
	appliance_free(&a);
}

/* A link as the builder writes it, with KEY set to VALUE. */
static json_t *link_with(const char *key, json_t *value)
{
	json_t *link = json_pack("{s:s, s:s, s:s, s:s, s:s}", "network", "front", "name", "eth0", "host", "bhc1n0",
				 "address", "10.89.0.2", "mac", "02:b4:0a:59:00:02");
	json_object_set_new(link, key, value);
	return json_pack("[o]", link);
}

TEST(networks_and_links_the_init_could_not_make_are_refused_with_their_path)
{
	refused(edited("networks", 0, "mtu", json_integer(1500)),
		"/etc/bulkhead/appliance.json: networks[0].mtu is not a key of appliance.json (docs/appliance.md)");
	refused(edited("networks", 0, "bridge", json_string("eth0")),
		"/etc/bulkhead/appliance.json: networks[0].bridge must be bh-front");
	refused(edited("networks", 0, "name", json_string("Front")),
		"/etc/bulkhead/appliance.json: networks[0].name must be 1 to 12 lowercase letters, digits or dashes");
	refused(edited("networks", 1, "name", json_string("front")),
		"/etc/bulkhead/appliance.json: networks[1].bridge must be bh-front");
	refused(edited("networks", 0, "prefix", json_integer(30)),
		"/etc/bulkhead/appliance.json: networks[0].prefix must be an integer from 16 to 29");
	refused(edited("networks", 0, "address", json_string("10.89.0")),
		"/etc/bulkhead/appliance.json: networks[0].address is not an IPv4 address");
	refused(edited("services", 1, "links", link_with("network", json_string("nowhere"))),
		"/etc/bulkhead/appliance.json: services[1].links[0].network nowhere is not in networks");
	refused(edited("services", 1, "links", link_with("address", json_string("10.89.0.1"))),
		"/etc/bulkhead/appliance.json: services[1].links[0].address is not a host of front's subnet other "
		"than its gateway");
	refused(edited("services", 1, "links", link_with("address", json_string("10.89.1.2"))),
		"/etc/bulkhead/appliance.json: services[1].links[0].address is not a host of front's subnet other "
		"than its gateway");
	refused(edited("services", 1, "links", link_with("mac", json_string("03:b4:0a:59:00:02"))),
		"/etc/bulkhead/appliance.json: services[1].links[0].mac is not a unicast MAC address "
		"(02:b4:0a:59:00:02)");
	refused(edited("services", 1, "links", link_with("host", json_string("../x"))),
		"/etc/bulkhead/appliance.json: services[1].links[0].host must be 1 to 15 lowercase letters or digits");
	refused(edited("services", 1, "links", link_with("name", json_string("eth0-with-a-long-name"))),
		"/etc/bulkhead/appliance.json: services[1].links[0].name must be 1 to 15 lowercase letters or digits");
}

TEST(defaults_round_trip)
{
	struct container service = { .name = "only", .phase = "services" };
	struct manifest m = { .name = "min", .hostname = "min", .stop_grace_ms = STOP_GRACE_DEFAULT_MS,
			      .services = &service, .n_services = 1 };
	struct appliance a;

	round_trip(&m, NULL, &a);
	ASSERT_TRUE(!a.onboot_continue);
	ASSERT_TRUE(a.exit_status_from == NULL);
	ASSERT_TRUE(a.modules != NULL && a.modules[0] == NULL);
	ASSERT_EQ(0, a.n_disks);
	ASSERT_EQ(0, a.n_interfaces); /* no key: no NIC configured */
	ASSERT_EQ(0, a.n_networks);  /* no key: no container network */
	ASSERT_TRUE(a.interfaces == NULL);
	ASSERT_EQ(RESTART_NO, a.services[0].restart);
	ASSERT_EQ(0, a.services[0].max_restarts);
	ASSERT_EQ(STOP_GRACE_DEFAULT_MS, a.services[0].stop_grace_ms);
	appliance_free(&a);
}

TEST(every_restart_policy_round_trips)
{
	for (int p = 0; p < RESTART_POLICIES; p++) {
		struct container service = { .name = "s", .phase = "services", .restart = (enum restart_policy)p };
		struct manifest m = { .name = "r", .hostname = "r", .stop_grace_ms = 1, .services = &service,
				      .n_services = 1 };
		struct appliance a;

		round_trip(&m, NULL, &a);
		ASSERT_EQ(p, a.services[0].restart);
		appliance_free(&a);
	}
}

TEST(on_exit_round_trips_and_an_unknown_action_is_refused)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip(&m, modules, &a);
	ASSERT_EQ(ON_EXIT_NONE, a.services[0].on_exit); /* absent: none */
	ASSERT_EQ(ON_EXIT_POWEROFF, a.services[1].on_exit);
	appliance_free(&a);
	refused(edited("services", 0, "on_exit", json_string("reboot")),
		"/etc/bulkhead/appliance.json: services[0].on_exit is not none or poweroff");
	refused(edited("services", 0, "on_exit", json_true()),
		"/etc/bulkhead/appliance.json: services[0].on_exit must be a string");
}

/* A module's parameters reach the init beside the module; the others have
 * none. */
TEST(module_options_round_trip_beside_their_module)
{
	static const char *const options[] = { NULL, "max_loop=0", NULL };
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip_with(&m, modules, options, 0, &a);
	ASSERT_TRUE(a.module_options != NULL);
	ASSERT_TRUE(a.module_options[0] == NULL);
	ASSERT_STREQ("max_loop=0", a.module_options[1]);
	appliance_free(&a);
	round_trip(&m, modules, &a);
	ASSERT_TRUE(a.module_options == NULL);
	appliance_free(&a);
}

TEST(the_modules_no_start_needs_are_counted_from_the_end)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	round_trip_with(&m, modules, NULL, 1, &a);
	ASSERT_EQ(1, a.n_background_modules);
	ASSERT_STREQ(modules[1], a.modules[1]);
	appliance_free(&a);
	round_trip(&m, modules, &a);
	ASSERT_EQ(0, a.n_background_modules);
	appliance_free(&a);
	refused(edited(NULL, 0, "modules_in_background", json_integer(3)),
		"/etc/bulkhead/appliance.json: modules_in_background must be an integer from 0 to 2");
	refused(edited(NULL, 0, "modules_in_background", json_integer(-1)),
		"/etc/bulkhead/appliance.json: modules_in_background must be an integer from 0 to 2");
	refused(edited(NULL, 0, "modules_in_background", json_string("1")),
		"/etc/bulkhead/appliance.json: modules_in_background must be an integer");
}

TEST(module_options_for_a_module_not_loaded_or_not_a_string_are_refused)
{
	refused(edited(NULL, 0, "module_options", json_pack("{s:s}", "/lib/modules/x/c.ko", "max_loop=0")),
		"/etc/bulkhead/appliance.json: module_options: /lib/modules/x/c.ko is not one of the modules");
	refused(edited(NULL, 0, "module_options", json_pack("{s:i}", "/lib/modules/x/a.ko", 0)),
		"/etc/bulkhead/appliance.json: module_options[\"/lib/modules/x/a.ko\"] is not a string");
	refused(edited(NULL, 0, "module_options", json_string("max_loop=0")),
		"/etc/bulkhead/appliance.json: module_options must be an object");
}

TEST(an_unknown_top_level_key_is_refused_by_name)
{
	refused(edited(NULL, 0, "exit_status", json_string("svc2")),
		"/etc/bulkhead/appliance.json: exit_status is not a key of appliance.json (docs/appliance.md)");
}

TEST(an_unknown_container_key_is_refused_with_its_path)
{
	refused(edited("services", 1, "restarts", json_integer(3)),
		"/etc/bulkhead/appliance.json: services[1].restarts is not a key of appliance.json (docs/appliance.md)");
}

TEST(an_unknown_disk_key_is_refused_with_its_path)
{
	refused(edited("disks", 1, "size", json_integer(3)),
		"/etc/bulkhead/appliance.json: disks[1].size is not a key of appliance.json (docs/appliance.md)");
}

TEST(an_unknown_interface_key_is_refused_with_its_path)
{
	refused(edited("interfaces", 1, "mtu", json_integer(1500)),
		"/etc/bulkhead/appliance.json: interfaces[1].mtu is not a key of appliance.json (docs/appliance.md)");
}

/* A list of N copies of the dhcp interface, named if0, if1, ... */
static json_t *dhcp_interfaces(size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s+, s:b}", "name", "if", (char[]){ (char)('0' + i), 0 }, "dhcp", 1));
	return list;
}

TEST(interfaces_the_init_could_not_configure_are_refused_with_their_path)
{
	refused(edited(NULL, 0, "interfaces", json_object()), "/etc/bulkhead/appliance.json: interfaces must be a list");
	refused(edited("interfaces", 0, "dhcp", json_string("yes")),
		"/etc/bulkhead/appliance.json: interfaces[0].dhcp must be true or false");
	refused(edited("interfaces", 0, "address", json_string("10.0.2.20")),
		"/etc/bulkhead/appliance.json: interfaces[0]: dhcp excludes address, prefix and gateway");
	refused(edited("interfaces", 0, "gateway", json_string("10.0.2.2")),
		"/etc/bulkhead/appliance.json: interfaces[0]: dhcp excludes address, prefix and gateway");
	refused(edited("interfaces", 1, "address", json_string("10.0.2.300")),
		"/etc/bulkhead/appliance.json: interfaces[1].address is not an IPv4 address");
	refused(edited("interfaces", 1, "address", json_string("10.0.2.20/24")),
		"/etc/bulkhead/appliance.json: interfaces[1].address is not an IPv4 address");
	refused(edited("interfaces", 1, "address", json_integer(10)),
		"/etc/bulkhead/appliance.json: interfaces[1].address must be a string");
	refused(edited("interfaces", 1, "prefix", json_integer(0)),
		"/etc/bulkhead/appliance.json: interfaces[1].prefix must be an integer from 1 to 32");
	refused(edited("interfaces", 1, "prefix", json_integer(33)),
		"/etc/bulkhead/appliance.json: interfaces[1].prefix must be an integer from 1 to 32");
	refused(edited("interfaces", 1, "prefix", json_string("24")),
		"/etc/bulkhead/appliance.json: interfaces[1].prefix must be an integer");
	refused(edited("interfaces", 2, "prefix", json_null()),
		"/etc/bulkhead/appliance.json: interfaces[2].prefix must be an integer");
	refused(edited("interfaces", 1, "gateway", json_string("10.0.3.2")),
		"/etc/bulkhead/appliance.json: interfaces[1].gateway is not another address of the interface's subnet");
	refused(edited("interfaces", 1, "gateway", json_string("10.0.2.20")),
		"/etc/bulkhead/appliance.json: interfaces[1].gateway is not another address of the interface's subnet");
	refused(edited("interfaces", 1, "dns", json_pack("[s]", "dns.google")),
		"/etc/bulkhead/appliance.json: interfaces[1].dns[0] is not an IPv4 address");
	refused(edited("interfaces", 1, "dns", json_pack("[s, i]", "10.0.2.3", 1)),
		"/etc/bulkhead/appliance.json: interfaces[1].dns[1] is not an IPv4 address");
	refused(edited("interfaces", 0, "dns", json_pack("[s, s, s, s]", "1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4")),
		"/etc/bulkhead/appliance.json: interfaces[0].dns holds 4 servers; at most 3");
	refused(edited("interfaces", 0, "dns", json_string("10.0.2.3")),
		"/etc/bulkhead/appliance.json: interfaces[0].dns must be a list");
	refused(edited("interfaces", 2, "name", json_string("eth1")),
		"/etc/bulkhead/appliance.json: interfaces[2].name eth1 is also interfaces[1]'s");
	refused(edited(NULL, 0, "interfaces", dhcp_interfaces(INTERFACES_MAX + 1)),
		"/etc/bulkhead/appliance.json: 9 interfaces; the init configures 8 at most");
}

TEST(interface_names_the_kernel_would_refuse_are_refused)
{
	static const char *const bad[] = { "", "averyverylongname", "eth/0", "eth0:1", "Eth0", ".", "lo" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		refused(edited("interfaces", 1, "name", json_string(bad[i])),
			"/etc/bulkhead/appliance.json: interfaces[1] needs a name of 1 to 15 lowercase letters and digits, not lo");
	refused(edited("interfaces", 1, "name", json_null()),
		"/etc/bulkhead/appliance.json: interfaces[1].name must be a string");
}

TEST(a_static_interface_needs_its_address_and_prefix)
{
	struct manifest m;
	full_manifest(&m);
	char *text = appliance_json(&m, modules, NULL, 0);
	json_t *root = json_loads(text, 0, NULL);
	json_t *ifc = json_array_get(json_object_get(root, "interfaces"), 2);
	const char *message = "/etc/bulkhead/appliance.json: interfaces[2] needs dhcp true, or an address and a prefix";

	free(text);
	json_object_del(ifc, "prefix");
	refused(json_dumps(root, 0), message);
	json_object_set_new(ifc, "prefix", json_integer(24));
	json_object_del(ifc, "address");
	refused(json_dumps(root, 0), message);
	json_object_set_new(ifc, "dhcp", json_false());
	refused(json_dumps(root, 0), message);
	json_decref(root);
}

TEST(a_dhcp_false_with_an_address_is_a_static_interface)
{
	struct appliance a;
	struct bh_err err = { 0 };
	char *text = edited("interfaces", 1, "dhcp", json_false());

	ASSERT_EQ(0, appliance_parse(text, &a, &err));
	ASSERT_TRUE(!a.interfaces[1].dhcp);
	ASSERT_EQ(24, a.interfaces[1].prefix);
	appliance_free(&a);
	free(text);
}

TEST(wrong_types_are_refused_with_their_path)
{
	refused(edited(NULL, 0, "hostname", json_integer(1)), "/etc/bulkhead/appliance.json: hostname must be a string");
	refused(edited(NULL, 0, "services", json_object()), "/etc/bulkhead/appliance.json: services must be a list");
	refused(edited("services", 0, "max_restarts", json_string("5")),
		"/etc/bulkhead/appliance.json: services[0].max_restarts must be an integer");
	refused(edited("onboot", 0, "depends_on", json_string("svc1")),
		"/etc/bulkhead/appliance.json: onboot[0].depends_on must be a list");
	refused(edited("onshutdown", 0, "stop_grace_ms", json_real(1.5)),
		"/etc/bulkhead/appliance.json: onshutdown[0].stop_grace_ms must be an integer");
	refused(edited(NULL, 0, "onboot_failure", json_string("stop")),
		"/etc/bulkhead/appliance.json: onboot_failure must be halt or continue");
}

TEST(values_out_of_range_are_refused_with_their_path)
{
	refused(edited("services", 0, "stop_grace_ms", json_integer(STOP_GRACE_MAX_MS + 1)),
		"/etc/bulkhead/appliance.json: services[0].stop_grace_ms must be an integer from 1 to 3600000");
	refused(edited("services", 1, "max_restarts", json_integer(-1)),
		"/etc/bulkhead/appliance.json: services[1].max_restarts must be an integer from 0 to 4294967295");
	refused(edited("services", 1, "restart", json_string("sometimes")),
		"/etc/bulkhead/appliance.json: services[1].restart is not no, on-failure or always");
}

TEST(the_exit_status_the_init_writes_is_the_one_run_reads)
{
	for (int status = 0; status <= APPLIANCE_STATUS_MAX; status++)
		ASSERT_EQ(status, debug_exit_decode(debug_exit_byte(status) << 1 | 1));
	ASSERT_EQ(APPLIANCE_STATUS_MAX, debug_exit_decode(debug_exit_byte(255) << 1 | 1));
	ASSERT_EQ(-1, debug_exit_decode(0)); /* no byte: a panic or a reset */
	ASSERT_EQ(-1, debug_exit_decode(1)); /* QEMU's own error */
	ASSERT_EQ(-1, debug_exit_decode(2));
}

/* ---- health checks ---- */

TEST(a_health_check_and_depends_on_healthy_round_trip)
{
	struct manifest m;
	struct appliance a;
	static char *command[] = { "/bin/sh", "-c", "test -e /tmp/ok", NULL };
	static char *healthy[] = { "svc1", NULL };

	full_manifest(&m);
	m.services[0].health = (struct health_check){ .given = HEALTH_GIVEN, .probe = HEALTH_PROBE_EXEC, .command = command,
						      .interval_ms = 250, .timeout_ms = 1000, .start_period_ms = 5000,
						      .retries = 7, .on_failure = HEALTH_POWEROFF };
	m.services[1].health = (struct health_check){ .given = HEALTH_GIVEN, .probe = HEALTH_PROBE_HTTP, .port = 8080,
						      .path = "/healthz", .interval_ms = HEALTH_MAX_MS, .timeout_ms = 10,
						      .retries = 1, .on_failure = HEALTH_NONE };
	m.services[1].depends_healthy = healthy;
	round_trip(&m, modules, &a);
	const struct health_spec *h = a.services[0].health;
	ASSERT_TRUE(h != NULL);
	ASSERT_EQ(HEALTH_PROBE_EXEC, h->probe);
	ASSERT_STREQ("test -e /tmp/ok", h->command[2]);
	ASSERT_TRUE(h->command[3] == NULL);
	ASSERT_EQ(250, h->interval_ms);
	ASSERT_EQ(1000, h->timeout_ms);
	ASSERT_EQ(5000, h->start_period_ms);
	ASSERT_EQ(7, h->retries);
	ASSERT_EQ(HEALTH_POWEROFF, h->on_failure);
	h = a.services[1].health;
	ASSERT_EQ(HEALTH_PROBE_HTTP, h->probe);
	ASSERT_EQ(8080, h->port);
	ASSERT_STREQ("/healthz", h->path);
	ASSERT_EQ(HEALTH_NONE, h->on_failure);
	ASSERT_TRUE(a.services[1].depends_healthy != NULL && a.services[1].depends_healthy[0]);
	ASSERT_TRUE(a.onboot[0].health == NULL && a.services[0].depends_healthy == NULL);
	appliance_free(&a);
}

TEST(health_checks_the_init_could_not_run_are_refused_with_their_path)
{
	refused(edited("services", 0, AJ_C_HEALTH, json_pack("{s:s, s:s}", AJ_H_PROBE, "udp", AJ_H_ON_FAILURE, "none")),
		"/etc/bulkhead/appliance.json: services[0].health needs a probe (exec, tcp or http) and an on_failure "
		"(restart, stop, poweroff or none)");
	refused(edited("services", 0, AJ_C_HEALTH, json_pack("{s:s, s:s}", AJ_H_PROBE, "exec", AJ_H_ON_FAILURE, "none")),
		"/etc/bulkhead/appliance.json: services[0].health needs a command");
	refused(edited("services", 0, AJ_C_HEALTH,
		       json_pack("{s:s, s:s, s:i}", AJ_H_PROBE, "tcp", AJ_H_ON_FAILURE, "stop", AJ_H_PORT, 70000)),
		"/etc/bulkhead/appliance.json: services[0].health.port must be an integer from 1 to 65535");
	refused(edited("services", 0, AJ_C_HEALTH,
		       json_pack("{s:s, s:s, s:i, s:s}", AJ_H_PROBE, "http", AJ_H_ON_FAILURE, "stop", AJ_H_PORT, 80,
				 AJ_H_PATH, "/a b")),
		"/etc/bulkhead/appliance.json: services[0].health.path must start with / and hold only printable characters");
	refused(edited("services", 0, AJ_C_HEALTH,
		       json_pack("{s:s, s:s, s:[s], s:i}", AJ_H_PROBE, "exec", AJ_H_ON_FAILURE, "none", AJ_H_COMMAND, "true",
				 AJ_H_INTERVAL_MS, 0)),
		"/etc/bulkhead/appliance.json: services[0].health.interval_ms must be an integer from 10 to 3600000");
	refused(edited("services", 0, AJ_C_HEALTH,
		       json_pack("{s:s, s:s, s:[s], s:b}", AJ_H_PROBE, "exec", AJ_H_ON_FAILURE, "none", AJ_H_COMMAND, "true",
				 "disable", 1)),
		"/etc/bulkhead/appliance.json: services[0].health.disable is not a key of appliance.json (docs/appliance.md)");
	/* svc2 depends on svc1, which has no check. */
	refused(edited("services", 1, AJ_C_DEPENDS_ON_HEALTHY, json_pack("[s]", "svc1")),
		"/etc/bulkhead/appliance.json: services[1].depends_on_healthy[0] is not of its depends_on or has no health "
		"check");
}

TEST(a_shared_image_round_trips_and_needs_a_user_namespace)
{
	struct manifest m;
	struct appliance a;

	full_manifest(&m);
	m.services[1].userns.base = 100000;
	m.services[1].userns.size = 65536;
	m.services[1].shared_image = 3; /* image 2 */
	round_trip(&m, modules, &a);
	ASSERT_EQ(-1, a.services[0].shared_image); /* absent: its own rootfs */
	ASSERT_EQ(2, a.services[1].shared_image);
	ASSERT_TRUE(!a.services[1].image_unmounted);
	appliance_free(&a);
	refused(edited("services", 0, "shared_image", json_integer(0)),
		"/etc/bulkhead/appliance.json: services[0] has shared_image but no user namespace (userns_size)");
	refused(edited("services", 0, "shared_image", json_integer(-1)),
		"/etc/bulkhead/appliance.json: services[0].shared_image must be an integer from 0 to 999");
	refused(edited("services", 0, "shared_image", json_string("0")),
		"/etc/bulkhead/appliance.json: services[0].shared_image must be an integer from 0 to 999");
}
