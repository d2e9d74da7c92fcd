/* test_write_collections.c - SPEC 5: lists, sets, zsets and hashes written as text. */
#include "write_fixture.h"
#include "run_suite.h"

#define RELEASE_WAIT_S 5.0  /* bound on waiting for FUSE's asynchronous release */
#define LARGE_MEMBERS  2345 /* more than two of the daemon's rounds of 1000 members */

/* Whether the daemon's log holds `needle`. */
static bool log_mentions(const char *needle)
{
	char *log;
	size_t len;
	bool found;

	if (h_read_file(fx_mount->log, &log, &len) != 0)
		return false;
	found = memmem(log, len, needle, strlen(needle)) != NULL;
	free(log);
	return found;
}

/*
 * Wait (bounded) until `key` is gone. A file closed without a byte written is
 * emptied at FUSE's release, which the kernel sends after close(2) returns.
 */
static void wait_gone(redisContext *c, const char *key)
{
	double deadline = h_now() + RELEASE_WAIT_S * h_time_scale();
	struct timespec nap = {0, 10000000L};

	while (exists(c, key) && h_now() < deadline)
		nanosleep(&nap, NULL);
	assert_gone(c, key);
}

/* ---- lists, sets, zsets, hashes ---- */

START_TEST(test_list_text_replaces_the_list_in_order_keeping_its_ttl)
{
	static const char text[] = "zeta\n"
				   "alpha\n"
				   "back\\\\slash\n"
				   "nl\\nand\\ttab\\rcr\n"
				   "\\x00nul\\x01\\x1F\\x7F\n"
				   "\xc3\xa9t\xc3\xa9\xff\n"
				   "\n"
				   "zeta\n"
				   "last line without a newline";
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "RPUSH w-list old1 old2 old3");
	h_cmd_ok(c, "PEXPIRE w-list %lld", TTL_MS);
	write_file_ok("db0/w-list", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-list", "list", B("zeta"), B("alpha"), B("back\\slash"),
			  B("nl\nand\ttab\rcr"), B("\0nul\x01\x1f\x7f"), B("\xc3\xa9t\xc3\xa9\xff"),
			  B(""), B("zeta"), B("last line without a newline"));
	assert_ttl_kept(c, "w-list", TTL_MS);
	assert_file_shows(c, "db0/w-list", "w-list");
	redisFree(c);
}
END_TEST
START_TEST(test_set_text_replaces_the_set_keeping_its_ttl)
{
	static const char text[] = "pear\napple\n\\x00\nbanana\napple\n\xff\xfe\n\\\\\n";
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SADD w-set x y z");
	h_cmd_ok(c, "PEXPIRE w-set %lld", TTL_MS);
	write_file_ok("db0/w-set", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-set", "set", B("\0"), B("\\"), B("apple"), B("banana"), B("pear"),
			  B("\xff\xfe"));
	assert_ttl_kept(c, "w-set", TTL_MS);
	assert_file_shows(c, "db0/w-set", "w-set");
	redisFree(c);
}
END_TEST
START_TEST(test_zset_text_replaces_members_and_scores_keeping_its_ttl)
{
	static const char text[] = "low\t-3\n"
				   "mid\t1.5\n"
				   "tab\\tmember\t2\n"
				   "big\t1e3\n"
				   "top\tinf\n"
				   "bottom\t-inf\n"
				   "\\x00\t0.25";
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "ZADD w-zset 1 old 2 older");
	h_cmd_ok(c, "PEXPIRE w-zset %lld", TTL_MS);
	write_file_ok("db0/w-zset", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-zset", "zset", B("bottom"), B("-inf"), B("low"), B("-3"), B("\0"),
			  B("0.25"), B("mid"), B("1.5"), B("tab\tmember"), B("2"), B("big"),
			  B("1000"), B("top"), B("inf"));
	assert_ttl_kept(c, "w-zset", TTL_MS);
	assert_file_shows(c, "db0/w-zset", "w-zset");
	redisFree(c);
}
END_TEST
START_TEST(test_hash_text_replaces_fields_and_values_keeping_its_ttl)
{
	static const char text[] = "name\tAda\n"
				   "empty\t\n"
				   "\\ttabbed\\nfield\tv\\\\al\n"
				   "bin\t\\x00\\xFF\xfe\n"
				   "\tempty field";
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "HSET w-hash f1 v1 f2 v2");
	h_cmd_ok(c, "PEXPIRE w-hash %lld", TTL_MS);
	write_file_ok("db0/w-hash", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-hash", "hash", B(""), B("empty field"), B("\ttabbed\nfield"),
			  B("v\\al"), B("bin"), B("\0\xff\xfe"), B("empty"), B(""), B("name"),
			  B("Ada"));
	assert_ttl_kept(c, "w-hash", TTL_MS);
	assert_file_shows(c, "db0/w-hash", "w-hash");
	redisFree(c);
}
END_TEST

