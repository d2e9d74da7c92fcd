/* test_mysql_column.c - backend/mysql_column.c: which IDs a column holds as they are (SPEC 6). */
#include <check.h>
#include <string.h>

#include "backend/mysql_column.h"
#include "run_suite.h"

static struct mysql_column column(const char *data_type, const char *column_type,
				  const char *max_length, const char *precision, const char *scale,
				  const char *charset)
{
	struct mysql_column c;

	mysql_column_parse(&c, data_type, column_type, max_length, precision, scale, charset);
	return c;
}

static enum mysql_id_doubt holds(const struct mysql_column *c, const char *id)
{
	return mysql_column_holds(c, id, strlen(id));
}

START_TEST(test_int_takes_canonical_numbers_in_range_only)
{
	struct mysql_column c = column("int", "int(11)", NULL, "10", "0", NULL);

	ck_assert_int_eq(c.kind, MYSQL_COLUMN_INTEGER);
	ck_assert_str_eq(c.type, "int(11)");
	ck_assert_int_eq(holds(&c, "5"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "0"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "-1"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "2147483647"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "-2147483648"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "2147483648"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&c, "-2147483649"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&c, "99999999999999999999999"), MYSQL_ID_OUT_OF_RANGE);
	const char *not_numbers[] = {"user:5", "5abc", " 5", "5 ", "0x5", "",	   "05",
				     "5.0",    "+5",   "-0", "-",  "5e3", "1,000", "0.0"};
	for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++)
		ck_assert_msg(holds(&c, not_numbers[i]) == MYSQL_ID_NOT_A_NUMBER,
			      "'%s' counts as a number", not_numbers[i]);
}
END_TEST

START_TEST(test_bigint_unsigned_takes_no_minus_and_its_whole_range)
{
	struct mysql_column c = column("bigint", "bigint(20) unsigned", NULL, "20", "0", NULL);

	ck_assert(c.is_unsigned);
	ck_assert_int_eq(holds(&c, "18446744073709551615"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "18446744073709551616"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&c, "-1"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&c, "05"), MYSQL_ID_NOT_A_NUMBER);
	struct mysql_column s = column("bigint", "bigint(20)", NULL, "19", "0", NULL);
	ck_assert_int_eq(holds(&s, "-9223372036854775808"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&s, "9223372036854775808"), MYSQL_ID_OUT_OF_RANGE);
	struct mysql_column t = column("tinyint", "tinyint(3) unsigned", NULL, "3", "0", NULL);
	ck_assert_int_eq(holds(&t, "255"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&t, "256"), MYSQL_ID_OUT_OF_RANGE);
}
END_TEST

START_TEST(test_decimal_takes_up_to_its_scale_and_precision)
{
	struct mysql_column c = column("decimal", "decimal(10,2)", NULL, "10", "2", NULL);

	ck_assert_int_eq(holds(&c, "5"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "5.0"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "5.25"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "-0.5"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "12345678.99"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&c, "123456789"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&c, "5.001"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&c, "05"), MYSQL_ID_NOT_A_NUMBER);
	ck_assert_int_eq(holds(&c, "5."), MYSQL_ID_NOT_A_NUMBER);
	ck_assert_int_eq(holds(&c, ".5"), MYSQL_ID_NOT_A_NUMBER);
	ck_assert_int_eq(holds(&c, "-0.0"), MYSQL_ID_NOT_A_NUMBER);
	struct mysql_column f = column("decimal", "decimal(2,2)", NULL, "2", "2", NULL);
	ck_assert_int_eq(holds(&f, "0.25"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&f, "1.25"), MYSQL_ID_OUT_OF_RANGE);
}
END_TEST

START_TEST(test_floats_take_integers_they_hold_exactly)
{
	struct mysql_column d = column("double", "double", NULL, "22", NULL, NULL);
	struct mysql_column f = column("float", "float", NULL, "12", NULL, NULL);

	ck_assert_int_eq(holds(&d, "123456789012345"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&d, "1234567890123456"), MYSQL_ID_OUT_OF_RANGE);
	ck_assert_int_eq(holds(&d, "5.5"), MYSQL_ID_NOT_A_NUMBER);
	ck_assert_int_eq(holds(&f, "999999"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&f, "16777217"), MYSQL_ID_OUT_OF_RANGE);
}
END_TEST

