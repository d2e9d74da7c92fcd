/* test_read.c - SPEC 2, 3 and 4 through a real mount: the tree, key names, file contents. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_tls.h"
#include "run_suite.h"

#define DB_NAMES	0	   /* keys with every kind of awkward name */
#define DB_TYPES	1	   /* one key of each type, and escaping */
#define DB_SHELL	2	   /* plain keys for ls, grep, cp and tar */
#define DB_MANY		3	   /* MANY_KEYS keys, for SCAN */
#define MANY_KEYS	5000	   /* several SCAN rounds of the daemon's batch size */
#define BIG_SIZE	(10 << 20) /* 10 MiB: many FUSE reads, far more than one reply chunk */
#define LISTER_PASSWORD "lister-pw"

static struct h_redis *server;
static struct h_mount *mount;
static const char *scratch;

/* A key and the file name SPEC 3 gives it, written out by hand. */
struct named_key {
	const char *key;
	size_t len;
	const char *name;
};

/* clang-format off */
#define NK(k, n) {k, sizeof(k) - 1, n}
/* clang-format on */
static const struct named_key named_keys[] = {
	NK("plain", "plain"),
	NK("a/b", "a%2Fb"),
	NK("100%", "100%25"),
	NK("%", "%25"),
	NK("a/", "a%2F"),
	NK("A", "A"),
	NK("a%2F", "a%252F"),
	NK("ctl\x01\x1f\x7f", "ctl%01%1F%7F"),
	NK("nl\nx", "nl%0Ax"),
	NK("tab\tx", "tab%09x"),
	NK("nul\0x", "nul%00x"),
	NK(".", "%2E"),
	NK("..", "%2E%2E"),
	NK("...", "..."),
	NK(".hidden", ".hidden"),
	NK("", "%"),
	NK("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"),
	NK("\xe6\x97\xa5\xe6\x9c\xac/\xe8\xaa\x9e", "\xe6\x97\xa5\xe6\x9c\xac%2F\xe8\xaa\x9e"),
	NK("sp ace", "sp ace"),
	NK("back\\slash", "back\\slash"),
	NK("~tilde~", "~tilde~"),
};

/* The long keys of DB_NAMES, built at setup: see long_key(). */
enum { LONG_K300, LONG_K299Z, LONG_A199_SLASH, LONG_SLASHES, LONG_COUNT };

/* Long key number `which` into `out` (which must hold 300 bytes); returns its length. */
static size_t long_key(int which, char *out)
{
	switch (which) {
	case LONG_K300: /* shortened to k*200 ~ hash */
		memset(out, 'k', 300);
		return 300;
	case LONG_K299Z: /* the same shortened prefix as LONG_K300, another hash */
		memset(out, 'k', 299);
		out[299] = 'z';
		return 300;
	case LONG_A199_SLASH: /* the 200th encoded byte falls inside "%2F": cut at 199 */
		memset(out, 'a', 199);
		out[199] = '/';
		memset(out + 200, 'b', 100);
		return 300;
	default: /* 90 slashes: 270 encoded bytes, cut after 66 "%2F" (198 bytes) */
		memset(out, '/', 90);
		return 90;
	}
}

/* The value every DB_NAMES key holds: names its key, so that a mix-up shows. */
static int name_value(char *out, size_t len, size_t index)
{
	return snprintf(out, len, "value of key #%zu\n", index);
}

/* Fill a buffer with reproducible bytes that are not text. */
static void fill_binary(char *p, size_t n)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (char) (x >> 24);
	}
}

static void populate_names(redisContext *c)
{
	char value[64], key[300];
	size_t n = sizeof named_keys / sizeof *named_keys;

	h_cmd_ok(c, "SELECT %d", DB_NAMES);
	for (size_t i = 0; i < n; i++) {
		int vl = name_value(value, sizeof value, i);

		h_cmd_ok(c, "SET %b %b", named_keys[i].key, named_keys[i].len, value, (size_t) vl);
	}
	for (int i = 0; i < LONG_COUNT; i++) {
		size_t kl = long_key(i, key);
		int vl = name_value(value, sizeof value, n + i);

		h_cmd_ok(c, "SET %b %b", key, kl, value, (size_t) vl);
	}
}

