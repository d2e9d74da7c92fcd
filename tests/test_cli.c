/* test_cli.c - the command line of SPEC section 1, through the real binary against real servers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_fixture.h"
#include "harness.h"
#include "run_suite.h"

#define WRONG_PASSWORD "Wr0ng-guess-77"	   /* never the server's */
#define URL_PASSWORD   "Url-0nly-p4ssw0rd" /* must never show outside the daemon */

static struct h_mount *mount;

/* Whether `text` holds `word` as a word of its own ("ro" is not in "cron"). */
static bool mentions(const char *text, const char *word)
{
	size_t wl = strlen(word);
	bool open_end = word[wl - 1] == '='; /* "timeout=" is followed by its value */

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
		char before = p == text ? ' ' : p[-1];
		char after = p[wl];

		if (isalnum((unsigned char) before) || before == '_' || before == '-')
			continue;
		if (!open_end && (isalnum((unsigned char) after) || after == '_' || after == '='))
			continue;
		return true;
	}
	return false;
}

/* The line of `text` in which `word` appears as a word, copied into `line`. */
static bool line_of(const char *text, const char *word, char *line, size_t len)
{
	const char *start = text;

	while (*start) {
		const char *end = strchr(start, '\n');
		size_t n = end ? (size_t) (end - start) : strlen(start);

		if (n < len) {
			memcpy(line, start, n);
			line[n] = '\0';
			if (mentions(line, word))
				return true;
		}
		if (!end)
			break;
		start = end + 1;
	}
	return false;
}

static void setup_none(void)
{
}

START_TEST(test_help_exits_0_and_names_every_option)
{
	static const char *const options[] = {
		"ro", "noflush", "databases=", "timeout=", "cache_timeout=", "passfile="};
	const char *args[] = {"--help", NULL};
	struct h_run res;
	char *all;

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	ck_assert_msg(res.status == 0, "--help exit status %d; stderr: %s", res.status, res.err);
	ck_assert_int_ge(asprintf(&all, "%s\n%s", res.out, res.err), 0);
	for (size_t i = 0; i < sizeof options / sizeof *options; i++)
		ck_assert_msg(mentions(all, options[i]), "--help does not mention %s:\n%s",
			      options[i], all);
	free(all);
	h_run_free(&res);
}
END_TEST

START_TEST(test_help_gives_the_timeout_defaults)
{
	const char *args[] = {"--help", NULL};
	struct h_run res;
	char line[512], *all;

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_int_ge(asprintf(&all, "%s\n%s", res.out, res.err), 0);
	ck_assert_msg(line_of(all, "timeout=", line, sizeof line) && strchr(line, '5'),
		      "no line of --help gives timeout= with its default 5:\n%s", all);
	ck_assert_msg(line_of(all, "cache_timeout=", line, sizeof line) && strchr(line, '1'),
		      "no line of --help gives cache_timeout= with its default 1:\n%s", all);
	free(all);
	h_run_free(&res);
}
END_TEST

START_TEST(test_version_exits_0_and_names_redisfs)
{
	const char *args[] = {"--version", NULL};
	struct h_run res;

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	ck_assert_msg(res.status == 0, "--version exit status %d; stderr: %s", res.status, res.err);
	ck_assert_msg(strstr(res.out, "redisfs") || strstr(res.err, "redisfs"),
		      "--version does not print redisfs: '%s' '%s'", res.out, res.err);
	h_run_free(&res);
}
END_TEST

START_TEST(test_unknown_option_is_refused_in_one_line)
{
	char url[64], mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {url, new_mountpoint(mnt, sizeof mnt, "bogus"), "-f", "-o", "bogus",
			      NULL};

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", open_server->port);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, "bogus");
	h_run_free(&res);
}
END_TEST

START_TEST(test_port_out_of_range_is_refused_naming_it)
{
	char mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {"redis://h:70000", new_mountpoint(mnt, sizeof mnt, "port"), "-f",
			      NULL};

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, "70000");
	h_run_free(&res);
}
END_TEST

