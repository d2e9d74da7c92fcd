/* harness_run.c - run redisfs and shell command lines from a test, bounded and captured. */
#include "harness.h"
#include "harness_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHELL_SECONDS 50.0 /* below check's default 60 s, so a hang fails as ours */

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
	if (!h_wait_bounded(pid, deadline - h_now() > 0 ? deadline - h_now() : 0, &status)) {
		h_stop_process(pid, 2.0, false);
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

/* `/bin/sh -c` of the formatted command in cwd, its output captured into res unless NULL. */
static int shell(const char *cwd, struct h_run *res, const char *fmt, va_list ap)
{
	char *cmd = h_vformat(fmt, ap);
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	int status = spawn(argv, cwd, false, NULL, SHELL_SECONDS * h_time_scale(), res);

	free(cmd);
	return status;
}

int h_sh(const char *cwd, const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = shell(cwd, NULL, fmt, ap);
	va_end(ap);
	return status;
}

int h_sh_out(const char *cwd, struct h_run *res, const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = shell(cwd, res, fmt, ap);
	va_end(ap);
	return status;
}
