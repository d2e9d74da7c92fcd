/* test_ghost_rmdir.c - rmdir of ghost folders through a real mount (SPEC 5, 6): the daemon survives. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_mysql.h"
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

/*
 * A queue folder and a rule folder that still hold ghosts: their rmdir ran
 * the pipelined removal whose commands came from an uninitialised malloc
 * (redis_remove_members) and killed the daemon. No test had rmdir'ed a ghost
 * folder with ghosts in it: rm -r empties a folder before its rmdir.
 */
START_TEST(test_rmdir_of_ghost_folders_with_ghosts_keeps_the_daemon_alive)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "RPUSH q:list 1 3 2 5 4");
	h_cmd_ok(c, "SADD q:set 8 9 13");
	h_cmd_ok(c, "ZADD q:zset 1 20 2 7");
	h_cmd_ok(c, "HSET q:hash 3 a 6 b");
	rmdir_at("ghosts/q/q:list");
	assert_daemon_alive();
	rmdir_at("ghosts/q");
	assert_daemon_alive();
	/* whatever rmdir did, the members that have rows are all there */
	ck_assert_int_eq(h_cmd_int(c, "LPOS q:list 1"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:set 9"), 1);
	ck_assert_int_eq(h_cmd_int(c, "ZRANK q:zset 7"), h_cmd_int(c, "ZCARD q:zset") - 1);
	ck_assert_int_eq(h_cmd_int(c, "HEXISTS q:hash 6"), 1);
	redisFree(c);
}
END_TEST

static Suite *ghost_rmdir_suite(void)
{
	Suite *s = suite_create("ghost_rmdir");
	TCase *tc = tcase_create("rmdir");

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rmdir_of_ghost_folders_with_ghosts_keeps_the_daemon_alive);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(ghost_rmdir_suite(), CK_FORK);
}
