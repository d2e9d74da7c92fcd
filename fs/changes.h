/* changes.h - what a change made through the mount does to the mount's caches and times. */
#ifndef REDISFS_CHANGES_H
#define REDISFS_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#include "rfs.h"

/* The bytes of a key changed through the mount: its mtime and ctime are now. */
void changes_key_touched(struct rfs *fs, int db, const char *key, size_t len);

/*
 * A key was made, or `removed`, through the mount: its time, and that of the
 * folder it shows in (its database, or its namespace), are now.
 */
void changes_entry(struct rfs *fs, int db, const char *key, size_t len, bool removed);

/* An entry of the folder of database `db` and `prefix` ("" for the database) came or went. */
void changes_folder(struct rfs *fs, int db, const char *prefix, size_t len);

/* Forget what the attribute cache knows of a key: it was just changed through the mount. */
void changes_forget(struct rfs *fs, int db, const char *key, size_t len);

/* The folder a key shows in: its database (prefix length 0), or its namespace's prefix. */
size_t changes_parent_len(const struct rfs *fs, const char *key, size_t len);

#endif
