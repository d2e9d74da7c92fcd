/* ghosts.c - find and remove queue members whose IDs have no row in MySQL (SPEC section 6). */
#include "ghosts.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "names.h"

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

		rule->cfg = &cfg->rules[i];
		if (!rule->cfg->member)
			continue;
		if (regcomp(&rule->pattern, rule->cfg->member, REG_EXTENDED)) {
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
		rv_array_free(&snap->queues[i].members);
	}
	free(snap->queues);
	free(snap);
}

void ghosts_free(struct ghosts *g)
{
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

int ghosts_rule_find(const struct ghosts *g, const char *name)
{
	for (size_t i = 0; i < g->rule_count; i++) {
		if (strcmp(g->rules[i].cfg->name, name) == 0)
			return (int) i;
	}
	return -ENOENT;
}

/*
 * The ID a member stands for: group 1 of the rule's pattern, or the whole
 * member. Returns false when the pattern does not match: such a member is
 * never a ghost.
 */
static bool member_id(const struct ghost_rule *rule, const char *member, size_t len,
		      const char **id, size_t *id_len)
{
	regmatch_t m[2];

	if (!rule->has_pattern) {
		*id = member;
		*id_len = len;
		return true;
	}
	/* REG_STARTEND: members are binary and not NUL-terminated */
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t) len;
	if (regexec(&rule->pattern, member, 2, m, REG_STARTEND) != 0 || m[1].rm_so < 0)
		return false;
	*id = member + m[1].rm_so;
	*id_len = (size_t) (m[1].rm_eo - m[1].rm_so);
	return true;
}

/* The members of a queue key, unique: list elements, set and zset members, hash fields. */
static int queue_members(struct ghosts *g, int db, const char *key, size_t klen,
			 enum rv_type type, struct rv_array *out)
{
	struct rv_value value = {0};
	size_t step = (type == RV_ZSET || type == RV_HASH) ? 2 : 1; /* skip scores, values */
	size_t len;
	int ret;

	ret = redis_fetch_value(g->redis, db, key, klen, type, &value);
	for (size_t i = 0; !ret && i < value.items.count; i += step) {
		const char *m = rv_array_get(&value.items, i, &len);

		if (rv_array_push(out, m, len))
			ret = -ENOMEM;
	}
	rv_value_free(&value);
	return ret ? ret : rv_array_sort_unique(out);
}

/* Keep in `ghosts` the members of `members` whose IDs MySQL does not have. */
static int filter_ghosts(struct ghosts *g, const struct ghost_rule *rule,
			 const struct rv_array *members, struct rv_array *ghosts)
{
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

		if (member_id(rule, m, len, &ids[k], &lens[k]))
			which[k++] = i;
	}
	if (k)
		ret = mysql_ids_exist(g->mysql, rule->cfg->table, rule->cfg->column, ids, lens, k,
				      exists);
	for (size_t j = 0; !ret && j < k; j++) {
		const char *m;

		if (exists[j])
			continue;
		m = rv_array_get(members, which[j], &len);
		if (rv_array_push(ghosts, m, len))
			ret = -ENOMEM;
	}
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
	q->members = *ghosts;
	memset(ghosts, 0, sizeof *ghosts);
	snap->count++;
	return 0;
}

/* One detection of the rule's ghosts; fails closed. */
static int detect(struct ghosts *g, const struct ghost_rule *rule, struct ghost_snapshot **out)
{
	const struct config_ghost_rule *cfg = rule->cfg;
	struct ghost_snapshot *snap = calloc(1, sizeof *snap);
	struct rv_array keys = {0};
	size_t klen;
	int ret;

	if (!snap)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &snap->taken);
	ret = redis_scan_match(g->redis, cfg->db, cfg->keys, strlen(cfg->keys), &keys);
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &klen);
		struct rv_array members = {0}, ghosts = {0};
		enum rv_type type;

		ret = redis_key_type(g->redis, cfg->db, key, klen, &type);
		if (ret || (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH))
			continue; /* gone meanwhile, or not a queue */
		ret = queue_members(g, cfg->db, key, klen, type, &members);
		if (!ret)
			ret = filter_ghosts(g, rule, &members, &ghosts);
		if (!ret && ghosts.count)
			ret = snapshot_add_queue(snap, key, klen, type, &ghosts);
		rv_array_free(&members);
		rv_array_free(&ghosts);
	}
	rv_array_free(&keys);
	if (ret) {
		fuse_log(FUSE_LOG_ERR, "redisfs: ghosts/%s: detection failed (%s); not listing\n",
			 cfg->name, strerror(-ret));
		snapshot_free(snap);
		return ret == -ENOMEM ? ret : -EIO;
	}
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

