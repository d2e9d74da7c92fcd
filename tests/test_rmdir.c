/* test_rmdir.c - SPEC 5 through a real mount: removing a folder never removes what the user kept.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "namespace_fixture.h"
#include "rm_answer.h"
#include "run_suite.h"

#define DB	     3	   /* the database the tests empty; db0 holds what must stay */
#define MANY_KEYS    3000  /* more than one SCAN batch: a listing read in several pulls */
#define ADDER_MAX    50000 /* bound on the busy client's keys */
#define ADDER_PAUSE  500   /* microseconds between two of its keys */
#define ADDER_WARMUP 50	   /* keys it adds before rm -r starts */

static long long dbsize(int db)
{
	redisContext *c = h_redis_connect(ns_server, db);
	long long n = h_cmd_int(c, "DBSIZE");

	redisFree(c);
	return n;
}

/* rmdir of MNT/rel: 0 or the errno. */
static int rmdir_at(const char *rel)
{
	char path[H_PATH_MAX];

	h_path(path, sizeof path, ns_mount, rel);
	errno = 0;
	return rmdir(path) ? errno : 0;
}

/*
 * Database DB holds keys k0 .. k(n-1) and keep, nothing else; db0 one key that
 * no test may touch. Each test starts so (the fixture runs once per TCase).
 */
static void populate(int n)
{
	redisContext *c = h_redis_connect(ns_server, DB);

	h_cmd_ok(c, "FLUSHALL");
	h_cmd_ok(c, "EVAL %s 0 %d",
		 "for i = 0, tonumber(ARGV[1]) - 1 do redis.call('SET', 'k' .. i, i) end "
		 "return 'OK'",
		 n);
	h_cmd_ok(c, "SET keep important");
	h_cmd_ok(c, "SELECT 0");
	h_cmd_ok(c, "SET other x");
	redisFree(c);
}

static void setup(void)
{
	start_mount(NULL, NULL);
}

static void setup_uncached(void)
{
	start_mount("cache_timeout=0", NULL);
}

static void teardown(void)
{
	h_mount_stop(ns_mount);
	ns_mount = NULL;
	h_stop_all();
}

START_TEST(test_rm_ri_answered_no_keeps_that_key_and_reports_the_folder_not_empty)
{
	struct h_run res;
	int status;

	populate(5);
	status = h_rm_ri(ns_mount->mnt, "db3", "keep", &res);

	ck_assert_msg(status != 0, "rm -ri exits 0 though a file was kept:\n%s", res.err);
	ck_assert_msg(strstr(res.err, "cannot remove 'db3': Directory not empty"),
		      "rm does not report the folder not empty:\n%s", res.err);
	ck_assert_msg(strstr(res.err, "remove regular file 'db3/keep'?"), "no prompt for keep:\n%s",
		      res.err);
	h_run_free(&res);
	ck_assert(EXISTS(DB, "keep"));
	ck_assert_int_eq(dbsize(DB), 1);
	ck_assert_int_eq(dbsize(0), 1);
}
END_TEST

START_TEST(test_rm_ri_answered_yes_to_all_empties_the_database)
{
	struct h_run res;
	int status;

	populate(5);
	status = h_rm_ri(ns_mount->mnt, "db3", "no such file", &res);

	ck_assert_msg(status == 0, "rm -ri exits %d:\n%s", status, res.err);
	h_run_free(&res);
	ck_assert_int_eq(dbsize(DB), 0);
	ck_assert_int_eq(dbsize(0), 1);
}
END_TEST

START_TEST(test_rmdir_after_rm_of_one_file_of_ls_head_is_enotempty)
{
	populate(5);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "f=$(ls db3 | head -1) && rm \"db3/$f\""), 0);
	ck_assert_int_eq(rmdir_at("db3"), ENOTEMPTY);
	ck_assert_int_eq(dbsize(DB), 5);
}
END_TEST

