/* test_rv_find.c - unit tests for backend/rv.c's binary search in a sorted array. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "backend/rv.h"
#include "run_suite.h"

/* A string literal as (pointer, length), its NUL bytes included. */
#define LIT(s) (s), (sizeof(s) - 1)

/* Every item is found at its index after sorting, binary ones and prefixes included. */
START_TEST(test_find_gives_each_sorted_item_its_index)
{
	struct rv_array a = {0};
	size_t len;

	ck_assert_int_eq(rv_array_push(&a, LIT("b")), 0);
	ck_assert_int_eq(rv_array_push(&a, LIT("a\0z")), 0);
	ck_assert_int_eq(rv_array_push(&a, LIT("a")), 0);
	ck_assert_int_eq(rv_array_push(&a, LIT("")), 0);
	ck_assert_int_eq(rv_array_push(&a, LIT("ab")), 0);
	ck_assert_int_eq(rv_array_push(&a, LIT("\xff")), 0);
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	for (size_t i = 0; i < a.count; i++) {
		const char *p = rv_array_get(&a, i, &len);

		ck_assert_int_eq(rv_array_find(&a, p, len), (long) i);
	}
	rv_array_free(&a);
}
END_TEST

/* What is not there is -1: a prefix, a longer name, the empty array. */
START_TEST(test_find_misses_what_is_not_there)
{
	struct rv_array a = {0};
	char key[16];

	ck_assert_int_eq(rv_array_find(&a, LIT("a")), -1);
	for (int i = 0; i < 1000; i += 2) {
		snprintf(key, sizeof key, "k%04d", i);
		ck_assert_int_eq(rv_array_push(&a, key, strlen(key)), 0);
	}
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_int_eq(rv_array_find(&a, LIT("k0001")), -1);
	ck_assert_int_eq(rv_array_find(&a, LIT("k000")), -1);
	ck_assert_int_eq(rv_array_find(&a, LIT("k00000")), -1);
	ck_assert_int_eq(rv_array_find(&a, LIT("k0998")), 499);
	ck_assert_int_eq(rv_array_find(&a, LIT("k0000")), 0);
	rv_array_free(&a);
}
END_TEST

/* The order is the sort's: memcmp on the bytes, the shorter first on a common prefix. */
START_TEST(test_bytes_cmp_is_the_sort_order)
{
	ck_assert_int_lt(rv_bytes_cmp(LIT("a"), LIT("ab")), 0);
	ck_assert_int_gt(rv_bytes_cmp(LIT("b"), LIT("ab")), 0);
	ck_assert_int_eq(rv_bytes_cmp(LIT("a\0b"), LIT("a\0b")), 0);
	ck_assert_int_lt(rv_bytes_cmp(LIT("a\0"), LIT("a\x01")), 0);
	ck_assert_int_gt(rv_bytes_cmp(LIT("\xff"), LIT("a")), 0); /* unsigned bytes */
	ck_assert_int_lt(rv_bytes_cmp(LIT(""), LIT("\0")), 0);
}
END_TEST

static Suite *rv_find_suite(void)
{
	Suite *s = suite_create("rv_find");
	TCase *tc = tcase_create("find");

	tcase_add_test(tc, test_find_gives_each_sorted_item_its_index);
	tcase_add_test(tc, test_find_misses_what_is_not_there);
	tcase_add_test(tc, test_bytes_cmp_is_the_sort_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(rv_find_suite(), CK_FORK);
}
