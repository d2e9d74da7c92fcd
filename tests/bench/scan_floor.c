/* scan_floor.c - benchmark floor for ls -f: count one database's keys with a SCAN COUNT 1000 loop. */

/*
 * Usage: scan_floor HOST PORT DB
 * Prints "KEYS keys in SECONDS s": the keys SCAN returned (duplicates counted,
 * as SCAN may give them) and the seconds the loop took, connecting not included.
 * Exit status 1, with one line on stderr, when a command fails.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCAN_COUNT "1000" /* the loop the issue sets as the floor; ~1 ms of server time a call */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The reply to a command, or NULL after printing why (an error reply is freed). */
static redisReply *command(redisContext *c, const char *what, redisReply *r)
{
	if (!r) {
		fprintf(stderr, "scan_floor: %s: %s\n", what, c->errstr);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "scan_floor: %s: %.*s\n", what, (int) r->len, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* Walk the database once. Returns the number of keys, or -1 after printing why. */
static long long scan_all(redisContext *c)
{
	char cursor[32] = "0";
	long long keys = 0;

	do {
		redisReply *r = command(c, "SCAN",
					redisCommand(c, "SCAN %s COUNT " SCAN_COUNT, cursor));

		if (!r)
			return -1;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof cursor ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			fprintf(stderr, "scan_floor: SCAN: unexpected reply\n");
			freeReplyObject(r);
			return -1;
		}
		memcpy(cursor, r->element[0]->str, r->element[0]->len);
		cursor[r->element[0]->len] = '\0';
		keys += (long long) r->element[1]->elements;
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return keys;
}

int main(int argc, char *argv[])
{
	struct timespec t0;
	redisContext *c;
	redisReply *r;
	long long keys;
	int ret = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: scan_floor HOST PORT DB\n");
		return 1;
	}
	c = redisConnect(argv[1], atoi(argv[2]));
	if (!c || c->err) {
		fprintf(stderr, "scan_floor: cannot connect to %s:%s: %s\n", argv[1], argv[2],
			c ? c->errstr : "out of memory");
		goto out;
	}
	r = command(c, "SELECT", redisCommand(c, "SELECT %s", argv[3]));
	if (!r)
		goto out;
	freeReplyObject(r);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	keys = scan_all(c);
	if (keys < 0)
		goto out;
	printf("%lld keys in %.3f s\n", keys, seconds_since(&t0));
	ret = 0;
out:
	redisFree(c); /* NULL is fine */
	return ret;
}
