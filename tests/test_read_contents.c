/* test_read_contents.c - SPEC 4 through a mount: file contents, attributes, shell tools. */
#include "read_fixture.h"
#include "run_suite.h"

/* Read db1/`name` and compare it with `want` (wlen bytes). */
static void assert_file_holds(const char *name, const char *want, size_t wlen)
{
	char path[H_PATH_MAX + 32], *got;
	size_t len;
	int err;

	snprintf(path, sizeof path, "%s/db%d/%s", read_mount->mnt, DB_TYPES, name);
	err = h_read_file(path, &got, &len);
	ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
	ck_assert_msg(len == wlen && !memcmp(got, want, wlen),
		      "%s holds %zu bytes '%.80s', want %zu bytes '%.80s'", name, len, got, wlen,
		      want);
	free(got);
}

#define ASSERT_HOLDS(name, text) assert_file_holds(name, text, sizeof(text) - 1)

START_TEST(test_string_reads_its_exact_bytes_with_nul_and_binary)
{
	char bytes[512];

	for (int i = 0; i < 512; i++)
		bytes[i] = (char) (i & 0xFF);
	assert_file_holds("str", bytes, sizeof bytes);
	assert_file_holds("empty", "", 0);
}
END_TEST
START_TEST(test_ten_mib_string_reads_whole_through_cat)
{
	redisContext *c = h_redis_connect(read_server, DB_TYPES);
	redisReply *value = h_cmd(c, "GET big");
	struct h_run res;
	char copy[H_PATH_MAX + 16], *got;
	size_t len;

	ck_assert_int_eq(value->len, BIG_SIZE);
	snprintf(copy, sizeof copy, "%s/big.out", scratch);
	ck_assert_int_eq(h_sh(read_mount->mnt, "cat db%d/big > %s", DB_TYPES, copy), 0);
	ck_assert_int_eq(h_read_file(copy, &got, &len), 0);
	ck_assert_msg(len == value->len, "cat gave %zu bytes of %zu", len, value->len);
	ck_assert_msg(!memcmp(got, value->str, len), "cat gave other bytes than GET");
	free(got);
	unlink(copy);
	ck_assert_int_eq(h_sh_out(read_mount->mnt, &res, "wc -c < db%d/big", DB_TYPES), 0);
	ck_assert_int_eq(atol(res.out), BIG_SIZE);
	h_run_free(&res);
	freeReplyObject(value);
	redisFree(c);
}
END_TEST
START_TEST(test_list_reads_one_element_per_line_head_first)
{
	ASSERT_HOLDS("list", "a\nb\nc\n\n");
}
END_TEST
START_TEST(test_set_reads_one_member_per_line_sorted_bytewise)
{
	ASSERT_HOLDS("set", "\nB\na\nab\nb\n\xff\n");
}
END_TEST
START_TEST(test_zset_reads_member_tab_score_by_rank)
{
	ASSERT_HOLDS("zset", "m\t-inf\na\t1\naa\t1\nb\t2.5\nc\t3\nz\tinf\n");
}
END_TEST
START_TEST(test_hash_reads_field_tab_value_sorted_by_field)
{
	ASSERT_HOLDS("hash", "M\t3\na\t2\nz\t1\n\xc3\xa9\t4\n");
}
END_TEST
START_TEST(test_stream_reads_id_tab_field_tab_value_by_id)
{
	ASSERT_HOLDS("stream", "1-1\tf\tv\tg\tw\n2-0\tx\ty\n");
}
END_TEST
START_TEST(test_collection_lines_escape_backslash_newline_tab_cr_and_control_bytes)
{
	ASSERT_HOLDS("escapes", "back\\\\slash\nnew\\nline\ntab\\tx\ncr\\rx\nctl\\x01\\x1F\\x7F\n"
				"utf8 \xc3\xa9\nnul\\x00x\n");
	ASSERT_HOLDS("escapes_hash", "f\\tx\tv\\nx\n");
	ASSERT_HOLDS("escapes_set", "a\\\\b\n");
	ASSERT_HOLDS("escapes_zset", "m\\tn\t1\n");
	ASSERT_HOLDS("escapes_stream", "1-0\tf\\n\tv\\t\n");
}
END_TEST
START_TEST(test_every_type_reads_as_redis_holds_it_and_stat_gives_its_size)
{
	char path[H_PATH_MAX + 16];
	redisContext *c = h_redis_connect(read_server, DB_TYPES);

	h_assert_dir_matches_db(h_path(path, sizeof path, read_mount, "db1"), c);
	redisFree(c);
}
END_TEST

