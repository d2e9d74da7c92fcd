/* harness.c - private redis-servers and redisfs mounts for integration tests, always cleaned up. */
#include "harness.h"
#include "harness_tls.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REDIS	     8	       /* servers one TCase may run at once: a cluster is 6 */
#define MAX_MOUNTS	     4	       /* mounts one TCase may hold at once */
#define MAX_SCRATCH	     16	       /* scratch directories */
#define POLL_NS		     10000000L /* 10 ms between two looks at a starting process */
#define SHELL_SECONDS	     50.0      /* below check's default 60 s, so a hang fails as ours */
#define KILL_GRACE_SECONDS   2.0       /* SIGTERM, then this long, then SIGKILL */
#define SIGNAL_GRACE_SECONDS 0.3       /* in a handler: meson's SIGKILL follows in 0.5 s */
#define START_TRIES	     5 /* a free port can be taken between our look and redis's bind */

/*
 * The registry: fixed slots, so that a signal handler can walk it without
 * allocating. Each entry records its owner, because check forks a test
 * process that inherits the registry and must not stop its parent's things.
 */
static struct h_redis redis_slots[MAX_REDIS];
static struct h_mount mount_slots[MAX_MOUNTS];
static struct {
	pid_t owner; /* 0 when free */
	char path[H_PATH_MAX];
} scratch_slots[MAX_SCRATCH];

static volatile sig_atomic_t cleaning;
static void scratch_cleanup(void);
static bool initialised;
static int daemon_failures; //* SIGTERM, a bounded wait, SIGKILL and reap. Async-signal-safe. */
static void stop_pid(pid_t pid, double grace)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	kill(pid, SIGCONT); /* a frozen (SIGSTOPped) process acts on SIGTERM only once thawed */
	if (!h_wait_bounded(pid, grace, NULL)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* Unlink `dir`/`name`, for a file the harness itself put there. Async-signal-safe. */
static void unlink_in(const char *dir, const char *name)
{
	char path[H_PATH_MAX + 64];
	size_t dl = strlen(dir), nl = strlen(name);

	if (dl + 1 + nl + 1 > sizeof path)
		return;
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, name, nl + 1);
	unlink(path);
}

/*
 * Stop everything this process owns. Normally that is h_mount_stop() and
 * h_redis_stop() for each. From a signal handler (`in_signal`) only
 * async-signal-safe calls are made: the mounts are detached first, so that
 * nothing can hang on them, then the processes are stopped by PID.
 */
static void cleanup_owned(bool in_signal)
{
	pid_t self = getpid();
	double grace = SIGNAL_GRACE_SECONDS;

	if (!in_signal) {
		for (int i = 0; i < MAX_MOUNTS; i++)
			if (mount_slots[i].owner == self)
				h_mount_stop(&mount_slots[i]);
		for (int i = 0; i < MAX_REDIS; i++)
			if (redis_slots[i].owner == self)
				h_redis_stop(&redis_slots[i]);
		scratch_cleanup();
		return;
	}
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct h_mount *m = &mount_slots[i];

		if (m->owner == self && m->mnt[0])
			umount2(m->mnt, MNT_DETACH);
	}
	for (int i = 0; i < MAX_SCRATCH; i++)
		if (scratch_slots[i].owner == self)
			umount2(scratch_slots[i].path, MNT_DETACH);

	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct h_mount *m = &mount_slots[i];

		if (m->owner != self)
			continue;
		stop_pid(m->pid, grace);
		unlink(m->log);
		unlink(m->wrapper_log);
		rmdir(m->mnt);
		rmdir(m->work);
		m->pid = 0;
		m->owner = 0;
	}
	for (int i = 0; i < MAX_REDIS; i++) {
		struct h_redis *r = &redis_slots[i];

		if (r->owner != self)
			continue;
		stop_pid(r->pid, grace);
		unlink(r->log);
		unlink_in(r->dir, "dump.rdb");
		rmdir(r->dir);
		r->pid = 0;
		r->owner = 0;
	}
	/* check's handler has sent SIGTERM to the running test: reap it (bounded). */
	for (long i = 0; i < 30 && waitpid(-1, NULL, WNOHANG) != -1; i++)
		h_nap_ns(POLL_NS);
	for (int i = 0; i < MAX_SCRATCH; i++) {
		if (scratch_slots[i].owner != self)
			continue;
		rmdir(scratch_slots[i].path);
		scratch_slots[i].owner = 0;
	}
}

void h_stop_all(void)
{
	cleanup_owned(false);
}

static void on_fatal_signal(int sig)
{
	if (!cleaning) {
		cleaning = 1;
		cleanup_owned(true);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_exit_hook(void)
{
	cleanup_owned(false);
	/* check counts no failure for a teardown: the exit status carries it */
	if (daemon_failures) {
		fprintf(stderr, "harness: %d redisfs daemon(s) did not exit cleanly after "
				"unmounting (see above): failing\n",
			daemon_failures);
		_exit(1);
	}
}

double h_time_scale(void)
{
	const char *env = getenv("REDISFS_TIME_SCALE");
	double scale = env ? strtod(env, NULL) : 1.0;

	return scale >= 1.0 ? scale : 1.0;
}

void h_init(void)
{
	struct sigaction sa;

	if (initialised)
		return;
	initialised = true;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(on_exit_hook);
}

/* Checked fixture: the forked test process (and so its shell commands' parent) dies with us. */
static void die_with_parent(void)
{
	pid_t parent = getppid();

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
}

void h_tcase_add_fixture(TCase *tc, void (*setup)(void), void (*teardown)(void))
{
	h_init();
	/* A TCase whose setup failed had no teardown: stop what it left first. */
	tcase_add_unchecked_fixture(tc, h_stop_all, NULL);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, die_with_parent, NULL);
}

const char *h_redisfs_bin(void)
{
	const char *bin = getenv("REDISFS_BIN");

	ck_assert_msg(bin && *bin, "REDISFS_BIN is not set: run through meson test");
	ck_assert_msg(access(bin, X_OK) == 0, "REDISFS_BIN=%s is not executable: %s", bin,
		      strerror(errno));
	return bin;
}

int h_free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	ck_assert_msg(bind(fd, (struct sockaddr *) &sin, sizeof sin) == 0, "bind: %s",
		      strerror(errno));
	ck_assert_msg(getsockname(fd, (struct sockaddr *) &sin, &len) == 0, "getsockname: %s",
		      strerror(errno));
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static struct h_redis *redis_slot(void)
{
	for (int i = 0; i < MAX_REDIS; i++)
		if (!redis_slots[i].owner)
			return &redis_slots[i];
	ck_abort_msg("more than %d redis-servers at once", MAX_REDIS);
	return NULL;
}

static struct h_mount *mount_slot(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++)
		if (!mount_slots[i].owner)
			return &mount_slots[i];
	ck_abort_msg("more than %d mounts at once", MAX_MOUNTS);
	return NULL;
}

