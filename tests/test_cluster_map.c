/* test_cluster_map.c - unit tests of backend/redis_cluster.c: key slots, CLUSTER SLOTS,
 * redirections. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/redis_cluster.h"
#include "run_suite.h"

static unsigned int slot(const char *key)
{
	return cluster_key_slot(key, strlen(key));
}

START_TEST(test_key_slot_is_crc16_xmodem_modulo_16384)
{
	/* 0x31C3 is CRC-16/XMODEM's check value of "123456789" */
	ck_assert_uint_eq(slot("123456789"), 0x31C3);
	/* the values `CLUSTER KEYSLOT` gives */
	ck_assert_uint_eq(slot("foo"), 12182);
	ck_assert_uint_eq(slot("bar"), 5061);
	ck_assert_uint_eq(slot(""), 0);
	ck_assert_uint_eq(cluster_key_slot("a\0b", 3), cluster_key_slot("a\0b", 3));
	ck_assert_uint_ne(cluster_key_slot("a\0b", 3), slot("a"));
}
END_TEST

START_TEST(test_hash_tag_is_the_first_braces_with_something_inside)
{
	ck_assert_uint_eq(slot("{user1000}.following"), slot("{user1000}.followers"));
	ck_assert_uint_eq(slot("{user1000}.following"), slot("user1000"));
	ck_assert_uint_eq(slot("foo{bar}{zap}"), slot("bar"));
	ck_assert_uint_eq(slot("foo{{bar}}zap"), slot("{bar"));
	/* an empty tag, or no closing brace: the whole key */
	ck_assert_uint_eq(slot("foo{}{bar}"), cluster_key_slot("foo{}{bar}", 10));
	ck_assert_uint_ne(slot("foo{}{bar}"), slot("bar"));
	ck_assert_uint_ne(slot("foo{bar"), slot("bar"));
}
END_TEST

START_TEST(test_redirections_are_parsed)
{
	struct cluster_redirect r;
	const char *moved = "MOVED 3999 127.0.0.1:6381", *ask = "ASK 42 ::1:7000";

	ck_assert(cluster_parse_redirect(moved, strlen(moved), &r));
	ck_assert(!r.ask);
	ck_assert_uint_eq(r.slot, 3999);
	ck_assert_str_eq(r.host, "127.0.0.1");
	ck_assert_int_eq(r.port, 6381);
	ck_assert(cluster_parse_redirect(ask, strlen(ask), &r));
	ck_assert(r.ask);
	ck_assert_uint_eq(r.slot, 42);
	ck_assert_str_eq(r.host, "::1");
	ck_assert_int_eq(r.port, 7000);
	ck_assert(cluster_parse_redirect("MOVED 1 :6380", 13, &r));
	ck_assert_str_eq(r.host, "");
	ck_assert(!cluster_parse_redirect("MOVED 16384 h:1", 15, &r));
	ck_assert(!cluster_parse_redirect("MOVED x h:1", 11, &r));
	ck_assert(!cluster_parse_redirect("MOVED 1 h:0", 11, &r));
	ck_assert(!cluster_parse_redirect("ERR wrong", 9, &r));
}
END_TEST

/* Building replies by hand: the map reads only type, str, len, integer and elements. */
static redisReply *integer(long long v)
{
	redisReply *r = calloc(1, sizeof *r);

	r->type = REDIS_REPLY_INTEGER;
	r->integer = v;
	return r;
}

static redisReply *string(const char *s)
{
	redisReply *r = calloc(1, sizeof *r);

	r->type = REDIS_REPLY_STRING;
	r->str = strdup(s);
	r->len = strlen(s);
	return r;
}

static redisReply *array(size_t n, redisReply **items)
{
	redisReply *r = calloc(1, sizeof *r);

	r->type = REDIS_REPLY_ARRAY;
	r->elements = n;
	r->element = calloc(n ? n : 1, sizeof *r->element);
	memcpy(r->element, items, n * sizeof *items);
	return r;
}

