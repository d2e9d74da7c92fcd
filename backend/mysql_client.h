/* mysql_client.h - the MySQL side of ghost detection: which IDs still have a row. */
#ifndef REDISFS_MYSQL_CLIENT_H
#define REDISFS_MYSQL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "log_line.h"
#include "mysql_column.h"

/* Where and how to connect. The pool copies every string it is given. */
struct mysql_endpoint {
	const char *host;	   /* TCP host, or NULL for the default (or the defaults file's) */
	int port;		   /* 0: default 3306 */
	const char *socket_path;   /* unix socket, or NULL */
	const char *user;	   /* NULL: from the defaults file */
	const char *password;	   /* NULL: none, or from the defaults file */
	const char *database;	   /* NULL: from the defaults file */
	const char *defaults_file; /* a my.cnf read with MYSQL_READ_DEFAULT_FILE, or NULL */
	double timeout;		   /* seconds: connect, read and write timeouts */
	log_line_fn log;	   /* error lines; may be NULL */
	void *log_arg;
};

/*
 * Connections to one MySQL/MariaDB server: one per thread, made on first use,
 * with LOCAL INFILE off. A statement that fails because the server went away
 * (errors 2006, 2013) is retried once on a new connection, prepared again,
 * unless it failed by timing out: a hung server would only double the wait.
 */
struct mysql_pool;

/*
 * Create a pool and check it by connecting on the calling thread.
 * Returns 0, or -errno with a one-line reason in `err`: -EACCES (user or
 * password refused), -ENOENT (no defaults file, or no such database), -EIO
 * (unreachable, timed out). *out is NULL on error. `timeout` is rounded up
 * to whole seconds (at least 1): it bounds the connect and each read and
 * write, so a hung server fails a call in about one timeout (a connection
 * found gone is made again once, which can add one more).
 */
int mysql_pool_open(const struct mysql_endpoint *ep, struct mysql_pool **out, char *err,
		    size_t errlen);

/* The MariaDB Connector/C version built with, "major.minor.patch" (for --version). */
const char *mysql_client_version(void);

/* Close the calling thread's connection and free the pool (other threads' went with them). */
void mysql_pool_close(struct mysql_pool *pool);

/*
 * Whether `name` is a safe identifier for a table or column: 1 to 64 bytes of
 * [A-Za-z0-9_$], optionally "database.table" for tables (allow_dot). It is
 * still quoted with backticks when used.
 */
bool mysql_identifier_valid(const char *name, bool allow_dot);

/*
 * Check that `table` has `column` (SELECT `column` FROM `table` LIMIT 0).
 * Returns 0, or -errno with the server's message in `err`: -ENOENT (no such
 * table or column), -EACCES (not allowed to read it), -EINVAL (not a valid
 * identifier: nothing is sent), -EIO (unreachable, timed out).
 */
int mysql_check_column(struct mysql_pool *pool, const char *table, const char *column, char *err,
		       size_t errlen);

/*
 * What `column` of `table` ("table" or "database.table") is, from
 * information_schema.COLUMNS, by a prepared statement: into `out`, which
 * mysql_column_holds() then checks IDs against. Returns 0, or -errno with a
 * one-line reason in `err`: -ENOENT (no such column visible to the user),
 * -EINVAL (not a valid identifier: nothing is sent), -EIO (unreachable).
 */
int mysql_describe_column(struct mysql_pool *pool, const char *table, const char *column,
			  struct mysql_column *out, char *err, size_t errlen);

/*
 * How many connections the pool has made (each thread's first, and each made
 * again after one was lost: a restarted server may hold an altered table).
 */
unsigned long mysql_pool_connects(struct mysql_pool *pool);

/*
 * For each of `count` IDs (binary strings ids[i] of lens[i] bytes), set
 * exists[i] to 1 when `table` has a row whose `column` equals it by MySQL's
 * own comparison, else 0. IDs travel only as prepared-statement parameters,
 * in one-by-one statements of at most 1000. Returns 0, or -EIO (server gone or
 * query failed; the reason is logged): on error `exists` must not be used.
 * -EINVAL when `table` or `column` is not a valid identifier (nothing is sent).
 * MySQL refuses to compare some IDs at all (one that a latin1 column's
 * character set cannot hold: "Illegal mix of collations"): that fails its
 * whole batch with -EIO.
 */
int mysql_ids_exist(struct mysql_pool *pool, const char *table, const char *column,
		    const char *const *ids, const size_t *lens, size_t count,
		    unsigned char *exists);

/*
 * mysql_ids_exist() for IDs that mysql_column_holds() accepted for `type`
 * (the column as mysql_describe_column() learned it): from 16 IDs on, most
 * go as one JSON list of up to 50,000 a statement, joined by MySQL with the
 * column's own type and collation (mysql_idlist.h), on two connections when
 * there are several lists; the rest, and fewer IDs, one by one, where
 * against an integer column they are bound as integers, against a DECIMAL
 * one as decimals, so that MySQL compares them exactly, never as doubles.
 */
int mysql_ids_exist_in(struct mysql_pool *pool, const char *table, const char *column,
		       const struct mysql_column *type, const char *const *ids, const size_t *lens,
		       size_t count, unsigned char *exists);

#endif
