/* harness_mysql.c - start, halt, restart and always remove private MariaDB servers for tests. */
#include "harness_mysql.h"

#include <errno.h>
#include <fcntl.h>
#include <mysql.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARIADBD	 "/usr/sbin/mariadbd"
#define INSTALL_DB	 "/usr/bin/mariadb-install-db"
#define MAX_MYSQL	 2     /* servers one TCase may run at once */
#define START_TRIES	 5     /* a free port can be taken between our look and the bind */
#define STOP_GRACE	 5.0   /* seconds for a keeper to kill and reap its server */
#define SIGNAL_GRACE	 1.0   /* the same, from a signal handler */
#define INSTALL_SECONDS	 120.0 /* mariadb-install-db takes ~2 s; a slow CI machine more */
#define SQL_READ_SECONDS 50    /* below check's 60 s, so that a hang fails as ours */
#define TEST_USER	 "redisfs"
#define TEST_PASSWORD	 "Redisfs-test-pw-1"
#define TEST_DATABASE	 "redisfs"

/* What a process asks the keeper, and what it answers: SOCK_SEQPACKET messages. */
struct keeper_request {
	uint32_t seq; /* echoed, so that an answer meant for a killed test is skipped */
	char op;      /* 'S' start on port, 'H' halt, 'F' freeze, 'T' thaw */
	int port;
};

struct keeper_reply {
	uint32_t seq;
	int ok;
	char why[1536];
};

/* The registry: fixed slots, so that a signal handler can walk it without allocating. */
static struct h_mysql slots[MAX_MYSQL];
static struct {
	pid_t owner; /* 0 when there is none */
	char path[H_PATH_MAX];
} install_template;

/* In a keeper process only: the server it runs, for its SIGTERM handler. */
static volatile pid_t keeper_server;

/* Stop everything this process owns. From a signal handler only async-signal-safe calls. */
static int mysql_cleanup(bool in_signal)
{
	pid_t self = getpid();

	for (int i = 0; i < MAX_MYSQL; i++) {
		struct h_mysql *m = &slots[i];

		if (m->owner != self)
			continue;
		/* SIGTERM makes the keeper SIGKILL and reap its server; its group goes too */
		h_stop_process(m->keeper, in_signal ? SIGNAL_GRACE : STOP_GRACE, true);
		if (m->ctl > 0)
			close(m->ctl);
		h_remove_tree(m->dir);
		m->keeper = 0;
		m->ctl = 0;
		m->owner = 0;
		m->dir[0] = '\0';
	}
	if (install_template.owner == self) {
		h_remove_tree(install_template.path);
		install_template.owner = 0;
	}
	return 0;
}

void h_mysql_stop_all(void)
{
	mysql_cleanup(false);
}

void h_mysql_init(void)
{
	h_init();
	/* registered after harness.c's own hooks, so run before them: order does not matter */
	h_at_cleanup(mysql_cleanup, true);
}

void h_mysql_tcase_add_fixture(TCase *tc, void (*setup)(void), void (*teardown)(void))
{
	h_mysql_init();
	tcase_add_unchecked_fixture(tc, h_mysql_stop_all, NULL);
	h_tcase_add_fixture(tc, setup, teardown);
}

/* The OS user we run as: mariadb-install-db makes it a unix_socket superuser. */
static void admin_name(char *out, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());

	ck_assert_msg(pw, "no passwd entry for uid %u", (unsigned int) geteuid());
	ck_assert_msg(strlen(pw->pw_name) < len, "user name too long: %s", pw->pw_name);
	strcpy(out, pw->pw_name);
}

