/* redis_conn.c - per-thread Redis connections: made, ready in their database, one exchange each. */
#include "redis_node.h"
#include "redis_pool_state.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_await.h"
#include "redis_cluster.h"
#include "redis_dial.h"
#include "redis_errors.h"
#include "redis_sentinel.h"
#include "redis_tls.h"
#include "redis_wait.h"

#define RETRY_FIRST_NS 10000000LL  /* 10 ms: the first pause after LOADING or BUSY */
#define RETRY_MAX_NS   200000000LL /* 200 ms: pauses double up to this */

/* One thread's connection to one node. ctx is NULL until first use and after any error. */
struct redis_conn {
	struct redis_link *ctx;
	int db;	  /* the database this connection has SELECTed */
	int node; /* 0: the URL's server; in a cluster, the node's index in the slot map */
	unsigned long generation; /* of the sentinels' answer it was made to (node 0) */
};

/* One thread's connections: conns[node], grown as a cluster's nodes become known. */
struct redis_thread {
	struct redis_conn *conns;
	int count;
};

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

	printable(name, sizeof name, redis_cmd_argv(cmd)[0], redis_cmd_argvlen(cmd)[0]);
	if (cmd->argc > 1)
		printable(key, sizeof key, redis_cmd_argv(cmd)[1], redis_cmd_argvlen(cmd)[1]);
	else
		key[0] = '\0';
	pool_log(pool, "redis: db%d %s '%s': %s", db < 0 ? 0 : db, name, key, message);
}

static void conn_close(struct redis_conn *conn)
{
	redis_link_free(conn->ctx);
	conn->ctx = NULL;
}

void redis_conn_thread_free(void *p)
{
	struct redis_thread *thread = p;

	for (int i = 0; i < thread->count; i++)
		conn_close(&thread->conns[i]);
	free(thread->conns);
	free(thread);
}

/* Whether a failed socket call (its errno) ran out of time rather than being refused or reset. */
static bool timed_out(int saved_errno)
{
	return saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT ||
	       saved_errno == EINPROGRESS;
}

/*
 * A server that let a call wait the whole timeout is stalled (frozen, swapping,
 * a network black hole): for a short hold every call fails at once, so that a
 * loop over many keys (a directory's attributes) costs one timeout, not one each.
 */
static void note_failure(struct redis_pool *pool, const struct redis_link *ctx, int saved_errno)
{
	if (ctx && ctx->err == REDIS_ERR_IO && timed_out(saved_errno))
		atomic_store(&pool->stall_until, wait_now_ns() + pool->stall_hold_ns);
}

bool redis_pool_stalled(const struct redis_pool *pool)
{
	return wait_now_ns() < atomic_load(&pool->stall_until);
}

void redis_backoff_start(const struct redis_pool *pool, struct redis_backoff *b)
{
	b->deadline = wait_now_ns() + pool->timeout_ns;
	b->pause = RETRY_FIRST_NS;
}

bool redis_backoff_wait(struct redis_backoff *b)
{
	if (wait_now_ns() + b->pause >= b->deadline)
		return false;
	wait_nap_ns(b->pause);
	b->pause = b->pause * 2 > RETRY_MAX_NS ? RETRY_MAX_NS : b->pause * 2;
	return true;
}

/* What a failed dial is to the callers: LOADING, a refusal or memory as they are, else EIO. */
static int dial_failed(struct redis_pool *pool, int ret, int saved_errno)
{
	if (timed_out(saved_errno))
		atomic_store(&pool->stall_until, wait_now_ns() + pool->stall_hold_ns);
	return ret == -EAGAIN || ret == -EACCES || ret == -ENOMEM ? ret : -EIO;
}

/*
 * The master the sentinels name, checked with ROLE: a connection that
 * fails, or finds a replica (a failover happened), asks the sentinels again
 * and tries their answer once.
 */
