/* test_hostile.c - issue 6: malformed RESP, 10,000 random binary keys, 16 concurrent clients. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "faults.h"
#include "harness.h"
#include "run_suite.h"

#define FAKE_TIMEOUT  1.0	  /* -o timeout= of the mounts on the fake server */
#define FAKE_CLIENTS  32	  /* connections the fake server holds at once */
#define FAKE_BUF      65536	  /* bytes of one client's unanswered requests */
#define RANDOM_KEYS   10000	  /* random binary keys (fewer under a slow setup) */
#define RANDOM_MAXLEN 2000	  /* their lengths are 1 .. this for one key in LONG_EVERY ... */
#define RANDOM_SHORT  200	  /* ... and 1 .. this for the others */
#define LONG_EVERY    10	  /* (a shortened name costs the daemon a SCAN to resolve) */
#define RANDOM_SEED   0x5eed1e55u /* fixed: a failure can be run again */
#define WORKERS	      16	  /* concurrent readers and writers */
#define ITERATIONS    150	  /* rounds of each worker (fewer under a slow setup) */
#define VALUE_LEN     1000	  /* every string value written has this length */
#define LIST_LINES    20	  /* every list written has this many lines */
#define ENDLESS_BOUND 60.0	  /* seconds for the calls a walk may make, on a fast fake */

static struct h_redis *redis;
static struct h_mount *mnt;

static void teardown(void)
{
	h_stop_all();
	mnt = NULL;
}

static double bound(double timeout)
{
	return timeout + 1.0 * h_time_scale();
}

static const char *at(const struct h_mount *m, const char *rel)
{
	static char paths[8][H_PATH_MAX];
	static int next;

	return h_path(paths[next++ % 8], H_PATH_MAX, m, rel);
}

/* ---- a fake server: PING is answered, every other command gets `reply` ---- */

struct fake_mode {
	const char *name;
	const char *reply;
	size_t len;
	bool close_after;  /* close the connection once the reply is sent */
	const char *first; /* the first command of each connection gets this, when set */
};

#define MODE(name, reply, close)                                                                   \
	{                                                                                          \
		name, reply, sizeof reply - 1, close, NULL                                         \
	}
static const struct fake_mode modes[] = {
	MODE("garbage", "?what is this\r\n", false),
	MODE("truncated_then_closed", "$100\r\nabc", true),
	MODE("truncated_then_silent", "*2\r\n$1\r\n0\r\n", false),
	MODE("nested_too_deep", "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
	     false),
	MODE("array_of_2g_elements", "*2147483647\r\n", false),
	MODE("array_length_out_of_range", "*99999999999999\r\n", false),
	MODE("bulk_of_2g_then_closed", "$2147483647\r\nabc", true),
	MODE("negative_bulk_length", "$-7\r\n", false),
	MODE("integer_with_junk", ":12x\r\n", false),
	MODE("integer_for_everything", ":42\r\n", false),
	MODE("scan_with_an_integer_key", "*2\r\n$1\r\n0\r\n*1\r\n:7\r\n", false),
	MODE("scan_with_a_word_cursor", "*2\r\n$3\r\nabc\r\n*0\r\n", false),
	MODE("error_for_everything", "-ERR no such thing\r\n", false),
	MODE("closed_without_a_word", "", true),
};
#define MODE_COUNT ((int) (sizeof modes / sizeof modes[0]))

struct fake_client {
	int fd;
	long served; /* commands answered, PING aside */
	size_t len;
	char buf[FAKE_BUF];
};

struct fake_server {
	int listen_fd;
	int port;
	int wake[2]; /* written to stop the thread */
	const struct fake_mode *mode;
	pthread_t thread;
	struct fake_client clients[FAKE_CLIENTS];
};

static struct fake_server *fake;
static struct h_mount *fake_mnt;

/*
 * One "TYPE\r\nNUMBER\r\n" header at *at. Returns 1 (the number in *out, *at
 * past it), 0 when more bytes are needed, -1 when it is not a header.
 */
