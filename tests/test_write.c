/* test_write.c - SPEC 4 and 5 writes through a real mount: strings, collections, rename, -o ro. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0) /* <linux/fs.h>; glibc's stdio.h has it since 2.28 */
#endif

#define MNT_PATH_LEN   (H_PATH_MAX + 64)
#define TTL_MS	       1000000LL    /* ~17 minutes: far longer than any test runs */
#define LONG_TTL_MS    2000000LL    /* a second TTL, to tell a source's TTL from a target's */
#define TTL_SLACK_MS   5000LL	    /* how much a kept TTL may have run down while a test ran */
#define BIG_SIZE       (100u << 20) /* SPEC 5's 100 MiB value */
#define BIG_CHUNK      (1u << 20)   /* write(2) size for the big value */
#define RELEASE_WAIT_S 5.0	    /* bound on waiting for FUSE's asynchronous release */
#define SHOW_MAX       200	    /* bytes of a value shown in a failure message */
#define LARGE_MEMBERS  2345	    /* more than two of the daemon's rounds of 1000 members */
#define LONG_KEY_LEN   300	    /* a key whose file name is shortened (SPEC 3) */

#define PROP_SEED	    0x5EEDC0FFEEULL /* the property test's PRNG seed: failures replay */
#define PROP_PER_TYPE	    16		    /* keys of each collection type: 64 in all */
#define PROP_STRINGS	    8		    /* and a few strings besides */
#define PROP_MAX_MEMBERS    12
#define PROP_MAX_MEMBER_LEN 40

static struct h_redis *server;
static struct h_mount *mount;
static char *ro_snapshot; /* databases 0 and 1 before the read-only mount saw any change */
static size_t ro_snapshot_len;

/* Bytes that may hold NULs. */
struct bytes {
	const char *p;
	size_t len;
};

/* clang-format off */
#define B(s) {s, sizeof(s) - 1}
/* clang-format on */

/* ---- helpers: paths, Redis state, assertions ---- */

/* MNT/rel into `out`, which holds MNT_PATH_LEN bytes. */
static char *mnt(char *out, const char *rel)
{
	return h_path(out, MNT_PATH_LEN, mount, rel);
}

/* (p, len) as a C-escaped, NUL-terminated string for a failure message; `out` holds SHOW_MAX. */
static const char *show(const char *p, size_t len, char *out)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 8 < SHOW_MAX; i++) {
		unsigned char c = (unsigned char) p[i];

		if (c == '\\')
			o += (size_t) snprintf(out + o, SHOW_MAX - o, "\\\\");
		else if (c >= 0x20 && c < 0x7F)
			out[o++] = (char) c;
		else
			o += (size_t) snprintf(out + o, SHOW_MAX - o, "\\x%02X", c);
	}
	if (i < len)
		o += (size_t) snprintf(out + o, SHOW_MAX - o, "...");
	out[o] = '\0';
	return out;
}

static long long pttl_of(redisContext *c, const char *key)
{
	return h_cmd_int(c, "PTTL %s", key);
}

static bool exists(redisContext *c, const char *key)
{
	return h_cmd_int(c, "EXISTS %s", key) == 1;
}

static void assert_type(redisContext *c, const char *key, const char *want)
{
	redisReply *r = h_cmd(c, "TYPE %s", key);

	ck_assert_msg(r->type == REDIS_REPLY_STATUS && !strcmp(r->str, want),
		      "%s has type %s, want %s", key, r->str ? r->str : "?", want);
	freeReplyObject(r);
}

static void assert_gone(redisContext *c, const char *key)
{
	ck_assert_msg(!exists(c, key), "%s still exists", key);
}

/* How far a kept TTL may have run down while a test ran: more under valgrind. */
static long long ttl_slack_ms(void)
{
	return (long long) ((double) TTL_SLACK_MS * h_time_scale());
}

/* A TTL of `set_ms`, given a moment ago, is still there. */
static void assert_ttl_kept(redisContext *c, const char *key, long long set_ms)
{
	long long pttl = pttl_of(c, key);

	ck_assert_msg(pttl > set_ms - ttl_slack_ms() && pttl <= set_ms,
		      "%s: PTTL %lld ms, want the TTL of %lld ms kept", key, pttl, set_ms);
}

static void assert_no_ttl(redisContext *c, const char *key)
{
	long long pttl = pttl_of(c, key);

	ck_assert_msg(pttl == -1, "%s: PTTL %lld, want -1 (no TTL)", key, pttl);
}

/* `key` is a string of exactly (want, wlen). */
static void assert_string(redisContext *c, const char *key, const void *want, size_t wlen)
{
	redisReply *r = h_cmd(c, "GET %s", key);
	char a[SHOW_MAX], b[SHOW_MAX];

	ck_assert_msg(r->type == REDIS_REPLY_STRING, "GET %s gave reply type %d (%s)", key, r->type,
		      r->type == REDIS_REPLY_ERROR ? r->str : "no string");
	ck_assert_msg(r->len == wlen && !memcmp(r->str, want, wlen),
		      "%s holds %zu bytes '%s', want %zu bytes '%s'", key, r->len,
		      show(r->str, r->len, a), wlen, show(want, wlen, b));
	freeReplyObject(r);
}

static int compare_replies(const void *x, const void *y)
{
	const redisReply *a = *(redisReply *const *) x, *b = *(redisReply *const *) y;
	int c = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

struct reply_pair {
	redisReply *first, *second;
};

static int compare_pairs(const void *x, const void *y)
{
	const struct reply_pair *a = x, *b = y;

	return compare_replies(&a->first, &b->first);
}

/* Sort the (field, value) pairs of an HGETALL reply bytewise by field, in place. */
static void sort_pairs(redisReply *r)
{
	size_t n = r->elements / 2;
	struct reply_pair *pairs = calloc(n ? n : 1, sizeof *pairs);

	ck_assert(pairs);
	for (size_t i = 0; i < n; i++)
		pairs[i] = (struct reply_pair){r->element[2 * i], r->element[2 * i + 1]};
	qsort(pairs, n, sizeof *pairs, compare_pairs);
	for (size_t i = 0; i < n; i++) {
		r->element[2 * i] = pairs[i].first;
		r->element[2 * i + 1] = pairs[i].second;
	}
	free(pairs);
}

/*
 * What Redis holds for `key` of type `type`, in an order that does not depend
 * on its encoding: GET of a string; list elements head first; set members
 * sorted bytewise; zset member, score pairs by rank (scores as Redis prints
 * them); hash field, value pairs sorted by field. Free with freeReplyObject().
 */
static redisReply *key_items(redisContext *c, const char *key, const char *type)
{
	redisReply *r;

	if (!strcmp(type, "string"))
		return h_cmd(c, "GET %s", key);
	if (!strcmp(type, "list")) {
		r = h_cmd(c, "LRANGE %s 0 -1", key);
	} else if (!strcmp(type, "set")) {
		r = h_cmd(c, "SMEMBERS %s", key);
		if (r->type == REDIS_REPLY_ARRAY && r->elements)
			qsort(r->element, r->elements, sizeof *r->element, compare_replies);
	} else if (!strcmp(type, "zset")) {
		r = h_cmd(c, "ZRANGE %s 0 -1 WITHSCORES", key);
	} else {
		r = h_cmd(c, "HGETALL %s", key);
		if (r->type == REDIS_REPLY_ARRAY)
			sort_pairs(r);
	}
	ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "reading %s %s gave reply type %d", type, key,
		      r->type);
	return r;
}

