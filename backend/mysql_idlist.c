/* mysql_idlist.c - many IDs as one JSON parameter, joined against the table by MySQL. Pure. */
#include "mysql_idlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum idlist_kind idlist_kind_of(const struct mysql_column *column)
{
	switch (column->kind) {
	case MYSQL_COLUMN_INTEGER:
		return IDLIST_INTEGER;
	case MYSQL_COLUMN_DECIMAL:
		return IDLIST_DECIMAL;
	case MYSQL_COLUMN_FLOAT:
	case MYSQL_COLUMN_DOUBLE:
		return IDLIST_FLOAT;
	case MYSQL_COLUMN_TEXT:
		return column->charset_name[0] && column->collation[0] ? IDLIST_TEXT : IDLIST_NONE;
	case MYSQL_COLUMN_BINARY_FIXED:
	case MYSQL_COLUMN_BINARY:
		return IDLIST_BINARY;
	default:
		return IDLIST_NONE;
	}
}

/* Length of the valid UTF-8 character at s (at most n bytes), or 0 (invalid, or NUL). */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	unsigned int c = s[0], len, min, cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, min = 0x80, cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, min = 0x800, cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (unsigned int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and beyond U+10FFFF are not UTF-8 */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* "0", or an optional '-' and 1 to 18 digits without a leading zero. */
static bool canonical_integer(const char *id, size_t len)
{
	size_t i = len && id[0] == '-' ? 1 : 0;

	if (len == 1 && id[0] == '0')
		return true;
	if (len - i < 1 || len - i > 18 || id[i] < '1' || id[i] > '9')
		return false;
	for (; i < len; i++)
		if (id[i] < '0' || id[i] > '9')
			return false;
	return true;
}

bool idlist_id_fits(const struct mysql_column *column, const char *id, size_t len)
{
	const unsigned char *s = (const unsigned char *) id;
	enum idlist_kind kind = idlist_kind_of(column);
	bool ascii_only = kind == IDLIST_TEXT && strcmp(column->charset_name, "utf8mb4") != 0;

	if (kind == IDLIST_NONE || len > IDLIST_ID_MAX)
		return false;
	if (kind == IDLIST_INTEGER)
		return canonical_integer(id, len);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char(s + i, len - i);

		if (!n || (ascii_only && n > 1))
			return false;
		i += n;
	}
	return true;
}

size_t idlist_json_len(const char *id, size_t len)
{
	size_t n = len + 3;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) id[i];

		if (c == '"' || c == '\\')
			n += 1;
		else if (c < 0x20)
			n += 5; /* \u00XX */
	}
	return n;
}

size_t idlist_json_append(char *out, const char *id, size_t len, bool first)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;

	if (!first)
		out[pos++] = ',';
	out[pos++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) id[i];

		if (c == '"' || c == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char) c;
		} else if (c < 0x20) {
			memcpy(out + pos, "\\u00", 4);
			out[pos + 4] = hex[c >> 4];
			out[pos + 5] = hex[c & 15];
			pos += 6;
		} else {
			out[pos++] = (char) c;
		}
	}
	out[pos++] = '"';
	return pos;
}

size_t idlist_json_append_number(char *out, const char *id, size_t len, bool first)
{
	size_t pos = 0;

	if (!first)
		out[pos++] = ',';
	memcpy(out + pos, id, len);
	return pos + len;
}

/*
 * The hash join's buffer: a list of 50,000 IDs (~2 MiB of rows and hash)
 * in one pass over the range (ANALYZE: r_loops 1). Measured 2, 4, 8 and 32
 * MiB: alike up to 8, twice the server's time at 32 (allocated each run).
 */
#define RANGE_JOIN_BUFFER (4 << 20)

/*
 * The list statement with the list column declared as `type`; `ranged`
 * bounds the join to the IDs' range (two more parameters) and runs it as a
 * hash join: join_cache_level=4 lets MariaDB hash the list and read the
 * range once (BNLH, "hash_range"); the optimizer thinks a JSON_TABLE has a
 * few rows and would shrink the buffer to them, which
 * optimize_join_buffer_size=off prevents. SET STATEMENT keeps all of it to
 * this statement.
 */
