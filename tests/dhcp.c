/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The init's DHCPv4 messages and timing (init/dhcp.c), without a network:
 * the bytes of a DISCOVER and a REQUEST, answers parsed and refused, and
 * the client's deadlines on a fake clock. tests/init-net.t shows the same
 * code talking to a real server. */
#include <arpa/inet.h>
#include <limits.h>

#include "../init/init.h"
#include "tap.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
#define XID 0x3903f326U

static struct in_addr addr(const char *text)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, text, &a);
	return a;
}

/* A reply as a server writes it: the fixed part, then OPTIONS (LEN bytes,
 * END included by the caller). Returns its length. */
static size_t reply(uint8_t *buf, const uint8_t *options, size_t len)
{
	memset(buf, 0, 1024);
	buf[0] = 2; /* BOOTREPLY */
	buf[1] = 1;
	buf[2] = 6;
	buf[4] = XID >> 24;
	buf[5] = (XID >> 16) & 0xff;
	buf[6] = (XID >> 8) & 0xff;
	buf[7] = XID & 0xff;
	memcpy(buf + 16, (uint8_t[]){ 10, 0, 2, 15 }, 4); /* yiaddr */
	memcpy(buf + 28, mac, 6);
	memcpy(buf + 236, (uint8_t[]){ 99, 130, 83, 99 }, 4);
	memcpy(buf + 240, options, len);
	return 240 + len;
}

/* What slirp answers: an ACK for 10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3,
 * a day's lease, no T1 or T2. */
static const uint8_t ack_options[] = {
	53, 1, 5,                 /* ACK */
	54, 4, 10, 0, 2, 2,       /* server id */
	1, 4, 255, 255, 255, 0,   /* subnet mask */
	3, 4, 10, 0, 2, 2,        /* router */
	6, 8, 10, 0, 2, 3, 10, 0, 2, 4, /* dns */
	51, 4, 0, 1, 0x51, 0x80,  /* lease 86400 s */
	255,
};

/* The offset of option CODE among the options of a built message, or 0. */
static size_t find_option(const uint8_t *buf, size_t len, uint8_t code)
{
	for (size_t at = 240; at + 1 < len && buf[at] != 255; at += 2 + buf[at + 1])
		if (buf[at] == code)
			return at;
	return 0;
}

TEST(discover_bytes_are_a_broadcast_bootrequest_with_our_xid_and_mac)
{
	uint8_t buf[DHCP_MESSAGE_MAX];
	struct dhcp_request req = { .type = DHCP_DISCOVER, .xid = XID, .secs = 3, .broadcast = true };

	memcpy(req.mac, mac, 6);
	size_t len = dhcp_build(&req, buf);
	ASSERT_EQ(300, len); /* BOOTP's minimum, padded */
	ASSERT_EQ(1, buf[0]);
	ASSERT_EQ(1, buf[1]);
	ASSERT_EQ(6, buf[2]);
	ASSERT_EQ(0, buf[3]);
	ASSERT_TRUE(memcmp(buf + 4, (uint8_t[]){ 0x39, 0x03, 0xf3, 0x26 }, 4) == 0);
	ASSERT_EQ(0, buf[8]);
	ASSERT_EQ(3, buf[9]);
	ASSERT_EQ(0x80, buf[10]); /* the broadcast flag */
	ASSERT_EQ(0, buf[11]);
	for (int i = 12; i < 28; i++) /* ciaddr, yiaddr, siaddr, giaddr */
		ASSERT_EQ(0, buf[i]);
	ASSERT_TRUE(memcmp(buf + 28, mac, 6) == 0);
	ASSERT_TRUE(memcmp(buf + 236, (uint8_t[]){ 99, 130, 83, 99 }, 4) == 0);
	ASSERT_TRUE(memcmp(buf + 240, (uint8_t[]){ 53, 1, 1 }, 3) == 0); /* DISCOVER first */
	size_t p = find_option(buf, len, 55);
	ASSERT_TRUE(p != 0);
	ASSERT_TRUE(memcmp(buf + p + 1, (uint8_t[]){ 6, 1, 3, 6, 51, 58, 59 }, 7) == 0);
	ASSERT_EQ(0, find_option(buf, len, 50)); /* no requested address */
	ASSERT_EQ(0, find_option(buf, len, 54)); /* no server id */
}

TEST(a_selecting_request_names_the_offer_and_a_renewal_carries_ciaddr)
{
	uint8_t buf[DHCP_MESSAGE_MAX];
	struct dhcp_request req = {
		.type = DHCP_REQUEST, .xid = XID, .requested = addr("10.0.2.15"), .server_id = addr("10.0.2.2"),
	};
	size_t len = dhcp_build(&req, buf);

	ASSERT_EQ(3, buf[242]);
	size_t p = find_option(buf, len, 50);
	ASSERT_TRUE(p && memcmp(buf + p, (uint8_t[]){ 50, 4, 10, 0, 2, 15 }, 6) == 0);
	p = find_option(buf, len, 54);
	ASSERT_TRUE(p && memcmp(buf + p, (uint8_t[]){ 54, 4, 10, 0, 2, 2 }, 6) == 0);
	ASSERT_EQ(0, buf[10]); /* no broadcast asked */

	req = (struct dhcp_request){ .type = DHCP_REQUEST, .xid = XID, .ciaddr = addr("10.0.2.15") };
	len = dhcp_build(&req, buf);
	ASSERT_TRUE(memcmp(buf + 12, (uint8_t[]){ 10, 0, 2, 15 }, 4) == 0);
	ASSERT_EQ(0, find_option(buf, len, 50));
	ASSERT_EQ(0, find_option(buf, len, 54));
}

