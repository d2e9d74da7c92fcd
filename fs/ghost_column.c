/* ghost_column.c - a rule's MySQL column as learned, and whether an ID has a row in it (SPEC 6). */
#include "ghost_column.h"

#include <errno.h>
#include <fuse_log.h>
#include <pthread.h>

void ghosts_column(struct ghosts *g, size_t rule, struct mysql_column *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->rules[rule].column;
	pthread_mutex_unlock(&g->lock);
}

/*
 * The rule's column, learned again when a MySQL connection was made again
 * since (a restarted server may hold an altered table). A column that
 * cannot be learned now fails the caller closed: -EIO, nothing is a ghost.
 */
int ghosts_current_column(struct ghosts *g, size_t rule, struct mysql_column *out)
{
	struct ghost_rule *r = &g->rules[rule];
	unsigned long now = mysql_pool_connects(g->mysql), learned;
	struct mysql_column fresh;
	char why[256];

	pthread_mutex_lock(&g->lock);
	learned = r->column_learned;
	*out = r->column;
	pthread_mutex_unlock(&g->lock);
	if (learned == now)
		return 0;
	if (mysql_describe_column(g->mysql, r->cfg->table, r->cfg->column, &fresh, why,
				  sizeof why)) {
		fuse_log(FUSE_LOG_ERR, "redisfs: ghosts.%s: %s\n", r->cfg->name, why);
		return -EIO;
	}
	pthread_mutex_lock(&g->lock);
	r->column = fresh;
	r->column_learned = now;
	pthread_mutex_unlock(&g->lock);
	*out = fresh;
	return 0;
}

/*
 * Whether the rule's column is no longer `used` (after a connection made
 * meanwhile, information_schema is asked again): 1, 0, or -EIO. Counting
 * connections alone would not do: a detection's checking threads connect
 * anew each time, which says nothing of the table.
 */
int ghosts_column_moved(struct ghosts *g, size_t rule, const struct mysql_column *used)
{
	struct mysql_column now;

	if (ghosts_current_column(g, rule, &now))
		return -EIO;
	return !mysql_column_equal(&now, used);
}

/*
 * Whether `id` has a row: 0 (no), 1 (yes) or -EIO. An ID the column cannot
 * hold as it is counts as having one: it is never a ghost (SPEC 6).
 */
static int id_has_row_once(struct ghosts *g, size_t rule, const char *id, size_t len,
			   struct mysql_column *column_out)
{
	const struct ghost_rule *r = &g->rules[rule];
	struct mysql_column column;
	unsigned char exists = 1;

	if (ghosts_current_column(g, rule, &column))
		return -EIO;
	*column_out = column;
	if (mysql_column_holds(&column, id, len) != MYSQL_ID_OK)
		return 1;
	if (mysql_ids_exist_in(g->mysql, r->cfg->table, r->cfg->column, &column, &id, &len, 1,
			       &exists))
		return -EIO;
	return exists;
}

int ghosts_id_has_row(struct ghosts *g, size_t rule, const char *id, size_t len)
{
	struct mysql_column used;
	int ret = id_has_row_once(g, rule, id, len, &used), moved;

	/* asked over a connection made again meanwhile: the column may have changed */
	if (ret < 0 || (moved = ghosts_column_moved(g, rule, &used)) == 0)
		return ret;
	return moved < 0 ? moved : id_has_row_once(g, rule, id, len, &used);
}
