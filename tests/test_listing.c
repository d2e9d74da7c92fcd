/* test_listing.c - big listings through a real mount: served while SCAN goes on, never partial. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "harness.h"
#include "run_suite.h"

#define BIG_KEYS     30000  /* many SCAN calls: the listing goes on in a thread of its own */
#define KEPT_KEYS    3000   /* listed while ... */
#define EXTRA_KEYS   100000 /* ... these are removed: the server's table shrinks, SCAN repeats */
#define FROZEN_KEYS  300000 /* enough that a scan is still running when the server stops */
#define FROZEN_LIMIT 1.0    /* -o timeout= of the mount whose server stops mid-listing */

static struct h_redis *server;
static struct h_mount *mount;

/* Keys PREFIX0 .. PREFIX(n-1) in database `db`, a thousand per MSET, in one EVAL. */
static void load_keys(int db, const char *prefix, int n)
{
	redisContext *c = h_redis_connect(server, db);

	h_cmd_ok(c, "EVAL %s 0 %s %d",
		 "for at = 0, tonumber(ARGV[2]) - 1, 1000 do "
		 "  local args = {} "
		 "  for i = at, math.min(at + 999, tonumber(ARGV[2]) - 1) do "
		 "    args[#args + 1] = ARGV[1] .. i; args[#args + 1] = 'v' "
		 "  end "
		 "  redis.call('MSET', unpack(args)) "
		 "end "
		 "return 'OK'",
		 prefix, n);
	redisFree(c);
}

static void setup_big(void)
{
	server = h_redis_start(NULL);
	load_keys(0, "key:", BIG_KEYS);
	mount = h_mount_start(server, NULL);
}

