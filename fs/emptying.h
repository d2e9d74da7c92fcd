/* emptying.h - which folders an rm -r has emptied: when rmdir may remove keys (SPEC 5). */
#ifndef REDISFS_EMPTYING_H
#define REDISFS_EMPTYING_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend/rv.h"
#include "listing.h"

/*
 * rmdir of a database or namespace folder removes keys only at the end of
 * an rm -r: when the mount's latest listing of that folder was read to its
 * end and every key it showed (and, below a namespace, every folder it
 * showed) has since been removed through the mount. Each listed folder gets
 * a record of its latest listing; unlink and rmdir report what they removed;
 * rmdir asks whether the folder's record says "emptied".
 *
 * A record holds a reference to its listing (whose bitmap says which keys
 * went) and a copy of the subfolder names it showed. Records go when their
 * folder is listed again, is removed, or has seen no listing, removal or
 * rmdir in it or below it for EMPTYING_IDLE seconds; at most EMPTYING_MAX
 * are kept (the least recently active goes first). A folder without its
 * record is not emptied: when in doubt, ENOTEMPTY.
 */
#define EMPTYING_IDLE 60.0 /* seconds: an rm -ri may wait for its user between answers */
#define EMPTYING_MAX  1024 /* records: the folders of an ls -R, each a listing's memory */

struct emptying;

/*
 * Records for a mount whose namespace delimiter is (delimiter, len), or
 * NULL/0 without namespaces. NULL when out of memory.
 */
struct emptying *emptying_new(const char *delimiter, size_t delimiter_len);

void emptying_free(struct emptying *e);

/*
 * A listing of the folder of `db` whose keys start with (prefix, len) (len 0:
 * the database folder) was opened: from now on it is the folder's latest.
 * `l` holds the folder's files (a reference is taken); `folders` the names
 * of its subfolders (copied; NULL for none). Out of memory, the folder is
 * left without a record.
 */
void emptying_listed(struct emptying *e, int db, const char *prefix, size_t len, struct listing *l,
		     const struct rv_array *folders);

/* A listing of the folder failed: it has no latest listing that could be emptied. */
void emptying_forget(struct emptying *e, int db, const char *prefix, size_t len);

/*
 * The key was removed through the mount (or found gone when asked to be):
 * counted in its folder's latest listing, if that listing showed it.
 */
void emptying_key_removed(struct emptying *e, int db, const char *key, size_t len);

/*
 * Whether the folder's latest listing was read to its end and every key and
 * folder it showed has been removed through the mount since.
 */
bool emptying_done(struct emptying *e, int db, const char *prefix, size_t len);

/*
 * Whether the mount removed something the folder's latest listing showed
 * (a key or a subfolder): a namespace folder emptied so still exists, for
 * the rmdir of the rm -r that emptied it, however short cache_timeout is.
 */
bool emptying_removed_some(struct emptying *e, int db, const char *prefix, size_t len);

/*
 * The folder was removed through the mount (an rmdir that succeeded): its
 * record goes, and it counts as removed in its parent's latest listing.
 */
void emptying_folder_removed(struct emptying *e, int db, const char *prefix, size_t len);

/*
 * The length of the prefix of `key` that names its folder: up to and
 * including the last delimiter found scanning left to right (as namespace
 * folders split keys, SPEC 8); 0 without a delimiter. Pure.
 */
size_t emptying_folder_len(const char *key, size_t len, const char *delimiter,
			   size_t delimiter_len);

#endif
