/* harness_mount.c - redisfs mounts of a test server: started, checked, always unmounted. */
#include "harness.h"
#include "harness_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MOUNTS	     4	 /* mounts one TCase may hold at once */
#define SIGNAL_GRACE_SECONDS 0.3 /* in a handler: meson's SIGKILL follows in 0.5 s */

/* The registry, as harness_redis.c's: fixed slots, each with its owner. */
static struct h_mount mount_slots[MAX_MOUNTS];
static int daemon_failures; /* daemons that did not exit 0 after their unmount */

int h_mount_cleanup(bool in_signal)
{
	pid_t self = getpid();

	if (!in_signal) {
		for (int i = 0; i < MAX_MOUNTS; i++)
			if (mount_slots[i].owner == self)
				h_mount_stop(&mount_slots[i]);
		return daemon_failures;
	}
	/* detach every mount first, so that nothing can hang on one, then stop by PID */
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct h_mount *m = &mount_slots[i];

		if (m->owner == self && m->mnt[0])
			umount2(m->mnt, MNT_DETACH);
	}
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct h_mount *m = &mount_slots[i];

		if (m->owner != self)
			continue;
		h_stop_process(m->pid, SIGNAL_GRACE_SECONDS, false);
		h_remove_tree(m->work);
		m->pid = 0;
		m->owner = 0;
	}
	return daemon_failures;
}

static struct h_mount *mount_slot(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++)
		if (!mount_slots[i].owner)
			return &mount_slots[i];
	ck_abort_msg("more than %d mounts at once", MAX_MOUNTS);
	return NULL;
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
	if (argc &&
	    !strcmp(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], "valgrind")) {
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
		h_nap_ns(H_POLL_NS);
	}
	{
		char buf[2048];

		ck_abort_msg("%s was not mounted within %.0f s; daemon log: %s", m->mnt,
			     H_WAIT_SECONDS * h_time_scale(), h_log_head(m->log, buf, sizeof buf));
	}
	return NULL;
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
		fprintf(stderr,
			"harness: redisfs %d on %s did not exit within %.0f s of its "
			"unmount\n",
			(int) m->pid, m->mnt, H_WAIT_SECONDS * h_time_scale());
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
	if (h_mount_info(m->mnt, NULL, 0, NULL, 0) &&
	    h_run_logged(argv, "/dev/null", H_WAIT_SECONDS) != 0)
		umount2(m->mnt, MNT_DETACH);
	if (m->pid > 0) {
		exited = h_wait_bounded(m->pid, wait, &status);
		check_daemon_exit(m, exited, status);
		if (!exited)
			h_stop_process(m->pid, 1.0, false);
	}
	if (h_mount_info(m->mnt, NULL, 0, NULL, 0))
		umount2(m->mnt, MNT_DETACH);
	unlink(m->log);
	unlink(m->wrapper_log);
	rmdir(m->mnt);
	rmdir(m->work);
	memset(m, 0, sizeof *m);
}