/* `key` is a collection of type `type` holding exactly `want`, as key_items() orders it. */
static void assert_collection(redisContext *c, const char *key, const char *type,
			      const struct bytes *want, size_t n)
{
	char a[SHOW_MAX], b[SHOW_MAX];
	redisReply *r;

	assert_type(c, key, type);
	r = key_items(c, key, type);
	ck_assert_msg(r->elements == n, "%s %s has %zu items, want %zu", type, key, r->elements, n);
	for (size_t i = 0; i < n; i++) {
		const redisReply *e = r->element[i];

		ck_assert_msg(e->len == want[i].len && !memcmp(e->str, want[i].p, want[i].len),
			      "%s %s: item %zu is '%s', want '%s'", type, key, i,
			      show(e->str, e->len, a), show(want[i].p, want[i].len, b));
	}
	freeReplyObject(r);
}

#define ASSERT_COLLECTION(c, key, type, ...)                                                       \
	do {                                                                                       \
		const struct bytes want_[] = {__VA_ARGS__};                                        \
		assert_collection(c, key, type, want_, sizeof want_ / sizeof *want_);              \
	} while (0)

/* A key's DUMP and TTL: comparing two tells whether anything changed it. */
struct key_state {
	char type[16];
	char *dump;
	size_t len;
	long long pttl;
};

static struct key_state key_state(redisContext *c, const char *key)
{
	struct key_state s = {.pttl = pttl_of(c, key)};
	redisReply *t = h_cmd(c, "TYPE %s", key), *d = h_cmd(c, "DUMP %s", key);

	snprintf(s.type, sizeof s.type, "%s", t->str ? t->str : "?");
	ck_assert_msg(d->type == REDIS_REPLY_STRING, "DUMP %s gave reply type %d", key, d->type);
	s.dump = malloc(d->len ? d->len : 1);
	ck_assert(s.dump);
	memcpy(s.dump, d->str, d->len);
	s.len = d->len;
	freeReplyObject(t);
	freeReplyObject(d);
	return s;
}

/* `key` is as `before` found it (its TTL less at most a test's run time); frees `before`. */
static void assert_untouched(redisContext *c, const char *key, struct key_state *before)
{
	struct key_state now = key_state(c, key);

	ck_assert_msg(!strcmp(now.type, before->type), "%s changed type from %s to %s", key,
		      before->type, now.type);
	ck_assert_msg(now.len == before->len && !memcmp(now.dump, before->dump, now.len),
		      "the value of %s changed", key);
	if (before->pttl < 0)
		ck_assert_msg(now.pttl == before->pttl, "%s: PTTL %lld, was %lld", key, now.pttl,
			      before->pttl);
	else
		ck_assert_msg(now.pttl > before->pttl - ttl_slack_ms() && now.pttl <= before->pttl,
			      "%s: PTTL %lld, was %lld", key, now.pttl, before->pttl);
	free(now.dump);
	free(before->dump);
	before->dump = NULL;
}

/* write(2) all of (buf, len), asserting that every call succeeds. */
static void write_all(int fd, const char *what, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n > 0, "write to %s: %s", what, n < 0 ? strerror(errno) : "0 bytes");
		p += n;
		len -= (size_t) n;
	}
}

/*
 * open(MNT/rel, flags), write (buf, len), close(). Open and write must
 * succeed; returns close's result, with its errno in *close_errno.
 */
static int write_then_close(const char *rel, int flags, const void *buf, size_t len,
			    int *close_errno)
{
	char path[MNT_PATH_LEN];
	int fd = open(mnt(path, rel), flags | O_CLOEXEC, 0644);
	int ret;

	ck_assert_msg(fd >= 0, "open %s: %s", rel, strerror(errno));
	write_all(fd, rel, buf, len);
	errno = 0;
	ret = close(fd);
	*close_errno = errno;
	return ret;
}

/* As write_then_close(), and close() must return 0. */
static void write_file_ok(const char *rel, int flags, const void *buf, size_t len)
{
	int err = 0;

	ck_assert_msg(write_then_close(rel, flags, buf, len, &err) == 0, "close of %s: %s", rel,
		      strerror(err));
}

#define ASSERT_FAILS_WITH(call, want, what)                                                        \
	do {                                                                                       \
		errno = 0;                                                                         \
		ck_assert_msg((call) == -1 && errno == (want), "%s gives %s, want %s", what,       \
			      errno ? strerror(errno) : "success", strerror(want));                \
	} while (0)

static int rename_noreplace(const char *from, const char *to)
{
	return (int) syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/* The file of `key` through the mount holds what SPEC 4 renders from Redis, and stat agrees. */
static void assert_file_shows(redisContext *c, const char *rel, const char *key)
{
	char path[MNT_PATH_LEN], a[SHOW_MAX], b[SHOW_MAX], *want, *got;
	size_t wlen, glen;
	struct stat st;
	int err;

	ck_assert_msg(h_expected_content(c, key, strlen(key), &want, &wlen) == 0, "%s is gone",
		      key);
	err = h_read_file(mnt(path, rel), &got, &glen);
	ck_assert_msg(err == 0, "read %s: %s", rel, strerror(-err));
	ck_assert_msg(glen == wlen && !memcmp(got, want, wlen),
		      "%s reads %zu bytes '%s', Redis renders %zu bytes '%s'", rel, glen,
		      show(got, glen, a), wlen, show(want, wlen, b));
	ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", rel, strerror(errno));
	ck_assert_msg((size_t) st.st_size == wlen, "%s: st_size %lld, its content has %zu bytes",
		      rel, (long long) st.st_size, wlen);
	free(want);
	free(got);
}

/* Whether the daemon's log holds `needle`. */
static bool log_mentions(const char *needle)
{
	char *log;
	size_t len;
	bool found;

	if (h_read_file(mount->log, &log, &len) != 0)
		return false;
	found = memmem(log, len, needle, strlen(needle)) != NULL;
	free(log);
	return found;
}

/*
 * Wait (bounded) until `key` is gone. A file closed without a byte written is
 * emptied at FUSE's release, which the kernel sends after close(2) returns.
 */
static void wait_gone(redisContext *c, const char *key)
{
	double deadline = h_now() + RELEASE_WAIT_S * h_time_scale();
	struct timespec nap = {0, 10000000L};

	while (exists(c, key) && h_now() < deadline)
		nanosleep(&nap, NULL);
	assert_gone(c, key);
}

static void setup_mount(void)
{
	server = h_redis_start(NULL);
	mount = h_mount_start(server, NULL);
}

/* ---- strings ---- */

START_TEST(test_touch_creates_an_empty_string)
{
	redisContext *c = h_redis_connect(server, 0);

	ck_assert_int_eq(h_sh(mount->mnt, "touch db0/touched"), 0);
	assert_type(c, "touched", "string");
	assert_string(c, "touched", "", 0);
	assert_no_ttl(c, "touched");
	redisFree(c);
}
END_TEST

START_TEST(test_redirect_creates_a_string_holding_exactly_the_output)
{
	redisContext *c = h_redis_connect(server, 0);

	ck_assert_int_eq(h_sh(mount->mnt, "printf 'hello\\nworld' > db0/redirected"), 0);
	assert_string(c, "redirected", "hello\nworld", 11);
	assert_no_ttl(c, "redirected");
	redisFree(c);
}
END_TEST

START_TEST(test_create_makes_an_empty_string_and_close_writes_the_bytes)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd = open(mnt(path, "db0/created"), O_WRONLY | O_CREAT | O_EXCL, 0644);

	ck_assert_msg(fd >= 0, "create db0/created: %s", strerror(errno));
	/* SPEC 5: create is SET key "" NX; the data arrives at close */
	assert_string(c, "created", "", 0);
	write_all(fd, "db0/created", "fresh", 5);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "created", "fresh", 5);
	redisFree(c);
}
END_TEST

