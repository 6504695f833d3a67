/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Links, addresses and routes over rtnetlink: the few requests the init
 * makes, each sent on its own socket and acknowledged by the kernel.
 *
 * Spoken directly rather than through libmnl: Debian's libmnl source
 * package could not be fetched from the registry this project builds from,
 * and its binary package ships only a shared library, which a static musl
 * PID 1 cannot link. A few fixed requests need no more than this file.
 *
 * Every request acts in the network namespace the init is in when it asks
 * (sockets and interface names belong to the caller's): networks.c enters
 * a container's namespace to configure the inside of its links. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "init.h"

#define REQUEST_BYTES 512
#define ANSWER_BYTES 8192
#define ACK_WAIT_MS 2000

struct request {
	struct nlmsghdr header;
	union {
		struct ifinfomsg link;
		struct ifaddrmsg address;
		struct rtmsg route;
		struct ndmsg neighbour;
	};
	char attributes[REQUEST_BYTES];
};

static void add_attribute(struct request *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->header.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->header.nlmsg_len = NLMSG_ALIGN(req->header.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* A nested attribute: its members follow, until nest_end gives its length. */
static struct rtattr *nest_begin(struct request *req, unsigned short type)
{
	struct rtattr *nest = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->header.nlmsg_len));

	add_attribute(req, type, NULL, 0);
	return nest;
}

static void nest_end(struct request *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)req + req->header.nlmsg_len - (char *)nest);
}

static void begin(struct request *req, unsigned short type, unsigned short flags, size_t body)
{
	memset(req, 0, sizeof(*req));
	req->header.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
	req->header.nlmsg_type = type;
	req->header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
}

/* Sends REQ and reads until the kernel's acknowledgement of it: 0, or the
 * -errno it reports. Anything else on the socket is skipped. */
static int transact(struct request *req)
{
	static unsigned sequence;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval wait = { .tv_sec = ACK_WAIT_MS / 1000, .tv_usec = (ACK_WAIT_MS % 1000) * 1000 };
	char answer[ANSWER_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	/* The kernel answers a request at once; the bound only guards a
	 * kernel that would not, so that PID 1 cannot hang here. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) < 0)
		return -errno;
	req->header.nlmsg_seq = ++sequence;
	if (sendto(fd, req, req->header.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, answer, sizeof(answer), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != req->header.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EBADMSG;
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static int link_index(const char *ifname, struct bh_err *err)
{
	unsigned index = if_nametoindex(ifname);

	return index ? (int)index : bh_fail_errno(err, -ENODEV, "%s: no such interface", ifname);
}

int netlink_link_up(const char *ifname, struct bh_err *err)
{
	struct request req;
	int index = link_index(ifname, err), r;

	if (index < 0)
		return index;
	begin(&req, RTM_NEWLINK, 0, sizeof(req.link));
	req.link.ifi_family = AF_UNSPEC;
	req.link.ifi_index = index;
	req.link.ifi_flags = IFF_UP;
	req.link.ifi_change = IFF_UP;
	if ((r = transact(&req)) < 0)
		return bh_fail_errno(err, r, "%s: bringing the link up", ifname);
	return 0;
}

static int address_request(unsigned short type, unsigned short flags, unsigned char scope, const char *ifname,
			   struct in_addr address, unsigned prefix, struct bh_err *err)
{
	struct request req;
	int index = link_index(ifname, err), r;
	char text[INET_ADDRSTRLEN] = "";

	if (index < 0)
		return index;
	if (prefix < 1 || prefix > 32)
		return bh_fail(err, -EINVAL, "%s: prefix /%u is not 1..32", ifname, prefix);
	begin(&req, type, flags, sizeof(req.address));
	req.address.ifa_family = AF_INET;
	req.address.ifa_prefixlen = (unsigned char)prefix;
	req.address.ifa_scope = scope;
	req.address.ifa_index = (unsigned)index;
	add_attribute(&req, IFA_LOCAL, &address.s_addr, 4);
	add_attribute(&req, IFA_ADDRESS, &address.s_addr, 4);
	if (type == RTM_NEWADDR && prefix < 31) {
		/* The subnet's broadcast address, as `ip addr add ... brd +` sets. */
		uint32_t brd = htonl(ntohl(address.s_addr) | (0xffffffffU >> prefix));
		add_attribute(&req, IFA_BROADCAST, &brd, 4);
	}
	if ((r = transact(&req)) < 0) {
		inet_ntop(AF_INET, &address, text, sizeof(text));
		return bh_fail_errno(err, r, "%s: %s address %s/%u", ifname, type == RTM_NEWADDR ? "adding" : "removing",
				     text, prefix);
	}
	return 0;
}

