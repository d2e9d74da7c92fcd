/* test_mysql_range.c - the ranged list statement of an integer column: bounds, plan, fallback. */
#include "backend/mysql_idlist.h"
#include "mysql_fixture.h"
#include "run_suite.h"

#define SEED 1607 /* the shuffle's, printed: a failure can be replayed */

/* A status counter of the server (summed over all connections). */
static long long server_counter(const char *name)
{
	return h_mysql_int(maria_server,
			   "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
			   " WHERE VARIABLE_NAME = '%s'",
			   name);
}

/* The IDs to check, as text, and what MySQL must answer for each. */
struct idset {
	size_t n;
	char (*text)[24];
	const char **ids;
	size_t *lens;
	unsigned char *expect;
};

static void idset_init(struct idset *s, size_t n)
{
	s->n = 0;
	s->text = calloc(n, sizeof *s->text);
	s->ids = calloc(n, sizeof *s->ids);
	s->lens = calloc(n, sizeof *s->lens);
	s->expect = calloc(n, 1);
	ck_assert(s->text && s->ids && s->lens && s->expect);
}

static void idset_add(struct idset *s, long long id, bool has_row)
{
	size_t i = s->n++;

	s->lens[i] = (size_t) snprintf(s->text[i], sizeof s->text[i], "%lld", id);
	s->ids[i] = s->text[i];
	s->expect[i] = has_row;
}

/* Shuffle with a fixed seed, so that the least and greatest IDs sit anywhere in the list. */
static void idset_shuffle(struct idset *s)
{
	srandom(SEED);
	fprintf(stderr, "test_mysql_range: shuffled with seed %d\n", SEED);
	for (size_t i = s->n; i > 1; i--) {
		size_t j = (size_t) random() % i;
		char text[24];
		unsigned char e = s->expect[i - 1];
		size_t l;

		memcpy(text, s->text[i - 1], sizeof text);
		memcpy(s->text[i - 1], s->text[j], sizeof text);
		memcpy(s->text[j], text, sizeof text);
		s->expect[i - 1] = s->expect[j];
		s->expect[j] = e;
		l = s->lens[i - 1];
		s->lens[i - 1] = s->lens[j];
		s->lens[j] = l;
	}
}

static void idset_free(struct idset *s)
{
	free(s->text);
	free(s->ids);
	free(s->lens);
	free(s->expect);
}

/*
 * Check the set against `table`.id as the ghosts do (with the column's
 * description): every answer must be MySQL's. Returns the index lookups
 * (Handler_read_key) the check took: one a ID for the plain list statement,
 * a few for the ranged one.
 */
static long long assert_set_checked(const char *table, struct idset *s)
{
	struct mysql_pool *pool = open_pool(10, NULL);
	unsigned char *exists = malloc(s->n);
	struct mysql_column column;
	long long keys;
	char err[256];

	ck_assert_ptr_nonnull(exists);
	ck_assert_int_eq(mysql_describe_column(pool, table, "id", &column, err, sizeof err), 0);
	memset(exists, 7, s->n); /* neither answer: each must be written */
	keys = server_counter("HANDLER_READ_KEY");
	ck_assert_int_eq(
		mysql_ids_exist_in(pool, table, "id", &column, s->ids, s->lens, s->n, exists), 0);
	keys = server_counter("HANDLER_READ_KEY") - keys;
	for (size_t i = 0; i < s->n; i++)
		ck_assert_msg(exists[i] == s->expect[i], "%s: ID %s gave exists=%d, expected %d",
			      table, s->ids[i], exists[i], s->expect[i]);
	fprintf(stderr, "test_mysql_range: %zu IDs of %s, %lld index lookups\n", s->n, table, keys);
	mysql_pool_close(pool);
	free(exists);
	return keys;
}

/* ---- fixtures ---- */

static void setup_range_server(void)
{
	maria_server = h_mysql_start();
	/* near: ids 1..20000 but multiples of 7; edge: both ends of BIGINT's 18 digits and
	 * around zero, each with a gap next to a row */
	h_mysql_sql(
		maria_server,
		"CREATE TABLE redisfs.near (id BIGINT PRIMARY KEY);"
		"INSERT INTO redisfs.near SELECT seq FROM redisfs.seq_1_to_20000 WHERE seq %% "
		"7 <> 0;"
		"CREATE TABLE redisfs.edge (id BIGINT PRIMARY KEY);"
		"INSERT INTO redisfs.edge VALUES (-999999999999999999), (-999999999999999980),"
		"  (-20), (-5), (-1), (0), (7), (999999999999999980), (999999999999999998),"
		"  (999999999999999999);"
		"CREATE TABLE redisfs.plain_int (id INT UNSIGNED PRIMARY KEY);"
		"INSERT INTO redisfs.plain_int SELECT seq FROM redisfs.seq_1_to_3000 WHERE seq %% "
		"2 = 0;");
}

/* ---- the range ---- */

