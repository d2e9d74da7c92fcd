/* ghost_recheck.c - rm's check of MySQL, in batches of the ghosts rm -r removes next. */
#include "ghost_recheck.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "ghost_find.h"

#define RECHECK_BATCH 512 /* members a check: ~2 ms of MySQL, ~100 ms of an rm -r */

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int ghost_recheck(struct ghosts *g, size_t rule_index, const struct mysql_column *column,
		  struct ghost_queue *q, size_t i)
{
	const struct ghost_rule *rule = &g->rules[rule_index];
	const char *ids[RECHECK_BATCH];
	size_t lens[RECHECK_BATCH], at[RECHECK_BATCH], n = 0, mlen;
	unsigned char exists[RECHECK_BATCH];
	double sent;
	int ret;

	pthread_mutex_lock(&g->lock);
	if (q->checked[i] > 0 && now_seconds() - q->checked[i] <= GHOST_RECHECK_AGE) {
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	/* the detection's members do not change: only gone[] and checked[] need the lock */
	for (size_t j = i; j < q->members.count && n < RECHECK_BATCH; j++) {
		const char *m;

		if (j != i && q->gone[j])
			continue;
		m = rv_array_get(&q->members, j, &mlen);
		if (!ghosts_member_id(rule, m, mlen, &ids[n], &lens[n]) ||
		    mysql_column_holds(column, ids[n], lens[n]) != MYSQL_ID_OK) {
			if (j == i)
				break; /* no ID, or one the column cannot hold: never a ghost */
			continue;
		}
		at[n++] = j;
	}
	pthread_mutex_unlock(&g->lock);
	if (!n || at[0] != i)
		return 1;

	/* the age counts from before the question: MySQL answers as of some moment after */
	sent = now_seconds();
	ret = mysql_ids_exist_in(g->mysql, rule->cfg->table, rule->cfg->column, column, ids, lens,
				 n, exists);
	if (ret)
		return -EIO;
	pthread_mutex_lock(&g->lock);
	for (size_t k = 0; k < n; k++)
		q->checked[at[k]] = exists[k] ? 0 : sent;
	pthread_mutex_unlock(&g->lock);
	return exists[0];
}
