/* mysql_client.c - per-thread MySQL connections, and their cache of prepared existence checks. */
#include "mysql_client.h"

#include <errmsg.h>
#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mysql_conn.h"
#include "mysql_idlist.h"
#include "str_copy.h"

#define STMT_CACHE_MAX	      48 /* statements kept per thread: 11 batch sizes for each of 4 rules */
#define IDENT_MAX	      64   /* MySQL's limit on a database, table or column name */
#define TIMEOUT_DEFAULT	      5	   /* seconds, when the endpoint gives none */
#define TIMEOUT_MAX	      3600 /* seconds; more is a typo, and would hang a FUSE thread */
#define ER_CLIENT_IDLE_KILLED 4031 /* MySQL 8.0.24+: dropped after wait_timeout */
#ifndef ER_CONNECTION_KILLED
#define ER_CONNECTION_KILLED 1927 /* MariaDB: KILL CONNECTION; MySQL's headers lack it */
#endif

struct mysql_pool {
	char *host;
	int port;
	char *socket_path;
	char *user;
	char *password;
	char *database;
	char *defaults_file;
	unsigned int timeout; /* whole seconds, at least 1: what libmysqlclient takes */
	log_line_fn log;
	void *log_arg;
	pthread_key_t conn_key; /* this thread's struct mysql_conn */
	atomic_ulong connects;	/* connections made, by any thread, first ones and again */
};

void mysql_failure_set(struct mysql_failure *f, unsigned int code, const char *fmt, ...)
{
	va_list ap;

	f->code = code;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
}

static void failure_from_mysql(struct mysql_failure *f, MYSQL *mysql)
{
	mysql_failure_set(f, mysql_errno(mysql), "%s", mysql_error(mysql));
}

void mysql_failure_from_stmt(struct mysql_failure *f, MYSQL_STMT *stmt)
{
	mysql_failure_set(f, mysql_stmt_errno(stmt), "%s", mysql_stmt_error(stmt));
}

/* Whether an error says the connection is gone (as opposed to the statement failing). */
static bool failure_is_gone(const struct mysql_failure *f)
{
	switch (f->code) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case ER_CONNECTION_KILLED:
	case ER_CLIENT_IDLE_KILLED:
		return true;
	default:
		return false;
	}
}

