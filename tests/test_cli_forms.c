/* test_cli_forms.c - redis-cli and sshfs habits, mount points and --version (SPEC 1, issue 19). */
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

START_TEST(test_bare_host_and_port_mounts_like_redis_url)
{
	char url[64], path[H_PATH_MAX], source[256];
	struct h_mount_spec spec = {.url = url};
	struct h_mount *m;
	redisContext *c = h_redis_connect(open_server, 0);
	char *buf;
	size_t len;

	h_cmd_ok(c, "SET bare:key hello");
	snprintf(url, sizeof url, "127.0.0.1:%d", open_server->port);
	m = h_mount_start(open_server, &spec);
	ck_assert(h_mount_info(m->mnt, NULL, 0, source, sizeof source));
	ck_assert_msg(strncmp(source, "redis://127.0.0.1:", 18) == 0, "fsname %s", source);
	ck_assert_int_eq(h_read_file(h_path(path, sizeof path, m, "db0/bare:key"), &buf, &len), 0);
	ck_assert_str_eq(buf, "hello");
	free(buf);
	h_mount_stop(m);
	redisFree(c);
}
END_TEST

START_TEST(test_redis_cli_host_and_port_flags_name_the_url)
{
	char port[16], mnt[H_PATH_MAX], want[H_PATH_MAX + 64];
	const char *args[] = {"-h", "127.0.0.1", "-p", port, new_mountpoint(mnt, sizeof mnt, "hp"),
			      "-f", NULL};
	struct h_run res;

	snprintf(port, sizeof port, "%d", open_server->port);
	snprintf(want, sizeof want, "redisfs redis://127.0.0.1:%d %s", open_server->port, mnt);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, want);
	ck_assert_msg(strstr(res.err, "-h") && strstr(res.err, "-p"), "%s", res.err);
	h_run_free(&res);
}
END_TEST

START_TEST(test_redis_cli_password_and_db_flags_never_repeat_the_password)
{
	char port[16], mnt[H_PATH_MAX], want[H_PATH_MAX + 64];
	const char *args[] = {
		"-p", port, "-a", "Sekrit-77", "-n", "3", new_mountpoint(mnt, sizeof mnt, "pan"),
		NULL};
	struct h_run res;

	snprintf(port, sizeof port, "%d", open_server->port);
	snprintf(want, sizeof want, "redis://127.0.0.1:%d/3", open_server->port);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, want);
	ck_assert_msg(strstr(res.err, "REDISCLI_AUTH"), "%s", res.err);
	ck_assert_msg(!strstr(res.err, "Sekrit"), "the password was repeated: %s", res.err);
	h_run_free(&res);
}
END_TEST

START_TEST(test_lone_dash_h_is_still_help)
{
	const char *args[] = {"-h", NULL};
	struct h_run res;

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "usage:"), "%s", res.out);
	h_run_free(&res);
}
END_TEST

START_TEST(test_regular_file_as_mount_point_is_refused)
{
	char url[64], file[H_PATH_MAX];
	const char *args[] = {url, file, "-f", NULL};
	struct h_run res;

	snprintf(url, sizeof url, "127.0.0.1:%d", open_server->port);
	snprintf(file, sizeof file, "%s/plain-file", scratch);
	ck_assert_int_eq(h_write_file(file, "x", 1, 0644), 0);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, file, "not a folder");
	h_run_free(&res);
}
END_TEST

START_TEST(test_missing_mount_point_is_refused_without_fuse_prefix)
{
	char url[64], mnt[H_PATH_MAX];
	const char *args[] = {url, mnt, "-f", NULL};
	struct h_run res;

	snprintf(url, sizeof url, "127.0.0.1:%d", open_server->port);
	snprintf(mnt, sizeof mnt, "%s/no-such-folder", scratch);
	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, NULL, "no-such-folder");
	h_run_free(&res);
}
END_TEST

START_TEST(test_non_empty_mount_point_is_refused_unless_nonempty)
{
	char url[64], mnt[H_PATH_MAX], file[H_PATH_MAX + 16];
	const char *refused[] = {url, new_mountpoint(mnt, sizeof mnt, "full"), "-f", NULL};
	const char *allowed[] = {url, mnt, "-o", "nonempty", NULL};
	struct h_run res;

	snprintf(url, sizeof url, "127.0.0.1:%d", open_server->port);
	snprintf(file, sizeof file, "%s/kept", mnt);
	ck_assert_int_eq(h_write_file(file, "mine", 4, 0644), 0);
	h_run_redisfs(refused, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, "not empty");
	ck_assert_msg(strstr(res.err, "nonempty"), "does not name -o nonempty: %s", res.err);
	h_run_free(&res);

	/* without -f the parent returns once mounted; the scratch dir unmounts it at the end */
	h_run_redisfs(allowed, NULL, RUN_SECONDS, &res);
	ck_assert_msg(res.status == 0, "-o nonempty: status %d, %s", res.status, res.err);
	ck_assert(h_mount_info(mnt, NULL, 0, NULL, 0));
	ck_assert_int_eq(h_sh(scratch, "fusermount3 -u '%s'", mnt), 0);
	ck_assert_int_eq(access(file, F_OK), 0);
	h_run_free(&res);
}
END_TEST

START_TEST(test_extra_argument_is_refused)
{
	char mnt[H_PATH_MAX];
	const char *args[] = {"127.0.0.1:1", new_mountpoint(mnt, sizeof mnt, "extra"), "stray",
			      NULL};
	struct h_run res;

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	assert_refused(&res, mnt, "stray");
	h_run_free(&res);
}
END_TEST

/* through a pipe, as `redisfs --version | head` shows it: redisfs first, then each library */
START_TEST(test_version_piped_names_redisfs_first_then_libraries)
{
	struct h_run res;

	ck_assert_int_eq(h_sh_out(scratch, &res, "'%s' --version | cat", h_redisfs_bin()), 0);
	ck_assert_msg(strncmp(res.out, "redisfs version ", 16) == 0, "first line: %s", res.out);
	ck_assert_msg(strstr(res.out, "FUSE library version"), "%s", res.out);
	ck_assert_msg(strstr(res.out, "hiredis version"), "%s", res.out);
	ck_assert_msg(strstr(res.out, "MariaDB Connector/C version"), "%s", res.out);
	h_run_free(&res);
}
END_TEST

static Suite *cli_forms_suite(void)
{
	Suite *s = suite_create("cli_forms");
	TCase *tc = tcase_create("forms");

	h_tcase_add_fixture(tc, setup_open_server, h_stop_all);
	tcase_add_test(tc, test_bare_host_and_port_mounts_like_redis_url);
	tcase_add_test(tc, test_redis_cli_host_and_port_flags_name_the_url);
	tcase_add_test(tc, test_redis_cli_password_and_db_flags_never_repeat_the_password);
	tcase_add_test(tc, test_lone_dash_h_is_still_help);
	tcase_add_test(tc, test_regular_file_as_mount_point_is_refused);
	tcase_add_test(tc, test_missing_mount_point_is_refused_without_fuse_prefix);
	tcase_add_test(tc, test_non_empty_mount_point_is_refused_unless_nonempty);
	tcase_add_test(tc, test_extra_argument_is_refused);
	tcase_add_test(tc, test_version_piped_names_redisfs_first_then_libraries);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(cli_forms_suite(), CK_FORK);
}
