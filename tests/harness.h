/* harness.h - private redis-servers and redisfs mounts for integration tests, always cleaned up. */
#ifndef REDISFS_TESTS_HARNESS_H
#define REDISFS_TESTS_HARNESS_H

#include <check.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness_expect.h" /* SPEC 3 and 4 as the tests read them */
#include "harness_files.h"  /* h_read_file(), h_list() */
#include "harness_mount.h"  /* h_mount_start(), h_mount_stop() */
#include "harness_redis.h"  /* h_redis_start(), h_cmd() */
#include "harness_run.h"    /* h_sh(), h_run_redisfs() */
#include "harness_util.h"   /* h_now(), h_nap_ms(), paths, child processes */

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

/*
 * Install the SIGTERM/SIGINT handlers and the atexit hook that unmount and stop
 * whatever this process started. Call it in main() before srunner_run_all().
 * Idempotent.
 */
void h_init(void);

/*
 * Unmount, stop and remove everything this process started (in the reverse
 * order: MariaDB servers, mounts, redis-servers, scratch directories; the TLS
 * certificates stay until exit). A TCase's teardown can be just this.
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

/*
 * Run `fn` when this process cleans up: at exit, from the handler of SIGTERM,
 * SIGINT and SIGHUP (then `in_signal` is true and `fn` may make
 * async-signal-safe calls only), and, when `between_tcases`, at h_stop_all().
 * The hooks run in the reverse order of their registration; each returns how
 * many things it found failed, and a process whose hooks found any at exit
 * exits with status 1. At most a few hooks; registering one twice adds nothing.
 */
void h_at_cleanup(int (*fn)(bool in_signal), bool between_tcases);

/*
 * How much slower than usual this run is: $REDISFS_TIME_SCALE (at least 1),
 * set by slow setups (valgrind, ThreadSanitizer). Timing bounds and waits
 * are multiplied by it, heavy workloads divided.
 */
double h_time_scale(void);

/*
 * A fresh empty directory, registered so that it is removed (and unmounted,
 * should anything have mounted on it) when this process stops its things.
 * Returns a static-lifetime path.
 */
const char *h_scratch_dir(void);

#endif
