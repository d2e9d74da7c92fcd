/* config_fixture.h - a fresh directory of config files per test, for the config unit suites. */
#ifndef REDISFS_TESTS_CONFIG_FIXTURE_H
#define REDISFS_TESTS_CONFIG_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/config.h"

#define ERR_LEN	 512
#define PASSWORD "hunter2-s3cret" /* must never show up in a message */

/* A MySQL section that needs no password file, for tests about something else. */
#define MYSQL_SECTION "[mysql]\nhost = 127.0.0.1\n"
#define RULE_SECTION  "[ghosts.q]\nkeys = q:*\ntable = users\ncolumn = id\n"
#define DIR_TEMPLATE  "/tmp/redisfs-config-XXXXXX"

extern char config_dir[];
extern char config_path[];
extern char pass_path[];

void setup(void);

int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw);

void teardown(void);

/* Write `len` bytes of `data` to `path` with exactly `mode` (umask aside). */
void write_bytes(const char *path, mode_t mode, const char *data, size_t len);

/* Write the config file from a printf format; returns its path. */
const char *write_config(const char *fmt, ...);

void write_password(const char *data, size_t len, mode_t mode);

/* Load the config file, which must succeed; the caller calls config_free(). */
void load_ok(struct rfs_config *cfg);

/*
 * Load the config file, which must fail with `ret` and a one-line message that
 * begins with "PATH:LINE: " (or "PATH: " when `line` is 0), contains `needle`,
 * and never the password.
 */
void load_fails(int ret, int line, const char *needle);

#endif
