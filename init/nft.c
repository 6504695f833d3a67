/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The containers' firewall: the nftables batch the builder encoded
 * (image/net-rules.c) sent to the kernel as it is, and the named counters
 * read back for `ctl net`.
 *
 * The batch goes in one sendmsg on a NETLINK_NETFILTER socket: the kernel
 * applies what lies between BATCH_BEGIN and BATCH_END all or nothing, so a
 * rule it refuses leaves no table behind. Before that the framing is
 * checked here, so that a truncated file is refused whole rather than cut
 * short. Spoken without libnftnl: docs/networks.md says why. */
/* init.h first: it includes <netinet/in.h>, which must come before the
 * kernel's headers for the two to agree. */
#include "init.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define ACK_WAIT_MS 2000
/* What one acknowledgement costs in the receive buffer (an skb's truesize
 * is far more than its 36 bytes): every ack of the batch is queued while
 * sendmsg runs, before the first can be read. */
#define ACK_BUFFER_COST 2048
#define RECEIVE_BYTES 65536
#define NFT_GEN_LEN NLMSG_ALIGN(sizeof(struct nfgenmsg))

static uint16_t subsystem_type(uint16_t msg)
{
	return (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
}

/* The attributes of a message (or of a nested attribute) tile it exactly. */
static bool attributes_fit(const uint8_t *at, size_t len)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr a;
		memcpy(&a, at, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len)
			return false;
		size_t step = (size_t)NLA_ALIGN(a.nla_len) < len ? (size_t)NLA_ALIGN(a.nla_len) : len;
		at += step;
		len -= step;
	}
	return len == 0;
}

int nft_batch_check(const void *batch, size_t len, size_t *messages, struct bh_err *err)
{
	const uint8_t *data = batch;
	size_t offset = 0, n = 0;
	uint16_t type = 0;

	if (len > NFT_BATCH_MAX)
		return bh_fail(err, -EFBIG, "%zu bytes, more than the %u a batch may have", len, NFT_BATCH_MAX);
	while (offset < len) {
		struct nlmsghdr h;
		struct nfgenmsg gen;
		if (len - offset < NLMSG_HDRLEN + NFT_GEN_LEN)
			return bh_fail(err, -EBADMSG, "message %zu at byte %zu: cut short (the file is truncated)", n + 1,
				       offset);
		memcpy(&h, data + offset, sizeof(h));
		memcpy(&gen, data + offset + NLMSG_HDRLEN, sizeof(gen));
		type = h.nlmsg_type;
		if (n == 0 && (type != NFNL_MSG_BATCH_BEGIN || ntohs(gen.res_id) != NFNL_SUBSYS_NFTABLES))
			return bh_fail(err, -EBADMSG, "the first message is not an nftables BATCH_BEGIN (type %#x)", type);
		if (h.nlmsg_len < NLMSG_HDRLEN + NFT_GEN_LEN)
			return bh_fail(err, -EBADMSG, "message %zu at byte %zu: length %u is too short", n + 1, offset,
				       h.nlmsg_len);
		/* In size_t: NLMSG_ALIGN of a length near 2^32 wraps to 0 in 32 bits. */
		if ((size_t)h.nlmsg_len > len - offset || NLMSG_ALIGN((size_t)h.nlmsg_len) > len - offset)
			return bh_fail(err, -EBADMSG,
				       "message %zu at byte %zu: length %u runs past the end of the %zu bytes (truncated or corrupted)",
				       n + 1, offset, h.nlmsg_len, len);
		if (n > 0 && type == NFNL_MSG_BATCH_BEGIN)
			return bh_fail(err, -EBADMSG, "message %zu: a second BATCH_BEGIN", n + 1);
		if (type == NFNL_MSG_BATCH_END && offset + NLMSG_ALIGN((size_t)h.nlmsg_len) != len)
			return bh_fail(err, -EBADMSG, "message %zu: BATCH_END before the end of the file", n + 1);
		if (type != NFNL_MSG_BATCH_BEGIN && type != NFNL_MSG_BATCH_END && type >> 8 != NFNL_SUBSYS_NFTABLES)
			return bh_fail(err, -EBADMSG, "message %zu: type %#x is not an nftables request", n + 1, type);
		if (!(h.nlmsg_flags & NLM_F_REQUEST))
			return bh_fail(err, -EBADMSG, "message %zu: not a request", n + 1);
		if (!attributes_fit(data + offset + NLMSG_HDRLEN + NFT_GEN_LEN, h.nlmsg_len - NLMSG_HDRLEN - NFT_GEN_LEN))
			return bh_fail(err, -EBADMSG, "message %zu at byte %zu: its attributes do not fit it", n + 1,
				       offset);
		offset += NLMSG_ALIGN((size_t)h.nlmsg_len);
		n++;
	}
	if (n == 0)
		return bh_fail(err, -EBADMSG, "an empty file, not a batch");
	if (n < 2 || type != NFNL_MSG_BATCH_END)
		return bh_fail(err, -EBADMSG, "the batch ends without BATCH_END (the file is truncated)");
	*messages = n;
	return 0;
}

