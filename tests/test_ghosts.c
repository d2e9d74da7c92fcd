/* test_ghosts.c - SPEC 6 through a real mount: ghosts/ against private redis-server and mariadbd. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
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
static char config_path[H_PATH_MAX];

/* Users 1..20 exist but for 3, 5, 8, 13 and 20: those IDs are the ghosts. */
static void make_users(void)
{
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR(32));"
		    "INSERT INTO users (id) SELECT seq FROM seq_1_to_20 "
		    "WHERE seq NOT IN (3, 5, 8, 13, 20)",
		    mysql->database);
}

/* The config file: rule q (plain IDs) and rule re (IDs inside "user-N" members). */
static void write_config(void)
{
	h_mysql_write_config(
		mysql,
		"\n[ghosts.q]\nkeys = q:*   ; queue keys\ntable = users\ncolumn = id\n\n"
		"[ghosts.re]\ndb = 1\nkeys = r:*\ntable = users\ncolumn = id\n"
		"member = ^user-([0-9]+)$\n",
		config_path, sizeof config_path);
}

static void mount_with(const char *extra)
{
	char opts[H_PATH_MAX + 64];

	snprintf(opts, sizeof opts, "config=%s%s%s", config_path, extra ? "," : "",
		 extra ? extra : "");
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void setup_servers(void)
{
	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	make_users();
	write_config();
}

static void setup_uncached(void)
{
	setup_servers();
	mount_with("cache_timeout=0");
}

static void setup_cached(void)
{
	setup_servers();
	mount_with("cache_timeout=600");
}

static void setup_read_only(void)
{
	setup_servers();
	mount_with("ro,cache_timeout=0");
}

static void teardown(void)
{
	h_mount_stop(mnt);
	mnt = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

/* The names in MNT/rel, as one string "a b c" (or the errno as "E<n>"). */
static char *listing(const char *rel)
{
	struct h_names names;
	char path[H_PATH_MAX], *out = calloc(1, 65536);
	int ret;

	h_path(path, sizeof path, mnt, rel);
	ret = h_list(path, &names);
	if (ret) {
		snprintf(out, 65536, "E%d", -ret);
		return out;
	}
	for (size_t i = 0; i < names.n; i++) {
		if (i)
			strcat(out, " ");
		strncat(out, names.v[i], 65536 - strlen(out) - 2);
	}
	h_names_free(&names);
	return out;
}

static void assert_listing(const char *rel, const char *expected)
{
	char *got = listing(rel);

	ck_assert_msg(strcmp(got, expected) == 0, "ls %s: got '%s', expected '%s'", rel, got,
		      expected);
	free(got);
}

/* The members of a Redis collection as one string, in Redis's order. */
static char *members(redisContext *c, const char *fmt, const char *key)
{
	redisReply *r = h_cmd(c, fmt, key);
	char *out = calloc(1, 65536);

	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	for (size_t i = 0; i < r->elements; i++) {
		if (i)
			strcat(out, " ");
		strncat(out, r->element[i]->str, 65536 - strlen(out) - 2);
	}
	freeReplyObject(r);
	return out;
}

static void assert_members(redisContext *c, const char *fmt, const char *key,
			   const char *expected)
{
	char *got = members(c, fmt, key);

	ck_assert_msg(strcmp(got, expected) == 0, "%s: got '%s', expected '%s'", key, got,
		      expected);
	free(got);
}

START_TEST(test_ghosts_of_list_set_zset_and_hash_queues_are_exact)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "RPUSH q:list 1 3 4 5 20");
	h_cmd_ok(c, "SADD q:set 2 8 9 13");
	h_cmd_ok(c, "ZADD q:zset 1 5 2 6 3 7");
	h_cmd_ok(c, "HSET q:hash 1 a 13 b 14 c");
	h_cmd_ok(c, "RPUSH q:clean 1 2 4");
	h_cmd_ok(c, "SET q:string 3"); /* not a queue: never listed */
	h_cmd_ok(c, "RPUSH other 3"); /* not matched by keys = q:* */
	assert_listing("ghosts", "q re");
	assert_listing("ghosts/q", "q:hash q:list q:set q:zset");
	assert_listing("ghosts/q/q:list", "20 3 5");
	assert_listing("ghosts/q/q:set", "13 8");
	assert_listing("ghosts/q/q:zset", "5");
	assert_listing("ghosts/q/q:hash", "13");
	redisFree(c);
}
END_TEST

