/* test_config.c - unit tests of fs/config.c: the INI file of -o config=PATH (SPEC section 6). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/config.h"
#include "run_suite.h"

#define ERR_LEN	 512
#define PASSWORD "hunter2-s3cret" /* must never show up in a message */

/* A MySQL section that needs no password file, for tests about something else. */
#define MYSQL_SECTION "[mysql]\nhost = 127.0.0.1\n"
#define RULE_SECTION  "[ghosts.q]\nkeys = q:*\ntable = users\ncolumn = id\n"

#define DIR_TEMPLATE "/tmp/redisfs-config-XXXXXX"

static char dir[sizeof DIR_TEMPLATE]; /* a fresh one per test */
static char config_path[PATH_MAX];
static char pass_path[PATH_MAX];

static void setup(void)
{
	memcpy(dir, DIR_TEMPLATE, sizeof DIR_TEMPLATE); /* also when CK_FORK=no */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(config_path, sizeof config_path, "%s/redisfs.ini", dir);
	snprintf(pass_path, sizeof pass_path, "%s/mysql.pass", dir);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void) sb;
	(void) flag;
	(void) ftw;
	return remove(path);
}

static void teardown(void)
{
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write `len` bytes of `data` to `path` with exactly `mode` (umask aside). */
static void write_bytes(const char *path, mode_t mode, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

/* Write the config file from a printf format; returns its path. */
static const char *write_config(const char *fmt, ...)
{
	char text[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t) n < sizeof text);
	write_bytes(config_path, 0644, text, (size_t) n); /* the config itself holds no secret */
	return config_path;
}

static void write_password(const char *data, size_t len, mode_t mode)
{
	write_bytes(pass_path, mode, data, len);
}

/* Load the config file, which must succeed; the caller calls config_free(). */
static void load_ok(struct rfs_config *cfg)
{
	char err[ERR_LEN];
	int rc = config_load(config_path, cfg, err, sizeof err);

	ck_assert_msg(rc == 0, "config_load = %d: %s", rc, err);
}

/*
 * Load the config file, which must fail with `ret` and a one-line message that
 * begins with "PATH:LINE: " (or "PATH: " when `line` is 0), contains `needle`,
 * and never the password.
 */
static void load_fails(int ret, int line, const char *needle)
{
	struct rfs_config cfg;
	char err[ERR_LEN], prefix[PATH_MAX + 32];
	int rc = config_load(config_path, &cfg, err, sizeof err);

	if (line)
		snprintf(prefix, sizeof prefix, "%s:%d: ", config_path, line);
	else
		snprintf(prefix, sizeof prefix, "%s: ", config_path);
	ck_assert_msg(rc == ret, "config_load = %d, expected %d (%s)", rc, ret, err);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "\"%s\" does not begin with \"%s\"",
		      err, prefix);
	ck_assert_msg(strstr(err, needle), "\"%s\" does not say \"%s\"", err, needle);
	ck_assert_msg(!strchr(err, '\n'), "\"%s\" spans lines", err);
	ck_assert_msg(!strstr(err, PASSWORD), "\"%s\" shows the password", err);
	config_free(&cfg);
}

/* ---- what loads ---- */

START_TEST(test_spec_example_loads_exactly_with_inline_comments)
{
	struct rfs_config cfg;

	write_password(PASSWORD "\n", strlen(PASSWORD) + 1, 0600);
	write_config(
		"[mysql]\n"
		"host = 127.0.0.1\n"
		"port = 3306\n"
		"user = app\n"
		"password_file = %s\n"
		"database = app\n"
		"\n"
		"[ghosts.matching]\n"
		"db = 0\n"
		"keys = matching:queue*      ; SCAN MATCH pattern of queue keys: list, set, "
		"zset or hash\n"
		"table = users\n"
		"column = id\n"
		"member = ^([0-9]+)          ; optional POSIX ERE, group 1 is the ID; default: "
		"the member itself\n",
		pass_path);
	load_ok(&cfg);

	ck_assert(cfg.has_mysql);
	ck_assert_str_eq(cfg.mysql.host, "127.0.0.1");
	ck_assert_int_eq(cfg.mysql.port, 3306);
	ck_assert_str_eq(cfg.mysql.user, "app");
	ck_assert_str_eq(cfg.mysql.password_file, pass_path);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD);
	ck_assert_str_eq(cfg.mysql.database, "app");
	ck_assert_ptr_null(cfg.mysql.socket);
	ck_assert_ptr_null(cfg.mysql.defaults_file);

	ck_assert_uint_eq(cfg.rule_count, 1);
	ck_assert_str_eq(cfg.rules[0].name, "matching");
	ck_assert_int_eq(cfg.rules[0].db, 0);
	ck_assert_str_eq(cfg.rules[0].keys, "matching:queue*");
	ck_assert_str_eq(cfg.rules[0].table, "users");
	ck_assert_str_eq(cfg.rules[0].column, "id");
	ck_assert_str_eq(cfg.rules[0].member, "^([0-9]+)");

	ck_assert_ptr_null(cfg.redis.url);
	ck_assert_int_eq(cfg.redis.ro, -1);
	ck_assert_int_eq(cfg.redis.noflush, -1);
	config_free(&cfg);
}
END_TEST

