/* redis_keys.c - the commands that read one key: its type, length, bytes and members. */
#include "redis_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_send.h"
#include "redis_reply.h"
#include "redis_walk.h"

#define RANGE_CHUNK 4096  /* elements per LRANGE/ZRANGE/XRANGE: bounded replies */
#define WHOLE_LIMIT 10000 /* sets and hashes up to this size come in one atomic reply */

/* A page of SSCAN or HSCAN: [cursor, [item, ...]]; the items are appended, the cursor kept. */
struct scan_page {
	char cursor[24];
	struct rv_array *out;
};

static int parse_page(const redisReply *reply, void *arg)
{
	struct scan_page *st = arg;

	return reply_scan_page(reply, st->cursor, sizeof st->cursor, st->out);
}

static int parse_type(const redisReply *reply, void *arg)
{
	if (reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING)
		return -EIO;
	*(enum rv_type *) arg = rv_type_parse(reply->str, reply->len);
	return 0;
}

int redis_key_type(struct redis_pool *pool, int db, const char *key, size_t klen,
		   enum rv_type *type)
{
	struct redis_cmd cmd;

	redis_cmd_start_key(&cmd, "TYPE", key, klen);
	return redis_command(pool, db, &cmd, parse_type, type);
}

int redis_string_length(struct redis_pool *pool, int db, const char *key, size_t klen, size_t *len)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	redis_cmd_start_key(&cmd, "STRLEN", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	if (!ret && n < 0)
		ret = -EIO;
	if (!ret)
		*len = (size_t) n;
	return ret;
}

struct range_dest {
	char *buf;
	size_t room;
	size_t got;
};

static int parse_range(const redisReply *reply, void *arg)
{
	struct range_dest *d = arg;

	if (reply->type != REDIS_REPLY_STRING)
		return -EIO;
	d->got = reply->len < d->room ? reply->len : d->room;
	memcpy(d->buf, reply->str, d->got);
	return 0;
}

int redis_string_range(struct redis_pool *pool, int db, const char *key, size_t klen, off_t off,
		       size_t size, char *buf, size_t *got)
{
	struct range_dest d = {buf, size, 0};
	struct redis_cmd cmd;
	int ret;

	*got = 0;
	if (size == 0 || off < 0)
		return off < 0 ? -EINVAL : 0;
	redis_cmd_start_key(&cmd, "GETRANGE", key, klen);
	redis_cmd_int(&cmd, (long long) off);
	redis_cmd_int(&cmd, (long long) off + (long long) size - 1);
	ret = redis_command(pool, db, &cmd, parse_range, &d);
	if (!ret)
		*got = d.got;
	return ret;
}

struct chunk_state {
	struct rv_value *v;
	size_t received; /* replies' element count */
	char last_id[64];
};

static int parse_chunk(const redisReply *reply, void *arg)
{
	struct chunk_state *st = arg;

	return reply_push_strings(reply, &st->v->items, &st->received);
}

