/* harness_redis.c - private redis-servers for the tests: start, halt, freeze, stop, commands. */
#include "harness.h"
#include "harness_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REDIS	     8	 /* servers one TCase may run at once: a cluster is 6 */
#define KILL_GRACE_SECONDS   2.0 /* SIGTERM, then this long, then SIGKILL */
#define SIGNAL_GRACE_SECONDS 0.3 /* in a handler: meson's SIGKILL follows in 0.5 s */
#define START_TRIES	     5	 /* a free port can be taken between our look and redis's bind */

/*
 * The registry: fixed slots, so that a signal handler can walk it without
 * allocating. Each entry records its owner, because check forks a test
 * process that inherits the registry and must not stop its parent's things.
 */
static struct h_redis redis_slots[MAX_REDIS];

int h_redis_cleanup(bool in_signal)
{
	pid_t self = getpid();

	for (int i = 0; i < MAX_REDIS; i++) {
		struct h_redis *r = &redis_slots[i];

		if (r->owner != self)
			continue;
		if (!in_signal) {
			h_redis_stop(r);
			continue;
		}
		h_stop_process(r->pid, SIGNAL_GRACE_SECONDS, false);
		h_remove_tree(r->dir);
		r->pid = 0;
		r->owner = 0;
	}
	return 0;
}

int h_free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	ck_assert_msg(bind(fd, (struct sockaddr *) &sin, sizeof sin) == 0, "bind: %s",
		      strerror(errno));
	ck_assert_msg(getsockname(fd, (struct sockaddr *) &sin, &len) == 0, "getsockname: %s",
		      strerror(errno));
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static struct h_redis *redis_slot(void)
{
	for (int i = 0; i < MAX_REDIS; i++)
		if (!redis_slots[i].owner)
			return &redis_slots[i];
	ck_abort_msg("more than %d redis-servers at once", MAX_REDIS);
	return NULL;
}

/* A plain connection to `r`: its port, or its unix socket when its port speaks only TLS. */
static redisContext *connect_plain(const struct h_redis *r, struct timeval tv)
{
	if (r->socket[0])
		return redisConnectUnixWithTimeout(r->socket, tv);
	return redisConnectWithTimeout("127.0.0.1", r->port, tv);
}

redisContext *h_redis_connect_raw(const struct h_redis *r, struct timeval tv)
{
	return connect_plain(r, tv);
}

/* Whether `r` answers PING (any reply: NOAUTH is an answer too). */
static bool redis_answers(const struct h_redis *r)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
	redisContext *c = connect_plain(r, tv);
	redisReply *reply = NULL;
	bool ok = false;

	if (c && !c->err) {
		redisSetTimeout(c, tv);
		reply = redisCommand(c, "PING");
		ok = reply != NULL;
	}
	if (reply)
		freeReplyObject(reply);
	if (c)
		redisFree(c);
	return ok;
}

/* One try at starting a server on `port`; returns true when it answers. */
static bool redis_try_start(struct h_redis *r, const char *const *extra, char *why, size_t whylen)
{
	const char *argv[64];
	char port[16];
	int argc = 0, status;
	bool tls_given = false;
	pid_t parent = getpid();
	double deadline;

	snprintf(port, sizeof port, "%d", r->port);
	argv[argc++] = "/usr/bin/redis-server";
	if (r->conf[0]) {
		argv[argc++] = r->conf; /* a sentinel rewrites its config file: it must have one */
		argv[argc++] = "--sentinel";
	}
	if (r->socket[0]) {
		argv[argc++] = "--port";
		argv[argc++] = "0";
		argv[argc++] = "--unixsocket";
		argv[argc++] = r->socket;
		argv[argc++] = "--tls-port";
	} else {
		argv[argc++] = "--port";
	}
	argv[argc++] = port;
	argv[argc++] = "--bind";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "--dir";
	argv[argc++] = r->dir;
	argv[argc++] = "--save";
	argv[argc++] = "";
	argv[argc++] = "--appendonly";
	argv[argc++] = "no";
	argv[argc++] = "--daemonize";
	argv[argc++] = "no";
	for (int i = 0; extra && extra[i]; i++) {
		ck_assert_msg(argc < 53, "too many redis-server arguments");
		argv[argc++] = extra[i];
		tls_given = tls_given || !strcmp(extra[i], "--tls-cert-file");
	}
	if (r->socket[0] && !tls_given)
		argc += (int) h_tls_server_args(NULL, false, argv + argc);
	argv[argc] = NULL;

	r->owner = getpid();
	r->pid = fork();
	ck_assert_msg(r->pid >= 0, "fork: %s", strerror(errno));
	if (r->pid == 0) {
		h_child_die_with(parent, SIGKILL);
		h_child_stdio(r->log, true);
		execv(argv[0], (char *const *) argv);
		_exit(127);
	}

	deadline = h_now() + H_WAIT_SECONDS;
	while (h_now() < deadline) {
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			char buf[1024];

			r->pid = 0;
			snprintf(why, whylen, "redis-server exited (status 0x%x): %s", status,
				 h_log_head(r->log, buf, sizeof buf));
			return false;
		}
		if (redis_answers(r))
			return true;
		h_nap_ns(H_POLL_NS);
	}
	h_stop_process(r->pid, 1.0, false);
	r->pid = 0;
	snprintf(why, whylen, "redis-server on port %d did not answer PING in %.0f s", r->port,
		 H_WAIT_SECONDS);
	return false;
}

struct h_redis *h_redis_start(const char *const *extra)
{
	return h_redis_start_as(h_tls_mode() ? H_REDIS_TLS_ONLY : 0, extra);
}