START_TEST(test_create_in_another_database_writes_only_there)
{
	redisContext *c0 = h_redis_connect(server, 0), *c1 = h_redis_connect(server, 1);

	ck_assert_int_eq(h_sh(mount->mnt, "printf one > db1/in-db1"), 0);
	assert_string(c1, "in-db1", "one", 3);
	assert_gone(c0, "in-db1");
	redisFree(c0);
	redisFree(c1);
}
END_TEST

START_TEST(test_create_of_an_encoded_name_makes_its_key)
{
	redisContext *c = h_redis_connect(server, 0);

	ck_assert_int_eq(h_sh(mount->mnt, "printf x > 'db0/a%%2Fb' && touch 'db0/100%%25'"), 0);
	assert_string(c, "a/b", "x", 1);
	assert_string(c, "100%", "", 0);
	redisFree(c);
}
END_TEST

START_TEST(test_create_of_a_non_canonical_name_gives_einval)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	long long before = h_cmd_int(c, "DBSIZE");

	/* %41 is "A", which is written as itself; %2f is not upper-case hex */
	ASSERT_FAILS_WITH(open(mnt(path, "db0/%41"), O_WRONLY | O_CREAT, 0644), EINVAL,
			  "create db0/%41");
	ASSERT_FAILS_WITH(open(mnt(path, "db0/x%2fy"), O_WRONLY | O_CREAT, 0644), EINVAL,
			  "create db0/x%2fy");
	ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), before);
	redisFree(c);
}
END_TEST

START_TEST(test_write_truncate_and_rename_through_a_shortened_name)
{
	char key[LONG_KEY_LEN], dir[MNT_PATH_LEN], path[MNT_PATH_LEN + 300], from[MNT_PATH_LEN];
	char name[256], fake[MNT_PATH_LEN + 300];
	redisContext *c = h_redis_connect(server, 0);
	redisReply *r;
	bool hashed;
	int fd;

	memset(key, 'L', sizeof key);
	h_cmd_ok(c, "SET %b old PX %lld", key, sizeof key, TTL_MS);
	h_key_path(mnt(dir, "db0"), c, key, sizeof key, path, sizeof path);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open the shortened name: %s", strerror(errno));
	write_all(fd, "the shortened name", "new value", 9);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	r = h_cmd(c, "GET %b", key, sizeof key);
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 9 &&
			      !memcmp(r->str, "new value", 9),
		      "the long key does not hold what was written through its shortened name");
	freeReplyObject(r);
	ck_assert_msg(truncate(path, 3) == 0, "truncate the shortened name: %s", strerror(errno));
	ck_assert_int_eq(h_cmd_int(c, "STRLEN %b", key, sizeof key), 3);
	ck_assert_int_ge(h_cmd_int(c, "PTTL %b", key, sizeof key), TTL_MS - ttl_slack_ms());

	/* renamed over: the long key is replaced */
	h_cmd_ok(c, "SET short-src replacement");
	ck_assert_msg(rename(mnt(from, "db0/short-src"), path) == 0,
		      "rename onto the shortened name: %s", strerror(errno));
	r = h_cmd(c, "GET %b", key, sizeof key);
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == 11 &&
			      !memcmp(r->str, "replacement", 11),
		      "rename did not replace the long key");
	freeReplyObject(r);
	assert_gone(c, "short-src");

	/* a shortened name says no key to make: creating one is EINVAL */
	h_key_name(key, sizeof key, name, &hashed);
	ck_assert(hashed);
	name[strlen(name) - 1] = '\0';
	snprintf(fake, sizeof fake, "%s/%s~0123456789abcdef", dir, name);
	ASSERT_FAILS_WITH(open(fake, O_WRONLY | O_CREAT, 0644), EINVAL,
			  "create of a made-up shortened name");
	redisFree(c);
}
END_TEST

/* 256 byte values three times over, then runs of NULs. */
static size_t binary_bytes(char *out, bool reversed)
{
	size_t n = 0;

	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 256; i++)
			out[n++] = (char) (reversed ? 255 - i : i);
	memset(out + n, 0, 100);
	return n + 100;
}

START_TEST(test_all_256_byte_values_and_nuls_are_written_exactly)
{
	char path[MNT_PATH_LEN], buf[1024], *got;
	redisContext *c = h_redis_connect(server, 0);
	size_t n = binary_bytes(buf, false), glen;

	ck_assert_int_eq(h_write_file(mnt(path, "db0/binary-new"), buf, n, 0644), 0);
	assert_string(c, "binary-new", buf, n);
	ck_assert_int_eq(h_read_file(path, &got, &glen), 0);
	ck_assert_msg(glen == n && !memcmp(got, buf, n), "db0/binary-new reads back %zu bytes",
		      glen);
	free(got);

	h_cmd_ok(c, "SET binary-old %s PX %lld", "text before", TTL_MS);
	n = binary_bytes(buf, true);
	ck_assert_int_eq(h_write_file(mnt(path, "db0/binary-old"), buf, n, 0644), 0);
	assert_string(c, "binary-old", buf, n);
	assert_ttl_kept(c, "binary-old", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_write_replaces_a_string_and_keeps_its_ttl)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SET kept %s PX %lld", "a longer value than the new one", TTL_MS);
	write_file_ok("db0/kept", O_WRONLY | O_TRUNC, "new", 3);
	assert_string(c, "kept", "new", 3);
	assert_ttl_kept(c, "kept", TTL_MS);

	h_cmd_ok(c, "SET shell-kept old PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "echo replaced > db0/shell-kept"), 0);
	assert_string(c, "shell-kept", "replaced\n", 9);
	assert_ttl_kept(c, "shell-kept", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_o_trunc_empties_a_string_at_open_keeping_its_ttl)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd;

	h_cmd_ok(c, "SET emptied value PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/emptied"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/emptied: %s", strerror(errno));
	assert_string(c, "emptied", "", 0);
	assert_ttl_kept(c, "emptied", TTL_MS);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_type(c, "emptied", "string");
	assert_string(c, "emptied", "", 0);
	assert_ttl_kept(c, "emptied", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_pwrite_inside_and_past_the_end_of_a_string)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd;

	h_cmd_ok(c, "SET patched abcdef PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/patched"), O_WRONLY);
	ck_assert_msg(fd >= 0, "open db0/patched: %s", strerror(errno));
	ck_assert_int_eq(pwrite(fd, "XY", 2, 2), 2);
	ck_assert_int_eq(pwrite(fd, "Z", 1, 9), 1); /* a hole reads as NULs */
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "patched", "abXYef\0\0\0Z", 10);
	assert_ttl_kept(c, "patched", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_append_adds_to_a_string_keeping_its_ttl)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SET appended %s PX %lld", "one\n", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'two\\n' >> db0/appended"), 0);
	assert_string(c, "appended", "one\ntwo\n", 8);
	assert_ttl_kept(c, "appended", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_truncate_command_shrinks_and_extends_keeping_the_ttl)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SET cut 0123456789 PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "truncate -s 4 db0/cut"), 0);
	assert_string(c, "cut", "0123", 4);
	assert_ttl_kept(c, "cut", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "truncate -s 7 db0/cut"), 0);
	assert_string(c, "cut", "0123\0\0\0", 7);
	assert_ttl_kept(c, "cut", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "truncate -s 0 db0/cut"), 0);
	assert_type(c, "cut", "string"); /* an empty string is still a key */
	assert_string(c, "cut", "", 0);
	assert_ttl_kept(c, "cut", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_truncate_syscall_on_a_string)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SET cut-sys abcdef PX %lld", TTL_MS);
	ck_assert_msg(truncate(mnt(path, "db0/cut-sys"), 3) == 0, "truncate: %s", strerror(errno));
	assert_string(c, "cut-sys", "abc", 3);
	assert_ttl_kept(c, "cut-sys", TTL_MS);
	ck_assert_msg(truncate(path, 5) == 0, "truncate: %s", strerror(errno));
	assert_string(c, "cut-sys", "abc\0\0", 5);
	redisFree(c);
}
END_TEST

