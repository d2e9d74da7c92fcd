/* test_faults.c - issue 6: the mount while Redis or MySQL is down, frozen, loading or busy. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "harness.h"
#include "harness_mysql.h"
#include "run_suite.h"

#define TIMEOUT	      2.0	   /* -o timeout= of most mounts here, seconds */
#define FAST_TIMEOUT  1.0	   /* the mount that gives up while the server is loading or busy */
#define SLOW_TIMEOUT  10.0	   /* the mount that waits for it */
#define PASSWORD      "fault-pw-7" /* --requirepass of the restarted server */
#define LOADING_KEYS  6000	   /* keys the restarted server reads back ... */
#define LOAD_DELAY_US "500"	   /* ... sleeping this long each: loading takes seconds */
#define BUSY_SECONDS  4		   /* how long the busy script runs */
#define LISTING_KEYS  50000	   /* keys listed while connections are killed */
#define LISTINGS      8		   /* listings tried while connections are killed */
#define KILL_PAUSE_NS 5000000L	   /* 5 ms between two CLIENT KILLs */

static struct h_redis *redis;
static struct h_mysql *mysql;
static struct h_mount *mnt, *fast_mnt, *slow_mnt;
static pid_t script_pid; /* the busy script's client, when running */

static const char *const locked_args[] = {"--requirepass", PASSWORD, NULL};
static const char *const loading_args[] = {"--key-load-delay", LOAD_DELAY_US,
					   "--loading-process-events-interval-bytes", "1024", NULL};

/*
 * The bound: EIO within timeout= plus a second. The second is
 * stretched for slow setups (valgrind); the timeout is the daemon's own.
 */
static double bound(double timeout)
{
	return timeout + 1.0 * h_time_scale();
}

static const char *at(const struct h_mount *m, const char *rel)
{
	static char paths[8][H_PATH_MAX];
	static int next;
	char *out = paths[next++ % 8];

	return h_path(out, H_PATH_MAX, m, rel);
}

static struct h_mount *mount_opts(const char *options, const char *auth)
{
	return h_mount_start(redis, &(struct h_mount_spec){.options = options, .auth = auth});
}

static void assert_log_lacks(const struct h_mount *m, const char *secret)
{
	char *text;
	size_t len;

	ck_assert_int_eq(h_read_file(m->log, &text, &len), 0);
	ck_assert_msg(!memmem(text, len, secret, strlen(secret)),
		      "the daemon's log shows '%s':\n%s", secret, text);
	free(text);
}

static void teardown(void)
{
	if (script_pid > 0) {
		kill(script_pid, SIGKILL);
		waitpid(script_pid, NULL, 0);
		script_pid = 0;
	}
	h_mysql_stop_all();
	h_stop_all(); /* thaws a frozen server on its way (SIGCONT) */
	mnt = fast_mnt = slow_mnt = NULL;
}

/* ---- restart ---- */

static void setup_restart(void)
{
	redisContext *c;

	redis = h_redis_start(locked_args);
	c = h_redis_connect(redis, 2);
	h_cmd_ok(c, "SET k %s", "in db2");
	h_cmd_ok(c, "RPUSH list a b c");
	h_cmd_ok(c, "SELECT 0");
	h_cmd_ok(c, "SET a %s", "in db0");
	redisFree(c);
	mnt = mount_opts("timeout=2,cache_timeout=0", PASSWORD);
}

