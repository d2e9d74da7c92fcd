/* test_cluster_rw.c - a mount over a Redis Cluster (SPEC 9): reads, writes, rm, -o ro, auth. */
#include "cluster_fixture.h"
#include "run_suite.h"

#define PASSWORD "every-node-pw"

static void setup_ro(void)
{
	struct h_mount_spec spec = {.url = NULL, .options = "ro"};

	cluster = h_cluster_start(NULL);
	fill();
	/* from here on no node may see a write command: the mount's only (replication too) */
	h_cluster_wait_replicated(cluster);
	for (int i = 0; i < H_CLUSTER_NODES; i++) {
		redisContext *c = h_cluster_connect_port(cluster, cluster->nodes[i]->port);

		h_cmd_ok(c, "CONFIG RESETSTAT");
		redisFree(c);
	}
	spec.url = cluster->url;
	cluster_mount = h_mount_start(cluster->nodes[0], &spec);
}
static void setup_auth(void)
{
	struct h_mount_spec spec = {.url = NULL, .options = NULL, .auth = PASSWORD};

	cluster = h_cluster_start(PASSWORD);
	fill();
	spec.url = cluster->url;
	cluster_mount = h_mount_start(cluster->nodes[0], &spec);
}

START_TEST(test_cluster_root_holds_db0_only)
{
	struct h_names names;

	ck_assert_int_eq(h_list(cluster_mount->mnt, &names), 0);
	ck_assert_uint_eq(names.n, 1);
	ck_assert_str_eq(names.v[0], "db0");
	h_names_free(&names);
}
END_TEST
START_TEST(test_cluster_listing_is_every_key_of_every_master_once)
{
	int ports[H_CLUSTER_NODES];
	int masters = h_cluster_masters(cluster, ports, H_CLUSTER_NODES);

	ck_assert_int_eq(masters, 3);
	for (int i = 0; i < masters; i++) {
		redisContext *c = h_cluster_connect_port(cluster, ports[i]);

		ck_assert_int_gt(h_cmd_int(c, "DBSIZE"), 10); /* the keys are spread */
		redisFree(c);
	}
	assert_listing_is_every_key();
	/* ls -l: the attributes of every key, in pipelines split by node */
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "test \"$(ls -l db0 | grep -c '^-')\" -eq %d",
			      STRING_KEYS + MIGRATE_KEYS + 6),
			 0);
	ck_assert_int_eq(
		h_sh(cluster_mount->mnt, "ls -l db0 | grep -q ' 8 [A-Z][a-z][a-z] .* key:42$'"), 0);
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "test \"$(ls db0 | wc -l)\" -eq %d",
			      STRING_KEYS + MIGRATE_KEYS + 6),
			 0);
}
END_TEST
START_TEST(test_cluster_files_hold_what_the_owning_master_holds)
{
	const char *keys[] = {"key:0", "key:1", "key:77", "key:199", "list",
			      "set",   "zset",	"hash",	  "stream",  "{tag}a"};
	struct stat st;
	char path[H_PATH_MAX];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_file_matches(keys[i]);
	ck_assert_int_eq(stat(h_path(path, sizeof path, cluster_mount, "db0/key:5"), &st), 0);
	ck_assert_int_eq(st.st_size, strlen("value-5"));
	ck_assert_int_eq(stat(h_path(path, sizeof path, cluster_mount, "db0/nosuchkey"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST
START_TEST(test_cluster_writes_land_on_the_owning_master)
{
	char path[H_PATH_MAX], rel[64], want[64];
	redisReply *r;

	for (int i = 0; i < 30; i++) {
		snprintf(rel, sizeof rel, "db0/new:%d", i);
		snprintf(want, sizeof want, "written %d", i);
		ck_assert_int_eq(h_write_file(h_path(path, sizeof path, cluster_mount, rel), want,
					      strlen(want), 0644),
				 0);
	}
	for (int i = 0; i < 30; i++) {
		redisContext *c;
		char key[32];

		snprintf(key, sizeof key, "new:%d", i);
		snprintf(want, sizeof want, "written %d", i);
		c = owner_of(key); /* on its master, not merely somewhere in the cluster */
		r = h_cmd(c, "GET %s", key);
		ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
		ck_assert_str_eq(r->str, want);
		freeReplyObject(r);
		redisFree(c);
	}
	/* a shell append and a list written as lines */
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "printf ' more' >> db0/new:1"), 0);
	r = h_cluster_cmd(cluster, "GET new:1");
	ck_assert_str_eq(r->str, "written 1 more");
	freeReplyObject(r);
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "printf 'p\\nq\\n' > db0/list"), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "LLEN list"), 2);
	assert_file_matches("list");
}
END_TEST
START_TEST(test_cluster_rm_removes_the_key_on_its_master)
{
	char path[H_PATH_MAX];

	ck_assert_int_eq(unlink(h_path(path, sizeof path, cluster_mount, "db0/key:10")), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS key:10"), 0);
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "rm db0/key:11 db0/key:12 db0/key:13 db0/hash"),
			 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS key:11"), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS key:13"), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS hash"), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS key:14"), 1);
	assert_listing_is_every_key();
}
END_TEST
START_TEST(test_cluster_mv_across_slots_keeps_type_and_ttl)
{
	char from[H_PATH_MAX], to[H_PATH_MAX];
	long long pttl;
	redisReply *r;

	h_cluster_cmd_ok(cluster, "RPUSH mvsrc a b c");
	h_cluster_cmd_ok(cluster, "PEXPIRE mvsrc %d", LIST_TTL_MS);
	h_cluster_cmd_ok(cluster, "HSET mvhash f v");
	ck_assert_int_ne(h_cluster_keyslot(cluster, "mvsrc"), h_cluster_keyslot(cluster, "mvdst"));
	ck_assert_int_eq(rename(h_path(from, sizeof from, cluster_mount, "db0/mvsrc"),
				h_path(to, sizeof to, cluster_mount, "db0/mvdst")),
			 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS mvsrc"), 0);
	r = h_cluster_cmd(cluster, "TYPE mvdst");
	ck_assert_str_eq(r->str, "list");
	freeReplyObject(r);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "LLEN mvdst"), 3);
	pttl = h_cluster_cmd_int(cluster, "PTTL mvdst");
	ck_assert_int_gt(pttl, 0);
	ck_assert_int_le(pttl, LIST_TTL_MS);
	assert_file_matches("mvdst");

	/* no TTL stays no TTL; an existing target is replaced, as rename(2) does */
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "mv db0/mvhash db0/key:20"), 0);
	r = h_cluster_cmd(cluster, "TYPE key:20");
	ck_assert_str_eq(r->str, "hash");
	freeReplyObject(r);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "PTTL key:20"), -1);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS mvhash"), 0);

	/* within one slot (a hash tag): RENAME */
	ck_assert_int_eq(h_sh(cluster_mount->mnt, "mv 'db0/{tag}a' 'db0/{tag}b'"), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS {tag}a"), 0);
	r = h_cluster_cmd(cluster, "GET {tag}b");
	ck_assert_str_eq(r->str, "tagged");
	freeReplyObject(r);
}
END_TEST
START_TEST(test_cluster_xattrs_come_from_the_owning_master)
{
	char path[H_PATH_MAX], value[64];
	ssize_t n;

	h_path(path, sizeof path, cluster_mount, "db0/list");
	n = getxattr(path, "user.redis.type", value, sizeof value - 1);
	ck_assert_int_gt(n, 0);
	value[n] = '\0';
	ck_assert_str_eq(value, "list");
	n = getxattr(path, "user.redis.encoding", value, sizeof value - 1); /* OBJECT ENCODING */
	ck_assert_int_gt(n, 0);
	value[n] = '\0';
	{
		redisReply *r = h_cluster_cmd(cluster, "OBJECT ENCODING list");

		ck_assert_str_eq(value, r->str);
		freeReplyObject(r);
	}
	n = getxattr(path, "user.redis.memory", value, sizeof value - 1); /* MEMORY USAGE */
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(setxattr(path, "user.redis.ttl", "500", 3, 0), 0);
	ck_assert_int_gt(h_cluster_cmd_int(cluster, "TTL list"), 400);
}
END_TEST
START_TEST(test_cluster_rm_r_of_a_namespace_folder_removes_its_keys_on_every_master)
{
	struct h_mount_spec spec = {.url = cluster->url, .options = "delimiter=:"};
	struct h_mount *m = h_mount_start(cluster->nodes[0], &spec);
	int ports[H_CLUSTER_NODES];
	int masters = h_cluster_masters(cluster, ports, H_CLUSTER_NODES);
	struct h_names names;
	char path[H_PATH_MAX];

	ck_assert_int_eq(h_list(h_path(path, sizeof path, m, "db0/key:"), &names), 0);
	ck_assert_uint_gt(names.n, 100);
	h_names_free(&names);
	ck_assert_int_eq(h_sh(m->mnt, "rm -r db0/key:"), 0);
	for (int i = 0; i < masters; i++) {
		redisContext *c = h_cluster_connect_port(cluster, ports[i]);
		redisReply *r = h_cmd(c, "KEYS key:*");

		ck_assert_uint_eq(r->elements, 0);
		freeReplyObject(r);
		redisFree(c);
	}
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS list"), 1);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS {mig}1"), 1);
	h_mount_stop(m);
}
END_TEST
START_TEST(test_cluster_rm_r_db0_flushes_every_master)
{
	int ports[H_CLUSTER_NODES];
	int masters = h_cluster_masters(cluster, ports, H_CLUSTER_NODES);
	struct h_names names;
	char path[H_PATH_MAX];

	ck_assert_int_eq(h_sh(cluster_mount->mnt, "rm -r db0"), 0);
	for (int i = 0; i < masters; i++) {
		redisContext *c = h_cluster_connect_port(cluster, ports[i]);

		ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), 0);
		redisFree(c);
	}
	ck_assert_int_eq(h_list(h_path(path, sizeof path, cluster_mount, "db0"), &names), 0);
	ck_assert_uint_eq(names.n, 0);
	h_names_free(&names);
}
END_TEST
START_TEST(test_cluster_ro_reads_and_refuses_every_change)
{
	char path[H_PATH_MAX], to[H_PATH_MAX];
	size_t before, after;
	char **keys;

	keys = h_cluster_all_keys(cluster, &before);
	h_cluster_keys_free(keys, before);
	assert_listing_is_every_key();
	assert_file_matches("list");
	assert_file_matches("key:3");
	ck_assert_int_eq(
		h_write_file(h_path(path, sizeof path, cluster_mount, "db0/rofile"), "x", 1, 0644),
		-EROFS);
	ck_assert_int_eq(
		h_write_file(h_path(path, sizeof path, cluster_mount, "db0/key:3"), "x", 1, 0644),
		-EROFS);
	ck_assert_int_eq(unlink(h_path(path, sizeof path, cluster_mount, "db0/key:4")), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(rename(h_path(path, sizeof path, cluster_mount, "db0/key:4"),
				h_path(to, sizeof to, cluster_mount, "db0/key:4b")),
			 -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(rmdir(h_path(path, sizeof path, cluster_mount, "db0")), -1);
	ck_assert_int_eq(errno, EROFS);
	keys = h_cluster_all_keys(cluster, &after);
	h_cluster_keys_free(keys, after);
	ck_assert_uint_eq(after, before);
	assert_file_matches("key:3");
	for (int i = 0; i < H_CLUSTER_NODES; i++) {
		redisContext *c = h_cluster_connect_port(cluster, cluster->nodes[i]->port);

		h_assert_no_write_command(c);
		redisFree(c);
	}
}
END_TEST
START_TEST(test_cluster_every_node_takes_the_same_password)
{
	char path[H_PATH_MAX], rel[32], key[32];
	struct h_run res;
	const char *dir = h_scratch_dir();
	const char *args[] = {cluster->url, dir, "-f", NULL};

	assert_listing_is_every_key();
	assert_file_matches("list");
	/* keys on every master: each node's connection authenticated */
	for (int i = 0; i < 12; i++) {
		snprintf(rel, sizeof rel, "db0/pw:%d", i);
		snprintf(key, sizeof key, "pw:%d", i);
		ck_assert_int_eq(h_write_file(h_path(path, sizeof path, cluster_mount, rel), key,
					      strlen(key), 0644),
				 0);
		assert_file_matches(key);
	}
	/* without the password: refused before mounting */
	h_run_redisfs(args, NULL, 30.0 * h_time_scale(), &res);
	ck_assert_int_eq(res.status, 1);
	ck_assert(!h_mount_info(dir, NULL, 0, NULL, 0));
	h_run_free(&res);
}
END_TEST

static Suite *cluster_rw_suite(void)
{
	Suite *s = suite_create("cluster_rw");
	TCase *tc;

	tc = tcase_create("read_write_remove");
	h_tcase_add_fixture(tc, setup_rw, teardown);
	tcase_set_timeout(tc, 120 * h_time_scale());
	tcase_add_test(tc, test_cluster_root_holds_db0_only);
	tcase_add_test(tc, test_cluster_listing_is_every_key_of_every_master_once);
	tcase_add_test(tc, test_cluster_files_hold_what_the_owning_master_holds);
	tcase_add_test(tc, test_cluster_writes_land_on_the_owning_master);
	tcase_add_test(tc, test_cluster_rm_removes_the_key_on_its_master);
	tcase_add_test(tc, test_cluster_mv_across_slots_keeps_type_and_ttl);
	tcase_add_test(tc, test_cluster_xattrs_come_from_the_owning_master);
	tcase_add_test(tc,
		       test_cluster_rm_r_of_a_namespace_folder_removes_its_keys_on_every_master);
	tcase_add_test(tc, test_cluster_rm_r_db0_flushes_every_master); /* last: it empties */
	suite_add_tcase(s, tc);

	tc = tcase_create("read_only");
	h_tcase_add_fixture(tc, setup_ro, teardown);
	tcase_set_timeout(tc, 120 * h_time_scale());
	tcase_add_test(tc, test_cluster_ro_reads_and_refuses_every_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	h_tcase_add_fixture(tc, setup_auth, teardown);
	tcase_set_timeout(tc, 120 * h_time_scale());
	tcase_add_test(tc, test_cluster_every_node_takes_the_same_password);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(cluster_rw_suite(), CK_FORK);
}
