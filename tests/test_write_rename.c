/* test_write_rename.c - SPEC 5 renames through a mount: mv, renameat2, databases, sed -i. */
#include "write_fixture.h"
#include "run_suite.h"

#define LONG_TTL_MS 2000000LL /* a second TTL, to tell a source's TTL from a target's */

/* ---- rename ---- */

START_TEST(test_mv_within_a_database_renames_keeping_type_value_and_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "RPUSH mv-src a b c");
	h_cmd_ok(c, "PEXPIRE mv-src %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "mv db0/mv-src db0/mv-dst"), 0);
	assert_gone(c, "mv-src");
	ASSERT_COLLECTION(c, "mv-dst", "list", B("a"), B("b"), B("c"));
	assert_ttl_kept(c, "mv-dst", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_rename_over_an_existing_key_replaces_it)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);

	/* a source without a TTL takes the target's (so editors keep it) */
	h_cmd_ok(c, "SET ro-src1 new");
	h_cmd_ok(c, "SET ro-dst1 old PX %lld", TTL_MS);
	ck_assert_msg(rename(mnt(from, "db0/ro-src1"), mnt(to, "db0/ro-dst1")) == 0, "rename: %s",
		      strerror(errno));
	assert_gone(c, "ro-src1");
	assert_string(c, "ro-dst1", "new", 3);
	assert_ttl_kept(c, "ro-dst1", TTL_MS);

	/* a source with its own TTL keeps it */
	h_cmd_ok(c, "SET ro-src2 new PX %lld", LONG_TTL_MS);
	h_cmd_ok(c, "SET ro-dst2 old PX %lld", TTL_MS);
	ck_assert_msg(rename(mnt(from, "db0/ro-src2"), mnt(to, "db0/ro-dst2")) == 0, "rename: %s",
		      strerror(errno));
	assert_string(c, "ro-dst2", "new", 3);
	assert_ttl_kept(c, "ro-dst2", LONG_TTL_MS);

	/* a hash over a string: the target is simply replaced */
	h_cmd_ok(c, "HSET ro-src3 f v");
	h_cmd_ok(c, "SET ro-dst3 old");
	ck_assert_msg(rename(mnt(from, "db0/ro-src3"), mnt(to, "db0/ro-dst3")) == 0, "rename: %s",
		      strerror(errno));
	assert_gone(c, "ro-src3");
	ASSERT_COLLECTION(c, "ro-dst3", "hash", B("f"), B("v"));
	assert_no_ttl(c, "ro-dst3");
	redisFree(c);
}
END_TEST
START_TEST(test_renameat2_noreplace_onto_an_existing_key_gives_eexist)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state src, dst;

	h_cmd_ok(c, "SET nr-src a");
	h_cmd_ok(c, "RPUSH nr-dst b");
	h_cmd_ok(c, "PEXPIRE nr-dst %lld", TTL_MS);
	src = key_state(c, "nr-src");
	dst = key_state(c, "nr-dst");
	ASSERT_FAILS_WITH(rename_noreplace(mnt(from, "db0/nr-src"), mnt(to, "db0/nr-dst")), EEXIST,
			  "renameat2 RENAME_NOREPLACE");
	assert_untouched(c, "nr-src", &src);
	assert_untouched(c, "nr-dst", &dst);
	redisFree(c);
}
END_TEST
START_TEST(test_renameat2_noreplace_onto_a_key_made_behind_the_mounts_back_gives_eexist)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state src, dst;
	struct stat st;

	h_cmd_ok(c, "SET nb-src a");
	/* the kernel may cache "no such file" for nb-dst: then only the daemon sees it exists */
	ck_assert_int_eq(stat(mnt(to, "db0/nb-dst"), &st), -1);
	h_cmd_ok(c, "SET nb-dst b PX %lld", TTL_MS);
	src = key_state(c, "nb-src");
	dst = key_state(c, "nb-dst");
	ASSERT_FAILS_WITH(rename_noreplace(mnt(from, "db0/nb-src"), to), EEXIST,
			  "renameat2 RENAME_NOREPLACE onto a key made meanwhile");
	assert_untouched(c, "nb-src", &src);
	assert_untouched(c, "nb-dst", &dst);
	redisFree(c);
}
END_TEST
START_TEST(test_renameat2_noreplace_onto_a_free_name_renames)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SET nf-src value PX %lld", TTL_MS);
	ck_assert_msg(rename_noreplace(mnt(from, "db0/nf-src"), mnt(to, "db0/nf-dst")) == 0,
		      "renameat2 RENAME_NOREPLACE: %s", strerror(errno));
	assert_gone(c, "nf-src");
	assert_string(c, "nf-dst", "value", 5);
	assert_ttl_kept(c, "nf-dst", TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_mv_to_another_database_under_the_same_name_replaces_the_target)
{
	redisContext *c0 = h_redis_connect(fx_server, 0), *c1 = h_redis_connect(fx_server, 1);

	h_cmd_ok(c0, "ZADD mvdb 1 a 2.5 b");
	h_cmd_ok(c0, "PEXPIRE mvdb %lld", TTL_MS);
	h_cmd_ok(c1, "SET mvdb %s", "the old one in db1");
	h_cmd_ok(c0, "SET mvdb-fresh fresh PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "mv db0/mvdb db1/mvdb"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "mv db0/mvdb-fresh db1/mvdb-fresh"), 0);
	assert_gone(c0, "mvdb");
	assert_gone(c0, "mvdb-fresh");
	ASSERT_COLLECTION(c1, "mvdb", "zset", B("a"), B("1"), B("b"), B("2.5"));
	assert_ttl_kept(c1, "mvdb", TTL_MS);
	assert_string(c1, "mvdb-fresh", "fresh", 5);
	assert_ttl_kept(c1, "mvdb-fresh", TTL_MS);
	redisFree(c0);
	redisFree(c1);
}
END_TEST
START_TEST(test_mv_to_another_database_under_a_new_name_copies_and_unlinks)
{
	redisContext *c0 = h_redis_connect(fx_server, 0), *c1 = h_redis_connect(fx_server, 1);

	h_cmd_ok(c0, "HSET mvnew f1 v1 f2 v2");
	h_cmd_ok(c0, "PEXPIRE mvnew %lld", TTL_MS);
	h_cmd_ok(c1, "SET mvnew-moved %s", "replaced");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "mv db0/mvnew db1/mvnew-moved"), 0);
	assert_gone(c0, "mvnew");
	assert_gone(c1, "mvnew");
	ASSERT_COLLECTION(c1, "mvnew-moved", "hash", B("f1"), B("v1"), B("f2"), B("v2"));
	assert_ttl_kept(c1, "mvnew-moved", TTL_MS);
	redisFree(c0);
	redisFree(c1);
}
END_TEST
START_TEST(test_renameat2_noreplace_across_databases_gives_eexist)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c0 = h_redis_connect(fx_server, 0), *c1 = h_redis_connect(fx_server, 1);
	struct key_state src, dst;

	h_cmd_ok(c0, "SET xnr in-db0");
	h_cmd_ok(c1, "SET xnr in-db1 PX %lld", TTL_MS);
	src = key_state(c0, "xnr");
	dst = key_state(c1, "xnr");
	ASSERT_FAILS_WITH(rename_noreplace(mnt(from, "db0/xnr"), mnt(to, "db1/xnr")), EEXIST,
			  "renameat2 RENAME_NOREPLACE db0/xnr db1/xnr");
	assert_untouched(c0, "xnr", &src);
	assert_untouched(c1, "xnr", &dst);

	/* the same when only the daemon can see that the target exists */
	h_cmd_ok(c0, "SET xnb in-db0");
	ck_assert_int_eq(stat(mnt(to, "db1/xnb"), &(struct stat){0}), -1);
	h_cmd_ok(c1, "SET xnb in-db1");
	src = key_state(c0, "xnb");
	dst = key_state(c1, "xnb");
	ASSERT_FAILS_WITH(rename_noreplace(mnt(from, "db0/xnb"), to), EEXIST,
			  "renameat2 RENAME_NOREPLACE db0/xnb db1/xnb (made meanwhile)");
	assert_untouched(c0, "xnb", &src);
	assert_untouched(c1, "xnb", &dst);

	/* onto a free name it moves the key */
	h_cmd_ok(c0, "SET xnf moving PX %lld", TTL_MS);
	ck_assert_msg(rename_noreplace(mnt(from, "db0/xnf"), mnt(to, "db1/xnf")) == 0,
		      "renameat2 RENAME_NOREPLACE db0/xnf db1/xnf: %s", strerror(errno));
	assert_gone(c0, "xnf");
	assert_string(c1, "xnf", "moving", 6);
	assert_ttl_kept(c1, "xnf", TTL_MS);
	redisFree(c0);
	redisFree(c1);
}
END_TEST