START_TEST(test_restarted_server_gives_eio_while_down_and_recovers_without_remount)
{
	pid_t daemon = mnt->pid;
	struct f_result r;
	redisContext *c;

	r = f_assert_works(F_CAT, at(mnt, "db2/k"), bound(TIMEOUT));
	ck_assert_int_eq(r.count, strlen("in db2"));
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "SAVE"); /* the restarted server reads the data back */
	redisFree(c);

	h_redis_halt(redis);
	f_assert_fails(F_CAT, at(mnt, "db2/k"), EIO, bound(TIMEOUT));
	f_assert_fails(F_LS, at(mnt, "db0"), EIO, bound(TIMEOUT));
	f_assert_fails(F_STAT, at(mnt, "db2/list"), EIO, bound(TIMEOUT));
	f_assert_fails(F_CAT, at(mnt, "db0/a"), EIO, bound(TIMEOUT));
	ck_assert_msg(f_alive(daemon), "the daemon died while the server was down");

	h_redis_restart(redis, locked_args);
	/*
	 * At once, and on whichever FUSE thread: connections that failed are made
	 * again, those left over from the old server are found dead and made
	 * again, each with AUTH and, for db2, SELECT.
	 */
	for (int i = 0; i < 40; i++) {
		r = f_assert_works(F_CAT, at(mnt, i % 2 ? "db2/k" : "db0/a"), bound(TIMEOUT));
		ck_assert_int_eq(r.count, strlen(i % 2 ? "in db2" : "in db0"));
		r = f_assert_works(F_LS, at(mnt, "db2"), bound(TIMEOUT));
		ck_assert_int_eq(r.count, 2);
	}
	ck_assert_int_eq(mnt->pid, daemon);
	ck_assert(h_mount_info(mnt->mnt, NULL, 0, NULL, 0));
	assert_log_lacks(mnt, PASSWORD);
}
END_TEST

/* ---- LOADING and BUSY ---- */

static void setup_two_mounts(const char *const *server_args)
{
	redisContext *c;

	redis = h_redis_start(server_args);
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "SET probe %s", "still here");
	redisFree(c);
	fast_mnt = mount_opts("timeout=1,cache_timeout=0", NULL);
	slow_mnt = mount_opts("timeout=10,cache_timeout=0", NULL);
}

static void setup_loading(void)
{
	redisContext *c;
	char value[101];

	setup_two_mounts(NULL);
	memset(value, 'v', 100);
	value[100] = '\0';
	c = h_redis_connect(redis, 0);
	for (int i = 0; i < LOADING_KEYS; i++)
		redisAppendCommand(c, "SET key:%d %s", i, value);
	for (int i = 0; i < LOADING_KEYS; i++) {
		redisReply *reply = NULL;

		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		freeReplyObject(reply);
	}
	h_cmd_ok(c, "SAVE");
	redisFree(c);
}

/* Whether the server answers PING with an error that starts with `code`. */
static bool server_says(const char *code)
{
	struct timeval tv = {.tv_sec = 5};
	redisContext *c = h_redis_connect_raw(redis, tv);
	redisReply *reply;
	bool says;

	ck_assert_msg(c && !c->err, "cannot connect to redis");
	redisSetTimeout(c, tv);
	reply = redisCommand(c, "PING");
	ck_assert_msg(reply, "PING: %s", c->errstr);
	says = reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, code, strlen(code));
	freeReplyObject(reply);
	redisFree(c);
	return says;
}

START_TEST(test_loading_server_is_waited_for_within_the_timeout)
{
	struct f_result r;

	h_redis_restart(redis, loading_args);
	ck_assert_msg(server_says("LOADING"), "the restarted server is not loading");
	/* asked again with backoff, and given up on at the timeout */
	f_assert_fails(F_CAT, at(fast_mnt, "db0/probe"), EIO, bound(FAST_TIMEOUT));
	ck_assert_msg(server_says("LOADING"), "loading ended too early for this test");
	/* asked again until the dataset is in */
	r = f_assert_works(F_CAT, at(slow_mnt, "db0/probe"), bound(SLOW_TIMEOUT));
	ck_assert_int_eq(r.count, strlen("still here"));
	r = f_assert_works(F_LS, at(fast_mnt, "db0"), bound(FAST_TIMEOUT));
	ck_assert_int_eq(r.count, LOADING_KEYS + 1);
}
END_TEST

