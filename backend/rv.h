/* rv.h - backend-neutral containers for Redis keys and values (no hiredis types leak out). */
#ifndef REDISFS_RV_H
#define REDISFS_RV_H

#include <stddef.h>

/* The Redis data types redisfs knows; RV_NONE is a key that does not exist. */
enum rv_type {
	RV_NONE = 0,
	RV_STRING,
	RV_LIST,
	RV_SET,
	RV_ZSET,
	RV_HASH,
	RV_STREAM,
	RV_OTHER, /* a module type: listed, but its content is empty */
};

/* The word Redis's TYPE command uses for a type ("string", "list", ...). */
const char *rv_type_name(enum rv_type type);

/* Parse a TYPE reply word; unknown words are RV_OTHER, "none" is RV_NONE. */
enum rv_type rv_type_parse(const char *word, size_t len);

/*
 * An append-only array of binary strings that share one buffer, so that a
 * million keys cost two allocations that grow, not a million small ones.
 * Zero-initialise it; rv_array_free() releases it and leaves it empty.
 */
struct rv_array {
	char *buf;     /* every item's bytes, back to back */
	size_t used;   /* bytes of buf in use */
	size_t room;   /* bytes allocated for buf */
	size_t *start; /* item i is buf[start[i]] .. buf[start[i+1]] */
	size_t count;  /* number of items */
	size_t slots;  /* entries allocated for start (count + 1 needed) */
};

/* Append a copy of (ptr, len). Returns 0 or -ENOMEM (the array is unchanged). */
int rv_array_push(struct rv_array *a, const char *ptr, size_t len);

/* Item i's bytes and length; the pointer is valid until the next push or free. */
const char *rv_array_get(const struct rv_array *a, size_t i, size_t *len);

/*
 * Sort the items bytewise (shorter first on a common prefix, like memcmp on
 * the raw bytes) and drop duplicates. Returns 0 or -ENOMEM.
 */
int rv_array_sort_unique(struct rv_array *a);

/* The order rv_array_sort_unique sorts in: <0, 0 or >0 as memcmp, shorter first on a common prefix.
 */
int rv_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Index of (p, len) in an array sorted by rv_array_sort_unique, or -1: a binary search. */
long rv_array_find(const struct rv_array *a, const char *p, size_t len);

/* Keep only the first `count` items (all when it has no more), and the memory of the rest. */
void rv_array_truncate(struct rv_array *a, size_t count);

/* Empty the array, keeping its memory for the next items (a buffer reused batch after batch). */
void rv_array_clear(struct rv_array *a);

void rv_array_free(struct rv_array *a);

/*
 * A key's whole value as fetched for rendering (SPEC section 4):
 * - RV_STRING: items holds one item, the value.
 * - RV_LIST, RV_SET: one item per element or member, in Redis's order.
 * - RV_ZSET: member, score, member, score ... by rank (score as Redis prints it).
 * - RV_HASH: field, value, field, value ... in Redis's order.
 * - RV_STREAM: per entry: id, then its field, value pairs; entry_items[e] is the
 *   number of items of entry e (1 + 2 * fields), entries the number of entries.
 */
struct rv_value {
	enum rv_type type;
	struct rv_array items;
	size_t *entry_items;
	size_t entries;
	size_t entry_slots;
};

/* Record the end of a stream entry made of the last `n` items pushed. 0 or -ENOMEM. */
int rv_value_end_entry(struct rv_value *v, size_t n);

void rv_value_free(struct rv_value *v);

#endif
