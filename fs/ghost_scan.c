/* ghost_scan.c - one queue's ghosts: members read from Redis while MySQL checks earlier ones. */
#include "ghost_scan.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"

#define SCAN_CHUNK   50000 /* members a check: one JSON list statement of MySQL */
#define RANGE_STEP   16384 /* members a LRANGE/ZRANGE */
#define SCAN_THREADS 2	   /* checking threads: MySQL connections at once */
#define SCAN_QUEUED  2	   /* chunks read ahead of the checks: bounds the memory */

struct scan_chunk {
	struct scan_chunk *next;
	struct rv_array members;
};

/* One queue's scan: the reader queues chunks, the checkers take them. */
struct scan {
	struct ghosts *g;
	const struct ghost_rule *rule;
	ghost_filter_fn filter;
	void *filter_arg;
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t changed;
	struct scan_chunk *head, *tail;
	size_t queued;
	bool done; /* the reader has queued its last chunk */
	int ret;   /* the first error: everyone stops */
	struct rv_array ghosts;
};

static void chunk_free(struct scan_chunk *c)
{
	if (c) {
		rv_array_free(&c->members);
		free(c);
	}
}

static void scan_fail(struct scan *s, int ret)
{
	if (!s->ret)
		s->ret = ret;
	pthread_cond_broadcast(&s->changed);
}

/* Check one chunk, then add its ghosts to the scan's. */
static void check_chunk(struct scan *s, struct scan_chunk *c)
{
	struct rv_array found = {0};
	size_t len;
	int ret = s->filter(s->filter_arg, &c->members, &found);

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; !ret && i < found.count; i++) {
		const char *m = rv_array_get(&found, i, &len);

		if (rv_array_push(&s->ghosts, m, len))
			ret = -ENOMEM;
	}
	if (ret)
		scan_fail(s, ret);
	pthread_mutex_unlock(&s->lock);
	rv_array_free(&found);
}

static void *checker(void *arg)
{
	struct scan *s = arg;

	for (;;) {
		struct scan_chunk *c;

		pthread_mutex_lock(&s->lock);
		while (!s->head && !s->done && !s->ret)
			pthread_cond_wait(&s->changed, &s->lock);
		c = s->ret ? NULL : s->head;
		if (c) {
			s->head = c->next;
			if (!s->head)
				s->tail = NULL;
			s->queued--;
			pthread_cond_broadcast(&s->changed); /* room for the reader */
		}
		pthread_mutex_unlock(&s->lock);
		if (!c)
			return NULL;
		check_chunk(s, c);
		chunk_free(c);
	}
}

