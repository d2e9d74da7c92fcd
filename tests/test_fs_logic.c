/* test_fs_logic.c - the logic behind the FUSE callbacks, called without a mount, on a real Redis.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fs/emptying.h"
#include "../fs/file.h"
#include "../fs/node.h"
#include "../fs/recent.h"
#include "../fs/rename.h"
#include "../fs/rfs.h"
#include "../fs/tree.h"
#include "../fs/xattr.h"
#include "harness.h"
#include "run_suite.h"

#define CACHE_SECONDS 60.0 /* far longer than a test: an answer that stays cached stays */
#define DATABASES     16

static struct h_redis *server;

static void setup_server(void)
{
	server = h_redis_start(NULL);
}

/*
 * The mount's state as main.c makes it, on the test's server, without FUSE:
 * what the logic reads and what change_done() keeps true.
 */
static void rfs_open(struct rfs *fs)
{
	struct redis_endpoint ep = {.host = "127.0.0.1", .port = server->port, .timeout = 10};
	char err[256];

	memset(fs, 0, sizeof *fs);
	pthread_mutex_init(&fs->changed_lock, NULL);
	pthread_mutex_init(&fs->recent_lock, NULL);
	handle_list_init(&fs->open_files);
	handle_list_init(&fs->open_dirs);
	key_type_marks_init(&fs->type_marks);
	open_keys_init(&fs->open_keys);
	clock_gettime(CLOCK_REALTIME, &fs->changed);
	ck_assert_msg(redis_pool_open(&ep, &fs->pool, err, sizeof err) == 0, "pool: %s", err);
	fs->db_count = DATABASES;
	fs->only_db = -1;
	fs->cache_timeout = CACHE_SECONDS;
	fs->uid = getuid();
	fs->gid = getgid();
	ck_assert_int_eq(inodes_init(&fs->inodes), 0);
	ck_assert_int_eq(attr_cache_init(&fs->attrs, fs->cache_timeout), 0);
	ck_assert_int_eq(ns_marks_init(&fs->ns_marks, fs->cache_timeout), 0);
	ck_assert_int_eq(key_times_init(&fs->times), 0);
	fs->recent = calloc(DATABASES, sizeof *fs->recent);
	fs->emptying = emptying_new(NULL, 0);
	ck_assert(fs->recent && fs->emptying);
	file_ask_max_size(fs);
}

static void rfs_close(struct rfs *fs)
{
	recent_forget_all(fs);
	free(fs->recent);
	emptying_free(fs->emptying);
	attr_cache_free(&fs->attrs);
	ns_marks_free(&fs->ns_marks);
	key_times_free(&fs->times);
	inodes_free(&fs->inodes);
	redis_pool_close(fs->pool);
	key_type_marks_free(&fs->type_marks);
	open_keys_destroy(&fs->open_keys);
	handle_list_destroy(&fs->open_files);
	handle_list_destroy(&fs->open_dirs);
	pthread_mutex_destroy(&fs->changed_lock);
	pthread_mutex_destroy(&fs->recent_lock);
}

/*
 * The logic takes nodes, as the callbacks resolve them from inodes; these
 * tests name files by their paths, walked from the root by node_child as the
 * kernel's lookups walk them (node_walk).
 */
struct walked {
	struct fs_path names;
	struct rfs_node n;
};

static int walk(struct rfs *fs, const char *path, struct walked *w)
{
	return node_walk(fs, path, &w->n, &w->names);
}

/* The folder of `path` walked into `w`, and its last name in *name. */
static int walk_folder(struct rfs *fs, const char *path, struct walked *w, const char **name)
{
	char folder[PATH_MAX];
	const char *slash = strrchr(path, '/');

	snprintf(folder, sizeof folder, "%.*s", slash == path ? 1 : (int) (slash - path), path);
	*name = slash + 1;
	return walk(fs, folder, w);
}

/* stat of a path of the mount, as the getattr callback asks it. */
static int stat_at(struct rfs *fs, const char *path, struct stat *st)
{
	struct walked w;
	int ret = walk(fs, path, &w);

	if (!ret)
		ret = tree_getattr(fs, &w.n, st);
	node_free(&w.n);
	return ret;
}

static int open_at(struct rfs *fs, const char *path, int flags, struct file **f)
{
	struct walked w;
	int ret = walk(fs, path, &w);

	if (!ret)
		ret = file_open(fs, &w.n, flags, f);
	node_free(&w.n);
	return ret;
}

static int create_at(struct rfs *fs, const char *path, int flags, struct file **f)
{
	struct walked w;
	const char *name;
	int ret = walk_folder(fs, path, &w, &name);

	if (!ret)
		ret = file_create(fs, &w.n, name, flags, f);
	node_free(&w.n);
	return ret;
}

static int truncate_at(struct rfs *fs, const char *path, off_t size)
{
	struct walked w;
	int ret = walk(fs, path, &w);

	if (!ret)
		ret = file_truncate(fs, &w.n, size, NULL);
	node_free(&w.n);
	return ret;
}

