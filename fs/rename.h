/* rename.h - mv within and across databases (SPEC 5): RENAME, COPY+UNLINK, text into a collection.
 */
#ifndef REDISFS_RENAME_H
#define REDISFS_RENAME_H

#include "node.h"
#include "rfs.h"

/*
 * rename(2) of `name` in the folder `parent` to `newname` in `newparent`
 * (their nodes, names filled) with renameat2 flags (RENAME_NOREPLACE:
 * EEXIST when `to` exists; RENAME_EXCHANGE: EINVAL).
 * - In one database: RENAME (RENAMENX for RENAME_NOREPLACE).
 * - Across databases: COPY ... DB n REPLACE and UNLINK in one MULTI/EXEC.
 * - A string over an existing list, set, zset or hash: the string's text is
 *   parsed (SPEC 4) into the target, which keeps its type and TTL; text
 *   that does not parse is EINVAL and nothing changes. So `sed -i` and
 *   editors that save to a temporary file and rename it keep the key's type.
 * - A key without a TTL over one with a TTL takes the target's TTL, for the
 *   same reason (a temporary file never has one).
 * Folders cannot be renamed (EPERM); a read-only mount refuses with EROFS.
 */
int rename_key(struct rfs *fs, const struct rfs_node *parent, const char *name,
	       const struct rfs_node *newparent, const char *newname, unsigned int flags);

#endif
