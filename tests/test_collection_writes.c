/* test_collection_writes.c - SPEC 5: a list, set, zset or hash write fails at the write() of a bad
 * line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mount_fixture.h"
#include "run_suite.h"

#define TTL_S 100000 /* far longer than the test runs */

/* The hash `key` holds exactly f1=v1 and keeps its TTL. */
static void assert_hash_untouched(redisContext *c, const char *key)
{
	redisReply *r = h_cmd(c, "HGETALL %s", key);

	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_int_eq(r->elements, 2);
	ck_assert_str_eq(r->element[0]->str, "f1");
	ck_assert_str_eq(r->element[1]->str, "v1");
	freeReplyObject(r);
	ck_assert_int_gt(h_cmd_int(c, "TTL %s", key), 0);
}

START_TEST(test_echo_bad_line_into_a_hash_fails_in_bash_and_touches_nothing)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct h_run run;

	h_cmd_ok(c, "HSET hk f1 v1");
	h_cmd_ok(c, "EXPIRE hk %d", TTL_S);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "bash -c 'echo foo > db0/hk' 2>/dev/null"), 0);
	assert_hash_untouched(c, "hk");
	/* as a user sees it: the shell's own message and status */
	ck_assert_int_eq(h_sh_out(fx_mount->mnt, &run, "bash -c 'echo foo > db0/hk; echo $?'"), 0);
	ck_assert_msg(strstr(run.out, "1\n") != NULL, "bash printed '%s'", run.out);
	ck_assert_msg(strstr(run.err, "Invalid argument") != NULL, "bash said '%s'", run.err);
	h_run_free(&run);
	assert_hash_untouched(c, "hk");
	redisFree(c);
}
END_TEST

START_TEST(test_the_write_that_brings_a_bad_line_fails_and_close_too)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "HSET hw f1 v1");
	h_cmd_ok(c, "EXPIRE hw %d", TTL_S);
	fd = open(mnt(p, "db0/hw"), O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "a\tb\nc", 5), 5); /* "c" is not a whole line yet */
	ck_assert_int_eq(write(fd, "\td\n", 3), 3);
	ck_assert_int_eq(write(fd, "e\tf\nno tab\n", 11), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(write(fd, "g\th\n", 4), 4);
	ck_assert_int_eq(close(fd), -1); /* the text as a whole was refused: not written */
	ck_assert_int_eq(errno, EINVAL);
	assert_hash_untouched(c, "hw");
	redisFree(c);
}
END_TEST

START_TEST(test_a_bad_last_line_without_newline_fails_at_close)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "HSET hl f1 v1");
	h_cmd_ok(c, "EXPIRE hl %d", TTL_S);
	fd = open(mnt(p, "db0/hl"), O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "a\tb\nlast", 8), 8);
	ck_assert_int_eq(close(fd), -1);
	ck_assert_int_eq(errno, EINVAL);
	assert_hash_untouched(c, "hl");
	redisFree(c);
}
END_TEST

START_TEST(test_good_lines_split_across_writes_are_written)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "ZADD zk 1 old");
	fd = open(mnt(p, "db0/zk"), O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "m", 1), 1);
	ck_assert_int_eq(write(fd, "1\t1", 3), 3);
	ck_assert_int_eq(write(fd, ".5\nm2\t", 6), 6);
	ck_assert_int_eq(write(fd, "2", 1), 1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(h_cmd_int(c, "ZCARD zk"), 2);
	ck_assert_int_eq(h_cmd_int(c, "ZRANK zk m2"), 1);
	/* a list line with a raw control byte, and a set written whole */
	h_cmd_ok(c, "RPUSH lk x");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "printf 'a\\001b\\n' > db0/lk 2>/dev/null"), 0);
	ck_assert_int_eq(h_cmd_int(c, "LLEN lk"), 1);
	h_cmd_ok(c, "SADD sk x");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'p\\nq\\n' > db0/sk"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SCARD sk"), 2);
	redisFree(c);
}
END_TEST

