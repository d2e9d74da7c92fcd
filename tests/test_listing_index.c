/* test_listing_index.c - unit tests for fs/listing.c: each key once, found, named, copied. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/listing.h"
#include "run_suite.h"

#define MANY_KEYS 100000 /* enough for the index to double many times */

/* A string literal as (pointer, length), its NUL bytes included. */
#define LIT(s) (s), (sizeof(s) - 1)

static void assert_key(struct listing *l, size_t i, const char *want, size_t n)
{
	struct rv_array one = {0};
	const char *got;
	size_t len;

	ck_assert_int_eq(listing_copy(l, i, 1, &one), 0);
	ck_assert_uint_eq(one.count, 1);
	got = rv_array_get(&one, 0, &len);
	ck_assert_uint_eq(len, n);
	if (n)
		ck_assert_mem_eq(got, want, n);
	rv_array_free(&one);
}

START_TEST(test_a_repeated_key_is_kept_once_in_first_seen_order)
{
	struct listing *l = listing_new(0, 1);

	ck_assert_int_eq(listing_push(l, LIT("b")), 0);
	ck_assert_int_eq(listing_push(l, LIT("a")), 0);
	ck_assert_int_eq(listing_push(l, LIT("b")), 0);
	ck_assert_int_eq(listing_push(l, LIT("a")), 0);
	ck_assert_uint_eq(l->keys.count, 2);
	assert_key(l, 0, LIT("b"));
	assert_key(l, 1, LIT("a"));
	listing_put(l);
}
END_TEST

START_TEST(test_empty_binary_and_prefix_keys_are_distinct)
{
	struct listing *l = listing_new(0, 1);
	const char *keys[] = {"", "a", "a\0", "\0", "a\0b", "ab"};
	const size_t lens[] = {0, 1, 2, 1, 3, 2};

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < 6; i++)
			ck_assert_int_eq(listing_push(l, keys[i], lens[i]), 0);
	}
	ck_assert_uint_eq(l->keys.count, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_int_eq(listing_find(l, keys[i], lens[i]), (long) i);
		assert_key(l, i, keys[i], lens[i]);
	}
	ck_assert_int_eq(listing_find(l, LIT("b")), -1);
	listing_put(l);
}
END_TEST

/* Each key pushed twice, the repeats long after, across every growth of the index. */
START_TEST(test_many_keys_given_twice_are_each_kept_once_and_found)
{
	struct listing *l = listing_new(0, 1);
	char key[32];

	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < MANY_KEYS; i++) {
			int n = snprintf(key, sizeof key, "key:%d", i);

			ck_assert_int_eq(listing_push(l, key, (size_t) n), 0);
		}
	}
	ck_assert_uint_eq(l->keys.count, MANY_KEYS);
	for (int i = 0; i < MANY_KEYS; i += 997) {
		int n = snprintf(key, sizeof key, "key:%d", i);

		ck_assert_int_eq(listing_find(l, key, (size_t) n), i);
	}
	ck_assert_int_eq(listing_find(l, LIT("key:-1")), -1);
	listing_put(l);
}
END_TEST

START_TEST(test_a_reserved_index_takes_more_keys_than_reserved)
{
	struct listing *l = listing_new(0, 1);
	char key[32];

	ck_assert_int_eq(listing_reserve(l, 10), 0);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(key, sizeof key, "k%d", i % 2500);

		ck_assert_int_eq(listing_push(l, key, (size_t) n), 0);
	}
	ck_assert_uint_eq(l->keys.count, 2500);
	listing_put(l);
}
END_TEST

START_TEST(test_names_are_encoded_without_the_folder_prefix)
{
	struct listing *l = listing_new(0, 1);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_push(l, LIT("user:a/b")), 0);
	ck_assert_int_eq(listing_push(l, LIT("user:")), 0);
	ck_assert_int_eq(listing_name(l, 0, 5, name), 1);
	ck_assert_str_eq(name, "a%2Fb");
	ck_assert_int_eq(listing_name(l, 1, 5, name), 1);
	ck_assert_str_eq(name, "%");
	ck_assert_int_eq(listing_name(l, 2, 5, name), 0); /* complete: the end */
	listing_put(l);
}
END_TEST

START_TEST(test_a_failed_listing_ends_with_its_error_not_an_end)
{
	struct listing *l = listing_new(0, 1);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_push(l, LIT("a")), 0);
	listing_finish(l, -EIO);
	ck_assert(!listing_complete(l));
	ck_assert_int_eq(listing_name(l, 0, 0, name), 1);
	ck_assert_int_eq(listing_name(l, 1, 0, name), -EIO);
	listing_put(l);
}
END_TEST

START_TEST(test_copy_gives_the_keys_there_from_first_on)
{
	struct listing *l = listing_new(0, 1);
	struct rv_array out = {0};

	ck_assert_int_eq(listing_push(l, LIT("a")), 0);
	ck_assert_int_eq(listing_push(l, LIT("b")), 0);
	ck_assert_int_eq(listing_push(l, LIT("c")), 0);
	ck_assert_int_eq(listing_copy(l, 1, 5, &out), 0);
	ck_assert_uint_eq(out.count, 2);
	rv_array_free(&out);
	ck_assert_int_eq(listing_copy(l, 3, 5, &out), 0);
	ck_assert_uint_eq(out.count, 0);
	rv_array_free(&out);
	listing_put(l);
}
END_TEST

static Suite *listing_index_suite(void)
{
	Suite *s = suite_create("listing_index");
	TCase *tc = tcase_create("index");

	tcase_add_test(tc, test_a_repeated_key_is_kept_once_in_first_seen_order);
	tcase_add_test(tc, test_empty_binary_and_prefix_keys_are_distinct);
	tcase_add_test(tc, test_many_keys_given_twice_are_each_kept_once_and_found);
	tcase_add_test(tc, test_a_reserved_index_takes_more_keys_than_reserved);
	tcase_add_test(tc, test_names_are_encoded_without_the_folder_prefix);
	tcase_add_test(tc, test_a_failed_listing_ends_with_its_error_not_an_end);
	tcase_add_test(tc, test_copy_gives_the_keys_there_from_first_on);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(listing_index_suite(), CK_FORK);
}
