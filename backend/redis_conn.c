/* redis_conn.c - per-thread Redis connections, reconnects, and the one errno mapping. */
#include "redis_command.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

/* One thread's connection. ctx is NULL until first use and after any error. */
struct redis_conn {
	redisContext *ctx;
	int db; /* the database this connection has SELECTed */
};

struct redis_pool {
	char *host;
	int port;
	char *socket_path;
	char *user;
	char *password;
	struct timeval timeout;
	bool read_only;
	redis_log_fn log;
	void *log_arg;
	pthread_key_t conn_key; /* this thread's struct redis_conn */
};

/*
 * Commands a read-only pool may send: an allow-list, so that a command added
 * later is refused on a read-only mount until someone decides it only reads.
 */
static const char *const read_commands[] = {
	"PING",	  "AUTH",   "SELECT", "SCAN",	"TYPE",	   "STRLEN", "GETRANGE", "GET",
	"LRANGE", "SSCAN",  "ZRANGE", "HSCAN",	"XRANGE",  "EXISTS", "LLEN",	 "SCARD",
	"ZCARD",  "HLEN",   "XLEN",   "TTL",	"PTTL",	   "OBJECT", "MEMORY",	 "DBSIZE",
	"INFO",	  "SMEMBERS", "HGETALL", "CONFIG", "LPOS", "SISMEMBER", "ZSCORE", "HEXISTS",
};

/* A command's arguments, inline or not. */
static const char **cmd_argv(const struct redis_cmd *cmd)
{
	return cmd->many ? cmd->many : (const char **) cmd->argv;
}

static const size_t *cmd_argvlen(const struct redis_cmd *cmd)
{
	return cmd->many ? cmd->manylen : cmd->argvlen;
}

static bool command_only_reads(const struct redis_cmd *cmd)
{
	const char *name = cmd_argv(cmd)[0];
	size_t len = cmd_argvlen(cmd)[0];

	for (size_t i = 0; i < sizeof read_commands / sizeof read_commands[0]; i++) {
		if (strlen(read_commands[i]) != len || strncasecmp(read_commands[i], name, len))
			continue;
		/* CONFIG reads only with GET */
		if (strcmp(read_commands[i], "CONFIG") == 0)
			return cmd->argc > 1 && cmd_argvlen(cmd)[1] == 3 &&
			       strncasecmp(cmd_argv(cmd)[1], "GET", 3) == 0;
		return true;
	}
	return false;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The errno that a failed reply or a broken context stands for: the one
 * place where server errors become errno (SPEC section 5).
 */
static int redis_errno(const redisContext *ctx, const redisReply *reply)
{
	if (!reply || ctx->err)
		return EIO; /* lost, timed out or unparsable: the caller reconnects */
	if (reply->type == REDIS_REPLY_ERROR) {
		if (starts_with(reply->str, "READONLY"))
			return EROFS;
		if (starts_with(reply->str, "NOPERM") || starts_with(reply->str, "NOAUTH") ||
		    starts_with(reply->str, "WRONGPASS"))
			return EACCES;
		if (starts_with(reply->str, "OOM"))
			return ENOSPC;
	}
	return EIO;
}

/* Copy up to 120 bytes of a binary argument as printable text for a log line. */
static void printable(char *out, size_t room, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < room; i++) {
		unsigned char c = (unsigned char) p[i];

		if (i == 120) {
			o += (size_t) snprintf(out + o, room - o, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			o += (size_t) snprintf(out + o, room - o, "\\x%02X", c);
		else
			out[o++] = (char) c;
	}
	out[o] = '\0';
}

static void pool_log(const struct redis_pool *pool, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!pool->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pool->log(pool->log_arg, line);
}

/* Log a failed command with its database, key (argv[1]) and the server's message. */
static void log_failure(const struct redis_pool *pool, int db, const struct redis_cmd *cmd,
			const char *message)
{
	char name[32], key[512];

	printable(name, sizeof name, cmd_argv(cmd)[0], cmd_argvlen(cmd)[0]);
	if (cmd->argc > 1)
		printable(key, sizeof key, cmd_argv(cmd)[1], cmd_argvlen(cmd)[1]);
	else
		key[0] = '\0';
	pool_log(pool, "redis: db%d %s '%s': %s", db < 0 ? 0 : db, name, key, message);
}

static void conn_close(struct redis_conn *conn)
{
	if (conn->ctx)
		redisFree(conn->ctx);
	conn->ctx = NULL;
}

static void conn_destroy(void *p)
{
	struct redis_conn *conn = p;

	conn_close(conn);
	free(conn);
}

/* Connect and authenticate; on error `err` says why in one line. */
static int conn_open(struct redis_pool *pool, struct redis_conn *conn, char *err, size_t errlen)
{
	redisContext *ctx;
	redisReply *reply;
	int ret;

	if (pool->socket_path)
		ctx = redisConnectUnixWithTimeout(pool->socket_path, pool->timeout);
	else
		ctx = redisConnectWithTimeout(pool->host, pool->port, pool->timeout);
	if (!ctx || ctx->err) {
		snprintf(err, errlen, "%s", ctx ? ctx->errstr : "out of memory");
		if (ctx)
			redisFree(ctx);
		return ctx ? -EIO : -ENOMEM;
	}
	if (redisSetTimeout(ctx, pool->timeout) != REDIS_OK ||
	    (!pool->socket_path && redisEnableKeepAlive(ctx) != REDIS_OK)) {
		snprintf(err, errlen, "%s", ctx->errstr);
		redisFree(ctx);
		return -EIO;
	}
	if (pool->password) {
		const char *argv[] = {"AUTH", pool->user, pool->password};
		size_t argvlen[] = {4, pool->user ? strlen(pool->user) : 0,
				    strlen(pool->password)};

		if (pool->user)
			reply = redisCommandArgv(ctx, 3, argv, argvlen);
		else
			reply = redisCommandArgv(ctx, 2, (const char *[]){"AUTH", pool->password},
						 (size_t[]){4, argvlen[2]});
		if (!reply || reply->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "authentication failed: %s",
				 reply ? reply->str : ctx->errstr);
			ret = -redis_errno(ctx, reply);
			freeReplyObject(reply);
			redisFree(ctx);
			return ret;
		}
		freeReplyObject(reply);
	}
	conn->ctx = ctx;
	conn->db = 0;
	return 0;
}

/*
 * Ask the server for PING on a new connection: a server that wants a password
 * we did not give (NOAUTH) answers only here. The reason goes to `err`.
 */
static int conn_ping(struct redis_conn *conn, char *err, size_t errlen)
{
	redisReply *reply = redisCommandArgv(conn->ctx, 1, (const char *[]){"PING"}, (size_t[]){4});
	int ret = 0;

	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s", reply ? reply->str : conn->ctx->errstr);
		ret = -redis_errno(conn->ctx, reply);
	}
	freeReplyObject(reply);
	return ret;
}

