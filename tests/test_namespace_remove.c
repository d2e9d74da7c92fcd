/* test_namespace_remove.c - SPEC 8: rm -r and rmdir of a namespace folder, also under load. */
#include "namespace_fixture.h"
#include "run_suite.h"

#define SESSION_KEYS	2000   /* enough files that rm -r takes a while */
#define SESSION_SUBKEYS 100    /* keys one folder deeper, session:sub:N */
#define BIG_KEYS	20000  /* rm -r of these takes seconds: longer than cache_timeout */
#define BIG_SUBKEYS	2000   /* of them, big:sub:N, one folder deeper */
#define ADDER_WARMUP	100    /* keys the busy client adds before rm -r starts */
#define ADDER_MAX	200000 /* bound on the busy client's keys... */
#define ADDER_SECONDS	30.0   /* ...and on its time */
#define ADDER_PAUSE_US	500    /* between two keys: at most 2,000 keys a second */

/* ---- rm -r and rmdir of a prefix ---- */

static void populate_sessions(redisContext *c)
{
	for (int i = 0; i < 50; i++)
		h_cmd_ok(c, "SET session:%d s", i);
	h_cmd_ok(c, "SET session:a:b:c deep");
	h_cmd_ok(c, "SET session:: %s", "empty segment");
	h_cmd_ok(c, "SET session: %s", "the percent file");
	h_cmd_ok(c, "SET session:%% pct");
	h_cmd_ok(c, "RPUSH session:list a b");
	h_cmd_ok(c, "SET session %s", "no delimiter");
	h_cmd_ok(c, "SET sessions:1 x");
	h_cmd_ok(c, "SET xsession:1 x");
	h_cmd_ok(c, "SET Session:1 x");
	h_cmd_ok(c, "SET tmp:a x");
	h_cmd_ok(c, "SET tmp:b:c x");
	h_cmd_ok(c, "SET tmp:b:d:e x");
	h_cmd_ok(c, "SET tmp x");
	h_cmd_ok(c, "SET tmpx:1 x");
	h_cmd_ok(c, "SET keep:sub:1 x");
	h_cmd_ok(c, "SET keep:sub:2:3 x");
	h_cmd_ok(c, "SET keep:other x");
	h_cmd_ok(c, "SET keep:sub x");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET session:1 other-db");
}
static void setup_sessions(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_sessions);
}

START_TEST(test_rm_r_session_removes_exactly_the_session_keys)
{
	struct h_names names;
	char path[PATH_LEN];

	assert_rm_r_removes("session:", "session:", 8);
	ck_assert(EXISTS(0, "session") && EXISTS(0, "sessions:1") && EXISTS(0, "xsession:1"));
	ck_assert(EXISTS(0, "Session:1"));
	ck_assert_msg(EXISTS(1, "session:1"), "rm -r db0/session: removed session:1 of db1");
	assert_gone("db0/session:");
	ck_assert_int_eq(h_list(mnt_path(path, "db0"), &names), 0);
	ck_assert_msg(!h_names_has(&names, "session:"), "ls db0 still shows session:");
	ck_assert_msg(h_names_has(&names, "session"), "ls db0 lost the file session");
	h_names_free(&names);
}
END_TEST
START_TEST(test_rmdir_of_a_folder_with_keys_is_refused_and_rm_r_removes_them)
{
	char path[PATH_LEN];

	assert_rmdir_refused(mnt_path(path, "db0/tmp:"));
	assert_rm_r_removes("tmp:", "tmp:", 4);
	ck_assert(EXISTS(0, "tmp") && EXISTS(0, "tmpx:1"));
	assert_gone("db0/tmp:");
}
END_TEST
START_TEST(test_rmdir_of_a_nested_folder_is_refused_and_rm_r_removes_only_its_keys)
{
	char path[PATH_LEN];

	assert_rmdir_refused(mnt_path(path, "db0/keep:/sub:"));
	assert_rm_r_removes("keep:/sub:", "keep:sub:", 9);
	ASSERT_LISTING("db0/keep:", "f other", "f sub");
	assert_gone("db0/keep:/sub:");
}
END_TEST
START_TEST(test_rmdir_of_a_file_or_a_missing_folder_fails)
{
	char path[PATH_LEN];

	ASSERT_ERRNO(rmdir(mnt_path(path, "db0/keep:/other")), ENOTDIR, "rmdir db0/keep:/other");
	ASSERT_ERRNO(rmdir(mnt_path(path, "db0/nosuch:")), ENOENT, "rmdir db0/nosuch:");
	ck_assert(EXISTS(0, "keep:other"));
}
END_TEST

/* ---- rm -r while another client adds keys ---- */

static void populate_busy(redisContext *c)
{
	for (int i = 0; i < SESSION_KEYS; i++)
		h_cmd_ok(c, "SET session:%d s", i);
	for (int i = 0; i < SESSION_SUBKEYS; i++)
		h_cmd_ok(c, "SET session:sub:%d s", i);
	h_cmd_ok(c, "SET session x");
	h_cmd_ok(c, "SET sessions:1 x");
	h_cmd_ok(c, "SET xsession:1 x");
	h_cmd_ok(c, "SET user:1 x");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET session:1 other-db");
}
static void setup_busy(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_busy);
}

