/* test_config_loads.c - unit tests of fs/config.c: files that load, password files. */
#include "config_fixture.h"
#include "run_suite.h"

/* ---- what loads ---- */

START_TEST(test_spec_example_loads_exactly_with_inline_comments)
{
	struct rfs_config cfg;

	write_password(PASSWORD "\n", strlen(PASSWORD) + 1, 0600);
	write_config(
		"[mysql]\n"
		"host = 127.0.0.1\n"
		"port = 3306\n"
		"user = app\n"
		"password_file = %s\n"
		"database = app\n"
		"\n"
		"[ghosts.matching]\n"
		"db = 0\n"
		"keys = matching:queue*      ; SCAN MATCH pattern of queue keys: list, set, "
		"zset or hash\n"
		"table = users\n"
		"column = id\n"
		"member = ^([0-9]+)          ; optional POSIX ERE, group 1 is the ID; default: "
		"the member itself\n",
		pass_path);
	load_ok(&cfg);

	ck_assert(cfg.has_mysql);
	ck_assert_str_eq(cfg.mysql.host, "127.0.0.1");
	ck_assert_int_eq(cfg.mysql.port, 3306);
	ck_assert_str_eq(cfg.mysql.user, "app");
	ck_assert_str_eq(cfg.mysql.password_file, pass_path);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD);
	ck_assert_str_eq(cfg.mysql.database, "app");
	ck_assert_ptr_null(cfg.mysql.socket);
	ck_assert_ptr_null(cfg.mysql.defaults_file);

	ck_assert_uint_eq(cfg.rule_count, 1);
	ck_assert_str_eq(cfg.rules[0].name, "matching");
	ck_assert_int_eq(cfg.rules[0].db, 0);
	ck_assert_str_eq(cfg.rules[0].keys, "matching:queue*");
	ck_assert_str_eq(cfg.rules[0].table, "users");
	ck_assert_str_eq(cfg.rules[0].column, "id");
	ck_assert_str_eq(cfg.rules[0].member, "^([0-9]+)");

	ck_assert_ptr_null(cfg.redis.url);
	ck_assert_int_eq(cfg.redis.ro, -1);
	ck_assert_int_eq(cfg.redis.noflush, -1);
	config_free(&cfg);
}
END_TEST
START_TEST(test_redis_section_keeps_strings_for_the_option_code)
{
	struct rfs_config cfg;

	write_config("[redis]\n"
		     "url = redis://10.0.0.5:7000/2\n"
		     "passfile = /etc/redisfs/redis.pass\n"
		     "databases = 16\n"
		     "timeout = 2.5\n"
		     "cache_timeout = 0\n"
		     "ro = yes\n"
		     "noflush = off\n");
	load_ok(&cfg);
	ck_assert_str_eq(cfg.redis.url, "redis://10.0.0.5:7000/2");
	ck_assert_str_eq(cfg.redis.passfile, "/etc/redisfs/redis.pass");
	ck_assert_str_eq(cfg.redis.databases, "16");
	ck_assert_str_eq(cfg.redis.timeout, "2.5");
	ck_assert_str_eq(cfg.redis.cache_timeout, "0");
	ck_assert_int_eq(cfg.redis.ro, 1);
	ck_assert_int_eq(cfg.redis.noflush, 0);
	ck_assert(!cfg.has_mysql);
	ck_assert_uint_eq(cfg.rule_count, 0);
	config_free(&cfg);
}
END_TEST
START_TEST(test_booleans_take_true_false_yes_no_on_off_1_0_in_any_case)
{
	static const struct {
		const char *text;
		int value;
	} cases[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},	 {"on", 1},
		     {"off", 0},  {"1", 1},	{"0", 0},   {"TRUE", 1}, {"Off", 0}};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rfs_config cfg;

		write_config("[redis]\nro = %s\nnoflush = %s\n", cases[i].text, cases[i].text);
		load_ok(&cfg);
		ck_assert_msg(cfg.redis.ro == cases[i].value, "ro = %s", cases[i].text);
		ck_assert_int_eq(cfg.redis.noflush, cases[i].value);
		config_free(&cfg);
	}
}
END_TEST
START_TEST(test_bad_boolean_names_file_line_and_key)
{
	static const char *const bad[] = {"2", "y", "enabled", "true false", "-1"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config("[redis]\nro = 1\nnoflush = %s\n", bad[i]);
		load_fails(-EINVAL, 3, "noflush");
	}
}
END_TEST
START_TEST(test_mysql_fields_and_port_bounds_load)
{
	struct rfs_config cfg;

	write_config("[mysql]\nsocket = /run/mysqld/mysqld.sock\nuser = app\n"
		     "defaults_file = /etc/mysql/redisfs.cnf\nport = 1\n");
	load_ok(&cfg);
	ck_assert(cfg.has_mysql);
	ck_assert_str_eq(cfg.mysql.socket, "/run/mysqld/mysqld.sock");
	ck_assert_str_eq(cfg.mysql.defaults_file, "/etc/mysql/redisfs.cnf");
	ck_assert_int_eq(cfg.mysql.port, 1);
	ck_assert_ptr_null(cfg.mysql.password);
	config_free(&cfg);

	write_config("[mysql]\nport = 65535\n");
	load_ok(&cfg);
	ck_assert_int_eq(cfg.mysql.port, 65535);
	config_free(&cfg);
}
END_TEST
START_TEST(test_empty_mysql_section_counts_as_present)
{
	struct rfs_config cfg;

	write_config("[mysql]\n" RULE_SECTION);
	load_ok(&cfg);
	ck_assert(cfg.has_mysql);
	ck_assert_int_eq(cfg.mysql.port, 0);
	config_free(&cfg);
}
END_TEST
START_TEST(test_rule_defaults_db_0_and_no_member)
{
	struct rfs_config cfg;

	write_config(MYSQL_SECTION RULE_SECTION);
	load_ok(&cfg);
	ck_assert_uint_eq(cfg.rule_count, 1);
	ck_assert_int_eq(cfg.rules[0].db, 0);
	ck_assert_ptr_null(cfg.rules[0].member);
	config_free(&cfg);
}
END_TEST
START_TEST(test_several_rules_keep_file_order_and_db)
{
	struct rfs_config cfg;

	write_config("[ghosts.a]\nkeys = a:*\ntable = app.users\ncolumn = user_id\ndb = 1000000\n"
		     "[ghosts.b.c]\nkeys = b\ntable = $T_1\ncolumn = ID$\ndb = 007\n"
		     "[ghosts.with space]\nkeys = c\ntable = t\ncolumn = c\n" MYSQL_SECTION);
	load_ok(&cfg);
	ck_assert_uint_eq(cfg.rule_count, 3);
	ck_assert_str_eq(cfg.rules[0].name, "a");
	ck_assert_int_eq(cfg.rules[0].db, 1000000);
	ck_assert_str_eq(cfg.rules[0].table, "app.users");
	ck_assert_str_eq(cfg.rules[1].name, "b.c");
	ck_assert_int_eq(cfg.rules[1].db, 7);
	ck_assert_str_eq(cfg.rules[1].table, "$T_1");
	ck_assert_str_eq(cfg.rules[1].column, "ID$");
	ck_assert_str_eq(cfg.rules[2].name, "with space");
	config_free(&cfg);
}
END_TEST
START_TEST(test_rule_name_longer_than_libinih_section_buffer_is_kept_whole)
{
	struct rfs_config cfg;
	char name[151];

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	write_config(MYSQL_SECTION "[ghosts.%s]\nkeys = k\ntable = t\ncolumn = c\n", name);
	load_ok(&cfg);
	ck_assert_uint_eq(cfg.rule_count, 1);
	ck_assert_str_eq(cfg.rules[0].name, name);
	config_free(&cfg);
}
END_TEST
START_TEST(test_semicolon_without_space_before_is_part_of_the_value)
{
	struct rfs_config cfg;

	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = a;b ;comment\ntable = t\ncolumn = c\n"
				   "member = ^x#([0-9]+)\n");
	load_ok(&cfg);
	ck_assert_str_eq(cfg.rules[0].keys, "a;b");
	ck_assert_str_eq(cfg.rules[0].member, "^x#([0-9]+)");
	config_free(&cfg);
}
END_TEST
START_TEST(test_comments_blank_lines_crlf_and_bom_are_accepted)
{
	struct rfs_config cfg;

	write_config("\xEF\xBB\xBF; a comment\r\n# another\r\n\r\n[redis] ; the server\r\n"
		     "url = redis://h\r\n  \r\nro = on\r\n");
	load_ok(&cfg);
	ck_assert_str_eq(cfg.redis.url, "redis://h");
	ck_assert_int_eq(cfg.redis.ro, 1);
	config_free(&cfg);
}
END_TEST
START_TEST(test_empty_file_loads_as_silent)
{
	struct rfs_config cfg;

	write_config("%s", "");
	load_ok(&cfg);
	ck_assert_ptr_null(cfg.redis.url);
	ck_assert_int_eq(cfg.redis.ro, -1);
	ck_assert(!cfg.has_mysql);
	ck_assert_uint_eq(cfg.rule_count, 0);
	config_free(&cfg);
}
END_TEST

