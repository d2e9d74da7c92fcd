/* run_suite.h - the body of every test program's main(): run one check suite. */
#ifndef REDISFS_TESTS_RUN_SUITE_H
#define REDISFS_TESTS_RUN_SUITE_H

#include <check.h>

/*
 * Run every test of `s` (output as $CK_VERBOSITY says; CK_VERBOSITY=verbose
 * lists each test) and free it. `fork` is CK_FORK, or CK_NOFORK for suites
 * whose tests stop and restart servers their fixtures started. Returns the
 * process's exit status: EXIT_SUCCESS when nothing failed.
 */
int run_suite(Suite *s, enum fork_status fork);

#endif