/* A key set up by `setup` (a Redis command) and text of its type that does not parse. */
struct bad_text {
	const char *key;
	const char *setup;
	struct bytes text;
};

static const struct bad_text bad_texts[] = {
	{"bad-list-escape", "RPUSH bad-list-escape a b", B("ok\nbad\\q\n")},
	{"bad-list-ctl", "RPUSH bad-list-ctl a",
	 B("raw\x01"
	   "ctl\n")},
	{"bad-list-nul", "RPUSH bad-list-nul a", B("raw\0nul\n")},
	{"bad-list-tab", "RPUSH bad-list-tab a", B("a\tb\n")},
	{"bad-set-lone-backslash", "SADD bad-set-lone-backslash a", B("ok\ntrailing\\")},
	{"bad-set-short-hex", "SADD bad-set-short-hex a", B("bad\\x4")},
	{"bad-set-not-hex", "SADD bad-set-not-hex a", B("bad\\xG0\n")},
	{"bad-set-del", "SADD bad-set-del a", B("del\x7f\n")},
	{"bad-zset-no-tab", "ZADD bad-zset-no-tab 1 a", B("member-without-score\n")},
	{"bad-zset-score", "ZADD bad-zset-score 1 a", B("m\tnot-a-number\n")},
	{"bad-zset-empty-score", "ZADD bad-zset-empty-score 1 a", B("m\t\n")},
	{"bad-zset-nan", "ZADD bad-zset-nan 1 a", B("m\tnan\n")},
	{"bad-zset-extra-tab", "ZADD bad-zset-extra-tab 1 a", B("m\t1\textra\n")},
	{"bad-hash-no-tab", "HSET bad-hash-no-tab f v", B("f2\tv2\nfield-only\n")},
	{"bad-hash-extra-tab", "HSET bad-hash-extra-tab f v", B("f\tv\tw\n")},
	{"bad-hash-escape", "HSET bad-hash-escape f v", B("f\tv\\a\n")},
};

/*
 * open(MNT/rel, flags), one write(2) of bad text, close(): SPEC 5 wants
 * EINVAL from the write that brings a complete bad line, else (a last line
 * without '\n') from close(). Returns the errno of the first failure, 0 for none.
 */
static int write_bad_text(const char *rel, int flags, const struct bytes *text)
{
	char path[MNT_PATH_LEN];
	bool whole_line = text->len && text->p[text->len - 1] == '\n';
	int fd = open(mnt(path, rel), flags | O_CLOEXEC, 0644);
	ssize_t n;
	int err = 0;

	ck_assert_msg(fd >= 0, "open %s: %s", rel, strerror(errno));
	n = write(fd, text->p, text->len);
	if (n < 0)
		err = errno;
	ck_assert_msg(whole_line ? n < 0 : n == (ssize_t) text->len,
		      "write of bad text to %s gives %zd (%s)", rel, n, strerror(errno));
	errno = 0;
	if (close(fd) < 0 && !err)
		err = errno;
	return err;
}

