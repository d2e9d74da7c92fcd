/* redis_write.c - the commands that change keys: strings, whole collections, renames. */
#include "redis_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_route.h"
#include "redis_send.h"

#define WRITE_ROUND 1000 /* members per RPUSH/SADD/ZADD/HSET: bounded argv and reply work */

static int parse_pttl(const redisReply *reply, void *arg, size_t index)
{
	(void) index;
	if (reply->type != REDIS_REPLY_INTEGER)
		return -EIO;
	if (reply->integer == -2)
		return -ENOENT;
	*(long long *) arg = reply->integer;
	return 0;
}

int redis_pttl(struct redis_pool *pool, int db, const char *key, size_t klen, long long *pttl)
{
	struct redis_cmd cmd;

	redis_cmd_start_key(&cmd, "PTTL", key, klen);
	return redis_pipeline(pool, db, &cmd, 1, parse_pttl, pttl);
}

static int parse_created(const redisReply *reply, void *arg, size_t index)
{
	(void) index;
	*(int *) arg = reply->type != REDIS_REPLY_NIL; /* NX on an existing key: nil */
	return 0;
}

int redis_create_string(struct redis_pool *pool, int db, const char *key, size_t klen, int *created)
{
	struct redis_cmd cmd;

	redis_cmd_start_key(&cmd, "SET", key, klen);
	redis_cmd_arg(&cmd, "", 0);
	redis_cmd_str(&cmd, "NX");
	return redis_pipeline(pool, db, &cmd, 1, parse_created, created);
}

int redis_write_string(struct redis_pool *pool, int db, const char *key, size_t klen,
		       const char *value, size_t len)
{
	struct redis_cmd cmd;

	redis_cmd_start_key(&cmd, "SET", key, klen);
	redis_cmd_arg(&cmd, value, len);
	redis_cmd_str(&cmd, "KEEPTTL");
	return redis_pipeline(pool, db, &cmd, 1, NULL, NULL);
}

/*
 * The reply of a MULTI/EXEC pipeline: only EXEC's (the last) matters. A nil
 * EXEC (aborted) or an error inside it fails the whole change.
 */
struct exec_state {
	size_t last;
	long long first_integer; /* of the first command inside the transaction */
};

static int parse_exec(const redisReply *reply, void *arg, size_t index)
{
	struct exec_state *st = arg;

	if (index != st->last)
		return 0; /* +OK of MULTI, +QUEUED of each command */
	if (reply->type != REDIS_REPLY_ARRAY)
		return -EIO;
	for (size_t i = 0; i < reply->elements; i++) {
		if (reply->element[i]->type == REDIS_REPLY_ERROR)
			return -EIO;
	}
	if (reply->elements && reply->element[0]->type == REDIS_REPLY_INTEGER)
		st->first_integer = reply->element[0]->integer;
	return 0;
}

/* Run cmds[1 .. n-2] between MULTI (cmds[0]) and EXEC (cmds[n-1]). */
static int transaction(struct redis_pool *pool, int db, struct redis_cmd *cmds, size_t n,
		       long long *first_integer)
{
	struct exec_state st = {.last = n - 1, .first_integer = 0};
	int ret;

	redis_cmd_start(&cmds[0], "MULTI");
	redis_cmd_start(&cmds[n - 1], "EXEC");
	ret = redis_pipeline(pool, db, cmds, n, parse_exec, &st);
	if (first_integer)
		*first_integer = st.first_integer;
	return ret;
}

static const char *const add_commands[] = {
	[RV_LIST] = "RPUSH", [RV_SET] = "SADD", [RV_ZSET] = "ZADD", [RV_HASH] = "HSET"};

int redis_write_collection(struct redis_pool *pool, int db, const char *key, size_t klen,
			   const struct rv_value *v, long long pttl)
{
	size_t per = (v->type == RV_ZSET || v->type == RV_HASH) ? 2 : 1;
	size_t members = v->items.count / per, rounds = (members + WRITE_ROUND - 1) / WRITE_ROUND;
	size_t n = rounds + 4; /* MULTI, UNLINK, rounds, PEXPIRE, EXEC */
	const char **argv = NULL;
	size_t *argvlen = NULL, c = 1, at = 0;
	struct redis_cmd *cmds;
	int ret;

	if (v->type != RV_LIST && v->type != RV_SET && v->type != RV_ZSET && v->type != RV_HASH)
		return -EINVAL;
	cmds = calloc(n, sizeof *cmds);
	if (members) {
		argv = malloc((v->items.count + 2 * rounds) * sizeof *argv);
		argvlen = malloc((v->items.count + 2 * rounds) * sizeof *argvlen);
	}
	if (!cmds || (members && (!argv || !argvlen))) {
		ret = -ENOMEM;
		goto out;
	}
	redis_cmd_start_key(&cmds[c++], "UNLINK", key, klen);
	for (size_t r = 0; r < rounds; r++) {
		size_t first = r * WRITE_ROUND * per;
		size_t count = members - r * WRITE_ROUND;
		struct redis_cmd *add = &cmds[c++];

		if (count > WRITE_ROUND)
			count = WRITE_ROUND;
		/* this round's arguments: the name, the key and its members, in argv[at ..) */
		redis_cmd_start_many(add, add_commands[v->type], &argv[at], &argvlen[at],
				     2 + count * per);
		redis_cmd_arg(add, key, klen);
		for (size_t i = 0; i < count * per; i++) {
			size_t item = first + i, len;
			const char *p;

			/* ZADD takes score then member; rv.h holds member then score */
			if (v->type == RV_ZSET)
				item = first + (i ^ 1);
			p = rv_array_get(&v->items, item, &len);
			redis_cmd_arg(add, p, len);
		}
		at += (size_t) add->argc;
	}
	if (members && pttl > 0) {
		redis_cmd_start_key(&cmds[c++], "PEXPIRE", key, klen);
		redis_cmd_int(&cmds[c - 1], pttl);
	}
	ret = transaction(pool, db, cmds, c + 1, NULL);
out:
	free(cmds);
	free(argv);
	free(argvlen);
	return ret;
}

