/* test_scan_walk.c - backend/redis_scan.c against a real server: one SCAN always in flight. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/redis_conn.h"
#include "backend/redis_scan.h"
#include "harness.h"
#include "run_suite.h"

#define WALK_DB	     1	   /* SELECTed by the walk's own connection */
#define WALK_KEYS    20000 /* about twenty SCAN calls */
#define SMALL_DB     2
#define SMALL_KEYS   10	 /* one SCAN call */
#define TIMEOUT	     1.0 /* -o timeout of the pools here, seconds */
#define SETTLE_LIMIT 2.0 /* seconds for the server to answer a SCAN in flight */

static struct h_redis *server;

/* Keys PREFIX0 .. PREFIX(n-1) in database `db`, in one EVAL. */
static void load_keys(int db, const char *prefix, int n)
{
	redisContext *c = h_redis_connect(server, db);

	h_cmd_ok(c, "EVAL %s 0 %s %d",
		 "for i = 0, tonumber(ARGV[2]) - 1 do redis.call('SET', ARGV[1] .. i, 'v') end "
		 "return 'OK'",
		 prefix, n);
	redisFree(c);
}

static void setup(void)
{
	server = h_redis_start(NULL);
	load_keys(WALK_DB, "walk:", WALK_KEYS);
	load_keys(SMALL_DB, "small:", SMALL_KEYS);
}

/* The pool's log lines, one after the other (in the test's process). */
static char log_lines[8192];

static void log_line(void *arg, const char *line)
{
	(void) arg;
	strncat(log_lines, line, sizeof log_lines - strlen(log_lines) - 2);
	strcat(log_lines, "\n");
}

static struct redis_pool *open_pool(bool read_only)
{
	struct redis_endpoint ep = {.host = "127.0.0.1",
				    .port = server->port,
				    .timeout = TIMEOUT,
				    .read_only = read_only,
				    .log = log_line};
	struct redis_pool *pool;
	char err[256];

	log_lines[0] = '\0';
	ck_assert_msg(redis_pool_open(&ep, &pool, err, sizeof err) == 0, "pool: %s", err);
	return pool;
}

/* A field of INFO (e.g. "cmdstat_scan:calls"), as a number; 0 when absent. */
static long long info_number(redisContext *c, const char *section, const char *field)
{
	redisReply *r = h_cmd(c, "INFO %s", section);
	const char *at = strstr(r->str, field);
	long long n = at ? strtoll(at + strlen(field) + 1, NULL, 10) : 0;

	freeReplyObject(r);
	return n;
}

static long long scan_calls(redisContext *c)
{
	return info_number(c, "commandstats", "cmdstat_scan:calls");
}

/*
 * Wait until the server has run `want` SCANs; assert that it never runs more
 * (one in flight at most) and gets there within SETTLE_LIMIT.
 */
static void assert_scans_reach(redisContext *c, long long want)
{
	double deadline = h_now() + SETTLE_LIMIT * h_time_scale();
	long long got;

	while ((got = scan_calls(c)) < want && h_now() < deadline)
		h_nap_ms(2);
	ck_assert_msg(got == want, "the server ran %lld SCANs, want %lld", got, want);
}

/* Every key of a walk, appended to `keys`; returns the calls it took. */
static int walk_to_the_end(struct redis_scan *scan, struct rv_array *keys)
{
	bool done = false;
	int calls = 0;

	while (!done) {
		ck_assert_int_eq(redis_scan_next(scan, keys, &done), 0);
		ck_assert_int_lt(++calls, 1000);
	}
	return calls;
}

/*
 * Assert that `keys` holds the n keys of the database that start with
 * `prefix` (and only those: it holds nothing else), each at least once.
 */
static void assert_all_keys(struct rv_array *keys, const char *prefix, int n)
{
	size_t len;

	ck_assert_int_eq(rv_array_sort_unique(keys), 0); /* SCAN may repeat a key */
	ck_assert_uint_eq(keys->count, (size_t) n);
	for (size_t i = 0; i < keys->count; i++) {
		const char *k = rv_array_get(keys, i, &len);

		ck_assert_msg(len > strlen(prefix) && !memcmp(k, prefix, strlen(prefix)),
			      "a key that is not ours: %.*s", (int) len, k);
	}
}

/* Wait until the reply in flight has come, as the walk sees it without blocking. */
static void assert_becomes_ready(struct redis_scan *scan)
{
	double deadline = h_now() + SETTLE_LIMIT * h_time_scale();

	while (!redis_scan_ready(scan)) {
		ck_assert_msg(h_now() < deadline, "the reply in flight has not come");
		h_nap_ms(1);
	}
}

/* Wait until INFO's `field` of `section` is `want`: the server notices a closed connection late. */
static void assert_info_becomes(redisContext *c, const char *section, const char *field,
				long long want)
{
	double deadline = h_now() + SETTLE_LIMIT * h_time_scale();
	long long got;

	while ((got = info_number(c, section, field)) != want && h_now() < deadline)
		h_nap_ms(2);
	ck_assert_msg(got == want, "%s is %lld, want %lld", field, got, want);
}

/*
 * As soon as a reply's cursor is known the next SCAN goes out, before the
 * keys are handed back: the server answers it while the caller does other
 * things, and never has more than that one.
 */
START_TEST(test_the_next_scan_is_in_flight_before_the_keys_are_handed_back)
{
	redisContext *c = h_redis_connect(server, 0);
	struct redis_pool *pool = open_pool(false);
	struct rv_array keys = {0};
	struct redis_scan *scan;
	bool done = false;
	long long calls = 0;

	ck_assert_int_eq(redis_scan_open(pool, WALK_DB, &scan), 0);
	h_cmd_ok(c, "CONFIG RESETSTAT");
	while (!done) {
		ck_assert_int_eq(redis_scan_next(scan, &keys, &done), 0);
		calls++;
		assert_scans_reach(c, done ? calls : calls + 1);
		assert_becomes_ready(scan); /* the server answered without being asked again */
	}
	ck_assert_int_gt(calls, 2);
	assert_all_keys(&keys, "walk:", WALK_KEYS);
	rv_array_free(&keys);
	redis_scan_close(scan);
	redis_pool_close(pool);
	redisFree(c);
}
END_TEST