/* One mariadb-install-db per process; each server gets a sparse copy of it (~7 MB, 0.2 s). */
static const char *template_datadir(void)
{
	static char datadir[H_PATH_MAX];
	char log[H_PATH_MAX], user[64], arg_datadir[H_PATH_MAX + 16], arg_user[80], buf[2048];
	char tmp[H_PATH_MAX], arg_tmpdir[H_PATH_MAX + 16];
	int status;

	if (install_template.owner == getpid())
		return datadir;
	admin_name(user, sizeof user);
	h_temp_dir(install_template.path, sizeof install_template.path, "mysql-template");
	install_template.owner = getpid();
	h_join_path(datadir, sizeof datadir, install_template.path, "data");
	h_join_path(log, sizeof log, install_template.path, "install.log");
	/* a private tmpdir: the bootstrap server's temporary tables never meet another's */
	h_join_path(tmp, sizeof tmp, install_template.path, "tmp");
	ck_assert_msg(mkdir(tmp, 0700) == 0, "mkdir %s: %s", tmp, strerror(errno));
	snprintf(arg_tmpdir, sizeof arg_tmpdir, "--tmpdir=%s", tmp);
	snprintf(arg_datadir, sizeof arg_datadir, "--datadir=%s", datadir);
	snprintf(arg_user, sizeof arg_user, "--user=%s", user);
	{
		const char *argv[] = {INSTALL_DB,
				      "--no-defaults",
				      arg_datadir,
				      arg_user,
				      "--auth-root-authentication-method=socket",
				      "--skip-test-db",
				      arg_tmpdir,
				      NULL};

		status = h_run_logged(argv, log, INSTALL_SECONDS);
	}
	ck_assert_msg(status == 0, "mariadb-install-db failed (status %d): %s", status,
		      h_log_tail(log, buf, sizeof buf));
	return datadir;
}

/*
 * A connection as the superuser over the unix socket, or NULL with the
 * reason in `why`. Close it with mysql_close().
 */
static MYSQL *admin_connect(const char *socket_path, const char *admin, unsigned int connect_s,
			    unsigned int read_s, char *why, size_t whylen)
{
	MYSQL *mysql = mysql_init(NULL);

	if (!mysql) {
		snprintf(why, whylen, "mysql_init: out of memory");
		return NULL;
	}
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
	mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &read_s);
	mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &read_s);
	mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(mysql, "localhost", admin, NULL, NULL, 0, socket_path,
				CLIENT_MULTI_STATEMENTS)) {
		snprintf(why, whylen, "%s", mysql_error(mysql));
		mysql_close(mysql);
		return NULL;
	}
	return mysql;
}

/* ---- the keeper: a forked copy of this process that is the server's parent ---- */

static void keeper_on_sigterm(int sig)
{
	(void) sig;
	if (keeper_server > 0) {
		kill(keeper_server, SIGKILL);
		waitpid(keeper_server, NULL, 0);
	}
	_exit(0);
}

static pid_t keeper_spawn(const struct h_mysql *m, int port)
{
	char datadir[H_PATH_MAX + 16], sock[H_PATH_MAX + 16], pidfile[H_PATH_MAX + 32];
	char tmpdir[H_PATH_MAX + 16], portarg[32], user[96];
	const char *argv[] = {MARIADBD,
			      "--no-defaults",
			      datadir,
			      sock,
			      portarg,
			      "--bind-address=127.0.0.1",
			      user,
			      pidfile,
			      tmpdir,
			      "--skip-log-bin",
			      "--skip-name-resolve",
			      "--innodb-buffer-pool-size=32M",
			      "--innodb-flush-log-at-trx-commit=0",
			      "--character-set-server=utf8mb4",
			      "--collation-server=utf8mb4_general_ci",
			      NULL};
	pid_t parent = getpid(), pid;

	snprintf(datadir, sizeof datadir, "--datadir=%s/data", m->dir);
	snprintf(sock, sizeof sock, "--socket=%s", m->socket);
	snprintf(portarg, sizeof portarg, "--port=%d", port);
	snprintf(user, sizeof user, "--user=%s", m->admin);
	snprintf(pidfile, sizeof pidfile, "--pid-file=%s/mariadbd.pid", m->dir);
	snprintf(tmpdir, sizeof tmpdir, "--tmpdir=%s/tmp", m->dir);
	pid = fork();
	if (pid == 0) {
		h_child_die_with(parent, SIGKILL);
		h_child_stdio(m->log, false);
		execv(argv[0], (char *const *) argv);
		_exit(127);
	}
	return pid;
}

