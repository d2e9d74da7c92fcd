/* config_fixture.c - a fresh directory of config files per test, for the config unit suites. */
#include "config_fixture.h"

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

char config_dir[sizeof DIR_TEMPLATE]; /* a fresh one per test */

char config_path[PATH_MAX];

char pass_path[PATH_MAX];

void setup(void)
{
	memcpy(config_dir, DIR_TEMPLATE, sizeof DIR_TEMPLATE); /* also when CK_FORK=no */
	ck_assert_ptr_nonnull(mkdtemp(config_dir));
	snprintf(config_path, sizeof config_path, "%s/redisfs.ini", config_dir);
	snprintf(pass_path, sizeof pass_path, "%s/mysql.pass", config_dir);
}

int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb;
	(void) flag;
	(void) ftw;
	return remove(path);
}

void teardown(void)
{
	nftw(config_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write `len` bytes of `data` to `path` with exactly `mode` (umask aside). */
void write_bytes(const char *path, mode_t mode, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Write the config file from a printf format; returns its path. */
const char *write_config(const char *fmt, ...)
{
	char text[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t) n < sizeof text);
	write_bytes(config_path, 0644, text, (size_t) n); /* the config itself holds no secret */
	return config_path;
}

void write_password(const char *data, size_t len, mode_t mode)
{
	write_bytes(pass_path, mode, data, len);
}

/* Load the config file, which must succeed; the caller calls config_free(). */
void load_ok(struct rfs_config *cfg)
{
	char err[ERR_LEN];
	int rc = config_load(config_path, cfg, err, sizeof err);

	ck_assert_msg(rc == 0, "config_load = %d: %s", rc, err);
}

/*
 * Load the config file, which must fail with `ret` and a one-line message that
 * begins with "PATH:LINE: " (or "PATH: " when `line` is 0), contains `needle`,
 * and never the password.
 */
void load_fails(int ret, int line, const char *needle)
{
	struct rfs_config cfg;
	char err[ERR_LEN], prefix[PATH_MAX + 32];
	int rc = config_load(config_path, &cfg, err, sizeof err);

	if (line)
		snprintf(prefix, sizeof prefix, "%s:%d: ", config_path, line);
	else
		snprintf(prefix, sizeof prefix, "%s: ", config_path);
	ck_assert_msg(rc == ret, "config_load = %d, expected %d (%s)", rc, ret, err);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "\"%s\" does not begin with \"%s\"",
		      err, prefix);
	ck_assert_msg(strstr(err, needle), "\"%s\" does not say \"%s\"", err, needle);
	ck_assert_msg(!strchr(err, '\n'), "\"%s\" spans lines", err);
	ck_assert_msg(!strstr(err, PASSWORD), "\"%s\" shows the password", err);
	config_free(&cfg);
}
