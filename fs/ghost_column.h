/* ghost_column.h - a rule's MySQL column as learned, and whether an ID has a row in it (SPEC 6). */
#ifndef REDISFS_GHOST_COLUMN_H
#define REDISFS_GHOST_COLUMN_H

#include <stddef.h>

#include "../backend/mysql_client.h"
#include "ghosts.h"

/* The rule's column as last learned (copied under the lock). */
void ghosts_column(struct ghosts *g, size_t rule, struct mysql_column *out);

/*
 * The rule's column, learned again first when a MySQL connection was made
 * since it was (a restarted server may hold an altered table): 0, or -EIO
 * when it cannot be learned now (fail closed: nothing is a ghost).
 */
int ghosts_current_column(struct ghosts *g, size_t rule, struct mysql_column *out);

/*
 * Whether the rule's column is no longer `used`, learned again when a MySQL
 * connection was made since: 1, 0, or -EIO.
 */
int ghosts_column_moved(struct ghosts *g, size_t rule, const struct mysql_column *used);

/*
 * Whether `id` has a row, by a question of its own: 0 (no), 1 (yes) or
 * -EIO. An ID the rule's current column cannot hold as it is counts as
 * having one: it is never a ghost (SPEC 6).
 */
int ghosts_id_has_row(struct ghosts *g, size_t rule, const char *id, size_t len);

#endif
