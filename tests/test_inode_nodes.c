/* test_inode_nodes.c - unit tests for fs/inodes.c: the node each inode keeps, without its path. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/inodes.h"
#include "run_suite.h"

static struct inodes t;

static void setup(void)
{
	ck_assert_int_eq(inodes_init(&t), 0);
}

static void teardown(void)
{
	inodes_free(&t);
}

static uint64_t lookup(uint64_t parent, const char *name, const struct rfs_node *node)
{
	uint64_t ino, gen;

	ck_assert_int_eq(inodes_lookup(&t, parent, name, node, &ino, &gen), 0);
	return ino;
}

static uint64_t lookup_key(uint64_t parent, const char *name, int db, const char *key)
{
	struct rfs_node n = {NODE_KEY, {db, (char *) key, strlen(key)}, NULL};

	return lookup(parent, name, &n);
}

static uint64_t lookup_db(int db)
{
	struct rfs_node n = {NODE_DB, {db, NULL, 0}, NULL};
	char name[16];

	snprintf(name, sizeof name, "db%d", db);
	return lookup(INODES_ROOT, name, &n);
}

/* The node of `ino` is a key of `db` with exactly the bytes `key`. */
static void assert_key(uint64_t ino, int db, const char *key)
{
	struct rfs_node n;

	ck_assert_int_eq(inodes_node(&t, ino, &n, NULL), 0);
	ck_assert_int_eq(n.kind, NODE_KEY);
	ck_assert_int_eq(n.key.db, db);
	ck_assert_uint_eq(n.key.len, strlen(key));
	ck_assert(memcmp(n.key.key, key, n.key.len) == 0);
	node_free(&n);
}

static enum node_kind kind_of(uint64_t ino)
{
	struct rfs_node n;
	enum node_kind kind;

	ck_assert_int_eq(inodes_node(&t, ino, &n, NULL), 0);
	kind = n.kind;
	node_free(&n);
	return kind;
}

START_TEST(test_the_root_and_a_database_folder_keep_their_kind)
{
	uint64_t db3 = lookup_db(3);
	struct rfs_node n;

	ck_assert_int_eq(kind_of(INODES_ROOT), NODE_ROOT);
	ck_assert_int_eq(inodes_node(&t, db3, &n, NULL), 0);
	ck_assert_int_eq(n.kind, NODE_DB);
	ck_assert_int_eq(n.key.db, 3);
	ck_assert_ptr_null(n.key.key);
}
END_TEST

START_TEST(test_a_key_is_its_decoded_name_or_the_key_it_was_resolved_to)
{
	uint64_t db2 = lookup_db(2);
	/* a long key: its name is shortened (~hash), and the inode keeps the key itself */
	char long_key[400];

	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	assert_key(lookup_key(db2, "user:1", 2, "user:1"), 2, "user:1");
	assert_key(lookup_key(db2, "a%2Fb", 2, "a/b"), 2, "a/b");
	assert_key(lookup_key(db2, "kkkk~0123456789abcdef", 2, long_key), 2, long_key);
}
END_TEST

START_TEST(test_a_name_without_a_node_goes_by_its_path_and_a_lookup_keeps_what_was_known)
{
	uint64_t db0 = lookup_db(0), a = lookup(db0, "a", NULL);
	struct rfs_node unknown = {NODE_UNKNOWN, {0, NULL, 0}, NULL};

	ck_assert_int_eq(kind_of(a), NODE_UNKNOWN);
	lookup_key(db0, "a", 0, "a");
	assert_key(a, 0, "a");
	ck_assert_uint_eq(lookup(db0, "a", &unknown), a); /* readdirplus of a shortened name */
	assert_key(a, 0, "a");
}
END_TEST

START_TEST(test_a_renamed_inode_forgets_its_key_and_a_removed_one_has_none)
{
	uint64_t db0 = lookup_db(0), a = lookup_key(db0, "a", 0, "a");
	uint64_t b = lookup_key(db0, "b", 0, "b");
	struct rfs_node n;

	/* renamed: the old key must never be what a later stat or rm reaches */
	ck_assert_int_eq(inodes_rename(&t, db0, "a", db0, "c", NULL), 0);
	ck_assert_int_eq(kind_of(a), NODE_UNKNOWN);
	inodes_remove(&t, db0, "b");
	ck_assert_int_eq(inodes_node(&t, b, &n, NULL), -ENOENT);
	inodes_remove(&t, INODES_ROOT, "db0"); /* rmdir of its folder: below it, no key either */
	ck_assert_int_eq(inodes_node(&t, a, &n, NULL), -ENOENT);
	inodes_forget(&t, b, 1);
	ck_assert_int_eq(inodes_node(&t, b, &n, NULL), -ESTALE);
}
END_TEST

static Suite *inode_nodes_suite(void)
{
	Suite *s = suite_create("inode_nodes");
	TCase *tc = tcase_create("nodes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_the_root_and_a_database_folder_keep_their_kind);
	tcase_add_test(tc, test_a_key_is_its_decoded_name_or_the_key_it_was_resolved_to);
	tcase_add_test(
		tc, test_a_name_without_a_node_goes_by_its_path_and_a_lookup_keeps_what_was_known);
	tcase_add_test(tc, test_a_renamed_inode_forgets_its_key_and_a_removed_one_has_none);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(inode_nodes_suite(), CK_FORK);
}
