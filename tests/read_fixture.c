/* read_fixture.c - the data set and mounts that the read suites share. */
#include "read_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct h_redis *read_server;

struct h_mount *read_mount;

const char *scratch;

/* clang-format on */
const struct named_key named_keys[] = {
	NK("plain", "plain"),
	NK("a/b", "a%2Fb"),
	NK("100%", "100%25"),
	NK("%", "%25"),
	NK("a/", "a%2F"),
	NK("A", "A"),
	NK("a%2F", "a%252F"),
	NK("ctl\x01\x1f\x7f", "ctl%01%1F%7F"),
	NK("nl\nx", "nl%0Ax"),
	NK("tab\tx", "tab%09x"),
	NK("nul\0x", "nul%00x"),
	NK(".", "%2E"),
	NK("..", "%2E%2E"),
	NK("...", "..."),
	NK(".hidden", ".hidden"),
	NK("", "%"),
	NK("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"),
	NK("\xe6\x97\xa5\xe6\x9c\xac/\xe8\xaa\x9e", "\xe6\x97\xa5\xe6\x9c\xac%2F\xe8\xaa\x9e"),
	NK("sp ace", "sp ace"),
	NK("back\\slash", "back\\slash"),
	NK("~tilde~", "~tilde~"),
};
const size_t named_keys_count = sizeof named_keys / sizeof *named_keys;

/* Long key number `which` into `out` (which must hold 300 bytes); returns its length. */
size_t long_key(int which, char *out)
{
	switch (which) {
	case LONG_K300: /* shortened to k*200 ~ hash */
		memset(out, 'k', 300);
		return 300;
	case LONG_K299Z: /* the same shortened prefix as LONG_K300, another hash */
		memset(out, 'k', 299);
		out[299] = 'z';
		return 300;
	case LONG_A199_SLASH: /* the 200th encoded byte falls inside "%2F": cut at 199 */
		memset(out, 'a', 199);
		out[199] = '/';
		memset(out + 200, 'b', 100);
		return 300;
	default: /* 90 slashes: 270 encoded bytes, cut after 66 "%2F" (198 bytes) */
		memset(out, '/', 90);
		return 90;
	}
}

/* The value every DB_NAMES key holds: names its key, so that a mix-up shows. */
int name_value(char *out, size_t len, size_t index)
{
	return snprintf(out, len, "value of key #%zu\n", index);
}

/* Fill a buffer with reproducible bytes that are not text. */
void fill_binary(char *p, size_t n)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (char) (x >> 24);
	}
}

void populate_names(redisContext *c)
{
	char value[64], key[300];
	size_t n = named_keys_count;

	h_cmd_ok(c, "SELECT %d", DB_NAMES);
	for (size_t i = 0; i < n; i++) {
		int vl = name_value(value, sizeof value, i);

		h_cmd_ok(c, "SET %b %b", named_keys[i].key, named_keys[i].len, value, (size_t) vl);
	}
	for (int i = 0; i < LONG_COUNT; i++) {
		size_t kl = long_key(i, key);
		int vl = name_value(value, sizeof value, n + i);

		h_cmd_ok(c, "SET %b %b", key, kl, value, (size_t) vl);
	}
}

void populate_types(redisContext *c)
{
	char bytes[512], *big = malloc(BIG_SIZE);

	ck_assert(big);
	h_cmd_ok(c, "SELECT %d", DB_TYPES);
	for (int i = 0; i < 512; i++)
		bytes[i] = (char) (i & 0xFF);
	h_cmd_ok(c, "SET str %b", bytes, sizeof bytes);
	h_cmd_ok(c, "SET empty %s", "");
	fill_binary(big, BIG_SIZE);
	h_cmd_ok(c, "SET big %b", big, (size_t) BIG_SIZE);
	free(big);
	h_cmd_ok(c, "RPUSH list a b c %s", "");
	h_cmd_ok(c, "SADD set b a \xff B ab %s", "");
	h_cmd_ok(c, "ZADD zset 3 c 1 a 2.5 b -inf m +inf z 1 aa");
	h_cmd_ok(c, "HSET hash z 1 a 2 M 3 \xc3\xa9 4");
	h_cmd_ok(c, "XADD stream 1-1 f v g w");
	h_cmd_ok(c, "XADD stream 2-0 x y");
	h_cmd_ok(c, "RPUSH escapes %s %s %s %s %b %s %b", "back\\slash", "new\nline", "tab\tx",
		 "cr\rx", "ctl\x01\x1f\x7f", (size_t) 6, "utf8 \xc3\xa9", "nul\0x", (size_t) 5);
	h_cmd_ok(c, "HSET escapes_hash %s %s", "f\tx", "v\nx");
	h_cmd_ok(c, "SADD escapes_set %s", "a\\b");
	h_cmd_ok(c, "ZADD escapes_zset 1 %s", "m\tn");
	h_cmd_ok(c, "XADD escapes_stream 1-0 %s %s", "f\n", "v\t");
}

void populate_shell(redisContext *c)
{
	h_cmd_ok(c, "SELECT %d", DB_SHELL);
	h_cmd_ok(c, "SET user:1 %s", "alice\n");
	h_cmd_ok(c, "SET user:2 %s", "bob needle\n");
	h_cmd_ok(c, "RPUSH queue x %s", "needle y");
	h_cmd_ok(c, "SADD tags t1 t2");
	h_cmd_ok(c, "ZADD scores 1 p");
	h_cmd_ok(c, "HSET profile name carol note %s", "has needle");
	h_cmd_ok(c, "XADD events 1-0 type login");
	h_cmd_ok(c, "SET %s odd", "we/ird%name");
	h_cmd_ok(c, "SET \xc3\xbcn\xc3\xaf"
		    "code utf");
}

void populate_many(redisContext *c)
{
	redisReply *reply;

	h_cmd_ok(c, "SELECT %d", DB_MANY);
	for (int i = 0; i < MANY_KEYS; i++)
		ck_assert_int_eq(redisAppendCommand(c, "SET key:%d %d", i, i), REDIS_OK);
	for (int i = 0; i < MANY_KEYS; i++) {
		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		ck_assert_int_ne(reply->type, REDIS_REPLY_ERROR);
		freeReplyObject(reply);
	}
}

void setup_data(void)
{
	redisContext *c;

	read_server = h_redis_start(NULL);
	scratch = h_scratch_dir();
	c = h_redis_connect(read_server, 0);
	populate_names(c);
	populate_types(c);
	populate_shell(c);
	populate_many(c);
	redisFree(c);
	read_mount = h_mount_start(read_server, NULL);
}