/* This thread's connection record (made on first use); NULL only when out of memory. */
static struct redis_conn *conn_get(struct redis_pool *pool)
{
	struct redis_conn *conn = pthread_getspecific(pool->conn_key);

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
 * Make sure this thread has a live connection in database `db`.
 * A failed SELECT of a database the server does not have is -ENXIO.
 */
static int conn_ready(struct redis_pool *pool, struct redis_conn *conn, int db)
{
	char err[256], dbtext[16];
	redisReply *reply;
	int ret;

	if (!conn->ctx) {
		ret = conn_open(pool, conn, err, sizeof err);
		if (ret) {
			pool_log(pool, "redis: cannot connect: %s", err);
			return ret;
		}
	}
	if (db < 0 || db == conn->db)
		return 0;
	snprintf(dbtext, sizeof dbtext, "%d", db);
	reply = redisCommandArgv(conn->ctx, 2, (const char *[]){"SELECT", dbtext},
				 (size_t[]){6, strlen(dbtext)});
	if (reply && reply->type != REDIS_REPLY_ERROR) {
		freeReplyObject(reply);
		conn->db = db;
		return 0;
	}
	ret = redis_errno(conn->ctx, reply);
	if (reply && strstr(reply->str, "out of range"))
		ret = ENXIO;
	else
		pool_log(pool, "redis: db%d SELECT: %s", db, reply ? reply->str : conn->ctx->errstr);
	freeReplyObject(reply);
	if (!reply)
		conn_close(conn);
	return -ret;
}

/*
 * A connection that was made before and fails at once with EOF or a reset
 * was dropped by the server meanwhile (restart, CLIENT KILL, idle timeout):
 * worth one more try on a new connection. A timeout is not: it would double
 * the time a caller waits.
 */
static bool dropped_while_idle(const redisContext *ctx, int saved_errno)
{
	if (ctx->err == REDIS_ERR_EOF)
		return true;
	return ctx->err == REDIS_ERR_IO &&
	       (saved_errno == ECONNRESET || saved_errno == EPIPE || saved_errno == ENOTCONN);
}

/* Adapts a single-reply parser to the pipeline's per-reply callback. */
struct single_parse {
	redis_parse_fn parse;
	void *arg;
};

static int parse_single(const redisReply *reply, void *arg, size_t index)
{
	const struct single_parse *single = arg;

	(void) index;
	return single->parse ? single->parse(reply, single->arg) : 0;
}

int redis_command(struct redis_pool *pool, int db, int argc, const char **argv,
		  const size_t *argvlen, redis_parse_fn parse, void *arg)
{
	struct redis_cmd cmd = {.argc = argc};
	struct single_parse single = {parse, arg};

	if (argc > REDIS_MAX_ARGS)
		return -E2BIG;
	memcpy(cmd.argv, argv, (size_t) argc * sizeof *argv);
	memcpy(cmd.argvlen, argvlen, (size_t) argc * sizeof *argvlen);
	return redis_pipeline(pool, db, &cmd, 1, parse_single, &single);
}

int redis_pipeline(struct redis_pool *pool, int db, const struct redis_cmd *cmds, size_t count,
		   redis_parse_each_fn parse, void *arg)
{
	struct redis_conn *conn = conn_get(pool);
	int ret = 0;

	if (!conn)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (pool->read_only && !command_only_reads(&cmds[i]))
			return -EROFS;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		bool reused = conn->ctx != NULL;
		size_t got = 0;
		int saved_errno = 0;

		ret = conn_ready(pool, conn, db);
		if (ret)
			return ret;
		for (size_t i = 0; i < count; i++)
			redisAppendCommandArgv(conn->ctx, cmds[i].argc, cmd_argv(&cmds[i]),
					       cmd_argvlen(&cmds[i]));
		for (; got < count; got++) {
			void *r = NULL;
			redisReply *reply;
			int err;

			errno = 0;
			if (redisGetReply(conn->ctx, &r) != REDIS_OK) {
				saved_errno = errno;
				break;
			}
			reply = r;
			if (reply->type == REDIS_REPLY_ERROR) {
				err = -redis_errno(conn->ctx, reply);
				log_failure(pool, db, &cmds[got], reply->str);
			} else {
				err = parse ? parse(reply, arg, got) : 0;
			}
			if (err && !ret)
				ret = err;
			freeReplyObject(reply);
		}
		if (got == count)
			return ret;
		/* the connection broke: hiredis contexts are unusable after an error */
		if (attempt == 0 && got == 0 && reused && dropped_while_idle(conn->ctx, saved_errno)) {
			conn_close(conn);
			ret = 0;
			continue;
		}
		log_failure(pool, db, &cmds[got], conn->ctx->errstr);
		conn_close(conn);
		return -EIO;
	}
	return ret;
}