START_TEST(test_member_pattern_picks_the_id_and_unmatched_members_are_no_ghosts)
{
	redisContext *c = h_redis_connect(redis, 1);

	h_cmd_ok(c, "RPUSH r:queue user-1 user-3 guest-5 user-x user-20 user-5x");
	assert_listing("ghosts/re", "r:queue");
	assert_listing("ghosts/re/r:queue", "user-20 user-3");
	redisFree(c);
}
END_TEST

START_TEST(test_a_ghost_file_holds_its_member)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX], *buf;
	struct stat st;
	size_t len;

	h_cmd_ok(c, "SADD q:cat 13 1");
	h_path(path, sizeof path, mnt, "ghosts/q/q:cat/13");
	ck_assert_int_eq(h_read_file(path, &buf, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_mem_eq(buf, "13", 2);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 2);
	ck_assert(S_ISREG(st.st_mode));
	free(buf);
	redisFree(c);
}
END_TEST

START_TEST(test_rm_removes_exactly_that_member_of_each_type)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "RPUSH q:l 1 3 2 5 4");
	h_cmd_ok(c, "SADD q:s 1 3 5");
	h_cmd_ok(c, "ZADD q:z 10 1 20 3 30 5");
	h_cmd_ok(c, "HSET q:h 1 one 3 three 5 five");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm ghosts/q/q:l/3 ghosts/q/q:s/3 ghosts/q/q:z/3 "
				       "ghosts/q/q:h/3"),
			 0);
	assert_members(c, "LRANGE %s 0 -1", "q:l", "1 2 5 4");
	assert_members(c, "SORT %s ALPHA", "q:s", "1 5");
	assert_members(c, "ZRANGE %s 0 -1 WITHSCORES", "q:z", "1 10 5 30");
	assert_members(c, "HGETALL %s", "q:h", "1 one 5 five");
	redisFree(c);
}
END_TEST

START_TEST(test_a_ghost_queued_twice_is_listed_once_and_removed_entirely)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "RPUSH q:dup 8 1 8 2");
	assert_listing("ghosts/q/q:dup", "8");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm ghosts/q/q:dup/8"), 0);
	assert_members(c, "LRANGE %s 0 -1", "q:dup", "1 2");
	redisFree(c);
}
END_TEST

START_TEST(test_members_that_look_like_sql_injection_are_no_ids_of_an_integer_column)
{
	redisContext *c = h_redis_connect(redis, 0);
	long long users = h_mysql_int(mysql, "SELECT COUNT(*) FROM `%s`.users", mysql->database);
	redisReply *r;

	r = h_cmd(c, "SADD q:inj %s %s %s %s %s 3", "x' OR '1'='1", "x; DROP TABLE users",
		  "1 OR 1=1", "\\", "'");
	freeReplyObject(r);
	/* none is a number as users.id writes it: never a ghost (SPEC 6); 3 is one */
	assert_listing("ghosts/q/q:inj", "3");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q/q:inj"), 0);
	ck_assert_int_eq(h_mysql_int(mysql, "SELECT COUNT(*) FROM `%s`.users", mysql->database),
			 users);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:inj %s", "x; DROP TABLE users"), 1);
	ck_assert_int_eq(h_cmd_int(c, "SCARD q:inj"), 5);
	redisFree(c);
}
END_TEST

START_TEST(test_rm_r_of_a_rule_removes_every_ghost_and_keeps_the_folders)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "RPUSH q:a 1 3 2 5");
	h_cmd_ok(c, "ZADD q:b 1 8 2 9 3 13");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q"), 0);
	assert_members(c, "LRANGE %s 0 -1", "q:a", "1 2");
	assert_members(c, "ZRANGE %s 0 -1", "q:b", "9");
	assert_listing("ghosts/q", "");
	assert_listing("ghosts", "q re");
	redisFree(c);
}
END_TEST

START_TEST(test_rm_r_of_a_queue_folder_removes_only_its_ghosts)
{
	redisContext *c = h_redis_connect(redis, 0);

	h_cmd_ok(c, "RPUSH q:one 3 4");
	h_cmd_ok(c, "RPUSH q:two 5 6");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q/q:one"), 0);
	assert_members(c, "LRANGE %s 0 -1", "q:one", "4");
	assert_members(c, "LRANGE %s 0 -1", "q:two", "5 6");
	redisFree(c);
}
END_TEST

