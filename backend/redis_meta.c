/* redis_meta.c - the commands behind a key's extended attributes, with their reply parsing. */
#include "redis_meta.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "redis_send.h"
#include "redis_reply.h"

#define TTL_NONE    -1 /* TTL's answer for a key that does not expire */
#define TTL_MISSING -2 /* TTL's answer for a key that does not exist */

/* NAME SUB key (OBJECT ENCODING, MEMORY USAGE): the key goes as (pointer, length). */
static void subcommand_key(struct redis_cmd *cmd, const char *name, const char *sub,
			   const char *key, size_t klen)
{
	redis_cmd_start(cmd, name);
	redis_cmd_str(cmd, sub);
	redis_cmd_arg(cmd, key, klen);
}

/* A short word (status or bulk) into a REDIS_META_WORD_MAX buffer; nil is -ENOENT. */
static int parse_word(const redisReply *reply, void *arg)
{
	char *word = arg;

	if (reply->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_STRING)
		return -EIO;
	if (reply->len >= REDIS_META_WORD_MAX || memchr(reply->str, '\0', reply->len))
		return -EIO;
	memcpy(word, reply->str, reply->len);
	word[reply->len] = '\0';
	return 0;
}

int redis_meta_type(struct redis_pool *pool, int db, const char *key, size_t klen, char *word)
{
	struct redis_cmd cmd;
	int ret;

	redis_cmd_start_key(&cmd, "TYPE", key, klen);
	ret = redis_command(pool, db, &cmd, parse_word, word);
	if (!ret && strcmp(word, "none") == 0)
		ret = -ENOENT;
	return ret;
}

int redis_meta_ttl(struct redis_pool *pool, int db, const char *key, size_t klen,
		   long long *seconds)
{
	struct redis_cmd cmd;
	long long ttl = 0;
	int ret;

	redis_cmd_start_key(&cmd, "TTL", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &ttl);
	if (ret)
		return ret;
	if (ttl == TTL_MISSING)
		return -ENOENT;
	if (ttl < TTL_NONE)
		return -EIO;
	*seconds = ttl;
	return 0;
}

int redis_meta_expire(struct redis_pool *pool, int db, const char *key, size_t klen,
		      long long seconds)
{
	struct redis_cmd cmd;
	long long set = 0;
	int ret;

	if (seconds < 1)
		return -EINVAL;
	redis_cmd_start_key(&cmd, "EXPIRE", key, klen);
	redis_cmd_int(&cmd, seconds);
	ret = redis_command(pool, db, &cmd, reply_integer, &set);
	return ret ? ret : (set ? 0 : -ENOENT); /* without NX/XX/GT/LT, 0 means no such key */
}

/* Integer replies of a pipeline, one slot per command. */
static int parse_each_integer(const redisReply *reply, void *arg, size_t index)
{
	long long *out = arg;

	return reply_integer(reply, &out[index]);
}

/*
 * NAME key and EXISTS key in one round trip: PERSIST and the length
 * commands answer 0 both for "nothing to do" and for "no such key".
 */
static int with_exists(struct redis_pool *pool, int db, const char *name, const char *key,
		       size_t klen, long long *result)
{
	struct redis_cmd cmds[2];
	long long replies[2] = {0, 0};
	int ret;

	redis_cmd_start_key(&cmds[0], name, key, klen);
	redis_cmd_start_key(&cmds[1], "EXISTS", key, klen);
	ret = redis_pipeline(pool, db, cmds, 2, parse_each_integer, replies);
	if (ret)
		return ret;
	if (!replies[1])
		return -ENOENT;
	*result = replies[0];
	return 0;
}

int redis_meta_persist(struct redis_pool *pool, int db, const char *key, size_t klen)
{
	long long removed;

	return with_exists(pool, db, "PERSIST", key, klen, &removed);
}

int redis_meta_length(struct redis_pool *pool, int db, const char *key, size_t klen,
		      enum rv_type type, long long *length)
{
	static const char *const commands[] = {
		[RV_STRING] = "STRLEN", [RV_LIST] = "LLEN", [RV_SET] = "SCARD",
		[RV_ZSET] = "ZCARD",	[RV_HASH] = "HLEN", [RV_STREAM] = "XLEN",
	};

	if (type == RV_NONE)
		return -ENOENT;
	if (type < RV_STRING || type > RV_STREAM)
		return -ENODATA;
	return with_exists(pool, db, commands[type], key, klen, length);
}

int redis_meta_encoding(struct redis_pool *pool, int db, const char *key, size_t klen, char *word)
{
	struct redis_cmd cmd;

	subcommand_key(&cmd, "OBJECT", "ENCODING", key, klen);
	return redis_command(pool, db, &cmd, parse_word, word);
}

int redis_meta_memory(struct redis_pool *pool, int db, const char *key, size_t klen,
		      long long *bytes)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	subcommand_key(&cmd, "MEMORY", "USAGE", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	if (!ret && n < 0)
		ret = -EIO;
	if (!ret)
		*bytes = n;
	return ret;
}
