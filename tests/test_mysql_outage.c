/* test_mysql_outage.c - the MySQL backend of ghosts/ (SPEC 6) when MariaDB halts or freezes. */
#include "mysql_fixture.h"
#include "run_suite.h"

static void setup_outage_server(void)
{
	maria_server = h_mysql_start();
	h_mysql_sql(maria_server, "CREATE TABLE redisfs.users (id INT PRIMARY KEY);"
				  "INSERT INTO redisfs.users VALUES (1), (2)");
}

/* ---- outages ---- */

START_TEST(test_killed_connection_is_replaced_without_an_error)
{
	static const struct probe probes[] = {PROBE("1", 1), PROBE("3", 0)};
	struct log_capture cap = {0};
	struct mysql_pool *pool = open_pool(SHORT_TIMEOUT, &cap);
	long long id;
	double deadline;

	assert_probes(pool, "users", "id", probes, 2);
	id = h_mysql_int(maria_server,
			 "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '%s'",
			 maria_server->user);
	h_mysql_sql(maria_server, "KILL CONNECTION %lld", id);
	deadline = h_now() + 10;
	while (pool_connections() > 0 && h_now() < deadline)
		usleep(20000);
	assert_probes(pool, "users", "id", probes, 2);
	ck_assert_msg(cap.lines == 0, "logged: %s", cap.last);
	mysql_pool_close(pool);
}
END_TEST

/* A check that blocks on a table lock until the main thread lets it go. */
struct blocked_check {
	struct mysql_pool *pool;
	int ret;
	unsigned char exists[2];
};

static void *run_blocked_check(void *arg)
{
	struct blocked_check *bc = arg;
	const char *ids[] = {"2", "4"};
	size_t lens[] = {1, 1};

	bc->ret = mysql_ids_exist(bc->pool, "users", "id", ids, lens, 2, bc->exists);
	return NULL;
}

/* A superuser connection of the test's own, for a lock held across calls. */
static MYSQL *admin_session(void)
{
	MYSQL *mysql = mysql_init(NULL);

	ck_assert_ptr_nonnull(mysql);
	ck_assert_msg(mysql_real_connect(mysql, "localhost", maria_server->admin, NULL, NULL, 0,
					 maria_server->socket, 0),
		      "admin connect: %s", mysql_error(mysql));
	return mysql;
}

