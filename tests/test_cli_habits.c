/* test_cli_habits.c - redis-cli's -h/-p/-a/-n answered with the redisfs command to type. */
#include <check.h>
#include <string.h>

#include "../fs/cli_habits.h"
#include "run_suite.h"

/* cli_habits_check of `words` (argv without argv[0]); `msg` gets its line. */
static int check_words(const char *const *words, char *msg, size_t len)
{
	char *argv[16] = {"redisfs"};
	int argc = 1;

	for (; words[argc - 1]; argc++)
		argv[argc] = (char *) words[argc - 1];
	msg[0] = '\0';
	return cli_habits_check(argc, argv, msg, len);
}

START_TEST(test_host_and_port_give_the_url_and_keep_the_mountpoint)
{
	char msg[512];

	ck_assert_int_eq(
		check_words((const char *[]){"-h", "10.0.0.5", "-p", "7000", "/mnt/r", "-f", NULL},
			    msg, sizeof msg),
		1);
	ck_assert_str_eq(msg, "-h and -p are redis-cli's; redisfs takes a URL: "
			      "redisfs redis://10.0.0.5:7000 /mnt/r");
}
END_TEST

START_TEST(test_attached_values_database_and_ipv6)
{
	char msg[512];

	ck_assert_int_eq(check_words((const char *[]){"-p6380", "-n", "2", "-h", "::1", NULL}, msg,
				     sizeof msg),
			 1);
	ck_assert_str_eq(msg, "-p, -n and -h are redis-cli's; redisfs takes a URL: "
			      "redisfs redis://[::1]:6380/2 MOUNTPOINT");
}
END_TEST

START_TEST(test_password_is_never_repeated)
{
	char msg[512];

	ck_assert_int_eq(
		check_words((const char *[]){"-a", "s3cret", "mnt", NULL}, msg, sizeof msg), 1);
	ck_assert_ptr_null(strstr(msg, "s3cret"));
	ck_assert_str_eq(msg, "-a is redis-cli's; redisfs takes a URL: REDISCLI_AUTH=PASSWORD "
			      "redisfs redis://127.0.0.1:6379 mnt");
}
END_TEST

START_TEST(test_help_options_and_urls_are_no_habits)
{
	char msg[512];

	ck_assert_int_eq(check_words((const char *[]){"-h", NULL}, msg, sizeof msg), 0);
	ck_assert_int_eq(check_words((const char *[]){"-h", "--version", NULL}, msg, sizeof msg),
			 0);
	ck_assert_int_eq(check_words((const char *[]){"redis://h:1", "mnt", "-o", "-p", "-f", NULL},
				     msg, sizeof msg),
			 0);
	ck_assert_int_eq(
		check_words((const char *[]){"h:1", "mnt", "-d", "-s", NULL}, msg, sizeof msg), 0);
}
END_TEST

START_TEST(test_control_bytes_and_long_values_keep_one_short_line)
{
	char msg[512], host[300];

	memset(host, 'a', sizeof host - 1);
	host[sizeof host - 1] = '\0';
	host[3] = '\n';
	ck_assert_int_eq(check_words((const char *[]){"-h", host, NULL}, msg, sizeof msg), 1);
	ck_assert_ptr_null(strchr(msg, '\n'));
	ck_assert_ptr_nonnull(strstr(msg, "aaa?aaa"));
	ck_assert_ptr_nonnull(strstr(msg, "...:6379"));
}
END_TEST

static Suite *cli_habits_suite(void)
{
	Suite *s = suite_create("cli_habits");
	TCase *tc = tcase_create("habits");

	tcase_add_test(tc, test_host_and_port_give_the_url_and_keep_the_mountpoint);
	tcase_add_test(tc, test_attached_values_database_and_ipv6);
	tcase_add_test(tc, test_password_is_never_repeated);
	tcase_add_test(tc, test_help_options_and_urls_are_no_habits);
	tcase_add_test(tc, test_control_bytes_and_long_values_keep_one_short_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(cli_habits_suite(), CK_FORK);
}