/* The one place where MySQL errors become errno. */
static int failure_errno(const struct mysql_failure *f)
{
	switch (f->code) {
	case ER_ACCESS_DENIED_ERROR:
	case ER_DBACCESS_DENIED_ERROR:
	case ER_TABLEACCESS_DENIED_ERROR:
	case ER_COLUMNACCESS_DENIED_ERROR:
		return EACCES;
	case ER_BAD_DB_ERROR:
	case ER_NO_SUCH_TABLE:
	case ER_BAD_FIELD_ERROR:
		return ENOENT;
	case CR_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		return EIO; /* unreachable, timed out, or a query the server refused */
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Log one line, "mysql: ..."; a server message with a line break stays one line. */
static void pool_log(const struct mysql_pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pool_log(const struct mysql_pool *pool, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!pool->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pool->log(pool->log_arg, line);
}

static bool identifier_part_valid(const char *s, size_t len)
{
	if (len < 1 || len > IDENT_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '$'))
			return false;
	}
	return true;
}

bool mysql_identifier_valid(const char *name, bool allow_dot)
{
	const char *dot;

	if (!name)
		return false;
	dot = allow_dot ? strchr(name, '.') : NULL;
	if (!dot)
		return identifier_part_valid(name, strlen(name));
	/* the second part cannot hold another dot: identifier_part_valid refuses it */
	return identifier_part_valid(name, (size_t) (dot - name)) &&
	       identifier_part_valid(dot + 1, strlen(dot + 1));
}

/*
 * Append `name` quoted with backticks ("db.table" as `db`.`table`) at
 * out + *pos. Only for names that mysql_identifier_valid() accepted, so
 * there is no backtick inside to escape. `out` must have room.
 */
static void append_identifier(char *out, size_t *pos, const char *name)
{
	out[(*pos)++] = '`';
	for (const char *p = name; *p; p++) {
		if (*p == '.') {
			memcpy(out + *pos, "`.`", 3);
			*pos += 3;
		} else {
			out[(*pos)++] = *p;
		}
	}
	out[(*pos)++] = '`';
	out[*pos] = '\0';
}

static void append_text(char *out, size_t *pos, const char *text)
{
	size_t len = strlen(text);

	memcpy(out + *pos, text, len + 1);
	*pos += len;
}

/* The one-by-one statement (idlist_union_sql) with the names quoted; malloc'ed, or NULL. */
static char *check_sql(const char *table, const char *column, unsigned int slots)
{
	char qtable[2 * IDENT_MAX + 8], qcolumn[IDENT_MAX + 4];
	size_t tpos = 0, cpos = 0;

	append_identifier(qtable, &tpos, table);
	append_identifier(qcolumn, &cpos, column);
	return idlist_union_sql(qtable, qcolumn, slots);
}

/* The JSON list statement (idlist_sql, or idlist_range_sql when `ranged`) with the names
 * quoted; malloc'ed, or NULL. */
static char *list_sql(const char *table, const char *column, const struct mysql_column *type,
		      bool ranged)
{
	char qtable[2 * IDENT_MAX + 8], qcolumn[IDENT_MAX + 4];
	size_t tpos = 0, cpos = 0;

	append_identifier(qtable, &tpos, table);
	append_identifier(qcolumn, &cpos, column);
	return ranged ? idlist_range_sql(qtable, qcolumn) : idlist_sql(qtable, qcolumn, type);
}

static void check_stmt_free(struct mysql_check_stmt *cs)
{
	if (cs->stmt)
		mysql_stmt_close(cs->stmt);
	free(cs->params);
	free(cs->lengths);
	free(cs->table);
	free(cs->column);
	free(cs);
}

/*
 * Close the connection and free its statements. mysql_close() goes first: it
 * detaches the statements, so closing them sends nothing to a server that
 * may be gone.
 */
static void conn_close(struct mysql_conn *conn)
{
	struct mysql_check_stmt *cs = conn->stmts;

	if (conn->mysql)
		mysql_close(conn->mysql);
	conn->mysql = NULL;
	while (cs) {
		struct mysql_check_stmt *next = cs->next;

		check_stmt_free(cs);
		cs = next;
	}
	conn->stmts = NULL;
	conn->nstmts = 0;
	conn->no_range = false; /* the next connection may reach another server */
}

static void conn_destroy(void *p)
{
	struct mysql_conn *conn = p;

	conn_close(conn);
	free(conn);
}

/* This thread's connection record (made on first use); NULL only when out of memory. */
static struct mysql_conn *conn_get(struct mysql_pool *pool)
{
	struct mysql_conn *conn = pthread_getspecific(pool->conn_key);

	if (conn)
		return conn;
	conn = calloc(1, sizeof *conn);
	if (conn && pthread_setspecific(pool->conn_key, conn)) {
		free(conn);
		conn = NULL;
	}
	return conn;
}

/*
 * Connect. The defaults file is read by mysql_real_connect() and may set
 * options of its own (the connect timeout, local-infile, the character
 * set): what it cannot be allowed to change is set again afterwards.
 */
static int conn_open(struct mysql_pool *pool, struct mysql_conn *conn, struct mysql_failure *f)
{
	unsigned int timeout = pool->timeout, off = 0;
	my_bool no = 0;
	MYSQL *mysql = mysql_init(NULL);

	if (!mysql) {
		mysql_failure_set(f, CR_OUT_OF_MEMORY, "out of memory");
		return -ENOMEM;
	}
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
	mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &off);
	mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (pool->defaults_file) {
		mysql_options(mysql, MYSQL_READ_DEFAULT_FILE, pool->defaults_file);
		mysql_options(mysql, MYSQL_READ_DEFAULT_GROUP, "client");
	}
	if (!mysql_real_connect(mysql, pool->host, pool->user, pool->password, pool->database,
				(unsigned int) pool->port, pool->socket_path, 0)) {
		failure_from_mysql(f, mysql);
		mysql_close(mysql);
		return -failure_errno(f);
	}
	/* a server asking for a local file must be refused, whatever the defaults file said */
	mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &off);
	/* a silent reconnect (off unless the defaults file says "reconnect") would drop the
	 * prepared statements behind our back: mysql_with_connection() reconnects instead */
	mysql_options(mysql, MYSQL_OPT_RECONNECT, &no);
	if (strcmp(mysql_character_set_name(mysql), "utf8mb4") &&
	    mysql_set_character_set(mysql, "utf8mb4")) {
		failure_from_mysql(f, mysql);
		mysql_close(mysql);
		return -failure_errno(f);
	}
	conn->mysql = mysql;
	atomic_fetch_add(&pool->connects, 1);
	return 0;
}

