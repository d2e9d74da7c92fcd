/* test_paths.c - unit tests of fs/paths.c: which paths are the root, a database, a key. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fs/paths.h"
#include "run_suite.h"

START_TEST(test_root_is_root)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/", 16, -1, false, &p), 0);
	ck_assert_int_eq(p.kind, PATH_ROOT);
}
END_TEST

START_TEST(test_database_folders_are_parsed)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/db0", 16, -1, false, &p), 0);
	ck_assert_int_eq(p.kind, PATH_DB);
	ck_assert_int_eq(p.db, 0);
	ck_assert_int_eq(paths_parse("/db15", 16, -1, false, &p), 0);
	ck_assert_int_eq(p.db, 15);
}
END_TEST

START_TEST(test_databases_out_of_range_do_not_exist)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/db16", 16, -1, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("/db4", 4, -1, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("/db99999999999", 16, -1, false, &p), -ENOENT);
}
END_TEST

START_TEST(test_non_canonical_database_names_do_not_exist)
{
	const char *bad[] = {"/db", "/db00", "/db01", "/db+1", "/db-1", "/DB0", "/db0x",
			     "/db 1", "/xdb0", "/ghosts"};
	struct fs_path p;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(paths_parse(bad[i], 16, -1, false, &p) == -ENOENT, "%s exists", bad[i]);
}
END_TEST

START_TEST(test_url_database_shows_only_that_folder)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/db3", 16, 3, false, &p), 0);
	ck_assert_int_eq(paths_parse("/db0", 16, 3, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("/db0/key", 16, 3, false, &p), -ENOENT);
	ck_assert(paths_db_visible(3, 16, 3));
	ck_assert(!paths_db_visible(2, 16, 3));
	ck_assert(paths_db_visible(2, 16, -1));
}
END_TEST

START_TEST(test_key_paths_carry_the_file_name)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/db2/session:1", 16, -1, false, &p), 0);
	ck_assert_int_eq(p.kind, PATH_KEY);
	ck_assert_int_eq(p.db, 2);
	ck_assert_str_eq(p.name, "session:1");
}
END_TEST

START_TEST(test_deeper_paths_do_not_exist)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/db0/a/b", 16, -1, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("/db0/", 16, -1, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("/db0//x", 16, -1, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("db0", 16, -1, false, &p), -ENOENT);
}
END_TEST

START_TEST(test_ghosts_exist_only_with_rules)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/ghosts", 16, -1, false, &p), -ENOENT);
	ck_assert_int_eq(paths_parse("/ghosts", 16, -1, true, &p), 0);
	ck_assert_int_eq(p.kind, PATH_GHOSTS);
}
END_TEST

START_TEST(test_ghost_paths_carry_rule_queue_and_member)
{
	struct fs_path p;

	ck_assert_int_eq(paths_parse("/ghosts/matching", 16, -1, true, &p), 0);
	ck_assert_int_eq(p.kind, PATH_GHOST_RULE);
	ck_assert_str_eq(p.name, "matching");
	ck_assert_int_eq(paths_parse("/ghosts/matching/matching:queue", 16, -1, true, &p), 0);
	ck_assert_int_eq(p.kind, PATH_GHOST_QUEUE);
	ck_assert_str_eq(p.queue, "matching:queue");
	ck_assert_int_eq(paths_parse("/ghosts/matching/matching:queue/42", 16, -1, true, &p), 0);
	ck_assert_int_eq(p.kind, PATH_GHOST_MEMBER);
	ck_assert_str_eq(p.name, "matching");
	ck_assert_str_eq(p.queue, "matching:queue");
	ck_assert_str_eq(p.member, "42");
	ck_assert_int_eq(paths_parse("/ghosts/a/b/c/d", 16, -1, true, &p), -ENOENT);
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_root_is_root);
	tcase_add_test(tc, test_database_folders_are_parsed);
	tcase_add_test(tc, test_databases_out_of_range_do_not_exist);
	tcase_add_test(tc, test_non_canonical_database_names_do_not_exist);
	tcase_add_test(tc, test_url_database_shows_only_that_folder);
	tcase_add_test(tc, test_key_paths_carry_the_file_name);
	tcase_add_test(tc, test_deeper_paths_do_not_exist);
	tcase_add_test(tc, test_ghosts_exist_only_with_rules);
	tcase_add_test(tc, test_ghost_paths_carry_rule_queue_and_member);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(paths_suite(), CK_FORK);
}
