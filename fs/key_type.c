/* key_type.c - collection types set on empty strings, for the text written next (SPEC 4). */
#include "key_type.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rfs.h"
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

int key_type_mark(struct rfs *fs, const struct rfs_key *k, enum rv_type type)
{
	struct key_type_marks *m = &fs->type_marks;
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