static void populate_types(redisContext *c)
{
	char bytes[512], *big = malloc(BIG_SIZE);

	ck_assert(big);
	h_cmd_ok(c, "SELECT %d", DB_TYPES);
	for (int i = 0; i < 512; i++)
		bytes[i] = (char) (i & 0xFF);
	h_cmd_ok(c, "SET str %b", bytes, sizeof bytes);
	h_cmd_ok(c, "SET empty %s", "");
	fill_binary(big, BIG_SIZE);
	h_cmd_ok(c, "SET big %b", big, (size_t) BIG_SIZE);
	free(big);
	h_cmd_ok(c, "RPUSH list a b c %s", "");
	h_cmd_ok(c, "SADD set b a \xff B ab %s", "");
	h_cmd_ok(c, "ZADD zset 3 c 1 a 2.5 b -inf m +inf z 1 aa");
	h_cmd_ok(c, "HSET hash z 1 a 2 M 3 \xc3\xa9 4");
	h_cmd_ok(c, "XADD stream 1-1 f v g w");
	h_cmd_ok(c, "XADD stream 2-0 x y");
	h_cmd_ok(c, "RPUSH escapes %s %s %s %s %b %s %b", "back\\slash", "new\nline", "tab\tx",
		 "cr\rx", "ctl\x01\x1f\x7f", (size_t) 6, "utf8 \xc3\xa9", "nul\0x", (size_t) 5);
	h_cmd_ok(c, "HSET escapes_hash %s %s", "f\tx", "v\nx");
	h_cmd_ok(c, "SADD escapes_set %s", "a\\b");
	h_cmd_ok(c, "ZADD escapes_zset 1 %s", "m\tn");
	h_cmd_ok(c, "XADD escapes_stream 1-0 %s %s", "f\n", "v\t");
}

static void populate_shell(redisContext *c)
{
	h_cmd_ok(c, "SELECT %d", DB_SHELL);
	h_cmd_ok(c, "SET user:1 %s", "alice\n");
	h_cmd_ok(c, "SET user:2 %s", "bob needle\n");
	h_cmd_ok(c, "RPUSH queue x %s", "needle y");
	h_cmd_ok(c, "SADD tags t1 t2");
	h_cmd_ok(c, "ZADD scores 1 p");
	h_cmd_ok(c, "HSET profile name carol note %s", "has needle");
	h_cmd_ok(c, "XADD events 1-0 type login");
	h_cmd_ok(c, "SET %s odd", "we/ird%name");
	h_cmd_ok(c, "SET \xc3\xbcn\xc3\xaf"
		    "code utf");
}

static void populate_many(redisContext *c)
{
	redisReply *reply;

	h_cmd_ok(c, "SELECT %d", DB_MANY);
	for (int i = 0; i < MANY_KEYS; i++)
		ck_assert_int_eq(redisAppendCommand(c, "SET key:%d %d", i, i), REDIS_OK);
	for (int i = 0; i < MANY_KEYS; i++) {
		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		ck_assert_int_ne(reply->type, REDIS_REPLY_ERROR);
		freeReplyObject(reply);
	}
}

static void setup_data(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	scratch = h_scratch_dir();
	c = h_redis_connect(server, 0);
	populate_names(c);
	populate_types(c);
	populate_shell(c);
	populate_many(c);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

static void setup_default(void)
{
	server = h_redis_start(NULL);
	mount = h_mount_start(server, NULL);
}

static void setup_four_databases(void)
{
	const char *four[] = {"--databases", "4", NULL};

	server = h_redis_start(four);
	mount = h_mount_start(server, NULL);
}

static void setup_databases_option(void)
{
	struct h_mount_spec spec = {.options = "databases=4"};

	server = h_redis_start(NULL);
	mount = h_mount_start(server, &spec);
}

/*
 * An ACL user that may read but not run CONFIG (so the database count must
 * come from probing SELECT) nor KEYS (so a listing must use SCAN).
 */
static void setup_acl_lister(void)
{
	const char *four[] = {"--databases", "4", NULL};
	char url[64];
	struct h_mount_spec spec = {.url = url, .auth = LISTER_PASSWORD};
	redisContext *c;

	server = h_redis_start(four);
	c = h_redis_connect(server, 3);
	h_cmd_ok(c, "ACL SETUSER lister on >%s ~* &* +@read +@connection -config -keys",
		 LISTER_PASSWORD);
	h_cmd_ok(c, "SET in-db3 %s", "seen by lister");
	h_cmd_ok(c, "ACL LOG RESET");
	redisFree(c);
	h_redis_url(server, "lister", url, sizeof url);
	mount = h_mount_start(server, &spec);
}

/* Assert that the root of the mount lists exactly db0 .. db<count-1>. */
static void assert_root_lists_databases(int count)
{
	struct h_names names;
	char want[16];

	ck_assert_int_eq(h_list(mount->mnt, &names), 0);
	ck_assert_msg(names.n == (size_t) count, "the root lists %zu names, want db0..db%d",
		      names.n, count - 1);
	for (int i = 0; i < count; i++) {
		snprintf(want, sizeof want, "db%d", i);
		ck_assert_msg(h_names_has(&names, want), "the root does not list %s", want);
	}
	h_names_free(&names);
}

START_TEST(test_root_lists_db0_to_db15_for_a_default_server)
{
	assert_root_lists_databases(16);
}
END_TEST

START_TEST(test_empty_databases_are_empty_folders)
{
	char path[H_PATH_MAX + 16];
	struct h_names names;
	struct stat st;

	h_path(path, sizeof path, mount, "db15");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(h_list(path, &names), 0);
	ck_assert_uint_eq(names.n, 0);
	h_names_free(&names);
}
END_TEST

START_TEST(test_root_lists_db0_to_db3_for_a_four_database_server)
{
	char path[H_PATH_MAX + 16];
	struct stat st;

	assert_root_lists_databases(4);
	h_path(path, sizeof path, mount, "db4");
	ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT, "db4 exists on a 4-db server");
}
END_TEST