START_TEST(test_a_queue_of_100000_members_lists_its_ghosts)
{
	redisContext *c = h_redis_connect(redis, 0);
	struct h_run res;

	h_mysql_sql(mysql,
		    "USE `%s`; INSERT INTO users (id) SELECT seq FROM seq_21_to_100000 "
		    "WHERE seq %% 10 <> 0",
		    mysql->database);
	h_cmd_ok(c, "EVAL %s 1 q:big",
		 "for at = 1, 100000, 1000 do local a = {} "
		 "for i = at, at + 999 do a[#a + 1] = i end "
		 "redis.call('SADD', KEYS[1], unpack(a)) end");
	/* ghosts: 3 5 8 13 and every multiple of 10 */
	ck_assert_int_eq(h_sh_out(mnt->mnt, &res, "ls ghosts/q/q:big | wc -l"), 0);
	ck_assert_int_eq(atoi(res.out), 10000 + 3);
	h_run_free(&res);
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q/q:big"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SCARD q:big"), 100000 - 10003);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:big 100000"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER q:big 99999"), 1);
	redisFree(c);
}
END_TEST

START_TEST(test_mysql_down_fails_closed_and_recovers)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX];

	h_cmd_ok(c, "RPUSH q:down 1 3");
	assert_listing("ghosts/q/q:down", "3");
	h_mysql_halt(mysql);
	/* never "everything is a ghost", never "nothing is": an error */
	assert_listing("ghosts/q", "E5");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/q 2>/dev/null"), 1);
	assert_members(c, "LRANGE %s 0 -1", "q:down", "1 3");
	/* the rest of the mount keeps working */
	h_path(path, sizeof path, mnt, "db0/q:down");
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_int_eq(h_sh(mnt->mnt, "grep -q 3 db0/q:down"), 0);
	h_mysql_restart(mysql);
	assert_listing("ghosts/q/q:down", "3");
	redisFree(c);
}
END_TEST

START_TEST(test_rm_of_a_user_recreated_since_the_listing_is_estale)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX];

	h_cmd_ok(c, "RPUSH q:back 1 5");
	assert_listing("ghosts/q/q:back", "5");
	h_mysql_sql(mysql, "INSERT INTO `%s`.users (id) VALUES (5)", mysql->database);
	h_path(path, sizeof path, mnt, "ghosts/q/q:back/5");
	errno = 0;
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, ESTALE);
	assert_members(c, "LRANGE %s 0 -1", "q:back", "1 5");
	redisFree(c);
}
END_TEST

START_TEST(test_read_only_mount_refuses_every_ghost_removal)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX];

	h_cmd_ok(c, "RPUSH q:ro 3 1");
	assert_listing("ghosts/q/q:ro", "3");
	h_path(path, sizeof path, mnt, "ghosts/q/q:ro/3");
	errno = 0;
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, EROFS);
	h_path(path, sizeof path, mnt, "ghosts/q");
	errno = 0;
	ck_assert_int_eq(rmdir(path), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_ne(h_sh(mnt->mnt, "rm -rf ghosts/q 2>/dev/null"), 0);
	assert_members(c, "LRANGE %s 0 -1", "q:ro", "3 1");
	redisFree(c);
}
END_TEST

/* Run redisfs with a config file made of `text`; returns its exit status, stderr in *err. */
static int start_with_config(const char *text, struct h_run *res)
{
	char path[H_PATH_MAX], opt[H_PATH_MAX + 16], url[64];
	const char *mountpoint = h_scratch_dir();

	snprintf(path, sizeof path, "%s/bad.ini", h_scratch_dir());
	ck_assert_int_eq(h_write_file(path, text, strlen(text), 0600), 0);
	snprintf(opt, sizeof opt, "config=%s", path);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis->port);
	h_run_redisfs((const char *[]){url, mountpoint, "-o", opt, NULL}, NULL, 30, res);
	ck_assert(!h_mount_info(mountpoint, NULL, 0, NULL, 0));
	return res->status;
}

static void assert_refused(const char *rule, const char *needle)
{
	char text[2048];
	struct h_run res;

	snprintf(text, sizeof text,
		 "[mysql]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword_file = %s/mysql.pass\n"
		 "database = %s\n\n%s",
		 mysql->port, mysql->user, mysql->dir, mysql->database, rule);
	ck_assert_int_eq(start_with_config(text, &res), 1);
	ck_assert_msg(strstr(res.err, needle), "stderr lacks '%s': %s", needle, res.err);
	ck_assert_msg(strchr(res.err, '\n') == res.err + res.err_len - 1,
		      "not one line: %s", res.err);
	h_run_free(&res);
}

