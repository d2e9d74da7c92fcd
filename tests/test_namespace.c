/* test_namespace.c - key namespaces as folders (SPEC 8, -o delimiter=S) through a real mount. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

#define PATH_LEN	4096   /* a path below namespace folders, with long segments */
#define LONG_SEGMENT	300    /* bytes of a segment whose name must be shortened */
#define SESSION_KEYS	2000   /* enough files that rm -r takes a while */
#define SESSION_SUBKEYS 100    /* keys one folder deeper, session:sub:N */
#define BIG_KEYS	20000  /* rm -r of these takes seconds: longer than cache_timeout */
#define BIG_SUBKEYS	2000   /* of them, big:sub:N, one folder deeper */
#define ADDER_WARMUP	100    /* keys the busy client adds before rm -r starts */
#define ADDER_MAX	200000 /* bound on the busy client's keys... */
#define ADDER_SECONDS	30.0   /* ...and on its time */
#define ADDER_PAUSE_US	500    /* between two keys: at most 2,000 keys a second */
#define VANISH_SECONDS	3.0    /* a removed folder is gone within cache_timeout (1 s) */

static struct h_redis *server;
static struct h_mount *mount;
static const char *delimiter; /* of the TCase's mount */
static char *snapshot;	      /* of a read-only TCase, before the mount saw any change */
static size_t snapshot_len;

/* SET of a literal key that may hold NUL bytes. */
#define SET_LIT(c, key, value) h_cmd_ok(c, "SET %b %s", key, sizeof(key) - 1, value)

/* Whether a literal key exists in database `db`. */
#define EXISTS(db, key) key_exists(db, key, sizeof(key) - 1)

static bool key_exists(int db, const char *key, size_t len)
{
	redisContext *c = h_redis_connect(server, db);
	long long n = h_cmd_int(c, "EXISTS %b", key, len);

	redisFree(c);
	return n == 1;
}

/* MNT/rel into `out`. Returns `out`. */
static char *mnt_path(char out[PATH_LEN], const char *rel)
{
	int n = snprintf(out, PATH_LEN, "%s/%s", mount->mnt, rel);

	ck_assert_msg(n > 0 && n < PATH_LEN, "path too long: %s", rel);
	return out;
}

/* A key's file name, for messages: printable by construction. */
static const char *printable(const char *key, size_t len, char out[256])
{
	bool hashed;

	h_key_name(key, len, out, &hashed);
	return out;
}

/* ---- the test suite's own reading of SPEC 3 and 8: paths back to keys ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lower case is not canonical */
}

/*
 * The bytes the canonical name `name` stands for, appended at `out`; the
 * name must be one that SPEC 3 gives those bytes (checked by encoding back).
 * Returns the count.
 */
static size_t decode_component(const char *name, char *out)
{
	char again[256];
	size_t n = 0;
	bool hashed;

	if (strcmp(name, "%") != 0) {
		for (const char *p = name; *p; p++) {
			int hi, lo;

			if (*p != '%') {
				out[n++] = *p;
				continue;
			}
			hi = hex_digit(p[1]);
			lo = hi < 0 ? -1 : hex_digit(p[2]);
			ck_assert_msg(hi >= 0 && lo >= 0, "'%s' is no canonical name", name);
			out[n++] = (char) (hi * 16 + lo);
			p += 2;
		}
	}
	h_key_name(out, n, again, &hashed);
	ck_assert_msg(!hashed && strcmp(again, name) == 0,
		      "'%s' is not the canonical name of its bytes ('%s' is)", name, again);
	return n;
}

/*
 * The key a path below a database folder stands for ("user:/1:/name" is
 * user:1:name), when it names a file (`folder` false) or a folder. Every
 * folder component must end with the delimiter and hold it nowhere else; a
 * file component must not hold it at all.
 */
static size_t path_to_key(const char *rel, bool folder, char *key)
{
	size_t dlen = strlen(delimiter), len = 0;
	char comp[256];

	while (*rel) {
		const char *slash = strchr(rel, '/');
		size_t n = slash ? (size_t) (slash - rel) : strlen(rel), seg;
		bool is_folder = slash || folder;
		const char *hit;

		ck_assert_msg(n < sizeof comp, "a component of %s is longer than 255 bytes", rel);
		memcpy(comp, rel, n);
		comp[n] = '\0';
		seg = decode_component(comp, key + len);
		hit = memmem(key + len, seg, delimiter, dlen);
		if (is_folder)
			ck_assert_msg(hit && (size_t) (hit - (key + len)) + dlen == seg,
				      "folder '%s' does not end with its only delimiter", comp);
		else
			ck_assert_msg(!hit, "file '%s' holds the delimiter", comp);
		len += seg;
		rel += n + (slash ? 1 : 0);
	}
	return len;
}

