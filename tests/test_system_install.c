/* test_system_install.c - SPEC 1: meson install, the man page, syslog of a background daemon. */
#include "system_fixture.h"

#define LOG_PASSWORD "Log-pw-9120" /* the ACL user of the logging tests */
#define RUN_SECONDS  30.0	   /* bound on a command that should take far less */
#define SYSLOG_PRI   "<27>"	   /* LOG_DAEMON | LOG_ERR, as main.c's openlog asks */

static void setup_install(void)
{
	teardown_system(); /* what a failed setup before left: it had no teardown */
	install_into_destdir();
	work = h_scratch_dir();
}

START_TEST(test_meson_install_puts_redisfs_in_bindir)
{
	char bin[2 * H_PATH_MAX];
	struct h_run res;

	ck_assert_msg(bindir[0] == '/', "the helper's bindir '%s' is not absolute", bindir);
	format(bin, sizeof bin, "%s%s/redisfs", destdir, bindir);
	ck_assert_msg(access(bin, X_OK) == 0, "%s: %s", bin, strerror(errno));
	h_sh_out(NULL, &res, "'%s' --version", bin);
	ck_assert_msg(res.status == 0 && strstr(res.out, "redisfs version"),
		      "%s --version: status %d, '%s'", bin, res.status, res.out);
	h_run_free(&res);
}
END_TEST
START_TEST(test_meson_install_puts_the_helpers_in_sbin_whatever_the_prefix)
{
	char want[H_PATH_MAX], link[H_PATH_MAX], target[64];
	struct stat st;
	ssize_t n;

	/* mount(8) looks in /sbin only; the prefix (here bindir's) must not move them */
	join(want, sizeof want, destdir, "sbin/mount.fuse.redisfs");
	ck_assert_str_eq(helper, want);
	ck_assert_int_eq(stat(helper, &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode) && (st.st_mode & 0755) == 0755,
		      "%s has mode %o, want an executable file", helper, st.st_mode);

	join(link, sizeof link, destdir, "sbin/mount.redisfs");
	n = readlink(link, target, sizeof target - 1);
	ck_assert_msg(n > 0, "%s is not a symbolic link: %s", link, strerror(errno));
	target[n] = '\0';
	ck_assert_str_eq(target, "mount.fuse.redisfs");
}
END_TEST
START_TEST(test_meson_install_puts_the_man_page_in_man1)
{
	char want[3 * H_PATH_MAX], prefix[H_PATH_MAX];

	/* the prefix is bindir's parent with the default bindir */
	format(prefix, sizeof prefix, "%s", bindir);
	dirname(prefix);
	format(want, sizeof want, "%s%s/share/man/man1/redisfs.1", destdir, prefix);
	ck_assert_str_eq(manpage, want);
}
END_TEST
START_TEST(test_man_page_renders_without_warnings)
{
	struct h_run res;

	h_sh_out(NULL, &res, "groff -ww -man -Tutf8 '%s' >/dev/null", manpage);
	ck_assert_msg(res.status == 0 && res.err_len == 0, "groff -ww: status %d, warnings:\n%s",
		      res.status, res.err);
	h_run_free(&res);

	h_sh_out(NULL, &res,
		 "MANPAGER=cat MANWIDTH=80 MAN_KEEP_STDERR=1 MANROFFOPT=-ww man -l '%s'", manpage);
	ck_assert_msg(res.status == 0 && res.err_len == 0, "man -l: status %d, stderr:\n%s",
		      res.status, res.err);
	ck_assert_msg(strstr(res.out, "REDISFS(1)"), "man -l shows no REDISFS(1) header:\n%s",
		      res.out);
	h_run_free(&res);
}
END_TEST

/* The man page as man(1) shows it, on one line per paragraph so that words can be found. */
static char *rendered_man_page(void)
{
	struct h_run res;
	char *text;

	h_sh_out(NULL, &res, "MANPAGER=cat MANWIDTH=1000 man -l '%s'", manpage);
	ck_assert_msg(res.status == 0, "man -l: status %d: %s", res.status, res.err);
	text = res.out;
	res.out = NULL;
	h_run_free(&res);
	return text;
}

