/* ghosts.c - find and remove queue members whose IDs have no row in MySQL (SPEC section 6). */
#include "ghosts.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_glob.h"
#include "../backend/redis_keys.h"
#include "ghost_column.h"
#include "ghost_find.h"
#include "ghost_keys.h"
#include "ghost_ahead.h"
#include "ghost_recheck.h"
#include "ghost_scan.h"
#include "names.h"

#define RESOLVE_WINDOW 60.0 /* seconds a detection resolves the names it listed */

int ghosts_init(struct ghosts *g, struct redis_pool *redis, struct mysql_pool *mysql,
		const struct rfs_config *cfg, double cache_timeout, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	g->redis = redis;
	g->mysql = mysql;
	g->cache_timeout = cache_timeout;
	pthread_mutex_init(&g->lock, NULL);
	g->rules = calloc(cfg->rule_count ? cfg->rule_count : 1, sizeof *g->rules);
	if (!g->rules) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	g->rule_count = cfg->rule_count;
	for (size_t i = 0; i < cfg->rule_count; i++) {
		struct ghost_rule *rule = &g->rules[i];
		const char *pattern;
		char why[256];
		int ret;

		rule->cfg = &cfg->rules[i];
		rule->column_learned = mysql_pool_connects(mysql);
		ret = mysql_describe_column(mysql, rule->cfg->table, rule->cfg->column,
					    &rule->column, why, sizeof why);
		if (ret) {
			snprintf(err, errlen, "ghosts.%s: %s", rule->cfg->name, why);
			ghosts_free(g);
			return ret;
		}
		pattern = rule->cfg->kind == CONFIG_GHOSTS_KEYS ? rule->cfg->id : rule->cfg->member;
		if (!pattern)
			continue;
		if (regcomp(&rule->pattern, pattern, REG_EXTENDED)) {
			snprintf(err, errlen, "ghosts.%s: bad member pattern", rule->cfg->name);
			ghosts_free(g);
			return -EINVAL;
		}
		rule->has_pattern = true;
	}
	return 0;
}

static void snapshot_free(struct ghost_snapshot *snap)
{
	for (size_t i = 0; i < snap->count; i++) {
		free(snap->queues[i].key);
		free(snap->queues[i].gone);
		free(snap->queues[i].checked);
		rv_array_free(&snap->queues[i].members);
	}
	free(snap->queues);
	free(snap);
}

void ghosts_free(struct ghosts *g)
{
	ghost_ahead_stop(g); /* its job holds a detection */
	for (size_t i = 0; g->rules && i < g->rule_count; i++) {
		if (g->rules[i].has_pattern)
			regfree(&g->rules[i].pattern);
		if (g->rules[i].cached)
			snapshot_free(g->rules[i].cached);
	}
	free(g->rules);
	pthread_mutex_destroy(&g->lock);
	memset(g, 0, sizeof *g);
}

void ghosts_skips_note(struct ghost_skips *skips, enum mysql_id_doubt why, const char *member,
		       size_t len, const char *key, size_t klen)
{
	char name[NAMES_MAX + 1];

	if (skips->count++)
		return; /* one example is enough */
	skips->why = why;
	/* file names are printable; a long one is cut for the message */
	names_encode(member, len, name);
	name[GHOSTS_EXAMPLE_MAX - 1] = '\0';
	strcpy(skips->example, name);
	names_encode(key, klen, name);
	name[GHOSTS_EXAMPLE_MAX - 1] = '\0';
	strcpy(skips->queue, name);
}

enum mysql_id_doubt ghosts_id_doubt(const struct ghost_rule *rule,
				    const struct mysql_column *column, const char *member,
				    size_t len, const char **id, size_t *id_len)
{
	if (!ghosts_member_id(rule, member, len, id, id_len))
		return MYSQL_ID_OK; /* not an ID at all: no ghost, and no doubt to report */
	return mysql_column_holds(column, *id, *id_len);
}

/* One queue's detection: what filter_ghosts() needs besides a chunk of members. */
struct ghost_filter {
	struct ghosts *g;
	const struct ghost_rule *rule;
	const struct mysql_column *column;
	const char *key;
	size_t klen;
	pthread_mutex_t lock; /* skips: the chunks of a queue are filtered on two threads */
	struct ghost_skips *skips;
};