/* Every name of a folder (without . and ..), in readdir's order; asserts that none fails. */
static char **read_names(const char *dir, size_t *count)
{
	size_t n = 0, room = 1024;
	char **names = malloc(room * sizeof *names);
	struct dirent *e;
	DIR *d = opendir(dir);

	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == room)
			names = realloc(names, (room *= 2) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	ck_assert_msg(errno == 0, "readdir %s: %s", dir, strerror(errno));
	closedir(d);
	*count = n;
	return names;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Assert that `names` holds each of PREFIX0 .. PREFIX(n-1) exactly once, and maybe others. */
static void assert_each_once(char **names, size_t count, const char *prefix, int n)
{
	char want[64];
	int found = 0;

	qsort(names, count, sizeof *names, name_cmp);
	for (size_t i = 1; i < count; i++)
		ck_assert_msg(strcmp(names[i - 1], names[i]) != 0, "%s is listed twice", names[i]);
	for (int i = 0; i < n; i++) {
		char *key = want;

		snprintf(want, sizeof want, "%s%d", prefix, i);
		if (bsearch(&key, names, count, sizeof *names, name_cmp))
			found++;
		else
			ck_abort_msg("%s is missing from the listing", want);
	}
	ck_assert_int_eq(found, n);
}

static void free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

START_TEST(test_a_big_database_lists_each_key_exactly_once)
{
	char path[H_PATH_MAX + 32];
	size_t count;
	char **names = read_names(h_path(path, sizeof path, mount, "db0"), &count);

	ck_assert_uint_eq(count, BIG_KEYS);
	assert_each_once(names, count, "key:", BIG_KEYS);
	free_names(names, count);
}
END_TEST

struct remover {
	pthread_t thread;
	atomic_bool started;
};

/* Remove the extra keys a thousand at a time: the server's table shrinks as they go. */
static void *remove_extras(void *arg)
{
	struct remover *r = arg;
	redisContext *c = h_redis_connect(server, 0);

	atomic_store(&r->started, true);
	for (int at = 0; at < EXTRA_KEYS; at += 1000)
		h_cmd_int(c, "EVAL %s 0 %d",
			  "for i = ARGV[1], ARGV[1] + 999 do "
			  "redis.call('UNLINK', 'extra:' .. i) end return 0",
			  at);
	redisFree(c);
	return NULL;
}

static void setup_shrinking(void)
{
	const char *often[] = {"--hz", "500", NULL}; /* the table shrinks soon after the removals */

	server = h_redis_start(often);
	load_keys(0, "key:", KEPT_KEYS);
	load_keys(0, "extra:", EXTRA_KEYS);
	mount = h_mount_start(server, NULL);
}

/*
 * Keys removed while a big folder is listed (the server's table shrinks, and
 * SCAN may then give a key twice): every key that was there all along shows
 * exactly once. Whether SCAN repeats here depends on timing; test_listing_index
 * gives the listing repeats for sure.
 */
START_TEST(test_keys_removed_during_a_listing_never_show_a_key_twice)
{
	char path[H_PATH_MAX + 32];
	struct remover r = {0};
	size_t count;
	char **names;

	h_path(path, sizeof path, mount, "db0");
	for (int round = 0; round < 3; round++) {
		if (round)
			load_keys(0, "extra:", EXTRA_KEYS);
		atomic_store(&r.started, false);
		ck_assert_int_eq(pthread_create(&r.thread, NULL, remove_extras, &r), 0);
		while (!atomic_load(&r.started))
			sched_yield();
		names = read_names(path, &count);
		pthread_join(r.thread, NULL);
		ck_assert_uint_ge(count, KEPT_KEYS);
		assert_each_once(names, count, "key:", KEPT_KEYS);
		free_names(names, count);
	}
}
END_TEST

/* `ls | head` closes a folder before its scan is over: the mount goes on as before. */
START_TEST(test_closing_a_big_folder_early_leaves_the_mount_working)
{
	char path[H_PATH_MAX + 32];
	struct dirent *e;
	size_t count;
	char **names;

	h_path(path, sizeof path, mount, "db0");
	for (int i = 0; i < 5; i++) {
		DIR *d = opendir(path);

		ck_assert_ptr_nonnull(d);
		for (int j = 0; j < 3; j++)
			ck_assert_ptr_nonnull(e = readdir(d));
		closedir(d);
	}
	names = read_names(path, &count);
	ck_assert_uint_eq(count, BIG_KEYS);
	free_names(names, count);
	ck_assert_int_eq(h_sh(mount->mnt, "ls db0 | head -n 2 >/dev/null"), 0);
}
END_TEST

/*
 * A listing older than cache_timeout still picks the keys whose attributes
 * come along with a lookup (rm -r and find look files up long after the
 * readdir): those attributes are fetched when asked, never the listing's age.
 */
static void setup_lookahead(void)
{
	struct h_mount_spec spec = {.options = "cache_timeout=0.2"};
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 3);
	for (int i = 0; i < 200; i++)
		h_cmd_ok(c, "SET lk%03d v", i);
	redisFree(c);
	mount = h_mount_start(server, &spec);
}

