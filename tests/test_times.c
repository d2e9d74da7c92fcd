/* test_times.c - SPEC 4: mtime and ctime per key and per folder, so that editors save in peace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "mount_fixture.h"
#include "run_suite.h"

#define TTL_S 100000 /* far longer than the test runs */

/* No attribute caching: each stat asks the daemon, so that an old time cannot hide. */
static void setup_uncached_mount(void)
{
	fx_start(NULL, "cache_timeout=0");
}

static struct stat stat_of(const char *rel)
{
	char p[MNT_PATH_LEN];
	struct stat st;

	ck_assert_msg(stat(mnt(p, rel), &st) == 0, "stat %s: %s", rel, strerror(errno));
	return st;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

START_TEST(test_a_change_to_one_key_leaves_the_others_times)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct stat a0, b0, dir0, a1, b1, dir1;

	h_cmd_ok(c, "SET t-a one");
	h_cmd_ok(c, "SET t-b two");
	a0 = stat_of("db0/t-a");
	b0 = stat_of("db0/t-b");
	dir0 = stat_of("db0");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf changed > db0/t-b"), 0);
	a1 = stat_of("db0/t-a");
	b1 = stat_of("db0/t-b");
	dir1 = stat_of("db0");
	ck_assert_msg(same_time(a0.st_mtim, a1.st_mtim), "t-a's mtime moved with t-b's write");
	ck_assert_msg(same_time(a0.st_ctim, a1.st_ctim), "t-a's ctime moved with t-b's write");
	ck_assert_msg(!same_time(b0.st_mtim, b1.st_mtim), "t-b's mtime stayed after its write");
	ck_assert_msg(same_time(dir0.st_mtim, dir1.st_mtim), "a write moved the folder's mtime");
	redisFree(c);
}
END_TEST

START_TEST(test_a_folder_time_moves_with_entries_made_and_removed)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct stat dir0, dir1, dir2, other0, other1;

	h_cmd_ok(c, "SET t-other x");
	dir0 = stat_of("db1");
	other0 = stat_of("db0/t-other");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "touch db1/t-new"), 0);
	dir1 = stat_of("db1");
	ck_assert_msg(!same_time(dir0.st_mtim, dir1.st_mtim), "creating a key left db1's mtime");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "rm db1/t-new"), 0);
	dir2 = stat_of("db1");
	ck_assert_msg(!same_time(dir1.st_mtim, dir2.st_mtim), "removing a key left db1's mtime");
	other1 = stat_of("db0/t-other");
	ck_assert_msg(same_time(other0.st_mtim, other1.st_mtim),
		      "a key of another folder changed its mtime");
	redisFree(c);
}
END_TEST

START_TEST(test_vim_with_its_swap_file_edits_a_hash_and_a_string)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	redisReply *r;

	h_cmd_ok(c, "HSET vim-hash f1 v1 f2 v2");
	h_cmd_ok(c, "EXPIRE vim-hash %d", TTL_S);
	h_cmd_ok(c, "SET vim-string hello");
	/* -E -s: a scripted session; a "changed since reading it" prompt would write nothing */
	ck_assert_int_eq(
		h_sh(fx_mount->mnt,
		     "HOME=/nonexistent vim.tiny -u NONE -i NONE -N -E -s -c 'set swapfile' "
		     "-c '%%s/v1/V1/' -c wq db0/vim-hash < /dev/null"),
		0);
	ck_assert_int_eq(
		h_sh(fx_mount->mnt,
		     "HOME=/nonexistent vim.tiny -u NONE -i NONE -N -E -s -c 'set swapfile' "
		     "-c '%%s/hello/bye/' -c wq db0/vim-string < /dev/null"),
		0);
	r = h_cmd(c, "HGET vim-hash f1");
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, "V1");
	freeReplyObject(r);
	ck_assert_int_eq(h_cmd_int(c, "HLEN vim-hash"), 2);
	ck_assert_int_gt(h_cmd_int(c, "TTL vim-hash"), 0);
	r = h_cmd(c, "GET vim-string");
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, "bye\n");
	freeReplyObject(r);
	/* no swap file is left behind */
	ck_assert_int_eq(h_cmd_int(c, "EXISTS .vim-hash.swp .vim-string.swp"), 0);
	redisFree(c);
}
END_TEST

static void setup_namespaces(void)
{
	fx_start(NULL, "cache_timeout=0,delimiter=:");
}

START_TEST(test_a_namespace_folder_time_moves_with_its_own_entries)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct stat db0, ns0, other0, db1, ns1, other1;

	h_cmd_ok(c, "SET user:1 a");
	h_cmd_ok(c, "SET other:1 b");
	db0 = stat_of("db0");
	ns0 = stat_of("db0/user:");
	other0 = stat_of("db0/other:");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "touch db0/user:/2"), 0);
	db1 = stat_of("db0");
	ns1 = stat_of("db0/user:");
	other1 = stat_of("db0/other:");
	ck_assert_int_eq(h_cmd_int(c, "EXISTS user:2"), 1);
	ck_assert_msg(!same_time(ns0.st_mtim, ns1.st_mtim), "user: kept its mtime");
	ck_assert_msg(same_time(db0.st_mtim, db1.st_mtim), "db0 moved for an entry of user:");
	ck_assert_msg(same_time(other0.st_mtim, other1.st_mtim), "other: moved for user:");
	redisFree(c);
}
END_TEST

static Suite *times_suite(void)
{
	Suite *s = suite_create("times");
	TCase *tc = tcase_create("per_key");

	h_tcase_add_fixture(tc, setup_uncached_mount, h_stop_all);
	tcase_add_test(tc, test_a_change_to_one_key_leaves_the_others_times);
	tcase_add_test(tc, test_a_folder_time_moves_with_entries_made_and_removed);
	tcase_add_test(tc, test_vim_with_its_swap_file_edits_a_hash_and_a_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("namespaces");
	h_tcase_add_fixture(tc, setup_namespaces, h_stop_all);
	tcase_add_test(tc, test_a_namespace_folder_time_moves_with_its_own_entries);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(times_suite(), CK_FORK);
}
