/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The appliance's interfaces: a static one configured once at boot, a DHCP
 * one driven by a client that lives in the supervisor's loop.
 *
 * The client is RFC 2131's state machine (INIT, SELECTING, REQUESTING,
 * BOUND, RENEWING at T1, REBINDING at T2, back to INIT when the lease
 * expires), with one non-blocking socket in the loop's poll set and one
 * deadline: PID 1 never waits for a server. The boot does not wait for a
 * lease either; a lost server is logged and asked again with back-off.
 *
 * The socket is a UDP socket bound to port 68 on the interface
 * (SO_BINDTODEVICE), with SO_BROADCAST, and every request before the
 * address exists asks for a broadcast answer. Linux sends from 0.0.0.0 and
 * delivers a limited broadcast to it before the interface has an address,
 * so no raw frames are built or parsed here: the kernel checks the IP and
 * UDP headers and their checksums, and PID 1 parses only the DHCP message.
 * The price: reverse-path filtering (rp_filter) on the interface would drop
 * those broadcasts while it has no address; the init's namespace leaves it
 * at the kernel's default, off. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define REQUEST_TRIES 4     /* REQUESTs for one offer before starting over */
#define RECEIVE_BATCH 8     /* datagrams read per wake-up: a flood cannot hold the loop */
#define RECEIVE_BYTES 1500

struct client {
	struct interface_spec spec;
	int fd;
	uint8_t mac[6];
	enum dhcp_state state;
	uint32_t xid;
	unsigned attempt;       /* sends in this state so far, less one */
	long next_ms;           /* the timer: resend, or move on */
	long first_send_ms;     /* the DISCOVER that began this exchange (secs) */
	long request_ms;        /* the last REQUEST: a lease counts from it */
	struct dhcp_reply offer, lease;
	bool bound;             /* lease.address is on the interface */
	struct dhcp_times times;
	unsigned long dropped;  /* malformed messages */
	unsigned long naks;     /* refusals, said at 1, 2, 4, 8, ... */
	unsigned restarts;      /* exchanges begun again since the last lease: the back-off */
};

struct net {
	const char *resolv;
	const struct interface_spec *ifs; /* the static ones' DNS, for resolv.conf */
	size_t n_ifs;
	struct client clients[NET_POLL_MAX];
	size_t n_clients;
};