static int read_header(const char *b, size_t len, size_t *at, char type, long *out)
{
	const char *crlf;
	char *end;

	if (*at >= len)
		return 0;
	if (b[*at] != type)
		return -1;
	crlf = memmem(b + *at, len - *at, "\r\n", 2);
	if (!crlf)
		return len - *at > 32 ? -1 : 0;
	*out = strtol(b + *at + 1, &end, 10);
	if (end != crlf || *out < 0)
		return -1;
	*at = (size_t) (crlf - b) + 2;
	return 1;
}

/* A whole request (an array of bulk strings, as hiredis sends) at the start of `b`? */
static int read_request(const char *b, size_t len, size_t *used, bool *ping)
{
	size_t at = 0;
	long argc, arglen;
	int r;

	*ping = false;
	r = read_header(b, len, &at, '*', &argc);
	if (r <= 0)
		return r;
	for (long i = 0; i < argc; i++) {
		r = read_header(b, len, &at, '$', &arglen);
		if (r <= 0)
			return r;
		if (len - at < (size_t) arglen + 2)
			return 0;
		if (i == 0)
			*ping = arglen == 4 && !strncasecmp(b + at, "PING", 4);
		at += (size_t) arglen + 2;
	}
	*used = at;
	return 1;
}

static void client_close(struct fake_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->served = 0;
}

/* Answer every whole request in the client's buffer. */
static void client_serve(struct fake_server *s, struct fake_client *c)
{
	size_t used = 0;
	bool ping = false;
	int r;

	while (c->fd >= 0 && (r = read_request(c->buf, c->len, &used, &ping)) != 0) {
		const char *reply = ping ? "+PONG\r\n" : s->mode->reply;
		size_t len = ping ? 7 : s->mode->len;

		if (!ping && s->mode->first && c->served++ == 0) {
			reply = s->mode->first;
			len = strlen(reply);
		}

		if (r < 0 || (len && send(c->fd, reply, len, MSG_NOSIGNAL) != (ssize_t) len)) {
			client_close(c);
			return;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (!ping && s->mode->close_after)
			client_close(c);
	}
	if (c->fd >= 0 && c->len == sizeof c->buf)
		client_close(c);
}

static void *fake_serve(void *arg)
{
	struct fake_server *s = arg;

	for (;;) {
		struct pollfd p[2 + FAKE_CLIENTS] = {{.fd = s->wake[0], .events = POLLIN},
						     {.fd = s->listen_fd, .events = POLLIN}};

		for (int i = 0; i < FAKE_CLIENTS; i++)
			p[2 + i] = (struct pollfd){.fd = s->clients[i].fd, .events = POLLIN};
		if (poll(p, 2 + FAKE_CLIENTS, -1) < 0)
			continue;
		if (p[0].revents)
			return NULL;
		if (p[1].revents) {
			int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC), i;

			for (i = 0; fd >= 0 && i < FAKE_CLIENTS && s->clients[i].fd >= 0; i++)
				;
			if (fd >= 0 && i == FAKE_CLIENTS)
				close(fd);
			else if (fd >= 0)
				s->clients[i].fd = fd;
		}
		for (int i = 0; i < FAKE_CLIENTS; i++) {
			struct fake_client *c = &s->clients[i];
			ssize_t n;

			if (c->fd < 0 || !p[2 + i].revents || p[2 + i].fd != c->fd)
				continue;
			n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
			if (n <= 0) {
				client_close(c);
				continue;
			}
			c->len += (size_t) n;
			client_serve(s, c);
		}
	}
}

static struct fake_server *fake_start(const struct fake_mode *mode)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct fake_server *s = calloc(1, sizeof *s);
	socklen_t len = sizeof sin;

	ck_assert_ptr_nonnull(s);
	s->mode = mode;
	for (int i = 0; i < FAKE_CLIENTS; i++)
		s->clients[i].fd = -1;
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s->listen_fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->listen_fd, (struct sockaddr *) &sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(s->listen_fd, (struct sockaddr *) &sin, &len), 0);
	ck_assert_int_eq(listen(s->listen_fd, 64), 0);
	s->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pipe2(s->wake, O_CLOEXEC), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, fake_serve, s), 0);
	return s;
}

