/* test_config_rules.c - unit tests of fs/config.c: the file's structure, ghost rules, free. */
#include "config_fixture.h"
#include "run_suite.h"

/* ---- errors in the structure of the file ---- */

START_TEST(test_missing_config_file_gives_enoent_with_strerror)
{
	/* setup() made the directory but not the file. */
	load_fails(-ENOENT, 0, strerror(ENOENT));
}
END_TEST
START_TEST(test_config_path_that_is_a_directory_gives_eisdir)
{
	struct rfs_config cfg;
	char err[ERR_LEN];

	ck_assert_int_eq(config_load(config_dir, &cfg, err, sizeof err), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err, config_dir));
	ck_assert_ptr_nonnull(strstr(err, strerror(EISDIR)));
	config_free(&cfg);
}
END_TEST
START_TEST(test_unknown_section_names_file_line_and_section)
{
	write_config("[redis]\nro = 1\n\n[MySQL]\nhost = x\n");
	load_fails(-EINVAL, 4, "unknown section [MySQL]");
	write_config("[ghost.q]\n");
	load_fails(-EINVAL, 1, "[ghost.q]");
}
END_TEST
START_TEST(test_unknown_key_names_file_line_and_key)
{
	write_config("[redis]\nurl = redis://x\ncolour = blue\n");
	load_fails(-EINVAL, 3, "unknown key 'colour' in [redis]");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = t\ncolumn = c\nColumn = d\n");
	load_fails(-EINVAL, 7, "unknown key 'Column' in [ghosts.q]");
	write_config("[mysql]\nhost = x\nport = 3306\npasswd = y\n");
	load_fails(-EINVAL, 4, "'passwd'");
}
END_TEST
START_TEST(test_key_before_any_section_is_refused)
{
	write_config("; top\nurl = redis://x\n[redis]\n");
	load_fails(-EINVAL, 2, "before any [section]");
}
END_TEST
START_TEST(test_line_without_equals_is_refused)
{
	write_config("[redis]\nro\n");
	load_fails(-EINVAL, 2, "key = value");
}
END_TEST
START_TEST(test_section_header_without_bracket_or_with_trailing_text_is_refused)
{
	write_config("[redis\nro = 1\n");
	load_fails(-EINVAL, 1, "']'");
	write_config("[redis] ro = 1\n");
	load_fails(-EINVAL, 1, "after the section header");
}
END_TEST
START_TEST(test_indented_line_after_a_key_is_refused_not_appended)
{
	/* inih would read it as more of the value of 'keys'. */
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = q:*\n  table = users\ncolumn = id\n");
	load_fails(-EINVAL, 5, "indented line continues the value of 'keys'");
}
END_TEST
START_TEST(test_line_longer_than_libinih_reads_is_refused)
{
	char keys[300];

	memset(keys, 'k', sizeof keys - 1);
	keys[sizeof keys - 1] = '\0';
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = %s\ntable = t\ncolumn = c\n", keys);
	load_fails(-EINVAL, 4, "line longer than");
}
END_TEST
START_TEST(test_nul_byte_in_the_file_is_refused)
{
	write_bytes(config_path, 0600, "[redis]\nurl = a\0b\n", 18);
	load_fails(-EINVAL, 2, "NUL");
}
END_TEST
START_TEST(test_duplicate_key_in_a_section_is_refused)
{
	write_config("[redis]\nro = 1\nurl = redis://a\nro = 0\n");
	load_fails(-EINVAL, 4, "duplicate key 'ro' in [redis] (first at line 2)");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = a\ntable = t\ncolumn = c\nkeys = b\n");
	load_fails(-EINVAL, 7, "duplicate key 'keys'");
}
END_TEST
START_TEST(test_second_redis_or_mysql_section_is_refused)
{
	write_config("[redis]\nro = 1\n[redis]\nnoflush = 1\n");
	load_fails(-EINVAL, 3, "second [redis]");
	write_config(MYSQL_SECTION "[mysql]\n");
	load_fails(-EINVAL, 3, "second [mysql]");
}
END_TEST
START_TEST(test_empty_value_is_refused)
{
	write_config("[redis]\nurl =\n");
	load_fails(-EINVAL, 2, "'url' has no value");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys =    ; nothing\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 4, "'keys' has no value");
}
END_TEST
START_TEST(test_bad_port_is_refused)
{
	static const char *const bad[] = {"0", "65536", "abc", "-1", "+80", "3306x", "99999999999"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config("[mysql]\nhost = db\nport = %s\n", bad[i]);
		load_fails(-EINVAL, 3, "bad port");
	}
}
END_TEST

