/* test_xattr.c - the user.redis.* extended attributes of SPEC 4 through a real mount. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "harness_tls.h"
#include "harness_mysql.h"
#include "xattr_expect.h"
#include "run_suite.h"

#define READER_PASSWORD "reader-pw"
#define LONG_KEY_LEN	300  /* its file name is shortened (SPEC 3) */
#define LONG_TTL	5000 /* seconds: far from running out while a test runs */
#define NAMES_LEN	31   /* listxattr of a key: type and ttl, each with its NUL (SPEC 4) */

static struct h_redis *server;
static struct h_mount *mount;
static struct h_mysql *mysql;

/* The keys every read test looks at: one of each type, and more. */
static const char *const typed_keys[] = {
	"str", "num", "empty", "list", "set", "intset", "zset", "hash", "stream", "expiring",
};

static void populate(redisContext *c)
{
	char key[LONG_KEY_LEN];

	h_cmd_ok(c, "SET str %s", "hello world");
	h_cmd_ok(c, "SET num 12345");
	h_cmd_ok(c, "SET empty %s", "");
	h_cmd_ok(c, "RPUSH list a b c");
	h_cmd_ok(c, "SADD set x y z");
	h_cmd_ok(c, "SADD intset 1 2 3 4");
	h_cmd_ok(c, "ZADD zset 1 a 2.5 b");
	h_cmd_ok(c, "HSET hash f1 v1 f2 v2");
	h_cmd_ok(c, "XADD stream 1-0 f v");
	h_cmd_ok(c, "XADD stream 2-0 g w");
	h_cmd_ok(c, "SET expiring soon EX %d", LONG_TTL);
	h_cmd_ok(c, "SET %b binary", "bin\x01/key", (size_t) 8);
	memset(key, 'L', sizeof key);
	h_cmd_ok(c, "SET %b long", key, sizeof key);
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET str in-db1");
	h_cmd_ok(c, "SELECT 0");
}

static void start_with(const char *options)
{
	struct h_mount_spec spec = {.options = options};
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate(c);
	redisFree(c);
	mount = h_mount_start(server, &spec);
}

static void setup_plain(void)
{
	start_with(NULL);
}

/* Attributes stay cached for a minute: a test can tell a round trip from a cached stat. */
static void setup_cached(void)
{
	start_with("cache_timeout=60");
}

START_TEST(test_getfattr_d_shows_the_five_attributes_of_every_type)
{
	redisContext *c = h_redis_connect(server, 0);
	char rel[64];

	for (size_t k = 0; k < sizeof typed_keys / sizeof typed_keys[0]; k++) {
		struct attrs got, want;

		snprintf(rel, sizeof rel, "db0/%s", typed_keys[k]);
		/* Redis second: a TTL read through the mount is then never the lower one */
		getfattr_attrs(mount->mnt, rel, &got);
		redis_attrs(c, typed_keys[k], strlen(typed_keys[k]), &want);
		assert_attrs_eq(&got, &want, rel);
	}
	redisFree(c);
}
END_TEST

START_TEST(test_getxattr_gives_the_values_redis_gives)
{
	redisContext *c = h_redis_connect(server, 0);
	char path[H_PATH_MAX + 64];
	struct attrs got, want;

	for (size_t k = 0; k < sizeof typed_keys / sizeof typed_keys[0]; k++) {
		char rel[64];

		snprintf(rel, sizeof rel, "db0/%s", typed_keys[k]);
		mount_attrs(h_path(path, sizeof path, mount, rel), &got);
		redis_attrs(c, typed_keys[k], strlen(typed_keys[k]), &want);
		assert_attrs_eq(&got, &want, rel);
	}
	redisFree(c);
	/* the same name in another database is another key */
	c = h_redis_connect(server, 1);
	mount_attrs(h_path(path, sizeof path, mount, "db1/str"), &got);
	redis_attrs(c, "str", 3, &want);
	assert_attrs_eq(&got, &want, "db1/str");
	ck_assert_str_eq(got.v[A_LENGTH], "6");
	redisFree(c);
}
END_TEST

