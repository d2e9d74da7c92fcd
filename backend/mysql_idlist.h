/* mysql_idlist.h - many IDs as one JSON parameter, joined against the table by MySQL. Pure. */
#ifndef REDISFS_MYSQL_IDLIST_H
#define REDISFS_MYSQL_IDLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "mysql_column.h"

/* The longest ID, in bytes, that travels in a JSON list (longer ones go one by one). */
#define IDLIST_ID_MAX 1024

/* Values of the range an ID at most, for the ranged statement (idlist_range_dense). */
#define IDLIST_RANGE_SPAN 8

/*
 * How the list's column is declared, so that `column` = list value compares
 * exactly as `column` = ? would. Decided by the rule's column as
 * information_schema describes it (mysql_column.h: the same description the
 * doubt check uses); a column of any other kind (dates, ENUM, ...) or whose
 * character set or collation is unknown has no list, and its IDs go one by one.
 */
enum idlist_kind {
	IDLIST_NONE,	/* no list */
	IDLIST_INTEGER, /* an integer type: canonical integers as BIGINT, others one by one */
	IDLIST_DECIMAL, /* DECIMAL(p,s): declared as the column's own DECIMAL(p,s) */
	IDLIST_FLOAT,	/* FLOAT, DOUBLE: the value stays utf8mb4 text, compared as MySQL does */
	IDLIST_TEXT,	/* CHAR, VARCHAR, TEXT: the column's own character set and collation */
	IDLIST_BINARY,	/* BINARY, VARBINARY, BLOB: bytes */
};

/* The list kind for a column. Pure. */
enum idlist_kind idlist_kind_of(const struct mysql_column *column);

/*
 * Whether an ID can travel in a JSON list and arrive as exactly the same
 * value: at most IDLIST_ID_MAX bytes, valid UTF-8 without NUL, and for a
 * column whose character set is not utf8mb4, only ASCII (a character the
 * column's set cannot hold would arrive as '?', where the one-by-one check
 * lets MySQL refuse it). For an integer column, only an integer as MySQL
 * writes it, of at most 18 digits: as a BIGINT it compares exactly as the
 * text would (text like "007" or "5abc" goes one by one).
 */
bool idlist_id_fits(const struct mysql_column *column, const char *id, size_t len);

/* The bytes idlist_json_append() writes for an ID: quotes, escapes and one comma. */
size_t idlist_json_len(const char *id, size_t len);

/* Append ID as a JSON string (with a leading comma unless `first`); returns bytes written. */
size_t idlist_json_append(char *out, const char *id, size_t len, bool first);

/*
 * Append a canonical integer ID (idlist_id_fits for an integer column) as a
 * JSON number, at most idlist_json_len() bytes: MariaDB parses a number
 * into the BIGINT a fifth faster than a string, and as exactly (an integer
 * of at most 18 digits is never read as a double).
 */
size_t idlist_json_append_number(char *out, const char *id, size_t len, bool first);

/*
 * The statement for `table`.`column` (names already valid identifiers):
 * one parameter, the JSON array of IDs; one row per ID that has NO row,
 * holding its 1-based position in the array. A malloc'ed string, or NULL.
 */
char *idlist_sql(const char *table, const char *column, const struct mysql_column *type);

/*
 * The list statement of an integer column whose IDs lie close together:
 * idlist_sql()'s, with two more parameters, the batch's least and greatest
 * ID (BIGINT), that bound the join to those rows:
 *
 *   ... LEFT JOIN t AS r ON r.c = j.v AND r.c BETWEEN ? AND ? WHERE r.c IS NULL
 *
 * run as a hash join (MariaDB's SET STATEMENT join_cache_level=4 ... FOR):
 * one pass over the index range instead of one index dive per ID, a third
 * less of the server's time. Every ID lies in the range, so the result is
 * the plain statement's; a server without SET STATEMENT (MySQL) refuses to
 * prepare it and the plain one is used. A malloc'ed string, or NULL.
 */
char *idlist_range_sql(const char *table, const char *column);

/*
 * Whether `n` integer IDs from `least` to `greatest` are close enough for
 * idlist_range_sql(): the range holds at most IDLIST_RANGE_SPAN values an
 * ID, so that reading every row of it (at most that many of a unique
 * column) costs less than looking each ID up. Pure.
 */
bool idlist_range_dense(long long least, long long greatest, size_t n);

/*
 * The one-by-one statement for `slots` IDs (names already quoted), one
 * UNION ALL branch per ID:
 *
 *   SELECT 0 FROM DUAL WHERE EXISTS (SELECT 1 FROM `t` WHERE `c` = ?)
 *   UNION ALL SELECT 1 FROM DUAL WHERE EXISTS (...) ...
 *
 * Each row is the position of an ID that has a row. Every ID meets the
 * column in a plain `c` = ? of its own, so MySQL compares it exactly as it
 * would in a single-ID query, whatever the ID: for the IDs no list can carry.
 * A malloc'ed string, or NULL.
 */
char *idlist_union_sql(const char *table, const char *column, unsigned int slots);

/*
 * How many placeholders a one-by-one batch of `n` IDs uses: a power of two
 * up to 512, then `max`. The unused ones repeat an ID. Without this, every
 * queue length would prepare a statement of its own.
 */
unsigned int idlist_union_slots(size_t n, unsigned int max);

#endif
