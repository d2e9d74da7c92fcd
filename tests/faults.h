/* faults.h - bounded, timed operations through a mount, for the fault and hostile-input tests. */
#ifndef REDISFS_TESTS_FAULTS_H
#define REDISFS_TESTS_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Every operation that could hang on a broken server runs in a child
 * process that is SIGKILLed at its bound (a fatal signal ends any wait for
 * a FUSE answer), so that a hang fails the test instead of freezing it.
 * The children use no check macros: they only make syscalls and report
 * through a pipe. The test binaries run with CK_NOFORK, so that a test may
 * halt and restart the servers its fixture started (h_redis_halt()).
 */

#define F_FNV_INIT 0xcbf29ce484222325ULL /* FNV-1a 64 offset basis */

/* What a test does through the mount. */
enum f_op {
	F_STAT, /* stat(2) */
	F_CAT,	/* open, read to the end, close */
	F_LS,	/* opendir, readdir to the end, closedir */
};

/* What a bounded operation did. */
struct f_result {
	int err;	 /* 0, or the errno of the first syscall that failed */
	bool hung;	 /* still running at the bound, and killed */
	double seconds;	 /* from the fork to the report */
	size_t count;	 /* F_CAT: bytes read; F_LS: entries, without . and .. */
	uint64_t digest; /* F_CAT: f_fnv of the bytes; F_LS: of the sorted names, NULs included */
};

/* FNV-1a 64 of (p, n), continuing from `h` (F_FNV_INIT to start). */
uint64_t f_fnv(uint64_t h, const void *p, size_t n);

/* Do `op` on `path` in a child process, killed after `bound` seconds. */
struct f_result f_run(enum f_op op, const char *path, double bound);

/*
 * Run fn(arg, fd) in a child process; fn writes `len` bytes of result to fd.
 * Returns 0 with the result in `out`, or -1 when the child did not report
 * within `bound` seconds (it is killed) or died first. *seconds may be NULL.
 */
int f_child(void (*fn)(void *arg, int fd), void *arg, double bound, void *out, size_t len,
	    double *seconds);

/* Assert that `op` on `path` fails with `err` within `bound` seconds; returns the time it took. */
double f_assert_fails(enum f_op op, const char *path, int err, double bound);

/* Assert that `op` on `path` succeeds within `bound` seconds; returns what it did. */
struct f_result f_assert_works(enum f_op op, const char *path, double bound);

/* Poll `op` on `path` until it succeeds; assert that it does within `bound` seconds. */
struct f_result f_wait_works(enum f_op op, const char *path, double bound);

/* Whether process `pid` exists and is not a zombie. */
bool f_alive(pid_t pid);

/* The digest F_LS gives for these names (any order; they are sorted here). */
uint64_t f_names_digest(char **names, size_t n);

#endif
