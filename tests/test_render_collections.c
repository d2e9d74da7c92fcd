/* test_render_collections.c - unit tests of fs/render.c: lists, sets, zsets, hashes, streams. */
#include "render_fixture.h"
#include "run_suite.h"

/* ---- lists ---- */

START_TEST(test_list_is_one_escaped_element_per_line_head_first)
{
	struct rv_value v = {.type = RV_LIST};

	push(&v, LIT("zebra"));
	push(&v, LIT(""));
	push(&v, LIT("line\nbreak"));
	push(&v, LIT("zebra"));
	push(&v, LIT("\x7F\x80"));
	push(&v, LIT("a"));
	assert_renders(&v, LIT("zebra\n\nline\\nbreak\nzebra\n\\x7F\x80\na\n"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_list_of_one_empty_element_is_one_empty_line)
{
	struct rv_value v = {.type = RV_LIST};

	push(&v, LIT(""));
	assert_renders(&v, LIT("\n"));
	rv_value_free(&v);
}
END_TEST

/* ---- sets ---- */

START_TEST(test_set_is_sorted_bytewise_before_escaping)
{
	struct rv_value v = {.type = RV_SET};

	/*
	 * Raw order: "a" < "a\n" (0x0A) < "a\\" (0x5C) < "\x80". Escaped, "a\\n"
	 * would sort after "a\\\\", so this order proves sorting comes first.
	 */
	push(&v, LIT("\x80"));
	push(&v, LIT("a\\"));
	push(&v, LIT("a"));
	push(&v, LIT("a\n"));
	assert_renders(&v, LIT("a\n"
			       "a\\n\n"
			       "a\\\\\n"
			       "\x80\n"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_set_sorts_high_bytes_after_ascii_and_shorter_first)
{
	struct rv_value v = {.type = RV_SET};

	push(&v, LIT("\xFF"));
	push(&v, LIT("abc"));
	push(&v, LIT("\x80"));
	push(&v, LIT("ab"));
	push(&v, LIT("b"));
	push(&v, LIT("a\x00"));
	push(&v, LIT("a"));
	push(&v, LIT("Z"));
	assert_renders(&v, LIT("Z\n"
			       "a\n"
			       "a\\x00\n"
			       "ab\n"
			       "abc\n"
			       "b\n"
			       "\x80\n"
			       "\xFF\n"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_set_empty_member_is_first_line)
{
	struct rv_value v = {.type = RV_SET};

	push(&v, LIT("b"));
	push(&v, LIT(""));
	push(&v, LIT("a"));
	assert_renders(&v, LIT("\na\nb\n"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_set_rendering_leaves_the_value_in_fetched_order)
{
	struct rv_value v = {.type = RV_SET};
	size_t len;
	const char *p;

	push(&v, LIT("c"));
	push(&v, LIT("a"));
	push(&v, LIT("b"));
	assert_renders(&v, LIT("a\nb\nc\n"));
	p = rv_array_get(&v.items, 0, &len);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(p[0], 'c');
	p = rv_array_get(&v.items, 1, &len);
	ck_assert_int_eq(p[0], 'a');
	p = rv_array_get(&v.items, 2, &len);
	ck_assert_int_eq(p[0], 'b');
	rv_value_free(&v);
}
END_TEST

/* ---- sorted sets ---- */

START_TEST(test_zset_is_member_tab_score_by_rank_as_fetched)
{
	struct rv_value v = {.type = RV_ZSET};

	/* By rank, not by member: "z" ranks first on its score. */
	push(&v, LIT("z"));
	push(&v, LIT("-inf"));
	push(&v, LIT("a\tb"));
	push(&v, LIT("1.5"));
	push(&v, LIT(""));
	push(&v, LIT("2"));
	push(&v, LIT("m\n"));
	push(&v, LIT("inf"));
	assert_renders(&v, LIT("z\t-inf\n"
			       "a\\tb\t1.5\n"
			       "\t2\n"
			       "m\\n\tinf\n"));
	rv_value_free(&v);
}
END_TEST

/* ---- hashes ---- */

START_TEST(test_hash_is_sorted_by_field_with_each_value_kept_beside_it)
{
	struct rv_value v = {.type = RV_HASH};

	push(&v, LIT("b"));
	push(&v, LIT("2"));
	push(&v, LIT("\x80"));
	push(&v, LIT("high"));
	push(&v, LIT("ab"));
	push(&v, LIT("x\ty"));
	push(&v, LIT("a"));
	push(&v, LIT("1"));
	push(&v, LIT(""));
	push(&v, LIT("empty field"));
	push(&v, LIT("c"));
	push(&v, LIT(""));
	assert_renders(&v, LIT("\tempty field\n"
			       "a\t1\n"
			       "ab\tx\\ty\n"
			       "b\t2\n"
			       "c\t\n"
			       "\x80\thigh\n"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_hash_is_sorted_by_raw_field_before_escaping)
{
	struct rv_value v = {.type = RV_HASH};

	push(&v, LIT("a\\"));
	push(&v, LIT("backslash"));
	push(&v, LIT("a\n"));
	push(&v, LIT("newline"));
	push(&v, LIT("a"));
	push(&v, LIT("plain"));
	assert_renders(&v, LIT("a\tplain\n"
			       "a\\n\tnewline\n"
			       "a\\\\\tbackslash\n"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_hash_sorts_by_field_not_by_value)
{
	struct rv_value v = {.type = RV_HASH};

	push(&v, LIT("b"));
	push(&v, LIT("a"));
	push(&v, LIT("a"));
	push(&v, LIT("b"));
	assert_renders(&v, LIT("a\tb\nb\ta\n"));
	rv_value_free(&v);
}
END_TEST

/* ---- streams ---- */

START_TEST(test_stream_is_one_line_per_entry_with_all_fields)
{
	struct rv_value v = {.type = RV_STREAM};

	push(&v, LIT("1700000000000-0"));
	push(&v, LIT("temp"));
	push(&v, LIT("21.5"));
	push(&v, LIT("unit"));
	push(&v, LIT("C"));
	ck_assert_int_eq(rv_value_end_entry(&v, 5), 0);
	push(&v, LIT("1700000000000-1"));
	push(&v, LIT("msg"));
	push(&v, LIT("two\nlines"));
	ck_assert_int_eq(rv_value_end_entry(&v, 3), 0);
	push(&v, LIT("1700000000001-0"));
	push(&v, LIT("a"));
	push(&v, LIT(""));
	push(&v, LIT(""));
	push(&v, LIT("b"));
	push(&v, LIT("z"));
	push(&v, LIT("a"));
	ck_assert_int_eq(rv_value_end_entry(&v, 7), 0);
	assert_renders(&v, LIT("1700000000000-0\ttemp\t21.5\tunit\tC\n"
			       "1700000000000-1\tmsg\ttwo\\nlines\n"
			       "1700000000001-0\ta\t\t\tb\tz\ta\n"));
	rv_value_free(&v);
}
END_TEST

/* ---- empty values and appending ---- */

START_TEST(test_empty_value_renders_as_nothing)
{
	static const enum rv_type types[] = {RV_NONE, RV_STRING, RV_LIST,   RV_SET,
					     RV_ZSET, RV_HASH,	 RV_STREAM, RV_OTHER};

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct rv_value v = {.type = types[i]};

		assert_renders(&v, "", 0);
	}
}
END_TEST
START_TEST(test_none_and_other_render_as_nothing_even_with_items)
{
	struct rv_value v = {.type = RV_OTHER};

	push(&v, LIT("module data"));
	assert_renders(&v, "", 0);
	v.type = RV_NONE;
	assert_renders(&v, "", 0);
	rv_value_free(&v);
}
END_TEST
START_TEST(test_render_appends_to_what_out_holds)
{
	struct rv_value v = {.type = RV_LIST};
	struct render_buf out = {0};

	push(&v, LIT("x"));
	ck_assert_int_eq(render_buf_append(&out, LIT("pre")), 0);
	ck_assert_int_eq(render_value(&v, &out), 0);
	ck_assert_uint_eq(out.len, 5);
	ck_assert_mem_eq(out.data, "prex\n", 5);
	render_buf_free(&out);
	rv_value_free(&v);
}
END_TEST

static Suite *render_collections_suite(void)
{
	Suite *s = suite_create("render_collections");
	TCase *tc;

	tc = tcase_create("list");
	tcase_add_test(tc, test_list_is_one_escaped_element_per_line_head_first);
	tcase_add_test(tc, test_list_of_one_empty_element_is_one_empty_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_test(tc, test_set_is_sorted_bytewise_before_escaping);
	tcase_add_test(tc, test_set_sorts_high_bytes_after_ascii_and_shorter_first);
	tcase_add_test(tc, test_set_empty_member_is_first_line);
	tcase_add_test(tc, test_set_rendering_leaves_the_value_in_fetched_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("zset");
	tcase_add_test(tc, test_zset_is_member_tab_score_by_rank_as_fetched);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_test(tc, test_hash_is_sorted_by_field_with_each_value_kept_beside_it);
	tcase_add_test(tc, test_hash_is_sorted_by_raw_field_before_escaping);
	tcase_add_test(tc, test_hash_sorts_by_field_not_by_value);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_test(tc, test_stream_is_one_line_per_entry_with_all_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("empty");
	tcase_add_test(tc, test_empty_value_renders_as_nothing);
	tcase_add_test(tc, test_none_and_other_render_as_nothing_even_with_items);
	tcase_add_test(tc, test_render_appends_to_what_out_holds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(render_collections_suite(), CK_FORK);
}
