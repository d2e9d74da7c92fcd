/* mysql_conn.h - inside the MySQL backend only: run an operation on this thread's connection. */
#ifndef REDISFS_MYSQL_CONN_H
#define REDISFS_MYSQL_CONN_H

#include <mysql.h>

#include "mysql_client.h"
#include "mysql_idlist.h"

struct mysql_conn; /* one thread's connection and its prepared statements */

/* Why an operation failed: the client's or server's error number and message. */
struct mysql_failure {
	unsigned int code;
	char message[MYSQL_ERRMSG_SIZE + 64];
};

/* One operation that the retry logic can run again on a new connection: 0 or -1 (see f). */
typedef int (*mysql_op_fn)(struct mysql_conn *conn, void *arg, struct mysql_failure *f);

void mysql_failure_set(struct mysql_failure *f, unsigned int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The failure of a statement (its error number and message). */
void mysql_failure_stmt(struct mysql_failure *f, MYSQL_STMT *stmt);

/*
 * Run `op` on the calling thread's connection, connecting first, and once
 * more on a new connection when the first turned out to be gone (see
 * mysql_pool). Returns 0, or -errno with the reason in `f`.
 */
int mysql_pool_run(struct mysql_pool *pool, mysql_op_fn op, void *arg, struct mysql_failure *f);

/* The connection's handle, for an operation that prepares a statement of its own. */
MYSQL *mysql_conn_handle(struct mysql_conn *conn);

/*
 * The connection's list statement (idlist_sql) for `table`.`column` of
 * `shape`, prepared on first use and kept with the connection's others.
 * Returns 0, or -1 with the reason in `f`.
 */
int mysql_conn_list_stmt(struct mysql_conn *conn, const char *table, const char *column,
			 const struct idlist_shape *shape, MYSQL_STMT **out,
			 struct mysql_failure *f);

/*
 * The shape of `table`.`column` this connection learned in the last second
 * (an rm -r checks a batch every few milliseconds: one question of
 * information_schema each would cost more than the batch). false when none.
 */
bool mysql_conn_shape_get(struct mysql_conn *conn, const char *table, const char *column,
			  struct idlist_shape *shape);

void mysql_conn_shape_put(struct mysql_conn *conn, const char *table, const char *column,
			  const struct idlist_shape *shape);

/* Log one line through the pool's log callback. */
void mysql_pool_logf(const struct mysql_pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