/* Start the server and wait until the superuser can connect, or say why not. */
static bool keeper_start(const struct h_mysql *m, int port, char *why, size_t whylen)
{
	double deadline = h_now() + H_MYSQL_WAIT_SECONDS;
	char buf[1024], reason[512] = "";
	pid_t pid;
	int status;

	if (keeper_server > 0) {
		snprintf(why, whylen, "the server is already running");
		return false;
	}
	pid = keeper_spawn(m, port);
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return false;
	}
	keeper_server = pid;
	while (h_now() < deadline) {
		MYSQL *mysql;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			keeper_server = 0;
			snprintf(why, whylen, "mariadbd exited (status 0x%x); its log ends: %s",
				 status, h_log_tail(m->log, buf, sizeof buf));
			return false;
		}
		mysql = admin_connect(m->socket, m->admin, 1, 5, reason, sizeof reason);
		if (mysql) {
			mysql_close(mysql);
			return true;
		}
		h_nap_ns(H_POLL_NS);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	keeper_server = 0;
	snprintf(why, whylen, "mariadbd did not answer in %.0f s (%s); its log ends: %s",
		 H_MYSQL_WAIT_SECONDS, reason, h_log_tail(m->log, buf, sizeof buf));
	return false;
}

static bool keeper_halt(void)
{
	/* SIGCONT first inside: a frozen server cannot shut down */
	h_stop_process(keeper_server, H_MYSQL_WAIT_SECONDS, false);
	keeper_server = 0;
	return true;
}

/* SIGSTOP or SIGCONT the server and wait until waitpid() reports it so. */
static bool keeper_freeze(bool frozen, char *why, size_t whylen)
{
	double deadline = h_now() + H_MYSQL_WAIT_SECONDS;
	pid_t pid = keeper_server;
	int status;

	if (pid <= 0) {
		snprintf(why, whylen, "the server is not running");
		return false;
	}
	kill(pid, frozen ? SIGSTOP : SIGCONT);
	while (h_now() < deadline) {
		pid_t got = waitpid(pid, &status, WNOHANG | (frozen ? WUNTRACED : WCONTINUED));

		if (got == pid && (frozen ? WIFSTOPPED(status) : WIFCONTINUED(status)))
			return true;
		if (got == pid) {
			keeper_server = 0;
			snprintf(why, whylen, "mariadbd exited (status 0x%x)", status);
			return false;
		}
		h_nap_ns(H_POLL_NS);
	}
	snprintf(why, whylen, "mariadbd did not %s", frozen ? "stop" : "continue");
	return false;
}

/* The keeper's life: serve requests until it is told to stop or everyone else is gone. */
static void keeper_main(struct h_mysql *m, int sock) __attribute__((noreturn));

static void keeper_main(struct h_mysql *m, int sock)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = keeper_on_sigterm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	keeper_server = 0;
	for (;;) {
		struct keeper_request req;
		struct keeper_reply rep;
		ssize_t n = recv(sock, &req, sizeof req, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t) sizeof req)
			break; /* 0: every process that could ask has gone */
		memset(&rep, 0, sizeof rep);
		rep.seq = req.seq;
		switch (req.op) {
		case 'S':
			rep.ok = keeper_start(m, req.port, rep.why, sizeof rep.why);
			break;
		case 'H':
			rep.ok = keeper_halt();
			break;
		case 'F':
		case 'T':
			rep.ok = keeper_freeze(req.op == 'F', rep.why, sizeof rep.why);
			break;
		default:
			snprintf(rep.why, sizeof rep.why, "unknown request '%c'", req.op);
		}
		send(sock, &rep, sizeof rep, MSG_NOSIGNAL);
	}
	keeper_on_sigterm(SIGTERM);
	_exit(0);
}

/* Fork the keeper of slot `m`; it runs no server yet. */
static void keeper_fork(struct h_mysql *m)
{
	int sv[2];
	pid_t parent = getpid(), pid;

	ck_assert_msg(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0,
		      "socketpair: %s", strerror(errno));
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		/* its own group: check's killpg() is not for it, and kill(-keeper) gets both */
		setpgid(0, 0);
		h_child_die_with(parent, SIGKILL);
		keeper_main(m, sv[1]);
	}
	setpgid(pid, pid); /* whichever of the two runs first */
	close(sv[1]);
	m->keeper = pid;
	m->ctl = sv[0];
}

/*
 * Ask the keeper for `op` and wait for its answer, bounded. Any process that
 * inherited the slot (check's forked tests) may ask.
 */
