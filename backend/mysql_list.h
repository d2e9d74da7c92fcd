/* mysql_list.h - the existence check of many IDs: JSON lists joined by MySQL, in parallel. */
#ifndef REDISFS_MYSQL_LIST_H
#define REDISFS_MYSQL_LIST_H

#include <stddef.h>

#include "mysql_conn.h"

/*
 * Check those of `count` IDs that can travel in a JSON list (idlist_id_fits,
 * for the column's shape as information_schema tells it) in statements of
 * at most `max_ids` IDs and `max_bytes` bytes of JSON, on up to `threads`
 * connections at once: exists[i] as mysql_ids_exist() sets it, and
 * listed[i] = 1 for each ID so checked. The others are left for the caller
 * (all of them when the column's shape is unknown). Returns 0, or -1 with
 * the reason in `f`: then neither array may be used.
 */
int mysql_list_exist(struct mysql_pool *pool, const char *table, const char *column,
		     const char *const *ids, const size_t *lens, size_t count,
		     unsigned char *exists, unsigned char *listed, size_t max_ids, size_t max_bytes,
		     unsigned int threads, struct mysql_failure *f);

#endif
