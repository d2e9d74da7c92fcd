/* test_df.c - df of a mount shows the server's memory and keys (SPEC 4), checked against INFO. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_cluster.h"
#include "run_suite.h"

#define MAXMEMORY  104857600ULL /* 100 MiB: a whole number of 4 KiB blocks */
#define USED_SLACK (256 << 10)	/* bytes: a few clients' buffers come and go */

static struct h_redis *server;
static struct h_mount *mount;
static struct h_cluster *cluster;

static void setup_mount(void)
{
	redisContext *c;

	server = h_redis_start((const char *const[]){"--databases", "4", NULL});
	c = h_redis_connect(server, 0);
	for (int i = 0; i < 37; i++)
		h_cmd_ok(c, "SET key:%d value-%d", i, i);
	h_cmd_ok(c, "SELECT 2");
	for (int i = 0; i < 5; i++)
		h_cmd_ok(c, "RPUSH list:%d a b c", i);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

static unsigned long long info_field(redisContext *c, const char *name)
{
	redisReply *r = h_cmd(c, "INFO memory");
	char needle[64];
	const char *p;
	unsigned long long v;

	snprintf(needle, sizeof needle, "\n%s:", name);
	p = strstr(r->str, needle);
	ck_assert_msg(p, "INFO memory has no %s", name);
	v = strtoull(p + strlen(needle), NULL, 10);
	freeReplyObject(r);
	return v;
}

/* df's numbers, as a user reads them: `df -B1` bytes and `df -i` inodes. */
static void df(unsigned long long *size, unsigned long long *used, unsigned long long *iused)
{
	struct h_run res;

	ck_assert_int_eq(h_sh_out(mount->work, &res, "df -B1 --output=size,used mnt | tail -1"), 0);
	ck_assert_int_eq(sscanf(res.out, "%llu %llu", size, used), 2);
	h_run_free(&res);
	ck_assert_int_eq(h_sh_out(mount->work, &res, "df --output=iused mnt | tail -1"), 0);
	ck_assert_int_eq(sscanf(res.out, "%llu", iused), 1);
	h_run_free(&res);
}

START_TEST(test_df_shows_used_memory_against_maxmemory_and_keys_as_inodes)
{
	redisContext *c = h_redis_connect(server, 0);
	unsigned long long size, used, iused, before, after, keys = 0;

	h_cmd_ok(c, "CONFIG SET maxmemory %llu", MAXMEMORY);
	for (int db = 0; db < 4; db++) {
		h_cmd_ok(c, "SELECT %d", db);
		keys += (unsigned long long) h_cmd_int(c, "DBSIZE");
	}
	before = info_field(c, "used_memory");
	df(&size, &used, &iused);
	after = info_field(c, "used_memory");
	ck_assert_uint_eq(size, MAXMEMORY);
	/*
	 * used_memory moves with every client's buffers (the daemon's connections among
	 * them): df's is near two readings around it. A unit mistake (KiB for bytes, blocks
	 * for KiB) would be off by a factor of a thousand.
	 */
	if (before > after) {
		unsigned long long t = before;

		before = after;
		after = t;
	}
	ck_assert_msg(used + USED_SLACK > before && used < after + USED_SLACK,
		      "df used %llu, INFO used_memory %llu .. %llu", used, before, after);
	ck_assert_uint_eq(iused, keys);
	ck_assert_uint_eq(keys, 42);
	redisFree(c);
}
END_TEST

START_TEST(test_df_without_maxmemory_shows_the_machines_memory)
{
	redisContext *c = h_redis_connect(server, 0);
	unsigned long long size, used, iused, total;

	h_cmd_ok(c, "CONFIG SET maxmemory 0");
	total = info_field(c, "total_system_memory");
	df(&size, &used, &iused);
	ck_assert_uint_eq(size, total - total % 4096);
	h_cmd_ok(c, "SET one:more key");
	df(&size, &used, &iused);
	ck_assert_uint_eq(iused, 43);
	redisFree(c);
}
END_TEST

static void setup_cluster_mount(void)
{
	struct h_mount_spec spec = {0};
	int ports[H_CLUSTER_NODES], masters;

	cluster = h_cluster_start(NULL);
	for (int i = 0; i < 60; i++)
		h_cluster_cmd_ok(cluster, "SET spread:%d v", i);
	masters = h_cluster_masters(cluster, ports, H_CLUSTER_NODES);
	ck_assert_int_eq(masters, 3);
	for (int i = 0; i < masters; i++) {
		redisContext *c = h_cluster_connect_port(cluster, ports[i]);

		h_cmd_ok(c, "CONFIG SET maxmemory %llu", MAXMEMORY);
		redisFree(c);
	}
	h_cluster_wait_replicated(cluster);
	spec.url = cluster->url;
	mount = h_mount_start(cluster->nodes[0], &spec);
}

static void teardown_cluster(void)
{
	h_stop_all();
	free(cluster);
	cluster = NULL;
	mount = NULL;
}

/* SPEC 4 and 9: the masters' memory and keys added up; replicas hold copies, not more keys */
START_TEST(test_df_of_a_cluster_adds_up_its_masters)
{
	unsigned long long size, used, iused;

	df(&size, &used, &iused);
	ck_assert_uint_eq(size, 3 * MAXMEMORY);
	ck_assert_uint_eq(iused, 60);
	ck_assert_uint_gt(used, 0);
}
END_TEST

static Suite *df_suite(void)
{
	Suite *s = suite_create("df");
	TCase *tc = tcase_create("df");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_df_shows_used_memory_against_maxmemory_and_keys_as_inodes);
	tcase_add_test(tc, test_df_without_maxmemory_shows_the_machines_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("cluster");
	h_tcase_add_fixture(tc, setup_cluster_mount, teardown_cluster);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_df_of_a_cluster_adds_up_its_masters);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(df_suite(), CK_FORK);
}