/* A plain connection to `r`: its port, or its unix socket when its port speaks only TLS. */
static redisContext *connect_plain(const struct h_redis *r, struct timeval tv)
{
	if (r->socket[0])
		return redisConnectUnixWithTimeout(r->socket, tv);
	return redisConnectWithTimeout("127.0.0.1", r->port, tv);
}

redisContext *h_redis_connect_raw(const struct h_redis *r, struct timeval tv)
{
	return connect_plain(r, tv);
}

/* Whether `r` answers PING (any reply: NOAUTH is an answer too). */
static bool redis_answers(const struct h_redis *r)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
	redisContext *c = connect_plain(r, tv);
	redisReply *reply = NULL;
	bool ok = false;

	if (c && !c->err) {
		redisSetTimeout(c, tv);
		reply = redisCommand(c, "PING");
		ok = reply != NULL;
	}
	if (reply)
		freeReplyObject(reply);
	if (c)
		redisFree(c);
	return ok;
}

/* One try at starting a server on `port`; returns true when it answers. */
static bool redis_try_start(struct h_redis *r, const char *const *extra, char *why, size_t whylen)
{
	const char *argv[64];
	char port[16];
	int argc = 0, status;
	bool tls_given = false;
	pid_t parent = getpid();
	double deadline;

	snprintf(port, sizeof port, "%d", r->port);
	argv[argc++] = "/usr/bin/redis-server";
	if (r->conf[0]) {
		argv[argc++] = r->conf; /* a sentinel rewrites its config file: it must have one */
		argv[argc++] = "--sentinel";
	}
	if (r->socket[0]) {
		argv[argc++] = "--port";
		argv[argc++] = "0";
		argv[argc++] = "--unixsocket";
		argv[argc++] = r->socket;
		argv[argc++] = "--tls-port";
	} else {
		argv[argc++] = "--port";
	}
	argv[argc++] = port;
	argv[argc++] = "--bind";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "--dir";
	argv[argc++] = r->dir;
	argv[argc++] = "--save";
	argv[argc++] = "";
	argv[argc++] = "--appendonly";
	argv[argc++] = "no";
	argv[argc++] = "--daemonize";
	argv[argc++] = "no";
	for (int i = 0; extra && extra[i]; i++) {
		ck_assert_msg(argc < 53, "too many redis-server arguments");
		argv[argc++] = extra[i];
		tls_given = tls_given || !strcmp(extra[i], "--tls-cert-file");
	}
	if (r->socket[0] && !tls_given)
		argc += (int) h_tls_server_args(NULL, false, argv + argc);
	argv[argc] = NULL;

	r->owner = getpid();
	r->pid = fork();
	ck_assert_msg(r->pid >= 0, "fork: %s", strerror(errno));
	if (r->pid == 0) {
		h_child_die_with(parent, SIGKILL);
		h_child_stdio(r->log, true);
		execv(argv[0], (char *const *) argv);
		_exit(127);
	}

	deadline = h_now() + H_WAIT_SECONDS;
	while (h_now() < deadline) {
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			char buf[1024];

			r->pid = 0;
			snprintf(why, whylen, "redis-server exited (status 0x%x): %s", status,
				 h_log_head(r->log, buf, sizeof buf));
			return false;
		}
		if (redis_answers(r))
			return true;
		h_nap_ns(POLL_NS);
	}
	stop_pid(r->pid, 1.0);
	r->pid = 0;
	snprintf(why, whylen, "redis-server on port %d did not answer PING in %.0f s", r->port,
		 H_WAIT_SECONDS);
	return false;
}

struct h_redis *h_redis_start(const char *const *extra)
{
	return h_redis_start_as(h_tls_mode() ? H_REDIS_TLS_ONLY : 0, extra);
}

struct h_redis *h_redis_start_as(unsigned kind, const char *const *extra)
{
	struct h_redis *r;
	char why[1200] = "";

	h_init();
	ck_assert_msg(access("/usr/bin/redis-server", X_OK) == 0,
		      "/usr/bin/redis-server is missing: the integration tests need a real server");
	r = redis_slot();
	memset(r, 0, sizeof *r);
	r->owner = getpid();
	h_temp_dir(r->dir, sizeof r->dir, "redis");
	h_join_path(r->log, sizeof r->log, r->dir, "redis.log");
	if (kind & H_REDIS_TLS_ONLY)
		h_join_path(r->socket, sizeof r->socket, r->dir, "redis.sock");
	if (kind & H_REDIS_SENTINEL) {
		h_join_path(r->conf, sizeof r->conf, r->dir, "sentinel.conf");
		ck_assert_msg(h_write_file(r->conf, "", 0, 0600) == 0, "cannot write %s", r->conf);
	}
	for (int i = 0; extra && extra[i]; i++)
		if (!strcmp(extra[i], "--requirepass") && extra[i + 1])
			snprintf(r->password, sizeof r->password, "%s", extra[i + 1]);