static void fake_stop(struct fake_server *s)
{
	if (!s)
		return;
	if (write(s->wake[1], "x", 1) == 1)
		pthread_join(s->thread, NULL);
	for (int i = 0; i < FAKE_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			close(s->clients[i].fd);
	close(s->listen_fd);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s);
}

/* After each mode (CK_NOFORK: run whether or not the test failed). */
static void fake_teardown(void)
{
	h_mount_stop(fake_mnt); /* a daemon that crashed fails the run here */
	fake_mnt = NULL;
	fake_stop(fake);
	fake = NULL;
}

/* Start the fake server in `mode` and mount it (fake, fake_mnt). */
static void mount_fake(const struct fake_mode *mode)
{
	char url[64];

	fake = fake_start(mode);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", fake->port);
	/* databases=1: the start only connects and PINGs, which the fake answers well */
	fake_mnt = h_mount_start(
		NULL, &(struct h_mount_spec){.url = url,
					     .options = "databases=1,timeout=1,cache_timeout=0"});
	fprintf(stderr, "fake server: %s\n", mode->name);
}

START_TEST(test_malformed_replies_give_a_clean_eio)
{
	const struct fake_mode *mode = &modes[_i];

	mount_fake(mode);
	f_assert_fails(F_LS, at(fake_mnt, "db0"), EIO, bound(FAKE_TIMEOUT));
	f_assert_fails(F_STAT, at(fake_mnt, "db0/k"), EIO, bound(FAKE_TIMEOUT));
	f_assert_fails(F_CAT, at(fake_mnt, "db0/k"), EIO, bound(FAKE_TIMEOUT));
	f_assert_fails(F_LS, at(fake_mnt, "db0"), EIO, bound(FAKE_TIMEOUT));
	ck_assert_msg(f_alive(fake_mnt->pid), "%s: the daemon died", mode->name);
	ck_assert_int_eq(f_assert_works(F_LS, fake_mnt->mnt, 5.0 * h_time_scale()).count, 1);
}
END_TEST

/*
 * Malformed replies in the middle of a walk: each connection's first command
 * gets a good SCAN reply that asks for more (the first SCAN, on the thread's
 * connection, so opendir works; and the first on the walk's own connection),
 * every later one a malformed reply, read by the walk's own reader
 * (redis_scan_reply.c). readdir fails with a clean EIO; the daemon lives on.
 */
#define MIDWAY(name, reply)                                                                        \
	{                                                                                          \
		name, reply, sizeof reply - 1, false, "*2\r\n$1\r\n7\r\n*1\r\n$1\r\nk\r\n"         \
	}
static const struct fake_mode midway_modes[] = {
	MIDWAY("midway_integer_key", "*2\r\n$1\r\n0\r\n*1\r\n:7\r\n"),
	MIDWAY("midway_nil_key", "*2\r\n$1\r\n0\r\n*1\r\n$-1\r\n"),
	MIDWAY("midway_word_cursor", "*2\r\n$3\r\nabc\r\n*0\r\n"),
	MIDWAY("midway_empty_cursor", "*2\r\n$0\r\n\r\n*0\r\n"),
	MIDWAY("midway_long_cursor", "*2\r\n$30\r\n123456789012345678901234567890\r\n*0\r\n"),
	MIDWAY("midway_array_cursor", "*2\r\n*1\r\n$1\r\n0\r\n*0\r\n"),
	MIDWAY("midway_keys_not_an_array", "*2\r\n$1\r\n0\r\n$1\r\nk\r\n"),
	MIDWAY("midway_nested_keys", "*2\r\n$1\r\n0\r\n*1\r\n*1\r\n$1\r\nk\r\n"),
	MIDWAY("midway_three_parts", "*3\r\n$1\r\n0\r\n*0\r\n*0\r\n"),
	MIDWAY("midway_one_part", "*1\r\n$1\r\n0\r\n"),
	MIDWAY("midway_empty_array", "*0\r\n"),
	MIDWAY("midway_nil_array", "*-1\r\n"),
	MIDWAY("midway_integer", ":0\r\n"),
	MIDWAY("midway_status", "+OK\r\n"),
	MIDWAY("midway_error", "-ERR no such thing\r\n"),
	MIDWAY("midway_garbage", "?what is this\r\n"),
	MIDWAY("midway_array_of_2g_keys", "*2\r\n$1\r\n0\r\n*2147483647\r\n"),
};
#define MIDWAY_COUNT ((int) (sizeof midway_modes / sizeof midway_modes[0]))

