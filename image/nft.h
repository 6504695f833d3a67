/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables requests encoded as nfnetlink messages, into one growable
 * buffer that the init sends as a single batch (init/nft.c). Only the small
 * subset of nf_tables the appliance's rule set needs (image/net-rules.c):
 * tables, base chains, named counters and rules made of meta, payload, cmp,
 * bitwise, ct, immediate, objref, nat and masq expressions.
 *
 * Why not libnftnl: see docs/networks.md. The encoding follows the kernel's
 * uapi headers (linux/netfilter/nf_tables.h, nfnetlink.h); numbers in
 * attributes are big-endian, register contents are the packet's bytes or,
 * for ct state and status, a host-order 32-bit word.
 *
 * Every call appends; a failure (no memory, an attribute over 64 KiB, a
 * misuse such as an expression outside a rule) marks the batch failed and
 * makes every later call a no-op, so that the caller checks once, at the
 * end (nft_batch_failed). */
#ifndef BULKHEAD_NFT_H
#define BULKHEAD_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#define NFT_NEST_MAX 8 /* the deepest a rule nests: expressions, elem, data, value */

struct nft_batch {
	uint8_t *data;
	size_t len, size;
	uint32_t seq;              /* the next message's sequence number */
	size_t message;            /* offset of the open message */
	bool in_message;
	size_t nest[NFT_NEST_MAX]; /* offsets of the open nested attributes */
	size_t depth;
	bool failed;
};

void nft_batch_init(struct nft_batch *b);
void nft_batch_free(struct nft_batch *b);
bool nft_batch_failed(const struct nft_batch *b);

/* NFNL_MSG_BATCH_BEGIN and _END for the nftables subsystem: the kernel
 * applies what lies between atomically, all or nothing. */
void nft_batch_begin(struct nft_batch *b);
void nft_batch_end(struct nft_batch *b);

/* NFT_MSG_NEWTABLE. Exclusive (NLM_F_EXCL): a table of that name already
 * there fails the whole batch instead of adding its rules twice. */
void nft_table(struct nft_batch *b, uint8_t family, const char *table);

/* A base chain: on HOOK (NF_INET_*, the same numbers for the bridge) at
 * PRIORITY, of TYPE "filter" or "nat", with POLICY NF_ACCEPT or NF_DROP. */
struct nft_base_chain {
	unsigned hook;
	int priority;
	const char *type;
	unsigned policy;
};
void nft_chain(struct nft_batch *b, uint8_t family, const char *table, const char *chain,
	       const struct nft_base_chain *base);

/* NFT_MSG_NEWOBJ of NFT_OBJECT_COUNTER, from zero, exclusive. */
void nft_counter(struct nft_batch *b, uint8_t family, const char *table, const char *name);

/* NFT_MSG_NEWRULE appended to CHAIN: the expressions below go between
 * nft_rule_begin and nft_rule_end, in the order the kernel runs them. */
void nft_rule_begin(struct nft_batch *b, uint8_t family, const char *table, const char *chain);
void nft_rule_end(struct nft_batch *b);

/* ---- expressions: each loads into, or reads, a register (NFT_REG_1...) ---- */
void nft_meta_load(struct nft_batch *b, uint32_t key, uint32_t dreg);
void nft_payload_load(struct nft_batch *b, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg);
void nft_cmp(struct nft_batch *b, uint32_t op, uint32_t sreg, const void *data, size_t len);
/* reg = reg & MASK (LEN bytes), xor nothing. */
void nft_bitwise_mask(struct nft_batch *b, uint32_t reg, const void *mask, size_t len);
void nft_ct_load(struct nft_batch *b, uint32_t key, uint32_t dreg);
void nft_immediate(struct nft_batch *b, uint32_t dreg, const void *data, size_t len);
/* The rule's verdict: NF_ACCEPT, NF_DROP. */
void nft_verdict(struct nft_batch *b, uint32_t verdict);
/* Counts the packet in the counter object NAME of the rule's table. */
void nft_objref_counter(struct nft_batch *b, const char *name);
/* dnat to the IPv4 address in ADDR_REG and the port in PORT_REG. */
void nft_dnat(struct nft_batch *b, uint32_t addr_reg, uint32_t port_reg);
void nft_masq(struct nft_batch *b);

/* ---- matches made of the expressions above (what `nft` spells as one) ---- */
/* meta iifname/oifname (KEY NFT_META_IIFNAME or _OIFNAME) OP (NFT_CMP_EQ,
 * _NEQ) NAME, compared over the whole IFNAMSIZ. */
void nft_match_ifname(struct nft_batch *b, uint32_t key, uint32_t op, const char *name);
/* The same against the first strlen(PREFIX) bytes only: "bh-*". */
void nft_match_ifname_prefix(struct nft_batch *b, uint32_t key, uint32_t op, const char *prefix);
/* ip saddr/daddr (OFFSET 12 or 16 of the network header) OP ADDRESS/PREFIX;
 * prefix 0 matches everything and adds nothing. */
void nft_match_ipv4(struct nft_batch *b, uint32_t offset, uint32_t op, struct in_addr address, unsigned prefix);
/* meta l4proto PROTO th dport PORT (host order). */
void nft_match_l4_dport(struct nft_batch *b, uint8_t proto, uint16_t port);
/* ct KEY (NFT_CT_STATE, NFT_CT_STATUS) has any of BITS. */
void nft_match_ct_bits(struct nft_batch *b, uint32_t key, uint32_t bits);
/* LEN bytes at OFFSET of the link (ether) or network header OP DATA. */
void nft_match_payload(struct nft_batch *b, uint32_t base, uint32_t offset, uint32_t op, const void *data,
		       size_t len);

#endif
