/* test_cluster.c - a mount over a real Redis Cluster (SPEC 9): reads, writes, rm, faults, refusals.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_cluster.h"
#include "harness_tls.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define STRING_KEYS  200 /* key:0 .. key:199, spread over every master */
#define MIGRATE_KEYS 40	 /* {mig}0 .. {mig}39, all in one slot */
#define LIST_TTL_MS  100000
#define PASSWORD     "every-node-pw"

static struct h_cluster *cluster;
static struct h_mount *mount;
static struct h_redis *single; /* a plain server, for the refusal of -o cluster */
static struct h_mysql *mysql;  /* for the ghost rule */

/* Keys of every type over every master, some sharing a slot by a hash tag. */
static void fill(void)
{
	for (int i = 0; i < STRING_KEYS; i++)
		h_cluster_cmd_ok(cluster, "SET key:%d value-%d", i, i);
	for (int i = 0; i < MIGRATE_KEYS; i++)
		h_cluster_cmd_ok(cluster, "SET {mig}%d moving-%d", i, i);
	h_cluster_cmd_ok(cluster, "RPUSH list a b c");
	h_cluster_cmd_ok(cluster, "PEXPIRE list %d", LIST_TTL_MS);
	h_cluster_cmd_ok(cluster, "SADD set x y");
	h_cluster_cmd_ok(cluster, "ZADD zset 1 one 2 two");
	h_cluster_cmd_ok(cluster, "HSET hash f1 v1 f2 v2");
	h_cluster_cmd_ok(cluster, "XADD stream 1-1 f v");
	h_cluster_cmd_ok(cluster, "SET {tag}a tagged");
}

static void start_cluster_mount(const char *options)
{
	struct h_mount_spec spec = {.url = NULL, .options = options};

	cluster = h_cluster_start(NULL);
	fill();
	spec.url = cluster->url;
	mount = h_mount_start(cluster->nodes[0], &spec);
}

static void setup_rw(void)
{
	/* a generous timeout: a manual failover pauses the old master's clients for a while */
	start_cluster_mount("timeout=15");
}

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
	mount = h_mount_start(cluster->nodes[0], &spec);
}

static void setup_auth(void)
{
	struct h_mount_spec spec = {.url = NULL, .options = NULL, .auth = PASSWORD};

	cluster = h_cluster_start(PASSWORD);
	fill();
	spec.url = cluster->url;
	mount = h_mount_start(cluster->nodes[0], &spec);
}

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
	mount = h_mount_start(cluster->nodes[0], &spec);
}

static void setup_refusals(void)
{
	cluster = h_cluster_start(NULL);
	single = h_redis_start(NULL);
}

static void teardown(void)
{
	h_stop_all();
	free(cluster);
	cluster = NULL;
	mount = NULL;
	single = NULL;
}

/* A connection to the master of `key`'s slot. */
static redisContext *owner_of(const char *key)
{
	return h_cluster_connect_port(
		cluster, h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, key)));
}

/* Assert that the file of `key` holds what its master holds. */
static void assert_file_matches(const char *key)
{
	redisContext *c = owner_of(key);
	char path[H_PATH_MAX], rel[300], *want, *got;
	size_t wlen, glen;

	snprintf(rel, sizeof rel, "db0/%s", key);
	ck_assert_int_eq(h_expected_content(c, key, strlen(key), &want, &wlen), 0);
	ck_assert_int_eq(h_read_file(h_path(path, sizeof path, mount, rel), &got, &glen), 0);
	ck_assert_msg(glen == wlen && memcmp(got, want, wlen) == 0, "%s: '%s', want '%s'", key, got,
		      want);
	free(want);
	free(got);
	redisFree(c);
}

