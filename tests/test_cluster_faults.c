/* test_cluster_faults.c - a mount over a Redis Cluster (SPEC 9): failover, ghosts, refusals. */
#include "cluster_fixture.h"
#include "run_suite.h"

static struct h_mysql *mysql; /* for the ghost rule */

/*
 * A ghost rule over queues that live on different masters (q:a in slot
 * 14817, q:b in slot 2434: the first and the last of three masters).
 */
static void setup_ghosts(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 16];
	struct h_mount_spec spec = {.url = NULL, .options = opts};

	cluster = h_cluster_start(NULL);
	mysql = h_mysql_start();
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id BIGINT PRIMARY KEY);"
		    "INSERT INTO users (id) VALUES (1), (2), (4)",
		    mysql->database);
	h_mysql_write_ghost_config(mysql, config, sizeof config);
	h_cluster_cmd_ok(cluster, "RPUSH q:a 1 3 2 5");
	h_cluster_cmd_ok(cluster, "SADD q:b 4 6");
	h_cluster_cmd_ok(cluster, "SET other 3");
	ck_assert_int_ne(h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, "q:a")),
			 h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, "q:b")));
	snprintf(opts, sizeof opts, "config=%s", config);
	spec.url = cluster->url;
	cluster_mount = h_mount_start(cluster->nodes[0], &spec);
}
static void setup_refusals(void)
{
	cluster = h_cluster_start(NULL);
	single = h_redis_start(NULL);
}

/* The port of the replica of the master on `master_port`. */
static int replica_of(int master_port)
{
	char want[64];

	snprintf(want, sizeof want, "master_port:%d\r", h_cluster_peer_port(cluster, master_port));
	for (int i = 0; i < H_CLUSTER_NODES; i++) {
		redisContext *c = h_cluster_connect_port(cluster, cluster->nodes[i]->port);
		redisReply *r = h_cmd(c, "INFO replication");
		bool found = strstr(r->str, "role:slave") && strstr(r->str, want);
		int port = cluster->nodes[i]->port;

		freeReplyObject(r);
		redisFree(c);
		if (found)
			return port;
	}
	ck_abort_msg("no replica of %d", master_port);
	return 0;
}

/* Read a file: 0 when it holds `want`, else -errno (or -EBADMSG for wrong content). */
static int read_matches(const char *rel, const char *want)
{
	char path[H_PATH_MAX], *got;
	size_t len;
	int ret = h_read_file(h_path(path, sizeof path, cluster_mount, rel), &got, &len);

	if (ret)
		return ret;
	ret = len == strlen(want) && memcmp(got, want, len) == 0 ? 0 : -EBADMSG;
	free(got);
	return ret;
}

START_TEST(test_cluster_failover_gives_at_most_eio_then_works)
{
	int old_master = h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, "key:7"));
	int replica = replica_of(old_master);
	double deadline = h_now() + 60.0 * h_time_scale();
	char path[H_PATH_MAX];
	redisContext *c;
	int ret, rounds = 0;

	assert_file_matches("key:7"); /* the daemon knows the old master */
	c = h_cluster_connect_port(cluster, replica);
	h_cmd_ok(c, "CLUSTER FAILOVER");
	redisFree(c);
	/* while it happens: the right content or EIO, nothing else */
	while (h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, "key:7")) != replica) {
		ck_assert_msg(h_now() < deadline, "the failover did not happen");
		ret = read_matches("db0/key:7", "value-7");
		ck_assert_msg(ret == 0 || ret == -EIO, "read during failover: %s", strerror(-ret));
		ret = h_write_file(h_path(path, sizeof path, cluster_mount, "db0/key:8"), "during",
				   6, 0644);
		ck_assert_msg(ret == 0 || ret == -EIO, "write during failover: %s", strerror(-ret));
		rounds++;
		h_nap_ms(20);
	}
	h_cluster_wait_stable(cluster);
	/* afterwards: everything works at once, without a remount */
	ck_assert_int_eq(read_matches("db0/key:7", "value-7"), 0);
	ck_assert_int_eq(h_write_file(h_path(path, sizeof path, cluster_mount, "db0/key:7"),
				      "after", 5, 0644),
			 0);
	c = h_cluster_connect_port(cluster, replica); /* the new master holds it */
	{
		redisReply *r = h_cmd(c, "GET key:7");

		ck_assert_str_eq(r->str, "after");
		freeReplyObject(r);
	}
	redisFree(c);
	ck_assert_int_eq(unlink(h_path(path, sizeof path, cluster_mount, "db0/key:7")), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS key:7"), 0);
	assert_listing_is_every_key();
	assert_file_matches("list");
	(void) rounds;
}
END_TEST

