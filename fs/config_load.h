/* config_load.h - a config_load() walk: its state and the helpers that config*.c share. */
#ifndef REDISFS_CONFIG_LOAD_H
#define REDISFS_CONFIG_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define SHOWN_MAX  64 /* longest piece of the file quoted in an error */
#define SHOWN_SIZE (SHOWN_MAX + sizeof "...")
#define KEYS_MAX   13 /* keys of the largest section ([redis]) */

enum section_kind { SECTION_NONE, SECTION_REDIS, SECTION_MYSQL, SECTION_GHOSTS };

/* Everything config_load() tracks while libinih walks the file. */
struct load_state {
	const char *path;
	FILE *file;
	struct rfs_config *cfg;
	char *err;
	size_t errlen;
	int ret;    /* the first error as -errno; 0 while there is none */
	int lineno; /* the line inih works on: inih 55 does not tell the handler */
	char *line; /* getline() buffer of read_line() */
	size_t line_size;
	bool after_key;		 /* inih's prev_name: an indented line continues it */
	bool continuation;	 /* the current line is such a continuation */
	enum section_kind kind;	 /* section of the current line */
	char *section;		 /* its whole name: inih hands the handler 49 bytes at most */
	int section_line;	 /* line of its header */
	int key_lines[KEYS_MAX]; /* line where each of its keys was set, 0 if not yet */
	int redis_line;		 /* header lines of [redis] and [mysql], 0 if none yet */
	int mysql_line;
	int *rule_lines; /* header line of each rule, parallel to cfg->rules */
	size_t rule_cap;
};

/*
 * Record the first error: "PATH:LINE: reason", or "PATH: reason" when `line`
 * is 0. Later errors are dropped, as they tend to follow from the first.
 * Returns `ret`, so that a caller can return what it reports.
 */
int config_fail(struct load_state *st, int line, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A piece of the file, made printable and cut with "..." for quoting in an error; `out`. */
const char *config_shown(char out[SHOWN_SIZE], const char *s);

/* strdup() into *dst; 0 or -ENOMEM (reported). */
int config_store(struct load_state *st, char **dst, const char *value);

/* A decimal number from `min` to `max`: digits only, no sign, no spaces. Returns it or -1. */
long config_number(const char *s, long min, long max);

/* [A-Za-z0-9_$]{1,64}, or with `dotted` also "db.table": a name that carries no SQL. */
bool config_is_table_name(const char *s, bool dotted);

/* config_ghosts.c: the keys of [ghosts.NAME], NULL-ended; key_lines[] is in their order. */
extern const char *const config_rule_keys[];

/* [ghosts.NAME] begins at the current line: a new rule, db 0 until the file says otherwise. */
void config_rule_begin(struct load_state *st, const char *name);

/* One "key = value" of the current rule; `key` indexes config_rule_keys. 0 or -errno. */
int config_rule_key(struct load_state *st, int key, const char *value);

/* The current rule's section ends: check that it has what its kind needs. */
void config_rule_end(struct load_state *st);

#endif