START_TEST(test_databases_option_overrides_the_server_count)
{
	assert_root_lists_databases(4);
}
END_TEST

START_TEST(test_acl_user_without_config_sees_the_database_count)
{
	assert_root_lists_databases(4);
}
END_TEST

START_TEST(test_acl_user_without_keys_lists_and_reads_by_scan)
{
	char path[H_PATH_MAX + 32], *got;
	struct h_names names;
	size_t len;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db3"), &names), 0);
	ck_assert_msg(names.n == 1 && !strcmp(names.v[0], "in-db3"), "db3 lists %zu names",
		      names.n);
	h_names_free(&names);
	ck_assert_int_eq(h_read_file(h_path(path, sizeof path, mount, "db3/in-db3"), &got, &len),
			 0);
	ck_assert_str_eq(got, "seen by lister");
	free(got);
}
END_TEST

START_TEST(test_acl_user_was_denied_nothing_but_the_config_probe)
{
	redisContext *c = h_redis_connect(server, 0);

	/* SPEC 2: CONFIG GET may be tried and refused; nothing else may be. */
	h_assert_acl_log_clean(c, "config");
	redisFree(c);
}
END_TEST

START_TEST(test_every_key_is_listed_exactly_once)
{
	char path[H_PATH_MAX + 16], want[32];
	redisContext *c = h_redis_connect(server, DB_MANY);
	struct h_names names;
	long long dbsize = h_cmd_int(c, "DBSIZE");

	ck_assert_int_eq(dbsize, MANY_KEYS);
	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db3"), &names), 0);
	ck_assert_msg(names.n == (size_t) dbsize, "db3 lists %zu names for %lld keys", names.n,
		      dbsize);
	for (size_t i = 1; i < names.n; i++)
		ck_assert_msg(strcmp(names.v[i - 1], names.v[i]), "%s is listed twice", names.v[i]);
	for (int i = 0; i < MANY_KEYS; i++) {
		snprintf(want, sizeof want, "key:%d", i);
		ck_assert_msg(h_names_has(&names, want), "%s is not listed", want);
	}
	h_names_free(&names);
	redisFree(c);
}
END_TEST

START_TEST(test_special_key_names_are_percent_encoded)
{
	char path[H_PATH_MAX + 300], value[64], *got;
	size_t n = sizeof named_keys / sizeof *named_keys, len;
	struct h_names names;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db0"), &names), 0);
	for (size_t i = 0; i < n; i++) {
		int vl = name_value(value, sizeof value, i);
		int err;

		ck_assert_msg(h_names_has(&names, named_keys[i].name), "'%s' is not listed",
			      named_keys[i].name);
		snprintf(path, sizeof path, "%s/db0/%s", mount->mnt, named_keys[i].name);
		err = h_read_file(path, &got, &len);
		ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
		ck_assert_msg(len == (size_t) vl && !memcmp(got, value, vl),
			      "'%s' holds '%s', want '%s'", named_keys[i].name, got, value);
		free(got);
	}
	h_names_free(&names);
}
END_TEST

