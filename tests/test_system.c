/* test_system.c - SPEC 1 in the system: meson install, mount(8) and fstab, the man page, syslog. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "run_suite.h"

/*
 * How this file touches the system, and why it leaves it as it was:
 *
 *   main() moves the whole test process into a private mount namespace.
 *   Whatever it mounts there (overlays that add the installed files to /sbin
 *   and to the bindir, a private /run for mount(8)'s utab, a /dev with its own
 *   /dev/log) is seen by this process and its children only, and the kernel
 *   drops it with them. So mount(8) really runs /sbin/mount.fuse.redisfs, and
 *   syslog(3) really writes to /dev/log, without a file of the machine being
 *   created or replaced (overlay upper directories live in scratch directories).
 *
 *   The FUSE daemons that mount(8) starts run in the background, in a session
 *   of their own; each is mounted on a scratch directory that the fixture (the
 *   parent) allocated, so the harness detaches it also from its SIGTERM
 *   handler (the daemon then exits), and the teardown stops the daemon by its
 *   PID. This process is their child subreaper, so they are reaped here, not
 *   left as zombies of init.
 */

#define PASSWORD     "Sys-pw-4417"	/* requirepass of the locked server */
#define LOG_PASSWORD "Log-pw-9120"	/* the ACL user of the logging tests */
#define GREETING     "hello from redis" /* db0/greeting on every server */
#define RUN_SECONDS  30.0		/* bound on a command that should take far less */
#define SYSLOG_PRI   "<27>"		/* LOG_DAEMON | LOG_ERR, as main.c's openlog asks */
#define MAX_OVERLAYS 4			/* /sbin, the bindir, /run; or /dev and /run */
#define MAX_MNTS     10			/* mount points one TCase allocates */

static const char *destdir;	/* where meson install put everything */
static char helper[H_PATH_MAX]; /* DESTDIR/sbin/mount.fuse.redisfs */
static char bindir[H_PATH_MAX]; /* the bindir the helper names, e.g. /usr/local/bin */
static char manpage[H_PATH_MAX];

static struct h_redis *open_server;   /* no password */
static struct h_redis *locked_server; /* --requirepass PASSWORD */
static const char *work;	      /* fstab files, config files, password files */

/* Mount points the fixture allocated (scratch directories, so the harness detaches them). */
static const char *mnts[MAX_MNTS];
static size_t mnt_count;

/* Overlays the fixture mounted in our namespace, newest last. */
static char overlays[MAX_OVERLAYS][H_PATH_MAX];
static size_t overlay_count;

static int log_fd = -1; /* our socket at /dev/log */

/* ---------------------------------------------------------------- helpers */

/* snprintf that must fit: a path cut short would test the wrong thing. Returns `out`. */
static char *format(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *format(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t) n < len, "%zu bytes are too few for '%s'", len, fmt);
	return out;
}

/* Read a whole text file; aborts when it cannot. The caller frees. */
static char *slurp(const char *path)
{
	char *text;
	size_t len;
	int ret = h_read_file(path, &text, &len);

	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	return text;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int ret = h_write_file(path, text, strlen(text), mode);

	ck_assert_msg(ret == 0, "write %s: %s", path, strerror(-ret));
	ck_assert_msg(chmod(path, mode) == 0, "chmod %s: %s", path, strerror(errno));
}

static const char *join(char *out, size_t len, const char *dir, const char *name)
{
	return format(out, len, "%s/%s", dir, name);
}

/* The PID of the redisfs daemon serving `mnt` (its argv names it), or 0. */
static pid_t daemon_on(const char *mnt)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	ck_assert_msg(proc, "/proc: %s", strerror(errno));
	while (!found && (e = readdir(proc))) {
		char path[300], *args, *end, *arg0;
		size_t len;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		format(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if (h_read_file(path, &args, &len))
			continue;
		if (!len) { /* a kernel thread */
			free(args);
			continue;
		}
		end = args + len;
		arg0 = strrchr(args, '/') ? strrchr(args, '/') + 1 : args;
		if (!strcmp(arg0, "redisfs")) {
			for (char *a = args + strlen(args) + 1; a < end; a += strlen(a) + 1)
				if (!strcmp(a, mnt))
					found = (pid_t) atoi(e->d_name);
		}
		free(args);
	}
	closedir(proc);
	return found;
}

