/* test_sentinel.c - redis-sentinel:// against a real master, replica and three sentinels. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "harness.h"
#include "harness_sentinel.h"
#include "harness_tls.h"
#include "run_suite.h"

#define RUN_SECONDS  20.0 /* a refusal takes far less; a hang is a failure */
#define LISTING_KEYS 30000
#define FAILOVER_S   30.0

static struct h_sentinel_set *set;
static struct h_mount *mount;

static void setup_plain(void)
{
	set = h_sentinel_start(false);
}

static void setup_tls(void)
{
	set = h_sentinel_start(true);
}

static void teardown(void)
{
	h_stop_all();
	free(set);
	set = NULL;
}

static void mount_set(const char *options)
{
	struct h_mount_spec spec = {.url = set->url, .options = options};
	char opts[H_PATH_MAX + 16];

	if (set->tls) {
		snprintf(opts, sizeof opts, "tls_ca=%s", h_tls()->ca);
		spec.options = opts;
	}
	mount = h_mount_start(set->servers[0], &spec);
}

/* The value of `key` on server `r`, "" when it has none; the caller frees. */
static char *value_on(const struct h_redis *r, const char *key)
{
	redisContext *c = h_redis_connect(r, 0);
	redisReply *reply = h_cmd(c, "GET %s", key);
	char *v = strdup(reply->type == REDIS_REPLY_STRING ? reply->str : "");

	freeReplyObject(reply);
	redisFree(c);
	return v;
}

static void assert_value_on(const struct h_redis *r, const char *key, const char *want)
{
	char *v = value_on(r, key);

	ck_assert_msg(!strcmp(v, want), "%s on port %d is '%s', want '%s'", key, r->port, v, want);
	free(v);
}

/* Write `text` to db0/NAME through the mount in a child bounded in time; returns 0 or errno. */
static int write_key(const char *name, const char *text)
{
	char path[H_PATH_MAX], rel[128];

	snprintf(rel, sizeof rel, "db0/%s", name);
	return -h_write_file(h_path(path, sizeof path, mount, rel), text, strlen(text), 0644);
}

START_TEST(test_sentinel_url_mounts_the_master_they_name)
{
	struct h_redis *master = h_sentinel_master(set);

	mount_set(NULL);
	ck_assert_int_eq(write_key("hello", "from the mount"), 0);
	assert_value_on(master, "hello", "from the mount");
	h_mount_stop(mount);
}
END_TEST

START_TEST(test_sentinel_refusals_name_the_reason)
{
	char url[300], mnt[H_PATH_MAX], opts[H_PATH_MAX + 16];
	const char *args[] = {url, mnt, "-f", "-o", opts, NULL};
	struct h_run res;

	snprintf(mnt, sizeof mnt, "%s", h_scratch_dir());
	snprintf(opts, sizeof opts, "tls_ca=%s", h_tls()->ca);
	if (!set->tls)
		args[3] = NULL;
	/* a name no sentinel monitors: every sentinel says so */
	snprintf(url, sizeof url, "%.*s#nosuchmaster", (int) (strchr(set->url, '#') - set->url),
		 set->url);
	h_run_redisfs(args, NULL, RUN_SECONDS * h_time_scale(), &res);
	ck_assert_msg(res.status == 1, "status %d: %s", res.status, res.err);
	ck_assert_msg(strstr(res.err, "no master named 'nosuchmaster'") &&
			      !strchr(res.err, '\n')[1],
		      "stderr: %s", res.err);
	ck_assert(!h_mount_info(mnt, NULL, 0, NULL, 0));
	h_run_free(&res);
	/* no sentinel there at all */
	snprintf(url, sizeof url, "%s://127.0.0.1:%d#%s",
		 set->tls ? "rediss-sentinel" : "redis-sentinel", h_free_port(), H_SENTINEL_MASTER);
	h_run_redisfs(args, NULL, RUN_SECONDS * h_time_scale(), &res);
	ck_assert_msg(res.status == 1 && strstr(res.err, "Connection refused"), "status %d: %s",
		      res.status, res.err);
	h_run_free(&res);
}
END_TEST

/*
 * A sentinel set whose "master" is the replica: it says role:slave, so the
 * mount refuses it, and no write command ever reaches it.
 */