/* A node's cluster id. */
static void node_id(int port, char *out, size_t len)
{
	redisContext *c = h_cluster_connect_port(cluster, port);
	redisReply *r = h_cmd(c, "CLUSTER MYID");

	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	snprintf(out, len, "%s", r->str);
	freeReplyObject(r);
	redisFree(c);
}

/* MIGRATE up to `count` keys of `slot` from `src` to `dst`; returns how many moved. */
static long long migrate_some(int src, int dst, int slot, int count)
{
	redisContext *c = h_cluster_connect_port(cluster, src);
	redisReply *keys = h_cmd(c, "CLUSTER GETKEYSINSLOT %d %d", slot, count);
	long long moved = (long long) keys->elements;

	for (size_t i = 0; i < keys->elements; i++) {
		redisReply *r = h_cmd(c, "MIGRATE 127.0.0.1 %d %b 0 5000",
				      h_cluster_peer_port(cluster, dst), keys->element[i]->str,
				      keys->element[i]->len);

		ck_assert_msg(r->type == REDIS_REPLY_STATUS, "MIGRATE: %s", r->str);
		freeReplyObject(r);
	}
	freeReplyObject(keys);
	redisFree(c);
	return moved;
}

/*
 * In a child: list db0 again and again until `stop` exists; every listing
 * must be all of `want` or fail with EIO. Exits 0, 1 after a wrong listing,
 * 2 when no listing succeeded.
 */
static void list_until(const char *stop, char **want, size_t n)
{
	char path[H_PATH_MAX];
	int bad = 0, good = 0;

	h_path(path, sizeof path, cluster_mount, "db0");
	while (access(stop, F_OK) != 0) {
		struct h_names names;
		int ret = h_list(path, &names);
		bool same;

		if (ret) {
			bad += ret != -EIO;
			continue;
		}
		/* the parent writes and removes {mig}new meanwhile: it may be listed or not */
		same = true;
		for (size_t i = 0, j = 0; same && (i < names.n || j < n); i++) {
			if (i < names.n && strcmp(names.v[i], "{mig}new") == 0)
				continue;
			same = i < names.n && j < n && strcmp(names.v[i], want[j++]) == 0;
		}
		if (!same)
			fprintf(stderr, "listing during resharding: %zu names, want %zu\n", names.n,
				n);
		bad += !same;
		good += same;
		h_names_free(&names);
	}
	_exit(bad ? 1 : good ? 0 : 2);
}

