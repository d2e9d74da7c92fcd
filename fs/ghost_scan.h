/* ghost_scan.h - one queue's ghosts: members read from Redis while MySQL checks earlier ones. */
#ifndef REDISFS_GHOST_SCAN_H
#define REDISFS_GHOST_SCAN_H

#include <stddef.h>

#include "ghosts.h"

/* Append to `ghosts` those of `members` that are ghosts; 0 or -errno. Called concurrently. */
typedef int (*ghost_filter_fn)(void *arg, const struct rv_array *members, struct rv_array *ghosts);

/*
 * The ghosts of queue `key` (a list, set, zset or hash) into `ghosts`,
 * sorted and unique. A list or zset is read in LRANGE/ZRANGE chunks (no
 * scores), a set or hash whole (hash: its fields); members go to `filter`
 * a chunk at a time on two threads, each with its own MySQL connection, so
 * that MySQL checks one chunk while the next is read. At most a few chunks
 * are held at once. Returns 0, or the first error (nothing is appended then).
 */
int ghost_scan_queue(struct ghosts *g, const struct ghost_rule *rule, const char *key, size_t klen,
		     enum rv_type type, ghost_filter_fn filter, void *filter_arg,
		     struct rv_array *ghosts);

/*
 * The ghosts among `names` (a keys rule's key names, say), as
 * ghost_scan_queue checks a queue's members: in chunks on two threads.
 */
int ghost_scan_names(struct ghosts *g, const struct ghost_rule *rule, const struct rv_array *names,
		     ghost_filter_fn filter, void *filter_arg, struct rv_array *ghosts);

#endif