START_TEST(test_ftruncate_on_an_open_handle_then_write)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd;

	h_cmd_ok(c, "SET cut-fd 0123456789 PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/cut-fd"), O_RDWR);
	ck_assert_msg(fd >= 0, "open db0/cut-fd: %s", strerror(errno));
	ck_assert_msg(ftruncate(fd, 4) == 0, "ftruncate: %s", strerror(errno));
	ck_assert_int_eq(pwrite(fd, "xy", 2, 6), 2);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "cut-fd", "0123\0\0xy", 8);
	assert_ttl_kept(c, "cut-fd", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_fsync_writes_before_close)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd;

	h_cmd_ok(c, "SET synced old PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/synced"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/synced: %s", strerror(errno));
	write_all(fd, "db0/synced", "on disk", 7);
	ck_assert_msg(fsync(fd) == 0, "fsync: %s", strerror(errno));
	assert_string(c, "synced", "on disk", 7);
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_string(c, "synced", "on disk", 7);
	assert_ttl_kept(c, "synced", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_touch_of_existing_keys_changes_nothing)
{
	redisContext *c = h_redis_connect(server, 0);
	struct key_state str, list, hash, zset;

	h_cmd_ok(c, "SET t-str value PX %lld", TTL_MS);
	h_cmd_ok(c, "RPUSH t-list a b c");
	h_cmd_ok(c, "PEXPIRE t-list %lld", TTL_MS);
	h_cmd_ok(c, "HSET t-hash f v");
	h_cmd_ok(c, "ZADD t-zset 1 m");
	str = key_state(c, "t-str");
	list = key_state(c, "t-list");
	hash = key_state(c, "t-hash");
	zset = key_state(c, "t-zset");
	ck_assert_int_eq(h_sh(mount->mnt, "touch db0/t-str db0/t-list db0/t-hash db0/t-zset"), 0);
	assert_untouched(c, "t-str", &str);
	assert_untouched(c, "t-list", &list);
	assert_untouched(c, "t-hash", &hash);
	assert_untouched(c, "t-zset", &zset);
	redisFree(c);
}
END_TEST

START_TEST(test_cp_and_tee_write_exact_bytes)
{
	const char *dir = h_scratch_dir();
	char src[H_PATH_MAX + 16], buf[1024];
	redisContext *c = h_redis_connect(server, 0);
	size_t n = binary_bytes(buf, false);

	snprintf(src, sizeof src, "%s/src", dir);
	ck_assert_int_eq(h_write_file(src, buf, n, 0600), 0);
	h_cmd_ok(c, "SET cp-over old PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "cp %s db0/cp-new", src), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "cp -p %s db0/cp-p", src), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "cp %s db0/cp-over", src), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "tee db0/teed < %s > /dev/null", src), 0);
	assert_string(c, "cp-new", buf, n);
	assert_string(c, "cp-p", buf, n);
	assert_string(c, "cp-over", buf, n);
	assert_ttl_kept(c, "cp-over", TTL_MS);
	assert_string(c, "teed", buf, n);
	redisFree(c);
}
END_TEST

START_TEST(test_chmod_and_chown_succeed_and_change_nothing)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	struct key_state before;
	struct stat st;

	h_cmd_ok(c, "SET perms value PX %lld", TTL_MS);
	before = key_state(c, "perms");
	ck_assert_int_eq(h_sh(mount->mnt, "chmod 600 db0/perms && chown 0:0 db0/perms"), 0);
	ck_assert_int_eq(stat(mnt(path, "db0/perms"), &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0644, "db0/perms has mode 0%o after chmod",
		      st.st_mode & 07777);
	assert_untouched(c, "perms", &before);
	redisFree(c);
}
END_TEST

START_TEST(test_mkdir_gives_eperm)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	long long before = h_cmd_int(c, "DBSIZE");

	ASSERT_FAILS_WITH(mkdir(mnt(path, "db0/newdir"), 0755), EPERM, "mkdir db0/newdir");
	ASSERT_FAILS_WITH(mkdir(mnt(path, "newdb"), 0755), EPERM, "mkdir newdb");
	ck_assert_int_ne(h_sh(mount->mnt, "mkdir db0/other 2>/dev/null"), 0);
	ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), before);
	redisFree(c);
}
END_TEST

/* Reproducible bytes that are not text. */
static void fill_random(char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	for (size_t i = n & ~(size_t) 7; i < n; i++)
		p[i] = (char) i;
}

/* SPEC 5's 100 MiB; a slow setup (valgrind) divides the workload, as the harness asks. */
static size_t big_size(void)
{
	size_t chunks = (size_t) ((double) (BIG_SIZE / BIG_CHUNK) / h_time_scale());

	return (chunks ? chunks : 1) * BIG_CHUNK;
}

START_TEST(test_a_100_mib_value_is_written_exactly)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	size_t size = big_size();
	char *big = malloc(size);
	long long pttl, elapsed_ms;
	redisReply *r;
	double set_at;
	int fd;

	ck_assert(big);
	fill_random(big, size, 0xB16B16);
	set_at = h_now();
	h_cmd_ok(c, "SET big small PX %lld", TTL_MS);
	fd = open(mnt(path, "db0/big"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/big: %s", strerror(errno));
	for (size_t off = 0; off < size; off += BIG_CHUNK)
		write_all(fd, "db0/big", big + off, BIG_CHUNK);
	ck_assert_msg(close(fd) == 0, "close of db0/big: %s", strerror(errno));
	ck_assert_int_eq(h_cmd_int(c, "STRLEN big"), (long long) size);
	pttl = pttl_of(c, "big");
	elapsed_ms = (long long) ((h_now() - set_at) * 1000.0);
	ck_assert_msg(pttl > TTL_MS - elapsed_ms - ttl_slack_ms() && pttl <= TTL_MS,
		      "big: PTTL %lld ms %lld ms after a PX of %lld, want the TTL kept", pttl,
		      elapsed_ms, TTL_MS);
	r = h_cmd(c, "GET big");
	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == size,
		      "GET big gave type %d, %zu bytes", r->type, r->len);
	for (size_t off = 0; off < size; off += BIG_CHUNK)
		ck_assert_msg(!memcmp(r->str + off, big + off, BIG_CHUNK),
			      "the MiB at offset %zu differs from what was written", off);
	freeReplyObject(r);
	free(big);
	redisFree(c);
}
END_TEST

/* ---- lists, sets, zsets, hashes ---- */

