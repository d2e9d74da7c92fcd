/* test_names.c - unit tests for the key <-> file name encoding (fs/names.c). */
#include "fs/names.h"
#include "run_suite.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANDOM_KEYS	  5000 /* enough to hit every cut position near NAMES_HASHED_KEEP */
#define RANDOM_KEY_MAX	  2000
#define RANDOM_SEED	  0x5eed0fa11ULL
#define SHORTENED_LEN_MAX (NAMES_HASHED_KEEP + 1 + NAMES_HASH_DIGITS)

/* splitmix64: a fixed, seeded sequence, so that a failure reproduces. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '/' || c == '%';
}

/* Encode into a heap buffer of exactly NAMES_MAX + 1 bytes so ASan sees overruns. */
static size_t encode_checked(const char *key, size_t len, char **name)
{
	char *out = malloc(NAMES_MAX + 1);

	ck_assert_ptr_nonnull(out);
	size_t n = names_encode(key, len, out);

	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, NAMES_MAX);
	ck_assert_uint_eq(strlen(out), n);
	*name = out;
	return n;
}

/* Decode into a heap buffer of exactly strlen(name) bytes, the contract's size. */
static ssize_t decode_checked(const char *name, char **key)
{
	size_t n = strlen(name);
	char *out = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(out);
	ssize_t r = names_decode(name, out);

	*key = out;
	return r;
}

static void assert_round_trip(const char *key, size_t len)
{
	char *name, *back;
	size_t n = encode_checked(key, len, &name);

	ck_assert_uint_eq(n, names_encoded_len(key, len));
	ssize_t r = decode_checked(name, &back);

	ck_assert_int_eq(r, (ssize_t) len);
	ck_assert(len == 0 || memcmp(back, key, len) == 0);
	free(back);
	free(name);
}

static void assert_rejected(const char *name)
{
	char *key;

	ck_assert_msg(decode_checked(name, &key) == -EINVAL, "accepted \"%s\"", name);
	free(key);
}

static void assert_encodes_to(const char *key, size_t len, const char *expect)
{
	char name[NAMES_MAX + 1];

	ck_assert_uint_eq(names_encode(key, len, name), strlen(expect));
	ck_assert_str_eq(name, expect);
}

/* Check a shortened name against its key: shape, prefix and hash. */
static void assert_shortened(const char *key, size_t len, const char *name)
{
	size_t n = strlen(name);
	size_t plen = n - 1 - NAMES_HASH_DIGITS;

	ck_assert_uint_gt(names_encoded_len(key, len), NAMES_MAX);
	ck_assert_uint_le(n, SHORTENED_LEN_MAX);
	ck_assert_uint_ge(plen, NAMES_HASHED_KEEP - 2);
	ck_assert_int_eq(name[plen], '~');
	for (size_t i = plen + 1; i < n; i++)
		ck_assert(strchr("0123456789abcdef", name[i]) != NULL);

	char *prefix = malloc(NAMES_HASHED_KEEP);
	size_t prefix_len = 0;
	uint64_t hash = 0;

	ck_assert_ptr_nonnull(prefix);
	ck_assert(names_parse_hashed(name, prefix, &prefix_len, &hash));
	ck_assert_uint_le(prefix_len, len);
	ck_assert(memcmp(prefix, key, prefix_len) == 0);
	ck_assert_uint_eq(hash, names_hash(key, len));
	/* The prefix is cut where it is: the next key byte would have crossed the limit. */
	ck_assert_uint_lt(prefix_len, len);
	ck_assert_uint_gt(plen + (needs_escape((unsigned char) key[prefix_len]) ? 3 : 1),
			  NAMES_HASHED_KEEP);
	free(prefix);
}

/* ---- escaping ---- */

START_TEST(test_slash_is_escaped)
{
	assert_encodes_to("a/b", 3, "a%2Fb");
	assert_encodes_to("/", 1, "%2F");
}
END_TEST

START_TEST(test_percent_is_escaped)
{
	assert_encodes_to("%", 1, "%25");
	assert_encodes_to("100%", 4, "100%25");
}
END_TEST

START_TEST(test_nul_and_controls_are_escaped_upper_case)
{
	assert_encodes_to("a\0b", 3, "a%00b");
	assert_encodes_to("\x1f\x7f\n", 3, "%1F%7F%0A");
}
END_TEST

