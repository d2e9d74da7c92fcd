/* test_read_tree.c - SPEC 2 and 3 through a mount: databases, ACL users, SCAN, key names. */
#include "read_fixture.h"
#include "run_suite.h"

#define LISTER_PASSWORD "lister-pw"

static void setup_default(void)
{
	read_server = h_redis_start(NULL);
	read_mount = h_mount_start(read_server, NULL);
}
static void setup_four_databases(void)
{
	const char *four[] = {"--databases", "4", NULL};

	read_server = h_redis_start(four);
	read_mount = h_mount_start(read_server, NULL);
}
static void setup_databases_option(void)
{
	struct h_mount_spec spec = {.options = "databases=4"};

	read_server = h_redis_start(NULL);
	read_mount = h_mount_start(read_server, &spec);
}

/*
 * An ACL user that may read but not run CONFIG (so the database count must
 * come from probing SELECT) nor KEYS (so a listing must use SCAN).
 */
static void setup_acl_lister(void)
{
	const char *four[] = {"--databases", "4", NULL};
	char url[64];
	struct h_mount_spec spec = {.url = url, .auth = LISTER_PASSWORD};
	redisContext *c;

	read_server = h_redis_start(four);
	c = h_redis_connect(read_server, 3);
	h_cmd_ok(c, "ACL SETUSER lister on >%s ~* &* +@read +@connection -config -keys",
		 LISTER_PASSWORD);
	h_cmd_ok(c, "SET in-db3 %s", "seen by lister");
	h_cmd_ok(c, "ACL LOG RESET");
	redisFree(c);
	h_redis_url(read_server, "lister", url, sizeof url);
	read_mount = h_mount_start(read_server, &spec);
}

/* Assert that the root of the mount lists exactly db0 .. db<count-1>. */
static void assert_root_lists_databases(int count)
{
	struct h_names names;
	char want[16];

	ck_assert_int_eq(h_list(read_mount->mnt, &names), 0);
	ck_assert_msg(names.n == (size_t) count, "the root lists %zu names, want db0..db%d",
		      names.n, count - 1);
	for (int i = 0; i < count; i++) {
		snprintf(want, sizeof want, "db%d", i);
		ck_assert_msg(h_names_has(&names, want), "the root does not list %s", want);
	}
	h_names_free(&names);
}

