/* test_url_forms.c - unit tests of fs/url.c (SPEC 1): redis, IPv6, userinfo, unix forms. */
#include "url_fixture.h"
#include "run_suite.h"

/* ---- redis:// ---- */

START_TEST(test_default_url_is_localhost_6379_all_databases)
{
	struct redis_url url = parse_ok(URL_DEFAULT);

	ck_assert_str_eq(url.host, "127.0.0.1");
	ck_assert_int_eq(url.port, 6379);
	ck_assert_int_eq(url.db, -1);
	ck_assert_ptr_null(url.socket_path);
	ck_assert_ptr_null(url.user);
	ck_assert_ptr_null(url.password);
	url_free(&url);
}
END_TEST
START_TEST(test_port_defaults_to_6379)
{
	struct redis_url url = parse_ok("redis://cache.example.com");

	ck_assert_str_eq(url.host, "cache.example.com");
	ck_assert_int_eq(url.port, URL_DEFAULT_PORT);
	ck_assert_int_eq(url.db, -1);
	url_free(&url);
}
END_TEST
START_TEST(test_host_port_and_db_are_read)
{
	struct redis_url url = parse_ok("redis://10.0.0.5:7000/3");

	ck_assert_str_eq(url.host, "10.0.0.5");
	ck_assert_int_eq(url.port, 7000);
	ck_assert_int_eq(url.db, 3);
	url_free(&url);
}
END_TEST
START_TEST(test_db_without_port)
{
	struct redis_url url = parse_ok("redis://localhost/0");

	ck_assert_str_eq(url.host, "localhost");
	ck_assert_int_eq(url.port, 6379);
	ck_assert_int_eq(url.db, 0);
	url_free(&url);
}
END_TEST
START_TEST(test_trailing_slash_means_all_databases)
{
	struct redis_url url = parse_ok("redis://h:1/");

	ck_assert_int_eq(url.port, 1);
	ck_assert_int_eq(url.db, -1);
	url_free(&url);
}
END_TEST
START_TEST(test_port_bounds_1_and_65535_are_accepted)
{
	struct redis_url url = parse_ok("redis://h:65535");

	ck_assert_int_eq(url.port, 65535);
	url_free(&url);
	url = parse_ok("redis://h:1");
	ck_assert_int_eq(url.port, 1);
	url_free(&url);
}
END_TEST
START_TEST(test_db_up_to_int_max_is_accepted)
{
	char text[64];
	struct redis_url url;

	snprintf(text, sizeof text, "redis://h/%d", INT_MAX);
	url = parse_ok(text);
	ck_assert_int_eq(url.db, INT_MAX);
	url_free(&url);
}
END_TEST
START_TEST(test_scheme_is_case_insensitive)
{
	struct redis_url url = parse_ok("REDIS://h:6380");

	ck_assert_str_eq(url.host, "h");
	ck_assert_int_eq(url.port, 6380);
	url_free(&url);
}
END_TEST

/* ---- IPv6 ---- */

START_TEST(test_ipv6_host_loses_its_brackets)
{
	struct redis_url url = parse_ok("redis://[::1]:6380/2");

	ck_assert_str_eq(url.host, "::1");
	ck_assert_int_eq(url.port, 6380);
	ck_assert_int_eq(url.db, 2);
	url_free(&url);
}
END_TEST
START_TEST(test_ipv6_without_port_uses_default)
{
	struct redis_url url = parse_ok("redis://[2001:db8::5]");

	ck_assert_str_eq(url.host, "2001:db8::5");
	ck_assert_int_eq(url.port, 6379);
	url_free(&url);
}
END_TEST
START_TEST(test_ipv6_zone_is_decoded_from_percent_25)
{
	struct redis_url url = parse_ok("redis://[fe80::1%25eth0]:6379");

	ck_assert_str_eq(url.host, "fe80::1%eth0");
	url_free(&url);
}
END_TEST
START_TEST(test_unbracketed_ipv6_is_refused)
{
	char err[ERR_LEN];

	parse_fails("redis://::1:6379", err);
	assert_names(err, "'::1:6379'");
	assert_names(err, "brackets");
}
END_TEST
START_TEST(test_bad_ipv6_is_refused_naming_it)
{
	char err[ERR_LEN];

	parse_fails("redis://[::g]:6379", err);
	assert_names(err, "'::g'");
	parse_fails("redis://[::1", err);
	assert_names(err, "'[::1'");
	parse_fails("redis://[::1]x", err);
	assert_names(err, "'[::1]x'");
}
END_TEST

