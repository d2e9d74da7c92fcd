/* test_exerciser.c - random reads, writes, truncates, appends and copies, checked against a model.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

#define MNT_PATH_LEN  (H_PATH_MAX + 64)
#define EXERCISE_SEED 0xF11E5EEDULL /* printed: a failure replays with it */
#define EXERCISE_OPS  20000	    /* operations in one run: about 3 s */
#define MAX_FILE      8192	    /* the model's files stay this small: the run stays fast */
#define MAX_IO	      700	    /* bytes one read, write or copy moves at most */
#define REOPEN_EVERY  97	    /* on average: close everything, compare with Redis, reopen */
#define FILES	      2

static struct h_redis *server;
static struct h_mount *mount;

/* One file of the model: what the mount must show, and its descriptors. */
struct model_file {
	const char *key;
	char path[MNT_PATH_LEN];
	char bytes[MAX_FILE];
	size_t len;
	int rw;	    /* O_RDWR */
	int append; /* O_WRONLY | O_APPEND */
	int ro;	    /* O_RDONLY, opened before the others wrote */
};

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t below(uint64_t *s, size_t n)
{
	return n ? (size_t) (next_random(s) % n) : 0;
}

static void setup_mount(void)
{
	server = h_redis_start(NULL);
	mount = h_mount_start(server, NULL);
}

static void open_all(struct model_file *f)
{
	f->ro = open(f->path, O_RDONLY);
	f->rw = open(f->path, O_RDWR);
	f->append = open(f->path, O_WRONLY | O_APPEND);
	ck_assert_msg(f->ro >= 0 && f->rw >= 0 && f->append >= 0, "open %s: %s", f->path,
		      strerror(errno));
}

static void close_all(struct model_file *f)
{
	ck_assert_int_eq(close(f->ro), 0);
	ck_assert_int_eq(close(f->append), 0);
	ck_assert_int_eq(close(f->rw), 0);
}

/* The mount shows the model: size by fstat and stat, bytes by every descriptor that reads. */
static void check_file(const struct model_file *f, unsigned long op, const char *what)
{
	static char buf[MAX_FILE + 1];
	struct stat st;
	ssize_t n;

	ck_assert_int_eq(fstat(f->rw, &st), 0);
	ck_assert_msg((size_t) st.st_size == f->len, "op %lu (%s) %s: fstat %lld, model %zu", op,
		      what, f->key, (long long) st.st_size, f->len);
	ck_assert_int_eq(stat(f->path, &st), 0);
	ck_assert_msg((size_t) st.st_size == f->len, "op %lu (%s) %s: stat %lld, model %zu", op,
		      what, f->key, (long long) st.st_size, f->len);
	n = pread(f->ro, buf, sizeof buf, 0);
	ck_assert_msg(n == (ssize_t) f->len && !memcmp(buf, f->bytes, f->len),
		      "op %lu (%s) %s: read %zd bytes unlike the model's %zu", op, what, f->key, n,
		      f->len);
}

/* After every descriptor is closed, Redis holds the model's bytes. */
static void check_redis(redisContext *c, const struct model_file *f, unsigned long op)
{
	redisReply *r = h_cmd(c, "GET %s", f->key);

	ck_assert_msg(r->type == REDIS_REPLY_STRING && r->len == f->len &&
			      !memcmp(r->str, f->bytes, f->len),
		      "op %lu: Redis's %s (%zu bytes) is not the model's %zu bytes", op, f->key,
		      r->type == REDIS_REPLY_STRING ? r->len : 0, f->len);
	freeReplyObject(r);
}

static void fill_random(uint64_t *s, char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char) ('a' + below(s, 26));
}

/* Grow or cut the model to `len`; new bytes are zero, as after truncate(2). */
static void model_resize(struct model_file *f, size_t len)
{
	if (len > f->len)
		memset(f->bytes + f->len, 0, len - f->len);
	f->len = len;
}

static void model_write(struct model_file *f, const char *p, size_t n, size_t off)
{
	if (!n)
		return; /* writing nothing past the end makes no hole */
	if (off + n > f->len)
		model_resize(f, off + n);
	memcpy(f->bytes + off, p, n);
}

