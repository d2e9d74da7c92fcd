/* test_render_strings.c - unit tests of fs/render.c: escaping, the buffer, strings, big values. */
#include "render_fixture.h"
#include "run_suite.h"

#define BIG_SET_MEMBERS	    1000000 /* the size the one-second budget is stated for */
#define BIG_SET_MAX_SECONDS 10.0    /* generous for sanitizers; a quadratic pass takes hours */

/* xorshift64: a fixed seed makes every "random" failure reproducible. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Escape (in, n) and compare with the expected text; also checks render_escaped_len. */
static void assert_escapes(const char *in, size_t n, const char *expect, size_t expect_len)
{
	struct render_buf out = {0};

	ck_assert_int_eq(render_escape(&out, in, n), 0);
	ck_assert_uint_eq(out.len, expect_len);
	if (expect_len)
		ck_assert_mem_eq(out.data, expect, expect_len);
	ck_assert_uint_eq(render_escaped_len(in, n), expect_len);
	render_buf_free(&out);
}

/*
 * Undo SPEC 4 escaping, written independently of render.c so that a round trip
 * proves the escaping loses nothing. Returns the decoded length, or -1 on a
 * sequence that render_escape() never produces.
 */
static long unescape(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\\') {
			out[o++] = in[i];
			continue;
		}
		if (++i == n)
			return -1;
		switch (in[i]) {
		case '\\':
			out[o++] = '\\';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 'x': {
			unsigned int c;
			char hex[3] = {0};

			if (n - i < 3)
				return -1;
			memcpy(hex, in + i + 1, 2);
			if (sscanf(hex, "%2X", &c) != 1)
				return -1;
			out[o++] = (char) c;
			i += 2;
			break;
		}
		default:
			return -1;
		}
	}
	return (long) o;
}

/* ---- escaping ---- */

