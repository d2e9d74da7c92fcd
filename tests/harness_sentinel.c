/* harness_sentinel.c - a master, its replica and three sentinels on loopback for the tests. */
#include "harness_sentinel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_tls.h"

#define WAIT_SECONDS 30.0 /* a failover takes a few seconds; far less than this */

/* INFO's or SENTINEL's reply text of `r` for `cmd`, or "" when it does not answer. */
static char *ask(const struct h_redis *r, const char *cmd, char *out, size_t len)
{
	struct timeval tv = {.tv_sec = 2};
	redisContext *c = h_redis_connect_raw(r, tv);
	redisReply *reply = NULL;

	out[0] = '\0';
	if (c && !c->err) {
		redisSetTimeout(c, tv);
		reply = redisCommand(c, cmd);
	}
	if (reply && reply->type == REDIS_REPLY_STRING)
		snprintf(out, len, "%s", reply->str);
	if (reply && reply->type == REDIS_REPLY_ARRAY) {
		size_t at = 0;

		for (size_t i = 0; i < reply->elements && at < len; i++) {
			const redisReply *e = reply->element[i];

			at += (size_t) snprintf(out + at, len - at, "%s\n",
						e->type == REDIS_REPLY_STRING ? e->str : "");
		}
	}
	if (reply)
		freeReplyObject(reply);
	if (c)
		redisFree(c);
	return out;
}

/* The value after line `field` in a SENTINEL MASTER reply (field\nvalue\n...), or -1. */
static long field_of(const char *text, const char *field)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof want, "%s\n", field);
	for (p = strstr(text, want); p && p != text && p[-1] != '\n'; p = strstr(p + 1, want))
		;
	return p ? strtol(p + strlen(want), NULL, 10) : -1;
}

static bool sentinels_ready(struct h_sentinel_set *s)
{
	char text[8192];

	for (int i = 0; i < H_SENTINELS; i++) {
		ask(s->sentinels[i], "SENTINEL MASTER " H_SENTINEL_MASTER, text, sizeof text);
		if (field_of(text, "num-slaves") < 1 ||
		    field_of(text, "num-other-sentinels") < H_SENTINELS - 1)
			return false;
	}
	return true;
}

struct h_sentinel_set *h_sentinel_start(bool tls)
{
	struct h_sentinel_set *s = calloc(1, sizeof *s);
	unsigned kind = tls ? H_REDIS_TLS_ONLY : 0;
	const char *extra[40];
	char port[16], info[4096];
	size_t n = 0, at;
	double deadline;

	ck_assert_msg(s, "out of memory");
	s->tls = tls;
	if (tls) {
		extra[n++] = "--tls-replication";
		extra[n++] = "yes";
	}
	extra[n] = NULL;
	s->servers[0] = h_redis_start_as(kind, extra);
	snprintf(port, sizeof port, "%d", s->servers[0]->port);
	extra[n++] = "--replicaof";
	extra[n++] = "127.0.0.1";
	extra[n++] = port;
	extra[n] = NULL;
	s->servers[1] = h_redis_start_as(kind, extra);
	n = 0;
	if (tls) {
		extra[n++] = "--tls-replication";
		extra[n++] = "yes";
	}
	for (const char *const *w =
		     (const char *const[]){"--sentinel", "monitor", H_SENTINEL_MASTER, "127.0.0.1",
					   port, "2", "--sentinel", "down-after-milliseconds",
					   H_SENTINEL_MASTER, H_SENTINEL_DOWN_MS, "--sentinel",
					   "failover-timeout", H_SENTINEL_MASTER, "10000", NULL};
	     *w; w++)
		extra[n++] = *w;
	extra[n] = NULL;
	at = (size_t) snprintf(s->url, sizeof s->url, "%s://",
			       tls ? "rediss-sentinel" : "redis-sentinel");
	for (int i = 0; i < H_SENTINELS; i++) {
		s->sentinels[i] = h_redis_start_as(kind | H_REDIS_SENTINEL, extra);
		at += (size_t) snprintf(s->url + at, sizeof s->url - at, "%s127.0.0.1:%d",
					i ? "," : "", s->sentinels[i]->port);
	}
	snprintf(s->url + at, sizeof s->url - at, "#%s", H_SENTINEL_MASTER);
	deadline = h_now() + WAIT_SECONDS * h_time_scale();
	while (!sentinels_ready(s)) {
		ck_assert_msg(h_now() < deadline,
			      "the sentinels did not find the replica and each other: %s",
			      ask(s->sentinels[0], "SENTINEL MASTER " H_SENTINEL_MASTER, info,
				  sizeof info));
		h_nap_ms(100);
	}
	/* the replica has the master's data before a test begins */
	deadline = h_now() + WAIT_SECONDS * h_time_scale();
	while (!strstr(ask(s->servers[1], "INFO replication", info, sizeof info),
		       "master_link_status:up")) {
		ck_assert_msg(h_now() < deadline, "the replica did not sync: %s", info);
		h_nap_ms(50);
	}
	return s;
}

struct h_redis *h_sentinel_master(struct h_sentinel_set *s)
{
	char text[512];

	for (int i = 0; i < H_SENTINELS; i++) {
		const char *nl;
		int port;

		ask(s->sentinels[i], "SENTINEL GET-MASTER-ADDR-BY-NAME " H_SENTINEL_MASTER, text,
		    sizeof text);
		nl = strchr(text, '\n');
		if (!nl)
			continue;
		port = atoi(nl + 1);
		for (int j = 0; j < 2; j++)
			if (s->servers[j]->port == port)
				return s->servers[j];
	}
	ck_abort_msg("no sentinel names a master of this set");
	return NULL;
}

struct h_redis *h_sentinel_wait_new_master(struct h_sentinel_set *s, const struct h_redis *old,
					   double seconds)
{
	double deadline = h_now() + seconds * h_time_scale();
	char info[4096];

	for (;;) {
		struct h_redis *now = h_sentinel_master(s);

		/*
		 * Done when the new master says so, and the old one, if it runs,
		 * follows it: until the sentinels reconfigure it, the old master
		 * still takes writes (which its resync then drops: Redis's own
		 * window, that min-replicas-to-write narrows).
		 */
		if (now != old &&
		    strstr(ask(now, "INFO replication", info, sizeof info), "role:master") &&
		    (!old->pid ||
		     strstr(ask(old, "INFO replication", info, sizeof info), "role:slave")))
			return now;
		ck_assert_msg(h_now() < deadline, "no failover within %.0f s", seconds);
		h_nap_ms(50);
	}
}

struct h_redis *h_sentinel_failover(struct h_sentinel_set *s)
{
	struct h_redis *old = h_sentinel_master(s);
	char text[512];

	ask(s->sentinels[0], "SENTINEL FAILOVER " H_SENTINEL_MASTER, text, sizeof text);
	return h_sentinel_wait_new_master(s, old, WAIT_SECONDS);
}

struct h_redis *h_sentinel_failover_announced(struct h_sentinel_set *s)
{
	struct h_redis *old = h_sentinel_master(s), *now;
	double deadline = h_now() + WAIT_SECONDS * h_time_scale();
	char text[512];

	ask(s->sentinels[0], "SENTINEL FAILOVER " H_SENTINEL_MASTER, text, sizeof text);
	while ((now = h_sentinel_master(s)) == old) {
		ck_assert_msg(h_now() < deadline, "no failover within %.0f s", WAIT_SECONDS);
		h_nap_ms(20);
	}
	return now;
}
