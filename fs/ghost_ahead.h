/* ghost_ahead.h - the next batch of rm's MySQL checks, asked on a thread of its own. */
#ifndef REDISFS_GHOST_AHEAD_H
#define REDISFS_GHOST_AHEAD_H

#include <stddef.h>

#include "ghosts.h"

/* Drops a reference to a detection (the caller's snapshot_put). */
typedef void (*ghost_snapshot_put_fn)(struct ghosts *g, struct ghost_snapshot *snap);

/*
 * Ask MySQL, on the ahead thread (started on first use: after the daemon
 * forked), about the batch of queue `q` of detection `snap` from member
 * `from` on (ghost_recheck_ahead), so that the rms of rm -r that reach it
 * find their answers ready. The job takes a reference to `snap` (given back
 * through `put`); a job not started yet is replaced by a newer one. Best
 * effort: an rm whose answer is missing or too old asks MySQL itself.
 */
void ghost_ahead_ask(struct ghosts *g, struct ghost_snapshot *snap, size_t rule,
		     const struct mysql_column *column, struct ghost_queue *q, size_t from,
		     ghost_snapshot_put_fn put);

/* End the ahead thread, if one started, once its batch is answered; drop its jobs. */
void ghost_ahead_stop(struct ghosts *g);

#endif
