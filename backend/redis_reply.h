/* redis_reply.h - turn hiredis replies into numbers and rv.h containers (backend-internal). */
#ifndef REDISFS_REDIS_REPLY_H
#define REDISFS_REDIS_REPLY_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "rv.h"

/* Turns a successful (non-error) reply into the caller's data: 0 or -errno. */
typedef int (*redis_parse_fn)(const redisReply *reply, void *arg);

/* Turns reply `index` of a pipeline into the caller's data: 0 or -errno. */
typedef int (*redis_parse_each_fn)(const redisReply *reply, void *arg, size_t index);

/*
 * An integer reply into *(long long *) arg, as a redis_parse_fn: nil (a
 * missing key for MEMORY USAGE) is -ENOENT, any other reply -EIO.
 */
int reply_integer(const redisReply *reply, void *arg);

/*
 * A page of a cursor walk (SCAN, SSCAN, HSCAN): [cursor, [item, ...]]. The
 * items are appended to `out`, the cursor (an unsigned decimal) copied to
 * cursor[0 .. cursor_size). -EIO for a reply of another shape, -ENOMEM.
 */
int reply_scan_page(const redisReply *reply, char *cursor, size_t cursor_size,
		    struct rv_array *out);

/*
 * Append every bulk string of an array reply to `out`; *count (may be NULL)
 * gets how many. -EIO for a reply of another shape, -ENOMEM.
 */
int reply_push_strings(const redisReply *reply, struct rv_array *out, size_t *count);

/*
 * Append the entries of an XRANGE reply ([[id, [field, value, ...]], ...])
 * to a stream value; the last entry's id is copied to `last_id` (NUL-ended)
 * so that the next chunk can start after it. -EIO, -ENOMEM.
 */
int reply_push_stream(const redisReply *reply, struct rv_value *v, char *last_id,
		      size_t last_id_size);

#endif
