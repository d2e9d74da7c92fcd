/* ghost_find.h - a rule by its name; a detection's queue or member by bytes or file name. Pure. */
#ifndef REDISFS_GHOST_FIND_H
#define REDISFS_GHOST_FIND_H

#include <stdbool.h>
#include <stddef.h>

#include "ghosts.h"

/* Bytewise order, shorter first on a common prefix: the order of rv_array_sort_unique. */
int ghost_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Index of the item of `a` whose file name is `name`: by decoding it and a
 * binary search, or for a shortened name by comparing names. -1 when none,
 * -2 when two items share a shortened name (never pick one of two).
 */
long ghost_find_by_name(const struct rv_array *a, const char *name);

/* The queue of `snap` whose file name is `name`, or NULL (*ambiguous when two share it). */
struct ghost_queue *ghost_find_queue(struct ghost_snapshot *snap, const char *name,
				     bool *ambiguous);

/*
 * A malloc'ed copy of (p, len) with a NUL after it, or NULL: regexec() with
 * REG_STARTEND reads only the range, but sanitizers' interceptors of it read
 * up to a NUL.
 */
char *ghost_copy_bytes(const char *p, size_t len);

/*
 * A name's bytes (malloc'ed into *out, NUL after them) when it is a
 * canonical, unshortened name; -ENOENT otherwise, -ENOMEM.
 */
int ghost_decode_name(const char *name, char **out, size_t *len);

/*
 * The ID a member (a keys rule: a key's name) stands for: group 1 of the
 * rule's pattern, or the whole member; false when the pattern does not match
 * (never a ghost then). Pure.
 */
bool ghosts_member_id(const struct ghost_rule *rule, const char *member, size_t len,
		      const char **id, size_t *id_len);

/* The index of the rule called `name`, or -ENOENT. */
int ghosts_rule_find(const struct ghosts *g, const char *name);

#endif