static int conn_open_master(struct redis_pool *pool, struct redis_conn *conn, char *err,
			    size_t errlen)
{
	struct redis_dial d = redis_pool_dial_options(pool);
	char host[SENTINEL_HOST_MAX], asked[512];
	int ret, saved_errno = 0, port;

	d.want_master = true;
	for (int tries = 0;; tries++) {
		unsigned long generation = sentinel_master(pool->sentinel, host, &port);

		d.addr = (struct redis_address){.host = host, .port = port};
		ret = generation ? redis_dial_open(&d, &conn->ctx, err, errlen, &saved_errno)
				 : -ENOENT;
		if (!ret) {
			conn->generation = generation;
			conn->db = 0;
			return 0;
		}
		if (ret == -EAGAIN || ret == -EACCES || ret == -ENOMEM || tries == 1)
			return dial_failed(pool, ret, saved_errno);
		if (sentinel_refresh(pool->sentinel, &d, generation, asked, sizeof asked)) {
			snprintf(err, errlen, "the sentinels name no master '%s': %s",
				 sentinel_master_name(pool->sentinel), asked);
			return -EIO;
		}
	}
}

/*
 * Connect and authenticate; on error `err` says why in one line. An AUTH
 * answered with LOADING or BUSY is -EAGAIN: the caller may try again.
 */
static int conn_open(struct redis_pool *pool, struct redis_conn *conn, char *err, size_t errlen)
{
	struct redis_dial d = redis_pool_dial_options(pool);
	char host[CLUSTER_HOST_MAX];
	int ret, saved_errno, port;

	if (conn->node == 0 && pool->sentinel)
		return conn_open_master(pool, conn, err, errlen);
	if (conn->node == 0) {
		d.addr = (struct redis_address){pool->host, pool->port, pool->socket_path};
	} else if (cluster_node_address(pool->cluster, conn->node, host, &port) == 0) {
		d.addr = (struct redis_address){.host = host, .port = port};
	} else {
		snprintf(err, errlen, "no cluster node %d", conn->node);
		return -EIO;
	}
	ret = redis_dial_open(&d, &conn->ctx, err, errlen, &saved_errno);
	if (ret) {
		if (conn->node != 0) {
			char why[256];

			snprintf(why, sizeof why, "%s", err);
			snprintf(err, errlen, "%s:%d: %s", host, port, why);
		}
		return dial_failed(pool, ret, saved_errno);
	}
	conn->db = 0;
	return 0;
}

/*
 * Ask the server for PING on a new connection: a server that wants a password
 * we did not give (NOAUTH) answers only here. A server still loading its
 * dataset is asked again within the timeout. The reason goes to `err`.
 */
static int conn_ping(struct redis_pool *pool, struct redis_conn *conn, char *err, size_t errlen)
{
	struct redis_backoff later;
	struct redis_cmd ping;
	redisReply *reply;
	int ret;

	redis_cmd_start(&ping, "PING");
	redis_backoff_start(pool, &later);
	for (;;) {
		reply = redis_link_command(conn->ctx, &ping);
		if (!redis_reply_says_later(reply) || !redis_backoff_wait(&later))
			break;
		freeReplyObject(reply);
	}
	ret = 0;
	if (!reply)
		redis_dial_explain(conn->ctx, pool->tls != NULL, err, errlen);
	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		if (reply)
			snprintf(err, errlen, "%s", reply->str);
		ret = -redis_errno(conn->ctx, reply);
	}
	freeReplyObject(reply);
	return ret;
}

/*
 * This thread's connection record for `node` (made on first use, the
 * thread's table grown to hold it); NULL only when out of memory.
 */
static struct redis_conn *conn_get(struct redis_pool *pool, int node)
{
	struct redis_thread *thread = pthread_getspecific(pool->conn_key);
	struct redis_conn *grown;

	if (!thread) {
		thread = calloc(1, sizeof *thread);
		if (!thread)
			return NULL;
		if (pthread_setspecific(pool->conn_key, thread)) {
			free(thread);
			return NULL;
		}
	}
	if (node >= thread->count) {
		grown = realloc(thread->conns, (size_t) (node + 1) * sizeof *grown);
		if (!grown)
			return NULL;
		for (int i = thread->count; i <= node; i++)
			grown[i] = (struct redis_conn){.ctx = NULL, .db = 0, .node = i};
		thread->conns = grown;
		thread->count = node + 1;
	}
	return &thread->conns[node];
}