START_TEST(test_list_text_replaces_the_list_in_order_keeping_its_ttl)
{
	static const char text[] = "zeta\n"
				   "alpha\n"
				   "back\\\\slash\n"
				   "nl\\nand\\ttab\\rcr\n"
				   "\\x00nul\\x01\\x1F\\x7F\n"
				   "\xc3\xa9t\xc3\xa9\xff\n"
				   "\n"
				   "zeta\n"
				   "last line without a newline";
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "RPUSH w-list old1 old2 old3");
	h_cmd_ok(c, "PEXPIRE w-list %lld", TTL_MS);
	write_file_ok("db0/w-list", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-list", "list", B("zeta"), B("alpha"), B("back\\slash"),
			  B("nl\nand\ttab\rcr"), B("\0nul\x01\x1f\x7f"), B("\xc3\xa9t\xc3\xa9\xff"),
			  B(""), B("zeta"), B("last line without a newline"));
	assert_ttl_kept(c, "w-list", TTL_MS);
	assert_file_shows(c, "db0/w-list", "w-list");
	redisFree(c);
}
END_TEST

START_TEST(test_set_text_replaces_the_set_keeping_its_ttl)
{
	static const char text[] = "pear\napple\n\\x00\nbanana\napple\n\xff\xfe\n\\\\\n";
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SADD w-set x y z");
	h_cmd_ok(c, "PEXPIRE w-set %lld", TTL_MS);
	write_file_ok("db0/w-set", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-set", "set", B("\0"), B("\\"), B("apple"), B("banana"), B("pear"),
			  B("\xff\xfe"));
	assert_ttl_kept(c, "w-set", TTL_MS);
	assert_file_shows(c, "db0/w-set", "w-set");
	redisFree(c);
}
END_TEST

START_TEST(test_zset_text_replaces_members_and_scores_keeping_its_ttl)
{
	static const char text[] = "low\t-3\n"
				   "mid\t1.5\n"
				   "tab\\tmember\t2\n"
				   "big\t1e3\n"
				   "top\tinf\n"
				   "bottom\t-inf\n"
				   "\\x00\t0.25";
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "ZADD w-zset 1 old 2 older");
	h_cmd_ok(c, "PEXPIRE w-zset %lld", TTL_MS);
	write_file_ok("db0/w-zset", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-zset", "zset", B("bottom"), B("-inf"), B("low"), B("-3"), B("\0"),
			  B("0.25"), B("mid"), B("1.5"), B("tab\tmember"), B("2"), B("big"),
			  B("1000"), B("top"), B("inf"));
	assert_ttl_kept(c, "w-zset", TTL_MS);
	assert_file_shows(c, "db0/w-zset", "w-zset");
	redisFree(c);
}
END_TEST

START_TEST(test_hash_text_replaces_fields_and_values_keeping_its_ttl)
{
	static const char text[] = "name\tAda\n"
				   "empty\t\n"
				   "\\ttabbed\\nfield\tv\\\\al\n"
				   "bin\t\\x00\\xFF\xfe\n"
				   "\tempty field";
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "HSET w-hash f1 v1 f2 v2");
	h_cmd_ok(c, "PEXPIRE w-hash %lld", TTL_MS);
	write_file_ok("db0/w-hash", O_WRONLY | O_TRUNC, text, sizeof text - 1);
	ASSERT_COLLECTION(c, "w-hash", "hash", B(""), B("empty field"), B("\ttabbed\nfield"),
			  B("v\\al"), B("bin"), B("\0\xff\xfe"), B("empty"), B(""), B("name"),
			  B("Ada"));
	assert_ttl_kept(c, "w-hash", TTL_MS);
	assert_file_shows(c, "db0/w-hash", "w-hash");
	redisFree(c);
}
END_TEST

/* A key set up by `setup` (a Redis command) and text of its type that does not parse. */
struct bad_text {
	const char *key;
	const char *setup;
	struct bytes text;
};

static const struct bad_text bad_texts[] = {
	{"bad-list-escape", "RPUSH bad-list-escape a b", B("ok\nbad\\q\n")},
	{"bad-list-ctl", "RPUSH bad-list-ctl a",
	 B("raw\x01"
	   "ctl\n")},
	{"bad-list-nul", "RPUSH bad-list-nul a", B("raw\0nul\n")},
	{"bad-list-tab", "RPUSH bad-list-tab a", B("a\tb\n")},
	{"bad-set-lone-backslash", "SADD bad-set-lone-backslash a", B("ok\ntrailing\\")},
	{"bad-set-short-hex", "SADD bad-set-short-hex a", B("bad\\x4")},
	{"bad-set-not-hex", "SADD bad-set-not-hex a", B("bad\\xG0\n")},
	{"bad-set-del", "SADD bad-set-del a", B("del\x7f\n")},
	{"bad-zset-no-tab", "ZADD bad-zset-no-tab 1 a", B("member-without-score\n")},
	{"bad-zset-score", "ZADD bad-zset-score 1 a", B("m\tnot-a-number\n")},
	{"bad-zset-empty-score", "ZADD bad-zset-empty-score 1 a", B("m\t\n")},
	{"bad-zset-nan", "ZADD bad-zset-nan 1 a", B("m\tnan\n")},
	{"bad-zset-extra-tab", "ZADD bad-zset-extra-tab 1 a", B("m\t1\textra\n")},
	{"bad-hash-no-tab", "HSET bad-hash-no-tab f v", B("f2\tv2\nfield-only\n")},
	{"bad-hash-extra-tab", "HSET bad-hash-extra-tab f v", B("f\tv\tw\n")},
	{"bad-hash-escape", "HSET bad-hash-escape f v", B("f\tv\\a\n")},
};

/*
 * open(MNT/rel, flags), one write(2) of bad text, close(): SPEC 5 wants
 * EINVAL from the write that brings a complete bad line, else (a last line
 * without '\n') from close(). Returns the errno of the first failure, 0 for none.
 */
static int write_bad_text(const char *rel, int flags, const struct bytes *text)
{
	char path[MNT_PATH_LEN];
	bool whole_line = text->len && text->p[text->len - 1] == '\n';
	int fd = open(mnt(path, rel), flags | O_CLOEXEC, 0644);
	ssize_t n;
	int err = 0;

	ck_assert_msg(fd >= 0, "open %s: %s", rel, strerror(errno));
	n = write(fd, text->p, text->len);
	if (n < 0)
		err = errno;
	ck_assert_msg(whole_line ? n < 0 : n == (ssize_t) text->len,
		      "write of bad text to %s gives %zd (%s)", rel, n, strerror(errno));
	errno = 0;
	if (close(fd) < 0 && !err)
		err = errno;
	return err;
}

START_TEST(test_unparsable_text_fails_close_with_einval_and_leaves_the_key)
{
	const struct bad_text *t = &bad_texts[_i];
	redisContext *c = h_redis_connect(server, 0);
	char rel[128], quoted[160];
	struct key_state before;
	int err;

	h_cmd_ok(c, t->setup);
	h_cmd_ok(c, "PEXPIRE %s %lld", t->key, TTL_MS);
	before = key_state(c, t->key);
	snprintf(rel, sizeof rel, "db0/%s", t->key);
	err = write_bad_text(rel, O_WRONLY | O_TRUNC, &t->text);
	ck_assert_msg(err == EINVAL, "writing bad text to %s gives %s", rel,
		      err == 0 ? "success" : strerror(err));
	assert_untouched(c, t->key, &before);
	snprintf(quoted, sizeof quoted, "db0 '%s'", t->key);
	ck_assert_msg(log_mentions(quoted), "the daemon's log does not name %s", quoted);

	/* the same text written over the existing content, without O_TRUNC */
	before = key_state(c, t->key);
	err = write_bad_text(rel, O_WRONLY, &t->text);
	ck_assert_msg(err == EINVAL, "overwriting %s with bad text gives %s", rel,
		      err == 0 ? "success" : strerror(err));
	assert_untouched(c, t->key, &before);
	redisFree(c);
}
END_TEST

