/* namespace_fixture.c - namespace mounts (-o delimiter=) and their checks, shared by the suites. */
#include "namespace_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct h_redis *ns_server;

struct h_mount *ns_mount;

const char *delimiter; /* of the TCase's mount */

bool key_exists(int db, const char *key, size_t len)
{
	redisContext *c = h_redis_connect(ns_server, db);
	long long n = h_cmd_int(c, "EXISTS %b", key, len);

	redisFree(c);
	return n == 1;
}

/* MNT/rel into `out`. Returns `out`. */
char *mnt_path(char out[PATH_LEN], const char *rel)
{
	int n = snprintf(out, PATH_LEN, "%s/%s", ns_mount->mnt, rel);

	ck_assert_msg(n > 0 && n < PATH_LEN, "path too long: %s", rel);
	return out;
}

/* A key's file name, for messages: printable by construction. */
const char *printable(const char *key, size_t len, char out[256])
{
	bool hashed;

	h_key_name(key, len, out, &hashed);
	return out;
}

/* ---- the test suite's own reading of SPEC 3 and 8: paths back to keys ---- */
int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lower case is not canonical */
}

/*
 * The bytes the canonical name `name` stands for, appended at `out`; the
 * name must be one that SPEC 3 gives those bytes (checked by encoding back).
 * Returns the count.
 */
size_t decode_component(const char *name, char *out)
{
	char again[256];
	size_t n = 0;
	bool hashed;

	if (strcmp(name, "%") != 0) {
		for (const char *p = name; *p; p++) {
			int hi, lo;

			if (*p != '%') {
				out[n++] = *p;
				continue;
			}
			hi = hex_digit(p[1]);
			lo = hi < 0 ? -1 : hex_digit(p[2]);
			ck_assert_msg(hi >= 0 && lo >= 0, "'%s' is no canonical name", name);
			out[n++] = (char) (hi * 16 + lo);
			p += 2;
		}
	}
	h_key_name(out, n, again, &hashed);
	ck_assert_msg(!hashed && strcmp(again, name) == 0,
		      "'%s' is not the canonical name of its bytes ('%s' is)", name, again);
	return n;
}

/*
 * The key a path below a database folder stands for ("user:/1:/name" is
 * user:1:name), when it names a file (`folder` false) or a folder. Every
 * folder component must end with the delimiter and hold it nowhere else; a
 * file component must not hold it at all.
 */
size_t path_to_key(const char *rel, bool folder, char *key)
{
	size_t dlen = strlen(delimiter), len = 0;
	char comp[256];

	while (*rel) {
		const char *slash = strchr(rel, '/');
		size_t n = slash ? (size_t) (slash - rel) : strlen(rel), seg;
		bool is_folder = slash || folder;
		const char *hit;

		ck_assert_msg(n < sizeof comp, "a component of %s is longer than 255 bytes", rel);
		memcpy(comp, rel, n);
		comp[n] = '\0';
		seg = decode_component(comp, key + len);
		hit = memmem(key + len, seg, delimiter, dlen);
		if (is_folder)
			ck_assert_msg(hit && (size_t) (hit - (key + len)) + dlen == seg,
				      "folder '%s' does not end with its only delimiter", comp);
		else
			ck_assert_msg(!hit, "file '%s' holds the delimiter", comp);
		len += seg;
		rel += n + (slash ? 1 : 0);
	}
	return len;
}

