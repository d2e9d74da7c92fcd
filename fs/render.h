/* render.h - the text of a key's value (SPEC section 4) and its escaping. Pure: no I/O. */
#ifndef REDISFS_RENDER_H
#define REDISFS_RENDER_H

#include <stddef.h>

#include "../backend/rv.h"

/* A growable byte buffer; zero-initialise, release with render_buf_free(). */
struct render_buf {
	char *data;
	size_t len;
	size_t cap;
};

void render_buf_free(struct render_buf *b);

/* Append bytes; returns 0 or -ENOMEM. */
int render_buf_append(struct render_buf *b, const char *p, size_t n);

/*
 * Append one field escaped as in SPEC 4: '\' -> "\\", newline -> "\n",
 * tab -> "\t", CR -> "\r", other bytes below 0x20 and 0x7F -> "\xHH" (upper-case
 * hex); bytes from 0x80 up unchanged. Returns 0 or -ENOMEM.
 */
int render_escape(struct render_buf *b, const char *p, size_t n);

/* Length that render_escape() would append for these bytes. */
size_t render_escaped_len(const char *p, size_t n);

/*
 * Render a whole value into `out` (appended), per SPEC section 4:
 * string: the bytes; list: one element per line, head first; set: one member
 * per line sorted bytewise (raw bytes, before escaping); zset: member TAB score
 * per line, by rank; hash: field TAB value per line sorted bytewise by field;
 * stream: id TAB field TAB value ... per entry. Every line ends with '\n'.
 * RV_NONE and RV_OTHER render as nothing. Returns 0 or -ENOMEM.
 */
int render_value(const struct rv_value *v, struct render_buf *out);

/*
 * The length render_value() would produce for `v`, without producing it
 * (sorting does not change a size): what stat needs.
 */
size_t render_value_size(const struct rv_value *v);

#endif
