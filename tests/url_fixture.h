/* url_fixture.h - parse-and-check helpers for the url unit suites. */
#ifndef REDISFS_TESTS_URL_FIXTURE_H
#define REDISFS_TESTS_URL_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/url.h"

#define ERR_LEN 256

/* Parse `text`, which must succeed; the caller frees the result with url_free(). */
struct redis_url parse_ok(const char *text);

/*
 * Parse `text`, which must fail with -EINVAL, leave nothing in the struct,
 * and give a one-line reason; the reason is left in `err`.
 */
void parse_fails(const char *text, char err[ERR_LEN]);

/* Whether `err` contains `needle`: for messages that must name the bad part. */
void assert_names(const char *err, const char *needle);

#endif
