/* test_failure_log.c - a failure's log line names the operation, the database and the key. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

#define MNT_PATH_LEN (H_PATH_MAX + 64)

static struct h_redis *server;
static struct h_mount *mount;

/* Every stat asks the daemon, so that a lost server shows at once. */
static void setup_mount(void)
{
	struct h_mount_spec spec = {.options = "cache_timeout=0"};

	server = h_redis_start(NULL);
	mount = h_mount_start(server, &spec);
}

/* Whether one line of the daemon's log holds every one of `words` (NULL-terminated). */
static bool log_line_has(const char *const *words)
{
	char *log, *line, *save = NULL;
	bool found = false;
	size_t len;

	if (h_read_file(mount->log, &log, &len) != 0)
		return false;
	for (line = strtok_r(log, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		found = true;
		for (const char *const *w = words; *w; w++)
			found = found && strstr(line, *w) != NULL;
	}
	free(log);
	return found;
}

START_TEST(test_a_lost_server_is_logged_with_the_command_database_and_key)
{
	redisContext *c = h_redis_connect(server, 3);
	const char *const read_words[] = {"db3", "'lost-read'", "cannot connect", NULL};
	const char *const write_words[] = {"db3", "'lost-write'", "cannot connect", NULL};
	char p[MNT_PATH_LEN], q[MNT_PATH_LEN];
	struct stat st;
	int fd;

	h_cmd_ok(c, "SET lost-read x");
	h_cmd_ok(c, "SET lost-write x");
	redisFree(c);
	fd = open(h_path(q, sizeof q, mount, "db3/lost-write"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "y", 1), 1);
	h_redis_halt(server);
	ck_assert_int_eq(stat(h_path(p, sizeof p, mount, "db3/lost-read"), &st), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(close(fd), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_msg(log_line_has(read_words), "no log line names db3, 'lost-read' and the cause");
	ck_assert_msg(log_line_has(write_words),
		      "no log line names db3, 'lost-write' and the cause");
	h_redis_restart(server, NULL);
}
END_TEST

static Suite *failure_log_suite(void)
{
	Suite *s = suite_create("failure_log");
	TCase *tc = tcase_create("lost_server");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_a_lost_server_is_logged_with_the_command_database_and_key);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(failure_log_suite(), CK_NOFORK);
}