/* Index of `key` in a sorted KEYS reply (h_all_keys), or -1. */
static long reply_find(const redisReply *keys, const char *key, size_t len)
{
	size_t lo = 0, hi = keys->elements;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, n = keys->element[mid]->len;
		int c = memcmp(keys->element[mid]->str, key, n < len ? n : len);

		if (!c)
			c = (n > len) - (n < len);
		if (!c)
			return (long) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool has_prefix(const redisReply *k, const char *prefix, size_t plen)
{
	return k->len >= plen && memcmp(k->str, prefix, plen) == 0;
}

/* stat size == bytes read == what Redis holds (SPEC 4), for the file of `key`. */
static void assert_file_holds_key(const char *path, redisContext *c, const char *key, size_t klen)
{
	char *want, *got, shown[256];
	size_t want_len, got_len;
	struct stat st;
	int ret;

	ck_assert_msg(h_expected_content(c, key, klen, &want, &want_len) == 0, "key %s is gone",
		      printable(key, klen, shown));
	ck_assert_msg(lstat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", path);
	ret = h_read_file(path, &got, &got_len);
	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	ck_assert_msg((size_t) st.st_size == want_len && got_len == want_len,
		      "%s: stat size %lld, read %zu bytes, Redis holds %zu", path,
		      (long long) st.st_size, got_len, want_len);
	ck_assert_msg(memcmp(got, want, want_len) == 0, "%s does not hold what key %s holds", path,
		      printable(key, klen, shown));
	free(got);
	free(want);
}

/*
 * `find dbN -type f` lists every key of the database exactly once, as a path
 * that maps back to it, holding its value with the exact size; every folder
 * that `find -type d` lists is the prefix of some key.
 */
static void assert_tree_matches_db(int db)
{
	redisContext *c = h_redis_connect(server, db);
	redisReply *keys = h_all_keys(c);
	bool *seen = calloc(keys->elements + 1, sizeof *seen);
	char *key = malloc(PATH_LEN), path[PATH_LEN], rel[16], shown[256];
	struct h_run run;
	size_t skip;

	ck_assert(seen && key);
	skip = (size_t) snprintf(rel, sizeof rel, "db%d", db) + 1;
	ck_assert_int_eq(h_sh_out(mount->mnt, &run, "find %s -mindepth 1 -type f -print0", rel), 0);
	for (char *p = run.out; p < run.out + run.out_len; p += strlen(p) + 1) {
		size_t klen = path_to_key(p + skip, false, key);
		long at = reply_find(keys, key, klen);

		ck_assert_msg(at >= 0, "find lists %s, and Redis has no key %s", p,
			      printable(key, klen, shown));
		ck_assert_msg(!seen[at], "find lists key %s twice", printable(key, klen, shown));
		seen[at] = true;
		assert_file_holds_key(mnt_path(path, p), c, key, klen);
	}
	for (size_t i = 0; i < keys->elements; i++)
		ck_assert_msg(seen[i], "find %s does not list key %s", rel,
			      printable(keys->element[i]->str, keys->element[i]->len, shown));
	h_run_free(&run);

	ck_assert_int_eq(h_sh_out(mount->mnt, &run, "find %s -mindepth 1 -type d -print0", rel), 0);
	for (char *p = run.out; p < run.out + run.out_len; p += strlen(p) + 1) {
		size_t plen = path_to_key(p + skip, true, key);
		bool used = false;

		for (size_t i = 0; i < keys->elements && !used; i++)
			used = has_prefix(keys->element[i], key, plen);
		ck_assert_msg(used, "folder %s is shown, and no key starts with its prefix", p);
	}
	h_run_free(&run);
	free(key);
	free(seen);
	freeReplyObject(keys);
	redisFree(c);
}

/*
 * `ls MNT/rel` shows exactly the entries `want` ("d NAME" a folder, 0755 or
 * 0555 with ro; "f NAME" a file), told apart by lstat.
 */
static void assert_listing(const char *rel, const char *const *want, size_t n)
{
	char dir[PATH_LEN], path[PATH_LEN + 256], all[4096] = "";
	struct h_names names;
	struct stat st;
	int ret = h_list(mnt_path(dir, rel), &names);

	ck_assert_msg(ret == 0, "ls %s: %s", rel, strerror(-ret));
	for (size_t i = 0; i < names.n; i++) {
		strncat(all, " '", sizeof all - strlen(all) - 1);
		strncat(all, names.v[i], sizeof all - strlen(all) - 1);
		strncat(all, "'", sizeof all - strlen(all) - 1);
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = want[i] + 2;

		ck_assert_msg(h_names_has(&names, name), "ls %s lacks '%s'; it shows%s", rel, name,
			      all);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		ck_assert_msg(lstat(path, &st) == 0, "stat %s/%s: %s", rel, name, strerror(errno));
		if (want[i][0] == 'd')
			ck_assert_msg(S_ISDIR(st.st_mode), "%s/%s is not a folder", rel, name);
		else
			ck_assert_msg(S_ISREG(st.st_mode), "%s/%s is not a file", rel, name);
	}
	ck_assert_msg(names.n == n, "ls %s shows %zu entries, want %zu:%s", rel, names.n, n, all);
	h_names_free(&names);
}

#define ASSERT_LISTING(rel, ...)                                                                   \
	assert_listing(rel, (const char *const[]){__VA_ARGS__},                                    \
		       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* `call` failed with errno `want`. */
#define ASSERT_ERRNO(call, want, what)                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == (want), "%s gives %s, want %s", what,       \
			      errno ? strerror(errno) : "success", strerror(want));                \
	} while (0)

/* stat of MNT/rel fails with ENOENT, within VANISH_SECONDS (the kernel may cache for 1 s). */
static void assert_gone(const char *rel)
{
	double deadline = h_now() + VANISH_SECONDS * h_time_scale();
	char path[PATH_LEN];
	struct stat st;
	int ret;

	mnt_path(path, rel);
	while ((ret = lstat(path, &st)) == 0 && h_now() < deadline)
		usleep(50 * 1000);
	ck_assert_msg(ret == -1 && errno == ENOENT, "%s is still there (%s)", rel,
		      ret ? strerror(errno) : "stat succeeds");
}

/* Every key of `before` that starts with the prefix is gone, every other one is still there. */
static void assert_removed_exactly(const redisReply *before, const redisReply *after,
				   const char *prefix, size_t plen)
{
	char shown[256];

	for (size_t i = 0; i < before->elements; i++) {
		const redisReply *k = before->element[i];
		bool kept = reply_find(after, k->str, k->len) >= 0;

		if (has_prefix(k, prefix, plen))
			ck_assert_msg(!kept, "key %s was not removed",
				      printable(k->str, k->len, shown));
		else
			ck_assert_msg(kept, "key %s was removed too",
				      printable(k->str, k->len, shown));
	}
}

/* No key of `after` is missing from `before`. */
static void assert_no_new_keys(const redisReply *before, const redisReply *after)
{
	char shown[256];

	for (size_t i = 0; i < after->elements; i++) {
		const redisReply *k = after->element[i];

		ck_assert_msg(reply_find(before, k->str, k->len) >= 0, "key %s appeared",
			      printable(k->str, k->len, shown));
	}
}

/* Run `rm -r 'db0/rel'`, which must exit 0 and remove exactly the keys that start with `prefix`. */
static void assert_rm_r_removes(const char *rel, const char *prefix, size_t plen)
{
	redisContext *c = h_redis_connect(server, 0);
	redisReply *before = h_all_keys(c), *after;
	int status = h_sh(mount->mnt, "rm -r 'db0/%s'", rel);

	after = h_all_keys(c);
	assert_removed_exactly(before, after, prefix, plen);
	assert_no_new_keys(before, after);
	ck_assert_msg(status == 0, "rm -r 'db0/%s' removed exactly its keys, and exits %d", rel,
		      status);
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}

/* rmdir of a folder that holds keys: ENOTEMPTY, and every key is still there (SPEC 5). */
static void assert_rmdir_refused(const char *path)
{
	redisContext *c = h_redis_connect(server, 0);
	redisReply *before = h_all_keys(c), *after;

	ASSERT_ERRNO(rmdir(path), ENOTEMPTY, path);
	after = h_all_keys(c);
	ck_assert_uint_eq(after->elements, before->elements);
	assert_no_new_keys(after, before); /* and none of before is missing from after */
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}

static void start_mount(const char *options, void (*populate)(redisContext *c))
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate(c);
	redisFree(c);
	mount = h_mount_start(server, &(struct h_mount_spec){.options = options});
}

/* ---- listing: one level per folder, files and folders, the % file and the : folder ---- */

static void populate_listing(redisContext *c)
{
	h_cmd_ok(c, "SET user:1:name alice");
	h_cmd_ok(c, "SET user:1:email a@example.com");
	h_cmd_ok(c, "SADD user:1:tags b a c");
	h_cmd_ok(c, "ZADD user:1:scores 1 x 2.5 y");
	h_cmd_ok(c, "HSET user:1:profile f1 v1 f2 %s", "v\t2");
	h_cmd_ok(c, "SET user:1 one");
	h_cmd_ok(c, "SET user:2:name bob");
	h_cmd_ok(c, "SET user:2:addr:city Oslo");
	h_cmd_ok(c, "SET user: %s", "ends with the delimiter");
	h_cmd_ok(c, "RPUSH user:list a %s", "b\nc");
	h_cmd_ok(c, "XADD events:stream 1-0 f v");
	h_cmd_ok(c, "SET session %s", "no delimiter");
	h_cmd_ok(c, "SET session:1 s1");
	h_cmd_ok(c, "SET plain %s", "top file");
	h_cmd_ok(c, "SET : %s", "just the delimiter");
	h_cmd_ok(c, "SET ::x %s", "two empty segments");
	h_cmd_ok(c, "SET :lead %s", "one empty segment");
	SET_LIT(c, "bin\n:seg\x01:leaf", "binary segments");
	SET_LIT(c, "a/b:c", "slash in a segment");
	SET_LIT(c, ".:dot", "dot segment");
	SET_LIT(c, "..:dotdot", "dot-dot segment");
	SET_LIT(c, "ns:.", "dot file");
	SET_LIT(c, "ns:..", "dot-dot file");
	SET_LIT(c, "100%:x", "percent");
	SET_LIT(c, "\xe6\x97\xa5\xe6\x9c\xac:x", "utf-8");
	SET_LIT(c, "zero\0:x", "NUL in a segment");
	SET_LIT(c, "del\x7f", "0x7F");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET user:1 db1");
}

static void setup_listing(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_listing);
}

