/* redis_errors.c - what error replies mean: the one errno mapping, and what may be sent again. */
#include "redis_errors.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "redis_allow.h"
#include "redis_node.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int redis_errno(const struct redis_link *ctx, const redisReply *reply)
{
	if (!reply || (ctx && ctx->err))
		return EIO; /* lost, timed out or unparsable: the caller reconnects */
	if (reply->type == REDIS_REPLY_ERROR) {
		if (starts_with(reply->str, "READONLY"))
			return EROFS;
		if (starts_with(reply->str, "NOPERM") || starts_with(reply->str, "NOAUTH") ||
		    starts_with(reply->str, "WRONGPASS"))
			return EACCES;
		if (starts_with(reply->str, "OOM"))
			return ENOSPC;
		if (starts_with(reply->str, "BUSYKEY"))
			return EEXIST; /* RESTORE without REPLACE found the target */
	}
	return EIO;
}

bool redis_error_code_is(const redisReply *r, const char *code)
{
	size_t n = strlen(code);

	return r->type == REDIS_REPLY_ERROR && r->len >= n && strncmp(r->str, code, n) == 0 &&
	       (r->len == n || r->str[n] == ' ');
}

/*
 * LOADING (a restarted server reads its dataset) and BUSY (a script runs):
 * ask again later. In a cluster also TRYAGAIN (a multi-key command while its
 * slot migrates) and CLUSTERDOWN (a slot without a master during a failover).
 */
bool redis_reply_says_later(const redisReply *r)
{
	return r && (redis_error_code_is(r, "LOADING") || redis_error_code_is(r, "BUSY") ||
		     redis_error_code_is(r, "TRYAGAIN") || redis_error_code_is(r, "CLUSTERDOWN"));
}

static bool command_is(const struct redis_cmd *cmd, const char *name)
{
	return redis_cmd_argvlen(cmd)[0] == strlen(name) &&
	       strncasecmp(redis_cmd_argv(cmd)[0], name, strlen(name)) == 0;
}

long redis_later_index(const struct redis_cmd *cmds, redisReply *const *replies, size_t count)
{
	long later = -1;

	for (size_t i = 0; i < count; i++) {
		const redisReply *r = replies[i];

		if (redis_reply_says_later(r)) {
			if (later < 0)
				later = (long) i;
		} else if (!redis_error_code_is(r, "EXECABORT") &&
			   !(r->type == REDIS_REPLY_STATUS &&
			     (strcmp(r->str, "QUEUED") == 0 || command_is(&cmds[i], "MULTI")))) {
			return -1;
		}
	}
	return later;
}

bool redis_demoted(const struct redis_cmd *cmds, redisReply *const *replies, size_t count)
{
	bool readonly = false;

	for (size_t i = 0; i < count; i++) {
		const redisReply *r = replies[i];

		if (redis_error_code_is(r, "READONLY"))
			readonly = true;
		else if (!redis_command_only_reads(&cmds[i]) &&
			 !redis_error_code_is(r, "EXECABORT") &&
			 !(r->type == REDIS_REPLY_STATUS &&
			   (strcmp(r->str, "QUEUED") == 0 || command_is(&cmds[i], "MULTI"))))
			return false;
	}
	return readonly;
}