/* Add a chunk's skips to the queue's; the first example noted stays the example. */
static void skips_add(struct ghost_filter *gf, const struct ghost_skips *more)
{
	pthread_mutex_lock(&gf->lock);
	if (more->count && !gf->skips->count)
		*gf->skips = *more;
	else
		gf->skips->count += more->count;
	pthread_mutex_unlock(&gf->lock);
}

/*
 * Append to `ghosts` the members of `members` whose IDs MySQL does not have.
 * A member whose ID the column cannot hold as it is is not asked about and
 * never a ghost: it is counted in the queue's skips. Runs on several
 * threads at once (ghost_scan.c): its skips are counted apart, then added.
 */
static int filter_ghosts(void *arg, const struct rv_array *members, struct rv_array *ghosts)
{
	struct ghost_filter *gf = arg;
	struct ghost_skips skips = {0};
	size_t n = members->count, k = 0, len;
	const char **ids = malloc((n ? n : 1) * sizeof *ids);
	size_t *lens = malloc((n ? n : 1) * sizeof *lens);
	size_t *which = malloc((n ? n : 1) * sizeof *which);
	unsigned char *exists = malloc(n ? n : 1);
	int ret = 0;

	if (!ids || !lens || !which || !exists) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *m = rv_array_get(members, i, &len);
		enum mysql_id_doubt why;

		if (!ghosts_member_id(gf->rule, m, len, &ids[k], &lens[k]))
			continue;
		why = mysql_column_holds(gf->column, ids[k], lens[k]);
		if (why != MYSQL_ID_OK)
			ghosts_skips_note(&skips, why, m, len, gf->key, gf->klen);
		else
			which[k++] = i;
	}
	if (k)
		ret = mysql_ids_exist_in(gf->g->mysql, gf->rule->cfg->table, gf->rule->cfg->column,
					 gf->column, ids, lens, k, exists);
	for (size_t j = 0; !ret && j < k; j++) {
		const char *m;

		if (exists[j])
			continue;
		m = rv_array_get(members, which[j], &len);
		if (rv_array_push(ghosts, m, len))
			ret = -ENOMEM;
	}
	if (!ret)
		skips_add(gf, &skips);
out:
	free(ids);
	free(lens);
	free(which);
	free(exists);
	return ret;
}

static int snapshot_add_queue(struct ghost_snapshot *snap, const char *key, size_t klen,
			      enum rv_type type, struct rv_array *ghosts)
{
	struct ghost_queue *q = realloc(snap->queues, (snap->count + 1) * sizeof *q);

	if (!q)
		return -ENOMEM;
	snap->queues = q;
	q = &snap->queues[snap->count];
	q->key = malloc(klen ? klen : 1);
	if (!q->key)
		return -ENOMEM;
	memcpy(q->key, key, klen);
	q->key_len = klen;
	q->type = type;
	q->gone = calloc(ghosts->count, 1);
	q->checked = calloc(ghosts->count ? ghosts->count : 1, sizeof *q->checked);
	if (!q->gone || !q->checked) {
		free(q->gone);
		free(q->checked);
		free(q->key);
		return -ENOMEM;
	}
	q->members = *ghosts;
	q->checked_to = q->asked_from = 0;
	q->asked_at = 0;
	q->left = ghosts->count;
	q->emptied = (struct timespec){0};
	memset(ghosts, 0, sizeof *ghosts);
	snap->count++;
	return 0;
}

/* One detection of the rule's ghosts, with the column it used; fails closed. */
static int detect(struct ghosts *g, size_t rule_index, struct ghost_snapshot **out,
		  struct mysql_column *column)
{
	const struct ghost_rule *rule = &g->rules[rule_index];
	const struct config_ghost_rule *cfg = rule->cfg;
	struct ghost_snapshot *snap = calloc(1, sizeof *snap);
	struct ghost_filter gf = {.g = g, .rule = rule, .column = column};
	struct rv_array keys = {0};
	size_t klen;
	int ret;