START_TEST(test_db0_lists_one_level_of_folders_and_files)
{
	ASSERT_LISTING("db0", "d :", "d ..:", "d .:", "d 100%25:", "d a%2Fb:", "d bin%0A:",
		       "d events:", "d ns:", "d session:", "d user:", "d zero%00:",
		       "d \xe6\x97\xa5\xe6\x9c\xac:", "f del%7F", "f plain", "f session");
	ASSERT_LISTING("db1", "d user:");
	ASSERT_LISTING("db1/user:", "f 1");
}
END_TEST

START_TEST(test_folder_lists_its_files_and_subfolders)
{
	ASSERT_LISTING("db0/user:", "f %", "f 1", "f list", "d 1:", "d 2:");
	ASSERT_LISTING("db0/session:", "f 1");
	ASSERT_LISTING("db0/events:", "f stream");
}
END_TEST

START_TEST(test_nested_folders_list_their_own_level)
{
	ASSERT_LISTING("db0/user:/1:", "f email", "f name", "f profile", "f scores", "f tags");
	ASSERT_LISTING("db0/user:/2:", "f name", "d addr:");
	ASSERT_LISTING("db0/user:/2:/addr:", "f city");
}
END_TEST

START_TEST(test_empty_segment_is_the_delimiter_folder)
{
	char path[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);

	ASSERT_LISTING("db0/:", "f %", "f lead", "d :");
	ASSERT_LISTING("db0/:/:", "f x");
	assert_file_holds_key(mnt_path(path, "db0/:/:/x"), c, "::x", 3);
	assert_file_holds_key(mnt_path(path, "db0/:/lead"), c, ":lead", 5);
	redisFree(c);
}
END_TEST

START_TEST(test_key_ending_with_the_delimiter_is_the_percent_file)
{
	char path[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);

	assert_file_holds_key(mnt_path(path, "db0/user:/%"), c, "user:", 5);
	assert_file_holds_key(mnt_path(path, "db0/:/%"), c, ":", 1);
	redisFree(c);
}
END_TEST

START_TEST(test_segments_are_encoded_as_file_names)
{
	char path[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);

	ASSERT_LISTING("db0/bin%0A:", "d seg%01:");
	ASSERT_LISTING("db0/bin%0A:/seg%01:", "f leaf");
	ASSERT_LISTING("db0/ns:", "f %2E", "f %2E%2E");
	ASSERT_LISTING("db0/zero%00:", "f x");
	assert_file_holds_key(mnt_path(path, "db0/bin%0A:/seg%01:/leaf"), c, "bin\n:seg\x01:leaf",
			      sizeof "bin\n:seg\x01:leaf" - 1);
	assert_file_holds_key(mnt_path(path, "db0/a%2Fb:/c"), c, "a/b:c", 5);
	assert_file_holds_key(mnt_path(path, "db0/.:/dot"), c, ".:dot", 5);
	assert_file_holds_key(mnt_path(path, "db0/..:/dotdot"), c, "..:dotdot", 9);
	assert_file_holds_key(mnt_path(path, "db0/ns:/%2E"), c, "ns:.", 4);
	assert_file_holds_key(mnt_path(path, "db0/ns:/%2E%2E"), c, "ns:..", 5);
	assert_file_holds_key(mnt_path(path, "db0/100%25:/x"), c, "100%:x", 6);
	assert_file_holds_key(mnt_path(path, "db0/zero%00:/x"), c, "zero\0:x", 7);
	redisFree(c);
}
END_TEST

START_TEST(test_names_that_are_no_folder_or_key_do_not_exist)
{
	static const char *const missing[] = {
		"db0/nope:",	   "db0/user:/9:",   "db0/user:/nope", "db0/user:/1:/nope",
		"db0/us%65r:",	   "db0/user:/%31",  "db0/bin%0a:",    "db0/user:/a:b",
		"db0/user:/1:/a:", "db0/session%3A", "db0/user",
	};
	char path[PATH_LEN];
	struct stat st;

	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		errno = 0;
		ck_assert_msg(lstat(mnt_path(path, missing[i]), &st) == -1 && errno == ENOENT,
			      "stat %s gives %s, want ENOENT", missing[i],
			      errno ? strerror(errno) : "success");
	}
	ASSERT_ERRNO(lstat(mnt_path(path, "db0/user:/1/x"), &st), ENOTDIR, "stat db0/user:/1/x");
}
END_TEST

START_TEST(test_stat_size_equals_bytes_read_for_every_file)
{
	assert_tree_matches_db(0);
	assert_tree_matches_db(1);
}
END_TEST

START_TEST(test_folders_are_0755_and_files_0644)
{
	char path[PATH_LEN];
	struct stat st;

	ck_assert_int_eq(lstat(mnt_path(path, "db0/user:/1:"), &st), 0);
	ck_assert_msg(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "mode 0%o", st.st_mode);
	ck_assert_int_eq(lstat(mnt_path(path, "db0/user:/1:/name"), &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644, "mode 0%o", st.st_mode);
}
END_TEST

START_TEST(test_folder_exists_while_some_key_has_its_prefix)
{
	redisContext *c = h_redis_connect(server, 0);
	char path[PATH_LEN];
	struct stat st;

	h_cmd_ok(c, "SET appear:deep:1 x");
	ck_assert_msg(lstat(mnt_path(path, "db0/appear:"), &st) == 0 && S_ISDIR(st.st_mode),
		      "db0/appear: is not a folder once appear:deep:1 exists");
	ASSERT_LISTING("db0/appear:", "d deep:");
	h_cmd_ok(c, "DEL appear:deep:1");
	assert_gone("db0/appear:/deep:");
	assert_gone("db0/appear:");
	redisFree(c);
}
END_TEST

/* ---- glob characters in prefixes are literal ---- */

static void populate_glob(redisContext *c)
{
	static const char *const keys[] = {
		"a*:x", "ab:x", "a:x",	  "aa*:x", "[x]:y", "x]:y", "x:y",    "]:r", "[:q",
		"?:z",	"\\:w", "\\\\:v", ":w2",   "*:all", "b:x",  "[^x]:n", "a*",  "a*:sub:1",
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		h_cmd_ok(c, "SET %s %s", keys[i], keys[i]);
}

static void setup_glob(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_glob);
}

START_TEST(test_glob_prefixes_list_only_their_own_keys)
{
	ASSERT_LISTING("db0",
		       "d :", "d *:", "d ?:", "d [:", "d [^x]:", "d [x]:", "d \\:", "d \\\\:",
		       "d ]:", "d a*:", "d a:", "d aa*:", "d ab:", "d b:", "d x:", "d x]:", "f a*");
	ASSERT_LISTING("db0/a*:", "f x", "d sub:");
	ASSERT_LISTING("db0/[x]:", "f y");
	ASSERT_LISTING("db0/x]:", "f y");
	ASSERT_LISTING("db0/x:", "f y");
	ASSERT_LISTING("db0/?:", "f z");
	ASSERT_LISTING("db0/\\:", "f w");
	ASSERT_LISTING("db0/\\\\:", "f v");
	ASSERT_LISTING("db0/*:", "f all");
	ASSERT_LISTING("db0/[:", "f q");
	ASSERT_LISTING("db0/[^x]:", "f n");
	ASSERT_LISTING("db0/:", "f w2");
	assert_tree_matches_db(0);
}
END_TEST

START_TEST(test_rm_r_star_prefix_removes_exactly_its_keys)
{
	assert_rm_r_removes("a*:", "a*:", 3);
	ASSERT_LISTING("db0/ab:", "f x");
	ASSERT_LISTING("db0/a:", "f x");
	ck_assert(EXISTS(0, "a*"));
	assert_gone("db0/a*:");
}
END_TEST

START_TEST(test_rm_r_bracket_prefix_removes_exactly_its_keys)
{
	assert_rm_r_removes("[x]:", "[x]:", 4);
	ck_assert(EXISTS(0, "x:y") && EXISTS(0, "x]:y"));
	assert_rm_r_removes("[:", "[:", 2);
	assert_rm_r_removes("[^x]:", "[^x]:", 5);
	ck_assert(EXISTS(0, "b:x"));
}
END_TEST

START_TEST(test_rm_r_question_mark_prefix_removes_exactly_its_keys)
{
	assert_rm_r_removes("?:", "?:", 2);
	ck_assert(EXISTS(0, "b:x") && EXISTS(0, "]:r"));
}
END_TEST

START_TEST(test_rm_r_backslash_prefix_removes_exactly_its_keys)
{
	assert_rm_r_removes("\\:", "\\:", 2);
	ck_assert(EXISTS(0, "\\\\:v") && EXISTS(0, ":w2"));
	assert_rm_r_removes("\\\\:", "\\\\:", 3);
}
END_TEST

START_TEST(test_rmdir_of_the_star_folder_is_refused_and_rm_r_removes_only_its_keys)
{
	char path[PATH_LEN];

	assert_rmdir_refused(mnt_path(path, "db0/*:"));
	assert_rm_r_removes("*:", "*:", 2);
}
END_TEST

/* ---- rm -r and rmdir of a prefix ---- */

static void populate_sessions(redisContext *c)
{
	for (int i = 0; i < 50; i++)
		h_cmd_ok(c, "SET session:%d s", i);
	h_cmd_ok(c, "SET session:a:b:c deep");
	h_cmd_ok(c, "SET session:: %s", "empty segment");
	h_cmd_ok(c, "SET session: %s", "the percent file");
	h_cmd_ok(c, "SET session:%% pct");
	h_cmd_ok(c, "RPUSH session:list a b");
	h_cmd_ok(c, "SET session %s", "no delimiter");
	h_cmd_ok(c, "SET sessions:1 x");
	h_cmd_ok(c, "SET xsession:1 x");
	h_cmd_ok(c, "SET Session:1 x");
	h_cmd_ok(c, "SET tmp:a x");
	h_cmd_ok(c, "SET tmp:b:c x");
	h_cmd_ok(c, "SET tmp:b:d:e x");
	h_cmd_ok(c, "SET tmp x");
	h_cmd_ok(c, "SET tmpx:1 x");
	h_cmd_ok(c, "SET keep:sub:1 x");
	h_cmd_ok(c, "SET keep:sub:2:3 x");
	h_cmd_ok(c, "SET keep:other x");
	h_cmd_ok(c, "SET keep:sub x");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET session:1 other-db");
}

static void setup_sessions(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_sessions);
}

