/* mysql_column.c - what a MySQL column can hold, and whether an ID is such a value as it is. */
#include "mysql_column.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLOAT_DIGITS  6	 /* every integer of up to 6 digits is exact in a FLOAT */
#define DOUBLE_DIGITS 15 /* ... and of up to 15 in a DOUBLE */

struct integer_type {
	const char *name;
	unsigned long long max, min, unsigned_max; /* min: the magnitude of the smallest */
};

static const struct integer_type integer_types[] = {
	{"tinyint", 127ULL, 128ULL, 255ULL},
	{"smallint", 32767ULL, 32768ULL, 65535ULL},
	{"mediumint", 8388607ULL, 8388608ULL, 16777215ULL},
	{"int", 2147483647ULL, 2147483648ULL, 4294967295ULL},
	{"integer", 2147483647ULL, 2147483648ULL, 4294967295ULL},
	{"bigint", 9223372036854775807ULL, 9223372036854775808ULL, 18446744073709551615ULL},
};

static unsigned long long number_or_zero(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

/* A character set or collation name that may go into SQL text as it is. */
static bool plain_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n >= MYSQL_COLUMN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

void mysql_column_set_collation(struct mysql_column *c, const char *collation)
{
	c->collation[0] = '\0';
	if (plain_name(collation))
		snprintf(c->collation, sizeof c->collation, "%s", collation);
}

bool mysql_column_equal(const struct mysql_column *a, const struct mysql_column *b)
{
	return a->kind == b->kind && a->is_unsigned == b->is_unsigned &&
	       a->max_length == b->max_length && a->precision == b->precision &&
	       a->scale == b->scale && a->int_max == b->int_max && a->int_min == b->int_min &&
	       a->charset == b->charset && !strcmp(a->type, b->type) &&
	       !strcmp(a->charset_name, b->charset_name) && !strcmp(a->collation, b->collation);
}

static enum mysql_charset charset_of(const char *name)
{
	if (!name)
		return MYSQL_CHARSET_OTHER;
	if (!strcasecmp(name, "utf8mb4"))
		return MYSQL_CHARSET_UTF8MB4;
	if (!strcasecmp(name, "utf8mb3") || !strcasecmp(name, "utf8"))
		return MYSQL_CHARSET_UTF8MB3;
	if (!strcasecmp(name, "latin1"))
		return MYSQL_CHARSET_LATIN1;
	if (!strcasecmp(name, "ascii"))
		return MYSQL_CHARSET_ASCII;
	return MYSQL_CHARSET_OTHER;
}

void mysql_column_parse(struct mysql_column *c, const char *data_type, const char *column_type,
			const char *max_length, const char *precision, const char *scale,
			const char *charset)
{
	memset(c, 0, sizeof *c);
	snprintf(c->type, sizeof c->type, "%s", column_type ? column_type : "");
	if (!data_type)
		return;
	c->is_unsigned = column_type && strstr(column_type, "unsigned");
	c->max_length = number_or_zero(max_length);
	c->charset = charset_of(charset);
	if (plain_name(charset))
		snprintf(c->charset_name, sizeof c->charset_name, "%s", charset);
	for (size_t i = 0; i < sizeof integer_types / sizeof *integer_types; i++) {
		const struct integer_type *t = &integer_types[i];

		if (strcasecmp(data_type, t->name))
			continue;
		c->kind = MYSQL_COLUMN_INTEGER;
		c->int_max = c->is_unsigned ? t->unsigned_max : t->max;
		c->int_min = c->is_unsigned ? 0 : t->min;
		return;
	}
	if (!strcasecmp(data_type, "decimal") || !strcasecmp(data_type, "numeric")) {
		c->kind = MYSQL_COLUMN_DECIMAL;
		c->precision = (unsigned int) number_or_zero(precision);
		c->scale = (unsigned int) number_or_zero(scale);
		if (c->scale > c->precision)
			c->kind = MYSQL_COLUMN_OTHER; /* not a type MySQL makes */
	} else if (!strcasecmp(data_type, "float")) {
		c->kind = MYSQL_COLUMN_FLOAT;
	} else if (!strcasecmp(data_type, "double") || !strcasecmp(data_type, "real")) {
		c->kind = MYSQL_COLUMN_DOUBLE;
	} else if (!strcasecmp(data_type, "char") || !strcasecmp(data_type, "varchar") ||
		   !strcasecmp(data_type, "tinytext") || !strcasecmp(data_type, "text") ||
		   !strcasecmp(data_type, "mediumtext") || !strcasecmp(data_type, "longtext")) {
		c->kind = MYSQL_COLUMN_TEXT;
	} else if (!strcasecmp(data_type, "binary")) {
		c->kind = MYSQL_COLUMN_BINARY_FIXED;
	} else if (!strcasecmp(data_type, "varbinary") || !strcasecmp(data_type, "tinyblob") ||
		   !strcasecmp(data_type, "blob") || !strcasecmp(data_type, "mediumblob") ||
		   !strcasecmp(data_type, "longblob")) {
		c->kind = MYSQL_COLUMN_BINARY;
	}
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * A canonical decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?, no "-0". The digits
 * before and after the point are counted into *whole and *fraction; the
 * magnitude of the whole part into *value, ULLONG_MAX with *whole set past
 * 20 digits when it does not fit. false when it is not one.
 */
static bool canonical_number(const char *s, size_t len, bool *negative, size_t *whole,
			     size_t *fraction, unsigned long long *value)
{
	size_t i = 0;
	bool nonzero = false, overflow = false;

	*negative = len > 0 && s[0] == '-';
	i = *negative ? 1 : 0;
	*whole = *fraction = 0;
	*value = 0;
	while (i < len && is_digit(s[i])) {
		unsigned int d = (unsigned int) (s[i] - '0');

		overflow = overflow || *value > (ULLONG_MAX - d) / 10;
		*value = overflow ? ULLONG_MAX : *value * 10 + d;
		nonzero = nonzero || d;
		(*whole)++;
		i++;
	}
	if (*whole == 0 || (*whole > 1 && s[*negative ? 1 : 0] == '0'))
		return false; /* no digits, or a leading zero ("05") */
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			nonzero = nonzero || s[i] != '0';
			(*fraction)++;
			i++;
		}
		if (*fraction == 0)
			return false; /* "5." */
	}
	if (i != len)
		return false; /* anything else: "5abc", " 5", "0x5", "user:5" */
	if (overflow && *whole <= 20)
		*whole = 21;		 /* past every integer type */
	return !(*negative && !nonzero); /* zero is "0", never "-0" */
}