/* Hand a chunk to the checkers (or check it here when there are none); takes `c`. */
static int queue_chunk(struct scan *s, struct scan_chunk *c, unsigned int threads)
{
	int ret;

	if (!threads) {
		check_chunk(s, c);
		chunk_free(c);
		return s->ret;
	}
	pthread_mutex_lock(&s->lock);
	while (s->queued >= SCAN_QUEUED && !s->ret)
		pthread_cond_wait(&s->changed, &s->lock);
	ret = s->ret;
	if (!ret) {
		if (s->tail)
			s->tail->next = c;
		else
			s->head = c;
		s->tail = c;
		s->queued++;
		c = NULL;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
	chunk_free(c);
	return ret;
}

/* Read a list or zset a chunk at a time, in index ranges. */
static int read_ranges(struct scan *s, int db, const char *key, size_t klen, enum rv_type type,
		       unsigned int threads)
{
	long long at = 0;
	bool end = false;
	int ret = 0;

	while (!end && !ret) {
		struct scan_chunk *c = calloc(1, sizeof *c);
		size_t got;

		if (!c)
			return -ENOMEM;
		while (!end && !ret && c->members.count < SCAN_CHUNK) {
			ret = redis_range_members(s->g->redis, db, key, klen, type, at, RANGE_STEP,
						  &c->members, &got);
			at += (long long) got;
			end = got < RANGE_STEP;
		}
		if (ret || !c->members.count) {
			chunk_free(c);
			break;
		}
		ret = queue_chunk(s, c, threads);
	}
	return ret;
}

/* Queue every `step`-th item of `items` (from the first) in chunks. */
static int queue_items(struct scan *s, const struct rv_array *items, size_t step,
		       unsigned int threads)
{
	size_t len;
	int ret = 0;

	for (size_t i = 0; !ret && i < items->count;) {
		struct scan_chunk *c = calloc(1, sizeof *c);

		if (!c)
			return -ENOMEM;
		for (; !ret && i < items->count && c->members.count < SCAN_CHUNK; i += step) {
			const char *m = rv_array_get(items, i, &len);

			if (rv_array_push(&c->members, m, len))
				ret = -ENOMEM;
		}
		if (ret)
			chunk_free(c);
		else
			ret = queue_chunk(s, c, threads);
	}
	return ret;
}

/* What a scan reads: a queue key of a type, or names already in memory. */
struct scan_source {
	const char *key;
	size_t klen;
	enum rv_type type;
	const struct rv_array *names; /* when not NULL: these, and no key */
};

/* Read the source into chunks for the checkers: 0 or -errno. */
static int read_source(struct scan *s, const struct scan_source *src, unsigned int threads)
{
	struct rv_value value = {0};
	int db = s->rule->cfg->db, ret;

	if (src->names)
		return queue_items(s, src->names, 1, threads);
	if (src->type == RV_LIST || src->type == RV_ZSET)
		return read_ranges(s, db, src->key, src->klen, src->type, threads);
	/* a set or hash is read whole (atomically when small, see redis_fetch_value) */
	ret = redis_fetch_value(s->g->redis, db, src->key, src->klen, src->type, &value);
	if (!ret) /* a hash's fields, not its values */
		ret = queue_items(s, &value.items, src->type == RV_HASH ? 2 : 1, threads);
	rv_value_free(&value);
	return ret;
}

/* The ghosts among what `src` gives, checked on SCAN_THREADS threads; see ghost_scan_queue. */
static int scan_run(struct ghosts *g, const struct ghost_rule *rule, const struct scan_source *src,
		    ghost_filter_fn filter, void *filter_arg, struct rv_array *ghosts)
{
	struct scan s = {.g = g, .rule = rule, .filter = filter, .filter_arg = filter_arg};
	pthread_t threads[SCAN_THREADS];
	unsigned int started = 0;
	int ret;

	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.changed, NULL);
	/* without threads (none could start) the reader checks each chunk itself */
	while (started < SCAN_THREADS && pthread_create(&threads[started], NULL, checker, &s) == 0)
		started++;
	ret = read_source(&s, src, started);
	pthread_mutex_lock(&s.lock);
	if (ret)
		scan_fail(&s, ret);
	s.done = true;
	pthread_cond_broadcast(&s.changed);
	pthread_mutex_unlock(&s.lock);
	for (unsigned int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	/* a chunk left queued after a failure */
	while (s.head) {
		struct scan_chunk *c = s.head;

		s.head = c->next;
		chunk_free(c);
	}
	ret = s.ret;
	if (!ret)
		ret = rv_array_sort_unique(&s.ghosts);
	if (!ret) {
		rv_array_free(ghosts);
		*ghosts = s.ghosts;
	} else {
		rv_array_free(&s.ghosts);
	}
	pthread_cond_destroy(&s.changed);
	pthread_mutex_destroy(&s.lock);
	return ret;
}

int ghost_scan_queue(struct ghosts *g, const struct ghost_rule *rule, const char *key, size_t klen,
		     enum rv_type type, ghost_filter_fn filter, void *filter_arg,
		     struct rv_array *ghosts)
{
	struct scan_source src = {.key = key, .klen = klen, .type = type};

	return scan_run(g, rule, &src, filter, filter_arg, ghosts);
}

int ghost_scan_names(struct ghosts *g, const struct ghost_rule *rule, const struct rv_array *names,
		     ghost_filter_fn filter, void *filter_arg, struct rv_array *ghosts)
{
	struct scan_source src = {.names = names};

	return scan_run(g, rule, &src, filter, filter_arg, ghosts);
}
