/* test_url_errors.c - unit tests of fs/url.c (SPEC 1): refused URLs, display, free. */
#include "url_fixture.h"
#include "run_suite.h"

/* ---- schemes ---- */

START_TEST(test_unknown_scheme_is_named)
{
	char err[ERR_LEN];

	parse_fails("http://h:6379", err);
	ck_assert_str_eq(err, "unknown scheme 'http' in URL (expected redis://, rediss://, "
			      "unix://, redis-sentinel:// or rediss-sentinel://)");
}
END_TEST

/* SPEC 1: a bare host[:port] is redis://host[:port], as redis-cli and sshfs users type it */
START_TEST(test_bare_host_and_port_is_redis)
{
	struct redis_url url = parse_ok("localhost:6380");

	ck_assert_str_eq(url.host, "localhost");
	ck_assert_int_eq(url.port, 6380);
	ck_assert_int_eq(url.db, -1);
	url_free(&url);
	url = parse_ok("10.0.0.5");
	ck_assert_str_eq(url.host, "10.0.0.5");
	ck_assert_int_eq(url.port, 6379);
	url_free(&url);
	url = parse_ok("[::1]:7000/2");
	ck_assert_str_eq(url.host, "::1");
	ck_assert_int_eq(url.port, 7000);
	ck_assert_int_eq(url.db, 2);
	url_free(&url);
}
END_TEST
START_TEST(test_text_without_scheme_is_refused)
{
	char err[ERR_LEN];

	/* userinfo needs the scheme; the message must not quote it */
	parse_fails("u:secret@localhost:6379", err);
	assert_names(err, "scheme");
	ck_assert_ptr_null(strstr(err, "secret"));
	parse_fails("localhost:99999", err);
	assert_names(err, "99999");
	parse_fails("", err);
	assert_names(err, "scheme");
	parse_fails("://h", err);
	assert_names(err, "scheme");
}
END_TEST

/* ---- bad host, port, db ---- */

START_TEST(test_empty_host_is_refused)
{
	char err[ERR_LEN];

	parse_fails("redis://", err);
	assert_names(err, "empty host");
	parse_fails("redis://:6379", err);
	assert_names(err, "empty host");
	parse_fails("redis://u:p@/0", err);
	assert_names(err, "empty host");
	parse_fails("redis://[]:6379", err);
	assert_names(err, "empty host");
}
END_TEST
START_TEST(test_bad_host_characters_are_named)
{
	char err[ERR_LEN];

	parse_fails("redis://my host:6379", err);
	assert_names(err, "'my host'");
}
END_TEST
START_TEST(test_bad_port_is_named)
{
	static const char *const bad[][2] = {
		{"redis://h:70000", "'70000'"}, {"redis://h:0", "'0'"},
		{"redis://h:-1", "'-1'"},	{"redis://h:+80", "'+80'"},
		{"redis://h: 80", "' 80'"},	{"redis://h:80x", "'80x'"},
		{"redis://h:", "''"},		{"redis://h:99999999999999999999", "'9999"},
		{"redis://[::1]:abc", "'abc'"},
	};
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		parse_fails(bad[i][0], err);
		assert_names(err, "port");
		assert_names(err, bad[i][1]);
	}
}
END_TEST
START_TEST(test_bad_db_is_named)
{
	static const char *const bad[][2] = {
		{"redis://h/x", "'x'"},		  {"redis://h/-1", "'-1'"},
		{"redis://h/+1", "'+1'"},	  {"redis://h/ 1", "' 1'"},
		{"redis://h/1 ", "'1 '"},	  {"redis://h/2147483648", "'2147483648'"},
		{"redis://h/1/2", "'1/2'"},	  {"redis://h//", "'/'"},
		{"redis://h/0?db=1", "'0?db=1'"},
	};
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		parse_fails(bad[i][0], err);
		assert_names(err, "database");
		assert_names(err, bad[i][1]);
	}
}
END_TEST
START_TEST(test_control_bytes_do_not_break_the_error_line)
{
	char err[ERR_LEN];

	/* parse_fails() checks that the reason has no newline. */
	parse_fails("redis://h:63\n79", err);
	assert_names(err, "port");
	parse_fails("redis://h/1\r\n", err);
	assert_names(err, "database");
}
END_TEST
START_TEST(test_long_bad_part_is_shortened)
{
	char text[600], err[ERR_LEN];

	memcpy(text, "redis://h/", 10);
	memset(text + 10, 'x', 500);
	text[510] = '\0';
	parse_fails(text, err);
	assert_names(err, "...");
	ck_assert_uint_lt(strlen(err), 200);
}
END_TEST
START_TEST(test_small_error_buffer_is_truncated_safely)
{
	struct redis_url url;
	char err[8];

	ck_assert_int_eq(url_parse("http://h", &url, err, sizeof err), -EINVAL);
	ck_assert_str_eq(err, "unknown");
	ck_assert_int_eq(url_parse("http://h", &url, NULL, 0), -EINVAL);
}
END_TEST

