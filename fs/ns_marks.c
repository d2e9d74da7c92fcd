/* ns_marks.c - namespace folders an rm -r is emptying: still there for its rmdir (SPEC 8). */
#include "ns_marks.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "names.h"

#define NS_MARKS_BUCKETS 1024

struct ns_mark {
	struct ns_mark *next;
	struct timespec expires; /* CLOCK_MONOTONIC */
	int db;
	size_t len;
	char rel[]; /* len bytes */
};

int ns_marks_init(struct ns_marks *m, double timeout)
{
	memset(m, 0, sizeof *m);
	m->timeout = timeout;
	m->nbuckets = NS_MARKS_BUCKETS;
	m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
	if (!m->buckets)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	return 0;
}

/* Drop every mark; under the lock. */
static void clear(struct ns_marks *m)
{
	for (size_t b = 0; b < m->nbuckets; b++) {
		while (m->buckets[b]) {
			struct ns_mark *e = m->buckets[b];

			m->buckets[b] = e->next;
			free(e);
		}
	}
	m->count = 0;
}

void ns_marks_free(struct ns_marks *m)
{
	if (!m->buckets)
		return;
	clear(m);
	free(m->buckets);
	pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof *m);
}

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static bool before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* The link that points at the mark of (db, rel) (or at the NULL ending its bucket). Locked. */
static struct ns_mark **find(struct ns_marks *m, int db, const char *rel, size_t len)
{
	uint64_t h = names_hash(rel, len) ^ ((uint64_t) db * 0x9E3779B97F4A7C15ULL);
	struct ns_mark **link = &m->buckets[h % m->nbuckets];

	while (*link &&
	       !((*link)->db == db && (*link)->len == len && !memcmp((*link)->rel, rel, len)))
		link = &(*link)->next;
	return link;
}

void ns_marks_put(struct ns_marks *m, int db, const char *rel, size_t len)
{
	struct timespec expires = now();
	double whole = (double) (time_t) m->timeout;
	struct ns_mark **link, *e;

	if (m->timeout <= 0)
		return;
	expires.tv_sec += (time_t) whole;
	expires.tv_nsec += (long) ((m->timeout - whole) * 1e9);
	if (expires.tv_nsec >= 1000000000L) {
		expires.tv_sec++;
		expires.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	link = find(m, db, rel, len);
	if (!*link) {
		if (m->count >= NS_MARKS_MAX) {
			clear(m);
			link = find(m, db, rel, len);
		}
		e = malloc(sizeof *e + (len ? len : 1));
		if (!e) {
			pthread_mutex_unlock(&m->lock);
			return; /* a mark may always be missing: rmdir then answers as Redis does */
		}
		e->next = NULL;
		e->db = db;
		e->len = len;
		memcpy(e->rel, rel, len);
		*link = e;
		m->count++;
	}
	(*link)->expires = expires;
	pthread_mutex_unlock(&m->lock);
}

bool ns_marks_has(struct ns_marks *m, int db, const char *rel, size_t len)
{
	struct ns_mark **link, *e;
	bool live = false;

	if (m->timeout <= 0)
		return false;
	pthread_mutex_lock(&m->lock);
	link = find(m, db, rel, len);
	e = *link;
	if (e && before(now(), e->expires)) {
		live = true;
	} else if (e) {
		*link = e->next; /* stale: gone for good */
		free(e);
		m->count--;
	}
	pthread_mutex_unlock(&m->lock);
	return live;
}
