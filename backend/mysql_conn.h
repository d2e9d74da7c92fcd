/* mysql_conn.h - one operation on this thread's MySQL connection, retried once (backend-internal).
 */
#ifndef REDISFS_MYSQL_CONN_H
#define REDISFS_MYSQL_CONN_H

#include <mysql.h>
#include <stdbool.h>

#include "mysql_client.h"

/*
 * One prepared statement of the existence check, for one table and column:
 * the one-by-one statement of `slots` placeholders (mysql_idlist.h's
 * idlist_union_sql), or with `slots` 0 the JSON list statement for a column
 * of `type` (idlist_sql), one parameter, or `ranged` its bounded form
 * (idlist_range_sql), three. The bind arrays live as long as the statement.
 */
struct mysql_check_stmt {
	struct mysql_check_stmt *next; /* the thread's list, most recently used first */
	char *table;
	char *column;
	unsigned int slots;	  /* placeholders; 0 for the list statement */
	bool ranged;		  /* the list statement bounded to its IDs' range */
	struct mysql_column type; /* the list statement's column declaration */
	MYSQL_STMT *stmt;
	MYSQL_BIND *params;	/* string parameters, pointed at the caller's IDs */
	unsigned long *lengths; /* their lengths (IDs are binary: never strlen) */
	MYSQL_BIND result;	/* the one result column: a position in the batch */
	long long position;
	my_bool position_null;
};

/* One thread's connection. mysql is NULL until first use and after any error. */
struct mysql_conn {
	MYSQL *mysql;
	struct mysql_check_stmt *stmts; /* prepared on `mysql`, gone with it */
	unsigned int nstmts;
	bool no_range; /* the server refused the ranged list statement (MySQL): the plain one */
};

/* Why an operation failed: the client's or server's error number and message. */
struct mysql_failure {
	unsigned int code;
	char message[MYSQL_ERRMSG_SIZE + 64];
};

void mysql_failure_set(struct mysql_failure *f, unsigned int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void mysql_failure_from_stmt(struct mysql_failure *f, MYSQL_STMT *stmt);

/* One operation that the retry logic can run again on a new connection: 0, or -1 with `f` set. */
typedef int (*mysql_op_fn)(struct mysql_conn *conn, void *arg, struct mysql_failure *f);

/*
 * Run `op` on this thread's connection, connecting first when needed. When
 * the connection turns out to be gone (errors 2006, 2013 and the like), it
 * is made again and `op` runs once more, unless the failure took the whole
 * timeout. Returns 0, or -errno with the reason in `f`.
 */
int mysql_with_connection(struct mysql_pool *pool, mysql_op_fn op, void *arg,
			  struct mysql_failure *f);

/*
 * The connection's existence check statement for `table`.`column`: the
 * one-by-one one of `slots` placeholders, or (slots 0) the JSON list one for
 * a column of `type`, bounded to a range when `ranged` (an integer column).
 * Prepared on first use and kept with the connection; the least recently
 * used is closed beyond a bound. 0, or -1 with `f` set.
 */
int mysql_conn_check_stmt(struct mysql_conn *conn, const char *table, const char *column,
			  unsigned int slots, const struct mysql_column *type, bool ranged,
			  struct mysql_check_stmt **out, struct mysql_failure *f);

/* Log one line through the pool's log callback, "mysql: ..." as the caller writes it. */
void mysql_pool_logf(const struct mysql_pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
