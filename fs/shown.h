/* shown.h - a piece of what the user typed, made fit to quote in a one-line message. Pure. */
#ifndef REDISFS_SHOWN_H
#define REDISFS_SHOWN_H

#include <stddef.h>

#define SHOWN_MAX  64		   /* longest piece quoted: the message stays one short line */
#define SHOWN_SIZE (SHOWN_MAX + 4) /* with "..." and the NUL */

/*
 * Copy `n` bytes of `s` into `out` for quoting in an error message and
 * return `out`: control bytes become '?' so that the message stays on one
 * line whatever the user typed, and a piece longer than SHOWN_MAX is cut
 * with "...".
 */
const char *shown(char out[SHOWN_SIZE], const char *s, size_t n);

#endif