/* ---- naming a message the kernel refused ---- */

/* A string attribute's text, printable, into OUT ("" when absent). */
static const char *attribute_text(const uint8_t *at, size_t len, uint16_t type, char *out, size_t size)
{
	size_t n = 0, i;
	const uint8_t *s = netlink_attribute(at, len, type, &n);

	for (i = 0; s && i < n && i + 1 < size && s[i]; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	out[i] = '\0';
	return out;
}

static const char *family_name(uint8_t family)
{
	switch (family) {
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_IPV6: return "ip6";
	case NFPROTO_INET: return "inet";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_NETDEV: return "netdev";
	default: return "unknown";
	}
}

/* The name of the counter a rule's objref expression counts in, or "". */
static const char *rule_counter(const uint8_t *attrs, size_t len, char *out, size_t size)
{
	size_t list_len, elem_len, data_len;
	const uint8_t *list = netlink_attribute(attrs, len, NFTA_RULE_EXPRESSIONS, &list_len);

	*out = '\0';
	while (list && list_len >= NLA_HDRLEN) {
		struct nlattr a;
		memcpy(&a, list, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > list_len)
			break;
		const uint8_t *elem = list + NLA_HDRLEN;
		elem_len = a.nla_len - NLA_HDRLEN;
		char name[16];
		attribute_text(elem, elem_len, NFTA_EXPR_NAME, name, sizeof(name));
		const uint8_t *data = netlink_attribute(elem, elem_len, NFTA_EXPR_DATA, &data_len);
		if (strcmp(name, "objref") == 0 && data)
			return attribute_text(data, data_len, NFTA_OBJREF_IMM_NAME, out, size);
		if ((size_t)NLA_ALIGN(a.nla_len) >= list_len)
			break;
		list += NLA_ALIGN(a.nla_len);
		list_len -= NLA_ALIGN(a.nla_len);
	}
	return out;
}

/* "rule in ip bulkhead forward, counter \"web refused\"" and the like. */
static void describe(const uint8_t *msg, char *out, size_t size)
{
	struct nlmsghdr h;
	struct nfgenmsg gen;
	char table[64], name[128];

	memcpy(&h, msg, sizeof(h));
	memcpy(&gen, msg + NLMSG_HDRLEN, sizeof(gen));
	const uint8_t *attrs = msg + NLMSG_HDRLEN + NFT_GEN_LEN;
	size_t len = h.nlmsg_len - NLMSG_HDRLEN - NFT_GEN_LEN;
	const char *family = family_name(gen.nfgen_family);

	if (h.nlmsg_type == NFNL_MSG_BATCH_BEGIN || h.nlmsg_type == NFNL_MSG_BATCH_END)
		snprintf(out, size, "the batch as a whole");
	else if (h.nlmsg_type == subsystem_type(NFT_MSG_NEWTABLE))
		snprintf(out, size, "table %s %s", family, attribute_text(attrs, len, NFTA_TABLE_NAME, table, sizeof(table)));
	else if (h.nlmsg_type == subsystem_type(NFT_MSG_NEWCHAIN))
		snprintf(out, size, "chain %s %s %s", family,
			 attribute_text(attrs, len, NFTA_CHAIN_TABLE, table, sizeof(table)),
			 attribute_text(attrs, len, NFTA_CHAIN_NAME, name, sizeof(name)));
	else if (h.nlmsg_type == subsystem_type(NFT_MSG_NEWOBJ))
		snprintf(out, size, "counter \"%s\" of %s %s", attribute_text(attrs, len, NFTA_OBJ_NAME, name, sizeof(name)),
			 family, attribute_text(attrs, len, NFTA_OBJ_TABLE, table, sizeof(table)));
	else if (h.nlmsg_type == subsystem_type(NFT_MSG_NEWRULE)) {
		char chain[64];
		attribute_text(attrs, len, NFTA_RULE_CHAIN, chain, sizeof(chain));
		attribute_text(attrs, len, NFTA_RULE_TABLE, table, sizeof(table));
		if (*rule_counter(attrs, len, name, sizeof(name)))
			snprintf(out, size, "rule in %s %.32s %.32s, counter \"%.96s\"", family, table, chain, name);
		else
			snprintf(out, size, "rule in %s %s %s", family, table, chain);
	} else
		snprintf(out, size, "request type %#x", h.nlmsg_type);
}

/* ---- loading ---- */

/* A socket option that the init, as root, may force past the system's
 * maximum; as a test's unprivileged helper, it asks for what is allowed. */
static int set_buffer(int fd, int force, int plain, size_t bytes)
{
	int value = bytes > INT32_MAX / 2 ? INT32_MAX / 2 : (int)bytes;

	if (setsockopt(fd, SOL_SOCKET, force, &value, sizeof(value)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, plain, &value, sizeof(value)) == 0 ? 0 : -errno;
}

static int netfilter_socket(size_t send_bytes, size_t receive_bytes, struct bh_err *err)
{
	struct timeval wait = { .tv_sec = ACK_WAIT_MS / 1000, .tv_usec = (ACK_WAIT_MS % 1000) * 1000 };
	int one = 1, r;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0)
		return bh_fail_errno(err, -errno, "a netfilter netlink socket");
	if ((r = set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, send_bytes)) < 0 ||
	    (r = set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, receive_bytes)) < 0)
		return bh_fail_errno(err, r, "sizing the netfilter socket's buffers");
	/* The kernel answers at once; the bound only keeps PID 1 from
	 * hanging on a kernel that would not. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) < 0)
		return bh_fail_errno(err, -errno, "a receive timeout on the netfilter socket");
	/* Errors carry the failed message's header only, and the kernel's
	 * own explanation when it has one; both are best effort. */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return steal_fd(&fd);
}

