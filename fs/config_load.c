/* config_load.c - the helpers of a config_load() walk that config.c and config_ghosts.c share. */
#include "config_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDENT_MAX	  64 /* MySQL's limit on database, table and column names */
#define NUMBER_DIGITS_MAX 9  /* more digits than any bound here: no overflow to check */

/* Our own ASCII tests: <ctype.h> depends on the locale; inih runs in the C locale's terms. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_printable(char c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * Record the first error: "PATH:LINE: reason", or "PATH: reason" when `line`
 * is 0. Later errors are dropped, as they tend to follow from the first.
 * Returns `ret`, so that a caller can return what it reports.
 */
int config_fail(struct load_state *st, int line, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st->ret)
		return ret;
	st->ret = ret;
	if (!st->err || !st->errlen)
		return ret;
	if (line)
		n = snprintf(st->err, st->errlen, "%s:%d: ", st->path, line);
	else
		n = snprintf(st->err, st->errlen, "%s: ", st->path);
	if (n < 0 || (size_t) n >= st->errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(st->err + n, st->errlen - (size_t) n, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * Copy a piece of the file into `out` for quoting in an error: control and
 * non-ASCII bytes become '?' so that the message stays one readable line, and
 * a long piece is cut with "...".
 */
const char *config_shown(char out[SHOWN_SIZE], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < SHOWN_MAX; i++)
		out[i] = is_printable(s[i]) ? s[i] : '?';
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

int config_store(struct load_state *st, char **dst, const char *value)
{
	*dst = strdup(value);
	return *dst ? 0 : config_fail(st, st->lineno, -ENOMEM, "out of memory");
}

/* A decimal number from `min` to `max`: digits only, no sign, no spaces. Returns it or -1. */
long config_number(const char *s, long min, long max)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!is_digit(s[i]) || i >= NUMBER_DIGITS_MAX)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i && v >= min && v <= max ? v : -1;
}

/*
 * [A-Za-z0-9_$]{1,64}: a MySQL identifier that needs no quoting to be safe,
 * so that a table or column name can never carry SQL of its own.
 */
static bool is_identifier(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > IDENT_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!is_digit(c) && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    c != '_' && c != '$')
			return false;
	}
	return true;
}

/* An identifier, or with `dotted` also "db.table". */
bool config_is_table_name(const char *s, bool dotted)
{
	const char *dot = dotted ? strchr(s, '.') : NULL;

	if (dot)
		return is_identifier(s, (size_t) (dot - s)) &&
		       is_identifier(dot + 1, strlen(dot + 1));
	return is_identifier(s, strlen(s));
}
