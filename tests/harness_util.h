/* harness_util.h - the small process, path and text helpers every test harness shares. */
#ifndef REDISFS_TESTS_HARNESS_UTIL_H
#define REDISFS_TESTS_HARNESS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* `dir`/`name` into `out` (which may alias `dir`); fails the test when it does not fit. */
void h_join_path(char *out, size_t len, const char *dir, const char *name);

/* A printf-formatted string the caller frees; fails the test when out of memory. */
char *h_vformat(const char *fmt, va_list ap);

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
