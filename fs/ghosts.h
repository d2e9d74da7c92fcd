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

#define GHOSTS_EXAMPLE_MAX 64 /* bytes of an example member in a message */

struct ghost_ahead;

/* One queue key with ghosts, as found by a detection. */
struct ghost_queue {
	char *key;
	size_t key_len;
	enum rv_type type;
	struct rv_array members; /* the ghost members (hash: fields), sorted, unique */
	unsigned char *gone;	 /* gone[i]: member i was removed through the mount since */
	double *checked;   /* checked[i]: when MySQL last found no row for it (ghost_recheck) */
	size_t checked_to; /* where the batch after the last one checked starts (ghost_recheck) */
	size_t asked_from; /* the batch last asked ahead */
	double asked_at;   /* and when */
	size_t left;	   /* members not gone */
	struct timespec emptied; /* CLOCK_MONOTONIC: when the last one went (left became 0) */
};

/* Members not checked because their ID cannot be in the rule's column (SPEC 6). */
struct ghost_skips {
	size_t count;
	enum mysql_id_doubt why;	  /* of the first one */
	char example[GHOSTS_EXAMPLE_MAX]; /* its member, shown as its file name, maybe cut */
	char queue[GHOSTS_EXAMPLE_MAX];	  /* its queue's key, likewise */
};

/* The ghosts of one rule at one moment; shared, counted, freed by the last user. */
struct ghost_snapshot {
	struct timespec taken;	    /* CLOCK_MONOTONIC, when the detection was complete */
	struct ghost_queue *queues; /* sorted by key */
	size_t count;
	struct ghost_skips skipped; /* members of its queues whose IDs were not checked */
	unsigned refs;		    /* under ghosts.lock */
};

/* A queue, or one member of it, that a ghost path names. Owns copies of its bytes. */
struct ghost_ref {
	char *key;
	size_t key_len;
	enum rv_type type;
	char *member; /* NULL for a queue */
	size_t member_len;
};

/* Seconds a queue folder stays after its last ghost went through the mount: for rm -ri's rmdir. */
#define GHOSTS_EMPTIED_GRACE 60.0

struct ghost_rule {
	const struct config_ghost_rule *cfg;
	bool has_pattern;
	regex_t pattern; /* cfg->member, or a keys rule's cfg->id, compiled */
	struct ghost_snapshot *cached;
	struct mysql_column column;   /* what cfg->column holds; under ghosts.lock */
	unsigned long column_learned; /* mysql_pool_connects() when it was learned */
};

struct ghosts {
	struct redis_pool *redis; /* not owned */
	struct mysql_pool *mysql; /* not owned */
	struct ghost_rule *rules;
	size_t rule_count;
	double cache_timeout;
	pthread_mutex_t lock;	   /* guards every rule's cached snapshot and refs */
	struct ghost_ahead *ahead; /* rm's next check, asked ahead (ghost_ahead.h); under lock */
};

/*
 * Prepare the rules of `cfg` (which must outlive `g`): compile the member
 * patterns and learn each column's type from MySQL (learned again after a
 * reconnect: the table may have changed meanwhile). Returns 0 or -errno with
 * a one-line reason in `err`.
 */
int ghosts_init(struct ghosts *g, struct redis_pool *redis, struct mysql_pool *mysql,
		const struct rfs_config *cfg, double cache_timeout, char *err, size_t errlen);

void ghosts_free(struct ghosts *g);

/*
 * The names (NUL-terminated, pushed into `names`) of the queue folders of
 * rule `rule` (queue_name NULL), or of the ghost files of queue `queue_name`.
 * From the detection cached for cache_timeout, else a new one (SCAN MATCH of
 * the queue keys, their members in chunks, IDs by the member pattern, looked
 * up in MySQL in batches). Fails closed: any Redis or MySQL error is -EIO,
 * never a list.
 */
int ghosts_list(struct ghosts *g, size_t rule, const char *queue_name, struct rv_array *names);

/*
 * Resolve ghosts/RULE/QUEUE (member_name NULL) or ghosts/RULE/QUEUE/MEMBER.
 * A queue folder exists for every list, set, zset or hash key the rule's
 * pattern matches (so that rm -r can remove it once its ghosts are gone), and
 * for GHOSTS_EMPTIED_GRACE seconds after the mount removed its last ghost
 * (a queue of ghosts only is then no key: Redis removes an empty one); a
 * member exists while it is a ghost: in the cached detection, or else by
 * asking Redis and MySQL about it alone. -ENOENT otherwise, -EIO on errors.
 * Release `out` with ghosts_ref_free().
 */
int ghosts_lookup(struct ghosts *g, size_t rule, const char *queue_name, const char *member_name,
		  struct ghost_ref *out);

/*
 * Whether the mount removed every ghost of the rule's latest detection in
 * queue `queue_name` (NULL: in every queue of it), the last one less than
 * GHOSTS_EMPTIED_GRACE seconds ago: the end of an rm -r of that folder,
 * whose rmdir then succeeds without a new detection (SPEC 5: it removes no
 * member either way, and rm -r exits 0 even while clients add ghosts).
 */
bool ghosts_emptied(struct ghosts *g, size_t rule, const char *queue_name);

void ghosts_ref_free(struct ghost_ref *ref);

/*
 * Why the ID of `member` is not checked against `column` (SPEC 6): MYSQL_ID_OK
 * when it is (*id is then its ID), and for a member the rule's pattern does
 * not match (never a ghost, and no doubt about the column). Pure.
 */
enum mysql_id_doubt ghosts_id_doubt(const struct ghost_rule *rule,
				    const struct mysql_column *column, const char *member,
				    size_t len, const char **id, size_t *id_len);

/* Count a member not checked, keeping the first one as the example. */
void ghosts_skips_note(struct ghost_skips *skips, enum mysql_id_doubt why, const char *member,
		       size_t len, const char *key, size_t klen);

/*
 * The rule's figures now (SPEC 6 xattrs), from its cached detection while
 * fresh, else a new one: ghost files, and members not checked. 0 or -EIO.
 */
int ghosts_figures(struct ghosts *g, size_t rule, size_t *ghosts, size_t *skipped);

/*
 * Remove one ghost member: check MySQL once more, then LREM 0 / SREM / ZREM /
 * HDEL exactly that member, never the queue key (a keys rule: UNLINK exactly
 * that key, see ghost_keys.h). -ESTALE when the member's ID has a row again
 * (it is left alone), -ENOENT when the member is gone.
 */
int ghosts_remove_member(struct ghosts *g, size_t rule, const struct ghost_ref *ref);

#endif