int ghosts_snapshot_get(struct ghosts *g, size_t rule, bool fresh, struct ghost_snapshot **out)
{
	struct ghost_rule *r = &g->rules[rule];
	struct ghost_snapshot *snap, *old;
	int ret;

	pthread_mutex_lock(&g->lock);
	snap = r->cached;
	if (snap && !fresh && still_fresh(g, snap)) {
		snap->refs++;
		pthread_mutex_unlock(&g->lock);
		*out = snap;
		return 0;
	}
	pthread_mutex_unlock(&g->lock);

	/* detect without the lock: MySQL and Redis may take up to the timeout */
	ret = detect(g, r, &snap);
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

void ghosts_snapshot_put(struct ghosts *g, struct ghost_snapshot *snap)
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

/* Drop the cached snapshot of a rule, so the next look sees the change just made. */
static void forget(struct ghosts *g, size_t rule)
{
	struct ghost_snapshot *old;

	pthread_mutex_lock(&g->lock);
	old = g->rules[rule].cached;
	g->rules[rule].cached = NULL;
	if (old && --old->refs == 0)
		snapshot_free(old);
	pthread_mutex_unlock(&g->lock);
}

const struct ghost_queue *ghosts_find_queue(const struct ghost_snapshot *snap, const char *name,
					    bool *ambiguous)
{
	const struct ghost_queue *found = NULL;
	char encoded[NAMES_MAX + 1];

	*ambiguous = false;
	for (size_t i = 0; i < snap->count; i++) {
		names_encode(snap->queues[i].key, snap->queues[i].key_len, encoded);
		if (strcmp(encoded, name) != 0)
			continue;
		if (found)
			*ambiguous = true;
		found = &snap->queues[i];
	}
	return *ambiguous ? NULL : found;
}

long ghosts_find_member(const struct ghost_queue *q, const char *name)
{
	char encoded[NAMES_MAX + 1];
	long found = -ENOENT;
	size_t len;

	for (size_t i = 0; i < q->members.count; i++) {
		const char *m = rv_array_get(&q->members, i, &len);

		names_encode(m, len, encoded);
		if (strcmp(encoded, name) != 0)
			continue;
		if (found >= 0)
			return -EIO; /* two members share a shortened name: pick neither */
		found = (long) i;
	}
	return found;
}

int ghosts_remove_member(struct ghosts *g, size_t rule, const struct ghost_queue *q,
			 const char *member, size_t len)
{
	const struct ghost_rule *r = &g->rules[rule];
	unsigned char exists = 1;
	const char *id;
	size_t id_len;
	int ret;

	if (!member_id(r, member, len, &id, &id_len))
		return -ESTALE;
	/* the user may have come back since the listing: ask once more */
	ret = mysql_ids_exist(g->mysql, r->cfg->table, r->cfg->column, &id, &id_len, 1, &exists);
	if (ret)
		return -EIO;
	if (exists)
		return -ESTALE;
	ret = redis_remove_member(g->redis, r->cfg->db, q->key, q->key_len, q->type, member, len);
	forget(g, rule);
	return ret;
}

int ghosts_remove_all(struct ghosts *g, size_t rule, const char *queue_name)
{
	struct ghost_snapshot *snap;
	char encoded[NAMES_MAX + 1];
	int ret;

	/* a fresh detection is the "once more" check of MySQL, for every member at once */
	ret = ghosts_snapshot_get(g, rule, true, &snap);
	if (ret)
		return ret;
	for (size_t i = 0; !ret && i < snap->count; i++) {
		const struct ghost_queue *q = &snap->queues[i];

		if (queue_name) {
			names_encode(q->key, q->key_len, encoded);
			if (strcmp(encoded, queue_name) != 0)
				continue;
		}
		ret = redis_remove_members(g->redis, g->rules[rule].cfg->db, q->key, q->key_len,
					   q->type, &q->members);
	}
	ghosts_snapshot_put(g, snap);
	forget(g, rule);
	return ret;
}
