/* emptying.c - which folders an rm -r has emptied: when rmdir may remove keys (SPEC 5). */
#include "emptying.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "names.h"

#define BUCKETS 256 /* a power of two; records are few, at most EMPTYING_MAX */

/* A folder's latest listing and what has gone from it through the mount. */
struct folder_record {
	struct folder_record *next; /* in its bucket */
	int db;
	char *prefix; /* the keys' common start: the folder; empty for a database */
	size_t prefix_len;
	struct listing *listing; /* its files (a reference): which of them went */
	struct rv_array folders; /* its subfolders' names as shown, sorted */
	unsigned char *gone;	 /* gone[i]: subfolder i was removed through the mount */
	size_t folders_left;	 /* subfolders not gone */
	struct timespec active;	 /* CLOCK_MONOTONIC: the last listing, removal, rmdir below */
};

struct emptying {
	pthread_mutex_t lock; /* guards every record */
	struct folder_record *buckets[BUCKETS];
	size_t count;
	char *delimiter;
	size_t delimiter_len;
};

struct emptying *emptying_new(const char *delimiter, size_t delimiter_len)
{
	struct emptying *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	if (delimiter_len) {
		e->delimiter = malloc(delimiter_len);
		if (!e->delimiter) {
			free(e);
			return NULL;
		}
		memcpy(e->delimiter, delimiter, delimiter_len);
		e->delimiter_len = delimiter_len;
	}
	pthread_mutex_init(&e->lock, NULL);
	return e;
}

static void record_free(struct folder_record *r)
{
	listing_put(r->listing);
	rv_array_free(&r->folders);
	free(r->gone);
	free(r->prefix);
	free(r);
}

void emptying_free(struct emptying *e)
{
	if (!e)
		return;
	for (size_t b = 0; b < BUCKETS; b++) {
		while (e->buckets[b]) {
			struct folder_record *r = e->buckets[b];

			e->buckets[b] = r->next;
			record_free(r);
		}
	}
	pthread_mutex_destroy(&e->lock);
	free(e->delimiter);
	free(e);
}

size_t emptying_folder_len(const char *key, size_t len, const char *delimiter, size_t delimiter_len)
{
	size_t at = 0;

	if (!delimiter_len)
		return 0;
	for (;;) {
		const char *d = len - at >= delimiter_len
					? memmem(key + at, len - at, delimiter, delimiter_len)
					: NULL;

		if (!d)
			return at;
		at = (size_t) (d - key) + delimiter_len;
	}
}

static size_t bucket_of(int db, const char *prefix, size_t len)
{
	return (size_t) (names_hash(prefix, len) ^ (uint64_t) db) & (BUCKETS - 1);
}

/* The link that points at the folder's record, or at the NULL where it would go. Under lock. */
static struct folder_record **find(struct emptying *e, int db, const char *prefix, size_t len)
{
	struct folder_record **link = &e->buckets[bucket_of(db, prefix, len)];

	for (; *link; link = &(*link)->next) {
		struct folder_record *r = *link;

		if (r->db == db && r->prefix_len == len &&
		    (!len || !memcmp(r->prefix, prefix, len)))
			break;
	}
	return link;
}

static void unlink_record(struct emptying *e, struct folder_record **link)
{
	struct folder_record *r = *link;

	*link = r->next;
	e->count--;
	record_free(r);
}

static double seconds_since(const struct timespec *then, const struct timespec *now)
{
	return (double) (now->tv_sec - then->tv_sec) +
	       (double) (now->tv_nsec - then->tv_nsec) / 1e9;
}

/*
 * Records idle for EMPTYING_IDLE go; past EMPTYING_MAX, the least recently
 * active goes too, so that one more fits. Under lock.
 */
static void prune(struct emptying *e, const struct timespec *now)
{
	struct folder_record **oldest;

	do {
		oldest = NULL;
		for (size_t b = 0; b < BUCKETS; b++) {
			struct folder_record **link = &e->buckets[b];

			while (*link) {
				if (seconds_since(&(*link)->active, now) >= EMPTYING_IDLE) {
					unlink_record(e, link);
					continue;
				}
				if (!oldest ||
				    seconds_since(&(*link)->active, &(*oldest)->active) > 0)
					oldest = link;
				link = &(*link)->next;
			}
		}
		if (e->count >= EMPTYING_MAX && oldest)
			unlink_record(e, oldest);
	} while (e->count >= EMPTYING_MAX && oldest);
}

/*
 * Activity in the folder of `prefix`: it and every folder above it stay
 * (an rm -r spends long in a big subfolder before it comes back up). Under lock.
 */
