/* harness_mysql.h - private MariaDB servers for the MySQL tests, always stopped and removed. */
#ifndef REDISFS_TESTS_HARNESS_MYSQL_H
#define REDISFS_TESTS_HARNESS_MYSQL_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

#include "harness.h" /* H_PATH_MAX, h_init(), h_free_port(), h_tcase_add_fixture() */

/*
 * How it is used, as tests/harness.h is:
 *
 *   main() calls h_mysql_init() (which calls h_init()) before
 *   srunner_run_all(): SIGTERM, SIGINT, SIGHUP and exit() then stop and
 *   remove every server this process started, before the redis-servers and
 *   mounts of harness.h.
 *
 *   A server is started in a TCase's unchecked fixture, added with
 *   h_mysql_tcase_add_fixture(), so that it runs in check's parent process
 *   and a failing test never leaves it running. The tests (in check's forked
 *   processes) open their own connections; they may also halt, restart,
 *   freeze and thaw the server, which goes on belonging to the parent.
 *
 * Each server runs under a small keeper process (a fork of the test binary)
 * that is its parent: it is what lets a forked test stop the server and start
 * it again while check's parent process keeps owning it. Keeper and server
 * die with their parent (PR_SET_PDEATHSIG) and are stopped by PID, never by
 * name. The datadir is a sparse copy of one mariadb-install-db per process.
 * A failed step calls ck_abort_msg() with the reason and the server's log.
 */

#define H_MYSQL_WAIT_SECONDS 30.0 /* bound on a server start, a halt, an install */

/* A MariaDB server this process started. */
struct h_mysql {
	pid_t keeper;		 /* the server's parent; 0 when the slot is free */
	pid_t owner;		 /* the process that started it and must stop it */
	int ctl;		 /* our end of the keeper's control socket */
	int port;		 /* TCP, on 127.0.0.1; the same after a restart */
	char dir[H_PATH_MAX];	 /* mkdtemp directory: data/, tmp/, the socket, the log */
	char socket[H_PATH_MAX]; /* its unix socket */
	char log[H_PATH_MAX];	 /* its stdout and stderr, across restarts */
	char admin[64];		 /* the superuser: the OS user we run as, by unix_socket auth */
	char user[32];		 /* a password user with SELECT on `database`.* */
	char password[32];
	char database[32]; /* an empty database made at start */
};

/*
 * h_init(), then this harness's clean-up as one of harness.h's hooks
 * (h_at_cleanup()): it runs first, at h_stop_all(), at exit and on a fatal
 * signal. Call it in main() before srunner_run_all(). Idempotent.
 */
void h_mysql_init(void);

/*
 * Start a private mariadbd on a free loopback port, its datadir in a fresh
 * mkdtemp directory; make `database` and `user` (password `password`,
 * SELECT on database.*). Waits until it answers. Returns a registry slot,
 * valid until h_mysql_stop().
 */
struct h_mysql *h_mysql_start(void);

/* Stop the server (SIGKILL: its data is thrown away) and remove its directory. NULL is fine. */
void h_mysql_stop(struct h_mysql *m);

/* Stop and remove every server (and the install template) this process started. */
void h_mysql_stop_all(void);

/*
 * As h_tcase_add_fixture(), and first h_mysql_stop_all() in the parent, so
 * that what a failed setup before left is gone.
 */
void h_mysql_tcase_add_fixture(TCase *tc, void (*setup)(void), void (*teardown)(void));

/*
 * Shut the server down (SIGTERM, a bounded wait, SIGKILL), keeping its
 * datadir and port: connections fail at once. From any process of the test.
 */
void h_mysql_halt(struct h_mysql *m);

/* Start a halted server again on the same datadir and port; waits until it answers. */
void h_mysql_restart(struct h_mysql *m);

/*
 * SIGSTOP (frozen) or SIGCONT the server: while frozen the kernel still
 * accepts TCP connections, but nothing ever answers.
 */
void h_mysql_freeze(struct h_mysql *m, bool frozen);

/*
 * Run SQL (printf-style; several statements may be separated by ';') as the
 * superuser, over the unix socket. Aborts with the server's message on error.
 */
void h_mysql_sql(const struct h_mysql *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As h_mysql_sql() for one query whose first column of its first row is an integer; returns it. */
long long h_mysql_int(const struct h_mysql *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Write, in the scratch directory, a password file (0600) for m's user and a
 * redisfs config: [mysql] for `m`, then `rules` as they are (the tests' own
 * [ghosts.*] sections). The config's path goes to `config`.
 */
void h_mysql_write_config(const struct h_mysql *m, const char *rules, char *config, size_t len);

/* As h_mysql_write_config() with one rule, [ghosts.q]: keys q:*, table users, column id. */
void h_mysql_write_ghost_config(const struct h_mysql *m, char *config, size_t len);

#endif