START_TEST(test_redis_section_keeps_strings_for_the_option_code)
{
	struct rfs_config cfg;

	write_config("[redis]\n"
		     "url = redis://10.0.0.5:7000/2\n"
		     "passfile = /etc/redisfs/redis.pass\n"
		     "databases = 16\n"
		     "timeout = 2.5\n"
		     "cache_timeout = 0\n"
		     "ro = yes\n"
		     "noflush = off\n");
	load_ok(&cfg);
	ck_assert_str_eq(cfg.redis.url, "redis://10.0.0.5:7000/2");
	ck_assert_str_eq(cfg.redis.passfile, "/etc/redisfs/redis.pass");
	ck_assert_str_eq(cfg.redis.databases, "16");
	ck_assert_str_eq(cfg.redis.timeout, "2.5");
	ck_assert_str_eq(cfg.redis.cache_timeout, "0");
	ck_assert_int_eq(cfg.redis.ro, 1);
	ck_assert_int_eq(cfg.redis.noflush, 0);
	ck_assert(!cfg.has_mysql);
	ck_assert_uint_eq(cfg.rule_count, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_booleans_take_true_false_yes_no_on_off_1_0_in_any_case)
{
	static const struct {
		const char *text;
		int value;
	} cases[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},	 {"on", 1},
		     {"off", 0},  {"1", 1},	{"0", 0},   {"TRUE", 1}, {"Off", 0}};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rfs_config cfg;

		write_config("[redis]\nro = %s\nnoflush = %s\n", cases[i].text, cases[i].text);
		load_ok(&cfg);
		ck_assert_msg(cfg.redis.ro == cases[i].value, "ro = %s", cases[i].text);
		ck_assert_int_eq(cfg.redis.noflush, cases[i].value);
		config_free(&cfg);
	}
}
END_TEST

START_TEST(test_bad_boolean_names_file_line_and_key)
{
	static const char *const bad[] = {"2", "y", "enabled", "true false", "-1"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config("[redis]\nro = 1\nnoflush = %s\n", bad[i]);
		load_fails(-EINVAL, 3, "noflush");
	}
}
END_TEST

START_TEST(test_mysql_fields_and_port_bounds_load)
{
	struct rfs_config cfg;

	write_config("[mysql]\nsocket = /run/mysqld/mysqld.sock\nuser = app\n"
		     "defaults_file = /etc/mysql/redisfs.cnf\nport = 1\n");
	load_ok(&cfg);
	ck_assert(cfg.has_mysql);
	ck_assert_str_eq(cfg.mysql.socket, "/run/mysqld/mysqld.sock");
	ck_assert_str_eq(cfg.mysql.defaults_file, "/etc/mysql/redisfs.cnf");
	ck_assert_int_eq(cfg.mysql.port, 1);
	ck_assert_ptr_null(cfg.mysql.password);
	config_free(&cfg);

	write_config("[mysql]\nport = 65535\n");
	load_ok(&cfg);
	ck_assert_int_eq(cfg.mysql.port, 65535);
	config_free(&cfg);
}
END_TEST