START_TEST(test_values_are_plain_words_and_numbers)
{
	char path[H_PATH_MAX + 64];
	struct attrs a;

	mount_attrs(h_path(path, sizeof path, mount, "db0/str"), &a);
	ck_assert_str_eq(a.v[A_TYPE], "string");
	ck_assert_str_eq(a.v[A_TTL], "-1");
	ck_assert_str_eq(a.v[A_LENGTH], "11");
	mount_attrs(h_path(path, sizeof path, mount, "db0/list"), &a);
	ck_assert_str_eq(a.v[A_TYPE], "list");
	ck_assert_str_eq(a.v[A_LENGTH], "3");
	mount_attrs(h_path(path, sizeof path, mount, "db0/stream"), &a);
	ck_assert_str_eq(a.v[A_TYPE], "stream");
	ck_assert_str_eq(a.v[A_LENGTH], "2");
	mount_attrs(h_path(path, sizeof path, mount, "db0/empty"), &a);
	ck_assert_str_eq(a.v[A_LENGTH], "0");
	mount_attrs(h_path(path, sizeof path, mount, "db0/expiring"), &a);
	ck_assert_msg(atoll(a.v[A_TTL]) > LONG_TTL - 100 && atoll(a.v[A_TTL]) <= LONG_TTL,
		      "ttl of db0/expiring is %s", a.v[A_TTL]);
}
END_TEST

START_TEST(test_getxattr_size_zero_gives_the_length_and_a_short_buffer_erange)
{
	char path[H_PATH_MAX + 64], buf[64];

	h_path(path, sizeof path, mount, "db0/list");
	ck_assert_int_eq(getxattr(path, "user.redis.type", NULL, 0), 4);
	ck_assert_int_eq(getxattr(path, "user.redis.length", NULL, 0), 1);
	ASSERT_ERRNO(getxattr(path, "user.redis.type", buf, 3), ERANGE, "getxattr into 3 bytes");
	ASSERT_ERRNO(getxattr(path, "user.redis.type", buf, 1), ERANGE, "getxattr into 1 byte");
	memset(buf, '#', sizeof buf);
	ck_assert_int_eq(getxattr(path, "user.redis.type", buf, 4), 4);
	ck_assert_mem_eq(buf, "list#", 5);
	memset(buf, '#', sizeof buf);
	ck_assert_int_eq(getxattr(path, "user.redis.type", buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "list#", 5); /* no newline, no NUL */
}
END_TEST

/* only what a copy can restore is listed: cp -a, rsync -aX and tar set every listed name */
START_TEST(test_listxattr_lists_type_and_ttl_by_the_size_zero_protocol)
{
	static const char want[] = "user.redis.type\0user.redis.ttl";
	char path[H_PATH_MAX + 64], buf[256];
	ssize_t need;

	h_path(path, sizeof path, mount, "db0/hash");
	need = listxattr(path, NULL, 0);
	ck_assert_int_eq(need, sizeof want);
	ck_assert_int_eq(need, NAMES_LEN);
	ASSERT_ERRNO(listxattr(path, buf, (size_t) need - 1), ERANGE, "listxattr one byte short");
	memset(buf, '#', sizeof buf);
	ck_assert_int_eq(listxattr(path, buf, sizeof buf), need);
	ck_assert_mem_eq(buf, want, sizeof want);
	ck_assert_int_eq(buf[need], '#');
}
END_TEST

START_TEST(test_binary_and_shortened_names_have_their_keys_attributes)
{
	redisContext *c = h_redis_connect(server, 0);
	char dir[H_PATH_MAX + 16], path[H_PATH_MAX + 300], key[LONG_KEY_LEN];
	struct attrs got, want;

	h_path(dir, sizeof dir, mount, "db0");
	h_key_path(dir, c, "bin\x01/key", 8, path, sizeof path);
	mount_attrs(path, &got);
	redis_attrs(c, "bin\x01/key", 8, &want);
	assert_attrs_eq(&got, &want, path);
	ck_assert_str_eq(got.v[A_LENGTH], "6");

	memset(key, 'L', sizeof key);
	h_key_path(dir, c, key, sizeof key, path, sizeof path);
	mount_attrs(path, &got);
	redis_attrs(c, key, sizeof key, &want);
	assert_attrs_eq(&got, &want, "the shortened name");
	ck_assert_str_eq(got.v[A_LENGTH], "4");
	redisFree(c);
}
END_TEST

START_TEST(test_unknown_names_give_enodata)
{
	static const char *const names[] = {
		"user.redis",	    "user.redis.",	  "user.redis.typ",
		"user.redis.type2", "user.redis.TYPE",	  "user.other",
		"security.selinux", "trusted.redis.type", "security.capability",
	};
	char path[H_PATH_MAX + 64], buf[64];

	h_path(path, sizeof path, mount, "db0/str");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		ASSERT_ERRNO(getxattr(path, names[i], buf, sizeof buf), ENODATA, names[i]);
		ASSERT_ERRNO(getxattr(path, names[i], NULL, 0), ENODATA, names[i]);
	}
	ck_assert_int_ne(h_sh(mount->mnt, "getfattr -n security.selinux db0/str 2>/dev/null"), 0);
}
END_TEST

