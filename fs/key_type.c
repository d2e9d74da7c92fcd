/* key_type.c - user.redis.type set on a string: converted, or when its text comes (SPEC 4). */
#include "key_type.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_write.h"
#include "names.h"
#include "parse.h"
#include "rfs.h"
#include "changes.h"
#include "key.h"

/*
 * Marks live from a setfattr until the text of the same restore arrives, so a
 * few are enough; a tool that sets types and never writes cannot grow the
 * list past this. The oldest mark goes first: its empty string stays a string.
 */
#define KEY_TYPE_MARKS_MAX 1024

struct key_type_mark {
	struct key_type_mark *next;
	int db;
	enum rv_type type;
	size_t len;
	char key[]; /* len bytes */
};

void key_type_marks_init(struct key_type_marks *m)
{
	pthread_mutex_init(&m->lock, NULL);
	m->head = NULL;
	m->count = 0;
}

void key_type_marks_free(struct key_type_marks *m)
{
	while (m->head) {
		struct key_type_mark *next = m->head->next;

		free(m->head);
		m->head = next;
	}
	m->count = 0;
	pthread_mutex_destroy(&m->lock);
}

static bool is_collection(enum rv_type type)
{
	return type == RV_LIST || type == RV_SET || type == RV_ZSET || type == RV_HASH;
}

/* The link that points at the mark of (db, key), or at the NULL that ends the list. Locked. */
static struct key_type_mark **find(struct key_type_marks *m, int db, const char *key, size_t len)
{
	struct key_type_mark **at = &m->head;

	while (*at && !((*at)->db == db && (*at)->len == len && !memcmp((*at)->key, key, len)))
		at = &(*at)->next;
	return at;
}

static void unlink_mark(struct key_type_marks *m, struct key_type_mark **at)
{
	struct key_type_mark *gone = *at;

	*at = gone->next;
	free(gone);
	m->count--;
}

static int mark(struct key_type_marks *m, const struct rfs_key *k, enum rv_type type)
{
	struct key_type_mark **at, *n;

	pthread_mutex_lock(&m->lock);
	at = find(m, k->db, k->key, k->len);
	if (*at) {
		(*at)->type = type;
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	n = malloc(sizeof *n + k->len);
	if (!n) {
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	n->db = k->db;
	n->type = type;
	n->len = k->len;
	memcpy(n->key, k->key, k->len);
	n->next = m->head;
	m->head = n;
	if (++m->count > KEY_TYPE_MARKS_MAX) {
		at = &m->head;
		while ((*at)->next)
			at = &(*at)->next;
		unlink_mark(m, at);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Parse the string's text as `type` and write it over the key, keeping its TTL. */
static int convert(struct rfs *fs, const struct rfs_key *k, const char *text, size_t len,
		   enum rv_type type)
{
	struct rv_value value = {0};
	char err[256], name[NAMES_MAX + 1];
	long long pttl = -1;
	int ret;

	ret = parse_value(type, text, len, &value, err, sizeof err);
	if (ret == -EINVAL) {
		names_encode(k->key, k->len, name);
		fuse_log(FUSE_LOG_ERR,
			 "redisfs: db%d '%s': stays a string, its text as a %s has %s\n", k->db,
			 name, rv_type_name(type), err);
	}
	if (!ret)
		ret = redis_pttl(fs->pool, k->db, k->key, k->len, &pttl);
	if (!ret)
		ret = redis_write_collection(fs->pool, k->db, k->key, k->len, &value, pttl);
	rv_value_free(&value);
	changes_forget(fs, k->db, k->key, k->len);
	if (!ret)
		changes_key_touched(fs, k->db, k->key, k->len);
	return ret;
}

int key_type_set(struct rfs *fs, const struct rfs_key *k, const char *value, size_t size)
{
	enum rv_type want = rv_type_parse(value, size), have;
	struct rv_value text = {0};
	const char *p = "";
	size_t len = 0;
	int ret;

	if (want == RV_NONE || want == RV_OTHER)
		return -EINVAL; /* not a word TYPE answers with */
	ret = redis_key_type(fs->pool, k->db, k->key, k->len, &have);
	if (!ret && have == RV_NONE)
		ret = -ENOENT;
	if (ret)
		return ret;
	if (want == have) {
		if (want == RV_STRING)
			key_type_forget(fs, k->db, k->key, k->len); /* string after all */
		return 0;
	}
	if (have != RV_STRING || !is_collection(want))
		return -EPERM;
	ret = redis_fetch_value(fs->pool, k->db, k->key, k->len, RV_STRING, &text);
	if (!ret && text.items.count)
		p = rv_array_get(&text.items, 0, &len);
	if (!ret && len == 0)
		ret = mark(&fs->type_marks, k, want); /* no text yet: it decides when it comes */
	else if (!ret)
		ret = convert(fs, k, p, len, want);
	rv_value_free(&text);
	return ret;
}

enum rv_type key_type_take(struct rfs *fs, const struct rfs_key *k)
{
	struct key_type_marks *m = &fs->type_marks;
	enum rv_type type = RV_STRING;
	struct key_type_mark **at;

	pthread_mutex_lock(&m->lock);
	at = find(m, k->db, k->key, k->len);
	if (*at) {
		type = (*at)->type;
		unlink_mark(m, at);
	}
	pthread_mutex_unlock(&m->lock);
	return type;
}

enum rv_type key_type_pending(struct rfs *fs, const struct rfs_key *k)
{
	struct key_type_marks *m = &fs->type_marks;
	enum rv_type type = RV_NONE;
	struct key_type_mark **at;

	pthread_mutex_lock(&m->lock);
	at = find(m, k->db, k->key, k->len);
	if (*at)
		type = (*at)->type;
	pthread_mutex_unlock(&m->lock);
	return type;
}

void key_type_forget_prefix(struct rfs *fs, int db, const char *prefix, size_t len)
{
	struct key_type_marks *m = &fs->type_marks;
	struct key_type_mark **at = &m->head;

	pthread_mutex_lock(&m->lock);
	while (*at) {
		if ((*at)->db == db && (*at)->len >= len && !memcmp((*at)->key, prefix, len))
			unlink_mark(m, at);
		else
			at = &(*at)->next;
	}
	pthread_mutex_unlock(&m->lock);
}

void key_type_forget(struct rfs *fs, int db, const char *key, size_t len)
{
	struct key_type_marks *m = &fs->type_marks;
	struct key_type_mark **at;

	pthread_mutex_lock(&m->lock);
	at = find(m, db, key, len);
	if (*at)
		unlink_mark(m, at);
	pthread_mutex_unlock(&m->lock);
}