	for (int attempt = 0; attempt < START_TRIES; attempt++) {
		r->port = h_free_port();
		if (redis_try_start(r, extra, why, sizeof why))
			return r;
	}
	ck_abort_msg("cannot start redis-server: %s", why);
	return NULL;
}

/* Remove every file in a directory the harness made (not recursive), then the directory. */
static void remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

void h_redis_stop(struct h_redis *r)
{
	if (!r || r->owner != getpid())
		return;
	stop_pid(r->pid, KILL_GRACE_SECONDS);
	remove_flat_dir(r->dir);
	memset(r, 0, sizeof *r);
}

void h_redis_halt(struct h_redis *r)
{
	ck_assert_msg(r->owner == getpid(),
		      "h_redis_halt: only the process that started the server can stop and "
		      "restart it (run the test with CK_NOFORK)");
	stop_pid(r->pid, KILL_GRACE_SECONDS);
	r->pid = 0;
}

void h_redis_restart(struct h_redis *r, const char *const *extra)
{
	char why[1200] = "";

	ck_assert_msg(r->owner == getpid(),
		      "h_redis_restart: only the process that started the server can restart it");
	if (r->pid)
		h_redis_halt(r);
	r->password[0] = '\0';
	for (int i = 0; extra && extra[i]; i++)
		if (!strcmp(extra[i], "--requirepass") && extra[i + 1])
			snprintf(r->password, sizeof r->password, "%s", extra[i + 1]);
	/* the port was ours a moment ago; redis binds with SO_REUSEADDR */
	for (int attempt = 0; attempt < START_TRIES; attempt++) {
		if (redis_try_start(r, extra, why, sizeof why))
			return;
		h_nap_ns(100 * POLL_NS);
	}
	ck_abort_msg("cannot restart redis-server on port %d: %s", r->port, why);
}

/* The state letter of /proc/PID/stat ('R', 'S', 'T' stopped, ...), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *paren;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	paren = strrchr(buf, ')'); /* PID (COMM) STATE ...: COMM may hold anything */
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

void h_redis_freeze(const struct h_redis *r, bool frozen)
{
	ck_assert_msg(r->pid > 0, "h_redis_freeze: the server is not running");
	ck_assert_msg(kill(r->pid, frozen ? SIGSTOP : SIGCONT) == 0, "kill %d: %s", (int) r->pid,
		      strerror(errno));
	for (double deadline = h_now() + H_WAIT_SECONDS; h_now() < deadline;) {
		char state = proc_state(r->pid);

		if (frozen ? state == 'T' : state != 'T')
			return;
		h_nap_ns(POLL_NS);
	}
	ck_abort_msg("redis-server %d did not %s", (int) r->pid, frozen ? "stop" : "continue");
}

static redisReply *vcommand(redisContext *c, const char *fmt, va_list ap)
{
	redisReply *reply = redisvCommand(c, fmt, ap);

	ck_assert_msg(reply, "redis command '%s' got no reply: %s", fmt, c->errstr);
	return reply;
}

redisContext *h_redis_connect(const struct h_redis *r, int db)
{
	struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
	redisContext *c = connect_plain(r, tv);

	ck_assert_msg(c && !c->err, "cannot connect to redis on port %d: %s", r->port,
		      c ? c->errstr : "out of memory");
	redisSetTimeout(c, tv);
	if (r->password[0])
		h_cmd_ok(c, "AUTH %s", r->password);
	h_cmd_ok(c, "SELECT %d", db);
	return c;
}

redisReply *h_cmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;

	va_start(ap, fmt);
	reply = vcommand(c, fmt, ap);
	va_end(ap);
	return reply;
}

