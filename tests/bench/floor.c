/* floor.c - what the benchmark floors share: one database's connection, replies, a clock. */
#include "floor.h"

#include <stdio.h>
#include <stdlib.h>

redisReply *floor_reply(const char *prog, redisContext *c, const char *what, redisReply *r)
{
	if (!r) {
		fprintf(stderr, "%s: %s: %s\n", prog, what, c->errstr);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "%s: %s: %.*s\n", prog, what, (int) r->len, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

redisContext *floor_connect(const char *prog, const char *host, const char *port, const char *db)
{
	redisContext *c = redisConnect(host, atoi(port));
	redisReply *r;

	if (!c || c->err) {
		fprintf(stderr, "%s: cannot connect to %s:%s: %s\n", prog, host, port,
			c ? c->errstr : "out of memory");
		redisFree(c); /* NULL is fine */
		return NULL;
	}
	r = floor_reply(prog, c, "SELECT", redisCommand(c, "SELECT %s", db));
	if (!r) {
		redisFree(c);
		return NULL;
	}
	freeReplyObject(r);
	return c;
}

double floor_seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}