START_TEST(test_folders_have_no_attributes)
{
	static const char *const folders[] = {"", "db0", "db1", "db15"};
	char path[H_PATH_MAX + 64], buf[64];
	struct h_run res;

	for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
		h_path(path, sizeof path, mount, folders[i]);
		ck_assert_int_eq(listxattr(path, buf, sizeof buf), 0);
		ck_assert_int_eq(listxattr(path, NULL, 0), 0);
		for (int a = 0; a < A_COUNT; a++)
			ASSERT_ERRNO(getxattr(path, attr_names[a], buf, sizeof buf), ENODATA,
				     attr_names[a]);
		ASSERT_ERRNO(setxattr(path, "user.redis.ttl", "100", 3, 0), ENOTSUP,
			     "setxattr user.redis.ttl of a folder");
		ASSERT_ERRNO(removexattr(path, "user.redis.ttl"), ENODATA,
			     "removexattr user.redis.ttl of a folder");
	}
	ck_assert_int_eq(h_sh_out(mount->mnt, &res, "getfattr -d db0"), 0);
	ck_assert_msg(!strstr(res.out, "user."), "getfattr -d db0 shows %s", res.out);
	h_run_free(&res);
}
END_TEST

START_TEST(test_getxattr_of_a_key_removed_meanwhile_gives_enoent)
{
	redisContext *c = h_redis_connect(server, 0);
	char path[H_PATH_MAX + 64], buf[64];
	struct stat st;

	h_cmd_ok(c, "SET doomed v");
	h_path(path, sizeof path, mount, "db0/doomed");
	ck_assert_int_eq(stat(path, &st), 0);
	h_cmd_ok(c, "DEL doomed");
	for (int a = 0; a < A_COUNT; a++)
		ASSERT_ERRNO(getxattr(path, attr_names[a], buf, sizeof buf), ENOENT, attr_names[a]);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS doomed"), 0);
	redisFree(c);
}
END_TEST

/* TTL of `key` in database 0, straight from Redis. */
static long long redis_ttl(const char *key)
{
	redisContext *c = h_redis_connect(server, 0);
	long long ttl = h_cmd_int(c, "TTL %s", key);

	redisFree(c);
	return ttl;
}

static void redis_run(const char *fmt, const char *key)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, fmt, key);
	redisFree(c);
}

