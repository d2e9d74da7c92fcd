/* test_ghost_keys.c - SPEC 6 kind = keys through a real mount: keys whose names carry a gone ID. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>

#include "harness.h"
#include "harness_cluster.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define USERS 60 /* IDs 1..USERS appear in key names; rows for some of them */

static struct h_redis *redis;
static struct h_cluster *cluster;
static struct h_mysql *mysql;
static struct h_mount *mnt;

/* The three rules: sessions (strings), profiles (hashes), rate limits (of several types). */
struct rule {
	const char *name, *glob, *prefix, *suffix, *id;
};
static const struct rule rules[] = {
	{"sessions", "session:*", "session:", "", "^session:([0-9]+)$"},
	{"profiles", "user:*", "user:", ":profile", "^user:([0-9]+):profile$"},
	{"limits", "ratelimit:*", "ratelimit:{", "}", "^ratelimit:\\{([0-9]+)\\}$"},
};
#define RULES (sizeof rules / sizeof rules[0])

/* Keys the rules' globs match whose names carry no canonical ID: never ghosts. */
static const char *const kept_keys[] = {
	"session:05",
	"session:abc",
	"session:3:extra",
	"session:",
	"user:7",
	"user:9:name",
	"ratelimit:{x}",
	"ratelimit:9",
	"session:-3",
	"session: 3",
	"session:99999999999999999999",
};
#define KEPT (sizeof kept_keys / sizeof kept_keys[0])

/* Users 1..40 but every third one; 41..USERS never existed. */
static void make_users(void)
{
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id INT PRIMARY KEY);"
		    "INSERT INTO users SELECT seq FROM seq_1_to_40 WHERE seq %% 3 <> 0",
		    mysql->database);
}

static void write_config(char *config, size_t len, const char *extra)
{
	char text[4096];
	int n = 0;

	for (size_t i = 0; i < RULES; i++)
		n += snprintf(text + n, sizeof text - (size_t) n,
			      "\n[ghosts.%s]\nkind = keys\nkeys = %s\ntable = users\ncolumn = id\n"
			      "id = %s\n",
			      rules[i].name, rules[i].glob, rules[i].id);
	n += snprintf(text + n, sizeof text - (size_t) n, "%s", extra ? extra : "");
	ck_assert_int_lt(n, (int) sizeof text);
	h_mysql_write_config(mysql, text, config, len);
}

/* A command on the single server (db 0) or the cluster. */
static void cmd_ok(redisContext *c, const char *fmt, const char *a, const char *b)
{
	if (cluster)
		h_cluster_cmd_ok(cluster, fmt, a, b);
	else
		h_cmd_ok(c, fmt, a, b);
}

static long long cmd_int(redisContext *c, const char *fmt, const char *a)
{
	return cluster ? h_cluster_cmd_int(cluster, fmt, a) : h_cmd_int(c, fmt, a);
}

static void key_of(char *out, size_t len, const struct rule *r, int id)
{
	snprintf(out, len, "%s%d%s", r->prefix, id, r->suffix);
}

/* The data: every rule's key for every ID, of several types; and the kept keys. */
static void load_keys(redisContext *c)
{
	char key[64], val[64];

	for (int id = 1; id <= USERS; id++) {
		snprintf(val, sizeof val, "token-%d", id);
		key_of(key, sizeof key, &rules[0], id);
		cmd_ok(c, "SET %s %s", key, val);
		key_of(key, sizeof key, &rules[1], id);
		cmd_ok(c, "HSET %s name %s", key, val);
		key_of(key, sizeof key, &rules[2], id);
		switch (id % 4) {
		case 0:
			cmd_ok(c, "INCRBY %s %s", key, "7");
			break;
		case 1:
			cmd_ok(c, "RPUSH %s %s", key, val);
			break;
		case 2:
			cmd_ok(c, "SADD %s %s", key, val);
			break;
		default:
			cmd_ok(c, "ZADD %s 1.5 %s", key, val);
		}
	}
	for (size_t i = 0; i < KEPT; i++)
		cmd_ok(c, "SET %s %s", kept_keys[i], "kept");
}

static void setup_servers(void)
{
	mysql = h_mysql_start();
	make_users();
}

static void mount_single(const char *options)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 64];
	redisContext *c;

	redis = h_redis_start(NULL);
	setup_servers();
	c = h_redis_connect(redis, 0);
	load_keys(c);
	write_config(config, sizeof config, NULL);
	snprintf(opts, sizeof opts, "config=%s,%s", config, options);
	if (strstr(options, "ro")) /* from here on Redis may see no write command */
		h_cmd_ok(c, "CONFIG RESETSTAT");
	redisFree(c);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void setup_rw(void)
{
	mount_single("cache_timeout=0");
}

