/* ghost_keys.h - kind = keys rules (SPEC 6): keys whose own names carry an ID with no row. */
#ifndef REDISFS_GHOST_KEYS_H
#define REDISFS_GHOST_KEYS_H

#include <stddef.h>

#include "ghost_scan.h"
#include "ghosts.h"
#include "paths.h"

/*
 * A keys rule's detection is one queue, the empty key, whose members are the
 * names of the ghost keys: the queue rules' caching, listing, batched
 * re-check and removal bookkeeping then serve it as they are. Its folder
 * name (the file name of the empty key) is never shown: ghosts/RULE/KEY.
 */
#define GHOST_KEYS_QUEUE PATHS_KEYS_QUEUE

/*
 * Turn names read as ghosts/RULE/QUEUE (node_name) of a kind = keys
 * rule into PATH_GHOST_KEY (its key's file name in `member`); a deeper one
 * there does not exist (-ENOENT). Other paths stay as they are. 0 or -errno.
 */
int ghost_keys_refine(struct ghosts *g, struct fs_path *p);

/*
 * The names of the keys of `rule` (SCAN MATCH of its keys pattern on every
 * master) that are ghosts, sorted and unique, into `ghosts`: their IDs, by
 * the rule's id pattern, go through `filter` as a queue's members do. 0 or
 * -errno (nothing appended then).
 */
int ghost_keys_detect(struct ghosts *g, const struct ghost_rule *rule, ghost_filter_fn filter,
		      void *filter_arg, struct rv_array *ghosts);

/*
 * Resolve the key file `key_name` of keys rule `rule` (queue_name must be
 * GHOST_KEYS_QUEUE) by asking Redis and MySQL about it alone: a key that
 * exists, matches the keys pattern and the id pattern, and whose ID the
 * column can hold and has no row. `out` gets the empty key as its queue and
 * the key's name as its member. 0, -ENOENT, or -EIO.
 */
int ghost_keys_lookup(struct ghosts *g, size_t rule, const char *queue_name, const char *key_name,
		      struct ghost_ref *out);

/*
 * The names of up to `max` ghost keys of the rule's latest detection, from
 * `key` on (itself first when it is there) in the listing's order, which is
 * rm -r's, leaving out those removed since: what a stat looks up next.
 * Appended to `out`; 0 or -ENOMEM (none when there is no detection).
 */
int ghost_keys_next(struct ghosts *g, size_t rule, const char *key, size_t len, size_t max,
		    struct rv_array *out);

#endif
