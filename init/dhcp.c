/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DHCPv4 (RFC 2131, 2132): the messages the client sends, the parser of
 * what servers answer, and the client's timing. Pure: no syscalls, so that
 * tests/dhcp.c checks every byte and every decision with a fake clock.
 *
 * PID 1 trusts nothing it receives: every read below is checked against
 * the length the socket gave, every option's length against what it must
 * be, and a message that breaks any rule is refused whole. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "init.h"

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define FLAG_BROADCAST 0x8000
#define FIXED_LEN 236 /* op .. file, before the magic cookie */
#define OPTIONS_AT 240
#define MIN_SEND 300  /* BOOTP's minimum: some servers drop shorter requests */

enum {
	OPT_PAD = 0,
	OPT_SUBNET_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52,
	OPT_MESSAGE_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAMETERS = 55,
	OPT_MAX_SIZE = 57,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_END = 255,
};

static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };
static const uint8_t parameters[] = { OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME, OPT_T1, OPT_T2 };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Appends option CODE of LEN bytes at *AT. */
static void put_option(uint8_t *buf, size_t *at, uint8_t code, const void *value, uint8_t len)
{
	buf[(*at)++] = code;
	buf[(*at)++] = len;
	memcpy(buf + *at, value, len);
	*at += len;
}

size_t dhcp_build(const struct dhcp_request *req, uint8_t *buf)
{
	uint8_t type = (uint8_t)req->type, max_size[2] = { DHCP_MESSAGE_MAX >> 8, DHCP_MESSAGE_MAX & 0xff };
	size_t at = OPTIONS_AT;

	memset(buf, 0, DHCP_MESSAGE_MAX);
	buf[0] = BOOTREQUEST;
	buf[1] = HTYPE_ETHER;
	buf[2] = 6;
	put32(buf + 4, req->xid);
	buf[8] = (uint8_t)(req->secs >> 8);
	buf[9] = (uint8_t)req->secs;
	if (req->broadcast) {
		buf[10] = FLAG_BROADCAST >> 8;
		buf[11] = FLAG_BROADCAST & 0xff;
	}
	memcpy(buf + 12, &req->ciaddr.s_addr, 4);
	memcpy(buf + 28, req->mac, 6);
	memcpy(buf + FIXED_LEN, magic_cookie, 4);
	put_option(buf, &at, OPT_MESSAGE_TYPE, &type, 1);
	if (req->requested.s_addr)
		put_option(buf, &at, OPT_REQUESTED_IP, &req->requested.s_addr, 4);
	if (req->server_id.s_addr)
		put_option(buf, &at, OPT_SERVER_ID, &req->server_id.s_addr, 4);
	put_option(buf, &at, OPT_PARAMETERS, parameters, sizeof(parameters));
	put_option(buf, &at, OPT_MAX_SIZE, max_size, 2);
	buf[at++] = OPT_END;
	return at < MIN_SEND ? MIN_SEND : at;
}

/* The prefix length of a contiguous netmask, or -1. */
static int mask_prefix(uint32_t mask)
{
	int prefix = 0;

	while (prefix < 32 && (mask & (1U << (31 - prefix))))
		prefix++;
	return prefix > 0 && (prefix == 32 || (mask << prefix) == 0) ? prefix : -1;
}

/* An address a server may give a host: not 0, not loopback, multicast,
 * class E or broadcast. */
static bool usable_host(uint32_t a)
{
	return a != 0 && (a >> 24) != 127 && (a >> 28) < 14;
}

/* One option, its length checked against what the option must be. */
static int take_option(uint8_t code, const uint8_t *v, uint8_t len, struct dhcp_reply *out)
{
	switch (code) {
	case OPT_MESSAGE_TYPE:
		if (len != 1 || v[0] < DHCP_DISCOVER || v[0] > DHCP_INFORM)
			return -EINVAL;
		out->type = v[0];
		return 0;
	case OPT_SUBNET_MASK: {
		if (len != 4)
			return -EINVAL;
		int prefix = mask_prefix(get32(v));
		if (prefix < 1)
			return -EINVAL;
		out->prefix = (unsigned)prefix;
		return 0;
	}
	case OPT_SERVER_ID:
	case OPT_ROUTER:
		/* A router list: the first is ours. */
		if (len < 4 || len % 4 || (code == OPT_SERVER_ID && len != 4))
			return -EINVAL;
		memcpy(code == OPT_ROUTER ? &out->router.s_addr : &out->server_id.s_addr, v, 4);
		return 0;
	case OPT_DNS:
		if (len < 4 || len % 4)
			return -EINVAL;
		out->n_dns = 0;
		for (size_t i = 0; i + 4 <= len && out->n_dns < ARRAY_SIZE(out->dns); i += 4)
			if (usable_host(get32(v + i)))
				memcpy(&out->dns[out->n_dns++].s_addr, v + i, 4);
		return 0;
	case OPT_LEASE_TIME:
	case OPT_T1:
	case OPT_T2:
		if (len != 4)
			return -EINVAL;
		*(code == OPT_LEASE_TIME ? &out->lease_s : code == OPT_T1 ? &out->t1_s : &out->t2_s) = get32(v);
		return 0;
	default:
		/* Overload (52) among them: sname and file stay unread. */
		return 0;
	}
}

