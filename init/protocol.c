/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's one parser, apart from the peers that feed it
 * (control.c), so that it is fuzzed on its own (fuzz/control.c): every
 * byte a host sends on the serial line passes through here first.
 *
 * Everything a host sends is a line of printable ASCII, sessions (exec,
 * logs -f) included: their binary payloads (arguments, stdin) travel as
 * base64, so that a newline always ends a line and a line left half-sent by
 * a host that died is ended by the next host's first newline. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "init.h"

enum operand {
	NO_OPERAND,
	NAME,        /* one word: a container's name, or sync's token */
	NAME_FLAGS,  /* exec: NAME, then optionally "i", "t" or "it" */
	DATA,        /* base64 of 1..CONTROL_DATA_MAX bytes */
	DATA_OR_NONE,/* arg: base64, or nothing (an empty argument) */
	SIZE,        /* winch: ROWS COLS, 1..9999 each */
};

/* One row a verb, so that a verb and its operand cannot drift apart (two
 * parallel arrays once did: the shorter one was read past its end for
 * poweroff, which fuzz/control.c found). */
static const struct {
	enum control_verb verb;
	const char *word;
	enum operand operand;
} verbs[] = {
	{ CONTROL_PS, "ps", NO_OPERAND },	   { CONTROL_LOGS, "logs", NAME },
	{ CONTROL_RESTART, "restart", NAME },	   { CONTROL_STOP, "stop", NAME },
	{ CONTROL_POWEROFF, "poweroff", NO_OPERAND }, { CONTROL_NET, "net", NO_OPERAND },
	{ CONTROL_SYNC, "sync", NAME },		   { CONTROL_EXEC, "exec", NAME_FLAGS },
	{ CONTROL_FOLLOW, "follow", NAME },	   { CONTROL_ARG, "arg", DATA_OR_NONE },
	{ CONTROL_ARG_MORE, "arg+", DATA },	   { CONTROL_RUN, "run", NO_OPERAND },
	{ CONTROL_IN, "in", DATA },		   { CONTROL_EOF, "eof", NO_OPERAND },
	{ CONTROL_WINCH, "winch", SIZE },	   { CONTROL_PING, "ping", NO_OPERAND },
	{ CONTROL_END, "end", NO_OPERAND },
};

static int b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Strict base64: padded, the alphabet only, '=' at the end only. */
static int b64_decode(const char *in, size_t len, unsigned char *out, size_t room, size_t *out_len)
{
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > room + 2)
		return -EINVAL;
	size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		unsigned v = 0;
		for (size_t k = 0; k < 4; k++) {
			int d = i + k >= len - pad ? 0 : b64_value(in[i + k]);
			if (d < 0)
				return -EINVAL;
			v = v << 6 | (unsigned)d;
		}
		unsigned char bytes[3] = { (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };
		size_t take = i + 4 < len ? 3 : 3 - pad;
		if (take < 3 && (v & (take == 2 ? 0xffu : 0xffffu)))
			return -EINVAL; /* bits past the data: one text a byte string */
		if (n + take > room)
			return -EINVAL;
		memcpy(out + n, bytes, take);
		n += take;
	}
	*out_len = n;
	return 0;
}

static int parse_number(const char *s, size_t len, unsigned short *out)
{
	unsigned v = 0;

	if (len == 0 || len > 4 || s[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = (unsigned short)v;
	return 0;
}

static int parse_operand(enum operand kind, const char *arg, size_t len, struct control_request *out)
{
	const char *space = memchr(arg, ' ', len);
	size_t first = space ? (size_t)(space - arg) : len;

	switch (kind) {
	case NO_OPERAND:
		return -EINVAL;
	case DATA_OR_NONE:
	case DATA:
		return space ? -EINVAL : b64_decode(arg, len, out->data, sizeof(out->data), &out->data_len);
	case SIZE:
		if (!space || parse_number(arg, first, &out->rows) < 0)
			return -EINVAL;
		return parse_number(space + 1, len - first - 1, &out->cols);
	case NAME_FLAGS:
		if (space) {
			const char *flags = space + 1;
			size_t n = len - first - 1;
			/* One spelling each: "ti" is not "it" (fuzz/control.c). */
			bool it = n == 2 && flags[0] == 'i' && flags[1] == 't';
			if (!it && (n != 1 || (flags[0] != 'i' && flags[0] != 't')))
				return -EINVAL;
			out->interactive = it || flags[0] == 'i';
			out->terminal = it || flags[0] == 't';
		}
		/* the name */
		__attribute__((fallthrough));
	case NAME:
		if (first == 0 || (kind == NAME && space))
			return -EINVAL;
		if (first >= sizeof(out->name))
			return -ENAMETOOLONG;
		memcpy(out->name, arg, first);
		return 0;
	}
	return -EINVAL;
}

int control_parse(const char *line, size_t len, struct control_request *out)
{
	memset(out, 0, sizeof(*out));
	if (len && line[len - 1] == '\r')
		len--;
	/* Printable ASCII only: a name is echoed in answers and on the console. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return -EINVAL;
	size_t word = 0;
	while (word < len && line[word] != ' ')
		word++;
	const char *arg = word < len ? line + word + 1 : NULL;
	size_t arg_len = arg ? len - word - 1 : 0;
	for (size_t v = 0; v < ARRAY_SIZE(verbs); v++) {
		if (strlen(verbs[v].word) != word || memcmp(line, verbs[v].word, word) != 0)
			continue;
		out->verb = verbs[v].verb;
		if (!arg)
			return verbs[v].operand == NO_OPERAND || verbs[v].operand == DATA_OR_NONE ? 0 : -EINVAL;
		int r = parse_operand(verbs[v].operand, arg, arg_len, out);
		if (r < 0) {
			int verb = out->verb;
			memset(out, 0, sizeof(*out));
			out->verb = verb;
		}
		return r;
	}
	return -EINVAL;
}
