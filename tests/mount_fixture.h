/* mount_fixture.h - one redis-server and one mount of it per TCase, for the suites that need that.
 */
#ifndef REDISFS_TESTS_MOUNT_FIXTURE_H
#define REDISFS_TESTS_MOUNT_FIXTURE_H

#include "harness.h"

#define MNT_PATH_LEN (H_PATH_MAX + 64) /* a path below the mount point */

/* The TCase's server and mount, set by the setups below (in check's parent process). */
extern struct h_redis *fx_server;
extern struct h_mount *fx_mount;

/*
 * Start a redis-server (`server_args`: more of its arguments, NULL-terminated,
 * or NULL) and mount it with -o `options` (NULL for none). For a TCase's
 * unchecked fixture (h_tcase_add_fixture()).
 */
void fx_start(const char *const *server_args, const char *options);

/* fx_start(NULL, NULL): a plain server, mounted with no options. */
void setup_mount(void);

/* MNT/rel into `out`, which holds MNT_PATH_LEN bytes. Returns `out`. */
char *mnt(char *out, const char *rel);

#endif