START_TEST(test_setfattr_ttl_100_sets_a_ttl_of_at_most_100)
{
	struct h_run res;
	long long ttl;

	redis_run("SET %s v", "t100");
	ck_assert_int_eq(h_sh(mount->mnt, "setfattr -n user.redis.ttl -v 100 db0/t100"), 0);
	ttl = redis_ttl("t100");
	ck_assert_msg(ttl >= 1 && ttl <= 100, "TTL is %lld after setfattr -v 100", ttl);
	ck_assert_int_eq(
		h_sh_out(mount->mnt, &res, "getfattr --only-values -n user.redis.ttl db0/t100"), 0);
	ck_assert_msg(atoll(res.out) >= ttl - 1 && atoll(res.out) <= 100, "getfattr says %s",
		      res.out);
	h_run_free(&res);
}
END_TEST

START_TEST(test_a_ttl_beyond_32_bits_is_set_as_given)
{
	char path[H_PATH_MAX + 64];
	long long ttl;

	redis_run("SET %s v", "tbig");
	h_path(path, sizeof path, mount, "db0/tbig");
	ck_assert_int_eq(setxattr(path, "user.redis.ttl", "4000000000", 10, 0), 0);
	ttl = redis_ttl("tbig");
	ck_assert_msg(ttl > 3999999000LL && ttl <= 4000000000LL, "TTL is %lld", ttl);
	/* leading zeros are still that whole number; XATTR_REPLACE is fine: the name exists */
	ck_assert_int_eq(setxattr(path, "user.redis.ttl", "0060", 4, XATTR_REPLACE), 0);
	ttl = redis_ttl("tbig");
	ck_assert_msg(ttl > 50 && ttl <= 60, "TTL is %lld after 0060", ttl);
}
END_TEST

START_TEST(test_setfattr_ttl_minus_1_persists)
{
	redis_run("SET %s v EX 5000", "tpersist");
	ck_assert_int_gt(redis_ttl("tpersist"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "setfattr -n user.redis.ttl -v -1 db0/tpersist"), 0);
	ck_assert_int_eq(redis_ttl("tpersist"), -1);
	/* and again, on a key that has none: nothing to do, no error */
	ck_assert_int_eq(h_sh(mount->mnt, "setfattr -n user.redis.ttl -v -1 db0/tpersist"), 0);
	ck_assert_int_eq(redis_ttl("tpersist"), -1);
}
END_TEST

START_TEST(test_setfattr_x_ttl_persists)
{
	redis_run("SET %s v EX 5000", "tremove");
	ck_assert_int_eq(h_sh(mount->mnt, "setfattr -x user.redis.ttl db0/tremove"), 0);
	ck_assert_int_eq(redis_ttl("tremove"), -1);
}
END_TEST

START_TEST(test_invalid_ttls_give_einval_and_change_nothing)
{
	/* grouped by kind, which clang-format's one value per line would hide */
	/* clang-format off */
	static const char *const bad[] = {
		"0", "00", "-0", "-5", "-2", "--1", "-1 ", " -1",		/* zero, negative */
		"1.5", "abc", "", "+5", " 5", "5 ", "5\n", "1e3", "0x10", "5s", "٣", /* no digits */
		"99999999999999999999", "9223372036854775807",			/* beyond Redis */
		"9223372036854775808", "-9223372036854775808",
	};
	/* clang-format on */
	char persistent[H_PATH_MAX + 64], expiring[H_PATH_MAX + 64];
	long long ttl;

	redis_run("SET %s v", "tkeep");
	redis_run("SET %s v EX 5000", "tkeepex");
	h_path(persistent, sizeof persistent, mount, "db0/tkeep");
	h_path(expiring, sizeof expiring, mount, "db0/tkeepex");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ASSERT_ERRNO(setxattr(persistent, "user.redis.ttl", bad[i], strlen(bad[i]), 0),
			     EINVAL, bad[i]);
		ASSERT_ERRNO(setxattr(expiring, "user.redis.ttl", bad[i], strlen(bad[i]), 0),
			     EINVAL, bad[i]);
	}
	/* a trailing NUL is no part of a number either */
	ASSERT_ERRNO(setxattr(persistent, "user.redis.ttl", "100", 4, 0), EINVAL, "100\\0");
	ASSERT_ERRNO(setxattr(expiring, "user.redis.ttl", "-1", 3, 0), EINVAL, "-1\\0");
	ck_assert_int_ne(
		h_sh(mount->mnt, "setfattr -n user.redis.ttl -v abc db0/tkeep 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "setfattr -n user.redis.ttl -v 0 db0/tkeep 2>/dev/null"),
			 0);
	ck_assert_int_eq(redis_ttl("tkeep"), -1);
	ttl = redis_ttl("tkeepex");
	ck_assert_msg(ttl > 4900 && ttl <= 5000, "TTL is %lld after refused values", ttl);
}
END_TEST

