/* xattr.h - the user.redis.* extended attributes of a key's file (SPEC section 4). */
#ifndef REDISFS_XATTR_H
#define REDISFS_XATTR_H

#include <stddef.h>

#include "node.h"
#include "rfs.h"

/*
 * Only a key's file has attributes: user.redis.type, ttl, length, encoding
 * and memory, read from Redis when asked (nothing is cached: another client
 * may change them at any time). Folders and ghost files have none. Values
 * are plain decimal or words, without a newline or NUL.
 *
 * Any other name is answered without a round trip to Redis: ls -l asks every
 * file for security.selinux and system.posix_acl_access.
 */

/* setxattr of user.redis.ttl with this value removes the TTL (PERSIST). */
#define XATTR_TTL_PERSIST -1

/*
 * The value of attribute `name` of node `n` (names filled), copied into `value` (not
 * NUL-terminated). Returns its length; with `size` 0 only the length, nothing
 * copied. -ERANGE when `size` is smaller than the value, -ENODATA for a name
 * the node does not have (decided before Redis is asked), -ENOENT when the
 * key is gone, -EIO when Redis is.
 */
int xattr_get(struct rfs *fs, const struct rfs_node *n, const char *name, char *value, size_t size);

/*
 * Whether any node may have attribute `name`: false for every name but
 * redisfs's own (security.*, system.*: ls -l asks two a file), whose
 * getxattr is then -ENODATA before its node is looked at.
 */
bool xattr_known(const struct rfs *fs, const char *name);

/*
 * The names of the attributes of node `n`, each followed by a NUL, into `list`.
 * Returns their total length (0 for folders and ghost files); with `size` 0
 * only the length. -ERANGE when `size` is too small. Redis is not asked: the
 * five names are the same for every key, and the kernel looked the file up.
 */
int xattr_list(struct rfs *fs, const struct rfs_node *n, char *list, size_t size);

/*
 * setxattr: user.redis.ttl with a positive whole number of seconds is EXPIRE,
 * with "-1" PERSIST; its other values are -EINVAL. XATTR_CREATE is -EEXIST
 * (every key has a TTL, -1 when none). The other user.redis.* names are
 * -EPERM, any other name (and every name of a folder or ghost file) is
 * -ENOTSUP, as for a filesystem without such attributes, so that cp -a and
 * rsync -X into the mount skip them. -EROFS for everything on a read-only
 * mount, before anything is sent. A TTL set moves the mount's mtime on.
 */
int xattr_set(struct rfs *fs, const struct rfs_node *n, const char *name, const char *value,
	      size_t size, int flags);

/*
 * removexattr: user.redis.ttl is PERSIST (the key no longer expires; the
 * attribute then reads -1); other user.redis.* names of a key are -EPERM; any
 * other name is -ENODATA. -EROFS for everything on a read-only mount.
 */
int xattr_remove(struct rfs *fs, const struct rfs_node *n, const char *name);

/*
 * Parse a TTL as setxattr hands it over: (value, size), not NUL-terminated.
 * "-1" is XATTR_TTL_PERSIST; otherwise only ASCII digits, at least one, with
 * a value from 1 to the largest EXPIRE that Redis takes (leading zeros are
 * fine: "060" is 60). No sign, space, newline or fraction. 0 or -EINVAL.
 */
int xattr_parse_ttl(const char *value, size_t size, long long *seconds);

#endif
