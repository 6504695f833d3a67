/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plain JSON that config.json files are written in, parsed straight
 * from the text (cfg_loadb tries it first). jansson's decoder takes every
 * byte through a stream that checks UTF-8 and counts lines and columns,
 * then appends it to a token buffer: crun's default config.json (3 KB)
 * took 400,000 instructions, 49 us of a `run` (a build with timestamps,
 * median of 300), and takes 92,000, 24 us, here, where most of what is
 * left is making jansson's values.
 *
 * Only a subset is taken: objects without a repeated key, arrays, nesting
 * to MAX_DEPTH, strings of printable ASCII with the two-character escapes
 * (keys without any), integers of up to 18 digits, true, false and null,
 * with JSON's four blanks between. At the first thing outside it (a \u
 * escape, a byte outside printable ASCII, a fraction or an exponent, a
 * longer number) or the first error, it gives up, and jansson parses the
 * text whole: what jansson refuses and how it says where is unchanged, and
 * what is taken here, jansson takes too and builds alike, with the same
 * types and the same order of keys (fuzz/json-plain.c holds the two to
 * that). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config-json.h"

/* jansson allows 2048; a config.json nests some six deep. */
#define MAX_DEPTH 64
/* 10^18 - 1 and its negative fit in an int64; one more digit may not. */
#define MAX_DIGITS 18

struct plain {
	const char *p, *end;
	/* A string with escapes is written out here: made at the first, as
	 * long as the text (no string unescaped is longer). */
	char *unescaped;
	size_t text_len;
	int depth;
};

static void skip_blanks(struct plain *s)
{
	s->p = cfg_skip_blanks(s->p, s->end);
}

/* The next byte after blanks, taken when it is C. */
static bool take(struct plain *s, char c)
{
	skip_blanks(s);
	if (s->p < s->end && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* What the escape \C stands for, or 0 for one left to jansson (\u). */
static char unescape(char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return 0;
	}
}

/* The string at s->p (its opening quote) as [*START, *START + *LEN),
 * escapes undone into s->unescaped when it has some (then *START points
 * there, until the next string); false when it is not plain or not
 * closed, has escapes and ESCAPES_OK is false, or memory ran out. */
static bool string_at(struct plain *s, bool escapes_ok, const char **start, size_t *len)
{
	const char *p = ++s->p;
	size_t out = 0;
	bool escaped = false;

	for (; p < s->end && *p != '"'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c > 0x7e)
			return false;
		if (c == '\\') {
			if (!escapes_ok || p + 1 == s->end || !(c = (unsigned char)unescape(p[1])))
				return false;
			if (!s->unescaped && !(s->unescaped = malloc(s->text_len)))
				return false;
			if (!escaped) {
				memcpy(s->unescaped, s->p, (size_t)(p - s->p));
				out = (size_t)(p - s->p);
				escaped = true;
			}
			p++;
		}
		if (escaped)
			s->unescaped[out++] = (char)c;
	}
	if (p == s->end)
		return false;
	*start = escaped ? s->unescaped : s->p;
	*len = escaped ? out : (size_t)(p - s->p);
	s->p = p + 1;
	return true;
}

static json_t *integer_at(struct plain *s)
{
	const char *p = s->p;
	bool negative = p < s->end && *p == '-';
	int64_t value = 0;
	int digits = 0;

	if (negative)
		p++;
	/* jansson refuses a leading zero before another digit. */
	if (p == s->end || !is_digit(*p) || (*p == '0' && p + 1 < s->end && is_digit(p[1])))
		return NULL;
	for (; p < s->end && is_digit(*p); p++) {
		if (++digits > MAX_DIGITS)
			return NULL;
		value = value * 10 + (*p - '0');
	}
	if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return NULL; /* a real: jansson's strtod */
	s->p = p;
	return json_integer(negative ? -value : value);
}

/* true, false or null at s->p. */
static json_t *literal_at(struct plain *s)
{
	static const struct {
		const char *word;
		size_t len;
		json_t *(*make)(void);
	} literals[] = { { "true", 4, json_true }, { "false", 5, json_false }, { "null", 4, json_null } };

	for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++)
		if ((size_t)(s->end - s->p) >= literals[i].len && memcmp(s->p, literals[i].word, literals[i].len) == 0) {
			s->p += literals[i].len;
			return literals[i].make();
		}
	return NULL;
}

static json_t *value_at(struct plain *s);

/* An array's next item, appended to ARRAY. */
static bool array_item(struct plain *s, json_t *array)
{
	json_t *item = value_at(s);

	return item && json_array_append_new(array, item) == 0;
}

/* An object's next member, set in OBJECT. */
static bool object_member(struct plain *s, json_t *object)
{
	const char *key;
	size_t key_len;

	/* Keys are read in place (without escapes): the value's own strings
	 * would overwrite an unescaped one. */
	skip_blanks(s);
	if (s->p == s->end || *s->p != '"' || !string_at(s, false, &key, &key_len) || !take(s, ':'))
		return false;
	json_t *member = value_at(s);
	/* A repeated key is jansson's to refuse or to take, as the caller's
	 * flags say. */
	if (!member || json_object_getn(object, key, key_len)) {
		json_decref(member);
		return false;
	}
	return json_object_setn_new_nocheck(object, key, key_len, member) == 0;
}

/* The array or object at s->p into CONTAINER (NULL: out of memory), its
 * items read by ITEM, separated by commas, up to CLOSE. */
static json_t *items_at(struct plain *s, json_t *container, char close, bool (*item)(struct plain *, json_t *))
{
	s->p++;
	if (!container || take(s, close))
		return container;
	do
		if (!item(s, container))
			goto fail;
	while (take(s, ','));
	if (take(s, close))
		return container;
fail:
	json_decref(container);
	return NULL;
}

static json_t *value_at(struct plain *s)
{
	const char *start;
	size_t len;
	json_t *v = NULL;

	skip_blanks(s);
	if (s->p == s->end)
		return NULL;
	switch (*s->p) {
	case '{':
	case '[':
		if (++s->depth > MAX_DEPTH)
			return NULL;
		v = *s->p == '{' ? items_at(s, json_object(), '}', object_member)
				 : items_at(s, json_array(), ']', array_item);
		s->depth--;
		return v;
	case '"':
		return string_at(s, true, &start, &len) ? json_stringn_nocheck(start, len) : NULL;
	case 't':
	case 'f':
	case 'n':
		return literal_at(s);
	default: /* a number, or nothing a value begins with (integer_at says no) */
		return integer_at(s);
	}
}

json_t *cfg_parse_plain(const char *text, size_t len)
{
	struct plain s = { .p = text, .end = text + len, .text_len = len };
	json_t *root;

	skip_blanks(&s);
	/* An object or an array, as jansson takes without JSON_DECODE_ANY. */
	if (s.p == s.end || (*s.p != '{' && *s.p != '['))
		return NULL;
	root = value_at(&s);
	skip_blanks(&s);
	if (root && s.p != s.end) {
		json_decref(root);
		root = NULL;
	}
	free(s.unescaped);
	return root;
}
