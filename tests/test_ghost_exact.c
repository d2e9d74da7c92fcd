/* test_ghost_exact.c - SPEC 6 at scale: listed ghosts equal MariaDB's anti-join, by column type. */
#include <check.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/names.h"
#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define MEMBERS	   100000 /* per queue */
#define MEMBER_MAX 40	  /* bytes: every column below holds 40 (CHAR: 16) */
#define SEED	   20261207u

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt;

/* A reproducible generator (xorshift32): the same members in every run. */
static unsigned int rng_state;

static unsigned int rng(unsigned int below)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % below;
}

/* One member: bytes, not NUL-terminated (VARBINARY members hold any byte). */
struct member {
	char b[MEMBER_MAX];
	size_t len;
};

/* What one column type is tested with. */
struct column_case {
	const char *name;     /* rule, key "x:<name>", tables t_<name> and m_<name> */
	const char *type;     /* the column's SQL type */
	const char *ref_type; /* the reference table's column: compares as a literal would */
	const char *rows;     /* INSERT ... SELECT of the table's rows from seq_0_to_130000 */
	const char *queue;    /* how the members go into Redis: ZADD, RPUSH, SADD or HSET */
	void (*make)(struct member *m);
};

static void put(struct member *m, const char *s)
{
	m->len = strlen(s);
	memcpy(m->b, s, m->len);
}

/* Canonical integers, some negative, most with a row (rows: not a multiple of 7). */
static void make_int(struct member *m)
{
	char s[32];

	snprintf(s, sizeof s, "%d", (int) rng(140000) - 2000);
	put(m, s);
}

/* N.NN with a row unless N is a multiple of 3 or NN is not a quarter. */
static void make_decimal(struct member *m)
{
	static const int cents[] = {0, 25, 50, 75, 75, 10};
	char s[32];

	snprintf(s, sizeof s, "%u.%02d", rng(40000), cents[rng(6)]);
	put(m, s);
}