static long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *ip(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

/* ---- DNS ---- */

static void add_dns(struct in_addr *all, size_t *n, const struct in_addr *dns, size_t n_dns)
{
	for (size_t i = 0; i < n_dns && *n < INTERFACE_MAX_DNS; i++) {
		bool seen = false;
		for (size_t j = 0; j < *n; j++)
			seen |= all[j].s_addr == dns[i].s_addr;
		if (!seen)
			all[(*n)++] = dns[i];
	}
}

/* resolv.conf from every interface: the manifest's servers first, then the
 * leases' (the manifest's dns: for a DHCP interface replaces its lease's). */
static void write_resolv(const struct net *net)
{
	struct in_addr all[INTERFACE_MAX_DNS];
	size_t n = 0, len = 0;
	char text[INTERFACE_MAX_DNS * 32 + 1] = "", address[INET_ADDRSTRLEN];

	for (size_t i = 0; i < net->n_ifs; i++)
		add_dns(all, &n, net->ifs[i].dns, net->ifs[i].n_dns);
	for (size_t i = 0; i < net->n_clients; i++) {
		const struct client *c = &net->clients[i];
		if (c->bound && !c->spec.n_dns)
			add_dns(all, &n, c->lease.dns, c->lease.n_dns);
	}
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "nameserver %s\n", ip(all[i], address));
	/* Rewritten in place, in one write, never renamed over: the containers
	 * on a network see this file through a bind mount of its inode. */
	int fd = open(net->resolv, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		log_warn_errno(errno, "dns: writing %s", net->resolv);
}

static void log_dns(const char *ifname, const struct in_addr *dns, size_t n)
{
	char text[3][INET_ADDRSTRLEN];

	if (n)
		log_info("%s: dns %s%s%s%s%s", ifname, ip(dns[0], text[0]), n > 1 ? " " : "",
			 n > 1 ? ip(dns[1], text[1]) : "", n > 2 ? " " : "", n > 2 ? ip(dns[2], text[2]) : "");
}

/* ---- the DHCP client ---- */

static void send_request(struct client *c, enum dhcp_type type, long now)
{
	uint8_t buf[DHCP_MESSAGE_MAX];
	long secs = (now - c->first_send_ms) / 1000;
	struct dhcp_request req = {
		.type = type,
		.xid = c->xid,
		.secs = (uint16_t)(secs > 65535 ? 65535 : secs),
		/* Without an address the kernel would drop a unicast answer. */
		.broadcast = !c->bound,
	};
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT),
				  .sin_addr.s_addr = INADDR_BROADCAST };
	char text[INET_ADDRSTRLEN];

	memcpy(req.mac, c->mac, sizeof(req.mac));
	if (c->state == DHCP_REQUESTING) {
		req.requested = c->offer.address;
		req.server_id = c->offer.server_id;
	} else if (c->state == DHCP_RENEWING || c->state == DHCP_REBINDING) {
		req.ciaddr = c->lease.address;
		if (c->state == DHCP_RENEWING)
			to.sin_addr = c->lease.server_id;
	}
	if (type == DHCP_REQUEST)
		c->request_ms = now;
	size_t len = dhcp_build(&req, buf);
	if (sendto(c->fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		log_warn_errno(errno, "%s: sending a DHCP message to %s", c->spec.name, ip(to.sin_addr, text));
}

/* INIT: a new exchange, from DISCOVER. */
static void client_discover(struct client *c, long now)
{
	c->state = DHCP_SELECTING;
	c->xid = random32_nonblocking();
	c->attempt = 0;
	c->first_send_ms = now;
	send_request(c, DHCP_DISCOVER, now);
	c->next_ms = now + dhcp_backoff_ms(0, random32_nonblocking());
}

/* Back to INIT, the next DISCOVER after the back-off of the exchanges
 * begun again since the last lease (4, 8, ... 64 s). */
static void client_restart_later(struct client *c, long now)
{
	c->state = DHCP_INIT;
	c->next_ms = now + dhcp_backoff_ms(c->restarts++, random32_nonblocking());
}

static void client_unbind(struct net *net, struct client *c)
{
	struct bh_err err = { 0 };

	if (!c->bound)
		return;
	if (netlink_address_remove(c->spec.name, c->lease.address, c->lease.prefix, &err) < 0)
		log_warn("%s", err.msg);
	c->bound = false;
	write_resolv(net);
}

static void client_bind(struct net *net, struct client *c, const struct dhcp_reply *r, long now)
{
	struct bh_err err = { 0 };
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], lease[32];
	bool renewal = c->bound && c->lease.address.s_addr == r->address.s_addr && c->lease.prefix == r->prefix;

	if (c->bound && !renewal)
		client_unbind(net, c);
	if (netlink_address_add(c->spec.name, r->address, r->prefix, &err) < 0) {
		/* Not ours to use: try again later, from the start, and hold
		 * no address meanwhile (no timer would take it away in INIT). */
		log_warn("%s", err.msg);
		client_unbind(net, c);
		client_restart_later(c, now);
		return;
	}
	bool routed = r->router.s_addr != 0;
	if (routed && netlink_default_route(c->spec.name, r->router, &err) < 0) {
		log_warn("%s", err.msg);
		routed = false;
	}
	c->lease = *r;
	c->bound = true;
	c->times = dhcp_lease_times(r, c->request_ms);
	c->state = DHCP_BOUND;
	c->attempt = 0;
	c->restarts = 0;
	c->next_ms = c->times.t1_ms;
	if (r->lease_s == DHCP_LEASE_INFINITE)
		snprintf(lease, sizeof(lease), "infinite");
	else
		snprintf(lease, sizeof(lease), "%u s", r->lease_s);
	if (renewal) {
		log_info("%s: lease of %s renewed (lease %s)", c->spec.name, ip(r->address, a), lease);
		return;
	}
	if (routed)
		log_info("%s: %s/%u via %s (dhcp, lease %s)", c->spec.name, ip(r->address, a), r->prefix,
			 ip(r->router, g), lease);
	else
		log_info("%s: %s/%u (dhcp, lease %s%s)", c->spec.name, ip(r->address, a), r->prefix, lease,
			 r->router.s_addr ? "; without the default route it gave" : "");
	log_dns(c->spec.name, c->spec.n_dns ? c->spec.dns : r->dns, c->spec.n_dns ? c->spec.n_dns : r->n_dns);
	write_resolv(net);
}

