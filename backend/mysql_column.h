/* mysql_column.h - what a MySQL column can hold, and whether an ID is such a value as it is. */
#ifndef REDISFS_MYSQL_COLUMN_H
#define REDISFS_MYSQL_COLUMN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A ghost is an ID that MySQL finds no row for. MySQL compares 'user:5'
 * with an integer column as the number 0 (and 'abc' with a latin1 column
 * after converting what latin1 lacks to '?'): such an ID would look like a
 * ghost though the queue meant something else. An ID is checked only when
 * the column can hold it exactly as it is; any other ID is never a ghost.
 * What "as it is" means, per kind of column:
 *
 *   integer (TINYINT .. BIGINT): -?(0|[1-9][0-9]*) within the type's range
 *       ("05", "5.0", "+5", " 5", "0x5", "-0", "" are not; UNSIGNED takes no '-')
 *   DECIMAL(p,s): the same, with an optional .[0-9]{1,s}, at most p-s
 *       digits before the point ("5.0" and "5.00" are 5.00 exactly)
 *   FLOAT, DOUBLE: integers only, of at most 6 (FLOAT) or 15 (DOUBLE)
 *       digits, which the type holds exactly
 *   CHAR(n), VARCHAR(n), TEXT: valid in the column's character set (utf8mb4,
 *       utf8mb3, latin1 or ascii; the ID reaches MySQL as utf8mb4) and at
 *       most n characters
 *   BINARY(n): exactly n bytes (MySQL pads shorter values with NULs);
 *   VARBINARY(n), BLOB: at most n bytes
 *   anything else (dates, ENUM, JSON, other character sets): no ID
 */

enum mysql_column_kind {
	MYSQL_COLUMN_OTHER = 0, /* nothing is checked against it */
	MYSQL_COLUMN_INTEGER,
	MYSQL_COLUMN_DECIMAL,
	MYSQL_COLUMN_FLOAT,
	MYSQL_COLUMN_DOUBLE,
	MYSQL_COLUMN_TEXT,	   /* CHAR, VARCHAR, TEXT: characters */
	MYSQL_COLUMN_BINARY_FIXED, /* BINARY(n) */
	MYSQL_COLUMN_BINARY,	   /* VARBINARY(n), BLOB: bytes */
};

enum mysql_charset {
	MYSQL_CHARSET_OTHER = 0,
	MYSQL_CHARSET_UTF8MB4,
	MYSQL_CHARSET_UTF8MB3,
	MYSQL_CHARSET_LATIN1,
	MYSQL_CHARSET_ASCII,
};

#define MYSQL_COLUMN_TYPE_MAX 96 /* "id decimal(65,30) unsigned", with room */
#define MYSQL_COLUMN_NAME_MAX 65 /* a character set or collation name, and its NUL */

/* A column as information_schema.COLUMNS describes it. */
struct mysql_column {
	enum mysql_column_kind kind;
	bool is_unsigned;
	unsigned long long max_length; /* characters (TEXT) or bytes (BINARY); 0: none known */
	unsigned int precision, scale; /* DECIMAL */
	unsigned long long int_max;    /* integer types: the largest value */
	unsigned long long int_min; /* integer types: the magnitude of the smallest (0: unsigned) */
	enum mysql_charset charset;
	char type[MYSQL_COLUMN_TYPE_MAX]; /* COLUMN_TYPE, e.g. "int(11)", for people */
	/* CHARACTER_SET_NAME and COLLATION_NAME as MySQL names them, for the JSON list's
	 * declared column (mysql_idlist.h); "" when unknown or not a plain name */
	char charset_name[MYSQL_COLUMN_NAME_MAX];
	char collation[MYSQL_COLUMN_NAME_MAX];
};

/* Why an ID is not checked: MYSQL_ID_OK when the column can hold it as it is. */
enum mysql_id_doubt {
	MYSQL_ID_OK = 0,
	MYSQL_ID_NOT_A_NUMBER, /* not a canonical number of the column's kind */
	MYSQL_ID_OUT_OF_RANGE, /* a canonical number the column's type cannot hold */
	MYSQL_ID_TOO_LONG,     /* more characters or bytes than the column holds */
	MYSQL_ID_WRONG_LENGTH, /* BINARY(n): not exactly n bytes */
	MYSQL_ID_BAD_CHARSET,  /* not valid in the column's character set */
	MYSQL_ID_UNSUPPORTED,  /* a kind of column no ID is checked against */
};

/*
 * Fill `c` from information_schema.COLUMNS's DATA_TYPE ("int"), COLUMN_TYPE
 * ("int(10) unsigned"), CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION,
 * NUMERIC_SCALE (each NULL or a decimal number) and CHARACTER_SET_NAME
 * (NULL for numbers and binary strings). Pure. An unknown type gives
 * MYSQL_COLUMN_OTHER, which holds no ID.
 */
void mysql_column_parse(struct mysql_column *c, const char *data_type, const char *column_type,
			const char *max_length, const char *precision, const char *scale,
			const char *charset);

/*
 * Set the column's collation from information_schema's COLLATION_NAME
 * (NULL for numbers and bytes). A name that is not plain [A-Za-z0-9_] is
 * left out: it would go into SQL text. Pure.
 */
void mysql_column_set_collation(struct mysql_column *c, const char *collation);

/* Whether two descriptions are of the same column type (field by field). Pure. */
bool mysql_column_equal(const struct mysql_column *a, const struct mysql_column *b);

/* Whether the column can hold the ID (id, len) exactly as it is (see above). Pure. */
enum mysql_id_doubt mysql_column_holds(const struct mysql_column *c, const char *id, size_t len);

/* A few words for a doubt, for logs: "not a number", "too long", ... */
const char *mysql_id_doubt_text(enum mysql_id_doubt doubt);

#endif
