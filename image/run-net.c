/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead run's network: the options --net and --publish, the QEMU
 * arguments they make, and what QEMU's failure to set them up means.
 *
 * The VM gets one virtio-net NIC. By default it is on QEMU's user network
 * with restrict=on: the VM reaches neither the host nor the outside, and
 * only what --publish forwards reaches the VM. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* QEMU names the failing option at the start of its error line. */
#define QEMU_NETDEV_ERROR "qemu-system-x86_64: -netdev "

static const struct {
	const char *prefix; /* "tap:" takes an interface name after it */
	int mode;
} net_modes[] = {
	{ "none", RUN_NET_NONE }, { "user", RUN_NET_USER }, { "tap:", RUN_NET_TAP }, { "bridge:", RUN_NET_BRIDGE },
};

/* A network interface's name as the kernel takes it (IFNAMSIZ), and no
 * character QEMU's option parser would read as a separator (",", "="). */
static bool ifname_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 15)
		return false;
	for (const char *c = name; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
		    *c != '_' && *c != '-' && *c != '.')
			return false;
	return true;
}

int run_net_parse(struct run_net *net, const char *spec, struct diag *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(net_modes); i++) {
		const char *prefix = net_modes[i].prefix;
		size_t n = strlen(prefix);
		bool takes_name = prefix[n - 1] == ':';

		if (takes_name ? strncmp(spec, prefix, n) != 0 : strcmp(spec, prefix) != 0)
			continue;
		net->mode = net_modes[i].mode;
		net->ifname[0] = '\0';
		if (!takes_name)
			return 0;
		if (!ifname_ok(spec + n))
			return diag_fail(d, "\"%s\" is not an interface name (1 to 15 letters, digits, '_', '-' or '.': "
					    "--net %sNAME)", spec + n, prefix);
		snprintf(net->ifname, sizeof(net->ifname), "%s", spec + n);
		return 0;
	}
	return diag_fail(d, "unknown network \"%s\" (use none, user, tap:IF or bridge:BR)", spec);
}

/* A port number, 1 to 65535, in decimal digits only, no leading zero
 * (08080 is a typo, not 8080); 0 when it is not. */
static unsigned port_number(const char *s, size_t len)
{
	unsigned port = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		port = port * 10 + (unsigned)(s[i] - '0');
	}
	return port <= 65535 ? port : 0;
}

int run_publish_add(struct run_net *net, const char *spec, struct diag *d)
{
	struct run_publish p = { .spec = spec };
	const char *fields[3];
	size_t lens[3], n = 0;
	const char *end = spec + strlen(spec), *slash = strchr(spec, '/');

	if (net->n_publish == RUN_MAX_PUBLISH)
		return diag_fail(d, "more than %d ports published (publish a range of services through fewer ports)",
				 RUN_MAX_PUBLISH);
	if (strchr(spec, '[') || strchr(spec, ']'))
		return diag_fail(d, "only IPv4 addresses can be published (write [ADDR:]HOST:GUEST with a dotted ADDR)");
	if (slash) {
		if (strcmp(slash, "/udp") == 0)
			p.udp = true;
		else if (strcmp(slash, "/tcp") != 0)
			return diag_fail(d, "unknown protocol \"%s\" (end with /tcp, the default, or /udp)", slash + 1);
		end = slash;
	}
	for (const char *f = spec;; f++) {
		const char *colon = memchr(f, ':', (size_t)(end - f));
		if (n == ARRAY_SIZE(fields))
			return diag_fail(d, "too many ':' (write [ADDR:]HOST:GUEST[/tcp|/udp]; IPv4 only)");
		fields[n] = f, lens[n++] = colon ? (size_t)(colon - f) : (size_t)(end - f);
		if (!colon)
			break;
		f = colon;
	}
	if (n < 2)
		return diag_fail(d, "expected HOST:GUEST, two ports (write [ADDR:]HOST:GUEST[/tcp|/udp], e.g. 8080:80)");
	if (n == 3) {
		char addr[64];
		struct in_addr a;
		snprintf(addr, sizeof(addr), "%.*s", (int)lens[0], fields[0]);
		if (lens[0] >= sizeof(p.addr) || inet_pton(AF_INET, addr, &a) != 1)
			return diag_fail(d, "\"%s\" is not an IPv4 address (write a dotted address such as 127.0.0.1 or "
					    "0.0.0.0 for all of the host's)", addr);
		inet_ntop(AF_INET, &a, p.addr, sizeof(p.addr));
	} else {
		snprintf(p.addr, sizeof(p.addr), "127.0.0.1");
	}
	p.host_port = port_number(fields[n - 2], lens[n - 2]);
	p.guest_port = port_number(fields[n - 1], lens[n - 1]);
	if (!p.host_port || !p.guest_port)
	{
		const char *bad = p.host_port ? fields[n - 1] : fields[n - 2];
		return diag_fail(d, "the %s port \"%.*s\" is not a number from 1 to 65535%s", p.host_port ? "guest" : "host",
				 (int)(p.host_port ? lens[n - 1] : lens[n - 2]), bad,
				 bad[0] == '0' && bad[1] >= '0' && bad[1] <= '9' ? " (write it without a leading zero)" : "");
	}
	for (size_t i = 0; i < net->n_publish; i++) {
		const struct run_publish *q = &net->publish[i];
		if (q->host_port == p.host_port && q->udp == p.udp)
			return diag_fail(d, "host port %u/%s is already published by --publish %s (give each forward "
					    "its own host port)", p.host_port, p.udp ? "udp" : "tcp", q->spec);
	}
	net->publish[net->n_publish++] = p;
	return 0;
}

