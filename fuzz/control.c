/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's parser (init/protocol.c): every line the host
 * sends PID 1 over the serial line goes through it. Beyond not crashing,
 * an accepted line must give what the rest of the init relies on: a known
 * verb, and a name exactly when the verb takes one, printable ASCII with no
 * space, NUL-terminated within the buffer. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../init/init.h"

static void check_request(const struct control_request *req)
{
	size_t n = strnlen(req->name, sizeof(req->name));
	bool takes_name = req->verb == CONTROL_LOGS || req->verb == CONTROL_RESTART || req->verb == CONTROL_STOP;

	if (req->verb > CONTROL_POWEROFF || n == sizeof(req->name) || takes_name != (n > 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if (req->name[i] <= ' ' || req->name[i] > '~')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request req;
	const char *line = (const char *)data, *end = line + size;

	/* As a peer sends it: line after line, each without its newline. */
	while (line <= end) {
		const char *newline = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((newline ? newline : end) - line);
		int r = control_parse(line, len, &req);
		fuzz_verdict("control", r, r == 0 ? req.name : "refused");
		if (r == 0)
			check_request(&req);
		if (!newline)
			break;
		line = newline + 1;
	}
	return 0;
}
