/* mysql_fixture.c - a MariaDB server and direct backend calls for the MySQL suites. */
#include "mysql_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct h_mysql *maria_server;

void capture_log(void *arg, const char *line)
{
	struct log_capture *cap = arg;

	cap->lines++;
	snprintf(cap->last, sizeof cap->last, "%s", line);
}

/* The endpoint of the test user over TCP; `cap` may be NULL. */
struct mysql_endpoint tcp_endpoint(double timeout, struct log_capture *cap)
{
	struct mysql_endpoint ep = {
		.host = "127.0.0.1",
		.port = maria_server->port,
		.user = maria_server->user,
		.password = maria_server->password,
		.database = maria_server->database,
		.timeout = timeout,
		.log = cap ? capture_log : NULL,
		.log_arg = cap,
	};

	return ep;
}

struct mysql_pool *open_pool_ep(const struct mysql_endpoint *ep)
{
	struct mysql_pool *pool = NULL;
	char err[512] = "";
	int ret = mysql_pool_open(ep, &pool, err, sizeof err);

	ck_assert_msg(ret == 0, "mysql_pool_open: %d (%s)", ret, err);
	ck_assert_ptr_nonnull(pool);
	return pool;
}

struct mysql_pool *open_pool(double timeout, struct log_capture *cap)
{
	struct mysql_endpoint ep = tcp_endpoint(timeout, cap);

	return open_pool_ep(&ep);
}

/* `id` as printable text for a failure message. */
const char *printable(const char *id, size_t len, char *out, size_t room)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < room; i++) {
		unsigned char c = (unsigned char) id[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			o += (size_t) snprintf(out + o, room - o, "\\x%02X", c);
		else
			out[o++] = (char) c;
	}
	out[o] = '\0';
	return out;
}

void assert_probes(struct mysql_pool *pool, const char *table, const char *column,
		   const struct probe *probes, size_t n)
{
	const char *ids[32];
	size_t lens[32];
	unsigned char exists[32];
	int ret;

	ck_assert_uint_le(n, 32);
	for (size_t i = 0; i < n; i++) {
		ids[i] = probes[i].id;
		lens[i] = probes[i].len;
		exists[i] = 7; /* neither answer: each must be written */
	}
	ret = mysql_ids_exist(pool, table, column, ids, lens, n, exists);
	ck_assert_msg(ret == 0, "mysql_ids_exist(%s.%s): %d", table, column, ret);
	for (size_t i = 0; i < n; i++) {
		char text[256];

		ck_assert_msg(exists[i] == probes[i].expect,
			      "%s.%s: ID \"%s\" gave exists=%d, expected %d", table, column,
			      printable(probes[i].id, probes[i].len, text, sizeof text), exists[i],
			      probes[i].expect);
	}
}

long long pool_connections(void)
{
	return h_mysql_int(maria_server,
			   "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
			   " WHERE USER = '%s'",
			   maria_server->user);
}
