/* test_emptying.c - fs/emptying.c: when rmdir may remove keys (SPEC 5), without a mount. */
#include <check.h>
#include <string.h>

#include "backend/rv.h"
#include "fs/emptying.h"
#include "fs/listing.h"
#include "run_suite.h"

static size_t folder_len(const char *key, const char *delimiter)
{
	return emptying_folder_len(key, strlen(key), delimiter, delimiter ? strlen(delimiter) : 0);
}

START_TEST(test_a_keys_folder_is_its_prefix_up_to_the_last_delimiter)
{
	ck_assert_uint_eq(folder_len("user:1:name", ":"), 7);
	ck_assert_uint_eq(folder_len("user:", ":"), 5);
	ck_assert_uint_eq(folder_len("plain", ":"), 0);
	ck_assert_uint_eq(folder_len("user:1:name", NULL), 0);
	/* left to right, as namespace folders split keys: a:: then :b */
	ck_assert_uint_eq(folder_len("a:::b", "::"), 3);
}
END_TEST

/* A complete listing of `keys`, read to its end or not. */
static struct listing *listing_of(const char *const *keys, size_t n, bool read)
{
	struct listing *l = listing_new(0);

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(listing_push(l, keys[i], strlen(keys[i])), 0);
	if (read)
		listing_mark_read_to_end(l);
	return l;
}

static void removed(struct emptying *e, const char *key)
{
	emptying_key_removed(e, 0, key, strlen(key));
}

START_TEST(test_a_database_is_done_when_every_listed_key_went)
{
	const char *keys[] = {"a", "b", "keep"};
	struct emptying *e = emptying_new(NULL, 0);
	struct listing *l = listing_of(keys, 3, true);

	ck_assert(!emptying_done(e, 0, NULL, 0)); /* never listed */
	emptying_listed(e, 0, NULL, 0, l, NULL);
	removed(e, "a");
	removed(e, "b");
	removed(e, "new"); /* not listed: counts for nothing */
	removed(e, "a");   /* twice: counted once */
	ck_assert(!emptying_done(e, 0, NULL, 0));
	removed(e, "keep");
	ck_assert(emptying_done(e, 0, NULL, 0));
	ck_assert(!emptying_done(e, 1, NULL, 0)); /* another database */
	emptying_folder_removed(e, 0, NULL, 0);
	ck_assert(!emptying_done(e, 0, NULL, 0)); /* its record went with the rmdir */
	listing_put(l);
	emptying_free(e);
}
END_TEST

START_TEST(test_a_listing_not_read_to_its_end_or_not_the_latest_is_not_done)
{
	const char *keys[] = {"a"};
	struct emptying *e = emptying_new(NULL, 0);
	struct listing *unread = listing_of(keys, 1, false);
	struct listing *read = listing_of(keys, 1, true);

	emptying_listed(e, 0, NULL, 0, unread, NULL);
	removed(e, "a");
	ck_assert(!emptying_done(e, 0, NULL, 0));
	emptying_listed(e, 0, NULL, 0, read, NULL); /* newer: "a" went before it */
	ck_assert(!emptying_done(e, 0, NULL, 0));
	emptying_forget(e, 0, NULL, 0);
	removed(e, "a");
	ck_assert(!emptying_done(e, 0, NULL, 0));
	listing_put(unread);
	listing_put(read);
	emptying_free(e);
}
END_TEST

START_TEST(test_a_namespace_is_done_when_its_files_and_subfolders_went)
{
	const char *files[] = {"user:x"}, *sub_files[] = {"user:1:name"};
	struct rv_array folders = {0};
	struct emptying *e = emptying_new(":", 1);
	struct listing *top = listing_of(files, 1, true), *sub = listing_of(sub_files, 1, true);

	ck_assert_int_eq(rv_array_push(&folders, "1:", 3), 0); /* names carry their NUL */
	emptying_listed(e, 0, "user:", 5, top, &folders);
	emptying_listed(e, 0, "user:1:", 7, sub, NULL);
	removed(e, "user:x");
	ck_assert(!emptying_done(e, 0, "user:", 5)); /* its folder 1: is still there */
	removed(e, "user:1:name");
	ck_assert(emptying_done(e, 0, "user:1:", 7));
	ck_assert(emptying_removed_some(e, 0, "user:1:", 7));
	emptying_folder_removed(e, 0, "user:1:", 7);
	ck_assert(emptying_done(e, 0, "user:", 5));
	rv_array_free(&folders);
	listing_put(top);
	listing_put(sub);
	emptying_free(e);
}
END_TEST

static Suite *emptying_suite(void)
{
	Suite *s = suite_create("emptying");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, test_a_keys_folder_is_its_prefix_up_to_the_last_delimiter);
	tcase_add_test(tc, test_a_database_is_done_when_every_listed_key_went);
	tcase_add_test(tc, test_a_listing_not_read_to_its_end_or_not_the_latest_is_not_done);
	tcase_add_test(tc, test_a_namespace_is_done_when_its_files_and_subfolders_went);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(emptying_suite(), CK_FORK);
}
