/* test_remove.c - rm and rmdir (SPEC 5), -o ro and -o noflush (SPEC 7) through a real mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "harness.h"
#include "harness_tls.h"
#include "run_suite.h"

#define READER_PASSWORD "reader-pw"
#define FLUSH_DB0_KEYS	100
#define FLUSH_DB1_KEYS	10

static struct h_redis *server;
static struct h_mount *mount;
static char *snapshot; /* both databases before a read-only mount saw any change */
static size_t snapshot_len;

/* Whether `key` exists in database `db`. */
static bool key_exists(int db, const char *key, size_t klen)
{
	redisContext *c = h_redis_connect(server, db);
	long long n = h_cmd_int(c, "EXISTS %b", key, klen);

	redisFree(c);
	return n == 1;
}

#define EXISTS(db, key) key_exists(db, key, strlen(key))

static long long dbsize(int db)
{
	redisContext *c = h_redis_connect(server, db);
	long long n = h_cmd_int(c, "DBSIZE");

	redisFree(c);
	return n;
}

/* Keys of every type, and awkward names, in db0; one key in db1. */
static void populate_mixed(redisContext *c)
{
	char bytes[256];

	for (int i = 0; i < 256; i++)
		bytes[i] = (char) i;
	h_cmd_ok(c, "SELECT 0");
	for (int i = 1; i <= 5; i++)
		h_cmd_ok(c, "SET k%d value%d", i, i);
	h_cmd_ok(c, "SET gone %s", "removed behind the mount's back");
	h_cmd_ok(c, "SET bin %b", bytes, sizeof bytes);
	h_cmd_ok(c, "RPUSH list a b");
	h_cmd_ok(c, "SADD set a b");
	h_cmd_ok(c, "ZADD zset 1 a 2 b");
	h_cmd_ok(c, "HSET hash f v");
	h_cmd_ok(c, "XADD stream 1-0 f v");
	h_cmd_ok(c, "SET a/b slash");
	h_cmd_ok(c, "SET %s empty-name", "");
	h_cmd_ok(c, "SET . dot");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET k1 in-db1");
	h_cmd_ok(c, "SELECT 0");
}