static void assert_mode(const char *rel, mode_t type, mode_t perm)
{
	char path[H_PATH_MAX + 32];
	struct stat st;

	h_path(path, sizeof path, read_mount, rel);
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", rel, strerror(errno));
	ck_assert_msg((st.st_mode & S_IFMT) == type, "%s has file type 0%o", rel,
		      st.st_mode & S_IFMT);
	ck_assert_msg((st.st_mode & 07777) == perm, "%s has mode 0%o, want 0%o", rel,
		      st.st_mode & 07777, perm);
	ck_assert_msg(st.st_uid == getuid(), "%s is owned by uid %d, want %d", rel, (int) st.st_uid,
		      (int) getuid());
}

START_TEST(test_files_are_0644_and_folders_0755_owned_by_the_mounting_user)
{
	static const char *const files[] = {"str", "empty", "list", "set", "zset", "hash"};
	char rel[32];

	assert_mode(".", S_IFDIR, 0755);
	for (int db = 0; db < 16; db++) {
		snprintf(rel, sizeof rel, "db%d", db);
		assert_mode(rel, S_IFDIR, 0755);
	}
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(rel, sizeof rel, "db%d/%s", DB_TYPES, files[i]);
		assert_mode(rel, S_IFREG, 0644);
	}
}
END_TEST

/*
 * st_blksize: a file asks for reads of 1 MiB (one GETRANGE each); a folder keeps
 * glibc's readdir buffer at 32 KiB, as on a disk, not a megabyte of entries at once.
 */
START_TEST(test_files_advise_1_mib_blocks_and_folders_4_kib)
{
	static const char *const folders[] = {".", "db0", "db15"};
	char path[H_PATH_MAX + 32], rel[32];
	struct stat st;

	snprintf(rel, sizeof rel, "db%d/str", DB_TYPES);
	ck_assert_int_eq(stat(h_path(path, sizeof path, read_mount, rel), &st), 0);
	ck_assert_int_eq(st.st_blksize, 1 << 20);
	for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
		ck_assert_int_eq(stat(h_path(path, sizeof path, read_mount, folders[i]), &st), 0);
		ck_assert_msg(st.st_blksize == 4096, "%s has st_blksize %ld", folders[i],
			      (long) st.st_blksize);
	}
}
END_TEST
START_TEST(test_stream_files_are_0444)
{
	char rel[32];

	snprintf(rel, sizeof rel, "db%d/stream", DB_TYPES);
	assert_mode(rel, S_IFREG, 0444);
}
END_TEST

/* Split captured output into sorted lines. */
static void split_lines(char *text, struct h_names *lines)
{
	struct h_names tmp = {0};
	size_t cap = 0;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (tmp.n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp.v = realloc(tmp.v, cap * sizeof *tmp.v);
			ck_assert(tmp.v);
		}
		tmp.v[tmp.n++] = strdup(l);
	}
	for (size_t i = 1; i < tmp.n; i++)
		for (size_t j = i; j > 0 && strcmp(tmp.v[j - 1], tmp.v[j]) > 0; j--) {
			char *t = tmp.v[j];

			tmp.v[j] = tmp.v[j - 1];
			tmp.v[j - 1] = t;
		}
	*lines = tmp;
}

