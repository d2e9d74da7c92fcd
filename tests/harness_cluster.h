/* harness_cluster.h - a private Redis Cluster (3 masters, 3 replicas) on loopback for the tests. */
#ifndef REDISFS_TESTS_HARNESS_CLUSTER_H
#define REDISFS_TESTS_HARNESS_CLUSTER_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

#define H_CLUSTER_NODES 6 /* 3 masters and one replica each */

/* A cluster this process started: each node is an h_redis of the harness's registry. */
struct h_cluster {
	struct h_redis *nodes[H_CLUSTER_NODES];
	char url[64]; /* redis://127.0.0.1:PORT of nodes[0] (rediss://, its TLS port, in TLS mode)
		       */
	int tls_ports[H_CLUSTER_NODES]; /* in TLS mode (h_tls_mode()): each node's TLS port */
	char password[64]; /* every node's requirepass and masterauth, "" for none */
};

/*
 * Start six redis-servers with cluster-enabled (each in its own mkdtemp
 * directory, on free ports, the cluster bus on free ports too), join them
 * with `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`,
 * and wait until every node says cluster_state:ok and agrees on the slots.
 * With a `password` (NULL: none) every node requires it and replicas give it.
 * Aborts with the reason when it cannot. Stop with h_cluster_stop() (or
 * h_stop_all(), which stops every server by PID).
 */
struct h_cluster *h_cluster_start(const char *password);

void h_cluster_stop(struct h_cluster *c);

/*
 * The port by which nodes reach the node whose plain port is `port`
 * (MIGRATE targets, INFO replication's master_port): its TLS port in TLS
 * mode (--tls-cluster, --tls-replication), else `port`.
 */
int h_cluster_peer_port(const struct h_cluster *c, int port);

/*
 * A command (hiredis format) sent where the cluster says: MOVED and ASK are
 * followed from nodes[0]. Never NULL: aborts when no node answers. Free it
 * with freeReplyObject().
 */
redisReply *h_cluster_cmd(struct h_cluster *c, const char *fmt, ...);

/* h_cluster_cmd() that must not be an error. */
void h_cluster_cmd_ok(struct h_cluster *c, const char *fmt, ...);

/* h_cluster_cmd() that must return an integer; returns it. */
long long h_cluster_cmd_int(struct h_cluster *c, const char *fmt, ...);

/* The port of the master that serves `slot`, from nodes[0]'s CLUSTER SLOTS. */
int h_cluster_slot_master(struct h_cluster *c, int slot);

/* The ports of the masters that serve slots (at most `room`); returns how many. */
int h_cluster_masters(struct h_cluster *c, int *ports, int room);

/* The slot of a key, as the cluster computes it (CLUSTER KEYSLOT). */
int h_cluster_keyslot(struct h_cluster *c, const char *key);

/* A connection to the node on `port` (an admin connection, database 0, authenticated). */
redisContext *h_cluster_connect_port(const struct h_cluster *c, int port);

/* Every key of every master, sorted bytewise, as malloc'ed strings; *n of them. */
char **h_cluster_all_keys(struct h_cluster *c, size_t *n);

void h_cluster_keys_free(char **keys, size_t n);

/* Wait (bounded) until every node agrees on who serves each slot and says cluster_state:ok. */
void h_cluster_wait_stable(struct h_cluster *c);

/*
 * Wait (bounded) until every replica has applied all its master sent: the
 * master's master_repl_offset is what each replica's offset reaches. Then
 * resetting commandstats on every node leaves no write still to come.
 */
void h_cluster_wait_replicated(struct h_cluster *c);

#endif