START_TEST(test_names_database_lists_each_key_once_with_its_value)
{
	char path[H_PATH_MAX + 16];
	redisContext *c = h_redis_connect(server, DB_NAMES);

	h_assert_dir_matches_db(h_path(path, sizeof path, mount, "db0"), c);
	redisFree(c);
}
END_TEST

/* The listed names of db0 that have `prefix` and then "~" and 16 lower-case hex digits. */
static size_t shortened_names(const char *prefix, char names_out[][256], size_t max)
{
	char path[H_PATH_MAX + 16];
	size_t plen = strlen(prefix), found = 0;
	struct h_names names;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db0"), &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		const char *s = names.v[i];
		bool hex = strlen(s) == plen + 17 && !strncmp(s, prefix, plen) && s[plen] == '~';

		for (size_t j = plen + 1; hex && j < plen + 17; j++)
			hex = (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f');
		if (hex && found < max)
			snprintf(names_out[found++], 256, "%s", s);
	}
	h_names_free(&names);
	return found;
}

START_TEST(test_long_keys_are_listed_as_prefix_tilde_hash)
{
	char path[H_PATH_MAX + 16];
	struct h_names names;
	size_t tilde = 0;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db0"), &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		ck_assert_msg(strlen(names.v[i]) <= 255, "a listed name has %zu bytes",
			      strlen(names.v[i]));
		if (strlen(names.v[i]) > 17 && names.v[i][strlen(names.v[i]) - 17] == '~')
			tilde++;
	}
	ck_assert_msg(tilde == LONG_COUNT, "%zu shortened names listed, want %d", tilde,
		      LONG_COUNT);
	h_names_free(&names);
}
END_TEST

START_TEST(test_shortened_names_sharing_a_prefix_read_their_own_keys)
{
	char prefix[256], names[4][256], path[4 * H_PATH_MAX], want[2][64], *got[2];
	size_t len[2];

	memset(prefix, 'k', 200);
	prefix[200] = '\0';
	ck_assert_uint_eq(shortened_names(prefix, names, 4), 2);
	ck_assert_str_ne(names[0], names[1]);
	for (int i = 0; i < 2; i++) {
		name_value(want[i], sizeof want[i],
			   sizeof named_keys / sizeof *named_keys + (i ? LONG_K299Z : LONG_K300));
		snprintf(path, sizeof path, "%s/db0/%s", mount->mnt, names[i]);
		ck_assert_int_eq(h_read_file(path, &got[i], &len[i]), 0);
	}
	/* Each name reads one of the two keys, and not the same one. */
	ck_assert_msg((!strcmp(got[0], want[0]) && !strcmp(got[1], want[1])) ||
			      (!strcmp(got[0], want[1]) && !strcmp(got[1], want[0])),
		      "the two shortened names read '%s' and '%s'", got[0], got[1]);
	free(got[0]);
	free(got[1]);
}
END_TEST

START_TEST(test_shortening_never_cuts_a_percent_escape)
{
	char prefix[256], names[2][256];

	memset(prefix, 'a', 199);
	prefix[199] = '\0';
	ck_assert_msg(shortened_names(prefix, names, 2) == 1,
		      "no name of 199 'a', '~' and a hash for the key a*199 / b*100");
	prefix[0] = '\0';
	for (int i = 0; i < 66; i++)
		strcat(prefix, "%2F");
	ck_assert_msg(shortened_names(prefix, names, 2) == 1,
		      "no name of 66 '%%2F', '~' and a hash for the key of 90 slashes");
}
END_TEST

START_TEST(test_shortened_name_with_a_wrong_hash_does_not_exist)
{
	char prefix[256], names[4][256], path[H_PATH_MAX + 300];
	struct stat st;

	memset(prefix, 'k', 200);
	prefix[200] = '\0';
	ck_assert_uint_eq(shortened_names(prefix, names, 4), 2);
	snprintf(path, sizeof path, "%s/db0/%s~0123456789abcdef", mount->mnt, prefix);
	ck_assert_str_ne(strrchr(path, '/') + 1, names[0]);
	ck_assert_str_ne(strrchr(path, '/') + 1, names[1]);
	ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT, "stat gives %s, want ENOENT",
		      strerror(errno));
}
END_TEST