/*
 * Whether an idle connection is still usable: nothing may be waiting to be
 * read on it, so readable means the server closed it (restart, KILL,
 * wait_timeout) or left a parting error. Costs no round trip.
 */
static bool conn_idle_usable(struct mysql_conn *conn)
{
	struct pollfd pfd = {.fd = (int) mysql_get_socket(conn->mysql),
			     .events = POLLIN | POLLRDHUP};

	if (pfd.fd < 0)
		return false;
	return poll(&pfd, 1, 0) == 0;
}

/*
 * Run `op` on this thread's connection, connecting first when needed. When
 * the connection turns out to be gone (errors 2006, 2013 and the like), it
 * is made again and `op` runs once more, unless the failure took the whole
 * timeout: a server that does not answer would only make the caller wait
 * twice as long. Returns 0, or -errno with the reason in `f`.
 */
int mysql_with_connection(struct mysql_pool *pool, mysql_op_fn op, void *arg,
			  struct mysql_failure *f)
{
	struct mysql_conn *conn = conn_get(pool);

	if (!conn) {
		mysql_failure_set(f, CR_OUT_OF_MEMORY, "out of memory");
		return -ENOMEM;
	}
	for (int attempt = 0;; attempt++) {
		double started;
		int ret;

		if (conn->mysql && !conn_idle_usable(conn))
			conn_close(conn);
		if (!conn->mysql) {
			ret = conn_open(pool, conn, f);
			if (ret)
				return ret;
		}
		started = now_seconds();
		if (op(conn, arg, f) == 0)
			return 0;
		/* like a hiredis context, a connection is not trusted after an error */
		conn_close(conn);
		if (attempt == 0 && failure_is_gone(f) && now_seconds() - started < pool->timeout)
			continue;
		return -failure_errno(f);
	}
}

/* Whether two columns' JSON lists are declared alike (idlist_sql). */
static bool same_list_type(const struct mysql_column *a, const struct mysql_column *b)
{
	return a->kind == b->kind && a->precision == b->precision && a->scale == b->scale &&
	       !strcmp(a->charset_name, b->charset_name) && !strcmp(a->collation, b->collation);
}

int mysql_conn_check_stmt(struct mysql_conn *conn, const char *table, const char *column,
			  unsigned int slots, const struct mysql_column *type, bool ranged,
			  struct mysql_check_stmt **out, struct mysql_failure *f)
{
	struct mysql_check_stmt **link = &conn->stmts, *cs;
	unsigned int params = slots ? slots : ranged ? 3 : 1;
	char *sql;

	for (cs = conn->stmts; cs; link = &cs->next, cs = cs->next) {
		if (cs->slots != slots || cs->ranged != ranged || strcmp(cs->table, table) ||
		    strcmp(cs->column, column))
			continue;
		/* a column learned again with another type needs a list of that type */
		if (!slots && !same_list_type(&cs->type, type))
			continue;
		*link = cs->next;
		cs->next = conn->stmts;
		conn->stmts = cs;
		*out = cs;
		return 0;
	}