START_TEST(test_shell_write_of_unparsable_text_fails_and_leaves_the_key)
{
	redisContext *c = h_redis_connect(server, 0);
	struct key_state before;

	h_cmd_ok(c, "RPUSH sh-bad a b");
	h_cmd_ok(c, "PEXPIRE sh-bad %lld", TTL_MS);
	before = key_state(c, "sh-bad");
	/* coreutils' printf checks close(2) of its stdout */
	ck_assert_int_ne(h_sh(mount->mnt, "/usr/bin/printf 'bad\\\\q\\n' > db0/sh-bad 2>/dev/null"),
			 0);
	assert_untouched(c, "sh-bad", &before);
	redisFree(c);
}
END_TEST

START_TEST(test_ftruncate_to_zero_and_close_removes_a_collection)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd;

	h_cmd_ok(c, "HSET e-ftruncate f v");
	h_cmd_ok(c, "RPUSH e-command a");
	fd = open(mnt(path, "db0/e-ftruncate"), O_WRONLY);
	ck_assert_msg(fd >= 0, "open db0/e-ftruncate: %s", strerror(errno));
	ck_assert_msg(ftruncate(fd, 0) == 0, "ftruncate: %s", strerror(errno));
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	assert_gone(c, "e-ftruncate");
	/* truncate(1) opens the file and calls ftruncate */
	ck_assert_int_eq(h_sh(mount->mnt, "truncate -s 0 db0/e-command"), 0);
	assert_gone(c, "e-command");
	redisFree(c);
}
END_TEST

START_TEST(test_truncate_syscall_to_zero_removes_a_collection)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int ret, err;

	h_cmd_ok(c, "ZADD e-truncate 1 a");
	h_cmd_ok(c, "PEXPIRE e-truncate %lld", TTL_MS);
	errno = 0;
	ret = truncate(mnt(path, "db0/e-truncate"), 0);
	err = errno;
	assert_gone(c, "e-truncate");
	ck_assert_msg(ret == 0, "truncate(2) to 0 removed the zset but returned %s", strerror(err));
	redisFree(c);
}
END_TEST

START_TEST(test_o_trunc_and_close_without_a_write_removes_a_collection)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	int fd;

	h_cmd_ok(c, "SADD e-open a b");
	h_cmd_ok(c, "RPUSH e-shell a b");
	h_cmd_ok(c, "PEXPIRE e-shell %lld", TTL_MS);
	fd = open(mnt(path, "db0/e-open"), O_WRONLY | O_TRUNC);
	ck_assert_msg(fd >= 0, "open db0/e-open: %s", strerror(errno));
	ck_assert_msg(close(fd) == 0, "close: %s", strerror(errno));
	wait_gone(c, "e-open");
	ck_assert_int_eq(h_sh(mount->mnt, ": > db0/e-shell"), 0);
	wait_gone(c, "e-shell");
	redisFree(c);
}
END_TEST

START_TEST(test_shell_redirect_keeps_type_and_ttl)
{
	redisContext *c = h_redis_connect(server, 0);
	const char *keys[] = {"r-list", "r-set", "r-zset", "r-hash", "r-list-ext"};

	h_cmd_ok(c, "RPUSH r-list a b c");
	h_cmd_ok(c, "SADD r-set a b c");
	h_cmd_ok(c, "ZADD r-zset 1 a 2 b");
	h_cmd_ok(c, "HSET r-hash a 1 b 2");
	h_cmd_ok(c, "RPUSH r-list-ext a b c");
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		h_cmd_ok(c, "PEXPIRE %s %lld", keys[i], TTL_MS);
	/* the shell's builtin printf, and an external command */
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'x\\ny\\n' > db0/r-list"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'y\\nx\\n' > db0/r-set"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "/usr/bin/printf 'm\\t7\\n' > db0/r-zset"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "/usr/bin/printf 'f\\tv\\n' > db0/r-hash"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "echo only > db0/r-list-ext"), 0);
	ASSERT_COLLECTION(c, "r-list", "list", B("x"), B("y"));
	ASSERT_COLLECTION(c, "r-set", "set", B("x"), B("y"));
	ASSERT_COLLECTION(c, "r-zset", "zset", B("m"), B("7"));
	ASSERT_COLLECTION(c, "r-hash", "hash", B("f"), B("v"));
	ASSERT_COLLECTION(c, "r-list-ext", "list", B("only"));
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		assert_ttl_kept(c, keys[i], TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_append_adds_a_member_keeping_ttl)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "RPUSH a-list a b");
	h_cmd_ok(c, "HSET a-hash f1 v1");
	h_cmd_ok(c, "PEXPIRE a-list %lld", TTL_MS);
	h_cmd_ok(c, "PEXPIRE a-hash %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'c\\n' >> db0/a-list"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "printf 'f0\\tv0\\n' >> db0/a-hash"), 0);
	ASSERT_COLLECTION(c, "a-list", "list", B("a"), B("b"), B("c"));
	ASSERT_COLLECTION(c, "a-hash", "hash", B("f0"), B("v0"), B("f1"), B("v1"));
	assert_ttl_kept(c, "a-list", TTL_MS);
	assert_ttl_kept(c, "a-hash", TTL_MS);
	redisFree(c);
}
END_TEST

/* Text of `n` lines `prefix`NUMBER[<TAB>NUMBER] into a malloc'ed buffer; *len gets its length. */
static char *numbered_lines(const char *prefix, size_t n, bool second_column, size_t *len)
{
	char *text = malloc(n * 48 + 1);
	size_t at = 0;

	ck_assert(text);
	for (size_t i = 0; i < n; i++)
		at += (size_t) (second_column ? sprintf(text + at, "%s%05zu\t%zu\n", prefix, i, i)
					      : sprintf(text + at, "%s%05zu\n", prefix, n - 1 - i));
	*len = at;
	return text;
}

