/* ghost_ahead.c - the next batch of rm's MySQL checks, asked on a thread of its own. */
#include "ghost_ahead.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ghost_recheck.h"

struct ahead_job {
	struct ghost_snapshot *snap; /* a reference */
	size_t rule;
	struct mysql_column column;
	struct ghost_queue *q;
	size_t from;
	ghost_snapshot_put_fn put;
};

struct ghost_ahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool pending; /* `job` waits for the thread */
	struct ahead_job job;
};

static void *ahead_thread(void *arg)
{
	struct ghosts *g = arg;
	struct ghost_ahead *a = g->ahead;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct ahead_job job;

		while (!a->stop && !a->pending)
			pthread_cond_wait(&a->wake, &a->lock);
		if (a->stop)
			break;
		job = a->job;
		a->pending = false;
		pthread_mutex_unlock(&a->lock);
		/* an error leaves no answer: the rm that needs it asks, and fails closed */
		(void) ghost_recheck_ahead(g, job.rule, &job.column, job.q, job.from);
		job.put(g, job.snap);
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* The ahead state, its thread started; NULL when that cannot be (rms then ask themselves). */
static struct ghost_ahead *ahead_of(struct ghosts *g)
{
	struct ghost_ahead *a;

	pthread_mutex_lock(&g->lock);
	a = g->ahead;
	if (!a && (a = calloc(1, sizeof *a)) != NULL) {
		pthread_mutex_init(&a->lock, NULL);
		pthread_cond_init(&a->wake, NULL);
		g->ahead = a;
		if (pthread_create(&a->thread, NULL, ahead_thread, g) != 0) {
			g->ahead = NULL;
			pthread_cond_destroy(&a->wake);
			pthread_mutex_destroy(&a->lock);
			free(a);
			a = NULL;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return a;
}

void ghost_ahead_ask(struct ghosts *g, struct ghost_snapshot *snap, size_t rule,
		     const struct mysql_column *column, struct ghost_queue *q, size_t from,
		     ghost_snapshot_put_fn put)
{
	struct ghost_ahead *a = ahead_of(g);
	struct ghost_snapshot *replaced = NULL;

	if (!a)
		return;
	pthread_mutex_lock(&g->lock);
	snap->refs++;
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_lock(&a->lock);
	if (a->pending)
		replaced = a->job.snap;
	a->pending = true;
	a->job = (struct ahead_job){snap, rule, *column, q, from, put};
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	if (replaced)
		put(g, replaced);
}

void ghost_ahead_stop(struct ghosts *g)
{
	struct ghost_ahead *a = g->ahead;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	if (a->pending)
		a->job.put(g, a->job.snap);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a);
	g->ahead = NULL;
}