START_TEST(test_non_canonical_names_do_not_exist)
{
	/* Each would decode to an existing key ("a/", "A", ".", "a/b"), but is not its name. */
	static const char *const names[] = {"a%2f", "%41", "%2e", "a%2fb",  "%2E%2e",
					    "%2",   "%ZZ", "%%",  "plain%", "a%2Fb%"};
	char path[H_PATH_MAX + 32];
	struct stat st;

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/db0/%s", mount->mnt, names[i]);
		errno = 0;
		ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT,
			      "stat db0/%s gives %s, want ENOENT", names[i],
			      errno ? strerror(errno) : "success");
	}
}
END_TEST

/* Read db1/`name` and compare it with `want` (wlen bytes). */
static void assert_file_holds(const char *name, const char *want, size_t wlen)
{
	char path[H_PATH_MAX + 32], *got;
	size_t len;
	int err;

	snprintf(path, sizeof path, "%s/db%d/%s", mount->mnt, DB_TYPES, name);
	err = h_read_file(path, &got, &len);
	ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
	ck_assert_msg(len == wlen && !memcmp(got, want, wlen),
		      "%s holds %zu bytes '%.80s', want %zu bytes '%.80s'", name, len, got, wlen,
		      want);
	free(got);
}

#define ASSERT_HOLDS(name, text) assert_file_holds(name, text, sizeof(text) - 1)

START_TEST(test_string_reads_its_exact_bytes_with_nul_and_binary)
{
	char bytes[512];

	for (int i = 0; i < 512; i++)
		bytes[i] = (char) (i & 0xFF);
	assert_file_holds("str", bytes, sizeof bytes);
	assert_file_holds("empty", "", 0);
}
END_TEST

START_TEST(test_ten_mib_string_reads_whole_through_cat)
{
	redisContext *c = h_redis_connect(server, DB_TYPES);
	redisReply *value = h_cmd(c, "GET big");
	struct h_run res;
	char copy[H_PATH_MAX + 16], *got;
	size_t len;

	ck_assert_int_eq(value->len, BIG_SIZE);
	snprintf(copy, sizeof copy, "%s/big.out", scratch);
	ck_assert_int_eq(h_sh(mount->mnt, "cat db%d/big > %s", DB_TYPES, copy), 0);
	ck_assert_int_eq(h_read_file(copy, &got, &len), 0);
	ck_assert_msg(len == value->len, "cat gave %zu bytes of %zu", len, value->len);
	ck_assert_msg(!memcmp(got, value->str, len), "cat gave other bytes than GET");
	free(got);
	unlink(copy);
	ck_assert_int_eq(h_sh_out(mount->mnt, &res, "wc -c < db%d/big", DB_TYPES), 0);
	ck_assert_int_eq(atol(res.out), BIG_SIZE);
	h_run_free(&res);
	freeReplyObject(value);
	redisFree(c);
}
END_TEST

START_TEST(test_list_reads_one_element_per_line_head_first)
{
	ASSERT_HOLDS("list", "a\nb\nc\n\n");
}
END_TEST

START_TEST(test_set_reads_one_member_per_line_sorted_bytewise)
{
	ASSERT_HOLDS("set", "\nB\na\nab\nb\n\xff\n");
}
END_TEST

START_TEST(test_zset_reads_member_tab_score_by_rank)
{
	ASSERT_HOLDS("zset", "m\t-inf\na\t1\naa\t1\nb\t2.5\nc\t3\nz\tinf\n");
}
END_TEST

START_TEST(test_hash_reads_field_tab_value_sorted_by_field)
{
	ASSERT_HOLDS("hash", "M\t3\na\t2\nz\t1\n\xc3\xa9\t4\n");
}
END_TEST

START_TEST(test_stream_reads_id_tab_field_tab_value_by_id)
{
	ASSERT_HOLDS("stream", "1-1\tf\tv\tg\tw\n2-0\tx\ty\n");
}
END_TEST

START_TEST(test_collection_lines_escape_backslash_newline_tab_cr_and_control_bytes)
{
	ASSERT_HOLDS("escapes", "back\\\\slash\nnew\\nline\ntab\\tx\ncr\\rx\nctl\\x01\\x1F\\x7F\n"
				"utf8 \xc3\xa9\nnul\\x00x\n");
	ASSERT_HOLDS("escapes_hash", "f\\tx\tv\\nx\n");
	ASSERT_HOLDS("escapes_set", "a\\\\b\n");
	ASSERT_HOLDS("escapes_zset", "m\\tn\t1\n");
	ASSERT_HOLDS("escapes_stream", "1-0\tf\\n\tv\\t\n");
}
END_TEST