/* Whether `pid` has exited (gone, or a zombie waiting for us to reap it). */
static bool has_exited(pid_t pid)
{
	char path[64], *stat, *paren;
	size_t len;
	bool gone;

	format(path, sizeof path, "/proc/%d/stat", (int) pid);
	if (h_read_file(path, &stat, &len))
		return true;
	paren = strrchr(stat, ')');
	gone = paren && (paren[2] == 'Z' || paren[2] == 'X');
	free(stat);
	return gone;
}

/* Wait, bounded by H_WAIT_SECONDS, for `pid` to exit; reap it when it is our child. */
static bool wait_exit(pid_t pid)
{
	for (int i = 0; i < (int) (H_WAIT_SECONDS * 100); i++) {
		if (has_exited(pid)) {
			waitpid(pid, NULL, WNOHANG);
			return true;
		}
		h_nap_ms(10);
	}
	return false;
}

/* Whether `dir` is mounted read-only (the kernel's view, as statvfs gives it). */
static bool mounted_read_only(const char *dir)
{
	struct statvfs sv;

	ck_assert_msg(statvfs(dir, &sv) == 0, "statvfs %s: %s", dir, strerror(errno));
	return sv.f_flag & ST_RDONLY;
}

/* Assert `mnt` is a fuse.redisfs mount of `url` whose db0/greeting reads GREETING. */
static void assert_redisfs_mount(const char *mnt, const char *url)
{
	char type[256], source[H_PATH_MAX], path[H_PATH_MAX], *text;
	size_t len;
	int ret;

	ck_assert_msg(h_mount_info(mnt, type, sizeof type, source, sizeof source),
		      "%s is not mounted", mnt);
	ck_assert_str_eq(type, "fuse.redisfs");
	ck_assert_str_eq(source, url);
	ret = h_read_file(join(path, sizeof path, mnt, "db0/greeting"), &text, &len);
	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	ck_assert_str_eq(text, GREETING);
	free(text);
}

/* The URL of a server, with an optional user. */
static const char *url_of(char *out, size_t len, const struct h_redis *r, const char *user)
{
	format(out, len, "redis://%s%s127.0.0.1:%d", user ? user : "", user ? "@" : "", r->port);
	return out;
}

/* A mount point the fixture allocated, by index. */
static const char *mnt_at(size_t i)
{
	ck_assert_msg(i < mnt_count, "the fixture allocated %zu mount points", mnt_count);
	return mnts[i];
}

/*
 * Unmount `mnt` with the command `how` ("umount", "fusermount3 -u") and check
 * that its daemon `pid` exits of itself.
 */
static void unmount_and_check_exit(const char *mnt, pid_t pid, const char *how)
{
	ck_assert_msg(h_sh(NULL, "%s '%s'", how, mnt) == 0, "%s %s failed", how, mnt);
	ck_assert_msg(!h_mount_info(mnt, NULL, 0, NULL, 0), "%s is mounted after %s", mnt, how);
	ck_assert_msg(wait_exit(pid), "the daemon %d still runs %.0f s after %s", (int) pid,
		      H_WAIT_SECONDS, how);
}

/* Whether /proc/PID/cmdline of `pid` holds `text`. */
static bool cmdline_has(pid_t pid, const char *text)
{
	char path[64], *args;
	size_t len;
	bool has;

	format(path, sizeof path, "/proc/%d/cmdline", (int) pid);
	ck_assert_int_eq(h_read_file(path, &args, &len), 0);
	for (size_t i = 0; i < len; i++)
		if (!args[i])
			args[i] = ' ';
	has = strstr(args, text) != NULL;
	free(args);
	return has;
}

/* ------------------------------------------------------- the environment */

