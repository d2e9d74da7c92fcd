/* namespace.h - key namespaces as folders (SPEC 8): user:1:name is db0/user:/1:/name. */
#ifndef REDISFS_NAMESPACE_H
#define REDISFS_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "names.h"
#include "rfs.h"
#include "key.h"

/*
 * What a key shows as in the folder of its prefix, given `rest`, the part of
 * the key after that prefix: a folder named after the rest up to and
 * including the first delimiter (returns true, *consumed = its length), or a
 * file named after the whole rest (false, *consumed = len). Either name is
 * the SPEC 3 encoding of those bytes ("user:", ":" for an empty segment,
 * "%" for an empty file name), shortened past 255 bytes. Pure.
 */
bool ns_entry(const char *rest, size_t len, const char *delim, size_t dlen,
	      char name[NAMES_MAX + 1], size_t *consumed);

/*
 * Resolve the path below a database folder (`rel`, "user:/1:/name") into
 * the key it names, or with *folder set, the prefix a folder stands for
 * ("user:1:"). A file's existence is not checked (its TYPE does that), nor a
 * folder's (ns_folder_exists). -ENOENT for names that are no key's,
 * -EIO when a shortened name stands for two.
 */
int ns_resolve(struct rfs *fs, int db, const char *rel, struct rfs_key *out, bool *folder);

/* 0 when some key of `db` starts with the prefix, else -ENOENT (or -errno). */
int ns_folder_exists(struct rfs *fs, int db, const char *prefix, size_t len);

/*
 * rmdir of a namespace folder: UNLINK every key that starts with the prefix
 * (glob characters in it are literal), in batches. Keys added meanwhile may
 * stay; the call still succeeds, as rm -r of a database does.
 */
int ns_remove(struct rfs *fs, int db, const char *prefix, size_t len);

/*
 * A folder whose keys the mount is removing (rm -r unlinks its files, then
 * rmdirs it) must still be there for that rmdir, though no key has its
 * prefix any more. Mark the folders above `rel` (and `rel` itself with
 * `self`) as live for cache_timeout; every removal inside renews the mark.
 */
void ns_mark_folders(struct rfs *fs, int db, const char *rel, bool self);

/* Whether the folder at `rel` was marked live within cache_timeout. */
bool ns_folder_marked(struct rfs *fs, int db, const char *rel);

#endif
