/* mysql_describe.c - what a rule's column is, from information_schema.COLUMNS (SPEC 6). */
#include <errmsg.h>
#include <errno.h>
#include <mysql.h>
#include <stdio.h>
#include <string.h>

#include "mysql_client.h"
#include "mysql_conn.h"

#define DESCRIBE_FIELDS	   7
#define DESCRIBE_FIELD_MAX 128 /* bytes of one field: COLUMN_TYPE of an ENUM may be cut */

/* The column description's arguments and its seven text fields. */
struct column_describe {
	const char *schema; /* NULL: the connection's database */
	size_t schema_len;
	const char *table;
	const char *column;
	char fields[DESCRIBE_FIELDS][DESCRIBE_FIELD_MAX];
	bool is_null[DESCRIBE_FIELDS];
	bool found;
};

static int column_describe_run(struct mysql_conn *conn, void *arg, struct mysql_failure *f)
{
	static const char sql[] =
		"SELECT DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
		"NUMERIC_SCALE, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
		"WHERE TABLE_SCHEMA = IFNULL(?, DATABASE()) AND TABLE_NAME = ? AND COLUMN_NAME = ?";
	struct column_describe *d = arg;
	MYSQL_STMT *stmt = mysql_stmt_init(conn->mysql);
	MYSQL_BIND params[3], results[DESCRIBE_FIELDS];
	unsigned long lengths[DESCRIBE_FIELDS] = {0}; /* left as they are for a NULL */
	my_bool nulls[DESCRIBE_FIELDS] = {0};
	int ret = -1, rc;

	memset(params, 0, sizeof params);
	memset(results, 0, sizeof results);
	params[0].buffer_type = d->schema ? MYSQL_TYPE_STRING : MYSQL_TYPE_NULL;
	params[0].buffer = (void *) d->schema;
	params[0].buffer_length = d->schema_len;
	params[1].buffer_type = params[2].buffer_type = MYSQL_TYPE_STRING;
	params[1].buffer = (void *) d->table;
	params[1].buffer_length = strlen(d->table);
	params[2].buffer = (void *) d->column;
	params[2].buffer_length = strlen(d->column);
	for (int i = 0; i < DESCRIBE_FIELDS; i++) {
		results[i].buffer_type = MYSQL_TYPE_STRING;
		results[i].buffer = d->fields[i];
		results[i].buffer_length = DESCRIBE_FIELD_MAX - 1;
		results[i].length = &lengths[i];
		results[i].is_null = &nulls[i];
	}
	if (!stmt) {
		mysql_failure_set(f, CR_OUT_OF_MEMORY, "out of memory");
		return -1;
	}
	if (mysql_stmt_prepare(stmt, sql, sizeof sql - 1) || mysql_stmt_bind_param(stmt, params) ||
	    mysql_stmt_execute(stmt) || mysql_stmt_bind_result(stmt, results)) {
		mysql_failure_from_stmt(f, stmt);
		goto out;
	}
	rc = mysql_stmt_fetch(stmt);
	d->found = rc == 0 || rc == MYSQL_DATA_TRUNCATED;
	if (d->found) {
		for (int i = 0; i < DESCRIBE_FIELDS; i++) {
			size_t n = nulls[i] ? 0 : lengths[i];

			if (n > DESCRIBE_FIELD_MAX - 1)
				n = DESCRIBE_FIELD_MAX - 1; /* cut, as the client library cut it */
			d->fields[i][n] = '\0';
			d->is_null[i] = nulls[i];
		}
		while (mysql_stmt_fetch(stmt) == 0)
			; /* one row at most; read to the end all the same */
	} else if (rc != MYSQL_NO_DATA) {
		mysql_failure_from_stmt(f, stmt);
		goto out;
	}
	ret = 0;
out:
	mysql_stmt_close(stmt);
	return ret;
}

int mysql_describe_column(struct mysql_pool *pool, const char *table, const char *column,
			  struct mysql_column *out, char *err, size_t errlen)
{
	struct column_describe d = {.table = table, .column = column};
	const char *dot = table ? strchr(table, '.') : NULL;
	const char *field[DESCRIBE_FIELDS];
	struct mysql_failure f;
	int ret;

	if (!mysql_identifier_valid(table, true) || !mysql_identifier_valid(column, false)) {
		snprintf(err, errlen, "not a plain MySQL table or column name");
		return -EINVAL;
	}
	if (dot) {
		d.schema = table;
		d.schema_len = (size_t) (dot - table);
		d.table = dot + 1;
	}
	ret = mysql_with_connection(pool, column_describe_run, &d, &f);
	if (ret) {
		snprintf(err, errlen, "table %s, column %s: %s", table, column, f.message);
		return ret;
	}
	if (!d.found) {
		snprintf(err, errlen, "table %s has no column %s in information_schema", table,
			 column);
		return -ENOENT;
	}
	for (int i = 0; i < DESCRIBE_FIELDS; i++)
		field[i] = d.is_null[i] ? NULL : d.fields[i];
	mysql_column_parse(out, field[0], field[1], field[2], field[3], field[4], field[5]);
	mysql_column_set_collation(out, field[6]);
	return 0;
}
