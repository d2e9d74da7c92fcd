/* harness.h - private redis-servers and redisfs mounts for integration tests, always cleaned up. */
#ifndef REDISFS_TESTS_HARNESS_H
#define REDISFS_TESTS_HARNESS_H

#include <check.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness_util.h" /* h_now(), h_nap_ms(), paths, child processes */

/*
 * How the harness is used:
 *
 *   main() calls h_init() before srunner_run_all(), so that SIGTERM/SIGINT
 *   (a meson timeout, ^C) and exit() clean up; check's own handler hands the
 *   signal on to ours.
 *
 *   Servers and mounts are started in a TCase's *unchecked* fixture, added
 *   with h_tcase_add_fixture(): it runs in the parent process, so that a
 *   failing ck_assert (which _exit()s the forked test process) never skips
 *   the unmount. A fixture that cannot start what it needs fails the TCase:
 *   nothing is ever skipped.
 *
 *   The tests themselves run in check's forked child: they set up data with
 *   h_redis_connect() and friends, and look at the mount with syscalls,
 *   h_sh() and h_sh_out().
 *
 * Everything the harness starts is recorded in a small registry and stopped by
 * PID, never by name. A failed setup step calls ck_abort_msg() with the reason.
 */

#define H_PATH_MAX     512
#define H_WAIT_SECONDS 10.0 /* bound on every wait for a server, a mount or an exit */

/* A redis-server this process started. */
struct h_redis {
	pid_t pid;	      /* 0 when the slot is free */
	pid_t owner;	      /* the process that started it and must stop it */
	int port;	      /* on 127.0.0.1 */
	char dir[H_PATH_MAX]; /* its --dir, a mkdtemp directory removed at stop */
	char log[H_PATH_MAX]; /* its stdout and stderr */
	char password[128];   /* the --requirepass it was given, "" for none */
	char socket[H_PATH_MAX]; /* H_REDIS_TLS_ONLY: the unix socket the tests talk plain on */
	char conf[H_PATH_MAX];	 /* H_REDIS_SENTINEL: its config file */
};

/* A redisfs daemon this process started, and its mount. */
struct h_mount {
	pid_t pid;	       /* the daemon, 0 when the slot is free */
	pid_t owner;	       /* the process that started it and must stop it */
	char work[H_PATH_MAX]; /* mkdtemp directory holding mnt/ and daemon.log */
	char mnt[H_PATH_MAX];  /* the mount point */
	char log[H_PATH_MAX];  /* the daemon's stdout and stderr */
	char url[H_PATH_MAX];  /* the URL it was given */
	char wrapper_log[H_PATH_MAX]; /* valgrind's report, under $REDISFS_WRAPPER */
};

/* How to mount: every field may be NULL. */
struct h_mount_spec {
	const char *url;     /* NULL: redis://127.0.0.1:PORT of the server */
	const char *options; /* the argument of -o, or NULL for none */
	const char *auth;    /* REDISCLI_AUTH for the daemon; NULL: unset */
};

/* What a child process did: see h_run_redisfs() and h_sh_out(). */
struct h_run {
	int status; /* exit status; 128+N after signal N; -1 when killed at the timeout */
	char *out;  /* stdout, NUL-terminated (binary-safe with out_len) */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
	size_t err_len;
};

/* A sorted list of names, as read from a directory. */
struct h_names {
	char **v;
	size_t n;
};

/*
 * Install the SIGTERM/SIGINT handlers and the atexit hook that unmount and stop
 * whatever this process started. Call it in main() before srunner_run_all().
 * Idempotent.
 */
void h_init(void);

/*
 * Unmount, stop and remove everything this process started (in the reverse
 * order: mounts, servers, scratch directories). A TCase's teardown can be just this.
 */
void h_stop_all(void);

/*
 * Add `setup`/`teardown` as the TCase's unchecked fixture (run once, in the
 * parent, after h_stop_all() clears whatever a failed setup before left), plus
 * a checked fixture that makes each forked test process die with the parent.
 */
void h_tcase_add_fixture(TCase *tc, void (*setup)(void), void (*teardown)(void));

/* The redisfs binary under test: $REDISFS_BIN. Aborts when it is unset or not executable. */
const char *h_redisfs_bin(void);

/* A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
int h_free_port(void);

/*
 * Start a private redis-server on a free loopback port, in a fresh mkdtemp
 * directory, with no persistence; `extra` is a NULL-terminated list of more
 * arguments (NULL for none), e.g. {"--requirepass", "pw", NULL}. Waits until
 * it answers PING. Returns a registry slot, valid until h_redis_stop().
 */
