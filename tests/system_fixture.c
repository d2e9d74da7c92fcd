/* system_fixture.c - one meson install in a private mount namespace, for the system suites. */
#include "system_fixture.h"

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

#include "run_suite.h"

const char *destdir; /* where meson install put everything */

char helper[H_PATH_MAX]; /* DESTDIR/sbin/mount.fuse.redisfs */

char bindir[H_PATH_MAX]; /* the bindir the helper names, e.g. /usr/local/bin */

char manpage[H_PATH_MAX];

struct h_redis *open_server; /* no password */

const char *work; /* fstab files, config files, password files */

/* Mount points the fixture allocated (scratch directories, so the harness detaches them). */
const char *mnts[MAX_MNTS];

size_t mnt_count;

/* Overlays the fixture mounted in our namespace, newest last. */
char overlays[MAX_OVERLAYS][H_PATH_MAX];

size_t overlay_count;

int log_fd = -1; /* our socket at /dev/log */

char *format(char *out, size_t len, const char *fmt, ...)
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
char *slurp(const char *path)
{
	char *text;
	size_t len;
	int ret = h_read_file(path, &text, &len);

	ck_assert_msg(ret == 0, "read %s: %s", path, strerror(-ret));
	return text;
}

void write_text(const char *path, const char *text, mode_t mode)
{
	int ret = h_write_file(path, text, strlen(text), mode);

	ck_assert_msg(ret == 0, "write %s: %s", path, strerror(-ret));
	ck_assert_msg(chmod(path, mode) == 0, "chmod %s: %s", path, strerror(errno));
}

const char *join(char *out, size_t len, const char *dir, const char *name)
{
	return format(out, len, "%s/%s", dir, name);
}

/* The PID of the redisfs daemon serving `mnt` (its argv names it), or 0. */
pid_t daemon_on(const char *mnt)
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
bool has_exited(pid_t pid)
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
bool wait_exit(pid_t pid)
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

/* Assert `mnt` is a fuse.redisfs mount of `url` whose db0/greeting reads GREETING. */
void assert_redisfs_mount(const char *mnt, const char *url)
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
const char *url_of(char *out, size_t len, const struct h_redis *r, const char *user)
{
	format(out, len, "redis://%s%s127.0.0.1:%d", user ? user : "", user ? "@" : "", r->port);
	return out;
}

/* A mount point the fixture allocated, by index. */
const char *mnt_at(size_t i)
{
	ck_assert_msg(i < mnt_count, "the fixture allocated %zu mount points", mnt_count);
	return mnts[i];
}

/*
 * Unmount `mnt` with the command `how` ("umount", "fusermount3 -u") and check
 * that its daemon `pid` exits of itself.
 */
void unmount_and_check_exit(const char *mnt, pid_t pid, const char *how)
{
	ck_assert_msg(h_sh(NULL, "%s '%s'", how, mnt) == 0, "%s %s failed", how, mnt);
	ck_assert_msg(!h_mount_info(mnt, NULL, 0, NULL, 0), "%s is mounted after %s", mnt, how);
	ck_assert_msg(wait_exit(pid), "the daemon %d still runs %.0f s after %s", (int) pid,
		      H_WAIT_SECONDS, how);
}

/* ------------------------------------------------------- the environment */

/* A private mount namespace for this process and its children; see the top of the file. */
int enter_private_namespace(void)
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

int system_main(Suite *(*suite)(void) )
{
	if (enter_private_namespace())
		return EXIT_FAILURE;
	h_init();
	return run_suite(suite(), CK_FORK);
}

/*
 * Lay an overlay over the directory `target` (its real path) in our namespace:
 * read-only with `top` above it, or, with `top` NULL, writable with upper and
 * work directories in a fresh scratch directory.
 */
void overlay(const char *target, const char *top)
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

void remove_overlays(void)
{
	while (overlay_count > 0)
		umount2(overlays[--overlay_count], MNT_DETACH);
}

/* Find `name` under `dir` (nftw's callback needs globals). */
const char *find_name;

char found_path[H_PATH_MAX];

int find_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	if (strcmp(path + ftw->base, find_name))
		return 0;
	format(found_path, sizeof found_path, "%s", path);
	return 1;
}

bool find_under(const char *dir, const char *name, char *out, size_t len)
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
void install_into_destdir(void)
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
void allocate_mountpoints(size_t n)
{
	ck_assert(n <= MAX_MNTS);
	for (mnt_count = 0; mnt_count < n; mnt_count++)
		mnts[mnt_count] = h_scratch_dir();
}

/* Stop every daemon on our mount points by PID, after unmounting them. */
void stop_background_mounts(void)
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

void seed(const struct h_redis *r)
{
	redisContext *c = h_redis_connect(r, 0);

	h_cmd_ok(c, "SET greeting %s", GREETING);
	h_cmd_ok(c, "SET victim v");
	redisFree(c);
}

void teardown_system(void)
{
	stop_background_mounts();
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	remove_overlays();
	h_stop_all();
}
