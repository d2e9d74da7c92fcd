/* redis_node.h - what redis_conn.c offers the cluster routing: one exchange with one node. */
#ifndef REDISFS_REDIS_NODE_H
#define REDISFS_REDIS_NODE_H

/*
 * Backend-internal, below redis_send.h: redis_route.c decides which node
 * gets which commands and uses these to talk to it; redis_conn.c implements
 * them next to the connections they use.
 */

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "redis_cmd.h"
#include "redis_conn.h"
#include "redis_reply.h"
#include "redis_link.h"

struct redis_cluster;

/*
 * Send `count` commands to node `node` (0: the URL's server; in a cluster,
 * an index of the slot map) on this thread's connection to it, and read
 * every reply: reconnect, AUTH, SELECT, LOADING/BUSY/TRYAGAIN/CLUSTERDOWN
 * retries and the stall hold as redis_pipeline() says. Returns 0 with the
 * replies in replies[0 .. count), which the caller frees with
 * redis_free_replies(), or -errno with none (logged).
 */
int redis_node_exchange(struct redis_pool *pool, int node, int db, const struct redis_cmd *cmds,
			size_t count, redisReply **replies);

/* Free replies[0 .. count), leaving NULLs. */
void redis_free_replies(redisReply **replies, size_t count);

/*
 * Hand each reply to the parser, or turn an error reply into -errno (the one
 * errno mapping) and log it; NULL replies are skipped. Returns the first error.
 */
int redis_dispatch(struct redis_pool *pool, int db, const struct redis_cmd *cmds,
		   redisReply *const *replies, size_t count, redis_parse_each_fn parse, void *arg);

/* A single-reply parser, adapted to the per-reply callback by redis_parse_single. */
struct redis_single_parse {
	redis_parse_fn parse; /* may be NULL */
	void *arg;
};

int redis_parse_single(const redisReply *reply, void *arg, size_t index);

/* The pool's slot map (NULL against a single server); the pool owns it once set. */
struct redis_cluster *redis_pool_cluster(const struct redis_pool *pool);
void redis_pool_set_cluster(struct redis_pool *pool, struct redis_cluster *cluster);

/* The URL's server: its TCP host (NULL for a unix socket) and port. */
const char *redis_pool_host(const struct redis_pool *pool);
int redis_pool_port(const struct redis_pool *pool);

/* One line to the pool's log. */
void redis_pool_log(const struct redis_pool *pool, const char *line);

/*
 * For a connection of one's own (redis_dedicated.c), made and read as the
 * pool's are.
 */

/*
 * A new connection to the URL's server, outside the per-thread table:
 * connected, authenticated and in database `db` (SELECT), every step bounded
 * by the pool's timeout (also on every later read and write), LOADING and
 * BUSY asked again with backoff within it. Fails at once (-EIO) while the
 * pool holds a stall. Returns 0 with the context in *out (the caller
 * redis_link_free()s it), or -errno (logged; -ENXIO for a database the server does
 * not have).
 */
int redis_pool_dial(struct redis_pool *pool, int db, struct redis_link **out);

/*
 * What a failed read or write of the reply to `cmd` on `ctx` stands for,
 * `saved_errno` being errno right after it: with `may_retry`, a connection
 * the server had closed (EOF, a reset: CLIENT KILL, a restart, an idle
 * timeout) is -ECONNRESET, not logged, worth one more try on a new one.
 * Anything else is -EIO, logged with the command, and a timeout starts the
 * pool's stall hold. The context is unusable either way.
 */
int redis_pool_lost(struct redis_pool *pool, int db, const struct redis_cmd *cmd,
		    const struct redis_link *ctx, int saved_errno, bool may_retry);

/* Whether a timeout a moment ago makes every call fail at once now. */
bool redis_pool_stalled(const struct redis_pool *pool);

/* Whether a reply says "ask again later": LOADING, BUSY, TRYAGAIN, CLUSTERDOWN. */
bool redis_reply_says_later(const redisReply *r);

/* Asking again after such a reply, within one call's bound (the pool's timeout). */
struct redis_backoff {
	long long deadline; /* CLOCK_MONOTONIC ns */
	long long pause;    /* ns before the next try */
};

/* The bound of a call that starts now. */
void redis_backoff_start(const struct redis_pool *pool, struct redis_backoff *b);

/*
 * Sleep before the next try (10 ms, doubling up to 200 ms) and return true;
 * or return false at once when the next try would begin past the bound.
 */
bool redis_backoff_wait(struct redis_backoff *b);

/*
 * For redis_pool.c, which makes and closes the pool around the connections.
 */

/*
 * This thread's connection to the URL's server (or the master the
 * sentinels name), checked with PING. Returns 0, or -errno with a one-line
 * reason in `err`.
 */
int redis_conn_first(struct redis_pool *pool, char *err, size_t errlen);

/* Close a thread's connections and free them (the pool's pthread key destructor). */
void redis_conn_thread_free(void *thread);

#endif
