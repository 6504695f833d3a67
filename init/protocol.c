/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol's one parser, apart from the peers that feed it
 * (control.c), so that it is fuzzed on its own (fuzz/control.c): every
 * byte a host sends on the serial line passes through here first. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "init.h"

/* One row a verb, so that a verb and whether it takes a name cannot drift
 * apart (two parallel arrays once did: the shorter one was read past its
 * end for poweroff, which fuzz/control.c found). */
static const struct {
	enum control_verb verb;
	const char *word;
	bool takes_name;
} verbs[] = {
	{ CONTROL_PS, "ps", false },	       { CONTROL_LOGS, "logs", true },
	{ CONTROL_RESTART, "restart", true },  { CONTROL_STOP, "stop", true },
	{ CONTROL_POWEROFF, "poweroff", false }, { CONTROL_NET, "net", false },
};

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
		if (!verbs[v].takes_name)
			return arg ? -EINVAL : 0;
		if (!arg || arg_len == 0 || memchr(arg, ' ', arg_len))
			return -EINVAL;
		if (arg_len >= sizeof(out->name))
			return -ENAMETOOLONG;
		memcpy(out->name, arg, arg_len);
		return 0;
	}
	return -EINVAL;
}