void h_cmd_ok(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;

	va_start(ap, fmt);
	reply = vcommand(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(reply->type != REDIS_REPLY_ERROR, "redis command '%s' failed: %s", fmt,
		      reply->str);
	freeReplyObject(reply);
}

long long h_cmd_int(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;
	long long v;

	va_start(ap, fmt);
	reply = vcommand(c, fmt, ap);
	va_end(ap);
	ck_assert_msg(reply->type == REDIS_REPLY_INTEGER, "redis command '%s' gave type %d (%s)",
		      fmt, reply->type, reply->type == REDIS_REPLY_ERROR ? reply->str : "");
	v = reply->integer;
	freeReplyObject(reply);
	return v;
}

bool h_mount_info(const char *dir, char *fstype, size_t fstype_len, char *source, size_t source_len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	ck_assert_msg(f, "/proc/self/mountinfo: %s", strerror(errno));
	while (!found && getline(&line, &cap, f) > 0) {
		char mnt[H_PATH_MAX * 2], type[256], src[H_PATH_MAX * 2];
		char *sep = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE SUPEROPTS */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(sep + 3, "%255s %1023s", type, src) != 2)
			continue;
		if (strcmp(mnt, dir))
			continue;
		found = true;
		if (fstype)
			snprintf(fstype, fstype_len, "%s", type);
		if (source)
			snprintf(source, source_len, "%s", src);
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * $REDISFS_WRAPPER: words put before the daemon's command line (valgrind, say).
 * A valgrind wrapper gets --log-file=WORK/wrapper.log, so that its report
 * neither mixes with the daemon's log nor is lost. Returns the word count;
 * `copy` holds the words' storage, to be freed after the fork.
 */
static int wrapper_words(const struct h_mount *m, const char **argv, int room, char **copy)
{
	const char *env = getenv("REDISFS_WRAPPER");
	char *save = NULL, *word;
	int argc = 0;

	*copy = NULL;
	if (!env || !*env)
		return 0;
	*copy = malloc(strlen(env) + 1 + sizeof m->wrapper_log + 16);
	ck_assert_msg(*copy, "out of memory");
	strcpy(*copy, env);
	for (word = strtok_r(*copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		ck_assert_msg(argc < room - 1, "REDISFS_WRAPPER has too many words");
		argv[argc++] = word;
	}
	if (argc && !strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0],
			    "valgrind")) {
		char *opt = *copy + strlen(env) + 1;

		sprintf(opt, "--log-file=%s", m->wrapper_log);
		argv[argc++] = opt;
	}
	return argc;
}

struct h_mount *h_mount_start(const struct h_redis *r, const struct h_mount_spec *spec)
{
	static const struct h_mount_spec none;
	static char options[2 * H_PATH_MAX];
	struct h_mount_spec tls_spec;
	const char *bin = h_redisfs_bin();
	const char *argv[48];
	char *wrapper_copy;
	int argc = 0, status;
	pid_t parent = getpid();
	struct h_mount *m;
	double deadline;
	char type[256];

	h_init();
	if (!spec)
		spec = &none;
	m = mount_slot();
	memset(m, 0, sizeof *m);
	m->owner = getpid();
	h_temp_dir(m->work, sizeof m->work, "mount");
	h_join_path(m->mnt, sizeof m->mnt, m->work, "mnt");
	h_join_path(m->log, sizeof m->log, m->work, "daemon.log");
	h_join_path(m->wrapper_log, sizeof m->wrapper_log, m->work, "wrapper.log");
	ck_assert_msg(mkdir(m->mnt, 0755) == 0, "mkdir %s: %s", m->mnt, strerror(errno));
	if (spec->url)
		snprintf(m->url, sizeof m->url, "%s", spec->url);
	else
		h_redis_url(r, NULL, m->url, sizeof m->url);
	/* a rediss:// mount trusts the test CA, unless the test chose its own tls_* options */
	if (h_tls_mode() && !strncmp(m->url, "rediss", 6) &&
	    !(spec->options && strstr(spec->options, "tls_"))) {
		snprintf(options, sizeof options, "tls_ca=%s%s%s", h_tls()->ca,
			 spec->options ? "," : "", spec->options ? spec->options : "");
		tls_spec = *spec;
		tls_spec.options = options;
		spec = &tls_spec;
	}

	argc = wrapper_words(m, argv, 40, &wrapper_copy);
	argv[argc++] = bin;
	argv[argc++] = m->url;
	argv[argc++] = m->mnt;
	argv[argc++] = "-f";
	if (spec->options) {
		argv[argc++] = "-o";
		argv[argc++] = spec->options;
	}
	argv[argc] = NULL;

	m->pid = fork();
	ck_assert_msg(m->pid >= 0, "fork: %s", strerror(errno));
	if (m->pid == 0) {
		h_child_die_with(parent, SIGTERM);
		h_child_stdio(m->log, true);
		if (spec->auth)
			setenv("REDISCLI_AUTH", spec->auth, 1);
		else
			unsetenv("REDISCLI_AUTH");
		execvp(argv[0], (char *const *) argv);
		_exit(127);
	}
	free(wrapper_copy);

	deadline = h_now() + H_WAIT_SECONDS * h_time_scale();
	while (h_now() < deadline) {
		if (h_mount_info(m->mnt, type, sizeof type, NULL, 0)) {
			ck_assert_msg(!strcmp(type, "fuse.redisfs"),
				      "%s is mounted with type %s, not fuse.redisfs", m->mnt, type);
			return m;
		}
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			char buf[2048];

			m->pid = 0;
			ck_abort_msg("redisfs %s %s -f%s%s exited (%s %d) before mounting: %s",
				     m->url, m->mnt, spec->options ? " -o " : "",
				     spec->options ? spec->options : "",
				     WIFEXITED(status) ? "status" : "signal",
				     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				     h_log_head(m->log, buf, sizeof buf));
		}
		h_nap_ns(POLL_NS);
	}
	{
		char buf[2048];

		ck_abort_msg("%s was not mounted within %.0f s; daemon log: %s", m->mnt,
			     H_WAIT_SECONDS * h_time_scale(), h_log_head(m->log, buf, sizeof buf));
	}
	return NULL;
}

/* Run argv (NULL-terminated) with stdio on /dev/null and wait, bounded. Returns its status or -1.
 */