START_TEST(test_malformed_replies_midway_through_a_walk_give_a_clean_eio)
{
	const struct fake_mode *mode = &midway_modes[_i];

	mount_fake(mode);
	f_assert_fails(F_LS, at(fake_mnt, "db0"), EIO, bound(FAKE_TIMEOUT));
	f_assert_fails(F_LS, at(fake_mnt, "db0"), EIO, bound(FAKE_TIMEOUT));
	ck_assert_msg(f_alive(fake_mnt->pid), "%s: the daemon died", mode->name);
	ck_assert_int_eq(f_assert_works(F_LS, fake_mnt->mnt, 5.0 * h_time_scale()).count, 1);
}
END_TEST

/*
 * A server whose SCAN cursor never comes back to 0 (every reply is "cursor 1,
 * no keys"): the listing gives up with EIO instead of walking for ever. The
 * bound is generous: a walk may make many calls (a huge database needs them),
 * each a fast round trip to the fake.
 */
static const struct fake_mode endless_scan = MODE("endless_scan", "*2\r\n$1\r\n1\r\n*0\r\n", false);

START_TEST(test_a_scan_that_never_ends_gives_eio)
{
	char url[64];

	fake = fake_start(&endless_scan);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", fake->port);
	fake_mnt = h_mount_start(
		NULL, &(struct h_mount_spec){.url = url,
					     .options = "databases=1,timeout=1,cache_timeout=0"});
	f_assert_fails(F_LS, at(fake_mnt, "db0"), EIO, ENDLESS_BOUND * h_time_scale());
	ck_assert_msg(f_alive(fake_mnt->pid), "the daemon died");
	ck_assert_int_eq(f_assert_works(F_LS, fake_mnt->mnt, 5.0 * h_time_scale()).count, 1);
}
END_TEST

/* ---- 10,000 random binary keys ---- */

struct random_key {
	char *key;
	size_t klen;
	char *value;
	size_t vlen;
	char name[256];
};

static uint64_t rng_state;

static uint64_t rng(void) /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static char *random_bytes(size_t len)
{
	char *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (char) (rng() >> 56);
	return p;
}

static int key_cmp(const void *a, const void *b)
{
	const struct random_key *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);

	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct random_key *) a)->name, ((const struct random_key *) b)->name);
}

/* A key length: 1 .. RANDOM_MAXLEN bytes for one key in LONG_EVERY, else 1 .. RANDOM_SHORT. */
static size_t random_length(void)
{
	return 1 + rng() % (rng() % LONG_EVERY ? RANDOM_SHORT : RANDOM_MAXLEN);
}

/* `n` distinct random keys, each with a random value. */
static struct random_key *random_keys(size_t n)
{
	struct random_key *k = calloc(n, sizeof *k);
	bool again = true;

	ck_assert_ptr_nonnull(k);
	rng_state = RANDOM_SEED;
	for (size_t i = 0; i < n; i++) {
		k[i].klen = random_length();
		k[i].key = random_bytes(k[i].klen);
		k[i].vlen = rng() % 512;
		k[i].value = random_bytes(k[i].vlen);
	}
	while (again) { /* short keys collide: draw those again */
		again = false;
		qsort(k, n, sizeof *k, key_cmp);
		for (size_t i = 1; i < n; i++) {
			if (key_cmp(&k[i - 1], &k[i]))
				continue;
			free(k[i].key);
			k[i].klen = random_length();
			k[i].key = random_bytes(k[i].klen);
			again = true;
		}
	}
	return k;
}