	if (!snap)
		return -ENOMEM;
	gf.skips = &snap->skipped;
	pthread_mutex_init(&gf.lock, NULL);
	ret = ghosts_current_column(g, rule_index, column);
	if (!ret && cfg->kind == CONFIG_GHOSTS_KEYS) {
		struct rv_array ghosts = {0};

		/* the key names are the members of one queue, the empty key (ghost_keys.h) */
		gf.key = "";
		gf.klen = 0;
		ret = ghost_keys_detect(g, rule, filter_ghosts, &gf, &ghosts);
		if (!ret && ghosts.count)
			ret = snapshot_add_queue(snap, "", 0, RV_NONE, &ghosts);
		rv_array_free(&ghosts);
	} else if (!ret) {
		ret = redis_scan_match(g->redis, cfg->db, cfg->keys, strlen(cfg->keys), &keys);
	}
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &klen);
		struct rv_array ghosts = {0};
		enum rv_type type;

		ret = redis_key_type(g->redis, cfg->db, key, klen, &type);
		if (ret ||
		    (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH))
			continue; /* gone meanwhile, or not a queue */
		gf.key = key;
		gf.klen = klen;
		ret = ghost_scan_queue(g, rule, key, klen, type, filter_ghosts, &gf, &ghosts);
		if (!ret && ghosts.count)
			ret = snapshot_add_queue(snap, key, klen, type, &ghosts);
		rv_array_free(&ghosts);
	}
	rv_array_free(&keys);
	pthread_mutex_destroy(&gf.lock);
	if (ret) {
		fuse_log(FUSE_LOG_ERR, "redisfs: ghosts/%s: detection failed (%s); not listing\n",
			 cfg->name, strerror(-ret));
		snapshot_free(snap);
		return ret == -ENOMEM ? ret : -EIO;
	}
	/* the age of a listing counts from when it was complete: a detection of a million
	 * members takes longer than the default cache_timeout, and the opendir that
	 * follows (rm -r opens each folder twice) would otherwise detect all over again */
	clock_gettime(CLOCK_MONOTONIC, &snap->taken);
	snap->refs = 1;
	*out = snap;
	return 0;
}

static bool still_fresh(const struct ghosts *g, const struct ghost_snapshot *snap)
{
	struct timespec now;
	double age;

	clock_gettime(CLOCK_MONOTONIC, &now);
	age = (double) (now.tv_sec - snap->taken.tv_sec) +
	      (double) (now.tv_nsec - snap->taken.tv_nsec) / 1e9;
	return age < g->cache_timeout;
}

/* The rule's cached detection while fresh (with a reference), else NULL. Under no lock. */
static struct ghost_snapshot *cached(struct ghosts *g, size_t rule)
{
	struct ghost_snapshot *snap;

	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	if (snap && still_fresh(g, snap))
		snap->refs++;
	else
		snap = NULL;
	pthread_mutex_unlock(&g->lock);
	return snap;
}

/*
 * The rule's latest detection, for resolving names (with a reference), while
 * younger than cache_timeout or RESOLVE_WINDOW: an rm -r resolves every name
 * its readdir listed, long after the listing, and each removal asks MySQL
 * and Redis again itself (ghosts_remove_member). Else NULL.
 */
static struct ghost_snapshot *resolvable(struct ghosts *g, size_t rule)
{
	struct ghost_snapshot *snap;
	struct timespec now;
	double age;

	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	if (snap) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		age = (double) (now.tv_sec - snap->taken.tv_sec) +
		      (double) (now.tv_nsec - snap->taken.tv_nsec) / 1e9;
		if (age < g->cache_timeout || age < RESOLVE_WINDOW)
			snap->refs++;
		else
			snap = NULL;
	}
	pthread_mutex_unlock(&g->lock);
	return snap;
}