/* A string's text moved over a collection of another type, and what the target must hold. */
struct text_into {
	const char *target;
	const char *setup;
	const char *text;
	const char *type;
	struct bytes want[4];
	size_t n;
};

static const struct text_into texts_into[] = {
	{"ti-list", "RPUSH ti-list a b c", "x\ny\\tz\n", "list", {B("x"), B("y\tz")}, 2},
	{"ti-set", "SADD ti-set a b", "q\np\np", "set", {B("p"), B("q")}, 2},
	{"ti-zset",
	 "ZADD ti-zset 1 a",
	 "m\t5\nn\t-1\n",
	 "zset",
	 {B("n"), B("-1"), B("m"), B("5")},
	 4},
	{"ti-hash", "HSET ti-hash a 1", "k\tv\\x00\n", "hash", {B("k"), B("v\0")}, 2},
};

START_TEST(test_mv_of_a_string_over_a_collection_parses_it_keeping_type_and_ttl)
{
	const struct text_into *t = &texts_into[_i];
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN], src[64], rel[80];
	redisContext *c = h_redis_connect(fx_server, 0);

	snprintf(src, sizeof src, "%s-text", t->target);
	h_cmd_ok(c, t->setup);
	h_cmd_ok(c, "PEXPIRE %s %lld", t->target, TTL_MS);
	h_cmd_ok(c, "SET %s %s", src, t->text);
	snprintf(rel, sizeof rel, "db0/%s", src);
	mnt(from, rel);
	snprintf(rel, sizeof rel, "db0/%s", t->target);
	ck_assert_msg(rename(from, mnt(to, rel)) == 0, "rename of a string over %s: %s", t->target,
		      strerror(errno));
	assert_gone(c, src);
	assert_collection(c, t->target, t->type, t->want, t->n);
	assert_ttl_kept(c, t->target, TTL_MS);
	redisFree(c);
}
END_TEST
START_TEST(test_mv_of_a_string_over_a_list_in_another_database_parses_it)
{
	redisContext *c0 = h_redis_connect(fx_server, 0), *c1 = h_redis_connect(fx_server, 1);

	h_cmd_ok(c0, "SET xdb-text %s", "p\nq\n");
	h_cmd_ok(c1, "RPUSH xdb-list a");
	h_cmd_ok(c1, "PEXPIRE xdb-list %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "mv db0/xdb-text db1/xdb-list"), 0);
	assert_gone(c0, "xdb-text");
	ASSERT_COLLECTION(c1, "xdb-list", "list", B("p"), B("q"));
	assert_ttl_kept(c1, "xdb-list", TTL_MS);
	redisFree(c0);
	redisFree(c1);
}
END_TEST
START_TEST(test_mv_of_unparsable_text_over_a_collection_gives_einval_and_changes_nothing)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	static const char *const cases[][3] = {
		{"bt-zset", "ZADD bt-zset 1 a", "m\tnot-a-number\n"},
		{"bt-hash", "HSET bt-hash f v", "no tab here\n"},
		{"bt-list", "RPUSH bt-list a", "bad\\escape\n"},
		{"bt-set", "SADD bt-set a", "raw\x01\n"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char src[64], rel[80];
		struct key_state s, d;

		snprintf(src, sizeof src, "%s-text", cases[i][0]);
		h_cmd_ok(c, cases[i][1]);
		h_cmd_ok(c, "PEXPIRE %s %lld", cases[i][0], TTL_MS);
		h_cmd_ok(c, "SET %s %s", src, cases[i][2]);
		s = key_state(c, src);
		d = key_state(c, cases[i][0]);
		snprintf(rel, sizeof rel, "db0/%s", src);
		mnt(from, rel);
		snprintf(rel, sizeof rel, "db0/%s", cases[i][0]);
		ASSERT_FAILS_WITH(rename(from, mnt(to, rel)), EINVAL, cases[i][0]);
		assert_untouched(c, src, &s);
		assert_untouched(c, cases[i][0], &d);
	}
	/* and mv says so */
	ck_assert_int_ne(h_sh(fx_mount->mnt, "mv db0/bt-zset-text db0/bt-zset 2>/dev/null"), 0);
	ck_assert(exists(c, "bt-zset-text"));
	ASSERT_COLLECTION(c, "bt-zset", "zset", B("a"), B("1"));
	redisFree(c);
}
END_TEST
START_TEST(test_rename_of_a_missing_key_gives_enoent)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);

	ASSERT_FAILS_WITH(rename(mnt(from, "db0/no-such-key"), mnt(to, "db0/anything")), ENOENT,
			  "rename of a missing key");
	assert_gone(c, "anything");
	redisFree(c);
}
END_TEST
START_TEST(test_rename_to_a_non_canonical_name_gives_einval)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state before;

	h_cmd_ok(c, "SET canon value");
	before = key_state(c, "canon");
	ASSERT_FAILS_WITH(rename(mnt(from, "db0/canon"), mnt(to, "db0/%41")), EINVAL,
			  "rename to db0/%41");
	assert_untouched(c, "canon", &before);
	assert_gone(c, "A");
	assert_gone(c, "%41");
	redisFree(c);
}
END_TEST