/*
 * SPEC 3's name, the shortened ones completed with the README's 64-bit FNV-1a
 * of the key. Returns whether the name is a shortened one.
 */
static bool expected_name(struct random_key *k)
{
	bool hashed;
	size_t n = h_key_name(k->key, k->klen, k->name, &hashed);

	if (hashed)
		snprintf(k->name + n, sizeof k->name - n, "%016" PRIx64,
			 f_fnv(F_FNV_INIT, k->key, k->klen));
	return hashed;
}

static void setup_plain(void)
{
	redis = h_redis_start(NULL);
	mnt = h_mount_start(redis, &(struct h_mount_spec){.options = "cache_timeout=0"});
}

/* Pipelined EXISTS of every key: assert that exactly those of the other parity are left. */
static void assert_exist(redisContext *c, const struct random_key *k, size_t n, size_t removed)
{
	for (size_t i = 0; i < n; i++)
		redisAppendCommand(c, "EXISTS %b", k[i].key, k[i].klen);
	for (size_t i = 0; i < n; i++) {
		redisReply *reply = NULL;
		long long want = i % 2 != removed;

		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		ck_assert_msg(reply->integer == want, "key %zu (%zu bytes): EXISTS %lld, want %lld",
			      i, k[i].klen, reply->integer, want);
		freeReplyObject(reply);
	}
}

static void remove_files(const struct random_key *k, size_t n, size_t parity)
{
	char path[H_PATH_MAX + 300];

	for (size_t i = parity; i < n; i += 2) {
		snprintf(path, sizeof path, "%s/db0/%s", mnt->mnt, k[i].name);
		ck_assert_msg(unlink(path) == 0, "rm %s: %s", k[i].name, strerror(errno));
	}
}

START_TEST(test_random_binary_keys_are_listed_read_and_removed_exactly)
{
	size_t n = (size_t) (RANDOM_KEYS / h_time_scale());
	struct random_key *k = random_keys(n);
	redisContext *c = h_redis_connect(redis, 0);
	char path[H_PATH_MAX + 300];
	struct h_names names;

	size_t shortened = 0;

	for (size_t i = 0; i < n; i++) {
		redisAppendCommand(c, "SET %b %b", k[i].key, k[i].klen, k[i].value, k[i].vlen);
		shortened += expected_name(&k[i]);
	}
	ck_assert_msg(shortened > n / 20, "only %zu of %zu names are shortened", shortened, n);
	for (size_t i = 0; i < n; i++) {
		redisReply *reply = NULL;

		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		freeReplyObject(reply);
	}
	qsort(k, n, sizeof *k, name_cmp);

	/* each listed once, under its own name */
	ck_assert_int_eq(h_list(at(mnt, "db0"), &names), 0);
	ck_assert_uint_eq(names.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!strcmp(names.v[i], k[i].name), "entry %zu is '%s', expected '%s'", i,
			      names.v[i], k[i].name);
	h_names_free(&names);

	/* each read back exactly */
	for (size_t i = 0; i < n; i++) {
		char *data;
		size_t len;

		snprintf(path, sizeof path, "%s/db0/%s", mnt->mnt, k[i].name);
		ck_assert_msg(h_read_file(path, &data, &len) == 0, "cat %s failed", k[i].name);
		ck_assert_msg(len == k[i].vlen && !memcmp(data, k[i].value, len),
			      "%s holds %zu bytes, not its %zu", k[i].name, len, k[i].vlen);
		free(data);
	}

	/* each removed exactly: half, then the rest */
	remove_files(k, n, 0);
	assert_exist(c, k, n, 0);
	remove_files(k, n, 1);
	ck_assert_int_eq(h_cmd_int(c, "DBSIZE"), 0);
	redisFree(c);
	for (size_t i = 0; i < n; i++) {
		free(k[i].key);
		free(k[i].value);
	}
	free(k);
}
END_TEST

/* ---- 16 concurrent readers and writers ---- */