int netlink_address_add(const char *ifname, struct in_addr address, unsigned prefix, struct bh_err *err)
{
	/* NLM_F_REPLACE: a renewed lease of the same address is no error. */
	return address_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, RT_SCOPE_UNIVERSE, ifname, address, prefix,
			       err);
}

int netlink_address_remove(const char *ifname, struct in_addr address, unsigned prefix, struct bh_err *err)
{
	return address_request(RTM_DELADDR, 0, RT_SCOPE_UNIVERSE, ifname, address, prefix, err);
}

int netlink_address_add_link_scope(const char *ifname, struct in_addr address, unsigned prefix, struct bh_err *err)
{
	return address_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, RT_SCOPE_LINK, ifname, address, prefix, err);
}

int netlink_route_add(const char *ifname, struct in_addr destination, unsigned prefix, struct in_addr gateway,
		      struct bh_err *err)
{
	struct request req;
	int index = link_index(ifname, err), r;
	char text[INET_ADDRSTRLEN] = "", via[INET_ADDRSTRLEN] = "";

	if (index < 0)
		return index;
	begin(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(req.route));
	req.route.rtm_family = AF_INET;
	req.route.rtm_table = RT_TABLE_MAIN;
	req.route.rtm_protocol = RTPROT_BOOT;
	req.route.rtm_dst_len = (unsigned char)prefix;
	/* Without a gateway the destination is on the link itself. */
	req.route.rtm_scope = gateway.s_addr ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	req.route.rtm_type = RTN_UNICAST;
	if (prefix)
		add_attribute(&req, RTA_DST, &destination.s_addr, 4);
	if (gateway.s_addr)
		add_attribute(&req, RTA_GATEWAY, &gateway.s_addr, 4);
	add_attribute(&req, RTA_OIF, &index, sizeof(index));
	if ((r = transact(&req)) < 0) {
		inet_ntop(AF_INET, &destination, text, sizeof(text));
		inet_ntop(AF_INET, &gateway, via, sizeof(via));
		return bh_fail_errno(err, r, "%s: adding the route to %s/%u%s%s", ifname, prefix ? text : "0.0.0.0",
				     prefix, gateway.s_addr ? " via " : "", gateway.s_addr ? via : "");
	}
	return 0;
}

int netlink_default_route(const char *ifname, struct in_addr gateway, struct bh_err *err)
{
	return netlink_route_add(ifname, (struct in_addr){ 0 }, 0, gateway, err);
}

/* A new link NAME of KIND; for a veth, its peer PEER in the namespace of
 * PEER_NETNS_FD with the address PEER_MAC. */
static int link_new(const char *name, const char *kind, const char *peer, int peer_netns_fd, const uint8_t *peer_mac,
		    struct bh_err *err)
{
	struct request req;
	int r;

	begin(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(req.link));
	req.link.ifi_family = AF_UNSPEC;
	add_attribute(&req, IFLA_IFNAME, name, strlen(name) + 1);
	struct rtattr *info = nest_begin(&req, IFLA_LINKINFO);
	add_attribute(&req, IFLA_INFO_KIND, kind, strlen(kind) + 1);
	if (peer) {
		struct rtattr *data = nest_begin(&req, IFLA_INFO_DATA);
		struct rtattr *peer_info = nest_begin(&req, VETH_INFO_PEER);
		/* The peer's part starts with its own ifinfomsg. */
		req.header.nlmsg_len += (unsigned)NLMSG_ALIGN(sizeof(struct ifinfomsg));
		add_attribute(&req, IFLA_IFNAME, peer, strlen(peer) + 1);
		uint32_t fd = (uint32_t)peer_netns_fd;
		add_attribute(&req, IFLA_NET_NS_FD, &fd, sizeof(fd));
		add_attribute(&req, IFLA_ADDRESS, peer_mac, 6);
		nest_end(&req, peer_info);
		nest_end(&req, data);
	}
	nest_end(&req, info);
	if ((r = transact(&req)) < 0)
		return bh_fail_errno(err, r, "%s: creating the %s", name, kind);
	return 0;
}