/* ---- the password file ---- */

START_TEST(test_password_file_loses_one_trailing_newline_only)
{
	struct rfs_config cfg;

	write_config("[mysql]\npassword_file = %s\n", pass_path);

	write_password(PASSWORD "\n", strlen(PASSWORD) + 1, 0600);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD);
	config_free(&cfg);

	write_password(PASSWORD, strlen(PASSWORD), 0400);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD);
	config_free(&cfg);

	write_password(PASSWORD "\n\n", strlen(PASSWORD) + 2, 0600);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD "\n");
	config_free(&cfg);

	write_password(" " PASSWORD " \r\n", strlen(PASSWORD) + 4, 0600);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, " " PASSWORD " \r");
	config_free(&cfg);
}
END_TEST
START_TEST(test_password_file_open_to_group_or_others_is_refused)
{
	static const mode_t modes[] = {0644, 0640, 0604, 0620, 0610, 0601};

	write_config("[mysql]\nhost = db\npassword_file = %s\n", pass_path);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_password(PASSWORD "\n", strlen(PASSWORD) + 1, modes[i]);
		load_fails(-EACCES, 3, "chmod 600");
		load_fails(-EACCES, 3, pass_path);
	}
}
END_TEST
START_TEST(test_missing_password_file_gives_its_errno)
{
	write_config("[mysql]\npassword_file = %s\n", pass_path);
	load_fails(-ENOENT, 2, strerror(ENOENT));
	load_fails(-ENOENT, 2, pass_path);
}
END_TEST
START_TEST(test_password_file_that_is_a_directory_is_refused)
{
	write_config("[mysql]\npassword_file = %s\n", config_dir);
	load_fails(-EINVAL, 2, "not a regular file");
}
END_TEST
START_TEST(test_password_file_with_nul_byte_is_refused)
{
	write_password("ab\0cd\n", 6, 0600);
	write_config("[mysql]\npassword_file = %s\n", pass_path);
	load_fails(-EINVAL, 2, "NUL");
}
END_TEST
START_TEST(test_password_of_4096_bytes_loads_and_4097_is_refused)
{
	struct rfs_config cfg;
	static char big[4098];

	memset(big, 'p', sizeof big);
	write_config("[mysql]\npassword_file = %s\n", pass_path);

	big[4096] = '\n';
	write_password(big, 4097, 0600);
	load_ok(&cfg);
	ck_assert_uint_eq(strlen(cfg.mysql.password), 4096);
	config_free(&cfg);

	write_password(big, 4097 - 1, 0600); /* 4096 bytes, no newline */
	load_ok(&cfg);
	ck_assert_uint_eq(strlen(cfg.mysql.password), 4096);
	config_free(&cfg);

	big[4096] = 'p';
	write_password(big, 4097, 0600);
	load_fails(-EINVAL, 2, "longer than 4096");

	big[4097] = '\n';
	write_password(big, 4098, 0600);
	load_fails(-EINVAL, 2, "longer than 4096");
}
END_TEST
START_TEST(test_password_key_is_unknown_and_its_value_never_shown)
{
	write_config("[mysql]\nhost = db\npassword = %s\n", PASSWORD);
	load_fails(-EINVAL, 3, "unknown key 'password' in [mysql]");
	load_fails(-EINVAL, 3, "password_file");
}
END_TEST