/* "user<k>", in any case, with up to two trailing spaces; and Zoë in her spellings. */
static void make_ci(struct member *m)
{
	static const char *const zoe[] = {"Zoë", "ZOË", "zoe", "Zoe ", "zoë  ", "Zoey"};
	char s[MEMBER_MAX + 1];
	int n;

	if (rng(100) == 0) {
		put(m, zoe[rng(6)]);
		return;
	}
	n = snprintf(s, sizeof s, "user%u", rng(130000));
	for (int i = 0; i < n; i++)
		if (rng(3) == 0)
			s[i] = (char) (s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	for (unsigned int spaces = rng(3); spaces; spaces--)
		s[n++] = ' ';
	m->len = (size_t) n;
	memcpy(m->b, s, m->len);
}

/* As make_ci, shorter, for CHAR(16) latin1: "c<k>" in any case, trailing spaces. */
static void make_char(struct member *m)
{
	char s[MEMBER_MAX + 1];
	int n = snprintf(s, sizeof s, "%s%u", rng(2) ? "c" : "C", rng(130000));

	for (unsigned int spaces = rng(3); spaces; spaces--)
		s[n++] = ' ';
	m->len = (size_t) n;
	memcpy(m->b, s, m->len);
}

/* Bytes: "b<k>" (its case and a trailing space make other values), or 0xff 0x01 <k>. */
static void make_binary(struct member *m)
{
	char s[MEMBER_MAX + 1];
	int n;

	if (rng(10) == 0) {
		n = snprintf(s, sizeof s, "\xff\x01%u", rng(2000));
	} else {
		n = snprintf(s, sizeof s, "%s%u", rng(8) ? "b" : "B", rng(130000));
		if (rng(8) == 0)
			s[n++] = ' ';
	}
	m->len = (size_t) n;
	memcpy(m->b, s, m->len);
}

static const struct column_case cases[] = {
	{"int", "INT", "INT",
	 "SELECT CAST(seq AS SIGNED) - 1000 FROM seq_0_to_130000 WHERE seq % 7 <> 0", "ZADD",
	 make_int},
	{"decimal", "DECIMAL(10,2)", "DECIMAL(10,2)",
	 "SELECT seq / 4 FROM seq_0_to_130000 WHERE (seq DIV 4) % 3 <> 0", "RPUSH", make_decimal},
	{"ci", "VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
	 "VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
	 "SELECT CONCAT('user', seq) FROM seq_0_to_130000 WHERE seq % 5 <> 0 UNION ALL SELECT "
	 "'zoë'",
	 "SADD", make_ci},
	/* the reference column is a VARCHAR: a CHAR would drop the members' trailing spaces */
	{"char", "CHAR(16) CHARACTER SET latin1 COLLATE latin1_swedish_ci",
	 "VARCHAR(16) CHARACTER SET latin1 COLLATE latin1_swedish_ci",
	 "SELECT CONCAT('C', seq) FROM seq_0_to_130000 WHERE seq % 4 <> 0", "HSET", make_char},
	{"binary", "VARBINARY(40)", "VARBINARY(40)",
	 "SELECT CONCAT('b', seq) FROM seq_0_to_130000 WHERE seq % 6 <> 0 UNION ALL "
	 "SELECT CONCAT(X'ff01', seq) FROM seq_0_to_2000 WHERE seq % 2 = 0",
	 "SADD", make_binary},
};

#define CASES (sizeof cases / sizeof cases[0])

static void hex(char *out, const struct member *m)
{
	for (size_t i = 0; i < m->len; i++)
		sprintf(out + 2 * i, "%02X", (unsigned char) m->b[i]);
}

/* The members into the Redis queue and into the reference table m_<name>, in rounds. */
static void load_members(redisContext *c, const struct column_case *cc, struct member *ms)
{
	char key[32];
	size_t round = 5000;

	snprintf(key, sizeof key, "x:%s", cc->name);
	for (size_t at = 0; at < MEMBERS; at += round) {
		const char **argv = calloc(2 + 2 * round, sizeof *argv);
		size_t *lens = calloc(2 + 2 * round, sizeof *lens);
		char *sql = malloc(64 + round * (2 * MEMBER_MAX + 8)), *p = sql;
		int argc = 0;
		redisReply *r;

		argv[argc] = cc->queue, lens[argc++] = strlen(cc->queue);
		argv[argc] = key, lens[argc++] = strlen(key);
		p += sprintf(p, "INSERT INTO m_%s (v) VALUES ", cc->name);
		for (size_t i = at; i < at + round; i++) {
			if (!strcmp(cc->queue, "ZADD"))
				argv[argc] = "1", lens[argc++] = 1; /* the score */
			argv[argc] = ms[i].b, lens[argc++] = ms[i].len;
			if (!strcmp(cc->queue, "HSET"))
				argv[argc] = "v", lens[argc++] = 1; /* the field's value */
			p += sprintf(p, "%s(X'", i > at ? "," : "");
			hex(p, &ms[i]);
			p += 2 * ms[i].len;
			p += sprintf(p, "')");
		}
		r = redisCommandArgv(c, argc, argv, lens);
		ck_assert_msg(r && r->type != REDIS_REPLY_ERROR, "%s: %s", cc->queue,
			      r ? r->str : c->errstr);
		freeReplyObject(r);
		h_mysql_sql(mysql, "USE `%s`; %s", mysql->database, sql);
		free(sql);
		free(argv);
		free(lens);
	}
}

/* Bytewise order, shorter first: how h_list sorts is irrelevant, we sort the bytes. */
static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->b, y->b, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Sort and drop repeats; returns the new count. */
static size_t sort_unique(struct member *ms, size_t n)
{
	size_t k = 0;

	qsort(ms, n, sizeof *ms, member_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || member_cmp(&ms[k - 1], &ms[i]) != 0)
			ms[k++] = ms[i];
	return k;
}

/* MariaDB's anti-join: the members whose value no row of t_<name> equals. */
static size_t reference_ghosts(const struct column_case *cc, struct member *out, size_t room)
{
	MYSQL *db = mysql_init(NULL);
	char sql[256];
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t n = 0;

	ck_assert_ptr_nonnull(mysql_real_connect(db, NULL, mysql->admin, NULL, mysql->database, 0,
						 mysql->socket, 0));
	snprintf(sql, sizeof sql,
		 "SELECT v FROM m_%s m WHERE NOT EXISTS (SELECT 1 FROM t_%s t WHERE t.c = m.v)",
		 cc->name, cc->name);
	ck_assert_msg(mysql_query(db, "SET NAMES binary") == 0 && mysql_query(db, sql) == 0,
		      "%s: %s", sql, mysql_error(db));
	res = mysql_store_result(db);
	ck_assert_ptr_nonnull(res);
	while ((row = mysql_fetch_row(res))) {
		unsigned long *lens = mysql_fetch_lengths(res);

		ck_assert(n < room && lens[0] <= MEMBER_MAX);
		memcpy(out[n].b, row[0], lens[0]);
		out[n++].len = lens[0];
	}
	mysql_free_result(res);
	mysql_close(db);
	return sort_unique(out, n);
}

/* The ghost files of x:<name>, decoded into the members they stand for. */
static size_t listed_ghosts(const struct column_case *cc, struct member *out, size_t room)
{
	char rel[64], path[H_PATH_MAX], bytes[NAMES_MAX + 1];
	struct h_names names;
	size_t n = 0;

	snprintf(rel, sizeof rel, "ghosts/%s/x:%s", cc->name, cc->name);
	h_path(path, sizeof path, mnt, rel);
	ck_assert_int_eq(h_list(path, &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		ssize_t len = names_decode(names.v[i], bytes);

		ck_assert_msg(len >= 0 && len <= MEMBER_MAX && n < room, "name %s", names.v[i]);
		memcpy(out[n].b, bytes, (size_t) len);
		out[n++].len = (size_t) len;
	}
	h_names_free(&names);
	return sort_unique(out, n);
}

static void show(const char *what, const struct member *m)
{
	char text[2 * MEMBER_MAX + 1];

	hex(text, m);
	fprintf(stderr, "test_ghost_exact: %s: %.*s (hex %s)\n", what, (int) m->len, m->b, text);
}

static void assert_exact(const struct column_case *cc)
{
	redisContext *c = h_redis_connect(redis, 0);
	struct member *ms = calloc(MEMBERS, sizeof *ms);
	struct member *want = calloc(MEMBERS, sizeof *want);
	struct member *got = calloc(MEMBERS, sizeof *got);
	size_t nwant, ngot, i = 0, j = 0, wrong = 0;

	rng_state = SEED;
	fprintf(stderr, "test_ghost_exact: %s: seed %u, %d members\n", cc->name, SEED, MEMBERS);
	for (size_t k = 0; k < MEMBERS; k++)
		cc->make(&ms[k]);
	h_mysql_sql(mysql, "USE `%s`; INSERT IGNORE INTO t_%s %s; CREATE TABLE m_%s (v %s)",
		    mysql->database, cc->name, cc->rows, cc->name, cc->ref_type);
	load_members(c, cc, ms);
	nwant = reference_ghosts(cc, want, MEMBERS);
	ngot = listed_ghosts(cc, got, MEMBERS);
	fprintf(stderr, "test_ghost_exact: %s: %zu ghosts listed, %zu by the anti-join\n", cc->name,
		ngot, nwant);
	/* neither none nor all: the data must tell a wrong comparison from a right one */
	ck_assert_uint_gt(nwant, MEMBERS / 50);
	ck_assert_uint_lt(nwant, MEMBERS * 9 / 10);
	while (i < nwant || j < ngot) {
		int d = i == nwant ? 1 : j == ngot ? -1 : member_cmp(&want[i], &got[j]);

		if (d == 0) {
			i++, j++;
			continue;
		}
		if (wrong++ < 5)
			show(d < 0 ? "a ghost not listed" : "listed, but has a row",
			     d < 0 ? &want[i] : &got[j]);
		d < 0 ? i++ : j++;
	}
	ck_assert_msg(wrong == 0, "%s: %zu members differ from MariaDB's anti-join", cc->name,
		      wrong);
	free(ms);
	free(want);
	free(got);
	redisFree(c);
}

static void setup(void)
{
	char config[H_PATH_MAX], text[4096], opts[H_PATH_MAX + 64];
	size_t pos;
	FILE *f;

	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	h_mysql_write_ghost_config(mysql, config, sizeof config);
	/* one rule a column type, beside the helper's [ghosts.q] */
	pos = 0;
	for (size_t k = 0; k < CASES; k++)
		pos += (size_t) snprintf(text + pos, sizeof text - pos,
					 "\n[ghosts.%s]\nkeys = x:%s\ntable = t_%s\ncolumn = c\n",
					 cases[k].name, cases[k].name, cases[k].name);
	f = fopen(config, "a");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	/* the rules' tables must exist when the mount starts: it checks each column */
	h_mysql_sql(mysql, "USE `%s`; CREATE TABLE users (id INT PRIMARY KEY)", mysql->database);
	for (size_t k = 0; k < CASES; k++)
		h_mysql_sql(mysql, "USE `%s`; CREATE TABLE t_%s (c %s PRIMARY KEY)",
			    mysql->database, cases[k].name, cases[k].type);
	snprintf(opts, sizeof opts, "config=%s,cache_timeout=0", config);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = opts});
}

static void teardown(void)
{
	h_mount_stop(mnt);
	mnt = NULL;
	h_mysql_stop_all();
	h_stop_all();
}

START_TEST(test_integer_column)
{
	assert_exact(&cases[0]);
}
END_TEST

START_TEST(test_decimal_column)
{
	assert_exact(&cases[1]);
}
END_TEST

START_TEST(test_case_insensitive_varchar_with_trailing_spaces)
{
	assert_exact(&cases[2]);
}
END_TEST

START_TEST(test_latin1_char_with_trailing_spaces)
{
	assert_exact(&cases[3]);
}
END_TEST

START_TEST(test_varbinary_column)
{
	assert_exact(&cases[4]);
}
END_TEST

static Suite *exact_suite(void)
{
	Suite *s = suite_create("ghost_exact");
	TCase *tc = tcase_create("anti_join");

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_integer_column);
	tcase_add_test(tc, test_decimal_column);
	tcase_add_test(tc, test_case_insensitive_varchar_with_trailing_spaces);
	tcase_add_test(tc, test_latin1_char_with_trailing_spaces);
	tcase_add_test(tc, test_varbinary_column);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_mysql_init();
	return run_suite(exact_suite(), CK_FORK);
}