/* ---- userinfo ---- */

START_TEST(test_user_and_password_are_read)
{
	struct redis_url url = parse_ok("redis://app:hunter2@h:6379/1");

	ck_assert_str_eq(url.user, "app");
	ck_assert_str_eq(url.password, "hunter2");
	ck_assert_str_eq(url.host, "h");
	ck_assert_int_eq(url.db, 1);
	url_free(&url);
}
END_TEST
START_TEST(test_user_alone_has_no_password)
{
	struct redis_url url = parse_ok("redis://app@h");

	ck_assert_str_eq(url.user, "app");
	ck_assert_ptr_null(url.password);
	url_free(&url);
}
END_TEST
START_TEST(test_password_alone_is_for_the_default_user)
{
	struct redis_url url = parse_ok("redis://:hunter2@h");

	ck_assert_ptr_null(url.user);
	ck_assert_str_eq(url.password, "hunter2");
	url_free(&url);
}
END_TEST
START_TEST(test_empty_userinfo_parts_count_as_absent)
{
	struct redis_url url = parse_ok("redis://app:@h");

	ck_assert_str_eq(url.user, "app");
	ck_assert_ptr_null(url.password);
	url_free(&url);
	url = parse_ok("redis://@h");
	ck_assert_ptr_null(url.user);
	ck_assert_ptr_null(url.password);
	ck_assert_str_eq(url.host, "h");
	url_free(&url);
}
END_TEST
START_TEST(test_userinfo_is_percent_decoded)
{
	struct redis_url url = parse_ok("redis://a%40b%3ac:p%2F%3A%40%25x%7e@h");

	ck_assert_str_eq(url.user, "a@b:c");
	ck_assert_str_eq(url.password, "p/:@%x~");
	url_free(&url);
}
END_TEST
START_TEST(test_password_may_hold_unencoded_at_slash_and_colon)
{
	struct redis_url url = parse_ok("redis://u:p@s/s:w@h:6380/4");

	ck_assert_str_eq(url.user, "u");
	ck_assert_str_eq(url.password, "p@s/s:w");
	ck_assert_str_eq(url.host, "h");
	ck_assert_int_eq(url.port, 6380);
	ck_assert_int_eq(url.db, 4);
	url_free(&url);
}
END_TEST
START_TEST(test_bad_percent_escape_in_userinfo_is_refused)
{
	char err[ERR_LEN];

	parse_fails("redis://u%4:p@h", err);
	assert_names(err, "user name");
	parse_fails("redis://u:p%zz@h", err);
	assert_names(err, "password");
	parse_fails("redis://u:p%@h", err);
	assert_names(err, "password");
	parse_fails("redis://u:p%0@h", err);
	assert_names(err, "password");
}
END_TEST
START_TEST(test_percent_00_in_userinfo_is_refused)
{
	char err[ERR_LEN];

	parse_fails("redis://u:ab%00cd@h", err);
	assert_names(err, "password");
}
END_TEST

/* ---- unix:// ---- */