START_TEST(test_empty_mysql_section_counts_as_present)
{
	struct rfs_config cfg;

	write_config("[mysql]\n" RULE_SECTION);
	load_ok(&cfg);
	ck_assert(cfg.has_mysql);
	ck_assert_int_eq(cfg.mysql.port, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_rule_defaults_db_0_and_no_member)
{
	struct rfs_config cfg;

	write_config(MYSQL_SECTION RULE_SECTION);
	load_ok(&cfg);
	ck_assert_uint_eq(cfg.rule_count, 1);
	ck_assert_int_eq(cfg.rules[0].db, 0);
	ck_assert_ptr_null(cfg.rules[0].member);
	config_free(&cfg);
}
END_TEST

START_TEST(test_several_rules_keep_file_order_and_db)
{
	struct rfs_config cfg;

	write_config("[ghosts.a]\nkeys = a:*\ntable = app.users\ncolumn = user_id\ndb = 1000000\n"
		     "[ghosts.b.c]\nkeys = b\ntable = $T_1\ncolumn = ID$\ndb = 007\n"
		     "[ghosts.with space]\nkeys = c\ntable = t\ncolumn = c\n" MYSQL_SECTION);
	load_ok(&cfg);
	ck_assert_uint_eq(cfg.rule_count, 3);
	ck_assert_str_eq(cfg.rules[0].name, "a");
	ck_assert_int_eq(cfg.rules[0].db, 1000000);
	ck_assert_str_eq(cfg.rules[0].table, "app.users");
	ck_assert_str_eq(cfg.rules[1].name, "b.c");
	ck_assert_int_eq(cfg.rules[1].db, 7);
	ck_assert_str_eq(cfg.rules[1].table, "$T_1");
	ck_assert_str_eq(cfg.rules[1].column, "ID$");
	ck_assert_str_eq(cfg.rules[2].name, "with space");
	config_free(&cfg);
}
END_TEST

START_TEST(test_rule_name_longer_than_libinih_section_buffer_is_kept_whole)
{
	struct rfs_config cfg;
	char name[151];

	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	write_config(MYSQL_SECTION "[ghosts.%s]\nkeys = k\ntable = t\ncolumn = c\n", name);
	load_ok(&cfg);
	ck_assert_uint_eq(cfg.rule_count, 1);
	ck_assert_str_eq(cfg.rules[0].name, name);
	config_free(&cfg);
}
END_TEST

START_TEST(test_semicolon_without_space_before_is_part_of_the_value)
{
	struct rfs_config cfg;

	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = a;b ;comment\ntable = t\ncolumn = c\n"
				   "member = ^x#([0-9]+)\n");
	load_ok(&cfg);
	ck_assert_str_eq(cfg.rules[0].keys, "a;b");
	ck_assert_str_eq(cfg.rules[0].member, "^x#([0-9]+)");
	config_free(&cfg);
}
END_TEST

START_TEST(test_comments_blank_lines_crlf_and_bom_are_accepted)
{
	struct rfs_config cfg;

	write_config("\xEF\xBB\xBF; a comment\r\n# another\r\n\r\n[redis] ; the server\r\n"
		     "url = redis://h\r\n  \r\nro = on\r\n");
	load_ok(&cfg);
	ck_assert_str_eq(cfg.redis.url, "redis://h");
	ck_assert_int_eq(cfg.redis.ro, 1);
	config_free(&cfg);
}
END_TEST

START_TEST(test_empty_file_loads_as_silent)
{
	struct rfs_config cfg;

	write_config("%s", "");
	load_ok(&cfg);
	ck_assert_ptr_null(cfg.redis.url);
	ck_assert_int_eq(cfg.redis.ro, -1);
	ck_assert(!cfg.has_mysql);
	ck_assert_uint_eq(cfg.rule_count, 0);
	config_free(&cfg);
}
END_TEST

/* ---- the password file ---- */

START_TEST(test_password_file_loses_one_trailing_newline_only)
{
	struct rfs_config cfg;

	write_config("[mysql]\npassword_file = %s\n", pass_path);

	write_password(PASSWORD "\n", strlen(PASSWORD) + 1, 0600);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD);
	config_free(&cfg);

	write_password(PASSWORD, strlen(PASSWORD), 0400);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD);
	config_free(&cfg);

	write_password(PASSWORD "\n\n", strlen(PASSWORD) + 2, 0600);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, PASSWORD "\n");
	config_free(&cfg);

	write_password(" " PASSWORD " \r\n", strlen(PASSWORD) + 4, 0600);
	load_ok(&cfg);
	ck_assert_str_eq(cfg.mysql.password, " " PASSWORD " \r");
	config_free(&cfg);
}
END_TEST