START_TEST(test_unparsable_text_fails_close_with_einval_and_leaves_the_key)
{
	const struct bad_text *t = &bad_texts[_i];
	redisContext *c = h_redis_connect(fx_server, 0);
	char rel[128], quoted[160];
	struct key_state before;
	int err;

	h_cmd_ok(c, t->setup);
	h_cmd_ok(c, "PEXPIRE %s %lld", t->key, TTL_MS);
	before = key_state(c, t->key);
	snprintf(rel, sizeof rel, "db0/%s", t->key);
	err = write_bad_text(rel, O_WRONLY | O_TRUNC, &t->text);
	ck_assert_msg(err == EINVAL, "writing bad text to %s gives %s", rel,
		      err == 0 ? "success" : strerror(err));
	assert_untouched(c, t->key, &before);
	snprintf(quoted, sizeof quoted, "db0 '%s'", t->key);
	ck_assert_msg(log_mentions(quoted), "the daemon's log does not name %s", quoted);

	/* the same text written over the existing content, without O_TRUNC */
	before = key_state(c, t->key);
	err = write_bad_text(rel, O_WRONLY, &t->text);
	ck_assert_msg(err == EINVAL, "overwriting %s with bad text gives %s", rel,
		      err == 0 ? "success" : strerror(err));
	assert_untouched(c, t->key, &before);
	redisFree(c);
}
END_TEST
START_TEST(test_shell_write_of_unparsable_text_fails_and_leaves_the_key)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state before;

	h_cmd_ok(c, "RPUSH sh-bad a b");
	h_cmd_ok(c, "PEXPIRE sh-bad %lld", TTL_MS);
	before = key_state(c, "sh-bad");
	/* coreutils' printf checks close(2) of its stdout */
	ck_assert_int_ne(
		h_sh(fx_mount->mnt, "/usr/bin/printf 'bad\\\\q\\n' > db0/sh-bad 2>/dev/null"), 0);
	assert_untouched(c, "sh-bad", &before);
	redisFree(c);
}
END_TEST
START_TEST(test_ftruncate_to_zero_and_close_removes_a_collection)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd;

	h_cmd_ok(c, "HSET e-ftruncate f v");
	h_cmd_ok(c, "RPUSH e-command a");
	fd = open(mnt(path, "db0/e-ftruncate"), O_WRONLY);
	ck_assert_msg(fd >= 0, "open db0/e-ftruncate: %s", strerror(errno));
	ck_assert_msg(ftruncate(fd, 0) == 0, "ftruncate: %s", strerror(errno));
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_gone(c, "e-ftruncate");
	/* truncate(1) opens the file and calls ftruncate */
	ck_assert_int_eq(h_sh(fx_mount->mnt, "truncate -s 0 db0/e-command"), 0);
	assert_gone(c, "e-command");
	redisFree(c);
}
END_TEST
START_TEST(test_truncate_syscall_to_zero_removes_a_collection)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int ret, err;

	h_cmd_ok(c, "ZADD e-truncate 1 a");
	h_cmd_ok(c, "PEXPIRE e-truncate %lld", TTL_MS);
	errno = 0;
	ret = truncate(mnt(path, "db0/e-truncate"), 0);
	err = errno;
	assert_gone(c, "e-truncate");
	ck_assert_msg(ret == 0, "truncate(2) to 0 removed the zset but returned %s", strerror(err));
	redisFree(c);
}
END_TEST
START_TEST(test_o_trunc_and_close_without_a_write_removes_a_collection)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd;

	h_cmd_ok(c, "SADD e-open a b");
	h_cmd_ok(c, "RPUSH e-shell a b");
	h_cmd_ok(c, "PEXPIRE e-shell %lld", TTL_MS);
	fd = open(mnt(path, "db0/e-open"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/e-open: %s", strerror(errno));
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	wait_gone(c, "e-open");
	ck_assert_int_eq(h_sh(fx_mount->mnt, ": > db0/e-shell"), 0);
	wait_gone(c, "e-shell");
	redisFree(c);
}
END_TEST
START_TEST(test_shell_redirect_keeps_type_and_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	const char *keys[] = {"r-list", "r-set", "r-zset", "r-hash", "r-list-ext"};

	h_cmd_ok(c, "RPUSH r-list a b c");
	h_cmd_ok(c, "SADD r-set a b c");
	h_cmd_ok(c, "ZADD r-zset 1 a 2 b");
	h_cmd_ok(c, "HSET r-hash a 1 b 2");
	h_cmd_ok(c, "RPUSH r-list-ext a b c");
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		h_cmd_ok(c, "PEXPIRE %s %lld", keys[i], TTL_MS);
	/* the shell's builtin printf, and an external command */
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'x\\ny\\n' > db0/r-list"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'y\\nx\\n' > db0/r-set"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "/usr/bin/printf 'm\\t7\\n' > db0/r-zset"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "/usr/bin/printf 'f\\tv\\n' > db0/r-hash"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "echo only > db0/r-list-ext"), 0);
	ASSERT_COLLECTION(c, "r-list", "list", B("x"), B("y"));
	ASSERT_COLLECTION(c, "r-set", "set", B("x"), B("y"));
	ASSERT_COLLECTION(c, "r-zset", "zset", B("m"), B("7"));
	ASSERT_COLLECTION(c, "r-hash", "hash", B("f"), B("v"));
	ASSERT_COLLECTION(c, "r-list-ext", "list", B("only"));
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		assert_ttl_kept(c, keys[i], TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_append_adds_a_member_keeping_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "RPUSH a-list a b");
	h_cmd_ok(c, "HSET a-hash f1 v1");
	h_cmd_ok(c, "PEXPIRE a-list %lld", TTL_MS);
	h_cmd_ok(c, "PEXPIRE a-hash %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'c\\n' >> db0/a-list"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'f0\\tv0\\n' >> db0/a-hash"), 0);
	ASSERT_COLLECTION(c, "a-list", "list", B("a"), B("b"), B("c"));
	ASSERT_COLLECTION(c, "a-hash", "hash", B("f0"), B("v0"), B("f1"), B("v1"));
	assert_ttl_kept(c, "a-list", TTL_MS);
	assert_ttl_kept(c, "a-hash", TTL_MS);
	redisFree(c);
}
END_TEST

