/* ghost_sample.h - at start, what each ghost rule would skip, from a sample of its queues (SPEC 6).
 */
#ifndef REDISFS_GHOST_SAMPLE_H
#define REDISFS_GHOST_SAMPLE_H

#include "../backend/rv.h"
#include "ghosts.h"

#define GHOST_SAMPLE_QUEUES  3	  /* queues looked at per rule */
#define GHOST_SAMPLE_MEMBERS 1000 /* members looked at per rule, over those queues */

/*
 * For each rule, look at the first members of its first queues and append
 * to `lines` (NUL-terminated) one line for a rule that would skip some
 * (how many of how many, why, one example, the fix) or whose keys pattern
 * matches no key, or whose sample failed. Each line is also written to
 * stderr. Nothing here stops the mount; MySQL is not asked.
 */
void ghost_sample_all(struct ghosts *g, struct rv_array *lines);

#endif
