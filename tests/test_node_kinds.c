/* test_node_kinds.c - unit tests for node_name, node_walk and inodes_node: every kind, its names.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "fs/inodes.h"
#include "fs/node.h"
#include "fs/rfs.h"
#include "run_suite.h"

static struct inodes t;
static struct rfs fs;

static void setup(void)
{
	ck_assert_int_eq(inodes_init(&t), 0);
	memset(&fs, 0, sizeof fs);
	fs.db_count = 16;
	fs.only_db = -1;
}

static void teardown(void)
{
	inodes_free(&t);
}

/*
 * Look `name` up under the inode `parent` as the mount does: the parent's
 * node from the table, the child's by node_name (no key of these kinds is
 * resolved, so no Redis is asked), kept by the table. Returns the inode.
 */
static uint64_t lookup(uint64_t parent, const char *name, enum node_kind want)
{
	struct fs_path dir_names, names;
	struct rfs_node dir, child = {.names = &names};
	uint64_t ino, gen;

	ck_assert_int_eq(inodes_node(&t, parent, &dir, &dir_names), 0);
	ck_assert_int_eq(node_name(&fs, &dir, name, &child), 0);
	ck_assert_int_eq(child.kind, want);
	ck_assert_int_eq(inodes_lookup(&t, parent, name, &child, &ino, &gen), 0);
	node_free(&dir);
	return ino;
}

/* The names inodes_node gives back for `ino`: its kind and what the logic reads. */
static void assert_names(uint64_t ino, enum node_kind kind, enum path_kind path_kind, int db,
			 const char *name)
{
	struct fs_path names;
	struct rfs_node n;

	ck_assert_int_eq(inodes_node(&t, ino, &n, &names), 0);
	ck_assert_int_eq(n.kind, kind);
	ck_assert_ptr_eq(n.names, &names);
	ck_assert_int_eq(names.kind, path_kind);
	ck_assert_int_eq(names.db, db);
	if (name)
		ck_assert_str_eq(names.name, name);
	node_free(&n);
}

START_TEST(test_a_namespaced_name_is_the_names_below_its_database_joined)
{
	uint64_t db3, user, one, file;

	fs.delimiter = ":";
	fs.delimiter_len = 1;
	db3 = lookup(INODES_ROOT, "db3", NODE_DB);
	user = lookup(db3, "user:", NODE_NS);
	one = lookup(user, "1:", NODE_NS);
	file = lookup(one, "name", NODE_NS);
	assert_names(db3, NODE_DB, PATH_DB, 3, NULL);
	assert_names(user, NODE_NS, PATH_KEY, 3, "user:");
	assert_names(file, NODE_NS, PATH_KEY, 3, "user:/1:/name");
}
END_TEST

START_TEST(test_a_folder_above_a_namespaced_name_not_kept_is_still_its_folder)
{
	uint64_t db0, dir, file, ino, gen;
	struct rfs_node unknown = {.kind = NODE_UNKNOWN};

	fs.delimiter = ":";
	fs.delimiter_len = 1;
	db0 = lookup(INODES_ROOT, "db0", NODE_DB);
	dir = lookup(db0, "a:", NODE_NS);
	file = lookup(dir, "b", NODE_NS);
	/* the folder renamed away and back: it lost its node, never its place in the path */
	ck_assert_int_eq(inodes_rename(&t, db0, "a:", db0, "a:", &unknown), 0);
	ck_assert_int_eq(inodes_lookup(&t, db0, "a:", NULL, &ino, &gen), 0);
	ck_assert_uint_eq(ino, dir);
	assert_names(file, NODE_NS, PATH_KEY, 0, "a:/b");
}
END_TEST

START_TEST(test_a_name_under_a_file_or_outside_the_databases_is_no_node)
{
	struct fs_path names;
	struct rfs_node root = {.kind = NODE_ROOT, .names = &names};
	struct rfs_node key = {.kind = NODE_KEY, .names = &names};
	struct rfs_node child = {.names = &names};
	char longname[300];

	ck_assert_int_eq(node_name(&fs, &root, "db16", &child), -ENOENT);
	ck_assert_int_eq(node_name(&fs, &root, "db01", &child), -ENOENT);
	ck_assert_int_eq(node_name(&fs, &root, "ghosts", &child), -ENOENT); /* no rules */
	ck_assert_int_eq(node_name(&fs, &root, "x", &child), -ENOENT);
	ck_assert_int_eq(node_name(&fs, &key, "x", &child), -ENOENT);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(node_name(&fs, &root, longname, &child), -ENAMETOOLONG);
	fs.only_db = 2;
	ck_assert_int_eq(node_name(&fs, &root, "db0", &child), -ENOENT);
	ck_assert_int_eq(node_name(&fs, &root, "db2", &child), 0);
	ck_assert_int_eq(child.kind, NODE_DB);
	ck_assert_int_eq(child.key.db, 2);
}
END_TEST