/* A private mount namespace for this process and its children; see the top of the file. */
static int enter_private_namespace(void)
{
	if (unshare(CLONE_NEWNS) != 0) {
		fprintf(stderr, "test_system: unshare(CLONE_NEWNS): %s (run as root)\n",
			strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "test_system: make / private: %s\n", strerror(errno));
		return -1;
	}
	/* the daemons that mount(8) leaves in the background are reaped here */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		fprintf(stderr, "test_system: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Lay an overlay over the directory `target` (its real path) in our namespace:
 * read-only with `top` above it, or, with `top` NULL, writable with upper and
 * work directories in a fresh scratch directory.
 */
static void overlay(const char *target, const char *top)
{
	char real[PATH_MAX], opts[4 * H_PATH_MAX];
	unsigned long flags = 0;

	ck_assert_msg(overlay_count < MAX_OVERLAYS, "too many overlays");
	ck_assert_msg(realpath(target, real), "realpath %s: %s", target, strerror(errno));
	if (top) {
		format(opts, sizeof opts, "lowerdir=%s:%s", top, real);
		flags = MS_RDONLY;
	} else {
		const char *scratch = h_scratch_dir();
		char upper[H_PATH_MAX], workdir[H_PATH_MAX];

		join(upper, sizeof upper, scratch, "upper");
		join(workdir, sizeof workdir, scratch, "work");
		ck_assert_int_eq(mkdir(upper, 0755), 0);
		ck_assert_int_eq(mkdir(workdir, 0755), 0);
		format(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", real, upper,
		       workdir);
	}
	ck_assert_msg(mount("overlay", real, "overlay", flags, opts) == 0,
		      "mount -t overlay -o %s %s: %s (this test needs overlayfs)", opts, real,
		      strerror(errno));
	format(overlays[overlay_count++], H_PATH_MAX, "%s", real);
}

static void remove_overlays(void)
{
	while (overlay_count > 0)
		umount2(overlays[--overlay_count], MNT_DETACH);
}

/* Find `name` under `dir` (nftw's callback needs globals). */
static const char *find_name;
static char found_path[H_PATH_MAX];

static int find_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	if (strcmp(path + ftw->base, find_name))
		return 0;
	format(found_path, sizeof found_path, "%s", path);
	return 1;
}

static bool find_under(const char *dir, const char *name, char *out, size_t len)
{
	find_name = name;
	found_path[0] = '\0';
	if (nftw(dir, find_entry, 16, FTW_PHYS) != 1)
		return false;
	format(out, len, "%s", found_path);
	return true;
}

/*
 * meson install --destdir into a scratch directory, from the build directory
 * that holds $REDISFS_BIN; then find what it installed.
 */
static void install_into_destdir(void)
{
	char build[H_PATH_MAX], *text, *line, *end;
	struct h_run res;

	format(build, sizeof build, "%s", h_redisfs_bin());
	dirname(build);
	destdir = h_scratch_dir();
	h_sh_out(NULL, &res, "meson install -C '%s' --no-rebuild --quiet --destdir '%s'", build,
		 destdir);
	ck_assert_msg(res.status == 0, "meson install failed (%d): %s%s", res.status, res.out,
		      res.err);
	h_run_free(&res);

	ck_assert_msg(find_under(destdir, "mount.fuse.redisfs", helper, sizeof helper),
		      "meson install put no mount.fuse.redisfs under %s", destdir);
	ck_assert_msg(find_under(destdir, "redisfs.1", manpage, sizeof manpage),
		      "meson install put no redisfs.1 under %s", destdir);
	text = slurp(helper);
	line = strstr(text, "\nredisfs_bindir='");
	ck_assert_msg(line, "%s does not set redisfs_bindir", helper);
	line += strlen("\nredisfs_bindir='");
	end = strchr(line, '\'');
	ck_assert_msg(end && (size_t) (end - line) < sizeof bindir, "bad redisfs_bindir line");
	memcpy(bindir, line, (size_t) (end - line));
	bindir[end - line] = '\0';
	free(text);
}

/* Allocate `n` mount points, as scratch directories of the parent. */
static void allocate_mountpoints(size_t n)
{
	ck_assert(n <= MAX_MNTS);
	for (mnt_count = 0; mnt_count < n; mnt_count++)
		mnts[mnt_count] = h_scratch_dir();
}

/* Stop every daemon on our mount points by PID, after unmounting them. */
static void stop_background_mounts(void)
{
	for (size_t i = 0; i < mnt_count; i++) {
		pid_t pid = daemon_on(mnts[i]);

		if (h_mount_info(mnts[i], NULL, 0, NULL, 0) && umount2(mnts[i], 0) != 0)
			umount2(mnts[i], MNT_DETACH);
		if (pid > 0 && !wait_exit(pid)) {
			kill(pid, SIGKILL);
			wait_exit(pid);
		}
	}
	mnt_count = 0;
	/* reap whatever else was orphaned to us (a helper's shell, a daemon's parent) */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void seed(const struct h_redis *r)
{
	redisContext *c = h_redis_connect(r, 0);

	h_cmd_ok(c, "SET greeting %s", GREETING);
	h_cmd_ok(c, "SET victim v");
	redisFree(c);
}

/* ------------------------------------------------------------ install */

static void teardown_system(void);

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

/* ------------------------------------------------------ mount(8), fstab */

/*
 * Make the installed files real for mount(8): /sbin shows DESTDIR/sbin over
 * its own contents, the bindir shows DESTDIR/bindir, /run is private (for
 * mount(8)'s utab). Then servers and mount points.
 */
static void setup_mount8(void)
{
	char top[2 * H_PATH_MAX];
	const char *locked[] = {"--requirepass", PASSWORD, NULL};

	teardown_system();
	install_into_destdir();
	format(top, sizeof top, "%s/sbin", destdir);
	overlay("/sbin", top);
	format(top, sizeof top, "%s%s", destdir, bindir);
	overlay(bindir, top);
	overlay("/run", NULL);

	open_server = h_redis_start(NULL);
	locked_server = h_redis_start(locked);
	seed(open_server);
	seed(locked_server);
	work = h_scratch_dir();
	allocate_mountpoints(8);
}

static void teardown_system(void)
{
	stop_background_mounts();
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	remove_overlays();
	h_stop_all();
}

START_TEST(test_mount_t_fuse_redisfs_ro_runs_the_installed_redisfs)
{
	const char *mnt = mnt_at(0);
	char url[64], path[H_PATH_MAX], exe[H_PATH_MAX], want[H_PATH_MAX];
	pid_t pid;
	ssize_t n;

	url_of(url, sizeof url, open_server, NULL);
	ck_assert_int_eq(h_sh(NULL, "mount -t fuse.redisfs %s '%s' -o ro", url, mnt), 0);
	assert_redisfs_mount(mnt, url);
	ck_assert_msg(mounted_read_only(mnt), "-o ro through mount(8) is not read-only");
	ck_assert_int_eq(unlink(join(path, sizeof path, mnt, "db0/victim")), -1);
	ck_assert_int_eq(errno, EROFS);

	pid = daemon_on(mnt);
	ck_assert_msg(pid > 0, "no redisfs daemon serves %s", mnt);
	format(path, sizeof path, "/proc/%d/exe", (int) pid);
	n = readlink(path, exe, sizeof exe - 1);
	ck_assert(n > 0);
	exe[n] = '\0';
	format(want, sizeof want, "%s/redisfs", bindir);
	ck_assert_msg(!strcmp(exe, want), "the helper ran %s, not the installed %s", exe, want);
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST

START_TEST(test_mount_t_redisfs_uses_mount_redisfs_and_fusermount3_unmounts)
{
	const char *mnt = mnt_at(1);
	char url[64];
	pid_t pid;

	url_of(url, sizeof url, open_server, NULL);
	ck_assert_int_eq(h_sh(NULL, "mount -t redisfs %s '%s'", url, mnt), 0);
	assert_redisfs_mount(mnt, url);
	ck_assert_msg(!mounted_read_only(mnt), "a mount without ro is read-only");
	pid = daemon_on(mnt);
	ck_assert(pid > 0);
	unmount_and_check_exit(mnt, pid, "fusermount3 -u");
}
END_TEST

START_TEST(test_fstab_line_with_netdev_nofail_noauto_mounts_with_mount_T)
{
	const char *mnt = mnt_at(2);
	char url[64], fstab[H_PATH_MAX], line[2 * H_PATH_MAX];
	struct h_run res;
	pid_t pid;

	url_of(url, sizeof url, open_server, NULL);
	join(fstab, sizeof fstab, work, "fstab");
	format(line, sizeof line,
	       "# redisfs, as the man page shows it\n"
	       "%s %s fuse.redisfs ro,_netdev,nofail,noauto 0 0\n",
	       url, mnt);
	write_text(fstab, line, 0644);

	/* noauto: mount -a leaves it alone */
	h_sh_out(NULL, &res, "mount --fstab '%s' -a", fstab);
	ck_assert_msg(res.status == 0, "mount -a: %d %s", res.status, res.err);
	h_run_free(&res);
	ck_assert_msg(!h_mount_info(mnt, NULL, 0, NULL, 0), "mount -a mounted a noauto line");

	h_sh_out(NULL, &res, "mount -T '%s' '%s'", fstab, mnt);
	ck_assert_msg(res.status == 0 && res.err_len == 0, "mount -T: status %d, stderr '%s'",
		      res.status, res.err);
	h_run_free(&res);
	assert_redisfs_mount(mnt, url);
	ck_assert(mounted_read_only(mnt));
	pid = daemon_on(mnt);
	ck_assert(pid > 0);
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST

START_TEST(test_fstab_atime_and_defaults_options_are_accepted)
{
	const char *mnt = mnt_at(3);
	char url[64], fstab[H_PATH_MAX], line[2 * H_PATH_MAX];
	pid_t pid;

	url_of(url, sizeof url, open_server, NULL);
	join(fstab, sizeof fstab, work, "fstab.atime");
	format(line, sizeof line,
	       "%s %s fuse.redisfs defaults,relatime,nodiratime,noatime,nodev,nosuid,_netdev "
	       "0 0\n",
	       url, mnt);
	write_text(fstab, line, 0644);
	ck_assert_int_eq(h_sh(NULL, "mount -T '%s' '%s'", fstab, mnt), 0);
	assert_redisfs_mount(mnt, url);
	pid = daemon_on(mnt);
	ck_assert(pid > 0);
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST

START_TEST(test_fstab_passfile_mounts_a_password_server_and_hides_it)
{
	const char *mnt = mnt_at(4);
	char url[64], fstab[H_PATH_MAX], pass[H_PATH_MAX], line[3 * H_PATH_MAX], *mounts;
	pid_t pid;

	url_of(url, sizeof url, locked_server, NULL);
	join(pass, sizeof pass, work, "redis.pass");
	write_text(pass, PASSWORD "\n", 0600);
	join(fstab, sizeof fstab, work, "fstab.pass");
	format(line, sizeof line, "%s %s fuse.redisfs ro,_netdev,nofail,passfile=%s 0 0\n", url,
	       mnt, pass);
	write_text(fstab, line, 0644);

	ck_assert_int_eq(h_sh(NULL, "mount -T '%s' '%s'", fstab, mnt), 0);
	assert_redisfs_mount(mnt, url);
	pid = daemon_on(mnt);
	ck_assert(pid > 0);
	ck_assert_msg(!cmdline_has(pid, PASSWORD), "the daemon's cmdline shows the password");
	mounts = slurp("/proc/self/mounts");
	ck_assert_msg(!strstr(mounts, PASSWORD), "/proc/mounts shows the password");
	free(mounts);
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST

START_TEST(test_rediscli_auth_passes_through_mount_and_stays_out_of_cmdline)
{
	const char *mnt = mnt_at(5);
	char url[64];
	pid_t pid;

	url_of(url, sizeof url, locked_server, NULL);
	ck_assert_int_eq(
		h_sh(NULL, "REDISCLI_AUTH=%s mount -t fuse.redisfs %s '%s'", PASSWORD, url, mnt),
		0);
	assert_redisfs_mount(mnt, url);
	pid = daemon_on(mnt);
	ck_assert(pid > 0);
	ck_assert_msg(!cmdline_has(pid, PASSWORD), "the daemon's cmdline shows the password");
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST

START_TEST(test_wrong_password_through_mount_is_one_line_and_no_mount)
{
	const char *mnt = mnt_at(6);
	char url[64];
	struct h_run res;

	url_of(url, sizeof url, locked_server, NULL);
	h_sh_out(NULL, &res, "REDISCLI_AUTH=not-the-password mount -t fuse.redisfs %s '%s'", url,
		 mnt);
	ck_assert_msg(res.status == 1, "mount exited %d, want redisfs's 1; stderr: %s", res.status,
		      res.err);
	ck_assert_msg(strncmp(res.err, "redisfs: ", 9) == 0 &&
			      strchr(res.err, '\n') == res.err + res.err_len - 1,
		      "stderr is not one redisfs line: '%s'", res.err);
	ck_assert_msg(!strstr(res.err, "not-the-password"), "stderr shows the password");
	ck_assert(!h_mount_info(mnt, NULL, 0, NULL, 0));
	ck_assert_int_eq(daemon_on(mnt), 0);
	h_run_free(&res);
}
END_TEST

/* mount(8) adds rw to every mount that is not ro: that must not override ro = yes. */
START_TEST(test_config_ro_holds_although_mount_adds_rw)
{
	const char *mnt = mnt_at(7);
	char url[64], config[H_PATH_MAX], path[H_PATH_MAX], text[256];
	pid_t pid;

	url_of(url, sizeof url, open_server, NULL);
	join(config, sizeof config, work, "ro.ini");
	format(text, sizeof text, "[redis]\nro = yes\n");
	write_text(config, text, 0644);
	ck_assert_int_eq(h_sh(NULL, "mount -t fuse.redisfs %s '%s' -o config=%s", url, mnt, config),
			 0);
	assert_redisfs_mount(mnt, url);
	ck_assert_msg(mounted_read_only(mnt), "ro = yes was overridden by mount(8)'s rw");
	ck_assert_int_eq(unlink(join(path, sizeof path, mnt, "db0/victim")), -1);
	ck_assert_int_eq(errno, EROFS);
	pid = daemon_on(mnt);
	ck_assert(pid > 0);
	unmount_and_check_exit(mnt, pid, "umount");
}
END_TEST

START_TEST(test_mount_f_fakes_and_mounts_nothing)
{
	const char *mnt = mnt_at(6);
	char url[64];

	url_of(url, sizeof url, open_server, NULL);
	ck_assert_int_eq(h_sh(NULL, "mount -f -t fuse.redisfs %s '%s'", url, mnt), 0);
	ck_assert_msg(!h_mount_info(mnt, NULL, 0, NULL, 0), "mount -f mounted %s", mnt);
	ck_assert_int_eq(daemon_on(mnt), 0);
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

static Suite *system_suite(void)
{
	Suite *s = suite_create("system");
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

	tc = tcase_create("mount8");
	h_tcase_add_fixture(tc, setup_mount8, teardown_system);
	tcase_add_test(tc, test_mount_t_fuse_redisfs_ro_runs_the_installed_redisfs);
	tcase_add_test(tc, test_mount_t_redisfs_uses_mount_redisfs_and_fusermount3_unmounts);
	tcase_add_test(tc, test_fstab_line_with_netdev_nofail_noauto_mounts_with_mount_T);
	tcase_add_test(tc, test_fstab_atime_and_defaults_options_are_accepted);
	tcase_add_test(tc, test_fstab_passfile_mounts_a_password_server_and_hides_it);
	tcase_add_test(tc, test_rediscli_auth_passes_through_mount_and_stays_out_of_cmdline);
	tcase_add_test(tc, test_wrong_password_through_mount_is_one_line_and_no_mount);
	tcase_add_test(tc, test_config_ro_holds_although_mount_adds_rw);
	tcase_add_test(tc, test_mount_f_fakes_and_mounts_nothing);
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
	if (enter_private_namespace())
		return EXIT_FAILURE; /* fail, never skip: this test needs root and namespaces */
	h_init();
	return run_suite(system_suite(), CK_FORK);
}