START_TEST(test_strings_count_characters_in_their_character_set)
{
	struct mysql_column v = column("varchar", "varchar(3)", "3", NULL, NULL, "utf8mb4");
	struct mysql_column m3 = column("char", "char(4)", "4", NULL, NULL, "utf8mb3");
	struct mysql_column l1 = column("varchar", "varchar(8)", "8", NULL, NULL, "latin1");
	struct mysql_column a = column("varchar", "varchar(8)", "8", NULL, NULL, "ascii");
	struct mysql_column o = column("varchar", "varchar(8)", "8", NULL, NULL, "sjis");

	ck_assert_int_eq(holds(&v, "abc"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&v, ""), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&v, "\xc3\xa9t\xc3\xa9"), MYSQL_ID_OK); /* été: 3 characters */
	ck_assert_int_eq(holds(&v, "abcd"), MYSQL_ID_TOO_LONG);
	ck_assert_int_eq(holds(&v, "\xff"), MYSQL_ID_BAD_CHARSET);
	ck_assert_int_eq(holds(&v, "\xc0\xaf"), MYSQL_ID_BAD_CHARSET);	   /* overlong '/' */
	ck_assert_int_eq(holds(&v, "\xed\xa0\x80"), MYSQL_ID_BAD_CHARSET); /* a surrogate */
	ck_assert_int_eq(holds(&v, "\xc3"), MYSQL_ID_BAD_CHARSET);	   /* cut short */
	ck_assert_int_eq(holds(&v, "\xf0\x9f\x98\x80"), MYSQL_ID_OK);	   /* an emoji */
	ck_assert_int_eq(holds(&m3, "\xf0\x9f\x98\x80"), MYSQL_ID_BAD_CHARSET);
	ck_assert_int_eq(holds(&l1, "caf\xc3\xa9"), MYSQL_ID_OK);
	ck_assert_int_eq(holds(&l1, "\xe2\x82\xac"), MYSQL_ID_OK);	    /* the euro sign */
	ck_assert_int_eq(holds(&l1, "\xe2\x98\x83"), MYSQL_ID_BAD_CHARSET); /* a snowman */
	ck_assert_int_eq(holds(&a, "caf\xc3\xa9"), MYSQL_ID_BAD_CHARSET);
	ck_assert_int_eq(holds(&o, "abc"), MYSQL_ID_UNSUPPORTED);
}
END_TEST

START_TEST(test_binary_strings_count_bytes)
{
	struct mysql_column vb = column("varbinary", "varbinary(4)", "4", NULL, NULL, NULL);
	struct mysql_column b = column("binary", "binary(4)", "4", NULL, NULL, NULL);

	ck_assert_int_eq(mysql_column_holds(&vb, "\xff\x00\x01\x02", 4), MYSQL_ID_OK);
	ck_assert_int_eq(mysql_column_holds(&vb, "abcde", 5), MYSQL_ID_TOO_LONG);
	ck_assert_int_eq(mysql_column_holds(&b, "abcd", 4), MYSQL_ID_OK);
	ck_assert_int_eq(mysql_column_holds(&b, "ab", 2), MYSQL_ID_WRONG_LENGTH);
}
END_TEST

START_TEST(test_other_types_hold_no_id)
{
	struct mysql_column d = column("date", "date", NULL, NULL, NULL, NULL);
	struct mysql_column none = column(NULL, NULL, NULL, NULL, NULL, NULL);

	ck_assert_int_eq(holds(&d, "2024-01-01"), MYSQL_ID_UNSUPPORTED);
	ck_assert_int_eq(holds(&none, "5"), MYSQL_ID_UNSUPPORTED);
}
END_TEST

static Suite *mysql_column_suite(void)
{
	Suite *s = suite_create("mysql_column");
	TCase *tc = tcase_create("holds");

	tcase_add_test(tc, test_int_takes_canonical_numbers_in_range_only);
	tcase_add_test(tc, test_bigint_unsigned_takes_no_minus_and_its_whole_range);
	tcase_add_test(tc, test_decimal_takes_up_to_its_scale_and_precision);
	tcase_add_test(tc, test_floats_take_integers_they_hold_exactly);
	tcase_add_test(tc, test_strings_count_characters_in_their_character_set);
	tcase_add_test(tc, test_binary_strings_count_bytes);
	tcase_add_test(tc, test_other_types_hold_no_id);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(mysql_column_suite(), CK_FORK);
}
