/* xattr_expect.c - a key's five attributes as Redis, getxattr(2) and getfattr see them (tests). */
#include "xattr_expect.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>

#include "harness.h"

const char *const attr_names[A_COUNT] = {
	"user.redis.type",     "user.redis.ttl",    "user.redis.length",
	"user.redis.encoding", "user.redis.memory",
};

void redis_attrs(redisContext *c, const char *key, size_t klen, struct attrs *a)
{
	static const char *const counters[][2] = {
		{"string", "STRLEN"}, {"list", "LLEN"}, {"set", "SCARD"},
		{"zset", "ZCARD"},    {"hash", "HLEN"}, {"stream", "XLEN"},
	};
	redisReply *r = h_cmd(c, "TYPE %b", key, klen);
	const char *counter = NULL;

	memset(a, 0, sizeof *a);
	ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
	snprintf(a->v[A_TYPE], sizeof a->v[A_TYPE], "%s", r->str);
	freeReplyObject(r);
	for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
		if (!strcmp(a->v[A_TYPE], counters[i][0]))
			counter = counters[i][1];
	}
	ck_assert_msg(counter, "no length command for type %s", a->v[A_TYPE]);
	snprintf(a->v[A_TTL], sizeof a->v[A_TTL], "%lld", h_cmd_int(c, "TTL %b", key, klen));
	snprintf(a->v[A_LENGTH], sizeof a->v[A_LENGTH], "%lld",
		 h_cmd_int(c, "%s %b", counter, key, klen));
	r = h_cmd(c, "OBJECT ENCODING %b", key, klen);
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	snprintf(a->v[A_ENCODING], sizeof a->v[A_ENCODING], "%s", r->str);
	freeReplyObject(r);
	snprintf(a->v[A_MEMORY], sizeof a->v[A_MEMORY], "%lld",
		 h_cmd_int(c, "MEMORY USAGE %b", key, klen));
	for (int i = 0; i < A_COUNT; i++)
		a->seen[i] = true;
}

void mount_attrs(const char *path, struct attrs *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < A_COUNT; i++) {
		ssize_t need = getxattr(path, attr_names[i], NULL, 0);
		ssize_t got;

		ck_assert_msg(need > 0 && need < (ssize_t) sizeof a->v[i], "getxattr %s %s: %s",
			      path, attr_names[i], need < 0 ? strerror(errno) : "bad size");
		memset(a->v[i], '#', sizeof a->v[i]);
		got = getxattr(path, attr_names[i], a->v[i], (size_t) need);
		ck_assert_msg(got == need, "getxattr %s %s gave %zd, then %zd", path, attr_names[i],
			      need, got);
		ck_assert_msg(a->v[i][need] == '#', "getxattr wrote past the value's length");
		a->v[i][need] = '\0';
		ck_assert_msg(strlen(a->v[i]) == (size_t) need, "a NUL inside %s", attr_names[i]);
		a->seen[i] = true;
	}
}

void getfattr_attrs(const char *dir, const char *rel, struct attrs *a)
{
	struct h_run res;
	char *save = NULL;

	memset(a, 0, sizeof *a);
	ck_assert_int_eq(h_sh_out(dir, &res, "getfattr -d '%s'", rel), 0);
	for (char *line = strtok_r(res.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		size_t vlen;
		int i;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		ck_assert_msg(eq, "getfattr -d %s: unexpected line '%s'", rel, line);
		*eq = '\0';
		for (i = 0; i < A_COUNT && strcmp(line, attr_names[i]); i++)
			;
		ck_assert_msg(i < A_COUNT, "getfattr -d %s shows %s", rel, line);
		ck_assert_msg(!a->seen[i], "getfattr -d %s shows %s twice", rel, line);
		vlen = strlen(eq + 1);
		ck_assert_msg(vlen >= 2 && eq[1] == '"' && eq[vlen] == '"',
			      "getfattr -d %s: %s is not plain text: %s", rel, line, eq + 1);
		ck_assert_uint_lt(vlen - 2, sizeof a->v[i]);
		memcpy(a->v[i], eq + 2, vlen - 2);
		a->seen[i] = true;
	}
	/* -d shows what listxattr names: type and ttl (SPEC 4); the rest is read by name */
	ck_assert_msg(a->seen[A_TYPE] && a->seen[A_TTL], "getfattr -d %s lacks type or ttl", rel);
	h_run_free(&res);
	for (int i = 0; i < A_COUNT; i++) {
		size_t vlen;
		char *eq;

		if (i == A_TYPE || i == A_TTL)
			continue;
		ck_assert_msg(!a->seen[i], "getfattr -d %s shows %s, which is not listed", rel,
			      attr_names[i]);
		ck_assert_int_eq(h_sh_out(dir, &res, "getfattr -n %s '%s'", attr_names[i], rel), 0);
		eq = strchr(res.out, '=');
		ck_assert_msg(eq, "getfattr -n %s %s: %s", attr_names[i], rel, res.out);
		vlen = strcspn(eq + 1, "\n");
		ck_assert_msg(vlen >= 2 && eq[1] == '"' && eq[vlen] == '"',
			      "getfattr -n %s: not plain text: %s", attr_names[i], eq + 1);
		ck_assert_uint_lt(vlen - 2, sizeof a->v[i]);
		memcpy(a->v[i], eq + 2, vlen - 2);
		a->seen[i] = true;
		h_run_free(&res);
	}
}

void assert_attrs_eq(const struct attrs *got, const struct attrs *want, const char *what)
{
	for (int i = 0; i < A_COUNT; i++) {
		if (i == A_TTL && strcmp(want->v[i], "-1")) {
			long long g = atoll(got->v[i]), w = atoll(want->v[i]);

			ck_assert_msg(g >= w && g <= w + 1, "%s: %s is %s, Redis says %s", what,
				      attr_names[i], got->v[i], want->v[i]);
			continue;
		}
		ck_assert_msg(!strcmp(got->v[i], want->v[i]), "%s: %s is '%s', Redis says '%s'",
			      what, attr_names[i], got->v[i], want->v[i]);
	}
}

void commands_since_reset(redisContext *c, char *out, size_t len)
{
	redisReply *info = h_cmd(c, "INFO commandstats");
	char *save = NULL;
	size_t used = 0;

	ck_assert_int_eq(info->type, REDIS_REPLY_STRING);
	out[used++] = ' ';
	for (char *line = strtok_r(info->str, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "cmdstat_", 8) || !colon)
			continue;
		*colon = '\0';
		/* Redis 7 counts subcommands apart: "config|resetstat" */
		if (!strncmp(line + 8, "config", 6) || !strcmp(line + 8, "info"))
			continue;
		used += (size_t) snprintf(out + used, len - used, "%s ", line + 8);
		ck_assert_uint_lt(used, len);
	}
	out[used] = '\0';
	freeReplyObject(info);
}

long long calls_of(redisContext *c, const char *name)
{
	redisReply *info = h_cmd(c, "INFO commandstats");
	char field[64];
	const char *at;
	long long calls = 0;

	ck_assert_int_eq(info->type, REDIS_REPLY_STRING);
	snprintf(field, sizeof field, "cmdstat_%s:calls=", name);
	at = strstr(info->str, field);
	if (at)
		calls = atoll(at + strlen(field));
	freeReplyObject(info);
	return calls;
}
