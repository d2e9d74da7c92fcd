/* test_security.c - issue 6: secret passwords, loose password files refused, allow_other. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faults.h"
#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define REDIS_PASSWORD "env-Secret-42" /* REDISCLI_AUTH of the daemon */
#define NOBODY	       65534	       /* uid and gid of an unprivileged user */

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt;
static char config_path[H_PATH_MAX];

static void teardown(void)
{
	h_mysql_stop_all();
	h_stop_all();
	mnt = NULL;
}

/* Assert that a file the kernel shows for the daemon does not hold `secret`. */
static void assert_file_lacks(const char *path, const char *secret)
{
	char *text;
	size_t len;

	ck_assert_msg(h_read_file(path, &text, &len) == 0, "cannot read %s", path);
	ck_assert_msg(!memmem(text, len, secret, strlen(secret)), "%s shows the password '%s'",
		      path, secret);
	free(text);
}

/* Neither password in /proc/mounts, the daemon's cmdline and environ, or its log. */
static void assert_nowhere(const char *secret)
{
	char path[64];

	assert_file_lacks("/proc/mounts", secret);
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int) mnt->pid);
	assert_file_lacks(path, secret);
	/* under a wrapper the file shows the wrapper's own copy, out of the daemon's reach */
	snprintf(path, sizeof path, "/proc/%d/environ", (int) mnt->pid);
	if (!getenv("REDISFS_WRAPPER"))
		assert_file_lacks(path, secret);
	assert_file_lacks(mnt->log, secret);
}

/* A config whose [mysql] takes its password from a file of mode `mode`. */
static void write_config(mode_t mode)
{
	const char *dir = h_scratch_dir();
	char pass[H_PATH_MAX], text[2048];

	snprintf(pass, sizeof pass, "%s/mysql.pass", dir);
	snprintf(text, sizeof text, "%s\n", mysql ? mysql->password : "loose-Pw-9");
	ck_assert_int_eq(h_write_file(pass, text, strlen(text), 0600), 0);
	ck_assert_int_eq(chmod(pass, mode), 0);
	snprintf(text, sizeof text,
		 "[mysql]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword_file = %s\n"
		 "database = %s\n\n[ghosts.q]\nkeys = q:*\ntable = users\ncolumn = id\n",
		 mysql ? mysql->port : h_free_port(), mysql ? mysql->user : "app", pass,
		 mysql ? mysql->database : "app");
	snprintf(config_path, sizeof config_path, "%s/redisfs.ini", dir);
	ck_assert_int_eq(h_write_file(config_path, text, strlen(text), 0600), 0);
}

static void setup_with_mysql(void)
{
	char opts[H_PATH_MAX + 64];
	redisContext *c;

	redis = h_redis_start((const char *[]){"--requirepass", REDIS_PASSWORD, NULL});
	mysql = h_mysql_start();
	h_mysql_sql(mysql, "USE `%s`; CREATE TABLE users (id BIGINT PRIMARY KEY)",
		    mysql->database);
	write_config(0600);
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "RPUSH q:x 1 2");
	redisFree(c);
	snprintf(opts, sizeof opts, "config=%s,timeout=2,cache_timeout=0", config_path);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts, .auth = REDIS_PASSWORD});
}

START_TEST(test_no_password_in_mounts_cmdline_environ_or_log_even_after_errors)
{
	char path[H_PATH_MAX];

	f_assert_works(F_LS, h_path(path, sizeof path, mnt, "ghosts/q/q:x"), 10);
	/* errors write log lines: MySQL gone, then Redis refusing a command */
	h_mysql_halt(mysql);
	f_assert_fails(F_LS, h_path(path, sizeof path, mnt, "ghosts/q"), EIO, 10);
	h_mysql_restart(mysql);
	f_wait_works(F_LS, h_path(path, sizeof path, mnt, "ghosts/q/q:x"), 30);
	assert_nowhere(REDIS_PASSWORD);
	assert_nowhere(mysql->password);
}
END_TEST

static void setup_redis_only(void)
{
	redis = h_redis_start(NULL);
	mysql = NULL;
}

/* A real start with a [mysql] password_file of mode `mode`: refused, in one line, unmounted. */
static void assert_loose_file_refused(mode_t mode)
{
	const char *mountpoint = h_scratch_dir();
	char url[64], opt[H_PATH_MAX + 16];
	struct h_run res;

	write_config(mode);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", redis->port);
	snprintf(opt, sizeof opt, "config=%s", config_path);
	h_run_redisfs((const char *[]){url, mountpoint, "-o", opt, NULL}, NULL, 30, &res);
	ck_assert_msg(res.status == 1, "mode %04o: exit status %d; stderr: %s", mode, res.status,
		      res.err);
	ck_assert_msg(strstr(res.err, "password_file") && strstr(res.err, "chmod 600"),
		      "mode %04o: the message does not say what to do: %s", mode, res.err);
	ck_assert_msg(strchr(res.err, '\n') == res.err + res.err_len - 1, "not one line: %s",
		      res.err);
	ck_assert_msg(!strstr(res.err, "loose-Pw-9"), "the message shows the password");
	ck_assert(!h_mount_info(mountpoint, NULL, 0, NULL, 0));
	h_run_free(&res);
}