TEST(an_ack_gives_address_prefix_router_dns_and_lease_with_default_t1_t2)
{
	uint8_t buf[1024];
	struct dhcp_reply r;
	size_t len = reply(buf, ack_options, sizeof(ack_options));

	ASSERT_EQ(0, dhcp_parse(buf, len, XID, mac, &r));
	ASSERT_EQ(DHCP_ACK, r.type);
	ASSERT_EQ(addr("10.0.2.15").s_addr, r.address.s_addr);
	ASSERT_EQ(addr("10.0.2.2").s_addr, r.server_id.s_addr);
	ASSERT_EQ(24, r.prefix);
	ASSERT_EQ(addr("10.0.2.2").s_addr, r.router.s_addr);
	ASSERT_EQ(2, r.n_dns);
	ASSERT_EQ(addr("10.0.2.3").s_addr, r.dns[0].s_addr);
	ASSERT_EQ(addr("10.0.2.4").s_addr, r.dns[1].s_addr);
	ASSERT_EQ(86400, r.lease_s);
	ASSERT_EQ(43200, r.t1_s);
	ASSERT_EQ(75600, r.t2_s);
}

TEST(an_offer_with_t1_t2_keeps_them_and_without_a_mask_gets_the_classful_prefix)
{
	static const uint8_t options[] = {
		53, 1, 2, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 100, 58, 4, 0, 0, 0, 30, 59, 4, 0, 0, 0, 60, 255,
	};
	uint8_t buf[1024];
	struct dhcp_reply r;

	ASSERT_EQ(0, dhcp_parse(buf, reply(buf, options, sizeof(options)), XID, mac, &r));
	ASSERT_EQ(DHCP_OFFER, r.type);
	ASSERT_EQ(8, r.prefix); /* 10/8 */
	ASSERT_EQ(0, r.router.s_addr);
	ASSERT_EQ(0, r.n_dns);
	ASSERT_EQ(30, r.t1_s);
	ASSERT_EQ(60, r.t2_s);
}

TEST(t1_and_t2_out_of_order_are_replaced_by_the_defaults)
{
	static const uint8_t options[] = {
		53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 100, 58, 4, 0, 0, 0, 90, 59, 4, 0, 0, 0, 80, 255,
	};
	uint8_t buf[1024];
	struct dhcp_reply r;

	ASSERT_EQ(0, dhcp_parse(buf, reply(buf, options, sizeof(options)), XID, mac, &r));
	ASSERT_EQ(50, r.t1_s);
	ASSERT_EQ(87, r.t2_s);
}

TEST(a_nak_parses_without_address_or_lease)
{
	static const uint8_t options[] = { 53, 1, 6, 54, 4, 10, 0, 2, 2, 255 };
	uint8_t buf[1024];
	struct dhcp_reply r;
	size_t len = reply(buf, options, sizeof(options));

	memset(buf + 16, 0, 4);
	ASSERT_EQ(0, dhcp_parse(buf, len, XID, mac, &r));
	ASSERT_EQ(DHCP_NAK, r.type);
}

TEST(a_wrong_xid_or_hardware_address_is_not_ours)
{
	uint8_t buf[1024], other[6] = { 2, 0, 0, 0, 0, 1 };
	struct dhcp_reply r;
	size_t len = reply(buf, ack_options, sizeof(ack_options));

	ASSERT_EQ(-ESRCH, dhcp_parse(buf, len, XID + 1, mac, &r));
	ASSERT_EQ(-ESRCH, dhcp_parse(buf, len, XID, other, &r));
}

TEST(a_wrong_op_a_bad_cookie_or_a_short_message_is_malformed)
{
	uint8_t buf[1024];
	struct dhcp_reply r;
	size_t len = reply(buf, ack_options, sizeof(ack_options));

	buf[0] = 1; /* a BOOTREQUEST: another client's */
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, len, XID, mac, &r));
	len = reply(buf, ack_options, sizeof(ack_options));
	buf[238] = 84; /* the cookie */
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, len, XID, mac, &r));
	len = reply(buf, ack_options, sizeof(ack_options));
	for (size_t cut = 0; cut < 240; cut += 7)
		ASSERT_EQ(-EINVAL, dhcp_parse(buf, cut, XID, mac, &r));
}