/*
 * A connection that was made before and fails at once with EOF or a reset
 * was dropped by the server meanwhile (restart, CLIENT KILL, idle timeout):
 * worth one more try on a new connection. A timeout is not: it would double
 * the time a caller waits.
 */
static bool dropped_while_idle(const struct redis_link *ctx, int saved_errno)
{
	if (ctx->err == REDIS_ERR_EOF)
		return true;
	return ctx->err == REDIS_ERR_IO &&
	       (saved_errno == ECONNRESET || saved_errno == EPIPE || saved_errno == ENOTCONN);
}

int redis_pool_lost(struct redis_pool *pool, int db, const struct redis_cmd *cmd,
		    const struct redis_link *ctx, int saved_errno, bool may_retry)
{
	char why[64];

	if (may_retry && dropped_while_idle(ctx, saved_errno))
		return -ECONNRESET;
	/* "Resource temporarily unavailable" would not say what happened */
	snprintf(why, sizeof why, "no answer within %g s (-o timeout)",
		 (double) pool->timeout_ns / 1e9);
	log_failure(pool, db, cmd,
		    ctx->err == REDIS_ERR_IO && timed_out(saved_errno) ? why : ctx->errstr);
	note_failure(pool, ctx, saved_errno);
	return -EIO;
}

/*
 * Make sure this thread has a live connection in database `db`.
 * A failed SELECT of a database the server does not have is -ENXIO; a server
 * that answers LOADING or BUSY is -EAGAIN with its message in `why`; a
 * connection found closed by the server is -ECONNRESET (not logged); one that
 * cannot be made is -errno with "cannot connect: ..." in `why`, for the
 * caller to log with the command that needed it.
 */
static int conn_ready(struct redis_pool *pool, struct redis_conn *conn, int db, char *why,
		      size_t whylen)
{
	char err[200]; /* leaves room in a why[256] for "cannot connect: " */
	struct redis_cmd select;
	redisReply *reply;
	int ret, saved_errno;

	why[0] = '\0';
	if (conn->ctx && pool->sentinel && conn->node == 0 &&
	    conn->generation != sentinel_generation(pool->sentinel))
		conn_close(conn); /* made to a master the sentinels no longer name */
	if (!conn->ctx) {
		ret = conn_open(pool, conn, err, sizeof err);
		if (ret == -EAGAIN) {
			snprintf(why, whylen, "%s", err);
			return ret;
		}
		if (ret) {
			/* the caller logs it with the command and key that needed the connection */
			snprintf(why, whylen, "cannot connect: %s", err);
			return ret;
		}
	}
	if (db < 0 || db == conn->db)
		return 0;
	redis_cmd_start(&select, "SELECT");
	redis_cmd_int(&select, db);
	errno = 0;
	reply = redis_link_command(conn->ctx, &select);
	saved_errno = errno;
	if (reply && reply->type != REDIS_REPLY_ERROR) {
		freeReplyObject(reply);
		conn->db = db;
		return 0;
	}
	ret = redis_errno(conn->ctx, reply);
	if (redis_reply_says_later(reply)) {
		snprintf(why, whylen, "%s", reply->str);
		ret = EAGAIN;
	} else if (!reply && dropped_while_idle(conn->ctx, saved_errno)) {
		ret = ECONNRESET; /* the caller decides whether that was a stale connection */
	} else if (reply && strstr(reply->str, "out of range")) {
		ret = ENXIO;
	} else {
		pool_log(pool, "redis: db%d SELECT: %s", db,
			 reply ? reply->str : conn->ctx->errstr);
	}
	if (!reply)
		note_failure(pool, conn->ctx, saved_errno);
	freeReplyObject(reply);
	if (!reply || ret == EAGAIN)
		conn_close(conn);
	return -ret;
}