int run_net_check(const struct run_net *net, struct diag *d)
{
	if (!net->n_publish || net->mode == RUN_NET_USER)
		return 0;
	if (net->mode == RUN_NET_NONE)
		return diag_fail(d, "--publish %s: --net none gives the VM no NIC to forward to (use --net user, the "
				    "default)", net->publish[0].spec);
	return diag_fail(d, "--publish %s: publishing needs --net user; with --net %s:%s the VM sits on the host's "
			    "network under an address of its own, and publishing its ports is the host's job (a "
			    "firewall or DNAT rule to that address)",
			 net->publish[0].spec, net->mode == RUN_NET_TAP ? "tap" : "bridge", net->ifname);
}

/* QEMU's hostfwd rule for P: "tcp:127.0.0.1:8080-:80" (the guest's address
 * left to QEMU: the first one its DHCP server hands out, 10.0.2.15). */
static void hostfwd_rule(const struct run_publish *p, char *out, size_t size)
{
	snprintf(out, size, "%s:%s:%u-:%u", p->udp ? "udp" : "tcp", p->addr, p->host_port, p->guest_port);
}

bool run_net_qemu_args(const struct run_net *net, bool microvm, bool egress, char *netdev, size_t netdev_size,
		       char *device, size_t device_size)
{
	size_t n = 0;

	switch (net->mode) {
	case RUN_NET_NONE:
		return false;
	case RUN_NET_TAP:
		/* script=no: QEMU runs no ifup script as whoever we are; the
		 * tap's set-up is the host's. */
		snprintf(netdev, netdev_size, "tap,id=net0,ifname=%s,script=no,downscript=no", net->ifname);
		break;
	case RUN_NET_BRIDGE:
		snprintf(netdev, netdev_size, "bridge,id=net0,br=%s", net->ifname);
		break;
	default:
		/* restrict=on: the VM reaches neither the host nor the outside
		 * (its DHCP and DNS answers come from QEMU itself); the
		 * forwards below still reach it. An appliance built with
		 * egress: rules is let out, and its rule set decides who goes. */
		n = (size_t)snprintf(netdev, netdev_size, "user,id=net0,restrict=%s", egress ? "off" : "on");
		for (size_t i = 0; i < net->n_publish && n < netdev_size; i++) {
			char rule[64];
			hostfwd_rule(&net->publish[i], rule, sizeof(rule));
			n += (size_t)snprintf(netdev + n, netdev_size - n, ",hostfwd=%s", rule);
		}
	}
	/* microvm has no PCI: its virtio devices sit on MMIO slots. romfile=
	 * (no option ROM) on pc: nothing boots from the network, and the
	 * firmware need not load iPXE. */
	snprintf(device, device_size, "%s,netdev=net0", microvm ? "virtio-net-device" : "virtio-net-pci,romfile=");
	return true;
}

/* The line of QEMU_SAID that holds NEEDLE, without its newline, into OUT. */
static bool said_line(const char *said, size_t len, const char *needle, char *out, size_t size)
{
	const char *at = memmem(said, len, needle, strlen(needle));

	if (!at)
		return false;
	const char *start = at, *end = memchr(at, '\n', len - (size_t)(at - said));
	while (start > said && start[-1] != '\n')
		start--;
	if (!end)
		end = said + len;
	snprintf(out, size, "%.*s", (int)(end - start), start);
	return true;
}

bool run_net_failed(const struct run_net *net, const char *qemu_said, size_t len, struct diag *d)
{
	char line[600], rule[64];
	const char *reason;

	if (net->mode == RUN_NET_NONE || !said_line(qemu_said, len, QEMU_NETDEV_ERROR, line, sizeof(line)))
		return false;
	/* QEMU's reason is what follows "-netdev VALUE: ". */
	reason = strstr(line + strlen(QEMU_NETDEV_ERROR), ": ");
	reason = reason ? reason + 2 : line;
	switch (net->mode) {
	case RUN_NET_TAP:
		diag_fail(d, "--net tap:%s: QEMU could not open the tap device %s (%s): it needs root, or a tap device "
			     "that you own, made beforehand by root with `ip tuntap add dev %s mode tap user $USER` "
			     "(and brought up, or put into a bridge, as your network needs)",
			  net->ifname, net->ifname, reason, net->ifname);
		return true;
	case RUN_NET_BRIDGE:
		diag_fail(d, "--net bridge:%s: QEMU's bridge helper could not attach the VM to %s (%s): the bridge must "
			     "exist, and unless you are root qemu-bridge-helper must be setuid root and its ACL, "
			     "/etc/qemu/bridge.conf, must say `allow %s`",
			  net->ifname, net->ifname, reason, net->ifname);
		return true;
	}
	for (size_t i = 0; i < net->n_publish; i++) {
		const struct run_publish *p = &net->publish[i];
		char quoted[sizeof(rule) + 2];
		hostfwd_rule(p, rule, sizeof(rule));
		snprintf(quoted, sizeof(quoted), "'%s'", rule);
		if (strstr(reason, quoted)) {
			diag_fail(d, "--publish %s: QEMU could not listen on %s port %u of %s, which is most likely in use "
				     "(pick another host port, or stop what holds it)",
				  p->spec, p->udp ? "udp" : "tcp", p->host_port, p->addr);
			return true;
		}
	}
	diag_fail(d, "QEMU could not set up the VM's user network: %s", reason);
	return true;
}
