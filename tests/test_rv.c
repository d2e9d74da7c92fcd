/* test_rv.c - unit tests for backend/rv.c: binary-safe arrays, sorting and type names. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/rv.h"
#include "run_suite.h"

/* A string literal as (pointer, length), its NUL bytes included. */
#define LIT(s) (s), (sizeof(s) - 1)

#define MANY_ITEMS 100000

static void push(struct rv_array *a, const char *p, size_t n)
{
	ck_assert_int_eq(rv_array_push(a, p, n), 0);
}

static void assert_item(const struct rv_array *a, size_t i, const char *expect, size_t n)
{
	size_t len;
	const char *p = rv_array_get(a, i, &len);

	ck_assert_uint_eq(len, n);
	if (n)
		ck_assert_mem_eq(p, expect, n);
}

/* Bytewise comparison as the contract states it, written apart from rv.c's own. */
static int raw_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char) a[i], y = (unsigned char) b[i];

		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

/* ---- push and get ---- */

START_TEST(test_push_then_get_returns_binary_bytes_exactly)
{
	struct rv_array a = {0};
	char all[256];

	for (int i = 0; i < 256; i++)
		all[i] = (char) i;
	push(&a, LIT("a\0b"));
	push(&a, all, sizeof all);
	push(&a, LIT("\xFF\x00\n"));
	ck_assert_uint_eq(a.count, 3);
	assert_item(&a, 0, LIT("a\0b"));
	assert_item(&a, 1, all, sizeof all);
	assert_item(&a, 2, LIT("\xFF\x00\n"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_empty_items_are_kept_as_items_of_length_zero)
{
	struct rv_array a = {0};

	push(&a, NULL, 0);
	push(&a, LIT("x"));
	push(&a, LIT(""));
	push(&a, LIT(""));
	ck_assert_uint_eq(a.count, 4);
	assert_item(&a, 0, "", 0);
	assert_item(&a, 1, LIT("x"));
	assert_item(&a, 2, "", 0);
	assert_item(&a, 3, "", 0);
	rv_array_free(&a);
}
END_TEST

START_TEST(test_many_pushes_keep_every_item)
{
	struct rv_array a = {0};
	char item[32];

	size_t failed = 0, wrong = 0;

	/* One assertion per loop, not per item: each check assertion costs a syscall. */
	for (size_t i = 0; i < MANY_ITEMS; i++) {
		int n = snprintf(item, sizeof item, "item-%zu", i);

		failed += rv_array_push(&a, item, (size_t) n) != 0;
	}
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(a.count, MANY_ITEMS);
	for (size_t i = 0; i < MANY_ITEMS; i++) {
		size_t len;
		const char *p = rv_array_get(&a, i, &len);
		int n = snprintf(item, sizeof item, "item-%zu", i);

		wrong += len != (size_t) n || memcmp(p, item, len) != 0;
	}
	ck_assert_uint_eq(wrong, 0);
	rv_array_free(&a);
}
END_TEST

START_TEST(test_free_leaves_an_empty_array_that_can_be_reused)
{
	struct rv_array a = {0};

	rv_array_free(&a); /* freeing a zeroed array is harmless */
	push(&a, LIT("one"));
	rv_array_free(&a);
	ck_assert_ptr_null(a.buf);
	ck_assert_ptr_null(a.start);
	ck_assert_uint_eq(a.count, 0);
	push(&a, LIT("two"));
	ck_assert_uint_eq(a.count, 1);
	assert_item(&a, 0, LIT("two"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_truncate_keeps_the_first_items_and_the_memory)
{
	struct rv_array a = {0};
	char *buf;

	push(&a, LIT("one"));
	push(&a, LIT("two"));
	push(&a, LIT("three"));
	buf = a.buf;
	rv_array_truncate(&a, 5); /* more than it has: nothing changes */
	ck_assert_uint_eq(a.count, 3);
	rv_array_truncate(&a, 1);
	ck_assert_uint_eq(a.count, 1);
	assert_item(&a, 0, LIT("one"));
	push(&a, LIT("four"));
	assert_item(&a, 1, LIT("four"));
	rv_array_clear(&a);
	ck_assert_uint_eq(a.count, 0);
	ck_assert_uint_eq(a.used, 0);
	push(&a, LIT("five"));
	assert_item(&a, 0, LIT("five"));
	ck_assert_ptr_eq(a.buf, buf); /* reused, not allocated again */
	rv_array_free(&a);
	rv_array_clear(&a); /* a zeroed array too */
	ck_assert_uint_eq(a.count, 0);
}
END_TEST

/* ---- sort_unique ---- */

START_TEST(test_sort_unique_removes_duplicates)
{
	struct rv_array a = {0};

	push(&a, LIT("b"));
	push(&a, LIT("a"));
	push(&a, LIT("b"));
	push(&a, LIT(""));
	push(&a, LIT("a"));
	push(&a, LIT(""));
	push(&a, LIT("b"));
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, 3);
	assert_item(&a, 0, "", 0);
	assert_item(&a, 1, LIT("a"));
	assert_item(&a, 2, LIT("b"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_sort_unique_puts_shorter_first_on_common_prefix)
{
	struct rv_array a = {0};

	push(&a, LIT("abc"));
	push(&a, LIT("ab"));
	push(&a, LIT("abcd"));
	push(&a, LIT("a"));
	push(&a, LIT(""));
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, 5);
	assert_item(&a, 0, "", 0);
	assert_item(&a, 1, LIT("a"));
	assert_item(&a, 2, LIT("ab"));
	assert_item(&a, 3, LIT("abc"));
	assert_item(&a, 4, LIT("abcd"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_sort_unique_orders_high_bytes_as_unsigned)
{
	struct rv_array a = {0};

	push(&a, LIT("\xFF"));
	push(&a, LIT("z"));
	push(&a, LIT("\x80"));
	push(&a, LIT("\x7F"));
	push(&a, LIT("A"));
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, 5);
	assert_item(&a, 0, LIT("A"));
	assert_item(&a, 1, LIT("z"));
	assert_item(&a, 2, LIT("\x7F"));
	assert_item(&a, 3, LIT("\x80"));
	assert_item(&a, 4, LIT("\xFF"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_sort_unique_compares_past_nul_bytes)
{
	struct rv_array a = {0};

	push(&a, LIT("a\x01"));
	push(&a, LIT("a\0b"));
	push(&a, LIT("a\0a"));
	push(&a, LIT("a\0"));
	push(&a, LIT("a"));
	push(&a, LIT("a\0a"));
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, 5);
	assert_item(&a, 0, LIT("a"));
	assert_item(&a, 1, LIT("a\0"));
	assert_item(&a, 2, LIT("a\0a"));
	assert_item(&a, 3, LIT("a\0b"));
	assert_item(&a, 4, LIT("a\x01"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_sort_unique_on_zero_or_one_item_changes_nothing)
{
	struct rv_array a = {0};

	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, 0);
	push(&a, LIT("only"));
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, 1);
	assert_item(&a, 0, LIT("only"));
	rv_array_free(&a);
}
END_TEST

START_TEST(test_sort_unique_of_many_random_items_is_strictly_increasing)
{
	/* Every item of 0..2 bytes has its own slot: empty, 256 one-byte, 65536 two-byte. */
	enum { SLOTS = 1 + 256 + 65536 };
	struct rv_array a = {0};
	uint64_t x = 0x2545F4914F6CDD1Dull; /* fixed seed: failures reproduce */
	unsigned char *seen = calloc(SLOTS, 1);
	size_t distinct = 0, failed = 0, out_of_order = 0;

	ck_assert_ptr_nonnull(seen);
	/*
	 * Short random items, so there are many duplicates, prefixes and high bytes.
	 * One assertion per loop, not per item: each check assertion costs a syscall.
	 */
	for (size_t i = 0; i < MANY_ITEMS; i++) {
		unsigned char item[2];
		size_t len, slot;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		item[0] = (unsigned char) (x & 0xFF);
		item[1] = (unsigned char) ((x >> 8) & 0xFF);
		len = (size_t) ((x >> 16) % 3);
		slot = len == 0 ? 0 : len == 1 ? 1 + item[0] : 257 + (item[0] << 8 | item[1]);
		if (!seen[slot]) {
			seen[slot] = 1;
			distinct++;
		}
		failed += rv_array_push(&a, (const char *) item, len) != 0;
	}
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_eq(rv_array_sort_unique(&a), 0);
	ck_assert_uint_eq(a.count, distinct);
	for (size_t i = 1; i < a.count; i++) {
		size_t plen, qlen;
		const char *p = rv_array_get(&a, i - 1, &plen);
		const char *q = rv_array_get(&a, i, &qlen);

		out_of_order += raw_cmp(p, plen, q, qlen) >= 0;
	}
	ck_assert_uint_eq(out_of_order, 0);
	free(seen);
	rv_array_free(&a);
}
END_TEST

/* ---- type names ---- */

START_TEST(test_type_name_and_parse_round_trip)
{
	for (int t = RV_NONE; t <= RV_OTHER; t++) {
		const char *name = rv_type_name((enum rv_type) t);

		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(rv_type_parse(name, strlen(name)), t);
	}
}
END_TEST

START_TEST(test_type_names_are_the_words_of_redis_type_command)
{
	ck_assert_str_eq(rv_type_name(RV_NONE), "none");
	ck_assert_str_eq(rv_type_name(RV_STRING), "string");
	ck_assert_str_eq(rv_type_name(RV_LIST), "list");
	ck_assert_str_eq(rv_type_name(RV_SET), "set");
	ck_assert_str_eq(rv_type_name(RV_ZSET), "zset");
	ck_assert_str_eq(rv_type_name(RV_HASH), "hash");
	ck_assert_str_eq(rv_type_name(RV_STREAM), "stream");
}
END_TEST

START_TEST(test_unknown_type_word_parses_as_other)
{
	ck_assert_int_eq(rv_type_parse(LIT("ReJSON-RL")), RV_OTHER);
	ck_assert_int_eq(rv_type_parse(LIT("STRING")), RV_OTHER);
	ck_assert_int_eq(rv_type_parse(LIT("strings")), RV_OTHER);
	ck_assert_int_eq(rv_type_parse(LIT("")), RV_OTHER);
	/* Only `len` bytes count: a prefix of a known word is not that word. */
	ck_assert_int_eq(rv_type_parse("string", 3), RV_OTHER);
	ck_assert_int_eq(rv_type_parse("settle", 3), RV_SET);
	ck_assert_int_eq(rv_type_parse(LIT("none")), RV_NONE);
}
END_TEST

START_TEST(test_out_of_range_type_is_named_other)
{
	ck_assert_str_eq(rv_type_name((enum rv_type) 99), "other");
}
END_TEST

/* ---- values ---- */

START_TEST(test_end_entry_records_each_entry_item_count)
{
	struct rv_value v = {.type = RV_STREAM};

	for (size_t e = 0; e < 1000; e++) {
		push(&v.items, LIT("1-0"));
		push(&v.items, LIT("f"));
		push(&v.items, LIT("v"));
		ck_assert_int_eq(rv_value_end_entry(&v, 3), 0);
	}
	ck_assert_uint_eq(v.entries, 1000);
	for (size_t e = 0; e < v.entries; e++)
		ck_assert_uint_eq(v.entry_items[e], 3);
	ck_assert_uint_eq(v.items.count, 3000);
	rv_value_free(&v);
	ck_assert_int_eq(v.type, RV_NONE);
	ck_assert_uint_eq(v.entries, 0);
	ck_assert_ptr_null(v.entry_items);
	ck_assert_uint_eq(v.items.count, 0);
}
END_TEST

static Suite *rv_suite(void)
{
	Suite *s = suite_create("rv");
	TCase *tc;

	tc = tcase_create("array");
	tcase_add_test(tc, test_push_then_get_returns_binary_bytes_exactly);
	tcase_add_test(tc, test_empty_items_are_kept_as_items_of_length_zero);
	tcase_add_test(tc, test_many_pushes_keep_every_item);
	tcase_add_test(tc, test_free_leaves_an_empty_array_that_can_be_reused);
	tcase_add_test(tc, test_truncate_keeps_the_first_items_and_the_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("sort_unique");
	tcase_add_test(tc, test_sort_unique_removes_duplicates);
	tcase_add_test(tc, test_sort_unique_puts_shorter_first_on_common_prefix);
	tcase_add_test(tc, test_sort_unique_orders_high_bytes_as_unsigned);
	tcase_add_test(tc, test_sort_unique_compares_past_nul_bytes);
	tcase_add_test(tc, test_sort_unique_on_zero_or_one_item_changes_nothing);
	tcase_add_test(tc, test_sort_unique_of_many_random_items_is_strictly_increasing);
	suite_add_tcase(s, tc);

	tc = tcase_create("type");
	tcase_add_test(tc, test_type_name_and_parse_round_trip);
	tcase_add_test(tc, test_type_names_are_the_words_of_redis_type_command);
	tcase_add_test(tc, test_unknown_type_word_parses_as_other);
	tcase_add_test(tc, test_out_of_range_type_is_named_other);
	suite_add_tcase(s, tc);

	tc = tcase_create("value");
	tcase_add_test(tc, test_end_entry_records_each_entry_item_count);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(rv_suite(), CK_FORK);
}
