/* redis_cmd.c - one way to build a Redis command: arguments added, lengths counted, bounded. */
#include "redis_cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Empty the command: arguments from now on go to argv/argvlen (NULL: inline), `room` of them. */
static void reset(struct redis_cmd *c, const char **argv, size_t *argvlen, size_t room)
{
	c->argc = 0;
	c->err = 0;
	c->room = room > INT_MAX ? INT_MAX : (int) room;
	c->numbers = 0;
	c->many = argv;
	c->manylen = argvlen;
}

void redis_cmd_start(struct redis_cmd *c, const char *name)
{
	reset(c, NULL, NULL, REDIS_MAX_ARGS);
	redis_cmd_str(c, name);
}

void redis_cmd_start_many(struct redis_cmd *c, const char *name, const char **argv, size_t *argvlen,
			  size_t room)
{
	reset(c, argv, argvlen, room);
	redis_cmd_str(c, name);
}

void redis_cmd_start_key(struct redis_cmd *c, const char *name, const char *key, size_t klen)
{
	redis_cmd_start(c, name);
	redis_cmd_arg(c, key, klen);
}

void redis_cmd_arg(struct redis_cmd *c, const char *p, size_t len)
{
	if (c->err)
		return;
	if (c->argc >= c->room) {
		c->err = -E2BIG; /* the send refuses it: a command cut short could do harm */
		return;
	}
	if (c->many) {
		c->many[c->argc] = p ? p : "";
		c->manylen[c->argc++] = len;
	} else {
		c->argv[c->argc] = p ? p : "";
		c->argvlen[c->argc++] = len;
	}
}

void redis_cmd_str(struct redis_cmd *c, const char *s)
{
	redis_cmd_arg(c, s, strlen(s));
}

void redis_cmd_int(struct redis_cmd *c, long long n)
{
	char *text;
	int len;

	if (c->err)
		return;
	if (c->numbers >= REDIS_CMD_NUMBERS) {
		c->err = -E2BIG;
		return;
	}
	text = c->number[c->numbers++];
	len = snprintf(text, REDIS_CMD_NUMBER_SZ, "%lld", n);
	redis_cmd_arg(c, text, (size_t) len);
}