/* Text of `n` lines `prefix`NUMBER[<TAB>NUMBER] into a malloc'ed buffer; *len gets its length. */
static char *numbered_lines(const char *prefix, size_t n, bool second_column, size_t *len)
{
	char *text = malloc(n * 48 + 1);
	size_t at = 0;

	ck_assert(text);
	for (size_t i = 0; i < n; i++)
		at += (size_t) (second_column ? sprintf(text + at, "%s%05zu\t%zu\n", prefix, i, i)
					      : sprintf(text + at, "%s%05zu\n", prefix, n - 1 - i));
	*len = at;
	return text;
}

START_TEST(test_collections_of_thousands_of_members_are_written_whole_and_in_order)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	size_t len;
	char *text;
	redisReply *r;

	/* the daemon writes in rounds of a thousand: cross two boundaries */
	h_cmd_ok(c, "RPUSH big-list old");
	h_cmd_ok(c, "PEXPIRE big-list %lld", TTL_MS);
	text = numbered_lines("e", LARGE_MEMBERS, false, &len);
	write_file_ok("db0/big-list", O_WRONLY | O_TRUNC, text, len);
	free(text);
	r = h_cmd(c, "LRANGE big-list 0 -1");
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, LARGE_MEMBERS);
	for (size_t i = 0; i < r->elements; i++) {
		char want[16];

		snprintf(want, sizeof want, "e%05zu", (size_t) LARGE_MEMBERS - 1 - i);
		ck_assert_msg(!strcmp(r->element[i]->str, want), "big-list[%zu] is %s, want %s", i,
			      r->element[i]->str, want);
	}
	freeReplyObject(r);
	assert_ttl_kept(c, "big-list", TTL_MS);

	h_cmd_ok(c, "ZADD big-zset 1 old");
	h_cmd_ok(c, "PEXPIRE big-zset %lld", TTL_MS);
	text = numbered_lines("m", LARGE_MEMBERS, true, &len);
	write_file_ok("db0/big-zset", O_WRONLY | O_TRUNC, text, len);
	free(text);
	r = h_cmd(c, "ZRANGE big-zset 0 -1 WITHSCORES");
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, 2 * LARGE_MEMBERS);
	for (size_t i = 0; i < LARGE_MEMBERS; i++) {
		char member[16], score[16];

		snprintf(member, sizeof member, "m%05zu", i);
		snprintf(score, sizeof score, "%zu", i);
		ck_assert_msg(!strcmp(r->element[2 * i]->str, member) &&
				      !strcmp(r->element[2 * i + 1]->str, score),
			      "big-zset rank %zu is %s %s, want %s %s", i, r->element[2 * i]->str,
			      r->element[2 * i + 1]->str, member, score);
	}
	freeReplyObject(r);
	assert_ttl_kept(c, "big-zset", TTL_MS);

	h_cmd_ok(c, "HSET big-hash old old");
	text = numbered_lines("f", LARGE_MEMBERS, true, &len);
	write_file_ok("db0/big-hash", O_WRONLY | O_TRUNC, text, len);
	free(text);
	ck_assert_int_eq(h_cmd_int(c, "HLEN big-hash"), LARGE_MEMBERS);
	for (size_t i = 0; i < LARGE_MEMBERS; i += 97) {
		char field[16], value[16];

		snprintf(field, sizeof field, "f%05zu", i);
		snprintf(value, sizeof value, "%zu", i);
		r = h_cmd(c, "HGET big-hash %s", field);
		ck_assert_msg(r->type == REDIS_REPLY_STRING && !strcmp(r->str, value),
			      "big-hash %s is not %s", field, value);
		freeReplyObject(r);
	}
	ck_assert_int_eq(h_cmd_int(c, "HEXISTS big-hash old"), 0);
	assert_no_ttl(c, "big-hash");
	redisFree(c);
}
END_TEST
START_TEST(test_stream_cannot_be_opened_for_writing)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state before;
	struct stat st;

	h_cmd_ok(c, "XADD events 1-0 type login");
	before = key_state(c, "events");
	mnt(path, "db0/events");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0444, "a stream has mode 0%o, want 0444",
		      st.st_mode & 07777);
	ASSERT_FAILS_WITH(open(path, O_WRONLY), EACCES, "open stream O_WRONLY");
	ASSERT_FAILS_WITH(open(path, O_RDWR), EACCES, "open stream O_RDWR");
	ASSERT_FAILS_WITH(open(path, O_WRONLY | O_TRUNC), EACCES, "open stream O_TRUNC");
	ASSERT_FAILS_WITH(open(path, O_WRONLY | O_APPEND), EACCES, "open stream O_APPEND");
	ASSERT_FAILS_WITH(truncate(path, 0), EACCES, "truncate stream");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "echo x > db0/events 2>/dev/null"), 0);
	assert_untouched(c, "events", &before);
	redisFree(c);
}
END_TEST

