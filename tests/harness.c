/* harness.c - the clean-up of everything a test process started, its signals and its fixtures. */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SCRATCH 16 /* scratch directories */
#define MAX_HOOKS   8  /* clean-up hooks: scratch, redis, mounts, MariaDB, certificates */

static struct {
	pid_t owner; /* 0 when free */
	char path[H_PATH_MAX];
} scratch_slots[MAX_SCRATCH];

/* Fixed, so that the signal handler walks them without allocating. */
static struct {
	int (*fn)(bool in_signal);
	bool between_tcases; /* run by h_stop_all() too, not only at the end */
} hooks[MAX_HOOKS];
static volatile sig_atomic_t hook_count;
static volatile sig_atomic_t cleaning;
static bool initialised;

void h_at_cleanup(int (*fn)(bool in_signal), bool between_tcases)
{
	for (int i = 0; i < hook_count; i++)
		if (hooks[i].fn == fn)
			return;
	if (hook_count >= MAX_HOOKS) { /* a harness bug, found outside any test: no ck_assert */
		fprintf(stderr, "harness: more than %d clean-up hooks\n", MAX_HOOKS);
		abort();
	}
	hooks[hook_count].fn = fn;
	hooks[hook_count].between_tcases = between_tcases;
	hook_count++;
}

/* The hooks (only those for between TCases when `between`), the newest first; returns how many
 * failures they found. */
static int run_hooks(bool in_signal, bool between)
{
	int failures = 0;

	for (int i = hook_count - 1; i >= 0; i--)
		if (!between || hooks[i].between_tcases)
			failures += hooks[i].fn(in_signal);
	return failures;
}

void h_stop_all(void)
{
	run_hooks(false, true);
}

static void on_fatal_signal(int sig)
{
	if (!cleaning) {
		cleaning = 1;
		h_kill_helper(); /* mariadb-install-db's bootstrap server is its child, not ours */
		run_hooks(true, false);
		/* check's handler has sent SIGTERM to the running test: reap it (bounded). */
		for (long i = 0; i < 30 && waitpid(-1, NULL, WNOHANG) != -1; i++)
			h_nap_ns(H_POLL_NS);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_exit_hook(void)
{
	int failures = run_hooks(false, false);

	/* check counts no failure for a teardown: the exit status carries it */
	if (failures) {
		fprintf(stderr,
			"harness: %d redisfs daemon(s) did not exit cleanly after "
			"unmounting (see above): failing\n",
			failures);
		_exit(1);
	}
}

double h_time_scale(void)
{
	const char *env = getenv("REDISFS_TIME_SCALE");
	double scale = env ? strtod(env, NULL) : 1.0;

	return scale >= 1.0 ? scale : 1.0;
}

/*
 * The normal-path end of scratch directories, or a signal's: unmount anything
 * left on them, then remove them without crossing a mount point, so that a
 * removal can never reach into a Redis database.
 */
static int scratch_cleanup(bool in_signal)
{
	pid_t self = getpid();

	for (int i = 0; i < MAX_SCRATCH; i++) {
		if (scratch_slots[i].owner != self)
			continue;
		if (in_signal || h_mount_info(scratch_slots[i].path, NULL, 0, NULL, 0))
			umount2(scratch_slots[i].path, MNT_DETACH);
		h_remove_tree(scratch_slots[i].path);
		scratch_slots[i].owner = 0;
	}
	return 0;
}

void h_init(void)
{
	struct sigaction sa;

	if (initialised)
		return;
	initialised = true;
	/* run newest first: mounts go before the servers they use, scratch directories last */
	h_at_cleanup(scratch_cleanup, true);
	h_at_cleanup(h_redis_cleanup, true);
	h_at_cleanup(h_mount_cleanup, true);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGHUP);
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
