/* test_options.c - unit tests of fs/options.c: the command line of SPEC section 1. */
#include <check.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/options.h"
#include "fs/secret_file.h"
#include "run_suite.h"

/* A writable argv (options_finish overwrites a URL password in place). */
struct argv_copy {
	int argc;
	char *argv[16];
};

static void argv_make(struct argv_copy *a, const char *const *words)
{
	a->argc = 0;
	for (; *words; words++)
		a->argv[a->argc++] = strdup(*words);
	a->argv[a->argc] = NULL;
}

static void argv_free(struct argv_copy *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
}

/* Run options_parse and options_finish; *args keeps what libfuse would see. */
static int parse_all(struct argv_copy *a, struct fuse_args *args, struct rfs_options *opts)
{
	struct fuse_args in = FUSE_ARGS_INIT(a->argc, a->argv);

	memset(opts, 0, sizeof *opts);
	*args = in;
	if (options_parse(args, opts))
		return -1;
	return options_finish(opts, args, a->argc, a->argv);
}

/* Whether `args` holds the argument `word` or an -o list containing it. */
static int has_arg(const struct fuse_args *args, const char *word)
{
	for (int i = 0; i < args->argc; i++) {
		if (strcmp(args->argv[i], word) == 0 || strstr(args->argv[i], word))
			return 1;
	}
	return 0;
}

