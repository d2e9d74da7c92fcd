/* namespace_fixture.h - namespace mounts (-o delimiter=) and their checks, shared by the suites. */
#ifndef REDISFS_TESTS_NAMESPACE_FIXTURE_H
#define REDISFS_TESTS_NAMESPACE_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define PATH_LEN       4096 /* a path below namespace folders, with long segments */
#define VANISH_SECONDS 3.0  /* a removed folder is gone within cache_timeout (1 s) */

extern struct h_redis *ns_server;
extern struct h_mount *ns_mount;
extern const char *delimiter;

/* Whether a literal key exists in database `db`. */
#define EXISTS(db, key) key_exists(db, key, sizeof(key) - 1)

bool key_exists(int db, const char *key, size_t len);

/* MNT/rel into `out`. Returns `out`. */
char *mnt_path(char out[PATH_LEN], const char *rel);

/* A key's file name, for messages: printable by construction. */
const char *printable(const char *key, size_t len, char out[256]);

/* ---- the test suite's own reading of SPEC 3 and 8: paths back to keys ---- */
int hex_digit(char c);

/*
 * The bytes the canonical name `name` stands for, appended at `out`; the
 * name must be one that SPEC 3 gives those bytes (checked by encoding back).
 * Returns the count.
 */
size_t decode_component(const char *name, char *out);

/*
 * The key a path below a database folder stands for ("user:/1:/name" is
 * user:1:name), when it names a file (`folder` false) or a folder. Every
 * folder component must end with the delimiter and hold it nowhere else; a
 * file component must not hold it at all.
 */
size_t path_to_key(const char *rel, bool folder, char *key);

/* Index of `key` in a sorted KEYS reply (h_all_keys), or -1. */
long reply_find(const redisReply *keys, const char *key, size_t len);

bool has_prefix(const redisReply *k, const char *prefix, size_t plen);

/* stat size == bytes read == what Redis holds (SPEC 4), for the file of `key`. */
void assert_file_holds_key(const char *path, redisContext *c, const char *key, size_t klen);

/*
 * `find dbN -type f` lists every key of the database exactly once, as a path
 * that maps back to it, holding its value with the exact size; every folder
 * that `find -type d` lists is the prefix of some key.
 */
void assert_tree_matches_db(int db);

/*
 * `ls MNT/rel` shows exactly the entries `want` ("d NAME" a folder, 0755 or
 * 0555 with ro; "f NAME" a file), told apart by lstat.
 */
void assert_listing(const char *rel, const char *const *want, size_t n);

#define ASSERT_LISTING(rel, ...)                                                                   \
	assert_listing(rel, (const char *const[]){__VA_ARGS__},                                    \
		       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* `call` failed with errno `want`. */
#define ASSERT_ERRNO(call, want, what)                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == (want), "%s gives %s, want %s", what,       \
			      errno ? strerror(errno) : "success", strerror(want));                \
	} while (0)

/* stat of MNT/rel fails with ENOENT, within VANISH_SECONDS (the kernel may cache for 1 s). */
void assert_gone(const char *rel);

/* Every key of `before` that starts with the prefix is gone, every other one is still there. */
void assert_removed_exactly(const redisReply *before, const redisReply *after, const char *prefix,
			    size_t plen);

/* No key of `after` is missing from `before`. */
void assert_no_new_keys(const redisReply *before, const redisReply *after);

/* Run `rm -r 'db0/rel'`, which must exit 0 and remove exactly the keys that start with `prefix`. */
void assert_rm_r_removes(const char *rel, const char *prefix, size_t plen);

/* rmdir of a folder that holds keys: ENOTEMPTY, and every key is still there (SPEC 5). */
void assert_rmdir_refused(const char *path);

/* Start a redis-server, fill db0 with `populate` (NULL: nothing), mount it with -o `options`. */
void start_mount(const char *options, void (*populate)(redisContext *c));

/*
 * Another client that adds keys while a test runs rm -r: SPEC 5 wants rm -r to
 * exit 0 and remove what it saw, whatever is added meanwhile. It pauses between
 * keys, as a real client does, scaled with the run: a client adding at line rate
 * against a daemon under valgrind would give rm -r more keys than it can remove.
 */
struct busy_client {
	int db;			/* where it adds */
	const char *formats[2]; /* key i: formats[i % 2] (formats[0] when [1] is NULL) with i */
	long max;		/* bound on its keys */
	double seconds;		/* bound on its time; 0 for none */
	unsigned pause_us;	/* between two keys, times h_time_scale() */
	long warmup;		/* keys it adds before the command starts */
	long at_start, at_end;	/* keys it had added when the command started and ended */
	/* its own */
	redisContext *c;
	atomic_bool stop;
	atomic_long added;
};

/*
 * Run shell command `cmd` in `cwd` while the busy client `b` (its bounds set,
 * the rest zero) adds keys to ns_server; returns the command's status.
 */
int busy_sh(struct busy_client *b, const char *cwd, const char *cmd);

#endif
