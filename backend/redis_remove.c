/* redis_remove.c - the commands that remove keys and members, in bounded rounds. */
#include "redis_remove.h"

#include <errno.h>
#include <stdlib.h>

#include "redis_reply.h"
#include "redis_send.h"

int redis_unlink(struct redis_pool *pool, int db, const char *key, size_t klen)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	redis_cmd_start_key(&cmd, "UNLINK", key, klen);
	ret = redis_command(pool, db, &cmd, reply_integer, &n);
	return ret ? ret : (n > 0 ? 0 : -ENOENT);
}

/* The command that removes one member of a collection of this type. */
static int member_command(enum rv_type type, const char *key, size_t klen, const char *member,
			  size_t mlen, struct redis_cmd *cmd)
{
	static const char *const names[] = {
		[RV_LIST] = "LREM", [RV_SET] = "SREM", [RV_ZSET] = "ZREM", [RV_HASH] = "HDEL"};

	if (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH)
		return -EINVAL;
	redis_cmd_start_key(cmd, names[type], key, klen);
	if (type == RV_LIST) /* count 0: every occurrence, so a twice-queued ghost goes at once */
		redis_cmd_int(cmd, 0);
	redis_cmd_arg(cmd, member, mlen);
	return 0;
}

int redis_remove_member(struct redis_pool *pool, int db, const char *key, size_t klen,
			enum rv_type type, const char *member, size_t mlen)
{
	struct redis_cmd cmd;
	long long n = 0;
	int ret;

	ret = member_command(type, key, klen, member, mlen, &cmd);
	if (!ret)
		ret = redis_command(pool, db, &cmd, reply_integer, &n);
	return ret ? ret : (n > 0 ? 0 : -ENOENT);
}

#define REMOVE_ROUND 1000 /* commands per pipeline round: bounded memory and reply size */

int redis_remove_members(struct redis_pool *pool, int db, const char *key, size_t klen,
			 enum rv_type type, const struct rv_array *members)
{
	struct redis_cmd *cmds = calloc(REMOVE_ROUND, sizeof *cmds);
	size_t len;
	int ret = 0;

	if (!cmds)
		return -ENOMEM;
	for (size_t at = 0; !ret && at < members->count; at += REMOVE_ROUND) {
		size_t n = members->count - at < REMOVE_ROUND ? members->count - at : REMOVE_ROUND;

		for (size_t i = 0; !ret && i < n; i++) {
			const char *m = rv_array_get(members, at + i, &len);

			ret = member_command(type, key, klen, m, len, &cmds[i]);
		}
		if (!ret)
			ret = redis_pipeline(pool, db, cmds, n, NULL, NULL);
	}
	free(cmds);
	return ret;
}

#define UNLINK_ROUND 1000 /* keys per UNLINK: bounded argv, one round trip per thousand */

/*
 * A cluster refuses UNLINK of keys of several slots (CROSSSLOT): one UNLINK
 * per key instead, a thousand per pipeline, which the routing splits by node.
 */
static int unlink_each(struct redis_pool *pool, int db, const struct rv_array *keys)
{
	struct redis_cmd *cmds = calloc(UNLINK_ROUND, sizeof *cmds);
	int ret = 0;

	if (!cmds)
		return -ENOMEM;
	for (size_t at = 0; !ret && at < keys->count; at += UNLINK_ROUND) {
		size_t n = keys->count - at < UNLINK_ROUND ? keys->count - at : UNLINK_ROUND;

		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *key = rv_array_get(keys, at + i, &len);

			redis_cmd_start_key(&cmds[i], "UNLINK", key, len);
		}
		ret = redis_pipeline(pool, db, cmds, n, NULL, NULL);
	}
	free(cmds);
	return ret;
}

int redis_unlink_many(struct redis_pool *pool, int db, const struct rv_array *keys)
{
	const char **argv = malloc((UNLINK_ROUND + 1) * sizeof *argv);
	size_t *argvlen = malloc((UNLINK_ROUND + 1) * sizeof *argvlen);
	int ret = 0;

	if (!argv || !argvlen) {
		ret = -ENOMEM;
		goto out;
	}
	if (redis_pool_is_cluster(pool)) {
		ret = unlink_each(pool, db, keys);
		goto out;
	}
	for (size_t at = 0; !ret && at < keys->count; at += UNLINK_ROUND) {
		size_t n = keys->count - at < UNLINK_ROUND ? keys->count - at : UNLINK_ROUND;
		struct redis_cmd cmd;

		redis_cmd_start_many(&cmd, "UNLINK", argv, argvlen, UNLINK_ROUND + 1);
		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *key = rv_array_get(keys, at + i, &len);

			redis_cmd_arg(&cmd, key, len);
		}
		ret = redis_pipeline(pool, db, &cmd, 1, NULL, NULL);
	}
out:
	free(argv);
	free(argvlen);
	return ret;
}