/* Ask the sentinels again (unless another thread did since `seen`); failures are logged. */
static void refresh_master(struct redis_pool *pool, unsigned long seen)
{
	struct redis_dial d = redis_pool_dial_options(pool);
	char why[512];

	if (sentinel_refresh(pool->sentinel, &d, seen, why, sizeof why))
		pool_log(pool, "redis: the sentinels name no master '%s': %s",
			 sentinel_master_name(pool->sentinel), why);
}

/* What one attempt at a pipeline came to. */
enum attempt_result {
	ATTEMPT_DONE,	 /* replies handed to the parser, or a failure to return */
	ATTEMPT_DROPPED, /* the connection had been dropped while idle: nothing came back */
	ATTEMPT_LATER,	 /* LOADING or BUSY and nothing ran: the same pipeline may go again */
};

/* Where an attempt says what happened; `why` and `at` only for ATTEMPT_LATER. */
struct attempt {
	int ret;       /* 0 or the first -errno, for ATTEMPT_DONE */
	char why[256]; /* the server's LOADING or BUSY message */
	size_t at;     /* the command it answered */
};

int redis_dispatch(struct redis_pool *pool, int db, const struct redis_cmd *cmds,
		   redisReply *const *replies, size_t count, redis_parse_each_fn parse, void *arg)
{
	int ret = 0, err;

	for (size_t i = 0; i < count; i++) {
		if (!replies[i])
			continue; /* its failure was counted by whoever left it out */
		if (replies[i]->type == REDIS_REPLY_ERROR) {
			err = -redis_errno(NULL, replies[i]);
			log_failure(pool, db, &cmds[i], replies[i]->str);
		} else {
			err = parse ? parse(replies[i], arg, i) : 0;
		}
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/*
 * One try: send the pipeline on `conn` and read every reply. ATTEMPT_DONE
 * with out->ret 0 leaves the replies in replies[0 .. count) for the caller
 * to free; with an error, nothing is left there.
 */
static enum attempt_result pipeline_attempt(struct redis_pool *pool, struct redis_conn *conn,
					    int db, const struct redis_cmd *cmds, size_t count,
					    redisReply **replies, struct attempt *out)
{
	enum attempt_result result = ATTEMPT_DONE;
	bool reused = conn->ctx != NULL;
	int saved_errno = 0;
	size_t got = 0;
	long later;

	out->ret = conn_ready(pool, conn, db, out->why, sizeof out->why);
	if (out->ret == -EAGAIN) {
		out->at = 0;
		return ATTEMPT_LATER;
	}
	if (out->ret == -ECONNRESET) {
		if (reused)
			return ATTEMPT_DROPPED;
		pool_log(pool, "redis: db%d SELECT: connection closed by the server", db);
		out->ret = -EIO;
	}
	if (out->ret && out->why[0])
		log_failure(pool, db, &cmds[0],
			    out->why); /* no connection: which command needed it */
	if (out->ret)
		return ATTEMPT_DONE;
	out->ret = redis_link_send(conn->ctx, cmds, count);
	if (out->ret == -ENOMEM) {
		conn_close(conn); /* half a pipeline may be queued: the link is unusable */
		return ATTEMPT_DONE;
	}
	if (out->ret)
		return ATTEMPT_DONE; /* refused before anything was queued */
	redis_await_reply(conn->ctx);
	/* every reply first: whether to send the pipeline again depends on all of them */
	for (; got < count; got++) {
		void *r = NULL;

		errno = 0;
		if (redis_link_get_reply(conn->ctx, &r) != REDIS_OK) {
			saved_errno = errno;
			break;
		}
		replies[got] = r;
	}
	if (got < count) {
		/* the connection broke: hiredis contexts are unusable after an error */
		out->ret = redis_pool_lost(pool, db, &cmds[got], conn->ctx, saved_errno,
					   got == 0 && reused);
		if (out->ret == -ECONNRESET)
			result = ATTEMPT_DROPPED;
		conn_close(conn);
	} else if (pool->sentinel && conn->node == 0 && redis_demoted(cmds, replies, count)) {
		/* the master became a replica: ask the sentinels, send it to the new one */
		refresh_master(pool, conn->generation);
		conn_close(conn);
		result = ATTEMPT_DROPPED;
	} else if ((later = redis_later_index(cmds, replies, count)) >= 0) {
		snprintf(out->why, sizeof out->why, "%s", replies[later]->str);
		out->at = (size_t) later;
		/* a fresh connection for the next try: no half-open MULTI is carried over */
		conn_close(conn);
		result = ATTEMPT_LATER;
	} else {
		return ATTEMPT_DONE; /* the replies are the caller's now */
	}
	for (size_t i = 0; i < got; i++) {
		freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
	return result;
}

int redis_parse_single(const redisReply *reply, void *arg, size_t index)
{
	const struct redis_single_parse *single = arg;

	(void) index;
	return single->parse ? single->parse(reply, single->arg) : 0;
}

int redis_node_exchange(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmds,
			size_t count, redisReply **replies)
{
	struct redis_conn *conn = conn_get(pool, node);
	struct redis_backoff later;
	bool redialled = false;
	struct attempt at;

	if (!conn)
		return -ENOMEM;
	if (redis_pool_stalled(pool))
		return -EIO; /* logged when the stall began */
	redis_backoff_start(pool, &later);
	for (;;) {
		switch (pipeline_attempt(pool, conn, db, cmds, count, replies, &at)) {
		case ATTEMPT_DONE:
			return at.ret;
		case ATTEMPT_DROPPED:
			if (redialled)
				return -EIO;
			redialled = true;
			break;
		case ATTEMPT_LATER:
			/* backoff inside the caller's bound: the timeout covers the retries */
			if (!redis_backoff_wait(&later)) {
				log_failure(pool, db, &cmds[at.at], at.why);
				return -EIO;
			}
			break;
		}
	}
}

int redis_pool_dial(struct redis_pool *pool, int db, struct redis_link **out)
{
	struct redis_conn conn = {.ctx = NULL, .db = 0, .node = 0};
	struct redis_backoff later;
	char why[256];
	int ret;

	*out = NULL;
	if (redis_pool_stalled(pool))
		return -EIO; /* logged when the stall began */
	redis_backoff_start(pool, &later);
	while ((ret = conn_ready(pool, &conn, db, why, sizeof why)) == -EAGAIN) {
		if (!redis_backoff_wait(&later)) {
			pool_log(pool, "redis: db%d: %s", db < 0 ? 0 : db, why);
			return -EIO;
		}
	}
	if (ret == -ECONNRESET) {
		pool_log(pool, "redis: db%d SELECT: connection closed by the server", db);
		ret = -EIO;
	} else if (ret && why[0]) {
		pool_log(pool, "redis: db%d: %s", db < 0 ? 0 : db, why);
	}
	if (ret) {
		conn_close(&conn); /* a refused SELECT leaves it open */
		return ret;
	}
	*out = conn.ctx;
	return 0;
}

void redis_free_replies(redisReply **replies, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (replies[i])
			freeReplyObject(replies[i]);
		replies[i] = NULL;
	}
}

void redis_pool_log(const struct redis_pool *pool, const char *line)
{
	pool_log(pool, "%s", line);
}

int redis_conn_first(struct redis_pool *pool, char *err, size_t errlen)
{
	struct redis_conn *conn = conn_get(pool, 0);
	int ret = conn ? conn_open(pool, conn, err, errlen) : -ENOMEM;

	if (!ret)
		ret = conn_ping(pool, conn, err, errlen);
	if (ret == -ENOMEM && !conn)
		snprintf(err, errlen, "out of memory");
	return ret;
}

bool redis_pool_read_only(const struct redis_pool *pool)
{
	return pool->read_only;
}

bool redis_pool_is_cluster(const struct redis_pool *pool)
{
	return pool->cluster != NULL;
}

struct redis_cluster *redis_pool_cluster(const struct redis_pool *pool)
{
	return pool->cluster;
}

void redis_pool_set_cluster(struct redis_pool *pool, struct redis_cluster *cluster)
{
	pool->cluster = cluster;
}

const char *redis_pool_host(const struct redis_pool *pool)
{
	return pool->socket_path ? NULL : pool->host;
}

int redis_pool_port(const struct redis_pool *pool)
{
	return pool->port;
}
