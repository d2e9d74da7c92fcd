/* test_listing_index.c - unit tests for fs/listing.c: each key once, found, named, pulled. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
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
	struct listing *l = listing_new(0);

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
	struct listing *l = listing_new(0);
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
	struct listing *l = listing_new(0);
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
	struct listing *l = listing_new(0);
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
	struct listing *l = listing_new(0);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_push(l, LIT("user:a/b")), 0);
	ck_assert_int_eq(listing_push(l, LIT("user:")), 0);
	ck_assert_int_eq(listing_name(l, 0, 5, true, name), 1);
	ck_assert_str_eq(name, "a%2Fb");
	ck_assert_int_eq(listing_name(l, 1, 5, true, name), 1);
	ck_assert_str_eq(name, "%");
	ck_assert_int_eq(listing_name(l, 2, 5, true, name), 0); /* complete: the end */
	listing_put(l);
}
END_TEST

/*
 * A walk that gives batches of keys from a table, then fails with `fail` (0:
 * ends), counting its calls and closes: readdir's pulls without a server.
 */
struct fake_walk {
	const char *const *batches[8]; /* NULL-terminated lists of keys */
	int batch_count;
	int fail;  /* what the call after the last batch returns; 0: the last batch is done */
	bool slow; /* its next batch has not begun to arrive: a call would wait */
	int calls, closes;
};

static int fake_next(void *arg, struct rv_array *keys, bool *done)
{
	struct fake_walk *w = arg;
	int at = w->calls++;

	if (at >= w->batch_count)
		return w->fail ? w->fail : -EINVAL; /* never asked again after the end */
	for (const char *const *k = w->batches[at]; *k; k++)
		ck_assert_int_eq(rv_array_push(keys, *k, strlen(*k)), 0);
	*done = !w->fail && at == w->batch_count - 1;
	return 0;
}

static bool fake_ready(void *arg)
{
	return !((struct fake_walk *) arg)->slow;
}

static void fake_close(void *arg)
{
	((struct fake_walk *) arg)->closes++;
}

static struct listing *walked(struct fake_walk *w)
{
	struct listing *l = listing_new(0);

	listing_walk_from(l, &(struct listing_walk){fake_next, fake_ready, fake_close, w});
	return l;
}

static const char *const ab[] = {"a", "b", NULL};
static const char *const bc[] = {"b", "c", NULL};
static const char *const cad[] = {"c", "a", "d", NULL};
static const char *const none[] = {NULL};

START_TEST(test_a_failed_walk_ends_the_listing_with_its_error_not_an_end)
{
	struct fake_walk w = {.batches = {ab}, .batch_count = 1, .fail = -EIO};
	struct listing *l = walked(&w);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_name(l, 0, 0, true, name), 1);
	ck_assert_int_eq(listing_name(l, 1, 0, true, name), 1);
	ck_assert_int_eq(listing_name(l, 2, 0, true, name), -EIO);
	ck_assert_int_eq(listing_name(l, 2, 0, true, name), -EIO); /* and again: never an end */
	ck_assert_int_eq(listing_name(l, 5, 0, true, name), -EIO);
	ck_assert(!listing_complete(l));
	ck_assert_int_eq(w.calls, 2);
	ck_assert_int_eq(w.closes, 1);				/* its connection goes at once */
	ck_assert_int_eq(listing_name(l, 0, 0, true, name), 1); /* what came can still be read */
	listing_put(l);
	ck_assert_int_eq(w.closes, 1);
}
END_TEST