static int run_quiet(const char *const *argv, double seconds)
{
	pid_t pid = fork();
	int status;

	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		h_child_stdio("/dev/null", true);
		execvp(argv[0], (char *const *) argv);
		_exit(127);
	}
	if (!h_wait_bounded(pid, seconds, &status)) {
		stop_pid(pid, 1.0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Copy a whole log file to our stderr, for a failure's record; never fails. */
static void dump_log(const char *what, const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	fprintf(stderr, "---- %s (%s) ----\n", what, path);
	fflush(stderr);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(2, buf, (size_t) n) != n)
			break;
	close(fd);
	fprintf(stderr, "---- end of %s ----\n", what);
}

/*
 * A daemon must exit with status 0 once unmounted: anything else is a crash,
 * a hang, or a report of valgrind (--error-exitcode) or a sanitizer (leaks).
 */
static void check_daemon_exit(const struct h_mount *m, bool exited, int status)
{
	if (exited && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	daemon_failures++;
	if (!exited)
		fprintf(stderr, "harness: redisfs %d on %s did not exit within %.0f s of its "
				"unmount\n", (int) m->pid, m->mnt, H_WAIT_SECONDS * h_time_scale());
	else
		fprintf(stderr, "harness: redisfs %d on %s exited with %s %d after its unmount\n",
			(int) m->pid, m->mnt, WIFEXITED(status) ? "status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	dump_log("daemon log", m->log);
	dump_log("wrapper log", m->wrapper_log);
}

void h_mount_stop(struct h_mount *m)
{
	const char *argv[] = {"fusermount3", "-u", m ? m->mnt : "", NULL};
	double wait = H_WAIT_SECONDS * h_time_scale();
	int status = 0;
	bool exited;

	if (!m || m->owner != getpid())
		return;
	if (h_mount_info(m->mnt, NULL, 0, NULL, 0) && run_quiet(argv, H_WAIT_SECONDS) != 0)
		umount2(m->mnt, MNT_DETACH);
	if (m->pid > 0) {
		exited = h_wait_bounded(m->pid, wait, &status);
		check_daemon_exit(m, exited, status);
		if (!exited)
			stop_pid(m->pid, 1.0);
	}
	if (h_mount_info(m->mnt, NULL, 0, NULL, 0))
		umount2(m->mnt, MNT_DETACH);
	unlink(m->log);
	unlink(m->wrapper_log);
	rmdir(m->mnt);
	rmdir(m->work);
	memset(m, 0, sizeof *m);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

const char *h_scratch_dir(void)
{
	h_init();
	for (int i = 0; i < MAX_SCRATCH; i++) {
		if (scratch_slots[i].owner)
			continue;
		h_temp_dir(scratch_slots[i].path, sizeof scratch_slots[i].path, "scratch");
		scratch_slots[i].owner = getpid();
		return scratch_slots[i].path;
	}
	ck_abort_msg("more than %d scratch directories", MAX_SCRATCH);
	return NULL;
}

/*
 * The normal-path end of scratch directories: unmount anything left on them,
 * then remove them recursively without crossing a mount point (FTW_MOUNT), so
 * that a removal can never reach into a Redis database.
 */
static void scratch_cleanup(void)
{
	pid_t self = getpid();

	for (int i = 0; i < MAX_SCRATCH; i++) {
		if (scratch_slots[i].owner != self)
			continue;
		if (h_mount_info(scratch_slots[i].path, NULL, 0, NULL, 0))
			umount2(scratch_slots[i].path, MNT_DETACH);
		nftw(scratch_slots[i].path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		scratch_slots[i].owner = 0;
	}
}

/* Append up to what `fd` has now to a growing buffer; returns false at EOF or error. */
static bool drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap : 4096);

		while (ncap < *len + n + 1)
			ncap *= 2;
		*buf = realloc(*buf, ncap);
		ck_assert_msg(*buf, "out of memory");
		*cap = ncap;
	}
	memcpy(*buf + *len, chunk, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/*
 * Run argv in `cwd` with REDISCLI_AUTH as given (`set_auth`: set to `auth`, or
 * unset when NULL), capturing stdout and stderr when `res` is not NULL,
 * killing it after `timeout` seconds. Returns the status as in struct h_run.
 */
static int spawn(const char *const *argv, const char *cwd, bool set_auth, const char *auth,
		 double timeout, struct h_run *res)
{
	int outp[2] = {-1, -1}, errp[2] = {-1, -1};
	size_t ocap = 0, ecap = 0;
	pid_t parent = getpid(), pid;
	double deadline;
	int status;

	if (res) {
		memset(res, 0, sizeof *res);
		ck_assert_msg(pipe2(outp, O_CLOEXEC) == 0 && pipe2(errp, O_CLOEXEC) == 0,
			      "pipe: %s", strerror(errno));
	}
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);

		h_child_die_with(parent, SIGKILL);
		if (in < 0 || dup2(in, 0) < 0)
			_exit(127);
		if (res && (dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0))
			_exit(127);
		if (cwd && chdir(cwd) != 0) {
			dprintf(2, "cd %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		if (set_auth) {
			if (auth)
				setenv("REDISCLI_AUTH", auth, 1);
			else
				unsetenv("REDISCLI_AUTH");
		}
		setenv("LC_ALL", "C", 1);
		execv(argv[0], (char *const *) argv);
		_exit(127);
	}

	deadline = h_now() + timeout;
	if (res) {
		char *obuf = NULL, *ebuf = NULL;
		bool oopen = true, eopen = true;

		close(outp[1]);
		close(errp[1]);
		while ((oopen || eopen) && h_now() < deadline) {
			struct pollfd p[2] = {{.fd = oopen ? outp[0] : -1, .events = POLLIN},
					      {.fd = eopen ? errp[0] : -1, .events = POLLIN}};

			if (poll(p, 2, 100) <= 0)
				continue;
			if (p[0].revents && !drain(outp[0], &obuf, &res->out_len, &ocap))
				oopen = false;
			if (p[1].revents && !drain(errp[0], &ebuf, &res->err_len, &ecap))
				eopen = false;
		}
		close(outp[0]);
		close(errp[0]);
		res->out = obuf ? obuf : strdup("");
		res->err = ebuf ? ebuf : strdup("");
	}
	if (!h_wait_bounded(pid, deadline - h_now() > 0 ? deadline - h_now() : 0,
			  &status)) {
		stop_pid(pid, 2.0);
		status = -1;
	} else {
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (res)
		res->status = status;
	return status;
}

void h_run_redisfs(const char *const *args, const char *auth, double timeout, struct h_run *res)
{
	const char *argv[32];
	int argc = 0;

	static char tls_ca[H_PATH_MAX + 8];
	bool rediss = false, tls_given = false;

	argv[argc++] = h_redisfs_bin();
	for (int i = 0; args && args[i]; i++) {
		ck_assert_msg(argc < 29, "too many arguments");
		argv[argc++] = args[i];
		rediss = rediss || !strncmp(args[i], "rediss", 6);
		tls_given = tls_given || strstr(args[i], "tls_");
	}
	/* the TLS run of a suite: its rediss:// URLs trust the test CA, as h_mount_start()'s do */
	if (h_tls_mode() && rediss && !tls_given) {
		snprintf(tls_ca, sizeof tls_ca, "tls_ca=%s", h_tls()->ca);
		argv[argc++] = "-o";
		argv[argc++] = tls_ca;
	}
	argv[argc] = NULL;
	spawn(argv, NULL, true, auth, timeout, res);
}

void h_run_free(struct h_run *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}

int h_sh(const char *cwd, const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int status;

	va_start(ap, fmt);
	cmd = h_vformat(fmt, ap);
	va_end(ap);
	{
		const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

		status = spawn(argv, cwd, false, NULL, SHELL_SECONDS * h_time_scale(), NULL);
	}
	free(cmd);
	return status;
}

int h_sh_out(const char *cwd, struct h_run *res, const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int status;

	va_start(ap, fmt);
	cmd = h_vformat(fmt, ap);
	va_end(ap);
	{
		const char *argv[] = {"/bin/sh", "-c", cmd, NULL};

		status = spawn(argv, cwd, false, NULL, SHELL_SECONDS * h_time_scale(), res);
	}
	free(cmd);
	return status;
}

char *h_path(char *out, size_t len, const struct h_mount *m, const char *rel)
{
	h_join_path(out, len, m->mnt, rel);
	return out;
}

int h_read_file(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			free(*buf);
			*buf = NULL;
			return -err;
		}
		if (n == 0)
			break;
		if (*len + n + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			while (cap < *len + n + 1)
				cap *= 2;
			*buf = realloc(*buf, cap);
			ck_assert_msg(*buf, "out of memory");
		}
		memcpy(*buf + *len, chunk, n);
		*len += n;
	}
	close(fd);
	if (!*buf)
		*buf = calloc(1, 1);
	else
		(*buf)[*len] = '\0';
	return 0;
}

int h_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = buf;

	if (fd < 0)
		return -errno;
	/* The umask must not widen or narrow what the test asked for. */
	if (fchmod(fd, mode) != 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		p += n;
		len -= n;
	}
	return close(fd) == 0 ? 0 : -errno;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

int h_list(const char *dir, struct h_names *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	names->v = NULL;
	names->n = 0;
	if (!d)
		return -errno;
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (names->n == cap) {
			cap = cap ? cap * 2 : 64;
			names->v = realloc(names->v, cap * sizeof *names->v);
			ck_assert_msg(names->v, "out of memory");
		}
		names->v[names->n] = strdup(e->d_name);
		ck_assert_msg(names->v[names->n], "out of memory");
		names->n++;
		errno = 0;
	}
	if (errno) {
		int err = errno;

		closedir(d);
		h_names_free(names);
		return -err;
	}
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof *names->v, compare_names);
	return 0;
}