static void setup_ro(void)
{
	mount_single("ro,cache_timeout=0");
}

static void setup_cluster(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 64];

	cluster = h_cluster_start(NULL);
	setup_servers();
	load_keys(NULL);
	write_config(config, sizeof config, NULL);
	snprintf(opts, sizeof opts, "config=%s,cache_timeout=0", config);
	mnt = h_mount_start(cluster->nodes[0],
			    &(struct h_mount_spec){.url = cluster->url, .options = opts});
}

static void teardown(void)
{
	h_mount_stop(mnt);
	mnt = NULL;
	if (cluster)
		h_cluster_stop(cluster);
	cluster = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

/* MariaDB's anti-join: the IDs of 1..USERS that no row of users has, ascending. */
static size_t gone_ids(int *ids)
{
	MYSQL *db = mysql_init(NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t n = 0;
	char sql[256];

	ck_assert_ptr_nonnull(mysql_real_connect(db, NULL, mysql->admin, NULL, mysql->database, 0,
						 mysql->socket, 0));
	snprintf(sql, sizeof sql,
		 "SELECT seq FROM seq_1_to_%d s WHERE NOT EXISTS "
		 "(SELECT 1 FROM users u WHERE u.id = s.seq) ORDER BY seq",
		 USERS);
	ck_assert_msg(mysql_query(db, sql) == 0, "%s", mysql_error(db));
	res = mysql_store_result(db);
	while ((row = mysql_fetch_row(res)))
		ids[n++] = atoi(row[0]);
	mysql_free_result(res);
	mysql_close(db);
	return n;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The file names rule `r` should list: its key for each gone ID, sorted bytewise. */
static size_t expected_names(const struct rule *r, char **names)
{
	int ids[USERS];
	size_t n = gone_ids(ids);
	char key[64];

	for (size_t i = 0; i < n; i++) {
		key_of(key, sizeof key, r, ids[i]);
		names[i] = strdup(key);
	}
	qsort(names, n, sizeof *names, name_cmp);
	return n;
}

static void rule_path(char *out, size_t len, const struct rule *r, const char *file)
{
	char rel[64];

	snprintf(rel, sizeof rel, "ghosts/%s", r->name);
	h_path(out, len, mnt, rel);
	if (file)
		h_join_path(out, len, out, file);
}

static void assert_lists_the_anti_join(const struct rule *r)
{
	char *want[USERS], path[H_PATH_MAX];
	size_t n = expected_names(r, want);
	struct h_names got;

	ck_assert_uint_gt(n, 10); /* neither none nor all */
	rule_path(path, sizeof path, r, NULL);
	ck_assert_int_eq(h_list(path, &got), 0);
	ck_assert_msg(got.n == n, "ghosts/%s: %zu listed, %zu by the anti-join", r->name, got.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(got.v[i], want[i]);
		free(want[i]);
	}
	h_names_free(&got);
}

START_TEST(test_ls_lists_exactly_the_keys_whose_ids_have_no_row)
{
	for (size_t i = 0; i < RULES; i++)
		assert_lists_the_anti_join(&rules[i]);
}
END_TEST

START_TEST(test_cat_and_stat_show_the_keys_content_as_the_db_folder)
{
	redisContext *c = h_redis_connect(redis, 0);
	char *want[USERS], path[H_PATH_MAX], dbpath[H_PATH_MAX];

	for (size_t k = 0; k < RULES; k++) {
		size_t n = expected_names(&rules[k], want);

		for (size_t i = 0; i < n; i++) {
			char *expect, *got, *indb;
			size_t elen, glen, dlen;
			struct stat st;

			ck_assert_int_eq(
				h_expected_content(c, want[i], strlen(want[i]), &expect, &elen), 0);
			rule_path(path, sizeof path, &rules[k], want[i]);
			ck_assert_int_eq(h_read_file(path, &got, &glen), 0);
			ck_assert_msg(glen == elen && memcmp(got, expect, elen) == 0,
				      "%s: '%s', redis has '%s'", path, got, expect);
			ck_assert_int_eq(stat(path, &st), 0);
			ck_assert_int_eq(st.st_size, (off_t) elen);
			h_join_path(dbpath, sizeof dbpath, mnt->mnt, "db0");
			h_join_path(dbpath, sizeof dbpath, dbpath, want[i]);
			ck_assert_int_eq(h_read_file(dbpath, &indb, &dlen), 0);
			ck_assert(dlen == glen && memcmp(indb, got, glen) == 0);
			free(expect);
			free(got);
			free(indb);
			free(want[i]);
		}
	}
	redisFree(c);
}
END_TEST

/* Every key of db 0, as one sorted string list. */
static redisReply *all_keys(redisContext *c)
{
	return h_all_keys(c);
}

/* Whether `key` is one of the reply's. */
static bool has_key(const redisReply *keys, const char *key)
{
	for (size_t i = 0; i < keys->elements; i++)
		if (strcmp(keys->element[i]->str, key) == 0)
			return true;
	return false;
}

START_TEST(test_rm_unlinks_exactly_that_key)
{
	redisContext *c = h_redis_connect(redis, 0);
	redisReply *before = all_keys(c), *after;
	char path[H_PATH_MAX];

	/* user 3 is gone: its session is a ghost */
	rule_path(path, sizeof path, &rules[0], "session:3");
	ck_assert_int_eq(unlink(path), 0);
	after = all_keys(c);
	ck_assert_uint_eq(after->elements, before->elements - 1);
	for (size_t i = 0; i < before->elements; i++) {
		const char *k = before->element[i]->str;

		ck_assert_msg(has_key(after, k) == (strcmp(k, "session:3") != 0), "%s", k);
	}
	/* the profile and the rate limit of the same user are still there */
	ck_assert_int_eq(h_cmd_int(c, "EXISTS user:3:profile ratelimit:{3}"), 2);
	errno = 0;
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, ENOENT);
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}
END_TEST

START_TEST(test_a_row_inserted_after_the_listing_keeps_its_key)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX];
	struct h_names names;

	rule_path(path, sizeof path, &rules[1], NULL);
	ck_assert_int_eq(h_list(path, &names), 0);
	ck_assert(h_names_has(&names, "user:6:profile"));
	h_names_free(&names);
	h_mysql_sql(mysql, "INSERT INTO `%s`.users VALUES (6)", mysql->database);
	rule_path(path, sizeof path, &rules[1], "user:6:profile");
	errno = 0;
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, ESTALE);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS user:6:profile"), 1);
	redisFree(c);
}
END_TEST

