/* test_write_ro.c - -o ro refuses every write; writing back what was read changes nothing. */
#include "write_fixture.h"
#include "run_suite.h"

#define PROP_SEED	    0x5EEDC0FFEEULL /* the property test's PRNG seed: failures replay */
#define PROP_PER_TYPE	    16		    /* keys of each collection type: 64 in all */
#define PROP_STRINGS	    8		    /* and a few strings besides */
#define PROP_MAX_MEMBERS    12
#define PROP_MAX_MEMBER_LEN 40

static char *ro_snapshot; /* databases 0 and 1 before the read-only mount saw any change */
static size_t ro_snapshot_len;

/* ---- -o ro ---- */

static void setup_read_only(void)
{
	struct h_mount_spec spec = {.options = "ro"};
	redisContext *c;

	fx_server = h_redis_start(NULL);
	c = h_redis_connect(fx_server, 0);
	h_cmd_ok(c, "SET str value PX %lld", TTL_MS);
	h_cmd_ok(c, "SET text %s", "x\ny\n");
	h_cmd_ok(c, "RPUSH list a b");
	h_cmd_ok(c, "PEXPIRE list %lld", TTL_MS);
	h_cmd_ok(c, "SADD set a b");
	h_cmd_ok(c, "ZADD zset 1 a");
	h_cmd_ok(c, "HSET hash f v");
	h_cmd_ok(c, "XADD stream 1-0 f v");
	h_cmd_ok(c, "SELECT 1");
	h_cmd_ok(c, "SET str in-db1");
	redisFree(c);
	free(ro_snapshot);
	ro_snapshot = h_redis_snapshot(fx_server, 2, &ro_snapshot_len);
	c = h_redis_connect(fx_server, 0);
	h_cmd_ok(c, "CONFIG RESETSTAT");
	redisFree(c);
	fx_mount = h_mount_start(fx_server, &spec);
}
static void assert_redis_unchanged(void)
{
	size_t len;
	char *now = h_redis_snapshot(fx_server, 2, &len);

	ck_assert_msg(len == ro_snapshot_len && !memcmp(now, ro_snapshot, len),
		      "Redis changed under a read-only mount");
	free(now);
}

#define ASSERT_EROFS(call, what) ASSERT_FAILS_WITH(call, EROFS, what)

