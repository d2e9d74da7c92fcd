/* ns_marks.c - namespace folders an rm -r is emptying: still there for its rmdir (SPEC 8). */
#include "ns_marks.h"

#include <stdint.h>
#include <string.h>

#define NS_MARKS_BUCKETS 1024

int ns_marks_init(struct ns_marks *m, double timeout)
{
	int ret;

	memset(m, 0, sizeof *m);
	m->timeout = timeout;
	ret = db_key_table_init(&m->table, NS_MARKS_BUCKETS, 0);
	if (ret)
		return ret;
	pthread_mutex_init(&m->lock, NULL);
	return 0;
}

void ns_marks_free(struct ns_marks *m)
{
	if (!m->table.buckets)
		return;
	db_key_table_free(&m->table);
	pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof *m);
}

void ns_marks_put(struct ns_marks *m, int db, const char *rel, size_t len)
{
	uint64_t hash = db_key_hash(db, rel, len);
	struct timespec expires;
	struct db_key_entry **link, *e;

	if (m->timeout <= 0)
		return;
	expires = db_key_deadline(m->timeout);
	pthread_mutex_lock(&m->lock);
	link = db_key_table_find(&m->table, hash, db, rel, len);
	if (!*link) {
		if (m->table.count >= NS_MARKS_MAX) {
			db_key_table_clear(&m->table);
			link = db_key_table_find(&m->table, hash, db, rel, len);
		}
		e = db_key_entry_new(&m->table, hash, db, rel, len, expires);
		if (!e) {
			pthread_mutex_unlock(&m->lock);
			return; /* a mark may always be missing: rmdir then answers as Redis does */
		}
		db_key_table_set(&m->table, link, e);
	}
	(*link)->expires = expires;
	pthread_mutex_unlock(&m->lock);
}

bool ns_marks_has(struct ns_marks *m, int db, const char *rel, size_t len)
{
	struct db_key_entry **link;
	bool live = false;

	if (m->timeout <= 0)
		return false;
	pthread_mutex_lock(&m->lock);
	link = db_key_table_find(&m->table, db_key_hash(db, rel, len), db, rel, len);
	if (*link && db_key_live(*link))
		live = true;
	else if (*link)
		db_key_table_remove(&m->table, link); /* stale: gone for good */
	pthread_mutex_unlock(&m->lock);
	return live;
}