START_TEST(test_man_page_documents_every_option_folder_errno_and_key)
{
	static const char *const needles[] = {
		/* sections */
		"SYNOPSIS", "OPTIONS", "ERRORS", "CONFIGURATION FILE", "EXIT STATUS", "ENVIRONMENT",
		"FILES", "SEE ALSO",
		/* every -o option of fs/options.c, and FUSE's */
		"ro", "rw", "noflush", "databases=N", "timeout=S", "cache_timeout=S",
		"passfile=PATH", "config=PATH", "allow_other", "-f", "-d", "-s", "--help",
		"--version", "_netdev", "nofail", "noauto",
		/* every folder */
		"dbN", "dbN/KEY", "ghosts/RULE/", "ghosts/RULE/QUEUE/", "ghosts/RULE/QUEUE/MEMBER",
		/* every errno a user can see */
		"ENOENT", "EROFS", "EINVAL", "EPERM", "EACCES", "EEXIST", "EIO", "ESTALE", "ENOSPC",
		"ENODATA", "EOPNOTSUPP", "ERANGE", "EISDIR", "ENOTDIR", "EBUSY",
		/* the config file, every key of fs/config.c */
		"[redis]", "[mysql]", "[ghosts.NAME]", "url", "passfile", "databases", "timeout",
		"cache_timeout", "host", "port", "socket", "user", "password_file", "defaults_file",
		"database", "db", "keys", "table", "column", "member",
		/* mount(8), fstab and systemd */
		"mount.fuse.redisfs", "mount.redisfs", "fuse.redisfs  ro,_netdev,nofail", "[Mount]",
		"Type=fuse.redisfs", "REDISCLI_AUTH", "syslog"};
	char *text = rendered_man_page();

	for (size_t i = 0; i < sizeof needles / sizeof *needles; i++)
		ck_assert_msg(strstr(text, needles[i]), "the man page does not mention '%s'",
			      needles[i]);
	free(text);
}
END_TEST

/*
 * The man page's systemd unit, as a reader would copy it, is one that systemd
 * accepts under the name the page gives it.
 */
START_TEST(test_man_page_systemd_unit_passes_systemd_analyze_verify)
{
	char *text = rendered_man_page(), *start, *end, path[H_PATH_MAX];
	char unit[2048];
	size_t len = 0;
	struct h_run res;

	start = strstr(text, "[Unit]");
	ck_assert_msg(start, "the man page shows no systemd unit");
	end = strstr(start, "WantedBy=");
	ck_assert(end && strchr(end, '\n'));
	end = strchr(end, '\n') + 1;
	/* the page indents the example: the unit file starts each line at the margin */
	for (char *line = start; line < end;) {
		char *nl = strchr(line, '\n');

		line += strspn(line, " ");
		ck_assert(len + (size_t) (nl + 1 - line) < sizeof unit);
		memcpy(unit + len, line, (size_t) (nl + 1 - line));
		len += (size_t) (nl + 1 - line);
		line = nl + 1;
	}
	unit[len] = '\0';
	free(text);
	ck_assert_msg(strstr(unit, "Where=/mnt/redis\n"), "the unit mounts elsewhere:\n%s", unit);
	write_text(join(path, sizeof path, work, "mnt-redis.mount"), unit, 0644);

	h_sh_out(work, &res, "systemd-analyze verify --man=no ./mnt-redis.mount");
	ck_assert_msg(res.status == 0 && res.err_len == 0,
		      "systemd-analyze verify: status %d:\n%s%s\nof the unit:\n%s", res.status,
		      res.out, res.err, unit);
	h_run_free(&res);
}
END_TEST

/*
 * The lines of --help between "redisfs options" and the next empty line:
 * each names an option and its default in brackets, and the man page has it.
 */
