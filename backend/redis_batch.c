/* redis_batch.c - what stat needs of many keys at once, in a few pipelined round trips. */
#include "redis_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redis_send.h"
#include "redis_keys.h"
#include "redis_reply.h"

/* One command per key: `name` (NULL: none for this key) and the key, plus fixed arguments. */
static int batch_commands(const struct redis_batch *b, const char *const *names,
			  const char *const *extra, int nextra, struct redis_cmd **out,
			  size_t **map, size_t *n)
{
	struct redis_cmd *cmds = calloc(b->count ? b->count : 1, sizeof *cmds);
	size_t *which = calloc(b->count ? b->count : 1, sizeof *which);

	if (!cmds || !which) {
		free(cmds);
		free(which);
		return -ENOMEM;
	}
	*n = 0;
	for (size_t i = 0; i < b->count; i++) {
		struct redis_cmd *c = &cmds[*n];

		if (!names[i])
			continue;
		redis_cmd_start(c, names[i]);
		redis_cmd_arg(c, b->keys[i], b->lens[i]);
		for (int e = 0; e < nextra && extra && extra[i * (size_t) nextra + (size_t) e]; e++)
			redis_cmd_str(c, extra[i * (size_t) nextra + (size_t) e]);
		which[(*n)++] = i;
	}
	*out = cmds;
	*map = which;
	return 0;
}

struct types_state {
	enum rv_type *types;
};

static int parse_type_each(const redisReply *reply, void *arg, size_t index)
{
	enum rv_type *types = arg;

	if (reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING)
		return -EIO;
	types[index] = rv_type_parse(reply->str, reply->len);
	return 0;
}

int redis_batch_types(struct redis_pool *pool, const struct redis_batch *b, enum rv_type *types)
{
	const char **names = malloc((b->count ? b->count : 1) * sizeof *names);
	struct redis_cmd *cmds = NULL;
	size_t *map = NULL, n = 0;
	int ret;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < b->count; i++)
		names[i] = "TYPE";
	ret = batch_commands(b, names, NULL, 0, &cmds, &map, &n);
	if (!ret)
		ret = redis_pipeline(pool, b->db, cmds, n, parse_type_each, types);
	free(names);
	free(cmds);
	free(map);
	return ret;
}

static const char *length_command(enum rv_type type)
{
	switch (type) {
	case RV_STRING:
		return "STRLEN";
	case RV_LIST:
		return "LLEN";
	case RV_SET:
		return "SCARD";
	case RV_ZSET:
		return "ZCARD";
	case RV_HASH:
		return "HLEN";
	case RV_STREAM:
		return "XLEN";
	default:
		return NULL;
	}
}

struct mapped {
	const size_t *map; /* pipeline index -> key index */
	void *out;
	const enum rv_type *types;
};

static int parse_length_each(const redisReply *reply, void *arg, size_t index)
{
	const struct mapped *m = arg;

	if (reply->type != REDIS_REPLY_INTEGER || reply->integer < 0)
		return -EIO;
	((size_t *) m->out)[m->map[index]] = (size_t) reply->integer;
	return 0;
}

int redis_batch_lengths(struct redis_pool *pool, const struct redis_batch *b,
			const enum rv_type *types, size_t *lengths)
{
	const char **names = malloc((b->count ? b->count : 1) * sizeof *names);
	struct redis_cmd *cmds = NULL;
	size_t *map = NULL, n = 0;
	int ret;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < b->count; i++) {
		names[i] = length_command(types[i]);
		lengths[i] = 0;
	}
	ret = batch_commands(b, names, NULL, 0, &cmds, &map, &n);
	if (!ret) {
		struct mapped m = {map, lengths, types};

		ret = redis_pipeline(pool, b->db, cmds, n, parse_length_each, &m);
	}
	free(names);
	free(cmds);
	free(map);
	return ret;
}

static int parse_value_each(const redisReply *reply, void *arg, size_t index)
{
	const struct mapped *m = arg;
	size_t i = m->map[index];
	struct rv_value *v = &((struct rv_value *) m->out)[i];
	char last_id[64];

	v->type = m->types[i];
	switch (v->type) {
	case RV_STRING:
		if (reply->type == REDIS_REPLY_NIL)
			return 0; /* gone meanwhile: an empty value */
		if (reply->type != REDIS_REPLY_STRING)
			return -EIO;
		return rv_array_push(&v->items, reply->str, reply->len) ? -ENOMEM : 0;
	case RV_STREAM:
		return reply_push_stream(reply, v, last_id, sizeof last_id);
	default:
		return reply_push_strings(reply, &v->items, NULL);
	}
}

/* The command that fetches a whole small value, and its fixed arguments. */
static const char *whole_command(enum rv_type type, const char **a1, const char **a2,
				 const char **a3)
{
	*a1 = *a2 = *a3 = NULL;
	switch (type) {
	case RV_STRING:
		return "GET";
	case RV_LIST:
		*a1 = "0";
		*a2 = "-1";
		return "LRANGE";
	case RV_SET:
		return "SMEMBERS";
	case RV_ZSET:
		*a1 = "0";
		*a2 = "-1";
		*a3 = "WITHSCORES";
		return "ZRANGE";
	case RV_HASH:
		return "HGETALL";
	case RV_STREAM:
		*a1 = "-";
		*a2 = "+";
		return "XRANGE";
	default:
		return NULL;
	}
}

int redis_batch_values(struct redis_pool *pool, const struct redis_batch *b,
		       const enum rv_type *types, const size_t *lengths, struct rv_value *values)
{
	size_t count = b->count ? b->count : 1, *map = NULL, n = 0;
	const char **names = malloc(count * sizeof *names);
	const char **extra = calloc(count * 3, sizeof *extra);
	struct redis_cmd *cmds = NULL;
	int ret = 0;

	if (!names || !extra) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < b->count; i++) {
		names[i] = whole_command(types[i], &extra[3 * i], &extra[3 * i + 1],
					 &extra[3 * i + 2]);
		if (names[i] && lengths[i] > REDIS_BATCH_WHOLE_LIMIT) {
			/* a big value comes alone, in chunks: no single huge reply */
			ret = redis_fetch_value(pool, b->db, b->keys[i], b->lens[i], types[i],
						&values[i]);
			if (ret == -ENOENT)
				ret = 0;
			if (ret)
				goto out;
			names[i] = NULL;
		}
	}
	ret = batch_commands(b, names, extra, 3, &cmds, &map, &n);
	if (!ret) {
		struct mapped m = {map, values, types};

		ret = redis_pipeline(pool, b->db, cmds, n, parse_value_each, &m);
	}
out:
	free(names);
	free(extra);
	free(cmds);
	free(map);
	return ret;
}