START_TEST(test_rm_r_session_removes_exactly_the_session_keys)
{
	struct h_names names;
	char path[PATH_LEN];

	assert_rm_r_removes("session:", "session:", 8);
	ck_assert(EXISTS(0, "session") && EXISTS(0, "sessions:1") && EXISTS(0, "xsession:1"));
	ck_assert(EXISTS(0, "Session:1"));
	ck_assert_msg(EXISTS(1, "session:1"), "rm -r db0/session: removed session:1 of db1");
	assert_gone("db0/session:");
	ck_assert_int_eq(h_list(mnt_path(path, "db0"), &names), 0);
	ck_assert_msg(!h_names_has(&names, "session:"), "ls db0 still shows session:");
	ck_assert_msg(h_names_has(&names, "session"), "ls db0 lost the file session");
	h_names_free(&names);
}
END_TEST

START_TEST(test_rmdir_of_a_folder_with_keys_is_refused_and_rm_r_removes_them)
{
	char path[PATH_LEN];

	assert_rmdir_refused(mnt_path(path, "db0/tmp:"));
	assert_rm_r_removes("tmp:", "tmp:", 4);
	ck_assert(EXISTS(0, "tmp") && EXISTS(0, "tmpx:1"));
	assert_gone("db0/tmp:");
}
END_TEST

START_TEST(test_rmdir_of_a_nested_folder_is_refused_and_rm_r_removes_only_its_keys)
{
	char path[PATH_LEN];

	assert_rmdir_refused(mnt_path(path, "db0/keep:/sub:"));
	assert_rm_r_removes("keep:/sub:", "keep:sub:", 9);
	ASSERT_LISTING("db0/keep:", "f other", "f sub");
	assert_gone("db0/keep:/sub:");
}
END_TEST

START_TEST(test_rmdir_of_a_file_or_a_missing_folder_fails)
{
	char path[PATH_LEN];

	ASSERT_ERRNO(rmdir(mnt_path(path, "db0/keep:/other")), ENOTDIR, "rmdir db0/keep:/other");
	ASSERT_ERRNO(rmdir(mnt_path(path, "db0/nosuch:")), ENOENT, "rmdir db0/nosuch:");
	ck_assert(EXISTS(0, "keep:other"));
}
END_TEST

/* ---- rm -r while another client adds keys ---- */

struct adder {
	redisContext *c;
	atomic_bool stop;
	atomic_long added;
	double deadline;
};

/*
 * Another client: adds session:* keys, new names only, until told to stop
 * (bounded). It pauses between keys, as a real client does, scaled with the
 * run: a client adding at line rate against a daemon under valgrind would
 * give rm -r more keys than it can remove before the bound.
 */
static void *add_sessions(void *arg)
{
	struct adder *a = arg;
	useconds_t pause = (useconds_t) (ADDER_PAUSE_US * h_time_scale());

	for (long i = 0; !atomic_load(&a->stop) && i < ADDER_MAX && h_now() < a->deadline;
	     i++) {
		redisReply *r = redisCommand(
			a->c, i % 2 ? "SET session:new%ld x" : "SET session:bg:%ld x", i);

		if (!r)
			break;
		freeReplyObject(r);
		atomic_store(&a->added, i + 1);
		usleep(pause);
	}
	return NULL;
}

static void populate_busy(redisContext *c)
{
	for (int i = 0; i < SESSION_KEYS; i++)
		h_cmd_ok(c, "SET session:%d s", i);
	for (int i = 0; i < SESSION_SUBKEYS; i++)
		h_cmd_ok(c, "SET session:sub:%d s", i);
	h_cmd_ok(c, "SET session x");
	h_cmd_ok(c, "SET sessions:1 x");
	h_cmd_ok(c, "SET xsession:1 x");
	h_cmd_ok(c, "SET user:1 x");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET session:1 other-db");
}

static void setup_busy(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_busy);
}

START_TEST(test_rm_r_exits_0_while_another_client_adds_keys)
{
	struct adder a = {.deadline = h_now() + ADDER_SECONDS};
	redisContext *c = h_redis_connect(server, 0);
	redisReply *before = h_all_keys(c), *after;
	double warm = h_now() + H_WAIT_SECONDS * h_time_scale();
	long at_start, at_end;
	pthread_t thread;
	char shown[256];
	int status;

	a.c = h_redis_connect(server, 0);
	atomic_init(&a.stop, false);
	atomic_init(&a.added, 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, add_sessions, &a), 0);
	while (atomic_load(&a.added) < ADDER_WARMUP && h_now() < warm)
		usleep(10 * 1000);
	at_start = atomic_load(&a.added);
	status = h_sh(mount->mnt, "rm -r db0/session:");
	at_end = atomic_load(&a.added);
	atomic_store(&a.stop, true);
	pthread_join(thread, NULL);
	redisFree(a.c);

	ck_assert_msg(status == 0, "rm -r db0/session: exits %d while a client adds keys", status);
	ck_assert_msg(at_end > at_start, "no key was added while rm -r ran (%ld before, %ld after)",
		      at_start, at_end);
	after = h_all_keys(c);
	assert_removed_exactly(before, after, "session:", 8);
	for (size_t i = 0; i < after->elements; i++) {
		const redisReply *k = after->element[i];

		if (reply_find(before, k->str, k->len) < 0)
			ck_assert_msg(has_prefix(k, "session:", 8), "key %s appeared from nowhere",
				      printable(k->str, k->len, shown));
	}
	freeReplyObject(after);

	/* once nobody adds, rm -r leaves nothing, and the folder is gone */
	ck_assert_int_eq(h_sh(mount->mnt, "rm -r db0/session:"), 0);
	after = h_all_keys(c);
	for (size_t i = 0; i < after->elements; i++)
		ck_assert_msg(!has_prefix(after->element[i], "session:", 8),
			      "key %s survived the second rm -r",
			      printable(after->element[i]->str, after->element[i]->len, shown));
	ck_assert_uint_eq(after->elements, 4);
	ck_assert(EXISTS(0, "session") && EXISTS(0, "sessions:1") && EXISTS(0, "xsession:1"));
	ck_assert(EXISTS(0, "user:1") && EXISTS(1, "session:1"));
	assert_gone("db0/session:");
	freeReplyObject(after);
	freeReplyObject(before);
	redisFree(c);
}
END_TEST

