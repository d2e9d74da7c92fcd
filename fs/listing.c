/* listing.c - a folder's keys as SCAN gives them: each once, pulled as readdir needs them. */
#include "listing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_FIRST 1024 /* slots of a new index; doubles as keys come */

struct listing *listing_new(int db)
{
	struct listing *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->walk_lock, NULL);
	l->db = db;
	atomic_init(&l->refs, 1);
	clock_gettime(CLOCK_MONOTONIC, &l->taken);
	l->used = l->taken;
	return l;
}

void listing_get(struct listing *l)
{
	atomic_fetch_add(&l->refs, 1);
}

/* Close the walk and forget it; under walk_lock (or with the last reference). */
static void walk_end(struct listing *l)
{
	if (l->walk.close)
		l->walk.close(l->walk.arg);
	memset(&l->walk, 0, sizeof l->walk);
	rv_array_free(&l->batch);
}

void listing_put(struct listing *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	walk_end(l); /* a folder closed before the end of its walk */
	rv_array_free(&l->keys);
	free(l->index);
	free(l->removed);
	pthread_mutex_destroy(&l->walk_lock);
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

void listing_walk_from(struct listing *l, const struct listing_walk *walk)
{
	pthread_mutex_lock(&l->walk_lock);
	l->walk = *walk;
	pthread_mutex_lock(&l->lock);
	l->state = LISTING_WALKING;
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_unlock(&l->walk_lock);
}

static int state_of(struct listing *l)
{
	int state;

	pthread_mutex_lock(&l->lock);
	state = l->state;
	pthread_mutex_unlock(&l->lock);
	return state;
}

int listing_pull(struct listing *l)
{
	bool done = false;
	int ret;

	pthread_mutex_lock(&l->walk_lock);
	ret = state_of(l);
	if (ret != LISTING_WALKING) {
		pthread_mutex_unlock(&l->walk_lock);
		return ret; /* pulled to the end (0) or failed meanwhile */
	}
	rv_array_clear(&l->batch);
	/* `lock` is free while the walk waits: what has come can be read meanwhile */
	ret = l->walk.next(l->walk.arg, &l->batch, &done);
	pthread_mutex_lock(&l->lock);
	if (!ret)
		ret = insert_batch_locked(l, &l->batch);
	if (ret || done)
		l->state = ret; /* complete, or failed for good: never an end that looks complete */
	pthread_mutex_unlock(&l->lock);
	if (ret || done)
		walk_end(l); /* its connection goes now, not when the folder is closed */
	pthread_mutex_unlock(&l->walk_lock);
	return ret;
}

long listing_find(struct listing *l, const char *key, size_t len)
{
	long at = -1;

	pthread_mutex_lock(&l->lock);
	if (l->index_size) {
		size_t slot = slot_of(l, hash32(key, len), key, len);

		if (l->index[slot])
			at = (long) (uint32_t) l->index[slot] - 1;
	}
	pthread_mutex_unlock(&l->lock);
	return at;
}

/* Whether a pull now would not wait for Redis. */
static bool walk_ready(struct listing *l)
{
	bool ready;

	pthread_mutex_lock(&l->walk_lock);
	ready = state_of(l) != LISTING_WALKING || !l->walk.ready || l->walk.ready(l->walk.arg);
	pthread_mutex_unlock(&l->walk_lock);
	return ready;
}

int listing_name(struct listing *l, size_t i, size_t skip, bool wait, char buf[NAMES_MAX + 1])
{
	const char *key;
	size_t len;
	int ret;

	pthread_mutex_lock(&l->lock);
	while (i >= l->keys.count && l->state == LISTING_WALKING) {
		pthread_mutex_unlock(&l->lock);
		if (!wait && !walk_ready(l))
			return -EAGAIN;
		(void) listing_pull(l); /* a failure stays in the state, for every later call */
		pthread_mutex_lock(&l->lock);
	}
	ret = i < l->keys.count ? 1 : l->state; /* 0: the end; or why the walk failed */
	if (ret == 1) {
		key = rv_array_get(&l->keys, i, &len);
		names_encode(key + skip, len - skip, buf);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

void listing_fill(struct listing *l, size_t count)
{
	pthread_mutex_lock(&l->lock);
	while (l->keys.count < count && l->state == LISTING_WALKING) {
		pthread_mutex_unlock(&l->lock);
		if (listing_pull(l))
			return; /* the state keeps it, for readdir to report */
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
}

int listing_copy(struct listing *l, size_t first, size_t max, struct rv_array *out)
{
	const char *key;
	size_t len;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	for (size_t i = first; !ret && i < l->keys.count && i - first < max; i++) {
		key = rv_array_get(&l->keys, i, &len);
		ret = rv_array_push(out, key, len);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

bool listing_complete(struct listing *l)
{
	return state_of(l) == 0;
}

void listing_mark_read_to_end(struct listing *l)
{
	pthread_mutex_lock(&l->lock);
	l->read_to_end = true;
	pthread_mutex_unlock(&l->lock);
}

/* Room in `removed` for bit `at`; under the lock. 0 or -ENOMEM. */
static int removed_reserve(struct listing *l, size_t at)
{
	size_t words = l->removed_words ? l->removed_words : 16;
	uint64_t *bits;

	if (at / 64 < l->removed_words)
		return 0;
	while (words <= at / 64)
		words *= 2;
	bits = realloc(l->removed, words * sizeof *bits);
	if (!bits)
		return -ENOMEM;
	memset(bits + l->removed_words, 0, (words - l->removed_words) * sizeof *bits);
	l->removed = bits;
	l->removed_words = words;
	return 0;
}

int listing_mark_removed(struct listing *l, const char *key, size_t len)
{
	uint32_t h = hash32(key, len);
	size_t slot, at;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (!l->index_size)
		goto out; /* it showed no key */
	slot = slot_of(l, h, key, len);
	if (!l->index[slot])
		goto out; /* added after the listing: not one it showed */
	at = (uint32_t) l->index[slot] - 1;
	ret = removed_reserve(l, at);
	if (!ret && !(l->removed[at / 64] & (UINT64_C(1) << (at % 64)))) {
		l->removed[at / 64] |= UINT64_C(1) << (at % 64);
		l->removed_count++;
	}
out:
	pthread_mutex_unlock(&l->lock);
	return ret;
}

size_t listing_removed(struct listing *l)
{
	size_t n;

	pthread_mutex_lock(&l->lock);
	n = l->removed_count;
	pthread_mutex_unlock(&l->lock);
	return n;
}

bool listing_emptied(struct listing *l)
{
	bool emptied;

	pthread_mutex_lock(&l->lock);
	/* complete, read, and each key counted once: a count equal to the keys is all of them */
	emptied = l->state == 0 && l->read_to_end && l->removed_count == l->keys.count;
	pthread_mutex_unlock(&l->lock);
	return emptied;
}
