/* key_times.c - mtime per key and per folder: the last change made through the mount (SPEC 4). */
#include "key_times.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#define KEY_TIMES_BUCKETS 16384

struct key_time {
	struct key_time *next;		/* hash chain */
	struct key_time *older, *newer; /* the order of changes */
	struct timespec when;
	int db;
	enum key_time_kind kind;
	size_t len;
	char bytes[]; /* len bytes */
};

int key_times_init(struct key_times *t)
{
	memset(t, 0, sizeof *t);
	t->nbuckets = KEY_TIMES_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
	if (!t->buckets)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void key_times_free(struct key_times *t)
{
	struct key_time *e = t->oldest;

	if (!t->buckets)
		return;
	while (e) {
		struct key_time *newer = e->newer;

		free(e);
		e = newer;
	}
	free(t->buckets);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof *t);
}

static size_t bucket_of(const struct key_times *t, int db, enum key_time_kind kind,
			const char *bytes, size_t len)
{
	return (names_hash(bytes, len) ^ ((uint64_t) db * 0x9E3779B97F4A7C15ULL) ^ kind) %
	       t->nbuckets;
}

/* The link that points at the entry, or at the NULL ending its chain; under the lock. */
static struct key_time **find(struct key_times *t, int db, enum key_time_kind kind,
			      const char *bytes, size_t len)
{
	struct key_time **link = &t->buckets[bucket_of(t, db, kind, bytes, len)];

	for (; *link; link = &(*link)->next) {
		struct key_time *e = *link;

		if (e->db == db && e->kind == kind && e->len == len &&
		    !memcmp(e->bytes, bytes, len))
			break;
	}
	return link;
}

/* Take `e` out of the order of changes; under the lock. */
static void unorder(struct key_times *t, struct key_time *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		t->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		t->newest = e->older;
	e->older = e->newer = NULL;
}

/* Put `e` last in the order of changes; under the lock. */
static void order_newest(struct key_times *t, struct key_time *e)
{
	e->older = t->newest;
	e->newer = NULL;
	if (t->newest)
		t->newest->newer = e;
	else
		t->oldest = e;
	t->newest = e;
}

/* Unlink and free the entry that *link points at; under the lock. */
static void drop(struct key_times *t, struct key_time **link)
{
	struct key_time *e = *link;

	*link = e->next;
	unorder(t, e);
	free(e);
	t->count--;
}

void key_times_set(struct key_times *t, int db, enum key_time_kind kind, const char *bytes,
		   size_t len, const struct timespec *when)
{
	struct key_time **link, *e;

	if (!t->buckets)
		return;
	pthread_mutex_lock(&t->lock);
	link = find(t, db, kind, bytes, len);
	e = *link;
	if (e) {
		unorder(t, e);
	} else {
		if (t->count >= KEY_TIMES_MAX) {
			struct key_time *old = t->oldest;

			drop(t, find(t, old->db, old->kind, old->bytes, old->len));
			link = find(t, db, kind, bytes, len);
		}
		e = malloc(sizeof *e + (len ? len : 1));
		if (!e) {
			pthread_mutex_unlock(&t->lock);
			return; /* the time is lost, not the change: the mount's time shows */
		}
		e->db = db;
		e->kind = kind;
		e->len = len;
		memcpy(e->bytes, bytes, len);
		e->next = NULL;
		*link = e;
		t->count++;
	}
	e->when = *when;
	order_newest(t, e);
	pthread_mutex_unlock(&t->lock);
}

bool key_times_get(struct key_times *t, int db, enum key_time_kind kind, const char *bytes,
		   size_t len, struct timespec *when)
{
	struct key_time *e;

	if (!t->buckets)
		return false;
	pthread_mutex_lock(&t->lock);
	e = *find(t, db, kind, bytes, len);
	if (e)
		*when = e->when;
	pthread_mutex_unlock(&t->lock);
	return e != NULL;
}

void key_times_forget(struct key_times *t, int db, enum key_time_kind kind, const char *bytes,
		      size_t len)
{
	struct key_time **link;

	if (!t->buckets)
		return;
	pthread_mutex_lock(&t->lock);
	link = find(t, db, kind, bytes, len);
	if (*link)
		drop(t, link);
	pthread_mutex_unlock(&t->lock);
}