/* ---- sed -i and editors that save through a temporary file ---- */

/* No temporary file of sed's is left as a key. */
static void assert_no_sed_leftovers(redisContext *c)
{
	redisReply *r = h_cmd(c, "KEYS sed*");

	ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 0,
		      "sed's temporary file is left as a key (%s)",
		      r->elements ? r->element[0]->str : "?");
	freeReplyObject(r);
}

START_TEST(test_sed_i_on_a_list_keeps_type_ttl_and_other_members)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "RPUSH s-list a b c %s d", "tab\there");
	h_cmd_ok(c, "PEXPIRE s-list %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i 's/^b$/B/' db0/s-list"), 0);
	ASSERT_COLLECTION(c, "s-list", "list", B("a"), B("B"), B("c"), B("tab\there"), B("d"));
	assert_ttl_kept(c, "s-list", TTL_MS);
	assert_no_sed_leftovers(c);
	assert_file_shows(c, "db0/s-list", "s-list");
	redisFree(c);
}
END_TEST
START_TEST(test_sed_i_on_a_zset_keeps_type_ttl_and_other_members)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "ZADD s-zset 1 one 2 two 3 three");
	h_cmd_ok(c, "PEXPIRE s-zset %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i 's/^two\\t2$/two\\t20/' db0/s-zset"), 0);
	ASSERT_COLLECTION(c, "s-zset", "zset", B("one"), B("1"), B("three"), B("3"), B("two"),
			  B("20"));
	assert_ttl_kept(c, "s-zset", TTL_MS);
	assert_no_sed_leftovers(c);
	assert_file_shows(c, "db0/s-zset", "s-zset");
	redisFree(c);
}
END_TEST
START_TEST(test_sed_i_on_a_hash_keeps_type_ttl_and_other_fields)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "HSET s-hash f1 v1 f2 v2 f3 %s", "v\n3");
	h_cmd_ok(c, "PEXPIRE s-hash %lld", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i '/^f2\\t/d; s/^f1\\tv1$/f1\\tV1/' db0/s-hash"),
			 0);
	ASSERT_COLLECTION(c, "s-hash", "hash", B("f1"), B("V1"), B("f3"), B("v\n3"));
	assert_ttl_kept(c, "s-hash", TTL_MS);
	assert_no_sed_leftovers(c);
	assert_file_shows(c, "db0/s-hash", "s-hash");
	redisFree(c);
}
END_TEST
START_TEST(test_sed_i_on_a_set_and_a_string_keeps_type_and_ttl)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	h_cmd_ok(c, "SADD s-set a b c");
	h_cmd_ok(c, "PEXPIRE s-set %lld", TTL_MS);
	h_cmd_ok(c, "SET s-str %s PX %lld", "hello world", TTL_MS);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i 's/^a$/z/' db0/s-set"), 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i 's/world/there/' db0/s-str"), 0);
	ASSERT_COLLECTION(c, "s-set", "set", B("b"), B("c"), B("z"));
	assert_ttl_kept(c, "s-set", TTL_MS);
	assert_string(c, "s-str", "hello there", 11);
	assert_ttl_kept(c, "s-str", TTL_MS);
	assert_no_sed_leftovers(c);
	redisFree(c);
}
END_TEST
START_TEST(test_sed_i_on_keys_with_encoded_names_in_another_database)
{
	redisContext *c1 = h_redis_connect(fx_server, 1), *c0 = h_redis_connect(fx_server, 0);

	h_cmd_ok(c1, "HSET user/1 name ada role admin");
	h_cmd_ok(c1, "PEXPIRE user/1 %lld", TTL_MS);
	h_cmd_ok(c1, "RPUSH %s x y", "100%");
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i 's/^role\tadmin$/role\tuser/' db1/user%%2F1"),
			 0);
	ck_assert_int_eq(h_sh(fx_mount->mnt, "sed -i 's/^y$/z/' db1/100%%25"), 0);
	ASSERT_COLLECTION(c1, "user/1", "hash", B("name"), B("ada"), B("role"), B("user"));
	assert_ttl_kept(c1, "user/1", TTL_MS);
	ASSERT_COLLECTION(c1, "100%", "list", B("x"), B("z"));
	assert_no_sed_leftovers(c1);
	assert_gone(c0, "user/1");
	assert_gone(c0, "100%");
	assert_no_sed_leftovers(c0);
	redisFree(c0);
	redisFree(c1);
}
END_TEST
START_TEST(test_sed_i_with_a_result_that_does_not_parse_fails_and_changes_nothing)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	struct key_state before;

	h_cmd_ok(c, "ZADD s-bad 1 one 2 two");
	h_cmd_ok(c, "PEXPIRE s-bad %lld", TTL_MS);
	before = key_state(c, "s-bad");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "sed -i 's/\\t2$/\\tNaN-ish/' db0/s-bad 2>/dev/null"),
			 0);
	assert_untouched(c, "s-bad", &before);
	redisFree(c);
}
END_TEST