static unsigned classful_prefix(uint32_t a)
{
	return a >> 31 == 0 ? 8 : a >> 30 == 2 ? 16 : 24;
}

int dhcp_parse(const uint8_t *buf, size_t len, uint32_t xid, const uint8_t mac[6], struct dhcp_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (len < OPTIONS_AT || buf[0] != BOOTREPLY || buf[1] != HTYPE_ETHER || buf[2] != 6 ||
	    memcmp(buf + FIXED_LEN, magic_cookie, 4) != 0)
		return -EINVAL;
	if (get32(buf + 4) != xid || memcmp(buf + 28, mac, 6) != 0)
		return -ESRCH;
	memcpy(&out->address.s_addr, buf + 16, 4);

	size_t at = OPTIONS_AT;
	bool ended = false;
	while (at < len && !ended) {
		uint8_t code = buf[at++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END) {
			ended = true;
			break;
		}
		if (at >= len)
			return -EINVAL; /* a code without its length */
		uint8_t olen = buf[at++];
		if (olen > len - at)
			return -EINVAL; /* runs past the end */
		if (take_option(code, buf + at, olen, out) < 0)
			return -EINVAL;
		at += olen;
	}
	if (!ended)
		return -EINVAL;
	if (out->type == DHCP_NAK)
		return 0;
	/* The server's id is where a renewal is sent: a host's address, never
	 * loopback, broadcast or multicast. A lease shorter than
	 * DHCP_LEASE_MIN_S would have PID 1 renew without pause. */
	if ((out->type != DHCP_OFFER && out->type != DHCP_ACK) || !usable_host(ntohl(out->server_id.s_addr)) ||
	    out->lease_s < DHCP_LEASE_MIN_S || !usable_host(ntohl(out->address.s_addr)))
		return -EINVAL;
	if (!out->prefix)
		out->prefix = classful_prefix(ntohl(out->address.s_addr));
	if (out->router.s_addr && !usable_host(ntohl(out->router.s_addr)))
		out->router.s_addr = 0;
	/* RFC 2131 4.4.5: T1 defaults to half the lease, T2 to 7/8; a server's
	 * values that break T1 < T2 < lease are replaced by those. */
	if (out->lease_s != DHCP_LEASE_INFINITE &&
	    !(out->t1_s && out->t2_s && out->t1_s < out->t2_s && out->t2_s < out->lease_s)) {
		out->t1_s = out->lease_s / 2;
		out->t2_s = (uint32_t)((uint64_t)out->lease_s * 7 / 8);
	}
	return 0;
}

long dhcp_backoff_ms(unsigned attempt, uint32_t random)
{
	long base = 4000L << (attempt < 4 ? attempt : 4);

	return base + (long)(random % 2001) - 1000;
}

struct dhcp_times dhcp_lease_times(const struct dhcp_reply *lease, long requested_ms)
{
	if (lease->lease_s == DHCP_LEASE_INFINITE)
		return (struct dhcp_times){ LONG_MAX, LONG_MAX, LONG_MAX };
	return (struct dhcp_times){
		.t1_ms = requested_ms + (long)lease->t1_s * 1000,
		.t2_ms = requested_ms + (long)lease->t2_s * 1000,
		.expiry_ms = requested_ms + (long)lease->lease_s * 1000,
	};
}

enum dhcp_state dhcp_lease_state(const struct dhcp_times *t, long now)
{
	if (now >= t->expiry_ms)
		return DHCP_INIT;
	if (now >= t->t2_ms)
		return DHCP_REBINDING;
	if (now >= t->t1_ms)
		return DHCP_RENEWING;
	return DHCP_BOUND;
}

long dhcp_retry_at(enum dhcp_state state, const struct dhcp_times *t, long now, unsigned attempt, uint32_t random)
{
	long end = state == DHCP_RENEWING ? t->t2_ms : t->expiry_ms, at = now + dhcp_backoff_ms(attempt, random);

	return at < end ? at : end;
}
