/* inodes.h - the inode numbers the kernel holds: each a (parent, name), until it forgets. */
#ifndef REDISFS_INODES_H
#define REDISFS_INODES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "node.h"

#define INODES_ROOT 1 /* FUSE_ROOT_ID: the mount's root, never forgotten */

struct inode_slot;

/*
 * The low-level FUSE API names files by inode number; redisfs's logic works on
 * nodes (node.h). This table keeps each inode's node: an inode is a name in a
 * parent folder and what that name resolved to, made when the kernel first
 * looks the name up (LOOKUP, READDIRPLUS, CREATE, MKNOD) and freed when the
 * kernel has forgotten every lookup it counted (FORGET). An inode number is its slot in one array,
 * so a million files cost one slot each (48 bytes; names over 19 bytes are allocated apart) and a
 * hash chain link, not a node of libfuse's own.
 *
 * Every function takes the table's lock: any thread may call any of them.
 */
struct inodes {
	pthread_mutex_t lock;
	struct inode_slot *slots; /* slots[ino]; slot 0 is never used */
	uint32_t room;		  /* slots allocated */
	uint32_t used;		  /* slots handed out so far, free ones included */
	uint32_t live;		  /* inodes that exist, the root included */
	uint32_t free_list;	  /* a slot to hand out again, or 0 */
	uint32_t *buckets;	  /* hash of (parent, name) -> first slot of its chain, or 0 */
	uint32_t nbuckets;	  /* a power of two */
};

/* An empty table that holds the root. 0 or -ENOMEM. */
int inodes_init(struct inodes *t);

/* Free every inode. */
void inodes_free(struct inodes *t);

/*
 * The inode of `name` in folder `parent`, made when there is none, with one
 * more lookup counted. *ino and *generation identify it (a slot handed out
 * again gets a new generation). `node` (NULL or NODE_UNKNOWN: what the inode
 * knew stays) is what the name was resolved to; the inode keeps it, its key
 * only when that is not the decoded name. Returns 0, -ESTALE when `parent`
 * is not a live inode, -ENAMETOOLONG past 255 bytes, or -ENOMEM.
 */
int inodes_lookup(struct inodes *t, uint64_t parent, const char *name, const struct rfs_node *node,
		  uint64_t *ino, uint64_t *generation);

/* The kernel forgot `n` lookups of `ino`; at none left the inode is freed. */
void inodes_forget(struct inodes *t, uint64_t ino, uint64_t n);

/*
 * The node of `ino`, as its last lookup (or rename) resolved it, without a
 * path: its key allocated in out->key (node_free), and with `names` (NULL:
 * not wanted) its names from its own and its parents' slots (out->names =
 * names). NODE_UNKNOWN when the inode was never resolved so: the caller then
 * resolves it under its parent's node (inodes_name). Returns 0, -ENOENT for
 * an inode whose name was removed, -ESTALE for a number that is no live
 * inode, -EIO when a folder above a namespace node is not known, or -ENOMEM.
 */
int inodes_node(struct inodes *t, uint64_t ino, struct rfs_node *out, struct fs_path *names);

/*
 * The folder and the name of `ino` (name: 256 bytes). 0, -ENOENT for an
 * inode whose name was removed, -ESTALE for a number that is no live inode.
 */
int inodes_name(struct inodes *t, uint64_t ino, uint64_t *parent, char name[256]);

/*
 * `name` in `parent` is gone (unlink, rmdir): its inode, if any, keeps living
 * for the kernel's lookups but no longer has the name, so that a new file of
 * that name gets a new inode.
 */
void inodes_remove(struct inodes *t, uint64_t parent, const char *name);

/*
 * `name` in `parent` was renamed to `newname` in `newparent`: an inode that
 * had the new name loses it (rename replaces), the old one takes it, and
 * with it `node`, what the new name resolves to (NULL: not known).
 * 0, or -ENOMEM (the table is then as if the old name were removed).
 */
int inodes_rename(struct inodes *t, uint64_t parent, const char *name, uint64_t newparent,
		  const char *newname, const struct rfs_node *node);

/* How many inodes exist, the root included (for tests). */
size_t inodes_count(struct inodes *t);

#endif