struct h_redis *h_redis_start(const char *const *extra);

/* What kind of server h_redis_start_as() starts. */
enum {
	/*
	 * Its TCP port (r->port) speaks only TLS (--port 0 --tls-port): give
	 * the --tls-* files in `extra`. h_redis_connect() and the start's PING
	 * go through a unix socket in its directory (r->socket).
	 */
	H_REDIS_TLS_ONLY = 1,
	/* redis-server --sentinel with a config file of its own; `extra` holds "--sentinel",
	   "monitor ..." */
	H_REDIS_SENTINEL = 2,
};

/* h_redis_start() of another kind: H_REDIS_TLS_ONLY, H_REDIS_SENTINEL, or both. */
struct h_redis *h_redis_start_as(unsigned kind, const char *const *extra);

/* SIGTERM, a bounded wait, SIGKILL; then remove its directory. NULL is fine. */
void h_redis_stop(struct h_redis *r);

/*
 * Stop the server by PID (SIGTERM, a bounded wait, SIGKILL), keeping its
 * port, directory (a dump.rdb made with SAVE survives) and slot. Only the
 * process that started it can: a test that halts a server set up by its
 * fixture runs with CK_NOFORK.
 */
void h_redis_halt(struct h_redis *r);

/*
 * Start a server again on the same port and directory, halting it first
 * when it runs; `extra` as for h_redis_start() (give --requirepass again).
 * Waits until it answers (LOADING is an answer). Same owner rule as h_redis_halt().
 */
void h_redis_restart(struct h_redis *r, const char *const *extra);

/*
 * SIGSTOP (frozen: the kernel still accepts connections, nothing answers) or
 * SIGCONT the server, and wait until /proc shows it so. Any process may.
 */
void h_redis_freeze(const struct h_redis *r, bool frozen);

/*
 * How much slower than usual this run is: $REDISFS_TIME_SCALE (at least 1),
 * set by slow setups (valgrind, ThreadSanitizer). Timing bounds and waits
 * are multiplied by it, heavy workloads divided.
 */
double h_time_scale(void);

/*
 * A connection to `r` as the admin (the default user, with the server's
 * requirepass), in database `db`. Free it with redisFree().
 */
redisContext *h_redis_connect(const struct h_redis *r, int db);

/*
 * A plain connection to `r` with timeout `tv`, nothing sent: its port, or its
 * unix socket when its port speaks only TLS. NULL or c->err when it fails.
 */
redisContext *h_redis_connect_raw(const struct h_redis *r, struct timeval tv);

/* A command that must get a reply (any reply, errors too). Free it with freeReplyObject(). */
redisReply *h_cmd(redisContext *c, const char *fmt, ...);

/* A command that must not fail. */
void h_cmd_ok(redisContext *c, const char *fmt, ...);

/* A command that must return an integer; returns it. */
long long h_cmd_int(redisContext *c, const char *fmt, ...);

/*
 * Mount `r` with redisfs (`redisfs URL MNT -f [-o OPTIONS]`) on a fresh
 * directory and wait until /proc/self/mountinfo shows it as fuse.redisfs;
 * aborts with the daemon's stderr when it exits first. Returns a registry
 * slot, valid until h_mount_stop().
 */
struct h_mount *h_mount_start(const struct h_redis *r, const struct h_mount_spec *spec);

/*
 * fusermount3 -u (umount2 MNT_DETACH when that fails), wait for the daemon
 * (SIGKILL after H_WAIT_SECONDS), remove the directories. NULL is fine.
 * A daemon that does not exit with status 0 (a crash, a hang, valgrind's
 * --error-exitcode, a sanitizer's leak report) has its logs copied to stderr
 * and makes this test process exit with status 1 at its end.
 *
 * With $REDISFS_WRAPPER set (e.g. "valgrind --error-exitcode=99 -q"), the
 * daemon of h_mount_start() runs under those words; valgrind's report goes
 * to a wrapper.log beside the daemon's log.
 */
void h_mount_stop(struct h_mount *m);

/*
 * Whether `dir` is a mount point in /proc/self/mountinfo; its fstype and
 * source (fsname) are copied out when the buffers are not NULL.
 */
bool h_mount_info(const char *dir, char *fstype, size_t fstype_len, char *source,
		  size_t source_len);

/*
 * A fresh empty directory, registered so that it is removed (and unmounted,
 * should anything have mounted on it) when this process stops its things.
 * Returns a static-lifetime path.
 */
const char *h_scratch_dir(void);

