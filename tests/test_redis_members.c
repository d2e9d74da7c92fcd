/* test_redis_members.c - backend/redis_keys.c member removal against a real server. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "backend/redis_conn.h"
#include "backend/redis_keys.h"
#include "harness.h"
#include "run_suite.h"

#define MEMBERS 2500 /* more than two pipeline rounds of a thousand */

static struct h_redis *server;

static void setup(void)
{
	server = h_redis_start(NULL);
}

static struct redis_pool *open_pool(void)
{
	struct redis_endpoint ep = {.host = "127.0.0.1", .port = server->port, .timeout = 5};
	struct redis_pool *pool;
	char err[256];

	ck_assert_msg(redis_pool_open(&ep, &pool, err, sizeof err) == 0, "pool: %s", err);
	return pool;
}

/* Members "m0" .. "m(MEMBERS-1)" of a collection, and "keep" too, by one EVAL. */
static void fill(redisContext *c, const char *key, const char *command)
{
	h_cmd_ok(c, "EVAL %s 1 %s %s %d",
		 "local function add(m) "
		 "  if ARGV[1] == 'ZADD' then redis.call('ZADD', KEYS[1], 1, m) "
		 "  elseif ARGV[1] == 'HSET' then redis.call('HSET', KEYS[1], m, 'v') "
		 "  else redis.call(ARGV[1], KEYS[1], m) end end "
		 "for i = 0, tonumber(ARGV[2]) - 1 do add('m' .. i) end add('keep') return 'OK'",
		 key, command, MEMBERS);
}

/*
 * Every one of the members goes, in three pipelined rounds, and nothing
 * else: each command is built whole, none reads what a malloc left behind
 * (meson test runs with MALLOC_PERTURB_, which makes such bytes garbage).
 */
static void assert_removes_exactly(struct redis_pool *pool, redisContext *c, const char *key,
				   enum rv_type type, const char *size_command)
{
	struct rv_array members = {0};
	char m[16];

	for (int i = 0; i < MEMBERS; i++) {
		snprintf(m, sizeof m, "m%d", i);
		ck_assert_int_eq(rv_array_push(&members, m, strlen(m)), 0);
	}
	ck_assert_int_eq(redis_remove_members(pool, 0, key, strlen(key), type, &members), 0);
	ck_assert_int_eq(h_cmd_int(c, "%s %s", size_command, key), 1);
	rv_array_free(&members);
}

START_TEST(test_remove_members_removes_exactly_them_from_every_type)
{
	struct redis_pool *pool = open_pool();
	redisContext *c = h_redis_connect(server, 0);

	fill(c, "l", "RPUSH");
	fill(c, "s", "SADD");
	fill(c, "z", "ZADD");
	fill(c, "h", "HSET"); /* a hash's members are its fields */
	assert_removes_exactly(pool, c, "l", RV_LIST, "LLEN");
	assert_removes_exactly(pool, c, "s", RV_SET, "SCARD");
	assert_removes_exactly(pool, c, "z", RV_ZSET, "ZCARD");
	assert_removes_exactly(pool, c, "h", RV_HASH, "HLEN");
	ck_assert_int_eq(h_cmd_int(c, "LPOS l keep"), 0);
	ck_assert_int_eq(h_cmd_int(c, "SISMEMBER s keep"), 1);
	ck_assert_int_eq(h_cmd_int(c, "ZRANK z keep"), 0);
	ck_assert_int_eq(h_cmd_int(c, "HEXISTS h keep"), 1);
	redisFree(c);
	redis_pool_close(pool);
}
END_TEST

static Suite *redis_members_suite(void)
{
	Suite *s = suite_create("redis_members");
	TCase *tc = tcase_create("remove");

	h_tcase_add_fixture(tc, setup, h_stop_all);
	tcase_add_test(tc, test_remove_members_removes_exactly_them_from_every_type);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(redis_members_suite(), CK_FORK);
}