void h_names_free(struct h_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}

bool h_names_has(const struct h_names *names, const char *name)
{
	return names->n &&
	       bsearch(&name, names->v, names->n, sizeof *names->v, compare_names) != NULL;
}

#define NAME_MAX_BYTES 255 /* SPEC 3: longer encodings are shortened */
#define NAME_KEEP      200 /* SPEC 3: encoded bytes kept before '~' */

static bool must_escape(unsigned char c)
{
	return c == '/' || c == '%' || c < 0x20 || c == 0x7F;
}

size_t h_key_name(const char *key, size_t len, char *out, bool *hashed)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t full = 0, n = 0;

	*hashed = false;
	if (len == 0) {
		strcpy(out, "%");
		return 1;
	}
	if (len == 1 && key[0] == '.') {
		strcpy(out, "%2E");
		return 3;
	}
	if (len == 2 && key[0] == '.' && key[1] == '.') {
		strcpy(out, "%2E%2E");
		return 6;
	}
	for (size_t i = 0; i < len; i++)
		full += must_escape((unsigned char) key[i]) ? 3 : 1;
	if (full > NAME_MAX_BYTES)
		*hashed = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) key[i];
		size_t w = must_escape(c) ? 3 : 1;

		/* A shortened name never cuts a %XX: it stops before one that would pass 200. */
		if (*hashed && n + w > NAME_KEEP)
			break;
		if (w == 3) {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char) c;
		}
	}
	if (*hashed)
		out[n++] = '~';
	out[n] = '\0';
	return n;
}

static int compare_replies(const void *a, const void *b)
{
	const redisReply *x = *(redisReply *const *) a, *y = *(redisReply *const *) b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->str, y->str, n);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

redisReply *h_all_keys(redisContext *c)
{
	redisReply *reply = h_cmd(c, "KEYS *");

	ck_assert_msg(reply->type == REDIS_REPLY_ARRAY, "KEYS * gave type %d", reply->type);
	if (reply->elements)
		qsort(reply->element, reply->elements, sizeof *reply->element, compare_replies);
	return reply;
}

/* A growing byte buffer for expected contents. */
struct text {
	char *p;
	size_t len, cap;
};

static void text_add(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (cap < t->len + n + 1)
			cap *= 2;
		t->p = realloc(t->p, cap);
		ck_assert_msg(t->p, "out of memory");
		t->cap = cap;
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* SPEC 4 escaping inside the lines of a non-string value. */
static void text_add_escaped(struct text *t, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) p[i];
		char esc[4];

		if (c == '\\')
			text_add(t, "\\\\", 2);
		else if (c == '\n')
			text_add(t, "\\n", 2);
		else if (c == '\t')
			text_add(t, "\\t", 2);
		else if (c == '\r')
			text_add(t, "\\r", 2);
		else if (c < 0x20 || c == 0x7F) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			text_add(t, esc, 4);
		} else {
			text_add(t, p + i, 1);
		}
	}
}

static int compare_pairs(const void *a, const void *b)
{
	/* Each element points at the first reply of a (field, value) pair. */
	return compare_replies(a, b);
}

static redisReply *array_reply(redisContext *c, const char *what, int argc, const char **argv,
			       const size_t *lens)
{
	redisReply *r = redisCommandArgv(c, argc, argv, lens);

	ck_assert_msg(r, "%s: no reply: %s", what, c->errstr);
	ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "%s gave type %d (%s)", what, r->type,
		      r->type == REDIS_REPLY_ERROR ? r->str : "");
	return r;
}

