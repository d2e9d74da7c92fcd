/* test_ghost_rmdir.c - rmdir and rm -ri of ghost folders through a real mount (SPEC 5, 6). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_mysql.h"
#include "rm_answer.h"
#include "run_suite.h"

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt;

/* Users 1..20 exist but for 3, 5, 8, 13 and 20; rule q: keys q:*, users.id. */
static void setup(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 32];

	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id INT PRIMARY KEY);"
		    "INSERT INTO users (id) SELECT seq FROM seq_1_to_20 "
		    "WHERE seq NOT IN (3, 5, 8, 13, 20)",
		    mysql->database);
	h_mysql_write_ghost_config(mysql, config, sizeof config);
	snprintf(opts, sizeof opts, "config=%s,cache_timeout=0", config);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void teardown(void)
{
	h_mount_stop(mnt); /* a daemon that crashed fails the test here */
	mnt = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

/* rmdir of MNT/rel: 0 or the errno. */
static int rmdir_at(const char *rel)
{
	char path[H_PATH_MAX];

	h_path(path, sizeof path, mnt, rel);
	errno = 0;
	return rmdir(path) ? errno : 0;
}

/* The mount still answers: the daemon did not die under the rmdir. */
static void assert_daemon_alive(void)
{
	char path[H_PATH_MAX];
	struct stat st;

	h_path(path, sizeof path, mnt, "db0");
	ck_assert_msg(stat(path, &st) == 0, "the mount is dead: %s", strerror(errno));
}

/* The members of a Redis collection as one string, in Redis's order. */
static void assert_members(redisContext *c, const char *cmd, const char *expected)
{
	redisReply *r = h_cmd(c, cmd);
	char got[1024] = "";

	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	for (size_t i = 0; i < r->elements; i++) {
		if (i)
			strcat(got, " ");
		strncat(got, r->element[i]->str, sizeof got - strlen(got) - 2);
	}
	freeReplyObject(r);
	ck_assert_msg(!strcmp(got, expected), "%s: got '%s', expected '%s'", cmd, got, expected);
}

/*
 * Folders that hold ghosts: rmdir is ENOTEMPTY and removes no member (SPEC 5).
 * Their rmdir used to remove every ghost, through a pipelined removal whose
 * commands came from an uninitialised malloc (redis_remove_members), and it
 * killed the daemon. No test had rmdir'ed a ghost folder that still held
 * ghosts: rm -r empties a folder before its rmdir.
 */
START_TEST(test_rmdir_of_ghost_folders_with_ghosts_is_enotempty_and_removes_nothing)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "DEL q:list q:set q:zset q:hash");
	h_cmd_ok(c, "RPUSH q:list 1 3 2 5 4");
	h_cmd_ok(c, "SADD q:set 8 9 13");
	h_cmd_ok(c, "ZADD q:zset 1 20 2 7");
	h_cmd_ok(c, "HSET q:hash 3 a 6 b");
	ck_assert_int_eq(rmdir_at("ghosts/q/q:list"), ENOTEMPTY);
	assert_daemon_alive();
	ck_assert_int_eq(rmdir_at("ghosts/q"), ENOTEMPTY);
	ck_assert_int_eq(rmdir_at("ghosts"), ENOTEMPTY);
	assert_daemon_alive();
	assert_members(c, "LRANGE q:list 0 -1", "1 3 2 5 4");
	assert_members(c, "SORT q:set ALPHA", "13 8 9");
	assert_members(c, "ZRANGE q:zset 0 -1", "20 7");
	assert_members(c, "HKEYS q:hash", "3 6");
	redisFree(c);
}
END_TEST

