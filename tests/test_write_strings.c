/* test_write_strings.c - SPEC 4 and 5 string writes through a mount, a 100 MiB value too. */
#include "write_fixture.h"
#include "run_suite.h"

#define BIG_SIZE     (100u << 20) /* SPEC 5's 100 MiB value */
#define BIG_CHUNK    (1u << 20)	  /* write(2) size for the big value */
#define LONG_KEY_LEN 300	  /* a key whose file name is shortened (SPEC 3) */

/* ---- strings ---- */

START_TEST(test_touch_creates_an_empty_string)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	ck_assert_int_eq(h_sh(fx_mount->mnt, "touch db0/touched"), 0);
	assert_type(c, "touched", "string");
	assert_string(c, "touched", "", 0);
	assert_no_ttl(c, "touched");
	redisFree(c);
}
END_TEST
START_TEST(test_redirect_creates_a_string_holding_exactly_the_output)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'hello\\nworld' > db0/redirected"), 0);
	assert_string(c, "redirected", "hello\nworld", 11);
	assert_no_ttl(c, "redirected");
	redisFree(c);
}
END_TEST
START_TEST(test_create_makes_an_empty_string_and_close_writes_the_bytes)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd = open(mnt(path, "db0/created"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	ck_assert_msg(fd >= 0, "create db0/created: %s", strerror(errno));
	/* SPEC 5: create is SET key "" NX; the data arrives at close */
	assert_string(c, "created", "", 0);
	write_all(fd, "db0/created", "fresh", 5);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "created", "fresh", 5);
	redisFree(c);
}
END_TEST
START_TEST(test_create_in_another_database_writes_only_there)
{
	redisContext *c0 = h_redis_connect(fx_server, 0), *c1 = h_redis_connect(fx_server, 1);

	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf one > db1/in-db1"), 0);
	assert_string(c1, "in-db1", "one", 3);
	assert_gone(c0, "in-db1");
	redisFree(c0);
	redisFree(c1);
}
END_TEST
START_TEST(test_create_of_an_encoded_name_makes_its_key)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf x > 'db0/a%%2Fb' && touch 'db0/100%%25'"), 0);
	assert_string(c, "a/b", "x", 1);
	assert_string(c, "100%", "", 0);
	redisFree(c);
}
END_TEST
START_TEST(test_create_of_a_non_canonical_name_gives_einval)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	long long before = h_cmd_int(c, "DBSIZE");

	/* %41 is "A", which is written as itself; %2f is not upper-case hex */
	ASSERT_FAILS_WITH(open(mnt(path, "db0/%41"), O_WRONLY | O_CREAT, 0644), EINVAL,
			  "create db0/%41");
	ASSERT_FAILS_WITH(open(mnt(path, "db0/x%2fy"), O_WRONLY | O_CREAT, 0644), EINVAL,
			  "create db0/x%2fy");
	ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), before);
	redisFree(c);
}
END_TEST
START_TEST(test_write_truncate_and_rename_through_a_shortened_name)
{
	char key[LONG_KEY_LEN], dir[MNT_PATH_LEN], path[MNT_PATH_LEN + 300], from[MNT_PATH_LEN];
	char name[256], fake[MNT_PATH_LEN + 300];
	redisContext *c = h_redis_connect(fx_server, 0);
	redisReply *r;
	bool hashed;
	int fd;

	memset(key, 'L', sizeof key);
	h_cmd_ok(c, "SET %b old PX %lld", key, sizeof key, TTL_MS);
	h_key_path(mnt(dir, "db0"), c, key, sizeof key, path, sizeof path);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open the shortened name: %s", strerror(errno));
	write_all(fd, "the shortened name", "new value", 9);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	r = h_cmd(c, "GET %b", key, sizeof key);
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 9 &&
			      !memcmp(r->str, "new value", 9),
		      "the long key does not hold what was written through its shortened name");
	freeReplyObject(r);
	ck_assert_msg(truncate(path, 3) == 0, "truncate the shortened name: %s", strerror(errno));
	ck_assert_int_eq(h_cmd_int(c, "STRLEN %b", key, sizeof key), 3);
	ck_assert_int_ge(h_cmd_int(c, "PTTL %b", key, sizeof key), TTL_MS - ttl_slack_ms());

	/* renamed over: the long key is replaced */
	h_cmd_ok(c, "SET short-src replacement");
	ck_assert_msg(rename(mnt(from, "db0/short-src"), path) == 0,
		      "rename onto the shortened name: %s", strerror(errno));
	r = h_cmd(c, "GET %b", key, sizeof key);
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 11 &&
			      !memcmp(r->str, "replacement", 11),
		      "rename did not replace the long key");
	freeReplyObject(r);
	assert_gone(c, "short-src");

	/* a shortened name says no key to make: creating one is EINVAL */
	h_key_name(key, sizeof key, name, &hashed);
	ck_assert(hashed);
	name[strlen(name) - 1] = '\0';
	snprintf(fake, sizeof fake, "%s/%s~0123456789abcdef", dir, name);
	ASSERT_FAILS_WITH(open(fake, O_WRONLY | O_CREAT, 0644), EINVAL,
			  "create of a made-up shortened name");
	redisFree(c);
}
END_TEST