/* The kernel's own words in an extended ack, or "". */
static const char *ack_text(const struct nlmsghdr *h, char *out, size_t size)
{
	size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nlmsgerr));

	*out = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len <= offset)
		return out;
	return attribute_text((const uint8_t *)h + offset, h->nlmsg_len - offset, NLMSGERR_ATTR_MSG, out, size);
}

struct ack_state {
	size_t messages, acked;  /* acks expected (every message but BEGIN and END), and received */
	long first_error;        /* the index of the first message refused, or -1 */
	int error;
	char kernel_says[128];
};

/* Reads the acknowledgements in BUF (N bytes) into S. Sequence numbers are
 * message indexes plus one (nft_load numbers them so). */
static void read_acks(const uint8_t *buf, size_t n, struct ack_state *s)
{
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			continue;
		const struct nlmsgerr *e = NLMSG_DATA(h);
		size_t index = e->msg.nlmsg_seq - 1;
		if (e->msg.nlmsg_seq == 0 || index >= s->messages + 2)
			continue;
		if (e->error == 0) {
			if (index > 0 && index <= s->messages)
				s->acked++;
		} else if (s->first_error < 0 || (long)index < s->first_error) {
			s->first_error = (long)index;
			s->error = e->error;
			ack_text(h, s->kernel_says, sizeof(s->kernel_says));
		}
	}
}

/* R with "network rules: " before the message ERR already holds. */
static int network_rules_failed(struct bh_err *err, int r)
{
	char inner[sizeof(err->msg)];

	if (!err)
		return r;
	memcpy(inner, err->msg, sizeof(inner));
	return bh_fail(err, r, "network rules: %s", inner);
}