static int unlink_at(struct rfs *fs, const char *path)
{
	struct walked w;
	int ret = walk(fs, path, &w);

	if (!ret)
		ret = tree_unlink(fs, &w.n);
	node_free(&w.n);
	return ret;
}

static int rmdir_at(struct rfs *fs, const char *path)
{
	struct walked w;
	int ret = walk(fs, path, &w);

	if (!ret)
		ret = tree_rmdir(fs, &w.n);
	node_free(&w.n);
	return ret;
}

static int rename_at(struct rfs *fs, const char *from, const char *to, unsigned int flags)
{
	struct walked wf, wt;
	const char *name, *newname;
	int ret = walk_folder(fs, from, &wf, &name);

	if (!ret)
		ret = walk_folder(fs, to, &wt, &newname);
	if (!ret)
		ret = rename_key(fs, &wf.n, name, &wt.n, newname, flags);
	node_free(&wf.n);
	node_free(&wt.n);
	return ret;
}

static int xattr_set_at(struct rfs *fs, const char *path, const char *name, const char *value,
			size_t size, int flags)
{
	struct walked w;
	int ret = walk(fs, path, &w);

	if (!ret)
		ret = xattr_set(fs, &w.n, name, value, size, flags);
	node_free(&w.n);
	return ret;
}

/* open, write `text` from offset 0, close: what `printf text > path` does. 0 or -errno. */
static int write_whole(struct rfs *fs, const char *path, const char *text)
{
	struct file *f = NULL;
	ssize_t n;
	int ret = open_at(fs, path, O_WRONLY | O_TRUNC, &f);

	if (ret)
		return ret;
	n = file_write(fs, f, text, strlen(text), 0, false);
	ret = n < 0 ? (int) n : file_flush(fs, f);
	file_release(fs, f);
	return ret;
}

