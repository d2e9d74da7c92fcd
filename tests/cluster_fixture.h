/* cluster_fixture.h - a Redis Cluster, its mount and checks, for the cluster suites. */
#ifndef REDISFS_TESTS_CLUSTER_FIXTURE_H
#define REDISFS_TESTS_CLUSTER_FIXTURE_H

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

#define STRING_KEYS  200 /* key:0 .. key:199, spread over every master */
#define MIGRATE_KEYS 40	 /* {mig}0 .. {mig}39, all in one slot */
#define LIST_TTL_MS  100000

extern struct h_cluster *cluster;
extern struct h_mount *cluster_mount;
extern struct h_redis *single;

/* Keys of every type over every master, some sharing a slot by a hash tag. */
void fill(void);

void start_cluster_mount(const char *options);

void setup_rw(void);

void teardown(void);

/* A connection to the master of `key`'s slot. */
redisContext *owner_of(const char *key);

/* Assert that the file of `key` holds what its master holds. */
void assert_file_matches(const char *key);

/* Assert that db0 lists exactly the keys of every master, each once. */
void assert_listing_is_every_key(void);

#endif
