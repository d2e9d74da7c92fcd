/* write_fixture.c - the mount, Redis checks and write helpers that the write suites share. */
#include "write_fixture.h"

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

/* clang-format on */

/* ---- helpers: paths, Redis state, assertions ---- */

/* (p, len) as a C-escaped, NUL-terminated string for a failure message; `out` holds SHOW_MAX. */
const char *show(const char *p, size_t len, char *out)
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

long long pttl_of(redisContext *c, const char *key)
{
	return h_cmd_int(c, "PTTL %s", key);
}

bool exists(redisContext *c, const char *key)
{
	return h_cmd_int(c, "EXISTS %s", key) == 1;
}

void assert_type(redisContext *c, const char *key, const char *want)
{
	redisReply *r = h_cmd(c, "TYPE %s", key);

	ck_assert_msg(r->type == REDIS_REPLY_STATUS && !strcmp(r->str, want),
		      "%s has type %s, want %s", key, r->str ? r->str : "?", want);
	freeReplyObject(r);
}

void assert_gone(redisContext *c, const char *key)
{
	ck_assert_msg(!exists(c, key), "%s still exists", key);
}

/* How far a kept TTL may have run down while a test ran: more under valgrind. */
long long ttl_slack_ms(void)
{
	return (long long) ((double) TTL_SLACK_MS * h_time_scale());
}

/* A TTL of `set_ms`, given a moment ago, is still there. */
void assert_ttl_kept(redisContext *c, const char *key, long long set_ms)
{
	long long pttl = pttl_of(c, key);

	ck_assert_msg(pttl > set_ms - ttl_slack_ms() && pttl <= set_ms,
		      "%s: PTTL %lld ms, want the TTL of %lld ms kept", key, pttl, set_ms);
}

void assert_no_ttl(redisContext *c, const char *key)
{
	long long pttl = pttl_of(c, key);

	ck_assert_msg(pttl == -1, "%s: PTTL %lld, want -1 (no TTL)", key, pttl);
}

/* `key` is a string of exactly (want, wlen). */
void assert_string(redisContext *c, const char *key, const void *want, size_t wlen)
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

int compare_replies(const void *x, const void *y)
{
	const redisReply *a = *(redisReply *const *) x, *b = *(redisReply *const *) y;
	int c = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

int compare_pairs(const void *x, const void *y)
{
	const struct reply_pair *a = x, *b = y;

	return compare_replies(&a->first, &b->first);
}

/* Sort the (field, value) pairs of an HGETALL reply bytewise by field, in place. */
void sort_pairs(redisReply *r)
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
redisReply *key_items(redisContext *c, const char *key, const char *type)
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
void assert_collection(redisContext *c, const char *key, const char *type, const struct bytes *want,
		       size_t n)
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

struct key_state key_state(redisContext *c, const char *key)
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
void assert_untouched(redisContext *c, const char *key, struct key_state *before)
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
void write_all(int fd, const char *what, const void *buf, size_t len)
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
int write_then_close(const char *rel, int flags, const void *buf, size_t len, int *close_errno)
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
void write_file_ok(const char *rel, int flags, const void *buf, size_t len)
{
	int err = 0;

	ck_assert_msg(write_then_close(rel, flags, buf, len, &err) == 0, "close of %s: %s", rel,
		      strerror(err));
}

int rename_noreplace(const char *from, const char *to)
{
	return (int) syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/* The file of `key` through the mount holds what SPEC 4 renders from Redis, and stat agrees. */
void assert_file_shows(redisContext *c, const char *rel, const char *key)
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
