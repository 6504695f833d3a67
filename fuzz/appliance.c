/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The init's appliance.json reader: PID 1 reads it once at boot, and a bad
 * file must end the boot cleanly, never crash or leak. */
#include "fuzz.h"
#include "../init/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct appliance a;
	struct bh_err err;

	int r = appliance_load(fuzz_write("appliance.json", data, size), &a, &err);
	fuzz_verdict("appliance", r, err.msg);
	/* The init frees what a failed load filled in, too. */
	appliance_free(&a);
	return 0;
}
