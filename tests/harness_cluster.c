/* harness_cluster.c - start, query and stop a private Redis Cluster of six redis-servers. */
#include "harness_cluster.h"
#include "harness_tls.h"

#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SLOTS	     16384
#define NODE_TIMEOUT "3000" /* ms before a silent master counts as failed */
#define HOPS_MAX     8	    /* redirections one test command follows */

redisContext *h_cluster_connect_port(const struct h_cluster *cluster, int port)
{
	struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

	ck_assert_msg(c && !c->err, "cannot connect to cluster node %d: %s", port,
		      c ? c->errstr : "out of memory");
	redisSetTimeout(c, tv);
	if (cluster->password[0])
		h_cmd_ok(c, "AUTH %s", cluster->password);
	return c;
}

/* Each slot's master port, from one node's CLUSTER SLOTS; false when it does not answer. */
static bool slot_map(const struct h_cluster *cluster, int port, int *map)
{
	redisContext *c = h_cluster_connect_port(cluster, port);
	redisReply *r = redisCommand(c, "CLUSTER SLOTS");
	bool ok = r && r->type == REDIS_REPLY_ARRAY;

	for (int i = 0; i < SLOTS; i++)
		map[i] = 0;
	for (size_t i = 0; ok && i < r->elements; i++) {
		redisReply *range = r->element[i];

		for (long long s = range->element[0]->integer; s <= range->element[1]->integer; s++)
			map[s] = (int) range->element[2]->element[1]->integer;
	}
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return ok;
}

/* Whether `command` ("INFO replication", "CLUSTER INFO") of the node on `port` holds `text`. */
static bool info_has(const struct h_cluster *cluster, int port, const char *command,
		     const char *text)
{
	redisContext *c = h_cluster_connect_port(cluster, port);
	redisReply *r = redisCommand(c, command);
	bool has = r && r->type == REDIS_REPLY_STRING && strstr(r->str, text);

	if (r)
		freeReplyObject(r);
	redisFree(c);
	return has;
}

static bool stable(struct h_cluster *c, bool replicas_synced, char *why, size_t whylen)
{
	static int first[SLOTS], other[SLOTS];

	snprintf(why, whylen, "node %d: no CLUSTER SLOTS", c->nodes[0]->port);
	if (!slot_map(c, c->nodes[0]->port, first))
		return false;
	for (int s = 0; s < SLOTS; s++) {
		snprintf(why, whylen, "node %d: slot %d unserved", c->nodes[0]->port, s);
		if (!first[s])
			return false;
	}
	for (int i = 0; i < H_CLUSTER_NODES; i++) {
		int port = c->nodes[i]->port;

		snprintf(why, whylen, "node %d: not ok, or another slot map", port);
		if (!info_has(c, port, "CLUSTER INFO", "cluster_state:ok") ||
		    !slot_map(c, port, other) || memcmp(first, other, sizeof first) != 0)
			return false;
		snprintf(why, whylen, "node %d: replica not in sync", port);
		if (replicas_synced && info_has(c, port, "INFO replication", "role:slave") &&
		    !info_has(c, port, "INFO replication", "master_link_status:up"))
			return false;
	}
	return true;
}

static void wait_stable(struct h_cluster *c, bool replicas_synced)
{
	double deadline = h_now() + 60.0 * h_time_scale();
	char why[128];

	while (!stable(c, replicas_synced, why, sizeof why)) {
		ck_assert_msg(h_now() < deadline, "the cluster did not settle in time: %s", why);
		h_nap_ms(100);
	}
}

void h_cluster_wait_stable(struct h_cluster *c)
{
	wait_stable(c, false);
}