static int parse_whole_string(const redisReply *reply, void *arg)
{
	struct chunk_state *st = arg;

	if (reply->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (reply->type != REDIS_REPLY_STRING)
		return -EIO;
	return rv_array_push(&st->v->items, reply->str, reply->len) ? -ENOMEM : 0;
}

/* LRANGE or ZRANGE WITHSCORES in chunks of RANGE_CHUNK, by index. */
static int fetch_ranges(struct redis_pool *pool, int db, const char *key, size_t klen, bool zset,
			struct chunk_state *st)
{
	struct redis_cmd cmd;
	long long at = 0;
	int ret;

	for (;;) {
		redis_cmd_start_key(&cmd, zset ? "ZRANGE" : "LRANGE", key, klen);
		redis_cmd_int(&cmd, at);
		redis_cmd_int(&cmd, at + RANGE_CHUNK - 1);
		if (zset)
			redis_cmd_str(&cmd, "WITHSCORES");
		ret = redis_command(pool, db, &cmd, parse_chunk, st);
		if (ret)
			return ret;
		if (st->received < (size_t) RANGE_CHUNK * (zset ? 2 : 1))
			return 0;
		at += RANGE_CHUNK;
	}
}

/* SSCAN/HSCAN a big set or hash; members may repeat and are made unique after. */
static int fetch_scan(struct redis_pool *pool, int db, const char *key, size_t klen,
		      const char *command, struct rv_array *out)
{
	struct scan_page st = {.cursor = "0", .out = out};
	struct redis_walk_bound bound = {.size_command =
						 strcmp(command, "HSCAN") ? "SCARD" : "HLEN",
					 .key = key,
					 .klen = klen};
	struct redis_cmd cmd;
	int ret;

	do {
		redis_cmd_start_key(&cmd, command, key, klen);
		redis_cmd_str(&cmd, st.cursor);
		redis_cmd_str(&cmd, "COUNT");
		redis_cmd_int(&cmd, SCAN_COUNT);
		ret = redis_command(pool, db, &cmd, parse_page, &st);
	} while (!ret && strcmp(st.cursor, "0") != 0 &&
		 !(ret = redis_walk_bound_check(pool, db, &bound)));
	return ret;
}

struct pair {
	const char *field, *value;
	size_t flen, vlen;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	size_t n = a->flen < b->flen ? a->flen : b->flen;
	int c = n ? memcmp(a->field, b->field, n) : 0;

	return c ? c : (a->flen > b->flen) - (a->flen < b->flen);
}

/* HSCAN may return a field twice: keep one of each, in field order. */
static int unique_pairs(struct rv_array *items)
{
	size_t n = items->count / 2;
	struct rv_array out = {0};
	struct pair *pairs;
	int ret = 0;

	pairs = malloc((n ? n : 1) * sizeof *pairs);
	if (!pairs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		pairs[i].field = rv_array_get(items, 2 * i, &pairs[i].flen);
		pairs[i].value = rv_array_get(items, 2 * i + 1, &pairs[i].vlen);
	}
	qsort(pairs, n, sizeof *pairs, pair_cmp);
	for (size_t i = 0; i < n && !ret; i++) {
		if (i > 0 && pair_cmp(&pairs[i - 1], &pairs[i]) == 0)
			continue;
		if (rv_array_push(&out, pairs[i].field, pairs[i].flen) ||
		    rv_array_push(&out, pairs[i].value, pairs[i].vlen))
			ret = -ENOMEM;
	}
	free(pairs);
	if (ret) {
		rv_array_free(&out);
		return ret;
	}
	rv_array_free(items);
	*items = out;
	return 0;
}

/* Set or hash: one SMEMBERS/HGETALL when small, SSCAN/HSCAN made unique when big. */
static int fetch_unordered(struct redis_pool *pool, int db, const char *key, size_t klen, bool hash,
			   struct chunk_state *st)
{
	struct redis_cmd cmd;
	long long size = 0;
	int ret;

	redis_cmd_start_key(&cmd, hash ? "HLEN" : "SCARD", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &size);
	if (ret)
		return ret;
	if (size <= WHOLE_LIMIT) {
		redis_cmd_start_key(&cmd, hash ? "HGETALL" : "SMEMBERS", key, klen);
		return redis_command(pool, db, &cmd, parse_chunk, st);
	}
	ret = fetch_scan(pool, db, key, klen, hash ? "HSCAN" : "SSCAN", &st->v->items);
	if (ret)
		return ret;
	return hash ? unique_pairs(&st->v->items) : rv_array_sort_unique(&st->v->items);
}

/* XRANGE reply: [[id, [field, value, ...]], ...] */
static int parse_stream_chunk(const redisReply *reply, void *arg)
{
	struct chunk_state *st = arg;

	if (reply->type == REDIS_REPLY_ARRAY)
		st->received = reply->elements;
	return reply_push_stream(reply, st->v, st->last_id, sizeof st->last_id);
}

static int fetch_stream(struct redis_pool *pool, int db, const char *key, size_t klen,
			struct chunk_state *st)
{
	struct redis_cmd cmd;
	char start[72] = "-";
	int ret;

	for (;;) {
		redis_cmd_start_key(&cmd, "XRANGE", key, klen);
		redis_cmd_str(&cmd, start);
		redis_cmd_str(&cmd, "+");
		redis_cmd_str(&cmd, "COUNT");
		redis_cmd_int(&cmd, RANGE_CHUNK);
		ret = redis_command(pool, db, &cmd, parse_stream_chunk, st);
		if (ret || st->received < RANGE_CHUNK)
			return ret;
		snprintf(start, sizeof start, "(%s", st->last_id); /* exclusive: Redis >= 6.2 */
	}
}

int redis_fetch_value(struct redis_pool *pool, int db, const char *key, size_t klen,
		      enum rv_type type, struct rv_value *v)
{
	struct chunk_state st = {.v = v};
	struct redis_cmd cmd;

	v->type = type;
	switch (type) {
	case RV_STRING:
		redis_cmd_start_key(&cmd, "GET", key, klen);
		return redis_command(pool, db, &cmd, parse_whole_string, &st);
	case RV_LIST:
		return fetch_ranges(pool, db, key, klen, false, &st);
	case RV_ZSET:
		return fetch_ranges(pool, db, key, klen, true, &st);
	case RV_SET:
		return fetch_unordered(pool, db, key, klen, false, &st);
	case RV_HASH:
		return fetch_unordered(pool, db, key, klen, true, &st);
	case RV_STREAM:
		return fetch_stream(pool, db, key, klen, &st);
	case RV_NONE:
		return -ENOENT;
	case RV_OTHER:
		return 0;
	}
	return -EINVAL;
}

int redis_range_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			enum rv_type type, long long start, size_t count, struct rv_array *out,
			size_t *received)
{
	struct rv_value v = {.items = *out};
	struct chunk_state st = {.v = &v};
	struct redis_cmd cmd;
	int ret;

	if ((type != RV_LIST && type != RV_ZSET) || !count)
		return -EINVAL;
	redis_cmd_start_key(&cmd, type == RV_LIST ? "LRANGE" : "ZRANGE", key, klen);
	redis_cmd_int(&cmd, start);
	redis_cmd_int(&cmd, start + (long long) count - 1);
	ret = redis_command(pool, db, &cmd, parse_chunk, &st);
	*out = v.items; /* pushes may have moved the array */
	*received = st.received;
	return ret;
}

