/* mysql_fixture.h - a MariaDB server and direct backend calls for the MySQL suites. */
#ifndef REDISFS_TESTS_MYSQL_FIXTURE_H
#define REDISFS_TESTS_MYSQL_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/mysql_client.h"
#include "harness_mysql.h"

#define TEST_SECONDS  60  /* per test; a hang fails as a timeout, never blocks the suite */
#define SHORT_TIMEOUT 2.0 /* the pool timeout of the outage tests, in seconds */

extern struct h_mysql *maria_server;

/* What the pool logged: its line count and the last line. */
struct log_capture {
	int lines;
	char last[1024];
};

void capture_log(void *arg, const char *line);

/* The endpoint of the test user over TCP; `cap` may be NULL. */
struct mysql_endpoint tcp_endpoint(double timeout, struct log_capture *cap);

struct mysql_pool *open_pool_ep(const struct mysql_endpoint *ep);

struct mysql_pool *open_pool(double timeout, struct log_capture *cap);

/* An ID to look up, with its length (literals may hold NUL bytes) and the expected answer. */
struct probe {
	const char *id;
	size_t len;
	int expect;
};

#define PROBE(lit, exp)                                                                            \
	{                                                                                          \
		(lit), sizeof(lit) - 1, (exp)                                                      \
	}

/* `id` as printable text for a failure message. */
const char *printable(const char *id, size_t len, char *out, size_t room);

void assert_probes(struct mysql_pool *pool, const char *table, const char *column,
		   const struct probe *probes, size_t n);

long long pool_connections(void);

#endif
