/* redis_scan.h - a SCAN walk taken one call at a time, so that keys can be used as they come. */
#ifndef REDISFS_REDIS_SCAN_H
#define REDISFS_REDIS_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * A walk over the keys of one database with SCAN COUNT 1000 (and MATCH
 * `pattern` when one is given). It holds no connection: each call goes out on
 * the calling thread's one, so a walk begun on one thread may go on in another.
 * Every key that exists for the whole walk comes at least once; SCAN may give
 * a key twice (while the server rehashes), so the caller drops repeats.
 */
struct redis_scan;

/* Begin a walk (nothing is sent yet). 0 or -ENOMEM; free it with redis_scan_close(). */
int redis_scan_open(struct redis_pool *pool, int db, const char *pattern, size_t pattern_len,
		    struct redis_scan **out);

/*
 * One SCAN call: its keys are appended to `keys`, and *done says whether it
 * was the last. 0 or -errno (redis_keys.h's errors); after an error the walk
 * cannot go on, and what it gave so far must not be shown as complete.
 */
int redis_scan_next(struct redis_scan *scan, struct rv_array *keys, bool *done);

/* DBSIZE of database `db`: how many keys a walk over all of it will give, about. 0 or -errno. */
int redis_database_size(struct redis_pool *pool, int db, size_t *keys);

/* NULL is fine. */
void redis_scan_close(struct redis_scan *scan);

#endif
