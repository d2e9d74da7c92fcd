/* harness_util.h - the small process, path and text helpers every test harness shares. */
#ifndef REDISFS_TESTS_HARNESS_UTIL_H
#define REDISFS_TESTS_HARNESS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define H_PATH_MAX     512
#define H_WAIT_SECONDS 10.0	 /* bound on every wait for a server, a mount or an exit */
#define H_POLL_NS      10000000L /* 10 ms between two looks at a process or a server */

/* Seconds on the monotonic clock. */
double h_now(void);

/* Sleep `ms` milliseconds. */
void h_nap_ms(long ms);

/* Sleep `ns` nanoseconds, resumed after signals. Async-signal-safe. */
void h_nap_ns(long ns);

/*
 * Wait for child `pid` up to `seconds`, looking every 10 ms. Returns true when
 * it was reaped (its status in *status when not NULL; 0 when it was reaped
 * elsewhere), false when it is still running. Async-signal-safe.
 */
bool h_wait_bounded(pid_t pid, double seconds, int *status);

/*
 * A new mkdtemp directory $TMPDIR/redisfs-TAG.XXXXXX (TMPDIR defaults to /tmp),
 * resolved to its real path (mountinfo shows canonical paths), into `out`.
 * Fails the test (ck_assert) when it cannot.
 */
void h_temp_dir(char *out, size_t len, const char *tag);

/*
 * Stop process `pid`: SIGTERM (and SIGCONT, for a frozen one), up to `grace`
 * seconds, then SIGKILL, and reap it. With `whole_group`, the SIGKILL goes to
 * its process group (a keeper and its server), and the group is killed in any
 * case. Async-signal-safe.
 */
void h_stop_process(pid_t pid, double grace, bool whole_group);

/*
 * Run argv (NULL-terminated; argv[0] looked up in PATH) in a process group of
 * its own, stdin from /dev/null, stdout and stderr to `log` (emptied first),
 * up to `seconds`; then kill its whole group, so that what it started goes too.
 * Returns its exit status, 128+N after signal N, or -1 when killed at the bound.
 * A signal's clean-up (h_kill_helper()) kills it as well.
 */
int h_run_logged(const char *const *argv, const char *log, double seconds);

/* Kill the group of the command h_run_logged() runs now, if any. Async-signal-safe. */
void h_kill_helper(void);

/*
 * Remove `path` and everything below it, without following symbolic links or
 * crossing into another file system (a removal must never reach into a mount
 * of Redis). Async-signal-safe (openat, getdents64, unlinkat), so that a
 * signal handler can use it. A missing path is fine.
 */
void h_remove_tree(const char *path);

/* strcmp() of two `char *` for qsort() and bsearch(). */
int h_compare_strings(const void *a, const void *b);

/* `dir`/`name` into `out` (which may alias `dir`); fails the test when it does not fit. */
void h_join_path(char *out, size_t len, const char *dir, const char *name);

/* A printf-formatted string the caller frees; fails the test when out of memory. */
char *h_vformat(const char *fmt, va_list ap);
char *h_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The first (head) or last (tail) len-1 bytes of a log file, for a failure message. */
const char *h_log_head(const char *path, char *buf, size_t len);
const char *h_log_tail(const char *path, char *buf, size_t len);

/*
 * In a new child, before exec: stdin from /dev/null, stdout and stderr appended
 * to `log` (emptied first when `truncate`). _exit(127) on failure.
 */
void h_child_stdio(const char *log, bool truncate);

/* In a new child: die by `sig` with the parent (`parent` is its PID before the fork). */
void h_child_die_with(pid_t parent, int sig);

#endif