TEST(every_truncation_of_the_options_is_refused)
{
	uint8_t buf[1024];
	struct dhcp_reply r;
	size_t len = reply(buf, ack_options, sizeof(ack_options));

	/* Each cut ends inside an option or before END: never accepted, never
	 * read past (the bytes after the cut are poison). */
	for (size_t cut = 240; cut < len; cut++) {
		memset(buf + cut, 0xff - 1, sizeof(buf) - cut);
		ASSERT_EQ(-EINVAL, dhcp_parse(buf, cut, XID, mac, &r));
		reply(buf, ack_options, sizeof(ack_options));
	}
}

TEST(an_option_running_past_the_end_is_refused)
{
	static const uint8_t options[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 1, 0x51, 0x80, 6, 200, 10, 0 };
	uint8_t buf[1024];
	struct dhcp_reply r;

	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, options, sizeof(options)), XID, mac, &r));
}

TEST(options_of_a_wrong_length_or_value_are_refused)
{
	/* A valid ACK, then one bad option, then END. */
	static const uint8_t valid[] = { 54, 4, 10, 0, 2, 2, 51, 4, 0, 1, 0x51, 0x80, 53, 1, 5 };
	static const struct {
		size_t len;
		uint8_t option[8];
	} bad[] = {
		{ 4, { 53, 2, 5, 5 } },            /* a message type of 2 bytes */
		{ 3, { 53, 1, 9 } },               /* no such type */
		{ 5, { 1, 3, 255, 255, 255 } },    /* a 3-byte mask */
		{ 6, { 1, 4, 255, 0, 255, 0 } },   /* a mask with holes */
		{ 6, { 1, 4, 0, 0, 0, 0 } },       /* a mask of nothing */
		{ 7, { 54, 5, 10, 0, 2, 2, 1 } },  /* a 5-byte server id */
		{ 5, { 3, 3, 10, 0, 2 } },         /* a 3-byte router */
		{ 4, { 51, 2, 0, 1 } },            /* a 2-byte lease */
		{ 2, { 6, 0 } },                   /* an empty dns list */
		{ 7, { 6, 5, 10, 0, 2, 3, 1 } },   /* a dns list of 5 bytes */
	};
	uint8_t buf[1024], options[64];
	struct dhcp_reply r;

	memcpy(options, valid, sizeof(valid));
	options[sizeof(valid)] = 255;
	ASSERT_EQ(0, dhcp_parse(buf, reply(buf, options, sizeof(valid) + 1), XID, mac, &r));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(options + sizeof(valid), bad[i].option, bad[i].len);
		options[sizeof(valid) + bad[i].len] = 255;
		ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, options, sizeof(valid) + bad[i].len + 1), XID, mac, &r));
	}
}

TEST(an_ack_without_lease_server_id_or_a_usable_address_is_refused)
{
	static const uint8_t no_lease[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 255 };
	static const uint8_t no_server[] = { 53, 1, 5, 51, 4, 0, 1, 0x51, 0x80, 255 };
	static const uint8_t no_type[] = { 54, 4, 10, 0, 2, 2, 51, 4, 0, 1, 0x51, 0x80, 255 };
	uint8_t buf[1024];
	struct dhcp_reply r;

	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, no_lease, sizeof(no_lease)), XID, mac, &r));
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, no_server, sizeof(no_server)), XID, mac, &r));
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, no_type, sizeof(no_type)), XID, mac, &r));
	size_t len = reply(buf, ack_options, sizeof(ack_options));
	memcpy(buf + 16, (uint8_t[]){ 224, 0, 0, 1 }, 4);
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, len, XID, mac, &r));
	memcpy(buf + 16, (uint8_t[]){ 127, 0, 0, 1 }, 4);
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, len, XID, mac, &r));
	memset(buf + 16, 0, 4);
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, len, XID, mac, &r));
}

TEST(a_lease_under_the_minimum_or_an_unusable_server_id_is_refused)
{
	/* A 9 s lease: renewing at 4 s would keep PID 1 busy. */
	static const uint8_t short_lease[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, DHCP_LEASE_MIN_S - 1, 255 };
	static const uint8_t min_lease[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, DHCP_LEASE_MIN_S, 255 };
	/* Renewals are sent to the server id: never broadcast or loopback. */
	static const uint8_t broadcast_server[] = { 53, 1, 5, 54, 4, 255, 255, 255, 255, 51, 4, 0, 1, 0x51, 0x80, 255 };
	static const uint8_t loopback_server[] = { 53, 1, 5, 54, 4, 127, 0, 0, 1, 51, 4, 0, 1, 0x51, 0x80, 255 };
	uint8_t buf[1024];
	struct dhcp_reply r;

	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, short_lease, sizeof(short_lease)), XID, mac, &r));
	ASSERT_EQ(0, dhcp_parse(buf, reply(buf, min_lease, sizeof(min_lease)), XID, mac, &r));
	ASSERT_EQ(DHCP_LEASE_MIN_S, (int)r.lease_s);
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, broadcast_server, sizeof(broadcast_server)), XID, mac, &r));
	ASSERT_EQ(-EINVAL, dhcp_parse(buf, reply(buf, loopback_server, sizeof(loopback_server)), XID, mac, &r));
}
