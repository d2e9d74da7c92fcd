/* parse.c - read the text of SPEC section 4 back into a list, set, zset or hash. Pure: no I/O. */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10; /* render writes upper case; people may type lower */
	return -1;
}

/*
 * Unescape one column (p, n) into `buf` (which holds n bytes: unescaping only
 * shrinks). Returns the unescaped length, or -1 with the reason in `why`.
 */
static long unescape(const char *p, size_t n, char *buf, const char **why)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) p[i];
		int hi, lo;

		if (c < 0x20 || c == 0x7f) {
			*why = c == '\t' ? "a TAB where none belongs (write \\t)"
					 : "a raw control byte (write \\xHH)";
			return -1;
		}
		if (c != '\\') {
			buf[o++] = (char) c;
			continue;
		}
		if (++i == n) {
			*why = "a lone '\\' at the end (write \\\\)";
			return -1;
		}
		switch (p[i]) {
		case '\\':
			buf[o++] = '\\';
			break;
		case 'n':
			buf[o++] = '\n';
			break;
		case 't':
			buf[o++] = '\t';
			break;
		case 'r':
			buf[o++] = '\r';
			break;
		case 'x':
			hi = i + 2 < n ? hex_value(p[i + 1]) : -1;
			lo = i + 2 < n ? hex_value(p[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*why = "\\x not followed by two hex digits";
				return -1;
			}
			buf[o++] = (char) (hi * 16 + lo);
			i += 2;
			break;
		default:
			*why = "an unknown escape (known: \\\\ \\n \\t \\r \\xHH)";
			return -1;
		}
	}
	return (long) o;
}

/* A zset score as Redis takes it: a finite number, or inf / -inf / +inf. */
static bool score_valid(const char *s, size_t n)
{
	char buf[64], *end;
	double d;

	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "inf") == 0 || strcmp(buf, "+inf") == 0 || strcmp(buf, "-inf") == 0)
		return true;
	d = strtod(buf, &end);
	return *end == '\0' && !isnan(d) && !isinf(d) && buf[0] != ' ';
}

/* Unescape (p, n) and push it; on a bad column, the reason goes to `why`. */
static int push_column(struct rv_value *out, const char *p, size_t n, char *scratch,
		       const char **why)
{
	long len = unescape(p, n, scratch, why);

	if (len < 0)
		return -EINVAL;
	return rv_array_push(&out->items, scratch, (size_t) len) ? -ENOMEM : 0;
}

static int parse_line(enum rv_type type, const char *line, size_t n, struct rv_value *out,
		      char *scratch, const char **why)
{
	const char *tab;
	int ret;

	if (type == RV_LIST || type == RV_SET)
		return push_column(out, line, n, scratch, why);
	tab = memchr(line, '\t', n);
	if (!tab) {
		*why = type == RV_ZSET ? "no TAB between member and score"
				       : "no TAB between field and value";
		return -EINVAL;
	}
	ret = push_column(out, line, (size_t) (tab - line), scratch, why);
	if (ret)
		return ret;
	n -= (size_t) (tab - line) + 1;
	line = tab + 1;
	if (type == RV_ZSET && !score_valid(line, n)) {
		*why = "a score that is not a number";
		return -EINVAL;
	}
	return push_column(out, line, n, scratch, why);
}

int parse_value(enum rv_type type, const char *text, size_t len, struct rv_value *out, char *err,
		size_t errlen)
{
	const char *why = NULL;
	size_t at = 0, line_no = 0, longest = 0;
	char *scratch;
	int ret = 0;

	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH) {
		snprintf(err, errlen, "%s values cannot be written as text", rv_type_name(type));
		return -EINVAL;
	}
	out->type = type;
	/* one scratch buffer as long as the longest line serves every column */
	for (size_t i = 0, start = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			if (i - start > longest)
				longest = i - start;
			start = i + 1;
		}
	}
	scratch = malloc(longest ? longest : 1);
	if (!scratch)
		return -ENOMEM;
	while (at < len && !ret) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t) (nl - (text + at)) : len - at;

		line_no++;
		ret = parse_line(type, text + at, n, out, scratch, &why);
		at += n + (nl ? 1 : 0);
	}
	free(scratch);
	if (ret == -EINVAL)
		snprintf(err, errlen, "line %zu: %s", line_no, why);
	return ret;
}