START_TEST(test_password_file_open_to_group_or_others_is_refused)
{
	static const mode_t modes[] = {0644, 0640, 0604, 0620, 0610, 0601};

	write_config("[mysql]\nhost = db\npassword_file = %s\n", pass_path);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_password(PASSWORD "\n", strlen(PASSWORD) + 1, modes[i]);
		load_fails(-EACCES, 3, "chmod 600");
		load_fails(-EACCES, 3, pass_path);
	}
}
END_TEST

START_TEST(test_missing_password_file_gives_its_errno)
{
	write_config("[mysql]\npassword_file = %s\n", pass_path);
	load_fails(-ENOENT, 2, strerror(ENOENT));
	load_fails(-ENOENT, 2, pass_path);
}
END_TEST

START_TEST(test_password_file_that_is_a_directory_is_refused)
{
	write_config("[mysql]\npassword_file = %s\n", dir);
	load_fails(-EINVAL, 2, "not a regular file");
}
END_TEST

START_TEST(test_password_file_with_nul_byte_is_refused)
{
	write_password("ab\0cd\n", 6, 0600);
	write_config("[mysql]\npassword_file = %s\n", pass_path);
	load_fails(-EINVAL, 2, "NUL");
}
END_TEST

START_TEST(test_password_of_4096_bytes_loads_and_4097_is_refused)
{
	struct rfs_config cfg;
	static char big[4098];

	memset(big, 'p', sizeof big);
	write_config("[mysql]\npassword_file = %s\n", pass_path);

	big[4096] = '\n';
	write_password(big, 4097, 0600);
	load_ok(&cfg);
	ck_assert_uint_eq(strlen(cfg.mysql.password), 4096);
	config_free(&cfg);

	write_password(big, 4097 - 1, 0600); /* 4096 bytes, no newline */
	load_ok(&cfg);
	ck_assert_uint_eq(strlen(cfg.mysql.password), 4096);
	config_free(&cfg);

	big[4096] = 'p';
	write_password(big, 4097, 0600);
	load_fails(-EINVAL, 2, "longer than 4096");

	big[4097] = '\n';
	write_password(big, 4098, 0600);
	load_fails(-EINVAL, 2, "longer than 4096");
}
END_TEST

START_TEST(test_password_key_is_unknown_and_its_value_never_shown)
{
	write_config("[mysql]\nhost = db\npassword = %s\n", PASSWORD);
	load_fails(-EINVAL, 3, "unknown key 'password' in [mysql]");
	load_fails(-EINVAL, 3, "password_file");
}
END_TEST

/* ---- errors in the structure of the file ---- */

START_TEST(test_missing_config_file_gives_enoent_with_strerror)
{
	/* setup() made the directory but not the file. */
	load_fails(-ENOENT, 0, strerror(ENOENT));
}
END_TEST

START_TEST(test_config_path_that_is_a_directory_gives_eisdir)
{
	struct rfs_config cfg;
	char err[ERR_LEN];

	ck_assert_int_eq(config_load(dir, &cfg, err, sizeof err), -EISDIR);
	ck_assert_ptr_nonnull(strstr(err, dir));
	ck_assert_ptr_nonnull(strstr(err, strerror(EISDIR)));
	config_free(&cfg);
}
END_TEST

START_TEST(test_unknown_section_names_file_line_and_section)
{
	write_config("[redis]\nro = 1\n\n[MySQL]\nhost = x\n");
	load_fails(-EINVAL, 4, "unknown section [MySQL]");
	write_config("[ghost.q]\n");
	load_fails(-EINVAL, 1, "[ghost.q]");
}
END_TEST

START_TEST(test_unknown_key_names_file_line_and_key)
{
	write_config("[redis]\nurl = redis://x\ncolour = blue\n");
	load_fails(-EINVAL, 3, "unknown key 'colour' in [redis]");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = t\ncolumn = c\nColumn = d\n");
	load_fails(-EINVAL, 7, "unknown key 'Column' in [ghosts.q]");
	write_config("[mysql]\nhost = x\nport = 3306\npasswd = y\n");
	load_fails(-EINVAL, 4, "'passwd'");
}
END_TEST