/* What DUMP and PTTL of a key said. */
struct dumped {
	char *payload; /* malloc'ed; NULL until DUMP answered */
	size_t len;
	long long pttl;
};

static int parse_dumped(const redisReply *reply, void *arg, size_t index)
{
	struct dumped *d = arg;

	if (index == 1)
		return reply->type == REDIS_REPLY_INTEGER ? (d->pttl = reply->integer, 0) : -EIO;
	if (reply->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (reply->type != REDIS_REPLY_STRING)
		return -EIO;
	d->payload = malloc(reply->len ? reply->len : 1);
	if (!d->payload)
		return -ENOMEM;
	memcpy(d->payload, reply->str, reply->len);
	d->len = reply->len;
	return 0;
}

/*
 * RENAME between two slots of a cluster, which RENAME refuses (CROSSSLOT):
 * DUMP and PTTL the source, RESTORE it under the new name on the target's
 * node (REPLACE unless `noreplace`) with the TTL it should keep, then UNLINK
 * the source. Not atomic: a failure between the two leaves both keys, never
 * neither (SPEC 9), and the type and TTL travel with the value.
 */
static int rename_across_slots(struct redis_pool *pool, int db, const char *from, size_t flen,
			       const char *to, size_t tlen, bool noreplace, long long pttl)
{
	struct dumped d = {NULL, 0, -1};
	struct redis_cmd cmds[2];
	int ret;

	redis_cmd_start_key(&cmds[0], "DUMP", from, flen);
	redis_cmd_start_key(&cmds[1], "PTTL", from, flen);
	ret = redis_pipeline(pool, db, cmds, 2, parse_dumped, &d);
	if (!ret && !d.payload)
		ret = -ENOENT;
	if (ret)
		goto out;
	/* the source's TTL, else (pttl) the one the target had; 0 is none for RESTORE */
	redis_cmd_start_key(&cmds[0], "RESTORE", to, tlen);
	redis_cmd_int(&cmds[0], d.pttl > 0 ? d.pttl : (pttl > 0 ? pttl : 0));
	redis_cmd_arg(&cmds[0], d.payload, d.len);
	if (!noreplace)
		redis_cmd_str(&cmds[0], "REPLACE");
	ret = redis_pipeline(pool, db, cmds, 1, NULL, NULL);
	if (!ret) {
		redis_cmd_start_key(&cmds[0], "UNLINK", from, flen);
		ret = redis_pipeline(pool, db, cmds, 1, NULL, NULL);
	}
out:
	free(d.payload);
	return ret;
}

int redis_rename(struct redis_pool *pool, int db, const char *from, size_t flen, const char *to,
		 size_t tlen, bool noreplace, long long pttl)
{
	struct redis_cmd cmds[4];
	long long renamed = 1;
	size_t n = 3;
	int ret;

	if (!redis_same_slot(pool, from, flen, to, tlen))
		return rename_across_slots(pool, db, from, flen, to, tlen, noreplace, pttl);
	redis_cmd_start_key(&cmds[1], noreplace ? "RENAMENX" : "RENAME", from, flen);
	redis_cmd_arg(&cmds[1], to, tlen);
	if (pttl > 0) {
		redis_cmd_start_key(&cmds[2], "PEXPIRE", to, tlen);
		redis_cmd_int(&cmds[2], pttl);
		n = 4;
	}
	ret = transaction(pool, db, cmds, n, noreplace ? &renamed : NULL);
	if (!ret && noreplace && renamed == 0)
		return -EEXIST;
	return ret;
}

int redis_move(struct redis_pool *pool, int db, const char *from, size_t flen, int to_db,
	       const char *to, size_t tlen, bool noreplace)
{
	struct redis_cmd cmds[4];
	long long copied = 0;
	int ret;

	redis_cmd_start_key(&cmds[1], "COPY", from, flen);
	redis_cmd_arg(&cmds[1], to, tlen);
	redis_cmd_str(&cmds[1], "DB");
	redis_cmd_int(&cmds[1], to_db);
	if (!noreplace)
		redis_cmd_str(&cmds[1], "REPLACE");
	/*
	 * Without REPLACE, a COPY that finds the target answers 0: the UNLINK
	 * after it in the same transaction must then not run, so check first
	 * (each transaction MULTI, its command, EXEC).
	 */
	if (noreplace) {
		ret = transaction(pool, db, cmds, 3, &copied);
		if (ret)
			return ret;
		if (!copied)
			return -EEXIST;
		redis_cmd_start_key(&cmds[1], "UNLINK", from, flen);
		return transaction(pool, db, cmds, 3, NULL);
	}
	redis_cmd_start_key(&cmds[2], "UNLINK", from, flen);
	ret = transaction(pool, db, cmds, 4, &copied);
	return ret ? ret : (copied ? 0 : -ENOENT);
}
