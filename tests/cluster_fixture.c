/* cluster_fixture.c - a Redis Cluster, its mount and checks, for the cluster suites. */
#include "cluster_fixture.h"

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

struct h_cluster *cluster;

struct h_mount *cluster_mount;

struct h_redis *single; /* a plain server, for the refusal of -o cluster */

/* Keys of every type over every master, some sharing a slot by a hash tag. */
void fill(void)
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

void start_cluster_mount(const char *options)
{
	struct h_mount_spec spec = {.url = NULL, .options = options};

	cluster = h_cluster_start(NULL);
	fill();
	spec.url = cluster->url;
	cluster_mount = h_mount_start(cluster->nodes[0], &spec);
}

void setup_rw(void)
{
	/* a generous timeout: a manual failover pauses the old master's clients for a while */
	start_cluster_mount("timeout=15");
}

void teardown(void)
{
	h_stop_all();
	free(cluster);
	cluster = NULL;
	cluster_mount = NULL;
	single = NULL;
}

/* A connection to the master of `key`'s slot. */
redisContext *owner_of(const char *key)
{
	return h_cluster_connect_port(
		cluster, h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, key)));
}

/* Assert that the file of `key` holds what its master holds. */
void assert_file_matches(const char *key)
{
	redisContext *c = owner_of(key);
	char path[H_PATH_MAX], rel[300], *want, *got;
	size_t wlen, glen;

	snprintf(rel, sizeof rel, "db0/%s", key);
	ck_assert_int_eq(h_expected_content(c, key, strlen(key), &want, &wlen), 0);
	ck_assert_int_eq(h_read_file(h_path(path, sizeof path, cluster_mount, rel), &got, &glen),
			 0);
	ck_assert_msg(glen == wlen && memcmp(got, want, wlen) == 0, "%s: '%s', want '%s'", key, got,
		      want);
	free(want);
	free(got);
	redisFree(c);
}

/* Assert that db0 lists exactly the keys of every master, each once. */
void assert_listing_is_every_key(void)
{
	struct h_names names;
	char path[H_PATH_MAX];
	size_t n;
	char **keys = h_cluster_all_keys(cluster, &n);

	ck_assert_int_eq(h_list(h_path(path, sizeof path, cluster_mount, "db0"), &names), 0);
	ck_assert_uint_eq(names.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(names.v[i], keys[i]);
	h_names_free(&names);
	h_cluster_keys_free(keys, n);
}
