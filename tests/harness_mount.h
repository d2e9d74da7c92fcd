/* harness_mount.h - redisfs mounts of a test server: started, checked, always unmounted. */
#ifndef REDISFS_TESTS_HARNESS_MOUNT_H
#define REDISFS_TESTS_HARNESS_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness_redis.h"

/* A redisfs daemon this process started, and its mount. */
struct h_mount {
	pid_t pid;		      /* the daemon, 0 when the slot is free */
	pid_t owner;		      /* the process that started it and must stop it */
	char work[H_PATH_MAX];	      /* mkdtemp directory holding mnt/ and daemon.log */
	char mnt[H_PATH_MAX];	      /* the mount point */
	char log[H_PATH_MAX];	      /* the daemon's stdout and stderr */
	char url[H_PATH_MAX];	      /* the URL it was given */
	char wrapper_log[H_PATH_MAX]; /* valgrind's report, under $REDISFS_WRAPPER */
};

/* How to mount: every field may be NULL. */
struct h_mount_spec {
	const char *url;     /* NULL: redis://127.0.0.1:PORT of the server */
	const char *options; /* the argument of -o, or NULL for none */
	const char *auth;    /* REDISCLI_AUTH for the daemon; NULL: unset */
};

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
 * For harness.c: unmount and stop this process's daemons (in a signal handler:
 * detach and stop by PID only). Returns how many daemons so far did not exit
 * cleanly after their unmount.
 */
int h_mount_cleanup(bool in_signal);

#endif
