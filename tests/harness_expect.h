/* harness_expect.h - the tests' own reading of SPEC 3 and 4, and checks of Redis behind a mount. */
#ifndef REDISFS_TESTS_HARNESS_EXPECT_H
#define REDISFS_TESTS_HARNESS_EXPECT_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness_redis.h"

/*
 * The test suite's own reading of SPEC 3: the file name of a key. When the
 * encoding is longer than 255 bytes, `out` gets only the shortened name's
 * prefix up to and including '~' (the hash is the daemon's to choose) and
 * *hashed is set. `out` must hold 256 bytes. Returns the length written.
 */
size_t h_key_name(const char *key, size_t len, char *out, bool *hashed);

/*
 * Every key of the connection's current database (KEYS *: fine for a test's
 * small private server), sorted bytewise; free the reply with freeReplyObject().
 */
redisReply *h_all_keys(redisContext *c);

/*
 * What SPEC 4 says the file of `key` holds, computed from Redis on `c` (in its
 * current database): the test suite's own reading of the rendering rules
 * (string bytes; lines of list, set sorted bytewise, zset member TAB score by
 * rank, hash field TAB value sorted by field, stream id TAB field TAB value;
 * \\ \n \t \r \xHH escaping). Returns 0 with a malloc'ed, NUL-terminated
 * buffer that the caller frees, or -ENOENT when the key does not exist.
 */
int h_expected_content(redisContext *c, const char *key, size_t klen, char **out, size_t *len);

/*
 * The path of the file that stands for `key` in directory `dir`: dir/NAME with
 * NAME from h_key_name(), or, for a shortened name, the entry of `dir` that
 * has that prefix followed by 16 lower-case hex digits. When several entries
 * share the prefix, `c` (the key's database) picks the one that holds the
 * key's content; without `c` there must be exactly one. Aborts when there is
 * none. Returns `out`.
 */
char *h_key_path(const char *dir, redisContext *c, const char *key, size_t klen, char *out,
		 size_t len);

/*
 * Assert that directory `dir` (a database folder of a mount, or a copy of
 * one) holds exactly one file per key of the current database of `c`, each
 * named as SPEC 3 says, holding what h_expected_content() gives, with st_size
 * equal to its length.
 */
void h_assert_dir_matches_db(const char *dir, redisContext *c);

/*
 * Assert through the admin connection `c` that no command that Redis flags
 * "write" (COMMAND INFO) was called or refused since the last CONFIG RESETSTAT
 * (INFO commandstats).
 */
void h_assert_no_write_command(redisContext *c);

/*
 * Assert that ACL LOG holds no entry, except for commands whose name starts
 * with `allowed` (NULL: none allowed; several as "config|info"), e.g. "config"
 * for SPEC 2's CONFIG GET probe that a read-only user is refused.
 */
void h_assert_acl_log_clean(redisContext *c, const char *allowed);

/*
 * Every key of databases 0 .. databases-1 of `r` with its DUMP and whether it
 * has a TTL, as one buffer (malloc'ed, *len bytes) that compares equal only
 * when nothing changed. The caller frees it.
 */
char *h_redis_snapshot(const struct h_redis *r, int databases, size_t *len);

#endif