static Suite *write_collections_suite(void)
{
	Suite *s = suite_create("write_collections");
	TCase *tc;

	tc = tcase_create("collections");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_list_text_replaces_the_list_in_order_keeping_its_ttl);
	tcase_add_test(tc, test_set_text_replaces_the_set_keeping_its_ttl);
	tcase_add_test(tc, test_zset_text_replaces_members_and_scores_keeping_its_ttl);
	tcase_add_test(tc, test_hash_text_replaces_fields_and_values_keeping_its_ttl);
	tcase_add_loop_test(tc, test_unparsable_text_fails_close_with_einval_and_leaves_the_key, 0,
			    (int) (sizeof bad_texts / sizeof *bad_texts));
	tcase_add_test(tc, test_shell_write_of_unparsable_text_fails_and_leaves_the_key);
	tcase_add_test(tc, test_ftruncate_to_zero_and_close_removes_a_collection);
	tcase_add_test(tc, test_truncate_syscall_to_zero_removes_a_collection);
	tcase_add_test(tc, test_o_trunc_and_close_without_a_write_removes_a_collection);
	tcase_add_test(tc, test_shell_redirect_keeps_type_and_ttl);
	tcase_add_test(tc, test_append_adds_a_member_keeping_ttl);
	tcase_add_test(tc, test_collections_of_thousands_of_members_are_written_whole_and_in_order);
	tcase_add_test(tc, test_stream_cannot_be_opened_for_writing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(write_collections_suite(), CK_FORK);
	return status;
}