START_TEST(test_ro_create_and_write_give_erofs)
{
	const char *dir = h_scratch_dir();
	char path[MNT_PATH_LEN];
	static const char *const files[] = {"db0/str",	"db0/list", "db0/set",
					    "db0/zset", "db0/hash", "db0/stream"};

	ASSERT_EROFS(open(mnt(path, "db0/fresh"), O_WRONLY | O_CREAT | O_EXCL, 0644),
		     "create db0/fresh");
	ASSERT_EROFS(open(path, O_WRONLY | O_CREAT, 0644), "open(O_CREAT) db0/fresh");
	ASSERT_EROFS(mknod(path, S_IFREG | 0644, 0), "mknod db0/fresh");
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char what[64];

		mnt(path, files[i]);
		snprintf(what, sizeof what, "open %s O_WRONLY", files[i]);
		ASSERT_EROFS(open(path, O_WRONLY), what);
		snprintf(what, sizeof what, "open %s O_RDWR", files[i]);
		ASSERT_EROFS(open(path, O_RDWR), what);
		snprintf(what, sizeof what, "open %s O_TRUNC", files[i]);
		ASSERT_EROFS(open(path, O_WRONLY | O_TRUNC), what);
		snprintf(what, sizeof what, "open %s O_APPEND", files[i]);
		ASSERT_EROFS(open(path, O_WRONLY | O_APPEND), what);
	}
	ck_assert_int_ne(h_sh(fx_mount->mnt, "touch db0/brand-new 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "echo new > db0/str 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "printf 'x\\n' > db0/list 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "printf 'x\\n' >> db0/hash 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, ": > db0/set 2>/dev/null"), 0);
	ck_assert_int_eq(h_sh(dir, "echo data > src"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "cp %s/src db0/copied 2>/dev/null", dir), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "echo x | tee db0/str >/dev/null 2>&1"), 0);
	assert_redis_unchanged();
}
END_TEST
START_TEST(test_ro_truncate_gives_erofs)
{
	char path[MNT_PATH_LEN];

	ASSERT_EROFS(truncate(mnt(path, "db0/str"), 0), "truncate db0/str");
	ASSERT_EROFS(truncate(mnt(path, "db0/list"), 0), "truncate db0/list");
	ASSERT_EROFS(truncate(mnt(path, "db0/zset"), 2), "truncate db0/zset");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "truncate -s 1 db0/str 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "truncate -s 0 db0/hash 2>/dev/null"), 0);
	assert_redis_unchanged();
}
END_TEST
START_TEST(test_ro_rename_gives_erofs)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];

	mnt(from, "db0/str");
	ASSERT_EROFS(rename(from, mnt(to, "db0/renamed")), "rename db0/str db0/renamed");
	ASSERT_EROFS(rename(from, mnt(to, "db0/set")), "rename db0/str db0/set");
	ASSERT_EROFS(rename_noreplace(from, mnt(to, "db0/renamed")),
		     "renameat2 RENAME_NOREPLACE db0/str db0/renamed");
	ASSERT_EROFS(rename(from, mnt(to, "db1/str")), "rename db0/str db1/str");
	ASSERT_EROFS(rename(from, mnt(to, "db1/other")), "rename db0/str db1/other");
	ASSERT_EROFS(rename(mnt(from, "db0/text"), mnt(to, "db0/list")),
		     "rename db0/text db0/list (text into a list)");
	ck_assert_int_ne(h_sh(fx_mount->mnt, "mv db0/hash db0/hash2 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "mv db0/zset db1/ 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(fx_mount->mnt, "sed -i 's/a/b/' db0/list 2>/dev/null"), 0);
	assert_redis_unchanged();
}
END_TEST
START_TEST(test_ro_mkdir_chmod_and_unlink_give_erofs)
{
	char path[MNT_PATH_LEN];

	ASSERT_EROFS(mkdir(mnt(path, "db0/newdir"), 0755), "mkdir db0/newdir");
	ASSERT_EROFS(chmod(mnt(path, "db0/str"), 0600), "chmod db0/str");
	ASSERT_EROFS(unlink(path), "unlink db0/str");
	assert_redis_unchanged();
}
END_TEST
START_TEST(test_ro_mount_sent_no_write_command)
{
	redisContext *c = h_redis_connect(fx_server, 0);

	/* every test before this one tried its changes through this mount */
	assert_redis_unchanged();
	h_assert_no_write_command(c);
	redisFree(c);
}
END_TEST

/* ---- property: reading a file and writing the same bytes back changes nothing ---- */

/* splitmix64: small, seedable, and the same everywhere, so that a failing seed replays. */
static uint64_t prng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static size_t prng_below(uint64_t *state, size_t n)
{
	return (size_t) (prng_next(state) % n);
}

/* A byte: one that SPEC 4 escapes or a high one, more often than chance would give. */
static char random_byte(uint64_t *state)
{
	static const unsigned char awkward[] = {'\n', '\t', '\\', '\0', '\r', 0x7F, 0x01,
						0x1F, 0x80, 0xFF, 'x',	' ',  '%',  '/'};

	switch (prng_below(state, 3)) {
	case 0:
		return (char) awkward[prng_below(state, sizeof awkward)];
	case 1:
		return (char) (0x80 + prng_below(state, 0x80));
	default:
		return (char) prng_below(state, 256);
	}
}

/* A member of 0 .. PROP_MAX_MEMBER_LEN random bytes into `out`; returns its length. */
static size_t random_member(uint64_t *state, char *out)
{
	size_t len = prng_below(state, PROP_MAX_MEMBER_LEN + 1);

	for (size_t i = 0; i < len; i++)
		out[i] = random_byte(state);
	return len;
}