/*
 * A database that one SCAN covers needs no connection of its own; a bigger
 * one gets exactly one, gone when the walk is over. A read-only pool walks
 * too (SCAN is a read).
 */
START_TEST(test_a_walk_makes_one_connection_of_its_own_and_only_when_it_needs_it)
{
	redisContext *c = h_redis_connect(server, 0);
	struct redis_pool *pool = open_pool(true);
	struct rv_array keys = {0};
	struct redis_scan *scan;
	long long before;
	bool done;

	before = info_number(c, "stats", "total_connections_received");
	ck_assert_int_eq(redis_scan_open(pool, SMALL_DB, &scan), 0);
	ck_assert_int_eq(redis_scan_next(scan, &keys, &done), 0);
	ck_assert(done);
	redis_scan_close(scan);
	assert_all_keys(&keys, "small:", SMALL_KEYS);
	ck_assert_int_eq(info_number(c, "stats", "total_connections_received"), before);

	rv_array_free(&keys);
	ck_assert_int_eq(redis_scan_open(pool, WALK_DB, &scan), 0);
	walk_to_the_end(scan, &keys);
	assert_all_keys(&keys, "walk:", WALK_KEYS);
	ck_assert_int_eq(info_number(c, "stats", "total_connections_received"), before + 1);
	assert_info_becomes(c, "clients", "connected_clients", 2); /* ours and the pool's */
	redis_scan_close(scan);
	rv_array_free(&keys);
	redis_pool_close(pool);
	redisFree(c);
}
END_TEST

/*
 * The walk's connection killed between two calls (again and again): it is
 * made again, the SCAN sent once more with the same cursor, and no key is
 * missed.
 */
START_TEST(test_a_killed_connection_is_made_again_and_the_walk_goes_on)
{
	redisContext *c = h_redis_connect(server, 0);
	struct redis_pool *pool = open_pool(false);
	struct rv_array keys = {0};
	struct redis_scan *scan;
	long long killed = 0;
	bool done = false;

	ck_assert_int_eq(redis_scan_open(pool, WALK_DB, &scan), 0);
	while (!done) {
		ck_assert_int_eq(redis_scan_next(scan, &keys, &done), 0);
		if (!done)
			killed += h_cmd_int(c, "CLIENT KILL TYPE normal SKIPME yes");
	}
	/* a kill that finds no walk's connection: it had already sent into a dead one */
	ck_assert_int_ge(killed, 5);
	assert_all_keys(&keys, "walk:", WALK_KEYS);
	ck_assert_msg(!strstr(log_lines, "SCAN"), "a redial was logged:\n%s", log_lines);
	rv_array_free(&keys);
	redis_scan_close(scan);
	redis_pool_close(pool);
	redisFree(c);
}
END_TEST

/*
 * The server stops in the middle: nothing comes (the walk says so without
 * blocking), the next call fails with EIO after one timeout, not two (a
 * timeout is not retried), logged; every later call fails at once.
 */
START_TEST(test_a_stopped_server_gives_eio_after_one_timeout)
{
	struct redis_pool *pool = open_pool(false);
	struct rv_array keys = {0};
	struct redis_scan *scan;
	double start, took;
	bool done;

	ck_assert_int_eq(redis_scan_open(pool, WALK_DB, &scan), 0);
	ck_assert(!redis_scan_ready(scan)); /* the first call asks: it would wait */
	ck_assert_int_eq(redis_scan_next(scan, &keys, &done), 0);
	ck_assert(!done);
	assert_becomes_ready(scan);
	h_redis_freeze(server, true);
	ck_assert_int_eq(redis_scan_next(scan, &keys, &done), 0); /* it had come */
	h_nap_ms(300);
	ck_assert_msg(!redis_scan_ready(scan), "a stopped server's reply is ready");
	start = h_now();
	ck_assert_int_eq(redis_scan_next(scan, &keys, &done), -EIO);
	took = h_now() - start;
	ck_assert_msg(took >= 0.9 * TIMEOUT && took < 2 * TIMEOUT, "EIO after %.2f s", took);
	ck_assert(redis_scan_ready(scan)); /* failed: nothing to wait for */
	start = h_now();
	ck_assert_int_eq(redis_scan_next(scan, &keys, &done), -EIO);
	ck_assert_msg(h_now() - start < 0.1 * h_time_scale(), "a failed walk asked again");
	ck_assert_msg(strstr(log_lines, "no answer within"), "not logged:\n%s", log_lines);
	h_redis_freeze(server, false);
	rv_array_free(&keys);
	redis_scan_close(scan);
	redis_pool_close(pool);
}
END_TEST

static Suite *scan_walk_suite(void)
{
	Suite *s = suite_create("scan_walk");
	TCase *tc = tcase_create("walk");

	h_tcase_add_fixture(tc, setup, h_stop_all);
	tcase_add_test(tc, test_the_next_scan_is_in_flight_before_the_keys_are_handed_back);
	tcase_add_test(tc, test_a_walk_makes_one_connection_of_its_own_and_only_when_it_needs_it);
	tcase_add_test(tc, test_a_killed_connection_is_made_again_and_the_walk_goes_on);
	tcase_add_test(tc, test_a_stopped_server_gives_eio_after_one_timeout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(scan_walk_suite(), CK_FORK);
}