/* 256 byte values three times over, then runs of NULs. */
static size_t binary_bytes(char *out, bool reversed)
{
	size_t n = 0;

	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 256; i++)
			out[n++] = (char) (reversed ? 255 - i : i);
	memset(out + n, 0, 100);
	return n + 100;
}

START_TEST(test_all_256_byte_values_and_nuls_are_written_exactly)
{
	char path[MNT_PATH_LEN], buf[1024], *got;
	redisContext *c = h_redis_connect(fx_server, 0);
	size_t n = binary_bytes(buf, false), glen;

	ck_assert_int_eq(h_write_file(mnt(path, "db0/binary-new"), buf, n, 0644), 0);
	assert_string(c, "binary-new", buf, n);
	ck_assert_int_eq(h_read_file(path, &got, &glen), 0);
	ck_assert_msg(glen == n && !memcmp(got, buf, n), "db0/binary-new reads back %zu bytes",
		      glen);
	free(got);

	h_cmd_ok(c, "SET binary-old %s PX %lld", "text before", TTL_MS);
	n = binary_bytes(buf, true);
	ck_assert_int_eq(h_write_file(mnt(path, "db0/binary-old"), buf, n, 0644), 0);
	assert_string(c, "binary-old", buf, n);
	assert_ttl_kept(c, "binary-old", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_write_replaces_a_string_and_keeps_its_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SET kept %s PX %lld", "a longer value than the new one", TTL_MS);
	write_file_ok("db0/kept", O_WRONLY | O_TRUNC, "new", 3);
	assert_string(c, "kept", "new", 3);
	assert_ttl_kept(c, "kept", TTL_MS);

	h_cmd_ok(c, "SET shell-kept old PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "echo replaced > db0/shell-kept"), 0);
	assert_string(c, "shell-kept", "replaced\n", 9);
	assert_ttl_kept(c, "shell-kept", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_o_trunc_empties_a_string_at_open_keeping_its_ttl)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd;

	h_cmd_ok(c, "SET emptied value PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/emptied"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/emptied: %s", strerror(errno));
	assert_string(c, "emptied", "", 0);
	assert_ttl_kept(c, "emptied", TTL_MS);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_type(c, "emptied", "string");
	assert_string(c, "emptied", "", 0);
	assert_ttl_kept(c, "emptied", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_pwrite_inside_and_past_the_end_of_a_string)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd;

	h_cmd_ok(c, "SET patched abcdef PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/patched"), O_WRONLY);
	ck_assert_msg(fd >= 0, "open db0/patched: %s", strerror(errno));
	ck_assert_int_eq(pwrite(fd, "XY", 2, 2), 2);
	ck_assert_int_eq(pwrite(fd, "Z", 1, 9), 1); /* a hole reads as NULs */
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "patched", "abXYef\0\0\0Z", 10);
	assert_ttl_kept(c, "patched", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_append_adds_to_a_string_keeping_its_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SET appended %s PX %lld", "one\n", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "printf 'two\\n' >> db0/appended"), 0);
	assert_string(c, "appended", "one\ntwo\n", 8);
	assert_ttl_kept(c, "appended", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_truncate_command_shrinks_and_extends_keeping_the_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SET cut 0123456789 PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "truncate -s 4 db0/cut"), 0);
	assert_string(c, "cut", "0123", 4);
	assert_ttl_kept(c, "cut", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "truncate -s 7 db0/cut"), 0);
	assert_string(c, "cut", "0123\0\0\0", 7);
	assert_ttl_kept(c, "cut", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "truncate -s 0 db0/cut"), 0);
	assert_type(c, "cut", "string"); /* an empty string is still a key */
	assert_string(c, "cut", "", 0);
	assert_ttl_kept(c, "cut", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_truncate_syscall_on_a_string)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SET cut-sys abcdef PX %lld", TTL_MS);
	ck_assert_msg(truncate(mnt(path, "db0/cut-sys"), 3) == 0, "truncate: %s", strerror(errno));
	assert_string(c, "cut-sys", "abc", 3);
	assert_ttl_kept(c, "cut-sys", TTL_MS);
	ck_assert_msg(truncate(path, 5) == 0, "truncate: %s", strerror(errno));
	assert_string(c, "cut-sys", "abc\0\0", 5);
	redisFree(c);
}
END_TEST
START_TEST(test_ftruncate_on_an_open_handle_then_write)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd;

	h_cmd_ok(c, "SET cut-fd 0123456789 PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/cut-fd"), O_RDWR);
	ck_assert_msg(fd >= 0, "open db0/cut-fd: %s", strerror(errno));
	ck_assert_msg(ftruncate(fd, 4) == 0, "ftruncate: %s", strerror(errno));
	ck_assert_int_eq(pwrite(fd, "xy", 2, 6), 2);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "cut-fd", "0123\0\0xy", 8);
	assert_ttl_kept(c, "cut-fd", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_fsync_writes_before_close)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	int fd;

	h_cmd_ok(c, "SET synced old PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/synced"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/synced: %s", strerror(errno));
	write_all(fd, "db0/synced", "on disk", 7);
	ck_assert_msg(fsync(fd) == 0, "fsync: %s", strerror(errno));
	assert_string(c, "synced", "on disk", 7);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "synced", "on disk", 7);
	assert_ttl_kept(c, "synced", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_touch_of_existing_keys_changes_nothing)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state str, list, hash, zset;

	h_cmd_ok(c, "SET t-str value PX %lld", TTL_MS);
	h_cmd_ok(c, "RPUSH t-list a b c");
	h_cmd_ok(c, "PEXPIRE t-list %lld", TTL_MS);
	h_cmd_ok(c, "HSET t-hash f v");
	h_cmd_ok(c, "ZADD t-zset 1 m");
	str = key_state(c, "t-str");
	list = key_state(c, "t-list");
	hash = key_state(c, "t-hash");
	zset = key_state(c, "t-zset");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "touch db0/t-str db0/t-list db0/t-hash db0/t-zset"),
			 0);
	assert_untouched(c, "t-str", &str);
	assert_untouched(c, "t-list", &list);
	assert_untouched(c, "t-hash", &hash);
	assert_untouched(c, "t-zset", &zset);
	redisFree(c);
}
END_TEST
START_TEST(test_cp_and_tee_write_exact_bytes)
{
	const char *dir = h_scratch_dir();
	char src[H_PATH_MAX + 16], buf[1024];
	redisContext *c = h_redis_connect(fx_server, 0);
	size_t n = binary_bytes(buf, false);

	snprintf(src, sizeof src, "%s/src", dir);
	ck_assert_int_eq(h_write_file(src, buf, n, 0600), 0);
	h_cmd_ok(c, "SET cp-over old PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "cp %s db0/cp-new", src), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "cp -p %s db0/cp-p", src), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "cp %s db0/cp-over", src), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "tee db0/teed < %s > /dev/null", src), 0);
	assert_string(c, "cp-new", buf, n);
	assert_string(c, "cp-p", buf, n);
	assert_string(c, "cp-over", buf, n);
	assert_ttl_kept(c, "cp-over", TTL_MS);
	assert_string(c, "teed", buf, n);
	redisFree(c);
}
END_TEST
START_TEST(test_chmod_and_chown_succeed_and_change_nothing)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state before;
	struct stat st;

	h_cmd_ok(c, "SET perms value PX %lld", TTL_MS);
	before = key_state(c, "perms");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "chmod 600 db0/perms && chown 0:0 db0/perms"), 0);
	ck_assert_int_eq(stat(mnt(path, "db0/perms"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0644, "db0/perms has mode 0%o after chmod",
		      st.st_mode & 07777);
	assert_untouched(c, "perms", &before);
	redisFree(c);
}
END_TEST
START_TEST(test_mkdir_gives_eperm)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	long long before = h_cmd_int(c, "DBSIZE");

	ASSERT_FAILS_WITH(mkdir(mnt(path, "db0/newdir"), 0755), EPERM, "mkdir db0/newdir");
	ASSERT_FAILS_WITH(mkdir(mnt(path, "newdb"), 0755), EPERM, "mkdir newdb");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "mkdir db0/other 2>/dev/null"), 0);
	ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), before);
	redisFree(c);
}
END_TEST