/* A zset score: whole numbers, fractions, any finite double, infinities, and ties. */
static void random_score(uint64_t *state, char *out, size_t len)
{
	uint64_t bits;
	double d;

	switch (prng_below(state, 6)) {
	case 0:
		snprintf(out, len, "%d", (int) prng_below(state, 2001) - 1000);
		break;
	case 1:
		snprintf(out, len, "%.17g",
			 ((double) prng_next(state) / 18446744073709551616.0 - 0.5) * 1e6);
		break;
	case 2:
		do {
			bits = prng_next(state);
			memcpy(&d, &bits, sizeof d);
		} while (isnan(d) || isinf(d));
		snprintf(out, len, "%.17g", d);
		break;
	case 3:
		snprintf(out, len, "%s", prng_below(state, 2) ? "inf" : "-inf");
		break;
	default:
		snprintf(out, len, "7"); /* equal scores: ranked by member */
		break;
	}
}
static void argv_ok(redisContext *c, int argc, const char **argv, const size_t *lens)
{
	redisReply *r = redisCommandArgv(c, argc, argv, lens);

	ck_assert_msg(r, "%s: no reply: %s", argv[0], c->errstr);
	ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s failed: %s", argv[0], r->str);
	freeReplyObject(r);
}

static const char *const prop_types[] = {"list", "set", "zset", "hash", "string"};

#define PROP_KEYS (4 * PROP_PER_TYPE + PROP_STRINGS)

/* Key number `i` of the property test: its name into `out` (32 bytes) and its type. */
static const char *prop_key(size_t i, char *out)
{
	const char *type = i < 4 * PROP_PER_TYPE ? prop_types[i % 4] : prop_types[4];

	snprintf(out, 32, "prop:%s:%zu", type, i);
	return type;
}

/* Make key number `i` with random members and, two times in three, a random TTL. */
static void make_random_key(redisContext *c, uint64_t *state, size_t i)
{
	enum { MAX_ARGS = 2 + 2 * PROP_MAX_MEMBERS };
	static char members[MAX_ARGS][PROP_MAX_MEMBER_LEN + 1];
	char key[32], scores[PROP_MAX_MEMBERS][40];
	const char *argv[MAX_ARGS], *type = prop_key(i, key);
	size_t lens[MAX_ARGS], n = 1 + prng_below(state, PROP_MAX_MEMBERS);
	int argc = 2;

	argv[1] = key;
	lens[1] = strlen(key);
	if (!strcmp(type, "string")) {
		argv[0] = "SET";
		n = 1;
	} else {
		argv[0] = !strcmp(type, "list")	  ? "RPUSH"
			  : !strcmp(type, "set")  ? "SADD"
			  : !strcmp(type, "zset") ? "ZADD"
						  : "HSET";
	}
	lens[0] = strlen(argv[0]);
	for (size_t m = 0; m < n; m++) {
		if (!strcmp(type, "zset")) {
			random_score(state, scores[m], sizeof scores[m]);
			argv[argc] = scores[m];
			lens[argc++] = strlen(scores[m]);
		}
		lens[argc] = random_member(state, members[argc]);
		argv[argc] = members[argc];
		argc++;
		if (!strcmp(type, "hash")) {
			lens[argc] = random_member(state, members[argc]);
			argv[argc] = members[argc];
			argc++;
		}
	}
	argv_ok(c, argc, argv, lens);
	if (prng_below(state, 3))
		h_cmd_ok(c, "PEXPIRE %s %llu", key,
			 (unsigned long long) (10000 + prng_below(state, 100000000)));
}

