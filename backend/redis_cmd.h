/* redis_cmd.h - one way to build a Redis command: arguments added, lengths counted, bounded. */
#ifndef REDISFS_REDIS_CMD_H
#define REDISFS_REDIS_CMD_H

#include <stddef.h>

#define REDIS_MAX_ARGS	    8  /* arguments held inline: COPY a b DB n REPLACE is the longest */
#define REDIS_CMD_NUMBERS   3  /* integer arguments a command holds the text of: GETRANGE's two */
#define REDIS_CMD_NUMBER_SZ 24 /* "-9223372036854775808" and its NUL */

/*
 * A command being built: its name, then each argument in turn, binary-safe
 * as (pointer, length); the builder counts the lengths. Up to REDIS_MAX_ARGS
 * arguments are held inline; a variadic command (RPUSH, UNLINK of many keys)
 * puts them in arrays of the caller's (redis_cmd_start_many). Byte and string
 * arguments are borrowed: they must live until the command has been sent.
 * Integer arguments are written into the command itself, so a copy of a
 * command borrows them from the original.
 *
 * One error channel, as hiredis's context has: an argument that does not
 * fit sets `err` (-E2BIG) and is dropped, later ones are ignored, and every
 * send refuses the command with that error. No call here fails otherwise.
 */
struct redis_cmd {
	int argc;
	int err;  /* 0, or -E2BIG once an argument did not fit */
	int room; /* arguments that fit: REDIS_MAX_ARGS, or the caller's arrays' size */
	int numbers;
	const char *argv[REDIS_MAX_ARGS];
	size_t argvlen[REDIS_MAX_ARGS];
	const char **many; /* NULL: inline; else the caller's arrays */
	size_t *manylen;
	char number[REDIS_CMD_NUMBERS][REDIS_CMD_NUMBER_SZ];
};

/* Start (or start again) a command named `name`, its arguments held inline. */
void redis_cmd_start(struct redis_cmd *c, const char *name);

/* Start NAME key: the shape most commands begin with; the key is binary-safe. */
void redis_cmd_start_key(struct redis_cmd *c, const char *name, const char *key, size_t klen);

/*
 * Start a command whose arguments, `name` included, go into the caller's
 * argv[0 .. room) and argvlen[0 .. room), which must live until it is sent.
 */
void redis_cmd_start_many(struct redis_cmd *c, const char *name, const char **argv, size_t *argvlen,
			  size_t room);

/* Add an argument of `len` bytes (binary-safe; NULL with len 0 is the empty string). */
void redis_cmd_arg(struct redis_cmd *c, const char *p, size_t len);

/* Add a C string argument (a keyword: "MATCH", "WITHSCORES"). */
void redis_cmd_str(struct redis_cmd *c, const char *s);

/* Add an integer argument, in decimal. */
void redis_cmd_int(struct redis_cmd *c, long long n);

/* A command's arguments and their lengths, inline or in the caller's arrays. */
static inline const char **redis_cmd_argv(const struct redis_cmd *c)
{
	return c->many ? c->many : (const char **) c->argv;
}

static inline const size_t *redis_cmd_argvlen(const struct redis_cmd *c)
{
	return c->many ? c->manylen : c->argvlen;
}

#endif
