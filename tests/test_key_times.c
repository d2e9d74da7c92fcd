/* test_key_times.c - per-key times: kept per key and folder, bounded, the oldest forgotten first.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "fs/key_times.h"
#include "run_suite.h"

START_TEST(test_a_key_and_a_folder_of_one_name_have_their_own_times)
{
	struct key_times t;
	struct timespec when;

	ck_assert_int_eq(key_times_init(&t), 0);
	ck_assert(!key_times_get(&t, 0, KEY_TIME_KEY, "a", 1, &when));
	key_times_set(&t, 0, KEY_TIME_KEY, "a", 1, &(struct timespec){.tv_sec = 5});
	key_times_set(&t, 0, KEY_TIME_FOLDER, "a", 1, &(struct timespec){.tv_sec = 6});
	key_times_set(&t, 1, KEY_TIME_KEY, "a", 1, &(struct timespec){.tv_sec = 7});
	ck_assert(key_times_get(&t, 0, KEY_TIME_KEY, "a", 1, &when));
	ck_assert_int_eq(when.tv_sec, 5);
	ck_assert(key_times_get(&t, 0, KEY_TIME_FOLDER, "a", 1, &when));
	ck_assert_int_eq(when.tv_sec, 6);
	ck_assert(key_times_get(&t, 1, KEY_TIME_KEY, "a", 1, &when));
	ck_assert_int_eq(when.tv_sec, 7);
	key_times_forget(&t, 0, KEY_TIME_KEY, "a", 1);
	ck_assert(!key_times_get(&t, 0, KEY_TIME_KEY, "a", 1, &when));
	ck_assert(key_times_get(&t, 0, KEY_TIME_FOLDER, "a", 1, &when));
	key_times_free(&t);
}
END_TEST

START_TEST(test_the_table_stays_bounded_and_forgets_the_oldest_change)
{
	struct key_times t;
	struct timespec when;
	char key[32];

	ck_assert_int_eq(key_times_init(&t), 0);
	for (long i = 0; i < KEY_TIMES_MAX + 100; i++) {
		int n = snprintf(key, sizeof key, "k%ld", i);

		key_times_set(&t, 0, KEY_TIME_KEY, key, (size_t) n,
			      &(struct timespec){.tv_sec = i});
		if (i == KEY_TIMES_MAX - 1) /* changed again: now the newest */
			key_times_set(&t, 0, KEY_TIME_KEY, "k0", 2,
				      &(struct timespec){.tv_sec = 99});
	}
	ck_assert_uint_eq(t.count, KEY_TIMES_MAX);
	ck_assert(key_times_get(&t, 0, KEY_TIME_KEY, "k0", 2, &when));
	ck_assert_int_eq(when.tv_sec, 99);
	ck_assert(!key_times_get(&t, 0, KEY_TIME_KEY, "k1", 2, &when));
	ck_assert(!key_times_get(&t, 0, KEY_TIME_KEY, "k100", 4, &when));
	ck_assert(key_times_get(&t, 0, KEY_TIME_KEY, "k101", 4, &when));
	snprintf(key, sizeof key, "k%d", KEY_TIMES_MAX + 99);
	ck_assert(key_times_get(&t, 0, KEY_TIME_KEY, key, strlen(key), &when));
	ck_assert_int_eq(when.tv_sec, KEY_TIMES_MAX + 99);
	key_times_free(&t);
}
END_TEST

static Suite *key_times_suite(void)
{
	Suite *s = suite_create("key_times");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_a_key_and_a_folder_of_one_name_have_their_own_times);
	tcase_add_test(tc, test_the_table_stays_bounded_and_forgets_the_oldest_change);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(key_times_suite(), CK_FORK);
}