static void setup_mixed(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate_mixed(c);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

START_TEST(test_rm_removes_only_that_key)
{
	ck_assert_int_eq(h_sh(mount->mnt, "rm db0/k1"), 0);
	ck_assert(!EXISTS(0, "k1"));
	ck_assert(EXISTS(0, "k2") && EXISTS(0, "k3") && EXISTS(0, "k4") && EXISTS(0, "k5"));
	ck_assert_msg(EXISTS(1, "k1"), "rm db0/k1 removed k1 of db1");
}
END_TEST

START_TEST(test_rm_removes_a_key_of_every_type)
{
	ck_assert_int_eq(h_sh(mount->mnt, "rm db0/bin db0/list db0/set db0/zset db0/hash "
					  "db0/stream"),
			 0);
	ck_assert(!EXISTS(0, "bin"));
	ck_assert(!EXISTS(0, "list"));
	ck_assert(!EXISTS(0, "set"));
	ck_assert(!EXISTS(0, "zset"));
	ck_assert(!EXISTS(0, "hash"));
	ck_assert(!EXISTS(0, "stream"));
	ck_assert(EXISTS(0, "k2"));
}
END_TEST

START_TEST(test_rm_of_an_encoded_name_removes_its_key)
{
	ck_assert_int_eq(h_sh(mount->mnt, "rm db0/a%%2Fb db0/%% db0/%%2E"), 0);
	ck_assert(!EXISTS(0, "a/b"));
	ck_assert(!key_exists(0, "", 0));
	ck_assert(!EXISTS(0, "."));
	ck_assert(EXISTS(0, "k2"));
}
END_TEST

START_TEST(test_unlink_of_a_missing_key_gives_enoent)
{
	char path[H_PATH_MAX + 32];

	h_path(path, sizeof path, mount, "db0/no-such-key");
	errno = 0;
	ck_assert_msg(unlink(path) == -1 && errno == ENOENT, "unlink gives %s, want ENOENT",
		      errno ? strerror(errno) : "success");
}
END_TEST

START_TEST(test_unlink_of_a_key_removed_meanwhile_gives_enoent)
{
	char path[H_PATH_MAX + 32];
	redisContext *c = h_redis_connect(server, 0);
	struct stat st;

	h_path(path, sizeof path, mount, "db0/gone");
	ck_assert_int_eq(stat(path, &st), 0);
	h_cmd_ok(c, "DEL gone");
	redisFree(c);
	errno = 0;
	ck_assert_msg(unlink(path) == -1 && errno == ENOENT, "unlink gives %s, want ENOENT",
		      errno ? strerror(errno) : "success");
}
END_TEST

static void setup_full_databases(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	for (int i = 0; i < FLUSH_DB0_KEYS; i++)
		h_cmd_ok(c, "SET db0key:%d %d", i, i);
	h_cmd_ok(c, "RPUSH db0list a b c");
	h_cmd_ok(c, "SELECT 1");
	for (int i = 0; i < FLUSH_DB1_KEYS; i++)
		h_cmd_ok(c, "SET db1key:%d %d", i, i);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

/* After a flush of db0: db0 is empty and still a folder, db1 is as it was. */
static void assert_db0_flushed_alone(void)
{
	char path[H_PATH_MAX + 16];
	struct h_names names;
	struct stat st;

	ck_assert_int_eq(dbsize(0), 0);
	ck_assert_int_eq(dbsize(1), FLUSH_DB1_KEYS);
	h_path(path, sizeof path, mount, "db0");
	ck_assert_msg(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "db0 is gone: %s",
		      strerror(errno));
	ck_assert_int_eq(h_list(mount->mnt, &names), 0);
	ck_assert_msg(h_names_has(&names, "db0"), "the root no longer lists db0");
	h_names_free(&names);
	ck_assert_int_eq(h_list(path, &names), 0);
	ck_assert_uint_eq(names.n, 0);
	h_names_free(&names);
}

START_TEST(test_rm_r_db0_empties_db0_only_and_keeps_the_folder)
{
	ck_assert_int_eq(h_sh(mount->mnt, "rm -r db0"), 0);
	assert_db0_flushed_alone();
}
END_TEST

START_TEST(test_rmdir_of_a_database_with_keys_is_enotempty_and_removes_nothing)
{
	char path[H_PATH_MAX + 16];

	errno = 0;
	ck_assert_msg(rmdir(h_path(path, sizeof path, mount, "db0")) == -1 && errno == ENOTEMPTY,
		      "rmdir db0 gives %s, want ENOTEMPTY", errno ? strerror(errno) : "success");
	ck_assert_int_eq(dbsize(0), FLUSH_DB0_KEYS + 1);
	ck_assert_int_eq(dbsize(1), FLUSH_DB1_KEYS);
}
END_TEST

static void setup_sessions(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	for (int i = 0; i < 50; i++)
		h_cmd_ok(c, "SET session:%d s", i);
	for (int i = 0; i < 10; i++)
		h_cmd_ok(c, "SET user:%d u", i);
	h_cmd_ok(c, "SET xsession:1 x");
	h_cmd_ok(c, "SET session x");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET session:1 other-db");
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

START_TEST(test_find_delete_removes_exactly_the_matching_keys)
{
	redisContext *c;
	redisReply *keys;

	ck_assert_int_eq(h_sh(mount->mnt, "find db0 -name 'session:*' -delete"), 0);
	c = h_redis_connect(server, 0);
	keys = h_all_keys(c);
	ck_assert_uint_eq(keys->elements, 10 + 2);
	for (size_t i = 0; i < keys->elements; i++)
		ck_assert_msg(strncmp(keys->element[i]->str, "session:", 8), "%s was not removed",
			      keys->element[i]->str);
	freeReplyObject(keys);
	redisFree(c);
	ck_assert(EXISTS(0, "session") && EXISTS(0, "xsession:1"));
	ck_assert(EXISTS(1, "session:1"));
}
END_TEST

static void setup_marked(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	for (int i = 0; i < 5; i++) {
		h_cmd_ok(c, "SET m%d %s", i, "has MARK inside");
		h_cmd_ok(c, "SET n%d %s", i, "has nothing");
	}
	h_cmd_ok(c, "RPUSH mlist x MARK y");
	h_cmd_ok(c, "HSET mhash field MARK");
	h_cmd_ok(c, "HSET nhash field value");
	h_cmd_ok(c, "SADD nset a b");
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

START_TEST(test_grep_l_xargs_rm_removes_exactly_the_matching_keys)
{
	redisContext *c;
	redisReply *keys;

	ck_assert_int_eq(h_sh(mount->mnt, "grep -l MARK db0/* | xargs rm"), 0);
	c = h_redis_connect(server, 0);
	keys = h_all_keys(c);
	ck_assert_uint_eq(keys->elements, 5 + 2);
	for (size_t i = 0; i < keys->elements; i++)
		ck_assert_msg(keys->element[i]->str[0] == 'n', "%s was not removed",
			      keys->element[i]->str);
	freeReplyObject(keys);
	redisFree(c);
}
END_TEST

static void setup_long_keys(void)
{
	char key[300];
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	/* Two keys whose shortened names share the prefix k*200~ and differ in the hash. */
	memset(key, 'k', sizeof key);
	h_cmd_ok(c, "SET %b one", key, sizeof key);
	key[299] = 'z';
	h_cmd_ok(c, "SET %b two", key, sizeof key);
	h_cmd_ok(c, "SET short three");
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

START_TEST(test_rm_of_a_shortened_name_removes_only_its_key)
{
	char key[300], dir[H_PATH_MAX + 16], path[H_PATH_MAX + 300];
	redisContext *c = h_redis_connect(server, 0);

	memset(key, 'k', sizeof key);
	h_key_path(h_path(dir, sizeof dir, mount, "db0"), c, key, sizeof key, path, sizeof path);
	ck_assert_msg(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
	ck_assert_int_eq(h_cmd_int(c, "EXISTS %b", key, sizeof key), 0);
	key[299] = 'z';
	ck_assert_msg(h_cmd_int(c, "EXISTS %b", key, sizeof key) == 1,
		      "the other key of the same shortened prefix went too");
	ck_assert_int_eq(h_cmd_int(c, "EXISTS short"), 1);
	redisFree(c);
}
END_TEST

static void setup_noflush(void)
{
	struct h_mount_spec spec = {.options = "noflush"};
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate_mixed(c);
	redisFree(c);
	mount = h_mount_start(server, &spec);
}

START_TEST(test_noflush_rm_removes_a_key)
{
	ck_assert_int_eq(h_sh(mount->mnt, "rm db0/k1"), 0);
	ck_assert(!EXISTS(0, "k1"));
	ck_assert(EXISTS(0, "k2"));
}
END_TEST

START_TEST(test_noflush_rmdir_of_a_database_gives_eperm_and_keeps_its_keys)
{
	char path[H_PATH_MAX + 16];
	long long before = dbsize(0);

	ck_assert_int_gt(before, 0);
	errno = 0;
	ck_assert_msg(rmdir(h_path(path, sizeof path, mount, "db0")) == -1 && errno == EPERM,
		      "rmdir db0 gives %s, want EPERM", errno ? strerror(errno) : "success");
	ck_assert_int_eq(dbsize(0), before);
	ck_assert_int_eq(dbsize(1), 1);
}
END_TEST

/*
 * Populate, remember the state, reset the command statistics and the ACL log,
 * then mount with -o ro: as the admin, or (`as_reader`) as an ACL user that
 * may only read.
 */
static void setup_read_only(bool as_reader)
{
	struct h_mount_spec spec = {.options = "ro"};
	char url[64];
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	populate_mixed(c);
	/* May read, and nothing else: no CONFIG, no write, no admin command. */
	h_cmd_ok(c, "ACL SETUSER reader on >%s ~* &* -@all +@read +@connection", READER_PASSWORD);
	redisFree(c);
	free(snapshot);
	snapshot = h_redis_snapshot(server, 2, &snapshot_len);
	c = h_redis_connect(server, 0);
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

/* Every folder and file of the mount reads as Redis holds it. */
static void assert_every_read_works(void)
{
	char path[H_PATH_MAX + 16];
	struct h_names names;

	ck_assert_int_eq(h_list(mount->mnt, &names), 0);
	ck_assert_uint_eq(names.n, 16);
	h_names_free(&names);
	for (int db = 0; db < 2; db++) {
		redisContext *c = h_redis_connect(server, db);
		char rel[16];

		snprintf(rel, sizeof rel, "db%d", db);
		h_assert_dir_matches_db(h_path(path, sizeof path, mount, rel), c);
		redisFree(c);
	}
}

/* `what` failed with EROFS. */
#define ASSERT_EROFS(call, what)                                                                   \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == EROFS, "%s gives %s, want EROFS", what,     \
			      errno ? strerror(errno) : "success");                                \
	} while (0)

/* Every kind of change that SPEC 7 names fails with EROFS. */
static void assert_every_change_fails_with_erofs(void)
{
	char str[H_PATH_MAX + 32], other[H_PATH_MAX + 32], db0[H_PATH_MAX + 32];
	char fresh[H_PATH_MAX + 32], dir[H_PATH_MAX + 32];

	h_path(str, sizeof str, mount, "db0/k1");
	h_path(other, sizeof other, mount, "db0/k1-renamed");
	h_path(db0, sizeof db0, mount, "db0");
	h_path(fresh, sizeof fresh, mount, "db0/fresh");
	h_path(dir, sizeof dir, mount, "db0/newdir");

	ASSERT_EROFS(unlink(str), "unlink db0/k1");
	ASSERT_EROFS(rmdir(db0), "rmdir db0");
	ASSERT_EROFS(open(fresh, O_WRONLY | O_CREAT | O_EXCL, 0644), "create db0/fresh");
	ASSERT_EROFS(open(str, O_WRONLY), "open db0/k1 for writing");
	ASSERT_EROFS(open(str, O_RDWR), "open db0/k1 for reading and writing");
	ASSERT_EROFS(open(str, O_WRONLY | O_TRUNC), "open db0/k1 with O_TRUNC");
	ASSERT_EROFS(truncate(str, 0), "truncate db0/k1");
	ASSERT_EROFS(rename(str, other), "rename db0/k1 db0/k1-renamed");
	h_path(other, sizeof other, mount, "db1/k9");
	ASSERT_EROFS(rename(str, other), "rename db0/k1 db1/k9");
	ASSERT_EROFS(mkdir(dir, 0755), "mkdir db0/newdir");
	ASSERT_EROFS(setxattr(str, "user.redis.ttl", "100", 3, 0), "setxattr user.redis.ttl");
	ASSERT_EROFS(link(str, fresh), "link db0/k1 db0/fresh");
	ASSERT_EROFS(symlink("k1", fresh), "symlink db0/fresh");

	/* And as a user types them: each fails, none removes or writes anything. */
	ck_assert_int_ne(h_sh(mount->mnt, "rm -f db0/k2 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "rm -rf db0 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "{ echo new > db0/k3; } 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "touch db0/k4 db0/brand-new 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "mv db0/k5 db1/ 2>/dev/null"), 0);
}

static void assert_redis_unchanged(void)
{
	size_t len;
	char *now = h_redis_snapshot(server, 2, &len);

	ck_assert_msg(len == snapshot_len && !memcmp(now, snapshot, len),
		      "Redis changed under a read-only mount");
	free(now);
}

START_TEST(test_ro_reads_every_file_as_redis_holds_it)
{
	assert_every_read_works();
}
END_TEST

START_TEST(test_ro_files_are_0444_and_folders_0555)
{
	char path[H_PATH_MAX + 16];
	struct stat st;

	ck_assert_int_eq(stat(mount->mnt, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0555, "the root has mode 0%o", st.st_mode & 07777);
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db0"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0555, "db0 has mode 0%o", st.st_mode & 07777);
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db0/k1"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0444, "db0/k1 has mode 0%o", st.st_mode & 07777);
}
END_TEST

START_TEST(test_ro_refuses_every_change_with_erofs)
{
	assert_every_change_fails_with_erofs();
}
END_TEST

START_TEST(test_ro_leaves_redis_unchanged)
{
	assert_every_change_fails_with_erofs();
	assert_redis_unchanged();
}
END_TEST

START_TEST(test_ro_mount_sent_no_write_command)
{
	redisContext *c = h_redis_connect(server, 0);

	/* Every test before this one read and tried changes through this mount. */
	h_assert_no_write_command(c);
	redisFree(c);
}
END_TEST

START_TEST(test_read_only_acl_user_was_denied_nothing_but_the_config_probe)
{
	redisContext *c = h_redis_connect(server, 0);

	/*
	 * SPEC 2 has the daemon try CONFIG GET and fall back to SELECT: that one refusal is due;
	 * so is INFO once, asked by statfs (rm -r asks it of every folder) for df (statfs.c).
	 */
	h_assert_acl_log_clean(c, "config|info");
	redisFree(c);
}
END_TEST

static Suite *remove_suite(void)
{
	Suite *s = suite_create("remove");
	TCase *tc;

	tc = tcase_create("unlink");
	h_tcase_add_fixture(tc, setup_mixed, h_stop_all);
	tcase_add_test(tc, test_rm_removes_only_that_key);
	tcase_add_test(tc, test_rm_removes_a_key_of_every_type);
	tcase_add_test(tc, test_rm_of_an_encoded_name_removes_its_key);
	tcase_add_test(tc, test_unlink_of_a_missing_key_gives_enoent);
	tcase_add_test(tc, test_unlink_of_a_key_removed_meanwhile_gives_enoent);
	suite_add_tcase(s, tc);

	tc = tcase_create("rm_r_database");
	h_tcase_add_fixture(tc, setup_full_databases, h_stop_all);
	tcase_add_test(tc, test_rm_r_db0_empties_db0_only_and_keeps_the_folder);
	suite_add_tcase(s, tc);

	tc = tcase_create("rmdir_database");
	h_tcase_add_fixture(tc, setup_full_databases, h_stop_all);
	tcase_add_test(tc, test_rmdir_of_a_database_with_keys_is_enotempty_and_removes_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("find_delete");
	h_tcase_add_fixture(tc, setup_sessions, h_stop_all);
	tcase_add_test(tc, test_find_delete_removes_exactly_the_matching_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("grep_xargs_rm");
	h_tcase_add_fixture(tc, setup_marked, h_stop_all);
	tcase_add_test(tc, test_grep_l_xargs_rm_removes_exactly_the_matching_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("shortened_names");
	h_tcase_add_fixture(tc, setup_long_keys, h_stop_all);
	tcase_add_test(tc, test_rm_of_a_shortened_name_removes_only_its_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("noflush");
	h_tcase_add_fixture(tc, setup_noflush, h_stop_all);
	tcase_add_test(tc, test_noflush_rm_removes_a_key);
	tcase_add_test(tc, test_noflush_rmdir_of_a_database_gives_eperm_and_keeps_its_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("read_only");
	h_tcase_add_fixture(tc, setup_ro, h_stop_all);
	tcase_add_test(tc, test_ro_reads_every_file_as_redis_holds_it);
	tcase_add_test(tc, test_ro_files_are_0444_and_folders_0555);
	tcase_add_test(tc, test_ro_refuses_every_change_with_erofs);
	tcase_add_test(tc, test_ro_leaves_redis_unchanged);
	tcase_add_test(tc, test_ro_mount_sent_no_write_command);
	suite_add_tcase(s, tc);

	tc = tcase_create("read_only_acl_user");
	h_tcase_add_fixture(tc, setup_ro_reader, h_stop_all);
	tcase_add_test(tc, test_ro_reads_every_file_as_redis_holds_it);
	tcase_add_test(tc, test_ro_refuses_every_change_with_erofs);
	tcase_add_test(tc, test_ro_leaves_redis_unchanged);
	tcase_add_test(tc, test_read_only_acl_user_was_denied_nothing_but_the_config_probe);
	tcase_add_test(tc, test_ro_mount_sent_no_write_command);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(remove_suite(), CK_FORK);
	free(snapshot);
	return status;
}