START_TEST(test_ls_lists_every_key_by_its_name)
{
	static const char *const want[] = {"events",
					   "profile",
					   "queue",
					   "scores",
					   "tags",
					   "user:1",
					   "user:2",
					   "we%2Fird%25name",
					   "\xc3\xbcn\xc3\xaf"
					   "code"};
	struct h_names lines;
	struct h_run res;

	ck_assert_int_eq(h_sh_out(read_mount->mnt, &res, "ls -A db%d", DB_SHELL), 0);
	split_lines(res.out, &lines);
	ck_assert_uint_eq(lines.n, sizeof want / sizeof *want);
	for (size_t i = 0; i < lines.n; i++)
		ck_assert_msg(h_names_has(&lines, want[i]), "ls does not show %s", want[i]);
	h_names_free(&lines);
	h_run_free(&res);
}
END_TEST
START_TEST(test_cat_prints_a_string_value)
{
	struct h_run res;

	ck_assert_int_eq(h_sh_out(read_mount->mnt, &res, "cat db%d/user:2 db%d/we%%2Fird%%25name",
				  DB_SHELL, DB_SHELL),
			 0);
	ck_assert_str_eq(res.out, "bob needle\nodd");
	h_run_free(&res);
}
END_TEST
START_TEST(test_stat_and_wc_give_the_size_of_what_cat_prints)
{
	static const char *const files[] = {"user:1", "queue",	 "tags",
					    "scores", "profile", "events"};
	struct h_run st, wc, cat;

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		ck_assert_int_eq(
			h_sh_out(read_mount->mnt, &st, "stat -c %%s db%d/%s", DB_SHELL, files[i]),
			0);
		ck_assert_int_eq(
			h_sh_out(read_mount->mnt, &wc, "wc -c < db%d/%s", DB_SHELL, files[i]), 0);
		ck_assert_int_eq(h_sh_out(read_mount->mnt, &cat, "cat db%d/%s", DB_SHELL, files[i]),
				 0);
		ck_assert_msg(cat.out_len > 0, "cat %s printed nothing", files[i]);
		ck_assert_msg(atol(st.out) == (long) cat.out_len,
			      "stat -c %%s %s says %s, cat prints %zu bytes", files[i], st.out,
			      cat.out_len);
		ck_assert_msg(atol(wc.out) == (long) cat.out_len,
			      "wc -c %s says %s, cat prints %zu bytes", files[i], wc.out,
			      cat.out_len);
		h_run_free(&st);
		h_run_free(&wc);
		h_run_free(&cat);
	}
}
END_TEST
START_TEST(test_grep_l_names_exactly_the_keys_that_match)
{
	struct h_names lines;
	struct h_run res;

	ck_assert_int_eq(h_sh_out(read_mount->mnt, &res, "grep -l needle db%d/*", DB_SHELL), 0);
	split_lines(res.out, &lines);
	ck_assert_uint_eq(lines.n, 3);
	ck_assert_str_eq(lines.v[0], "db2/profile");
	ck_assert_str_eq(lines.v[1], "db2/queue");
	ck_assert_str_eq(lines.v[2], "db2/user:2");
	h_names_free(&lines);
	h_run_free(&res);
}
END_TEST
START_TEST(test_cp_r_copies_every_value_of_a_database)
{
	static const int dbs[] = {DB_NAMES, DB_SHELL};
	char copy[H_PATH_MAX + 32];

	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++) {
		redisContext *c = h_redis_connect(read_server, dbs[i]);

		snprintf(copy, sizeof copy, "%s/copy%d", scratch, dbs[i]);
		ck_assert_int_eq(h_sh(read_mount->mnt, "cp -r db%d %s", dbs[i], copy), 0);
		h_assert_dir_matches_db(copy, c);
		ck_assert_int_eq(h_sh(scratch, "rm -rf copy%d", dbs[i]), 0);
		redisFree(c);
	}
}
END_TEST
START_TEST(test_tar_of_databases_exits_0_with_every_file)
{
	struct h_run res;
	struct h_names lines;

	/* To a file: GNU tar does not read the files at all when it writes to /dev/null. */
	ck_assert_int_eq(
		h_sh(read_mount->mnt, "tar cf %s/all.tar db%d db%d", scratch, DB_TYPES, DB_SHELL),
		0);
	ck_assert_int_eq(h_sh_out(scratch, &res, "tar tf all.tar"), 0);
	split_lines(res.out, &lines);
	/* Two folders; 13 keys in db1, 9 in db2. */
	ck_assert_uint_eq(lines.n, 2 + 13 + 9);
	h_names_free(&lines);
	h_run_free(&res);
	ck_assert_int_eq(h_sh(scratch, "rm -f all.tar"), 0);
}
END_TEST

