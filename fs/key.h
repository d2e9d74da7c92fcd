/* key.h - a Redis key the mount resolved from a file name: its database and its bytes. */
#ifndef REDISFS_KEY_H
#define REDISFS_KEY_H

#include <stddef.h>
#include <stdlib.h>

/*
 * A key (or, for a namespace folder, the prefix it stands for). `key` is
 * allocated and owned: rfs_key_free() frees it; a key that only borrows
 * bytes (an open key's, under its lock) is never freed.
 */
struct rfs_key {
	int db;
	char *key;
	size_t len;
};

static inline void rfs_key_free(struct rfs_key *k)
{
	free(k->key);
	k->key = NULL;
	k->len = 0;
}

#endif