int nft_load(const void *batch, size_t len, struct bh_err *err)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct ack_state s = { .first_error = -1 };
	size_t messages, offset = 0;
	int r;

	if ((r = nft_batch_check(batch, len, &messages, err)) < 0)
		return network_rules_failed(err, r);
	_cleanup_free_ uint8_t *copy = malloc(len);
	_cleanup_free_ uint8_t *answer = malloc(RECEIVE_BYTES);
	if (!copy || !answer)
		return bh_fail(err, -ENOMEM, "network rules: out of memory");
	memcpy(copy, batch, len);
	for (uint32_t i = 0; offset < len; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)(copy + offset);
		h->nlmsg_seq = i + 1;
		h->nlmsg_pid = 0;
		offset += NLMSG_ALIGN(h->nlmsg_len);
	}
	s.messages = messages - 2;

	_cleanup_close_ int fd = netfilter_socket(len + 4096, messages * ACK_BUFFER_COST + RECEIVE_BYTES, err);
	if (fd < 0)
		return network_rules_failed(err, fd);
	struct iovec iov = { .iov_base = copy, .iov_len = len };
	struct msghdr msg = { .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t sent = sendmsg(fd, &msg, 0);
	if (sent < 0)
		return bh_fail_errno(err, -errno, "network rules: sending the batch of %zu bytes", len);
	if ((size_t)sent != len)
		return bh_fail(err, -EIO, "network rules: sent %zd of %zu bytes", sent, len);

	/* Every ack was queued while sendmsg ran; after an error, what is
	 * still queued is read without waiting, to find the first error. */
	while (s.first_error >= 0 || s.acked < s.messages) {
		ssize_t n = recv(fd, answer, RECEIVE_BYTES, s.first_error >= 0 ? MSG_DONTWAIT : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && s.first_error >= 0)
			break;
		if (n < 0 && errno == EAGAIN)
			return bh_fail(err, -ETIMEDOUT, "network rules: no answer from the kernel for %zu of %zu requests",
				       s.messages - s.acked, s.messages);
		if (n < 0)
			return bh_fail_errno(err, -errno, "network rules: reading the kernel's answers");
		read_acks(answer, (size_t)n, &s);
	}
	if (s.first_error >= 0) {
		char what[256];
		offset = 0;
		for (long i = 0; i < s.first_error; i++)
			offset += NLMSG_ALIGN(((struct nlmsghdr *)(copy + offset))->nlmsg_len);
		describe(copy + offset, what, sizeof(what));
		/* The one refusal with a known cause: the init loads once. */
		const char *hint = s.error == -EEXIST && s.first_error == 1 ? " (the rules are loaded already)" : "";
		return bh_fail_errno(err, s.error, "network rules: the kernel refused message %ld of %zu (%s)%s%s%s%s",
				     s.first_error + 1, messages, what, hint, *s.kernel_says ? " [" : "",
				     s.kernel_says, *s.kernel_says ? "]" : "");
	}
	return 0;
}

/* ---- counters ---- */

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static uint64_t be64_attribute(const uint8_t *at, size_t len, uint16_t type)
{
	size_t n = 0;
	uint64_t value = 0;
	const uint8_t *v = netlink_attribute(at, len, type, &n);

	if (v && n == sizeof(value))
		memcpy(&value, v, sizeof(value));
	return be64toh(value);
}

/* One NEWOBJ of the dump: its counter handed to EACH. */
static void counter_object(const struct nlmsghdr *h, nft_counter_fn each, void *ctx)
{
	struct nfgenmsg gen;
	char name[NFT_OBJ_MAXNAMELEN];
	size_t n = 0, data_len = 0;

	if (h->nlmsg_len < NLMSG_HDRLEN + NFT_GEN_LEN)
		return;
	memcpy(&gen, NLMSG_DATA(h), sizeof(gen));
	const uint8_t *attrs = (const uint8_t *)h + NLMSG_HDRLEN + NFT_GEN_LEN;
	size_t len = h->nlmsg_len - NLMSG_HDRLEN - NFT_GEN_LEN;
	const uint8_t *type = netlink_attribute(attrs, len, NFTA_OBJ_TYPE, &n);
	uint32_t type_be = 0;
	if (!type || n != sizeof(type_be))
		return;
	memcpy(&type_be, type, sizeof(type_be));
	const uint8_t *data = netlink_attribute(attrs, len, NFTA_OBJ_DATA, &data_len);
	if (ntohl(type_be) != NFT_OBJECT_COUNTER || !data)
		return;
	attribute_text(attrs, len, NFTA_OBJ_NAME, name, sizeof(name));
	each(family_name(gen.nfgen_family), name, be64_attribute(data, data_len, NFTA_COUNTER_PACKETS),
	     be64_attribute(data, data_len, NFTA_COUNTER_BYTES), ctx);
}

