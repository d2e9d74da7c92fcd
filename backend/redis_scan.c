/* redis_scan.c - a SCAN walk taken one call at a time, so that keys can be used as they come. */
#include "redis_scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_command.h"
#include "redis_walk.h"

#define SCAN_COUNT "1000" /* keys per SCAN: ~1 ms of server time, few round trips */

struct redis_scan {
	struct redis_pool *pool;
	int db;
	char cursor[24]; /* "0" before the first call; "0" again after the last */
	bool started;
	struct redis_walk_bound bound; /* a cursor that never comes back to 0 gives EIO */
	size_t pattern_len;
	char *pattern; /* NULL: every key */
};

int redis_scan_open(struct redis_pool *pool, int db, const char *pattern, size_t pattern_len,
		    struct redis_scan **out)
{
	struct redis_scan *scan = calloc(1, sizeof *scan);

	*out = NULL;
	if (!scan)
		return -ENOMEM;
	scan->pool = pool;
	scan->db = db;
	strcpy(scan->cursor, "0");
	if (pattern) {
		scan->pattern = malloc(pattern_len ? pattern_len : 1);
		if (!scan->pattern) {
			free(scan);
			return -ENOMEM;
		}
		memcpy(scan->pattern, pattern, pattern_len);
		scan->pattern_len = pattern_len;
	}
	*out = scan;
	return 0;
}

struct scan_reply {
	char *cursor; /* 24 bytes */
	struct rv_array *keys;
};

/* [cursor, [key, ...]]: the keys are appended, the cursor kept for the next call. */
static int parse_scan_reply(const redisReply *reply, void *arg)
{
	struct scan_reply *out = arg;
	const redisReply *cursor, *items;
	char *end;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
		return -EIO;
	cursor = reply->element[0];
	items = reply->element[1];
	if (cursor->type != REDIS_REPLY_STRING || cursor->len == 0 || cursor->len > 20 ||
	    items->type != REDIS_REPLY_ARRAY)
		return -EIO;
	errno = 0;
	(void) strtoull(cursor->str, &end, 10);
	if (errno || end != cursor->str + cursor->len)
		return -EIO; /* a cursor is an unsigned decimal: anything else is no reply of SCAN
			      */
	for (size_t i = 0; i < items->elements; i++) {
		const redisReply *k = items->element[i];

		if (k->type != REDIS_REPLY_STRING)
			return -EIO;
		if (rv_array_push(out->keys, k->str, k->len))
			return -ENOMEM;
	}
	memcpy(out->cursor, cursor->str, cursor->len);
	out->cursor[cursor->len] = '\0';
	return 0;
}

int redis_scan_next(struct redis_scan *scan, struct rv_array *keys, bool *done)
{
	const char *argv[6] = {"SCAN", scan->cursor, "MATCH", scan->pattern, "COUNT", SCAN_COUNT};
	size_t argvlen[6] = {4, strlen(scan->cursor), 5, scan->pattern_len, 5, strlen(SCAN_COUNT)};
	char cursor[24];
	struct scan_reply out = {.cursor = cursor, .keys = keys};
	int ret;

	*done = false;
	if (scan->started && strcmp(scan->cursor, "0") == 0) {
		*done = true; /* the walk is over: nothing more to ask */
		return 0;
	}
	if (!scan->pattern) {
		argv[2] = argv[4];
		argvlen[2] = argvlen[4];
		argv[3] = argv[5];
		argvlen[3] = argvlen[5];
	}
	ret = redis_command(scan->pool, scan->db, scan->pattern ? 6 : 4, argv, argvlen,
			    parse_scan_reply, &out);
	if (ret)
		return ret;
	scan->started = true;
	strcpy(scan->cursor, cursor);
	*done = strcmp(cursor, "0") == 0;
	return *done ? 0 : redis_walk_bound_check(scan->pool, scan->db, &scan->bound);
}

static int parse_size(const redisReply *reply, void *arg)
{
	if (reply->type != REDIS_REPLY_INTEGER || reply->integer < 0)
		return -EIO;
	*(size_t *) arg = (size_t) reply->integer;
	return 0;
}

int redis_database_size(struct redis_pool *pool, int db, size_t *keys)
{
	const char *argv[] = {"DBSIZE"};
	size_t argvlen[] = {6};

	return redis_command(pool, db, 1, argv, argvlen, parse_size, keys);
}

void redis_scan_close(struct redis_scan *scan)
{
	if (!scan)
		return;
	free(scan->pattern);
	free(scan);
}