START_TEST(test_rm_r_exits_0_while_another_client_adds_keys)
{
	struct busy_client b = {.formats = {"SET session:bg:%ld x", "SET session:new%ld x"},
				.max = ADDER_MAX,
				.seconds = ADDER_SECONDS,
				.pause_us = ADDER_PAUSE_US,
				.warmup = ADDER_WARMUP};
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *before = h_all_keys(c), *after;
	char shown[256];
	int status = busy_sh(&b, ns_mount->mnt, "rm -r db0/session:");

	ck_assert_msg(status == 0, "rm -r db0/session: exits %d while a client adds keys", status);
	ck_assert_msg(b.at_end > b.at_start,
		      "no key was added while rm -r ran (%ld before, %ld after)", b.at_start,
		      b.at_end);
	after = h_all_keys(c);
	assert_removed_exactly(before, after, "session:", 8);
	for (size_t i = 0; i < after->elements; i++) {
		const redisReply *k = after->element[i];

		if (reply_find(before, k->str, k->len) < 0)
			ck_assert_msg(has_prefix(k, "session:", 8), "key %s appeared from nowhere",
				      printable(k->str, k->len, shown));
	}
	freeReplyObject(after);

	/* once nobody adds, rm -r leaves nothing, and the folder is gone */
	ck_assert_int_eq(h_sh(ns_mount->mnt, "rm -r db0/session:"), 0);
	after = h_all_keys(c);
	for (size_t i = 0; i < after->elements; i++)
		ck_assert_msg(!has_prefix(after->element[i], "session:", 8),
			      "key %s survived the second rm -r",
			      printable(after->element[i]->str, after->element[i]->len, shown));
	ck_assert_uint_eq(after->elements, 4);
	ck_assert(EXISTS(0, "session") && EXISTS(0, "sessions:1") && EXISTS(0, "xsession:1"));
	ck_assert(EXISTS(0, "user:1") && EXISTS(1, "session:1"));
	assert_gone("db0/session:");
	freeReplyObject(after);
	freeReplyObject(before);
	redisFree(c);
}
END_TEST

/* ---- rm -r of a folder that takes longer than cache_timeout ---- */

static void populate_big(redisContext *c)
{
	redisReply *r;

	/* pipelined: one round trip per key would make the setup slow */
	for (int i = 0; i < BIG_KEYS; i++) {
		if (i < BIG_SUBKEYS)
			redisAppendCommand(c, "SET big:sub:%d x", i);
		else
			redisAppendCommand(c, "SET big:%d x", i);
	}
	for (int i = 0; i < BIG_KEYS; i++) {
		ck_assert_int_eq(redisGetReply(c, (void **) &r), REDIS_OK);
		ck_assert_int_ne(r->type, REDIS_REPLY_ERROR);
		freeReplyObject(r);
	}
	h_cmd_ok(c, "SET big x");
	h_cmd_ok(c, "SET bigger:1 x");
}
static void setup_big(void)
{
	delimiter = ":";
	start_mount("delimiter=:", populate_big);
}

START_TEST(test_rm_r_of_a_big_folder_exits_0)
{
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *before = h_all_keys(c), *after;
	double started = h_now(), took;
	int status = h_sh(ns_mount->mnt, "rm -r db0/big:");

	took = h_now() - started;
	after = h_all_keys(c);
	assert_removed_exactly(before, after, "big:", 4);
	assert_no_new_keys(before, after);
	ck_assert(EXISTS(0, "big") && EXISTS(0, "bigger:1"));
	ck_assert_msg(status == 0,
		      "rm -r db0/big: (%d keys, %.1f s) removed exactly its keys, "
		      "and exits %d",
		      BIG_KEYS, took, status);
	assert_gone("db0/big:");
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}
END_TEST

static Suite *namespace_remove_suite(void)
{
	Suite *s = suite_create("namespace_remove");
	TCase *tc;

	tc = tcase_create("remove_prefix");
	h_tcase_add_fixture(tc, setup_sessions, h_stop_all);
	tcase_add_test(tc, test_rm_r_session_removes_exactly_the_session_keys);
	tcase_add_test(tc, test_rmdir_of_a_folder_with_keys_is_refused_and_rm_r_removes_them);
	tcase_add_test(tc, test_rmdir_of_a_nested_folder_is_refused_and_rm_r_removes_only_its_keys);
	tcase_add_test(tc, test_rmdir_of_a_file_or_a_missing_folder_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("remove_prefix_while_adding");
	h_tcase_add_fixture(tc, setup_busy, h_stop_all);
	tcase_add_test(tc, test_rm_r_exits_0_while_another_client_adds_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("remove_big_prefix");
	h_tcase_add_fixture(tc, setup_big, h_stop_all);
	tcase_add_test(tc, test_rm_r_of_a_big_folder_exits_0);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(namespace_remove_suite(), CK_FORK);
	return status;
}