/* Reproducible bytes that are not text. */
static void fill_random(char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	for (size_t i = n & ~(size_t) 7; i < n; i++)
		p[i] = (char) i;
}

/* SPEC 5's 100 MiB; a slow setup (valgrind) divides the workload, as the harness asks. */
static size_t big_size(void)
{
	size_t chunks = (size_t) ((double) (BIG_SIZE / BIG_CHUNK) / h_time_scale());

	return (chunks ? chunks : 1) * BIG_CHUNK;
}

START_TEST(test_a_100_mib_value_is_written_exactly)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	size_t size = big_size();
	char *big = malloc(size);
	long long pttl, elapsed_ms;
	redisReply *r;
	double set_at;
	int fd;

	ck_assert(big);
	fill_random(big, size, 0xB16B16);
	set_at = h_now();
	h_cmd_ok(c, "SET big small PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/big"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/big: %s", strerror(errno));
	for (size_t off = 0; off < size; off += BIG_CHUNK)
		write_all(fd, "db0/big", big + off, BIG_CHUNK);
	ck_assert_msg(close(fd) == 0, "close of db0/big: %s", strerror(errno));
	ck_assert_int_eq(h_cmd_int(c, "STRLEN big"), (long long) size);
	pttl = pttl_of(c, "big");
	elapsed_ms = (long long) ((h_now() - set_at) * 1000.0);
	ck_assert_msg(pttl > TTL_MS - elapsed_ms - ttl_slack_ms() && pttl <= TTL_MS,
		      "big: PTTL %lld ms %lld ms after a PX of %lld, want the TTL kept", pttl,
		      elapsed_ms, TTL_MS);
	r = h_cmd(c, "GET big");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == size,
		      "GET big gave type %d, %zu bytes", r->type, r->len);
	for (size_t off = 0; off < size; off += BIG_CHUNK)
		ck_assert_msg(!memcmp(r->str + off, big + off, BIG_CHUNK),
			      "the MiB at offset %zu differs from what was written", off);
	freeReplyObject(r);
	free(big);
	redisFree(c);
}
END_TEST

