/* test_errno_table.c - the man page's errno table for the root and database folders, row by row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "run_suite.h"

#define SECTION	 "\n.SS The root and the database folders\n"
#define ROWS_MAX 64

static struct h_redis *server;
static struct h_mount *mount;

struct row {
	char command[256];
	char errno_name[32];
};

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{"EACCES", EACCES}, {"EPERM", EPERM},	      {"EISDIR", EISDIR},   {"EBUSY", EBUSY},
	{"ENOENT", ENOENT}, {"ENOTDIR", ENOTDIR},     {"EROFS", EROFS},	    {"EINVAL", EINVAL},
	{"EEXIST", EEXIST}, {"ENOTEMPTY", ENOTEMPTY}, {"ENOTSUP", ENOTSUP},
};

static int errno_of(const char *name)
{
	for (size_t i = 0; i < sizeof errno_names / sizeof *errno_names; i++) {
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].value;
	}
	ck_abort_msg("the man page names %s, which this test does not know", name);
	return 0;
}

/* Undo roff's escapes that the table uses: "\-" is '-'. */
static void unroff(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == '-')
			r++;
		*w++ = *r;
	}
	*w = '\0';
}

/* The rows of the tbl table (.TS ... .TE) after SECTION in the man page. */
static size_t read_table(struct row *rows)
{
	const char *path = getenv("REDISFS_MAN");
	char *page, *at, *end, *line;
	size_t len, n = 0;

	ck_assert_msg(path, "REDISFS_MAN is not set (meson test sets it)");
	ck_assert_msg(h_read_file(path, &page, &len) == 0, "cannot read %s", path);
	at = strstr(page, SECTION);
	ck_assert_msg(at, "%s has no section%s", path, SECTION);
	at = strstr(at, "\n.TS\n");
	ck_assert(at);
	at = strchr(at + 5, '\n') + 1; /* the format line, "l l." */
	end = strstr(at, "\n.TE\n");
	ck_assert(end);
	*end = '\0';
	for (line = strtok(at, "\n"); line; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');

		ck_assert_msg(tab, "table row without a tab: '%s'", line);
		ck_assert(n < ROWS_MAX);
		*tab = '\0';
		snprintf(rows[n].command, sizeof rows[n].command, "%s", line);
		snprintf(rows[n].errno_name, sizeof rows[n].errno_name, "%s", tab + 1);
		unroff(rows[n].command);
		n++;
	}
	free(page);
	return n;
}

static void setup_mount(void)
{
	struct h_mount_spec spec = {.options = "databases=4"};
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "SET greeting %s", "hello from redis");
	redisFree(c);
	mount = h_mount_start(server, &spec);
}

/*
 * Each row as a user types it, in the folder that holds mnt/: the command
 * fails, its message is strerror of the row's errno, and Redis is unchanged.
 */
START_TEST(test_every_row_of_the_errno_table_fails_as_documented)
{
	struct row rows[ROWS_MAX];
	size_t n = read_table(rows), before_len, after_len;
	char *before = h_redis_snapshot(server, 16, &before_len), *after;

	ck_assert_msg(n >= 10, "only %zu rows read from the man page", n);
	for (size_t i = 0; i < n; i++) {
		const char *want = strerror(errno_of(rows[i].errno_name));
		struct h_run res;
		int status = h_sh_out(mount->work, &res, "%s", rows[i].command);

		printf("$ %s\n%s", rows[i].command, res.err);
		ck_assert_msg(status != 0, "'%s' succeeded; the man page says %s", rows[i].command,
			      rows[i].errno_name);
		ck_assert_msg(strstr(res.err, want), "'%s': '%s', the man page says %s (%s)",
			      rows[i].command, res.err, rows[i].errno_name, want);
		h_run_free(&res);
	}
	after = h_redis_snapshot(server, 16, &after_len);
	ck_assert_msg(before_len == after_len && memcmp(before, after, before_len) == 0,
		      "the table's operations changed Redis");
	free(before);
	free(after);
}
END_TEST

static Suite *errno_suite(void)
{
	Suite *s = suite_create("errno_table");
	TCase *tc = tcase_create("root_and_databases");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_every_row_of_the_errno_table_fails_as_documented);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(errno_suite(), CK_FORK);
}
