/* test_ghost_doubt.c - SPEC 6 against mariadbd: an ID the column cannot hold as it is is no ghost.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define LONG_ID 300 /* bytes: longer than every column here */

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt;
static char config_path[H_PATH_MAX];

/* One table per kind of column, each with the rows 5 (and abc for the strings). */
static const char *const tables[] = {
	"CREATE TABLE t_int (id INT PRIMARY KEY); INSERT INTO t_int VALUES (5)",
	"CREATE TABLE t_ubig (id BIGINT UNSIGNED PRIMARY KEY); INSERT INTO t_ubig VALUES (5)",
	"CREATE TABLE t_dec (id DECIMAL(10,2) PRIMARY KEY); INSERT INTO t_dec VALUES (5)",
	"CREATE TABLE t_char (id CHAR(4) CHARACTER SET utf8mb4 PRIMARY KEY);"
	"INSERT INTO t_char VALUES ('5')",
	"CREATE TABLE t_vchar (id VARCHAR(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci "
	"PRIMARY KEY); INSERT INTO t_vchar VALUES ('5'), ('abc')",
	"CREATE TABLE t_vbin (id VARBINARY(8) PRIMARY KEY); INSERT INTO t_vbin VALUES ('5')",
};

static const char *const rules[] = {"int", "ubig", "dec", "char", "vchar", "vbin"};

static void write_config(void)
{
	char pass[H_PATH_MAX], text[4096];
	size_t n;

	snprintf(pass, sizeof pass, "%s/mysql.pass", h_scratch_dir());
	snprintf(text, sizeof text, "%s\n", mysql->password);
	ck_assert_int_eq(h_write_file(pass, text, strlen(text), 0600), 0);
	n = (size_t) snprintf(
		text, sizeof text,
		"[mysql]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword_file = %s\n"
		"database = %s\n",
		mysql->port, mysql->user, pass, mysql->database);
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		n += (size_t) snprintf(text + n, sizeof text - n,
				       "\n[ghosts.%s]\nkeys = %s:*\ntable = t_%s\ncolumn = id\n",
				       rules[i], rules[i], rules[i]);
	n += (size_t) snprintf(text + n, sizeof text - n,
			       "\n[ghosts.fixed]\nkeys = matching:*\ntable = t_int\ncolumn = id\n"
			       "member = ^user:([0-9]+)$\n"
			       "\n[ghosts.none]\nkeys = nothing:*\ntable = t_int\ncolumn = id\n");
	ck_assert_uint_lt(n, sizeof text);
	snprintf(config_path, sizeof config_path, "%s/redisfs.ini", h_scratch_dir());
	ck_assert_int_eq(h_write_file(config_path, text, n, 0600), 0);
}

/* The members every queue holds: the IDs of the issue, one with a row (5), one without (7). */
static void fill_queue(redisContext *c, const char *key)
{
	char long_id[LONG_ID + 1];
	const char *plain[] = {"user:5", "5abc", " 5", "05", "5.0", "-1", "5", "7", "ABC"};

	memset(long_id, '9', LONG_ID);
	long_id[LONG_ID] = '\0';
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		freeReplyObject(h_cmd(c, "RPUSH %s %s", key, plain[i]));
	freeReplyObject(h_cmd(c, "RPUSH %s %s", key, long_id));
	freeReplyObject(h_cmd(c, "RPUSH %s %b", key, "\xff\xfe", (size_t) 2)); /* not UTF-8 */
}