static enum mysql_id_doubt check_number(const struct mysql_column *c, const char *id, size_t len)
{
	unsigned long long value;
	size_t whole, fraction;
	bool negative;

	if (!canonical_number(id, len, &negative, &whole, &fraction, &value))
		return MYSQL_ID_NOT_A_NUMBER;
	if (negative && c->is_unsigned)
		return MYSQL_ID_OUT_OF_RANGE;
	switch (c->kind) {
	case MYSQL_COLUMN_INTEGER:
		if (fraction)
			return MYSQL_ID_NOT_A_NUMBER;
		if (whole > 20 || value > (negative ? c->int_min : c->int_max))
			return MYSQL_ID_OUT_OF_RANGE;
		return MYSQL_ID_OK;
	case MYSQL_COLUMN_DECIMAL:
		if (fraction > c->scale || whole > c->precision - c->scale)
			return whole == 1 && value == 0 && fraction <= c->scale
				       ? MYSQL_ID_OK /* "0.5" in DECIMAL(2,2): a zero before the
							point */
				       : MYSQL_ID_OUT_OF_RANGE;
		return MYSQL_ID_OK;
	case MYSQL_COLUMN_FLOAT:
	case MYSQL_COLUMN_DOUBLE:
		if (fraction)
			return MYSQL_ID_NOT_A_NUMBER;
		return whole > (c->kind == MYSQL_COLUMN_FLOAT ? FLOAT_DIGITS : DOUBLE_DIGITS)
			       ? MYSQL_ID_OUT_OF_RANGE
			       : MYSQL_ID_OK;
	default:
		return MYSQL_ID_UNSUPPORTED;
	}
}