/* ---- -o log=PATH: the reason reaches the user where there is no syslog ---- */

static char log_path[H_PATH_MAX];

static void setup_logged_mount(void)
{
	char options[H_PATH_MAX + 8];

	snprintf(log_path, sizeof log_path, "%s/redisfs.log", h_scratch_dir());
	snprintf(options, sizeof options, "log=%s", log_path);
	fx_start(NULL, options);
}

START_TEST(test_the_reason_of_a_refused_write_is_in_the_log_file)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char *log;
	size_t len;

	h_cmd_ok(c, "HSET logged f1 v1");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "bash -c 'echo foo > db0/logged' 2>/dev/null"), 0);
	ck_assert_int_eq(h_read_file(log_path, &log, &len), 0);
	ck_assert_msg(strstr(log, "db0 'logged'") && strstr(log, "no TAB"),
		      "the log file holds '%s'", log);
	free(log);
	redisFree(c);
}
END_TEST

START_TEST(test_a_log_file_that_cannot_be_opened_stops_the_mount)
{
	char url[64];
	const char *const args[] = {
		url, h_scratch_dir(), "-f", "-o", "log=/nonexistent/dir/redisfs.log", NULL};
	struct h_run run;

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", fx_server->port);
	h_run_redisfs(args, NULL, 10.0, &run);
	ck_assert_int_eq(run.status, 1);
	ck_assert_msg(strstr(run.err, "log") != NULL, "stderr: %s", run.err);
	h_run_free(&run);
}
END_TEST

/*
 * Once a collection's text is written, every descriptor of it reads what Redis
 * holds, rendered: a descriptor still open keeps the shared state alive, as
 * the writer's release (sent after close() returns) does for a moment.
 */
START_TEST(test_after_close_a_collection_reads_as_redis_renders_it)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	static const char typed[] = "zeta\t1\nalpha\t2\n";
	static const char rendered[] = "alpha\t2\nzeta\t1\n";
	char path[MNT_PATH_LEN], buf[64];
	int writer, holder, reader;
	ssize_t n;

	h_cmd_ok(c, "HSET rh old 0");
	writer = open(mnt(path, "db0/rh"), O_WRONLY | O_TRUNC);
	ck_assert_int_ge(writer, 0);
	holder = open(path, O_RDONLY);
	ck_assert_int_ge(holder, 0);
	ck_assert_int_eq(write(writer, typed, sizeof typed - 1), (ssize_t) sizeof typed - 1);
	ck_assert_int_eq(close(writer), 0);
	ck_assert_int_eq(h_cmd_int(c, "HLEN rh"), 2);
	reader = open(path, O_RDONLY);
	ck_assert_int_ge(reader, 0);
	n = read(reader, buf, sizeof buf);
	ck_assert_int_eq(n, (ssize_t) sizeof rendered - 1);
	ck_assert_msg(memcmp(buf, rendered, sizeof rendered - 1) == 0, "read '%.*s'", (int) n, buf);
	close(reader);
	close(holder);
	redisFree(c);
}
END_TEST

static Suite *collection_writes_suite(void)
{
	Suite *s = suite_create("collection_writes");
	TCase *tc = tcase_create("parse_at_write");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_echo_bad_line_into_a_hash_fails_in_bash_and_touches_nothing);
	tcase_add_test(tc, test_the_write_that_brings_a_bad_line_fails_and_close_too);
	tcase_add_test(tc, test_a_bad_last_line_without_newline_fails_at_close);
	tcase_add_test(tc, test_good_lines_split_across_writes_are_written);
	tcase_add_test(tc, test_after_close_a_collection_reads_as_redis_renders_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("log_file");
	h_tcase_add_fixture(tc, setup_logged_mount, h_stop_all);
	tcase_add_test(tc, test_the_reason_of_a_refused_write_is_in_the_log_file);
	tcase_add_test(tc, test_a_log_file_that_cannot_be_opened_stops_the_mount);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(collection_writes_suite(), CK_FORK);
}