START_TEST(test_root_lists_db0_to_db15_for_a_default_server)
{
	assert_root_lists_databases(16);
}
END_TEST
START_TEST(test_empty_databases_are_empty_folders)
{
	char path[H_PATH_MAX + 16];
	struct h_names names;
	struct stat st;

	h_path(path, sizeof path, read_mount, "db15");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(h_list(path, &names), 0);
	ck_assert_uint_eq(names.n, 0);
	h_names_free(&names);
}
END_TEST
START_TEST(test_root_lists_db0_to_db3_for_a_four_database_server)
{
	char path[H_PATH_MAX + 16];
	struct stat st;

	assert_root_lists_databases(4);
	h_path(path, sizeof path, read_mount, "db4");
	ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT, "db4 exists on a 4-db server");
}
END_TEST
START_TEST(test_databases_option_overrides_the_server_count)
{
	assert_root_lists_databases(4);
}
END_TEST
START_TEST(test_acl_user_without_config_sees_the_database_count)
{
	assert_root_lists_databases(4);
}
END_TEST
START_TEST(test_acl_user_without_keys_lists_and_reads_by_scan)
{
	char path[H_PATH_MAX + 32], *got;
	struct h_names names;
	size_t len;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, read_mount, "db3"), &names), 0);
	ck_assert_msg(names.n == 1 && !strcmp(names.v[0], "in-db3"), "db3 lists %zu names",
		      names.n);
	h_names_free(&names);
	ck_assert_int_eq(
		h_read_file(h_path(path, sizeof path, read_mount, "db3/in-db3"), &got, &len), 0);
	ck_assert_str_eq(got, "seen by lister");
	free(got);
}
END_TEST
START_TEST(test_acl_user_was_denied_nothing_but_the_config_probe)
{
	redisContext *c = h_redis_connect(read_server, 0);

	/* SPEC 2: CONFIG GET may be tried and refused; nothing else may be. */
	h_assert_acl_log_clean(c, "config");
	redisFree(c);
}
END_TEST
START_TEST(test_every_key_is_listed_exactly_once)
{
	char path[H_PATH_MAX + 16], want[32];
	redisContext *c = h_redis_connect(read_server, DB_MANY);
	struct h_names names;
	long long dbsize = h_cmd_int(c, "DBSIZE");

	ck_assert_int_eq(dbsize, MANY_KEYS);
	ck_assert_int_eq(h_list(h_path(path, sizeof path, read_mount, "db3"), &names), 0);
	ck_assert_msg(names.n == (size_t) dbsize, "db3 lists %zu names for %lld keys", names.n,
		      dbsize);
	for (size_t i = 1; i < names.n; i++)
		ck_assert_msg(strcmp(names.v[i - 1], names.v[i]), "%s is listed twice", names.v[i]);
	for (int i = 0; i < MANY_KEYS; i++) {
		snprintf(want, sizeof want, "key:%d", i);
		ck_assert_msg(h_names_has(&names, want), "%s is not listed", want);
	}
	h_names_free(&names);
	redisFree(c);
}
END_TEST
START_TEST(test_special_key_names_are_percent_encoded)
{
	char path[H_PATH_MAX + 300], value[64], *got;
	size_t n = named_keys_count, len;
	struct h_names names;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, read_mount, "db0"), &names), 0);
	for (size_t i = 0; i < n; i++) {
		int vl = name_value(value, sizeof value, i);
		int err;

		ck_assert_msg(h_names_has(&names, named_keys[i].name), "'%s' is not listed",
			      named_keys[i].name);
		snprintf(path, sizeof path, "%s/db0/%s", read_mount->mnt, named_keys[i].name);
		err = h_read_file(path, &got, &len);
		ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
		ck_assert_msg(len == (size_t) vl && !memcmp(got, value, vl),
			      "'%s' holds '%s', want '%s'", named_keys[i].name, got, value);
		free(got);
	}
	h_names_free(&names);
}
END_TEST
START_TEST(test_names_database_lists_each_key_once_with_its_value)
{
	char path[H_PATH_MAX + 16];
	redisContext *c = h_redis_connect(read_server, DB_NAMES);

	h_assert_dir_matches_db(h_path(path, sizeof path, read_mount, "db0"), c);
	redisFree(c);
}
END_TEST

/* The listed names of db0 that have `prefix` and then "~" and 16 lower-case hex digits. */
static size_t shortened_names(const char *prefix, char names_out[][256], size_t max)
{
	char path[H_PATH_MAX + 16];
	size_t plen = strlen(prefix), found = 0;
	struct h_names names;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, read_mount, "db0"), &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		const char *s = names.v[i];
		bool hex = strlen(s) == plen + 17 && !strncmp(s, prefix, plen) && s[plen] == '~';

		for (size_t j = plen + 1; hex && j < plen + 17; j++)
			hex = (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f');
		if (hex && found < max)
			snprintf(names_out[found++], 256, "%s", s);
	}
	h_names_free(&names);
	return found;
}