START_TEST(test_a_master_that_is_a_replica_is_never_written_to)
{
	struct h_redis *replica =
		set->servers[0] == h_sentinel_master(set) ? set->servers[1] : set->servers[0];
	char url[128], mnt[H_PATH_MAX], cmd[128];
	const char *args[] = {url, mnt, "-f", NULL};
	redisContext *c;
	struct h_run res;

	ck_assert(!set->tls);
	c = h_redis_connect_raw(set->sentinels[0], (struct timeval){.tv_sec = 5});
	ck_assert(c && !c->err);
	snprintf(cmd, sizeof cmd, "SENTINEL MONITOR fake 127.0.0.1 %d 2", replica->port);
	h_cmd_ok(c, cmd);
	redisFree(c);
	c = h_redis_connect(replica, 0);
	h_cmd_ok(c, "CONFIG RESETSTAT");
	snprintf(url, sizeof url, "redis-sentinel://127.0.0.1:%d#fake", set->sentinels[0]->port);
	snprintf(mnt, sizeof mnt, "%s", h_scratch_dir());
	h_run_redisfs(args, NULL, RUN_SECONDS * h_time_scale(), &res);
	ck_assert_msg(res.status == 1 && strstr(res.err, "is not a master (ROLE: slave)"),
		      "status %d: %s", res.status, res.err);
	h_run_free(&res);
	h_assert_no_write_command(c);
	redisFree(c);
}
END_TEST

/*
 * A master demoted behind the sentinels' back (REPLICAOF, no client killed):
 * its READONLY makes the mount ask the sentinels again and retry once, and
 * when the master they name still says it is a replica, the write is EIO,
 * not EROFS; when it is a master again, writes work without a remount.
 */
START_TEST(test_readonly_from_a_demoted_master_is_eio_then_works_again)
{
	struct h_redis *master = h_sentinel_master(set);
	struct h_redis *other = master == set->servers[0] ? set->servers[1] : set->servers[0];
	redisContext *c;
	char cmd[64];

	mount_set(NULL);
	ck_assert_int_eq(write_key("first", "1"), 0);
	c = h_redis_connect(master, 0);
	snprintf(cmd, sizeof cmd, "REPLICAOF 127.0.0.1 %d", other->port);
	h_cmd_ok(c, cmd);
	ck_assert_int_eq(write_key("refused", "x"), EIO);
	assert_value_on(master, "refused", "");
	h_cmd_ok(c, "REPLICAOF NO ONE");
	redisFree(c);
	ck_assert_int_eq(write_key("again", "2"), 0);
	assert_value_on(master, "again", "2");
	h_mount_stop(mount);
}
END_TEST

/*
 * The sentinels name the promoted replica as soon as it says it is a
 * master; until they reconfigure the old master it still says role:master
 * and takes writes, which its resync would then drop. The mount listens to
 * the sentinels' announcements: its next write goes to the new master.
 */
START_TEST(test_switch_master_is_followed_before_the_old_master_is_demoted)
{
	struct h_redis *old = h_sentinel_master(set), *now;
	double deadline;
	int err;

	mount_set(NULL);
	ck_assert_int_eq(write_key("before", "1"), 0);
	now = h_sentinel_failover_announced(set);
	deadline = h_now() + 10.0 * h_time_scale();
	while ((err = write_key("switched", "2")) != 0) {
		ck_assert_msg(err == EIO, "a write failed with errno %d", err);
		ck_assert_msg(h_now() < deadline, "the mount does not write to the new master");
		h_nap_ms(50);
	}
	assert_value_on(now, "switched", "2");
	assert_value_on(old, "switched", "");
	h_mount_stop(mount);
}
END_TEST

struct writer_report {
	int ok, eio, other, last_other;
};

/* In a child: write files w:0, w:1, ... for `seconds`; count what each write did. */
static void writer(void *arg, int fd)
{
	double until = h_now() + *(const double *) arg;
	struct writer_report r = {0};
	char name[32];

	for (int i = 0; h_now() < until; i++) {
		int err;

		snprintf(name, sizeof name, "w:%d", i);
		err = write_key(name, name);
		if (!err)
			r.ok++;
		else if (err == EIO)
			r.eio++;
		else
			r.other++, r.last_other = err;
		h_nap_ms(20);
	}
	if (write(fd, &r, sizeof r) != sizeof r)
		_exit(1);
}