START_TEST(test_rm_r_removes_every_ghost_key_and_nothing_else)
{
	redisContext *c = h_redis_connect(redis, 0);
	redisReply *before = all_keys(c), *after;
	char *want[RULES][USERS], path[H_PATH_MAX];
	size_t n[RULES], gone = 0;

	/* what an earlier test of this fixture removed is not there to remove */
	for (size_t k = 0; k < RULES; k++) {
		n[k] = expected_names(&rules[k], want[k]);
		for (size_t i = 0; i < n[k]; i++)
			gone += has_key(before, want[k][i]);
	}
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/sessions ghosts/profiles ghosts/limits"), 0);
	after = all_keys(c);
	ck_assert_uint_eq(after->elements, before->elements - gone);
	for (size_t k = 0; k < RULES; k++)
		for (size_t i = 0; i < n[k]; i++) {
			ck_assert_msg(!has_key(after, want[k][i]), "%s kept", want[k][i]);
			free(want[k][i]);
		}
	/* the keys whose names carry no canonical ID are all kept */
	for (size_t i = 0; i < KEPT; i++)
		ck_assert_msg(has_key(after, kept_keys[i]), "%s removed", kept_keys[i]);
	for (size_t k = 0; k < RULES; k++) {
		struct stat st;

		rule_path(path, sizeof path, &rules[k], NULL);
		ck_assert_int_eq(stat(path, &st), 0); /* the rule folder stays, empty */
	}
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}
END_TEST