/* The cached detection while fresh, else a new one (`fresh`: always a new one). */
static int snapshot_get(struct ghosts *g, size_t rule, bool fresh, struct ghost_snapshot **out)
{
	struct ghost_rule *r = &g->rules[rule];
	struct ghost_snapshot *snap, *old;
	struct mysql_column column;
	int ret, moved;

	snap = fresh ? NULL : cached(g, rule);
	if (snap) {
		*out = snap;
		return 0;
	}
	/* detect without the lock: MySQL and Redis may take up to the timeout */
	ret = detect(g, rule, &snap, &column);
	if (!ret && (moved = ghosts_column_moved(g, rule, &column)) != 0) {
		/* the column changed under the check (a server restarted with an altered
		 * table): the doubt check and the lists used the old one */
		snapshot_free(snap);
		ret = moved < 0 ? moved : detect(g, rule, &snap, &column);
	}
	if (ret)
		return ret;
	pthread_mutex_lock(&g->lock);
	old = r->cached;
	r->cached = snap;
	snap->refs++; /* one for the cache, one for the caller */
	if (old && --old->refs == 0)
		snapshot_free(old);
	pthread_mutex_unlock(&g->lock);
	*out = snap;
	return 0;
}

static void snapshot_put(struct ghosts *g, struct ghost_snapshot *snap)
{
	bool last;

	if (!snap)
		return;
	pthread_mutex_lock(&g->lock);
	last = --snap->refs == 0;
	pthread_mutex_unlock(&g->lock);
	if (last)
		snapshot_free(snap);
}

static int push_encoded(struct rv_array *names, const char *p, size_t len)
{
	char name[NAMES_MAX + 1];

	names_encode(p, len, name);
	return rv_array_push(names, name, strlen(name) + 1);
}

int ghosts_list(struct ghosts *g, size_t rule, const char *queue_name, struct rv_array *names)
{
	struct ghost_snapshot *snap;
	struct ghost_queue *q;
	bool ambiguous;
	size_t len;
	int ret;

	ret = snapshot_get(g, rule, false, &snap);
	if (ret)
		return ret;
	pthread_mutex_lock(&g->lock); /* gone[] changes under it */
	if (!queue_name) {
		for (size_t i = 0; !ret && i < snap->count; i++) {
			q = &snap->queues[i];
			if (q->left)
				ret = push_encoded(names, q->key, q->key_len);
		}
	} else if ((q = ghost_find_queue(snap, queue_name, &ambiguous))) {
		for (size_t i = 0; !ret && i < q->members.count; i++) {
			const char *m = rv_array_get(&q->members, i, &len);

			if (!q->gone[i])
				ret = push_encoded(names, m, len);
		}
	} else if (ambiguous) {
		ret = -EIO;
	}
	pthread_mutex_unlock(&g->lock);
	snapshot_put(g, snap);
	return ret ? ret : rv_array_sort_unique(names);
}

void ghosts_ref_free(struct ghost_ref *ref)
{
	free(ref->key);
	free(ref->member);
	memset(ref, 0, sizeof *ref);
}

/* Fill `out` from a cached detection; 0, -ENOENT (not there) or -EIO (ambiguous). */
static int lookup_cached(struct ghosts *g, struct ghost_snapshot *snap, const char *queue_name,
			 const char *member_name, struct ghost_ref *out)
{
	struct ghost_queue *q;
	bool ambiguous;
	long i = -1;
	int ret = 0;

	pthread_mutex_lock(&g->lock);
	q = ghost_find_queue(snap, queue_name, &ambiguous);
	if (q && member_name)
		i = ghost_find_by_name(&q->members, member_name);
	if (ambiguous || i == -2)
		ret = -EIO;
	else if (!q || (member_name && (i < 0 || q->gone[i])))
		ret = -ENOENT;
	if (!ret) {
		out->key = ghost_copy_bytes(q->key, q->key_len);
		out->key_len = q->key_len;
		out->type = q->type;
		if (member_name) {
			const char *m = rv_array_get(&q->members, (size_t) i, &out->member_len);

			out->member = ghost_copy_bytes(m, out->member_len);
		}
		if (!out->key || (member_name && !out->member))
			ret = -ENOMEM;
	}
	pthread_mutex_unlock(&g->lock);
	return ret;
}