START_TEST(test_cluster_resharding_during_listing)
{
	int slot = h_cluster_keyslot(cluster, "{mig}");
	int src = h_cluster_slot_master(cluster, slot), dst = 0, ports[H_CLUSTER_NODES];
	int masters = h_cluster_masters(cluster, ports, H_CLUSTER_NODES), status;
	char src_id[64], dst_id[64], stop[H_PATH_MAX], path[H_PATH_MAX];
	char **want;
	size_t n;
	pid_t lister;
	redisContext *c;

	for (int i = 0; i < masters && !dst; i++)
		dst = ports[i] != src ? ports[i] : 0;
	node_id(src, src_id, sizeof src_id);
	node_id(dst, dst_id, sizeof dst_id);
	assert_file_matches("{mig}1"); /* the daemon knows the slot's master */
	snprintf(stop, sizeof stop, "%s/stop", h_scratch_dir());
	want = h_cluster_all_keys(cluster, &n);
	lister = fork();
	ck_assert_int_ge(lister, 0);
	if (lister == 0)
		list_until(stop, want, n);

	c = h_cluster_connect_port(cluster, dst);
	h_cmd_ok(c, "CLUSTER SETSLOT %d IMPORTING %s", slot, src_id);
	redisFree(c);
	c = h_cluster_connect_port(cluster, src);
	h_cmd_ok(c, "CLUSTER SETSLOT %d MIGRATING %s", slot, dst_id);
	redisFree(c);
	ck_assert_int_eq(migrate_some(src, dst, slot, MIGRATE_KEYS / 2), MIGRATE_KEYS / 2);

	/* half moved: keys on the target are reached with ASK, the others where they were */
	for (int i = 0; i < MIGRATE_KEYS; i++) {
		char rel[32], want_value[32];

		snprintf(rel, sizeof rel, "db0/{mig}%d", i);
		snprintf(want_value, sizeof want_value, "moving-%d", i);
		ck_assert_int_eq(read_matches(rel, want_value), 0);
	}
	ck_assert_int_eq(h_write_file(h_path(path, sizeof path, cluster_mount, "db0/{mig}new"),
				      "asked", 5, 0644),
			 0);
	ck_assert_int_eq(unlink(path), 0);

	while (migrate_some(src, dst, slot, 10) > 0)
		h_nap_ms(50); /* slowly, so that listings run meanwhile */
	for (int i = 0; i < masters; i++) {
		c = h_cluster_connect_port(cluster, ports[i]);
		h_cmd_ok(c, "CLUSTER SETSLOT %d NODE %s", slot, dst_id);
		redisFree(c);
	}
	h_cluster_wait_stable(cluster);
	h_nap_ms(300);
	ck_assert_int_eq(creat(stop, 0644) >= 0, 1);
	ck_assert_int_eq(waitpid(lister, &status, 0), lister);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "listings during the resharding: status 0x%x (1: a wrong one, 2: none)",
		      status);
	h_cluster_keys_free(want, n);

	/* afterwards: the slot's keys are on the new master and work through MOVED */
	ck_assert_int_eq(h_cluster_slot_master(cluster, slot), dst);
	ck_assert_int_eq(read_matches("db0/{mig}3", "moving-3"), 0);
	ck_assert_int_eq(h_write_file(h_path(path, sizeof path, cluster_mount, "db0/{mig}3"),
				      "moved", 5, 0644),
			 0);
	c = h_cluster_connect_port(cluster, dst);
	{
		redisReply *r = h_cmd(c, "GET {mig}3");

		ck_assert_str_eq(r->str, "moved");
		freeReplyObject(r);
	}
	redisFree(c);
	assert_listing_is_every_key();
}
END_TEST

/* Run redisfs against `url` with `options`; assert exit status 1, no mount and `message`. */
static void assert_refused(const char *url, const char *options, const char *message)
{
	const char *dir = h_scratch_dir();
	const char *args[] = {url, dir, "-f", options ? "-o" : NULL, options, NULL};
	struct h_run res;

	h_run_redisfs(args, NULL, 30.0 * h_time_scale(), &res);
	ck_assert_msg(res.status == 1, "%s %s: status %d, stderr '%s'", url, options ? options : "",
		      res.status, res.err);
	ck_assert_msg(strstr(res.err, message), "stderr '%s' lacks '%s'", res.err, message);
	ck_assert(!h_mount_info(dir, NULL, 0, NULL, 0));
	h_run_free(&res);
}

