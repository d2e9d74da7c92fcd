/* recent.c - each database's recent listing: which keys a lookup fetches along with its own. */
#include "recent.h"

#include <pthread.h>
#include <time.h>

void recent_remember(struct rfs *fs, struct listing *l)
{
	struct listing *old;

	if (!fs->recent || fs->cache_timeout <= 0)
		return;
	listing_get(l);
	pthread_mutex_lock(&fs->recent_lock);
	old = fs->recent[l->db];
	fs->recent[l->db] = l;
	pthread_mutex_unlock(&fs->recent_lock);
	listing_put(old);
}

void recent_forget(struct rfs *fs, int db)
{
	struct listing *old;

	if (!fs->recent)
		return;
	pthread_mutex_lock(&fs->recent_lock);
	old = fs->recent[db];
	fs->recent[db] = NULL;
	pthread_mutex_unlock(&fs->recent_lock);
	listing_put(old);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double) (b->tv_sec - a->tv_sec) + (double) (b->tv_nsec - a->tv_nsec) / 1e9;
}

struct listing *recent_get(struct rfs *fs, int db)
{
	struct listing *l = NULL;
	struct timespec now;

	if (!fs->recent)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&fs->recent_lock);
	l = fs->recent[db];
	if (l && (seconds_between(&l->taken, &now) < fs->cache_timeout ||
		  seconds_between(&l->used, &now) < RECENT_LOOKAHEAD_IDLE)) {
		listing_get(l);
		l->used = now;
	} else {
		l = NULL;
	}
	pthread_mutex_unlock(&fs->recent_lock);
	return l;
}

void recent_forget_all(struct rfs *fs)
{
	for (int db = 0; fs->recent && db < fs->db_count; db++) {
		listing_put(fs->recent[db]);
		fs->recent[db] = NULL;
	}
}
