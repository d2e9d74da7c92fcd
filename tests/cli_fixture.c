/* cli_fixture.c - servers, mount points and the refusal check of the command-line suites. */
#include "cli_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct h_redis *open_server;
struct h_redis *locked_server;
const char *scratch;

void setup_open_server(void)
{
	open_server = h_redis_start(NULL);
	locked_server = NULL;
	scratch = h_scratch_dir();
}

void setup_servers(void)
{
	const char *locked[] = {"--requirepass", PASSWORD, NULL};

	setup_open_server();
	locked_server = h_redis_start(locked);
}

void assert_refused(const struct h_run *res, const char *mnt, const char *needle)
{
	const char *nl = memchr(res->err, '\n', res->err_len);

	ck_assert_msg(res->status == 1, "exit status %d, want 1; stderr: %s", res->status,
		      res->err);
	ck_assert_msg(res->err_len > 1 && nl == res->err + res->err_len - 1,
		      "stderr must be exactly one line, got %zu bytes: '%s'", res->err_len,
		      res->err);
	ck_assert_msg(strncmp(res->err, "redisfs: ", 9) == 0, "not redisfs's own line: '%s'",
		      res->err);
	ck_assert_msg(!strstr(res->err, "fuse:"), "libfuse's prefix shows: '%s'", res->err);
	if (needle)
		ck_assert_msg(strstr(res->err, needle), "the message '%.*s' does not name '%s'",
			      (int) res->err_len - 1, res->err, needle);
	if (mnt)
		ck_assert_msg(!h_mount_info(mnt, NULL, 0, NULL, 0), "%s was mounted", mnt);
}

const char *new_mountpoint(char *out, size_t len, const char *tag)
{
	ck_assert_msg((size_t) snprintf(out, len, "%s/%s", scratch, tag) < len, "path too long");
	ck_assert_msg(mkdir(out, 0755) == 0, "mkdir %s: %s", out, strerror(errno));
	return out;
}