	cs = calloc(1, sizeof *cs);
	sql = slots ? check_sql(table, column, slots) : list_sql(table, column, type, ranged);
	if (cs) {
		cs->slots = slots;
		cs->ranged = ranged;
		if (!slots)
			cs->type = *type;
		cs->table = strdup(table);
		cs->column = strdup(column);
		cs->params = calloc(params, sizeof *cs->params);
		cs->lengths = calloc(params, sizeof *cs->lengths);
		cs->stmt = mysql_stmt_init(conn->mysql);
	}
	if (!sql || !cs || !cs->table || !cs->column || !cs->params || !cs->lengths || !cs->stmt) {
		mysql_failure_set(f, CR_OUT_OF_MEMORY, "out of memory");
		goto fail;
	}
	if (mysql_stmt_prepare(cs->stmt, sql, strlen(sql))) {
		mysql_failure_from_stmt(f, cs->stmt);
		goto fail;
	}
	if (mysql_stmt_param_count(cs->stmt) != params || mysql_stmt_field_count(cs->stmt) != 1) {
		mysql_failure_set(f, CR_UNKNOWN_ERROR,
				  "the server parsed the check into %lu parameters",
				  mysql_stmt_param_count(cs->stmt));
		goto fail;
	}
	for (unsigned int i = 0; i < params; i++) {
		cs->params[i].buffer_type = MYSQL_TYPE_STRING;
		cs->params[i].length = &cs->lengths[i];
	}
	cs->result.buffer_type = MYSQL_TYPE_LONGLONG;
	cs->result.buffer = &cs->position;
	cs->result.is_null = &cs->position_null;
	free(sql);

	cs->next = conn->stmts;
	conn->stmts = cs;
	if (++conn->nstmts > STMT_CACHE_MAX) {
		struct mysql_check_stmt **last = &conn->stmts;

		while ((*last)->next)
			last = &(*last)->next;
		check_stmt_free(*last);
		*last = NULL;
		conn->nstmts--;
	}
	*out = cs;
	return 0;
fail:
	free(sql);
	if (cs)
		check_stmt_free(cs);
	return -1;
}

void mysql_pool_logf(const struct mysql_pool *pool, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pool_log(pool, "%s", line);
}

/* The column check's arguments. */
struct column_probe {
	const char *table;
	const char *column;
};

static int column_probe_run(struct mysql_conn *conn, void *arg, struct mysql_failure *f)
{
	struct column_probe *p = arg;
	size_t room = 32 + 2 * (strlen(p->table) + strlen(p->column)) + 8;
	char *sql = malloc(room);
	size_t pos = 0;
	MYSQL_RES *res;

	if (!sql) {
		mysql_failure_set(f, CR_OUT_OF_MEMORY, "out of memory");
		return -1;
	}
	sql[0] = '\0';
	append_text(sql, &pos, "SELECT ");
	append_identifier(sql, &pos, p->column);
	append_text(sql, &pos, " FROM ");
	append_identifier(sql, &pos, p->table);
	append_text(sql, &pos, " LIMIT 0");
	if (mysql_real_query(conn->mysql, sql, pos)) {
		failure_from_mysql(f, conn->mysql);
		free(sql);
		return -1;
	}
	free(sql);
	res = mysql_store_result(conn->mysql);
	if (!res && mysql_errno(conn->mysql)) {
		failure_from_mysql(f, conn->mysql);
		return -1;
	}
	mysql_free_result(res);
	return 0;
}

int mysql_check_column(struct mysql_pool *pool, const char *table, const char *column, char *err,
		       size_t errlen)
{
	struct column_probe p = {table, column};
	struct mysql_failure f;
	int ret;

	if (!mysql_identifier_valid(table, true)) {
		snprintf(err, errlen,
			 "table name '%s' is not a plain MySQL name ([A-Za-z0-9_$], "
			 "at most 64, optionally database.table)",
			 table ? table : "");
		return -EINVAL;
	}
	if (!mysql_identifier_valid(column, false)) {
		snprintf(err, errlen,
			 "column name '%s' is not a plain MySQL name ([A-Za-z0-9_$], "
			 "at most 64)",
			 column ? column : "");
		return -EINVAL;
	}
	ret = mysql_with_connection(pool, column_probe_run, &p, &f);
	if (ret)
		snprintf(err, errlen, "table %s, column %s: %s", table, column, f.message);
	return ret;
}

