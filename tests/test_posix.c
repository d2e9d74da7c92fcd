/* test_posix.c - an open file is the truth about its bytes: stat, append, rm and mv while open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "mount_fixture.h"
#include "run_suite.h"

#define APPEND_LINES 100 /* lines each of two appenders adds */

/* The string value of `key` in db0 must be exactly `want`. */
static void assert_value(redisContext *c, const char *key, const char *want)
{
	redisReply *r = h_cmd(c, "GET %s", key);

	ck_assert_msg(r->type == REDIS_REPLY_STRING, "%s: not a string (type %d)", key, r->type);
	ck_assert_msg(r->len == strlen(want) && !memcmp(r->str, want, r->len),
		      "%s holds '%.*s', want '%s'", key, (int) r->len, r->str, want);
	freeReplyObject(r);
}

static void write_all(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t) strlen(s));
}

static off_t fsize(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_size;
}

START_TEST(test_fstat_between_appends_loses_nothing)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "SET app abc");
	fd = open(mnt(p, "db0/app"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	write_all(fd, "d");
	ck_assert_int_eq(fsize(fd), 4);
	write_all(fd, "e");
	ck_assert_int_eq(fsize(fd), 5);
	ck_assert_int_eq(close(fd), 0);
	assert_value(c, "app", "abcde");
	redisFree(c);
}
END_TEST

START_TEST(test_stat_lseek_and_other_descriptors_see_unclosed_bytes)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN], buf[64];
	struct stat st;
	int w, r, w2;

	h_cmd_ok(c, "SET seen 12");
	w = open(mnt(p, "db0/seen"), O_RDWR);
	ck_assert_int_ge(w, 0);
	r = open(p, O_RDONLY);
	ck_assert_int_ge(r, 0);
	ck_assert_int_eq(pwrite(w, "hello world", 11, 0), 11);
	ck_assert_int_eq(fsize(w), 11);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 11);
	ck_assert_int_eq(lseek(w, 0, SEEK_END), 11);
	/* a reader opened before the write, and one opened after it, see the bytes */
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(pread(r, buf, sizeof buf, 0), 11);
	ck_assert_str_eq(buf, "hello world");
	w2 = open(p, O_RDWR);
	ck_assert_int_ge(w2, 0);
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(pread(w2, buf, sizeof buf, 0), 11);
	ck_assert_str_eq(buf, "hello world");
	ck_assert_int_eq(lseek(w2, 0, SEEK_END), 11);
	/* nothing reached Redis before a close */
	assert_value(c, "seen", "12");
	ck_assert_int_eq(close(w2), 0);
	ck_assert_int_eq(close(r), 0);
	ck_assert_int_eq(close(w), 0);
	assert_value(c, "seen", "hello world");
	redisFree(c);
}
END_TEST

START_TEST(test_stat_right_after_truncate_and_ftruncate_shows_the_new_size)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	struct stat st;
	int fd;

	h_cmd_ok(c, "SET trunc 0123456789");
	ck_assert_int_eq(stat(mnt(p, "db0/trunc"), &st), 0);
	ck_assert_int_eq(st.st_size, 10); /* now in the kernel's and the daemon's caches */
	ck_assert_int_eq(truncate(p, 3), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	assert_value(c, "trunc", "012");
	fd = open(p, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 7), 0);
	ck_assert_int_eq(fsize(fd), 7);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 7);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 7);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "test \"$(wc -c < db0/trunc)\" = 7"), 0);
	/* a write through the shell, stat at once */
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 12345678901234 > db0/trunc"), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, 14);
	redisFree(c);
}
END_TEST

START_TEST(test_two_shell_appenders_and_a_stat_loop_lose_no_line)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	long long lines;
	redisReply *r;

	h_cmd_ok(c, "SET log %b", "", (size_t) 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt,
			      "(i=0; while [ $i -lt 300 ]; do stat -c %%s db0/log >/dev/null; "
			      "i=$((i+1)); done) & s=$!; "
			      "(i=0; while [ $i -lt %d ]; do echo \"a $i\" >> db0/log; i=$((i+1)); "
			      "done) & a=$!; "
			      "(i=0; while [ $i -lt %d ]; do echo \"b $i\" >> db0/log; i=$((i+1)); "
			      "done) & b=$!; "
			      "wait $a && wait $b && wait $s",
			      APPEND_LINES, APPEND_LINES),
			 0);
	r = h_cmd(c, "GET log");
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	lines = 0;
	for (size_t i = 0; i < r->len; i++)
		lines += r->str[i] == '\n';
	ck_assert_msg(lines == 2 * APPEND_LINES, "%lld lines of %d in Redis", lines,
		      2 * APPEND_LINES);
	freeReplyObject(r);
	redisFree(c);
}
END_TEST