/* ---- rm -r of a folder that takes longer than cache_timeout ---- */

static void populate_big(redisContext *c)
{
	redisReply *r;

	/* pipelined: one round trip per key would make the setup slow */
	for (int i = 0; i < BIG_KEYS; i++) {
		if (i < BIG_SUBKEYS)
			redisAppendCommand(c, "SET big:sub:%d x", i);
		else
			redisAppendCommand(c, "SET big:%d x", i);
	}
	for (int i = 0; i < BIG_KEYS; i++) {
		ck_assert_int_eq(redisGetReply(c, (void **) &r), REDIS_OK);
		ck_assert_int_ne(r->type, REDIS_REPLY_ERROR);
		freeReplyObject(r);
	}
	h_cmd_ok(c, "SET big x");
	h_cmd_ok(c, "SET bigger:1 x");
}

static void setup_big(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_big);
}

START_TEST(test_rm_r_of_a_big_folder_exits_0)
{
	redisContext *c = h_redis_connect(server, 0);
	redisReply *before = h_all_keys(c), *after;
	double started = h_now(), took;
	int status = h_sh(mount->mnt, "rm -r db0/big:");

	took = h_now() - started;
	after = h_all_keys(c);
	assert_removed_exactly(before, after, "big:", 4);
	assert_no_new_keys(before, after);
	ck_assert(EXISTS(0, "big") && EXISTS(0, "bigger:1"));
	ck_assert_msg(status == 0,
		      "rm -r db0/big: (%d keys, %.1f s) removed exactly its keys, "
		      "and exits %d",
		      BIG_KEYS, took, status);
	assert_gone("db0/big:");
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}
END_TEST

/* ---- changes: create, mkdir, mv ---- */

static void populate_changes(redisContext *c)
{
	h_cmd_ok(c, "SET user:1 one");
	h_cmd_ok(c, "SET user:1:name alice");
	h_cmd_ok(c, "SET user:2:name bob");
	h_cmd_ok(c, "SET mv:1 first");
	h_cmd_ok(c, "SET mv:a across");
	h_cmd_ok(c, "SET mv:b top");
	h_cmd_ok(c, "SET mv:c kept");
	h_cmd_ok(c, "SET mv:sub:1 nested");
	h_cmd_ok(c, "SET other:here x");
	h_cmd_ok(c, "SET mvdir:1 x");
	h_cmd_ok(c, "SET mvdir:2:3 x");
}

static void setup_changes(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_changes);
}

START_TEST(test_creating_a_file_in_a_folder_creates_the_prefixed_key)
{
	redisContext *c = h_redis_connect(server, 0);
	redisReply *r;

	ck_assert_int_eq(h_sh(mount->mnt, "touch db0/user:/9"), 0);
	r = h_cmd(c, "GET user:9");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 0,
		      "user:9 is not an empty string");
	freeReplyObject(r);
	ck_assert_int_eq(h_sh(mount->mnt, "echo data > db0/user:/1:/email"), 0);
	r = h_cmd(c, "GET user:1:email");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 5 && !memcmp(r->str, "data\n", 5),
		      "user:1:email does not hold what was written");
	freeReplyObject(r);
	ck_assert_int_eq(h_sh(mount->mnt, "echo top > db0/fresh"), 0);
	ck_assert(EXISTS(0, "fresh"));
	ASSERT_LISTING("db0/user:", "f 1", "f 9", "d 1:", "d 2:");
	redisFree(c);
}
END_TEST

START_TEST(test_creating_the_percent_file_creates_the_key_ending_with_the_delimiter)
{
	ck_assert_int_eq(h_sh(mount->mnt, "touch 'db0/user:/2:/%%'"), 0);
	ck_assert_msg(EXISTS(0, "user:2:"), "touch db0/user:/2:/%% did not create user:2:");
	ASSERT_LISTING("db0/user:/2:", "f %", "f name");
}
END_TEST

START_TEST(test_creating_a_name_with_the_delimiter_fails_with_einval)
{
	static const char *const names[] = {"db0/user:/a:b", "db0/user:/new:", "db0/x:y",
					    "db0/newns:", "db0/user:/:"};
	char path[PATH_LEN];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ASSERT_ERRNO(open(mnt_path(path, names[i]), O_WRONLY | O_CREAT | O_EXCL, 0644),
			     EINVAL, names[i]);
	ck_assert(!EXISTS(0, "user:a:b") && !EXISTS(0, "user:new:") && !EXISTS(0, "x:y"));
	ck_assert(!EXISTS(0, "newns:") && !EXISTS(0, "user::"));
}
END_TEST

START_TEST(test_creating_in_a_missing_folder_fails_with_enoent)
{
	char path[PATH_LEN];

	ASSERT_ERRNO(open(mnt_path(path, "db0/nosuch:/x"), O_WRONLY | O_CREAT, 0644), ENOENT,
		     "create db0/nosuch:/x");
	ck_assert(!EXISTS(0, "nosuch:x"));
}
END_TEST

START_TEST(test_mkdir_fails_with_eperm)
{
	static const char *const dirs[] = {"db0/new:", "db0/user:/x:", "db0/plain",
					   "db0/user:/1:/deeper:"};
	char path[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	long long before = h_cmd_int(c, "DBSIZE");

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		ASSERT_ERRNO(mkdir(mnt_path(path, dirs[i]), 0755), EPERM, dirs[i]);
	ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), before);
	redisFree(c);
}
END_TEST

START_TEST(test_mv_of_a_file_renames_its_key)
{
	char from[PATH_LEN], to[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	redisReply *r;

	ck_assert_msg(rename(mnt_path(from, "db0/mv:/1"), mnt_path(to, "db0/mv:/2")) == 0,
		      "mv db0/mv:/1 db0/mv:/2: %s", strerror(errno));
	ck_assert(!EXISTS(0, "mv:1"));
	r = h_cmd(c, "GET mv:2");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && !strcmp(r->str, "first"), "mv:2 is wrong");
	freeReplyObject(r);
	/* into another folder, and up to the database folder */
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/mv:/a db0/other:/a && mv db0/mv:/b db0/mvb"), 0);
	ck_assert(!EXISTS(0, "mv:a") && EXISTS(0, "other:a"));
	ck_assert(!EXISTS(0, "mv:b") && EXISTS(0, "mvb"));
	ASSERT_LISTING("db0/other:", "f a", "f here");
	redisFree(c);
}
END_TEST

START_TEST(test_mv_to_a_name_with_the_delimiter_fails_with_einval)
{
	char from[PATH_LEN], to[PATH_LEN];

	ASSERT_ERRNO(rename(mnt_path(from, "db0/mv:/c"), mnt_path(to, "db0/mv:/c:d")), EINVAL,
		     "mv db0/mv:/c db0/mv:/c:d");
	ck_assert(EXISTS(0, "mv:c") && !EXISTS(0, "mv:c:d"));
}
END_TEST