START_TEST(test_long_keys_are_listed_as_prefix_tilde_hash)
{
	char path[H_PATH_MAX + 16];
	struct h_names names;
	size_t tilde = 0;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, read_mount, "db0"), &names), 0);
	for (size_t i = 0; i < names.n; i++) {
		ck_assert_msg(strlen(names.v[i]) <= 255, "a listed name has %zu bytes",
			      strlen(names.v[i]));
		if (strlen(names.v[i]) > 17 && names.v[i][strlen(names.v[i]) - 17] == '~')
			tilde++;
	}
	ck_assert_msg(tilde == LONG_COUNT, "%zu shortened names listed, want %d", tilde,
		      LONG_COUNT);
	h_names_free(&names);
}
END_TEST
START_TEST(test_shortened_names_sharing_a_prefix_read_their_own_keys)
{
	char prefix[256], names[4][256], path[4 * H_PATH_MAX], want[2][64], *got[2];
	size_t len[2];

	memset(prefix, 'k', 200);
	prefix[200] = '\0';
	ck_assert_uint_eq(shortened_names(prefix, names, 4), 2);
	ck_assert_str_ne(names[0], names[1]);
	for (int i = 0; i < 2; i++) {
		name_value(want[i], sizeof want[i],
			   named_keys_count + (i ? LONG_K299Z : LONG_K300));
		snprintf(path, sizeof path, "%s/db0/%s", read_mount->mnt, names[i]);
		ck_assert_int_eq(h_read_file(path, &got[i], &len[i]), 0);
	}
	/* Each name reads one of the two keys, and not the same one. */
	ck_assert_msg((!strcmp(got[0], want[0]) && !strcmp(got[1], want[1])) ||
			      (!strcmp(got[0], want[1]) && !strcmp(got[1], want[0])),
		      "the two shortened names read '%s' and '%s'", got[0], got[1]);
	free(got[0]);
	free(got[1]);
}
END_TEST
START_TEST(test_shortening_never_cuts_a_percent_escape)
{
	char prefix[256], names[2][256];

	memset(prefix, 'a', 199);
	prefix[199] = '\0';
	ck_assert_msg(shortened_names(prefix, names, 2) == 1,
		      "no name of 199 'a', '~' and a hash for the key a*199 / b*100");
	prefix[0] = '\0';
	for (int i = 0; i < 66; i++)
		strcat(prefix, "%2F");
	ck_assert_msg(shortened_names(prefix, names, 2) == 1,
		      "no name of 66 '%%2F', '~' and a hash for the key of 90 slashes");
}
END_TEST
START_TEST(test_shortened_name_with_a_wrong_hash_does_not_exist)
{
	char prefix[256], names[4][256], path[H_PATH_MAX + 300];
	struct stat st;

	memset(prefix, 'k', 200);
	prefix[200] = '\0';
	ck_assert_uint_eq(shortened_names(prefix, names, 4), 2);
	snprintf(path, sizeof path, "%s/db0/%s~0123456789abcdef", read_mount->mnt, prefix);
	ck_assert_str_ne(strrchr(path, '/') + 1, names[0]);
	ck_assert_str_ne(strrchr(path, '/') + 1, names[1]);
	ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT, "stat gives %s, want ENOENT",
		      strerror(errno));
}
END_TEST
START_TEST(test_non_canonical_names_do_not_exist)
{
	/* Each would decode to an existing key ("a/", "A", ".", "a/b"), but is not its name. */
	static const char *const names[] = {"a%2f", "%41", "%2e", "a%2fb",  "%2E%2e",
					    "%2",   "%ZZ", "%%",  "plain%", "a%2Fb%"};
	char path[H_PATH_MAX + 32];
	struct stat st;

	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/db0/%s", read_mount->mnt, names[i]);
		errno = 0;
		ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT,
			      "stat db0/%s gives %s, want ENOENT", names[i],
			      errno ? strerror(errno) : "success");
	}
}
END_TEST

static Suite *read_tree_suite(void)
{
	Suite *s = suite_create("read_tree");
	TCase *tc;

	tc = tcase_create("databases_default");
	h_tcase_add_fixture(tc, setup_default, h_stop_all);
	tcase_add_test(tc, test_root_lists_db0_to_db15_for_a_default_server);
	tcase_add_test(tc, test_empty_databases_are_empty_folders);
	suite_add_tcase(s, tc);

	tc = tcase_create("databases_four");
	h_tcase_add_fixture(tc, setup_four_databases, h_stop_all);
	tcase_add_test(tc, test_root_lists_db0_to_db3_for_a_four_database_server);
	suite_add_tcase(s, tc);

	tc = tcase_create("databases_option");
	h_tcase_add_fixture(tc, setup_databases_option, h_stop_all);
	tcase_add_test(tc, test_databases_option_overrides_the_server_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("acl_lister");
	h_tcase_add_fixture(tc, setup_acl_lister, h_stop_all);
	tcase_add_test(tc, test_acl_user_without_config_sees_the_database_count);
	tcase_add_test(tc, test_acl_user_without_keys_lists_and_reads_by_scan);
	tcase_add_test(tc, test_acl_user_was_denied_nothing_but_the_config_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("scan");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_every_key_is_listed_exactly_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_special_key_names_are_percent_encoded);
	tcase_add_test(tc, test_names_database_lists_each_key_once_with_its_value);
	tcase_add_test(tc, test_long_keys_are_listed_as_prefix_tilde_hash);
	tcase_add_test(tc, test_shortened_names_sharing_a_prefix_read_their_own_keys);
	tcase_add_test(tc, test_shortening_never_cuts_a_percent_escape);
	tcase_add_test(tc, test_shortened_name_with_a_wrong_hash_does_not_exist);
	tcase_add_test(tc, test_non_canonical_names_do_not_exist);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(read_tree_suite(), CK_FORK);
}
