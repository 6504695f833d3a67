/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DHCP client's parser (init/dhcp.c): PID 1 reads every datagram that
 * reaches UDP port 68 on a DHCP interface with it. The transaction id and
 * hardware address are taken from the input itself, so that inputs get
 * past them to the options. Beyond not crashing or reading out of bounds,
 * an accepted reply must give what the client relies on. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../init/init.h"

static void check_reply(const struct dhcp_reply *r)
{
	if (r->type == DHCP_NAK)
		return;
	if ((r->type != DHCP_OFFER && r->type != DHCP_ACK) || r->prefix < 1 || r->prefix > 32 ||
	    r->n_dns > ARRAY_SIZE(r->dns) || !r->address.s_addr || !r->server_id.s_addr || !r->lease_s)
		abort();
	if (r->lease_s != DHCP_LEASE_INFINITE && !(r->t1_s <= r->t2_s && r->t2_s <= r->lease_s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_reply r;
	uint8_t mac[6] = { 0 };
	uint32_t xid = 0;

	if (size >= 34) {
		xid = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 | data[7];
		memcpy(mac, data + 28, 6);
	}
	/* A copy of exactly SIZE bytes: ASan sees any read past the datagram. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	int rc = dhcp_parse(copy, size, xid, mac, &r);
	fuzz_verdict("dhcp", rc, rc == 0 ? "accepted" : "refused");
	if (rc == 0)
		check_reply(&r);
	free(copy);
	return 0;
}
