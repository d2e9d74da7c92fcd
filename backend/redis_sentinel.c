/* redis_sentinel.c - where the master is: ask Redis Sentinels, again after a failover. */
#include "redis_sentinel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redis_wait.h"

#define WATCH_PING_NS  2000000000LL /* a quiet subscription is PINGed this often */
#define WATCH_RETRY_NS 1000000000LL /* before connecting again to a sentinel that failed */
#define WATCH_LINE_MAX 512	    /* "+switch-master" message: name and two addresses */

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
	/* the watcher of +switch-master, when started */
	bool watching;
	pthread_t watcher;
	int stop[2]; /* a pipe: closing its write end stops the watcher */
	const struct redis_dial *how;
	log_line_fn log;
	void *log_arg;
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
	if (s->watching) {
		close(s->stop[1]);
		pthread_join(s->watcher, NULL);
		close(s->stop[0]);
	}
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
	struct redis_cmd get, auth;
	redisReply *reply;

	redis_cmd_start(&get, "SENTINEL");
	redis_cmd_str(&get, "get-master-addr-by-name");
	redis_cmd_str(&get, master);
	reply = redis_link_command(l, &get);
	if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOAUTH", 6) == 0 &&
	    how->password) {
		redisReply *ok;

		freeReplyObject(reply);
		redis_cmd_start(&auth, "AUTH");
		if (how->user)
			redis_cmd_str(&auth, how->user);
		redis_cmd_str(&auth, how->password);
		ok = redis_link_command(l, &auth);
		if (!ok || ok->type == REDIS_REPLY_ERROR)
			return ok;
		freeReplyObject(ok);
		reply = redis_link_command(l, &get);
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
		ret = -ENOENT; /* every sentinel answered, and none knows it: a typo, not an outage
				*/
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

/* Take `host`:`port` as the master's address, if it is new. */
static void take_address(struct redis_sentinel *s, const char *host, const char *port_text)
{
	int port = atoi(port_text);

	if (strlen(host) >= SENTINEL_HOST_MAX || port < 1 || port > 65535)
		return;
	pthread_mutex_lock(&s->lock);
	if (strcmp(s->host, host) != 0 || s->port != port) {
		snprintf(s->host, sizeof s->host, "%s", host);
		s->port = port;
		atomic_fetch_add(&s->generation, 1);
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * A message of the sentinel's: "+switch-master NAME OLDIP OLDPORT NEWIP
 * NEWPORT" (the failover's end, from every sentinel), or "+promoted-slave
 * slave IP:PORT IP PORT @ NAME OLDIP OLDPORT" (from the sentinel that leads
 * it, the moment the replica says it is a master: from then on the
 * sentinels name it, while the old master may still take writes).
 */
static void take_message(struct redis_sentinel *s, const redisReply *r)
{
	char line[WATCH_LINE_MAX], *w[8], *save = NULL;
	int n = 0;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "message") ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[2]->type != REDIS_REPLY_STRING || r->element[2]->len >= sizeof line)
		return; /* a subscription's confirmation, a PING's answer */
	memcpy(line, r->element[2]->str, r->element[2]->len + 1);
	for (char *t = strtok_r(line, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	if (!strcmp(r->element[1]->str, "+switch-master") && n == 5 && !strcmp(w[0], s->master))
		take_address(s, w[3], w[4]);
	else if (!strcmp(r->element[1]->str, "+promoted-slave") && n == 8 &&
		 !strcmp(w[0], "slave") && !strcmp(w[4], "@") && !strcmp(w[5], s->master))
		take_address(s, w[2], w[3]);
}

/* SUBSCRIBE to the announcements on `l` (after AUTH when the sentinel asks). Returns 0 or -1. */
static int subscribe(struct redis_sentinel *s, struct redis_link *l)
{
	struct redis_cmd sub;
	redisReply *r;

	redis_cmd_start(&sub, "SUBSCRIBE");
	redis_cmd_str(&sub, "+switch-master");
	redis_cmd_str(&sub, "+promoted-slave");
	r = redis_link_command(l, &sub);
	if (r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOAUTH", 6) &&
	    s->how->password) {
		freeReplyObject(r);
		r = ask(l, s->how, s->master); /* AUTHs, and proves the sentinel answers */
		if (r)
			freeReplyObject(r);
		r = redis_link_command(l, &sub);
	}
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		if (r)
			freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r); /* the first confirmation; the second is a reply like any */
	return 0;
}

/* One sentinel the watcher listens to. */
struct watch_link {
	struct redis_link *l;  /* NULL while it cannot be reached */
	long long quiet_since; /* the last byte from it */
	long long retry_at;    /* when to connect again */
	bool pinged;
};

/* Connect and subscribe; on failure try again a moment later. */
static void watch_connect(struct redis_sentinel *s, size_t i, struct watch_link *w, long long now)
{
	struct redis_address addr = {.host = s->sentinels[i].host, .port = s->sentinels[i].port};
	char err[256];

	w->retry_at = now + WATCH_RETRY_NS;
	if (redis_link_open(&addr, s->how->tls, s->how->timeout_ns, &w->l, err, sizeof err))
		return;
	if (subscribe(s, w->l)) {
		redis_link_free(w->l);
		w->l = NULL;
		return;
	}
	w->quiet_since = wait_now_ns();
	w->pinged = false;
	/* a switch while no one listened: the sentinels' answer now */
	sentinel_refresh(s, s->how, sentinel_generation(s), err, sizeof err);
}

static void watch_drop(struct redis_sentinel *s, size_t i, struct watch_link *w, const char *why)
{
	char line[512];

	if (s->log) {
		snprintf(line, sizeof line, "redis: sentinel %s:%d: %s", s->sentinels[i].host,
			 s->sentinels[i].port, why);
		s->log(s->log_arg, line);
	}
	redis_link_free(w->l);
	w->l = NULL;
	w->retry_at = wait_now_ns() + WATCH_RETRY_NS;
}

/* Read what one sentinel sent, or PING it when it was quiet; drop it when it fails. */
static void watch_serve(struct redis_sentinel *s, size_t i, struct watch_link *w, bool readable)
{
	long long quiet = wait_now_ns() - w->quiet_since;
	struct redis_cmd ping;
	redisReply *r = NULL;

	redis_cmd_start(&ping, "PING");
	if (!readable && w->pinged && quiet > WATCH_PING_NS + s->how->timeout_ns) {
		watch_drop(s, i, w, "no answer to PING");
	} else if (!readable && !w->pinged && quiet > WATCH_PING_NS) {
		if (redis_link_send(w->l, &ping, 1) || redis_link_flush(w->l))
			watch_drop(s, i, w, w->l->err ? w->l->errstr : "out of memory");
		else
			w->pinged = true;
	} else if (readable) {
		if (redis_link_get_reply(w->l, (void **) &r) != REDIS_OK) {
			watch_drop(s, i, w, w->l->errstr);
			return;
		}
		w->quiet_since = wait_now_ns();
		w->pinged = false;
		take_message(s, r);
		freeReplyObject(r);
	}
}

/*
 * Listen to every sentinel at once: the one that leads a failover tells
 * first (+promoted-slave), and any may be down.
 */
static void *watch_loop(void *arg)
{
	struct redis_sentinel *s = arg;
	struct watch_link *w = calloc(s->count, sizeof *w);
	struct pollfd *p = calloc(s->count + 1, sizeof *p);
	size_t *at = calloc(s->count + 1, sizeof *at);

	while (w && p && at) {
		long long now = wait_now_ns();
		int n = 1, timeout = 200;

		p[0] = (struct pollfd){.fd = s->stop[0], .events = POLLIN};
		for (size_t i = 0; i < s->count; i++) {
			if (!w[i].l && now >= w[i].retry_at)
				watch_connect(s, i, &w[i], now);
			if (!w[i].l)
				continue;
			if (redis_link_buffered(w[i].l))
				timeout = 0;
			at[n] = i;
			p[n++] = (struct pollfd){.fd = redis_link_fd(w[i].l), .events = POLLIN};
		}
		if (poll(p, (nfds_t) n, timeout) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break; /* sentinel_free() closed the pipe */
		for (int k = 1; k < n; k++) {
			struct watch_link *one = &w[at[k]];

			watch_serve(s, at[k], one, p[k].revents || redis_link_buffered(one->l));
		}
	}
	for (size_t i = 0; w && i < s->count; i++)
		redis_link_free(w[i].l);
	free(w);
	free(p);
	free(at);
	return NULL;
}

int sentinel_watch(struct redis_sentinel *s, const struct redis_dial *how, log_line_fn log,
		   void *log_arg)
{
	int ret;

	if (s->watching)
		return 0;
	s->how = how;
	s->log = log;
	s->log_arg = log_arg;
	if (pipe2(s->stop, O_CLOEXEC))
		return -errno;
	ret = pthread_create(&s->watcher, NULL, watch_loop, s);
	if (ret) {
		close(s->stop[0]);
		close(s->stop[1]);
		return -ret;
	}
	s->watching = true;
	return 0;
}

const char *sentinel_master_name(const struct redis_sentinel *s)
{
	return s->master;
}
