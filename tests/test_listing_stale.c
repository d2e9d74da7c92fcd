/* test_listing_stale.c - keys changed between two getdents of ls -l show as Redis has them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

/*
 * Keys k:0 .. k:(KEYS-1), more than two readdirplus batches (256 keys each).
 * A getdents of 32 KiB is one READDIRPLUS of about 200 entries; after it the
 * daemon holds the rest of that batch and fetches the next one ahead. Every
 * key that first getdents did not hand out is then changed (half removed,
 * half given another size), and the listing goes on: what readdirplus hands
 * the kernel after that must be what Redis holds, not what was fetched before
 * the change.
 */
#define KEYS	      600
#define GETDENTS_SIZE (32 * 1024)

static struct h_redis *server;
static struct h_mount *mount;

static void start(const char *options)
{
	redisContext *c;

	server = h_redis_start(NULL);
	c = h_redis_connect(server, 0);
	h_cmd_ok(c, "EVAL %s 0 %d",
		 "for i = 0, tonumber(ARGV[1]) - 1 do "
		 "  redis.call('SET', 'k:' .. i, string.rep('x', i % 97 + 1)) "
		 "end "
		 "return 'OK'",
		 KEYS);
	redisFree(c);
	mount = h_mount_start(server, &(struct h_mount_spec){.options = options});
}

/* A cache_timeout long enough that only a change made through the mount can drop a batch. */
static void setup_long(void)
{
	start("timeout=30");
}

/* A cache_timeout of 1 s: a batch fetched longer ago is not handed out. */
static void setup_short(void)
{
	start("timeout=1");
}

/* One getdents of GETDENTS_SIZE on fd: marks the keys it handed out in `seen`; their count. */
static int read_some(int fd, char *seen)
{
	char *buf = malloc(GETDENTS_SIZE);
	int count = 0;
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	n = getdents64(fd, buf, GETDENTS_SIZE);
	ck_assert_msg(n >= 0, "getdents64: %s", strerror(errno));
	for (ssize_t at = 0; at < n;) {
		struct dirent64 *d = (struct dirent64 *) (buf + at);
		int i;

		if (sscanf(d->d_name, "k:%d", &i) == 1 && i >= 0 && i < KEYS) {
			seen[i] = 1;
			count++;
		}
		at += d->d_reclen;
	}
	free(buf);
	return count;
}

/* Path of key k:i on the mount. */
static void key_path(char *out, size_t len, int i)
{
	char name[32];

	snprintf(name, sizeof name, "db0/k:%d", i);
	h_path(out, len, mount, name);
}

/*
 * stat of every key through the mount against Redis: a removed key is ENOENT,
 * every other one has the size Redis holds. `changed` says which keys were
 * changed (for the message).
 */
static void assert_stats_match_redis(const char *changed)
{
	redisContext *c = h_redis_connect(server, 0);
	char path[H_PATH_MAX + 32];
	struct stat st;

	for (int i = 0; i < KEYS; i++) {
		long long exists = h_cmd_int(c, "EXISTS k:%d", i);
		int ret;

		key_path(path, sizeof path, i);
		ret = stat(path, &st);
		if (!exists) {
			ck_assert_msg(ret != 0 && errno == ENOENT,
				      "k:%d (%s) was removed, stat still shows %lld bytes", i,
				      changed[i] ? "changed" : "unchanged", (long long) st.st_size);
			continue;
		}
		ck_assert_msg(ret == 0, "stat k:%d: %s", i, strerror(errno));
		ck_assert_msg(st.st_size == h_cmd_int(c, "STRLEN k:%d", i),
			      "k:%d (%s) shows %lld bytes, Redis holds %lld", i,
			      changed[i] ? "changed" : "unchanged", (long long) st.st_size,
			      h_cmd_int(c, "STRLEN k:%d", i));
	}
	redisFree(c);
}

/*
 * The first getdents of a folder, then a stat of a key it handed out (as ls
 * -l does: the kernel then asks READDIRPLUS again, not READDIR), then a pause
 * in which the daemon's fetch ahead ends. Returns the open folder.
 */
static int list_first(char *seen)
{
	char dir[H_PATH_MAX + 32], path[H_PATH_MAX + 32];
	struct stat st;
	int fd, first = -1;

	h_path(dir, sizeof dir, mount, "db0");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(read_some(fd, seen), 0);
	for (int i = 0; i < KEYS && first < 0; i++)
		if (seen[i])
			first = i;
	key_path(path, sizeof path, first);
	ck_assert_int_eq(stat(path, &st), 0);
	/* not a timing assertion: without the wait the test could pass without the fix */
	h_nap_ms(300);
	return fd;
}

/* The rest of the listing, then stat of every key. */
static void list_rest(int fd, const char *changed)
{
	char seen[KEYS] = {0};

	while (read_some(fd, seen) > 0)
		;
	close(fd);
	assert_stats_match_redis(changed);
}

START_TEST(test_keys_changed_through_the_mount_between_two_getdents_show_as_changed)
{
	char seen[KEYS] = {0}, changed[KEYS] = {0}, path[H_PATH_MAX + 32];
	int fd = list_first(seen), n = 0;

	for (int i = 0; i < KEYS; i++) {
		if (seen[i])
			continue;
		changed[i] = 1;
		key_path(path, sizeof path, i);
		if (n++ % 2 == 0) {
			ck_assert_msg(unlink(path) == 0, "rm k:%d: %s", i, strerror(errno));
		} else {
			int wfd = open(path, O_WRONLY | O_TRUNC);

			ck_assert_msg(wfd >= 0, "open k:%d: %s", i, strerror(errno));
			ck_assert_int_eq(write(wfd, "0123456789abcdefghij", 20), 20);
			ck_assert_int_eq(close(wfd), 0);
		}
	}
	ck_assert_int_gt(n, 256); /* the keys fetched ahead were among them */
	list_rest(fd, changed);
}
END_TEST

START_TEST(test_keys_changed_in_redis_between_two_getdents_show_as_changed_after_cache_timeout)
{
	char seen[KEYS] = {0}, changed[KEYS] = {0};
	int fd = list_first(seen), n = 0;
	redisContext *c = h_redis_connect(server, 0);

	for (int i = 0; i < KEYS; i++) {
		if (seen[i])
			continue;
		changed[i] = 1;
		if (n++ % 2 == 0)
			ck_assert_int_eq(h_cmd_int(c, "DEL k:%d", i), 1);
		else
			h_cmd_ok(c, "SET k:%d %s", i, "a-value-of-another-size-than-before-it");
	}
	redisFree(c);
	ck_assert_int_gt(n, 256);
	h_nap_ms(1500); /* past the mount's cache_timeout of 1 s */
	list_rest(fd, changed);
}
END_TEST

static Suite *listing_stale_suite(void)
{
	Suite *s = suite_create("listing_stale");
	TCase *mount_changes = tcase_create("through_the_mount");
	TCase *redis_changes = tcase_create("in_redis");

	h_tcase_add_fixture(mount_changes, setup_long, h_stop_all);
	tcase_add_test(mount_changes,
		       test_keys_changed_through_the_mount_between_two_getdents_show_as_changed);
	suite_add_tcase(s, mount_changes);
	h_tcase_add_fixture(redis_changes, setup_short, h_stop_all);
	tcase_add_test(
		redis_changes,
		test_keys_changed_in_redis_between_two_getdents_show_as_changed_after_cache_timeout);
	suite_add_tcase(s, redis_changes);
	return s;
}

int main(void)
{
	h_init();
	return run_suite(listing_stale_suite(), CK_NOFORK);
}