START_TEST(test_printable_and_high_bytes_stay_as_themselves)
{
	assert_encodes_to("hello world~.-", 14, "hello world~.-");
	assert_encodes_to("\x80\xff", 2, "\x80\xff");
}
END_TEST

START_TEST(test_utf8_stays_as_itself)
{
	const char *key = "caf\xc3\xa9 \xe2\x82\xac";

	assert_encodes_to(key, strlen(key), key);
	assert_round_trip(key, strlen(key));
}
END_TEST

START_TEST(test_every_single_byte_key_round_trips)
{
	for (int c = 0; c < 256; c++) {
		char key = (char) c;

		assert_round_trip(&key, 1);
	}
}
END_TEST

START_TEST(test_every_two_byte_key_round_trips)
{
	for (int k = 0; k < 65536; k++) {
		char key[2] = {(char) (k >> 8), (char) (k & 0xff)};

		assert_round_trip(key, 2);
	}
}
END_TEST

/* ---- special names ---- */

START_TEST(test_dot_key_is_percent_2e)
{
	assert_encodes_to(".", 1, "%2E");
	assert_round_trip(".", 1);
}
END_TEST

START_TEST(test_dotdot_key_is_percent_2e_twice)
{
	assert_encodes_to("..", 2, "%2E%2E");
	assert_round_trip("..", 2);
}
END_TEST

START_TEST(test_empty_key_is_lone_percent)
{
	assert_encodes_to("", 0, "%");
	assert_round_trip("", 0);
}
END_TEST

START_TEST(test_dots_inside_keys_stay_as_themselves)
{
	assert_encodes_to("...", 3, "...");
	assert_encodes_to(".a", 2, ".a");
	assert_encodes_to("a.", 2, "a.");
	assert_round_trip("...", 3);
}
END_TEST

START_TEST(test_percent_2e_decodes_to_dot)
{
	char out[8];

	ck_assert_int_eq(names_decode("%2E", out), 1);
	ck_assert(memcmp(out, ".", 1) == 0);
	ck_assert_int_eq(names_decode("%2E%2E", out), 2);
	ck_assert(memcmp(out, "..", 2) == 0);
	ck_assert_int_eq(names_decode("%", out), 0);
}
END_TEST

/* ---- non-canonical names ---- */

START_TEST(test_lower_case_hex_is_rejected)
{
	assert_rejected("%2f");
	assert_rejected("a%0a");
}
END_TEST

START_TEST(test_escape_of_plain_byte_is_rejected)
{
	assert_rejected("%41");
	assert_rejected("%80");
	assert_rejected("%7E");
	assert_rejected("%2E%2E%2E");
}
END_TEST

START_TEST(test_percent_2e_inside_longer_name_is_rejected)
{
	assert_rejected("a%2E");
	assert_rejected("%2Ea");
	assert_rejected("%2E.");
}
END_TEST

START_TEST(test_truncated_or_bad_escape_is_rejected)
{
	assert_rejected("%4");
	assert_rejected("a%");
	assert_rejected("%%");
	assert_rejected("%G1");
	assert_rejected("%1G");
	assert_rejected("%%25");
}
END_TEST

START_TEST(test_lone_percent_is_only_valid_as_whole_name)
{
	assert_rejected("%a");
	assert_rejected("a%");
	assert_rejected("%%");
}
END_TEST

START_TEST(test_dot_dotdot_and_empty_names_are_rejected)
{
	assert_rejected(".");
	assert_rejected("..");
	assert_rejected("");
}
END_TEST

START_TEST(test_names_with_slash_are_rejected)
{
	assert_rejected("/");
	assert_rejected("a/b");
	assert_rejected("a/");
}
END_TEST

START_TEST(test_raw_control_bytes_are_rejected)
{
	assert_rejected("a\x01");
	assert_rejected("\x1f");
	assert_rejected("\x7f");
	assert_rejected("a\nb");
}
END_TEST

START_TEST(test_name_longer_than_name_max_is_rejected)
{
	char name[NAMES_MAX + 2];

	memset(name, 'a', NAMES_MAX + 1);
	name[NAMES_MAX + 1] = '\0';
	assert_rejected(name);
	name[NAMES_MAX] = '\0';
	assert_round_trip(name, NAMES_MAX);
}
END_TEST

/* ---- shortened names ---- */

