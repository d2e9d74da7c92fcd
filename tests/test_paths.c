/* test_paths.c - unit tests of fs/paths.c: which folder names are databases, which show. */
#include <check.h>
#include <stdbool.h>

#include "fs/paths.h"
#include "run_suite.h"

START_TEST(test_database_folders_are_db_and_a_decimal_number)
{
	ck_assert_int_eq(paths_db_number("db0"), 0);
	ck_assert_int_eq(paths_db_number("db15"), 15);
	ck_assert_int_eq(paths_db_number("db2147483647"), 2147483647);
}
END_TEST

START_TEST(test_non_canonical_database_names_are_none)
{
	const char *bad[] = {"db",     "db00",	       "db01", "db+1", "db-1",
			     "DB0",    "db0x",	       "db 1", "xdb0", "",
			     "ghosts", "db2147483648", "d",    "db1/", "db99999999999"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(paths_db_number(bad[i]) == -1, "\"%s\" is a database", bad[i]);
}
END_TEST

START_TEST(test_databases_show_below_the_count_and_only_the_urls_one)
{
	ck_assert(paths_db_visible(0, 16, -1));
	ck_assert(paths_db_visible(15, 16, -1));
	ck_assert(!paths_db_visible(16, 16, -1));
	ck_assert(!paths_db_visible(4, 4, -1));
	ck_assert(!paths_db_visible(-1, 16, -1));
	ck_assert(paths_db_visible(3, 16, 3));
	ck_assert(!paths_db_visible(2, 16, 3));
	ck_assert(!paths_db_visible(0, 16, 3));
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_database_folders_are_db_and_a_decimal_number);
	tcase_add_test(tc, test_non_canonical_database_names_are_none);
	tcase_add_test(tc, test_databases_show_below_the_count_and_only_the_urls_one);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(paths_suite(), CK_FORK);
}
