/* harness_util.c - the small process, path and text helpers every test harness shares. */
#include "harness_util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS 10000000L /* 10 ms between two looks at a child */

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
	long steps = (long) (seconds * 1e9 / POLL_NS) + 1;
	int st = 0;

	for (long i = 0; i < steps; i++) {
		pid_t got = waitpid(pid, &st, WNOHANG);

		if (got == pid || (got == -1 && errno == ECHILD)) {
			if (status)
				*status = got == pid ? st : 0;
			return true;
		}
		h_nap_ns(POLL_NS);
	}
	return false;
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