START_TEST(test_url_and_mountpoint_are_told_apart)
{
	/* fuse_parse_cmdline resolves the mountpoint, so it must exist */
	const char *w[] = {"redisfs", "redis://10.0.0.5:7000/2", "/tmp", NULL};
	struct fuse_cmdline_opts cmd = {0};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_str_eq(opts.url.host, "10.0.0.5");
	ck_assert_int_eq(opts.url.port, 7000);
	ck_assert_int_eq(opts.url.db, 2);
	ck_assert_int_eq(fuse_parse_cmdline(&args, &cmd), 0);
	ck_assert_str_eq(cmd.mountpoint, "/tmp");
	free(cmd.mountpoint);
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_mountpoint_alone_uses_the_default_url)
{
	const char *w[] = {"redisfs", "/mnt/x", NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_str_eq(opts.url.host, "127.0.0.1");
	ck_assert_int_eq(opts.url.port, 6379);
	ck_assert_int_eq(opts.url.db, -1);
	ck_assert(opts.timeout == 5.0);
	ck_assert(opts.cache_timeout == 1.0);
	ck_assert_int_eq(opts.read_only, 0);
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_redisfs_options_are_parsed)
{
	const char *w[] = {"redisfs", "/mnt/x", "-o",
			   "ro,noflush,databases=4,timeout=2.5,cache_timeout=0", NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_int_eq(opts.read_only, 1);
	ck_assert_int_eq(opts.noflush, 1);
	ck_assert_int_eq(opts.databases, 4);
	ck_assert(opts.timeout == 2.5);
	ck_assert(opts.cache_timeout == 0.0);
	/* ro also reaches the kernel, so /proc/mounts says ro */
	ck_assert(has_arg(&args, "ro"));
	ck_assert(!has_arg(&args, "noflush"));
	ck_assert(!has_arg(&args, "databases"));
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_owner_and_umask_are_ours_not_the_kernels)
{
	const char *w[] = {"redisfs", "/mnt/x", "-o", "uid=1234,gid=4321,umask=027", NULL};
	const char *none[] = {"redisfs", "/mnt/x", NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_uint_eq(opts.uid, 1234);
	ck_assert_uint_eq(opts.gid, 4321);
	ck_assert_uint_eq(opts.umask, 027);
	/* libfuse's low-level session would refuse them: they stay here */
	ck_assert(!has_arg(&args, "uid="));
	ck_assert(!has_arg(&args, "umask="));
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);

	argv_make(&a, none);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_uint_eq(opts.uid, getuid());
	ck_assert_uint_eq(opts.gid, getgid());
	ck_assert_uint_eq(opts.umask, 0);
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_bad_numbers_are_refused)
{
	const char *bad[] = {"timeout=abc", "timeout=0",    "timeout=-1",   "cache_timeout=x",
			     "databases=0", "databases=-3", "databases=1x", "timeout=1e999",
			     "uid=-1",	    "uid=root",	    "gid=1x",	    "uid=4294967295",
			     "umask=0778",  "umask=1000",   "umask=-2",	    "umask="};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *w[] = {"redisfs", "/mnt/x", "-o", bad[i], NULL};
		struct rfs_options opts;
		struct fuse_args args;
		struct argv_copy a;

		argv_make(&a, w);
		ck_assert_msg(parse_all(&a, &args, &opts) == -1, "%s accepted", bad[i]);
		options_free(&opts);
		fuse_opt_free_args(&args);
		argv_free(&a);
	}
}
END_TEST

START_TEST(test_fstab_noise_is_discarded)
{
	const char *w[] = {"redisfs", "redis://h", "/mnt/x", "-o", "_netdev,nofail,noauto,rw",
			   NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert(!has_arg(&args, "_netdev"));
	ck_assert(!has_arg(&args, "nofail"));
	ck_assert(!has_arg(&args, "noauto"));
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_allow_other_implies_default_permissions)
{
	const char *w[] = {"redisfs", "/mnt/x", "-o", "allow_other", NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert(has_arg(&args, "allow_other"));
	ck_assert(has_arg(&args, "default_permissions"));
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_fsname_has_no_userinfo_and_password_leaves_argv)
{
	const char *w[] = {"redisfs", "redis://app:s3cret@127.0.0.1:6400/1", "/mnt/x", NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	unsetenv("REDISCLI_AUTH");
	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_str_eq(opts.password, "s3cret");
	ck_assert_str_eq(opts.url.user, "app");
	ck_assert(has_arg(&args, "fsname=redis://127.0.0.1:6400/1"));
	ck_assert(has_arg(&args, "subtype=redisfs"));
	ck_assert(!has_arg(&args, "s3cret"));
	ck_assert_ptr_null(strstr(a.argv[1], "s3cret"));
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

START_TEST(test_rediscli_auth_is_the_password_and_is_removed_from_environ)
{
	const char *w[] = {"redisfs", "redis://u:urlpw@h", "/mnt/x", NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	setenv("REDISCLI_AUTH", "envpw", 1);
	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_str_eq(opts.password, "envpw");
	ck_assert_ptr_null(getenv("REDISCLI_AUTH"));
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
}
END_TEST

static char *write_passfile(const char *content, mode_t mode)
{
	char *path = strdup("/tmp/redisfs-passfile-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

START_TEST(test_passfile_loses_one_trailing_newline)
{
	char *path = write_passfile("pa ss\n\n", 0600);
	char *pw = NULL, err[256];

	ck_assert_int_eq(secret_file_read(path, "passfile", &pw, err, sizeof err), 0);
	ck_assert_str_eq(pw, "pa ss\n");
	free(pw);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_passfile_readable_by_others_is_refused)
{
	char *path = write_passfile("secret\n", 0644);
	char *pw = NULL, err[256];

	ck_assert_int_lt(secret_file_read(path, "passfile", &pw, err, sizeof err), 0);
	ck_assert_ptr_null(pw);
	ck_assert_ptr_nonnull(strstr(err, "readable by group or others"));
	ck_assert_ptr_null(strstr(err, "secret"));
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_passfile_beats_the_environment)
{
	char *path = write_passfile("filepw\n", 0400);
	char opt[128];
	const char *w[] = {"redisfs", "/mnt/x", "-o", opt, NULL};
	struct rfs_options opts;
	struct fuse_args args;
	struct argv_copy a;

	snprintf(opt, sizeof opt, "passfile=%s", path);
	setenv("REDISCLI_AUTH", "envpw", 1);
	argv_make(&a, w);
	ck_assert_int_eq(parse_all(&a, &args, &opts), 0);
	ck_assert_str_eq(opts.password, "filepw");
	options_free(&opts);
	fuse_opt_free_args(&args);
	argv_free(&a);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_missing_passfile_is_refused)
{
	char *pw = NULL, err[256];

	ck_assert_int_lt(secret_file_read("/nonexistent/pw", "passfile", &pw, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/pw"));
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *cmdline = tcase_create("cmdline");
	TCase *password = tcase_create("password");

	tcase_add_test(cmdline, test_url_and_mountpoint_are_told_apart);
	tcase_add_test(cmdline, test_mountpoint_alone_uses_the_default_url);
	tcase_add_test(cmdline, test_redisfs_options_are_parsed);
	tcase_add_test(cmdline, test_owner_and_umask_are_ours_not_the_kernels);
	tcase_add_test(cmdline, test_bad_numbers_are_refused);
	tcase_add_test(cmdline, test_fstab_noise_is_discarded);
	tcase_add_test(cmdline, test_allow_other_implies_default_permissions);
	suite_add_tcase(s, cmdline);
	tcase_add_test(password, test_fsname_has_no_userinfo_and_password_leaves_argv);
	tcase_add_test(password, test_rediscli_auth_is_the_password_and_is_removed_from_environ);
	tcase_add_test(password, test_passfile_loses_one_trailing_newline);
	tcase_add_test(password, test_passfile_readable_by_others_is_refused);
	tcase_add_test(password, test_passfile_beats_the_environment);
	tcase_add_test(password, test_missing_passfile_is_refused);
	suite_add_tcase(s, password);
	return s;
}

int main(void)
{
	return run_suite(options_suite(), CK_FORK);
}
