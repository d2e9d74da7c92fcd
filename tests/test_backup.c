/* test_backup.c - backups with cp -a, rsync -aX and tar --xattrs keep types and TTLs (SPEC 4). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "harness.h"
#include "run_suite.h"

#define LONG_LIST 2500 /* more than one round of RPUSH (a thousand) */

static struct h_redis *server;
static struct h_mount *mount;

static void fill_db0(redisContext *c)
{
	h_cmd_ok(c, "RPUSH queue a %b %b %b a", "b\tc", (size_t) 3, "line\nbreak", (size_t) 10,
		 "back\\slash", (size_t) 10);
	h_cmd_ok(c, "EXPIRE queue 5000");
	h_cmd_ok(c, "SADD online x %b zed", "tab\there", (size_t) 8);
	h_cmd_ok(c, "ZADD scores 1 one 2.5 two -3 minus 10000000000 big +inf top");
	h_cmd_ok(c, "EXPIRE scores 7000");
	h_cmd_ok(c, "HSET user:1 name mina city Seoul %b %b", "odd\tfield", (size_t) 9,
		 "two\nlines", (size_t) 9);
	h_cmd_ok(c, "SET greeting %s", "hello from redis\n");
	h_cmd_ok(c, "EXPIRE greeting 9000");
	h_cmd_ok(c, "SET empty %s", "");
	h_cmd_ok(c, "SET binary %b", "bin\0ary\xff", (size_t) 8);
	/* a string whose text would parse as a hash stays a string */
	h_cmd_ok(c, "SET looks:like:hash %s", "field\tvalue\n");
	h_cmd_ok(c, "SET %b slashed", "dir/name", (size_t) 8);
	for (int i = 0; i < LONG_LIST; i++)
		h_cmd_ok(c, "RPUSH long item-%05d", i);
	h_cmd_ok(c, "EXPIRE long 3000");
}

