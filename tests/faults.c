/* faults.c - bounded, timed operations through a mount, for the fault and hostile-input tests. */
#include "faults.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define F_POLL_NS 20000000L /* 20 ms between two tries of f_wait_works */

uint64_t f_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL; /* FNV-1a 64 prime */
	}
	return h;
}

static const char *op_name(enum f_op op)
{
	return op == F_STAT ? "stat" : op == F_CAT ? "cat" : "ls";
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

uint64_t f_names_digest(char **names, size_t n)
{
	uint64_t h = F_FNV_INIT;

	qsort(names, n, sizeof *names, compare_strings);
	for (size_t i = 0; i < n; i++)
		h = f_fnv(h, names[i], strlen(names[i]) + 1);
	return h;
}

/* In the child: every name of a directory, digested. */
static int list_dir(const char *path, struct f_result *r)
{
	size_t n = 0, cap = 0;
	char **names = NULL;
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return errno;
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				return ENOMEM;
		}
		names[n] = strdup(e->d_name);
		if (!names[n++])
			return ENOMEM;
	}
	if (errno) {
		int err = errno;

		closedir(d);
		return err;
	}
	closedir(d);
	r->count = n;
	r->digest = f_names_digest(names, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}

/* In the child: a whole file, digested. */
static int cat_file(const char *path, struct f_result *r)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t got;

	if (fd < 0)
		return errno;
	r->digest = F_FNV_INIT;
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		r->count += (size_t) got;
		r->digest = f_fnv(r->digest, buf, (size_t) got);
	}
	if (got < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	return close(fd) ? errno : 0;
}

struct op_args {
	enum f_op op;
	const char *path;
};

static void run_op(void *arg, int fd)
{
	const struct op_args *a = arg;
	struct f_result r = {0};
	struct stat st;

	if (a->op == F_STAT)
		r.err = stat(a->path, &st) ? errno : 0;
	else if (a->op == F_CAT)
		r.err = cat_file(a->path, &r);
	else
		r.err = list_dir(a->path, &r);
	if (write(fd, &r, sizeof r) != (ssize_t) sizeof r)
		_exit(2);
}

int f_child(void (*fn)(void *arg, int fd), void *arg, double bound, void *out, size_t len,
	    double *seconds)
{
	double start = h_now(), left;
	int p[2], status;
	size_t got = 0;
	pid_t pid;

	ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* no check macros here: this is not a test process */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		fn(arg, p[1]);
		_exit(0);
	}
	close(p[1]);
	while (got < len && (left = start + bound - h_now()) > 0) {
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, (int) (left * 1000) + 1) <= 0)
			continue;
		n = read(p[0], (char *) out + got, len - got);
		if (n <= 0)
			break; /* died before reporting */
		got += (size_t) n;
	}
	if (seconds)
		*seconds = h_now() - start;
	close(p[0]);
	if (got < len)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return got == len ? 0 : -1;
}

struct f_result f_run(enum f_op op, const char *path, double bound)
{
	struct op_args a = {op, path};
	struct f_result r;
	double seconds;

	if (f_child(run_op, &a, bound, &r, sizeof r, &seconds)) {
		memset(&r, 0, sizeof r);
		r.hung = true;
	}
	r.seconds = seconds;
	return r;
}

double f_assert_fails(enum f_op op, const char *path, int err, double bound)
{
	struct f_result r = f_run(op, path, bound + 10.0);

	ck_assert_msg(!r.hung, "%s %s hung for %.1f s", op_name(op), path, r.seconds);
	ck_assert_msg(r.err == err, "%s %s gave '%s' after %.2f s, not '%s'", op_name(op), path,
		      r.err ? strerror(r.err) : "success", r.seconds, strerror(err));
	ck_assert_msg(r.seconds <= bound, "%s %s failed after %.2f s, beyond the bound of %.2f s",
		      op_name(op), path, r.seconds, bound);
	return r.seconds;
}

struct f_result f_assert_works(enum f_op op, const char *path, double bound)
{
	struct f_result r = f_run(op, path, bound + 10.0);

	ck_assert_msg(!r.hung, "%s %s hung for %.1f s", op_name(op), path, r.seconds);
	ck_assert_msg(r.err == 0, "%s %s failed after %.2f s: %s", op_name(op), path, r.seconds,
		      strerror(r.err));
	ck_assert_msg(r.seconds <= bound, "%s %s took %.2f s, beyond the bound of %.2f s",
		      op_name(op), path, r.seconds, bound);
	return r;
}

struct f_result f_wait_works(enum f_op op, const char *path, double bound)
{
	double deadline = h_now() + bound;
	struct f_result r;

	for (;;) {
		r = f_run(op, path, bound + 10.0);
		ck_assert_msg(!r.hung, "%s %s hung for %.1f s", op_name(op), path, r.seconds);
		if (r.err == 0)
			return r;
		ck_assert_msg(h_now() < deadline, "%s %s still fails after %.1f s: %s",
			      op_name(op), path, bound, strerror(r.err));
		nanosleep(&(struct timespec){.tv_nsec = F_POLL_NS}, NULL);
	}
}

bool f_alive(pid_t pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}
