/* harness_run.h - run redisfs and shell command lines from a test, bounded and captured. */
#ifndef REDISFS_TESTS_HARNESS_RUN_H
#define REDISFS_TESTS_HARNESS_RUN_H

#include <stddef.h>

/* What a child process did: see h_run_redisfs() and h_sh_out(). */
struct h_run {
	int status; /* exit status; 128+N after signal N; -1 when killed at the timeout */
	char *out;  /* stdout, NUL-terminated (binary-safe with out_len) */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
	size_t err_len;
};

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

#endif
