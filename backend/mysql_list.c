/* mysql_list.c - the existence check of many IDs: JSON lists joined by MySQL, in parallel. */
#include "mysql_list.h"

#include <errmsg.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mysql_idlist.h"

#define BATCH_MAX	 1000	   /* IDs per one-by-one statement; ~15 ms of a local server */
#define LIST_MIN	 16	   /* fewer IDs go one by one: one small statement is enough */
#define LIST_IDS	 50000	   /* IDs per list statement: ~0.1 s of a local server */
#define LIST_BYTES	 (1 << 20) /* JSON bytes per list statement: well under max_allowed_packet */
#define LIST_THREADS	 2	   /* connections a big check uses at once */
#define LIST_THREADS_MAX 8

/* The whole check: the IDs in lists, claimed a batch at a time by each connection's thread. */
struct list_job {
	struct mysql_pool *pool;
	const char *table;
	const char *column;
	const struct mysql_column *type;
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
	bool ranged;	 /* integer IDs close together: the ranged statement may do */
	long long least; /* when ranged: the least and greatest ID */
	long long greatest;
};

/* A canonical integer ID (idlist_id_fits: at most 18 digits) as the number it is. */
static long long id_number(const char *id, size_t len)
{
	size_t i = len && id[0] == '-' ? 1 : 0;
	long long v = 0;

	for (; i < len; i++)
		v = v * 10 + (id[i] - '0');
	return len && id[0] == '-' ? -v : v;
}

/* Claim the next batch of IDs that fit a list and build its JSON. false when none is left. */
static bool batch_claim(struct list_job *job, struct list_batch *b)
{
	bool integers = idlist_kind_of(job->type) == IDLIST_INTEGER;
	size_t i, n, bytes = 2;

	b->n = 0;
	pthread_mutex_lock(&job->lock);
	for (i = job->next; !job->failed && i < job->count && b->n < job->max_ids; i++) {
		if (!idlist_id_fits(job->type, job->ids[i], job->lens[i]))
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
		char *out = b->json + b->json_len;
		long long v;

		if (!integers) {
			b->json_len += idlist_json_append(out, job->ids[id], job->lens[id], k == 0);
			continue;
		}
		/* numbers, and their range for the ranged statement */
		v = id_number(job->ids[id], job->lens[id]);
		if (k == 0 || v < b->least)
			b->least = v;
		if (k == 0 || v > b->greatest)
			b->greatest = v;
		b->json_len += idlist_json_append_number(out, job->ids[id], job->lens[id], k == 0);
	}
	b->json[b->json_len++] = ']';
	b->ranged = integers && idlist_range_dense(b->least, b->greatest, b->n);
	return b->n > 0;
}

/*
 * The batch's statement: the ranged one when its IDs allow and the server
 * takes it, else the plain one. A server that refuses to prepare the ranged
 * one (an error of its own, not of the connection: MySQL has no SET
 * STATEMENT) is not asked again on this connection; the plain statement
 * gives the same answer.
 */
static int batch_stmt(struct mysql_conn *conn, struct list_batch *b, struct mysql_check_stmt **cs,
		      struct mysql_failure *f)
{
	struct list_job *job = b->job;

	if (b->ranged && !conn->no_range) {
		if (!mysql_conn_check_stmt(conn, job->table, job->column, 0, job->type, true, cs,
					   f))
			return 0;
		if (!f->code || f->code >= CR_MIN_ERROR)
			return -1;
		mysql_pool_logf(job->pool, "mysql: no ranged check (%s, error %u): plain lists",
				f->message, f->code);
		conn->no_range = true;
	}
	return mysql_conn_check_stmt(conn, job->table, job->column, 0, job->type, false, cs, f);
}

