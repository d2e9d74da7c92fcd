/* ghost_recheck.h - rm's check of MySQL, in batches of the ghosts rm -r removes next. */
#ifndef REDISFS_GHOST_RECHECK_H
#define REDISFS_GHOST_RECHECK_H

#include <stddef.h>

#include "ghosts.h"

/* How old a check may be when its member is removed (SPEC 6: 100 ms, less the removal). */
#define GHOST_RECHECK_AGE 0.09

/*
 * Whether member `i` of queue `q` (of a detection the caller holds a
 * reference to) has a row, by a check of MySQL at most GHOST_RECHECK_AGE
 * seconds old on return: 0 (no row: still a ghost), 1 (a row) or -EIO.
 * A check that is needed covers the members after `i` that are not gone
 * too, in the listing's order, which is the order rm -r removes them in:
 * their removals within GHOST_RECHECK_AGE need no check of their own.
 * The check uses `column`, the rule's current one (ghosts_current_column):
 * an ID it cannot hold (the table was altered since the detection) counts as
 * having a row (SPEC 6).
 */
int ghost_recheck(struct ghosts *g, size_t rule, const struct mysql_column *column,
		  struct ghost_queue *q, size_t i);

#endif