START_TEST(test_mysql_password_file_open_to_group_or_others_is_refused_at_start)
{
	assert_loose_file_refused(0640);
	assert_loose_file_refused(0604);
	assert_loose_file_refused(0660);
}
END_TEST

/* What an unprivileged user could do on the mount, found out in a child that drops root. */
struct nobody_report {
	int setuid_err;
	int stat_err;
	int read_err;
	int write_err;
};

static void as_nobody(void *arg, int fd)
{
	const char *file = arg;
	struct nobody_report rep = {0};
	struct stat st;
	char buf[64];
	int f;

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		rep.setuid_err = errno;
	rep.stat_err = stat(file, &st) ? errno : 0;
	f = open(file, O_RDONLY);
	rep.read_err = f < 0 ? errno : read(f, buf, sizeof buf) < 0 ? errno : 0;
	if (f >= 0)
		close(f);
	f = open(file, O_WRONLY);
	rep.write_err = f < 0 ? errno : 0;
	if (f >= 0)
		close(f);
	if (write(fd, &rep, sizeof rep) != (ssize_t) sizeof rep)
		_exit(2);
}

static struct nobody_report try_as_nobody(const struct h_mount *m)
{
	struct nobody_report rep;
	char file[H_PATH_MAX];

	/* mkdtemp made the mount's directory 0700: let nobody walk to the mount point */
	ck_assert_int_eq(chmod(m->work, 0755), 0);
	h_path(file, sizeof file, m, "db0/greeting");
	ck_assert_int_eq(f_child(as_nobody, file, 30, &rep, sizeof rep, NULL), 0);
	ck_assert_msg(rep.setuid_err == 0, "cannot become nobody: %s", strerror(rep.setuid_err));
	return rep;
}

static void setup_greeting(void)
{
	redisContext *c;

	setup_redis_only();
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "SET greeting %s", "hello");
	redisFree(c);
}

START_TEST(test_allow_other_implies_default_permissions)
{
	struct h_mount *m = h_mount_start(redis, &(struct h_mount_spec){.options = "allow_other"});
	struct nobody_report rep;
	char *mounts, line[1024];
	size_t len;

	ck_assert_int_eq(h_read_file("/proc/mounts", &mounts, &len), 0);
	for (char *p = strtok(mounts, "\n"); p; p = strtok(NULL, "\n")) {
		if (!strstr(p, m->mnt))
			continue;
		snprintf(line, sizeof line, "%s", p);
		ck_assert_msg(strstr(line, ",allow_other") && strstr(line, ",default_permissions"),
			      "/proc/mounts: %s", line);
	}
	free(mounts);
	/* other users get in, and the kernel checks the modes: 0644 root's files are read-only */
	rep = try_as_nobody(m);
	ck_assert_int_eq(rep.stat_err, 0);
	ck_assert_int_eq(rep.read_err, 0);
	ck_assert_int_eq(rep.write_err, EACCES);
}
END_TEST

START_TEST(test_without_allow_other_other_users_are_kept_out)
{
	struct h_mount *m = h_mount_start(redis, NULL);
	struct nobody_report rep = try_as_nobody(m);

	ck_assert_int_eq(rep.stat_err, EACCES);
	ck_assert_int_eq(rep.read_err, EACCES);
}
END_TEST

static Suite *security_suite(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("secrets");

	h_mysql_tcase_add_fixture(tc, setup_with_mysql, teardown);
	tcase_add_test(tc, test_no_password_in_mounts_cmdline_environ_or_log_even_after_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("password_file");
	h_mysql_tcase_add_fixture(tc, setup_redis_only, teardown);
	tcase_add_test(tc, test_mysql_password_file_open_to_group_or_others_is_refused_at_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("allow_other");
	h_mysql_tcase_add_fixture(tc, setup_greeting, teardown);
	tcase_add_test(tc, test_allow_other_implies_default_permissions);
	tcase_add_test(tc, test_without_allow_other_other_users_are_kept_out);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	/* a test halts and restarts the MySQL server; mounts start in tests: see faults.h */
	return run_suite(security_suite(), CK_NOFORK);
}