static void release(redisReply *r)
{
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		release(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

static redisReply *range(long long start, long long end, const char *host, int port)
{
	redisReply *master = array(2, (redisReply *[]){string(host), integer(port)});
	redisReply *replica = array(2, (redisReply *[]){string("10.0.0.9"), integer(9)});

	return array(4, (redisReply *[]){integer(start), integer(end), master, replica});
}

START_TEST(test_cluster_slots_fill_the_map_with_masters_only)
{
	struct redis_cluster *c = cluster_create("seed.example", 7000);
	redisReply *slots = array(3, (redisReply *[]){range(0, 5460, "seed.example", 7000),
						      range(5461, 10922, "10.0.0.2", 7001),
						      range(10923, 16383, "", 7002)});
	int masters[8];
	char host[CLUSTER_HOST_MAX];
	int port;

	ck_assert_int_eq(cluster_slot_node(c, 0), -1);
	ck_assert_int_eq(cluster_apply_slots(c, slots, 0), 0);
	ck_assert_int_eq(cluster_slot_node(c, 0), 0); /* the seed keeps index 0 */
	ck_assert_int_eq(cluster_slot_node(c, 5460), 0);
	ck_assert_int_eq(cluster_slot_node(c, 5461), 1);
	ck_assert_int_eq(cluster_slot_node(c, 16383), 2);
	ck_assert_uint_eq(cluster_masters(c, masters, 8), 3);
	/* an empty host is the host of the node that answered */
	ck_assert_int_eq(cluster_node_address(c, 2, host, &port), 0);
	ck_assert_str_eq(host, "seed.example");
	ck_assert_int_eq(port, 7002);
	/* replicas are not nodes of the map */
	ck_assert_int_eq(cluster_node_count(c), 3);
	release(slots);
	cluster_free(c);
}
END_TEST

START_TEST(test_a_moved_slot_and_a_new_map_change_the_version)
{
	struct redis_cluster *c = cluster_create("127.0.0.1", 7000);
	redisReply *slots = array(1, (redisReply *[]){range(0, 16383, "127.0.0.1", 7000)});
	redisReply *bad = array(1, (redisReply *[]){integer(1)});
	unsigned long v;
	int node;

	ck_assert_int_eq(cluster_apply_slots(c, slots, 0), 0);
	v = cluster_version(c);
	ck_assert_int_eq(cluster_apply_slots(c, slots, 0), 0);
	ck_assert_uint_eq(cluster_version(c), v); /* the same map: no change */
	node = cluster_node_index(c, "127.0.0.1", 7001);
	ck_assert_int_eq(node, 1);
	cluster_set_slot(c, 42, node);
	ck_assert_uint_gt(cluster_version(c), v);
	ck_assert_int_eq(cluster_slot_node(c, 42), 1);
	ck_assert_int_eq(cluster_apply_slots(c, bad, 0), -EIO);
	ck_assert_int_eq(cluster_slot_node(c, 42), 1); /* a bad reply changes nothing */
	release(slots);
	release(bad);
	cluster_free(c);
}
END_TEST

START_TEST(test_importing_is_read_from_the_myself_line)
{
	const char *importing = "a1 127.0.0.1:7001@17001 master - 0 0 2 connected 0-5460\n"
				"b2 127.0.0.1:7000@17000 myself,master - 0 0 1 connected "
				"5461-10922 [5-<-a1]\n";
	const char *migrating =
		"b2 127.0.0.1:7000@17000 myself,master - 0 0 1 connected "
		"5461-10922 [5->-a1]\n"
		"a1 127.0.0.1:7001@17001 master - 0 0 2 connected 0-5460 [6-<-b2]\n";

	ck_assert(cluster_nodes_importing(importing, strlen(importing)));
	ck_assert(!cluster_nodes_importing(migrating, strlen(migrating)));
}
END_TEST

START_TEST(test_refreshes_are_claimed_once_per_gap)
{
	struct redis_cluster *c = cluster_create("h", 1);

	ck_assert(cluster_refresh_claim(c, 1000, 100));
	ck_assert(!cluster_refresh_claim(c, 1050, 100));
	ck_assert(cluster_refresh_claim(c, 1100, 100));
	cluster_free(c);
}
END_TEST

static Suite *cluster_map_suite(void)
{
	Suite *s = suite_create("cluster_map");
	TCase *tc = tcase_create("slots");

	tcase_add_test(tc, test_key_slot_is_crc16_xmodem_modulo_16384);
	tcase_add_test(tc, test_hash_tag_is_the_first_braces_with_something_inside);
	tcase_add_test(tc, test_redirections_are_parsed);
	tcase_add_test(tc, test_cluster_slots_fill_the_map_with_masters_only);
	tcase_add_test(tc, test_a_moved_slot_and_a_new_map_change_the_version);
	tcase_add_test(tc, test_importing_is_read_from_the_myself_line);
	tcase_add_test(tc, test_refreshes_are_claimed_once_per_gap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(cluster_map_suite(), CK_FORK);
}