START_TEST(test_every_type_reads_as_redis_holds_it_and_stat_gives_its_size)
{
	char path[H_PATH_MAX + 16];
	redisContext *c = h_redis_connect(server, DB_TYPES);

	h_assert_dir_matches_db(h_path(path, sizeof path, mount, "db1"), c);
	redisFree(c);
}
END_TEST

static void assert_mode(const char *rel, mode_t type, mode_t perm)
{
	char path[H_PATH_MAX + 32];
	struct stat st;

	h_path(path, sizeof path, mount, rel);
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", rel, strerror(errno));
	ck_assert_msg((st.st_mode & S_IFMT) == type, "%s has file type 0%o", rel,
		      st.st_mode & S_IFMT);
	ck_assert_msg((st.st_mode & 07777) == perm, "%s has mode 0%o, want 0%o", rel,
		      st.st_mode & 07777, perm);
	ck_assert_msg(st.st_uid == getuid(), "%s is owned by uid %d, want %d", rel, (int) st.st_uid,
		      (int) getuid());
}

START_TEST(test_files_are_0644_and_folders_0755_owned_by_the_mounting_user)
{
	static const char *const files[] = {"str", "empty", "list", "set", "zset", "hash"};
	char rel[32];

	assert_mode(".", S_IFDIR, 0755);
	for (int db = 0; db < 16; db++) {
		snprintf(rel, sizeof rel, "db%d", db);
		assert_mode(rel, S_IFDIR, 0755);
	}
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(rel, sizeof rel, "db%d/%s", DB_TYPES, files[i]);
		assert_mode(rel, S_IFREG, 0644);
	}
}
END_TEST

/*
 * st_blksize: a file asks for reads of 1 MiB (one GETRANGE each); a folder keeps
 * glibc's readdir buffer at 32 KiB, as on a disk, not a megabyte of entries at once.
 */
START_TEST(test_files_advise_1_mib_blocks_and_folders_4_kib)
{
	static const char *const folders[] = {".", "db0", "db15"};
	char path[H_PATH_MAX + 32], rel[32];
	struct stat st;

	snprintf(rel, sizeof rel, "db%d/str", DB_TYPES);
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, rel), &st), 0);
	ck_assert_int_eq(st.st_blksize, 1 << 20);
	for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
		ck_assert_int_eq(stat(h_path(path, sizeof path, mount, folders[i]), &st), 0);
		ck_assert_msg(st.st_blksize == 4096, "%s has st_blksize %ld", folders[i],
			      (long) st.st_blksize);
	}
}
END_TEST

START_TEST(test_stream_files_are_0444)
{
	char rel[32];

	snprintf(rel, sizeof rel, "db%d/stream", DB_TYPES);
	assert_mode(rel, S_IFREG, 0444);
}
END_TEST

/* Split captured output into sorted lines. */
static void split_lines(char *text, struct h_names *lines)
{
	struct h_names tmp = {0};
	size_t cap = 0;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (tmp.n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp.v = realloc(tmp.v, cap * sizeof *tmp.v);
			ck_assert(tmp.v);
		}
		tmp.v[tmp.n++] = strdup(l);
	}
	for (size_t i = 1; i < tmp.n; i++)
		for (size_t j = i; j > 0 && strcmp(tmp.v[j - 1], tmp.v[j]) > 0; j--) {
			char *t = tmp.v[j];

			tmp.v[j] = tmp.v[j - 1];
			tmp.v[j - 1] = t;
		}
	*lines = tmp;
}

START_TEST(test_ls_lists_every_key_by_its_name)
{
	static const char *const want[] = {"events",
					   "profile",
					   "queue",
					   "scores",
					   "tags",
					   "user:1",
					   "user:2",
					   "we%2Fird%25name",
					   "\xc3\xbcn\xc3\xaf"
					   "code"};
	struct h_names lines;
	struct h_run res;

	ck_assert_int_eq(h_sh_out(mount->mnt, &res, "ls -A db%d", DB_SHELL), 0);
	split_lines(res.out, &lines);
	ck_assert_uint_eq(lines.n, sizeof want / sizeof *want);
	for (size_t i = 0; i < lines.n; i++)
		ck_assert_msg(h_names_has(&lines, want[i]), "ls does not show %s", want[i]);
	h_names_free(&lines);
	h_run_free(&res);
}
END_TEST

