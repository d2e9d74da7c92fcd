/* redis_glob.h - Redis's glob patterns (SCAN MATCH, KEYS) matched locally. Pure: no I/O. */
#ifndef REDISFS_REDIS_GLOB_H
#define REDISFS_REDIS_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the binary string (s, len) matches the NUL-terminated `pattern` as
 * Redis's SCAN MATCH would: '*', '?', '[abc]', '[^a-z]', and '\' quoting the
 * next character. Lets a single key be tested without a SCAN.
 */
bool redis_glob_match(const char *pattern, const char *s, size_t len);

#endif