START_TEST(test_stat_of_a_string_is_its_length)
{
	redisContext *c = h_redis_connect(server, 0);
	struct rfs fs;
	struct stat st;

	h_cmd_ok(c, "SET logic-s hello");
	rfs_open(&fs);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-s", &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-none", &st), -ENOENT);
	ck_assert_int_eq(stat_at(&fs, "/db0", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat_at(&fs, "/db99", &st), -ENOENT);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

/* Another client's change hides behind the cache; one made through the mount never does. */
START_TEST(test_a_change_through_the_mount_shows_at_once)
{
	redisContext *c = h_redis_connect(server, 0);
	struct rfs fs;
	struct stat st;

	h_cmd_ok(c, "SET logic-c abc");
	rfs_open(&fs);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-c", &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	h_cmd_ok(c, "SET logic-c abcdef");
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-c", &st), 0);
	ck_assert_int_eq(st.st_size, 3); /* cached for cache_timeout: the mount's promise */
	ck_assert_int_eq(truncate_at(&fs, "/db0/logic-c", 1), 0);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-c", &st), 0);
	ck_assert_int_eq(st.st_size, 1);
	ck_assert_int_eq(h_cmd_int(c, "STRLEN logic-c"), 1);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

START_TEST(test_unlink_removes_the_key_and_its_cached_attributes)
{
	redisContext *c = h_redis_connect(server, 0);
	struct rfs fs;
	struct stat st;

	h_cmd_ok(c, "SET logic-u gone-soon");
	rfs_open(&fs);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-u", &st), 0);
	ck_assert_int_eq(unlink_at(&fs, "/db0/logic-u"), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS logic-u"), 0);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-u", &st), -ENOENT);
	ck_assert_int_eq(unlink_at(&fs, "/db0/logic-u"), -ENOENT);
	ck_assert_int_eq(unlink_at(&fs, "/db0"), -EISDIR);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

START_TEST(test_created_file_is_an_empty_string_and_takes_its_text)
{
	redisContext *c = h_redis_connect(server, 0);
	struct file *f = NULL;
	struct rfs fs;
	struct stat st;

	h_cmd_ok(c, "DEL logic-new");
	rfs_open(&fs);
	ck_assert_int_eq(create_at(&fs, "/db0/logic-new", O_WRONLY, &f), 0);
	ck_assert_int_eq(h_cmd_int(c, "STRLEN logic-new"), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS logic-new"), 1);
	ck_assert_int_eq(file_write(&fs, f, "text", 4, 0, false), 4);
	ck_assert_int_eq(stat_at(&fs, "/db0/logic-new", &st), 0);
	ck_assert_int_eq(st.st_size, 4); /* the open descriptor's bytes, not yet in Redis */
	file_release(&fs, f);
	ck_assert_int_eq(h_cmd_int(c, "STRLEN logic-new"), 4);
	/* a name that says no key (SPEC 3) makes none */
	ck_assert_int_eq(create_at(&fs, "/db0/a%zz", O_WRONLY, &f), -EINVAL);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

START_TEST(test_hash_text_replaces_the_hash_and_keeps_its_ttl)
{
	redisContext *c = h_redis_connect(server, 0);
	struct rfs fs;

	h_cmd_ok(c, "DEL logic-h");
	h_cmd_ok(c, "HSET logic-h a 1");
	h_cmd_ok(c, "EXPIRE logic-h 100000");
	rfs_open(&fs);
	ck_assert_int_eq(write_whole(&fs, "/db0/logic-h", "b\t2\nc\t3\n"), 0);
	ck_assert_int_eq(h_cmd_int(c, "HLEN logic-h"), 2);
	ck_assert_int_eq(h_cmd_int(c, "HEXISTS logic-h a"), 0);
	ck_assert_int_eq(h_cmd_int(c, "HEXISTS logic-h c"), 1);
	ck_assert_int_gt(h_cmd_int(c, "TTL logic-h"), 0);
	/* a line without its tab is refused at once, and the hash stays as it was */
	ck_assert_int_eq(write_whole(&fs, "/db0/logic-h", "no tab here\n"), -EINVAL);
	ck_assert_int_eq(h_cmd_int(c, "HLEN logic-h"), 2);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

/* sed -i and editors save to a temporary file and rename it over the key: it keeps its type. */
START_TEST(test_rename_of_a_string_over_a_list_parses_its_lines)
{
	redisContext *c = h_redis_connect(server, 0);
	struct rfs fs;

	h_cmd_ok(c, "DEL logic-l logic-tmp");
	h_cmd_ok(c, "RPUSH logic-l old");
	h_cmd_ok(c, "SET logic-tmp %s", "x\ny\n");
	rfs_open(&fs);
	ck_assert_int_eq(rename_at(&fs, "/db0/logic-tmp", "/db0/logic-l", 0), 0);
	ck_assert_int_eq(h_cmd_int(c, "LLEN logic-l"), 2);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS logic-tmp"), 0);
	h_cmd_ok(c, "SET logic-tmp other");
	ck_assert_int_eq(rename_at(&fs, "/db0/logic-tmp", "/db0/logic-l", RENAME_NOREPLACE),
			 -EEXIST);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS logic-tmp"), 1);
	ck_assert_int_eq(rename_at(&fs, "/db0/logic-tmp", "/db1/logic-moved", 0), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS logic-tmp"), 0);
	ck_assert_int_eq(rename_at(&fs, "/db0", "/db1/x", 0), -EPERM);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

START_TEST(test_type_set_on_a_string_converts_it)
{
	redisContext *c = h_redis_connect(server, 0);
	redisReply *r;
	struct rfs fs;

	h_cmd_ok(c, "DEL logic-t");
	h_cmd_ok(c, "SET logic-t %s", "m1\nm2\n");
	rfs_open(&fs);
	ck_assert_int_eq(xattr_set_at(&fs, "/db0/logic-t", "user.redis.type", "set", 3, 0), 0);
	r = h_cmd(c, "TYPE logic-t");
	ck_assert_str_eq(r->str, "set");
	freeReplyObject(r);
	ck_assert_int_eq(h_cmd_int(c, "SCARD logic-t"), 2);
	ck_assert_int_eq(xattr_set_at(&fs, "/db0/logic-t", "user.redis.type", "stream", 6, 0),
			 -EPERM);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

/* rmdir of a database outside an rm -r removes nothing (SPEC 5). */
START_TEST(test_rmdir_of_a_database_with_keys_removes_nothing)
{
	redisContext *c = h_redis_connect(server, 2);
	struct rfs fs;

	h_cmd_ok(c, "SET logic-stays 1");
	rfs_open(&fs);
	ck_assert_int_eq(rmdir_at(&fs, "/db2"), -ENOTEMPTY);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS logic-stays"), 1);
	ck_assert_int_eq(rmdir_at(&fs, "/"), -EBUSY);
	ck_assert_int_eq(rmdir_at(&fs, "/db2/logic-stays"), -ENOTDIR);
	rfs_close(&fs);
	redisFree(c);
}
END_TEST

static Suite *fs_logic_suite(void)
{
	Suite *s = suite_create("fs_logic");
	TCase *tc = tcase_create("keys");

	h_tcase_add_fixture(tc, setup_server, h_stop_all);
	tcase_add_test(tc, test_stat_of_a_string_is_its_length);
	tcase_add_test(tc, test_a_change_through_the_mount_shows_at_once);
	tcase_add_test(tc, test_unlink_removes_the_key_and_its_cached_attributes);
	tcase_add_test(tc, test_created_file_is_an_empty_string_and_takes_its_text);
	tcase_add_test(tc, test_hash_text_replaces_the_hash_and_keeps_its_ttl);
	tcase_add_test(tc, test_rename_of_a_string_over_a_list_parses_its_lines);
	tcase_add_test(tc, test_type_set_on_a_string_converts_it);
	tcase_add_test(tc, test_rmdir_of_a_database_with_keys_removes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(fs_logic_suite(), CK_FORK);
}
