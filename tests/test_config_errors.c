/* test_config_errors.c - every config error is "FILE:LINE: reason", also those found at start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

static struct h_redis *redis;
static struct h_mysql *mysql;
static char pass_path[H_PATH_MAX];

static void setup_servers(void)
{
	char text[64];

	redis = h_redis_start((const char *const[]){"--databases", "4", NULL});
	mysql = h_mysql_start();
	h_mysql_sql(mysql, "CREATE TABLE %s.users (id INT PRIMARY KEY)", mysql->database);
	snprintf(pass_path, sizeof pass_path, "%s/mysql.pass", h_scratch_dir());
	snprintf(text, sizeof text, "%s\n", mysql->password);
	ck_assert_int_eq(h_write_file(pass_path, text, strlen(text), 0600), 0);
}

static void teardown(void)
{
	h_mysql_stop_all();
	h_stop_all();
}

/*
 * Start redisfs with a config whose first 6 lines are [mysql] and whose
 * following lines are `rest`; assert exit 1, no mount, and exactly the line
 * "redisfs: PATH:LINE: " followed by text that holds `needle`.
 */
static void assert_refused_at(const char *rest, int line, const char *needle)
{
	char text[2048], path[H_PATH_MAX], opt[H_PATH_MAX + 16], url[64], want[H_PATH_MAX + 64];
	const char *mountpoint = h_scratch_dir();
	struct h_run res;

	snprintf(text, sizeof text,
		 "[mysql]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword_file = %s\n"
		 "database = %s\n%s",
		 mysql->port, mysql->user, pass_path, mysql->database, rest);
	snprintf(path, sizeof path, "%s/redisfs.ini", h_scratch_dir());
	ck_assert_int_eq(h_write_file(path, text, strlen(text), 0600), 0);
	snprintf(opt, sizeof opt, "config=%s", path);
	snprintf(url, sizeof url, "127.0.0.1:%d", redis->port);
	/* a URL on the command line wins over the file's: give none when the file has one */
	if (strstr(rest, "url ="))
		h_run_redisfs((const char *[]){mountpoint, "-f", "-o", opt, NULL}, NULL, 30, &res);
	else
		h_run_redisfs((const char *[]){url, mountpoint, "-f", "-o", opt, NULL}, NULL, 30,
			      &res);
	snprintf(want, sizeof want, "redisfs: %s:%d: ", path, line);
	ck_assert_msg(res.status == 1, "status %d: %s", res.status, res.err);
	ck_assert_msg(!h_mount_info(mountpoint, NULL, 0, NULL, 0), "mounted");
	ck_assert_msg(strncmp(res.err, want, strlen(want)) == 0, "want '%s...', got '%s'", want,
		      res.err);
	ck_assert_msg(strstr(res.err, needle), "'%s' does not name '%s'", res.err, needle);
	ck_assert_msg(strchr(res.err, '\n') == res.err + res.err_len - 1, "not one line: %s",
		      res.err);
	h_run_free(&res);
}

START_TEST(test_unknown_table_names_the_table_line)
{
	assert_refused_at("[ghosts.m]\nkeys = q:*\ntable = players\ncolumn = id\n", 9, "players");
}
END_TEST

START_TEST(test_unknown_column_names_the_column_line)
{
	assert_refused_at("[ghosts.m]\nkeys = q:*\ntable = users\n\ncolumn = userid\n", 11,
			  "userid");
}
END_TEST

START_TEST(test_database_out_of_range_names_the_db_line)
{
	assert_refused_at("\n[ghosts.m]\nkeys = q:*\ndb = 9\ntable = users\ncolumn = id\n", 10,
			  "db 9 is out of range");
}
END_TEST

START_TEST(test_bad_redis_values_name_their_lines)
{
	assert_refused_at("[redis]\ndatabases = four\n", 8, "bad databases 'four'");
	assert_refused_at("[redis]\nro = yes\ntimeout = soon\n", 9, "bad timeout 'soon'");
	assert_refused_at("[redis]\ncache_timeout = -3\n", 8, "bad cache_timeout");
	assert_refused_at("[redis]\nurl = redis://127.0.0.1:99999\n", 8, "99999");
	assert_refused_at("[redis]\n\ndelimiter = a/b\n", 9, "bad delimiter");
	assert_refused_at("[redis]\npassfile = /nonexistent/redis.pass\n", 8, "passfile");
}
END_TEST

/* what the file parser finds itself was FILE:LINE already: it stays so */
START_TEST(test_file_errors_keep_their_lines)
{
	assert_refused_at("[ghosts.m]\nkeys = q:*\ntable = users\ncolumn = id\ncolour = red\n", 11,
			  "colour");
	assert_refused_at("[redis]\nro = maybe\n", 8, "maybe");
}
END_TEST

static Suite *config_errors_suite(void)
{
	Suite *s = suite_create("config_errors");
	TCase *tc = tcase_create("start");

	h_mysql_tcase_add_fixture(tc, setup_servers, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_unknown_table_names_the_table_line);
	tcase_add_test(tc, test_unknown_column_names_the_column_line);
	tcase_add_test(tc, test_database_out_of_range_names_the_db_line);
	tcase_add_test(tc, test_bad_redis_values_name_their_lines);
	tcase_add_test(tc, test_file_errors_keep_their_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(config_errors_suite(), CK_FORK);
}
