/* test_mysql_data.c - the MySQL backend of ghosts/ (SPEC 6): names, types, lists of IDs. */
#include "mysql_fixture.h"
#include "run_suite.h"

#define ID_TEXT	      12 /* room for a decimal ID and its NUL */
#define THREADS	      4
#define THREAD_ROUNDS 25

/* IDs "first".."first+n-1" as decimal text: ids[] points into the returned block (free it). */
static char *number_ids(long first, size_t n, const char **ids, size_t *lens)
{
	char *text = malloc(n * ID_TEXT);

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++) {
		char *p = text + i * ID_TEXT;

		lens[i] = (size_t) snprintf(p, ID_TEXT, "%ld", first + (long) i);
		ids[i] = p;
	}
	return text;
}

/* A status counter of the server, e.g. Com_stmt_prepare (summed over all connections). */
static long long server_counter(const char *name)
{
	return h_mysql_int(maria_server,
			   "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
			   " WHERE VARIABLE_NAME = '%s'",
			   name);
}

/*
 * Check IDs first..first+n-1 against redisfs.big, where an ID has a row when
 * it is not a multiple of 3, and count the statements it took: with the
 * column's description (`typed`, learned before counting) as the ghosts do,
 * or without, one by one.
 */
static void assert_numbers_checked(size_t n, bool typed, long long expect_prepares,
				   long long expect_executes)
{
	const char **ids = calloc(n, sizeof *ids);
	size_t *lens = calloc(n, sizeof *lens);
	unsigned char *exists = malloc(n);
	char *text = number_ids(1, n, ids, lens);
	struct mysql_pool *pool = open_pool(10, NULL);
	struct mysql_column column;
	char err[256];
	long long prepares, executes;
	double started;
	int ret;

	ck_assert_int_eq(mysql_describe_column(pool, "big", "id", &column, err, sizeof err), 0);
	prepares = server_counter("COM_STMT_PREPARE");
	executes = server_counter("COM_STMT_EXECUTE");
	started = h_now();
	memset(exists, 7, n);
	ret = mysql_ids_exist_in(pool, "big", "id", typed ? &column : NULL, ids, lens, n, exists);
	ck_assert_int_eq(ret, 0);
	fprintf(stderr, "test_mysql: %zu IDs checked in %.2f s\n", n, h_now() - started);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(exists[i] == ((i + 1) % 3 != 0), "ID %zu gave exists=%d", i + 1,
			      exists[i]);
	ck_assert_int_eq(server_counter("COM_STMT_PREPARE") - prepares, expect_prepares);
	ck_assert_int_eq(server_counter("COM_STMT_EXECUTE") - executes, expect_executes);
	mysql_pool_close(pool);
	free(text);
	free(ids);
	free(lens);
	free(exists);
}

/* ---- fixtures ---- */

static void setup_data_server(void)
{
	maria_server = h_mysql_start();
	h_mysql_sql(maria_server,
		    "CREATE TABLE redisfs.users (id INT PRIMARY KEY);"
		    "INSERT INTO redisfs.users VALUES (1), (2), (3), (5), (8), (13), (42);"
		    "CREATE TABLE redisfs.names (name VARCHAR(64) CHARACTER SET utf8mb4"
		    "  COLLATE utf8mb4_general_ci PRIMARY KEY);"
		    "INSERT INTO redisfs.names VALUES ('Alice'), ('Bob'), ('Zoë');"
		    "CREATE TABLE redisfs.legacy (login VARCHAR(32) CHARACTER SET latin1"
		    "  COLLATE latin1_swedish_ci PRIMARY KEY);"
		    "INSERT INTO redisfs.legacy VALUES ('carol');"
		    "CREATE TABLE redisfs.big (id INT PRIMARY KEY);"
		    "INSERT INTO redisfs.big SELECT seq FROM redisfs.seq_1_to_100000 WHERE seq %% "
		    "3 <> 0;"
		    "CREATE DATABASE accounts;"
		    "CREATE TABLE accounts.logins (login VARBINARY(32) PRIMARY KEY);"
		    "INSERT INTO accounts.logins VALUES ('Alice');"
		    "GRANT SELECT ON accounts.* TO '%s'@'localhost', '%s'@'127.0.0.1'",
		    maria_server->user, maria_server->user);
}

/* ---- exact answers ---- */

