/* test_redis_read_only.c - a read-only pool sends no write command, on any of its connections. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/redis_conn.h"
#include "backend/redis_keys.h"
#include "backend/redis_meta.h"
#include "backend/redis_scan.h"
#include "backend/redis_write.h"
#include "harness.h"
#include "run_suite.h"

static struct h_redis *server;

static void setup(void)
{
	server = h_redis_start(NULL);
}

static struct redis_pool *open_pool(bool read_only)
{
	struct redis_endpoint ep = {
		.host = "127.0.0.1", .port = server->port, .timeout = 5, .read_only = read_only};
	struct redis_pool *pool;
	char err[256];

	ck_assert_msg(redis_pool_open(&ep, &pool, err, sizeof err) == 0, "pool: %s", err);
	return pool;
}

/*
 * Every kind of change the backend makes is refused with EROFS before it is
 * sent (the server's command counts show none arrived), and the keys are
 * as they were; the reads beside them still work.
 */
START_TEST(test_read_only_pool_refuses_every_write_and_reads)
{
	struct redis_pool *pool = open_pool(true);
	redisContext *c = h_redis_connect(server, 0);
	struct rv_array keys = {0}, members = {0};
	struct rv_value v = {.type = RV_LIST};
	enum rv_type type;
	char word[64];
	int created;

	h_cmd_ok(c, "SET s hello");
	h_cmd_ok(c, "RPUSH l a b");
	h_cmd_ok(c, "CONFIG RESETSTAT");
	ck_assert_int_eq(rv_array_push(&members, "a", 1), 0);
	ck_assert_int_eq(rv_array_push(&v.items, "x", 1), 0);
	ck_assert_int_eq(rv_array_push(&keys, "s", 1), 0);

	ck_assert_int_eq(redis_write_string(pool, 0, "s", 1, "bye", 3), -EROFS);
	ck_assert_int_eq(redis_create_string(pool, 0, "n", 1, &created), -EROFS);
	ck_assert_int_eq(redis_write_collection(pool, 0, "l", 1, &v, 0), -EROFS);
	ck_assert_int_eq(redis_rename(pool, 0, "s", 1, "t", 1, false, 0), -EROFS);
	ck_assert_int_eq(redis_move(pool, 0, "s", 1, 1, "s", 1, false), -EROFS);
	ck_assert_int_eq(redis_unlink(pool, 0, "s", 1), -EROFS);
	ck_assert_int_eq(redis_unlink_many(pool, 0, &keys), -EROFS);
	ck_assert_int_eq(redis_remove_member(pool, 0, "l", 1, RV_LIST, "a", 1), -EROFS);
	ck_assert_int_eq(redis_remove_members(pool, 0, "l", 1, RV_LIST, &members), -EROFS);
	ck_assert_int_eq(redis_meta_expire(pool, 0, "s", 1, 100), -EROFS);
	ck_assert_int_eq(redis_meta_persist(pool, 0, "s", 1), -EROFS);
	ck_assert_int_eq(redis_flush_database(pool, 0), -EROFS);

	ck_assert_int_eq(redis_key_type(pool, 0, "s", 1, &type), 0);
	ck_assert_int_eq(type, RV_STRING);
	ck_assert_int_eq(redis_meta_encoding(pool, 0, "l", 1, word), 0);
	rv_array_free(&keys);
	ck_assert_int_eq(redis_scan_keys(pool, 0, NULL, 0, &keys), 0);
	ck_assert_uint_eq(keys.count, 2);

	h_assert_no_write_command(c);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS s l"), 2);
	ck_assert_int_eq(h_cmd_int(c, "LLEN l"), 2);
	ck_assert_int_eq(h_cmd_int(c, "TTL s"), -1);
	rv_array_free(&keys);
	rv_array_free(&members);
	rv_value_free(&v);
	redisFree(c);
	redis_pool_close(pool);
}
END_TEST

/* The walk's connection of its own (redis_scan.c) is read-only too, and its SCANs go. */
START_TEST(test_read_only_pool_walks_on_a_connection_of_its_own)
{
	struct redis_pool *pool = open_pool(true);
	redisContext *c = h_redis_connect(server, 0);
	struct rv_array keys = {0};
	struct redis_scan *scan;
	bool done = false;

	h_cmd_ok(c, "FLUSHALL");
	h_cmd_ok(c, "EVAL %s 0", "for i = 1, 3000 do redis.call('SET', 'k' .. i, i) end");
	h_cmd_ok(c, "CONFIG RESETSTAT");
	ck_assert_int_eq(redis_scan_open(pool, 0, &scan), 0);
	while (!done)
		ck_assert_int_eq(redis_scan_next(scan, &keys, &done), 0);
	ck_assert_int_eq(rv_array_sort_unique(&keys), 0);
	ck_assert_uint_eq(keys.count, 3000);
	redis_scan_close(scan);
	h_assert_no_write_command(c);
	rv_array_free(&keys);
	redisFree(c);
	redis_pool_close(pool);
}
END_TEST

/* The same calls on a pool that may write do reach the server: the refusal is the pool's. */
START_TEST(test_writable_pool_sends_the_same_writes)
{
	struct redis_pool *pool = open_pool(false);
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SET s hello");
	ck_assert_int_eq(redis_meta_expire(pool, 0, "s", 1, 100), 0);
	ck_assert_int_eq(redis_write_string(pool, 0, "s", 1, "bye", 3), 0);
	ck_assert_int_gt(h_cmd_int(c, "TTL s"), 0);
	ck_assert_int_eq(h_cmd_int(c, "STRLEN s"), 3);
	ck_assert_int_eq(redis_unlink(pool, 0, "s", 1), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS s"), 0);
	redisFree(c);
	redis_pool_close(pool);
}
END_TEST

static Suite *redis_read_only_suite(void)
{
	Suite *s = suite_create("redis_read_only");
	TCase *tc = tcase_create("read_only");

	h_tcase_add_fixture(tc, setup, h_stop_all);
	tcase_add_test(tc, test_read_only_pool_refuses_every_write_and_reads);
	tcase_add_test(tc, test_read_only_pool_walks_on_a_connection_of_its_own);
	tcase_add_test(tc, test_writable_pool_sends_the_same_writes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(redis_read_only_suite(), CK_FORK);
}
