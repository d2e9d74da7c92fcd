/* cli_habits.h - redis-cli's -h, -p, -a, -n answered with the URL to use (SPEC 1). Pure: no I/O. */
#ifndef REDISFS_CLI_HABITS_H
#define REDISFS_CLI_HABITS_H

#include <stddef.h>

/*
 * Look for redis-cli's connection flags in argv: -h HOST, -p PORT, -a
 * PASSWORD, -n DB (also -pPORT). A lone -h (last, or before another option)
 * is --help, as in libfuse, and not a habit.
 * Returns 1 with one line in `msg` (no "redisfs: " prefix, no newline) that
 * names the flags and the redisfs command to type instead, built from what
 * was given (the password itself is never repeated); 0 when there is none.
 */
int cli_habits_check(int argc, char *const argv[], char *msg, size_t len);

#endif
