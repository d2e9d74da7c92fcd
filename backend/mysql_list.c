/* mysql_list.c - the existence check of many IDs: JSON lists joined by MySQL, in parallel. */
#include "mysql_list.h"

#include <errmsg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LIST_THREADS_MAX 8

/* The column lookup's arguments and answer. */
struct shape_probe {
	const char *table;
	const char *column;
	struct idlist_shape *shape;
};

/* A string result column of the lookup: information_schema names are at most 64 chars. */
struct text_col {
	char buf[256];
	unsigned long len;
	my_bool null;
};

static void text_bind(MYSQL_BIND *b, struct text_col *c)
{
	memset(b, 0, sizeof *b);
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = c->buf;
	b->buffer_length = sizeof c->buf - 1;
	b->length = &c->len;
	b->is_null = &c->null;
}

static const char *text_value(struct text_col *c)
{
	if (c->null || c->len >= sizeof c->buf)
		return NULL;
	c->buf[c->len] = '\0';
	return c->buf;
}

/*
 * Learn the column's type, character set and collation: a prepared query
 * of information_schema.COLUMNS (readable with SELECT on the table). No
 * row, or more than one (names that differ only in case), leaves the
 * shape unknown: every ID then goes one by one.
 */
static int shape_probe_run(struct mysql_conn *conn, void *arg, struct mysql_failure *f)
{
	static const char sql[] = "SELECT DATA_TYPE, CHARACTER_SET_NAME, COLLATION_NAME"
				  " FROM information_schema.COLUMNS"
				  " WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE())"
				  " AND TABLE_NAME = ? AND COLUMN_NAME = ?";
	struct shape_probe *p = arg;
	const char *dot = strchr(p->table, '.');
	const char *name = dot ? dot + 1 : p->table;
	unsigned long lens[3] = {dot ? (unsigned long) (dot - p->table) : 0, strlen(name),
				 strlen(p->column)};
	const char *vals[3] = {p->table, name, p->column};
	struct text_col cols[3];
	MYSQL_BIND params[3], results[3];
	MYSQL_STMT *stmt;
	int rows = 0, rc, ret = -1;

	if (mysql_conn_shape_get(conn, p->table, p->column, p->shape))
		return 0;
	memset(p->shape, 0, sizeof *p->shape);
	stmt = mysql_stmt_init(mysql_conn_handle(conn));
	if (!stmt) {
		mysql_failure_set(f, CR_OUT_OF_MEMORY, "out of memory");
		return -1;
	}
	memset(params, 0, sizeof params);
	for (int i = 0; i < 3; i++) {
		params[i].buffer_type = MYSQL_TYPE_STRING;
		params[i].buffer = (void *) vals[i];
		params[i].buffer_length = lens[i];
		params[i].length = &lens[i];
		text_bind(&results[i], &cols[i]);
	}
	if (mysql_stmt_prepare(stmt, sql, sizeof sql - 1) || mysql_stmt_bind_param(stmt, params) ||
	    mysql_stmt_execute(stmt) || mysql_stmt_bind_result(stmt, results)) {
		mysql_failure_stmt(f, stmt);
		goto out;
	}
	while ((rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		if (++rows == 1 && rc == 0)
			idlist_shape_set(p->shape, text_value(&cols[0]), text_value(&cols[1]),
					 text_value(&cols[2]));
	}
	if (rc != MYSQL_NO_DATA) {
		mysql_failure_stmt(f, stmt);
		goto out;
	}
	if (rows != 1)
		memset(p->shape, 0, sizeof *p->shape);
	mysql_conn_shape_put(conn, p->table, p->column, p->shape);
	ret = 0;
out:
	mysql_stmt_close(stmt);
	return ret;
}

/* The whole check: the IDs in lists, claimed a batch at a time by each connection's thread. */
struct list_job {
	struct mysql_pool *pool;
	const char *table;
	const char *column;
	struct idlist_shape shape;
	const char *const *ids;
	const size_t *lens;
	size_t count;
	unsigned char *exists;
	unsigned char *listed;
	size_t max_ids;
	size_t max_bytes;
	pthread_mutex_t lock; /* next, failed, failure */
	size_t next;	      /* the first ID no batch has claimed */
	bool failed;
	struct mysql_failure failure;
};

/* One batch: positions into the job's IDs of the IDs in its JSON list, and the list. */
struct list_batch {
	struct list_job *job;
	size_t *at;
	size_t n;
	char *json;
	size_t json_len;
};

/* Claim the next batch of IDs that fit a list and build its JSON. false when none is left. */
static bool batch_claim(struct list_job *job, struct list_batch *b)
{
	size_t i, n, bytes = 2;

	b->n = 0;
	pthread_mutex_lock(&job->lock);
	for (i = job->next; !job->failed && i < job->count && b->n < job->max_ids; i++) {
		if (!idlist_id_fits(&job->shape, job->ids[i], job->lens[i]))
			continue;
		n = idlist_json_len(job->ids[i], job->lens[i]);
		if (b->n && bytes + n > job->max_bytes)
			break;
		bytes += n;
		b->at[b->n++] = i;
	}
	job->next = i;
	pthread_mutex_unlock(&job->lock);

	b->json_len = 0;
	b->json[b->json_len++] = '[';
	for (size_t k = 0; k < b->n; k++) {
		size_t id = b->at[k];

		b->json_len += idlist_json_append(b->json + b->json_len, job->ids[id],
						  job->lens[id], k == 0);
	}
	b->json[b->json_len++] = ']';
	return b->n > 0;
}

/* Run one batch: every ID has a row but those the statement names. */
static int batch_run(struct mysql_conn *conn, void *arg, struct mysql_failure *f)
{
	struct list_batch *b = arg;
	struct list_job *job = b->job;
	unsigned long json_len = b->json_len;
	long long pos = 0;
	my_bool pos_null = 0;
	MYSQL_BIND param, result;
	MYSQL_STMT *stmt;
	int rc;

	if (mysql_conn_list_stmt(conn, job->table, job->column, &job->shape, &stmt, f))
		return -1;
	memset(&param, 0, sizeof param);
	param.buffer_type = MYSQL_TYPE_STRING;
	param.buffer = b->json;
	param.buffer_length = json_len;
	param.length = &json_len;
	memset(&result, 0, sizeof result);
	result.buffer_type = MYSQL_TYPE_LONGLONG;
	result.buffer = &pos;
	result.is_null = &pos_null;
	/* again on a retry: a failed first run may have cleared some */
	for (size_t k = 0; k < b->n; k++)
		job->exists[b->at[k]] = 1;
	if (mysql_stmt_bind_param(stmt, &param) || mysql_stmt_execute(stmt) ||
	    mysql_stmt_bind_result(stmt, &result)) {
		mysql_failure_stmt(f, stmt);
		return -1;
	}
	while ((rc = mysql_stmt_fetch(stmt)) == 0) {
		if (pos_null || pos < 1 || (size_t) pos > b->n) {
			mysql_failure_set(f, CR_UNKNOWN_ERROR, "unexpected row %lld from the check",
					  pos);
			return -1;
		}
		job->exists[b->at[pos - 1]] = 0;
	}
	if (rc != MYSQL_NO_DATA) {
		mysql_failure_stmt(f, stmt);
		if (!f->code)
			mysql_failure_set(f, CR_UNKNOWN_ERROR, "fetch returned %d", rc);
		return -1;
	}
	return 0;
}

/* One connection's share of the job: batches until none is left or one fails. */
static void *list_worker(void *arg)
{
	struct list_job *job = arg;
	struct list_batch b = {.job = job};
	struct mysql_failure f;

	b.at = malloc(job->max_ids * sizeof *b.at);
	/* a batch's first ID may alone pass max_bytes: room for one of the longest */
	b.json = malloc(job->max_bytes + 6 * IDLIST_ID_MAX + 8);
	if (!b.at || !b.json) {
		mysql_failure_set(&f, CR_OUT_OF_MEMORY, "out of memory");
		goto failed;
	}
	while (batch_claim(job, &b)) {
		if (mysql_pool_run(job->pool, batch_run, &b, &f))
			goto failed;
		for (size_t k = 0; k < b.n; k++)
			job->listed[b.at[k]] = 1;
	}
	goto out;
failed:
	pthread_mutex_lock(&job->lock);
	if (!job->failed)
		job->failure = f;
	job->failed = true;
	pthread_mutex_unlock(&job->lock);
out:
	free(b.at);
	free(b.json);
	return NULL;
}

int mysql_list_exist(struct mysql_pool *pool, const char *table, const char *column,
		     const char *const *ids, const size_t *lens, size_t count,
		     unsigned char *exists, unsigned char *listed, size_t max_ids, size_t max_bytes,
		     unsigned int threads, struct mysql_failure *f)
{
	struct list_job job = {.pool = pool,
			       .table = table,
			       .column = column,
			       .ids = ids,
			       .lens = lens,
			       .count = count,
			       .exists = exists,
			       .listed = listed,
			       .max_ids = max_ids ? max_ids : 1,
			       .max_bytes = max_bytes};
	struct shape_probe probe = {table, column, &job.shape};
	pthread_t helpers[LIST_THREADS_MAX];
	unsigned int started = 0;
	size_t fit = 0, bytes = 0;

	if (mysql_pool_run(pool, shape_probe_run, &probe, f))
		return -1;
	if (job.shape.kind == IDLIST_NONE)
		return 0;
	for (size_t i = 0; i < count; i++) {
		if (idlist_id_fits(&job.shape, ids[i], lens[i])) {
			fit++;
			bytes += idlist_json_len(ids[i], lens[i]);
		}
	}
	if (!fit)
		return 0;
	/* a helper thread only for a check of several batches: it connects anew, and its
	 * connection goes with it */
	if (threads > LIST_THREADS_MAX)
		threads = LIST_THREADS_MAX;
	pthread_mutex_init(&job.lock, NULL);
	while (started + 1 < threads &&
	       (fit > job.max_ids * (started + 1) || bytes > max_bytes * (started + 1))) {
		if (pthread_create(&helpers[started], NULL, list_worker, &job))
			break;
		started++;
	}
	list_worker(&job);
	for (unsigned int t = 0; t < started; t++)
		pthread_join(helpers[t], NULL);
	pthread_mutex_destroy(&job.lock);
	if (job.failed) {
		*f = job.failure;
		return -1;
	}
	return 0;
}
