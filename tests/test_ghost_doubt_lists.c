/* test_ghost_doubt_lists.c - SPEC 6 at scale: the doubt check before JSON lists on two threads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define MEMBERS 110000 /* past two chunks of 50,000: both checking threads filter at once */

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt;

static void write_config(char *path, size_t len)
{
	char pass[H_PATH_MAX], text[2048];
	int n;

	snprintf(pass, sizeof pass, "%s/mysql.pass", h_scratch_dir());
	snprintf(text, sizeof text, "%s\n", mysql->password);
	ck_assert_int_eq(h_write_file(pass, text, strlen(text), 0600), 0);
	n = snprintf(text, sizeof text,
		     "[mysql]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword_file = %s\n"
		     "database = %s\n"
		     "\n[ghosts.int]\nkeys = int:*\ntable = t_int\ncolumn = id\n"
		     "\n[ghosts.dec]\nkeys = dec:*\ntable = t_dec\ncolumn = id\n"
		     "\n[ghosts.ci]\nkeys = ci:*\ntable = t_ci\ncolumn = id\n",
		     mysql->port, mysql->user, pass, mysql->database);
	snprintf(path, len, "%s/redisfs.ini", h_scratch_dir());
	ck_assert_int_eq(h_write_file(path, text, (size_t) n, 0600), 0);
}

static double cache_timeout = 600;

static void setup(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 64];
	redisContext *c;

	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	/* every ID 1..110000 has a row but the multiples of 10 */
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE t_int (id INT PRIMARY KEY);"
		    "INSERT INTO t_int SELECT seq FROM seq_1_to_110000 WHERE seq %% 10 <> 0;"
		    "CREATE TABLE t_dec (id DECIMAL(12,2) PRIMARY KEY);"
		    "INSERT INTO t_dec SELECT id FROM t_int;"
		    "CREATE TABLE t_ci (id VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
		    "PRIMARY KEY);"
		    "INSERT INTO t_ci SELECT CONCAT('abc', seq) FROM seq_1_to_100",
		    mysql->database);
	write_config(config, sizeof config);
	/*
	 * The IDs 1..110000 in order, and after every 1000th one (i) members the
	 * doubt check must keep from MySQL, spread over every chunk: "user:i" and
	 * "0i" for both columns; "i.001" (more decimals than the column) for the
	 * DECIMAL one, and "i.00", which it holds as i (no row: a ghost).
	 */
	c = h_redis_connect(redis, 0);
	h_cmd_ok(
		c, "EVAL %s 2 int:q dec:q",
		"for i = 1, 110000 do "
		"  redis.call('RPUSH', KEYS[1], i) redis.call('RPUSH', KEYS[2], i) "
		"  if i % 1000 == 0 then "
		"    redis.call('RPUSH', KEYS[1], 'user:' .. i, '0' .. i) "
		"    redis.call('RPUSH', KEYS[2], 'user:' .. i, '0' .. i, i .. '.001', i .. '.00') "
		"  end "
		"end");
	/* ABC1..ABC100: ghosts of a utf8mb4_bin column of abc1..abc100, not of a _ci one */
	h_cmd_ok(c, "EVAL %s 1 ci:q",
		 "for i = 1, 100 do redis.call('RPUSH', KEYS[1], 'ABC' .. i) end");
	redisFree(c);
	snprintf(opts, sizeof opts, "config=%s,cache_timeout=%g", config, cache_timeout);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void teardown(void)
{
	h_mount_stop(mnt);
	mnt = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

/* The output of `cmd` run in the mount point, without its trailing newline. */
static void assert_output(const char *cmd, const char *expected)
{
	struct h_run res;
	int rc = h_sh_out(mnt->mnt, &res, "%s", cmd);

	ck_assert_msg(rc == 0, "%s: exit %d, '%s' (%s)", cmd, rc, res.out, res.err);
	if (res.out_len && res.out[res.out_len - 1] == '\n')
		res.out[--res.out_len] = '\0';
	ck_assert_msg(!strcmp(res.out, expected), "%s: got '%s', expected '%s' (%s)", cmd, res.out,
		      expected, res.err);
	h_run_free(&res);
}

START_TEST(test_an_int_queue_of_many_chunks_skips_exactly_what_the_column_cannot_hold)
{
	redisContext *c;

	/* 11,000 multiples of 10; the 220 members of doubt are neither listed nor asked about */
	assert_output("ls ghosts/int/int:q | wc -l", "11000");
	assert_output("getfattr --only-values -n user.ghosts.count ghosts/int", "11000");
	assert_output("getfattr --only-values -n user.ghosts.skipped ghosts/int", "220");
	assert_output("ls ghosts/int/int:q | grep -c -v '^[1-9][0-9]*0$' || true", "0");
	/* rm -r takes exactly the ghosts: the members with rows and those of doubt stay */
	c = h_redis_connect(redis, 0);
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/int/int:q"), 0);
	ck_assert_int_eq(h_cmd_int(c, "LLEN int:q"), MEMBERS - 11000 + 220);
	ck_assert_int_eq(h_cmd_int(c, "LPOS int:q user:5000"), 5000 - 500 + 8);
	redisFree(c);
}
END_TEST

START_TEST(test_a_decimal_queue_of_many_chunks_compares_in_its_own_type)
{
	/* 11,000 multiples of 10 and the 110 "i.00" (i is one of them: no row); 330 skipped */
	assert_output("ls ghosts/dec/dec:q | wc -l", "11110");
	assert_output("getfattr --only-values -n user.ghosts.skipped ghosts/dec", "330");
	assert_output("ls ghosts/dec/dec:q | grep -c '\\.00$'", "110");
	assert_output("ls ghosts/dec/dec:q | grep -c -e '^0' -e ':' -e '\\.001$' || true", "0");
}
END_TEST

/* The lists' declared collation is the column's as learned again after a reconnect. */
START_TEST(test_a_list_declares_the_collation_learned_again_after_a_reconnect)
{
	redisContext *c = h_redis_connect(redis, 0);

	ck_assert_int_eq(h_cmd_int(c, "LLEN ci:q"), 100);
	redisFree(c);
	assert_output("ls ghosts/ci/ci:q | wc -l", "100");
	h_mysql_sql(mysql,
		    "USE `%s`; ALTER TABLE t_ci MODIFY id VARCHAR(16) CHARACTER SET utf8mb4 "
		    "COLLATE utf8mb4_general_ci",
		    mysql->database);
	h_mysql_halt(mysql);
	h_mysql_restart(mysql);
	assert_output("ls ghosts/ci/ | wc -l", "0");
	assert_output("getfattr --only-values -n user.ghosts.count ghosts/ci", "0");
}
END_TEST

static void setup_uncached(void)
{
	cache_timeout = 0;
	setup();
}

static Suite *doubt_lists_suite(void)
{
	Suite *s = suite_create("ghost_doubt_lists");
	TCase *tc = tcase_create("lists");
	TCase *relearn = tcase_create("relearn");

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc,
		       test_an_int_queue_of_many_chunks_skips_exactly_what_the_column_cannot_hold);
	tcase_add_test(tc, test_a_decimal_queue_of_many_chunks_compares_in_its_own_type);
	suite_add_tcase(s, tc);

	h_mysql_tcase_add_fixture(relearn, setup_uncached, teardown);
	tcase_set_timeout(relearn, 300);
	tcase_add_test(relearn, test_a_list_declares_the_collation_learned_again_after_a_reconnect);
	suite_add_tcase(s, relearn);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(doubt_lists_suite(), CK_FORK);
}