START_TEST(test_key_before_any_section_is_refused)
{
	write_config("; top\nurl = redis://x\n[redis]\n");
	load_fails(-EINVAL, 2, "before any [section]");
}
END_TEST

START_TEST(test_line_without_equals_is_refused)
{
	write_config("[redis]\nro\n");
	load_fails(-EINVAL, 2, "key = value");
}
END_TEST

START_TEST(test_section_header_without_bracket_or_with_trailing_text_is_refused)
{
	write_config("[redis\nro = 1\n");
	load_fails(-EINVAL, 1, "']'");
	write_config("[redis] ro = 1\n");
	load_fails(-EINVAL, 1, "after the section header");
}
END_TEST

START_TEST(test_indented_line_after_a_key_is_refused_not_appended)
{
	/* inih would read it as more of the value of 'keys'. */
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = q:*\n  table = users\ncolumn = id\n");
	load_fails(-EINVAL, 5, "indented line continues the value of 'keys'");
}
END_TEST

START_TEST(test_line_longer_than_libinih_reads_is_refused)
{
	char keys[300];

	memset(keys, 'k', sizeof keys - 1);
	keys[sizeof keys - 1] = '\0';
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = %s\ntable = t\ncolumn = c\n", keys);
	load_fails(-EINVAL, 4, "line longer than");
}
END_TEST

START_TEST(test_nul_byte_in_the_file_is_refused)
{
	write_bytes(config_path, 0600, "[redis]\nurl = a\0b\n", 18);
	load_fails(-EINVAL, 2, "NUL");
}
END_TEST

START_TEST(test_duplicate_key_in_a_section_is_refused)
{
	write_config("[redis]\nro = 1\nurl = redis://a\nro = 0\n");
	load_fails(-EINVAL, 4, "duplicate key 'ro' in [redis] (first at line 2)");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = a\ntable = t\ncolumn = c\nkeys = b\n");
	load_fails(-EINVAL, 7, "duplicate key 'keys'");
}
END_TEST

START_TEST(test_second_redis_or_mysql_section_is_refused)
{
	write_config("[redis]\nro = 1\n[redis]\nnoflush = 1\n");
	load_fails(-EINVAL, 3, "second [redis]");
	write_config(MYSQL_SECTION "[mysql]\n");
	load_fails(-EINVAL, 3, "second [mysql]");
}
END_TEST

START_TEST(test_empty_value_is_refused)
{
	write_config("[redis]\nurl =\n");
	load_fails(-EINVAL, 2, "'url' has no value");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys =    ; nothing\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 4, "'keys' has no value");
}
END_TEST

START_TEST(test_bad_port_is_refused)
{
	static const char *const bad[] = {"0", "65536", "abc", "-1", "+80", "3306x", "99999999999"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config("[mysql]\nhost = db\nport = %s\n", bad[i]);
		load_fails(-EINVAL, 3, "bad port");
	}
}
END_TEST

/* ---- ghost rules ---- */

START_TEST(test_rule_without_keys_table_or_column_is_refused_at_its_header)
{
	write_config(MYSQL_SECTION "[ghosts.q]\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 3, "[ghosts.q] has no 'keys'");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ncolumn = c\n[redis]\nro = 1\n");
	load_fails(-EINVAL, 3, "has no 'table'");
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = t\n");
	load_fails(-EINVAL, 3, "has no 'column'");
}
END_TEST

START_TEST(test_empty_rule_section_is_refused)
{
	write_config(MYSQL_SECTION "[ghosts.q]\n\n[ghosts.r]\nkeys = k\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 3, "[ghosts.q] has no 'keys'");
}
END_TEST

START_TEST(test_table_that_is_not_an_identifier_is_refused)
{
	static const char *const bad[] = {
		"users;drop",
		"a b",
		"users`",
		"a.b.c",
		".users",
		"users.",
		"us-ers",
		"t\"",
		"tablé",
		"x.",
		"`users`",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = %s\ncolumn = c\n",
			     bad[i]);
		load_fails(-EINVAL, 5, "table '");
	}
}
END_TEST

START_TEST(test_table_of_64_bytes_and_db_dot_table_are_identifiers)
{
	struct rfs_config cfg;
	char name[65];

	memset(name, 't', 64);
	name[64] = '\0';
	write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = %s.%s\ncolumn = %s\n", name, name,
		     name);
	load_ok(&cfg);
	ck_assert_uint_eq(strlen(cfg.rules[0].table), 129);
	config_free(&cfg);
}
END_TEST

