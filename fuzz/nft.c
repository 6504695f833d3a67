/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The init's check of the rule set's framing (init/nft.c, nft_batch_check):
 * PID 1 runs it over /etc/bulkhead/net.rules before sending a byte, so a
 * cut or corrupted file must be refused here, never read out of bounds.
 * An accepted batch must hold at least its BATCH_BEGIN and BATCH_END. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../init/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_err err;
	size_t messages = 0;
	/* A copy of exactly SIZE bytes: a read past it is ASan's to see. */
	void *batch = malloc(size ? size : 1);

	if (!batch)
		return 0;
	memcpy(batch, data, size);
	memset(&err, 0, sizeof(err));
	int r = nft_batch_check(batch, size, &messages, &err);
	if (r == 0 && messages < 2)
		abort();
	fuzz_verdict("nft", r, err.msg);
	free(batch);
	return 0;
}
