/* scan_floor.c - benchmark floor for ls -f: count one database's keys with a SCAN COUNT 1000 loop.
 */

/*
 * Usage: scan_floor HOST PORT DB
 * Prints "KEYS keys in SECONDS s": the keys SCAN returned (duplicates counted,
 * as SCAN may give them) and the seconds the loop took, connecting not included.
 * Exit status 1, with one line on stderr, when a command fails.
 */
#include "floor.h"

#include <stdio.h>
#include <string.h>

#define SCAN_COUNT "1000" /* the loop the issue sets as the floor; ~1 ms of server time a call */

/* Walk the database once. Returns the number of keys, or -1 after printing why. */
static long long scan_all(redisContext *c)
{
	char cursor[32] = "0";
	long long keys = 0;

	do {
		redisReply *r = floor_reply("scan_floor", c, "SCAN",
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
	long long keys;

	if (argc != 4) {
		fprintf(stderr, "usage: scan_floor HOST PORT DB\n");
		return 1;
	}
	c = floor_connect("scan_floor", argv[1], argv[2], argv[3]);
	if (!c)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	keys = scan_all(c);
	if (keys >= 0)
		printf("%lld keys in %.3f s\n", keys, floor_seconds_since(&t0));
	redisFree(c);
	return keys >= 0 ? 0 : 1;
}