/* Resolve a queue, and a member, by asking Redis and MySQL about them alone. */
static int lookup_direct(struct ghosts *g, size_t rule, const char *queue_name,
			 const char *member_name, struct ghost_ref *out)
{
	const struct ghost_rule *r = &g->rules[rule];
	const char *id;
	size_t id_len;
	int ret, has = 0;

	if (r->cfg->kind == CONFIG_GHOSTS_KEYS)
		return ghost_keys_lookup(g, rule, queue_name, member_name, out);
	ret = ghost_decode_name(queue_name, &out->key, &out->key_len);
	if (ret)
		return ret;
	/* the rule's SCAN MATCH pattern, as a glob; a key with a NUL cannot be tested so */
	if (memchr(out->key, '\0', out->key_len) ||
	    !redis_glob_match(r->cfg->keys, out->key, out->key_len))
		return -ENOENT;
	ret = redis_key_type(g->redis, r->cfg->db, out->key, out->key_len, &out->type);
	if (ret)
		return ret;
	if (out->type != RV_LIST && out->type != RV_SET && out->type != RV_ZSET &&
	    out->type != RV_HASH)
		return -ENOENT;
	if (!member_name)
		return 0;
	ret = ghost_decode_name(member_name, &out->member, &out->member_len);
	if (!ret)
		ret = redis_has_member(g->redis, r->cfg->db, out->key, out->key_len, out->type,
				       out->member, out->member_len, &has);
	if (ret || !has)
		return ret ? ret : -ENOENT;
	if (!ghosts_member_id(r, out->member, out->member_len, &id, &id_len))
		return -ENOENT;
	ret = ghosts_id_has_row(g, rule, id, id_len);
	return ret < 0 ? ret : (ret ? -ENOENT : 0);
}

/* Whether `q` had ghosts and the mount removed the last of them less than the grace ago. */
static bool emptied_lately(const struct ghost_queue *q, const struct timespec *now)
{
	return q->left == 0 && q->members.count &&
	       (double) (now->tv_sec - q->emptied.tv_sec) +
			       (double) (now->tv_nsec - q->emptied.tv_nsec) / 1e9 <
		       GHOSTS_EMPTIED_GRACE;
}

/*
 * A queue folder whose last ghost the mount removed a moment ago, from the
 * rule's latest detection however old: its key may be gone (an empty list
 * is no key), and rm -r still rmdirs the folder. 0 or -ENOENT.
 */
static int lookup_emptied(struct ghosts *g, size_t rule, const char *queue_name,
			  struct ghost_ref *out)
{
	struct ghost_snapshot *snap;
	struct ghost_queue *q;
	struct timespec now;
	bool ambiguous;
	int ret = -ENOENT;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	q = snap ? ghost_find_queue(snap, queue_name, &ambiguous) : NULL;
	if (q && emptied_lately(q, &now)) {
		out->key = ghost_copy_bytes(q->key, q->key_len);
		out->key_len = q->key_len;
		out->type = q->type;
		ret = out->key ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(&g->lock);
	return ret;
}

bool ghosts_emptied(struct ghosts *g, size_t rule, const char *queue_name)
{
	struct ghost_snapshot *snap;
	struct ghost_queue *q;
	struct timespec now;
	bool ambiguous, emptied = false, left = false;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	if (snap && queue_name) {
		q = ghost_find_queue(snap, queue_name, &ambiguous);
		emptied = q && emptied_lately(q, &now);
	} else if (snap) {
		/* every queue of it emptied, the last one lately: the end of rm -r ghosts/RULE */
		for (size_t i = 0; i < snap->count; i++) {
			left = left || snap->queues[i].left;
			emptied = emptied || emptied_lately(&snap->queues[i], &now);
		}
		emptied = emptied && !left;
	}
	pthread_mutex_unlock(&g->lock);
	return emptied;
}

int ghosts_lookup(struct ghosts *g, size_t rule, const char *queue_name, const char *member_name,
		  struct ghost_ref *out)
{
	struct ghost_snapshot *snap = resolvable(g, rule);
	int ret = -ENOENT;

