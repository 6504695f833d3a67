/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The containers' networks, made once at boot before any container starts,
 * as the builder decided them (appliance.json's networks and links):
 *
 *   1. the rule set (NET_RULES), loaded in one atomic batch;
 *   2. forwarding on, redirects off: containers reach each other only
 *      through us;
 *   3. a bridge per network, with the containers' gateway address;
 *   4. per networked container, a network namespace kept at NETNS_DIR/NAME
 *      (its config.json joins it), lo up, IPv6 off, and per link a veth
 *      pair: one end an isolated port of the bridge, the other inside with
 *      the container's address and MAC, a route to the gateway and the
 *      default route through it.
 *
 * Fail closed: nothing is made for a container unless the rules are in
 * place, and a container whose links could not all be made loses its
 * namespace again, so that its start fails rather than run with half its
 * walls. PID 1 logs why and goes on: the other containers are not at fault. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"

/* A larger file is not one the builder wrote (nft.c's bound). */
#define NET_RULES_MAX ((long)NFT_BATCH_MAX)

static int load_rules(const char *path, struct bh_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t len = 0;
	ssize_t n = 1;

	if (fd < 0 || fstat(fd, &st) < 0)
		return bh_fail_errno(err, -errno, "%s", path);
	if (!S_ISREG(st.st_mode) || st.st_size > NET_RULES_MAX)
		return bh_fail(err, -EFBIG, "%s: not a file of at most %ld bytes", path, NET_RULES_MAX);
	/* The file's own size, not the bound: PID 1 holds only what it sends. */
	_cleanup_free_ char *batch = malloc((size_t)st.st_size + 1);
	if (!batch)
		return bh_fail(err, -ENOMEM, "out of memory");
	while (n > 0 && len < (size_t)st.st_size)
		if ((n = read(fd, batch + len, (size_t)st.st_size - len)) > 0)
			len += (size_t)n;
	if (n < 0)
		return bh_fail_errno(err, -errno, "%s", path);
	return nft_load(batch, len, err);
}

/* A sysctl of the namespace we are in (/proc/sys/net follows the opener's). */
static int sysctl_write(const char *path, const char *value, struct bh_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);

	if (fd < 0 || write(fd, value, len) != (ssize_t)len)
		return bh_fail_errno(err, -errno, "%s", path);
	return 0;
}

static int bridge_make(const struct network_spec *net, struct bh_err *err)
{
	int r = netlink_bridge_add(net->bridge, err);

	if (r == 0)
		r = netlink_address_add_link_scope(net->bridge, net->address, net->prefix, err);
	return r < 0 ? r : netlink_link_up(net->bridge, err);
}

/* Enters the namespace FD (CLONE_NEWNET); our own is at HOME. A failure to
 * come home would leave PID 1 in a container's namespace, where everything
 * it made next would land: never expected, and the end of the boot
 * (networks_start returns -1). */
static bool stranded;

static int enter(int fd, const char *what, struct bh_err *err)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return bh_fail_errno(err, -errno, "entering %s's network namespace", what);
	return 0;
}

static void come_home(int home)
{
	if (setns(home, CLONE_NEWNET) < 0) {
		log_warn_errno(errno, "network: returning to the init's network namespace");
		stranded = true;
	}
}

/* Inside the container's namespace: lo, no IPv6 (its router solicitations
 * would only be refused at the bridge), and nothing else yet. */
static int inside_prepare(struct bh_err *err)
{
	int r = netlink_link_up("lo", err);

	if (r == 0 && access("/proc/sys/net/ipv6", F_OK) == 0) {
		if ((r = sysctl_write("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1", err)) == 0)
			r = sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1", err);
	}
	return r;
}

/* A new network namespace for a container, kept by a bind mount at PATH:
 * netns_make returns its descriptor, or -errno. */
static void netns_drop(const char *path);

/* PID 1 unshares itself for a moment: it is single-threaded and comes home
 * before anything else runs. */
static int netns_here(int home, const char *name, const char *path, struct bh_err *err)
{
	_cleanup_close_ int file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int r = 0;

	if (file < 0)
		return bh_fail_errno(err, -errno, "%s", path);
	if (unshare(CLONE_NEWNET) < 0) {
		unlink(path);
		return bh_fail_errno(err, -errno, "%s: a new network namespace", name);
	}
	if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		r = bh_fail_errno(err, -errno, "%s: keeping its network namespace at %s", name, path);
	if (r == 0)
		r = inside_prepare(err);
	come_home(home);
	return r;
}