int h_expected_content(redisContext *c, const char *key, size_t klen, char **out, size_t *len)
{
	redisReply *type = h_cmd(c, "TYPE %b", key, klen);
	struct text t = {0};
	redisReply *r = NULL;

	ck_assert_msg(type->type == REDIS_REPLY_STATUS, "TYPE gave type %d", type->type);
	if (!strcmp(type->str, "none")) {
		freeReplyObject(type);
		return -ENOENT;
	}
	text_add(&t, "", 0);
	if (!strcmp(type->str, "string")) {
		r = h_cmd(c, "GET %b", key, klen);
		ck_assert_msg(r->type == REDIS_REPLY_STRING, "GET gave type %d", r->type);
		text_add(&t, r->str, r->len);
	} else if (!strcmp(type->str, "list") || !strcmp(type->str, "set")) {
		bool list = !strcmp(type->str, "list");
		const char *argv[] = {list ? "LRANGE" : "SMEMBERS", key, "0", "-1"};
		const size_t lens[] = {strlen(argv[0]), klen, 1, 2};

		r = array_reply(c, argv[0], list ? 4 : 2, argv, lens);
		if (!list && r->elements)
			qsort(r->element, r->elements, sizeof *r->element, compare_replies);
		for (size_t i = 0; i < r->elements; i++) {
			text_add_escaped(&t, r->element[i]->str, r->element[i]->len);
			text_add(&t, "\n", 1);
		}
	} else if (!strcmp(type->str, "zset") || !strcmp(type->str, "hash")) {
		bool zset = !strcmp(type->str, "zset");
		const char *argv[] = {zset ? "ZRANGE" : "HGETALL", key, "0", "-1", "WITHSCORES"};
		const size_t lens[] = {strlen(argv[0]), klen, 1, 2, 10};
		redisReply **pairs;
		size_t n;

		r = array_reply(c, argv[0], zset ? 5 : 2, argv, lens);
		n = r->elements / 2;
		pairs = calloc(n ? n : 1, sizeof *pairs);
		ck_assert_msg(pairs, "out of memory");
		for (size_t i = 0; i < n; i++)
			pairs[i] = r->element[2 * i];
		/* A hash is sorted bytewise by field; a zset keeps its rank order. */
		if (!zset && n)
			qsort(pairs, n, sizeof *pairs, compare_pairs);
		for (size_t i = 0; i < n; i++) {
			size_t at = 0;

			while (r->element[at] != pairs[i])
				at++;
			text_add_escaped(&t, pairs[i]->str, pairs[i]->len);
			text_add(&t, "\t", 1);
			text_add_escaped(&t, r->element[at + 1]->str, r->element[at + 1]->len);
			text_add(&t, "\n", 1);
		}
		free(pairs);
	} else if (!strcmp(type->str, "stream")) {
		const char *argv[] = {"XRANGE", key, "-", "+"};
		const size_t lens[] = {6, klen, 1, 1};

		r = array_reply(c, "XRANGE", 4, argv, lens);
		for (size_t i = 0; i < r->elements; i++) {
			redisReply *entry = r->element[i], *fields = entry->element[1];

			text_add_escaped(&t, entry->element[0]->str, entry->element[0]->len);
			for (size_t f = 0; f < fields->elements; f++) {
				text_add(&t, "\t", 1);
				text_add_escaped(&t, fields->element[f]->str,
						 fields->element[f]->len);
			}
			text_add(&t, "\n", 1);
		}
	} else {
		ck_abort_msg("no expectation for a key of type %s", type->str);
	}
	if (r)
		freeReplyObject(r);
	freeReplyObject(type);
	*out = t.p;
	*len = t.len;
	return 0;
}

static bool is_hash_suffix(const char *s)
{
	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[16] == '\0';
}

/* Whether the file at `path` holds exactly (want, wlen). */
static bool file_holds(const char *path, const char *want, size_t wlen)
{
	char *got;
	size_t glen;
	bool same;

	if (h_read_file(path, &got, &glen) != 0)
		return false;
	same = glen == wlen && !memcmp(got, want, wlen);
	free(got);
	return same;
}

/*
 * The entry of `names` (not yet in `used`, when given) that is a shortened
 * name with `prefix` and, when `want` is given, holds it. Returns its index or -1.
 */
static long find_hashed(const char *dir, const struct h_names *names, const bool *used,
			const char *prefix, const char *want, size_t wlen, size_t *matches)
{
	size_t plen = strlen(prefix);
	long found = -1;

	*matches = 0;
	for (size_t i = 0; i < names->n; i++) {
		char path[H_PATH_MAX + 300];

		if ((used && used[i]) || strncmp(names->v[i], prefix, plen) ||
		    !is_hash_suffix(names->v[i] + plen))
			continue;
		(*matches)++;
		if (found >= 0)
			continue;
		h_join_path(path, sizeof path, dir, names->v[i]);
		if (!want || file_holds(path, want, wlen))
			found = (long) i;
	}
	return found;
}

char *h_key_path(const char *dir, redisContext *c, const char *key, size_t klen, char *out,
		 size_t len)
{
	char name[256], *want = NULL;
	size_t wlen = 0, matches;
	struct h_names names;
	bool hashed;
	long at;

	h_key_name(key, klen, name, &hashed);
	if (!hashed) {
		h_join_path(out, len, dir, name);
		return out;
	}
	ck_assert_msg(h_list(dir, &names) == 0, "cannot list %s", dir);
	if (c)
		ck_assert_msg(h_expected_content(c, key, klen, &want, &wlen) == 0,
			      "key %s... does not exist", name);
	at = find_hashed(dir, &names, NULL, name, want, wlen, &matches);
	ck_assert_msg(at >= 0 && (c || matches == 1),
		      "%s holds %zu shortened names %s<16 hex digits> (%s)", dir, matches, name,
		      c ? "none with the key's content" : "want exactly one");
	h_join_path(out, len, dir, names.v[at]);
	h_names_free(&names);
	free(want);
	return out;
}