static bool keeper_call(struct h_mysql *m, char op, int port, char *why, size_t whylen)
{
	static uint32_t counter;
	struct keeper_request req = {.op = op, .port = port};
	struct keeper_reply rep;
	double deadline = h_now() + H_MYSQL_WAIT_SECONDS + 10;

	req.seq = ((uint32_t) getpid() << 12) ^ ++counter;
	ck_assert_msg(m && m->keeper > 0, "no MariaDB server in this slot");
	if (send(m->ctl, &req, sizeof req, MSG_NOSIGNAL) != (ssize_t) sizeof req) {
		snprintf(why, whylen, "the keeper is gone: %s", strerror(errno));
		return false;
	}
	for (;;) {
		double left = deadline - h_now();
		struct pollfd pfd = {.fd = m->ctl, .events = POLLIN};
		ssize_t n;

		if (left <= 0) {
			snprintf(why, whylen, "the keeper did not answer '%c'", op);
			return false;
		}
		if (poll(&pfd, 1, (int) (left * 1000) + 1) <= 0)
			continue;
		n = recv(m->ctl, &rep, sizeof rep, 0);
		if (n <= 0) {
			snprintf(why, whylen, "the keeper is gone");
			return false;
		}
		if (n == (ssize_t) sizeof rep && rep.seq == req.seq)
			break;
	}
	if (!rep.ok)
		snprintf(why, whylen, "%s", rep.why);
	return rep.ok;
}

static struct h_mysql *mysql_slot(void)
{
	for (int i = 0; i < MAX_MYSQL; i++)
		if (!slots[i].owner)
			return &slots[i];
	ck_abort_msg("more than %d MariaDB servers at once", MAX_MYSQL);
	return NULL;
}

struct h_mysql *h_mysql_start(void)
{
	const char *datadir;
	char dir[H_PATH_MAX], data[H_PATH_MAX], tmp[H_PATH_MAX], copylog[H_PATH_MAX];
	char why[2048] = "";
	struct h_mysql *m;
	bool started = false;
	int status;

	h_mysql_init();
	ck_assert_msg(access(MARIADBD, X_OK) == 0 && access(INSTALL_DB, X_OK) == 0,
		      MARIADBD " or " INSTALL_DB " is missing: install mariadb-server");
	datadir = template_datadir();
	m = mysql_slot();
	memset(m, 0, sizeof *m);
	m->owner = getpid();
	h_temp_dir(m->dir, sizeof m->dir, "mysql");
	/* a copy: GCC cannot tell that two members of one slot do not overlap */
	memcpy(dir, m->dir, sizeof dir);
	h_join_path(m->socket, sizeof m->socket, dir, "mysql.sock");
	ck_assert_msg(strlen(m->socket) < 100, "socket path too long for sun_path: %s", m->socket);
	h_join_path(m->log, sizeof m->log, dir, "mariadbd.log");
	h_join_path(data, sizeof data, dir, "data");
	h_join_path(tmp, sizeof tmp, dir, "tmp");
	h_join_path(copylog, sizeof copylog, dir, "copy.log");
	ck_assert_msg(mkdir(tmp, 0700) == 0, "mkdir %s: %s", tmp, strerror(errno));
	admin_name(m->admin, sizeof m->admin);
	strcpy(m->user, TEST_USER);
	strcpy(m->password, TEST_PASSWORD);
	strcpy(m->database, TEST_DATABASE);
	{
		const char *argv[] = {"cp", "-a", "--sparse=always", datadir, data, NULL};
		char buf[1024];

		status = h_run_logged(argv, copylog, H_MYSQL_WAIT_SECONDS);
		ck_assert_msg(status == 0, "cp %s %s failed (%d): %s", datadir, data, status,
			      h_log_tail(copylog, buf, sizeof buf));
	}

	keeper_fork(m);
	for (int attempt = 0; attempt < START_TRIES && !started; attempt++) {
		m->port = h_free_port();
		started = keeper_call(m, 'S', m->port, why, sizeof why);
		if (!started && !strstr(why, "in use"))
			break;
	}
	ck_assert_msg(started, "cannot start mariadbd: %s", why);
	h_mysql_sql(m,
		    "CREATE DATABASE `%s`;"
		    "CREATE USER '%s'@'localhost' IDENTIFIED BY '%s';"
		    "CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s';"
		    "GRANT SELECT ON `%s`.* TO '%s'@'localhost', '%s'@'127.0.0.1'",
		    m->database, m->user, m->password, m->user, m->password, m->database, m->user,
		    m->user);
	return m;
}

