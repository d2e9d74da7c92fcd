/* open_keys.c - what every descriptor of one key shares while it is open: its bytes and state. */
#include "open_keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

void open_keys_init(struct open_keys *t)
{
	memset(t, 0, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
}

void open_keys_destroy(struct open_keys *t)
{
	pthread_mutex_destroy(&t->lock);
}

static size_t bucket_of(int db, const char *key, size_t len)
{
	return (names_hash(key, len) ^ (uint64_t) db) % OPEN_KEYS_BUCKETS;
}

/* The link that points at the key's open key, or at the NULL ending its chain; table locked. */
static struct open_key **find(struct open_keys *t, int db, const char *key, size_t len)
{
	struct open_key **link = &t->buckets[bucket_of(db, key, len)];

	for (; *link; link = &(*link)->next)
		if ((*link)->db == db && (*link)->len == len && !memcmp((*link)->key, key, len))
			break;
	return link;
}

/* Take `ok` out of its chain, or out of the removed ones; table locked. */
static void unchain(struct open_keys *t, struct open_key *ok)
{
	struct open_key **link = ok->in_table ? find(t, ok->db, ok->key, ok->len) : &t->removed;

	while (*link && *link != ok)
		link = &(*link)->next;
	if (*link == ok)
		*link = ok->next;
	ok->next = NULL;
	ok->in_table = false;
}

int open_keys_get(struct open_keys *t, int db, const char *key, size_t len, struct open_key **out)
{
	struct open_key **link, *ok;

	pthread_mutex_lock(&t->lock);
	link = find(t, db, key, len);
	ok = *link;
	if (!ok) {
		ok = calloc(1, sizeof *ok);
		if (ok)
			ok->key = malloc(len ? len : 1);
		if (!ok || !ok->key) {
			free(ok);
			pthread_mutex_unlock(&t->lock);
			return -ENOMEM;
		}
		memcpy(ok->key, key, len);
		ok->len = len;
		ok->db = db;
		ok->type = RV_NONE;
		ok->in_table = true;
		pthread_mutex_init(&ok->lock, NULL);
		*link = ok;
	}
	ok->refs++;
	pthread_mutex_unlock(&t->lock);
	*out = ok;
	return 0;
}

struct open_key *open_keys_find(struct open_keys *t, int db, const char *key, size_t len)
{
	struct open_key *ok;

	pthread_mutex_lock(&t->lock);
	ok = *find(t, db, key, len);
	if (ok)
		ok->refs++;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

/*
 * A removed key is in no chain; fstat of its descriptor still names its inode.
 * Open keys number as many as open files, and this runs only for an inode
 * whose name is gone: a walk of the table is fine.
 */
struct open_key *open_keys_find_ino(struct open_keys *t, uint64_t ino)
{
	struct open_key *found = NULL;

	if (!ino)
		return NULL;
	pthread_mutex_lock(&t->lock);
	for (struct open_key *ok = t->removed; ok && !found; ok = ok->next)
		if (ok->ino == ino)
			found = ok;
	for (size_t b = 0; !found && b < OPEN_KEYS_BUCKETS; b++)
		for (struct open_key *ok = t->buckets[b]; ok && !found; ok = ok->next)
			if (ok->ino == ino)
				found = ok;
	if (found)
		found->refs++;
	pthread_mutex_unlock(&t->lock);
	return found;
}

void open_keys_set_ino(struct open_keys *t, struct open_key *ok, uint64_t ino)
{
	pthread_mutex_lock(&t->lock);
	ok->ino = ino;
	pthread_mutex_unlock(&t->lock);
}

void open_keys_put(struct open_keys *t, struct open_key *ok)
{
	bool last;

	if (!ok)
		return;
	pthread_mutex_lock(&t->lock);
	last = --ok->refs == 0;
	if (last)
		unchain(t, ok);
	pthread_mutex_unlock(&t->lock);
	if (!last)
		return;
	render_buf_free(&ok->text);
	pthread_mutex_destroy(&ok->lock);
	free(ok->key);
	free(ok);
}

/* Mark an open key removed: out of the table, into the removed ones; table locked. */
static void detach(struct open_keys *t, struct open_key *ok)
{
	unchain(t, ok);
	ok->next = t->removed;
	t->removed = ok;
	pthread_mutex_lock(&ok->lock);
	ok->unlinked = true;
	ok->dirty = false;
	ok->pending_trunc = false;
	pthread_mutex_unlock(&ok->lock);
}

void open_keys_unlinked(struct open_keys *t, int db, const char *key, size_t len)
{
	struct open_key *ok;

	pthread_mutex_lock(&t->lock);
	ok = *find(t, db, key, len);
	if (ok)
		detach(t, ok);
	pthread_mutex_unlock(&t->lock);
}

int open_keys_renamed(struct open_keys *t, int db, const char *key, size_t len, int newdb,
		      const char *newkey, size_t newlen)
{
	struct open_key *src, *dst;
	char *copy = malloc(newlen ? newlen : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, newkey, newlen);
	pthread_mutex_lock(&t->lock);
	src = *find(t, db, key, len);
	dst = *find(t, newdb, newkey, newlen);
	if (dst && dst != src)
		detach(t, dst);
	if (src && src != dst) {
		unchain(t, src);
		pthread_mutex_lock(&src->lock);
		free(src->key);
		src->key = copy;
		src->len = newlen;
		src->db = newdb;
		copy = NULL;
		pthread_mutex_unlock(&src->lock);
		src->next = t->buckets[bucket_of(newdb, newkey, newlen)];
		t->buckets[bucket_of(newdb, newkey, newlen)] = src;
		src->in_table = true;
	}
	pthread_mutex_unlock(&t->lock);
	free(copy);
	return 0;
}
