/* key_type.h - collection types set on empty strings, for the text written next (SPEC 4). */
#ifndef REDISFS_KEY_TYPE_H
#define REDISFS_KEY_TYPE_H

#include <pthread.h>
#include <stddef.h>

#include "../backend/rv.h"

struct rfs;
struct rfs_key;

/*
 * Empty strings whose type was set to a collection: Redis has no empty
 * collection, so the type waits for the text written next. tar --xattrs sets
 * the attributes on the new, empty file before it writes the data; cp -a
 * sets them while its written text is still in the open handle.
 */
struct key_type_mark;
struct key_type_marks {
	pthread_mutex_t lock;
	struct key_type_mark *head; /* newest first */
	size_t count;		    /* at most KEY_TYPE_MARKS_MAX: the oldest go first */
};

void key_type_marks_init(struct key_type_marks *m);
void key_type_marks_free(struct key_type_marks *m);

/* Mark the empty string `k` to become a collection of `type` when text comes. 0 or -ENOMEM. */
int key_type_mark(struct rfs *fs, const struct rfs_key *k, enum rv_type type);

/*
 * The type that text written to the string `k` becomes: a marked
 * collection type, whose mark is then used up, or RV_STRING. A file's commit
 * asks this before it writes a string's bytes.
 */
enum rv_type key_type_take(struct rfs *fs, const struct rfs_key *k);

/* The marked type of `k`, or RV_NONE: what getfattr shows before the text arrives. */
enum rv_type key_type_pending(struct rfs *fs, const struct rfs_key *k);

/* Drop the mark of a key that is removed or renamed: a new key of its name starts plain. */
void key_type_forget(struct rfs *fs, int db, const char *key, size_t len);

/* Drop the marks of every key of `db` that starts with `prefix` (all of them for len 0). */
void key_type_forget_prefix(struct rfs *fs, int db, const char *prefix, size_t len);

#endif
