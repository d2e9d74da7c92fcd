/* test_system_mount8.c - SPEC 1: mounts through mount(8) and fstab with the installed helper. */
#include "system_fixture.h"

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

#define PASSWORD "Sys-pw-4417" /* requirepass of the locked server */

static struct h_redis *locked_server; /* --requirepass PASSWORD */

/* Whether `dir` is mounted read-only (the kernel's view, as statvfs gives it). */
static bool mounted_read_only(const char *dir)
{
	struct statvfs sv;

	ck_assert_msg(statvfs(dir, &sv) == 0, "statvfs %s: %s", dir, strerror(errno));
	return sv.f_flag & ST_RDONLY;
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

static Suite *system_mount8_suite(void)
{
	Suite *s = suite_create("system_mount8");
	TCase *tc;

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
	return s;
}

int main(void)
{
	return system_main(system_mount8_suite);
}