/* Ghost nodes as a lookup keeps them (node_name of those needs the rules: see mount_ghosts). */
START_TEST(test_ghost_nodes_give_back_their_rule_queue_and_member)
{
	struct rfs_node ghosts = {.kind = NODE_GHOSTS}, rule = {.kind = NODE_GHOST_RULE};
	struct rfs_node queue = {.kind = NODE_GHOST_QUEUE}, member = {.kind = NODE_GHOST_MEMBER};
	struct rfs_node gkey = {.kind = NODE_GHOST_KEY};
	uint64_t g, r, q, m, k, gen;
	struct fs_path names;
	struct rfs_node n;

	ck_assert_int_eq(inodes_lookup(&t, INODES_ROOT, "ghosts", &ghosts, &g, &gen), 0);
	ck_assert_int_eq(inodes_lookup(&t, g, "orders", &rule, &r, &gen), 0);
	ck_assert_int_eq(inodes_lookup(&t, r, "queue:1", &queue, &q, &gen), 0);
	ck_assert_int_eq(inodes_lookup(&t, q, "42", &member, &m, &gen), 0);
	ck_assert_int_eq(inodes_lookup(&t, r, "user:7", &gkey, &k, &gen), 0);
	assert_names(g, NODE_GHOSTS, PATH_GHOSTS, 0, NULL);
	assert_names(r, NODE_GHOST_RULE, PATH_GHOST_RULE, 0, "orders");
	ck_assert_int_eq(inodes_node(&t, m, &n, &names), 0);
	ck_assert_int_eq(n.kind, NODE_GHOST_MEMBER);
	ck_assert_str_eq(names.name, "orders");
	ck_assert_str_eq(names.queue, "queue:1");
	ck_assert_str_eq(names.member, "42");
	ck_assert_int_eq(inodes_node(&t, k, &n, &names), 0);
	ck_assert_int_eq(n.kind, NODE_GHOST_KEY);
	ck_assert_int_eq(names.kind, PATH_GHOST_KEY);
	ck_assert_str_eq(names.name, "orders");
	ck_assert_str_eq(names.queue, "%"); /* a keys rule's one pseudo-queue */
	ck_assert_str_eq(names.member, "user:7");
}
END_TEST

START_TEST(test_a_renamed_inode_takes_the_node_of_its_new_name)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0", NODE_DB), a = lookup(db0, "a", NODE_KEY);
	char long_key[400], hashed[] = "kkkk~0123456789abcdef";
	struct rfs_node moved = {NODE_KEY, {0, long_key, sizeof long_key - 1}, NULL};
	struct fs_path names;
	struct rfs_node n;

	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	ck_assert_int_eq(inodes_rename(&t, db0, "a", db0, hashed, &moved), 0);
	ck_assert_int_eq(inodes_node(&t, a, &n, &names), 0);
	ck_assert_int_eq(n.kind, NODE_KEY);
	ck_assert_uint_eq(n.key.len, strlen(long_key));
	ck_assert(memcmp(n.key.key, long_key, n.key.len) == 0);
	ck_assert_str_eq(names.name, hashed); /* resolved again by what changes the key */
	node_free(&n);
}
END_TEST

/* A path walked as the kernel's lookups walk it, one name at a time from the root. */
START_TEST(test_a_path_walks_to_the_node_its_names_give)
{
	const char *none[] = {"db0", "/db16", "/db0/a/b", "/db0//x", "/ghosts", "/x", "/db0/a/b/c"};
	struct fs_path names;
	struct rfs_node n;

	ck_assert_int_eq(node_walk(&fs, "/", &n, &names), 0);
	ck_assert_int_eq(n.kind, NODE_ROOT);
	ck_assert_int_eq(node_walk(&fs, "/db2/session:1", &n, &names), 0);
	ck_assert_int_eq(n.kind, NODE_KEY);
	ck_assert_int_eq(n.key.db, 2);
	ck_assert_uint_eq(n.key.len, strlen("session:1"));
	ck_assert(memcmp(n.key.key, "session:1", n.key.len) == 0);
	ck_assert_str_eq(names.name, "session:1");
	node_free(&n);
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		ck_assert_msg(node_walk(&fs, none[i], &n, &names) == -ENOENT, "%s exists", none[i]);
		node_free(&n);
	}
	fs.only_db = 3; /* a URL's database: the only folder */
	ck_assert_int_eq(node_walk(&fs, "/db3", &n, &names), 0);
	ck_assert_int_eq(n.kind, NODE_DB);
	ck_assert_int_eq(node_walk(&fs, "/db0", &n, &names), -ENOENT);
	ck_assert_int_eq(node_walk(&fs, "/db0/key", &n, &names), -ENOENT);
}
END_TEST

static Suite *node_kinds_suite(void)
{
	Suite *s = suite_create("node_kinds");
	TCase *tc = tcase_create("kinds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_namespaced_name_is_the_names_below_its_database_joined);
	tcase_add_test(tc, test_a_folder_above_a_namespaced_name_not_kept_is_still_its_folder);
	tcase_add_test(tc, test_a_name_under_a_file_or_outside_the_databases_is_no_node);
	tcase_add_test(tc, test_ghost_nodes_give_back_their_rule_queue_and_member);
	tcase_add_test(tc, test_a_renamed_inode_takes_the_node_of_its_new_name);
	tcase_add_test(tc, test_a_path_walks_to_the_node_its_names_give);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(node_kinds_suite(), CK_FORK);
}
