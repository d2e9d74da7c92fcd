/* test_inodes.c - unit tests for fs/inodes.c: inode numbers as paths, counted and forgotten. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fs/inodes.h"
#include "run_suite.h"

#define MANY 200000 /* enough for slots and buckets to double many times */

static struct inodes t;

static void setup(void)
{
	ck_assert_int_eq(inodes_init(&t), 0);
}

static void teardown(void)
{
	inodes_free(&t);
}

static uint64_t lookup(uint64_t parent, const char *name)
{
	uint64_t ino, gen;

	ck_assert_int_eq(inodes_lookup(&t, parent, name, NULL, &ino, &gen), 0);
	return ino;
}

/*
 * The path of `ino` (and `name` in it), from the names up to the root
 * (inodes_name): what the table's chain says. 0, or -errno as inodes_name,
 * or -ENAMETOOLONG past `size`.
 */
static int inodes_path(struct inodes *tab, uint64_t ino, const char *name, char *buf, size_t size)
{
	char part[256];
	size_t at = size - 1, len;
	uint64_t parent;
	int ret;

	buf[at] = '\0';
	if (name) {
		len = strlen(name);
		if (len + 1 > at)
			return -ENAMETOOLONG;
		at -= len;
		memcpy(buf + at, name, len);
		buf[--at] = '/';
	}
	for (; ino != INODES_ROOT; ino = parent) {
		ret = inodes_name(tab, ino, &parent, part);
		if (ret)
			return ret;
		len = strlen(part);
		if (len + 1 > at)
			return -ENAMETOOLONG;
		at -= len;
		memcpy(buf + at, part, len);
		buf[--at] = '/';
	}
	if (at == size - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, size - at);
	return 0;
}

static void assert_path(uint64_t ino, const char *name, const char *want)
{
	char path[PATH_MAX];

	ck_assert_int_eq(inodes_path(&t, ino, name, path, sizeof path), 0);
	ck_assert_str_eq(path, want);
}

START_TEST(test_the_root_is_slash_and_its_children_are_under_it)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0");
	uint64_t key = lookup(db0, "user:1");

	assert_path(INODES_ROOT, NULL, "/");
	assert_path(INODES_ROOT, "db0", "/db0");
	assert_path(db0, NULL, "/db0");
	assert_path(key, NULL, "/db0/user:1");
	assert_path(db0, "other", "/db0/other");
	ck_assert_uint_eq(inodes_count(&t), 3);
}
END_TEST

START_TEST(test_the_same_name_is_the_same_inode_until_forgotten)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0"), a = lookup(db0, "a"), ino, gen, gen2;

	ck_assert_uint_eq(lookup(db0, "a"), a);
	ck_assert_uint_ne(lookup(db0, "b"), a);
	ck_assert_uint_ne(lookup(INODES_ROOT, "a"), a); /* same name, other folder */
	/* two lookups of a counted: one forget leaves it, the second frees it */
	inodes_forget(&t, a, 1);
	assert_path(a, NULL, "/db0/a");
	ck_assert_int_eq(inodes_lookup(&t, db0, "a", NULL, &ino, &gen), 0);
	ck_assert_uint_eq(ino, a);
	inodes_forget(&t, a, 2);
	{
		char path[PATH_MAX];

		ck_assert_int_eq(inodes_path(&t, a, NULL, path, sizeof path), -ESTALE);
	}
	/* the slot comes back for another name, with another generation */
	ck_assert_int_eq(inodes_lookup(&t, db0, "c", NULL, &ino, &gen2), 0);
	ck_assert_uint_eq(ino, a);
	ck_assert_uint_ne(gen2, gen);
	assert_path(ino, NULL, "/db0/c");
}
END_TEST

START_TEST(test_a_removed_name_gives_enoent_and_a_new_inode_next_time)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0"), a = lookup(db0, "a"), again;
	char path[PATH_MAX];

	inodes_remove(&t, db0, "a");
	ck_assert_int_eq(inodes_path(&t, a, NULL, path, sizeof path), -ENOENT);
	again = lookup(db0, "a");
	ck_assert_uint_ne(again, a);
	assert_path(again, NULL, "/db0/a");
	/* the old inode lives until the kernel forgets it, then its slot is free */
	inodes_forget(&t, a, 1);
	ck_assert_int_eq(inodes_path(&t, a, NULL, path, sizeof path), -ESTALE);
	assert_path(again, NULL, "/db0/a");
}
END_TEST