/* Dumps the counters of table NET_TABLE in FAMILY, each to EACH. */
static int dump_counters(int fd, uint8_t family, uint32_t seq, uint8_t *answer, nft_counter_fn each, void *ctx,
			 struct bh_err *err)
{
	struct {
		struct nlmsghdr h;
		struct nfgenmsg gen;
		uint8_t attrs[64];
	} req = { 0 };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlattr *a = (struct nlattr *)req.attrs;
	uint32_t counter_type = htonl(NFT_OBJECT_COUNTER);
	long deadline = now_ms() + ACK_WAIT_MS;

	_Static_assert(sizeof(NET_TABLE) + NLA_HDRLEN + NLA_HDRLEN + 4 <= sizeof(req.attrs), "room for the table");
	a->nla_type = NFTA_OBJ_TABLE;
	a->nla_len = (uint16_t)(NLA_HDRLEN + sizeof(NET_TABLE));
	memcpy((uint8_t *)a + NLA_HDRLEN, NET_TABLE, sizeof(NET_TABLE));
	a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
	a->nla_type = NFTA_OBJ_TYPE;
	a->nla_len = NLA_HDRLEN + sizeof(counter_type);
	memcpy((uint8_t *)a + NLA_HDRLEN, &counter_type, sizeof(counter_type));
	req.h.nlmsg_len = (uint32_t)((uint8_t *)a + NLA_ALIGN(a->nla_len) - (uint8_t *)&req);
	req.h.nlmsg_type = subsystem_type(NFT_MSG_GETOBJ);
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq;
	req.gen.nfgen_family = family;
	req.gen.version = NFNETLINK_V0;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return bh_fail_errno(err, -errno, "asking for the %s counters", family_name(family));
	for (;;) {
		if (now_ms() > deadline)
			return bh_fail(err, -ETIMEDOUT, "the %s counters: the kernel's dump did not end", family_name(family));
		ssize_t n = recv(fd, answer, RECEIVE_BYTES, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bh_fail_errno(err, errno == EAGAIN ? -ETIMEDOUT : -errno, "reading the %s counters",
					     family_name(family));
		size_t left = (size_t)n;
		for (const struct nlmsghdr *h = (const void *)answer; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				return bh_fail(err, -EAGAIN, "the %s counters changed during the dump; ask again",
					       family_name(family));
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return bh_fail(err, -EBADMSG, "the %s counters: a short error", family_name(family));
				/* No table of that family: no counters. */
				if (e->error == 0 || e->error == -ENOENT)
					return 0;
				return bh_fail_errno(err, e->error, "the %s counters", family_name(family));
			}
			if (h->nlmsg_type == subsystem_type(NFT_MSG_NEWOBJ))
				counter_object(h, each, ctx);
		}
	}
}

int nft_counters(nft_counter_fn each, void *ctx, struct bh_err *err)
{
	static const uint8_t families[] = { NFPROTO_IPV4, NFPROTO_BRIDGE };
	_cleanup_free_ uint8_t *answer = malloc(RECEIVE_BYTES);
	int r;

	if (!answer)
		return bh_fail(err, -ENOMEM, "network counters: out of memory");
	_cleanup_close_ int fd = netfilter_socket(RECEIVE_BYTES, 4 * RECEIVE_BYTES, err);
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		if ((r = dump_counters(fd, families[i], (uint32_t)i + 1, answer, each, ctx, err)) < 0)
			return r;
	return 0;
}