/* The string value of round `round` of worker `w`: its header says whose it is. */
static void make_value(char *out, int w, int round)
{
	int n = snprintf(out, VALUE_LEN, "w=%02d r=%06d|", w, round);

	for (int j = n; j < VALUE_LEN; j++)
		out[j] = (char) ('a' + (w * 31 + round * 7 + j) % 26);
}

/* Whether `got` is one whole value some worker wrote. */
static bool whole_value(const char *got, size_t len)
{
	char want[VALUE_LEN];
	int w, round;

	if (len != VALUE_LEN || sscanf(got, "w=%2d r=%6d|", &w, &round) != 2)
		return false;
	make_value(want, w, round);
	return !memcmp(want, got, VALUE_LEN);
}

/* The list text of round `round` of worker `w`: every line names the same round. */
static size_t make_list(char *out, int w, int round)
{
	size_t n = 0;

	for (int j = 0; j < LIST_LINES; j++)
		n += (size_t) sprintf(out + n, "w=%02d r=%06d j=%02d\n", w, round, j);
	return n;
}

static bool whole_list(const char *got, size_t len)
{
	char want[LIST_LINES * 32];
	int w, round;

	if (sscanf(got, "w=%2d r=%6d", &w, &round) != 2)
		return false;
	return make_list(want, w, round) == len && !memcmp(want, got, len);
}

struct worker_report {
	long reads, writes, errors;
	char first_error[200];
};

struct worker {
	int id;
	int rounds;
	char dir[H_PATH_MAX + 8];
	struct worker_report rep;
};

static void worker_fail(struct worker *wk, const char *what, const char *file)
{
	if (!wk->rep.errors++)
		snprintf(wk->rep.first_error, sizeof wk->rep.first_error, "worker %d: %s %s: %s",
			 wk->id, what, file, errno ? strerror(errno) : "wrong content");
}

/* Replace a file's whole content without O_TRUNC: readers never see it empty. */
static void write_whole(struct worker *wk, const char *file, const char *data, size_t len)
{
	char path[H_PATH_MAX + 48];
	int fd;

	snprintf(path, sizeof path, "%s/%s", wk->dir, file);
	errno = 0;
	fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, data, len, 0) != (ssize_t) len) {
		worker_fail(wk, "write", file);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (close(fd))
		worker_fail(wk, "close", file);
	wk->rep.writes++;
}

static size_t read_whole(struct worker *wk, const char *file, char *buf, size_t room)
{
	char path[H_PATH_MAX + 48];
	size_t len = 0;
	ssize_t got = 0;
	int fd;

	snprintf(path, sizeof path, "%s/%s", wk->dir, file);
	errno = 0;
	fd = open(path, O_RDONLY);
	while (fd >= 0 && len < room && (got = read(fd, buf + len, room - len)) > 0)
		len += (size_t) got;
	if (fd < 0 || got < 0)
		worker_fail(wk, "read", file);
	if (fd >= 0)
		close(fd);
	wk->rep.reads++;
	return len;
}

/*
 * Each round: write and read back its own key (read-your-writes), then write
 * or read the shared string and the shared list (odd workers read, even write).
 */
static void *work(void *arg)
{
	struct worker *wk = arg;
	char own[16], value[VALUE_LEN], got[VALUE_LEN + 64], list[LIST_LINES * 32];
	size_t len;

	snprintf(own, sizeof own, "own:%02d", wk->id);
	for (int round = 1; round <= wk->rounds; round++) {
		make_value(value, wk->id, round);
		write_whole(wk, own, value, VALUE_LEN);
		len = read_whole(wk, own, got, sizeof got);
		errno = 0;
		if (len != VALUE_LEN || memcmp(got, value, VALUE_LEN))
			worker_fail(wk, "read back", own);
		if (wk->id % 2 == 0) {
			write_whole(wk, "hot", value, VALUE_LEN);
			write_whole(wk, "hotlist", list, make_list(list, wk->id, round));
		} else {
			len = read_whole(wk, "hot", got, sizeof got);
			errno = 0;
			if (!whole_value(got, len))
				worker_fail(wk, "torn value in", "hot");
			len = read_whole(wk, "hotlist", list, sizeof list);
			errno = 0;
			if (!whole_list(list, len))
				worker_fail(wk, "torn list in", "hotlist");
		}
	}
	return NULL;
}

