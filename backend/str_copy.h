/* str_copy.h - copying an endpoint's optional strings, with one failure check for them all. */
#ifndef REDISFS_STR_COPY_H
#define REDISFS_STR_COPY_H

#include <stdbool.h>

/*
 * A copy of s, or NULL for NULL. A failed copy sets *failed (and returns
 * NULL), so that a pool copies every field of its endpoint and checks once.
 */
char *copy_or_null(const char *s, bool *failed);

#endif
