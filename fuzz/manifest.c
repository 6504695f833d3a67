/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The builder's manifest parser (YAML through libyaml, then every key's
 * reader and the whole-manifest checks). The manifest lies in a private
 * directory, so relative image paths (dir:., tar:x) stay there. */
#include "fuzz.h"
#include "../image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	struct diag d;

	int r = manifest_load(fuzz_write("appliance.yml", data, size), &m, &d);
	fuzz_verdict("manifest", r, d.msg);
	if (r == 0)
		manifest_free(&m);
	return 0;
}