START_TEST(test_setting_read_only_names_gives_eperm)
{
	static const char *const names[] = {
		"user.redis.type",   "user.redis.length", "user.redis.encoding",
		"user.redis.memory", "user.redis.other",
	};
	redisContext *c = h_redis_connect(server, 0);
	char path[H_PATH_MAX + 64];
	struct attrs before, after;

	h_cmd_ok(c, "RPUSH tlist a b");
	h_path(path, sizeof path, mount, "db0/tlist");
	redis_attrs(c, "tlist", 5, &before);
	/* a list's type is a list's: no other type can be set (a string's can: key_type.h) */
	ASSERT_ERRNO(setxattr(path, names[0], "string", 6, 0), EPERM, names[0]);
	for (size_t i = 1; i < sizeof names / sizeof names[0]; i++)
		ASSERT_ERRNO(setxattr(path, names[i], "1", 1, 0), EPERM, names[i]);
	/* the four a key has cannot go; one it does not have is not there to remove */
	for (size_t i = 0; i < sizeof names / sizeof names[0] - 1; i++)
		ASSERT_ERRNO(removexattr(path, names[i]), EPERM, names[i]);
	ASSERT_ERRNO(removexattr(path, "user.redis.other"), ENODATA, "remove user.redis.other");
	ck_assert_int_ne(h_sh(mount->mnt, "setfattr -n user.redis.type -v string db0/tlist "
					  "2>/dev/null"),
			 0);
	redis_attrs(c, "tlist", 5, &after);
	assert_attrs_eq(&after, &before, "db0/tlist");
	ck_assert_str_eq(after.v[A_TYPE], "list");
	redisFree(c);
}
END_TEST

START_TEST(test_unknown_names_cannot_be_set_or_removed)
{
	char path[H_PATH_MAX + 64];

	h_path(path, sizeof path, mount, "db0/str");
	ASSERT_ERRNO(setxattr(path, "user.comment", "x", 1, 0), ENOTSUP, "setxattr user.comment");
	ASSERT_ERRNO(setxattr(path, "trusted.x", "x", 1, 0), ENOTSUP, "setxattr trusted.x");
	ASSERT_ERRNO(removexattr(path, "user.comment"), ENODATA, "removexattr user.comment");
	ck_assert_int_eq(listxattr(path, NULL, 0), NAMES_LEN); /* still the two, nothing more */
	ck_assert_int_eq(redis_ttl("str"), -1);
}
END_TEST

START_TEST(test_xattr_create_of_the_ttl_gives_eexist)
{
	char path[H_PATH_MAX + 64];

	redis_run("SET %s v", "tcreate");
	h_path(path, sizeof path, mount, "db0/tcreate");
	ASSERT_ERRNO(setxattr(path, "user.redis.ttl", "100", 3, XATTR_CREATE), EEXIST,
		     "setxattr XATTR_CREATE");
	ck_assert_int_eq(redis_ttl("tcreate"), -1);
}
END_TEST

START_TEST(test_setting_a_ttl_moves_mtime_on)
{
	char path[H_PATH_MAX + 64];
	struct stat before, after;

	redis_run("SET %s v", "tmtime");
	h_path(path, sizeof path, mount, "db0/tmtime");
	ck_assert_int_eq(stat(path, &before), 0);
	usleep(10000);
	ck_assert_int_eq(setxattr(path, "user.redis.ttl", "1000", 4, 0), 0);
	usleep(1100000); /* past cache_timeout (1 s): the daemon's mtime, not the kernel's copy */
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_msg(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
			      (after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
			       after.st_mtim.tv_nsec > before.st_mtim.tv_nsec),
		      "mtime did not move on");
}
END_TEST