static void client_reply(struct net *net, struct client *c, const struct dhcp_reply *r, long now)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	if (c->state == DHCP_SELECTING && r->type == DHCP_OFFER) {
		c->offer = *r;
		c->state = DHCP_REQUESTING;
		c->attempt = 0;
		send_request(c, DHCP_REQUEST, now);
		c->next_ms = now + dhcp_backoff_ms(0, random32_nonblocking());
		return;
	}
	if (c->state != DHCP_REQUESTING && c->state != DHCP_RENEWING && c->state != DHCP_REBINDING)
		return;
	/* Answers to a REQUEST: in REQUESTING only from the server we chose. */
	if (c->state == DHCP_REQUESTING && r->server_id.s_addr && r->server_id.s_addr != c->offer.server_id.s_addr)
		return;
	if (r->type == DHCP_ACK) {
		client_bind(net, c, r, now);
	} else if (r->type == DHCP_NAK) {
		/* Any peer on the link can answer a broadcast REQUEST with a NAK:
		 * the next exchange waits its back-off, and the warning is
		 * counted, so that a NAK storm neither spins PID 1 nor floods
		 * the console. */
		c->naks++;
		if ((c->naks & (c->naks - 1)) == 0)
			log_warn("%s: the DHCP server %s refused %s; starting over (%lu refusals so far)", c->spec.name,
				 ip(r->server_id, s), ip(c->state == DHCP_REQUESTING ? c->offer.address : c->lease.address, a),
				 c->naks);
		client_unbind(net, c);
		client_restart_later(c, now);
	}
}

static void client_receive(struct net *net, struct client *c, long now)
{
	uint8_t buf[RECEIVE_BYTES];
	struct dhcp_reply r;

	for (int i = 0; i < RECEIVE_BATCH; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0)
			return; /* EAGAIN: all read; another error: the next turn sees it */
		int e = (size_t)n > sizeof(buf) ? -EINVAL : dhcp_parse(buf, (size_t)n, c->xid, c->mac, &r);
		if (e == -ESRCH)
			continue; /* another client's, or an old exchange's */
		if (e < 0) {
			/* Counted; said at 1, 2, 4, 8, ...: a flood cannot flood the console. */
			c->dropped++;
			if ((c->dropped & (c->dropped - 1)) == 0)
				log_warn("%s: dropped a malformed DHCP message (%lu so far)", c->spec.name, c->dropped);
			continue;
		}
		client_reply(net, c, &r, now);
	}
}

static void client_timer(struct net *net, struct client *c, long now)
{
	char a[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN];

	switch (c->state) {
	case DHCP_INIT:
		client_discover(c, now);
		return;
	case DHCP_SELECTING:
		c->attempt++;
		send_request(c, DHCP_DISCOVER, now);
		c->next_ms = now + dhcp_backoff_ms(c->attempt, random32_nonblocking());
		log_info("%s: no DHCP offer yet; asked again, next in %ld s", c->spec.name, (c->next_ms - now) / 1000);
		return;
	case DHCP_REQUESTING:
		if (++c->attempt >= REQUEST_TRIES) {
			log_warn("%s: no answer to the request for %s; starting over", c->spec.name,
				 ip(c->offer.address, a));
			client_discover(c, now);
			return;
		}
		send_request(c, DHCP_REQUEST, now);
		c->next_ms = now + dhcp_backoff_ms(c->attempt, random32_nonblocking());
		return;
	case DHCP_BOUND:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		break;
	}
	enum dhcp_state st = dhcp_lease_state(&c->times, now);
	if (st == DHCP_INIT) {
		log_warn("%s: the lease of %s expired; address removed", c->spec.name, ip(c->lease.address, a));
		client_unbind(net, c);
		client_discover(c, now);
		return;
	}
	if (st == c->state) {
		c->attempt++;
		log_warn("%s: no answer to the %s of %s; asking again", c->spec.name,
			 st == DHCP_RENEWING ? "renewal" : "rebinding", ip(c->lease.address, a));
	} else {
		c->attempt = 0;
		if (st == DHCP_RENEWING)
			log_info("%s: renewing the lease of %s with %s", c->spec.name, ip(c->lease.address, a),
				 ip(c->lease.server_id, s));
		else
			log_warn("%s: renewal of %s unanswered by %s; rebinding with any server", c->spec.name,
				 ip(c->lease.address, a), ip(c->lease.server_id, s));
	}
	c->state = st;
	c->xid = random32_nonblocking();
	c->first_send_ms = now;
	send_request(c, DHCP_REQUEST, now);
	c->next_ms = dhcp_retry_at(st, &c->times, now, c->attempt, random32_nonblocking());
}