/* rm -ri of a queue folder, "n" for one ghost: it stays, the rest go, rm says not empty. */
START_TEST(test_rm_ri_of_a_ghost_queue_keeps_the_ghost_answered_no)
{
	redisContext *c = h_redis_connect(redis, 0);
	struct h_run res;
	int status;

	h_cmd_ok(c, "DEL q:ri");
	h_cmd_ok(c, "RPUSH q:ri 1 3 2 5 8 4");
	status = h_rm_ri(mnt->mnt, "ghosts/q/q:ri", "5", &res);
	ck_assert_msg(status != 0, "rm -ri exits 0 though a ghost was kept:\n%s", res.err);
	ck_assert_msg(strstr(res.err, "cannot remove 'ghosts/q/q:ri': Directory not empty"),
		      "rm does not report the folder not empty:\n%s", res.err);
	h_run_free(&res);
	assert_members(c, "LRANGE q:ri 0 -1", "1 2 5 4");
	/* and once it is gone too, rmdir of the folder succeeds (it stays: no ghosts, no folder) */
	ck_assert_int_eq(h_sh(mnt->mnt, "rm ghosts/q/q:ri/5"), 0);
	ck_assert_int_eq(rmdir_at("ghosts/q/q:ri"), 0);
	assert_members(c, "LRANGE q:ri 0 -1", "1 2 4");
	redisFree(c);
}
END_TEST

/* rm -r of a queue whose every member is a ghost: Redis removes the empty key itself. */
START_TEST(test_rm_r_of_a_queue_of_ghosts_only_leaves_no_key)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "DEL q:all");
	h_cmd_ok(c, "SADD q:all 3 5 8");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q/q:all"), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS q:all"), 0);
	redisFree(c);
}
END_TEST

/*
 * The end of an rm -r: every ghost the folder showed was removed through the
 * mount, so its rmdir succeeds with no new detection (seconds for a big
 * queue), as rm -r of a database exits 0 while clients add keys (SPEC 5). A
 * ghost that came since stays, and is listed. The rmdir used to detect again,
 * and said ENOTEMPTY for it.
 */
START_TEST(test_rmdir_after_every_shown_ghost_went_needs_no_new_detection)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "FLUSHDB"); /* the other tests' queues: this one is about the rule folder too */
	h_cmd_ok(c, "SADD q:end 1 3 5");
	ck_assert_int_eq(h_sh(mnt->mnt, "test \"$(ls ghosts/q/q:end | xargs)\" = '3 5'"), 0);
	ck_assert_int_eq(h_sh(mnt->mnt, "rm ghosts/q/q:end/3 ghosts/q/q:end/5"), 0);
	h_cmd_ok(c, "SADD q:end 8");	/* a ghost that came after the listing */
	h_cmd_ok(c, "SADD q:other 13"); /* and a queue with one */
	ck_assert_int_eq(rmdir_at("ghosts/q/q:end"), 0);
	ck_assert_int_eq(rmdir_at("ghosts/q"), 0);
	assert_members(c, "SORT q:end ALPHA", "1 8");
	assert_members(c, "SMEMBERS q:other", "13");
	/* cache_timeout=0: the next listing is a new detection, and shows them */
	ck_assert_int_eq(h_sh(mnt->mnt, "test \"$(ls ghosts/q/q:end)\" = 8"), 0);
	ck_assert_int_eq(h_sh(mnt->mnt, "test \"$(ls ghosts/q | xargs)\" = 'q:end q:other'"), 0);
	/* and they are no end of an rm -r: the rmdir says so */
	ck_assert_int_eq(rmdir_at("ghosts/q/q:end"), ENOTEMPTY);
	ck_assert_int_eq(rmdir_at("ghosts/q"), ENOTEMPTY);
	redisFree(c);
}
END_TEST

static Suite *ghost_rmdir_suite(void)
{
	Suite *s = suite_create("ghost_rmdir");
	TCase *tc = tcase_create("rmdir");

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
		       test_rmdir_of_ghost_folders_with_ghosts_is_enotempty_and_removes_nothing);
	tcase_add_test(tc, test_rm_ri_of_a_ghost_queue_keeps_the_ghost_answered_no);
	tcase_add_test(tc, test_rm_r_of_a_queue_of_ghosts_only_leaves_no_key);
	tcase_add_test(tc, test_rmdir_after_every_shown_ghost_went_needs_no_new_detection);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(ghost_rmdir_suite(), CK_FORK);
}
