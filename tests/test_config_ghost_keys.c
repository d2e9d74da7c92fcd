/* test_config_ghost_keys.c - unit tests of kind = keys rules in the config file (SPEC 6). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/config.h"
#include "run_suite.h"

#define ERR_LEN 512
/* lines 1-2: [mysql] with no password file; a rule's header is line 3 */
#define MYSQL_SECTION "[mysql]\nhost = 127.0.0.1\n"

static char config_path[PATH_MAX];

static void write_config(const char *rule)
{
	char dir[] = "/tmp/redisfs-config-keys-XXXXXX";
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(config_path, sizeof config_path, "%s/redisfs.ini", dir);
	f = fopen(config_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s%s", MYSQL_SECTION, rule);
	fclose(f);
}

static void remove_config(void)
{
	char *slash = strrchr(config_path, '/');

	unlink(config_path);
	*slash = '\0';
	rmdir(config_path);
}

/* The rule text must load; the caller checks `cfg` and calls config_free(). */
static void load_ok(const char *rule, struct rfs_config *cfg)
{
	char err[ERR_LEN];
	int rc;

	write_config(rule);
	rc = config_load(config_path, cfg, err, sizeof err);
	remove_config();
	ck_assert_msg(rc == 0, "config_load = %d: %s", rc, err);
}

/* The rule text must fail with "PATH:LINE: ...needle..." on one line. */
static void load_fails(const char *rule, int line, const char *needle)
{
	struct rfs_config cfg;
	char err[ERR_LEN], prefix[PATH_MAX + 32];
	int rc;

	write_config(rule);
	rc = config_load(config_path, &cfg, err, sizeof err);
	snprintf(prefix, sizeof prefix, "%s:%d: ", config_path, line);
	remove_config();
	ck_assert_msg(rc == -EINVAL, "config_load = %d (%s)", rc, err);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "\"%s\" does not begin with \"%s\"",
		      err, prefix);
	ck_assert_msg(strstr(err, needle), "\"%s\" does not say \"%s\"", err, needle);
	ck_assert_msg(!strchr(err, '\n'), "\"%s\" spans lines", err);
	config_free(&cfg);
}

START_TEST(test_a_keys_rule_loads_with_its_id_pattern)
{
	struct rfs_config cfg;

	load_ok("[ghosts.sessions]\nkind = keys\nkeys = session:*\ntable = users\ncolumn = id\n"
		"id = ^session:([0-9]+)$   ; the ID in the key's name\n"
		"[ghosts.q]\nkeys = q:*\ntable = users\ncolumn = id\n",
		&cfg);
	ck_assert_uint_eq(cfg.rule_count, 2);
	ck_assert_int_eq(cfg.rules[0].kind, CONFIG_GHOSTS_KEYS);
	ck_assert_str_eq(cfg.rules[0].id, "^session:([0-9]+)$");
	ck_assert_str_eq(cfg.rules[0].keys, "session:*");
	ck_assert_ptr_null(cfg.rules[0].member);
	ck_assert_int_eq(cfg.rules[1].kind, CONFIG_GHOSTS_QUEUES);
	ck_assert_ptr_null(cfg.rules[1].id);
	config_free(&cfg);
}
END_TEST

START_TEST(test_kind_queues_is_the_default_written_out)
{
	struct rfs_config cfg;

	load_ok("[ghosts.q]\nkind = queues\nkeys = q:*\ntable = users\ncolumn = id\n"
		"member = ^([0-9]+)\n",
		&cfg);
	ck_assert_int_eq(cfg.rules[0].kind, CONFIG_GHOSTS_QUEUES);
	config_free(&cfg);
}
END_TEST

START_TEST(test_an_unknown_kind_names_its_line)
{
	load_fails("[ghosts.s]\nkeys = session:*\nkind = key\ntable = users\ncolumn = id\n", 5,
		   "bad kind 'key'");
	load_fails("[ghosts.s]\nkind = queue\nkeys = q:*\ntable = users\ncolumn = id\n", 4,
		   "expected queues");
}
END_TEST

START_TEST(test_an_id_pattern_that_does_not_compile_names_its_line)
{
	load_fails("[ghosts.s]\nkind = keys\nkeys = session:*\ntable = users\ncolumn = id\n"
		   "id = ^session:([0-9]+$\n",
		   8, "id pattern '^session:([0-9]+$' does not compile");
}
END_TEST

START_TEST(test_an_id_pattern_needs_exactly_one_group)
{
	load_fails("[ghosts.s]\nkind = keys\nkeys = session:*\ntable = users\ncolumn = id\n"
		   "id = ^session:[0-9]+$\n",
		   8, "has no group");
	load_fails("[ghosts.s]\nkind = keys\nkeys = session:*\ntable = users\ncolumn = id\n"
		   "id = ^(session|sess):([0-9]+)$\n",
		   8, "has 2 groups: it needs exactly one");
}
END_TEST

START_TEST(test_a_keys_rule_needs_keys_and_id)
{
	load_fails("[ghosts.s]\nkind = keys\ntable = users\ncolumn = id\nid = ^s:([0-9]+)$\n", 3,
		   "[ghosts.s] has no 'keys'");
	load_fails("[ghosts.s]\nkind = keys\nkeys = s:*\ntable = users\ncolumn = id\n", 3,
		   "kind = keys but no 'id'");
	/* the end of the file ends the section too, and a later section does as well */
	load_fails("[ghosts.s]\nkind = keys\nkeys = s:*\ntable = users\ncolumn = id\n"
		   "[ghosts.t]\nkeys = t:*\ntable = users\ncolumn = id\n",
		   3, "no 'id'");
}
END_TEST

START_TEST(test_member_and_id_mixed_up_name_the_line_that_does_not_belong)
{
	/* member = in a keys rule, even before kind = says so */
	load_fails("[ghosts.s]\nmember = ^([0-9]+)\nkeys = s:*\ntable = users\ncolumn = id\n"
		   "kind = keys\nid = ^s:([0-9]+)$\n",
		   4, "member = is for queue rules");
	/* id = in a queue rule */
	load_fails("[ghosts.q]\nkeys = q:*\ntable = users\ncolumn = id\nid = ^q:([0-9]+)$\n", 7,
		   "id = is for kind = keys rules");
}
END_TEST

static Suite *config_ghost_keys_suite(void)
{
	Suite *s = suite_create("config_ghost_keys");
	TCase *tc = tcase_create("keys");

	tcase_add_test(tc, test_a_keys_rule_loads_with_its_id_pattern);
	tcase_add_test(tc, test_kind_queues_is_the_default_written_out);
	tcase_add_test(tc, test_an_unknown_kind_names_its_line);
	tcase_add_test(tc, test_an_id_pattern_that_does_not_compile_names_its_line);
	tcase_add_test(tc, test_an_id_pattern_needs_exactly_one_group);
	tcase_add_test(tc, test_a_keys_rule_needs_keys_and_id);
	tcase_add_test(tc, test_member_and_id_mixed_up_name_the_line_that_does_not_belong);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(config_ghost_keys_suite(), CK_FORK);
}