START_TEST(test_rediss_against_a_plain_server_says_try_redis)
{
	char url[64], mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {url, new_mountpoint(mnt, sizeof mnt, "tls"), "-f", NULL};

	snprintf(url, sizeof url, "rediss://127.0.0.1:%d", open_server->port);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, "try redis://");
	h_run_free(&res);
}
END_TEST

START_TEST(test_unknown_scheme_is_refused_naming_it)
{
	char mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {"http://x", new_mountpoint(mnt, sizeof mnt, "scheme"), "-f", NULL};

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, "http");
	h_run_free(&res);
}
END_TEST

START_TEST(test_closed_port_is_refused_before_mounting)
{
	char url[64], mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {url, new_mountpoint(mnt, sizeof mnt, "closed"), "-f", NULL};

	/* A port that nothing listens on: connect() is refused at once. */
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", h_free_port());
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, NULL);
	h_run_free(&res);
}
END_TEST

START_TEST(test_wrong_password_is_refused_before_mounting)
{
	char url[64], mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {url, new_mountpoint(mnt, sizeof mnt, "wrongpw"), "-f", NULL};

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", locked_server->port);
	h_run_redisfs(args, WRONG_PASSWORD, RUN_SECONDS, &res);
	assert_refused(&res, mnt, NULL);
	ck_assert_msg(!strstr(res.err, WRONG_PASSWORD), "the message shows the password: %s",
		      res.err);
	h_run_free(&res);
}
END_TEST

START_TEST(test_missing_password_is_refused_before_mounting)
{
	char url[64], mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {url, new_mountpoint(mnt, sizeof mnt, "nopw"), "-f", NULL};

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", locked_server->port);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, NULL);
	h_run_free(&res);
}
END_TEST

START_TEST(test_missing_mountpoint_is_refused_in_one_line)
{
	char url[64];
	struct h_run res;
	const char *args[] = {url, "-f", NULL};

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", open_server->port);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, NULL, NULL);
	h_run_free(&res);
}
END_TEST

START_TEST(test_nonexistent_mountpoint_is_refused_in_one_line)
{
	char url[64], mnt[H_PATH_MAX];
	struct h_run res;
	const char *args[] = {url, mnt, "-f", NULL};

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", open_server->port);
	snprintf(mnt, sizeof mnt, "%s/does-not-exist", scratch);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, NULL, NULL);
	ck_assert_msg(access(mnt, F_OK) != 0, "redisfs created the mount point %s", mnt);
	h_run_free(&res);
}
END_TEST

START_TEST(test_group_readable_passfile_is_refused)
{
	char url[64], mnt[H_PATH_MAX], file[H_PATH_MAX + 16], opt[H_PATH_MAX + 32];
	struct h_run res;
	const char *args[] = {url, new_mountpoint(mnt, sizeof mnt, "pass0644"), "-f", "-o", opt,
			      NULL};

	snprintf(file, sizeof file, "%s/pass0644.txt", scratch);
	ck_assert_int_eq(h_write_file(file, PASSWORD "\n", strlen(PASSWORD) + 1, 0644), 0);
	snprintf(opt, sizeof opt, "passfile=%s", file);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", locked_server->port);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, NULL);
	ck_assert_msg(!strstr(res.err, PASSWORD), "the message shows the password: %s", res.err);
	h_run_free(&res);
}
END_TEST

/* Whether the mount lists key `key` in db0 (set by the test through Redis first). */
static void assert_mount_serves_db0(const struct h_mount *m, const struct h_redis *r)
{
	redisContext *c = h_redis_connect(r, 0);
	char path[H_PATH_MAX + 32], *got;
	size_t len;
	int err;

	h_cmd_ok(c, "SET cli-probe works");
	redisFree(c);
	h_path(path, sizeof path, m, "db0/cli-probe");
	err = h_read_file(path, &got, &len);
	ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
	ck_assert_msg(len == 5 && !memcmp(got, "works", 5), "%s holds '%s'", path, got);
	free(got);
}

static void setup_auth_from_env(void)
{
	const char *locked[] = {"--requirepass", PASSWORD, NULL};
	struct h_mount_spec spec = {.auth = PASSWORD};

	locked_server = h_redis_start(locked);
	mount = h_mount_start(locked_server, &spec);
}