START_TEST(test_setxattr_of_a_key_removed_meanwhile_gives_enoent_and_creates_nothing)
{
	char path[H_PATH_MAX + 64];
	struct stat st;

	redis_run("SET %s v", "tgone");
	h_path(path, sizeof path, mount, "db0/tgone");
	ck_assert_int_eq(stat(path, &st), 0);
	redis_run("DEL %s", "tgone");
	ASSERT_ERRNO(setxattr(path, "user.redis.ttl", "100", 3, 0), ENOENT, "EXPIRE");
	ASSERT_ERRNO(setxattr(path, "user.redis.ttl", "-1", 2, 0), ENOENT, "PERSIST");
	ck_assert_int_eq(redis_ttl("tgone"), -2);
}
END_TEST

START_TEST(test_foreign_names_cost_no_round_trip)
{
	static const char *const names[] = {
		"security.selinux", "system.posix_acl_access", "security.capability",
		"user.other",	    "trusted.overlay.opaque",
	};
	redisContext *c = h_redis_connect(server, 0);
	char path[H_PATH_MAX + 64], buf[64], seen[1024];
	struct stat st;

	h_path(path, sizeof path, mount, "db0/str");
	ck_assert_int_eq(stat(path, &st), 0); /* looked up and cached for a minute */
	h_cmd_ok(c, "CONFIG RESETSTAT");
	ck_assert_int_ne(h_sh(mount->mnt, "getfattr -n security.selinux db0/str 2>/dev/null"), 0);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_int_eq(getxattr(path, names[i], buf, sizeof buf), -1);
	commands_since_reset(c, seen, sizeof seen);
	ck_assert_msg(!strcmp(seen, " "), "asking for foreign names sent:%s", seen);
	redisFree(c);
}
END_TEST

START_TEST(test_ls_l_asks_redis_nothing_for_its_xattr_calls)
{
	redisContext *c = h_redis_connect(server, 0);
	long long files = h_cmd_int(c, "DBSIZE");
	char seen[1024];

	h_cmd_ok(c, "CONFIG RESETSTAT");
	/* ls -l asks every file for security.selinux and system.posix_acl_access */
	ck_assert_int_eq(h_sh(mount->mnt, "ls -l db0 >/dev/null"), 0);
	commands_since_reset(c, seen, sizeof seen);
	/* a getattr costs one TYPE per file; an xattr that asked Redis would cost more */
	ck_assert_msg(calls_of(c, "type") <= files, "ls -l of %lld files sent:%s", files, seen);
	ck_assert_msg(!strstr(seen, " ttl ") && !strstr(seen, " object|encoding ") &&
			      !strstr(seen, " memory|usage ") && !strstr(seen, " exists "),
		      "ls -l sent:%s", seen);
	redisFree(c);
}
END_TEST

/* -o ro, with the command statistics reset once the keys are in. */
static void setup_read_only(bool as_reader)
{
	struct h_mount_spec spec = {.options = "ro"};
	redisContext *c;
	char url[64];

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate(c);
	h_cmd_ok(c, "ACL SETUSER reader on >%s ~* &* -@all +@read +@connection", READER_PASSWORD);
	h_cmd_ok(c, "ACL LOG RESET");
	h_cmd_ok(c, "CONFIG RESETSTAT");
	redisFree(c);
	if (as_reader) {
		h_redis_url(server, "reader", url, sizeof url);
		spec.url = url;
		spec.auth = READER_PASSWORD;
	}
	mount = h_mount_start(server, &spec);
}

static void setup_ro(void)
{
	setup_read_only(false);
}

static void setup_ro_reader(void)
{
	setup_read_only(true);
}