static const char *const busy_args[] = {"--busy-reply-threshold", "50", NULL};

static void setup_busy(void)
{
	setup_two_mounts(busy_args);
}

/* A client that runs a Lua script which spins for `seconds`: the server is BUSY meanwhile. */
static pid_t start_busy_script(int seconds)
{
	pid_t pid = fork();

	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct timeval tv = {.tv_sec = 60};
		redisContext *c = h_redis_connect_raw(redis, tv);

		if (!c || c->err)
			_exit(1);
		redisSetTimeout(c, tv);
		freeReplyObject(redisCommand(
			c, "EVAL %s 0 %d",
			"local t = redis.call('TIME') "
			"local stop = (t[1] + ARGV[1]) * 1000000 + t[2] "
			"repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop "
			"return 1",
			seconds));
		_exit(0);
	}
	return pid;
}

START_TEST(test_busy_server_is_waited_for_within_the_timeout)
{
	double deadline = h_now() + 5.0;
	struct f_result r;

	script_pid = start_busy_script(BUSY_SECONDS);
	while (!server_says("BUSY")) {
		ck_assert_msg(h_now() < deadline, "the server never became BUSY");
		nanosleep(&(struct timespec){.tv_nsec = 10000000L}, NULL);
	}
	f_assert_fails(F_CAT, at(fast_mnt, "db0/probe"), EIO, bound(FAST_TIMEOUT));
	ck_assert_msg(server_says("BUSY"), "the script ended too early for this test");
	r = f_assert_works(F_CAT, at(slow_mnt, "db0/probe"), bound(SLOW_TIMEOUT));
	ck_assert_int_eq(r.count, strlen("still here"));
	ck_assert_int_eq(waitpid(script_pid, NULL, 0), script_pid);
	script_pid = 0;
}
END_TEST

/* ---- SIGSTOP ---- */

static void setup_freeze(void)
{
	redisContext *c;

	redis = h_redis_start(NULL);
	c = h_redis_connect(redis, 0);
	for (int i = 0; i < 300; i++)
		h_cmd_ok(c, "SET k%03d %d", i, i);
	h_cmd_ok(c, "SET probe %s", "still here");
	redisFree(c);
	mnt = mount_opts("timeout=2,cache_timeout=0", NULL);
}

START_TEST(test_frozen_server_gives_eio_within_the_timeout_and_recovers_on_sigcont)
{
	struct f_result r;

	f_assert_works(F_CAT, at(mnt, "db0/probe"), bound(TIMEOUT));
	h_redis_freeze(redis, true);
	f_assert_fails(F_CAT, at(mnt, "db0/probe"), EIO, bound(TIMEOUT));
	f_assert_fails(F_LS, at(mnt, "db0"), EIO, bound(TIMEOUT));
	f_assert_fails(F_STAT, at(mnt, "db0/k001"), EIO, bound(TIMEOUT));
	ck_assert_msg(f_alive(mnt->pid), "the daemon died while the server was frozen");

	h_redis_freeze(redis, false);
	r = f_wait_works(F_CAT, at(mnt, "db0/probe"), bound(TIMEOUT) + 1.0);
	ck_assert_int_eq(r.count, strlen("still here"));
	r = f_assert_works(F_LS, at(mnt, "db0"), bound(TIMEOUT));
	ck_assert_int_eq(r.count, 301);
}
END_TEST

/* What `ls -l` saw when the server froze between opendir and readdir. */
struct ls_l_report {
	int opendir_err;
	size_t entries;
	size_t failed_stats;
	double seconds; /* from the freeze to the last lstat */
};