/* Index of `key` in a sorted KEYS reply (h_all_keys), or -1. */
long reply_find(const redisReply *keys, const char *key, size_t len)
{
	size_t lo = 0, hi = keys->elements;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, n = keys->element[mid]->len;
		int c = memcmp(keys->element[mid]->str, key, n < len ? n : len);

		if (!c)
			c = (n > len) - (n < len);
		if (!c)
			return (long) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

bool has_prefix(const redisReply *k, const char *prefix, size_t plen)
{
	return k->len >= plen && memcmp(k->str, prefix, plen) == 0;
}

/* stat size == bytes read == what Redis holds (SPEC 4), for the file of `key`. */
void assert_file_holds_key(const char *path, redisContext *c, const char *key, size_t klen)
{
	char *want, *got, shown[256];
	size_t want_len, got_len;
	struct stat st;
	int ret;

	ck_assert_msg(h_expected_content(c, key, klen, &want, &want_len) == 0, "key %s is gone",
		      printable(key, klen, shown));
	ck_assert_msg(lstat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", path);
	ret = h_read_file(path, &got, &got_len);
	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	ck_assert_msg((size_t) st.st_size == want_len && got_len == want_len,
		      "%s: stat size %lld, read %zu bytes, Redis holds %zu", path,
		      (long long) st.st_size, got_len, want_len);
	ck_assert_msg(memcmp(got, want, want_len) == 0, "%s does not hold what key %s holds", path,
		      printable(key, klen, shown));
	free(got);
	free(want);
}

/*
 * `find dbN -type f` lists every key of the database exactly once, as a path
 * that maps back to it, holding its value with the exact size; every folder
 * that `find -type d` lists is the prefix of some key.
 */
void assert_tree_matches_db(int db)
{
	redisContext *c = h_redis_connect(ns_server, db);
	redisReply *keys = h_all_keys(c);
	bool *seen = calloc(keys->elements + 1, sizeof *seen);
	char *key = malloc(PATH_LEN), path[PATH_LEN], rel[16], shown[256];
	struct h_run run;
	size_t skip;

	ck_assert(seen && key);
	skip = (size_t) snprintf(rel, sizeof rel, "db%d", db) + 1;
	ck_assert_int_eq(h_sh_out(ns_mount->mnt, &run, "find %s -mindepth 1 -type f -print0", rel),
			 0);
	for (char *p = run.out; p < run.out + run.out_len; p += strlen(p) + 1) {
		size_t klen = path_to_key(p + skip, false, key);
		long at = reply_find(keys, key, klen);

		ck_assert_msg(at >= 0, "find lists %s, and Redis has no key %s", p,
			      printable(key, klen, shown));
		ck_assert_msg(!seen[at], "find lists key %s twice", printable(key, klen, shown));
		seen[at] = true;
		assert_file_holds_key(mnt_path(path, p), c, key, klen);
	}
	for (size_t i = 0; i < keys->elements; i++)
		ck_assert_msg(seen[i], "find %s does not list key %s", rel,
			      printable(keys->element[i]->str, keys->element[i]->len, shown));
	h_run_free(&run);

	ck_assert_int_eq(h_sh_out(ns_mount->mnt, &run, "find %s -mindepth 1 -type d -print0", rel),
			 0);
	for (char *p = run.out; p < run.out + run.out_len; p += strlen(p) + 1) {
		size_t plen = path_to_key(p + skip, true, key);
		bool used = false;

		for (size_t i = 0; i < keys->elements && !used; i++)
			used = has_prefix(keys->element[i], key, plen);
		ck_assert_msg(used, "folder %s is shown, and no key starts with its prefix", p);
	}
	h_run_free(&run);
	free(key);
	free(seen);
	freeReplyObject(keys);
	redisFree(c);
}

/*
 * `ls MNT/rel` shows exactly the entries `want` ("d NAME" a folder, 0755 or
 * 0555 with ro; "f NAME" a file), told apart by lstat.
 */
void assert_listing(const char *rel, const char *const *want, size_t n)
{
	char dir[PATH_LEN], path[PATH_LEN + 256], all[4096] = "";
	struct h_names names;
	struct stat st;
	int ret = h_list(mnt_path(dir, rel), &names);

	ck_assert_msg(ret == 0, "ls %s: %s", rel, strerror(-ret));
	for (size_t i = 0; i < names.n; i++) {
		strncat(all, " '", sizeof all - strlen(all) - 1);
		strncat(all, names.v[i], sizeof all - strlen(all) - 1);
		strncat(all, "'", sizeof all - strlen(all) - 1);
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = want[i] + 2;

		ck_assert_msg(h_names_has(&names, name), "ls %s lacks '%s'; it shows%s", rel, name,
			      all);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		ck_assert_msg(lstat(path, &st) == 0, "stat %s/%s: %s", rel, name, strerror(errno));
		if (want[i][0] == 'd')
			ck_assert_msg(S_ISDIR(st.st_mode), "%s/%s is not a folder", rel, name);
		else
			ck_assert_msg(S_ISREG(st.st_mode), "%s/%s is not a file", rel, name);
	}
	ck_assert_msg(names.n == n, "ls %s shows %zu entries, want %zu:%s", rel, names.n, n, all);
	h_names_free(&names);
}

/* stat of MNT/rel fails with ENOENT, within VANISH_SECONDS (the kernel may cache for 1 s). */
void assert_gone(const char *rel)
{
	double deadline = h_now() + VANISH_SECONDS * h_time_scale();
	char path[PATH_LEN];
	struct stat st;
	int ret;

	mnt_path(path, rel);
	while ((ret = lstat(path, &st)) == 0 && h_now() < deadline)
		usleep(50 * 1000);
	ck_assert_msg(ret == -1 && errno == ENOENT, "%s is still there (%s)", rel,
		      ret ? strerror(errno) : "stat succeeds");
}

/* Every key of `before` that starts with the prefix is gone, every other one is still there. */
void assert_removed_exactly(const redisReply *before, const redisReply *after, const char *prefix,
			    size_t plen)
{
	char shown[256];

	for (size_t i = 0; i < before->elements; i++) {
		const redisReply *k = before->element[i];
		bool kept = reply_find(after, k->str, k->len) >= 0;

		if (has_prefix(k, prefix, plen))
			ck_assert_msg(!kept, "key %s was not removed",
				      printable(k->str, k->len, shown));
		else
			ck_assert_msg(kept, "key %s was removed too",
				      printable(k->str, k->len, shown));
	}
}

/* No key of `after` is missing from `before`. */
void assert_no_new_keys(const redisReply *before, const redisReply *after)
{
	char shown[256];

	for (size_t i = 0; i < after->elements; i++) {
		const redisReply *k = after->element[i];

		ck_assert_msg(reply_find(before, k->str, k->len) >= 0, "key %s appeared",
			      printable(k->str, k->len, shown));
	}
}

/* Run `rm -r 'db0/rel'`, which must exit 0 and remove exactly the keys that start with `prefix`. */
void assert_rm_r_removes(const char *rel, const char *prefix, size_t plen)
{
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *before = h_all_keys(c), *after;
	int status = h_sh(ns_mount->mnt, "rm -r 'db0/%s'", rel);

	after = h_all_keys(c);
	assert_removed_exactly(before, after, prefix, plen);
	assert_no_new_keys(before, after);
	ck_assert_msg(status == 0, "rm -r 'db0/%s' removed exactly its keys, and exits %d", rel,
		      status);
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}

/* rmdir of a folder that holds keys: ENOTEMPTY, and every key is still there (SPEC 5). */
void assert_rmdir_refused(const char *path)
{
	redisContext *c = h_redis_connect(ns_server, 0);
	redisReply *before = h_all_keys(c), *after;

	ASSERT_ERRNO(rmdir(path), ENOTEMPTY, path);
	after = h_all_keys(c);
	ck_assert_uint_eq(after->elements, before->elements);
	assert_no_new_keys(after, before); /* and none of before is missing from after */
	freeReplyObject(before);
	freeReplyObject(after);
	redisFree(c);
}

void start_mount(const char *options, void (*populate)(redisContext *c))
{
	redisContext *c;

	ns_server = h_redis_start(NULL);
	c = h_redis_connect(ns_server, 0);
	if (populate)
		populate(c);
	redisFree(c);
	ns_mount = h_mount_start(ns_server, &(struct h_mount_spec){.options = options});
}

/* The busy client's thread: adds key after key until told to stop or out of bounds. */
static void *busy_add(void *arg)
{
	struct busy_client *b = arg;
	useconds_t pause = (useconds_t) (b->pause_us * h_time_scale());
	double deadline = b->seconds > 0 ? h_now() + b->seconds : 0;

	for (long i = 0; !atomic_load(&b->stop) && i < b->max && (!deadline || h_now() < deadline);
	     i++) {
		const char *fmt = b->formats[1] && i % 2 ? b->formats[1] : b->formats[0];
		redisReply *r = redisCommand(b->c, fmt, i);

		if (!r)
			break;
		freeReplyObject(r);
		atomic_store(&b->added, i + 1);
		usleep(pause);
	}
	return NULL;
}

int busy_sh(struct busy_client *b, const char *cwd, const char *cmd)
{
	double warm = h_now() + H_WAIT_SECONDS * h_time_scale();
	pthread_t thread;
	int status;

	b->c = h_redis_connect(ns_server, b->db);
	atomic_init(&b->stop, false);
	atomic_init(&b->added, 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, busy_add, b), 0);
	while (atomic_load(&b->added) < b->warmup && h_now() < warm)
		usleep(10 * 1000);
	b->at_start = atomic_load(&b->added);
	status = h_sh(cwd, "%s", cmd);
	b->at_end = atomic_load(&b->added);
	atomic_store(&b->stop, true);
	pthread_join(thread, NULL);
	redisFree(b->c);
	b->c = NULL;
	return status;
}