static Suite *config_loads_suite(void)
{
	Suite *s = suite_create("config_loads");
	TCase *tc;

	tc = tcase_create("loads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spec_example_loads_exactly_with_inline_comments);
	tcase_add_test(tc, test_redis_section_keeps_strings_for_the_option_code);
	tcase_add_test(tc, test_booleans_take_true_false_yes_no_on_off_1_0_in_any_case);
	tcase_add_test(tc, test_bad_boolean_names_file_line_and_key);
	tcase_add_test(tc, test_mysql_fields_and_port_bounds_load);
	tcase_add_test(tc, test_empty_mysql_section_counts_as_present);
	tcase_add_test(tc, test_rule_defaults_db_0_and_no_member);
	tcase_add_test(tc, test_several_rules_keep_file_order_and_db);
	tcase_add_test(tc, test_rule_name_longer_than_libinih_section_buffer_is_kept_whole);
	tcase_add_test(tc, test_semicolon_without_space_before_is_part_of_the_value);
	tcase_add_test(tc, test_comments_blank_lines_crlf_and_bom_are_accepted);
	tcase_add_test(tc, test_empty_file_loads_as_silent);
	suite_add_tcase(s, tc);

	tc = tcase_create("password_file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_password_file_loses_one_trailing_newline_only);
	tcase_add_test(tc, test_password_file_open_to_group_or_others_is_refused);
	tcase_add_test(tc, test_missing_password_file_gives_its_errno);
	tcase_add_test(tc, test_password_file_that_is_a_directory_is_refused);
	tcase_add_test(tc, test_password_file_with_nul_byte_is_refused);
	tcase_add_test(tc, test_password_of_4096_bytes_loads_and_4097_is_refused);
	tcase_add_test(tc, test_password_key_is_unknown_and_its_value_never_shown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(config_loads_suite(), CK_FORK);
}