/*
 * A list bypasses the page cache (direct I/O, so that a reader never sees
 * two versions mixed): a private mapping still shows its text, a shared one
 * is refused with ENODEV, as the man page says. A string keeps the cache.
 */
START_TEST(test_mmap_private_of_a_list_shows_its_text_and_shared_is_enodev)
{
	char path[H_PATH_MAX + 32];
	const char want[] = "x\nneedle y\n";
	void *m;
	int fd;

	snprintf(path, sizeof path, "%s/db%d/queue", read_mount->mnt, DB_SHELL);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	m = mmap(NULL, sizeof want - 1, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_msg(m != MAP_FAILED, "MAP_PRIVATE of %s: %s", path, strerror(errno));
	ck_assert_mem_eq(m, want, sizeof want - 1);
	munmap(m, sizeof want - 1);
	errno = 0;
	ck_assert(mmap(NULL, sizeof want - 1, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	ck_assert_int_eq(errno, ENODEV);
	close(fd);

	snprintf(path, sizeof path, "%s/db%d/user:2", read_mount->mnt, DB_SHELL);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	m = mmap(NULL, 11, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_msg(m != MAP_FAILED, "MAP_SHARED of a string: %s", strerror(errno));
	ck_assert_mem_eq(m, "bob needle\n", 11);
	munmap(m, 11);
	close(fd);
}
END_TEST

static Suite *read_contents_suite(void)
{
	Suite *s = suite_create("read_contents");
	TCase *tc;

	tc = tcase_create("contents");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_string_reads_its_exact_bytes_with_nul_and_binary);
	tcase_add_test(tc, test_ten_mib_string_reads_whole_through_cat);
	tcase_add_test(tc, test_list_reads_one_element_per_line_head_first);
	tcase_add_test(tc, test_set_reads_one_member_per_line_sorted_bytewise);
	tcase_add_test(tc, test_zset_reads_member_tab_score_by_rank);
	tcase_add_test(tc, test_hash_reads_field_tab_value_sorted_by_field);
	tcase_add_test(tc, test_stream_reads_id_tab_field_tab_value_by_id);
	tcase_add_test(tc, test_collection_lines_escape_backslash_newline_tab_cr_and_control_bytes);
	tcase_add_test(tc, test_every_type_reads_as_redis_holds_it_and_stat_gives_its_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("attributes");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_files_are_0644_and_folders_0755_owned_by_the_mounting_user);
	tcase_add_test(tc, test_stream_files_are_0444);
	tcase_add_test(tc, test_files_advise_1_mib_blocks_and_folders_4_kib);
	suite_add_tcase(s, tc);

	tc = tcase_create("shell_tools");
	h_tcase_add_fixture(tc, setup_data, h_stop_all);
	tcase_add_test(tc, test_ls_lists_every_key_by_its_name);
	tcase_add_test(tc, test_cat_prints_a_string_value);
	tcase_add_test(tc, test_stat_and_wc_give_the_size_of_what_cat_prints);
	tcase_add_test(tc, test_grep_l_names_exactly_the_keys_that_match);
	tcase_add_test(tc, test_cp_r_copies_every_value_of_a_database);
	tcase_add_test(tc, test_tar_of_databases_exits_0_with_every_file);
	tcase_add_test(tc, test_mmap_private_of_a_list_shows_its_text_and_shared_is_enodev);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(read_contents_suite(), CK_FORK);
}
