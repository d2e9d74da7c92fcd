/* redis_bound.h - a hiredis reader that refuses absurd array sizes (backend-internal). */
#ifndef REDISFS_REDIS_BOUND_H
#define REDISFS_REDIS_BOUND_H

#include <hiredis/hiredis.h>

/*
 * Make a reader fail ("Out of memory", so the call is EIO)
 * on a reply that announces more than 2^24 elements, instead of allocating
 * room for them, and keep up to 2 MiB of read buffer between replies.
 * Thread-safe; the replies are hiredis's own otherwise.
 */
void redis_bound_reader(redisReader *reader);

#endif