START_TEST(test_find_delete_that_skips_a_name_leaves_it_and_rmdir_is_enotempty)
{
	populate(5);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "find db3 -type f ! -name keep -delete"), 0);
	ck_assert_int_eq(rmdir_at("db3"), ENOTEMPTY);
	ck_assert(EXISTS(DB, "keep"));
	ck_assert_int_eq(dbsize(DB), 1);
}
END_TEST

START_TEST(test_rmdir_of_a_database_emptied_by_hand_succeeds)
{
	populate(5);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "find db3 -type f -delete"), 0);
	ck_assert_int_eq(rmdir_at("db3"), 0);
	ck_assert_int_eq(dbsize(DB), 0);
	ck_assert_int_eq(dbsize(0), 1);
}
END_TEST

/* Remove every key of DB one by one through the mount, names taken from Redis (no listing). */
static void rm_each_key_through_the_mount(void)
{
	ck_assert_int_eq(h_sh(ns_mount->mnt,
			      "redis-cli -p %d -n %d --scan | sed 's|^|db3/|' | xargs rm --",
			      ns_server->port, DB),
			 0);
	ck_assert_int_eq(dbsize(DB), 0);
}

static void add_key(const char *key)
{
	redisContext *c = h_redis_connect(ns_server, DB);

	h_cmd_ok(c, "SET %s x", key);
	redisFree(c);
}

/*
 * The control of the three tests below: a listing read to its end, every
 * key it showed removed through the mount, so rmdir removes the key another
 * client added since (FLUSHDB).
 */
START_TEST(test_rmdir_after_a_listing_read_to_its_end_and_emptied_flushes_new_keys)
{
	populate(MANY_KEYS);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "ls -f db3 > /dev/null"), 0);
	rm_each_key_through_the_mount();
	add_key("late");
	ck_assert_int_eq(rmdir_at("db3"), 0);
	ck_assert(!EXISTS(DB, "late"));
	ck_assert_int_eq(dbsize(0), 1);
}
END_TEST

/* Read one entry and stop: a listing never read to its end (what ls | head can leave). */
static void read_one_entry(void)
{
	ck_assert_int_eq(h_sh(ns_mount->mnt, "perl -e 'opendir(D, \"db3\") or exit 1; "
					     "defined(readdir(D)) or exit 1; closedir(D)'"),
			 0);
}

START_TEST(test_rmdir_after_a_listing_never_read_to_its_end_is_enotempty)
{
	populate(MANY_KEYS);
	read_one_entry();
	rm_each_key_through_the_mount();
	add_key("late");
	ck_assert_int_eq(rmdir_at("db3"), ENOTEMPTY);
	ck_assert(EXISTS(DB, "late"));
}
END_TEST

START_TEST(test_rmdir_after_a_newer_listing_not_read_to_its_end_is_enotempty)
{
	populate(MANY_KEYS);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "ls -f db3 > /dev/null"), 0);
	rm_each_key_through_the_mount();
	add_key("late");
	read_one_entry(); /* a second listing, the latest now, opened and left */
	ck_assert_int_eq(rmdir_at("db3"), ENOTEMPTY);
	ck_assert(EXISTS(DB, "late"));
}
END_TEST

START_TEST(test_rmdir_after_a_remount_is_enotempty)
{
	struct h_mount *fixture = ns_mount;

	populate(MANY_KEYS);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "ls -f db3 > /dev/null"), 0);
	rm_each_key_through_the_mount();
	/* another daemon: what the first one saw and removed is nothing it knows */
	ns_mount = h_mount_start(ns_server, NULL);
	add_key("late");
	ck_assert_int_eq(rmdir_at("db3"), ENOTEMPTY);
	ck_assert(EXISTS(DB, "late"));
	h_mount_stop(ns_mount);
	ns_mount = fixture;
}
END_TEST

/*
 * rm -r of a database while another client adds keys: exits 0 and leaves no
 * key it saw nor any added before its end. With cache_timeout=0 every
 * cache is older than the rm -r.
 */