/* Assert that db0 lists exactly the keys of every master, each once. */
static void assert_listing_is_every_key(void)
{
	struct h_names names;
	char path[H_PATH_MAX];
	size_t n;
	char **keys = h_cluster_all_keys(cluster, &n);

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db0"), &names), 0);
	ck_assert_uint_eq(names.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(names.v[i], keys[i]);
	h_names_free(&names);
	h_cluster_keys_free(keys, n);
}

START_TEST(test_cluster_root_holds_db0_only)
{
	struct h_names names;

	ck_assert_int_eq(h_list(mount->mnt, &names), 0);
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
	ck_assert_int_eq(h_sh(mount->mnt, "test \"$(ls -l db0 | grep -c '^-')\" -eq %d",
			      STRING_KEYS + MIGRATE_KEYS + 6),
			 0);
	ck_assert_int_eq(h_sh(mount->mnt, "ls -l db0 | grep -q ' 8 [A-Z][a-z][a-z] .* key:42$'"),
			 0);
	ck_assert_int_eq(h_sh(mount->mnt, "test \"$(ls db0 | wc -l)\" -eq %d",
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
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db0/key:5"), &st), 0);
	ck_assert_int_eq(st.st_size, strlen("value-5"));
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db0/nosuchkey"), &st), -1);
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
		ck_assert_int_eq(h_write_file(h_path(path, sizeof path, mount, rel), want,
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
	ck_assert_int_eq(h_sh(mount->mnt, "printf ' more' >> db0/new:1"), 0);
	r = h_cluster_cmd(cluster, "GET new:1");
	ck_assert_str_eq(r->str, "written 1 more");
	freeReplyObject(r);
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'p\\nq\\n' > db0/list"), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "LLEN list"), 2);
	assert_file_matches("list");
}
END_TEST

START_TEST(test_cluster_rm_removes_the_key_on_its_master)
{
	char path[H_PATH_MAX];

	ck_assert_int_eq(unlink(h_path(path, sizeof path, mount, "db0/key:10")), 0);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS key:10"), 0);
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(h_sh(mount->mnt, "rm db0/key:11 db0/key:12 db0/key:13 db0/hash"), 0);
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
	ck_assert_int_eq(rename(h_path(from, sizeof from, mount, "db0/mvsrc"),
				h_path(to, sizeof to, mount, "db0/mvdst")),
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
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/mvhash db0/key:20"), 0);
	r = h_cluster_cmd(cluster, "TYPE key:20");
	ck_assert_str_eq(r->str, "hash");
	freeReplyObject(r);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "PTTL key:20"), -1);
	ck_assert_int_eq(h_cluster_cmd_int(cluster, "EXISTS mvhash"), 0);

	/* within one slot (a hash tag): RENAME */
	ck_assert_int_eq(h_sh(mount->mnt, "mv 'db0/{tag}a' 'db0/{tag}b'"), 0);
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

	h_path(path, sizeof path, mount, "db0/list");
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

	ck_assert_int_eq(h_sh(mount->mnt, "rm -r db0"), 0);
	for (int i = 0; i < masters; i++) {
		redisContext *c = h_cluster_connect_port(cluster, ports[i]);

		ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), 0);
		redisFree(c);
	}
	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db0"), &names), 0);
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
	ck_assert_int_eq(h_write_file(h_path(path, sizeof path, mount, "db0/rofile"), "x", 1, 0644),
			 -EROFS);
	ck_assert_int_eq(h_write_file(h_path(path, sizeof path, mount, "db0/key:3"), "x", 1, 0644),
			 -EROFS);
	ck_assert_int_eq(unlink(h_path(path, sizeof path, mount, "db0/key:4")), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(rename(h_path(path, sizeof path, mount, "db0/key:4"),
				h_path(to, sizeof to, mount, "db0/key:4b")),
			 -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(rmdir(h_path(path, sizeof path, mount, "db0")), -1);
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
	int ret = h_read_file(h_path(path, sizeof path, mount, rel), &got, &len);

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
		ret = h_write_file(h_path(path, sizeof path, mount, "db0/key:8"), "during", 6,
				   0644);
		ck_assert_msg(ret == 0 || ret == -EIO, "write during failover: %s", strerror(-ret));
		rounds++;
		h_nap_ms(20);
	}
	h_cluster_wait_stable(cluster);
	/* afterwards: everything works at once, without a remount */
	ck_assert_int_eq(read_matches("db0/key:7", "value-7"), 0);
	ck_assert_int_eq(
		h_write_file(h_path(path, sizeof path, mount, "db0/key:7"), "after", 5, 0644), 0);
	c = h_cluster_connect_port(cluster, replica); /* the new master holds it */
	{
		redisReply *r = h_cmd(c, "GET key:7");

		ck_assert_str_eq(r->str, "after");
		freeReplyObject(r);
	}
	redisFree(c);
	ck_assert_int_eq(unlink(h_path(path, sizeof path, mount, "db0/key:7")), 0);
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

	h_path(path, sizeof path, mount, "db0");
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
	ck_assert_int_eq(
		h_write_file(h_path(path, sizeof path, mount, "db0/{mig}new"), "asked", 5, 0644),
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
	ck_assert_int_eq(
		h_write_file(h_path(path, sizeof path, mount, "db0/{mig}3"), "moved", 5, 0644), 0);
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
		ck_assert_int_eq(
			h_write_file(h_path(path, sizeof path, mount, rel), key, strlen(key), 0644),
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

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "ghosts/q/q:a"), &names), 0);
	ck_assert_uint_eq(names.n, 2);
	ck_assert(h_names_has(&names, "3") && h_names_has(&names, "5"));
	h_names_free(&names);
	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "ghosts/q/q:b"), &names), 0);
	ck_assert_uint_eq(names.n, 1);
	ck_assert(h_names_has(&names, "6"));
	h_names_free(&names);

	ck_assert_int_eq(unlink(h_path(path, sizeof path, mount, "ghosts/q/q:a/3")), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "rm -r ghosts/q/q:b"), 0);
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

static Suite *cluster_suite(void)
{
	Suite *s = suite_create("cluster");
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
	return run_suite(cluster_suite(), CK_FORK);
}
