/* test_namespace_listing.c - SPEC 8 namespace folders listed: levels, glob prefixes, delimiters. */
#include "namespace_fixture.h"
#include "run_suite.h"

/* SET of a literal key that may hold NUL bytes. */
#define SET_LIT(c, key, value) h_cmd_ok(c, "SET %b %s", key, sizeof(key) - 1, value)

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
	redisContext *c = h_redis_connect(ns_server, 0);

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
	redisContext *c = h_redis_connect(ns_server, 0);

	assert_file_holds_key(mnt_path(path, "db0/user:/%"), c, "user:", 5);
	assert_file_holds_key(mnt_path(path, "db0/:/%"), c, ":", 1);
	redisFree(c);
}
END_TEST
START_TEST(test_segments_are_encoded_as_file_names)
{
	char path[PATH_LEN];
	redisContext *c = h_redis_connect(ns_server, 0);

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
	redisContext *c = h_redis_connect(ns_server, 0);
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

	ck_assert_int_eq(h_sh(ns_mount->mnt, "touch 'db0/svc->/new'"), 0);
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
	ns_server = h_redis_start(NULL);
	c = h_redis_connect(ns_server, 0);
	populate_double_colon(c);
	redisFree(c);
	dir = h_scratch_dir();
	snprintf(config, sizeof config, "%s/redisfs.ini", dir);
	ck_assert_int_eq(h_write_file(config, text, sizeof text - 1, 0600), 0);
	snprintf(opts, sizeof opts, "config=%s", config);
	ns_mount = h_mount_start(ns_server, &(struct h_mount_spec){.options = opts});
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

static Suite *namespace_listing_suite(void)
{
	Suite *s = suite_create("namespace_listing");
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
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(namespace_listing_suite(), CK_FORK);
	return status;
}