START_TEST(test_ro_every_setxattr_and_removexattr_gives_erofs)
{
	static const char *const names[] = {
		"user.redis.ttl", "user.redis.type", "user.redis.memory", "user.other", "trusted.x",
	};
	static const char *const values[] = {"100", "-1", "abc", ""};
	char path[H_PATH_MAX + 64], db0[H_PATH_MAX + 64];

	h_path(path, sizeof path, mount, "db0/expiring");
	h_path(db0, sizeof db0, mount, "db0");
	for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
		for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
			ASSERT_ERRNO(setxattr(path, names[n], values[v], strlen(values[v]), 0),
				     EROFS, names[n]);
		ASSERT_ERRNO(removexattr(path, names[n]), EROFS, names[n]);
		ASSERT_ERRNO(setxattr(db0, names[n], "1", 1, 0), EROFS, names[n]);
	}
	ck_assert_int_ne(h_sh(mount->mnt, "setfattr -n user.redis.ttl -v 100 db0/str 2>/dev/null"),
			 0);
	ck_assert_int_ne(h_sh(mount->mnt, "setfattr -x user.redis.ttl db0/expiring 2>/dev/null"),
			 0);
	ck_assert_int_eq(redis_ttl("str"), -1);
	ck_assert_int_gt(redis_ttl("expiring"), LONG_TTL - 100);
}
END_TEST

START_TEST(test_ro_getfattr_still_reads_every_attribute)
{
	redisContext *c = h_redis_connect(server, 0);
	struct attrs got, want;

	getfattr_attrs(mount->mnt, "db0/zset", &got);
	redis_attrs(c, "zset", 4, &want);
	assert_attrs_eq(&got, &want, "db0/zset");
	getfattr_attrs(mount->mnt, "db0/expiring", &got);
	redis_attrs(c, "expiring", 8, &want);
	assert_attrs_eq(&got, &want, "db0/expiring");
	redisFree(c);
}
END_TEST

START_TEST(test_ro_sent_no_expire_or_persist)
{
	redisContext *c = h_redis_connect(server, 0);
	char seen[4096];

	/* every test before this one ran against this mount */
	commands_since_reset(c, seen, sizeof seen);
	ck_assert_msg(!strstr(seen, " expire ") && !strstr(seen, " persist "),
		      "a read-only mount sent:%s", seen);
	h_assert_no_write_command(c);
	redisFree(c);
}
END_TEST

START_TEST(test_ro_reader_was_denied_nothing_but_the_config_probe)
{
	redisContext *c = h_redis_connect(server, 0);

	h_assert_acl_log_clean(c, "config");
	redisFree(c);
}
END_TEST

/* Ghost files (SPEC 6) stand for members, not keys: they have no attributes. */
static void setup_ghosts(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 64];
	redisContext *c;

	server = h_redis_start(NULL);
	mysql = h_mysql_start();
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id BIGINT PRIMARY KEY); "
		    "INSERT INTO users VALUES (1), (2)",
		    mysql->database);
	h_mysql_write_ghost_config(mysql, config, sizeof config);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "SADD q:a 1 3");
	redisFree(c);
	snprintf(opts, sizeof opts, "config=%s", config);
	mount = h_mount_start(server, &(struct h_mount_spec){.options = opts});
}

static void teardown_ghosts(void)
{
	h_mount_stop(mount);
	mount = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

START_TEST(test_ghost_folders_and_files_have_no_redis_attributes)
{
	static const char *const paths[] = {"ghosts", "ghosts/q", "ghosts/q/q:a", "ghosts/q/q:a/3"};
	char path[H_PATH_MAX + 64], buf[64];
	struct stat st;

	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "ghosts/q/q:a/3"), &st), 0);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		h_path(path, sizeof path, mount, paths[i]);
		/* a rule folder has its four user.ghosts.* (test_ghost_doubt.c), nothing else */
		ck_assert_int_eq(listxattr(path, NULL, 0), i == 1 ? 75 : 0);
		ASSERT_ERRNO(getxattr(path, "user.redis.type", buf, sizeof buf), ENODATA, paths[i]);
		ASSERT_ERRNO(setxattr(path, "user.redis.ttl", "100", 3, 0), ENOTSUP, paths[i]);
	}
	/* the queue key itself is a key like any other */
	h_path(path, sizeof path, mount, "db0/q:a");
	ck_assert_int_eq(getxattr(path, "user.redis.type", buf, sizeof buf), 3);
	ck_assert_mem_eq(buf, "set", 3);
}
END_TEST

