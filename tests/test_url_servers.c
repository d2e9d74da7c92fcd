/* test_url_servers.c - unit tests of fs/url.c's TLS and Sentinel forms (SPEC section 1). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/url.h"
#include "run_suite.h"

#define ERR_LEN 256

static struct redis_url parse_ok(const char *text)
{
	struct redis_url url;
	char err[ERR_LEN];
	int rc = url_parse(text, &url, err, sizeof err);

	ck_assert_msg(rc == 0, "url_parse(\"%s\") = %d: %s", text, rc, err);
	return url;
}

/* Must fail with -EINVAL, hold nothing, and give a one-line reason holding `needle`. */
static void parse_fails(const char *text, const char *needle)
{
	struct redis_url url;
	char err[ERR_LEN];
	int rc;

	memset(&url, 0xa5, sizeof url);
	rc = url_parse(text, &url, err, sizeof err);
	ck_assert_msg(rc == -EINVAL, "url_parse(\"%s\") = %d, expected -EINVAL", text, rc);
	ck_assert_ptr_null(url.host);
	ck_assert_ptr_null(url.sentinels);
	ck_assert_ptr_null(url.master);
	ck_assert_ptr_null(url.password);
	ck_assert_msg(!strchr(err, '\n'), "reason for \"%s\" spans lines: %s", text, err);
	ck_assert_msg(strstr(err, needle), "reason for \"%s\" is \"%s\", lacks \"%s\"", text, err,
		      needle);
	ck_assert_msg(!strstr(err, "Qx7Zk9Wm"), "reason for \"%s\" shows the password", text);
	url_free(&url);
}

static void assert_display(const char *text, const char *expected)
{
	struct redis_url url = parse_ok(text);
	char out[512];

	url_display(&url, out, sizeof out);
	ck_assert_str_eq(out, expected);
	url_free(&url);
}

START_TEST(test_rediss_is_redis_over_tls)
{
	struct redis_url url = parse_ok("rediss://user:pw@cache.example.com:6380/2");

	ck_assert(url.tls);
	ck_assert_str_eq(url.host, "cache.example.com");
	ck_assert_int_eq(url.port, 6380);
	ck_assert_int_eq(url.db, 2);
	ck_assert_str_eq(url.user, "user");
	ck_assert_str_eq(url.password, "pw");
	ck_assert_ptr_null(url.master);
	url_free(&url);
	url = parse_ok("REDISS://h");
	ck_assert(url.tls);
	ck_assert_int_eq(url.port, 6379);
	url_free(&url);
	url = parse_ok("redis://h");
	ck_assert(!url.tls);
	url_free(&url);
}
END_TEST

START_TEST(test_sentinel_hosts_default_to_26379)
{
	struct redis_url url = parse_ok("redis-sentinel://s1,s2:26380,[::1],[::1]:7#mymaster");

	ck_assert(!url.tls);
	ck_assert_ptr_null(url.host);
	ck_assert_uint_eq(url.sentinel_count, 4);
	ck_assert_str_eq(url.sentinels[0].host, "s1");
	ck_assert_int_eq(url.sentinels[0].port, 26379);
	ck_assert_str_eq(url.sentinels[1].host, "s2");
	ck_assert_int_eq(url.sentinels[1].port, 26380);
	ck_assert_str_eq(url.sentinels[2].host, "::1");
	ck_assert_int_eq(url.sentinels[2].port, 26379);
	ck_assert_int_eq(url.sentinels[3].port, 7);
	ck_assert_str_eq(url.master, "mymaster");
	ck_assert_int_eq(url.db, -1);
	url_free(&url);
}
END_TEST

START_TEST(test_sentinel_userinfo_database_and_tls)
{
	/* a password may hold '#' and '@': the master is after the last '#' */
	struct redis_url url =
		parse_ok("rediss-sentinel://app:p%40ss#w@rd@10.0.0.1:5000/3#cache-1");

	ck_assert(url.tls);
	ck_assert_str_eq(url.user, "app");
	ck_assert_str_eq(url.password, "p@ss#w@rd");
	ck_assert_uint_eq(url.sentinel_count, 1);
	ck_assert_str_eq(url.sentinels[0].host, "10.0.0.1");
	ck_assert_int_eq(url.sentinels[0].port, 5000);
	ck_assert_int_eq(url.db, 3);
	ck_assert_str_eq(url.master, "cache-1");
	url_free(&url);
}
END_TEST

START_TEST(test_sentinel_display_has_no_userinfo_and_parses_again)
{
	assert_display("redis-sentinel://u:Qx7Zk9Wm@s1,s2:1#m", "redis-sentinel://s1:26379,s2:1#m");
	assert_display("rediss-sentinel://[fe80::1%25eth0]:9/4#m.x",
		       "rediss-sentinel://[fe80::1%25eth0]:9/4#m.x");
	assert_display("rediss://u:Qx7Zk9Wm@h/1", "rediss://h:6379/1");
}
END_TEST

START_TEST(test_sentinel_mistakes_are_named)
{
	parse_fails("redis-sentinel://s1:26379", "names no master");
	parse_fails("redis-sentinel://u:Qx7Zk9Wm@s1#", "names no master");
	parse_fails("redis-sentinel://s1,,s2#m", "empty sentinel host");
	parse_fails("redis-sentinel://s1,#m", "empty sentinel host");
	parse_fails("redis-sentinel://u:Qx7Zk9Wm@s1:0#m", "bad port '0'");
	parse_fails("redis-sentinel://s1/x#m", "bad database number 'x'");
	parse_fails("redis-sentinel://s1#bad name", "bad master name 'bad name'");
	parse_fails("redis-sentinel://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,"
		    "E,F,G#m",
		    "33 sentinels in URL: at most 32");
	parse_fails("sentinel://s1#m", "unknown scheme 'sentinel'");
}
END_TEST

static Suite *url_servers_suite(void)
{
	Suite *s = suite_create("url_servers");
	TCase *tc = tcase_create("forms");

	tcase_add_test(tc, test_rediss_is_redis_over_tls);
	tcase_add_test(tc, test_sentinel_hosts_default_to_26379);
	tcase_add_test(tc, test_sentinel_userinfo_database_and_tls);
	tcase_add_test(tc, test_sentinel_display_has_no_userinfo_and_parses_again);
	tcase_add_test(tc, test_sentinel_mistakes_are_named);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(url_servers_suite(), CK_FORK);
}
