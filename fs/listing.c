/* listing.c - a folder's keys as SCAN gives them: each once, served while the scan goes on. */
#include "listing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_FIRST 1024 /* slots of a new index; doubles as keys come */

/* One SCAN reply's keys, queued for the index. */
struct listing_batch {
	struct listing_batch *next;
	struct rv_array keys;
};

struct listing *listing_new(int db, double patience)
{
	struct listing *l = calloc(1, sizeof *l);
	pthread_condattr_t attr;

	if (!l)
		return NULL;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadline_in's clock */
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->grown, &attr);
	pthread_condattr_destroy(&attr);
	l->pending_tail = &l->pending;
	l->db = db;
	l->patience = patience;
	atomic_init(&l->refs, 1);
	atomic_init(&l->cancel, false);
	clock_gettime(CLOCK_MONOTONIC, &l->taken);
	l->used = l->taken;
	return l;
}

void listing_get(struct listing *l)
{
	atomic_fetch_add(&l->refs, 1);
}

void listing_put(struct listing *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	while (l->pending) {
		struct listing_batch *b = l->pending;

		l->pending = b->next;
		rv_array_free(&b->keys);
		free(b);
	}
	rv_array_free(&l->keys);
	free(l->index);
	pthread_cond_destroy(&l->grown);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* 32 bits of the key's hash: where its slot is, and a tag that spares most key comparisons. */
static uint32_t hash32(const char *key, size_t len)
{
	uint64_t h = names_hash(key, len);

	return (uint32_t) (h ^ (h >> 32)); /* FNV's low bits alone mix poorly */
}

/*
 * The slot where the key of hash `h` is, or the free slot where it would go;
 * under the lock. Keys are read only when the tag matches: a probe that
 * touched every key it passed would miss the cache at each one.
 */
static size_t slot_of(const struct listing *l, uint32_t h, const char *key, size_t len)
{
	size_t mask = l->index_size - 1, at = h & mask, n;

	for (; l->index[at]; at = (at + 1) & mask) {
		uint64_t slot = l->index[at];
		const char *k;

		if ((uint32_t) (slot >> 32) != h)
			continue;
		k = rv_array_get(&l->keys, (uint32_t) slot - 1, &n);
		if (n == len && (len == 0 || memcmp(k, key, len) == 0))
			break;
	}
	return at;
}

/* Make room for `more` keys at at most half the slots; under the lock. */
static int index_reserve(struct listing *l, size_t more)
{
	size_t size = l->index_size ? l->index_size : INDEX_FIRST, mask;
	uint64_t *old = l->index;
	size_t old_size = l->index_size;

	if (more >= UINT32_MAX - 1 - l->keys.count)
		return -ENOMEM;
	while (size < 2 * (l->keys.count + more))
		size *= 2;
	if (size == l->index_size)
		return 0;
	l->index = calloc(size, sizeof *l->index);
	if (!l->index) {
		l->index = old;
		return -ENOMEM;
	}
	l->index_size = size;
	mask = size - 1;
	/* keys are unique here: each goes to the first free slot from its hash */
	for (size_t i = 0; i < old_size; i++) {
		if (old[i]) {
			size_t at = (size_t) (old[i] >> 32) & mask;

			while (l->index[at])
				at = (at + 1) & mask;
			l->index[at] = old[i];
		}
	}
	free(old);
	return 0;
}

static int drain_all_locked(struct listing *l);

/* Add a key of hash `h` unless it is there; room in the index is reserved. Under the lock. */
static int insert_locked(struct listing *l, uint32_t h, const char *key, size_t len)
{
	size_t at = slot_of(l, h, key, len);

	if (l->index[at])
		return 0; /* SCAN gave it before */
	if (rv_array_push(&l->keys, key, len))
		return -ENOMEM;
	l->index[at] = (uint64_t) h << 32 | (uint32_t) l->keys.count;
	return 0;
}

int listing_push(struct listing *l, const char *key, size_t len)
{
	uint32_t h = hash32(key, len);
	int ret;

	pthread_mutex_lock(&l->lock);
	ret = drain_all_locked(l); /* in the order they came */
	if (!ret)
		ret = index_reserve(l, 1);
	if (!ret)
		ret = insert_locked(l, h, key, len);
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int listing_reserve(struct listing *l, size_t keys)
{
	int ret;

	pthread_mutex_lock(&l->lock);
	ret = index_reserve(l, keys);
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* Add the keys of a batch, repeats dropped. Under the lock. 0 or -ENOMEM. */
static int insert_batch_locked(struct listing *l, const struct rv_array *batch)
{
	uint32_t *hashes;
	const char *key;
	size_t len, mask;
	int ret;

	if (!batch->count)
		return 0;
	hashes = malloc(batch->count * sizeof *hashes);
	if (!hashes)
		return -ENOMEM;
	ret = index_reserve(l, batch->count);
	mask = l->index_size - 1;
	for (size_t i = 0; !ret && i < batch->count; i++) {
		key = rv_array_get(batch, i, &len);
		hashes[i] = hash32(key, len);
		/*
		 * A big index is far bigger than the cache, and each insert would
		 * wait for its slot from memory: asking for all the batch's slots
		 * first lets those waits overlap.
		 */
		__builtin_prefetch(&l->index[hashes[i] & mask]);
	}
	for (size_t i = 0; !ret && i < batch->count; i++) {
		key = rv_array_get(batch, i, &len);
		ret = insert_locked(l, hashes[i], key, len);
	}
	free(hashes);
	return ret;
}

/*
 * Add the oldest queued batch; under the lock. A failure fails the listing:
 * it could no longer be complete. Returns 0 or -errno.
 */
static int drain_one_locked(struct listing *l)
{
	struct listing_batch *b = l->pending;
	int ret;

	l->pending = b->next;
	if (!l->pending)
		l->pending_tail = &l->pending;
	l->pending_count--;
	ret = insert_batch_locked(l, &b->keys);
	rv_array_free(&b->keys);
	free(b);
	if (ret) {
		l->state = ret;
		pthread_cond_broadcast(&l->grown);
	}
	return ret;
}

static int drain_all_locked(struct listing *l)
{
	int ret = 0;

	while (!ret && l->pending)
		ret = drain_one_locked(l);
	return ret;
}

int listing_scan_step(struct listing *l, struct redis_scan *scan, bool *done)
{
	struct listing_batch *b = calloc(1, sizeof *b);
	int ret = b ? 0 : -ENOMEM;

	if (!ret)
		ret = redis_scan_next(scan, &b->keys, done);
	if (ret) {
		if (b)
			rv_array_free(&b->keys);
		free(b);
		return ret;
	}
	pthread_mutex_lock(&l->lock);
	*l->pending_tail = b;
	l->pending_tail = &b->next;
	l->pending_count++;
	while (!ret && l->pending_count > LISTING_PENDING_MAX)
		ret = drain_one_locked(l); /* nobody reads fast enough: add them here */
	pthread_cond_broadcast(&l->grown);
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int listing_finish(struct listing *l, int state)
{
	pthread_mutex_lock(&l->lock);
	if (!state)
		state = drain_all_locked(l);
	l->state = state;
	pthread_cond_broadcast(&l->grown);
	pthread_mutex_unlock(&l->lock);
	return state;
}

long listing_find(struct listing *l, const char *key, size_t len)
{
	long at = -1;

	pthread_mutex_lock(&l->lock);
	(void) drain_all_locked(l); /* on failure, what is there can still be found */
	if (l->index_size) {
		size_t slot = slot_of(l, hash32(key, len), key, len);

		if (l->index[slot])
			at = (long) (uint32_t) l->index[slot] - 1;
	}
	pthread_mutex_unlock(&l->lock);
	return at;
}

/* A deadline `seconds` from now on CLOCK_MONOTONIC (the condition variable's clock). */
static struct timespec deadline_in(double seconds)
{
	struct timespec t;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &t);
	ns = (long long) t.tv_nsec + (long long) (seconds * 1e9);
	t.tv_sec += (time_t) (ns / 1000000000LL);
	t.tv_nsec = (long) (ns % 1000000000LL);
	return t;
}

int listing_name(struct listing *l, size_t i, size_t skip, char buf[NAMES_MAX + 1])
{
	const char *key;
	size_t len;
	int ret = 1;

	pthread_mutex_lock(&l->lock);
	while (i >= l->keys.count && (l->pending || l->state == LISTING_SCANNING)) {
		struct timespec until = deadline_in(l->patience);
		size_t had = l->keys.count;

		if (l->pending) {
			if (drain_one_locked(l))
				break; /* the state says why */
			continue;
		}
		if (pthread_cond_timedwait(&l->grown, &l->lock, &until) == ETIMEDOUT &&
		    l->keys.count == had && !l->pending && l->state == LISTING_SCANNING) {
			ret = -EIO; /* cannot happen while every command has its timeout */
			break;
		}
	}
	if (ret == 1 && i >= l->keys.count)
		ret = l->state; /* 0: the end; or why the scan failed */
	if (ret == 1) {
		key = rv_array_get(&l->keys, i, &len);
		names_encode(key + skip, len - skip, buf);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int listing_copy(struct listing *l, size_t first, size_t max, struct rv_array *out)
{
	const char *key;
	size_t len;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	while (l->pending && l->keys.count < first + max && !drain_one_locked(l))
		;
	for (size_t i = first; !ret && i < l->keys.count && i - first < max; i++) {
		key = rv_array_get(&l->keys, i, &len);
		ret = rv_array_push(out, key, len);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

bool listing_complete(struct listing *l)
{
	bool complete;

	pthread_mutex_lock(&l->lock);
	complete = l->state == 0;
	pthread_mutex_unlock(&l->lock);
	return complete;
}

void listing_cancel(struct listing *l)
{
	atomic_store(&l->cancel, true);
}

void listing_scans_init(struct listing_scans *scans, struct redis_pool *pool)
{
	scans->pool = pool;
	pthread_mutex_init(&scans->lock, NULL);
	pthread_cond_init(&scans->idle, NULL);
	scans->running = 0;
}

void listing_scans_wait(struct listing_scans *scans)
{
	pthread_mutex_lock(&scans->lock);
	while (scans->running)
		pthread_cond_wait(&scans->idle, &scans->lock);
	pthread_mutex_unlock(&scans->lock);
}

struct scan_job {
	struct listing_scans *scans;
	struct listing *l;
	struct redis_scan *scan;
	void (*done)(void *arg, struct listing *l);
	void *arg;
};

static void *scan_thread(void *arg)
{
	struct scan_job *job = arg;
	struct listing *l = job->l;
	bool done = false;
	int ret = 0;

	while (!ret && !done) {
		if (atomic_load(&l->cancel))
			ret = -ECANCELED;
		else
			ret = listing_scan_step(l, job->scan, &done);
	}
	ret = listing_finish(l, ret);
	if (!ret && job->done)
		job->done(job->arg, l);
	redis_scan_close(job->scan);
	listing_put(l);
	/* before the count drops: teardown closes the pool once it is zero */
	redis_pool_thread_done(job->scans->pool);
	pthread_mutex_lock(&job->scans->lock);
	if (--job->scans->running == 0)
		pthread_cond_broadcast(&job->scans->idle);
	pthread_mutex_unlock(&job->scans->lock);
	free(job);
	return NULL;
}

int listing_scan_start(struct listing_scans *scans, struct listing *l, struct redis_scan *scan,
		       void (*done)(void *arg, struct listing *l), void *arg)
{
	struct scan_job *job = malloc(sizeof *job);
	pthread_attr_t attr;
	pthread_t thread;
	int ret;

	if (!job)
		return -ENOMEM;
	*job = (struct scan_job){scans, l, scan, done, arg};
	pthread_mutex_lock(&l->lock);
	l->state = LISTING_SCANNING;
	pthread_mutex_unlock(&l->lock);
	listing_get(l);
	pthread_mutex_lock(&scans->lock);
	scans->running++;
	pthread_mutex_unlock(&scans->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = -pthread_create(&thread, &attr, scan_thread, job);
	pthread_attr_destroy(&attr);
	if (ret) {
		pthread_mutex_lock(&scans->lock);
		scans->running--;
		pthread_mutex_unlock(&scans->lock);
		listing_put(l);
		listing_finish(l, 0);
		free(job);
	}
	return ret;
}