/* In a child: opendir, freeze the server, then readdir and lstat every entry. */
static void ls_l_across_a_freeze(void *arg, int fd)
{
	const char *dir = arg;
	struct ls_l_report rep = {0};
	char path[H_PATH_MAX + 300];
	struct dirent *e;
	struct stat st;
	double start;
	DIR *d = opendir(dir);

	if (!d)
		rep.opendir_err = errno;
	kill(redis->pid, SIGSTOP);
	start = h_now();
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		rep.entries++;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			rep.failed_stats++;
	}
	if (d)
		closedir(d);
	rep.seconds = h_now() - start;
	if (write(fd, &rep, sizeof rep) != (ssize_t) sizeof rep)
		_exit(2);
}

START_TEST(test_server_frozen_during_ls_l_costs_about_one_timeout)
{
	struct ls_l_report rep;
	double limit = 2 * TIMEOUT + 1.0 * h_time_scale();

	/* not one timeout per file: after a timeout the daemon fails at once for a moment */
	ck_assert_msg(f_child(ls_l_across_a_freeze, (void *) at(mnt, "db0"), limit + 30, &rep,
			      sizeof rep, NULL) == 0,
		      "ls -l hung on the frozen server");
	h_redis_freeze(redis, false);
	ck_assert_int_eq(rep.opendir_err, 0);
	ck_assert_int_eq(rep.entries, 301);
	ck_assert_msg(rep.failed_stats > 0, "no lstat failed while the server was frozen");
	ck_assert_msg(rep.seconds <= limit, "ls -l of 301 files took %.1f s (bound %.1f s)",
		      rep.seconds, limit);
	f_wait_works(F_CAT, at(mnt, "db0/probe"), bound(TIMEOUT) + 1.0);
}
END_TEST

/* ---- CLIENT KILL ---- */

static void setup_many_keys(void)
{
	redisContext *c;

	redis = h_redis_start(NULL);
	c = h_redis_connect(redis, 0);
	for (int i = 0; i < LISTING_KEYS; i++)
		redisAppendCommand(c, "SET key:%06d x", i);
	for (int i = 0; i < LISTING_KEYS; i++) {
		redisReply *reply = NULL;

		ck_assert_int_eq(redisGetReply(c, (void **) &reply), REDIS_OK);
		freeReplyObject(reply);
	}
	redisFree(c);
	mnt = mount_opts("timeout=5,cache_timeout=0", NULL);
}

struct killer {
	pthread_t thread;
	redisContext *c;
	atomic_int stop;
	long long kills;
	char error[256];
};

/* Kill every other client's connection, again and again, until told to stop. */
static void *kill_clients(void *arg)
{
	struct killer *k = arg;

	while (!atomic_load(&k->stop)) {
		redisReply *reply = redisCommand(k->c, "CLIENT KILL TYPE normal SKIPME yes");

		if (!reply || reply->type != REDIS_REPLY_INTEGER) {
			snprintf(k->error, sizeof k->error, "CLIENT KILL: %s",
				 reply ? reply->str : k->c->errstr);
			freeReplyObject(reply);
			break;
		}
		k->kills += reply->integer;
		freeReplyObject(reply);
		nanosleep(&(struct timespec){.tv_nsec = KILL_PAUSE_NS}, NULL);
	}
	return NULL;
}

