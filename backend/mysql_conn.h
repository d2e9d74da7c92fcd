/* mysql_conn.h - one operation on this thread's MySQL connection, retried once (backend-internal).
 */
#ifndef REDISFS_MYSQL_CONN_H
#define REDISFS_MYSQL_CONN_H

#include <mysql.h>

#include "mysql_client.h"

struct mysql_check_stmt;

/* One thread's connection. mysql is NULL until first use and after any error. */
struct mysql_conn {
	MYSQL *mysql;
	struct mysql_check_stmt *stmts; /* prepared on `mysql`, gone with it */
	unsigned int nstmts;
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

#endif
