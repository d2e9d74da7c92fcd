/* ghost_recheck.c - rm's check of MySQL, in batches of the ghosts rm -r removes next. */
#include "ghost_recheck.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "ghost_find.h"

#define RECHECK_BATCH 512 /* members a check: ~2 ms of MySQL, ~50 ms of an rm -r */
#define RECHECK_AHEAD 128 /* members before a batch's end when the next one is asked */

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/*
 * Ask MySQL about up to RECHECK_BATCH members of `q` from `from` on that are
 * not gone and whose IDs the column can hold, and note in checked[] when each
 * was found with no row. `due` is the member an rm waits for: it must be the
 * first of them (an ID that cannot be checked is never a ghost: 1). Returns
 * whether the first has a row (0 or 1), -ENOENT when there was none to ask
 * about, -EIO.
 */
static int check_batch(struct ghosts *g, size_t rule_index, const struct mysql_column *column,
		       struct ghost_queue *q, size_t from, bool due)
{
	const struct ghost_rule *rule = &g->rules[rule_index];
	const char *ids[RECHECK_BATCH];
	size_t lens[RECHECK_BATCH], at[RECHECK_BATCH], n = 0, mlen, j;
	unsigned char exists[RECHECK_BATCH];
	double sent;
	int ret;

	pthread_mutex_lock(&g->lock);
	/* the detection's members do not change: only gone[] and checked[] need the lock */
	for (j = from; j < q->members.count && n < RECHECK_BATCH; j++) {
		const char *m;

		if ((j != from || !due) && q->gone[j])
			continue;
		m = rv_array_get(&q->members, j, &mlen);
		if (!ghosts_member_id(rule, m, mlen, &ids[n], &lens[n]) ||
		    mysql_column_holds(column, ids[n], lens[n]) != MYSQL_ID_OK) {
			if (due && j == from)
				break; /* no ID, or one the column cannot hold: never a ghost */
			continue;
		}
		at[n++] = j;
	}
	if (n && (!due || at[0] == from))
		q->checked_to = j; /* where the next batch starts */
	pthread_mutex_unlock(&g->lock);
	if (!n)
		return due ? 1 : -ENOENT;
	if (due && at[0] != from)
		return 1;

	/* the age counts from before the question: MySQL answers as of some moment after */
	sent = now_seconds();
	ret = mysql_ids_exist_in(g->mysql, rule->cfg->table, rule->cfg->column, column, ids, lens,
				 n, exists);
	if (ret)
		return -EIO;
	pthread_mutex_lock(&g->lock);
	for (size_t k = 0; k < n; k++) {
		/* an answer asked ahead never replaces a newer one */
		if (exists[k] || q->checked[at[k]] < sent)
			q->checked[at[k]] = exists[k] ? 0 : sent;
	}
	pthread_mutex_unlock(&g->lock);
	return exists[0];
}

int ghost_recheck(struct ghosts *g, size_t rule_index, const struct mysql_column *column,
		  struct ghost_queue *q, size_t i)
{
	pthread_mutex_lock(&g->lock);
	if (q->checked[i] > 0 && now_seconds() - q->checked[i] <= GHOST_RECHECK_AGE) {
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	pthread_mutex_unlock(&g->lock);
	return check_batch(g, rule_index, column, q, i, true);
}

bool ghost_recheck_ahead_due(struct ghosts *g, struct ghost_queue *q, size_t i, size_t *from)
{
	double now = now_seconds();
	bool near_end, aging;

	pthread_mutex_lock(&g->lock);
	/* the next batch, a moment before this one's end (rm -r removes fast) */
	near_end = i < q->checked_to && q->checked_to - i <= RECHECK_AHEAD &&
		   q->checked_to < q->members.count && q->asked_from != q->checked_to;
	/* or the members after this one again, before their answers are too old (slowly) */
	aging = !near_end && i + 1 < q->members.count &&
		now - q->checked[i] > GHOST_RECHECK_AGE / 2 &&
		now - q->asked_at > GHOST_RECHECK_AGE / 2;
	if (near_end || aging) {
		*from = q->asked_from = near_end ? q->checked_to : i + 1;
		q->asked_at = now;
	}
	pthread_mutex_unlock(&g->lock);
	return near_end || aging;
}

int ghost_recheck_ahead(struct ghosts *g, size_t rule, const struct mysql_column *column,
			struct ghost_queue *q, size_t from)
{
	int ret = check_batch(g, rule, column, q, from, false);

	return ret < 0 ? ret : 0;
}