struct h_redis *h_redis_start_as(unsigned kind, const char *const *extra)
{
	struct h_redis *r;
	char why[1200] = "";

	h_init();
	ck_assert_msg(access("/usr/bin/redis-server", X_OK) == 0,
		      "/usr/bin/redis-server is missing: the integration tests need a real server");
	r = redis_slot();
	memset(r, 0, sizeof *r);
	r->owner = getpid();
	h_temp_dir(r->dir, sizeof r->dir, "redis");
	h_join_path(r->log, sizeof r->log, r->dir, "redis.log");
	if (kind & H_REDIS_TLS_ONLY)
		h_join_path(r->socket, sizeof r->socket, r->dir, "redis.sock");
	if (kind & H_REDIS_SENTINEL) {
		h_join_path(r->conf, sizeof r->conf, r->dir, "sentinel.conf");
		ck_assert_msg(h_write_file(r->conf, "", 0, 0600) == 0, "cannot write %s", r->conf);
	}
	for (int i = 0; extra && extra[i]; i++)
		if (!strcmp(extra[i], "--requirepass") && extra[i + 1])
			snprintf(r->password, sizeof r->password, "%s", extra[i + 1]);

	for (int attempt = 0; attempt < START_TRIES; attempt++) {
		r->port = h_free_port();
		if (redis_try_start(r, extra, why, sizeof why))
			return r;
	}
	ck_abort_msg("cannot start redis-server: %s", why);
	return NULL;
}

/* Remove every file in a directory the harness made (not recursive), then the directory. */

void h_redis_stop(struct h_redis *r)
{
	if (!r || r->owner != getpid())
		return;
	h_stop_process(r->pid, KILL_GRACE_SECONDS, false);
	h_remove_tree(r->dir);
	memset(r, 0, sizeof *r);
}

void h_redis_halt(struct h_redis *r)
{
	ck_assert_msg(r->owner == getpid(),
		      "h_redis_halt: only the process that started the server can stop and "
		      "restart it (run the test with CK_NOFORK)");
	h_stop_process(r->pid, KILL_GRACE_SECONDS, false);
	r->pid = 0;
}

void h_redis_restart(struct h_redis *r, const char *const *extra)
{
	char why[1200] = "";

	ck_assert_msg(r->owner == getpid(),
		      "h_redis_restart: only the process that started the server can restart it");
	if (r->pid)
		h_redis_halt(r);
	r->password[0] = '\0';
	for (int i = 0; extra && extra[i]; i++)
		if (!strcmp(extra[i], "--requirepass") && extra[i + 1])
			snprintf(r->password, sizeof r->password, "%s", extra[i + 1]);
	/* the port was ours a moment ago; redis binds with SO_REUSEADDR */
	for (int attempt = 0; attempt < START_TRIES; attempt++) {
		if (redis_try_start(r, extra, why, sizeof why))
			return;
		h_nap_ns(100 * H_POLL_NS);
	}
	ck_abort_msg("cannot restart redis-server on port %d: %s", r->port, why);
}

/* The state letter of /proc/PID/stat ('R', 'S', 'T' stopped, ...), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *paren;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	paren = strrchr(buf, ')'); /* PID (COMM) STATE ...: COMM may hold anything */
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

void h_redis_freeze(const struct h_redis *r, bool frozen)
{
	ck_assert_msg(r->pid > 0, "h_redis_freeze: the server is not running");
	ck_assert_msg(kill(r->pid, frozen ? SIGSTOP : SIGCONT) == 0, "kill %d: %s", (int) r->pid,
		      strerror(errno));
	for (double deadline = h_now() + H_WAIT_SECONDS; h_now() < deadline;) {
		char state = proc_state(r->pid);

		if (frozen ? state == 'T' : state != 'T')
			return;
		h_nap_ns(H_POLL_NS);
	}
	ck_abort_msg("redis-server %d did not %s", (int) r->pid, frozen ? "stop" : "continue");
}

static redisReply *vcommand(redisContext *c, const char *fmt, va_list ap)
{
	redisReply *reply = redisvCommand(c, fmt, ap);

	ck_assert_msg(reply, "redis command '%s' got no reply: %s", fmt, c->errstr);
	return reply;
}

redisContext *h_redis_connect(const struct h_redis *r, int db)
{
	struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
	redisContext *c = connect_plain(r, tv);

	ck_assert_msg(c && !c->err, "cannot connect to redis on port %d: %s", r->port,
		      c ? c->errstr : "out of memory");
	redisSetTimeout(c, tv);
	if (r->password[0])
		h_cmd_ok(c, "AUTH %s", r->password);
	h_cmd_ok(c, "SELECT %d", db);
	return c;
}

redisReply *h_cmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;

	va_start(ap, fmt);
	reply = vcommand(c, fmt, ap);
	va_end(ap);
	return reply;
}

void h_cmd_ok(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;

	va_start(ap, fmt);
	reply = vcommand(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(reply->type != REDIS_REPLY_ERROR, "redis command '%s' failed: %s", fmt,
		      reply->str);
	freeReplyObject(reply);
}

long long h_cmd_int(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;
	long long v;

	va_start(ap, fmt);
	reply = vcommand(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(reply->type == REDIS_REPLY_INTEGER, "redis command '%s' gave type %d (%s)",
		      fmt, reply->type, reply->type == REDIS_REPLY_ERROR ? reply->str : "");
	v = reply->integer;
	freeReplyObject(reply);
	return v;
}