int netlink_bridge_add(const char *name, struct bh_err *err)
{
	return link_new(name, "bridge", NULL, -1, NULL, err);
}

int netlink_veth_add(const char *host, const char *peer, int peer_netns_fd, const uint8_t mac[6], struct bh_err *err)
{
	return link_new(host, "veth", peer, peer_netns_fd, mac, err);
}

/* A static entry of the bridge's forwarding table: MAC lives on PORT. */
static int fdb_add(const char *port, int index, const uint8_t mac[6], struct bh_err *err)
{
	struct request req;
	int r;

	begin(&req, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, sizeof(req.neighbour));
	req.neighbour.ndm_family = AF_BRIDGE;
	req.neighbour.ndm_ifindex = index;
	req.neighbour.ndm_state = NUD_NOARP; /* static: forwarded to the port, never aged out */
	req.neighbour.ndm_flags = NTF_MASTER;
	add_attribute(&req, NDA_LLADDR, mac, 6);
	if ((r = transact(&req)) < 0)
		return bh_fail_errno(err, r, "%s: the bridge's entry for its MAC", port);
	return 0;
}

int netlink_bridge_port(const char *port, const char *bridge, const uint8_t mac[6], struct bh_err *err)
{
	struct request req;
	int index = link_index(port, err), master = link_index(bridge, err), r;

	if (index < 0 || master < 0)
		return -ENODEV;
	begin(&req, RTM_NEWLINK, 0, sizeof(req.link));
	req.link.ifi_family = AF_UNSPEC;
	req.link.ifi_index = index;
	add_attribute(&req, IFLA_MASTER, &master, sizeof(master));
	if ((r = transact(&req)) < 0)
		return bh_fail_errno(err, r, "%s: joining the bridge %s", port, bridge);
	/* An isolated port reaches only the bridge itself, never another
	 * port: containers meet only where the rules route them. The port
	 * learns nothing (a frame to a link-local MAC would otherwise teach
	 * the bridge a forged source before any hook sees it) and floods no
	 * unknown unicast or multicast to it (a peer's traffic whose entry
	 * aged out would reach every port): the one MAC behind it is a static
	 * entry. Broadcast still floods, for ARP. Asked of the bridge, the
	 * port's master, once it is one. */
	begin(&req, RTM_NEWLINK, 0, sizeof(req.link));
	req.link.ifi_family = AF_UNSPEC;
	req.link.ifi_index = index;
	struct rtattr *info = nest_begin(&req, IFLA_LINKINFO);
	add_attribute(&req, IFLA_INFO_SLAVE_KIND, "bridge", sizeof("bridge"));
	struct rtattr *data = nest_begin(&req, IFLA_INFO_SLAVE_DATA);
	uint8_t on = 1, off = 0;
	add_attribute(&req, IFLA_BRPORT_ISOLATED, &on, sizeof(on));
	add_attribute(&req, IFLA_BRPORT_LEARNING, &off, sizeof(off));
	add_attribute(&req, IFLA_BRPORT_UNICAST_FLOOD, &off, sizeof(off));
	add_attribute(&req, IFLA_BRPORT_MCAST_FLOOD, &off, sizeof(off));
	nest_end(&req, data);
	nest_end(&req, info);
	if ((r = transact(&req)) < 0)
		return bh_fail_errno(err, r, "%s: isolating the bridge port", port);
	return fdb_add(port, index, mac, err);
}

/* Reading answers, shared with nft.c and power.c (init.h says what). */
const uint8_t *netlink_attribute(const uint8_t *at, size_t len, uint16_t type, size_t *payload)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		memcpy(&a, at, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			return NULL;
		if ((a.nla_type & NLA_TYPE_MASK) == type) {
			*payload = a.nla_len - NLA_HDRLEN;
			return at + NLA_HDRLEN;
		}
		size_t step = (size_t)NLA_ALIGN(a.nla_len);
		if (step >= len)
			return NULL;
		at += step;
		len -= step;
	}
	return NULL;
}