START_TEST(test_password_from_rediscli_auth_mounts)
{
	assert_mount_serves_db0(mount, locked_server);
}
END_TEST

static void setup_auth_from_passfile(void)
{
	const char *locked[] = {"--requirepass", PASSWORD, NULL};
	static char opt[H_PATH_MAX + 32];
	char file[H_PATH_MAX + 16];
	struct h_mount_spec spec = {.options = opt};

	locked_server = h_redis_start(locked);
	scratch = h_scratch_dir();
	snprintf(file, sizeof file, "%s/pass0600.txt", scratch);
	/* One trailing newline, as `echo PASSWORD > file` writes it: not part of the password. */
	ck_assert_int_eq(h_write_file(file, PASSWORD "\n", strlen(PASSWORD) + 1, 0600), 0);
	snprintf(opt, sizeof opt, "passfile=%s", file);
	mount = h_mount_start(locked_server, &spec);
}

START_TEST(test_passfile_password_without_its_newline_mounts)
{
	assert_mount_serves_db0(mount, locked_server);
}
END_TEST

static void setup_auth_from_url(void)
{
	const char *locked[] = {"--requirepass", URL_PASSWORD, NULL};
	char url[128];
	struct h_mount_spec spec = {.url = url};

	locked_server = h_redis_start(locked);
	snprintf(url, sizeof url, "redis://default:%s@127.0.0.1:%d", URL_PASSWORD,
		 locked_server->port);
	mount = h_mount_start(locked_server, &spec);
}

START_TEST(test_url_password_mounts)
{
	assert_mount_serves_db0(mount, locked_server);
}
END_TEST

START_TEST(test_url_password_is_not_in_proc_mounts)
{
	char *text;
	size_t len;

	ck_assert_int_eq(h_read_file("/proc/mounts", &text, &len), 0);
	ck_assert_msg(strstr(text, mount->mnt), "%s is not in /proc/mounts", mount->mnt);
	ck_assert_msg(!strstr(text, URL_PASSWORD), "/proc/mounts shows the password:\n%s", text);
	free(text);
}
END_TEST

START_TEST(test_url_password_is_not_in_daemon_cmdline)
{
	char path[64], *text;
	size_t len;

	/* under $REDISFS_WRAPPER (valgrind) the file shows the wrapper's copy of the arguments */
	if (getenv("REDISFS_WRAPPER"))
		return;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int) mount->pid);
	ck_assert_int_eq(h_read_file(path, &text, &len), 0);
	for (size_t i = 0; i < len; i++)
		if (!text[i])
			text[i] = ' ';
	ck_assert_msg(!strstr(text, URL_PASSWORD), "%s shows the password: %s", path, text);
	free(text);
}
END_TEST

START_TEST(test_url_password_is_not_in_daemon_log)
{
	char *text;
	size_t len;

	/* Some traffic first, so that anything it logs is in the log. */
	assert_mount_serves_db0(mount, locked_server);
	ck_assert_int_eq(h_read_file(mount->log, &text, &len), 0);
	ck_assert_msg(!strstr(text, URL_PASSWORD), "the daemon's log shows the password: %s", text);
	free(text);
}
END_TEST

START_TEST(test_fsname_is_url_without_userinfo_and_type_is_fuse_redisfs)
{
	char type[256], source[H_PATH_MAX], want[64];

	ck_assert(h_mount_info(mount->mnt, type, sizeof type, source, sizeof source));
	snprintf(want, sizeof want, "redis://127.0.0.1:%d", locked_server->port);
	ck_assert_str_eq(type, "fuse.redisfs");
	ck_assert_str_eq(source, want);
}
END_TEST

static void setup_url_database(void)
{
	char url[64];
	struct h_mount_spec spec = {.url = url};

	open_server = h_redis_start(NULL);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d/2", open_server->port);
	mount = h_mount_start(open_server, &spec);
}

START_TEST(test_url_database_shows_only_that_folder)
{
	struct h_names names;

	ck_assert_int_eq(h_list(mount->mnt, &names), 0);
	ck_assert_msg(names.n == 1 && !strcmp(names.v[0], "db2"),
		      "the root lists %zu names, the first '%s'; want only db2", names.n,
		      names.n ? names.v[0] : "");
	h_names_free(&names);
}
END_TEST

