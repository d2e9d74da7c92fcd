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
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 0 when the reply is the integer `want`, else -1 after printing why; frees the reply. */
static int expect_integer(redisContext *c, const char *what, redisReply *r, long long want)
{
	int ret = -1;

	if (!r)
		fprintf(stderr, "unlink_floor: %s: %s\n", what, c->errstr);
	else if (r->type == REDIS_REPLY_ERROR)
		fprintf(stderr, "unlink_floor: %s: %.*s\n", what, (int) r->len, r->str);
	else if (r->type != REDIS_REPLY_INTEGER || r->integer != want)
		fprintf(stderr, "unlink_floor: %s: not the reply %lld\n", what, want);
	else
		ret = 0;
	freeReplyObject(r); /* NULL is fine */
	return ret;
}

int main(int argc, char *argv[])
{
	struct timespec t0;
	redisContext *c;
	redisReply *r;
	long long n;
	int ret = 1;

	if (argc != 6 || (n = atoll(argv[5])) < 1) {
		fprintf(stderr, "usage: unlink_floor HOST PORT DB PREFIX N\n");
		return 1;
	}
	c = redisConnect(argv[1], atoi(argv[2]));
	if (!c || c->err) {
		fprintf(stderr, "unlink_floor: cannot connect to %s:%s: %s\n", argv[1], argv[2],
			c ? c->errstr : "out of memory");
		goto out;
	}
	r = redisCommand(c, "SELECT %s", argv[3]);
	if (!r || r->type != REDIS_REPLY_STATUS) {
		fprintf(stderr, "unlink_floor: SELECT %s: %s\n", argv[3],
			r ? (r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply")
			  : c->errstr);
		freeReplyObject(r);
		goto out;
	}
	freeReplyObject(r);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long long i = 0; i < n; i++) {
		if (expect_integer(c, "UNLINK", redisCommand(c, "UNLINK %s%lld", argv[4], i), 1))
			goto out;
	}
	printf("%lld keys removed in %.3f s\n", n, seconds_since(&t0));
	ret = 0;
out:
	redisFree(c); /* NULL is fine */
	return ret;
}