START_TEST(test_column_that_is_not_an_identifier_is_refused)
{
	static const char *const bad[] = {"users;drop", "a b", "t.id", "id)", "1=1"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION "[ghosts.q]\nkeys = k\ntable = t\ncolumn = %s\n",
			     bad[i]);
		load_fails(-EINVAL, 6, "column '");
	}
}
END_TEST

START_TEST(test_member_pattern_that_does_not_compile_is_refused)
{
	write_config(MYSQL_SECTION RULE_SECTION "member = ^([0-9]+\n");
	load_fails(-EINVAL, 7, "does not compile");
	write_config(MYSQL_SECTION RULE_SECTION "member = a{2,1}(x)\n");
	load_fails(-EINVAL, 7, "does not compile");
}
END_TEST

START_TEST(test_member_pattern_without_group_is_refused)
{
	write_config(MYSQL_SECTION RULE_SECTION "member = ^[0-9]+$\n");
	load_fails(-EINVAL, 7, "has no group");
}
END_TEST

START_TEST(test_bad_db_is_refused)
{
	static const char *const bad[] = {"-1", "1000001", "x", "+1", "1 2", "0x10"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION RULE_SECTION "db = %s\n", bad[i]);
		load_fails(-EINVAL, 7, "bad db");
	}
}
END_TEST

START_TEST(test_rules_without_mysql_are_refused_at_the_first_rule)
{
	write_config("[redis]\nro = 1\n" RULE_SECTION
		     "[ghosts.r]\nkeys = r\ntable = t\ncolumn = c\n");
	load_fails(-EINVAL, 3, "needs a [mysql] section");
}
END_TEST

START_TEST(test_mysql_after_the_rules_is_fine)
{
	struct rfs_config cfg;

	write_config(RULE_SECTION MYSQL_SECTION);
	load_ok(&cfg);
	ck_assert(cfg.has_mysql);
	ck_assert_uint_eq(cfg.rule_count, 1);
	config_free(&cfg);
}
END_TEST

START_TEST(test_duplicate_rule_is_refused)
{
	write_config(MYSQL_SECTION RULE_SECTION "\n" RULE_SECTION);
	load_fails(-EINVAL, 8, "duplicate rule [ghosts.q] (first at line 3)");
}
END_TEST