START_TEST(test_failover_during_writes_gives_at_most_eio_and_finds_the_new_master)
{
	double seconds = 8.0;
	struct writer_report r;
	struct h_redis *now;
	pid_t pid;
	int pipefd[2];

	mount_set(NULL);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		writer(&seconds, pipefd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	h_nap_ms(1000);
	now = h_sentinel_failover(set);
	ck_assert_int_eq(read(pipefd[0], &r, sizeof r), sizeof r);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	ck_assert_msg(r.other == 0, "%d writes failed with errno %d (only EIO may)", r.other,
		      r.last_other);
	ck_assert_msg(r.ok > 0, "no write worked");
	/* no remount: the mount writes to the new master */
	ck_assert_int_eq(write_key("after", "the failover"), 0);
	assert_value_on(now, "after", "the failover");
	h_mount_stop(mount);
}
END_TEST

START_TEST(test_killed_master_gives_eio_then_the_mount_finds_the_new_one)
{
	struct h_redis *old = h_sentinel_master(set), *now;
	double deadline;
	int err;

	mount_set(NULL);
	ck_assert_int_eq(write_key("before", "the kill"), 0);
	h_redis_halt(old);
	/* while the sentinels agree that it is down, at most EIO */
	err = write_key("during", "x");
	ck_assert_msg(err == 0 || err == EIO, "a write failed with errno %d", err);
	now = h_sentinel_wait_new_master(set, old, FAILOVER_S);
	deadline = h_now() + 10.0 * h_time_scale();
	while ((err = write_key("after", "the kill")) != 0) {
		ck_assert_msg(err == EIO, "a write failed with errno %d", err);
		ck_assert_msg(h_now() < deadline, "the mount does not write to the new master");
		h_nap_ms(100);
	}
	assert_value_on(now, "after", "the kill");
	assert_value_on(now, "before", "the kill");
	h_mount_stop(mount);
}
END_TEST

START_TEST(test_failover_during_a_listing_gives_eio_or_the_whole_listing)
{
	struct h_redis *master = h_sentinel_master(set);
	redisContext *c = h_redis_connect(master, 0);
	char path[H_PATH_MAX];
	struct f_result r;
	redisReply *reply;
	pid_t pid;

	for (int i = 0; i < LISTING_KEYS; i++)
		redisAppendCommand(c, "SET list:%06d x", i);
	for (int i = 0; i < LISTING_KEYS; i++) {
		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		freeReplyObject(reply);
	}
	freeReplyObject(h_cmd(c, "WAIT 1 5000"));
	redisFree(c);
	mount_set(NULL);
	h_path(path, sizeof path, mount, "db0");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		h_nap_ms(50);
		h_sentinel_failover(set);
		_exit(0);
	}
	/* listings while the failover happens: each is whole or EIO */
	for (int i = 0; i < 20; i++) {
		r = f_run(F_LS, path, 20.0 * h_time_scale());
		ck_assert_msg(!r.hung, "a listing hung");
		ck_assert_msg(r.err == 0 || r.err == EIO, "a listing failed with errno %d", r.err);
		if (!r.err)
			ck_assert_uint_eq(r.count, LISTING_KEYS);
	}
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	r = f_wait_works(F_LS, path, 20.0);
	ck_assert_uint_eq(r.count, LISTING_KEYS);
	h_mount_stop(mount);
}
END_TEST

START_TEST(test_rediss_sentinel_mounts_over_tls)
{
	struct h_redis *master = h_sentinel_master(set);

	ck_assert(set->tls);
	mount_set(NULL);
	ck_assert_int_eq(write_key("sealed", "through tls"), 0);
	assert_value_on(master, "sealed", "through tls");
	h_sentinel_failover(set);
	master = h_sentinel_master(set);
	for (double deadline = h_now() + 10.0 * h_time_scale(); write_key("again", "tls");) {
		ck_assert_msg(h_now() < deadline, "the mount does not write to the new master");
		h_nap_ms(100);
	}
	assert_value_on(master, "again", "tls");
	h_mount_stop(mount);
}
END_TEST

static Suite *sentinel_suite(void)
{
	Suite *s = suite_create("sentinel");
	TCase *tc;

	/* a set per TCase: a failover or a kill leaves roles the next test would not expect */
	tc = tcase_create("plain");
	h_tcase_add_fixture(tc, setup_plain, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sentinel_url_mounts_the_master_they_name);
	tcase_add_test(tc, test_sentinel_refusals_name_the_reason);
	tcase_add_test(tc, test_a_master_that_is_a_replica_is_never_written_to);
	tcase_add_test(tc, test_readonly_from_a_demoted_master_is_eio_then_works_again);
	suite_add_tcase(s, tc);
	tc = tcase_create("failover_writes");
	h_tcase_add_fixture(tc, setup_plain, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_failover_during_writes_gives_at_most_eio_and_finds_the_new_master);
	suite_add_tcase(s, tc);
	tc = tcase_create("switch_master");
	h_tcase_add_fixture(tc, setup_plain, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_switch_master_is_followed_before_the_old_master_is_demoted);
	suite_add_tcase(s, tc);
	tc = tcase_create("failover_listing");
	h_tcase_add_fixture(tc, setup_plain, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_failover_during_a_listing_gives_eio_or_the_whole_listing);
	suite_add_tcase(s, tc);
	tc = tcase_create("killed_master");
	h_tcase_add_fixture(tc, setup_plain, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_killed_master_gives_eio_then_the_mount_finds_the_new_one);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls");
	h_tcase_add_fixture(tc, setup_tls, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rediss_sentinel_mounts_over_tls);
	tcase_add_test(tc, test_sentinel_refusals_name_the_reason);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	h_init();
	/* CK_NOFORK: a test halts a master that its fixture started */
	return run_suite(sentinel_suite(), CK_NOFORK);
}
