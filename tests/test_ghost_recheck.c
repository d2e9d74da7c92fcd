/* test_ghost_recheck.c - SPEC 6: rm's check of MySQL, made in batches, is at most 100 ms old. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt;

static void setup(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 64];
	redisContext *c;

	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	/* users 1..10 but 3, 5 and 7 */
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id INT PRIMARY KEY);"
		    "INSERT INTO users SELECT seq FROM seq_1_to_10 WHERE seq NOT IN (3, 5, 7)",
		    mysql->database);
	/* 3000 ghosts (IDs from 1001, each queued twice) among 4 members with rows */
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "EVAL %s 1 q:b",
		 "redis.call('RPUSH', KEYS[1], 1, 2, 4, 6) "
		 "for i = 1001, 4000 do redis.call('RPUSH', KEYS[1], i, i) end");
	/* 1500 ghosts, three batches of checks */
	h_cmd_ok(c, "EVAL %s 1 q:c", "for i = 5001, 6500 do redis.call('SADD', KEYS[1], i) end");
	redisFree(c);
	h_mysql_write_ghost_config(mysql, config, sizeof config);
	snprintf(opts, sizeof opts, "config=%s,cache_timeout=600", config);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void teardown(void)
{
	h_mount_stop(mnt);
	mnt = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

/* rm of ghost `member` of queue `queue`: 0 or -errno. */
static int rm_member(const char *queue, const char *member)
{
	char rel[64], path[H_PATH_MAX];

	snprintf(rel, sizeof rel, "ghosts/q/%s/%s", queue, member);
	h_path(path, sizeof path, mnt, rel);
	errno = 0;
	return unlink(path) == 0 ? 0 : -errno;
}

static int rm_ghost(const char *member)
{
	return rm_member("q:a", member);
}

START_TEST(test_a_batch_check_older_than_100_ms_is_made_again)
{
	redisContext *c = h_redis_connect(redis, 0);
	struct timespec pause = {0, 300 * 1000 * 1000};
	char path[H_PATH_MAX];

	h_cmd_ok(c, "SADD q:a 1 2 3 5 7 9");
	ck_assert_int_eq(h_sh(mnt->mnt, "ls ghosts/q/q:a >/dev/null"), 0);
	/* this rm checks 3, and with it 5 and 7, the ghosts rm -r would remove next */
	ck_assert_int_eq(rm_ghost("3"), 0);
	h_mysql_sql(mysql, "INSERT INTO `%s`.users VALUES (5)", mysql->database);
	/* past the batch's 100 ms: 5's removal must ask MySQL again, which has its row now */
	nanosleep(&pause, NULL);
	ck_assert_int_eq(rm_ghost("5"), -ESTALE);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:a 5"), 1);
	ck_assert_int_eq(rm_ghost("7"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:a 7"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:a 3"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SCARD q:a"), 4);
	/* the listing no longer shows the two removed */
	h_path(path, sizeof path, mnt, "ghosts/q/q:a/7");
	ck_assert_int_eq(access(path, F_OK), -1);
	redisFree(c);
}
END_TEST

START_TEST(test_rm_r_of_many_ghosts_keeps_every_other_member)
{
	redisContext *c = h_redis_connect(redis, 0);

	/* q:b, made at setup (the mount's first detection is kept for 600 s): 3000 ghosts
	 * among 4 members with rows, several batches of checks */
	ck_assert_int_eq(h_cmd_int(c, "LLEN q:b"), 6004);
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q/q:b"), 0);
	ck_assert_int_eq(h_cmd_int(c, "LLEN q:b"), 4);
	ck_assert_int_eq(h_cmd_int(c, "LPOS q:b 6"), 3);
	redisFree(c);
}
END_TEST

/*
 * rm -r's next batch is asked ahead, while the rms of the current one go on:
 * an answer asked so is used only while at most 100 ms old, like any other.
 * 5600 is in the batch after the first: asked ahead while 5001..5450 go, then
 * given a row; its rm, more than 100 ms later, must ask again and keep it
 * (with the answer asked ahead, it was removed).
 */
START_TEST(test_an_answer_asked_ahead_older_than_100_ms_is_asked_again)
{
	redisContext *c = h_redis_connect(redis, 0);
	struct timespec pause = {0, 300 * 1000 * 1000};

	/* q:c, made at setup, in the mount's first detection */
	ck_assert_int_eq(h_sh(mnt->mnt, "test $(ls ghosts/q/q:c | wc -l) = 1500"), 0);
	/* in the listing's order, as rm -r goes: 5001 checks 5001..5512, and near its end
	 * the batch from 5513 is asked ahead */
	ck_assert_int_eq(h_sh(mnt->mnt, "seq 5001 5450 | sed 's|^|ghosts/q/q:c/|' | xargs rm"), 0);
	nanosleep(&pause, NULL);
	h_mysql_sql(mysql, "INSERT INTO `%s`.users VALUES (5600)", mysql->database);
	nanosleep(&pause, NULL);
	ck_assert_int_eq(h_cmd_int(c, "SCARD q:c"), 1050);
	/* its rm comes first: no other rm has asked about it since */
	ck_assert_int_eq(rm_member("q:c", "5600"), -ESTALE);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:c 5600"), 1);
	ck_assert_int_eq(h_sh(mnt->mnt, "seq 5451 5599 | sed 's|^|ghosts/q/q:c/|' | xargs rm"), 0);
	ck_assert_int_eq(rm_member("q:c", "5601"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SCARD q:c"), 900);
	redisFree(c);
}
END_TEST

static Suite *recheck_suite(void)
{
	Suite *s = suite_create("ghost_recheck");
	TCase *tc = tcase_create("recheck");

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_a_batch_check_older_than_100_ms_is_made_again);
	tcase_add_test(tc, test_rm_r_of_many_ghosts_keeps_every_other_member);
	tcase_add_test(tc, test_an_answer_asked_ahead_older_than_100_ms_is_asked_again);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(recheck_suite(), CK_FORK);
}