static int netns_make(int home, const struct container_spec *c, const char *path, struct bh_err *err)
{
	/* Owned by its user namespace, if it has one: made by a child in there. */
	int r = c->userns_size ? userns_netns_make(c, path, inside_prepare, err) : netns_here(home, c->name, path, err);
	int fd = r < 0 ? r : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && r == 0)
		r = bh_fail_errno(err, -errno, "%s", path);
	/* Nothing half made stays: without its namespace it cannot start. */
	if (r < 0)
		netns_drop(path);
	return r < 0 ? r : fd;
}

/* One link: the veth pair, its bridge port, and inside its address (a /32:
 * every packet goes through the gateway, where the rules are), the route
 * to the gateway on the link, the network's subnet through it, and for the
 * first link the default route. */
static int link_make(const struct appliance *a, const struct container_spec *c, size_t i, int netns, int home,
		     struct bh_err *err)
{
	const struct link_spec *l = &c->links[i];
	const struct network_spec *net = &a->networks[l->network];
	struct in_addr subnet = { htonl(ntohl(net->address.s_addr) & interface_netmask(net->prefix)) };
	int r = netlink_veth_add(l->host, l->name, netns, l->mac, err);

	if (r == 0)
		r = netlink_bridge_port(l->host, net->bridge, l->mac, err);
	if (r == 0)
		r = netlink_link_up(l->host, err);
	if (r < 0 || (r = enter(netns, c->name, err)) < 0)
		return r;
	r = netlink_link_up(l->name, err);
	if (r == 0)
		r = netlink_address_add(l->name, l->address, 32, err);
	if (r == 0)
		r = netlink_route_add(l->name, net->address, 32, (struct in_addr){ 0 }, err);
	if (r == 0)
		r = netlink_route_add(l->name, subnet, net->prefix, net->address, err);
	if (r == 0 && i == 0)
		r = netlink_default_route(l->name, net->address, err);
	come_home(home);
	return r;
}

/* Undoes what container_make made of C's namespace: without it, its start
 * fails. The veths go with the namespace. */
static void netns_drop(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		log_warn_errno(errno, "network: unmounting %s", path);
	unlink(path);
}

static int container_make(const struct appliance *a, const struct container_spec *c, int home, struct bh_err *err)
{
	char path[256];

	snprintf(path, sizeof(path), NETNS_DIR "/%s", c->name);
	int netns = netns_make(home, c, path, err), r = netns;
	for (size_t i = 0; netns >= 0 && i < c->n_links && r >= 0; i++)
		r = link_make(a, c, i, netns, home, err);
	if (netns >= 0)
		close(netns);
	if (r < 0 && netns >= 0)
		netns_drop(path);
	if (stranded)
		r = bh_fail(err, -EIO, "the init could not return to its own network namespace");
	return r < 0 ? r : 0;
}

bool networks_namespace_is_ours(void)
{
	struct if_nameindex *all = if_nameindex();
	bool only_lo = all && all[0].if_name && strcmp(all[0].if_name, "lo") == 0 && !all[1].if_name;

	if (all)
		if_freenameindex(all);
	return only_lo;
}

static size_t networked_count(const struct appliance *a)
{
	size_t n = 0;
	const struct container_spec *c;

	for (size_t i = 0; (c = appliance_container(a, i)); i++)
		n += c->n_links > 0;
	return n;
}