START_TEST(test_backslash_newline_tab_cr_get_short_escapes)
{
	assert_escapes(LIT("\\"), LIT("\\\\"));
	assert_escapes(LIT("\n"), LIT("\\n"));
	assert_escapes(LIT("\t"), LIT("\\t"));
	assert_escapes(LIT("\r"), LIT("\\r"));
	assert_escapes(LIT("a\\b\nc\td\re"), LIT("a\\\\b\\nc\\td\\re"));
}
END_TEST
START_TEST(test_other_control_bytes_and_del_get_upper_case_hex)
{
	assert_escapes(LIT("\x00"), LIT("\\x00"));
	assert_escapes(LIT("\x01"), LIT("\\x01"));
	assert_escapes(LIT("\x1A"), LIT("\\x1A"));
	assert_escapes(LIT("\x1B"), LIT("\\x1B"));
	assert_escapes(LIT("\x1F"), LIT("\\x1F"));
	assert_escapes(LIT("\x7F"), LIT("\\x7F"));
	assert_escapes(LIT("a\0b"), LIT("a\\x00b"));
}
END_TEST
START_TEST(test_every_byte_escapes_as_spec_says)
{
	for (int c = 0; c < 256; c++) {
		char in = (char) c;
		char expect[8];
		size_t n;

		switch (c) {
		case '\\':
			n = (size_t) snprintf(expect, sizeof expect, "\\\\");
			break;
		case '\n':
			n = (size_t) snprintf(expect, sizeof expect, "\\n");
			break;
		case '\t':
			n = (size_t) snprintf(expect, sizeof expect, "\\t");
			break;
		case '\r':
			n = (size_t) snprintf(expect, sizeof expect, "\\r");
			break;
		default:
			if (c < 0x20 || c == 0x7F) {
				n = (size_t) snprintf(expect, sizeof expect, "\\x%02X", c);
			} else {
				expect[0] = in;
				n = 1;
			}
		}
		assert_escapes(&in, 1, expect, n);
	}
}
END_TEST
START_TEST(test_bytes_from_0x80_up_are_kept_unchanged)
{
	char in[128];

	for (int i = 0; i < 128; i++)
		in[i] = (char) (0x80 + i);
	assert_escapes(in, sizeof in, in, sizeof in);
	/* UTF-8 text passes through untouched. */
	assert_escapes(LIT("caf\xC3\xA9 \xE2\x82\xAC"), LIT("caf\xC3\xA9 \xE2\x82\xAC"));
}
END_TEST
START_TEST(test_printable_ascii_is_kept_unchanged)
{
	char in[0x7F - 0x20];

	for (int i = 0; i < (int) sizeof in; i++)
		in[i] = (char) (0x20 + i);
	/* Everything printable except the backslash itself stays. */
	for (size_t i = 0; i < sizeof in; i++) {
		if (in[i] != '\\')
			assert_escapes(&in[i], 1, &in[i], 1);
	}
}
END_TEST
START_TEST(test_empty_field_escapes_to_nothing)
{
	struct render_buf out = {0};

	ck_assert_int_eq(render_escape(&out, NULL, 0), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(render_escaped_len(NULL, 0), 0);
	render_buf_free(&out);
}
END_TEST
START_TEST(test_escaped_len_matches_escape_on_random_binary)
{
	enum { ROUNDS = 2000, MAX_LEN = 3000 };
	char *in = malloc(MAX_LEN);
	char *back = malloc(MAX_LEN);

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(back);
	for (int r = 0; r < ROUNDS; r++) {
		struct render_buf out = {0};
		size_t n = (size_t) (rng_next() % MAX_LEN);
		size_t raw_controls = 0;

		for (size_t i = 0; i < n; i++)
			in[i] = (char) (rng_next() & 0xFF);
		ck_assert_int_eq(render_escape(&out, in, n), 0);
		ck_assert_uint_eq(render_escaped_len(in, n), out.len);
		/* No raw control byte survives, so a field never breaks a line or a column. */
		for (size_t i = 0; i < out.len; i++) {
			unsigned char c = (unsigned char) out.data[i];

			raw_controls += c < 0x20 || c == 0x7F;
		}
		ck_assert_uint_eq(raw_controls, 0);
		ck_assert_int_eq(unescape(out.data, out.len, back), (long) n);
		if (n)
			ck_assert_mem_eq(back, in, n);
		render_buf_free(&out);
	}
	free(in);
	free(back);
}
END_TEST
START_TEST(test_escape_appends_after_existing_content)
{
	struct render_buf out = {0};

	ck_assert_int_eq(render_buf_append(&out, LIT("pre:")), 0);
	ck_assert_int_eq(render_escape(&out, LIT("a\tb")), 0);
	ck_assert_uint_eq(out.len, 8);
	ck_assert_mem_eq(out.data, "pre:a\\tb", 8);
	render_buf_free(&out);
}
END_TEST

/* ---- the growable buffer ---- */

START_TEST(test_buf_grows_by_doubling_over_many_small_appends)
{
	enum { BYTES = 1 << 20 };
	struct render_buf out = {0};
	size_t failed = 0, wrong = 0;

	/* One assertion per loop, not per byte: each check assertion costs a syscall. */
	for (size_t i = 0; i < BYTES; i++) {
		char c = (char) ('a' + i % 26);

		failed += render_buf_append(&out, &c, 1) != 0;
	}
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_eq(out.len, BYTES);
	ck_assert_uint_ge(out.cap, out.len);
	/* Doubling never holds more than twice what is in use. */
	ck_assert_uint_le(out.cap, 2 * (size_t) BYTES);
	for (size_t i = 0; i < BYTES; i++)
		wrong += out.data[i] != 'a' + (int) (i % 26);
	ck_assert_uint_eq(wrong, 0);
	render_buf_free(&out);
	ck_assert_ptr_null(out.data);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(out.cap, 0);
}
END_TEST
START_TEST(test_buf_free_on_zeroed_buf_is_harmless)
{
	struct render_buf out = {0};

	render_buf_free(&out);
	render_buf_free(&out);
	ck_assert_ptr_null(out.data);
}
END_TEST

/* ---- strings ---- */

START_TEST(test_string_renders_raw_bytes_including_nul)
{
	struct rv_value v = {.type = RV_STRING};
	static const char raw[] = "\0a\0b\nc\\d\te\r\x7F\x80\xFF\0"; /* ends in a NUL byte */

	push(&v, LIT(raw));
	assert_renders(&v, LIT(raw));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_string_gets_no_trailing_newline)
{
	struct rv_value v = {.type = RV_STRING};

	push(&v, LIT("hello"));
	assert_renders(&v, LIT("hello"));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_empty_string_renders_as_nothing)
{
	struct rv_value v = {.type = RV_STRING};

	push(&v, LIT(""));
	assert_renders(&v, LIT(""));
	rv_value_free(&v);
}
END_TEST
START_TEST(test_million_member_set_renders_sorted_quickly)
{
	struct rv_value v = {.type = RV_SET};
	struct render_buf out = {0};
	struct timespec t0, t1;
	char member[16];
	size_t pos = 0, failed = 0, misplaced = 0;
	double secs;

	/*
	 * 999983 is prime, so i * 999983 mod N visits every number once, out of order.
	 * One assertion per loop, not per member: each check assertion costs a syscall.
	 */
	for (size_t i = 0; i < BIG_SET_MEMBERS; i++) {
		int n = snprintf(member, sizeof member, "m%07zu",
				 (size_t) ((uint64_t) i * 999983u % BIG_SET_MEMBERS));

		failed += rv_array_push(&v.items, member, (size_t) n) != 0;
	}
	ck_assert_uint_eq(failed, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(render_value(&v, &out), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_double_lt(secs, BIG_SET_MAX_SECONDS);
	ck_assert_uint_eq(out.len, (size_t) BIG_SET_MEMBERS * 9);
	for (size_t i = 0; i < BIG_SET_MEMBERS; i++, pos += 9) {
		snprintf(member, sizeof member, "m%07zu\n", i);
		misplaced += memcmp(out.data + pos, member, 9) != 0;
	}
	ck_assert_uint_eq(misplaced, 0);
	render_buf_free(&out);
	rv_value_free(&v);
}
END_TEST

/* ---- sorting against a plain reference ---- */

/* A line for the reference sort: its sort key and where it was fetched. */
struct ref_line {
	const char *ptr;
	size_t len;
	size_t index;
};

/* The contract in its simplest form: unsigned bytes, shorter first, then fetch order. */
static int ref_line_cmp(const void *x, const void *y)
{
	const struct ref_line *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;

	for (size_t i = 0; i < n; i++) {
		unsigned char p = (unsigned char) a->ptr[i], q = (unsigned char) b->ptr[i];

		if (p != q)
			return p < q ? -1 : 1;
	}
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/*
 * Random names made to be hard: a tiny alphabet with NUL, escapes and high
 * bytes, long shared prefixes, lengths either side of every 8-byte boundary,
 * and duplicates.
 */
static size_t random_name(char *out)
{
	static const char alphabet[] = {'\0', 'a', 'b', '\n', '\\', (char) 0x80, (char) 0xFF};
	static const char prefix[] = "user:session:0123456789abcdef:";
	size_t len = 0, n;

	if (rng_next() % 2) {
		len = (size_t) (rng_next() % sizeof prefix);
		memcpy(out, prefix, len);
	}
	n = (size_t) (rng_next() % 20);
	for (size_t i = 0; i < n; i++)
		out[len++] = alphabet[rng_next() % sizeof alphabet];
	return len;
}

/* Render `lines` random names as a set or a hash, and compare with the reference order. */
static void assert_sorted_like_reference(enum rv_type type, size_t lines)
{
	struct rv_value v = {.type = type};
	struct render_buf got = {0}, want = {0};
	struct ref_line *ref = malloc((lines ? lines : 1) * sizeof *ref);
	size_t per_line = type == RV_HASH ? 2 : 1;
	size_t failed = 0;
	char name[64];

	ck_assert_ptr_nonnull(ref);
	for (size_t l = 0; l < lines; l++) {
		size_t n = random_name(name);

		failed += rv_array_push(&v.items, name, n) != 0;
		if (type == RV_HASH) {
			/* The value names its line, so a value left behind shows. */
			n = (size_t) snprintf(name, sizeof name, "%zu", l);
			failed += rv_array_push(&v.items, name, n) != 0;
		}
	}
	ck_assert_uint_eq(failed, 0);
	for (size_t l = 0; l < lines; l++) {
		ref[l].index = l * per_line;
		ref[l].ptr = rv_array_get(&v.items, ref[l].index, &ref[l].len);
	}
	qsort(ref, lines, sizeof *ref, ref_line_cmp);
	for (size_t l = 0; l < lines; l++) {
		failed += render_escape(&want, ref[l].ptr, ref[l].len) != 0;
		if (type == RV_HASH) {
			size_t vlen;
			const char *val = rv_array_get(&v.items, ref[l].index + 1, &vlen);

			failed += render_buf_append(&want, "\t", 1) != 0;
			failed += render_escape(&want, val, vlen) != 0;
		}
		failed += render_buf_append(&want, "\n", 1) != 0;
	}
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_eq(render_value(&v, &got), 0);
	ck_assert_uint_eq(got.len, want.len);
	if (want.len)
		ck_assert_mem_eq(got.data, want.data, want.len);
	render_buf_free(&got);
	render_buf_free(&want);
	free(ref);
	rv_value_free(&v);
}

START_TEST(test_set_order_matches_reference_sort_on_random_members)
{
	static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 100, 1000, 5000, 100000};

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_sorted_like_reference(RV_SET, sizes[i]);
}
END_TEST
START_TEST(test_hash_order_matches_reference_sort_with_values_in_tow)
{
	static const size_t sizes[] = {0, 1, 2, 17, 100, 1000, 5000, 100000};

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_sorted_like_reference(RV_HASH, sizes[i]);
}
END_TEST
START_TEST(test_set_of_members_sharing_a_long_prefix_is_sorted)
{
	enum { MEMBERS = 200, PREFIX = 100000 };
	struct rv_value v = {.type = RV_SET};
	struct render_buf out = {0};
	char *member = malloc(PREFIX + 8);
	size_t failed = 0, misplaced = 0;

	/* Every member is the same 100 kB and then its number, pushed in reverse. */
	ck_assert_ptr_nonnull(member);
	memset(member, 'p', PREFIX);
	for (size_t i = MEMBERS; i-- > 0;) {
		int n = snprintf(member + PREFIX, 8, "%03zu", i);

		failed += rv_array_push(&v.items, member, PREFIX + (size_t) n) != 0;
	}
	ck_assert_uint_eq(failed, 0);
	ck_assert_int_eq(render_value(&v, &out), 0);
	ck_assert_uint_eq(out.len, (size_t) MEMBERS * (PREFIX + 4));
	for (size_t i = 0; i < MEMBERS; i++) {
		const char *line = out.data + i * (PREFIX + 4);
		char tail[8];

		snprintf(tail, sizeof tail, "%03zu\n", i);
		misplaced +=
			memcmp(line, member, PREFIX) != 0 || memcmp(line + PREFIX, tail, 4) != 0;
	}
	ck_assert_uint_eq(misplaced, 0);
	free(member);
	render_buf_free(&out);
	rv_value_free(&v);
}
END_TEST

static Suite *render_strings_suite(void)
{
	Suite *s = suite_create("render_strings");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_add_test(tc, test_backslash_newline_tab_cr_get_short_escapes);
	tcase_add_test(tc, test_other_control_bytes_and_del_get_upper_case_hex);
	tcase_add_test(tc, test_every_byte_escapes_as_spec_says);
	tcase_add_test(tc, test_bytes_from_0x80_up_are_kept_unchanged);
	tcase_add_test(tc, test_printable_ascii_is_kept_unchanged);
	tcase_add_test(tc, test_empty_field_escapes_to_nothing);
	tcase_add_test(tc, test_escaped_len_matches_escape_on_random_binary);
	tcase_add_test(tc, test_escape_appends_after_existing_content);
	suite_add_tcase(s, tc);

	tc = tcase_create("buffer");
	tcase_add_test(tc, test_buf_grows_by_doubling_over_many_small_appends);
	tcase_add_test(tc, test_buf_free_on_zeroed_buf_is_harmless);
	suite_add_tcase(s, tc);

	tc = tcase_create("string");
	tcase_add_test(tc, test_string_renders_raw_bytes_including_nul);
	tcase_add_test(tc, test_string_gets_no_trailing_newline);
	tcase_add_test(tc, test_empty_string_renders_as_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("big");
	/* Slow under valgrind and sanitizers; a quadratic sort would still miss this. */
	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, test_million_member_set_renders_sorted_quickly);
	tcase_add_test(tc, test_set_order_matches_reference_sort_on_random_members);
	tcase_add_test(tc, test_hash_order_matches_reference_sort_with_values_in_tow);
	tcase_add_test(tc, test_set_of_members_sharing_a_long_prefix_is_sorted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(render_strings_suite(), CK_FORK);
}