static Suite *write_rename_suite(void)
{
	Suite *s = suite_create("write_rename");
	TCase *tc;

	tc = tcase_create("rename");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_mv_within_a_database_renames_keeping_type_value_and_ttl);
	tcase_add_test(tc, test_rename_over_an_existing_key_replaces_it);
	tcase_add_test(tc, test_renameat2_noreplace_onto_an_existing_key_gives_eexist);
	tcase_add_test(
		tc, test_renameat2_noreplace_onto_a_key_made_behind_the_mounts_back_gives_eexist);
	tcase_add_test(tc, test_renameat2_noreplace_onto_a_free_name_renames);
	tcase_add_test(tc, test_mv_to_another_database_under_the_same_name_replaces_the_target);
	tcase_add_test(tc, test_mv_to_another_database_under_a_new_name_copies_and_unlinks);
	tcase_add_test(tc, test_renameat2_noreplace_across_databases_gives_eexist);
	tcase_add_loop_test(tc,
			    test_mv_of_a_string_over_a_collection_parses_it_keeping_type_and_ttl, 0,
			    (int) (sizeof texts_into / sizeof *texts_into));
	tcase_add_test(tc, test_mv_of_a_string_over_a_list_in_another_database_parses_it);
	tcase_add_test(
		tc, test_mv_of_unparsable_text_over_a_collection_gives_einval_and_changes_nothing);
	tcase_add_test(tc, test_rename_of_a_missing_key_gives_enoent);
	tcase_add_test(tc, test_rename_to_a_non_canonical_name_gives_einval);
	suite_add_tcase(s, tc);

	tc = tcase_create("sed_i");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_sed_i_on_a_list_keeps_type_ttl_and_other_members);
	tcase_add_test(tc, test_sed_i_on_a_zset_keeps_type_ttl_and_other_members);
	tcase_add_test(tc, test_sed_i_on_a_hash_keeps_type_ttl_and_other_fields);
	tcase_add_test(tc, test_sed_i_on_a_set_and_a_string_keeps_type_and_ttl);
	tcase_add_test(tc, test_sed_i_on_keys_with_encoded_names_in_another_database);
	tcase_add_test(tc, test_sed_i_with_a_result_that_does_not_parse_fails_and_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(write_rename_suite(), CK_FORK);
	return status;
}