int networks_start(const struct appliance *a, const char *rules)
{
	struct bh_err err = { 0 };
	size_t wanted = networked_count(a);
	int ready = 0;
	const struct container_spec *c;
	bool *bridge_ok = NULL;

	if (!a->n_networks)
		return 0;
	if (load_rules(rules, &err) < 0) {
		log_warn("network: the rule set could not be loaded (%s): none of the %zu containers on a network "
			 "will start",
			 err.msg, wanted);
		return 0;
	}
	_cleanup_close_ int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r = home < 0 ? bh_fail_errno(&err, -errno, "/proc/self/ns/net") : 0;
	if (r == 0)
		r = sysctl_write("/proc/sys/net/ipv4/ip_forward", "1", &err);
	/* Containers' packets leave by the bridge they came in on: no ICMP
	 * redirect may tell one to go to another directly. */
	if (r == 0)
		r = sysctl_write("/proc/sys/net/ipv4/conf/all/send_redirects", "0", &err);
	if (r == 0)
		r = sysctl_write("/proc/sys/net/ipv4/conf/default/send_redirects", "0", &err);
	/* A unicast IPv4 packet in a link-layer multicast frame is not for us:
	 * refused before the rules, as a second wall to the spoofing chain. */
	if (r == 0)
		r = sysctl_write("/proc/sys/net/ipv4/conf/all/drop_unicast_in_l2_multicast", "1", &err);
	/* The bridges and veths made next carry no IPv6, which no rule filters
	 * (the NICs, made already, keep theirs). */
	if (r == 0 && access("/proc/sys/net/ipv6", F_OK) == 0)
		r = sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1", &err);
	if (r == 0 && (mkdir(CONTROL_DIR, 0700) < 0 && errno != EEXIST))
		r = bh_fail_errno(&err, -errno, "%s", CONTROL_DIR);
	if (r == 0 && (mkdir(NETNS_DIR, 0700) < 0 && errno != EEXIST))
		r = bh_fail_errno(&err, -errno, "%s", NETNS_DIR);
	if (r == 0 && !(bridge_ok = calloc(a->n_networks, sizeof(bool))))
		r = bh_fail(&err, -ENOMEM, "out of memory");
	if (r < 0) {
		log_warn("network: %s: none of the %zu containers on a network will start", err.msg, wanted);
		return 0;
	}
	/* Its file must exist to be bound into the containers, DNS or not. */
	int fd = open(NET_RESOLV_CONF, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0)
		close(fd);
	for (size_t n = 0; n < a->n_networks; n++) {
		bridge_ok[n] = bridge_make(&a->networks[n], &err) == 0;
		if (!bridge_ok[n])
			log_warn("network %s: %s: its containers will not start", a->networks[n].name, err.msg);
	}
	for (size_t i = 0; (c = appliance_container(a, i)) && !stranded; i++) {
		bool links_ok = c->n_links > 0;
		for (size_t l = 0; l < c->n_links; l++)
			links_ok &= bridge_ok[c->links[l].network];
		if (!links_ok)
			continue;
		if (container_make(a, c, home, &err) < 0)
			log_warn("network: %s: %s: it will not start", c->name, err.msg);
		else
			ready++;
	}
	free(bridge_ok);
	if (stranded)
		return -1;
	log_info("network: %d of %zu networked containers ready on %zu networks", ready, wanted, a->n_networks);
	return ready;
}

static void report_counter(const char *family, const char *name, uint64_t packets, uint64_t bytes, void *ctx)
{
	(void)family; /* the builder names every counter once across both tables */
	dprintf(*(int *)ctx, "%-56s %12llu %14llu\n", name, (unsigned long long)packets, (unsigned long long)bytes);
}

int networks_report(const struct appliance *a, struct bh_err *err)
{
	if (!a->n_networks)
		return bh_fail(err, -ENOENT, "this appliance has no networks");
	int fd = memfd_create("net-report", MFD_CLOEXEC);
	if (fd < 0)
		return bh_fail_errno(err, -errno, "memfd_create");
	dprintf(fd, "%-56s %12s %14s\n", "COUNTER", "PACKETS", "BYTES");
	int r = nft_counters(report_counter, &fd, err);
	if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return r < 0 ? r : bh_fail_errno(err, -errno, "lseek");
	}
	return fd;
}

/* A container's addresses as ps shows them: NETWORK=ADDRESS,... or "-". */
void networks_addresses(const struct appliance *a, const struct container_spec *c, char *buf, size_t size)
{
	size_t len = 0;
	char text[INET_ADDRSTRLEN];

	snprintf(buf, size, "-");
	for (size_t i = 0; i < c->n_links && len < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s=%s", i ? "," : "", a->networks[c->links[i].network].name,
				 inet_ntop(AF_INET, &c->links[i].address, text, sizeof(text)));
		len += n > 0 ? (size_t)n : 0;
	}
}