START_TEST(test_stat_after_an_aged_listing_gives_what_redis_holds_now)
{
	redisContext *c = h_redis_connect(server, 3);
	struct h_names names;
	char path[H_PATH_MAX + 32];
	struct stat st;

	ck_assert_int_eq(h_list(h_path(path, sizeof path, mount, "db3"), &names), 0);
	ck_assert_uint_eq(names.n, 200);
	h_names_free(&names);
	/* past cache_timeout: neither the kernel nor the daemon may answer from memory */
	nanosleep(&(struct timespec){.tv_nsec = 500000000L}, NULL);
	h_cmd_ok(c, "SET lk001 0123456789");
	h_cmd_ok(c, "DEL lk002");
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db3/lk000"), &st), 0);
	ck_assert_int_eq(st.st_size, 1);
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db3/lk001"), &st), 0);
	ck_assert_int_eq(st.st_size, 10);
	errno = 0;
	ck_assert(stat(h_path(path, sizeof path, mount, "db3/lk002"), &st) == -1 &&
		  errno == ENOENT);
	/* a change after the look-ahead shows once cache_timeout has passed */
	h_cmd_ok(c, "SET lk003 abc");
	nanosleep(&(struct timespec){.tv_nsec = 500000000L}, NULL);
	ck_assert_int_eq(stat(h_path(path, sizeof path, mount, "db3/lk003"), &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	redisFree(c);
}
END_TEST

static void setup_frozen(void)
{
	struct h_mount_spec spec = {.options = "timeout=1"};

	server = h_redis_start(NULL);
	load_keys(0, "key:", FROZEN_KEYS);
	mount = h_mount_start(server, &spec);
}

/* What a child saw of a listing whose server stopped after its first entry. */
struct frozen_result {
	int err;      /* errno of opendir or of the readdir that ended it, 0 at a clean end */
	size_t count; /* entries read, without . and .. */
};

struct frozen_arg {
	const char *dir;
	pid_t server;
};

/* In a child (no check macros): list, stopping the server after the first entry. */
static void list_while_frozen(void *arg, int fd)
{
	const struct frozen_arg *a = arg;
	struct frozen_result res = {0};
	struct dirent *e;
	DIR *d = opendir(a->dir);

	if (!d) {
		res.err = errno;
	} else {
		kill(a->server, SIGSTOP);
		for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				res.count++;
		}
		res.err = errno;
		kill(a->server, SIGCONT);
		closedir(d);
	}
	if (write(fd, &res, sizeof res) != (ssize_t) sizeof res)
		_exit(1);
}

/*
 * The server stops while a big folder is being scanned: readdir ends with
 * EIO within the timeout's bound, never with an end that looks complete.
 */
START_TEST(test_a_scan_that_fails_midway_ends_the_listing_with_eio)
{
	char path[H_PATH_MAX + 32];
	struct frozen_arg a = {h_path(path, sizeof path, mount, "db0"), server->pid};
	struct frozen_result res;
	double bound = (4 * FROZEN_LIMIT + 10) * h_time_scale();

	ck_assert_int_eq(f_child(list_while_frozen, &a, bound, &res, sizeof res, NULL), 0);
	h_redis_freeze(server, false); /* also when the child was killed */
	if (res.err == 0) {
		/* the whole scan was over before the server stopped: then all of it */
		ck_assert_uint_eq(res.count, FROZEN_KEYS);
		fprintf(stderr, "frozen listing: the scan ended before the server stopped\n");
	} else {
		ck_assert_msg(res.err == EIO, "readdir gave %s, want EIO", strerror(res.err));
		ck_assert_uint_lt(res.count, FROZEN_KEYS);
	}
	/* and the mount lists all of it again once the server is back */
	f_wait_works(F_LS, path, 60 * h_time_scale());
}
END_TEST

static Suite *listing_suite(void)
{
	Suite *s = suite_create("listing");
	TCase *tc;

	tc = tcase_create("big");
	h_tcase_add_fixture(tc, setup_big, h_stop_all);
	tcase_add_test(tc, test_a_big_database_lists_each_key_exactly_once);
	tcase_add_test(tc, test_closing_a_big_folder_early_leaves_the_mount_working);
	suite_add_tcase(s, tc);

	tc = tcase_create("shrinking");
	h_tcase_add_fixture(tc, setup_shrinking, h_stop_all);
	tcase_add_test(tc, test_keys_removed_during_a_listing_never_show_a_key_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookahead");
	h_tcase_add_fixture(tc, setup_lookahead, h_stop_all);
	tcase_add_test(tc, test_stat_after_an_aged_listing_gives_what_redis_holds_now);
	suite_add_tcase(s, tc);

	tc = tcase_create("frozen");
	h_tcase_add_fixture(tc, setup_frozen, h_stop_all);
	tcase_add_test(tc, test_a_scan_that_fails_midway_ends_the_listing_with_eio);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	/* f_child forks; h_stop_all runs here */
	return run_suite(listing_suite(), CK_NOFORK);
}