START_TEST(test_rule_name_that_is_not_a_plain_file_name_is_refused)
{
	static const struct {
		const char *header;
		const char *reason;
	} bad[] = {
		{"[ghosts.]", "is empty"},
		{"[ghosts..]", "is not a file name"},
		{"[ghosts...]", "is not a file name"},
		{"[ghosts.a/b]", "'/'"},
		{"[ghosts./]", "'/'"},
		{"[ghosts.a\tb]", "not printable ASCII"},
		{"[ghosts.caf\xC3\xA9]", "not printable ASCII"},
		{"[ghosts]", "needs a rule name"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_config(MYSQL_SECTION "%s\nkeys = k\ntable = t\ncolumn = c\n", bad[i].header);
		load_fails(-EINVAL, 3, bad[i].reason);
	}
}
END_TEST

/* ---- freeing ---- */

START_TEST(test_config_free_is_safe_after_an_error_on_zeroed_and_twice)
{
	struct rfs_config cfg;
	char err[ERR_LEN];

	memset(&cfg, 0, sizeof cfg);
	config_free(&cfg);

	/* Fails late, with a password and a rule already held. */
	write_password(PASSWORD, strlen(PASSWORD), 0600);
	write_config("[mysql]\npassword_file = %s\n" RULE_SECTION "[ghosts.r]\nkeys = k\n"
		     "table = t\ncolumn = c\nmember = (x\n",
		     pass_path);
	ck_assert_int_eq(config_load(config_path, &cfg, err, sizeof err), -EINVAL);
	ck_assert_ptr_null(strstr(err, PASSWORD));
	config_free(&cfg);
	ck_assert_ptr_null(cfg.mysql.password);
	ck_assert_ptr_null(cfg.rules);
	ck_assert_uint_eq(cfg.rule_count, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(test_small_or_missing_error_buffer_is_safe)
{
	struct rfs_config cfg;
	char err[8];

	write_config("[nope]\n");
	ck_assert_int_eq(config_load(config_path, &cfg, err, sizeof err), -EINVAL);
	ck_assert_uint_eq(strlen(err), sizeof err - 1);
	config_free(&cfg);
	ck_assert_int_eq(config_load(config_path, &cfg, NULL, 0), -EINVAL);
	config_free(&cfg);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("loads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spec_example_loads_exactly_with_inline_comments);
	tcase_add_test(tc, test_redis_section_keeps_strings_for_the_option_code);
	tcase_add_test(tc, test_booleans_take_true_false_yes_no_on_off_1_0_in_any_case);
	tcase_add_test(tc, test_bad_boolean_names_file_line_and_key);
	tcase_add_test(tc, test_mysql_fields_and_port_bounds_load);
	tcase_add_test(tc, test_empty_mysql_section_counts_as_present);
	tcase_add_test(tc, test_rule_defaults_db_0_and_no_member);
	tcase_add_test(tc, test_several_rules_keep_file_order_and_db);
	tcase_add_test(tc, test_rule_name_longer_than_libinih_section_buffer_is_kept_whole);
	tcase_add_test(tc, test_semicolon_without_space_before_is_part_of_the_value);
	tcase_add_test(tc, test_comments_blank_lines_crlf_and_bom_are_accepted);
	tcase_add_test(tc, test_empty_file_loads_as_silent);
	suite_add_tcase(s, tc);

	tc = tcase_create("password_file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_password_file_loses_one_trailing_newline_only);
	tcase_add_test(tc, test_password_file_open_to_group_or_others_is_refused);
	tcase_add_test(tc, test_missing_password_file_gives_its_errno);
	tcase_add_test(tc, test_password_file_that_is_a_directory_is_refused);
	tcase_add_test(tc, test_password_file_with_nul_byte_is_refused);
	tcase_add_test(tc, test_password_of_4096_bytes_loads_and_4097_is_refused);
	tcase_add_test(tc, test_password_key_is_unknown_and_its_value_never_shown);
	suite_add_tcase(s, tc);

	tc = tcase_create("structure");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_config_file_gives_enoent_with_strerror);
	tcase_add_test(tc, test_config_path_that_is_a_directory_gives_eisdir);
	tcase_add_test(tc, test_unknown_section_names_file_line_and_section);
	tcase_add_test(tc, test_unknown_key_names_file_line_and_key);
	tcase_add_test(tc, test_key_before_any_section_is_refused);
	tcase_add_test(tc, test_line_without_equals_is_refused);
	tcase_add_test(tc, test_section_header_without_bracket_or_with_trailing_text_is_refused);
	tcase_add_test(tc, test_indented_line_after_a_key_is_refused_not_appended);
	tcase_add_test(tc, test_line_longer_than_libinih_reads_is_refused);
	tcase_add_test(tc, test_nul_byte_in_the_file_is_refused);
	tcase_add_test(tc, test_duplicate_key_in_a_section_is_refused);
	tcase_add_test(tc, test_second_redis_or_mysql_section_is_refused);
	tcase_add_test(tc, test_empty_value_is_refused);
	tcase_add_test(tc, test_bad_port_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rule_without_keys_table_or_column_is_refused_at_its_header);
	tcase_add_test(tc, test_empty_rule_section_is_refused);
	tcase_add_test(tc, test_table_that_is_not_an_identifier_is_refused);
	tcase_add_test(tc, test_table_of_64_bytes_and_db_dot_table_are_identifiers);
	tcase_add_test(tc, test_column_that_is_not_an_identifier_is_refused);
	tcase_add_test(tc, test_member_pattern_that_does_not_compile_is_refused);
	tcase_add_test(tc, test_member_pattern_without_group_is_refused);
	tcase_add_test(tc, test_bad_db_is_refused);
	tcase_add_test(tc, test_rules_without_mysql_are_refused_at_the_first_rule);
	tcase_add_test(tc, test_mysql_after_the_rules_is_fine);
	tcase_add_test(tc, test_duplicate_rule_is_refused);
	tcase_add_test(tc, test_rule_name_that_is_not_a_plain_file_name_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("free");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_free_is_safe_after_an_error_on_zeroed_and_twice);
	tcase_add_test(tc, test_small_or_missing_error_buffer_is_safe);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return run_suite(config_suite(), CK_FORK);
}