/* ---- the password never shows ---- */

/* Whether any 4-byte piece of `secret` appears in `err`. */
static int leaks(const char *err, const char *secret)
{
	size_t i, n = strlen(secret);

	for (i = 0; i + 4 <= n; i++) {
		if (memmem(err, strlen(err), secret + i, 4))
			return 1;
	}
	return 0;
}

START_TEST(test_password_never_appears_in_an_error)
{
	static const char *const bad[] = {
		"redis://u:Qx7Zk9Wm@h:70000",
		"redis://u:Qx7Zk9Wm@h/x",
		"redis://u:Qx7Zk9Wm@h:6379/-1",
		"redis://u:Qx7Zk9Wm@bad host",
		"redis://u:Qx7Zk9Wm@[::zz]",
		"redis://u:Qx7Zk9Wm@::1:6379",
		"redis://u:Qx7Zk9Wm@",
		"redis://u:Qx7Zk9Wm%zz@h",
		"redis://u:Qx7Zk9Wm%00@h",
		"redis://u:Qx7/Zk9Wm@h:bad",
		"redis://u:Qx7/Zk9Wm@h/bad",
		"redis://u:Qx7@Zk9Wm@h/bad",
		"rediss://u:Qx7Zk9Wm@h:bad",
		"redis-sentinel://u:Qx7Zk9Wm@h",
		"redis-sentinel://u:Qx7Zk9Wm@h,,h#m",
		"rediss-sentinel://u:Qx7Zk9Wm@h:0#m",
		"http://u:Qx7Zk9Wm@h",
		"u:Qx7Zk9Wm@h:6379",
		"unix://u:Qx7Zk9Wm@/tmp/r.sock",
		"unix:///tmp/r.sock?password=Qx7Zk9Wm",
		"unix:///tmp/r.sock?db=1&auth=Qx7Zk9Wm",
	};
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		parse_fails(bad[i], err);
		ck_assert_msg(!leaks(err, "Qx7Zk9Wm"), "\"%s\" leaks the password: %s", bad[i],
			      err);
	}
}
END_TEST

/* ---- url_display ---- */

static void assert_display(const char *text, const char *expected)
{
	struct redis_url url = parse_ok(text);
	char out[256];
	size_t n = url_display(&url, out, sizeof out);

	ck_assert_str_eq(out, expected);
	ck_assert_uint_eq(n, strlen(expected));
	url_free(&url);
}