static void setup_owner_and_umask(void)
{
	struct h_mount_spec spec = {.options = "uid=1234,gid=4321,umask=027"};
	redisContext *c;

	open_server = h_redis_start(NULL);
	c = h_redis_connect(open_server, 0);
	h_cmd_ok(c, "SET owned yes");
	redisFree(c);
	mount = h_mount_start(open_server, &spec);
}

START_TEST(test_uid_gid_and_umask_show_on_every_file_and_folder)
{
	const char *paths[] = {"", "db0", "db0/owned"};
	const mode_t want[] = {S_IFDIR | 0750, S_IFDIR | 0750, S_IFREG | 0640};
	char path[H_PATH_MAX + 32];
	struct stat st;

	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		h_path(path, sizeof path, mount, paths[i]);
		ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
		ck_assert_uint_eq(st.st_uid, 1234);
		ck_assert_uint_eq(st.st_gid, 4321);
		ck_assert_msg(st.st_mode == want[i], "%s has mode %o, want %o", path,
			      (unsigned) st.st_mode, (unsigned) want[i]);
	}
	assert_mount_serves_db0(mount, open_server); /* and it still serves */
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc;

	tc = tcase_create("usage");
	h_tcase_add_fixture(tc, setup_none, h_stop_all);
	tcase_add_test(tc, test_help_exits_0_and_names_every_option);
	tcase_add_test(tc, test_help_gives_the_timeout_defaults);
	tcase_add_test(tc, test_version_exits_0_and_names_redisfs);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	h_tcase_add_fixture(tc, setup_servers, h_stop_all);
	tcase_add_test(tc, test_unknown_option_is_refused_in_one_line);
	tcase_add_test(tc, test_port_out_of_range_is_refused_naming_it);
	tcase_add_test(tc, test_rediss_against_a_plain_server_says_try_redis);
	tcase_add_test(tc, test_unknown_scheme_is_refused_naming_it);
	tcase_add_test(tc, test_closed_port_is_refused_before_mounting);
	tcase_add_test(tc, test_wrong_password_is_refused_before_mounting);
	tcase_add_test(tc, test_missing_password_is_refused_before_mounting);
	tcase_add_test(tc, test_missing_mountpoint_is_refused_in_one_line);
	tcase_add_test(tc, test_nonexistent_mountpoint_is_refused_in_one_line);
	tcase_add_test(tc, test_group_readable_passfile_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("password_from_env");
	h_tcase_add_fixture(tc, setup_auth_from_env, h_stop_all);
	tcase_add_test(tc, test_password_from_rediscli_auth_mounts);
	suite_add_tcase(s, tc);

	tc = tcase_create("password_from_passfile");
	h_tcase_add_fixture(tc, setup_auth_from_passfile, h_stop_all);
	tcase_add_test(tc, test_passfile_password_without_its_newline_mounts);
	suite_add_tcase(s, tc);

	tc = tcase_create("password_in_url");
	h_tcase_add_fixture(tc, setup_auth_from_url, h_stop_all);
	tcase_add_test(tc, test_url_password_mounts);
	tcase_add_test(tc, test_url_password_is_not_in_proc_mounts);
	tcase_add_test(tc, test_url_password_is_not_in_daemon_cmdline);
	tcase_add_test(tc, test_url_password_is_not_in_daemon_log);
	tcase_add_test(tc, test_fsname_is_url_without_userinfo_and_type_is_fuse_redisfs);
	suite_add_tcase(s, tc);

	tc = tcase_create("url_database");
	h_tcase_add_fixture(tc, setup_url_database, h_stop_all);
	tcase_add_test(tc, test_url_database_shows_only_that_folder);
	suite_add_tcase(s, tc);

	tc = tcase_create("owner_and_umask");
	h_tcase_add_fixture(tc, setup_owner_and_umask, h_stop_all);
	tcase_add_test(tc, test_uid_gid_and_umask_show_on_every_file_and_folder);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(cli_suite(), CK_FORK);
}
