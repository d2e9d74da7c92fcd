/* redis_scan_reply.h - SCAN replies read by hiredis straight into an rv_array (backend-internal).
 */
#ifndef REDISFS_REDIS_SCAN_REPLY_H
#define REDISFS_REDIS_SCAN_REPLY_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "rv.h"

#define SCAN_CURSOR_SIZE 24 /* an unsigned 64-bit decimal and its NUL */

/*
 * Where a context's SCAN replies go. hiredis makes a reply object for every
 * key it reads (two allocations each, and as many frees): a walk over a
 * million keys spent a quarter of the daemon's time there. With a sink, the
 * reader appends each key to `keys` as it parses it and keeps the cursor;
 * redisGetReply() then gives a stand-in array reply (scan_sink_is_reply())
 * instead of an object. Every other reply (an error, LOADING) is hiredis's
 * own object, as before.
 */
struct scan_sink {
	struct rv_array *keys; /* where the keys go: set before each read */
	size_t mark;	       /* keys->count before the read: a reply read again starts there */
	char cursor[SCAN_CURSOR_SIZE];
	bool has_cursor, has_keys;
	bool malformed; /* not [cursor, [key, ...]]: the reply is read to its end all the same */
	const redisReplyObjectFunctions *inner; /* the context's functions, for other replies */
};

/* Read the replies of `reader` with `sink` from now on (the sink must outlive the reader). */
void scan_sink_attach(redisReader *reader, struct scan_sink *sink);

/* Whether `reply` is the stand-in of a SCAN reply read into a sink. */
bool scan_sink_is_reply(const redisReply *reply);

/*
 * After the stand-in came back: 0 with the cursor and keys in the sink, or
 * -EIO when the reply was not [cursor, [key, ...]] with a decimal cursor.
 */
int scan_sink_check(const struct scan_sink *sink);

/* Free a reply of a context with a sink; the stand-in is nothing to free. NULL is fine. */
void scan_sink_free_reply(redisReply *reply);

#endif