START_TEST(test_display_of_tcp_forms)
{
	assert_display("redis://h", "redis://h:6379");
	assert_display("redis://h:7000", "redis://h:7000");
	assert_display("redis://h:7000/3", "redis://h:7000/3");
	assert_display("redis://h/0", "redis://h:6379/0");
	assert_display("redis://h:1/", "redis://h:1");
	assert_display(URL_DEFAULT, URL_DEFAULT);
}
END_TEST
START_TEST(test_display_omits_userinfo)
{
	assert_display("redis://app:hunter2@h:6380/1", "redis://h:6380/1");
	assert_display("redis://:hunter2@h", "redis://h:6379");
	assert_display("redis://app@h", "redis://h:6379");
}
END_TEST
START_TEST(test_display_rebrackets_ipv6)
{
	assert_display("redis://[::1]", "redis://[::1]:6379");
	assert_display("redis://u:p@[2001:db8::5]:6380/2", "redis://[2001:db8::5]:6380/2");
	assert_display("redis://[fe80::1%25eth0]:6379", "redis://[fe80::1%25eth0]:6379");
}
END_TEST
START_TEST(test_display_of_unix_forms)
{
	assert_display("unix:///run/redis.sock", "unix:///run/redis.sock");
	assert_display("unix:///run/redis.sock?db=4", "unix:///run/redis.sock?db=4");
	assert_display("unix:///tmp/a%20b%3F%25.sock", "unix:///tmp/a%20b%3F%25.sock");
}
END_TEST
START_TEST(test_display_parses_back_to_the_same_url)
{
	static const char *const texts[] = {
		"redis://u:p@[fe80::1%25eth0]:6380/7",
		"redis://h.example:1/0",
		"unix:///tmp/a%20b%3F%25.sock?db=2",
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct redis_url a = parse_ok(texts[i]), b;
		char out[256];

		url_display(&a, out, sizeof out);
		b = parse_ok(out);
		if (a.host)
			ck_assert_str_eq(a.host, b.host);
		if (a.socket_path)
			ck_assert_str_eq(a.socket_path, b.socket_path);
		ck_assert_int_eq(a.port, b.port);
		ck_assert_int_eq(a.db, b.db);
		url_free(&a);
		url_free(&b);
	}
}
END_TEST
START_TEST(test_display_truncates_and_terminates)
{
	struct redis_url url = parse_ok("redis://h:7000/3");
	char out[8];

	memset(out, 'z', sizeof out);
	ck_assert_uint_eq(url_display(&url, out, sizeof out), 7);
	ck_assert_str_eq(out, "redis:/");
	ck_assert_uint_eq(url_display(&url, out, 1), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(url_display(&url, out, 0), 0);
	url_free(&url);

	url = parse_ok("unix:///run/redis.sock?db=4");
	ck_assert_uint_eq(url_display(&url, out, sizeof out), 7);
	ck_assert_str_eq(out, "unix://");
	url_free(&url);
}
END_TEST

/* ---- url_free ---- */

START_TEST(test_url_free_of_zeroed_struct_is_safe)
{
	struct redis_url url;

	memset(&url, 0, sizeof url);
	url_free(&url);
	url_free(&url);
	ck_assert_ptr_null(url.host);
}
END_TEST
START_TEST(test_url_free_twice_after_parse_is_safe)
{
	struct redis_url url = parse_ok("redis://u:p@h/1");

	url_free(&url);
	url_free(&url);
	ck_assert_ptr_null(url.password);
}
END_TEST

static Suite *url_errors_suite(void)
{
	Suite *s = suite_create("url_errors");
	TCase *tc;

	tc = tcase_create("errors");
	tcase_add_test(tc, test_unknown_scheme_is_named);
	tcase_add_test(tc, test_text_without_scheme_is_refused);
	tcase_add_test(tc, test_bare_host_and_port_is_redis);
	tcase_add_test(tc, test_empty_host_is_refused);
	tcase_add_test(tc, test_bad_host_characters_are_named);
	tcase_add_test(tc, test_bad_port_is_named);
	tcase_add_test(tc, test_bad_db_is_named);
	tcase_add_test(tc, test_control_bytes_do_not_break_the_error_line);
	tcase_add_test(tc, test_long_bad_part_is_shortened);
	tcase_add_test(tc, test_small_error_buffer_is_truncated_safely);
	tcase_add_test(tc, test_password_never_appears_in_an_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("display");
	tcase_add_test(tc, test_display_of_tcp_forms);
	tcase_add_test(tc, test_display_omits_userinfo);
	tcase_add_test(tc, test_display_rebrackets_ipv6);
	tcase_add_test(tc, test_display_of_unix_forms);
	tcase_add_test(tc, test_display_parses_back_to_the_same_url);
	tcase_add_test(tc, test_display_truncates_and_terminates);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	tcase_add_test(tc, test_url_free_of_zeroed_struct_is_safe);
	tcase_add_test(tc, test_url_free_twice_after_parse_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(url_errors_suite(), CK_FORK);
}
