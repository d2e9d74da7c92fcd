/* collection_text.h - text into a collection: parsed (SPEC 4), its TTL kept. */
#ifndef REDISFS_COLLECTION_TEXT_H
#define REDISFS_COLLECTION_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend/rv.h"
#include "key.h"
#include "rfs.h"

/* Whether `type` is written as text of lines: a list, set, zset or hash. */
bool collection_type(enum rv_type type);

/*
 * Parse `text` (len bytes) as a value of collection type `type` and write it
 * over key `k` in one MULTI/EXEC that keeps the key's TTL (a key removed
 * meanwhile is written anew, without one). Text that does not parse is
 * -EINVAL and nothing is written; the log says why, as "db0 'name':
 * <refused>, the hash text has line 3: ...". *emptied (when not NULL) says
 * whether the text held no item: Redis then holds no key. Returns 0 or
 * -errno. Writes, renames and type changes all come here; each reports its
 * own change to changes.h.
 */
int collection_text_write(struct rfs *fs, const struct rfs_key *k, enum rv_type type,
			  const char *text, size_t len, const char *refused, bool *emptied);

#endif
