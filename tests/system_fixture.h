/* system_fixture.h - one meson install in a private mount namespace, for the system suites. */
#ifndef REDISFS_TESTS_SYSTEM_FIXTURE_H
#define REDISFS_TESTS_SYSTEM_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define GREETING     "hello from redis" /* db0/greeting on every server */
#define MAX_OVERLAYS 4			/* /sbin, the bindir, /run; or /dev and /run */
#define MAX_MNTS     10			/* mount points one TCase allocates */

extern const char *destdir;
extern char helper[];
extern char bindir[];
extern char manpage[];
extern struct h_redis *open_server;
extern const char *work;

/* Mount points the fixture allocated (scratch directories, so the harness detaches them). */
extern const char *mnts[];
extern size_t mnt_count;

/* Overlays the fixture mounted in our namespace, newest last. */
extern char overlays[MAX_OVERLAYS][H_PATH_MAX];
extern size_t overlay_count;
extern int log_fd;

/* ---------------------------------------------------------------- helpers */

/* snprintf that must fit: a path cut short would test the wrong thing. Returns `out`. */
char *format(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a whole text file; aborts when it cannot. The caller frees. */
char *slurp(const char *path);

void write_text(const char *path, const char *text, mode_t mode);

const char *join(char *out, size_t len, const char *dir, const char *name);

/* The PID of the redisfs daemon serving `mnt` (its argv names it), or 0. */
pid_t daemon_on(const char *mnt);

/* Whether `pid` has exited (gone, or a zombie waiting for us to reap it). */
bool has_exited(pid_t pid);

/* Wait, bounded by H_WAIT_SECONDS, for `pid` to exit; reap it when it is our child. */
bool wait_exit(pid_t pid);

/* Assert `mnt` is a fuse.redisfs mount of `url` whose db0/greeting reads GREETING. */
void assert_redisfs_mount(const char *mnt, const char *url);

/* The URL of a server, with an optional user. */
const char *url_of(char *out, size_t len, const struct h_redis *r, const char *user);

/* A mount point the fixture allocated, by index. */
const char *mnt_at(size_t i);

/*
 * Unmount `mnt` with the command `how` ("umount", "fusermount3 -u") and check
 * that its daemon `pid` exits of itself.
 */
void unmount_and_check_exit(const char *mnt, pid_t pid, const char *how);

/* ------------------------------------------------------- the environment */

/* A private mount namespace for this process and its children; see the top of the file. */
int enter_private_namespace(void);

/*
 * The body of a system test's main(): enter the private namespace (a failure
 * fails the program, never skips it: these tests need root), h_init(), then
 * run the suite that `suite` builds, each test in its own process.
 */
int system_main(Suite *(*suite)(void) );

/*
 * Lay an overlay over the directory `target` (its real path) in our namespace:
 * read-only with `top` above it, or, with `top` NULL, writable with upper and
 * work directories in a fresh scratch directory.
 */
void overlay(const char *target, const char *top);

void remove_overlays(void);

/* Find `name` under `dir` (nftw's callback needs globals). */
extern const char *find_name;
extern char found_path[];

int find_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw);

bool find_under(const char *dir, const char *name, char *out, size_t len);

/*
 * meson install --destdir into a scratch directory, from the build directory
 * that holds $REDISFS_BIN; then find what it installed.
 */
void install_into_destdir(void);

/* Allocate `n` mount points, as scratch directories of the parent. */
void allocate_mountpoints(size_t n);

/* Stop every daemon on our mount points by PID, after unmounting them. */
void stop_background_mounts(void);

void seed(const struct h_redis *r);

/* Unmount, stop and remove what a system TCase set up; also run before a setup. */
void teardown_system(void);

#endif
