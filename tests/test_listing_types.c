/* test_listing_types.c - ls -l of keys of every type, mixed in readdirplus batches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "run_suite.h"

/*
 * Strings (empty and not) among keys of every other type, in readdirplus
 * batches of 256 keys: each file's mode and size in ls -l (the batch's
 * attributes) must be its type's mode and the bytes wc -c reads.
 */
#define FILLERS 600

static struct h_redis *server;
static struct h_mount *mount;

static void setup(void)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "EVAL %s 0 %d",
		 "for i = 0, tonumber(ARGV[1]) - 1 do "
		 "  local k = 'f:' .. i "
		 "  local t = i % 8 "
		 "  if t == 0 then redis.call('SET', k, string.rep('s', i % 50 + 1)) "
		 "  elseif t == 1 then redis.call('SET', k, '') "
		 "  elseif t == 2 then redis.call('RPUSH', k, 'a', 'bb', tostring(i)) "
		 "  elseif t == 3 then redis.call('SADD', k, 'x', tostring(i)) "
		 "  elseif t == 4 then redis.call('ZADD', k, 1, 'm', i, 'n') "
		 "  elseif t == 5 then redis.call('HSET', k, 'f', tostring(i), 'g', 'v') "
		 "  elseif t == 6 then redis.call('XADD', k, '1-' .. (i + 1), 'f', 'v') "
		 "  else redis.call('SET', k, tostring(i)) end "
		 "end "
		 "return 'OK'",
		 FILLERS);
	redisFree(c);
	mount = h_mount_start(server, &(struct h_mount_spec){.options = "timeout=30"});
}

START_TEST(test_ls_l_of_every_type_shows_its_mode_and_the_size_wc_reads)
{
	char dir[H_PATH_MAX + 32], *a, *b, *sa = NULL, *sb = NULL;
	struct h_run listed, read;
	int count = 0;

	h_path(dir, sizeof dir, mount, "db0");
	/* a fresh mount: ls -l's attributes come with the entries, in batches */
	ck_assert_int_eq(h_sh_out(NULL, &listed,
				  "ls -l '%s' | awk 'NR > 1 {print $NF, $1, $5}' | sort", dir),
			 0);
	/* what each file holds, read by wc -c; a stream (f:i, i % 8 == 6) is read-only */
	ck_assert_int_eq(
		h_sh_out(dir, &read,
			 "wc -c -- f:* | awk '$2 != \"total\" {"
			 "  split($2, p, \":\"); "
			 "  print $2, p[2] %% 8 == 6 ? \"-r--r--r--\" : \"-rw-r--r--\", $1}'"
			 " | sort"),
		0);
	a = strtok_r(listed.out, "\n", &sa);
	b = strtok_r(read.out, "\n", &sb);
	for (; a && b; a = strtok_r(NULL, "\n", &sa), b = strtok_r(NULL, "\n", &sb)) {
		ck_assert_str_eq(a, b);
		count++;
	}
	ck_assert_msg(!a && !b, "ls -l and cat list different files");
	ck_assert_int_eq(count, FILLERS);
	h_run_free(&listed);
	h_run_free(&read);
}
END_TEST

static Suite *listing_types_suite(void)
{
	Suite *s = suite_create("listing_types");
	TCase *tc = tcase_create("ls_l");

	h_tcase_add_fixture(tc, setup, h_stop_all);
	tcase_add_test(tc, test_ls_l_of_every_type_shows_its_mode_and_the_size_wc_reads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(listing_types_suite(), CK_NOFORK);
}