START_TEST(test_cat_prints_a_string_value)
{
	struct h_run res;

	ck_assert_int_eq(h_sh_out(mount->mnt, &res, "cat db%d/user:2 db%d/we%%2Fird%%25name",
				  DB_SHELL, DB_SHELL),
			 0);
	ck_assert_str_eq(res.out, "bob needle\nodd");
	h_run_free(&res);
}
END_TEST

START_TEST(test_stat_and_wc_give_the_size_of_what_cat_prints)
{
	static const char *const files[] = {"user:1", "queue",	 "tags",
					    "scores", "profile", "events"};
	struct h_run st, wc, cat;

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		ck_assert_int_eq(
			h_sh_out(mount->mnt, &st, "stat -c %%s db%d/%s", DB_SHELL, files[i]), 0);
		ck_assert_int_eq(h_sh_out(mount->mnt, &wc, "wc -c < db%d/%s", DB_SHELL, files[i]),
				 0);
		ck_assert_int_eq(h_sh_out(mount->mnt, &cat, "cat db%d/%s", DB_SHELL, files[i]), 0);
		ck_assert_msg(cat.out_len > 0, "cat %s printed nothing", files[i]);
		ck_assert_msg(atol(st.out) == (long) cat.out_len,
			      "stat -c %%s %s says %s, cat prints %zu bytes", files[i], st.out,
			      cat.out_len);
		ck_assert_msg(atol(wc.out) == (long) cat.out_len,
			      "wc -c %s says %s, cat prints %zu bytes", files[i], wc.out,
			      cat.out_len);
		h_run_free(&st);
		h_run_free(&wc);
		h_run_free(&cat);
	}
}
END_TEST

START_TEST(test_grep_l_names_exactly_the_keys_that_match)
{
	struct h_names lines;
	struct h_run res;

	ck_assert_int_eq(h_sh_out(mount->mnt, &res, "grep -l needle db%d/*", DB_SHELL), 0);
	split_lines(res.out, &lines);
	ck_assert_uint_eq(lines.n, 3);
	ck_assert_str_eq(lines.v[0], "db2/profile");
	ck_assert_str_eq(lines.v[1], "db2/queue");
	ck_assert_str_eq(lines.v[2], "db2/user:2");
	h_names_free(&lines);
	h_run_free(&res);
}
END_TEST

START_TEST(test_cp_r_copies_every_value_of_a_database)
{
	static const int dbs[] = {DB_NAMES, DB_SHELL};
	char copy[H_PATH_MAX + 32];

	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++) {
		redisContext *c = h_redis_connect(server, dbs[i]);

		snprintf(copy, sizeof copy, "%s/copy%d", scratch, dbs[i]);
		ck_assert_int_eq(h_sh(mount->mnt, "cp -r db%d %s", dbs[i], copy), 0);
		h_assert_dir_matches_db(copy, c);
		ck_assert_int_eq(h_sh(scratch, "rm -rf copy%d", dbs[i]), 0);
		redisFree(c);
	}
}
END_TEST

START_TEST(test_tar_of_databases_exits_0_with_every_file)
{
	struct h_run res;
	struct h_names lines;

	/* To a file: GNU tar does not read the files at all when it writes to /dev/null. */
	ck_assert_int_eq(
		h_sh(mount->mnt, "tar cf %s/all.tar db%d db%d", scratch, DB_TYPES, DB_SHELL), 0);
	ck_assert_int_eq(h_sh_out(scratch, &res, "tar tf all.tar"), 0);
	split_lines(res.out, &lines);
	/* Two folders; 13 keys in db1, 9 in db2. */
	ck_assert_uint_eq(lines.n, 2 + 13 + 9);
	h_names_free(&lines);
	h_run_free(&res);
	ck_assert_int_eq(h_sh(scratch, "rm -f all.tar"), 0);
}
END_TEST

/*
 * A list bypasses the page cache (direct I/O, so that a reader never sees
 * two versions mixed): a private mapping still shows its text, a shared one
 * is refused with ENODEV, as the man page says. A string keeps the cache.
 */