START_TEST(test_client_kill_during_a_listing_gives_eio_or_the_whole_listing)
{
	char **names = calloc(LISTING_KEYS, sizeof *names);
	struct killer k = {.c = h_redis_connect(redis, 0)};
	int complete = 0, failed = 0;
	uint64_t expected;

	for (int i = 0; i < LISTING_KEYS; i++)
		ck_assert_int_ge(asprintf(&names[i], "key:%06d", i), 0);
	expected = f_names_digest(names, LISTING_KEYS);
	ck_assert_int_eq(pthread_create(&k.thread, NULL, kill_clients, &k), 0);
	for (int i = 0; i < LISTINGS; i++) {
		struct f_result r = f_run(F_LS, at(mnt, "db0"), 120);

		if (r.hung || (r.err && r.err != EIO))
			break;
		if (r.err == EIO) {
			failed++;
			continue;
		}
		/* never a partial listing presented as complete */
		if (r.count != LISTING_KEYS || r.digest != expected) {
			atomic_store(&k.stop, 1);
			pthread_join(k.thread, NULL);
			ck_abort_msg("listing %d: %zu names, not the %d keys", i, r.count,
				     LISTING_KEYS);
		}
		complete++;
	}
	atomic_store(&k.stop, 1);
	pthread_join(k.thread, NULL);
	ck_assert_msg(!k.error[0], "%s", k.error);
	ck_assert_msg(complete + failed == LISTINGS, "a listing hung or failed otherwise than EIO");
	ck_assert_msg(k.kills > 0, "no connection was killed");
	fprintf(stderr, "client kill: %d complete, %d EIO, %lld connections killed\n", complete,
		failed, k.kills);
	redisFree(k.c);
	f_assert_works(F_LS, at(mnt, "db0"), 60);
	for (int i = 0; i < LISTING_KEYS; i++)
		free(names[i]);
	free(names);
}
END_TEST

/* ---- MySQL ---- */

static void setup_mysql(void)
{
	char config[H_PATH_MAX], opts[H_PATH_MAX + 64];
	redisContext *c;

	redis = h_redis_start(NULL);
	mysql = h_mysql_start();
	h_mysql_sql(mysql,
		    "USE `%s`; CREATE TABLE users (id BIGINT PRIMARY KEY);"
		    "INSERT INTO users (id) VALUES (1), (2)",
		    mysql->database);
	h_mysql_write_ghost_config(mysql, config, sizeof config);
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "RPUSH q:x 1 3 2");
	h_cmd_ok(c, "SET plain %s", "no MySQL needed");
	redisFree(c);
	snprintf(opts, sizeof opts, "config=%s,timeout=2,cache_timeout=0", config);
	mnt = mount_opts(opts, NULL);
}

/* The database folders do not wait for MySQL. */
static void assert_db_folders_work(void)
{
	struct f_result r = f_assert_works(F_CAT, at(mnt, "db0/plain"), 1.0 * h_time_scale());

	ck_assert_int_eq(r.count, strlen("no MySQL needed"));
}

START_TEST(test_mysql_stopped_gives_eio_within_the_timeout_then_recovers)
{
	struct f_result r = f_assert_works(F_LS, at(mnt, "ghosts/q/q:x"), bound(TIMEOUT));

	ck_assert_int_eq(r.count, 1);
	h_mysql_halt(mysql);
	f_assert_fails(F_LS, at(mnt, "ghosts/q"), EIO, bound(TIMEOUT));
	f_assert_fails(F_LS, at(mnt, "ghosts/q/q:x"), EIO, bound(TIMEOUT));
	assert_db_folders_work();
	h_mysql_restart(mysql);
	r = f_wait_works(F_LS, at(mnt, "ghosts/q/q:x"), 30);
	ck_assert_int_eq(r.count, 1);
	assert_log_lacks(mnt, mysql->password);
}
END_TEST

START_TEST(test_mysql_frozen_gives_eio_within_the_timeout_then_recovers)
{
	struct f_result r = f_assert_works(F_LS, at(mnt, "ghosts/q/q:x"), bound(TIMEOUT));

	ck_assert_int_eq(r.count, 1);
	h_mysql_freeze(mysql, true);
	f_assert_fails(F_LS, at(mnt, "ghosts/q/q:x"), EIO, bound(TIMEOUT));
	assert_db_folders_work();
	h_mysql_freeze(mysql, false);
	r = f_wait_works(F_LS, at(mnt, "ghosts/q/q:x"), 30);
	ck_assert_int_eq(r.count, 1);
	assert_log_lacks(mnt, mysql->password);
}
END_TEST

/* ---- the daemon stopped with files and folders open ---- */