static char *list_sql(const char *table, const char *column, const char *type, bool ranged)
{
	size_t room = strlen(table) + 3 * strlen(column) + strlen(type) + 512;
	char *sql = malloc(room);
	char prefix[160] = "";

	if (!sql)
		return NULL;
	if (ranged)
		snprintf(prefix, sizeof prefix,
			 "SET STATEMENT join_cache_level=4, join_buffer_size=%d, "
			 "optimizer_switch='optimize_join_buffer_size=off' FOR ",
			 RANGE_JOIN_BUFFER);
	/* ERROR ON ERROR: a value that did not convert must fail the batch, never be NULL (a
	 * NULL has no row, and would be a ghost) */
	snprintf(sql, room,
		 "%sSELECT j.pos FROM JSON_TABLE(?, '$[*]' COLUMNS (pos FOR ORDINALITY, "
		 "v %s PATH '$' ERROR ON EMPTY ERROR ON ERROR)) AS j "
		 "LEFT JOIN %s AS r ON r.%s = j.v%s%s%s WHERE r.%s IS NULL",
		 prefix, type, table, column, ranged ? " AND r." : "", ranged ? column : "",
		 ranged ? " BETWEEN ? AND ?" : "", column);
	return sql;
}

char *idlist_sql(const char *table, const char *column, const struct mysql_column *c)
{
	char type[200];

	/*
	 * The list column is declared so that comparing it with the column
	 * gives what `column` = ? gives: a string parameter is coercible, so
	 * the column's own collation decides (a list column of another
	 * collation would not be coercible, and MariaDB compares it differently,
	 * even silently wrongly); against a decimal, the text is compared as a
	 * number as the parameter would be; against bytes, bytes. An integer
	 * column gets only canonical integers, as BIGINT: the text's own value;
	 * a DECIMAL(p,s) column its own type, which holds every ID the doubt
	 * check let through exactly (text against a decimal is compared as a
	 * double, lossy past 15 digits).
	 * A LEFT JOIN rather than NOT EXISTS: MariaDB would put each ID through
	 * a subquery cache, half of the time of a big list of unique IDs.
	 */
	switch (idlist_kind_of(c)) {
	case IDLIST_INTEGER:
		snprintf(type, sizeof type, "BIGINT");
		break;
	case IDLIST_DECIMAL:
		snprintf(type, sizeof type, "DECIMAL(%u,%u)", c->precision, c->scale);
		break;
	case IDLIST_FLOAT:
		snprintf(type, sizeof type, "VARCHAR(%d) CHARACTER SET utf8mb4", IDLIST_ID_MAX);
		break;
	case IDLIST_TEXT:
		snprintf(type, sizeof type, "VARCHAR(%d) CHARACTER SET %s COLLATE %s",
			 IDLIST_ID_MAX, c->charset_name, c->collation);
		break;
	case IDLIST_BINARY:
		snprintf(type, sizeof type, "VARBINARY(%d)", IDLIST_ID_MAX);
		break;
	default:
		return NULL;
	}
	return list_sql(table, column, type, false);
}

char *idlist_range_sql(const char *table, const char *column)
{
	return list_sql(table, column, "BIGINT", true);
}

bool idlist_range_dense(long long least, long long greatest, size_t n)
{
	/* unsigned: the width of two 18-digit IDs of opposite signs still fits */
	unsigned long long width = (unsigned long long) greatest - (unsigned long long) least;

	return least <= greatest && n > 0 && width / IDLIST_RANGE_SPAN < n;
}

char *idlist_union_sql(const char *table, const char *column, unsigned int slots)
{
	/* per branch: the fixed words, a position of up to 10 digits, the two names */
	size_t branch = 96 + 10 + strlen(table) + strlen(column);
	char *sql = malloc(branch * slots + 1);
	size_t pos = 0;

	if (!sql)
		return NULL;
	sql[0] = '\0';
	for (unsigned int i = 0; i < slots; i++)
		pos += (size_t) snprintf(sql + pos, branch * slots + 1 - pos,
					 "%sSELECT %u FROM DUAL WHERE EXISTS (SELECT 1 FROM %s "
					 "WHERE %s = ?)",
					 i ? " UNION ALL " : "", i, table, column);
	return sql;
}

unsigned int idlist_union_slots(size_t n, unsigned int max)
{
	unsigned int slots = 1;

	while (slots < n && slots < 512)
		slots *= 2;
	return slots < n ? max : slots;
}
