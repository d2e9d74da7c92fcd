/* ghost_recheck.h - rm's check of MySQL, in batches of the ghosts rm -r removes next. */
#ifndef REDISFS_GHOST_RECHECK_H
#define REDISFS_GHOST_RECHECK_H

#include <stdbool.h>
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

/*
 * Whether a batch should be asked now, ahead, so that no rm waits for it,
 * after the rm of member `i`: the next batch when `i` is near the end of its
 * own, or the members after `i` again when its answer is half its allowed
 * age (an rm -r slower than a batch in GHOST_RECHECK_AGE), once in that
 * time. *from is where the batch starts.
 */
bool ghost_recheck_ahead_due(struct ghosts *g, struct ghost_queue *q, size_t i, size_t *from);

/*
 * Check the batch of members from `from` on, as ghost_recheck() would when
 * the rm of `from` came, and note its answers for those rms: each is used
 * only while at most GHOST_RECHECK_AGE old. 0 or -EIO (nothing noted).
 */
int ghost_recheck_ahead(struct ghosts *g, size_t rule, const struct mysql_column *column,
			struct ghost_queue *q, size_t from);

#endif