START_TEST(test_connection_lost_during_a_query_is_retried_once)
{
	struct log_capture cap = {0};
	struct blocked_check bc = {.pool = open_pool(10, &cap)};
	MYSQL *locker = admin_session();
	pthread_t thread;
	long long id = 0;
	double deadline;

	/* warm up: the check's connection exists before the lock */
	run_blocked_check(&bc);
	ck_assert_int_eq(bc.ret, 0);
	ck_assert_msg(mysql_query(locker, "LOCK TABLES redisfs.users WRITE") == 0, "%s",
		      mysql_error(locker));
	ck_assert_int_eq(pthread_create(&thread, NULL, run_blocked_check, &bc), 0);
	deadline = h_now() + 10;
	while (!id && h_now() < deadline) {
		id = h_mysql_int(maria_server,
				 "SELECT COALESCE(MAX(ID), 0) FROM information_schema.PROCESSLIST"
				 " WHERE USER = '%s' AND STATE LIKE '%%metadata lock%%'",
				 maria_server->user);
		if (!id)
			usleep(20000);
	}
	ck_assert_msg(id, "the check never waited for the lock");
	h_mysql_sql(maria_server, "KILL CONNECTION %lld", id);
	ck_assert_msg(mysql_query(locker, "UNLOCK TABLES") == 0, "%s", mysql_error(locker));
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_msg(bc.ret == 0, "ret %d, logged: %s", bc.ret, cap.last);
	ck_assert_int_eq(bc.exists[0], 1);
	ck_assert_int_eq(bc.exists[1], 0);
	mysql_close(locker);
	mysql_pool_close(bc.pool);
}
END_TEST
START_TEST(test_frozen_server_fails_with_eio_within_the_timeout)
{
	static const struct probe probes[] = {PROBE("2", 1), PROBE("5", 0)};
	const char *ids[] = {"1"};
	size_t lens[] = {1};
	unsigned char exists[1];
	struct log_capture cap = {0};
	struct mysql_pool *pool = open_pool(SHORT_TIMEOUT, &cap);
	double started, took;
	int ret;

	assert_probes(pool, "users", "id", probes, 2);
	h_mysql_freeze(maria_server, true);
	started = h_now();
	ret = mysql_ids_exist(pool, "users", "id", ids, lens, 1, exists);
	took = h_now() - started;
	h_mysql_freeze(maria_server, false);
	fprintf(stderr, "test_mysql: a frozen server failed the check in %.2f s\n", took);
	ck_assert_int_eq(ret, -EIO);
	/* one read timeout: a timed-out query is not retried */
	ck_assert_double_ge(took, SHORT_TIMEOUT - 0.1);
	ck_assert_double_lt(took, SHORT_TIMEOUT + 1);
	ck_assert_msg(strncmp(cap.last, "mysql: ", 7) == 0, "log line: %s", cap.last);
	/* thawed, the same pool connects again */
	assert_probes(pool, "users", "id", probes, 2);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_pool_open_on_a_frozen_server_fails_within_the_timeout)
{
	struct mysql_endpoint ep = tcp_endpoint(SHORT_TIMEOUT, NULL);
	struct mysql_pool *pool = NULL;
	char err[512] = "";
	double started, took;
	int ret;

	h_mysql_freeze(maria_server, true);
	started = h_now();
	ret = mysql_pool_open(&ep, &pool, err, sizeof err);
	took = h_now() - started;
	h_mysql_freeze(maria_server, false);
	ck_assert_int_eq(ret, -EIO);
	ck_assert_ptr_null(pool);
	ck_assert_double_lt(took, SHORT_TIMEOUT + 1);
	ck_assert_msg(err[0], "no reason given");
}
END_TEST
START_TEST(test_stopped_server_fails_with_eio_then_the_pool_recovers)
{
	static const struct probe probes[] = {PROBE("1", 1), PROBE("7", 0)};
	const char *ids[] = {"1", "7"};
	size_t lens[] = {1, 1};
	unsigned char exists[2];
	struct log_capture cap = {0};
	struct mysql_pool *pool = open_pool(SHORT_TIMEOUT, &cap);
	char err[512] = "";
	double started;

	assert_probes(pool, "users", "id", probes, 2);
	h_mysql_halt(maria_server);

	started = h_now();
	ck_assert_int_eq(mysql_ids_exist(pool, "users", "id", ids, lens, 2, exists), -EIO);
	ck_assert_double_lt(h_now() - started, SHORT_TIMEOUT);
	ck_assert_int_eq(cap.lines, 1);
	ck_assert_msg(strncmp(cap.last, "mysql: ", 7) == 0 && !strchr(cap.last, '\n'),
		      "log line: %s", cap.last);
	started = h_now();
	ck_assert_int_eq(mysql_ids_exist(pool, "users", "id", ids, lens, 2, exists), -EIO);
	ck_assert_int_eq(mysql_check_column(pool, "users", "id", err, sizeof err), -EIO);
	ck_assert_double_lt(h_now() - started, SHORT_TIMEOUT);
	ck_assert_msg(err[0], "no reason given");

	h_mysql_restart(maria_server);
	assert_probes(pool, "users", "id", probes, 2);
	ck_assert_int_eq(mysql_check_column(pool, "users", "id", err, sizeof err), 0);
	mysql_pool_close(pool);
}
END_TEST
START_TEST(test_restart_between_checks_is_invisible)
{
	static const struct probe probes[] = {PROBE("2", 1), PROBE("9", 0)};
	struct log_capture cap = {0};
	struct mysql_pool *pool = open_pool(SHORT_TIMEOUT, &cap);

	assert_probes(pool, "users", "id", probes, 2);
	h_mysql_halt(maria_server);
	h_mysql_restart(maria_server);
	assert_probes(pool, "users", "id", probes, 2);
	ck_assert_msg(cap.lines == 0, "logged: %s", cap.last);
	mysql_pool_close(pool);
}
END_TEST

static Suite *mysql_outage_suite(void)
{
	Suite *s = suite_create("mysql_outage");
	TCase *tc;

	tc = tcase_create("outage");
	tcase_set_timeout(tc, TEST_SECONDS);
	h_mysql_tcase_add_fixture(tc, setup_outage_server, h_mysql_stop_all);
	tcase_add_test(tc, test_killed_connection_is_replaced_without_an_error);
	tcase_add_test(tc, test_connection_lost_during_a_query_is_retried_once);
	tcase_add_test(tc, test_frozen_server_fails_with_eio_within_the_timeout);
	tcase_add_test(tc, test_pool_open_on_a_frozen_server_fails_within_the_timeout);
	tcase_add_test(tc, test_stopped_server_fails_with_eio_then_the_pool_recovers);
	tcase_add_test(tc, test_restart_between_checks_is_invisible);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(mysql_outage_suite(), CK_FORK);
}