static void setup_open_handles(void)
{
	redisContext *c;

	redis = h_redis_start(NULL);
	c = h_redis_connect(redis, 0);
	h_cmd_ok(c, "RPUSH queue a b c");
	h_cmd_ok(c, "SET note before");
	redisFree(c);
	mnt = mount_opts("timeout=2", NULL);
}

/*
 * SIGTERM while the kernel still holds open files and folders: the daemon
 * unmounts, frees every handle the kernel never released (the harness fails
 * the suite on a daemon that does not exit 0, and valgrind and the sanitizers
 * on a leak), and commits nothing that was written but never closed.
 */
START_TEST(test_sigterm_with_files_open_unmounts_exits_0_and_commits_no_unclosed_write)
{
	DIR *dir = opendir(at(mnt, "db0"));
	int list = open(at(mnt, "db0/queue"), O_RDONLY);
	int note = open(at(mnt, "db0/note"), O_WRONLY);
	double until = h_now() + 10 * h_time_scale();
	redisContext *c;
	char buf[8];
	redisReply *r;

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(readdir(dir));
	ck_assert_int_ge(list, 0);
	ck_assert_int_eq(read(list, buf, 2), 2);
	ck_assert_int_ge(note, 0);
	ck_assert_int_eq(write(note, "after", 5), 5);
	ck_assert_int_eq(kill(mnt->pid, SIGTERM), 0);
	while (h_mount_info(mnt->mnt, NULL, 0, NULL, 0) && h_now() < until)
		h_nap_ms(20);
	ck_assert_msg(!h_mount_info(mnt->mnt, NULL, 0, NULL, 0), "still mounted after SIGTERM");
	while (f_alive(mnt->pid) && h_now() < until)
		h_nap_ms(20);
	ck_assert_msg(!f_alive(mnt->pid), "the daemon still runs 10 s after SIGTERM");
	close(note);
	close(list);
	closedir(dir);
	c = h_redis_connect(redis, 0);
	r = h_cmd(c, "GET note");
	ck_assert_str_eq(r->str, "before");
	freeReplyObject(r);
	ck_assert_int_eq(h_cmd_int(c, "LLEN queue"), 3);
	redisFree(c);
}
END_TEST

/* A TCase of its own for each test: a failed one leaves nothing to the next. */
static TCase *new_case(Suite *s, const char *name, void (*setup)(void))
{
	TCase *tc = tcase_create(name);

	h_mysql_tcase_add_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");

	tcase_add_test(new_case(s, "restart", setup_restart),
		       test_restarted_server_gives_eio_while_down_and_recovers_without_remount);
	tcase_add_test(new_case(s, "loading", setup_loading),
		       test_loading_server_is_waited_for_within_the_timeout);
	tcase_add_test(new_case(s, "busy", setup_busy),
		       test_busy_server_is_waited_for_within_the_timeout);
	tcase_add_test(new_case(s, "freeze", setup_freeze),
		       test_frozen_server_gives_eio_within_the_timeout_and_recovers_on_sigcont);
	tcase_add_test(new_case(s, "freeze_ls_l", setup_freeze),
		       test_server_frozen_during_ls_l_costs_about_one_timeout);
	tcase_add_test(new_case(s, "client_kill", setup_many_keys),
		       test_client_kill_during_a_listing_gives_eio_or_the_whole_listing);
	tcase_add_test(new_case(s, "sigterm_open", setup_open_handles),
		       test_sigterm_with_files_open_unmounts_exits_0_and_commits_no_unclosed_write);
	tcase_add_test(new_case(s, "mysql_stopped", setup_mysql),
		       test_mysql_stopped_gives_eio_within_the_timeout_then_recovers);
	tcase_add_test(new_case(s, "mysql_frozen", setup_mysql),
		       test_mysql_frozen_gives_eio_within_the_timeout_then_recovers);
	return s;
}

int main(void)
{
	h_mysql_init();
	/* the tests halt and restart servers their fixtures started: see faults.h */
	return run_suite(faults_suite(), CK_NOFORK);
}