START_TEST(test_dense_ids_are_answered_by_one_pass_over_their_range)
{
	struct idset s;
	long long keys;

	/* 1 and 20000 have rows: a bound one off at either end would make one of them a
	 * ghost; shuffled, so neither is first or last in the list */
	idset_init(&s, 20000);
	for (long long id = 1; id <= 20000; id++)
		idset_add(&s, id, id % 7 != 0);
	idset_shuffle(&s);
	keys = assert_set_checked("near", &s);
	/* the hash join reads the range: not an index lookup an ID */
	ck_assert_msg(keys < 1000, "%lld index lookups for 20000 dense IDs: not ranged", keys);
	idset_free(&s);
}
END_TEST
START_TEST(test_sparse_ids_are_looked_up_each)
{
	struct idset s;
	long long keys;

	/* 2000 IDs over 200,000 values: reading the range would read 100 values an ID */
	idset_init(&s, 2000);
	for (long long id = 100; id <= 200000; id += 100)
		idset_add(&s, id, id <= 20000 && id % 7 != 0);
	idset_shuffle(&s);
	keys = assert_set_checked("near", &s);
	ck_assert_msg(keys >= 2000, "%lld index lookups for 2000 sparse IDs", keys);
	idset_free(&s);
}
END_TEST
/* Whether `id` is a row of redisfs.edge. */
static bool edge_row(long long id)
{
	static const long long rows[] = {-999999999999999999LL,
					 -999999999999999980LL,
					 -20,
					 -5,
					 -1,
					 0,
					 7,
					 999999999999999980LL,
					 999999999999999998LL,
					 999999999999999999LL};

	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
		if (rows[r] == id)
			return true;
	return false;
}

START_TEST(test_ids_at_the_ends_of_bigint_compare_exactly)
{
	/* three dense runs, each a list of its own: the top, the bottom, around zero */
	static const long long runs[][2] = {{999999999999999980LL, 999999999999999999LL},
					    {-999999999999999999LL, -999999999999999970LL},
					    {-20, 19}};
	/* and one list from end to end: a width past 2^63 must not count as dense */
	static const long long wide[] = {-999999999999999999LL,
					 -999999999999999998LL,
					 -999999999999999980LL,
					 -20,
					 -6,
					 -5,
					 -2,
					 -1,
					 0,
					 1,
					 6,
					 7,
					 8,
					 999999999999999980LL,
					 999999999999999981LL,
					 999999999999999997LL,
					 999999999999999998LL,
					 999999999999999999LL};
	struct idset s;

	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		idset_init(&s, 64);
		for (long long id = runs[r][0];; id++) {
			idset_add(&s, id, edge_row(id));
			if (id == runs[r][1])
				break;
		}
		idset_shuffle(&s);
		assert_set_checked("edge", &s);
		idset_free(&s);
	}
	idset_init(&s, sizeof wide / sizeof wide[0]);
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
		idset_add(&s, wide[i], edge_row(wide[i]));
	idset_shuffle(&s);
	assert_set_checked("edge", &s);
	idset_free(&s);
}
END_TEST
START_TEST(test_unsigned_int_column_takes_the_range_too)
{
	struct idset s;

	idset_init(&s, 3000);
	for (long long id = 1; id <= 3000; id++)
		idset_add(&s, id, id % 2 == 0);
	idset_shuffle(&s);
	ck_assert_int_lt(assert_set_checked("plain_int", &s), 300);
	idset_free(&s);
}
END_TEST

/* ---- the rule, pure ---- */

START_TEST(test_range_density_rule)
{
	ck_assert(idlist_range_dense(1, 50000, 50000));
	ck_assert(idlist_range_dense(1, 8 * 1000, 1000));
	ck_assert(!idlist_range_dense(1, 8 * 1000 + 9, 1000));
	ck_assert(idlist_range_dense(-5, -5, 1));
	ck_assert(!idlist_range_dense(5, 4, 2));
	ck_assert(!idlist_range_dense(1, 1, 0));
	/* the widest pair of 18-digit IDs does not overflow into "dense" */
	ck_assert(!idlist_range_dense(-999999999999999999LL, 999999999999999999LL, 50000));
}
END_TEST

START_TEST(test_integer_ids_travel_as_json_numbers)
{
	char out[64];
	size_t n = idlist_json_append_number(out, "-999999999999999999", 19, true);

	n += idlist_json_append_number(out + n, "42", 2, false);
	out[n] = '\0';
	ck_assert_str_eq(out, "-999999999999999999,42");
	/* never more than the string form's room */
	ck_assert_uint_le(n, idlist_json_len("-999999999999999999", 19) + idlist_json_len("42", 2));
}
END_TEST

static Suite *mysql_range_suite(void)
{
	Suite *s = suite_create("mysql_range");
	TCase *tc;

	tc = tcase_create("rule");
	tcase_add_test(tc, test_range_density_rule);
	tcase_add_test(tc, test_integer_ids_travel_as_json_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("range");
	tcase_set_timeout(tc, TEST_SECONDS);
	h_mysql_tcase_add_fixture(tc, setup_range_server, h_mysql_stop_all);
	tcase_add_test(tc, test_dense_ids_are_answered_by_one_pass_over_their_range);
	tcase_add_test(tc, test_sparse_ids_are_looked_up_each);
	tcase_add_test(tc, test_ids_at_the_ends_of_bigint_compare_exactly);
	tcase_add_test(tc, test_unsigned_int_column_takes_the_range_too);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(mysql_range_suite(), CK_FORK);
}
