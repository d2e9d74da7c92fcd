/* redis_scan.c - a SCAN walk with one call always in flight, on a connection of its own. */
#include "redis_scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redis_send.h"
#include "redis_dedicated.h"
#include "redis_reply.h"
#include "redis_scan_reply.h"
#include "redis_walk.h"

struct redis_scan {
	struct redis_pool *pool;
	int db;
	char cursor[SCAN_CURSOR_SIZE]; /* of the SCAN in flight; "0" before the first */
	bool started;		       /* the first SCAN was answered */
	bool done;		       /* the cursor came back to 0 */
	int failed;		       /* the -errno that ended the walk, or 0 */
	struct redis_dedicated *conn;  /* while SCANs are in flight on it */
	struct scan_sink sink;	       /* how its replies are read */
	struct redis_walk_bound bound; /* a cursor that never comes back to 0 gives EIO */
};

/* Each context of the walk's connection reads SCAN replies into the sink. */
static void prepare_reader(struct redis_link *link, void *sink)
{
	scan_sink_attach(link->reader, sink);
}

int redis_scan_open(struct redis_pool *pool, int db, struct redis_scan **out)
{
	struct redis_scan *scan = calloc(1, sizeof *scan);

	*out = NULL;
	if (redis_pool_is_cluster(pool)) {
		free(scan);
		return -EOPNOTSUPP; /* one server's walk: a cluster's masters are walked in turn */
	}
	if (!scan)
		return -ENOMEM;
	scan->pool = pool;
	scan->db = db;
	strcpy(scan->cursor, "0");
	*out = scan;
	return 0;
}

/* SCAN cursor COUNT n: the cursor points into `scan`, so that it can be sent again. */
static void scan_command(const struct redis_scan *scan, struct redis_cmd *cmd)
{
	redis_cmd_start(cmd, "SCAN");
	redis_cmd_str(cmd, scan->cursor);
	redis_cmd_str(cmd, "COUNT");
	redis_cmd_int(cmd, SCAN_COUNT);
}

/* The cursor of a reply [cursor, [key, ...]] into `cursor`; -EIO for any other shape. */
static int reply_cursor(const redisReply *reply, char cursor[SCAN_CURSOR_SIZE])
{
	const redisReply *c;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[1]->type != REDIS_REPLY_ARRAY)
		return -EIO;
	c = reply->element[0];
	if (c->type != REDIS_REPLY_STRING || c->len == 0 || c->len >= SCAN_CURSOR_SIZE ||
	    strspn(c->str, "0123456789") != c->len)
		return -EIO; /* a cursor is an unsigned decimal, or no reply of SCAN */
	memcpy(cursor, c->str, c->len);
	cursor[c->len] = '\0';
	return 0;
}

/*
 * A reply's cursor becomes the walk's; while it is not 0, the next SCAN goes
 * out at once (on the walk's connection, made for it the first time).
 */
static int advance(struct redis_scan *scan, const char *cursor)
{
	struct redis_cmd next;
	int ret;

	strcpy(scan->cursor, cursor);
	scan->started = true;
	scan->done = strcmp(cursor, "0") == 0;
	if (scan->done)
		return 0;
	ret = redis_walk_bound_check(scan->pool, scan->db, &scan->bound);
	if (!ret && !scan->conn)
		ret = redis_dedicated_open(scan->pool, scan->db, prepare_reader, &scan->sink,
					   &scan->conn);
	scan_command(scan, &next);
	return ret ? ret : redis_dedicated_send(scan->conn, &next);
}

struct first_reply {
	char cursor[SCAN_CURSOR_SIZE];
	struct rv_array *keys;
};

/* The first reply, on the pool's connection: only copied here, the next SCAN is sent after. */
static int parse_first(const redisReply *reply, void *arg)
{
	struct first_reply *first = arg;
	int ret = reply_cursor(reply, first->cursor);

	return ret ? ret : reply_push_strings(reply->element[1], first->keys, NULL);
}

int redis_scan_next(struct redis_scan *scan, struct rv_array *keys, bool *done)
{
	struct first_reply first = {.keys = keys};
	redisReply *reply = NULL;
	size_t had = keys->count;
	int ret = scan->failed;
	struct redis_cmd cmd;

	scan_command(scan, &cmd);
	*done = false;
	if (!ret && scan->done) {
		*done = true; /* the walk is over: nothing more to ask */
		return 0;
	}
	if (!ret && !scan->started) {
		ret = redis_command(scan->pool, scan->db, &cmd, parse_first, &first);
		if (!ret)
			ret = advance(scan, first.cursor);
	} else if (!ret) {
		/* the reader appends the keys as it parses them (redis_scan_reply.h) */
		scan->sink.keys = keys;
		scan->sink.mark = had;
		ret = redis_dedicated_receive(scan->conn, &cmd, &reply);
		if (!ret)
			ret = scan_sink_is_reply(reply) ? scan_sink_check(&scan->sink) : -EIO;
		/* the next SCAN goes out before the keys are handed back */
		if (!ret)
			ret = advance(scan, scan->sink.cursor);
		scan_sink_free_reply(reply);
		if (ret)
			rv_array_truncate(keys, had); /* nothing of a failed call */
	}
	if (ret || scan->done) {
		scan->failed = ret;
		redis_dedicated_close(scan->conn); /* as soon as it is no longer needed */
		scan->conn = NULL;
	}
	*done = scan->done && !ret;
	return ret;
}

bool redis_scan_ready(const struct redis_scan *scan)
{
	if (scan->failed || scan->done)
		return true;
	return scan->conn && redis_dedicated_ready(scan->conn);
}

int redis_database_size(struct redis_pool *pool, int db, size_t *keys)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	redis_cmd_start(&cmd, "DBSIZE");
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	if (!ret && n < 0)
		ret = -EIO;
	if (!ret)
		*keys = (size_t) n;
	return ret;
}

void redis_scan_close(struct redis_scan *scan)
{
	if (!scan)
		return;
	redis_dedicated_close(scan->conn);
	free(scan);
}