static void setup_mount(void)
{
	redisContext *c;

	server = h_redis_start((const char *const[]){"--databases", "4", NULL});
	c = h_redis_connect(server, 0);
	fill_db0(c);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

/*
 * Every key of db0 is in `db` with the same type, the same content as its
 * file shows it (order, scores, escapes), and a TTL that is the source's less
 * at most `slack` seconds (the backup holds whole seconds, and time passed
 * between the backup and the restore); nothing more is there.
 */
static void assert_restored(int db, double slack)
{
	redisContext *src = h_redis_connect(server, 0), *dst = h_redis_connect(server, db);
	redisReply *keys = h_all_keys(src);

	ck_assert_int_eq(h_cmd_int(dst, "DBSIZE"), (long long) keys->elements);
	for (size_t i = 0; i < keys->elements; i++) {
		const char *k = keys->element[i]->str;
		size_t klen = keys->element[i]->len;
		redisReply *ts = h_cmd(src, "TYPE %b", k, klen),
			   *td = h_cmd(dst, "TYPE %b", k, klen);
		char *want, *got;
		size_t want_len, got_len;
		long long ttl_src, ttl_dst;

		ck_assert_msg(!strcmp(ts->str, td->str), "db%d '%s': type %s, want %s", db, k,
			      td->str, ts->str);
		ck_assert_int_eq(h_expected_content(src, k, klen, &want, &want_len), 0);
		ck_assert_int_eq(h_expected_content(dst, k, klen, &got, &got_len), 0);
		ck_assert_msg(got_len == want_len && !memcmp(got, want, want_len),
			      "db%d '%s': content differs:\n%s\nwant:\n%s", db, k, got, want);
		ttl_src = h_cmd_int(src, "TTL %b", k, klen);
		ttl_dst = h_cmd_int(dst, "TTL %b", k, klen);
		if (ttl_src < 0)
			ck_assert_msg(ttl_dst == -1, "db%d '%s': TTL %lld, want none", db, k,
				      ttl_dst);
		else
			/* TTL rounds to the nearest second: the copy may read one more */
			ck_assert_msg(ttl_dst <= ttl_src + 1 && ttl_src - ttl_dst <= slack,
				      "db%d '%s': TTL %lld, the source has %lld", db, k, ttl_dst,
				      ttl_src);
		free(want);
		free(got);
		freeReplyObject(ts);
		freeReplyObject(td);
	}
	freeReplyObject(keys);
	redisFree(src);
	redisFree(dst);
}

/* Run a backup or restore command in the folder that holds mnt/: exit 0, not a word said. */
static void run_quietly(const char *cwd, const char *cmd)
{
	struct h_run res;
	int status = h_sh_out(cwd, &res, "%s", cmd);

	ck_assert_msg(status == 0, "'%s' exit status %d: %s", cmd, status, res.err);
	ck_assert_msg(res.err_len == 0 && res.out_len == 0, "'%s' said: %s%s", cmd, res.out,
		      res.err);
	h_run_free(&res);
}

/* One round trip: `backup` (cwd: the mount's folder, BACKUP: a scratch folder), then `restore`. */
static void round_trip(const char *backup, const char *restore, int db)
{
	const char *dir = h_scratch_dir();
	char cmd[2 * H_PATH_MAX + 256];
	double start = h_now();

	snprintf(cmd, sizeof cmd, backup, dir);
	run_quietly(mount->work, cmd);
	snprintf(cmd, sizeof cmd, restore, dir);
	run_quietly(mount->work, cmd);
	/* whole seconds in the backup, and the seconds the two commands took */
	assert_restored(db, 1 + ceil(h_now() - start));
}

START_TEST(test_cp_a_backup_restores_every_type_and_ttl)
{
	round_trip("cp -a mnt/db0 '%s'/", "cp -a '%s'/db0/. mnt/db1/", 1);
}
END_TEST

START_TEST(test_rsync_ax_backup_restores_every_type_and_ttl)
{
	round_trip("rsync -aX mnt/db0/ '%s'/db0/", "rsync -aX '%s'/db0/ mnt/db2/", 2);
}
END_TEST

START_TEST(test_tar_xattrs_backup_restores_every_type_and_ttl)
{
	round_trip("tar --xattrs -cf '%s'/db0.tar -C mnt/db0 .",
		   "tar --xattrs -xf '%s'/db0.tar -C mnt/db3", 3);
}
END_TEST

START_TEST(test_setfattr_type_hash_converts_a_string_and_keeps_its_ttl)
{
	redisContext *c = h_redis_connect(server, 1);
	redisReply *r;

	h_cmd_ok(c, "SET conv %s", "f1\tv1\nf2\tv\\tw\n");
	h_cmd_ok(c, "EXPIRE conv 4000");
	ck_assert_int_eq(h_sh(mount->mnt, "setfattr -n user.redis.type -v hash db1/conv"), 0);
	r = h_cmd(c, "TYPE conv");
	ck_assert_str_eq(r->str, "hash");
	freeReplyObject(r);
	r = h_cmd(c, "HGET conv f2");
	ck_assert_str_eq(r->str, "v\tw");
	freeReplyObject(r);
	ck_assert_int_ge(h_cmd_int(c, "TTL conv"), 3000);
	redisFree(c);
}
END_TEST

START_TEST(test_setfattr_type_on_text_that_does_not_parse_is_einval_and_changes_nothing)
{
	redisContext *c = h_redis_connect(server, 1);
	char path[H_PATH_MAX + 64];
	redisReply *r;

	h_cmd_ok(c, "SET notahash %s", "no tab on this line\n");
	h_cmd_ok(c, "SET notazset %s", "member\tnot-a-score\n");
	h_path(path, sizeof path, mount, "db1/notahash");
	ck_assert_int_eq(setxattr(path, "user.redis.type", "hash", 4, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	h_path(path, sizeof path, mount, "db1/notazset");
	ck_assert_int_eq(setxattr(path, "user.redis.type", "zset", 4, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	r = h_cmd(c, "GET notahash");
	ck_assert_str_eq(r->str, "no tab on this line\n");
	freeReplyObject(r);
	r = h_cmd(c, "TYPE notazset");
	ck_assert_str_eq(r->str, "string");
	freeReplyObject(r);
	redisFree(c);
}
END_TEST

START_TEST(test_same_type_is_no_change_and_other_changes_are_eperm)
{
	redisContext *c = h_redis_connect(server, 1);
	char path[H_PATH_MAX + 64];
	size_t before_len, after_len;
	char *before, *after;

	h_cmd_ok(c, "RPUSH alist a b");
	h_cmd_ok(c, "SET astring text");
	before = h_redis_snapshot(server, 4, &before_len);
	h_path(path, sizeof path, mount, "db1/alist");
	ck_assert_int_eq(setxattr(path, "user.redis.type", "list", 4, 0), 0);
	ck_assert_int_eq(setxattr(path, "user.redis.type", "string", 6, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(setxattr(path, "user.redis.type", "set", 3, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	h_path(path, sizeof path, mount, "db1/astring");
	ck_assert_int_eq(setxattr(path, "user.redis.type", "string", 6, 0), 0);
	ck_assert_int_eq(setxattr(path, "user.redis.type", "stream", 6, 0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(setxattr(path, "user.redis.type", "colour", 6, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	after = h_redis_snapshot(server, 4, &after_len);
	ck_assert_msg(before_len == after_len && !memcmp(before, after, before_len),
		      "a refused or empty change of type changed Redis");
	free(before);
	free(after);
	redisFree(c);
}
END_TEST

/* tar's order: the type on the new, empty file, then the text */
START_TEST(test_type_set_on_an_empty_file_applies_to_the_text_that_follows)
{
	redisContext *c = h_redis_connect(server, 1);
	struct h_run res;
	redisReply *r;

	ck_assert_int_eq(h_sh(mount->mnt,
			      ": > db1/later && setfattr -n user.redis.type -v zset "
			      "db1/later && setfattr -n user.redis.ttl -v 600 db1/later"),
			 0);
	ck_assert_int_eq(h_sh_out(mount->mnt, &res, "getfattr -n user.redis.type db1/later"), 0);
	ck_assert_msg(strstr(res.out, "\"zset\""), "before its text: %s", res.out);
	h_run_free(&res);
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'm\\t1.5\\nn\\t-2\\n' >> db1/later"), 0);
	r = h_cmd(c, "TYPE later");
	ck_assert_str_eq(r->str, "zset");
	freeReplyObject(r);
	r = h_cmd(c, "ZSCORE later m");
	ck_assert_str_eq(r->str, "1.5");
	freeReplyObject(r);
	ck_assert_int_gt(h_cmd_int(c, "TTL later"), 500);
	redisFree(c);
}
END_TEST

/* a type waiting for text is forgotten with its key: a new key of that name is a plain string */
START_TEST(test_a_waiting_type_does_not_outlive_rm)
{
	redisContext *c = h_redis_connect(server, 1);
	redisReply *r;

	ck_assert_int_eq(h_sh(mount->mnt,
			      ": > db1/gone && setfattr -n user.redis.type -v list "
			      "db1/gone && rm db1/gone && printf 'a\\nb\\n' > db1/gone"),
			 0);
	r = h_cmd(c, "TYPE gone");
	ck_assert_str_eq(r->str, "string");
	freeReplyObject(r);
	r = h_cmd(c, "GET gone");
	ck_assert_str_eq(r->str, "a\nb\n");
	freeReplyObject(r);
	redisFree(c);
}
END_TEST

static Suite *backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("round_trips");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cp_a_backup_restores_every_type_and_ttl);
	tcase_add_test(tc, test_rsync_ax_backup_restores_every_type_and_ttl);
	tcase_add_test(tc, test_tar_xattrs_backup_restores_every_type_and_ttl);
	suite_add_tcase(s, tc);

	tc = tcase_create("setfattr_type");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_setfattr_type_hash_converts_a_string_and_keeps_its_ttl);
	tcase_add_test(
		tc, test_setfattr_type_on_text_that_does_not_parse_is_einval_and_changes_nothing);
	tcase_add_test(tc, test_same_type_is_no_change_and_other_changes_are_eperm);
	tcase_add_test(tc, test_type_set_on_an_empty_file_applies_to_the_text_that_follows);
	tcase_add_test(tc, test_a_waiting_type_does_not_outlive_rm);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(backup_suite(), CK_FORK);
}