START_TEST(test_rm_r_while_another_client_adds_keys_exits_0_and_empties_the_database)
{
	struct busy_client b = {.db = DB,
				.formats = {"SET new:%ld x"},
				.max = ADDER_MAX,
				.pause_us = ADDER_PAUSE,
				.warmup = ADDER_WARMUP};
	redisContext *c = h_redis_connect(ns_server, DB);
	redisReply *left;
	long at_start;
	int status;

	populate(MANY_KEYS);
	status = busy_sh(&b, ns_mount->mnt, "rm -r db3");
	at_start = b.at_start;

	ck_assert_msg(status == 0, "rm -r db3 exits %d while a client adds keys", status);
	ck_assert_msg(b.at_end > at_start, "no key was added while rm -r ran");
	/* what is left came after the FLUSHDB: keys the adder made at the very end */
	left = h_all_keys(c);
	for (size_t i = 0; i < left->elements; i++)
		ck_assert_msg(!strncmp(left->element[i]->str, "new:", 4) &&
				      atol(left->element[i]->str + 4) >= at_start,
			      "key %s survived rm -r", left->element[i]->str);
	freeReplyObject(left);
	redisFree(c);
	ck_assert_int_eq(dbsize(0), 1);
	/* once nobody adds, rm -r leaves nothing */
	ck_assert_int_eq(h_sh(ns_mount->mnt, "rm -r db3"), 0);
	ck_assert_int_eq(dbsize(DB), 0);
}
END_TEST

/* ---- namespace folders (-o delimiter=:) ---- */

static void setup_namespaces(void)
{
	start_mount("delimiter=:", NULL);
}

/* Every mark and cache is older than the rm -r: the folders it empties must still be there. */
static void setup_namespaces_uncached(void)
{
	start_mount("delimiter=:,cache_timeout=0", NULL);
}

/* Database DB: user:1:name user:1:keep user:2:name user:3 user: session:1; db0: other. */
static void populate_namespaces(void)
{
	redisContext *c = h_redis_connect(ns_server, DB);

	h_cmd_ok(c, "FLUSHALL");
	h_cmd_ok(c, "MSET user:1:name a user:1:keep b user:2:name c user:3 d user: e session:1 f");
	h_cmd_ok(c, "SELECT 0");
	h_cmd_ok(c, "SET other x");
	redisFree(c);
}

/* The keys of database DB, sorted, as one string "a b c". */
static char *keys_of_db(void)
{
	redisContext *c = h_redis_connect(ns_server, DB);
	redisReply *r = h_all_keys(c);
	char *out = calloc(1, 4096);

	for (size_t i = 0; i < r->elements; i++) {
		if (i)
			strcat(out, " ");
		strncat(out, r->element[i]->str, 4096 - strlen(out) - 2);
	}
	freeReplyObject(r);
	redisFree(c);
	return out;
}

static void assert_keys(const char *expected)
{
	char *got = keys_of_db();

	ck_assert_msg(!strcmp(got, expected), "db3 holds '%s', expected '%s'", got, expected);
	free(got);
}

START_TEST(test_rm_ri_of_a_namespace_keeps_the_key_answered_no)
{
	struct h_run res;
	int status;

	populate_namespaces();
	status = h_rm_ri(ns_mount->mnt, "db3/user:", "keep", &res);
	ck_assert_msg(status != 0, "rm -ri exits 0 though a file was kept:\n%s", res.err);
	ck_assert_msg(strstr(res.err, "cannot remove 'db3/user:/1:': Directory not empty"),
		      "rm does not report the folder not empty:\n%s", res.err);
	h_run_free(&res);
	assert_keys("session:1 user:1:keep");
	ck_assert_int_eq(dbsize(0), 1);
}
END_TEST

START_TEST(test_find_delete_in_a_namespace_that_skips_a_name_leaves_its_folders)
{
	populate_namespaces();
	ck_assert_int_eq(h_sh(ns_mount->mnt, "find db3/user: -type f ! -name keep -delete"), 0);
	ck_assert_int_eq(rmdir_at("db3/user:/1:"), ENOTEMPTY);
	/* the parent: its folder 1: was not removed, so neither is it */
	ck_assert_int_eq(rmdir_at("db3/user:"), ENOTEMPTY);
	assert_keys("session:1 user:1:keep");
}
END_TEST

