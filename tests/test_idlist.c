/* test_idlist.c - unit tests of backend/mysql_idlist.c: which IDs a JSON list carries, and how. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "backend/mysql_idlist.h"
#include "run_suite.h"

/* A column as mysql_describe_column() would describe it, from information_schema's fields. */
static struct mysql_column shape_of(const char *type, const char *charset, const char *collation)
{
	struct mysql_column c;

	mysql_column_parse(&c, type, type, "255", "10", "2", charset);
	mysql_column_set_collation(&c, collation);
	return c;
}

static bool fits(const struct mysql_column *s, const char *id)
{
	return idlist_id_fits(s, id, strlen(id));
}

START_TEST(test_column_kinds)
{
	struct mysql_column c[] = {
		shape_of("bigint", NULL, NULL),
		shape_of("int", NULL, NULL),
		shape_of("decimal", NULL, NULL),
		shape_of("double", NULL, NULL),
		shape_of("varbinary", NULL, NULL),
		shape_of("varchar", "utf8mb4", "utf8mb4_general_ci"),
		/* a name that would not be plain SQL, an unknown type, no type: no list */
		shape_of("varchar", "utf8mb4", "x' OR 1"),
		shape_of("varchar", NULL, NULL),
		shape_of("datetime", NULL, NULL),
		shape_of(NULL, NULL, NULL),
	};
	enum idlist_kind want[] = {IDLIST_INTEGER, IDLIST_INTEGER, IDLIST_DECIMAL, IDLIST_FLOAT,
				   IDLIST_BINARY,  IDLIST_TEXT,	   IDLIST_NONE,	   IDLIST_NONE,
				   IDLIST_NONE,	   IDLIST_NONE};

	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_int_eq(idlist_kind_of(&c[i]), want[i]);
}
END_TEST

START_TEST(test_integer_columns_take_canonical_integers_only)
{
	struct mysql_column s = shape_of("int", NULL, NULL);

	ck_assert(fits(&s, "0"));
	ck_assert(fits(&s, "42"));
	ck_assert(fits(&s, "-7"));
	ck_assert(fits(&s, "999999999999999999"));   /* 18 digits */
	ck_assert(!fits(&s, "9999999999999999999")); /* 19: might not be a BIGINT */
	ck_assert(!fits(&s, "007"));
	ck_assert(!fits(&s, "-0"));
	ck_assert(!fits(&s, "5abc"));
	ck_assert(!fits(&s, " 5"));
	ck_assert(!fits(&s, "1e3"));
	ck_assert(!fits(&s, ""));
	ck_assert(!fits(&s, "-"));
}
END_TEST

START_TEST(test_text_must_be_utf8_and_ascii_for_other_charsets)
{
	struct mysql_column u = shape_of("varchar", "utf8mb4", "utf8mb4_bin");
	struct mysql_column l = shape_of("varchar", "latin1", "latin1_swedish_ci");
	struct mysql_column b = shape_of("varbinary", NULL, NULL);
	char big[IDLIST_ID_MAX + 2];

	ck_assert(fits(&u, "Zoë"));
	ck_assert(fits(&u, "\xf0\x9f\x98\x80")); /* U+1F600 */
	ck_assert(!fits(&l, "Zoë"));
	ck_assert(fits(&l, "carol  "));
	ck_assert(!fits(&u, "\xff\x01"));	  /* not UTF-8 */
	ck_assert(!fits(&b, "\xff\x01"));	  /* bytes a JSON string cannot carry */
	ck_assert(!fits(&u, "\xc0\xaf"));	  /* overlong */
	ck_assert(!fits(&u, "\xed\xa0\x80"));	  /* a surrogate */
	ck_assert(!fits(&u, "\xf4\x90\x80\x80")); /* past U+10FFFF */
	ck_assert(!fits(&u, "\xe2\x82"));	  /* cut short */
	ck_assert(!idlist_id_fits(&u, "a\0b", 3));
	memset(big, 'x', sizeof big);
	ck_assert(idlist_id_fits(&u, big, IDLIST_ID_MAX));
	ck_assert(!idlist_id_fits(&u, big, IDLIST_ID_MAX + 1));
}
END_TEST

START_TEST(test_json_escapes_quotes_backslashes_and_control_bytes)
{
	char out[64];
	const char id[] = "a\"b\\c\n\x01";
	size_t n = idlist_json_append(out, id, sizeof id - 1, true);

	out[n] = '\0';
	ck_assert_str_eq(out, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	ck_assert_uint_eq(n, idlist_json_len(id, sizeof id - 1) - 1); /* no comma: first */
	n = idlist_json_append(out, "7", 1, false);
	out[n] = '\0';
	ck_assert_str_eq(out, ",\"7\"");
	ck_assert_uint_eq(n, idlist_json_len("7", 1));
}
END_TEST

START_TEST(test_statements_name_the_column_type)
{
	struct mysql_column s = shape_of("varchar", "latin1", "latin1_swedish_ci");
	char *sql = idlist_sql("`users`", "`login`", &s);

	ck_assert_ptr_nonnull(strstr(sql, "CHARACTER SET latin1 COLLATE latin1_swedish_ci"));
	ck_assert_ptr_nonnull(strstr(sql, "ERROR ON ERROR"));
	ck_assert_ptr_nonnull(strstr(sql, "LEFT JOIN `users` AS r ON r.`login` = j.v"));
	free(sql);
	s = shape_of("bigint", NULL, NULL);
	sql = idlist_sql("`db`.`t`", "`id`", &s);
	ck_assert_ptr_nonnull(strstr(sql, "v BIGINT PATH"));
	free(sql);
	/* a DECIMAL(p,s) column's list is of its own type: text would compare as a double */
	s = shape_of("decimal", NULL, NULL);
	sql = idlist_sql("`t`", "`price`", &s);
	ck_assert_ptr_nonnull(strstr(sql, "v DECIMAL(10,2) PATH"));
	free(sql);
	s = shape_of("time", NULL, NULL);
	ck_assert_ptr_null(idlist_sql("`t`", "`c`", &s));
	ck_assert_uint_eq(idlist_union_slots(1, 1000), 1);
	ck_assert_uint_eq(idlist_union_slots(300, 1000), 512);
	ck_assert_uint_eq(idlist_union_slots(513, 1000), 1000);
}
END_TEST

static Suite *idlist_suite(void)
{
	Suite *s = suite_create("idlist");
	TCase *tc = tcase_create("idlist");

	tcase_add_test(tc, test_column_kinds);
	tcase_add_test(tc, test_integer_columns_take_canonical_integers_only);
	tcase_add_test(tc, test_text_must_be_utf8_and_ascii_for_other_charsets);
	tcase_add_test(tc, test_json_escapes_quotes_backslashes_and_control_bytes);
	tcase_add_test(tc, test_statements_name_the_column_type);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(idlist_suite(), CK_FORK);
}