START_TEST(test_help_lists_every_option_with_its_default_as_the_man_page_does)
{
	static const char *const options[] = {"-o ro ",
					      "-o rw ",
					      "-o noflush ",
					      "-o databases=N ",
					      "-o timeout=S ",
					      "-o cache_timeout=S ",
					      "-o passfile=PATH ",
					      "-o config=PATH ",
					      "-f ",
					      "-d ",
					      "-s "};
	const char *args[] = {"--help", NULL};
	char *block, *end, *man, *line;
	struct h_run res;
	size_t lines = 0;

	h_run_redisfs(args, NULL, RUN_SECONDS, &res);
	ck_assert_int_eq(res.status, 0);
	block = strstr(res.out, "redisfs options");
	ck_assert_msg(block, "--help has no 'redisfs options' block:\n%s", res.out);
	block = strchr(block, '\n') + 1;
	end = strstr(block, "\n\n");
	ck_assert(end);
	*end = '\0';
	for (size_t i = 0; i < sizeof options / sizeof *options; i++)
		ck_assert_msg(strstr(block, options[i]), "--help does not list '%s':\n%s",
			      options[i], block);
	man = rendered_man_page();
	for (line = strtok(block, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];

		lines++;
		ck_assert_msg(line[strlen(line) - 1] == ']' && strchr(line, '['),
			      "--help gives no default for: %s", line);
		/* "    -o NAME ..." or "    -f ...": the option as the man page names it */
		ck_assert_int_eq(sscanf(line + strspn(line, " "), "-o %63s", name) == 1 ||
					 sscanf(line + strspn(line, " "), "%63s", name) == 1,
				 1);
		ck_assert_msg(strstr(man, name), "the man page does not document %s", name);
	}
	ck_assert_uint_ge(lines, sizeof options / sizeof *options);
	free(man);
	h_run_free(&res);
}
END_TEST

/* -------------------------------------------------------------- logging */

/*
 * A /dev of our own (an overlay, so every device stays) whose /dev/log is a
 * datagram socket this process reads; a server whose ACL user may do
 * everything but UNLINK, so that rm gives a server error to log.
 */
static void setup_logging(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	redisContext *c;

	teardown_system();
	overlay("/dev", NULL);
	overlay("/run", NULL); /* umount(8) keeps its utab there */
	if (unlink("/dev/log") != 0)
		ck_assert_msg(errno == ENOENT, "unlink /dev/log in our overlay: %s",
			      strerror(errno));
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_msg(log_fd >= 0, "socket: %s", strerror(errno));
	format(sun.sun_path, sizeof sun.sun_path, "/dev/log");
	ck_assert_msg(bind(log_fd, (struct sockaddr *) &sun, sizeof sun) == 0,
		      "bind /dev/log in our overlay: %s", strerror(errno));

	open_server = h_redis_start(NULL);
	seed(open_server);
	c = h_redis_connect(open_server, 0);
	h_cmd_ok(c, "ACL SETUSER nounlink on >%s ~* +@all -unlink", LOG_PASSWORD);
	redisFree(c);
	allocate_mountpoints(1);
}

