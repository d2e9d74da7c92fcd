/* write_fixture.h - the mount, Redis checks and write helpers that the write suites share. */
#ifndef REDISFS_TESTS_WRITE_FIXTURE_H
#define REDISFS_TESTS_WRITE_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "mount_fixture.h" /* fx_server, fx_mount, mnt(), setup_mount() */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0) /* <linux/fs.h>; glibc's stdio.h has it since 2.28 */
#endif

#define TTL_MS	     1000000LL /* ~17 minutes: far longer than any test runs */
#define TTL_SLACK_MS 5000LL    /* how much a kept TTL may have run down while a test ran */
#define SHOW_MAX     200       /* bytes of a value shown in a failure message */

/* Bytes that may hold NULs. */
struct bytes {
	const char *p;
	size_t len;
};

/* clang-format off */
#define B(s) {s, sizeof(s) - 1}

/* clang-format on */

/* ---- helpers: paths, Redis state, assertions ---- */

/* (p, len) as a C-escaped, NUL-terminated string for a failure message; `out` holds SHOW_MAX. */
const char *show(const char *p, size_t len, char *out);

long long pttl_of(redisContext *c, const char *key);

bool exists(redisContext *c, const char *key);

void assert_type(redisContext *c, const char *key, const char *want);

void assert_gone(redisContext *c, const char *key);

/* How far a kept TTL may have run down while a test ran: more under valgrind. */
long long ttl_slack_ms(void);

/* A TTL of `set_ms`, given a moment ago, is still there. */
void assert_ttl_kept(redisContext *c, const char *key, long long set_ms);

void assert_no_ttl(redisContext *c, const char *key);

/* `key` is a string of exactly (want, wlen). */
void assert_string(redisContext *c, const char *key, const void *want, size_t wlen);

int compare_replies(const void *x, const void *y);

struct reply_pair {
	redisReply *first, *second;
};

int compare_pairs(const void *x, const void *y);

/* Sort the (field, value) pairs of an HGETALL reply bytewise by field, in place. */
void sort_pairs(redisReply *r);

/*
 * What Redis holds for `key` of type `type`, in an order that does not depend
 * on its encoding: GET of a string; list elements head first; set members
 * sorted bytewise; zset member, score pairs by rank (scores as Redis prints
 * them); hash field, value pairs sorted by field. Free with freeReplyObject().
 */
redisReply *key_items(redisContext *c, const char *key, const char *type);

/* `key` is a collection of type `type` holding exactly `want`, as key_items() orders it. */
void assert_collection(redisContext *c, const char *key, const char *type, const struct bytes *want,
		       size_t n);

#define ASSERT_COLLECTION(c, key, type, ...)                                                       \
	do {                                                                                       \
		const struct bytes want_[] = {__VA_ARGS__};                                        \
		assert_collection(c, key, type, want_, sizeof want_ / sizeof *want_);              \
	} while (0)

/* A key's DUMP and TTL: comparing two tells whether anything changed it. */
struct key_state {
	char type[16];
	char *dump;
	size_t len;
	long long pttl;
};

struct key_state key_state(redisContext *c, const char *key);

/* `key` is as `before` found it (its TTL less at most a test's run time); frees `before`. */
void assert_untouched(redisContext *c, const char *key, struct key_state *before);

/* write(2) all of (buf, len), asserting that every call succeeds. */
void write_all(int fd, const char *what, const void *buf, size_t len);

/*
 * open(MNT/rel, flags), write (buf, len), close(). Open and write must
 * succeed; returns close's result, with its errno in *close_errno.
 */
int write_then_close(const char *rel, int flags, const void *buf, size_t len, int *close_errno);

/* As write_then_close(), and close() must return 0. */
void write_file_ok(const char *rel, int flags, const void *buf, size_t len);

#define ASSERT_FAILS_WITH(call, want, what)                                                        \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == (want), "%s gives %s, want %s", what,       \
			      errno ? strerror(errno) : "success", strerror(want));                \
	} while (0)

int rename_noreplace(const char *from, const char *to);

/* The file of `key` through the mount holds what SPEC 4 renders from Redis, and stat agrees. */
void assert_file_shows(redisContext *c, const char *rel, const char *key);

#endif
