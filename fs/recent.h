/* recent.h - each database's recent listing: which keys a lookup fetches along with its own. */
#ifndef REDISFS_RECENT_H
#define REDISFS_RECENT_H

#include "listing.h"
#include "rfs.h"

/*
 * Seconds a listing keeps serving look-ahead after its last use: rm -r and
 * find look files up long after the readdir, once the kernel's entries from
 * readdirplus have expired (one round trip per 64 files instead of per file).
 */
#define RECENT_LOOKAHEAD_IDLE 10.0

/* Make a complete listing the recent one of its database (a reference is taken). */
void recent_remember(struct rfs *fs, struct listing *l);

/*
 * Let the recent listing of `db` go: a new listing of it is coming (a million
 * keys are not held twice), or its keys are gone (FLUSHDB).
 */
void recent_forget(struct rfs *fs, int db);

/*
 * The recent listing of database `db` (a reference: listing_put() it), or
 * NULL: while younger than cache_timeout, or used by a lookup in the last
 * RECENT_LOOKAHEAD_IDLE seconds. It only says which keys to fetch along with
 * a looked-up one; their attributes always come fresh from Redis, so its age
 * changes no answer.
 */
struct listing *recent_get(struct rfs *fs, int db);

/* Forget every recent listing (rfs teardown). */
void recent_forget_all(struct rfs *fs);

#endif