/* Drop whatever earlier tests left in the socket. */
static void drain_syslog(void)
{
	char buf[4096];

	while (recv(log_fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
}

/*
 * The first syslog line that holds `needle`, waiting up to H_WAIT_SECONDS
 * (a bound, not a measure: the daemon sends it before rm returns), or NULL.
 * The caller frees.
 */
static char *syslog_line_with(const char *needle)
{
	char buf[4096];

	for (int i = 0; i < (int) H_WAIT_SECONDS * 10; i++) {
		struct pollfd p = {.fd = log_fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(log_fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, needle))
			return strdup(buf);
	}
	return NULL;
}

START_TEST(test_background_daemon_logs_server_errors_to_syslog)
{
	const char *mnt = mnt_at(0);
	char url[64], path[H_PATH_MAX], tag[64], *line;
	const char *args[] = {url, mnt, NULL};
	struct h_run res;
	pid_t pid;

	drain_syslog();
	url_of(url, sizeof url, open_server, "nounlink");
	h_run_redisfs(args, LOG_PASSWORD, RUN_SECONDS, &res); /* no -f: the background */
	ck_assert_msg(res.status == 0, "redisfs in the background: status %d, stderr %s",
		      res.status, res.err);
	h_run_free(&res);
	assert_redisfs_mount(mnt, url_of(path, sizeof path, open_server, NULL));
	pid = daemon_on(mnt);
	ck_assert(pid > 0);

	ck_assert_int_eq(unlink(join(path, sizeof path, mnt, "db0/victim")), -1);
	ck_assert_int_eq(errno, EACCES);
	line = syslog_line_with("NOPERM");
	ck_assert_msg(line, "no syslog line names the server's NOPERM");
	format(tag, sizeof tag, "redisfs[%d]: ", (int) pid);
	ck_assert_msg(!strncmp(line, SYSLOG_PRI, strlen(SYSLOG_PRI)), "not daemon.err (%s): %s",
		      SYSLOG_PRI, line);
	ck_assert_msg(strstr(line, tag), "the line is not tagged %s: %s", tag, line);
	ck_assert_msg(strstr(line, "db0") && strstr(line, "victim") && strstr(line, "UNLINK"),
		      "the line names no database, key or command: %s", line);
	ck_assert_msg(!strstr(line, LOG_PASSWORD), "the line shows the password: %s", line);
	free(line);
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST
START_TEST(test_foreground_daemon_logs_to_stderr_and_not_to_syslog)
{
	char url[64], path[H_PATH_MAX], buf[256], *log;
	struct h_mount_spec spec = {.url = url, .auth = LOG_PASSWORD};
	struct h_mount *m;

	url_of(url, sizeof url, open_server, "nounlink");
	m = h_mount_start(open_server, &spec); /* -f */
	drain_syslog();
	ck_assert_int_eq(unlink(h_path(path, sizeof path, m, "db0/victim")), -1);
	ck_assert_int_eq(errno, EACCES);
	/* the daemon logs before it answers the unlink: both checks are settled now */
	ck_assert_msg(recv(log_fd, buf, sizeof buf, MSG_DONTWAIT) < 0 && errno == EAGAIN,
		      "a -f daemon wrote to syslog");
	log = slurp(m->log);
	ck_assert_msg(strstr(log, "NOPERM") && strstr(log, "victim"),
		      "stderr of the -f daemon holds no error line: '%s'", log);
	ck_assert_msg(!strstr(log, LOG_PASSWORD), "stderr shows the password");
	free(log);
	h_mount_stop(m);
}
END_TEST
START_TEST(test_debug_traces_every_request_on_stderr)
{
	char path[H_PATH_MAX], *log;
	struct h_mount_spec spec = {.options = "debug"};
	struct stat st;
	struct h_mount *m;

	m = h_mount_start(open_server, &spec);
	ck_assert_int_eq(stat(h_path(path, sizeof path, m, "db0/greeting"), &st), 0);
	log = slurp(m->log);
	ck_assert_msg(strstr(log, "unique:") && strstr(log, "LOOKUP"),
		      "-d traced no LOOKUP request: '%.2000s'", log);
	free(log);
	h_mount_stop(m);
}
END_TEST

static Suite *system_install_suite(void)
{
	Suite *s = suite_create("system_install");
	TCase *tc;

	tc = tcase_create("install");
	h_tcase_add_fixture(tc, setup_install, teardown_system);
	tcase_add_test(tc, test_meson_install_puts_redisfs_in_bindir);
	tcase_add_test(tc, test_meson_install_puts_the_helpers_in_sbin_whatever_the_prefix);
	tcase_add_test(tc, test_meson_install_puts_the_man_page_in_man1);
	tcase_add_test(tc, test_man_page_renders_without_warnings);
	tcase_add_test(tc, test_man_page_documents_every_option_folder_errno_and_key);
	tcase_add_test(tc, test_man_page_systemd_unit_passes_systemd_analyze_verify);
	tcase_add_test(tc, test_help_lists_every_option_with_its_default_as_the_man_page_does);
	suite_add_tcase(s, tc);

	tc = tcase_create("logging");
	h_tcase_add_fixture(tc, setup_logging, teardown_system);
	tcase_add_test(tc, test_background_daemon_logs_server_errors_to_syslog);
	tcase_add_test(tc, test_foreground_daemon_logs_to_stderr_and_not_to_syslog);
	tcase_add_test(tc, test_debug_traces_every_request_on_stderr);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return system_main(system_install_suite);
}