START_TEST(test_bad_rules_stop_the_start_with_one_line)
{
	char pass[H_PATH_MAX + 16], text[64];

	snprintf(pass, sizeof pass, "%s/mysql.pass", mysql->dir);
	snprintf(text, sizeof text, "%s\n", mysql->password);
	ck_assert_int_eq(h_write_file(pass, text, strlen(text), 0600), 0);
	assert_refused("[ghosts.x]\nkeys = q:*\ntable = nosuchtable\ncolumn = id\n",
		       "nosuchtable");
	assert_refused("[ghosts.x]\nkeys = q:*\ntable = users\ncolumn = nosuchcolumn\n",
		       "nosuchcolumn");
	assert_refused("[ghosts.x]\ndb = 99\nkeys = q:*\ntable = users\ncolumn = id\n",
		       "out of range");
	assert_refused("[ghosts.x]\nkeys = q:*\ntable = users;drop\ncolumn = id\n", "table");
	assert_refused("[ghosts.x]\nkeys = q:*\ntable = users\ncolumn = id\ncolour = red\n",
		       "colour");
}
END_TEST

START_TEST(test_unreachable_mysql_at_start_is_refused)
{
	char text[1024];
	struct h_run res;

	snprintf(text, sizeof text,
		 "[mysql]\nhost = 127.0.0.1\nport = %d\nuser = x\ndatabase = x\n\n"
		 "[ghosts.x]\nkeys = q:*\ntable = users\ncolumn = id\n",
		 h_free_port());
	ck_assert_int_eq(start_with_config(text, &res), 1);
	ck_assert_ptr_nonnull(strstr(res.err, "MySQL"));
	h_run_free(&res);
}
END_TEST

static Suite *ghosts_suite(void)
{
	Suite *s = suite_create("ghosts");
	TCase *listing_tc = tcase_create("listing");
	TCase *removal = tcase_create("removal");
	TCase *faults = tcase_create("faults");
	TCase *stale = tcase_create("stale");
	TCase *ro = tcase_create("read_only");
	TCase *start = tcase_create("start");

	h_mysql_tcase_add_fixture(listing_tc, setup_uncached, teardown);
	tcase_set_timeout(listing_tc, 120);
	tcase_add_test(listing_tc, test_ghosts_of_list_set_zset_and_hash_queues_are_exact);
	tcase_add_test(listing_tc, test_member_pattern_picks_the_id_and_unmatched_members_are_no_ghosts);
	tcase_add_test(listing_tc, test_a_ghost_file_holds_its_member);
	tcase_add_test(listing_tc, test_a_queue_of_100000_members_lists_its_ghosts);
	suite_add_tcase(s, listing_tc);

	h_mysql_tcase_add_fixture(removal, setup_uncached, teardown);
	tcase_add_test(removal, test_rm_removes_exactly_that_member_of_each_type);
	tcase_add_test(removal, test_a_ghost_queued_twice_is_listed_once_and_removed_entirely);
	tcase_add_test(removal, test_members_that_look_like_sql_injection_are_no_ids_of_an_integer_column);
	tcase_add_test(removal, test_rm_r_of_a_rule_removes_every_ghost_and_keeps_the_folders);
	tcase_add_test(removal, test_rm_r_of_a_queue_folder_removes_only_its_ghosts);
	suite_add_tcase(s, removal);

	h_mysql_tcase_add_fixture(faults, setup_uncached, teardown);
	tcase_set_timeout(faults, 120);
	tcase_add_test(faults, test_mysql_down_fails_closed_and_recovers);
	suite_add_tcase(s, faults);

	h_mysql_tcase_add_fixture(stale, setup_cached, teardown);
	tcase_add_test(stale, test_rm_of_a_user_recreated_since_the_listing_is_estale);
	suite_add_tcase(s, stale);

	h_mysql_tcase_add_fixture(ro, setup_read_only, teardown);
	tcase_add_test(ro, test_read_only_mount_refuses_every_ghost_removal);
	suite_add_tcase(s, ro);

	h_mysql_tcase_add_fixture(start, setup_servers, teardown);
	tcase_set_timeout(start, 120);
	tcase_add_test(start, test_bad_rules_stop_the_start_with_one_line);
	tcase_add_test(start, test_unreachable_mysql_at_start_is_refused);
	suite_add_tcase(s, start);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(ghosts_suite(), CK_FORK);
}
