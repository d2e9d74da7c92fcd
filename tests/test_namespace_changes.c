/* test_namespace_changes.c - SPEC 8: create, mkdir and mv in namespaces, -o ro, long segments. */
#include "namespace_fixture.h"
#include "run_suite.h"

#define LONG_SEGMENT 300 /* bytes of a segment whose name must be shortened */

static char *snapshot; /* of a read-only TCase, before the mount saw any change */
static size_t snapshot_len;

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
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *r;

	ck_assert_int_eq(h_sh(ns_mount->mnt, "touch db0/user:/9"), 0);
	r = h_cmd(c, "GET user:9");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 0,
		      "user:9 is not an empty string");
	freeReplyObject(r);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "echo data > db0/user:/1:/email"), 0);
	r = h_cmd(c, "GET user:1:email");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 5 && !memcmp(r->str, "data\n", 5),
		      "user:1:email does not hold what was written");
	freeReplyObject(r);
	ck_assert_int_eq(h_sh(ns_mount->mnt, "echo top > db0/fresh"), 0);
	ck_assert(EXISTS(0, "fresh"));
	ASSERT_LISTING("db0/user:", "f 1", "f 9", "d 1:", "d 2:");
	redisFree(c);
}
END_TEST
START_TEST(test_creating_the_percent_file_creates_the_key_ending_with_the_delimiter)
{
	ck_assert_int_eq(h_sh(ns_mount->mnt, "touch 'db0/user:/2:/%%'"), 0);
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
	redisContext *c = h_redis_connect(ns_server, 0);
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
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *r;

	ck_assert_msg(rename(mnt_path(from, "db0/mv:/1"), mnt_path(to, "db0/mv:/2")) == 0,
		      "mv db0/mv:/1 db0/mv:/2: %s", strerror(errno));
	ck_assert(!EXISTS(0, "mv:1"));
	r = h_cmd(c, "GET mv:2");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && !strcmp(r->str, "first"), "mv:2 is wrong");
	freeReplyObject(r);
	/* into another folder, and up to the database folder */
	ck_assert_int_eq(h_sh(ns_mount->mnt, "mv db0/mv:/a db0/other:/a && mv db0/mv:/b db0/mvb"),
			 0);
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
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *before = h_all_keys(c), *after;

	ASSERT_ERRNO(rename(mnt_path(from, "db0/mvdir:"), mnt_path(to, "db0/moved:")), EPERM,
		     "mv db0/mvdir: db0/moved:");
	ASSERT_ERRNO(rename(mnt_path(from, "db0/mvdir:"), mnt_path(to, "db0/moved")), EPERM,
		     "mv db0/mvdir: db0/moved");
	ASSERT_ERRNO(rename(mnt_path(from, "db0/mv:/sub:"), mnt_path(to, "db0/mv:/sub2:")), EPERM,
		     "mv db0/mv:/sub: db0/mv:/sub2:");
	ASSERT_ERRNO(rename(mnt_path(from, "db0/mvdir:"), mnt_path(to, "db1/mvdir:")), EPERM,
		     "mv db0/mvdir: db1/mvdir:");
	ck_assert_int_ne(h_sh(ns_mount->mnt, "mv db0/mvdir: db0/elsewhere: 2>/dev/null"), 0);
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
	redisContext *c = h_redis_connect(ns_server, 0);
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
	redisContext *c = h_redis_connect(ns_server, 0);
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
	redisContext *c = h_redis_connect(ns_server, 0);
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
	ns_server = h_redis_start(NULL);
	c = h_redis_connect(ns_server, 0);
	populate_ro(c);
	redisFree(c);
	free(snapshot);
	snapshot = h_redis_snapshot(ns_server, 2, &snapshot_len);
	c = h_redis_connect(ns_server, 0);
	h_cmd_ok(c, "CONFIG RESETSTAT");
	redisFree(c);
	ns_mount = h_mount_start(ns_server, &(struct h_mount_spec){.options = "delimiter=:,ro"});
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
	ck_assert_int_ne(h_sh(ns_mount->mnt, "rm -r db0/session: 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(ns_mount->mnt, "rm -rf 'db0/a*:' 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(ns_mount->mnt, "touch db0/user:/10 2>/dev/null"), 0);
}
END_TEST
START_TEST(test_ro_leaves_redis_unchanged_and_sends_no_write)
{
	redisContext *c = h_redis_connect(ns_server, 0);
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
	now = h_redis_snapshot(ns_server, 2, &len);
	ck_assert_msg(len == snapshot_len && !memcmp(now, snapshot, len),
		      "Redis changed under a read-only mount");
	free(now);
}
END_TEST

static Suite *namespace_changes_suite(void)
{
	Suite *s = suite_create("namespace_changes");
	TCase *tc;

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

	tc = tcase_create("read_only");
	h_tcase_add_fixture(tc, setup_ro, h_stop_all);
	tcase_add_test(tc, test_ro_lists_and_reads_namespaces);
	tcase_add_test(tc, test_ro_refuses_every_change_with_erofs);
	tcase_add_test(tc, test_ro_leaves_redis_unchanged_and_sends_no_write);
	suite_add_tcase(s, tc);

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
	status = run_suite(namespace_changes_suite(), CK_FORK);
	free(snapshot);
	return status;
}