static Suite *write_strings_suite(void)
{
	Suite *s = suite_create("write_strings");
	TCase *tc;

	tc = tcase_create("strings");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_touch_creates_an_empty_string);
	tcase_add_test(tc, test_redirect_creates_a_string_holding_exactly_the_output);
	tcase_add_test(tc, test_create_makes_an_empty_string_and_close_writes_the_bytes);
	tcase_add_test(tc, test_create_in_another_database_writes_only_there);
	tcase_add_test(tc, test_create_of_an_encoded_name_makes_its_key);
	tcase_add_test(tc, test_create_of_a_non_canonical_name_gives_einval);
	tcase_add_test(tc, test_write_truncate_and_rename_through_a_shortened_name);
	tcase_add_test(tc, test_all_256_byte_values_and_nuls_are_written_exactly);
	tcase_add_test(tc, test_write_replaces_a_string_and_keeps_its_ttl);
	tcase_add_test(tc, test_o_trunc_empties_a_string_at_open_keeping_its_ttl);
	tcase_add_test(tc, test_pwrite_inside_and_past_the_end_of_a_string);
	tcase_add_test(tc, test_append_adds_to_a_string_keeping_its_ttl);
	tcase_add_test(tc, test_truncate_command_shrinks_and_extends_keeping_the_ttl);
	tcase_add_test(tc, test_truncate_syscall_on_a_string);
	tcase_add_test(tc, test_ftruncate_on_an_open_handle_then_write);
	tcase_add_test(tc, test_fsync_writes_before_close);
	tcase_add_test(tc, test_touch_of_existing_keys_changes_nothing);
	tcase_add_test(tc, test_cp_and_tee_write_exact_bytes);
	tcase_add_test(tc, test_chmod_and_chown_succeed_and_change_nothing);
	tcase_add_test(tc, test_mkdir_gives_eperm);
	suite_add_tcase(s, tc);

	tc = tcase_create("big_string");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_set_timeout(tc, 180); /* not a timing assertion: room for a slow machine */
	tcase_add_test(tc, test_a_100_mib_value_is_written_exactly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(write_strings_suite(), CK_FORK);
	return status;
}
