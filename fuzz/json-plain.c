/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's parser of plain JSON (runtime/json-plain.c) against
 * jansson's, which it stands in for when a config.json is read: what it
 * takes, jansson must take too (with JSON_REJECT_DUPLICATES, as the config
 * loader asks) and build the same, value for value, with the same types
 * and keys in the same order. What it leaves is jansson's alone, so only
 * its answers are checked. A difference aborts. With
 * FUZZ_JSON_PLAIN_SIMULATE_DIFFERENCE set, one member more is put in what
 * it built, so that tests/fuzz-replay.t sees the comparison catch it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../runtime/config-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *plain = cfg_parse_plain((const char *)data, size);

	fuzz_verdict("json-plain", plain ? 0 : -1, plain ? "taken" : "left to jansson");
	if (!plain)
		return 0;
	if (getenv("FUZZ_JSON_PLAIN_SIMULATE_DIFFERENCE") && json_is_object(plain))
		json_object_set_new(plain, "simulated", json_true());
	json_t *full = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!full) {
		fprintf(stderr, "json-plain: jansson refuses what it took: %s (line %d, column %d)\n", jerr.text,
			jerr.line, jerr.column);
		abort();
	}
	char *a = json_dumps(plain, JSON_COMPACT), *b = json_dumps(full, JSON_COMPACT);
	if (!a || !b || !json_equal(plain, full) || strcmp(a, b) != 0) {
		fprintf(stderr, "json-plain: built\n  %s\njansson built\n  %s\n", a ? a : "?", b ? b : "?");
		abort();
	}
	free(a);
	free(b);
	json_decref(plain);
	json_decref(full);
	return 0;
}
