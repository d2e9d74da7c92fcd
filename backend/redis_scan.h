/* redis_scan.h - a SCAN walk with one call always in flight, on a connection of its own. */
#ifndef REDISFS_REDIS_SCAN_H
#define REDISFS_REDIS_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_conn.h"
#include "rv.h"

/*
 * A walk over every key of one database of a single server (not a
 * cluster), SCAN COUNT 1000 at a time, taken one batch per call so that
 * keys can be used as they come. The first SCAN goes out on the calling
 * thread's connection of the pool: a folder that one call covers needs no
 * connection of its own. When there is more, the walk makes a connection of
 * its own (redis_dedicated.h) and keeps exactly one SCAN in flight on it:
 * as soon as a reply's cursor is known, the next SCAN is sent, before that
 * reply's keys are handed back, so that the server computes the next batch
 * while the caller (and the kernel) deal with this one. Calls may come from
 * any thread, one at a time.
 *
 * Every key that exists for the whole walk comes at least once; SCAN may
 * give a key twice (while the server rehashes), so the caller drops repeats.
 */
struct redis_scan;

/*
 * Begin a walk of database `db` (nothing is sent yet). 0, -ENOMEM, or
 * -EOPNOTSUPP for a cluster's pool; free it with redis_scan_close().
 */
int redis_scan_open(struct redis_pool *pool, int db, struct redis_scan **out);

/*
 * The next batch: its keys are appended to `keys`, and *done says whether it
 * was the last (the walk's connection is then closed). 0 or -errno
 * (redis_keys.h's errors; -EIO also for a cursor that never comes back to 0,
 * see redis_walk.h, and for a timeout, never retried). After an error the
 * walk cannot go on (every later call fails), and what it gave so far must
 * not be shown as complete.
 */
int redis_scan_next(struct redis_scan *scan, struct rv_array *keys, bool *done);

/*
 * Whether redis_scan_next() would return without waiting for the server:
 * the walk is over or failed, or the reply of the SCAN in flight has begun
 * to come. Never blocks; false also before the first call (it asks then).
 */
bool redis_scan_ready(const struct redis_scan *scan);

/* DBSIZE of database `db`: how many keys a walk over all of it will give, about. 0 or -errno. */
int redis_database_size(struct redis_pool *pool, int db, size_t *keys);

/* Free the walk and close its connection (a SCAN in flight is dropped). NULL is fine. */
void redis_scan_close(struct redis_scan *scan);

#endif