START_TEST(test_mv_of_a_folder_fails_with_eperm)
{
	char from[PATH_LEN], to[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	redisReply *before = h_all_keys(c), *after;

	ASSERT_ERRNO(rename(mnt_path(from, "db0/mvdir:"), mnt_path(to, "db0/moved:")), EPERM,
		     "mv db0/mvdir: db0/moved:");
	ASSERT_ERRNO(rename(mnt_path(from, "db0/mvdir:"), mnt_path(to, "db0/moved")), EPERM,
		     "mv db0/mvdir: db0/moved");
	ASSERT_ERRNO(rename(mnt_path(from, "db0/mv:/sub:"), mnt_path(to, "db0/mv:/sub2:")), EPERM,
		     "mv db0/mv:/sub: db0/mv:/sub2:");
	ASSERT_ERRNO(rename(mnt_path(from, "db0/mvdir:"), mnt_path(to, "db1/mvdir:")), EPERM,
		     "mv db0/mvdir: db1/mvdir:");
	ck_assert_int_ne(h_sh(mount->mnt, "mv db0/mvdir: db0/elsewhere: 2>/dev/null"), 0);
	after = h_all_keys(c);
	ck_assert_uint_eq(after->elements, before->elements);
	assert_no_new_keys(before, after);
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}
END_TEST

/* ---- long segments ---- */

/* A segment of LONG_SEGMENT bytes `c`, then `tail`, into `out`. Returns the length. */
static size_t long_key(char *out, const char *head, char c, const char *tail)
{
	size_t n = strlen(head);

	memcpy(out, head, n);
	memset(out + n, c, LONG_SEGMENT);
	n += LONG_SEGMENT;
	memcpy(out + n, tail, strlen(tail));
	return n + strlen(tail);
}

static void populate_long(redisContext *c)
{
	char key[LONG_SEGMENT + 64];
	size_t n;

	n = long_key(key, "long:", 'L', ":leaf");
	h_cmd_ok(c, "SET %b v1", key, n);
	n = long_key(key, "long:", 'L', ":leaf2");
	h_cmd_ok(c, "SET %b v1b", key, n);
	n = long_key(key, "long:", 'L', "");
	h_cmd_ok(c, "SET %b v2", key, n);
	h_cmd_ok(c, "SET long:short v3");
	n = long_key(key, "rmf:", 'M', "");
	h_cmd_ok(c, "SET %b file", key, n);
	n = long_key(key, "rmf:", 'M', ":in");
	h_cmd_ok(c, "SET %b in-folder", key, n);
	n = long_key(key, "rmd:", 'D', ":a");
	h_cmd_ok(c, "SET %b a", key, n);
	n = long_key(key, "rmd:", 'D', ":b:c");
	h_cmd_ok(c, "SET %b bc", key, n);
	n = long_key(key, "rmd:", 'D', "");
	h_cmd_ok(c, "SET %b file", key, n);
	n = long_key(key, "", '\n', ":x");
	h_cmd_ok(c, "SET %b newlines", key, n);
	n = long_key(key, "rmx:", 'X', ":a");
	h_cmd_ok(c, "SET %b a", key, n);
	n = long_key(key, "rmx:", 'X', ":b:c");
	h_cmd_ok(c, "SET %b bc", key, n);
	h_cmd_ok(c, "SET rmx:short x");
}

static void setup_long(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_long);
}

/*
 * The entry of MNT/rel that stands for segment `seg` (a folder when
 * `folder`): its shortened name, the prefix SPEC 3 gives and 16 lower-case
 * hex digits. There must be exactly one. Returns `out`, the entry's path.
 */
static char *shortened_entry(const char *rel, const char *seg, size_t len, bool folder,
			     char out[PATH_LEN])
{
	char dir[PATH_LEN], prefix[256], path[PATH_LEN + 256];
	size_t plen, found = 0;
	struct h_names names;
	struct stat st;
	bool hashed;

	plen = h_key_name(seg, len, prefix, &hashed);
	ck_assert_msg(hashed, "segment of %zu bytes is not shortened", len);
	ck_assert_int_eq(h_list(mnt_path(dir, rel), &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		bool shape = strlen(name) == plen + 16 && !strncmp(name, prefix, plen);

		for (size_t d = plen; shape && d < plen + 16; d++)
			shape = (name[d] >= '0' && name[d] <= '9') ||
				(name[d] >= 'a' && name[d] <= 'f');
		if (!shape)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, name);
		ck_assert_msg(lstat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode) != folder)
			continue;
		ck_assert_msg(strlen(path) < PATH_LEN, "path too long");
		strcpy(out, path);
		found++;
	}
	ck_assert_msg(found == 1, "%s has %zu shortened %s for a segment of %zu bytes", rel, found,
		      folder ? "folders" : "files", len);
	h_names_free(&names);
	return out;
}

START_TEST(test_long_segments_are_shortened_and_listed)
{
	char seg[LONG_SEGMENT + 8], dir[PATH_LEN], path[PATH_LEN];
	struct h_names names;
	size_t n = long_key(seg, "", 'L', ":");

	ck_assert_int_eq(h_list(mnt_path(path, "db0/long:"), &names), 0);
	ck_assert_uint_eq(names.n, 3); /* short, the long file, the long folder */
	ck_assert(h_names_has(&names, "short"));
	h_names_free(&names);
	shortened_entry("db0/long:", seg, n - 1, false, path);
	shortened_entry("db0/long:", seg, n, true, dir);
	ck_assert_int_eq(h_list(dir, &names), 0);
	ck_assert_uint_eq(names.n, 2);
	ck_assert(h_names_has(&names, "leaf") && h_names_has(&names, "leaf2"));
	h_names_free(&names);
}
END_TEST

START_TEST(test_long_segments_read_as_their_keys)
{
	char seg[LONG_SEGMENT + 8], key[LONG_SEGMENT + 64], dir[PATH_LEN], path[PATH_LEN + 16];
	redisContext *c = h_redis_connect(server, 0);
	size_t n = long_key(seg, "", 'L', ":");

	shortened_entry("db0/long:", seg, n - 1, false, path);
	assert_file_holds_key(path, c, key, long_key(key, "long:", 'L', ""));
	shortened_entry("db0/long:", seg, n, true, dir);
	snprintf(path, sizeof path, "%s/leaf", dir);
	assert_file_holds_key(path, c, key, long_key(key, "long:", 'L', ":leaf"));
	ck_assert_int_eq(h_sh(dir, "cat leaf2 | grep -qx v1b"), 0);
	/* a binary segment: 300 newlines, "%0A" each, cut before a %XX passes 200 bytes */
	n = long_key(seg, "", '\n', ":");
	shortened_entry("db0", seg, n, true, dir);
	snprintf(path, sizeof path, "%s/x", dir);
	assert_file_holds_key(path, c, key, long_key(key, "", '\n', ":x"));
	redisFree(c);
}
END_TEST