START_TEST(test_name_of_255_bytes_is_not_shortened)
{
	char key[NAMES_MAX];

	memset(key, 'k', sizeof key);
	assert_round_trip(key, sizeof key);

	/* 84 escapes (252 bytes) and 3 plain bytes: exactly 255 encoded bytes. */
	memset(key, '/', 84);
	memset(key + 84, 'k', 3);
	char name[NAMES_MAX + 1];

	ck_assert_uint_eq(names_encode(key, 87, name), NAMES_MAX);
	assert_round_trip(key, 87);
}
END_TEST

START_TEST(test_long_plain_key_keeps_exactly_200_bytes)
{
	char key[256], name[NAMES_MAX + 1];

	memset(key, 'x', sizeof key);
	ck_assert_uint_eq(names_encode(key, sizeof key, name), SHORTENED_LEN_MAX);
	ck_assert(memcmp(name, key, NAMES_HASHED_KEEP) == 0);
	assert_shortened(key, sizeof key, name);
}
END_TEST

START_TEST(test_shortening_never_cuts_an_escape)
{
	char key[400], name[NAMES_MAX + 1];

	/* The escape starts at 197 (ends at 200: kept), 198 and 199 (would cross: dropped). */
	for (size_t at = 197; at <= 199; at++) {
		memset(key, 'y', sizeof key);
		key[at] = '/';
		size_t n = names_encode(key, sizeof key, name);
		size_t plen = at == 197 ? NAMES_HASHED_KEEP : at;

		ck_assert_uint_eq(n, plen + 1 + NAMES_HASH_DIGITS);
		ck_assert_int_eq(name[plen], '~');
		if (at == 197)
			ck_assert(memcmp(name + 197, "%2F", 3) == 0);
		assert_shortened(key, sizeof key, name);
	}
}
END_TEST

START_TEST(test_shortening_all_escapes_keeps_198)
{
	char key[100], name[NAMES_MAX + 1];

	/* 66 escapes fill 198 bytes; the 67th would end at 201. */
	memset(key, '\0', sizeof key);
	ck_assert_uint_eq(names_encode(key, sizeof key, name), 198 + 1 + NAMES_HASH_DIGITS);
	assert_shortened(key, sizeof key, name);
}
END_TEST

START_TEST(test_shortened_hash_is_fnv1a_lower_case)
{
	char key[300], name[NAMES_MAX + 1];
	char expect[NAMES_HASH_DIGITS + 1];

	memset(key, 'Z', sizeof key);
	names_encode(key, sizeof key, name);
	snprintf(expect, sizeof expect, "%016llx",
		 (unsigned long long) names_hash(key, sizeof key));
	ck_assert_str_eq(name + NAMES_HASHED_KEEP + 1, expect);
}
END_TEST

