/* xattr_expect.h - a key's five attributes as Redis, getxattr(2) and getfattr see them (tests). */
#ifndef REDISFS_TESTS_XATTR_EXPECT_H
#define REDISFS_TESTS_XATTR_EXPECT_H

#include <check.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The attributes of SPEC 4, in the order listxattr gives them. */
enum { A_TYPE, A_TTL, A_LENGTH, A_ENCODING, A_MEMORY, A_COUNT };

extern const char *const attr_names[A_COUNT];

/* The five values of one file, as text. */
struct attrs {
	char v[A_COUNT][128];
	bool seen[A_COUNT];
};

/* The five attributes of `key` as Redis itself gives them, on `c` (in its current database). */
void redis_attrs(redisContext *c, const char *key, size_t klen, struct attrs *a);

/*
 * The five attributes of a file, read with getxattr(2) into buffers of the
 * exact size that getxattr with size 0 gave; asserts that no byte is written
 * past it and that no value holds a NUL.
 */
void mount_attrs(const char *path, struct attrs *a);

/*
 * The user.redis.* lines of `getfattr -d REL`, run in directory `dir`:
 * asserts exactly the five, each once, as plain text, and no other attribute.
 */
void getfattr_attrs(const char *dir, const char *rel, struct attrs *a);

/* Every value as Redis has it; a TTL may have ticked by one second in between. */
void assert_attrs_eq(const struct attrs *got, const struct attrs *want, const char *what);

/*
 * The commands that reached Redis since the last CONFIG RESETSTAT, as
 * " name name ... " (lower case; subcommands as "object|encoding"), leaving
 * out the test's own CONFIG and INFO.
 */
void commands_since_reset(redisContext *c, char *out, size_t len);

/* How often Redis ran command `name` (lower case) since the last CONFIG RESETSTAT. */
long long calls_of(redisContext *c, const char *name);

/* `call` failed with errno `want`. */
#define ASSERT_ERRNO(call, want, what)                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == (want), "%s gives %s, want %s", what,       \
			      errno ? strerror(errno) : "success", strerror(want));                \
	} while (0)

#endif