START_TEST(test_mmap_private_of_a_list_shows_its_text_and_shared_is_enodev)
{
	char path[H_PATH_MAX + 32];
	const char want[] = "x\nneedle y\n";
	void *m;
	int fd;

	snprintf(path, sizeof path, "%s/db%d/queue", mount->mnt, DB_SHELL);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	m = mmap(NULL, sizeof want - 1, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_msg(m != MAP_FAILED, "MAP_PRIVATE of %s: %s", path, strerror(errno));
	ck_assert_mem_eq(m, want, sizeof want - 1);
	munmap(m, sizeof want - 1);
	errno = 0;
	ck_assert(mmap(NULL, sizeof want - 1, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, ENODEV);
	close(fd);

	snprintf(path, sizeof path, "%s/db%d/user:2", mount->mnt, DB_SHELL);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	m = mmap(NULL, 11, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(m != MAP_FAILED, "MAP_SHARED of a string: %s", strerror(errno));
	ck_assert_mem_eq(m, "bob needle\n", 11);
	munmap(m, 11);
	close(fd);
}
END_TEST

static Suite *read_suite(void)
{
	Suite *s = suite_create("read");
	TCase *tc;

	tc = tcase_create("databases_default");
	h_tcase_add_fixture(tc, setup_default, h_stop_all);
	tcase_add_test(tc, test_root_lists_db0_to_db15_for_a_default_server);
	tcase_add_test(tc, test_empty_databases_are_empty_folders);
	suite_add_tcase(s, tc);

	tc = tcase_create("databases_four");
	h_tcase_add_fixture(tc, setup_four_databases, h_stop_all);
	tcase_add_test(tc, test_root_lists_db0_to_db3_for_a_four_database_server);
	suite_add_tcase(s, tc);

	tc = tcase_create("databases_option");
	h_tcase_add_fixture(tc, setup_databases_option, h_stop_all);
	tcase_add_test(tc, test_databases_option_overrides_the_server_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("acl_lister");
	h_tcase_add_fixture(tc, setup_acl_lister, h_stop_all);
	tcase_add_test(tc, test_acl_user_without_config_sees_the_database_count);
	tcase_add_test(tc, test_acl_user_without_keys_lists_and_reads_by_scan);
	tcase_add_test(tc, test_acl_user_was_denied_nothing_but_the_config_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("scan");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_every_key_is_listed_exactly_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_special_key_names_are_percent_encoded);
	tcase_add_test(tc, test_names_database_lists_each_key_once_with_its_value);
	tcase_add_test(tc, test_long_keys_are_listed_as_prefix_tilde_hash);
	tcase_add_test(tc, test_shortened_names_sharing_a_prefix_read_their_own_keys);
	tcase_add_test(tc, test_shortening_never_cuts_a_percent_escape);
	tcase_add_test(tc, test_shortened_name_with_a_wrong_hash_does_not_exist);
	tcase_add_test(tc, test_non_canonical_names_do_not_exist);
	suite_add_tcase(s, tc);

	tc = tcase_create("contents");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_string_reads_its_exact_bytes_with_nul_and_binary);
	tcase_add_test(tc, test_ten_mib_string_reads_whole_through_cat);
	tcase_add_test(tc, test_list_reads_one_element_per_line_head_first);
	tcase_add_test(tc, test_set_reads_one_member_per_line_sorted_bytewise);
	tcase_add_test(tc, test_zset_reads_member_tab_score_by_rank);
	tcase_add_test(tc, test_hash_reads_field_tab_value_sorted_by_field);
	tcase_add_test(tc, test_stream_reads_id_tab_field_tab_value_by_id);
	tcase_add_test(tc, test_collection_lines_escape_backslash_newline_tab_cr_and_control_bytes);
	tcase_add_test(tc, test_every_type_reads_as_redis_holds_it_and_stat_gives_its_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("attributes");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_files_are_0644_and_folders_0755_owned_by_the_mounting_user);
	tcase_add_test(tc, test_stream_files_are_0444);
	tcase_add_test(tc, test_files_advise_1_mib_blocks_and_folders_4_kib);
	suite_add_tcase(s, tc);

	tc = tcase_create("shell_tools");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_ls_lists_every_key_by_its_name);
	tcase_add_test(tc, test_cat_prints_a_string_value);
	tcase_add_test(tc, test_stat_and_wc_give_the_size_of_what_cat_prints);
	tcase_add_test(tc, test_grep_l_names_exactly_the_keys_that_match);
	tcase_add_test(tc, test_cp_r_copies_every_value_of_a_database);
	tcase_add_test(tc, test_tar_of_databases_exits_0_with_every_file);
	tcase_add_test(tc, test_mmap_private_of_a_list_shows_its_text_and_shared_is_enodev);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(read_suite(), CK_FORK);
}