START_TEST(test_a_folder_outlives_its_forget_while_a_child_names_it)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0"), child = lookup(db0, "k"), other;
	char path[PATH_MAX];

	inodes_forget(&t, db0, 1); /* a FORGET of the folder before its child's */
	assert_path(child, NULL, "/db0/k");
	other = lookup(INODES_ROOT, "db1");
	ck_assert_uint_ne(other, db0); /* db0's slot is not handed out again */
	inodes_forget(&t, child, 1);
	ck_assert_int_eq(inodes_path(&t, db0, NULL, path, sizeof path), -ESTALE);
	ck_assert_uint_eq(inodes_count(&t), 2); /* the root and db1 */
}
END_TEST

START_TEST(test_rename_moves_the_inode_and_drops_the_one_it_replaces)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0"), db1 = lookup(INODES_ROOT, "db1");
	uint64_t a = lookup(db0, "a"), b = lookup(db1, "b");
	char path[PATH_MAX];

	ck_assert_int_eq(inodes_rename(&t, db0, "a", db1, "b", NULL), 0);
	assert_path(a, NULL, "/db1/b");
	ck_assert_int_eq(inodes_path(&t, b, NULL, path, sizeof path), -ENOENT);
	ck_assert_uint_eq(lookup(db1, "b"), a);
	ck_assert_uint_ne(lookup(db0, "a"), a);
	/* a long name (kept apart from the slot) survives a rename too */
	{
		char longname[256];

		memset(longname, 'x', 255);
		longname[255] = '\0';
		ck_assert_int_eq(inodes_rename(&t, db1, "b", db0, longname, NULL), 0);
		ck_assert_uint_eq(lookup(db0, longname), a);
		ck_assert_int_eq(inodes_rename(&t, db0, longname, db0, "short", NULL), 0);
		assert_path(a, NULL, "/db0/short");
	}
}
END_TEST

START_TEST(test_names_too_long_for_a_path_or_a_file_are_refused)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0"), ino, gen;
	char name[300], path[16];

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	ck_assert_int_eq(inodes_lookup(&t, db0, name, NULL, &ino, &gen), -ENAMETOOLONG);
	ck_assert_int_eq(inodes_lookup(&t, 12345, "x", NULL, &ino, &gen), -ESTALE);
	ck_assert_int_eq(inodes_path(&t, db0, "a-long-name", path, sizeof path), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_many_names_each_keep_their_own_inode_and_path)
{
	uint64_t db0 = lookup(INODES_ROOT, "db0");
	static uint64_t inos[MANY];
	char name[64], want[80];

	for (int i = 0; i < MANY; i++) {
		/* short names sit in the slot, long ones are allocated */
		snprintf(name, sizeof name, i % 3 ? "key:%d" : "a-name-longer-than-a-slot:%d", i);
		inos[i] = lookup(db0, name);
	}
	ck_assert_uint_eq(inodes_count(&t), MANY + 2);
	for (int i = 0; i < MANY; i += 997) {
		snprintf(name, sizeof name, i % 3 ? "key:%d" : "a-name-longer-than-a-slot:%d", i);
		snprintf(want, sizeof want, "/db0/%s", name);
		assert_path(inos[i], NULL, want);
		ck_assert_uint_eq(lookup(db0, name), inos[i]);
		inodes_forget(&t, inos[i], 1);
	}
	for (int i = 0; i < MANY; i++)
		inodes_forget(&t, inos[i], 1);
	ck_assert_uint_eq(inodes_count(&t), 2);
}
END_TEST

static Suite *inodes_suite(void)
{
	Suite *s = suite_create("inodes");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_the_root_is_slash_and_its_children_are_under_it);
	tcase_add_test(tc, test_the_same_name_is_the_same_inode_until_forgotten);
	tcase_add_test(tc, test_a_removed_name_gives_enoent_and_a_new_inode_next_time);
	tcase_add_test(tc, test_a_folder_outlives_its_forget_while_a_child_names_it);
	tcase_add_test(tc, test_rename_moves_the_inode_and_drops_the_one_it_replaces);
	tcase_add_test(tc, test_names_too_long_for_a_path_or_a_file_are_refused);
	tcase_add_test(tc, test_many_names_each_keep_their_own_inode_and_path);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(inodes_suite(), CK_FORK);
}