int redis_key_exists(struct redis_pool *pool, int db, const char *key, size_t klen, int *exists)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	redis_cmd_start_key(&cmd, "EXISTS", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	if (!ret)
		*exists = n > 0;
	return ret;
}

/* SISMEMBER and HEXISTS answer 0 or 1; LPOS an index or nil; ZSCORE a score or nil. */
static int parse_presence(const redisReply *reply, void *arg)
{
	int *has = arg;

	if (reply->type == REDIS_REPLY_NIL)
		*has = 0;
	else if (reply->type == REDIS_REPLY_INTEGER && *has == -1)
		*has = 1; /* LPOS: index 0 is the head, still present */
	else if (reply->type == REDIS_REPLY_INTEGER)
		*has = reply->integer != 0;
	else
		*has = 1;
	return 0;
}

int redis_has_member(struct redis_pool *pool, int db, const char *key, size_t klen,
		     enum rv_type type, const char *member, size_t mlen, int *has)
{
	static const char *const names[] = {[RV_LIST] = "LPOS",
					    [RV_SET] = "SISMEMBER",
					    [RV_ZSET] = "ZSCORE",
					    [RV_HASH] = "HEXISTS"};
	struct redis_cmd cmd;

	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH)
		return -EINVAL;
	*has = type == RV_LIST ? -1 : 0; /* tells parse_presence how to read an integer */
	redis_cmd_start_key(&cmd, names[type], key, klen);
	redis_cmd_arg(&cmd, member, mlen);
	return redis_command(pool, db, &cmd, parse_presence, has);
}
