/* redis_sentinel.c - where the master is: ask Redis Sentinels, again after a failover. */
#include "redis_sentinel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sentinel_addr {
	char *host;
	int port;
};

struct redis_sentinel {
	struct sentinel_addr *sentinels;
	size_t count;
	char *master;
	pthread_mutex_t lock; /* over host, port and the asking */
	char host[SENTINEL_HOST_MAX];
	int port;
	_Atomic unsigned long generation;
};

int sentinel_create(const struct redis_address *sentinels, size_t count, const char *master,
		    struct redis_sentinel **out)
{
	struct redis_sentinel *s = calloc(1, sizeof *s);

	*out = NULL;
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->generation, 0);
	s->sentinels = calloc(count, sizeof *s->sentinels);
	s->master = strdup(master);
	if (!s->sentinels || !s->master) {
		sentinel_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		s->sentinels[i].host = strdup(sentinels[i].host);
		s->sentinels[i].port = sentinels[i].port;
		s->count++;
		if (!s->sentinels[i].host) {
			sentinel_free(s);
			return -ENOMEM;
		}
	}
	*out = s;
	return 0;
}

void sentinel_free(struct redis_sentinel *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		free(s->sentinels[i].host);
	free(s->sentinels);
	free(s->master);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* SENTINEL get-master-addr-by-name, with AUTH first if the sentinel asks for it. */
static redisReply *ask(struct redis_link *l, const struct redis_dial *how, const char *master)
{
	const char *argv[] = {"SENTINEL", "get-master-addr-by-name", master};
	size_t argvlen[] = {8, 23, strlen(master)};
	redisReply *reply = redis_link_command(l, 3, argv, argvlen);

	if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOAUTH", 6) == 0 &&
	    how->password) {
		const char *auth[] = {"AUTH", how->user, how->password};
		size_t authlen[] = {4, how->user ? strlen(how->user) : 0, strlen(how->password)};
		redisReply *ok;

		freeReplyObject(reply);
		ok = how->user ? redis_link_command(l, 3, auth, authlen)
			       : redis_link_command(l, 2, (const char *[]){"AUTH", how->password},
						    (size_t[]){4, authlen[2]});
		if (!ok || ok->type == REDIS_REPLY_ERROR)
			return ok;
		freeReplyObject(ok);
		reply = redis_link_command(l, 3, argv, argvlen);
	}
	return reply;
}

/*
 * One sentinel's answer: 0 with the address, or -errno with what it said
 * appended to `why`.
 */
static int ask_one(const struct redis_sentinel *s, const struct sentinel_addr *a,
		   const struct redis_dial *how, char *host, int *port, char *why, size_t whylen)
{
	struct redis_address addr = {.host = a->host, .port = a->port};
	size_t used = strlen(why);
	struct redis_link *l;
	redisReply *reply;
	char err[256];
	int ret = -EIO;

	if (redis_link_open(&addr, how->tls, how->timeout_ns, &l, err, sizeof err)) {
		snprintf(why + used, whylen - used, "%s%s:%d: %s", used ? "; " : "", a->host,
			 a->port, err);
		return -EIO;
	}
	reply = ask(l, how, s->master);
	if (!reply) {
		redis_dial_explain(l, how->tls != NULL, err, sizeof err);
	} else if (reply->type == REDIS_REPLY_NIL) {
		snprintf(err, sizeof err, "no master named '%s'", s->master);
		ret = -ENOENT;
	} else if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(err, sizeof err, "%s", reply->str);
	} else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
		   reply->element[0]->type != REDIS_REPLY_STRING ||
		   reply->element[1]->type != REDIS_REPLY_STRING ||
		   reply->element[0]->len >= SENTINEL_HOST_MAX ||
		   (*port = atoi(reply->element[1]->str)) < 1 || *port > 65535) {
		snprintf(err, sizeof err, "unexpected answer to SENTINEL get-master-addr-by-name");
	} else {
		memcpy(host, reply->element[0]->str, reply->element[0]->len + 1);
		ret = 0;
	}
	if (ret)
		snprintf(why + used, whylen - used, "%s%s:%d: %s", used ? "; " : "", a->host,
			 a->port, err);
	freeReplyObject(reply);
	redis_link_free(l);
	return ret;
}

int sentinel_refresh(struct redis_sentinel *s, const struct redis_dial *how, unsigned long seen,
		     char *err, size_t errlen)
{
	char host[SENTINEL_HOST_MAX];
	bool unknown = true;
	int port, ret = -EIO;

	pthread_mutex_lock(&s->lock);
	if (atomic_load(&s->generation) != seen) {
		pthread_mutex_unlock(&s->lock);
		return 0; /* asked by another thread while this one waited */
	}
	err[0] = '\0';
	for (size_t i = 0; i < s->count; i++) {
		ret = ask_one(s, &s->sentinels[i], how, host, &port, err, errlen);
		if (!ret)
			break;
		if (ret != -ENOENT)
			unknown = false;
	}
	if (!ret && (strcmp(s->host, host) != 0 || s->port != port)) {
		/* only a new address makes connections to the old one stale */
		snprintf(s->host, sizeof s->host, "%s", host);
		s->port = port;
		atomic_fetch_add(&s->generation, 1);
	} else if (unknown) {
		ret = -ENOENT; /* every sentinel answered, and none knows it: a typo, not an outage */
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

unsigned long sentinel_master(struct redis_sentinel *s, char *host, int *port)
{
	unsigned long generation;

	pthread_mutex_lock(&s->lock);
	snprintf(host, SENTINEL_HOST_MAX, "%s", s->host);
	*port = s->port;
	generation = atomic_load(&s->generation);
	pthread_mutex_unlock(&s->lock);
	return generation;
}

unsigned long sentinel_generation(const struct redis_sentinel *s)
{
	return atomic_load(&((struct redis_sentinel *) s)->generation);
}

const char *sentinel_master_name(const struct redis_sentinel *s)
{
	return s->master;
}