static void touch(struct emptying *e, int db, const char *prefix, size_t len,
		  const struct timespec *now)
{
	size_t at = 0;

	for (;;) {
		struct folder_record *r = *find(e, db, prefix, at);
		const char *d;

		if (r)
			r->active = *now;
		if (at >= len || !e->delimiter_len)
			return;
		d = memmem(prefix + at, len - at, e->delimiter, e->delimiter_len);
		if (!d)
			return;
		at = (size_t) (d - prefix) + e->delimiter_len;
	}
}

void emptying_listed(struct emptying *e, int db, const char *prefix, size_t len, struct listing *l,
		     const struct rv_array *folders)
{
	struct folder_record *r = calloc(1, sizeof *r), **link;
	struct timespec now;
	size_t n;
	bool failed = !r;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (r) {
		r->db = db;
		r->prefix = malloc(len ? len : 1);
		r->prefix_len = len;
		failed = !r->prefix;
		if (!failed && len)
			memcpy(r->prefix, prefix, len);
		for (size_t i = 0; !failed && folders && i < folders->count; i++) {
			const char *name = rv_array_get(folders, i, &n);

			failed = rv_array_push(&r->folders, name, n) != 0;
		}
		failed = failed || rv_array_sort_unique(&r->folders) != 0;
		r->folders_left = r->folders.count;
		r->gone = calloc(r->folders.count ? r->folders.count : 1, 1);
		failed = failed || !r->gone;
		r->active = now;
		listing_get(l);
		r->listing = l;
	}
	pthread_mutex_lock(&e->lock);
	link = find(e, db, prefix, len);
	if (*link)
		unlink_record(e, link); /* the older listing is no longer the latest */
	if (!failed) {
		prune(e, &now);
		link = &e->buckets[bucket_of(db, prefix, len)];
		r->next = *link;
		*link = r;
		e->count++;
		touch(e, db, prefix, len, &now);
	}
	pthread_mutex_unlock(&e->lock);
	if (failed && r)
		record_free(r);
}

void emptying_forget(struct emptying *e, int db, const char *prefix, size_t len)
{
	struct folder_record **link;

	pthread_mutex_lock(&e->lock);
	link = find(e, db, prefix, len);
	if (*link)
		unlink_record(e, link);
	pthread_mutex_unlock(&e->lock);
}

void emptying_key_removed(struct emptying *e, int db, const char *key, size_t len)
{
	size_t folder = emptying_folder_len(key, len, e->delimiter, e->delimiter_len);
	struct folder_record *r;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&e->lock);
	r = *find(e, db, key, folder);
	/* out of memory, the key is not counted: its folder then stays "not emptied" */
	if (r)
		(void) listing_mark_removed(r->listing, key, len);
	touch(e, db, key, folder, &now);
	pthread_mutex_unlock(&e->lock);
}

bool emptying_done(struct emptying *e, int db, const char *prefix, size_t len)
{
	struct folder_record *r;
	bool done;

	pthread_mutex_lock(&e->lock);
	r = *find(e, db, prefix, len);
	done = r && r->folders_left == 0 && listing_emptied(r->listing);
	pthread_mutex_unlock(&e->lock);
	return done;
}

bool emptying_removed_some(struct emptying *e, int db, const char *prefix, size_t len)
{
	struct folder_record *r;
	bool some;

	pthread_mutex_lock(&e->lock);
	r = *find(e, db, prefix, len);
	some = r && (r->folders_left < r->folders.count || listing_removed(r->listing) > 0);
	pthread_mutex_unlock(&e->lock);
	return some;
}

/* Index of `name` in sorted `names` (with its NUL, as listings push them), or -1. */
static long find_name(const struct rv_array *names, const char *name)
{
	return rv_array_find(names, name, strlen(name) + 1);
}

void emptying_folder_removed(struct emptying *e, int db, const char *prefix, size_t len)
{
	char name[NAMES_MAX + 1];
	struct folder_record **link, *parent;
	struct timespec now;
	size_t up = 0;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&e->lock);
	link = find(e, db, prefix, len);
	if (*link)
		unlink_record(e, link);
	if (!len || !e->delimiter_len || len < e->delimiter_len)
		goto out; /* a database folder has no parent that lists it as a subfolder */
	/* "user:1:" is the folder "1:" of "user:": its last segment, delimiter included */
	up = emptying_folder_len(prefix, len - e->delimiter_len, e->delimiter, e->delimiter_len);
	names_encode(prefix + up, len - up, name);
	parent = *find(e, db, prefix, up);
	i = parent ? find_name(&parent->folders, name) : -1;
	if (i >= 0 && !parent->gone[i]) {
		parent->gone[i] = 1;
		parent->folders_left--;
	}
	touch(e, db, prefix, up, &now);
out:
	pthread_mutex_unlock(&e->lock);
}