static void setup(void)
{
	char opts[H_PATH_MAX + 64];
	redisContext *c;

	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		h_mysql_sql(mysql, "USE `%s`; %s", mysql->database, tables[i]);
	write_config();
	c = h_redis_connect(redis, 0);
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
		char key[32];

		snprintf(key, sizeof key, "%s:q", rules[i]);
		fill_queue(c, key);
	}
	h_cmd_ok(c, "RPUSH matching:tagged user:4 user:5 user:13");
	redisFree(c);
	snprintf(opts, sizeof opts, "config=%s,cache_timeout=0", config_path);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void teardown(void)
{
	h_mount_stop(mnt);
	mnt = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

/* The names in MNT/rel, as one string "a|b|c" (names may hold spaces). */
static void assert_listing(const char *rel, const char *expected)
{
	char path[H_PATH_MAX], got[4096] = "";
	struct h_names names;

	h_path(path, sizeof path, mnt, rel);
	ck_assert_int_eq(h_list(path, &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		if (i)
			strcat(got, "|");
		strncat(got, names.v[i], sizeof got - strlen(got) - 2);
	}
	h_names_free(&names);
	ck_assert_msg(!strcmp(got, expected), "ls %s: got '%s', expected '%s'", rel, got, expected);
}

START_TEST(test_an_int_column_checks_canonical_integers_only)
{
	assert_listing("ghosts/int/int:q", "-1|7");
}
END_TEST

START_TEST(test_a_bigint_unsigned_column_takes_no_negative_id)
{
	assert_listing("ghosts/ubig/ubig:q", "7");
}
END_TEST

START_TEST(test_a_decimal_column_holds_5_0_as_5)
{
	assert_listing("ghosts/dec/dec:q", "-1|7");
}
END_TEST

START_TEST(test_a_char_column_counts_characters_and_takes_valid_utf8_only)
{
	assert_listing("ghosts/char/char:q", " 5|-1|05|5.0|5abc|7|ABC");
}
END_TEST

START_TEST(test_a_case_insensitive_varchar_column_compares_as_mysql_does)
{
	/* ABC is abc by the collation: it has a row */
	assert_listing("ghosts/vchar/vchar:q", " 5|-1|05|5.0|5abc|7|user:5");
}
END_TEST

START_TEST(test_a_varbinary_column_counts_bytes_and_takes_any)
{
	assert_listing("ghosts/vbin/vbin:q", " 5|-1|05|5.0|5abc|7|ABC|user:5|\xff\xfe");
}
END_TEST

START_TEST(test_user_5_is_no_ghost_of_an_int_column_and_the_member_pattern_fixes_it)
{
	redisContext *c = h_redis_connect(redis, 0);

	/* without `member =`, rule int would take user:N for 0; rule fixed reads N */
	assert_listing("ghosts/fixed/matching:tagged", "user:13|user:4");
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/fixed"), 0);
	ck_assert_int_eq(h_cmd_int(c, "LLEN matching:tagged"), 1);
	ck_assert_int_eq(h_cmd_int(c, "LPOS matching:tagged user:5"), 0);
	redisFree(c);
}
END_TEST

/* getfattr -d of a rule folder is the dry run of rm -r: what it would remove and what it skips. */
START_TEST(test_getfattr_of_a_rule_folder_shows_its_table_column_and_figures)
{
	struct h_run res;

	ck_assert_int_eq(h_sh_out(mnt->mnt, &res, "getfattr -d ghosts/int"), 0);
	ck_assert_msg(!strcmp(res.out, "# file: ghosts/int\n"
				       "user.ghosts.column=\"id int(11)\"\n"
				       "user.ghosts.count=\"2\"\n"
				       "user.ghosts.skipped=\"8\"\n"
				       "user.ghosts.table=\"t_int\"\n\n"),
		      "getfattr -d ghosts/int says:\n%s%s", res.out, res.err);
	h_run_free(&res);
	ck_assert_int_eq(h_sh_out(mnt->mnt, &res, "getfattr -n user.ghosts.column ghosts/vchar"),
			 0);
	ck_assert_ptr_nonnull(strstr(res.out, "user.ghosts.column=\"id varchar(8)\""));
	h_run_free(&res);
	/* a queue folder and a ghost file have none of them */
	ck_assert_int_eq(
		h_sh_out(mnt->mnt, &res, "getfattr -d ghosts/int/int:q ghosts/int/int:q/7"), 0);
	ck_assert_uint_eq(res.out_len, 0);
	h_run_free(&res);
}
END_TEST

/* The daemon's start: what each rule would skip, and a rule whose keys match nothing. */
START_TEST(test_the_start_says_what_each_rule_skips_with_an_example_and_the_fix)
{
	char *log;
	size_t len;

	ck_assert_int_eq(h_read_file(mnt->log, &log, &len), 0);
	ck_assert_msg(strstr(log, "redisfs: ghosts.int: 8 of 11 sampled members of int:q are not "
				  "values of t_int.id (int(11)), e.g. 'user:5' (not a number as "
				  "the column writes it): they are never ghosts; add member = "
				  "^user:([0-9]+)$ to the rule\n"),
		      "the start said:\n%s", log);
	ck_assert_msg(strstr(log, "redisfs: ghosts.ubig: 9 of 11 sampled members of ubig:q"),
		      "the start said:\n%s", log);
	ck_assert_msg(strstr(log, "redisfs: ghosts.none: keys = nothing:* matches no key of db0\n"),
		      "the start said:\n%s", log);
	ck_assert_msg(!strstr(log, "ghosts.fixed"), "the start said:\n%s", log);
	free(log);
}
END_TEST

START_TEST(test_rm_r_removes_only_the_ghosts_and_keeps_every_skipped_member)
{
	redisContext *c = h_redis_connect(redis, 0);

	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/int"), 0);
	/* 11 members, of which -1 and 7 were ghosts */
	ck_assert_int_eq(h_cmd_int(c, "LLEN int:q"), 9);
	ck_assert_int_eq(h_cmd_int(c, "LPOS int:q user:5"), 0);
	redisFree(c);
}
END_TEST

/* ALTER TABLE with the mount up: what the column holds is learned again after a reconnect. */
START_TEST(test_a_column_is_learned_again_after_a_reconnect)
{
	assert_listing("ghosts/int/int:q", "-1|7");
	h_mysql_sql(mysql, "USE `%s`; ALTER TABLE t_int MODIFY id VARCHAR(8) CHARACTER SET utf8mb4",
		    mysql->database);
	h_mysql_halt(mysql);
	h_mysql_restart(mysql);
	assert_listing("ghosts/int/int:q", " 5|-1|05|5.0|5abc|7|ABC|user:5");
}
END_TEST

static Suite *ghost_doubt_suite(void)
{
	Suite *s = suite_create("ghost_doubt");
	TCase *tc = tcase_create("columns");
	TCase *altered = tcase_create("altered");

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_an_int_column_checks_canonical_integers_only);
	tcase_add_test(tc, test_a_bigint_unsigned_column_takes_no_negative_id);
	tcase_add_test(tc, test_a_decimal_column_holds_5_0_as_5);
	tcase_add_test(tc, test_a_char_column_counts_characters_and_takes_valid_utf8_only);
	tcase_add_test(tc, test_a_case_insensitive_varchar_column_compares_as_mysql_does);
	tcase_add_test(tc, test_a_varbinary_column_counts_bytes_and_takes_any);
	tcase_add_test(tc,
		       test_user_5_is_no_ghost_of_an_int_column_and_the_member_pattern_fixes_it);
	tcase_add_test(tc, test_getfattr_of_a_rule_folder_shows_its_table_column_and_figures);
	tcase_add_test(tc, test_the_start_says_what_each_rule_skips_with_an_example_and_the_fix);
	tcase_add_test(tc, test_rm_r_removes_only_the_ghosts_and_keeps_every_skipped_member);
	suite_add_tcase(s, tc);

	h_mysql_tcase_add_fixture(altered, setup, teardown);
	tcase_set_timeout(altered, 120);
	tcase_add_test(altered, test_a_column_is_learned_again_after_a_reconnect);
	suite_add_tcase(s, altered);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(ghost_doubt_suite(), CK_FORK);
}