START_TEST(test_collections_of_thousands_of_members_are_written_whole_and_in_order)
{
	redisContext *c = h_redis_connect(server, 0);
	size_t len;
	char *text;
	redisReply *r;

	/* the daemon writes in rounds of a thousand: cross two boundaries */
	h_cmd_ok(c, "RPUSH big-list old");
	h_cmd_ok(c, "PEXPIRE big-list %lld", TTL_MS);
	text = numbered_lines("e", LARGE_MEMBERS, false, &len);
	write_file_ok("db0/big-list", O_WRONLY | O_TRUNC, text, len);
	free(text);
	r = h_cmd(c, "LRANGE big-list 0 -1");
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, LARGE_MEMBERS);
	for (size_t i = 0; i < r->elements; i++) {
		char want[16];

		snprintf(want, sizeof want, "e%05zu", (size_t) LARGE_MEMBERS - 1 - i);
		ck_assert_msg(!strcmp(r->element[i]->str, want), "big-list[%zu] is %s, want %s", i,
			      r->element[i]->str, want);
	}
	freeReplyObject(r);
	assert_ttl_kept(c, "big-list", TTL_MS);

	h_cmd_ok(c, "ZADD big-zset 1 old");
	h_cmd_ok(c, "PEXPIRE big-zset %lld", TTL_MS);
	text = numbered_lines("m", LARGE_MEMBERS, true, &len);
	write_file_ok("db0/big-zset", O_WRONLY | O_TRUNC, text, len);
	free(text);
	r = h_cmd(c, "ZRANGE big-zset 0 -1 WITHSCORES");
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	ck_assert_uint_eq(r->elements, 2 * LARGE_MEMBERS);
	for (size_t i = 0; i < LARGE_MEMBERS; i++) {
		char member[16], score[16];

		snprintf(member, sizeof member, "m%05zu", i);
		snprintf(score, sizeof score, "%zu", i);
		ck_assert_msg(!strcmp(r->element[2 * i]->str, member) &&
				      !strcmp(r->element[2 * i + 1]->str, score),
			      "big-zset rank %zu is %s %s, want %s %s", i, r->element[2 * i]->str,
			      r->element[2 * i + 1]->str, member, score);
	}
	freeReplyObject(r);
	assert_ttl_kept(c, "big-zset", TTL_MS);

	h_cmd_ok(c, "HSET big-hash old old");
	text = numbered_lines("f", LARGE_MEMBERS, true, &len);
	write_file_ok("db0/big-hash", O_WRONLY | O_TRUNC, text, len);
	free(text);
	ck_assert_int_eq(h_cmd_int(c, "HLEN big-hash"), LARGE_MEMBERS);
	for (size_t i = 0; i < LARGE_MEMBERS; i += 97) {
		char field[16], value[16];

		snprintf(field, sizeof field, "f%05zu", i);
		snprintf(value, sizeof value, "%zu", i);
		r = h_cmd(c, "HGET big-hash %s", field);
		ck_assert_msg(r->type == REDIS_REPLY_STRING && !strcmp(r->str, value),
			      "big-hash %s is not %s", field, value);
		freeReplyObject(r);
	}
	ck_assert_int_eq(h_cmd_int(c, "HEXISTS big-hash old"), 0);
	assert_no_ttl(c, "big-hash");
	redisFree(c);
}
END_TEST

START_TEST(test_stream_cannot_be_opened_for_writing)
{
	char path[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
	struct key_state before;
	struct stat st;

	h_cmd_ok(c, "XADD events 1-0 type login");
	before = key_state(c, "events");
	mnt(path, "db0/events");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0444, "a stream has mode 0%o, want 0444",
		      st.st_mode & 07777);
	ASSERT_FAILS_WITH(open(path, O_WRONLY), EACCES, "open stream O_WRONLY");
	ASSERT_FAILS_WITH(open(path, O_RDWR), EACCES, "open stream O_RDWR");
	ASSERT_FAILS_WITH(open(path, O_WRONLY | O_TRUNC), EACCES, "open stream O_TRUNC");
	ASSERT_FAILS_WITH(open(path, O_WRONLY | O_APPEND), EACCES, "open stream O_APPEND");
	ASSERT_FAILS_WITH(truncate(path, 0), EACCES, "truncate stream");
	ck_assert_int_ne(h_sh(mount->mnt, "echo x > db0/events 2>/dev/null"), 0);
	assert_untouched(c, "events", &before);
	redisFree(c);
}
END_TEST

/* ---- rename ---- */

START_TEST(test_mv_within_a_database_renames_keeping_type_value_and_ttl)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "RPUSH mv-src a b c");
	h_cmd_ok(c, "PEXPIRE mv-src %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/mv-src db0/mv-dst"), 0);
	assert_gone(c, "mv-src");
	ASSERT_COLLECTION(c, "mv-dst", "list", B("a"), B("b"), B("c"));
	assert_ttl_kept(c, "mv-dst", TTL_MS);
	redisFree(c);
}
END_TEST

START_TEST(test_rename_over_an_existing_key_replaces_it)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);

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
	redisContext *c = h_redis_connect(server, 0);
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
	redisContext *c = h_redis_connect(server, 0);
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
	redisContext *c = h_redis_connect(server, 0);

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
	redisContext *c0 = h_redis_connect(server, 0), *c1 = h_redis_connect(server, 1);

	h_cmd_ok(c0, "ZADD mvdb 1 a 2.5 b");
	h_cmd_ok(c0, "PEXPIRE mvdb %lld", TTL_MS);
	h_cmd_ok(c1, "SET mvdb %s", "the old one in db1");
	h_cmd_ok(c0, "SET mvdb-fresh fresh PX %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/mvdb db1/mvdb"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/mvdb-fresh db1/mvdb-fresh"), 0);
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
	redisContext *c0 = h_redis_connect(server, 0), *c1 = h_redis_connect(server, 1);

	h_cmd_ok(c0, "HSET mvnew f1 v1 f2 v2");
	h_cmd_ok(c0, "PEXPIRE mvnew %lld", TTL_MS);
	h_cmd_ok(c1, "SET mvnew-moved %s", "replaced");
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/mvnew db1/mvnew-moved"), 0);
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
	redisContext *c0 = h_redis_connect(server, 0), *c1 = h_redis_connect(server, 1);
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
	redisContext *c = h_redis_connect(server, 0);

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
	redisContext *c0 = h_redis_connect(server, 0), *c1 = h_redis_connect(server, 1);

	h_cmd_ok(c0, "SET xdb-text %s", "p\nq\n");
	h_cmd_ok(c1, "RPUSH xdb-list a");
	h_cmd_ok(c1, "PEXPIRE xdb-list %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "mv db0/xdb-text db1/xdb-list"), 0);
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
	redisContext *c = h_redis_connect(server, 0);
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
	ck_assert_int_ne(h_sh(mount->mnt, "mv db0/bt-zset-text db0/bt-zset 2>/dev/null"), 0);
	ck_assert(exists(c, "bt-zset-text"));
	ASSERT_COLLECTION(c, "bt-zset", "zset", B("a"), B("1"));
	redisFree(c);
}
END_TEST

START_TEST(test_rename_of_a_missing_key_gives_enoent)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);

	ASSERT_FAILS_WITH(rename(mnt(from, "db0/no-such-key"), mnt(to, "db0/anything")), ENOENT,
			  "rename of a missing key");
	assert_gone(c, "anything");
	redisFree(c);
}
END_TEST

START_TEST(test_rename_to_a_non_canonical_name_gives_einval)
{
	char from[MNT_PATH_LEN], to[MNT_PATH_LEN];
	redisContext *c = h_redis_connect(server, 0);
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
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "RPUSH s-list a b c %s d", "tab\there");
	h_cmd_ok(c, "PEXPIRE s-list %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i 's/^b$/B/' db0/s-list"), 0);
	ASSERT_COLLECTION(c, "s-list", "list", B("a"), B("B"), B("c"), B("tab\there"), B("d"));
	assert_ttl_kept(c, "s-list", TTL_MS);
	assert_no_sed_leftovers(c);
	assert_file_shows(c, "db0/s-list", "s-list");
	redisFree(c);
}
END_TEST

