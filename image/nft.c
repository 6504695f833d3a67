/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables requests as nfnetlink messages (nft.h says what and why). A
 * message is a struct nlmsghdr, a struct nfgenmsg, then attributes
 * (struct nlattr, 4-byte aligned), some nested; the lengths of the message
 * and of each open nest are patched when they close. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"

#define NFT_BATCH_FIRST 4096

void nft_batch_init(struct nft_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->seq = 1;
}

void nft_batch_free(struct nft_batch *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

bool nft_batch_failed(const struct nft_batch *b)
{
	return b->failed;
}

/* Room for N more bytes, zeroed; NULL once the batch failed. */
static uint8_t *reserve(struct nft_batch *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (n > SIZE_MAX / 4 - b->len) {
		b->failed = true;
		return NULL;
	}
	if (b->len + n > b->size) {
		size_t size = b->size ? b->size : NFT_BATCH_FIRST;
		while (size < b->len + n)
			size *= 2;
		uint8_t *grown = realloc(b->data, size);
		if (!grown) {
			b->failed = true;
			return NULL;
		}
		b->data = grown;
		b->size = size;
	}
	uint8_t *at = b->data + b->len;
	memset(at, 0, n);
	b->len += n;
	return at;
}

static void put_attr(struct nft_batch *b, uint16_t type, const void *data, size_t len)
{
	if (NLA_HDRLEN + len > UINT16_MAX) {
		b->failed = true;
		return;
	}
	uint8_t *at = reserve(b, NLA_ALIGN(NLA_HDRLEN + len));
	if (!at)
		return;
	struct nlattr attr = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	memcpy(at, &attr, sizeof(attr));
	if (len)
		memcpy(at + NLA_HDRLEN, data, len);
}

static void put_u32(struct nft_batch *b, uint16_t type, uint32_t value)
{
	uint32_t be = htonl(value);

	put_attr(b, type, &be, sizeof(be));
}

static void put_string(struct nft_batch *b, uint16_t type, const char *text)
{
	put_attr(b, type, text, strlen(text) + 1);
}

static void nest_begin(struct nft_batch *b, uint16_t type)
{
	if (b->failed)
		return;
	if (b->depth == NFT_NEST_MAX) {
		b->failed = true;
		return;
	}
	size_t offset = b->len;
	put_attr(b, type | NLA_F_NESTED, NULL, 0);
	b->nest[b->depth++] = offset;
}

static void nest_end(struct nft_batch *b)
{
	if (b->failed)
		return;
	if (b->depth == 0) {
		b->failed = true;
		return;
	}
	size_t offset = b->nest[--b->depth], len = b->len - offset;
	if (len > UINT16_MAX) {
		b->failed = true;
		return;
	}
	uint16_t len16 = (uint16_t)len;
	memcpy(b->data + offset + offsetof(struct nlattr, nla_len), &len16, sizeof(len16));
}

static void message_begin(struct nft_batch *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id)
{
	if (b->failed)
		return;
	if (b->in_message) {
		b->failed = true;
		return;
	}
	size_t offset = b->len;
	uint8_t *at = reserve(b, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
	if (!at)
		return;
	struct nlmsghdr header = {
		.nlmsg_type = type,
		.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags),
		.nlmsg_seq = b->seq++,
	};
	struct nfgenmsg gen = { .nfgen_family = family, .version = NFNETLINK_V0, .res_id = htons(res_id) };
	memcpy(at, &header, sizeof(header));
	memcpy(at + NLMSG_HDRLEN, &gen, sizeof(gen));
	b->message = offset;
	b->in_message = true;
}

static void message_end(struct nft_batch *b)
{
	if (b->failed)
		return;
	if (!b->in_message || b->depth) {
		b->failed = true;
		return;
	}
	uint32_t len = (uint32_t)(b->len - b->message);
	memcpy(b->data + b->message + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
	b->in_message = false;
}

static uint16_t nft_type(uint16_t msg)
{
	return (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
}

void nft_batch_begin(struct nft_batch *b)
{
	message_begin(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	message_end(b);
}

void nft_batch_end(struct nft_batch *b)
{
	message_begin(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	message_end(b);
}

void nft_table(struct nft_batch *b, uint8_t family, const char *table)
{
	message_begin(b, nft_type(NFT_MSG_NEWTABLE), NLM_F_CREATE | NLM_F_EXCL, family, 0);
	put_string(b, NFTA_TABLE_NAME, table);
	message_end(b);
}

void nft_chain(struct nft_batch *b, uint8_t family, const char *table, const char *chain,
	       const struct nft_base_chain *base)
{
	message_begin(b, nft_type(NFT_MSG_NEWCHAIN), NLM_F_CREATE | NLM_F_EXCL, family, 0);
	put_string(b, NFTA_CHAIN_TABLE, table);
	put_string(b, NFTA_CHAIN_NAME, chain);
	if (base) {
		nest_begin(b, NFTA_CHAIN_HOOK);
		put_u32(b, NFTA_HOOK_HOOKNUM, base->hook);
		put_u32(b, NFTA_HOOK_PRIORITY, (uint32_t)base->priority);
		nest_end(b);
		put_u32(b, NFTA_CHAIN_POLICY, base->policy);
		put_string(b, NFTA_CHAIN_TYPE, base->type);
	}
	message_end(b);
}

void nft_counter(struct nft_batch *b, uint8_t family, const char *table, const char *name)
{
	message_begin(b, nft_type(NFT_MSG_NEWOBJ), NLM_F_CREATE | NLM_F_EXCL, family, 0);
	put_string(b, NFTA_OBJ_TABLE, table);
	put_string(b, NFTA_OBJ_NAME, name);
	put_u32(b, NFTA_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nest_begin(b, NFTA_OBJ_DATA); /* required; empty: from zero */
	nest_end(b);
	message_end(b);
}

void nft_rule_begin(struct nft_batch *b, uint8_t family, const char *table, const char *chain)
{
	message_begin(b, nft_type(NFT_MSG_NEWRULE), NLM_F_CREATE | NLM_F_APPEND, family, 0);
	put_string(b, NFTA_RULE_TABLE, table);
	put_string(b, NFTA_RULE_CHAIN, chain);
	nest_begin(b, NFTA_RULE_EXPRESSIONS);
}

void nft_rule_end(struct nft_batch *b)
{
	nest_end(b);
	message_end(b);
}

/* An expression: a list element holding its name and its data. */
static void expr_begin(struct nft_batch *b, const char *name)
{
	if (!b->failed && (!b->in_message || b->depth != 1)) {
		b->failed = true; /* outside a rule, or inside another expression */
		return;
	}
	nest_begin(b, NFTA_LIST_ELEM);
	put_string(b, NFTA_EXPR_NAME, name);
	nest_begin(b, NFTA_EXPR_DATA);
}

static void expr_end(struct nft_batch *b)
{
	nest_end(b); /* data */
	nest_end(b); /* elem */
}

/* A struct nft_data: NFTA_DATA_VALUE in a nest of TYPE. */
static void put_value(struct nft_batch *b, uint16_t type, const void *data, size_t len)
{
	nest_begin(b, type);
	put_attr(b, NFTA_DATA_VALUE, data, len);
	nest_end(b);
}

void nft_meta_load(struct nft_batch *b, uint32_t key, uint32_t dreg)
{
	expr_begin(b, "meta");
	put_u32(b, NFTA_META_DREG, dreg);
	put_u32(b, NFTA_META_KEY, key);
	expr_end(b);
}

void nft_payload_load(struct nft_batch *b, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg)
{
	expr_begin(b, "payload");
	put_u32(b, NFTA_PAYLOAD_DREG, dreg);
	put_u32(b, NFTA_PAYLOAD_BASE, base);
	put_u32(b, NFTA_PAYLOAD_OFFSET, offset);
	put_u32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b);
}

void nft_cmp(struct nft_batch *b, uint32_t op, uint32_t sreg, const void *data, size_t len)
{
	expr_begin(b, "cmp");
	put_u32(b, NFTA_CMP_SREG, sreg);
	put_u32(b, NFTA_CMP_OP, op);
	put_value(b, NFTA_CMP_DATA, data, len);
	expr_end(b);
}

void nft_bitwise_mask(struct nft_batch *b, uint32_t reg, const void *mask, size_t len)
{
	static const uint8_t zero[16];

	if (len > sizeof(zero)) {
		b->failed = true;
		return;
	}
	expr_begin(b, "bitwise");
	put_u32(b, NFTA_BITWISE_SREG, reg);
	put_u32(b, NFTA_BITWISE_DREG, reg);
	put_u32(b, NFTA_BITWISE_LEN, (uint32_t)len);
	put_value(b, NFTA_BITWISE_MASK, mask, len);
	put_value(b, NFTA_BITWISE_XOR, zero, len);
	expr_end(b);
}

void nft_ct_load(struct nft_batch *b, uint32_t key, uint32_t dreg)
{
	expr_begin(b, "ct");
	put_u32(b, NFTA_CT_DREG, dreg);
	put_u32(b, NFTA_CT_KEY, key);
	expr_end(b);
}

void nft_immediate(struct nft_batch *b, uint32_t dreg, const void *data, size_t len)
{
	expr_begin(b, "immediate");
	put_u32(b, NFTA_IMMEDIATE_DREG, dreg);
	put_value(b, NFTA_IMMEDIATE_DATA, data, len);
	expr_end(b);
}

void nft_verdict(struct nft_batch *b, uint32_t verdict)
{
	expr_begin(b, "immediate");
	put_u32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	nest_begin(b, NFTA_IMMEDIATE_DATA);
	nest_begin(b, NFTA_DATA_VERDICT);
	put_u32(b, NFTA_VERDICT_CODE, verdict);
	nest_end(b);
	nest_end(b);
	expr_end(b);
}

void nft_objref_counter(struct nft_batch *b, const char *name)
{
	expr_begin(b, "objref");
	put_u32(b, NFTA_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
	put_string(b, NFTA_OBJREF_IMM_NAME, name);
	expr_end(b);
}

void nft_dnat(struct nft_batch *b, uint32_t addr_reg, uint32_t port_reg)
{
	expr_begin(b, "nat");
	put_u32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	put_u32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	put_u32(b, NFTA_NAT_REG_ADDR_MIN, addr_reg);
	put_u32(b, NFTA_NAT_REG_PROTO_MIN, port_reg);
	put_u32(b, NFTA_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	expr_end(b);
}

void nft_masq(struct nft_batch *b)
{
	expr_begin(b, "masq");
	expr_end(b);
}

/* ---- matches ---- */

void nft_match_ifname(struct nft_batch *b, uint32_t key, uint32_t op, const char *name)
{
	char padded[IFNAMSIZ] = { 0 };

	if (strlen(name) >= sizeof(padded)) {
		b->failed = true;
		return;
	}
	memcpy(padded, name, strlen(name));
	nft_meta_load(b, key, NFT_REG_1);
	nft_cmp(b, op, NFT_REG_1, padded, sizeof(padded));
}

void nft_match_ifname_prefix(struct nft_batch *b, uint32_t key, uint32_t op, const char *prefix)
{
	if (!*prefix || strlen(prefix) >= IFNAMSIZ) {
		b->failed = true;
		return;
	}
	nft_meta_load(b, key, NFT_REG_1);
	nft_cmp(b, op, NFT_REG_1, prefix, strlen(prefix));
}

void nft_match_payload(struct nft_batch *b, uint32_t base, uint32_t offset, uint32_t op, const void *data,
		       size_t len)
{
	nft_payload_load(b, base, offset, (uint32_t)len, NFT_REG_1);
	nft_cmp(b, op, NFT_REG_1, data, len);
}

void nft_match_ipv4(struct nft_batch *b, uint32_t offset, uint32_t op, struct in_addr address, unsigned prefix)
{
	uint32_t mask = prefix >= 32 ? 0xffffffffU : prefix ? ~(0xffffffffU >> prefix) : 0;
	struct in_addr net = { .s_addr = address.s_addr & htonl(mask) };

	if (prefix == 0)
		return;
	if (prefix % 8 == 0) {
		/* Whole bytes: compare only those, as nft itself does. */
		nft_match_payload(b, NFT_PAYLOAD_NETWORK_HEADER, offset, op, &net, prefix / 8);
		return;
	}
	uint32_t mask_be = htonl(mask);
	nft_payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, offset, sizeof(net), NFT_REG_1);
	nft_bitwise_mask(b, NFT_REG_1, &mask_be, sizeof(mask_be));
	nft_cmp(b, op, NFT_REG_1, &net, sizeof(net));
}

void nft_match_l4_dport(struct nft_batch *b, uint8_t proto, uint16_t port)
{
	uint16_t port_be = htons(port);

	nft_meta_load(b, NFT_META_L4PROTO, NFT_REG_1);
	nft_cmp(b, NFT_CMP_EQ, NFT_REG_1, &proto, sizeof(proto));
	/* th dport: the destination port of TCP and UDP alike, 2 bytes in. */
	nft_match_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, NFT_CMP_EQ, &port_be, sizeof(port_be));
}

void nft_match_ct_bits(struct nft_batch *b, uint32_t key, uint32_t bits)
{
	static const uint32_t zero;

	nft_ct_load(b, key, NFT_REG_1);
	nft_bitwise_mask(b, NFT_REG_1, &bits, sizeof(bits));
	nft_cmp(b, NFT_CMP_NEQ, NFT_REG_1, &zero, sizeof(zero));
}