START_TEST(test_rm_of_a_shortened_file_removes_only_its_key)
{
	char seg[LONG_SEGMENT + 8], key[LONG_SEGMENT + 64], path[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	size_t n = long_key(seg, "", 'M', "");

	shortened_entry("db0/rmf:", seg, n, false, path);
	ck_assert_msg(unlink(path) == 0, "rm %s: %s", path, strerror(errno));
	n = long_key(key, "rmf:", 'M', "");
	ck_assert_int_eq(h_cmd_int(c, "EXISTS %b", key, n), 0);
	n = long_key(key, "rmf:", 'M', ":in");
	ck_assert_msg(h_cmd_int(c, "EXISTS %b", key, n) == 1, "the folder's key went too");
	redisFree(c);
}
END_TEST

START_TEST(test_rmdir_of_a_shortened_folder_with_keys_is_refused)
{
	char seg[LONG_SEGMENT + 8], path[PATH_LEN];
	size_t n = long_key(seg, "", 'X', ":");

	shortened_entry("db0/rmx:", seg, n, true, path);
	assert_rmdir_refused(path);
}
END_TEST

START_TEST(test_rm_r_of_a_shortened_folder_removes_only_its_keys)
{
	char seg[LONG_SEGMENT + 8], key[LONG_SEGMENT + 64], path[PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	size_t n = long_key(seg, "", 'D', ":");
	redisReply *before = h_all_keys(c), *after;

	int status;

	shortened_entry("db0/rmd:", seg, n, true, path);
	status = h_sh(NULL, "rm -r '%s'", path);
	after = h_all_keys(c);
	n = long_key(key, "rmd:", 'D', ":");
	assert_removed_exactly(before, after, key, n);
	n = long_key(key, "rmd:", 'D', "");
	ck_assert_msg(h_cmd_int(c, "EXISTS %b", key, n) == 1,
		      "the file beside the folder went too");
	ck_assert_msg(status == 0, "rm -r of the shortened folder exits %d", status);
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}
END_TEST

/* ---- a multi-byte delimiter: -> ---- */

static void populate_arrow(redisContext *c)
{
	h_cmd_ok(c, "SET svc->api->v1 1");
	h_cmd_ok(c, "SET svc->web->v2 2");
	h_cmd_ok(c, "SET svc->api api");
	h_cmd_ok(c, "SET svc-> end");
	h_cmd_ok(c, "SET ->root r");
	h_cmd_ok(c, "SET x- partial");
	h_cmd_ok(c, "SET a-b>c nodelim");
	h_cmd_ok(c, "SET a-->b dashes");
	h_cmd_ok(c, "SET svc plain");
	h_cmd_ok(c, "SET svc-x plain");
	h_cmd_ok(c, "SET svc:y colon");
}

static void setup_arrow(void)
{
	delimiter = "->";
	start_mount("delimiter=->", populate_arrow);
}

START_TEST(test_arrow_delimiter_lists_folders)
{
	ASSERT_LISTING("db0", "d ->", "d a-->", "d svc->", "f a-b>c", "f svc", "f svc-x", "f svc:y",
		       "f x-");
	ASSERT_LISTING("db0/svc->", "f %", "f api", "d api->", "d web->");
	ASSERT_LISTING("db0/svc->/api->", "f v1");
	ASSERT_LISTING("db0/->", "f root");
	ASSERT_LISTING("db0/a-->", "f b");
	assert_tree_matches_db(0);
}
END_TEST

START_TEST(test_arrow_delimiter_create_and_refuse)
{
	char path[PATH_LEN];

	ck_assert_int_eq(h_sh(mount->mnt, "touch 'db0/svc->/new'"), 0);
	ck_assert(EXISTS(0, "svc->new"));
	ASSERT_ERRNO(open(mnt_path(path, "db0/svc->/a->b"), O_WRONLY | O_CREAT | O_EXCL, 0644),
		     EINVAL, "create db0/svc->/a->b");
	ck_assert(!EXISTS(0, "svc->a->b"));
	ASSERT_ERRNO(mkdir(mnt_path(path, "db0/svc->/dir->"), 0755), EPERM,
		     "mkdir db0/svc->/dir->");
}
END_TEST

START_TEST(test_arrow_delimiter_rm_r_removes_exactly_the_prefix)
{
	assert_rm_r_removes("svc->", "svc->", 5);
	ck_assert(EXISTS(0, "svc") && EXISTS(0, "svc-x") && EXISTS(0, "svc:y"));
	assert_gone("db0/svc->");
}
END_TEST

/* ---- delimiter = :: in the [redis] section of -o config=PATH ---- */

static void populate_double_colon(redisContext *c)
{
	h_cmd_ok(c, "SET a::b::c abc");
	h_cmd_ok(c, "SET a::b ab");
	h_cmd_ok(c, "SET a:b single");
	h_cmd_ok(c, "SET x:: end");
	h_cmd_ok(c, "SET ::y lead");
	h_cmd_ok(c, "SET a:::b triple");
	h_cmd_ok(c, "SET a x");
}

static void setup_config(void)
{
	const char *dir;
	char config[H_PATH_MAX + 32], opts[H_PATH_MAX + 64];
	static const char text[] = "[redis]\ndelimiter = ::\n";
	redisContext *c;

	delimiter = "::";
	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate_double_colon(c);
	redisFree(c);
	dir = h_scratch_dir();
	snprintf(config, sizeof config, "%s/redisfs.ini", dir);
	ck_assert_int_eq(h_write_file(config, text, sizeof text - 1, 0600), 0);
	snprintf(opts, sizeof opts, "config=%s", config);
	mount = h_mount_start(server, &(struct h_mount_spec){.options = opts});
}

START_TEST(test_config_file_delimiter_lists_folders)
{
	ASSERT_LISTING("db0", "d ::", "d a::", "d x::", "f a", "f a:b");
	/* a:::b: the first "::" ends the folder, the rest ":b" is a file */
	ASSERT_LISTING("db0/a::", "f b", "f :b", "d b::");
	ASSERT_LISTING("db0/a::/b::", "f c");
	ASSERT_LISTING("db0/x::", "f %");
	ASSERT_LISTING("db0/::", "f y");
	assert_tree_matches_db(0);
}
END_TEST

START_TEST(test_config_file_delimiter_rm_r_removes_exactly_the_prefix)
{
	assert_rm_r_removes("a::", "a::", 3);
	ck_assert(EXISTS(0, "a:b") && EXISTS(0, "a"));
}
END_TEST

/* ---- -o ro ---- */

static void populate_ro(redisContext *c)
{
	h_cmd_ok(c, "SET user:1:name alice");
	h_cmd_ok(c, "SET user:1 one");
	h_cmd_ok(c, "SET user: %s", "ends with the delimiter");
	h_cmd_ok(c, "RPUSH user:list a b");
	for (int i = 0; i < 5; i++)
		h_cmd_ok(c, "SET session:%d s", i);
	h_cmd_ok(c, "SET session x");
	h_cmd_ok(c, "SET a*:x 1");
	h_cmd_ok(c, "SET ab:x 1");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET session:1 other-db");
}

static void setup_ro(void)
{
	redisContext *c;

	delimiter = ":";
	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate_ro(c);
	redisFree(c);
	free(snapshot);
	snapshot = h_redis_snapshot(server, 2, &snapshot_len);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "CONFIG RESETSTAT");
	redisFree(c);
	mount = h_mount_start(server, &(struct h_mount_spec){.options = "delimiter=:,ro"});
}

START_TEST(test_ro_lists_and_reads_namespaces)
{
	char path[PATH_LEN];
	struct stat st;

	ASSERT_LISTING("db0", "d a*:", "d ab:", "d session:", "d user:", "f session");
	ASSERT_LISTING("db0/user:", "f %", "f 1", "f list", "d 1:");
	ASSERT_LISTING("db0/a*:", "f x");
	assert_tree_matches_db(0);
	assert_tree_matches_db(1);
	ck_assert_int_eq(lstat(mnt_path(path, "db0/user:/1:"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0555, "a folder has mode 0%o", st.st_mode & 07777);
	ck_assert_int_eq(lstat(mnt_path(path, "db0/user:/1:/name"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0444, "a file has mode 0%o", st.st_mode & 07777);
}
END_TEST

START_TEST(test_ro_refuses_every_change_with_erofs)
{
	char a[PATH_LEN], b[PATH_LEN];

	ASSERT_ERRNO(unlink(mnt_path(a, "db0/user:/1")), EROFS, "rm db0/user:/1");
	ASSERT_ERRNO(rmdir(mnt_path(a, "db0/session:")), EROFS, "rmdir db0/session:");
	ASSERT_ERRNO(rmdir(mnt_path(a, "db0/user:/1:")), EROFS, "rmdir db0/user:/1:");
	ASSERT_ERRNO(open(mnt_path(a, "db0/user:/9"), O_WRONLY | O_CREAT, 0644), EROFS,
		     "create db0/user:/9");
	ASSERT_ERRNO(open(mnt_path(a, "db0/user:/a:b"), O_WRONLY | O_CREAT, 0644), EROFS,
		     "create db0/user:/a:b");
	ASSERT_ERRNO(open(mnt_path(a, "db0/user:/1"), O_WRONLY | O_TRUNC), EROFS,
		     "open db0/user:/1 for writing");
	ASSERT_ERRNO(rename(mnt_path(a, "db0/user:/1"), mnt_path(b, "db0/user:/2")), EROFS,
		     "mv db0/user:/1 db0/user:/2");
	ASSERT_ERRNO(rename(mnt_path(a, "db0/user:/1"), mnt_path(b, "db0/session:/1x")), EROFS,
		     "mv db0/user:/1 db0/session:/1x");
	ASSERT_ERRNO(rename(mnt_path(a, "db0/user:/1:"), mnt_path(b, "db0/user:/3:")), EROFS,
		     "mv db0/user:/1: db0/user:/3:");
	ASSERT_ERRNO(mkdir(mnt_path(a, "db0/new:"), 0755), EROFS, "mkdir db0/new:");
	ck_assert_int_ne(h_sh(mount->mnt, "rm -r db0/session: 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "rm -rf 'db0/a*:' 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "touch db0/user:/10 2>/dev/null"), 0);
}
END_TEST

START_TEST(test_ro_leaves_redis_unchanged_and_sends_no_write)
{
	redisContext *c = h_redis_connect(server, 0);
	redisReply *info;
	size_t len;
	char *now;

	/* the tests before this one read and tried every change through this mount */
	h_assert_no_write_command(c);
	info = h_cmd(c, "INFO commandstats");
	ck_assert_int_eq(info->type, REDIS_REPLY_STRING);
	ck_assert_msg(!strstr(info->str, "cmdstat_unlink"), "UNLINK reached Redis: %s", info->str);
	freeReplyObject(info);
	redisFree(c);
	now = h_redis_snapshot(server, 2, &len);
	ck_assert_msg(len == snapshot_len && !memcmp(now, snapshot, len),
		      "Redis changed under a read-only mount");
	free(now);
}
END_TEST

static Suite *namespace_suite(void)
{
	Suite *s = suite_create("namespace");
	TCase *tc;

	tc = tcase_create("listing");
	h_tcase_add_fixture(tc, setup_listing, h_stop_all);
	tcase_add_test(tc, test_db0_lists_one_level_of_folders_and_files);
	tcase_add_test(tc, test_folder_lists_its_files_and_subfolders);
	tcase_add_test(tc, test_nested_folders_list_their_own_level);
	tcase_add_test(tc, test_empty_segment_is_the_delimiter_folder);
	tcase_add_test(tc, test_key_ending_with_the_delimiter_is_the_percent_file);
	tcase_add_test(tc, test_segments_are_encoded_as_file_names);
	tcase_add_test(tc, test_names_that_are_no_folder_or_key_do_not_exist);
	tcase_add_test(tc, test_stat_size_equals_bytes_read_for_every_file);
	tcase_add_test(tc, test_folders_are_0755_and_files_0644);
	tcase_add_test(tc, test_folder_exists_while_some_key_has_its_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("glob_prefixes");
	h_tcase_add_fixture(tc, setup_glob, h_stop_all);
	tcase_add_test(tc, test_glob_prefixes_list_only_their_own_keys);
	tcase_add_test(tc, test_rm_r_star_prefix_removes_exactly_its_keys);
	tcase_add_test(tc, test_rm_r_bracket_prefix_removes_exactly_its_keys);
	tcase_add_test(tc, test_rm_r_question_mark_prefix_removes_exactly_its_keys);
	tcase_add_test(tc, test_rm_r_backslash_prefix_removes_exactly_its_keys);
	tcase_add_test(tc, test_rmdir_of_the_star_folder_is_refused_and_rm_r_removes_only_its_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("remove_prefix");
	h_tcase_add_fixture(tc, setup_sessions, h_stop_all);
	tcase_add_test(tc, test_rm_r_session_removes_exactly_the_session_keys);
	tcase_add_test(tc, test_rmdir_of_a_folder_with_keys_is_refused_and_rm_r_removes_them);
	tcase_add_test(tc, test_rmdir_of_a_nested_folder_is_refused_and_rm_r_removes_only_its_keys);
	tcase_add_test(tc, test_rmdir_of_a_file_or_a_missing_folder_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("remove_prefix_while_adding");
	h_tcase_add_fixture(tc, setup_busy, h_stop_all);
	tcase_add_test(tc, test_rm_r_exits_0_while_another_client_adds_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("remove_big_prefix");
	h_tcase_add_fixture(tc, setup_big, h_stop_all);
	tcase_add_test(tc, test_rm_r_of_a_big_folder_exits_0);
	suite_add_tcase(s, tc);

	tc = tcase_create("changes");
	h_tcase_add_fixture(tc, setup_changes, h_stop_all);
	tcase_add_test(tc, test_creating_a_file_in_a_folder_creates_the_prefixed_key);
	tcase_add_test(tc,
		       test_creating_the_percent_file_creates_the_key_ending_with_the_delimiter);
	tcase_add_test(tc, test_creating_a_name_with_the_delimiter_fails_with_einval);
	tcase_add_test(tc, test_creating_in_a_missing_folder_fails_with_enoent);
	tcase_add_test(tc, test_mkdir_fails_with_eperm);
	tcase_add_test(tc, test_mv_of_a_file_renames_its_key);
	tcase_add_test(tc, test_mv_to_a_name_with_the_delimiter_fails_with_einval);
	tcase_add_test(tc, test_mv_of_a_folder_fails_with_eperm);
	suite_add_tcase(s, tc);

	tc = tcase_create("multibyte_delimiter");
	h_tcase_add_fixture(tc, setup_arrow, h_stop_all);
	tcase_add_test(tc, test_arrow_delimiter_lists_folders);
	tcase_add_test(tc, test_arrow_delimiter_create_and_refuse);
	tcase_add_test(tc, test_arrow_delimiter_rm_r_removes_exactly_the_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("config_file");
	h_tcase_add_fixture(tc, setup_config, h_stop_all);
	tcase_add_test(tc, test_config_file_delimiter_lists_folders);
	tcase_add_test(tc, test_config_file_delimiter_rm_r_removes_exactly_the_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("read_only");
	h_tcase_add_fixture(tc, setup_ro, h_stop_all);
	tcase_add_test(tc, test_ro_lists_and_reads_namespaces);
	tcase_add_test(tc, test_ro_refuses_every_change_with_erofs);
	tcase_add_test(tc, test_ro_leaves_redis_unchanged_and_sends_no_write);
	suite_add_tcase(s, tc);
	/* last: once a daemon has crashed, the harness fails every later TCase */
	tc = tcase_create("long_segments");
	h_tcase_add_fixture(tc, setup_long, h_stop_all);
	tcase_add_test(tc, test_long_segments_are_shortened_and_listed);
	tcase_add_test(tc, test_long_segments_read_as_their_keys);
	tcase_add_test(tc, test_rm_of_a_shortened_file_removes_only_its_key);
	tcase_add_test(tc, test_rmdir_of_a_shortened_folder_with_keys_is_refused);
	tcase_add_test(tc, test_rm_r_of_a_shortened_folder_removes_only_its_keys);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(namespace_suite(), CK_FORK);
	free(snapshot);
	return status;
}