void h_assert_dir_matches_db(const char *dir, redisContext *c)
{
	redisReply *keys = h_all_keys(c);
	struct h_names names;
	int err = h_list(dir, &names);
	bool *used;

	ck_assert_msg(err == 0, "cannot list %s: %s", dir, strerror(-err));
	ck_assert_msg(names.n == keys->elements, "%s lists %zu names for %zu keys", dir, names.n,
		      keys->elements);
	used = calloc(names.n ? names.n : 1, sizeof *used);
	ck_assert_msg(used, "out of memory");
	for (size_t k = 0; k < keys->elements; k++) {
		const redisReply *key = keys->element[k];
		char name[256], path[H_PATH_MAX + 300], *want, *got;
		size_t wlen, glen, matches;
		struct stat st;
		bool hashed;
		long at;

		h_key_name(key->str, key->len, name, &hashed);
		ck_assert_msg(h_expected_content(c, key->str, key->len, &want, &wlen) == 0,
			      "key for %s vanished", name);
		if (hashed) {
			at = find_hashed(dir, &names, used, name, want, wlen, &matches);
			ck_assert_msg(at >= 0,
				      "%s: no shortened name %s<16 hex digits> holds its key's "
				      "value (%zu candidates)",
				      dir, name, matches);
		} else {
			at = -1;
			for (size_t i = 0; i < names.n && at < 0; i++)
				if (!strcmp(names.v[i], name))
					at = (long) i;
			ck_assert_msg(at >= 0, "%s: the key's name '%s' is not listed", dir, name);
		}
		used[at] = true;
		h_join_path(path, sizeof path, dir, names.v[at]);
		ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
		err = h_read_file(path, &got, &glen);
		ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
		ck_assert_msg(glen == wlen && !memcmp(got, want, wlen),
			      "%s holds %zu bytes '%.60s', Redis says %zu bytes '%.60s'", path,
			      glen, got, wlen, want);
		ck_assert_msg((size_t) st.st_size == glen, "%s: st_size %lld, read gives %zu bytes",
			      path, (long long) st.st_size, glen);
		free(got);
		free(want);
	}
	free(used);
	h_names_free(&names);
	freeReplyObject(keys);
}

/* Whether COMMAND INFO flags the command `name` ("get", "config|get") as a write. */
static bool command_writes(redisContext *c, const char *name)
{
	redisReply *r = h_cmd(c, "COMMAND INFO %s", name);
	bool writes = false;

	ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 1, "COMMAND INFO %s failed",
		      name);
	if (r->element[0]->type == REDIS_REPLY_ARRAY) {
		const redisReply *flags = r->element[0]->element[2];

		for (size_t i = 0; i < flags->elements; i++)
			if (!strcmp(flags->element[i]->str, "write"))
				writes = true;
	} else {
		/* Unknown to COMMAND INFO: judge by the usual write commands' names. */
		static const char *const known[] = {"set",	"del",	  "unlink", "flushdb",
						    "flushall", "rename", "move",   "copy",
						    "expire",	"persist"};

		for (size_t i = 0; i < sizeof known / sizeof *known; i++)
			if (!strcmp(name, known[i]))
				writes = true;
	}
	freeReplyObject(r);
	return writes;
}

void h_assert_no_write_command(redisContext *c)
{
	redisReply *info = h_cmd(c, "INFO commandstats");
	char *save = NULL, *text;

	ck_assert_msg(info->type == REDIS_REPLY_STRING, "INFO commandstats gave type %d",
		      info->type);
	text = strdup(info->str);
	ck_assert(text);
	for (char *line = strtok_r(text, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char name[128];
		const char *colon = strchr(line, ':');
		size_t n;

		if (strncmp(line, "cmdstat_", 8) || !colon)
			continue;
		n = (size_t) (colon - line) - 8;
		ck_assert(n < sizeof name);
		memcpy(name, line + 8, n);
		name[n] = '\0';
		ck_assert_msg(!command_writes(c, name), "a write command reached Redis: %s", line);
	}
	free(text);
	freeReplyObject(info);
}

/* Whether `object` starts with one of the '|'-separated prefixes of `allowed`. */
static bool allowed_object(const char *allowed, const char *object)
{
	while (allowed && *allowed) {
		size_t n = strcspn(allowed, "|");

		if (n && !strncmp(object, allowed, n))
			return true;
		allowed += n + (allowed[n] == '|');
	}
	return false;
}

void h_assert_acl_log_clean(redisContext *c, const char *allowed)
{
	redisReply *log = h_cmd(c, "ACL LOG");

	ck_assert_msg(log->type == REDIS_REPLY_ARRAY, "ACL LOG gave type %d", log->type);
	for (size_t i = 0; i < log->elements; i++) {
		const redisReply *e = log->element[i];
		const char *object = "?", *user = "?", *reason = "?";

		for (size_t f = 0; f + 1 < e->elements; f += 2) {
			const char *k = e->element[f]->str, *v = e->element[f + 1]->str;

			if (!k || !v)
				continue;
			if (!strcmp(k, "object"))
				object = v;
			else if (!strcmp(k, "username"))
				user = v;
			else if (!strcmp(k, "reason"))
				reason = v;
		}
		ck_assert_msg(allowed_object(allowed, object),
			      "ACL LOG: user %s was denied '%s' (reason: %s)", user, object,
			      reason);
	}
	freeReplyObject(log);
}

char *h_redis_snapshot(const struct h_redis *r, int databases, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	for (int db = 0; db < databases; db++) {
		redisContext *c = h_redis_connect(r, db);
		redisReply *keys = h_all_keys(c);

		for (size_t i = 0; i < keys->elements; i++) {
			const redisReply *k = keys->element[i];
			redisReply *dump = h_cmd(c, "DUMP %b", k->str, k->len);
			long long ttl = h_cmd_int(c, "PTTL %b", k->str, k->len);
			size_t need = *len + k->len + dump->len + 64;

			ck_assert_int_eq(dump->type, REDIS_REPLY_STRING);
			if (need > cap) {
				cap = need * 2;
				buf = realloc(buf, cap);
				ck_assert(buf);
			}
			*len += (size_t) sprintf(buf + *len, "%d:%zu:", db, k->len);
			memcpy(buf + *len, k->str, k->len);
			*len += k->len;
			*len += (size_t) sprintf(buf + *len, ":%zu:", dump->len);
			memcpy(buf + *len, dump->str, dump->len);
			*len += dump->len;
			/* whether a TTL is set, not its value: that ticks on */
			*len += (size_t) sprintf(buf + *len, ":%lld\n", ttl < 0 ? ttl : 1);
			freeReplyObject(dump);
		}
		freeReplyObject(keys);
		redisFree(c);
	}
	return buf;
}
