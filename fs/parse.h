/* parse.h - read the text of SPEC section 4 back into a list, set, zset or hash. Pure: no I/O. */
#ifndef REDISFS_PARSE_H
#define REDISFS_PARSE_H

#include <stddef.h>

#include "../backend/rv.h"

/*
 * Parse `text` as render_value() writes a value of `type` (RV_LIST, RV_SET,
 * RV_ZSET or RV_HASH) into `out` (zero-initialised by the caller), in the
 * layout of rv.h: elements in order; zset member, score pairs; hash field,
 * value pairs. Lines end with '\n'; a last line without one counts; no lines
 * at all is an empty value (the key is to be removed). Inside a line `\\`,
 * `\n`, `\t`, `\r` and `\xHH` are unescaped; a raw byte below 0x20 other
 * than the one TAB that separates zset and hash columns, a raw 0x7F, another
 * escape, a missing or extra TAB, or a score that is not a number is -EINVAL
 * with "line N: reason" in `err`. Returns 0, -EINVAL or -ENOMEM.
 */
int parse_value(enum rv_type type, const char *text, size_t len, struct rv_value *out, char *err,
		size_t errlen);

#endif