/* ---- ghost rules ---- */

START_TEST(test_rule_without_keys_table_or_column_is_refused_at_its_header)
{
	write_config(MYSQL_SECTION "[ghosts.q]\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 3, "[ghosts.q] has no 'keys'");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ncolumn = c\n[redis]\nro = 1\n");
	load_fails(-EINVAL, 3, "has no 'table'");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = t\n");
	load_fails(-EINVAL, 3, "has no 'column'");
}
END_TEST
START_TEST(test_empty_rule_section_is_refused)
{
	write_config(MYSQL_SECTION "[ghosts.q]\n\n[ghosts.r]\nkeys = k\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 3, "[ghosts.q] has no 'keys'");
}
END_TEST
START_TEST(test_table_that_is_not_an_identifier_is_refused)
{
	static const char *const bad[] = {
		"users;drop",
		"a b",
		"users`",
		"a.b.c",
		".users",
		"users.",
		"us-ers",
		"t\"",
		"tablé",
		"x.",
		"`users`",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = %s\ncolumn = c\n",
			     bad[i]);
		load_fails(-EINVAL, 5, "table '");
	}
}
END_TEST
START_TEST(test_table_of_64_bytes_and_db_dot_table_are_identifiers)
{
	struct rfs_config cfg;
	char name[65];

	memset(name, 't', 64);
	name[64] = '\0';
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = %s.%s\ncolumn = %s\n", name, name,
		     name);
	load_ok(&cfg);
	ck_assert_uint_eq(strlen(cfg.rules[0].table), 129);
	config_free(&cfg);
}
END_TEST
START_TEST(test_column_that_is_not_an_identifier_is_refused)
{
	static const char *const bad[] = {"users;drop", "a b", "t.id", "id)", "1=1"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = t\ncolumn = %s\n",
			     bad[i]);
		load_fails(-EINVAL, 6, "column '");
	}
}
END_TEST
START_TEST(test_member_pattern_that_does_not_compile_is_refused)
{
	write_config(MYSQL_SECTION RULE_SECTION "member = ^([0-9]+\n");
	load_fails(-EINVAL, 7, "does not compile");
	write_config(MYSQL_SECTION RULE_SECTION "member = a{2,1}(x)\n");
	load_fails(-EINVAL, 7, "does not compile");
}
END_TEST
START_TEST(test_member_pattern_without_group_is_refused)
{
	write_config(MYSQL_SECTION RULE_SECTION "member = ^[0-9]+$\n");
	load_fails(-EINVAL, 7, "has no group");
}
END_TEST
START_TEST(test_bad_db_is_refused)
{
	static const char *const bad[] = {"-1", "1000001", "x", "+1", "1 2", "0x10"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION RULE_SECTION "db = %s\n", bad[i]);
		load_fails(-EINVAL, 7, "bad db");
	}
}
END_TEST
START_TEST(test_rules_without_mysql_are_refused_at_the_first_rule)
{
	write_config("[redis]\nro = 1\n" RULE_SECTION
		     "[ghosts.r]\nkeys = r\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 3, "needs a [mysql] section");
}
END_TEST
START_TEST(test_mysql_after_the_rules_is_fine)
{
	struct rfs_config cfg;

	write_config(RULE_SECTION MYSQL_SECTION);
	load_ok(&cfg);
	ck_assert(cfg.has_mysql);
	ck_assert_uint_eq(cfg.rule_count, 1);
	config_free(&cfg);
}
END_TEST
START_TEST(test_duplicate_rule_is_refused)
{
	write_config(MYSQL_SECTION RULE_SECTION "\n" RULE_SECTION);
	load_fails(-EINVAL, 8, "duplicate rule [ghosts.q] (first at line 3)");
}
END_TEST
START_TEST(test_rule_name_that_is_not_a_plain_file_name_is_refused)
{
	static const struct {
		const char *header;
		const char *reason;
	} bad[] = {
		{"[ghosts.]", "is empty"},
		{"[ghosts..]", "is not a file name"},
		{"[ghosts...]", "is not a file name"},
		{"[ghosts.a/b]", "'/'"},
		{"[ghosts./]", "'/'"},
		{"[ghosts.a\tb]", "not printable ASCII"},
		{"[ghosts.caf\xC3\xA9]", "not printable ASCII"},
		{"[ghosts]", "needs a rule name"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION "%s\nkeys = k\ntable = t\ncolumn = c\n", bad[i].header);
		load_fails(-EINVAL, 3, bad[i].reason);
	}
}
END_TEST

/* ---- freeing ---- */

START_TEST(test_config_free_is_safe_after_an_error_on_zeroed_and_twice)
{
	struct rfs_config cfg;
	char err[ERR_LEN];

	memset(&cfg, 0, sizeof cfg);
	config_free(&cfg);

	/* Fails late, with a password and a rule already held. */
	write_password(PASSWORD, strlen(PASSWORD), 0600);
	write_config("[mysql]\npassword_file = %s\n" RULE_SECTION "[ghosts.r]\nkeys = k\n"
		     "table = t\ncolumn = c\nmember = (x\n",
		     pass_path);
	ck_assert_int_eq(config_load(config_path, &cfg, err, sizeof err), -EINVAL);
	ck_assert_ptr_null(strstr(err, PASSWORD));
	config_free(&cfg);
	ck_assert_ptr_null(cfg.mysql.password);
	ck_assert_ptr_null(cfg.rules);
	ck_assert_uint_eq(cfg.rule_count, 0);
	config_free(&cfg);
}
END_TEST
START_TEST(test_small_or_missing_error_buffer_is_safe)
{
	struct rfs_config cfg;
	char err[8];

	write_config("[nope]\n");
	ck_assert_int_eq(config_load(config_path, &cfg, err, sizeof err), -EINVAL);
	ck_assert_uint_eq(strlen(err), sizeof err - 1);
	config_free(&cfg);
	ck_assert_int_eq(config_load(config_path, &cfg, NULL, 0), -EINVAL);
	config_free(&cfg);
}
END_TEST

static Suite *config_rules_suite(void)
{
	Suite *s = suite_create("config_rules");
	TCase *tc;

	tc = tcase_create("structure");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_config_file_gives_enoent_with_strerror);
	tcase_add_test(tc, test_config_path_that_is_a_directory_gives_eisdir);
	tcase_add_test(tc, test_unknown_section_names_file_line_and_section);
	tcase_add_test(tc, test_unknown_key_names_file_line_and_key);
	tcase_add_test(tc, test_key_before_any_section_is_refused);
	tcase_add_test(tc, test_line_without_equals_is_refused);
	tcase_add_test(tc, test_section_header_without_bracket_or_with_trailing_text_is_refused);
	tcase_add_test(tc, test_indented_line_after_a_key_is_refused_not_appended);
	tcase_add_test(tc, test_line_longer_than_libinih_reads_is_refused);
	tcase_add_test(tc, test_nul_byte_in_the_file_is_refused);
	tcase_add_test(tc, test_duplicate_key_in_a_section_is_refused);
	tcase_add_test(tc, test_second_redis_or_mysql_section_is_refused);
	tcase_add_test(tc, test_empty_value_is_refused);
	tcase_add_test(tc, test_bad_port_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rule_without_keys_table_or_column_is_refused_at_its_header);
	tcase_add_test(tc, test_empty_rule_section_is_refused);
	tcase_add_test(tc, test_table_that_is_not_an_identifier_is_refused);
	tcase_add_test(tc, test_table_of_64_bytes_and_db_dot_table_are_identifiers);
	tcase_add_test(tc, test_column_that_is_not_an_identifier_is_refused);
	tcase_add_test(tc, test_member_pattern_that_does_not_compile_is_refused);
	tcase_add_test(tc, test_member_pattern_without_group_is_refused);
	tcase_add_test(tc, test_bad_db_is_refused);
	tcase_add_test(tc, test_rules_without_mysql_are_refused_at_the_first_rule);
	tcase_add_test(tc, test_mysql_after_the_rules_is_fine);
	tcase_add_test(tc, test_duplicate_rule_is_refused);
	tcase_add_test(tc, test_rule_name_that_is_not_a_plain_file_name_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_free_is_safe_after_an_error_on_zeroed_and_twice);
	tcase_add_test(tc, test_small_or_missing_error_buffer_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(config_rules_suite(), CK_FORK);
}
