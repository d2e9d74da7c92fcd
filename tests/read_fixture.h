/* read_fixture.h - the data set and mounts that the read suites share. */
#ifndef REDISFS_TESTS_READ_FIXTURE_H
#define REDISFS_TESTS_READ_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_tls.h"

#define DB_NAMES  0	     /* keys with every kind of awkward name */
#define DB_TYPES  1	     /* one key of each type, and escaping */
#define DB_SHELL  2	     /* plain keys for ls, grep, cp and tar */
#define DB_MANY	  3	     /* MANY_KEYS keys, for SCAN */
#define MANY_KEYS 5000	     /* several SCAN rounds of the daemon's batch size */
#define BIG_SIZE  (10 << 20) /* 10 MiB: many FUSE reads, far more than one reply chunk */

extern struct h_redis *read_server;
extern struct h_mount *read_mount;
extern const char *scratch;

/* A key and the file name SPEC 3 gives it, written out by hand. */
struct named_key {
	const char *key;
	size_t len;
	const char *name;
};

/* clang-format off */
#define NK(k, n) {k, sizeof(k) - 1, n}

/* clang-format on */
extern const struct named_key named_keys[];
extern const size_t named_keys_count; /* its entries */

/* The long keys of DB_NAMES, built at setup: see long_key(). */
enum { LONG_K300, LONG_K299Z, LONG_A199_SLASH, LONG_SLASHES, LONG_COUNT };

/* Long key number `which` into `out` (which must hold 300 bytes); returns its length. */
size_t long_key(int which, char *out);

/* The value every DB_NAMES key holds: names its key, so that a mix-up shows. */
int name_value(char *out, size_t len, size_t index);

/* Fill a buffer with reproducible bytes that are not text. */
void fill_binary(char *p, size_t n);

void populate_names(redisContext *c);

void populate_types(redisContext *c);

void populate_shell(redisContext *c);

void populate_many(redisContext *c);

void setup_data(void);

#endif