/* In a child process, so that a deadlock is a bounded failure: every worker's totals. */
static void run_workers(void *arg, int fd)
{
	struct worker *workers = calloc(WORKERS, sizeof *workers);
	pthread_t threads[WORKERS];
	struct worker_report total = {0};
	int rounds = *(int *) arg;

	for (int w = 0; w < WORKERS; w++) {
		workers[w].id = w;
		workers[w].rounds = rounds;
		snprintf(workers[w].dir, sizeof workers[w].dir, "%s/db0", mnt->mnt);
		if (pthread_create(&threads[w], NULL, work, &workers[w]))
			_exit(3);
	}
	for (int w = 0; w < WORKERS; w++) {
		pthread_join(threads[w], NULL);
		total.reads += workers[w].rep.reads;
		total.writes += workers[w].rep.writes;
		if (workers[w].rep.errors && !total.errors)
			memcpy(total.first_error, workers[w].rep.first_error,
			       sizeof total.first_error);
		total.errors += workers[w].rep.errors;
	}
	if (write(fd, &total, sizeof total) != (ssize_t) sizeof total)
		_exit(2);
	free(workers);
}

static void setup_concurrency(void)
{
	char value[VALUE_LEN], list[LIST_LINES * 32];
	redisContext *c;

	setup_plain();
	c = h_redis_connect(redis, 0);
	make_value(value, 99, 0);
	h_cmd_ok(c, "SET hot %b", value, (size_t) VALUE_LEN);
	for (int w = 0; w < WORKERS; w++)
		h_cmd_ok(c, "SET own:%02d %b", w, value, (size_t) VALUE_LEN);
	make_list(list, 99, 0);
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n"))
		h_cmd_ok(c, "RPUSH hotlist %s", line);
	redisFree(c);
}

START_TEST(test_16_concurrent_readers_and_writers_see_only_whole_values)
{
	int rounds = (int) (ITERATIONS / h_time_scale());
	struct worker_report total;
	double seconds;

	if (rounds < 20)
		rounds = 20;
	/* bounded: a deadlock fails here instead of hanging the suite */
	ck_assert_msg(f_child(run_workers, &rounds, 120 * h_time_scale(), &total, sizeof total,
			      &seconds) == 0,
		      "the workers did not finish within %.0f s: deadlock or crash",
		      120 * h_time_scale());
	fprintf(stderr, "concurrency: %ld reads, %ld writes in %.1f s\n", total.reads, total.writes,
		seconds);
	ck_assert_msg(total.errors == 0, "%ld errors; the first: %s", total.errors,
		      total.first_error);
	ck_assert_int_eq(total.writes, (long) rounds * WORKERS * 2);
	ck_assert_msg(f_alive(mnt->pid), "the daemon died");
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("fake_server");

	h_tcase_add_fixture(tc, NULL, teardown);
	tcase_add_checked_fixture(tc, NULL, fake_teardown);
	tcase_add_loop_test(tc, test_malformed_replies_give_a_clean_eio, 0, MODE_COUNT);
	tcase_add_loop_test(tc, test_malformed_replies_midway_through_a_walk_give_a_clean_eio, 0,
			    MIDWAY_COUNT);
	tcase_add_test(tc, test_a_scan_that_never_ends_gives_eio);
	suite_add_tcase(s, tc);

	tc = tcase_create("random_keys");
	h_tcase_add_fixture(tc, setup_plain, teardown);
	tcase_add_test(tc, test_random_binary_keys_are_listed_read_and_removed_exactly);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	h_tcase_add_fixture(tc, setup_concurrency, teardown);
	tcase_add_test(tc, test_16_concurrent_readers_and_writers_see_only_whole_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	/* mounts and the fake server are started inside the tests: see faults.h */
	return run_suite(hostile_suite(), CK_NOFORK);
}