START_TEST(test_keys_without_a_canonical_id_are_never_listed)
{
	char path[H_PATH_MAX], name[256];
	struct h_names names;

	for (size_t k = 0; k < RULES; k++) {
		rule_path(path, sizeof path, &rules[k], NULL);
		ck_assert_int_eq(h_list(path, &names), 0);
		for (size_t i = 0; i < KEPT; i++) {
			bool hashed;

			h_key_name(kept_keys[i], strlen(kept_keys[i]), name, &hashed);
			ck_assert_msg(!h_names_has(&names, name), "%s listed", name);
			/* nor found by its name */
			rule_path(path, sizeof path, &rules[k], name);
			ck_assert_int_eq(access(path, F_OK), -1);
		}
		h_names_free(&names);
	}
	/* a key with a row, and one that does not exist, are no ghost files either */
	rule_path(path, sizeof path, &rules[0], "session:1");
	ck_assert_int_eq(access(path, F_OK), -1);
	rule_path(path, sizeof path, &rules[0], "session:999");
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_writes_into_ghost_keys_are_refused)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX];

	rule_path(path, sizeof path, &rules[0], "session:9");
	errno = 0;
	ck_assert_int_eq(open(path, O_WRONLY), -1);
	ck_assert_int_eq(errno, EACCES);
	errno = 0;
	ck_assert_int_eq(truncate(path, 0), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_ne(h_sh(mnt->mnt, "(echo x > ghosts/sessions/session:9) 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mnt->mnt, "mkdir ghosts/sessions/x 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mnt->mnt, "touch ghosts/sessions/session:77 2>/dev/null"), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS session:77"), 0);
	{
		redisReply *r = h_cmd(c, "GET session:9");

		ck_assert_str_eq(r->str, "token-9");
		freeReplyObject(r);
	}
	redisFree(c);
}
END_TEST

START_TEST(test_read_only_mount_refuses_rm_and_sends_no_write)
{
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX];

	assert_lists_the_anti_join(&rules[0]);
	rule_path(path, sizeof path, &rules[0], "session:3");
	errno = 0;
	ck_assert_int_eq(unlink(path), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_ne(h_sh(mnt->mnt, "rm -rf ghosts/sessions 2>/dev/null"), 0);
	ck_assert_int_eq(h_sh(mnt->mnt, "cat ghosts/limits/* >/dev/null"), 0);
	ck_assert_int_eq(h_cmd_int(c, "EXISTS session:3"), 1);
	h_assert_no_write_command(c);
	redisFree(c);
}
END_TEST

START_TEST(test_cluster_lists_and_removes_keys_on_every_master)
{
	char *want[USERS], path[H_PATH_MAX];
	int ports[8], masters = h_cluster_masters(cluster, ports, 8), seen[8] = {0}, on = 0;
	size_t n = expected_names(&rules[0], want);

	assert_lists_the_anti_join(&rules[0]);
	/* the ghosts live on every master */
	for (size_t i = 0; i < n; i++) {
		int port = h_cluster_slot_master(cluster, h_cluster_keyslot(cluster, want[i]));

		for (int m = 0; m < masters; m++)
			if (ports[m] == port && !seen[m]++)
				on++;
	}
	ck_assert_int_eq(on, masters);
	ck_assert_int_ge(masters, 3);
	rule_path(path, sizeof path, &rules[0], NULL);
	ck_assert_int_eq(h_sh(mnt->mnt, "rm -r ghosts/sessions"), 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(cmd_int(NULL, "EXISTS %s", want[i]), 0);
		free(want[i]);
	}
	for (int id = 1; id <= 40; id++) {
		char key[32];

		key_of(key, sizeof key, &rules[0], id);
		ck_assert_int_eq(cmd_int(NULL, "EXISTS %s", key), id % 3 != 0);
	}
	for (size_t i = 0; i < KEPT; i++)
		ck_assert_int_eq(cmd_int(NULL, "EXISTS %s", kept_keys[i]), 1);
}
END_TEST

static Suite *ghost_keys_suite(void)
{
	Suite *s = suite_create("ghost_keys");
	TCase *rw = tcase_create("rw"), *ro = tcase_create("ro"), *cl = tcase_create("cluster");

	h_mysql_tcase_add_fixture(rw, setup_rw, teardown);
	tcase_set_timeout(rw, 120);
	tcase_add_test(rw, test_ls_lists_exactly_the_keys_whose_ids_have_no_row);
	tcase_add_test(rw, test_cat_and_stat_show_the_keys_content_as_the_db_folder);
	tcase_add_test(rw, test_keys_without_a_canonical_id_are_never_listed);
	tcase_add_test(rw, test_writes_into_ghost_keys_are_refused);
	tcase_add_test(rw, test_rm_unlinks_exactly_that_key);
	tcase_add_test(rw, test_a_row_inserted_after_the_listing_keeps_its_key);
	tcase_add_test(rw, test_rm_r_removes_every_ghost_key_and_nothing_else);
	suite_add_tcase(s, rw);
	h_mysql_tcase_add_fixture(ro, setup_ro, teardown);
	tcase_set_timeout(ro, 120);
	tcase_add_test(ro, test_read_only_mount_refuses_rm_and_sends_no_write);
	suite_add_tcase(s, ro);
	h_mysql_tcase_add_fixture(cl, setup_cluster, teardown);
	tcase_set_timeout(cl, 180);
	tcase_add_test(cl, test_cluster_lists_and_removes_keys_on_every_master);
	suite_add_tcase(s, cl);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(ghost_keys_suite(), CK_FORK);
}
