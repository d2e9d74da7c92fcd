/* unlink_floor.c - benchmark bound for rm -r: UNLINK keys one at a time, as rm does. */

/*
 * Usage: unlink_floor HOST PORT DB PREFIX N
 * Sends UNLINK PREFIX0 .. PREFIX(N-1), each after the reply to the one before, and prints
 * "N keys removed in SECONDS s" (connecting not included). rm removes one file at a time and
 * unlink(2) waits for its answer, so a file system that answers ENOENT for a key already gone
 * pays this round trip once a file: the time of rm -r on the in-memory FUSE file system plus
 * this is the least an rm -r through redisfs can take. Exit status 1, with one line on
 * stderr, when a command fails or a key was not there.
 */
#include "floor.h"

#include <stdio.h>
#include <stdlib.h>

/* UNLINK of PREFIX0 .. PREFIX(n-1), each removing its key: 0, or -1 after printing why. */
static int unlink_each(redisContext *c, const char *prefix, long long n)
{
	for (long long i = 0; i < n; i++) {
		redisReply *r = floor_reply("unlink_floor", c, "UNLINK",
					    redisCommand(c, "UNLINK %s%lld", prefix, i));

		if (!r)
			return -1;
		if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
			fprintf(stderr, "unlink_floor: UNLINK %s%lld: not the reply 1\n", prefix,
				i);
			freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct timespec t0;
	redisContext *c;
	long long n;
	int ret;

	if (argc != 6 || (n = atoll(argv[5])) < 1) {
		fprintf(stderr, "usage: unlink_floor HOST PORT DB PREFIX N\n");
		return 1;
	}
	c = floor_connect("unlink_floor", argv[1], argv[2], argv[3]);
	if (!c)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = unlink_each(c, argv[4], n);
	if (!ret)
		printf("%lld keys removed in %.3f s\n", n, floor_seconds_since(&t0));
	redisFree(c);
	return ret ? 1 : 0;
}