static char *copy_or_null(const char *s, bool *failed)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*failed = true;
	return c;
}

int redis_pool_open(const struct redis_endpoint *ep, struct redis_pool **out, char *err,
		    size_t errlen)
{
	struct redis_pool *pool = calloc(1, sizeof *pool);
	struct redis_conn *conn;
	bool failed = false;
	double whole;
	int ret;

	*out = NULL;
	if (!pool) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pool->host = copy_or_null(ep->host, &failed);
	pool->socket_path = copy_or_null(ep->socket_path, &failed);
	pool->user = copy_or_null(ep->user, &failed);
	pool->password = copy_or_null(ep->password, &failed);
	pool->port = ep->port;
	pool->read_only = ep->read_only;
	pool->log = ep->log;
	pool->log_arg = ep->log_arg;
	whole = ep->timeout > 0 ? ep->timeout : 5.0;
	pool->timeout.tv_sec = (time_t) whole;
	pool->timeout.tv_usec = (suseconds_t) ((whole - (double) pool->timeout.tv_sec) * 1e6);
	if (failed || pthread_key_create(&pool->conn_key, conn_destroy)) {
		free(pool->host);
		free(pool->socket_path);
		free(pool->user);
		free(pool->password);
		free(pool);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}

	conn = conn_get(pool);
	ret = conn ? conn_open(pool, conn, err, errlen) : -ENOMEM;
	if (!ret)
		ret = conn_ping(conn, err, errlen);
	if (ret) {
		redis_pool_close(pool);
		return ret;
	}
	*out = pool;
	return 0;
}

void redis_pool_close(struct redis_pool *pool)
{
	struct redis_conn *conn;

	if (!pool)
		return;
	/* other threads' connections went with their threads (the key's destructor) */
	conn = pthread_getspecific(pool->conn_key);
	if (conn) {
		pthread_setspecific(pool->conn_key, NULL);
		conn_destroy(conn);
	}
	pthread_key_delete(pool->conn_key);
	free(pool->host);
	free(pool->socket_path);
	free(pool->user);
	if (pool->password)
		explicit_bzero(pool->password, strlen(pool->password));
	free(pool->password);
	free(pool);
}

bool redis_pool_read_only(const struct redis_pool *pool)
{
	return pool->read_only;
}

const char *redis_client_version(void)
{
#define STR2(x) #x
#define STR(x) STR2(x)
	return STR(HIREDIS_MAJOR) "." STR(HIREDIS_MINOR) "." STR(HIREDIS_PATCH);
#undef STR
#undef STR2
}