START_TEST(test_hash_matches_fnv1a_vectors)
{
	ck_assert_uint_eq(names_hash("", 0), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(names_hash("a", 1), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(names_hash("foobar", 6), 0x85944171f73967e8ULL);
}
END_TEST

START_TEST(test_shortened_name_also_decodes_literally)
{
	char key[300], name[NAMES_MAX + 1];
	char *back;

	memset(key, '%', sizeof key);
	size_t n = names_encode(key, sizeof key, name);
	ssize_t r = decode_checked(name, &back);

	/* 66 escapes of '%' kept, then '~' and the digits as themselves. */
	ck_assert_int_eq(r, 66 + 1 + NAMES_HASH_DIGITS);
	ck_assert(memcmp(back, key, 66) == 0);
	ck_assert(memcmp(back + 66, name + n - 1 - NAMES_HASH_DIGITS, 1 + NAMES_HASH_DIGITS) == 0);
	free(back);
}
END_TEST

/* ---- names_parse_hashed ---- */

static bool parse(const char *name)
{
	char prefix[NAMES_HASHED_KEEP];
	size_t len;
	uint64_t hash;

	return names_parse_hashed(name, prefix, &len, &hash);
}

/* Build "<plen bytes of fill>~<digits>" in out. */
static void build_hashed(char *out, size_t plen, char fill, const char *digits)
{
	memset(out, fill, plen);
	out[plen] = '~';
	strcpy(out + plen + 1, digits);
}

START_TEST(test_parse_hashed_accepts_prefix_of_198_to_200)
{
	char name[NAMES_MAX + 1], prefix[NAMES_HASHED_KEEP];
	size_t len;
	uint64_t hash;

	for (size_t plen = 198; plen <= 200; plen++) {
		build_hashed(name, plen, 'p', "0123456789abcdef");
		ck_assert(names_parse_hashed(name, prefix, &len, &hash));
		ck_assert_uint_eq(len, plen);
		ck_assert_uint_eq(hash, 0x0123456789abcdefULL);
	}
}
END_TEST

START_TEST(test_parse_hashed_rejects_other_prefix_lengths)
{
	char name[NAMES_MAX + 1];

	build_hashed(name, 197, 'p', "0123456789abcdef");
	ck_assert(!parse(name));
	build_hashed(name, 201, 'p', "0123456789abcdef");
	ck_assert(!parse(name));
	ck_assert(!parse("abc~0123456789abcdef"));
	ck_assert(!parse(""));
}
END_TEST

START_TEST(test_parse_hashed_rejects_bad_digits)
{
	char name[NAMES_MAX + 1];

	build_hashed(name, 200, 'p', "0123456789ABCDEF");
	ck_assert(!parse(name));
	build_hashed(name, 200, 'p', "0123456789abcdeg");
	ck_assert(!parse(name));
	build_hashed(name, 199, 'p', "0123456789abcdef0");
	ck_assert(!parse(name)); /* 17 digits: the '~' is not where it must be */
	build_hashed(name, 200, 'p', "0123456789abcde");
	ck_assert(!parse(name));
}
END_TEST

START_TEST(test_parse_hashed_rejects_non_canonical_prefix)
{
	char name[NAMES_MAX + 1];

	build_hashed(name, 200, 'p', "0123456789abcdef");
	memcpy(name + 10, "%2f", 3);
	ck_assert(!parse(name));
	memcpy(name + 10, "%41", 3);
	ck_assert(!parse(name));
	memcpy(name + 10, "a/b", 3);
	ck_assert(!parse(name));
	/* An escape cut by the '~' */
	build_hashed(name, 200, 'p', "0123456789abcdef");
	memcpy(name + 198, "%2", 2);
	ck_assert(!parse(name));
}
END_TEST

START_TEST(test_parse_hashed_decodes_escapes_in_prefix)
{
	char name[NAMES_MAX + 1], prefix[NAMES_HASHED_KEEP];
	size_t len;
	uint64_t hash;

	build_hashed(name, 199, 'q', "ffffffffffffffff");
	memcpy(name, "%2F%00", 6);
	ck_assert(names_parse_hashed(name, prefix, &len, &hash));
	ck_assert_uint_eq(len, 199 - 4);
	ck_assert(memcmp(prefix, "/\0q", 3) == 0);
	ck_assert_uint_eq(hash, UINT64_MAX);
}
END_TEST

START_TEST(test_parse_hashed_leaves_outputs_on_false)
{
	char prefix[NAMES_HASHED_KEEP];
	char name[NAMES_MAX + 1];
	size_t len = 7;
	uint64_t hash = 9;

	memset(prefix, 'u', sizeof prefix);
	build_hashed(name, 200, 'p', "0123456789abcdef");
	name[199] = '\x01';
	ck_assert(!names_parse_hashed(name, prefix, &len, &hash));
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(hash, 9);
	ck_assert_int_eq(prefix[0], 'u');
}
END_TEST

/* ---- random binary keys ---- */

START_TEST(test_random_keys_round_trip_or_parse_as_hashed)
{
	uint64_t state = RANDOM_SEED;
	char *key = malloc(RANDOM_KEY_MAX);
	int shortened = 0, plain = 0;

	ck_assert_ptr_nonnull(key);
	for (int k = 0; k < RANDOM_KEYS; k++) {
		size_t len = rng_next(&state) % (RANDOM_KEY_MAX + 1);
		/* Vary how often bytes need escaping, so cuts land on every offset of a %XX. */
		unsigned escape_pct = (unsigned) (rng_next(&state) % 101);

		for (size_t i = 0; i < len; i++) {
			uint64_t r = rng_next(&state);

			if (r % 100 < escape_pct)
				key[i] = (char) "/%\0\x1f\x7f\n"[(r >> 8) % 6];
			else
				key[i] = (char) (0x20 + (r >> 8) % 0x5f + ((r >> 16) & 1) * 0x80);
		}
		/* Lengths up to 2000 would rarely be short: keep half of them small. */
		if (k % 2)
			len %= 120;

		char *name;

		encode_checked(key, len, &name);
		if (names_encoded_len(key, len) <= NAMES_MAX) {
			assert_round_trip(key, len);
			plain++;
		} else {
			assert_shortened(key, len, name);
			shortened++;
		}
		free(name);
	}
	ck_assert_int_gt(plain, RANDOM_KEYS / 4);
	ck_assert_int_gt(shortened, RANDOM_KEYS / 4);
	free(key);
}
END_TEST

START_TEST(test_random_full_byte_keys_round_trip)
{
	uint64_t state = RANDOM_SEED ^ 0xabcdef;
	char key[90];

	/* Every byte value, at most 90 bytes: short enough that nearly all keep their full name. */
	for (int k = 0; k < RANDOM_KEYS; k++) {
		size_t len = rng_next(&state) % (sizeof key + 1);
		char *name;

		for (size_t i = 0; i < len; i++)
			key[i] = (char) rng_next(&state);
		encode_checked(key, len, &name);
		if (names_encoded_len(key, len) <= NAMES_MAX)
			assert_round_trip(key, len);
		else
			assert_shortened(key, len, name);
		free(name);
	}
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc;

	tc = tcase_create("escaping");
	tcase_add_test(tc, test_slash_is_escaped);
	tcase_add_test(tc, test_percent_is_escaped);
	tcase_add_test(tc, test_nul_and_controls_are_escaped_upper_case);
	tcase_add_test(tc, test_printable_and_high_bytes_stay_as_themselves);
	tcase_add_test(tc, test_utf8_stays_as_itself);
	tcase_add_test(tc, test_every_single_byte_key_round_trips);
	tcase_add_test(tc, test_every_two_byte_key_round_trips);
	suite_add_tcase(s, tc);

	tc = tcase_create("special");
	tcase_add_test(tc, test_dot_key_is_percent_2e);
	tcase_add_test(tc, test_dotdot_key_is_percent_2e_twice);
	tcase_add_test(tc, test_empty_key_is_lone_percent);
	tcase_add_test(tc, test_dots_inside_keys_stay_as_themselves);
	tcase_add_test(tc, test_percent_2e_decodes_to_dot);
	suite_add_tcase(s, tc);

	tc = tcase_create("non_canonical");
	tcase_add_test(tc, test_lower_case_hex_is_rejected);
	tcase_add_test(tc, test_escape_of_plain_byte_is_rejected);
	tcase_add_test(tc, test_percent_2e_inside_longer_name_is_rejected);
	tcase_add_test(tc, test_truncated_or_bad_escape_is_rejected);
	tcase_add_test(tc, test_lone_percent_is_only_valid_as_whole_name);
	tcase_add_test(tc, test_dot_dotdot_and_empty_names_are_rejected);
	tcase_add_test(tc, test_names_with_slash_are_rejected);
	tcase_add_test(tc, test_raw_control_bytes_are_rejected);
	tcase_add_test(tc, test_name_longer_than_name_max_is_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("shortened");
	tcase_add_test(tc, test_name_of_255_bytes_is_not_shortened);
	tcase_add_test(tc, test_long_plain_key_keeps_exactly_200_bytes);
	tcase_add_test(tc, test_shortening_never_cuts_an_escape);
	tcase_add_test(tc, test_shortening_all_escapes_keeps_198);
	tcase_add_test(tc, test_shortened_hash_is_fnv1a_lower_case);
	tcase_add_test(tc, test_hash_matches_fnv1a_vectors);
	tcase_add_test(tc, test_shortened_name_also_decodes_literally);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse_hashed");
	tcase_add_test(tc, test_parse_hashed_accepts_prefix_of_198_to_200);
	tcase_add_test(tc, test_parse_hashed_rejects_other_prefix_lengths);
	tcase_add_test(tc, test_parse_hashed_rejects_bad_digits);
	tcase_add_test(tc, test_parse_hashed_rejects_non_canonical_prefix);
	tcase_add_test(tc, test_parse_hashed_decodes_escapes_in_prefix);
	tcase_add_test(tc, test_parse_hashed_leaves_outputs_on_false);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	/* Thousands of keys up to 2000 bytes under ASan/valgrind take a while. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_random_keys_round_trip_or_parse_as_hashed);
	tcase_add_test(tc, test_random_full_byte_keys_round_trip);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(names_suite(), CK_FORK);
}