/*
 * The code point of the UTF-8 sequence at s[*at], advancing *at; -1 for an
 * invalid one (overlong, a surrogate, past U+10FFFF, cut short).
 */
static long utf8_next(const unsigned char *s, size_t len, size_t *at)
{
	static const long min_of[] = {0, 0, 0x80, 0x800, 0x10000};
	unsigned char b = s[*at];
	size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
	long cp;

	if (!n || *at + n > len)
		return -1;
	cp = n == 1 ? b : b & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[*at + i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*at + i] & 0x3F);
	}
	if (cp < min_of[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*at += n;
	return cp;
}

/* Whether MySQL's latin1 (Windows-1252) has the character: no lossy '?' for it. */
static bool latin1_has(long cp)
{
	static const long cp1252[] = {0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
				      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017D, 0x2018,
				      0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
				      0x2122, 0x0161, 0x203A, 0x0153, 0x017E, 0x0178};

	if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
		return true;
	for (size_t i = 0; i < sizeof cp1252 / sizeof *cp1252; i++)
		if (cp1252[i] == cp)
			return true;
	return false;
}

static enum mysql_id_doubt check_text(const struct mysql_column *c, const char *id, size_t len)
{
	const unsigned char *s = (const unsigned char *) id;
	unsigned long long chars = 0;
	size_t at = 0;

	if (c->charset == MYSQL_CHARSET_OTHER)
		return MYSQL_ID_UNSUPPORTED;
	while (at < len) {
		long cp = utf8_next(s, len, &at);

		if (cp < 0 || (c->charset == MYSQL_CHARSET_UTF8MB3 && cp > 0xFFFF) ||
		    (c->charset == MYSQL_CHARSET_LATIN1 && !latin1_has(cp)) ||
		    (c->charset == MYSQL_CHARSET_ASCII && cp > 0x7F))
			return MYSQL_ID_BAD_CHARSET;
		chars++;
	}
	return c->max_length && chars > c->max_length ? MYSQL_ID_TOO_LONG : MYSQL_ID_OK;
}

enum mysql_id_doubt mysql_column_holds(const struct mysql_column *c, const char *id, size_t len)
{
	switch (c->kind) {
	case MYSQL_COLUMN_INTEGER:
	case MYSQL_COLUMN_DECIMAL:
	case MYSQL_COLUMN_FLOAT:
	case MYSQL_COLUMN_DOUBLE:
		return check_number(c, id, len);
	case MYSQL_COLUMN_TEXT:
		return check_text(c, id, len);
	case MYSQL_COLUMN_BINARY_FIXED:
		return len == c->max_length ? MYSQL_ID_OK : MYSQL_ID_WRONG_LENGTH;
	case MYSQL_COLUMN_BINARY:
		return c->max_length && len > c->max_length ? MYSQL_ID_TOO_LONG : MYSQL_ID_OK;
	case MYSQL_COLUMN_OTHER:
		break;
	}
	return MYSQL_ID_UNSUPPORTED;
}

const char *mysql_id_doubt_text(enum mysql_id_doubt doubt)
{
	switch (doubt) {
	case MYSQL_ID_OK:
		return "a value of the column";
	case MYSQL_ID_NOT_A_NUMBER:
		return "not a number as the column writes it";
	case MYSQL_ID_OUT_OF_RANGE:
		return "out of the column's range";
	case MYSQL_ID_TOO_LONG:
		return "longer than the column";
	case MYSQL_ID_WRONG_LENGTH:
		return "not the column's fixed length";
	case MYSQL_ID_BAD_CHARSET:
		return "not valid in the column's character set";
	case MYSQL_ID_UNSUPPORTED:
		return "of a type no ID is checked against";
	}
	return "unknown";
}