/* Two key_items() replies are the same: the same bytes, in the same order. */
static void assert_same_items(const redisReply *before, const redisReply *after, const char *key)
{
	char a[SHOW_MAX], b[SHOW_MAX];

	ck_assert_msg(before->type == after->type, "%s: reply type %d became %d", key, before->type,
		      after->type);
	if (before->type != REDIS_REPLY_ARRAY) {
		ck_assert_msg(after->len == before->len &&
				      !memcmp(after->str, before->str, after->len),
			      "seed %#llx: %s was '%s', after writing its own bytes back is '%s'",
			      (unsigned long long) PROP_SEED, key,
			      show(before->str, before->len, a), show(after->str, after->len, b));
		return;
	}
	ck_assert_msg(after->elements == before->elements,
		      "seed %#llx: %s had %zu items, after writing its own text back %zu",
		      (unsigned long long) PROP_SEED, key, before->elements, after->elements);
	for (size_t i = 0; i < before->elements; i++) {
		const redisReply *x = before->element[i], *y = after->element[i];

		ck_assert_msg(x->len == y->len && !memcmp(x->str, y->str, x->len),
			      "seed %#llx: %s item %zu was '%s', after writing its own text back "
			      "'%s'",
			      (unsigned long long) PROP_SEED, key, i, show(x->str, x->len, a),
			      show(y->str, y->len, b));
	}
}
static void setup_property(void)
{
	uint64_t state = PROP_SEED;
	redisContext *c;

	fx_server = h_redis_start(NULL);
	c = h_redis_connect(fx_server, 0);
	for (size_t i = 0; i < PROP_KEYS; i++)
		make_random_key(c, &state, i);
	redisFree(c);
	fx_mount = h_mount_start(fx_server, NULL);
}

START_TEST(test_writing_back_what_was_read_leaves_every_key_identical)
{
	redisContext *c = h_redis_connect(fx_server, 0);
	char a[SHOW_MAX], b[SHOW_MAX];

	for (size_t i = 0; i < PROP_KEYS; i++) {
		char key[32], rel[64], path[MNT_PATH_LEN], *before, *read;
		redisReply *items_before, *items_after;
		size_t blen, rlen;
		const char *type = prop_key(i, key);
		long long pttl_before, pttl_after;
		int err;

		snprintf(rel, sizeof rel, "db0/%s", key);
		assert_type(c, key, type);
		pttl_before = pttl_of(c, key);
		items_before = key_items(c, key, type);
		ck_assert_int_eq(h_expected_content(c, key, strlen(key), &before, &blen), 0);
		err = h_read_file(mnt(path, rel), &read, &rlen);
		ck_assert_msg(err == 0, "read %s: %s", rel, strerror(-err));
		ck_assert_msg(rlen == blen && !memcmp(read, before, blen),
			      "seed %#llx: %s reads '%s', Redis renders '%s'",
			      (unsigned long long) PROP_SEED, rel, show(read, rlen, a),
			      show(before, blen, b));

		write_file_ok(rel, O_WRONLY | O_TRUNC, read, rlen);

		assert_type(c, key, type);
		items_after = key_items(c, key, type);
		assert_same_items(items_before, items_after, key);
		freeReplyObject(items_before);
		freeReplyObject(items_after);
		pttl_after = pttl_of(c, key);
		if (pttl_before < 0)
			ck_assert_msg(pttl_after == -1, "%s had no TTL, now PTTL %lld", key,
				      pttl_after);
		else
			ck_assert_msg(pttl_after <= pttl_before &&
					      pttl_after > pttl_before - ttl_slack_ms(),
				      "%s: PTTL %lld before, %lld after", key, pttl_before,
				      pttl_after);
		free(before);
		free(read);
	}
	redisFree(c);
}
END_TEST

static Suite *write_ro_suite(void)
{
	Suite *s = suite_create("write_ro");
	TCase *tc;

	tc = tcase_create("read_only");
	h_tcase_add_fixture(tc, setup_read_only, h_stop_all);
	tcase_add_test(tc, test_ro_create_and_write_give_erofs);
	tcase_add_test(tc, test_ro_truncate_gives_erofs);
	tcase_add_test(tc, test_ro_rename_gives_erofs);
	tcase_add_test(tc, test_ro_mkdir_chmod_and_unlink_give_erofs);
	tcase_add_test(tc, test_ro_mount_sent_no_write_command);
	suite_add_tcase(s, tc);

	tc = tcase_create("property_round_trip");
	h_tcase_add_fixture(tc, setup_property, h_stop_all);
	tcase_add_test(tc, test_writing_back_what_was_read_leaves_every_key_identical);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int status;

	h_init();
	status = run_suite(write_ro_suite(), CK_FORK);
	free(ro_snapshot);
	return status;
}
