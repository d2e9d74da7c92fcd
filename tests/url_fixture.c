/* url_fixture.c - parse-and-check helpers for the url unit suites. */
#include "url_fixture.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse `text`, which must succeed; the caller frees the result with url_free(). */
struct redis_url parse_ok(const char *text)
{
	struct redis_url url;
	char err[ERR_LEN];
	int rc = url_parse(text, &url, err, sizeof err);

	ck_assert_msg(rc == 0, "url_parse(\"%s\") = %d: %s", text, rc, err);
	return url;
}

/*
 * Parse `text`, which must fail with -EINVAL, leave nothing in the struct,
 * and give a one-line reason; the reason is left in `err`.
 */
void parse_fails(const char *text, char err[ERR_LEN])
{
	struct redis_url url;
	int rc;

	memset(&url, 0xa5, sizeof url); /* garbage, as a caller's stack would hold */
	rc = url_parse(text, &url, err, ERR_LEN);
	ck_assert_msg(rc == -EINVAL, "url_parse(\"%s\") = %d, expected -EINVAL", text, rc);
	ck_assert_ptr_null(url.host);
	ck_assert_ptr_null(url.socket_path);
	ck_assert_ptr_null(url.user);
	ck_assert_ptr_null(url.password);
	ck_assert_msg(err[0] != '\0', "no reason given for \"%s\"", text);
	ck_assert_msg(strchr(err, '\n') == NULL, "reason for \"%s\" spans lines: %s", text, err);
	url_free(&url);
}

/* Whether `err` contains `needle`: for messages that must name the bad part. */
void assert_names(const char *err, const char *needle)
{
	ck_assert_msg(strstr(err, needle) != NULL, "\"%s\" does not name \"%s\"", err, needle);
}