static Suite *xattr_suite(void)
{
	Suite *s = suite_create("xattr");
	TCase *tc;

	tc = tcase_create("read");
	h_tcase_add_fixture(tc, setup_plain, h_stop_all);
	tcase_add_test(tc, test_getfattr_d_shows_the_five_attributes_of_every_type);
	tcase_add_test(tc, test_getxattr_gives_the_values_redis_gives);
	tcase_add_test(tc, test_values_are_plain_words_and_numbers);
	tcase_add_test(tc, test_getxattr_size_zero_gives_the_length_and_a_short_buffer_erange);
	tcase_add_test(tc, test_listxattr_lists_type_and_ttl_by_the_size_zero_protocol);
	tcase_add_test(tc, test_binary_and_shortened_names_have_their_keys_attributes);
	tcase_add_test(tc, test_unknown_names_give_enodata);
	tcase_add_test(tc, test_folders_have_no_attributes);
	tcase_add_test(tc, test_getxattr_of_a_key_removed_meanwhile_gives_enoent);
	suite_add_tcase(s, tc);

	tc = tcase_create("ttl");
	h_tcase_add_fixture(tc, setup_plain, h_stop_all);
	tcase_add_test(tc, test_setfattr_ttl_100_sets_a_ttl_of_at_most_100);
	tcase_add_test(tc, test_a_ttl_beyond_32_bits_is_set_as_given);
	tcase_add_test(tc, test_setfattr_ttl_minus_1_persists);
	tcase_add_test(tc, test_setfattr_x_ttl_persists);
	tcase_add_test(tc, test_invalid_ttls_give_einval_and_change_nothing);
	tcase_add_test(tc, test_setting_read_only_names_gives_eperm);
	tcase_add_test(tc, test_unknown_names_cannot_be_set_or_removed);
	tcase_add_test(tc, test_xattr_create_of_the_ttl_gives_eexist);
	tcase_add_test(tc, test_setting_a_ttl_moves_mtime_on);
	tcase_add_test(tc,
		       test_setxattr_of_a_key_removed_meanwhile_gives_enoent_and_creates_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trips");
	h_tcase_add_fixture(tc, setup_cached, h_stop_all);
	tcase_add_test(tc, test_foreign_names_cost_no_round_trip);
	tcase_add_test(tc, test_ls_l_asks_redis_nothing_for_its_xattr_calls);
	suite_add_tcase(s, tc);

	tc = tcase_create("read_only");
	h_tcase_add_fixture(tc, setup_ro, h_stop_all);
	tcase_add_test(tc, test_ro_every_setxattr_and_removexattr_gives_erofs);
	tcase_add_test(tc, test_ro_getfattr_still_reads_every_attribute);
	tcase_add_test(tc, test_ro_sent_no_expire_or_persist);
	suite_add_tcase(s, tc);

	tc = tcase_create("read_only_acl_user");
	h_tcase_add_fixture(tc, setup_ro_reader, h_stop_all);
	tcase_add_test(tc, test_ro_every_setxattr_and_removexattr_gives_erofs);
	tcase_add_test(tc, test_ro_getfattr_still_reads_every_attribute);
	tcase_add_test(tc, test_ro_sent_no_expire_or_persist);
	tcase_add_test(tc, test_ro_reader_was_denied_nothing_but_the_config_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("ghosts");
	h_mysql_tcase_add_fixture(tc, setup_ghosts, teardown_ghosts);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ghost_folders_and_files_have_no_redis_attributes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init(); /* and h_init() */
	h_mysql_init(); /* and h_init() */
	return run_suite(xattr_suite(), CK_FORK);
}