START_TEST(test_sed_i_on_a_zset_keeps_type_ttl_and_other_members)
{
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "ZADD s-zset 1 one 2 two 3 three");
	h_cmd_ok(c, "PEXPIRE s-zset %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i 's/^two\\t2$/two\\t20/' db0/s-zset"), 0);
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
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "HSET s-hash f1 v1 f2 v2 f3 %s", "v\n3");
	h_cmd_ok(c, "PEXPIRE s-hash %lld", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i '/^f2\\t/d; s/^f1\\tv1$/f1\\tV1/' db0/s-hash"),
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
	redisContext *c = h_redis_connect(server, 0);

	h_cmd_ok(c, "SADD s-set a b c");
	h_cmd_ok(c, "PEXPIRE s-set %lld", TTL_MS);
	h_cmd_ok(c, "SET s-str %s PX %lld", "hello world", TTL_MS);
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i 's/^a$/z/' db0/s-set"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i 's/world/there/' db0/s-str"), 0);
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
	redisContext *c1 = h_redis_connect(server, 1), *c0 = h_redis_connect(server, 0);

	h_cmd_ok(c1, "HSET user/1 name ada role admin");
	h_cmd_ok(c1, "PEXPIRE user/1 %lld", TTL_MS);
	h_cmd_ok(c1, "RPUSH %s x y", "100%");
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i 's/^role\tadmin$/role\tuser/' db1/user%%2F1"), 0);
	ck_assert_int_eq(h_sh(mount->mnt, "sed -i 's/^y$/z/' db1/100%%25"), 0);
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
	redisContext *c = h_redis_connect(server, 0);
	struct key_state before;

	h_cmd_ok(c, "ZADD s-bad 1 one 2 two");
	h_cmd_ok(c, "PEXPIRE s-bad %lld", TTL_MS);
	before = key_state(c, "s-bad");
	ck_assert_int_ne(h_sh(mount->mnt, "sed -i 's/\\t2$/\\tNaN-ish/' db0/s-bad 2>/dev/null"), 0);
	assert_untouched(c, "s-bad", &before);
	redisFree(c);
}
END_TEST

/* ---- -o ro ---- */

static void setup_read_only(void)
{
	struct h_mount_spec spec = {.options = "ro"};
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
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
	ro_snapshot = h_redis_snapshot(server, 2, &ro_snapshot_len);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "CONFIG RESETSTAT");
	redisFree(c);
	mount = h_mount_start(server, &spec);
}

static void assert_redis_unchanged(void)
{
	size_t len;
	char *now = h_redis_snapshot(server, 2, &len);

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
	ck_assert_int_ne(h_sh(mount->mnt, "touch db0/brand-new 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "echo new > db0/str 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "printf 'x\\n' > db0/list 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "printf 'x\\n' >> db0/hash 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, ": > db0/set 2>/dev/null"), 0);
	ck_assert_int_eq(h_sh(dir, "echo data > src"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "cp %s/src db0/copied 2>/dev/null", dir), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "echo x | tee db0/str >/dev/null 2>&1"), 0);
	assert_redis_unchanged();
}
END_TEST

START_TEST(test_ro_truncate_gives_erofs)
{
	char path[MNT_PATH_LEN];

	ASSERT_EROFS(truncate(mnt(path, "db0/str"), 0), "truncate db0/str");
	ASSERT_EROFS(truncate(mnt(path, "db0/list"), 0), "truncate db0/list");
	ASSERT_EROFS(truncate(mnt(path, "db0/zset"), 2), "truncate db0/zset");
	ck_assert_int_ne(h_sh(mount->mnt, "truncate -s 1 db0/str 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "truncate -s 0 db0/hash 2>/dev/null"), 0);
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
	ck_assert_int_ne(h_sh(mount->mnt, "mv db0/hash db0/hash2 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "mv db0/zset db1/ 2>/dev/null"), 0);
	ck_assert_int_ne(h_sh(mount->mnt, "sed -i 's/a/b/' db0/list 2>/dev/null"), 0);
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
	redisContext *c = h_redis_connect(server, 0);

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

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	for (size_t i = 0; i < PROP_KEYS; i++)
		make_random_key(c, &state, i);
	redisFree(c);
	mount = h_mount_start(server, NULL);
}

START_TEST(test_writing_back_what_was_read_leaves_every_key_identical)
{
	redisContext *c = h_redis_connect(server, 0);
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

static Suite *write_suite(void)
{
	Suite *s = suite_create("write");
	TCase *tc;

	tc = tcase_create("strings");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_touch_creates_an_empty_string);
	tcase_add_test(tc, test_redirect_creates_a_string_holding_exactly_the_output);
	tcase_add_test(tc, test_create_makes_an_empty_string_and_close_writes_the_bytes);
	tcase_add_test(tc, test_create_in_another_database_writes_only_there);
	tcase_add_test(tc, test_create_of_an_encoded_name_makes_its_key);
	tcase_add_test(tc, test_create_of_a_non_canonical_name_gives_einval);
	tcase_add_test(tc, test_write_truncate_and_rename_through_a_shortened_name);
	tcase_add_test(tc, test_all_256_byte_values_and_nuls_are_written_exactly);
	tcase_add_test(tc, test_write_replaces_a_string_and_keeps_its_ttl);
	tcase_add_test(tc, test_o_trunc_empties_a_string_at_open_keeping_its_ttl);
	tcase_add_test(tc, test_pwrite_inside_and_past_the_end_of_a_string);
	tcase_add_test(tc, test_append_adds_to_a_string_keeping_its_ttl);
	tcase_add_test(tc, test_truncate_command_shrinks_and_extends_keeping_the_ttl);
	tcase_add_test(tc, test_truncate_syscall_on_a_string);
	tcase_add_test(tc, test_ftruncate_on_an_open_handle_then_write);
	tcase_add_test(tc, test_fsync_writes_before_close);
	tcase_add_test(tc, test_touch_of_existing_keys_changes_nothing);
	tcase_add_test(tc, test_cp_and_tee_write_exact_bytes);
	tcase_add_test(tc, test_chmod_and_chown_succeed_and_change_nothing);
	tcase_add_test(tc, test_mkdir_gives_eperm);
	suite_add_tcase(s, tc);

	tc = tcase_create("big_string");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_set_timeout(tc, 180); /* not a timing assertion: room for a slow machine */
	tcase_add_test(tc, test_a_100_mib_value_is_written_exactly);
	suite_add_tcase(s, tc);

	tc = tcase_create("collections");
	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_list_text_replaces_the_list_in_order_keeping_its_ttl);
	tcase_add_test(tc, test_set_text_replaces_the_set_keeping_its_ttl);
	tcase_add_test(tc, test_zset_text_replaces_members_and_scores_keeping_its_ttl);
	tcase_add_test(tc, test_hash_text_replaces_fields_and_values_keeping_its_ttl);
	tcase_add_loop_test(tc, test_unparsable_text_fails_close_with_einval_and_leaves_the_key, 0,
			    (int) (sizeof bad_texts / sizeof *bad_texts));
	tcase_add_test(tc, test_shell_write_of_unparsable_text_fails_and_leaves_the_key);
	tcase_add_test(tc, test_ftruncate_to_zero_and_close_removes_a_collection);
	tcase_add_test(tc, test_truncate_syscall_to_zero_removes_a_collection);
	tcase_add_test(tc, test_o_trunc_and_close_without_a_write_removes_a_collection);
	tcase_add_test(tc, test_shell_redirect_keeps_type_and_ttl);
	tcase_add_test(tc, test_append_adds_a_member_keeping_ttl);
	tcase_add_test(tc, test_collections_of_thousands_of_members_are_written_whole_and_in_order);
	tcase_add_test(tc, test_stream_cannot_be_opened_for_writing);
	suite_add_tcase(s, tc);

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
	status = run_suite(write_suite(), CK_FORK);
	free(ro_snapshot);
	return status;
}