/* A UDP socket on port 68 of IFNAME only. */
static int client_socket(struct client *c, struct bh_err *err)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) };
	struct ifreq ifr = { 0 };
	int one = 1;
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return bh_fail_errno(err, -errno, "%s: DHCP socket", c->spec.name);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->spec.name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return bh_fail_errno(err, -errno, "%s: hardware address", c->spec.name);
	memcpy(c->mac, ifr.ifr_hwaddr.sa_data, sizeof(c->mac));
	/* The device first: then each interface's client may bind port 68. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->spec.name, (socklen_t)strlen(c->spec.name)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return bh_fail_errno(err, -errno, "%s: DHCP socket options", c->spec.name);
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0)
		return bh_fail_errno(err, -errno, "%s: binding UDP port %d", c->spec.name, DHCP_CLIENT_PORT);
	return steal_fd(&fd);
}

/* ---- the interfaces ---- */

static bool all_present(const struct interface_spec *ifs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!if_nametoindex(ifs[i].name))
			return false;
	return true;
}

static void configure_static(const struct interface_spec *spec)
{
	struct bh_err err = { 0 };
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];

	if (netlink_address_add(spec->name, spec->address, spec->prefix, &err) < 0) {
		log_warn("%s", err.msg);
		return;
	}
	if (spec->gateway.s_addr && netlink_default_route(spec->name, spec->gateway, &err) < 0) {
		log_warn("%s", err.msg);
		return;
	}
	if (spec->gateway.s_addr)
		log_info("%s: %s/%u via %s (static)", spec->name, ip(spec->address, a), spec->prefix, ip(spec->gateway, g));
	else
		log_info("%s: %s/%u (static)", spec->name, ip(spec->address, a), spec->prefix);
	log_dns(spec->name, spec->dns, spec->n_dns);
}

struct net *net_start(const struct interface_spec *ifs, size_t n, const char *resolv)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	long deadline = clock_ms() + NET_LINK_WAIT_MS;
	struct net *net;
	bool dns = false;

	if (!n)
		return NULL;
	if (!(net = calloc(1, sizeof(*net)))) {
		log_warn("network: out of memory; no interface configured");
		return NULL;
	}
	net->resolv = resolv;
	net->ifs = ifs;
	net->n_ifs = n;
	/* A NIC's driver may still be probing after its module loaded. Said
	 * once, so that a slow boot shows what it waits for. */
	if (!all_present(ifs, n))
		log_info("network: waiting up to %d s for the interfaces to appear", NET_LINK_WAIT_MS / 1000);
	while (!all_present(ifs, n) && clock_ms() < deadline)
		nanosleep(&tick, NULL);
	for (size_t i = 0; i < n; i++) {
		struct bh_err err = { 0 };
		const struct interface_spec *spec = &ifs[i];
		if (!if_nametoindex(spec->name)) {
			log_warn("%s: no such interface after %d s; not configured", spec->name, NET_LINK_WAIT_MS / 1000);
			continue;
		}
		if (netlink_link_up(spec->name, &err) < 0) {
			log_warn("%s", err.msg);
			continue;
		}
		dns |= spec->n_dns > 0;
		if (!spec->dhcp) {
			configure_static(spec);
			continue;
		}
		if (net->n_clients == NET_POLL_MAX) {
			log_warn("%s: more than %d DHCP interfaces; not configured", spec->name, NET_POLL_MAX);
			continue;
		}
		struct client *c = &net->clients[net->n_clients];
		*c = (struct client){ .spec = *spec };
		if ((c->fd = client_socket(c, &err)) < 0) {
			log_warn("%s", err.msg);
			continue;
		}
		net->n_clients++;
		log_info("%s: asking for a DHCP lease", spec->name);
		client_discover(c, clock_ms());
	}
	if (dns)
		write_resolv(net);
	if (!net->n_clients) {
		free(net);
		return NULL;
	}
	return net;
}

size_t net_poll_fds(struct net *net, struct pollfd *fds)
{
	if (!net)
		return 0;
	for (size_t i = 0; i < net->n_clients; i++)
		fds[i] = (struct pollfd){ .fd = net->clients[i].fd, .events = POLLIN };
	return net->n_clients;
}

void net_handle(struct net *net, const struct pollfd *fds, size_t n)
{
	if (!net)
		return;
	long now = clock_ms();
	for (size_t i = 0; i < net->n_clients; i++) {
		struct client *c = &net->clients[i];
		if (i < n && fds[i].revents)
			client_receive(net, c, now);
		if (now >= c->next_ms)
			client_timer(net, c, now);
	}
}

long net_deadline(const struct net *net)
{
	long next = LONG_MAX;

	for (size_t i = 0; net && i < net->n_clients; i++)
		if (net->clients[i].next_ms < next)
			next = net->clients[i].next_ms;
	return next;
}
