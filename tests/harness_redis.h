/* harness_redis.h - private redis-servers for the tests: start, halt, freeze, stop, commands. */
#ifndef REDISFS_TESTS_HARNESS_REDIS_H
#define REDISFS_TESTS_HARNESS_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <sys/types.h>

#include "harness_util.h"

/* A redis-server this process started. */
struct h_redis {
	pid_t pid;		 /* 0 when the slot is free */
	pid_t owner;		 /* the process that started it and must stop it */
	int port;		 /* on 127.0.0.1 */
	char dir[H_PATH_MAX];	 /* its --dir, a mkdtemp directory removed at stop */
	char log[H_PATH_MAX];	 /* its stdout and stderr */
	char password[128];	 /* the --requirepass it was given, "" for none */
	char socket[H_PATH_MAX]; /* H_REDIS_TLS_ONLY: the unix socket the tests talk plain on */
	char conf[H_PATH_MAX];	 /* H_REDIS_SENTINEL: its config file */
};

/* A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
int h_free_port(void);

/*
 * Start a private redis-server on a free loopback port, in a fresh mkdtemp
 * directory, with no persistence; `extra` is a NULL-terminated list of more
 * arguments (NULL for none), e.g. {"--requirepass", "pw", NULL}. Waits until
 * it answers PING. Returns a registry slot, valid until h_redis_stop().
 */
struct h_redis *h_redis_start(const char *const *extra);

/* What kind of server h_redis_start_as() starts. */
enum {
	/*
	 * Its TCP port (r->port) speaks only TLS (--port 0 --tls-port): give
	 * the --tls-* files in `extra`. h_redis_connect() and the start's PING
	 * go through a unix socket in its directory (r->socket).
	 */
	H_REDIS_TLS_ONLY = 1,
	/* redis-server --sentinel with a config file of its own; `extra` holds "--sentinel",
	   "monitor ..." */
	H_REDIS_SENTINEL = 2,
};

/* h_redis_start() of another kind: H_REDIS_TLS_ONLY, H_REDIS_SENTINEL, or both. */
struct h_redis *h_redis_start_as(unsigned kind, const char *const *extra);

/* SIGTERM, a bounded wait, SIGKILL; then remove its directory. NULL is fine. */
void h_redis_stop(struct h_redis *r);

/*
 * Stop the server by PID (SIGTERM, a bounded wait, SIGKILL), keeping its
 * port, directory (a dump.rdb made with SAVE survives) and slot. Only the
 * process that started it can: a test that halts a server set up by its
 * fixture runs with CK_NOFORK.
 */
void h_redis_halt(struct h_redis *r);

/*
 * Start a server again on the same port and directory, halting it first
 * when it runs; `extra` as for h_redis_start() (give --requirepass again).
 * Waits until it answers (LOADING is an answer). Same owner rule as h_redis_halt().
 */
void h_redis_restart(struct h_redis *r, const char *const *extra);

/*
 * SIGSTOP (frozen: the kernel still accepts connections, nothing answers) or
 * SIGCONT the server, and wait until /proc shows it so. Any process may.
 */
void h_redis_freeze(const struct h_redis *r, bool frozen);

/*
 * A connection to `r` as the admin (the default user, with the server's
 * requirepass), in database `db`. Free it with redisFree().
 */
redisContext *h_redis_connect(const struct h_redis *r, int db);

/*
 * A plain connection to `r` with timeout `tv`, nothing sent: its port, or its
 * unix socket when its port speaks only TLS. NULL or c->err when it fails.
 */
redisContext *h_redis_connect_raw(const struct h_redis *r, struct timeval tv);

/* A command that must get a reply (any reply, errors too). Free it with freeReplyObject(). */
redisReply *h_cmd(redisContext *c, const char *fmt, ...);

/* A command that must not fail. */
void h_cmd_ok(redisContext *c, const char *fmt, ...);

/* A command that must return an integer; returns it. */
long long h_cmd_int(redisContext *c, const char *fmt, ...);

/* For harness.c: stop this process's servers (in a signal handler: by PID only). */
int h_redis_cleanup(bool in_signal);

#endif