START_TEST(test_unix_socket_path_is_read)
{
	struct redis_url url = parse_ok("unix:///run/redis/redis.sock");

	ck_assert_str_eq(url.socket_path, "/run/redis/redis.sock");
	ck_assert_ptr_null(url.host);
	ck_assert_int_eq(url.db, -1);
	ck_assert_ptr_null(url.user);
	ck_assert_ptr_null(url.password);
	url_free(&url);
}
END_TEST
START_TEST(test_unix_db_query_is_read)
{
	struct redis_url url = parse_ok("unix:///tmp/r.sock?db=5");

	ck_assert_str_eq(url.socket_path, "/tmp/r.sock");
	ck_assert_int_eq(url.db, 5);
	url_free(&url);
}
END_TEST
START_TEST(test_unix_empty_query_means_all_databases)
{
	struct redis_url url = parse_ok("unix:///tmp/r.sock?");

	ck_assert_int_eq(url.db, -1);
	url_free(&url);
}
END_TEST
START_TEST(test_unix_path_is_percent_decoded)
{
	struct redis_url url = parse_ok("unix:///tmp/a%20b%3F.sock?db=0");

	ck_assert_str_eq(url.socket_path, "/tmp/a b?.sock");
	ck_assert_int_eq(url.db, 0);
	url_free(&url);
}
END_TEST
START_TEST(test_unix_unknown_query_parameter_is_named)
{
	char err[ERR_LEN];

	parse_fails("unix:///tmp/r.sock?timeout=3", err);
	assert_names(err, "'timeout'");
	parse_fails("unix:///tmp/r.sock?db=1&foo", err);
	assert_names(err, "'foo'");
}
END_TEST
START_TEST(test_unix_db_given_twice_is_refused)
{
	char err[ERR_LEN];

	parse_fails("unix:///tmp/r.sock?db=1&db=2", err);
	assert_names(err, "twice");
}
END_TEST
START_TEST(test_unix_bad_db_is_named)
{
	char err[ERR_LEN];

	parse_fails("unix:///tmp/r.sock?db=x1", err);
	assert_names(err, "'x1'");
	parse_fails("unix:///tmp/r.sock?db=", err);
	assert_names(err, "''");
	parse_fails("unix:///tmp/r.sock?db", err);
	assert_names(err, "database");
}
END_TEST
START_TEST(test_unix_relative_or_empty_path_is_refused)
{
	char err[ERR_LEN];

	parse_fails("unix://", err);
	assert_names(err, "empty socket path");
	parse_fails("unix://?db=1", err);
	assert_names(err, "empty socket path");
	parse_fails("unix://run/redis.sock", err);
	assert_names(err, "absolute");
}
END_TEST
START_TEST(test_unix_directory_path_is_refused)
{
	char err[ERR_LEN];

	parse_fails("unix:///", err);
	assert_names(err, "'/'");
	parse_fails("unix:///run/redis/", err);
	assert_names(err, "'/run/redis/'");
}
END_TEST
START_TEST(test_unix_bad_percent_escape_in_path_is_refused)
{
	char err[ERR_LEN];

	parse_fails("unix:///tmp/a%g1.sock", err);
	assert_names(err, "'/tmp/a%g1.sock'");
}
END_TEST

static Suite *url_forms_suite(void)
{
	Suite *s = suite_create("url_forms");
	TCase *tc;

	tc = tcase_create("redis");
	tcase_add_test(tc, test_default_url_is_localhost_6379_all_databases);
	tcase_add_test(tc, test_port_defaults_to_6379);
	tcase_add_test(tc, test_host_port_and_db_are_read);
	tcase_add_test(tc, test_db_without_port);
	tcase_add_test(tc, test_trailing_slash_means_all_databases);
	tcase_add_test(tc, test_port_bounds_1_and_65535_are_accepted);
	tcase_add_test(tc, test_db_up_to_int_max_is_accepted);
	tcase_add_test(tc, test_scheme_is_case_insensitive);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipv6");
	tcase_add_test(tc, test_ipv6_host_loses_its_brackets);
	tcase_add_test(tc, test_ipv6_without_port_uses_default);
	tcase_add_test(tc, test_ipv6_zone_is_decoded_from_percent_25);
	tcase_add_test(tc, test_unbracketed_ipv6_is_refused);
	tcase_add_test(tc, test_bad_ipv6_is_refused_naming_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("userinfo");
	tcase_add_test(tc, test_user_and_password_are_read);
	tcase_add_test(tc, test_user_alone_has_no_password);
	tcase_add_test(tc, test_password_alone_is_for_the_default_user);
	tcase_add_test(tc, test_empty_userinfo_parts_count_as_absent);
	tcase_add_test(tc, test_userinfo_is_percent_decoded);
	tcase_add_test(tc, test_password_may_hold_unencoded_at_slash_and_colon);
	tcase_add_test(tc, test_bad_percent_escape_in_userinfo_is_refused);
	tcase_add_test(tc, test_percent_00_in_userinfo_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("unix");
	tcase_add_test(tc, test_unix_socket_path_is_read);
	tcase_add_test(tc, test_unix_db_query_is_read);
	tcase_add_test(tc, test_unix_empty_query_means_all_databases);
	tcase_add_test(tc, test_unix_path_is_percent_decoded);
	tcase_add_test(tc, test_unix_unknown_query_parameter_is_named);
	tcase_add_test(tc, test_unix_db_given_twice_is_refused);
	tcase_add_test(tc, test_unix_bad_db_is_named);
	tcase_add_test(tc, test_unix_relative_or_empty_path_is_refused);
	tcase_add_test(tc, test_unix_directory_path_is_refused);
	tcase_add_test(tc, test_unix_bad_percent_escape_in_path_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(url_forms_suite(), CK_FORK);
}