START_TEST(test_rm_of_an_open_file_is_not_undone_by_its_close)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN], buf[16];
	struct stat st;
	int fd;

	h_cmd_ok(c, "SET gone old");
	fd = open(mnt(p, "db0/gone"), O_RDWR);
	ck_assert_int_ge(fd, 0);
	write_all(fd, "new data");
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS gone"), 0);
	/* the descriptor keeps its own bytes, as on any file system */
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_nlink, 0);
	ck_assert_int_eq(st.st_size, 8);
	ck_assert_int_eq(pwrite(fd, "!", 1, 8), 1);
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 9);
	ck_assert_str_eq(buf, "new data!");
	ck_assert_int_eq(close(fd), 0);
	h_nap_ms(200); /* release comes after close, in the background */
	ck_assert_int_eq(h_cmd_int(c, "EXISTS gone"), 0);
	ck_assert_int_eq(access(p, F_OK), -1);
	redisFree(c);
}
END_TEST

START_TEST(test_rm_of_a_file_open_for_reading_keeps_its_bytes)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN], buf[16];
	int fd;

	h_cmd_ok(c, "SET kept some-bytes");
	fd = open(mnt(p, "db0/kept"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(unlink(p), 0);
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 10);
	ck_assert_str_eq(buf, "some-bytes");
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS kept"), 0);
	redisFree(c);
}
END_TEST

START_TEST(test_mv_of_an_open_file_takes_its_writes_along)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char a[MNT_PATH_LEN], b[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "SET mva first");
	fd = open(mnt(a, "db0/mva"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	write_all(fd, "-second");
	ck_assert_int_eq(rename(a, mnt(b, "db0/mvb")), 0);
	write_all(fd, "-third");
	ck_assert_int_eq(close(fd), 0);
	h_nap_ms(200);
	assert_value(c, "mvb", "first-second-third");
	ck_assert_int_eq(h_cmd_int(c, "EXISTS mva"), 0);
	redisFree(c);
}
END_TEST

START_TEST(test_mv_over_an_open_file_leaves_the_new_one)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char a[MNT_PATH_LEN], b[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "SET over-src fresh");
	h_cmd_ok(c, "SET over-dst stale");
	fd = open(mnt(b, "db0/over-dst"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	write_all(fd, "-written");
	ck_assert_int_eq(rename(mnt(a, "db0/over-src"), b), 0);
	ck_assert_int_eq(close(fd), 0);
	h_nap_ms(200);
	assert_value(c, "over-dst", "fresh");
	redisFree(c);
}
END_TEST

START_TEST(test_copy_file_range_copies_exactly)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char a[MNT_PATH_LEN], b[MNT_PATH_LEN];
	loff_t in_off = 2, out_off = 1;
	int in, out;

	h_cmd_ok(c, "SET cfr-src 0123456789");
	h_cmd_ok(c, "SET cfr-dst abc");
	in = open(mnt(a, "db0/cfr-src"), O_RDWR);
	out = open(mnt(b, "db0/cfr-dst"), O_RDWR);
	ck_assert_int_ge(in, 0);
	ck_assert_int_ge(out, 0);
	ck_assert_int_eq(pwrite(in, "ABCDEF", 6, 10), 6); /* not closed: not in Redis yet */
	ck_assert_int_eq(copy_file_range(in, &in_off, out, &out_off, 100, 0), 14);
	ck_assert_int_eq(in_off, 16);
	ck_assert_int_eq(out_off, 15);
	ck_assert_int_eq(copy_file_range(in, &in_off, out, &out_off, 100, 0), 0); /* the end */
	ck_assert_int_eq(close(in), 0);
	ck_assert_int_eq(close(out), 0);
	assert_value(c, "cfr-dst", "a23456789ABCDEF");
	ck_assert_int_eq(
		h_sh(fx_mount->mnt, "cp db0/cfr-dst db0/cfr-cp && cmp db0/cfr-dst db0/cfr-cp"), 0);
	assert_value(c, "cfr-cp", "a23456789ABCDEF");
	redisFree(c);
}
END_TEST

/* ---- names ---- */

#define NAME_OVER 256 /* one byte past NAME_MAX */

START_TEST(test_names_past_255_bytes_are_enametoolong_everywhere)
{
	static const size_t lens[] = {NAME_OVER, 1000};
	redisContext *c = h_redis_connect(fx_server, 0);
	char rel[1200], p[MNT_PATH_LEN + 1200], ok[MNT_PATH_LEN];
	redisReply *r;
	struct stat st;

	h_cmd_ok(c, "SET short x");
	mnt(ok, "db0/short");
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		memcpy(rel, "db0/", 4);
		memset(rel + 4, 'n', lens[i]);
		rel[4 + lens[i]] = '\0';
		snprintf(p, sizeof p, "%s/%s", fx_mount->mnt, rel);
#define ASSERT_TOOLONG(call)                                                                       \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == ENAMETOOLONG, "%s with %zu bytes: %s",      \
			      #call, lens[i], strerror(errno));                                    \
	} while (0)
		ASSERT_TOOLONG(stat(p, &st));
		ASSERT_TOOLONG(open(p, O_RDONLY));
		ASSERT_TOOLONG(open(p, O_WRONLY | O_CREAT, 0644));
		ASSERT_TOOLONG(mknod(p, S_IFREG | 0644, 0));
		ASSERT_TOOLONG(unlink(p));
		ASSERT_TOOLONG(rename(ok, p));
		ASSERT_TOOLONG(rename(p, ok));
		ASSERT_TOOLONG(mkdir(p, 0755));
		ASSERT_TOOLONG(rmdir(p));
		ASSERT_TOOLONG(truncate(p, 0));
#undef ASSERT_TOOLONG
	}
	assert_value(c, "short", "x");
	r = h_cmd(c, "KEYS nnn*"); /* nothing was made */
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_int_eq(r->elements, 0);
	freeReplyObject(r);
	redisFree(c);
}
END_TEST