void h_mysql_stop(struct h_mysql *m)
{
	if (!m || m->owner != getpid())
		return;
	h_stop_process(m->keeper, STOP_GRACE, true);
	if (m->ctl > 0)
		close(m->ctl);
	h_remove_tree(m->dir);
	memset(m, 0, sizeof *m);
}

void h_mysql_halt(struct h_mysql *m)
{
	char why[2048];

	ck_assert_msg(keeper_call(m, 'H', 0, why, sizeof why), "cannot halt mariadbd: %s", why);
}

void h_mysql_restart(struct h_mysql *m)
{
	char why[2048];

	ck_assert_msg(keeper_call(m, 'S', m->port, why, sizeof why),
		      "cannot restart mariadbd on port %d: %s", m->port, why);
}

void h_mysql_freeze(struct h_mysql *m, bool frozen)
{
	char why[2048];

	ck_assert_msg(keeper_call(m, frozen ? 'F' : 'T', 0, why, sizeof why),
		      "cannot %s mariadbd: %s", frozen ? "freeze" : "thaw", why);
}

/*
 * Run `sql` (malloc'ed; freed here) as the superuser; on error abort, after
 * closing the connection and freeing (in an unchecked fixture the abort
 * longjmps past any cleanup). With `value`, the first column of the first
 * row is parsed into it.
 */
static void admin_run(const struct h_mysql *m, char *sql, long long *value)
{
	char why[1024] = "", excerpt[301];
	MYSQL *mysql = admin_connect(m->socket, m->admin, 10, SQL_READ_SECONDS, why, sizeof why);
	bool ok = mysql != NULL, got = false;

	if (ok && mysql_real_query(mysql, sql, strlen(sql)))
		ok = false;
	while (ok) {
		MYSQL_RES *res = mysql_store_result(mysql);
		int more;

		if (res) {
			MYSQL_ROW row = mysql_fetch_row(res);

			if (value && !got && row && row[0]) {
				*value = strtoll(row[0], NULL, 10);
				got = true;
			}
			mysql_free_result(res);
		} else if (mysql_field_count(mysql)) {
			ok = false;
			break;
		}
		more = mysql_next_result(mysql); /* 0: another result, -1: done, >0: error */
		if (more > 0)
			ok = false;
		if (more != 0)
			break;
	}
	if (mysql && !ok)
		snprintf(why, sizeof why, "%s (%u)", mysql_error(mysql), mysql_errno(mysql));
	if (mysql)
		mysql_close(mysql);
	snprintf(excerpt, sizeof excerpt, "%s", sql);
	free(sql);
	ck_assert_msg(ok, "SQL failed: %s: %s", why, excerpt);
	ck_assert_msg(!value || got, "SQL gave no integer: %s", excerpt);
}

void h_mysql_sql(const struct h_mysql *m, const char *fmt, ...)
{
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	sql = h_vformat(fmt, ap);
	va_end(ap);
	admin_run(m, sql, NULL);
}

long long h_mysql_int(const struct h_mysql *m, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	long long value = 0;

	va_start(ap, fmt);
	sql = h_vformat(fmt, ap);
	va_end(ap);
	admin_run(m, sql, &value);
	return value;
}

void h_mysql_write_config(const struct h_mysql *m, const char *rules, char *config, size_t len)
{
	char pass[H_PATH_MAX], line[H_PATH_MAX + 64];
	const char *dir = h_scratch_dir();
	char *text;

	snprintf(pass, sizeof pass, "%s/mysql.pass", dir);
	snprintf(line, sizeof line, "%s\n", m->password);
	ck_assert_int_eq(h_write_file(pass, line, strlen(line), 0600), 0);
	text = h_format("[mysql]\nhost = 127.0.0.1\nport = %d\nuser = %s\npassword_file = %s\n"
			"database = %s\n%s",
			m->port, m->user, pass, m->database, rules);
	ck_assert_msg((size_t) snprintf(config, len, "%s/redisfs.ini", dir) < len,
		      "config path too long");
	ck_assert_int_eq(h_write_file(config, text, strlen(text), 0600), 0);
	free(text);
}

void h_mysql_write_ghost_config(const struct h_mysql *m, char *config, size_t len)
{
	h_mysql_write_config(m, "\n[ghosts.q]\nkeys = q:*\ntable = users\ncolumn = id\n", config,
			     len);
}