START_TEST(test_cluster_refuses_a_database_url_databases_and_other_ghost_dbs)
{
	char url[96], config[H_PATH_MAX], opts[H_PATH_MAX + 16];
	FILE *f;

	snprintf(url, sizeof url, "%s/1", cluster->url);
	assert_refused(url, NULL, "db0 only: /1 refused");
	assert_refused(cluster->url, "databases=4", "db0 only: databases= refused");
	snprintf(config, sizeof config, "%s/redisfs.ini", h_scratch_dir());
	f = fopen(config, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[mysql]\nhost = 127.0.0.1\n[ghosts.q]\nkeys = q:*\ntable = users\n"
		   "column = id\ndb = 2\n");
	fclose(f);
	snprintf(opts, sizeof opts, "config=%s", config);
	assert_refused(cluster->url, opts, "ghosts.q");
}
END_TEST
START_TEST(test_cluster_option_against_a_single_server_is_refused)
{
	char url[64];

	assert_refused(h_redis_url(single, NULL, url, sizeof url), "cluster",
		       "is not a Redis Cluster node");
}
END_TEST
START_TEST(test_cluster_option_against_a_cluster_mounts)
{
	struct h_mount_spec spec = {.url = cluster->url, .options = "cluster"};
	struct h_names names;
	struct h_mount *m = h_mount_start(cluster->nodes[0], &spec);

	ck_assert_int_eq(h_list(m->mnt, &names), 0);
	ck_assert_uint_eq(names.n, 1);
	ck_assert_str_eq(names.v[0], "db0");
	h_names_free(&names);
	h_mount_stop(m);
}
END_TEST

static void teardown_ghosts(void)
{
	h_mysql_stop_all();
	mysql = NULL;
	teardown();
}

/* ghosts/ over a cluster: each queue read from its master, only ghosts shown and removed. */
START_TEST(test_cluster_ghosts_lists_and_removes_exactly_the_ghosts)
{
	char path[H_PATH_MAX];
	struct h_names names = {0};
	redisReply *r;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, cluster_mount, "ghosts/q/q:a"), &names),
			 0);
	ck_assert_uint_eq(names.n, 2);
	ck_assert(h_names_has(&names, "3") && h_names_has(&names, "5"));
	h_names_free(&names);
	ck_assert_int_eq(h_list(h_path(path, sizeof path, cluster_mount, "ghosts/q/q:b"), &names),
			 0);
	ck_assert_uint_eq(names.n, 1);
	ck_assert(h_names_has(&names, "6"));
	h_names_free(&names);

	ck_assert_int_eq(unlink(h_path(path, sizeof path, cluster_mount, "ghosts/q/q:a/3")), 0);
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "rm -r ghosts/q/q:b"), 0);
	r = h_cluster_cmd(cluster, "LRANGE q:a 0 -1");
	ck_assert_uint_eq(r->elements, 3);
	ck_assert_str_eq(r->element[0]->str, "1");
	ck_assert_str_eq(r->element[1]->str, "2");
	ck_assert_str_eq(r->element[2]->str, "5");
	freeReplyObject(r);
	r = h_cluster_cmd(cluster, "SMEMBERS q:b");
	ck_assert_uint_eq(r->elements, 1);
	ck_assert_str_eq(r->element[0]->str, "4");
	freeReplyObject(r);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS other"), 1);
}
END_TEST

static Suite *cluster_faults_suite(void)
{
	Suite *s = suite_create("cluster_faults");
	TCase *tc;

	tc = tcase_create("faults");
	h_tcase_add_fixture(tc, setup_rw, teardown);
	tcase_set_timeout(tc, 180 * h_time_scale());
	tcase_add_test(tc, test_cluster_resharding_during_listing);
	tcase_add_test(tc, test_cluster_failover_gives_at_most_eio_then_works);
	suite_add_tcase(s, tc);

	tc = tcase_create("ghosts");
	h_mysql_tcase_add_fixture(tc, setup_ghosts, teardown_ghosts);
	tcase_set_timeout(tc, 120 * h_time_scale());
	tcase_add_test(tc, test_cluster_ghosts_lists_and_removes_exactly_the_ghosts);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	h_tcase_add_fixture(tc, setup_refusals, teardown);
	tcase_set_timeout(tc, 120 * h_time_scale());
	tcase_add_test(tc, test_cluster_refuses_a_database_url_databases_and_other_ghost_dbs);
	tcase_add_test(tc, test_cluster_option_against_a_single_server_is_refused);
	tcase_add_test(tc, test_cluster_option_against_a_cluster_mounts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(cluster_faults_suite(), CK_FORK);
}
