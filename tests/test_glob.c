/* test_glob.c - unit tests of backend/redis_glob.c: SCAN MATCH patterns matched locally. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backend/redis_glob.h"
#include "run_suite.h"

static bool match(const char *pattern, const char *s)
{
	return redis_glob_match(pattern, s, strlen(s));
}

START_TEST(test_star_matches_any_run)
{
	ck_assert(match("matching:*", "matching:queue"));
	ck_assert(match("matching:*", "matching:"));
	ck_assert(match("*queue*", "matching:queue:1"));
	ck_assert(match("a*b*c", "aXXbYYc"));
	ck_assert(!match("matching:*", "match"));
	ck_assert(!match("a*b", "aXc"));
}
END_TEST

START_TEST(test_question_mark_matches_one_byte)
{
	ck_assert(match("q?", "q1"));
	ck_assert(!match("q?", "q"));
	ck_assert(!match("q?", "q12"));
}
END_TEST

START_TEST(test_classes_ranges_and_negation)
{
	ck_assert(match("q[abc]", "qb"));
	ck_assert(!match("q[abc]", "qd"));
	ck_assert(match("q[a-c]", "qb"));
	ck_assert(match("q[c-a]", "qb"));
	ck_assert(match("q[^a-c]", "qz"));
	ck_assert(!match("q[^a-c]", "qa"));
}
END_TEST

START_TEST(test_backslash_quotes_glob_characters)
{
	ck_assert(match("a\\*", "a*"));
	ck_assert(!match("a\\*", "ab"));
	ck_assert(match("\\[x\\]", "[x]"));
	ck_assert(match("q\\?", "q?"));
	ck_assert(!match("q\\?", "qa"));
}
END_TEST

START_TEST(test_binary_strings_are_matched_by_length)
{
	ck_assert(redis_glob_match("a?c", "a\0c", 3));
	ck_assert(redis_glob_match("a*", "a\0\xff", 3));
	ck_assert(!redis_glob_match("abc", "abc\0", 4));
}
END_TEST

static Suite *glob_suite(void)
{
	Suite *s = suite_create("glob");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_star_matches_any_run);
	tcase_add_test(tc, test_question_mark_matches_one_byte);
	tcase_add_test(tc, test_classes_ranges_and_negation);
	tcase_add_test(tc, test_backslash_quotes_glob_characters);
	tcase_add_test(tc, test_binary_strings_are_matched_by_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(glob_suite(), CK_FORK);
}