	memset(out, 0, sizeof *out);
	if (snap) {
		ret = lookup_cached(g, snap, queue_name, member_name, out);
		snapshot_put(g, snap);
		if (ret != -ENOENT)
			return ret;
		ghosts_ref_free(out);
	}
	ret = lookup_direct(g, rule, queue_name, member_name, out);
	if (ret == -ENOENT && !member_name) {
		ghosts_ref_free(out);
		ret = lookup_emptied(g, rule, queue_name, out);
	}
	if (ret)
		ghosts_ref_free(out);
	return ret;
}

/* Mark a member removed in the cached detection, so listings stop showing it at once. */
static void mark_gone(struct ghosts *g, size_t rule, const struct ghost_ref *ref)
{
	struct ghost_snapshot *snap;
	long i;

	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	for (size_t q = 0; snap && q < snap->count; q++) {
		struct ghost_queue *queue = &snap->queues[q];

		if (ghost_bytes_cmp(queue->key, queue->key_len, ref->key, ref->key_len) != 0)
			continue;
		i = rv_array_find(&queue->members, ref->member, ref->member_len);
		if (i >= 0 && !queue->gone[i]) {
			queue->gone[i] = 1;
			if (--queue->left == 0)
				clock_gettime(CLOCK_MONOTONIC, &queue->emptied);
		}
	}
	pthread_mutex_unlock(&g->lock);
}

/*
 * Whether the member of `ref` has a row, by ghost_recheck() when the rule's
 * latest detection has it (the detection is only where its neighbours and
 * earlier checks are kept: the check is new): 0, 1, -EIO, or -ENOENT when
 * the detection does not have it.
 */
static int recheck(struct ghosts *g, size_t rule, const struct ghost_ref *ref)
{
	struct ghost_snapshot *snap;
	struct ghost_queue *q = NULL;
	struct mysql_column column;
	long i = -1;
	size_t from;
	int ret;

	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	if (snap)
		snap->refs++;
	for (size_t k = 0; snap && k < snap->count && !q; k++) {
		if (ghost_bytes_cmp(snap->queues[k].key, snap->queues[k].key_len, ref->key,
				    ref->key_len) == 0)
			q = &snap->queues[k];
	}
	if (q)
		i = rv_array_find(&q->members, ref->member, ref->member_len);
	pthread_mutex_unlock(&g->lock);
	if (i < 0)
		ret = -ENOENT;
	else if (ghosts_current_column(g, rule, &column))
		ret = -EIO; /* the column cannot be learned now: fail closed */
	else
		ret = ghost_recheck(g, rule, &column, q, (size_t) i);
	/* near its batch's end: the next one is asked now, so that no rm of it waits */
	if (ret == 0 && ghost_recheck_ahead_due(g, q, (size_t) i, &from))
		ghost_ahead_ask(g, snap, rule, &column, q, from, snapshot_put);
	snapshot_put(g, snap);
	return ret;
}

int ghosts_remove_member(struct ghosts *g, size_t rule, const struct ghost_ref *ref)
{
	const struct ghost_rule *r = &g->rules[rule];
	const char *id;
	size_t id_len;
	int ret;

	if (!ghosts_member_id(r, ref->member, ref->member_len, &id, &id_len))
		return -ESTALE;
	/* the user may have come back since the listing: ask once more (with the members an
	 * rm -r removes next, when the latest detection has this one) */
	ret = recheck(g, rule, ref);
	if (ret == -ENOENT)
		ret = ghosts_id_has_row(g, rule, id, id_len);
	if (ret)
		return ret < 0 ? ret : -ESTALE;
	if (r->cfg->kind == CONFIG_GHOSTS_KEYS)
		ret = redis_unlink(g->redis, r->cfg->db, ref->member, ref->member_len);
	else
		ret = redis_remove_member(g->redis, r->cfg->db, ref->key, ref->key_len, ref->type,
					  ref->member, ref->member_len);
	if (!ret || ret == -ENOENT)
		mark_gone(g, rule, ref);
	return ret;
}

int ghosts_figures(struct ghosts *g, size_t rule, size_t *ghosts, size_t *skipped)
{
	struct ghost_snapshot *snap;
	int ret = snapshot_get(g, rule, false, &snap);

	if (ret)
		return ret;
	*ghosts = 0;
	pthread_mutex_lock(&g->lock); /* left changes under it */
	for (size_t i = 0; i < snap->count; i++)
		*ghosts += snap->queues[i].left;
	*skipped = snap->skipped.count;
	pthread_mutex_unlock(&g->lock);
	snapshot_put(g, snap);
	return 0;
}