/* ---- sizes past what Redis takes (proto-max-bulk-len) ---- */

#define SMALL_LIMIT (1 << 20) /* the smallest proto-max-bulk-len Redis accepts */

static void setup_small_limit(void)
{
	const char *const extra[] = {"--proto-max-bulk-len", "1048576", NULL};

	fx_start(extra, NULL);
}

/* The daemon still answers: the mount is not dead (ENOTCONN). */
static void assert_mount_alive(void)
{
	char p[MNT_PATH_LEN];
	struct stat st;

	ck_assert_int_eq(stat(mnt(p, "db0"), &st), 0);
}

START_TEST(test_truncate_far_past_the_limit_is_efbig_and_the_daemon_lives)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	struct stat st;

	h_cmd_ok(c, "SET huge abc");
	ck_assert_int_eq(truncate(mnt(p, "db0/huge"), 999999999999999LL), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "truncate -s 999999999999999 db0/huge 2>/dev/null"),
			 0);
	assert_mount_alive();
	ck_assert_int_eq(truncate(p, SMALL_LIMIT + 1), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(truncate(p, SMALL_LIMIT), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_size, SMALL_LIMIT);
	ck_assert_int_eq(h_cmd_int(c, "STRLEN huge"), SMALL_LIMIT);
	redisFree(c);
}
END_TEST

START_TEST(test_write_far_past_the_limit_is_efbig_and_nothing_is_lost)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];
	int fd;

	h_cmd_ok(c, "SET seek abc");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "dd if=/dev/zero of=db0/seek bs=1 count=1 seek=2G "
					     "conv=notrunc status=none 2>/dev/null"),
			 0);
	assert_mount_alive();
	fd = open(mnt(p, "db0/seek"), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "x", 1, SMALL_LIMIT), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(pwrite(fd, "x", 1, SMALL_LIMIT - 1), 1);
	ck_assert_int_eq(ftruncate(fd, 999999999999999LL), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(h_cmd_int(c, "STRLEN seek"), SMALL_LIMIT);
	redisFree(c);
}
END_TEST

START_TEST(test_truncate_past_the_default_limit_is_efbig)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char p[MNT_PATH_LEN];

	h_cmd_ok(c, "SET dflt abc");
	ck_assert_int_eq(truncate(mnt(p, "db0/dflt"), 999999999999999LL), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(truncate(p, (512LL << 20) + 1), -1);
	ck_assert_int_eq(errno, EFBIG);
	assert_mount_alive();
	assert_value(c, "dflt", "abc");
	redisFree(c);
}
END_TEST

static Suite *posix_suite(void)
{
	Suite *s = suite_create("posix");
	TCase *tc = tcase_create("open_files");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_fstat_between_appends_loses_nothing);
	tcase_add_test(tc, test_stat_lseek_and_other_descriptors_see_unclosed_bytes);
	tcase_add_test(tc, test_stat_right_after_truncate_and_ftruncate_shows_the_new_size);
	tcase_add_test(tc, test_two_shell_appenders_and_a_stat_loop_lose_no_line);
	tcase_add_test(tc, test_rm_of_an_open_file_is_not_undone_by_its_close);
	tcase_add_test(tc, test_rm_of_a_file_open_for_reading_keeps_its_bytes);
	tcase_add_test(tc, test_mv_of_an_open_file_takes_its_writes_along);
	tcase_add_test(tc, test_mv_over_an_open_file_leaves_the_new_one);
	tcase_add_test(tc, test_copy_file_range_copies_exactly);
	tcase_add_test(tc, test_names_past_255_bytes_are_enametoolong_everywhere);
	tcase_add_test(tc, test_truncate_past_the_default_limit_is_efbig);
	suite_add_tcase(s, tc);

	tc = tcase_create("size_limit");
	h_tcase_add_fixture(tc, setup_small_limit, h_stop_all);
	tcase_add_test(tc, test_truncate_far_past_the_limit_is_efbig_and_the_daemon_lives);
	tcase_add_test(tc, test_write_far_past_the_limit_is_efbig_and_nothing_is_lost);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(posix_suite(), CK_FORK);
}