/* Whether every replica of the node on `c` has applied all it was sent (none: true). */
static bool replicas_caught_up(redisContext *c)
{
	redisReply *r = h_cmd(c, "INFO replication");
	long long sent = -1, applied = LLONG_MAX;
	char *save = NULL, *text;

	ck_assert_msg(r->type == REDIS_REPLY_STRING, "INFO replication gave type %d", r->type);
	text = strdup(r->str);
	ck_assert(text);
	freeReplyObject(r);
	for (char *line = strtok_r(text, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		const char *offset = strstr(line, ",offset=");

		if (strncmp(line, "master_repl_offset:", 19) == 0)
			sent = atoll(line + 19);
		else if (strncmp(line, "slave", 5) == 0 && offset && atoll(offset + 8) < applied)
			applied = atoll(offset +
					8); /* slaveN:ip=...,port=...,state=...,offset=N,lag=... */
	}
	free(text);
	return sent >= 0 && applied >= sent;
}

void h_cluster_wait_replicated(struct h_cluster *c)
{
	double deadline = h_now() + H_WAIT_SECONDS * h_time_scale();

	for (int i = 0; i < H_CLUSTER_NODES; i++) {
		redisContext *rc = h_cluster_connect_port(c, c->nodes[i]->port);

		while (!replicas_caught_up(rc)) {
			ck_assert_msg(h_now() < deadline,
				      "the replicas of node %d did not catch up",
				      c->nodes[i]->port);
			h_nap_ms(20);
		}
		redisFree(rc);
	}
}

struct h_cluster *h_cluster_start(const char *password)
{
	struct h_cluster *c = calloc(1, sizeof *c);
	char addrs[H_CLUSTER_NODES * 24] = "", bus[16], auth[128] = "";
	size_t at = 0;
	int status;

	ck_assert_msg(c, "out of memory");
	if (password) {
		snprintf(c->password, sizeof c->password, "%s", password);
		snprintf(auth, sizeof auth, " -a '%s' --no-auth-warning", password);
	}
	for (int i = 0; i < H_CLUSTER_NODES; i++) {
		const char *extra[32] = {"--cluster-enabled",	   "yes",
					 "--cluster-config-file",  "nodes.conf",
					 "--cluster-node-timeout", NODE_TIMEOUT,
					 "--cluster-port",	   bus};
		size_t n = 8;
		char tls_port[16];

		if (h_tls_mode()) {
			/*
			 * The TLS run: clients, the bus and replication speak TLS on
			 * the TLS port; the plain port stays for the tests' own
			 * checks (Redis answers a plain client with plain ports).
			 */
			snprintf(tls_port, sizeof tls_port, "%d", h_free_port());
			n += h_tls_server_args(NULL, false, extra + n);
			extra[n++] = "--tls-port";
			extra[n++] = tls_port;
			extra[n++] = "--tls-cluster";
			extra[n++] = "yes";
			extra[n++] = "--tls-replication";
			extra[n++] = "yes";
			c->tls_ports[i] = atoi(tls_port);
		}
		if (password) {
			/* every node the same password; replicas give it to masters */
			extra[n++] = "--requirepass";
			extra[n++] = password;
			extra[n++] = "--masterauth";
			extra[n++] = password;
		}
		extra[n] = NULL;
		/* the bus port defaults to port + 10000, which may pass 65535 or be taken */
		snprintf(bus, sizeof bus, "%d", h_free_port());
		c->nodes[i] = h_redis_start_as(0, extra);
		at += (size_t) snprintf(addrs + at, sizeof addrs - at, " 127.0.0.1:%d",
					c->nodes[i]->port);
	}
	if (h_tls_mode())
		snprintf(c->url, sizeof c->url, "rediss://127.0.0.1:%d", c->tls_ports[0]);
	else
		snprintf(c->url, sizeof c->url, "redis://127.0.0.1:%d", c->nodes[0]->port);
	status = h_sh(NULL,
		      "redis-cli%s --cluster create%s --cluster-replicas 1 --cluster-yes "
		      ">/dev/null",
		      auth, addrs);
	ck_assert_msg(status == 0, "redis-cli --cluster create failed (status %d)", status);
	wait_stable(c, true);
	return c;
}

void h_cluster_stop(struct h_cluster *c)
{
	if (!c)
		return;
	for (int i = 0; i < H_CLUSTER_NODES; i++)
		h_redis_stop(c->nodes[i]);
	free(c);
}

int h_cluster_peer_port(const struct h_cluster *c, int port)
{
	for (int i = 0; h_tls_mode() && i < H_CLUSTER_NODES; i++)
		if (c->nodes[i]->port == port)
			return c->tls_ports[i];
	return port;
}

/* Where a MOVED or ASK error points: its port, or 0 for another error. */
static int redirect_port(const redisReply *r, bool *ask)
{
	const char *colon;

	if (r->type != REDIS_REPLY_ERROR)
		return 0;
	*ask = strncmp(r->str, "ASK ", 4) == 0;
	if (!*ask && strncmp(r->str, "MOVED ", 6) != 0)
		return 0;
	colon = strrchr(r->str, ':');
	return colon ? atoi(colon + 1) : 0;
}

static redisReply *vcluster_cmd(struct h_cluster *c, const char *fmt, va_list ap)
{
	int port = c->nodes[0]->port;
	bool ask = false;

	for (int hop = 0; hop < HOPS_MAX; hop++) {
		redisContext *ctx = h_cluster_connect_port(c, port);
		redisReply *r;
		va_list copy;
		int to;

		if (ask)
			freeReplyObject(redisCommand(ctx, "ASKING"));
		va_copy(copy, ap);
		r = redisvCommand(ctx, fmt, copy);
		va_end(copy);
		ck_assert_msg(r, "cluster node %d: %s", port, ctx->errstr);
		redisFree(ctx);
		to = redirect_port(r, &ask);
		if (!to)
			return r;
		freeReplyObject(r);
		port = to;
	}
	ck_abort_msg("more than %d redirections", HOPS_MAX);
	return NULL;
}

redisReply *h_cluster_cmd(struct h_cluster *c, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = vcluster_cmd(c, fmt, ap);
	va_end(ap);
	return r;
}

void h_cluster_cmd_ok(struct h_cluster *c, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = vcluster_cmd(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s: %s", fmt, r->str);
	freeReplyObject(r);
}

long long h_cluster_cmd_int(struct h_cluster *c, const char *fmt, ...)
{
	redisReply *r;
	long long n;
	va_list ap;

	va_start(ap, fmt);
	r = vcluster_cmd(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(r->type == REDIS_REPLY_INTEGER, "%s: not an integer (%s)", fmt,
		      r->type == REDIS_REPLY_ERROR ? r->str : "");
	n = r->integer;
	freeReplyObject(r);
	return n;
}

int h_cluster_slot_master(struct h_cluster *c, int slot)
{
	static int map[SLOTS];

	ck_assert_msg(slot_map(c, c->nodes[0]->port, map), "CLUSTER SLOTS failed");
	return map[slot];
}

int h_cluster_masters(struct h_cluster *c, int *ports, int room)
{
	static int map[SLOTS];
	int n = 0;

	ck_assert_msg(slot_map(c, c->nodes[0]->port, map), "CLUSTER SLOTS failed");
	for (int s = 0; s < SLOTS; s++) {
		bool seen = false;

		for (int i = 0; i < n; i++)
			seen = seen || ports[i] == map[s];
		if (!seen && map[s] && n < room)
			ports[n++] = map[s];
	}
	return n;
}

int h_cluster_keyslot(struct h_cluster *c, const char *key)
{
	redisContext *ctx = h_cluster_connect_port(c, c->nodes[0]->port);
	long long slot = h_cmd_int(ctx, "CLUSTER KEYSLOT %s", key);

	redisFree(ctx);
	return (int) slot;
}

char **h_cluster_all_keys(struct h_cluster *c, size_t *n)
{
	int ports[H_CLUSTER_NODES];
	int masters = h_cluster_masters(c, ports, H_CLUSTER_NODES);
	char **keys = NULL;

	*n = 0;
	for (int i = 0; i < masters; i++) {
		redisContext *ctx = h_cluster_connect_port(c, ports[i]);
		redisReply *r = h_all_keys(ctx);

		keys = realloc(keys, (*n + r->elements + 1) * sizeof *keys);
		ck_assert_msg(keys, "out of memory");
		for (size_t k = 0; k < r->elements; k++)
			keys[(*n)++] = strndup(r->element[k]->str, r->element[k]->len);
		freeReplyObject(r);
		redisFree(ctx);
	}
	if (*n)
		qsort(keys, *n, sizeof *keys, h_compare_strings);
	return keys;
}

void h_cluster_keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}