START_TEST(test_batches_are_pulled_only_when_readdir_needs_them)
{
	struct fake_walk w = {.batches = {ab, bc, cad}, .batch_count = 3};
	struct listing *l = walked(&w);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(w.calls, 0);
	ck_assert_int_eq(listing_name(l, 0, 0, true, name), 1);
	ck_assert_str_eq(name, "a");
	ck_assert_int_eq(w.calls, 1);
	ck_assert_int_eq(listing_name(l, 1, 0, true, name), 1);
	ck_assert_int_eq(w.calls, 1);
	ck_assert(!listing_complete(l));
	ck_assert_int_eq(listing_name(l, 2, 0, true, name), 1); /* "b" came again: dropped */
	ck_assert_str_eq(name, "c");
	ck_assert_int_eq(w.calls, 2);
	ck_assert_int_eq(listing_name(l, 3, 0, true, name), 1);
	ck_assert_str_eq(name, "d");
	ck_assert_int_eq(w.calls, 3);
	ck_assert(listing_complete(l));
	ck_assert_int_eq(w.closes, 1);
	ck_assert_int_eq(listing_name(l, 4, 0, true, name), 0); /* complete: the end */
	ck_assert_int_eq(w.calls, 3);
	ck_assert_uint_eq(l->keys.count, 4);
	listing_put(l);
	ck_assert_int_eq(w.closes, 1);
}
END_TEST

START_TEST(test_empty_batches_are_pulled_past_until_a_key_or_the_end)
{
	struct fake_walk w = {.batches = {none, none, ab, none}, .batch_count = 4};
	struct listing *l = walked(&w);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_pull(l), 0); /* opendir's pull: no key yet, and no end */
	ck_assert(!listing_complete(l));
	ck_assert_int_eq(listing_name(l, 0, 0, true, name), 1);
	ck_assert_int_eq(w.calls, 3);
	ck_assert_int_eq(listing_name(l, 2, 0, true, name), 0);
	ck_assert_int_eq(w.calls, 4);
	ck_assert_int_eq(listing_pull(l), 0); /* complete: nothing is asked */
	ck_assert_int_eq(w.calls, 4);
	listing_put(l);
}
END_TEST

START_TEST(test_without_wait_a_pull_that_would_wait_is_not_made)
{
	struct fake_walk w = {.batches = {ab, cad}, .batch_count = 2, .slow = true};
	struct listing *l = walked(&w);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_name(l, 0, 0, false, name), -EAGAIN);
	ck_assert_int_eq(w.calls, 0);
	ck_assert_int_eq(listing_name(l, 0, 0, true, name), 1);	 /* waits for it */
	ck_assert_int_eq(listing_name(l, 1, 0, false, name), 1); /* there already */
	ck_assert_int_eq(listing_name(l, 2, 0, false, name), -EAGAIN);
	ck_assert_int_eq(w.calls, 1);
	w.slow = false; /* the reply has begun to come */
	ck_assert_int_eq(listing_name(l, 2, 0, false, name), 1);
	ck_assert_str_eq(name, "c");
	ck_assert_int_eq(w.calls, 2);
	w.slow = true; /* complete: nothing to wait for, the end */
	ck_assert_int_eq(listing_name(l, 4, 0, false, name), 0);
	listing_put(l);
}
END_TEST

START_TEST(test_a_folder_closed_before_the_end_closes_its_walk)
{
	struct fake_walk w = {.batches = {ab, bc}, .batch_count = 2};
	struct listing *l = walked(&w);
	char name[NAMES_MAX + 1];

	ck_assert_int_eq(listing_name(l, 0, 0, true, name), 1);
	ck_assert_int_eq(w.closes, 0);
	listing_put(l);
	ck_assert_int_eq(w.calls, 1);
	ck_assert_int_eq(w.closes, 1);
}
END_TEST

START_TEST(test_copy_gives_the_keys_there_from_first_on)
{
	struct listing *l = listing_new(0);
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
	tcase_add_test(tc, test_a_failed_walk_ends_the_listing_with_its_error_not_an_end);
	tcase_add_test(tc, test_batches_are_pulled_only_when_readdir_needs_them);
	tcase_add_test(tc, test_empty_batches_are_pulled_past_until_a_key_or_the_end);
	tcase_add_test(tc, test_without_wait_a_pull_that_would_wait_is_not_made);
	tcase_add_test(tc, test_a_folder_closed_before_the_end_closes_its_walk);
	tcase_add_test(tc, test_copy_gives_the_keys_there_from_first_on);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(listing_index_suite(), CK_FORK);
}