START_TEST(test_rm_r_of_a_database_of_namespaces_empties_it)
{
	populate_namespaces();
	ck_assert_int_eq(h_sh(ns_mount->mnt, "rm -r db3"), 0);
	ck_assert_int_eq(dbsize(DB), 0);
	ck_assert_int_eq(dbsize(0), 1);
}
END_TEST

START_TEST(test_rm_r_of_a_namespace_exits_0_and_removes_exactly_its_keys)
{
	populate_namespaces();
	ck_assert_int_eq(h_sh(ns_mount->mnt, "rm -r db3/user:"), 0);
	assert_keys("session:1");
}
END_TEST

START_TEST(test_find_delete_of_a_whole_namespace_exits_0)
{
	populate_namespaces();
	ck_assert_int_eq(h_sh(ns_mount->mnt, "find db3/user: -delete"), 0);
	assert_keys("session:1");
}
END_TEST

static Suite *rmdir_suite(void)
{
	Suite *s = suite_create("rmdir");
	TCase *few = tcase_create("few_keys");
	TCase *many = tcase_create("listings");
	TCase *busy = tcase_create("busy");
	TCase *ns = tcase_create("namespaces");
	TCase *ns_uncached = tcase_create("namespaces_uncached");

	h_tcase_add_fixture(few, setup, teardown);
	tcase_add_test(few, test_rm_ri_answered_no_keeps_that_key_and_reports_the_folder_not_empty);
	tcase_add_test(few, test_rm_ri_answered_yes_to_all_empties_the_database);
	tcase_add_test(few, test_rmdir_after_rm_of_one_file_of_ls_head_is_enotempty);
	tcase_add_test(few, test_find_delete_that_skips_a_name_leaves_it_and_rmdir_is_enotempty);
	tcase_add_test(few, test_rmdir_of_a_database_emptied_by_hand_succeeds);
	suite_add_tcase(s, few);

	h_tcase_add_fixture(many, setup, teardown);
	tcase_set_timeout(many, 120);
	tcase_add_test(many,
		       test_rmdir_after_a_listing_read_to_its_end_and_emptied_flushes_new_keys);
	tcase_add_test(many, test_rmdir_after_a_listing_never_read_to_its_end_is_enotempty);
	tcase_add_test(many, test_rmdir_after_a_newer_listing_not_read_to_its_end_is_enotempty);
	tcase_add_test(many, test_rmdir_after_a_remount_is_enotempty);
	suite_add_tcase(s, many);

	h_tcase_add_fixture(busy, setup_uncached, teardown);
	tcase_set_timeout(busy, 120);
	tcase_add_test(busy,
		       test_rm_r_while_another_client_adds_keys_exits_0_and_empties_the_database);
	suite_add_tcase(s, busy);

	h_tcase_add_fixture(ns, setup_namespaces, teardown);
	tcase_add_test(ns, test_rm_ri_of_a_namespace_keeps_the_key_answered_no);
	tcase_add_test(ns, test_find_delete_in_a_namespace_that_skips_a_name_leaves_its_folders);
	tcase_add_test(ns, test_rm_r_of_a_database_of_namespaces_empties_it);
	tcase_add_test(ns, test_find_delete_of_a_whole_namespace_exits_0);
	tcase_add_test(ns, test_rm_r_of_a_namespace_exits_0_and_removes_exactly_its_keys);
	suite_add_tcase(s, ns);

	h_tcase_add_fixture(ns_uncached, setup_namespaces_uncached, teardown);
	tcase_add_test(ns_uncached, test_rm_r_of_a_namespace_exits_0_and_removes_exactly_its_keys);
	tcase_add_test(ns_uncached, test_rm_r_of_a_database_of_namespaces_empties_it);
	tcase_add_test(ns_uncached, test_find_delete_of_a_whole_namespace_exits_0);
	tcase_add_test(ns_uncached, test_rm_ri_of_a_namespace_keeps_the_key_answered_no);
	suite_add_tcase(s, ns_uncached);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(rmdir_suite(), CK_FORK);
}