/* One random operation on `f` (and `other`, for copies); returns its name. */
static const char *one_op(uint64_t *s, struct model_file *f, struct model_file *other)
{
	static char buf[MAX_IO], got[MAX_IO];
	size_t off, n, room = MAX_FILE - MAX_IO;
	loff_t in_off, out_off;
	ssize_t r;

	switch (below(s, 7)) {
	case 0:
		off = below(s, f->len + 64 < room ? f->len + 64 : room);
		n = below(s, MAX_IO);
		fill_random(s, buf, n);
		ck_assert_int_eq(pwrite(f->rw, buf, n, (off_t) off), (ssize_t) n);
		model_write(f, buf, n, off);
		return "pwrite";
	case 1:
		n = below(s, MAX_IO);
		if (f->len + n > MAX_FILE)
			return "append skipped";
		fill_random(s, buf, n);
		ck_assert_int_eq(write(f->append, buf, n), (ssize_t) n);
		model_write(f, buf, n, f->len);
		return "append";
	case 2:
		n = below(s, MAX_FILE);
		ck_assert_int_eq(ftruncate(f->rw, (off_t) n), 0);
		model_resize(f, n);
		return "ftruncate";
	case 3:
		n = below(s, MAX_FILE);
		ck_assert_int_eq(truncate(f->path, (off_t) n), 0);
		model_resize(f, n);
		return "truncate";
	case 4:
		off = below(s, f->len + 16);
		n = below(s, MAX_IO);
		r = pread(f->ro, got, n, (off_t) off);
		n = off >= f->len ? 0 : (f->len - off < n ? f->len - off : n);
		ck_assert_msg(r == (ssize_t) n && !memcmp(got, f->bytes + off, n),
			      "%s: pread of %zu bytes at %zu gave %zd, the model has %zu", f->key,
			      n, off, r, f->len);
		return "pread";
	case 5:
		in_off = (loff_t) below(s, other->len + 16);
		out_off = (loff_t) below(s, f->len + 64 < room ? f->len + 64 : room);
		n = below(s, MAX_IO);
		r = copy_file_range(other->rw, &in_off, f->rw, &out_off, n, 0);
		in_off -= r > 0 ? r : 0;
		out_off -= r > 0 ? r : 0;
		n = (size_t) in_off >= other->len
			    ? 0
			    : (other->len - (size_t) in_off < n ? other->len - (size_t) in_off : n);
		ck_assert_msg(r == (ssize_t) n, "copy_file_range gave %zd of %zu: %s", r, n,
			      r < 0 ? strerror(errno) : "short");
		model_write(f, other->bytes + in_off, n, (size_t) out_off);
		return "copy_file_range";
	default:
		n = below(s, MAX_IO);
		r = pread(f->rw, got, n, 0);
		ck_assert_int_eq(r, (ssize_t) (f->len < n ? f->len : n));
		return "pread rw";
	}
}

START_TEST(test_random_operations_match_the_model)
{
	redisContext *c = h_redis_connect(server, 0);
	struct model_file files[FILES] = {{.key = "ex-a"}, {.key = "ex-b"}};
	uint64_t state = EXERCISE_SEED;
	unsigned long ops = (unsigned long) (EXERCISE_OPS / h_time_scale());

	printf("exerciser: seed 0x%" PRIx64 ", %lu operations\n", (uint64_t) EXERCISE_SEED, ops);
	fflush(stdout);
	for (int i = 0; i < FILES; i++) {
		h_cmd_ok(c, "SET %s %b", files[i].key, "", (size_t) 0);
		h_path(files[i].path, MNT_PATH_LEN, mount, "db0/");
		strcat(files[i].path, files[i].key);
		open_all(&files[i]);
	}
	for (unsigned long op = 0; op < ops; op++) {
		size_t which = below(&state, FILES);
		struct model_file *f = &files[which], *other = &files[1 - which];
		const char *what = one_op(&state, f, other);

		if (getenv("EXERCISE_TRACE"))
			fprintf(stderr, "op %lu: %s %s -> %zu\n", op, what, f->key, f->len);

		check_file(f, op, what);
		if (below(&state, REOPEN_EVERY) == 0) {
			for (int i = 0; i < FILES; i++)
				close_all(&files[i]);
			for (int i = 0; i < FILES; i++)
				check_redis(c, &files[i], op);
			for (int i = 0; i < FILES; i++)
				open_all(&files[i]);
		}
	}
	for (int i = 0; i < FILES; i++)
		close_all(&files[i]);
	for (int i = 0; i < FILES; i++)
		check_redis(c, &files[i], ops);
	redisFree(c);
}
END_TEST

static Suite *exerciser_suite(void)
{
	Suite *s = suite_create("exerciser");
	TCase *tc = tcase_create("random");

	h_tcase_add_fixture(tc, setup_mount, h_stop_all);
	tcase_add_test(tc, test_random_operations_match_the_model);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(exerciser_suite(), CK_FORK);
}
