/* ns_marks.h - namespace folders an rm -r is emptying: still there for its rmdir (SPEC 8). */
#ifndef REDISFS_NS_MARKS_H
#define REDISFS_NS_MARKS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "db_key_table.h"

/*
 * A namespace folder exists while some key has its prefix; rm -r unlinks a
 * folder's files and then rmdirs it, so a folder whose last key the mount
 * removed is marked live for cache_timeout (every removal inside renews the
 * mark). Marks are keyed by the folder's path below its database folder
 * ("user:/1:"), not by its prefix: a shortened name whose keys are gone
 * cannot be resolved any more. At most NS_MARKS_MAX are kept (past it the
 * table starts over: a mark only ever allows an answer Redis gave a moment
 * ago). A timeout of 0 keeps none, as the kernel keeps no entry then either.
 */
#define NS_MARKS_MAX 4096

struct ns_marks {
	pthread_mutex_t lock;
	struct db_key_table table; /* no payload: a mark is its key and its time */
	double timeout;		   /* seconds a mark lives: cache_timeout */
};

/* 0 or -ENOMEM. */
int ns_marks_init(struct ns_marks *m, double timeout);
void ns_marks_free(struct ns_marks *m);

/* Mark the folder at (rel, len) of database `db` live from now on for the timeout. */
void ns_marks_put(struct ns_marks *m, int db, const char *rel, size_t len);

/* Whether the folder at (rel, len) of `db` was marked within the timeout. */
bool ns_marks_has(struct ns_marks *m, int db, const char *rel, size_t len);

#endif
