/* test_listing_ahead.c - ls -l of a big folder: readdirplus's attributes, batch after batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "run_suite.h"

/*
 * Keys k:0 .. k:(KEYS-1): many readdirplus batches (256 keys each, about 200
 * entries a READDIRPLUS), so that most replies start in one batch and end in
 * the next. Key i holds i % SIZES + 1 bytes: a size from the
 * wrong batch, or the wrong place in one, shows.
 */
#define KEYS  5000
#define SIZES 251
#define EARLY 20 /* listings closed after their first entries */

static struct h_redis *server;
static struct h_mount *mount;

static void setup(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "EVAL %s 0 %d %d",
		 "for i = 0, tonumber(ARGV[1]) - 1 do "
		 "  redis.call('SET', 'k:' .. i, string.rep('x', i % tonumber(ARGV[2]) + 1)) "
		 "end "
		 "return 'OK'",
		 KEYS, SIZES);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

/* ls -l of db0 as "NAME SIZE" lines: each key once, with the size Redis holds. */
static void assert_ls_l_sizes(const char *dir)
{
	struct h_run res;
	char *line, *save = NULL;
	char *seen = calloc(KEYS, 1);
	int count = 0;

	ck_assert_ptr_nonnull(seen);
	ck_assert_int_eq(h_sh_out(NULL, &res, "ls -l '%s' | awk 'NR > 1 {print $NF, $5}'", dir), 0);
	for (line = strtok_r(res.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int i, size;

		ck_assert_msg(sscanf(line, "k:%d %d", &i, &size) == 2, "ls -l line: %s", line);
		ck_assert_msg(i >= 0 && i < KEYS && !seen[i], "k:%d twice or unknown", i);
		seen[i] = 1;
		ck_assert_msg(size == i % SIZES + 1, "k:%d shows %d bytes, Redis holds %d", i, size,
			      i % SIZES + 1);
		count++;
	}
	ck_assert_int_eq(count, KEYS);
	h_run_free(&res);
	free(seen);
}

START_TEST(test_ls_l_of_a_big_folder_shows_each_key_with_its_own_size)
{
	char dir[H_PATH_MAX + 32];

	h_path(dir, sizeof dir, mount, "db0");
	assert_ls_l_sizes(dir); /* a fresh mount */
	assert_ls_l_sizes(dir); /* again, with the kernel's entries and the daemon's inodes */
}
END_TEST

/*
 * `ls -l | head` closes the folder in the middle of its batches: the daemon
 * neither crashes nor leaks (h_mount_stop fails the test when it does not exit
 * with 0, under the sanitizers and valgrind too); the mount lists whole after.
 */
START_TEST(test_ls_l_closed_early_leaves_the_mount_working)
{
	char dir[H_PATH_MAX + 32];
	struct stat st;

	h_path(dir, sizeof dir, mount, "db0");
	for (int i = 0; i < EARLY; i++)
		ck_assert_int_eq(h_sh(NULL, "ls -l '%s' | head -n 3 >/dev/null", dir), 0);
	assert_ls_l_sizes(dir);
	ck_assert_int_eq(stat(dir, &st), 0);
}
END_TEST

static Suite *listing_ahead_suite(void)
{
	Suite *s = suite_create("listing_ahead");
	TCase *tc = tcase_create("ls_l");

	h_tcase_add_fixture(tc, setup, h_stop_all);
	tcase_add_test(tc, test_ls_l_of_a_big_folder_shows_each_key_with_its_own_size);
	tcase_add_test(tc, test_ls_l_closed_early_leaves_the_mount_working);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	/* f_child forks; h_stop_all runs here */
	return run_suite(listing_ahead_suite(), CK_NOFORK);
}