unsigned long mysql_pool_connects(struct mysql_pool *pool)
{
	return atomic_load(&pool->connects);
}

/* The endpoint's timeout in whole seconds, rounded up: libmysqlclient takes no less than 1. */
static unsigned int timeout_seconds(double timeout)
{
	unsigned int whole;

	if (!(timeout > 0))
		return TIMEOUT_DEFAULT;
	if (timeout >= TIMEOUT_MAX)
		return TIMEOUT_MAX;
	whole = (unsigned int) timeout;
	if ((double) whole < timeout)
		whole++;
	return whole ? whole : 1;
}

static void pool_free(struct mysql_pool *pool)
{
	free(pool->host);
	free(pool->socket_path);
	free(pool->user);
	if (pool->password)
		explicit_bzero(pool->password, strlen(pool->password));
	free(pool->password);
	free(pool->database);
	free(pool->defaults_file);
	free(pool);
}

const char *mysql_client_version(void)
{
	/* the connector's own number; MARIADB_CLIENT_VERSION is the server it mimics */
	return MARIADB_PACKAGE_VERSION;
}

int mysql_pool_open(const struct mysql_endpoint *ep, struct mysql_pool **out, char *err,
		    size_t errlen)
{
	struct mysql_pool *pool;
	struct mysql_conn *conn;
	struct mysql_failure f;
	bool failed = false;
	int ret;

	*out = NULL;
	/* not thread-safe in every libmysqlclient: the pool is opened before threads start */
	if (mysql_library_init(0, NULL, NULL)) {
		snprintf(err, errlen, "cannot initialise libmysqlclient");
		return -ENOMEM;
	}
	/* libmysqlclient ignores a defaults file it cannot read: say so instead */
	if (ep->defaults_file && access(ep->defaults_file, R_OK)) {
		ret = -errno;
		snprintf(err, errlen, "defaults file %s: %s", ep->defaults_file, strerror(-ret));
		return ret;
	}
	pool = calloc(1, sizeof *pool);
	if (!pool) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pool->host = copy_or_null(ep->host, &failed);
	pool->socket_path = copy_or_null(ep->socket_path, &failed);
	pool->user = copy_or_null(ep->user, &failed);
	pool->password = copy_or_null(ep->password, &failed);
	pool->database = copy_or_null(ep->database, &failed);
	pool->defaults_file = copy_or_null(ep->defaults_file, &failed);
	pool->port = ep->port;
	pool->timeout = timeout_seconds(ep->timeout);
	pool->log = ep->log;
	pool->log_arg = ep->log_arg;
	if (failed || pthread_key_create(&pool->conn_key, conn_destroy)) {
		pool_free(pool);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	conn = conn_get(pool);
	if (!conn) {
		mysql_failure_set(&f, CR_OUT_OF_MEMORY, "out of memory");
		ret = -ENOMEM;
	} else {
		ret = conn_open(pool, conn, &f);
	}
	if (ret) {
		snprintf(err, errlen, "%s", f.message);
		mysql_pool_close(pool);
		return ret;
	}
	*out = pool;
	return 0;
}

void mysql_pool_close(struct mysql_pool *pool)
{
	struct mysql_conn *conn;

	if (!pool)
		return;
	/* other threads' connections went with their threads (the key's destructor) */
	conn = pthread_getspecific(pool->conn_key);
	if (conn) {
		pthread_setspecific(pool->conn_key, NULL);
		conn_destroy(conn);
	}
	pthread_key_delete(pool->conn_key);
	pool_free(pool);
}