/* Run one batch: every ID has a row but those the statement names. */
static int batch_run(struct mysql_conn *conn, void *arg, struct mysql_failure *f)
{
	struct list_batch *b = arg;
	struct list_job *job = b->job;
	unsigned long json_len = b->json_len;
	long long pos = 0;
	my_bool pos_null = 0;
	MYSQL_BIND param[3], result;
	struct mysql_check_stmt *cs;
	MYSQL_STMT *stmt;
	int rc;

	/* the plain statement reads only the first parameter */
	if (batch_stmt(conn, b, &cs, f))
		return -1;
	stmt = cs->stmt;
	memset(param, 0, sizeof param);
	param[0].buffer_type = MYSQL_TYPE_STRING;
	param[0].buffer = b->json;
	param[0].buffer_length = json_len;
	param[0].length = &json_len;
	param[1].buffer_type = MYSQL_TYPE_LONGLONG;
	param[1].buffer = &b->least;
	param[2].buffer_type = MYSQL_TYPE_LONGLONG;
	param[2].buffer = &b->greatest;
	memset(&result, 0, sizeof result);
	result.buffer_type = MYSQL_TYPE_LONGLONG;
	result.buffer = &pos;
	result.is_null = &pos_null;
	/* again on a retry: a failed first run may have cleared some */
	for (size_t k = 0; k < b->n; k++)
		job->exists[b->at[k]] = 1;
	if (mysql_stmt_bind_param(stmt, param) || mysql_stmt_execute(stmt) ||
	    mysql_stmt_bind_result(stmt, &result)) {
		mysql_failure_from_stmt(f, stmt);
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
		mysql_failure_from_stmt(f, stmt);
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
		if (mysql_with_connection(job->pool, batch_run, &b, &f))
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

/*
 * Check those of `count` IDs that can travel in a JSON list (idlist_id_fits
 * for the column `type`) in statements of at most `max_ids` IDs and
 * `max_bytes` bytes of JSON, on up to `threads` connections at once:
 * exists[i] set, and listed[i] = 1 for each ID so checked. The others are
 * left for the caller (all of them for a column of no list). Returns 0, or
 * -1 with the reason in `f`: then neither array may be used.
 */
static int list_exist(struct mysql_pool *pool, const char *table, const char *column,
		      const struct mysql_column *type, const char *const *ids, const size_t *lens,
		      size_t count, unsigned char *exists, unsigned char *listed, size_t max_ids,
		      size_t max_bytes, unsigned int threads, struct mysql_failure *f)
{
	struct list_job job = {.pool = pool,
			       .table = table,
			       .column = column,
			       .type = type,
			       .ids = ids,
			       .lens = lens,
			       .count = count,
			       .exists = exists,
			       .listed = listed,
			       .max_ids = max_ids ? max_ids : 1,
			       .max_bytes = max_bytes};
	pthread_t helpers[LIST_THREADS_MAX];
	unsigned int started = 0;
	size_t fit = 0, bytes = 0;

	memset(listed, 0, count);
	if (idlist_kind_of(type) == IDLIST_NONE)
		return 0;
	for (size_t i = 0; i < count; i++) {
		if (idlist_id_fits(type, ids[i], lens[i])) {
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

/* One batch of at most BATCH_MAX IDs checked one by one: the statement's arguments. */
struct check_batch {
	const char *table;
	const char *column;
	const struct mysql_column *type; /* NULL: every ID is a string */
	const char *ids[BATCH_MAX];
	size_t lens[BATCH_MAX];
	size_t at[BATCH_MAX]; /* each one's position among the caller's IDs */
	unsigned char exists[BATCH_MAX];
	long long numbers[BATCH_MAX]; /* integer IDs as the integers they are */
	size_t count;
};

/*
 * Bind ID `id` to parameter `p`: an integer column gets it as a 64-bit
 * integer and a DECIMAL one as a decimal, so that MySQL compares exactly
 * (a string against an integer column is compared as a double, which is
 * lossy past 2^53); every other column as the string it is. IDs reach here
 * checked by mysql_column_holds(): canonical, in range.
 */
static void bind_id(struct check_batch *b, size_t id, MYSQL_BIND *p, unsigned long *length)
{
	char digits[24];

	p->buffer_type = MYSQL_TYPE_STRING;
	p->is_unsigned = 0;
	/* libmysqlclient only reads parameter buffers; "" stands in for a NULL pointer */
	p->buffer = b->ids[id] ? (void *) b->ids[id] : (void *) "";
	p->buffer_length = b->ids[id] ? b->lens[id] : 0;
	if (b->type && b->type->kind == MYSQL_COLUMN_INTEGER && b->lens[id] < sizeof digits) {
		memcpy(digits, b->ids[id], b->lens[id]);
		digits[b->lens[id]] = '\0';
		if (b->type->is_unsigned)
			b->numbers[id] = (long long) strtoull(digits, NULL, 10);
		else
			b->numbers[id] = strtoll(digits, NULL, 10);
		p->buffer_type = MYSQL_TYPE_LONGLONG;
		p->is_unsigned = b->type->is_unsigned;
		p->buffer = &b->numbers[id];
		p->buffer_length = sizeof b->numbers[id];
	} else if (b->type && b->type->kind == MYSQL_COLUMN_DECIMAL) {
		p->buffer_type = MYSQL_TYPE_NEWDECIMAL;
	}
	*length = p->buffer_length;
}

static int check_batch_run(struct mysql_conn *conn, void *arg, struct mysql_failure *f)
{
	struct check_batch *b = arg;
	struct mysql_check_stmt *cs;
	unsigned int slots = idlist_union_slots(b->count, BATCH_MAX);
	int rc;

	if (mysql_conn_check_stmt(conn, b->table, b->column, slots, NULL, false, &cs, f))
		return -1;
	for (unsigned int i = 0; i < slots; i++)
		bind_id(b, i < b->count ? i : b->count - 1, &cs->params[i], &cs->lengths[i]);
	memset(b->exists, 0, b->count);
	if (mysql_stmt_bind_param(cs->stmt, cs->params) || mysql_stmt_execute(cs->stmt) ||
	    mysql_stmt_bind_result(cs->stmt, &cs->result)) {
		mysql_failure_from_stmt(f, cs->stmt);
		return -1;
	}
	while ((rc = mysql_stmt_fetch(cs->stmt)) == 0) {
		if (cs->position_null || cs->position < 0 || cs->position >= (long long) slots) {
			mysql_failure_set(f, CR_UNKNOWN_ERROR, "unexpected row %lld from the check",
					  cs->position);
			return -1;
		}
		if ((size_t) cs->position < b->count)
			b->exists[cs->position] = 1;
	}
	if (rc != MYSQL_NO_DATA) {
		mysql_failure_from_stmt(f, cs->stmt);
		if (!f->code)
			mysql_failure_set(f, CR_UNKNOWN_ERROR, "fetch returned %d", rc);
		return -1;
	}
	return 0;
}

/* The IDs no list statement checked (listed[i] 0, or every one), one by one in batches. */
static int check_unlisted(struct mysql_pool *pool, struct check_batch *b, const char *const *ids,
			  const size_t *lens, size_t count, unsigned char *exists,
			  const unsigned char *listed, struct mysql_failure *f)
{
	size_t i = 0;
	int ret;

	while (i < count) {
		b->count = 0;
		for (; i < count && b->count < BATCH_MAX; i++) {
			if (listed && listed[i])
				continue;
			b->ids[b->count] = ids[i];
			b->lens[b->count] = lens[i];
			b->at[b->count++] = i;
		}
		if (!b->count)
			break;
		ret = mysql_with_connection(pool, check_batch_run, b, f);
		if (ret)
			return ret;
		for (size_t k = 0; k < b->count; k++)
			exists[b->at[k]] = b->exists[k];
	}
	return 0;
}

int mysql_ids_exist_in(struct mysql_pool *pool, const char *table, const char *column,
		       const struct mysql_column *type, const char *const *ids, const size_t *lens,
		       size_t count, unsigned char *exists)
{
	unsigned char *listed = NULL;
	struct check_batch *batch;
	struct mysql_failure f;
	int ret = 0;

	if (!mysql_identifier_valid(table, true) || !mysql_identifier_valid(column, false)) {
		mysql_pool_logf(pool, "mysql: refusing unsafe table or column name");
		return -EINVAL;
	}
	batch = malloc(sizeof *batch); /* its arrays are too big for a FUSE thread's stack */
	if (!batch)
		return -ENOMEM;
	*batch = (struct check_batch){.table = table, .column = column, .type = type};
	/* many IDs of a known column: most go in list statements, the rest one by one */
	if (type && count >= LIST_MIN) {
		listed = malloc(count);
		if (!listed) {
			free(batch);
			return -ENOMEM;
		}
		ret = list_exist(pool, table, column, type, ids, lens, count, exists, listed,
				 LIST_IDS, LIST_BYTES, LIST_THREADS, &f)
			      ? -EIO
			      : 0;
	}
	if (!ret)
		ret = check_unlisted(pool, batch, ids, lens, count, exists, listed, &f);
	free(listed);
	free(batch);
	if (ret) {
		mysql_pool_logf(pool, "mysql: checking %zu IDs in %s.%s: %s (error %u)", count,
				table, column, f.message, f.code);
		return -EIO;
	}
	return 0;
}

int mysql_ids_exist(struct mysql_pool *pool, const char *table, const char *column,
		    const char *const *ids, const size_t *lens, size_t count, unsigned char *exists)
{
	return mysql_ids_exist_in(pool, table, column, NULL, ids, lens, count, exists);
}
