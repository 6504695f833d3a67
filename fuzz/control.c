/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's parser (init/protocol.c): every line the host
 * sends PID 1 over the serial line goes through it. Beyond not crashing,
 * an accepted line must give what the rest of the init relies on: a known
 * verb, and a name exactly when the verb takes one, printable ASCII with no
 * space, NUL-terminated within the buffer; session payloads within their
 * bounds; and the line must be its request's one spelling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../init/init.h"

/* The line back from REQ, as a host would write it: an accepted line must
 * be the one spelling of its request (base64 strict and canonical, numbers
 * without leading zeros), so that nothing else reaches PID 1's actions. */
static size_t spell(const struct control_request *req, char *out, size_t size)
{
	static const char *const words[] = { "ps", "logs", "restart", "stop", "poweroff", "net", "sync", "exec",
					     "follow", "arg", "arg+", "run", "in", "eof", "winch", "ping", "end" };
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = (size_t)snprintf(out, size, "%s", words[req->verb]);

	if (req->name[0])
		n += (size_t)snprintf(out + n, size - n, " %s", req->name);
	if (req->interactive || req->terminal)
		n += (size_t)snprintf(out + n, size - n, " %s%s", req->interactive ? "i" : "", req->terminal ? "t" : "");
	if (req->verb == CONTROL_WINCH)
		n += (size_t)snprintf(out + n, size - n, " %u %u", req->rows, req->cols);
	for (size_t i = 0; i < req->data_len; i += 3) {
		const unsigned char *d = req->data;
		unsigned v = (unsigned)d[i] << 16 | (i + 1 < req->data_len ? (unsigned)d[i + 1] << 8 : 0) |
			     (i + 2 < req->data_len ? d[i + 2] : 0);
		if (i == 0)
			out[n++] = ' ';
		out[n++] = alphabet[v >> 18 & 63];
		out[n++] = alphabet[v >> 12 & 63];
		out[n++] = i + 1 < req->data_len ? alphabet[v >> 6 & 63] : '=';
		out[n++] = i + 2 < req->data_len ? alphabet[v & 63] : '=';
	}
	return n;
}

static void check_request(const struct control_request *req, const char *line, size_t len)
{
	size_t n = strnlen(req->name, sizeof(req->name));
	bool takes_name = req->verb == CONTROL_LOGS || req->verb == CONTROL_RESTART || req->verb == CONTROL_STOP ||
			  req->verb == CONTROL_SYNC || req->verb == CONTROL_EXEC || req->verb == CONTROL_FOLLOW;
	bool takes_data = req->verb == CONTROL_ARG || req->verb == CONTROL_ARG_MORE || req->verb == CONTROL_IN;

	if (req->verb > CONTROL_VERB_LAST || n == sizeof(req->name) || takes_name != (n > 0))
		abort();
	if (req->data_len > sizeof(req->data) || (!takes_data && req->data_len) ||
	    ((req->verb == CONTROL_ARG_MORE || req->verb == CONTROL_IN) && req->data_len == 0))
		abort();
	if ((req->interactive || req->terminal) && req->verb != CONTROL_EXEC)
		abort();
	if ((req->verb == CONTROL_WINCH) != (req->rows > 0 && req->cols > 0) || req->rows > 9999 || req->cols > 9999)
		abort();
	for (size_t i = 0; i < n; i++)
		if (req->name[i] <= ' ' || req->name[i] > '~')
			abort();
	char again[CONTROL_LINE_MAX * 2];
	if (len && line[len - 1] == '\r')
		len--;
	if (spell(req, again, sizeof(again)) != len || memcmp(again, line, len) != 0)
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
			check_request(&req, line, len);
		if (!newline)
			break;
		line = newline + 1;
	}
	return 0;
}
