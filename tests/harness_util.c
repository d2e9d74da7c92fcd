/* harness_util.c - the small process, path and text helpers every test harness shares. */
#include "harness_util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REMOVE_DEPTH 64 /* deeper than any datadir or scratch tree a test makes */

/* The command h_run_logged() runs now: a signal's clean-up kills its group. */
static volatile pid_t running_helper;

double h_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

void h_nap_ns(long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void h_nap_ms(long ms)
{
	h_nap_ns(ms * 1000000L);
}

bool h_wait_bounded(pid_t pid, double seconds, int *status)
{
	long steps = (long) (seconds * 1e9 / H_POLL_NS) + 1;
	int st = 0;

	for (long i = 0; i < steps; i++) {
		pid_t got = waitpid(pid, &st, WNOHANG);

		if (got == pid || (got == -1 && errno == ECHILD)) {
			if (status)
				*status = got == pid ? st : 0;
			return true;
		}
		h_nap_ns(H_POLL_NS);
	}
	return false;
}

void h_stop_process(pid_t pid, double grace, bool whole_group)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	kill(pid, SIGCONT); /* a frozen (SIGSTOPped) process acts on SIGTERM only once thawed */
	if (!h_wait_bounded(pid, grace, NULL)) {
		kill(whole_group ? -pid : pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (whole_group)
		kill(-pid, SIGKILL); /* anything left in its group */
}

int h_run_logged(const char *const *argv, const char *log, double seconds)
{
	pid_t parent = getpid(), pid = fork();
	int status;

	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		h_child_die_with(parent, SIGKILL);
		h_child_stdio(log, true);
		execvp(argv[0], (char *const *) argv);
		_exit(127);
	}
	setpgid(pid, pid); /* whichever of the two runs first */
	running_helper = pid;
	if (!h_wait_bounded(pid, seconds, &status)) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		status = -1;
	}
	running_helper = 0;
	kill(-pid, SIGKILL); /* whatever it left behind in its group */
	if (status == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void h_kill_helper(void)
{
	pid_t pid = running_helper;

	if (pid > 0)
		kill(-pid, SIGKILL);
}

/* h_remove_tree() below `dirfd`, on device `dev` only. Passes repeat: removing while
 * reading may skip entries. */
static void remove_tree_at(int dirfd, const char *name, dev_t dev, int depth)
{
	char buf[2048];
	struct stat st;
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno != EISDIR)
		return;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || st.st_dev != dev || depth >= REMOVE_DEPTH) {
		close(fd); /* another file system mounted here: never reach into it */
		return;
	}
	for (int pass = 0; pass < 4; pass++) {
		int seen = 0;
		ssize_t n;

		lseek(fd, 0, SEEK_SET);
		while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
			for (ssize_t off = 0; off < n;) {
				struct dirent64 *e = (struct dirent64 *) (buf + off);

				off += e->d_reclen;
				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				seen++;
				remove_tree_at(fd, e->d_name, dev, depth + 1);
			}
		}
		if (!seen)
			break;
	}
	close(fd);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void h_remove_tree(const char *path)
{
	char parent[2 * H_PATH_MAX];
	size_t len = strlen(path), cut = len;
	struct stat st;

	/* the parent's device: a path that is itself a mount point is not entered */
	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	if (!len || len >= sizeof parent || cut == 0)
		return;
	memcpy(parent, path, cut);
	parent[cut] = '\0';
	if (lstat(parent, &st) == 0)
		remove_tree_at(AT_FDCWD, path, st.st_dev, 0);
}

int h_compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

void h_temp_dir(char *out, size_t len, const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char templ[1024];
	char *real;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	ck_assert_msg((size_t) snprintf(templ, sizeof templ, "%s/redisfs-%s.XXXXXX", tmp, tag) <
			      sizeof templ,
		      "TMPDIR is too long");
	ck_assert_msg(mkdtemp(templ), "mkdtemp %s: %s", templ, strerror(errno));
	real = realpath(templ, NULL);
	ck_assert_msg(real, "realpath %s: %s", templ, strerror(errno));
	ck_assert_msg(strlen(real) < len, "path too long: %s", real);
	strcpy(out, real);
	free(real);
}

void h_join_path(char *out, size_t len, const char *dir, const char *name)
{
	char tmp[2048]; /* `dir` may live in the same struct as `out` */
	size_t n = (size_t) snprintf(tmp, sizeof tmp, "%s/%s", dir, name);

	ck_assert_msg(n < len && n < sizeof tmp, "path too long: %s/%s", dir, name);
	memcpy(out, tmp, n + 1);
}

char *h_vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	ck_assert_msg(vasprintf(&s, fmt, ap) >= 0, "out of memory");
	return s;
}

char *h_format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = h_vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* len-1 bytes of `path` from `from` bytes before its end (head: from its start). */
static const char *log_read(const char *path, char *buf, size_t len, bool tail)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);
		off_t from = tail && size > (off_t) len - 1 ? size - ((off_t) len - 1) : 0;

		lseek(fd, from, SEEK_SET);
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

const char *h_log_head(const char *path, char *buf, size_t len)
{
	return log_read(path, buf, len, false);
}

const char *h_log_tail(const char *path, char *buf, size_t len)
{
	return log_read(path, buf, len, true);
}

void h_child_stdio(const char *log, bool truncate)
{
	int in = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | (truncate ? O_TRUNC : 0), 0600);

	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	close(in);
	close(out);
}

void h_child_die_with(pid_t parent, int sig)
{
	if (prctl(PR_SET_PDEATHSIG, sig) != 0 || getppid() != parent)
		_exit(127);
}