/*
 * Run `$REDISFS_BIN args...` (NULL-terminated `args`) with REDISCLI_AUTH set
 * to `auth` (unset when NULL) and capture its exit status, stdout and
 * stderr. A child still running after `timeout` seconds is killed
 * (status -1). Release with h_run_free().
 */
void h_run_redisfs(const char *const *args, const char *auth, double timeout, struct h_run *res);

void h_run_free(struct h_run *res);

/*
 * Run a shell command line (printf-style) through /bin/sh -c in directory `cwd`,
 * with LC_ALL=C. Returns its exit status (128+N after signal N, -1 when it ran
 * past the bound of 50 s times h_time_scale() and was killed). stdout and
 * stderr go to the test's own.
 */
int h_sh(const char *cwd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As h_sh(), capturing stdout and stderr into `res` (release with h_run_free()). */
int h_sh_out(const char *cwd, struct h_run *res, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "MNT/rel" into `out` (aborts when it does not fit). Returns `out`. */
char *h_path(char *out, size_t len, const struct h_mount *m, const char *rel);

/*
 * Read a whole file with open/read. Returns 0 with a malloc'ed buffer
 * (NUL-terminated, *len bytes before it) that the caller frees, or -errno.
 */
int h_read_file(const char *path, char **buf, size_t *len);

/* Write a whole file with mode `mode`. Returns 0 or -errno. */
int h_write_file(const char *path, const void *buf, size_t len, mode_t mode);

/* The names in a directory, without "." and "..", sorted bytewise. Returns 0 or -errno. */
int h_list(const char *dir, struct h_names *names);

void h_names_free(struct h_names *names);

/* Whether `name` is in the sorted list. */
bool h_names_has(const struct h_names *names, const char *name);

/*
 * The test suite's own reading of SPEC 3: the file name of a key. When the
 * encoding is longer than 255 bytes, `out` gets only the shortened name's
 * prefix up to and including '~' (the hash is the daemon's to choose) and
 * *hashed is set. `out` must hold 256 bytes. Returns the length written.
 */
size_t h_key_name(const char *key, size_t len, char *out, bool *hashed);

/*
 * Every key of the connection's current database (KEYS *: fine for a test's
 * small private server), sorted bytewise; free the reply with freeReplyObject().
 */
redisReply *h_all_keys(redisContext *c);

/*
 * What SPEC 4 says the file of `key` holds, computed from Redis on `c` (in its
 * current database): the test suite's own reading of the rendering rules
 * (string bytes; lines of list, set sorted bytewise, zset member TAB score by
 * rank, hash field TAB value sorted by field, stream id TAB field TAB value;
 * \\ \n \t \r \xHH escaping). Returns 0 with a malloc'ed, NUL-terminated
 * buffer that the caller frees, or -ENOENT when the key does not exist.
 */
int h_expected_content(redisContext *c, const char *key, size_t klen, char **out, size_t *len);

/*
 * The path of the file that stands for `key` in directory `dir`: dir/NAME with
 * NAME from h_key_name(), or, for a shortened name, the entry of `dir` that
 * has that prefix followed by 16 lower-case hex digits. When several entries
 * share the prefix, `c` (the key's database) picks the one that holds the
 * key's content; without `c` there must be exactly one. Aborts when there is
 * none. Returns `out`.
 */
char *h_key_path(const char *dir, redisContext *c, const char *key, size_t klen, char *out,
		 size_t len);

/*
 * Assert that directory `dir` (a database folder of a mount, or a copy of
 * one) holds exactly one file per key of the current database of `c`, each
 * named as SPEC 3 says, holding what h_expected_content() gives, with st_size
 * equal to its length.
 */
void h_assert_dir_matches_db(const char *dir, redisContext *c);

/*
 * Assert through the admin connection `c` that no command that Redis flags
 * "write" (COMMAND INFO) was called or refused since the last CONFIG RESETSTAT
 * (INFO commandstats).
 */
void h_assert_no_write_command(redisContext *c);

/*
 * Assert that ACL LOG holds no entry, except for commands whose name starts
 * with `allowed` (NULL: none allowed; several as "config|info"), e.g. "config"
 * for SPEC 2's CONFIG GET probe that a read-only user is refused.
 */
void h_assert_acl_log_clean(redisContext *c, const char *allowed);

/*
 * Every key of databases 0 .. databases-1 of `r` with its DUMP and whether it
 * has a TTL, as one buffer (malloc'ed, *len bytes) that compares equal only
 * when nothing changed. The caller frees it.
 */
char *h_redis_snapshot(const struct h_redis *r, int databases, size_t *len);

#endif
