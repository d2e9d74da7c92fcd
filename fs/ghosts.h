/* ghosts.h - find and remove queue members whose IDs have no row in MySQL (SPEC section 6). */
#ifndef REDISFS_GHOSTS_H
#define REDISFS_GHOSTS_H

#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../backend/mysql_client.h"
#include "../backend/redis_conn.h"
#include "../backend/rv.h"
#include "config.h"

/* One queue key with ghosts, as found by a detection. */
struct ghost_queue {
	char *key;
	size_t key_len;
	enum rv_type type;
	struct rv_array members; /* the ghost members (hash: fields), sorted, unique */
};

/* The ghosts of one rule at one moment; shared, counted, freed by the last user. */
struct ghost_snapshot {
	struct timespec taken; /* CLOCK_MONOTONIC */
	struct ghost_queue *queues;
	size_t count;
	unsigned refs; /* under ghosts.lock */
};

struct ghost_rule {
	const struct config_ghost_rule *cfg;
	bool has_pattern;
	regex_t pattern; /* cfg->member, compiled */
	struct ghost_snapshot *cached;
};

struct ghosts {
	struct redis_pool *redis; /* not owned */
	struct mysql_pool *mysql; /* not owned */
	struct ghost_rule *rules;
	size_t rule_count;
	double cache_timeout;
	pthread_mutex_t lock; /* guards every rule's cached snapshot and refs */
};

/*
 * Prepare the rules of `cfg` (which must outlive `g`): compile the member
 * patterns. Returns 0 or -errno with a one-line reason in `err`.
 */
int ghosts_init(struct ghosts *g, struct redis_pool *redis, struct mysql_pool *mysql,
		const struct rfs_config *cfg, double cache_timeout, char *err, size_t errlen);

void ghosts_free(struct ghosts *g);

/* The index of the rule called `name`, or -ENOENT. */
int ghosts_rule_find(const struct ghosts *g, const char *name);

/*
 * The ghosts of rule `rule`: the cached snapshot while younger than
 * cache_timeout, else a new detection (SCAN MATCH of the queue keys, their
 * members in chunks, IDs by the member pattern, looked up in MySQL in
 * batches). Fails closed: any Redis or MySQL error is -EIO, never a list.
 * Release with ghosts_snapshot_put().
 */
int ghosts_snapshot_get(struct ghosts *g, size_t rule, bool fresh, struct ghost_snapshot **out);

void ghosts_snapshot_put(struct ghosts *g, struct ghost_snapshot *snap);

/*
 * The queue of `snap` whose file name is `name`, or NULL.
 * *ambiguous is set when two queues share a shortened name.
 */
const struct ghost_queue *ghosts_find_queue(const struct ghost_snapshot *snap, const char *name,
					    bool *ambiguous);

/* The index of the member of `q` whose file name is `name`, or -ENOENT / -EIO (ambiguous). */
long ghosts_find_member(const struct ghost_queue *q, const char *name);

/*
 * Remove one ghost member: check MySQL once more, then LREM 0 / SREM / ZREM /
 * HDEL exactly that member, never the queue key. -ESTALE when the member's
 * ID has a row again (it is left alone), -ENOENT when the member is gone.
 */
int ghosts_remove_member(struct ghosts *g, size_t rule, const struct ghost_queue *q,
			 const char *member, size_t len);

/*
 * Remove every ghost of rule `rule` (of the queue called `queue_name` only,
 * when it is not NULL), as found by a fresh detection. Members that stopped
 * being ghosts meanwhile are left alone. Returns 0 or -errno.
 */
int ghosts_remove_all(struct ghosts *g, size_t rule, const char *queue_name);

#endif