START_TEST(test_ids_exist_marks_exactly_the_ids_that_have_a_row)
{
	static const struct probe probes[] = {
		PROBE("1", 1),	PROBE("2", 1),	PROBE("4", 0),	 PROBE("42", 1),
		PROBE("7", 0),	PROBE("13", 1), PROBE("100", 0), PROBE("0", 0),
		PROBE("-1", 0), PROBE("1", 1), /* twice: both answered */
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	assert_probes(pool, "users", "id", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_2500_ids_take_one_list_statement)
{
	/* one JSON list of the column's own type: one prepare, one execute */
	assert_numbers_checked(2500, true, 1, 1);
}
END_TEST
START_TEST(test_100000_ids_take_two_lists_on_two_connections)
{
	/* two lists of 50,000, each prepared on its own connection */
	assert_numbers_checked(100000, true, 2, 2);
}
END_TEST
START_TEST(test_2500_untyped_ids_take_three_statements)
{
	/* no column description, no list: 1000 + 1000 + 500 (in the 512-slot statement) */
	assert_numbers_checked(2500, false, 2, 3);
}
END_TEST
START_TEST(test_zero_ids_need_no_query)
{
	struct mysql_pool *pool = open_pool(5, NULL);
	long long executes = server_counter("COM_STMT_EXECUTE");

	ck_assert_int_eq(mysql_ids_exist(pool, "users", "id", NULL, NULL, 0, NULL), 0);
	ck_assert_int_eq(server_counter("COM_STMT_EXECUTE"), executes);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_sql_lookalike_ids_are_plain_values)
{
	static const struct probe probes[] = {
		PROBE("1' OR '1'='1", 0),
		PROBE("1; DROP TABLE users", 0),
		PROBE("'; DROP TABLE names; --", 0),
		PROBE("\\", 0),
		PROBE("'", 0),
		PROBE("\"", 0),
		PROBE("`", 0),
		PROBE("Alice' -- ", 0),
		PROBE("Alice\0", 0),
		PROBE("Alice\0' OR 1=1", 0),
		PROBE("\0", 0),
		PROBE("%", 0),
		PROBE("_", 0),
		PROBE("?", 0),
		PROBE("Bob", 1),
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	assert_probes(pool, "names", "name", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
	ck_assert_int_eq(h_mysql_int(maria_server, "SELECT COUNT(*) FROM redisfs.users"), 7);
	ck_assert_int_eq(h_mysql_int(maria_server, "SELECT COUNT(*) FROM redisfs.names"), 3);
}
END_TEST

/* ---- MySQL's comparison, not ours ---- */

START_TEST(test_varchar_column_compares_with_its_collation)
{
	static const struct probe probes[] = {
		PROBE("Alice", 1),  PROBE("alice", 1), PROBE("ALICE", 1), PROBE("Alice ", 1),
		PROBE("Alicia", 0), PROBE("bob", 1),   PROBE("zoe", 1),	  PROBE("ZOË", 1),
		PROBE(" Alice", 0), PROBE("", 0),
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	/* utf8mb4_general_ci: case and accents fold, trailing spaces pad */
	assert_probes(pool, "names", "name", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_varbinary_column_in_another_database_compares_bytes)
{
	static const struct probe probes[] = {
		PROBE("Alice", 1), PROBE("alice", 0),
		PROBE("Alice ", 0), /* binary strings do not pad */
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	assert_probes(pool, "accounts.logins", "login", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_int_column_compares_as_mysql_does)
{
	/* a string meets an INT as a number: "01" and "1abc" are 1 to MySQL, so not ghosts */
	static const struct probe probes[] = {
		PROBE("01", 1), PROBE("1.0", 1), PROBE("1abc", 1),  PROBE("abc", 0),  PROBE("", 0),
		PROBE("4", 0),	PROBE("42", 1),	 PROBE("4.2e1", 1), PROBE("0x2A", 0),
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	assert_probes(pool, "users", "id", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_invalid_utf8_id_is_not_found_in_utf8mb4_column)
{
	static const struct probe probes[] = {
		PROBE("\xff\xfe", 0),
		PROBE("Ali\xc3", 0),
		PROBE("Bob", 1),
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	assert_probes(pool, "names", "name", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_latin1_column_compares_convertible_ids)
{
	static const struct probe probes[] = {
		PROBE("carol", 1),
		PROBE("CAROL", 1),
		PROBE("Zoë", 0),
	};
	struct mysql_pool *pool = open_pool(5, NULL);

	assert_probes(pool, "legacy", "login", probes, sizeof probes / sizeof probes[0]);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_unconvertible_id_fails_the_batch_closed_on_latin1_column)
{
	/*
	 * MySQL refuses to compare a latin1 column with a string latin1 cannot
	 * hold ("Illegal mix of collations"): the whole batch fails, and the
	 * caller shows EIO rather than guess.
	 */
	const char *ids[] = {"carol", "\xe6\x97\xa5\xe6\x9c\xac"};
	size_t lens[] = {5, 6};
	unsigned char exists[2];
	struct log_capture cap = {0};
	struct mysql_pool *pool = open_pool(5, &cap);

	ck_assert_int_eq(mysql_ids_exist(pool, "legacy", "login", ids, lens, 2, exists), -EIO);
	ck_assert_int_eq(cap.lines, 1);
	ck_assert_msg(strncmp(cap.last, "mysql: ", 7) == 0 && strstr(cap.last, "collation"),
		      "log line: %s", cap.last);
	/* the pool is still good */
	ck_assert_int_eq(mysql_ids_exist(pool, "legacy", "login", ids, lens, 1, exists), 0);
	ck_assert_int_eq(exists[0], 1);
	mysql_pool_close(pool);
}
END_TEST

/* ---- names ---- */

START_TEST(test_identifier_validation)
{
	static const char *const tables_ok[] = {
		"users",
		"app.users",
		"user_id",
		"a",
		"db$1",
		"123",
		"A_b.C_d",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	static const char *const tables_bad[] = {
		"users;drop",
		"a b",
		"`x`",
		"",
		".users",
		"users.",
		"a.b.c",
		"app..users",
		"us\xc3\xa9rs",
		"a-b",
		"x'",
		"a\tb",
		"users--",
		"users/*",
		"users\n",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.t",
	};

	for (size_t i = 0; i < sizeof tables_ok / sizeof tables_ok[0]; i++)
		ck_assert_msg(mysql_identifier_valid(tables_ok[i], true), "refused table %s",
			      tables_ok[i]);
	for (size_t i = 0; i < sizeof tables_bad / sizeof tables_bad[0]; i++)
		ck_assert_msg(!mysql_identifier_valid(tables_bad[i], true), "accepted table %s",
			      tables_bad[i]);
	ck_assert(mysql_identifier_valid("user_id", false));
	ck_assert(mysql_identifier_valid("id", false));
	ck_assert(!mysql_identifier_valid("a.b", false));
	ck_assert(!mysql_identifier_valid("users;drop", false));
	ck_assert(!mysql_identifier_valid("", false));
	ck_assert(!mysql_identifier_valid(NULL, false));
	ck_assert(!mysql_identifier_valid(NULL, true));
}
END_TEST
START_TEST(test_unsafe_names_are_refused_before_any_query)
{
	const char *ids[] = {"1"};
	size_t lens[] = {1};
	unsigned char exists[1];
	struct mysql_pool *pool = open_pool(5, NULL);
	long long prepares = server_counter("COM_STMT_PREPARE");

	ck_assert_int_eq(mysql_ids_exist(pool, "users;drop", "id", ids, lens, 1, exists), -EINVAL);
	ck_assert_int_eq(mysql_ids_exist(pool, "users", "id`", ids, lens, 1, exists), -EINVAL);
	ck_assert_int_eq(mysql_ids_exist(pool, "users", "a.id", ids, lens, 1, exists), -EINVAL);
	ck_assert_int_eq(server_counter("COM_STMT_PREPARE"), prepares);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_check_column_accepts_existing_columns)
{
	struct mysql_pool *pool = open_pool(5, NULL);
	char err[512] = "";

	ck_assert_msg(mysql_check_column(pool, "users", "id", err, sizeof err) == 0, "%s", err);
	ck_assert_msg(mysql_check_column(pool, "accounts.logins", "login", err, sizeof err) == 0,
		      "%s", err);
	ck_assert_msg(mysql_check_column(pool, "redisfs.names", "name", err, sizeof err) == 0, "%s",
		      err);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_check_column_names_a_missing_table)
{
	struct mysql_pool *pool = open_pool(5, NULL);
	char err[512] = "";

	ck_assert_int_eq(mysql_check_column(pool, "nosuchtable", "id", err, sizeof err), -ENOENT);
	ck_assert_msg(strstr(err, "nosuchtable") && strstr(err, "doesn't exist"), "err: %s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	/* a database the user may not see is "denied", not "missing": MySQL hides which */
	ck_assert_int_eq(mysql_check_column(pool, "nosuchdb.users", "id", err, sizeof err),
			 -EACCES);
	ck_assert_msg(strstr(err, "nosuchdb") && strstr(err, "denied"), "err: %s", err);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_check_column_names_a_missing_column)
{
	struct mysql_pool *pool = open_pool(5, NULL);
	char err[512] = "";

	ck_assert_int_eq(mysql_check_column(pool, "users", "user_id", err, sizeof err), -ENOENT);
	ck_assert_msg(strstr(err, "user_id") && strstr(err, "Unknown column"), "err: %s", err);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_check_column_refuses_unsafe_names)
{
	struct mysql_pool *pool = open_pool(5, NULL);
	char err[512] = "";

	ck_assert_int_eq(mysql_check_column(pool, "users;drop", "id", err, sizeof err), -EINVAL);
	ck_assert_msg(strstr(err, "users;drop"), "err: %s", err);
	ck_assert_int_eq(mysql_check_column(pool, "users", "a b", err, sizeof err), -EINVAL);
	ck_assert_msg(strstr(err, "column"), "err: %s", err);
	mysql_pool_close(pool);
}
END_TEST

/* ---- connecting ---- */

START_TEST(test_wrong_password_fails_pool_open_with_the_reason)
{
	struct mysql_endpoint ep = tcp_endpoint(5, NULL);
	static int sentinel;
	struct mysql_pool *pool = (struct mysql_pool *) &sentinel; /* must come back NULL */
	char err[512] = "";

	ep.password = "not-the-password";
	ck_assert_int_eq(mysql_pool_open(&ep, &pool, err, sizeof err), -EACCES);
	ck_assert_ptr_null(pool);
	ck_assert_msg(strstr(err, "Access denied"), "err: %s", err);
	ck_assert_ptr_null(strstr(err, "not-the-password"));
}
END_TEST
START_TEST(test_unreachable_server_fails_pool_open_at_once)
{
	struct mysql_endpoint ep = tcp_endpoint(SHORT_TIMEOUT, NULL);
	struct mysql_pool *pool = NULL;
	char err[512] = "";
	double started;

	ep.port = h_free_port();
	started = h_now();
	ck_assert_int_eq(mysql_pool_open(&ep, &pool, err, sizeof err), -EIO);
	ck_assert_double_lt(h_now() - started, SHORT_TIMEOUT);
	ck_assert_ptr_null(pool);
	ck_assert_msg(strstr(err, "connect"), "err: %s", err);
}
END_TEST

/* Write a defaults file into the server's directory (removed with it); returns its path. */
static const char *write_defaults_file(const char *name, const char *password)
{
	static char path[H_PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", maria_server->dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"# a client section as in /etc/mysql/debian.cnf\n"
		"[client]\n"
		"host = 127.0.0.1\n"
		"port = %d\n"
		"user = %s\n"
		"password = %s\n"
		"database = %s\n",
		maria_server->port, maria_server->user, password, maria_server->database);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

START_TEST(test_defaults_file_supplies_the_endpoint)
{
	static const struct probe probes[] = {PROBE("42", 1), PROBE("43", 0)};
	struct mysql_endpoint ep = {
		.defaults_file = write_defaults_file("client.cnf", maria_server->password),
		.timeout = 5};
	struct mysql_pool *pool = open_pool_ep(&ep);

	assert_probes(pool, "users", "id", probes, 2);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_endpoint_fields_win_over_the_defaults_file)
{
	static const struct probe probes[] = {PROBE("42", 1)};
	struct mysql_endpoint ep = tcp_endpoint(5, NULL);
	struct mysql_pool *pool;

	ep.defaults_file = write_defaults_file("stale.cnf", "an-old-password");
	pool = open_pool_ep(&ep);
	assert_probes(pool, "users", "id", probes, 1);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_missing_defaults_file_fails_pool_open)
{
	struct mysql_endpoint ep = tcp_endpoint(5, NULL);
	struct mysql_pool *pool = NULL;
	char err[512] = "";

	ep.defaults_file = "/nonexistent/redisfs-my.cnf";
	ck_assert_int_eq(mysql_pool_open(&ep, &pool, err, sizeof err), -ENOENT);
	ck_assert_msg(strstr(err, "/nonexistent/redisfs-my.cnf"), "err: %s", err);
}
END_TEST
START_TEST(test_unix_socket_endpoint_works)
{
	static const struct probe probes[] = {PROBE("13", 1), PROBE("14", 0)};
	struct mysql_endpoint ep = tcp_endpoint(5, NULL);
	struct mysql_pool *pool;

	ep.host = NULL;
	ep.port = 0;
	ep.socket_path = maria_server->socket;
	pool = open_pool_ep(&ep);
	assert_probes(pool, "users", "id", probes, 2);
	mysql_pool_close(pool);
}
END_TEST

struct thread_job {
	struct mysql_pool *pool;
	long first; /* this thread's IDs: first..first+299 */
	int failures;
};

static void *thread_checks(void *arg)
{
	struct thread_job *job = arg;
	const char *ids[300];
	size_t lens[300];
	unsigned char exists[300];
	char *text = number_ids(job->first, 300, ids, lens);

	for (int round = 0; round < THREAD_ROUNDS; round++) {
		if (mysql_ids_exist(job->pool, "big", "id", ids, lens, 300, exists)) {
			job->failures++;
			continue;
		}
		for (long i = 0; i < 300; i++)
			if (exists[i] != ((job->first + i) % 3 != 0))
				job->failures++;
	}
	free(text);
	return NULL;
}

START_TEST(test_threads_check_at_once_each_on_its_own_connection)
{
	struct mysql_pool *pool = open_pool(10, NULL);
	pthread_t threads[THREADS];
	struct thread_job jobs[THREADS];
	double deadline;

	for (int t = 0; t < THREADS; t++) {
		jobs[t] = (struct thread_job){.pool = pool, .first = 1 + 1000L * t};
		ck_assert_int_eq(pthread_create(&threads[t], NULL, thread_checks, &jobs[t]), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
		ck_assert_msg(jobs[t].failures == 0, "thread %d: %d failures", t, jobs[t].failures);
	}
	/* the threads' connections closed as they exited: only ours is left */
	deadline = h_now() + 10;
	while (pool_connections() > 1 && h_now() < deadline)
		usleep(20000);
	ck_assert_int_eq(pool_connections(), 1);
	mysql_pool_close(pool);
}
END_TEST

static Suite *mysql_data_suite(void)
{
	Suite *s = suite_create("mysql_data");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_test(tc, test_identifier_validation);
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_set_timeout(tc, TEST_SECONDS);
	h_mysql_tcase_add_fixture(tc, setup_data_server, h_mysql_stop_all);
	tcase_add_test(tc, test_ids_exist_marks_exactly_the_ids_that_have_a_row);
	tcase_add_test(tc, test_2500_ids_take_one_list_statement);
	tcase_add_test(tc, test_100000_ids_take_two_lists_on_two_connections);
	tcase_add_test(tc, test_2500_untyped_ids_take_three_statements);
	tcase_add_test(tc, test_zero_ids_need_no_query);
	tcase_add_test(tc, test_sql_lookalike_ids_are_plain_values);
	tcase_add_test(tc, test_varchar_column_compares_with_its_collation);
	tcase_add_test(tc, test_varbinary_column_in_another_database_compares_bytes);
	tcase_add_test(tc, test_int_column_compares_as_mysql_does);
	tcase_add_test(tc, test_invalid_utf8_id_is_not_found_in_utf8mb4_column);
	tcase_add_test(tc, test_latin1_column_compares_convertible_ids);
	tcase_add_test(tc, test_unconvertible_id_fails_the_batch_closed_on_latin1_column);
	tcase_add_test(tc, test_unsafe_names_are_refused_before_any_query);
	tcase_add_test(tc, test_check_column_accepts_existing_columns);
	tcase_add_test(tc, test_check_column_names_a_missing_table);
	tcase_add_test(tc, test_check_column_names_a_missing_column);
	tcase_add_test(tc, test_check_column_refuses_unsafe_names);
	tcase_add_test(tc, test_wrong_password_fails_pool_open_with_the_reason);
	tcase_add_test(tc, test_unreachable_server_fails_pool_open_at_once);
	tcase_add_test(tc, test_defaults_file_supplies_the_endpoint);
	tcase_add_test(tc, test_endpoint_fields_win_over_the_defaults_file);
	tcase_add_test(tc, test_missing_defaults_file_fails_pool_open);
	tcase_add_test(tc, test_unix_socket_endpoint_works);
	tcase_add_test(tc, test_threads_check_at_once_each_on_its_own_connection);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(mysql_data_suite(), CK_FORK);
}
