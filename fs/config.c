/* config.c - read and validate the INI file of -o config=PATH (SPEC section 6) with libinih. */
#include "config.h"
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define IDENT_MAX	  64	  /* MySQL's limit on database, table and column names */
#define RULE_NAME_MAX	  255	  /* NAME_MAX: a rule is the folder ghosts/NAME */
#define GHOST_DB_MAX	  1000000 /* the largest -o databases=N that options accept */
#define NUMBER_DIGITS_MAX 9	  /* more digits than any bound here: no overflow to check */
#define SHOWN_MAX	  64	  /* longest piece of the file quoted in an error */
#define SHOWN_SIZE	  (SHOWN_MAX + sizeof "...")
#define KEYS_MAX	  13 /* keys of the largest section ([redis]) */
#define GHOSTS_PREFIX	  "ghosts."
#define UTF8_BOM	  "\xEF\xBB\xBF"

enum section_kind { SECTION_NONE, SECTION_REDIS, SECTION_MYSQL, SECTION_GHOSTS };

/* The keys of each section; the order is the index into load_state.key_lines. */
enum redis_key {
	REDIS_URL,
	REDIS_PASSFILE,
	REDIS_DATABASES,
	REDIS_TIMEOUT,
	REDIS_CACHE_TIMEOUT,
	REDIS_RO,
	REDIS_NOFLUSH,
	REDIS_DELIMITER,
	REDIS_TLS_CA,
	REDIS_TLS_CERT,
	REDIS_TLS_KEY,
	REDIS_TLS_SNI,
	REDIS_TLS_INSECURE,
};
static const char *const redis_keys[] = {
	"url",	     "passfile", "databases", "timeout", "cache_timeout", "ro",		  "noflush",
	"delimiter", "tls_ca",	 "tls_cert",  "tls_key", "tls_sni",	  "tls_insecure", NULL,
};
_Static_assert(sizeof redis_keys / sizeof redis_keys[0] - 1 <= KEYS_MAX,
	       "key_lines[] holds a line for every [redis] key");

enum mysql_key {
	MYSQL_HOST,
	MYSQL_PORT,
	MYSQL_SOCKET,
	MYSQL_USER,
	MYSQL_PASSWORD_FILE,
	MYSQL_DEFAULTS_FILE,
	MYSQL_DATABASE,
};
static const char *const mysql_keys[] = {
	"host", "port", "socket", "user", "password_file", "defaults_file", "database", NULL,
};

enum rule_key { RULE_DB, RULE_KEYS, RULE_TABLE, RULE_COLUMN, RULE_MEMBER };
static const char *const rule_keys[] = {"db", "keys", "table", "column", "member", NULL};

/* Everything config_load() tracks while libinih walks the file. */
struct load_state {
	const char *path;
	FILE *file;
	struct rfs_config *cfg;
	char *err;
	size_t errlen;
	int ret;    /* the first error as -errno; 0 while there is none */
	int lineno; /* the line inih works on: inih 55 does not tell the handler */
	char *line; /* getline() buffer of read_line() */
	size_t line_size;
	bool after_key;		 /* inih's prev_name: an indented line continues it */
	bool continuation;	 /* the current line is such a continuation */
	enum section_kind kind;	 /* section of the current line */
	char *section;		 /* its whole name: inih hands the handler 49 bytes at most */
	int section_line;	 /* line of its header */
	int key_lines[KEYS_MAX]; /* line where each of its keys was set, 0 if not yet */
	int redis_line;		 /* header lines of [redis] and [mysql], 0 if none yet */
	int mysql_line;
	int *rule_lines; /* header line of each rule, parallel to cfg->rules */
	size_t rule_cap;
};

/* Our own ASCII tests: <ctype.h> depends on the locale; inih runs in the C locale's terms. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_printable(char c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * Record the first error: "PATH:LINE: reason", or "PATH: reason" when `line`
 * is 0. Later errors are dropped, as they tend to follow from the first.
 * Returns `ret`, so that a caller can return what it reports.
 */
static int fail(struct load_state *st, int line, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st->ret)
		return ret;
	st->ret = ret;
	if (!st->err || !st->errlen)
		return ret;
	if (line)
		n = snprintf(st->err, st->errlen, "%s:%d: ", st->path, line);
	else
		n = snprintf(st->err, st->errlen, "%s: ", st->path);
	if (n < 0 || (size_t) n >= st->errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(st->err + n, st->errlen - (size_t) n, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * Copy a piece of the file into `out` for quoting in an error: control and
 * non-ASCII bytes become '?' so that the message stays one readable line, and
 * a long piece is cut with "...".
 */
static const char *shown(char out[SHOWN_SIZE], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < SHOWN_MAX; i++)
		out[i] = is_printable(s[i]) ? s[i] : '?';
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static int store(struct load_state *st, char **dst, const char *value)
{
	*dst = strdup(value);
	return *dst ? 0 : fail(st, st->lineno, -ENOMEM, "out of memory");
}

/* A decimal number from `min` to `max`: digits only, no sign, no spaces. Returns it or -1. */
static long parse_number(const char *s, long min, long max)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!is_digit(s[i]) || i >= NUMBER_DIGITS_MAX)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i && v >= min && v <= max ? v : -1;
}

/* true/yes/on/1 or false/no/off/0 in any case: 1 or 0, and -1 for anything else. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/*
 * [A-Za-z0-9_$]{1,64}: a MySQL identifier that needs no quoting to be safe,
 * so that a table or column name can never carry SQL of its own.
 */
static bool is_identifier(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > IDENT_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!is_digit(c) && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    c != '_' && c != '$')
			return false;
	}
	return true;
}

/* An identifier, or with `dotted` also "db.table". */
static bool is_table_name(const char *s, bool dotted)
{
	const char *dot = dotted ? strchr(s, '.') : NULL;

	if (dot)
		return is_identifier(s, (size_t) (dot - s)) &&
		       is_identifier(dot + 1, strlen(dot + 1));
	return is_identifier(s, strlen(s));
}

/* Why `name` cannot be the folder ghosts/NAME, or NULL when it can. */
static const char *rule_name_problem(const char *name)
{
	size_t i, n = strlen(name);

	if (!n)
		return "is empty";
	if (n > RULE_NAME_MAX)
		return "is longer than 255 bytes";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "is not a file name";
	for (i = 0; i < n; i++) {
		if (name[i] == '/')
			return "holds '/': it names one folder";
		if (!is_printable(name[i]))
			return "holds a byte that is not printable ASCII";
	}
	return NULL;
}

/* The MySQL password from `file` (secret_file.h); the error, if any, with the line. */
static int read_password_file(struct load_state *st, const char *file, char **password)
{
	char why[512];
	int ret = secret_file_read(file, "password_file", password, why, sizeof why);

	return ret ? fail(st, st->lineno, ret, "%s", why) : 0;
}

/* Check that the [ghosts.NAME] section that ends here has what a rule needs. */
static void section_end(struct load_state *st)
{
	static const enum rule_key required[] = {RULE_KEYS, RULE_TABLE, RULE_COLUMN};
	size_t i;

	if (st->kind != SECTION_GHOSTS)
		return;
	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		if (!st->key_lines[required[i]]) {
			fail(st, st->section_line, -EINVAL, "[%s] has no '%s', which a rule needs",
			     st->section, rule_keys[required[i]]);
			return;
		}
	}
}

/* [ghosts.NAME] begins: a new rule, with db 0 until the file says otherwise. */
static void rule_begin(struct load_state *st, const char *name)
{
	struct rfs_config *cfg = st->cfg;
	struct config_ghost_rule *rule;
	const char *problem = rule_name_problem(name);
	char show[SHOWN_SIZE];
	size_t i;

	if (problem) {
		fail(st, st->lineno, -EINVAL, "rule name '%s' %s", shown(show, name), problem);
		return;
	}
	for (i = 0; i < cfg->rule_count; i++) {
		if (!strcmp(cfg->rules[i].name, name)) {
			fail(st, st->lineno, -EINVAL, "duplicate rule [%s] (first at line %d)",
			     st->section, st->rule_lines[i]);
			return;
		}
	}
	if (cfg->rule_count == st->rule_cap) {
		size_t cap = st->rule_cap ? 2 * st->rule_cap : 4;
		struct config_ghost_rule *rules = realloc(cfg->rules, cap * sizeof *rules);
		int *lines;

		if (!rules) {
			fail(st, st->lineno, -ENOMEM, "out of memory");
			return;
		}
		cfg->rules = rules;
		lines = realloc(st->rule_lines, cap * sizeof *lines);
		if (!lines) {
			fail(st, st->lineno, -ENOMEM, "out of memory");
			return;
		}
		st->rule_lines = lines;
		st->rule_cap = cap;
	}
	rule = &cfg->rules[cfg->rule_count];
	memset(rule, 0, sizeof *rule);
	rule->line = st->lineno;
	rule->name = strdup(name);
	if (!rule->name) {
		fail(st, st->lineno, -ENOMEM, "out of memory");
		return;
	}
	st->rule_lines[cfg->rule_count++] = st->lineno;
	st->kind = SECTION_GHOSTS;
}

/* A "[name]" header at the current line: end the previous section, begin this one. */
static void section_begin(struct load_state *st, const char *name)
{
	char show[SHOWN_SIZE];

	section_end(st);
	if (st->ret)
		return;
	st->kind = SECTION_NONE;
	free(st->section);
	st->section = strdup(name);
	if (!st->section) {
		fail(st, st->lineno, -ENOMEM, "out of memory");
		return;
	}
	st->section_line = st->lineno;
	memset(st->key_lines, 0, sizeof st->key_lines);

	if (!strcmp(name, "redis")) {
		if (st->redis_line) {
			fail(st, st->lineno, -EINVAL, "second [redis] section (first at line %d)",
			     st->redis_line);
			return;
		}
		st->redis_line = st->lineno;
		st->kind = SECTION_REDIS;
	} else if (!strcmp(name, "mysql")) {
		if (st->mysql_line) {
			fail(st, st->lineno, -EINVAL, "second [mysql] section (first at line %d)",
			     st->mysql_line);
			return;
		}
		st->mysql_line = st->lineno;
		st->cfg->has_mysql = true;
		st->kind = SECTION_MYSQL;
	} else if (!strncmp(name, GHOSTS_PREFIX, strlen(GHOSTS_PREFIX))) {
		rule_begin(st, name + strlen(GHOSTS_PREFIX));
	} else if (!strcmp(name, "ghosts")) {
		fail(st, st->lineno, -EINVAL, "[ghosts] needs a rule name: [ghosts.NAME]");
	} else {
		fail(st, st->lineno, -EINVAL,
		     "unknown section [%s]: expected [redis], [mysql] or [ghosts.NAME]",
		     shown(show, name));
	}
}

static char *skip_space(char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

static void strip_space(char *s)
{
	char *end = s + strlen(s);

	while (end > s && is_space(end[-1]))
		*--end = '\0';
}

/* As inih 55: the first of `chars`, or of a ';' comment after a space, or the end. */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !(chars && strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = is_space(*s);
		s++;
	}
	return s;
}

/*
 * Follow the file's structure as inih 55 sees it, one raw line ahead of its
 * handler, since inih does not tell the handler where a section begins (so an
 * empty [ghosts.NAME] would pass unseen), cuts section names at 49 bytes, and
 * reads an indented line after a key as more of that key's value. Lines that
 * inih would refuse are refused here with a reason. `line` is our own copy.
 */
static void track_line(struct load_state *st, char *line)
{
	char *start = line, *end;

	st->continuation = false;
	if (st->lineno == 1 && !strncmp(start, UTF8_BOM, strlen(UTF8_BOM)))
		start += strlen(UTF8_BOM);
	start = skip_space(start);
	strip_space(start);
	if (!*start || *start == ';' || *start == '#')
		return;
	if (st->after_key && start > line) {
		st->continuation = true;
		return;
	}
	if (*start == '[') {
		end = find_chars_or_comment(start + 1, "]");
		if (*end != ']') {
			fail(st, st->lineno, -EINVAL, "no ']' ends the section header");
			return;
		}
		*end++ = '\0';
		end = skip_space(end);
		if (*end && *end != ';' && *end != '#') {
			fail(st, st->lineno, -EINVAL, "text after the section header");
			return;
		}
		st->after_key = false;
		section_begin(st, start + 1);
		return;
	}
	end = find_chars_or_comment(start, "=:");
	if (*end != '=' && *end != ':') {
		fail(st, st->lineno, -EINVAL, "expected [section], key = value, or a comment");
		return;
	}
	*end = '\0';
	strip_space(start);
	st->after_key = *start != '\0';
}

/*
 * The ini_reader for inih: fgets() that counts lines, refuses a line longer
 * than inih's buffer (inih 55 would cut it in two and read the rest as a line
 * of its own) or one with a NUL byte, and stops at the first error.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct load_state *st = stream;
	ssize_t n;
	int e;

	if (st->ret)
		return NULL;
	errno = 0;
	n = getline(&st->line, &st->line_size, st->file);
	if (n < 0) {
		if (ferror(st->file) || !feof(st->file)) {
			e = errno ? errno : EIO;
			fail(st, 0, -e, "cannot read: %s", strerror(e));
		}
		return NULL;
	}
	st->lineno++;
	if (n > num - 1) {
		fail(st, st->lineno, -EINVAL, "line longer than %d bytes, the most libinih reads",
		     num - 2);
		return NULL;
	}
	if (strlen(st->line) != (size_t) n) {
		fail(st, st->lineno, -EINVAL, "line holds a NUL byte");
		return NULL;
	}
	memcpy(str, st->line, (size_t) n + 1);
	track_line(st, st->line);
	return st->ret ? NULL : str;
}

/* Index of `key` in the NULL-ended `keys`, or -1. */
static int key_index(const char *const *keys, const char *key)
{
	int i;

	for (i = 0; keys[i]; i++) {
		if (!strcmp(keys[i], key))
			return i;
	}
	return -1;
}

static int set_bool(struct load_state *st, int *dst, const char *key, const char *value)
{
	char show[SHOWN_SIZE];

	*dst = parse_bool(value);
	if (*dst < 0)
		return fail(st, st->lineno, -EINVAL,
			    "bad %s '%s': expected true, false, yes, no, on, off, 1 or 0", key,
			    shown(show, value));
	return 0;
}

static int set_redis_key(struct load_state *st, enum redis_key key, const char *value)
{
	struct config_redis *r = &st->cfg->redis;

	/* Strings stay as written: the -o option code validates them with the command line's. */
	switch (key) {
	case REDIS_URL:
		r->lines.url = st->lineno;
		break;
	case REDIS_PASSFILE:
		r->lines.passfile = st->lineno;
		break;
	case REDIS_DATABASES:
		r->lines.databases = st->lineno;
		break;
	case REDIS_TIMEOUT:
		r->lines.timeout = st->lineno;
		break;
	case REDIS_CACHE_TIMEOUT:
		r->lines.cache_timeout = st->lineno;
		break;
	case REDIS_DELIMITER:
		r->lines.delimiter = st->lineno;
		break;
	default:
		break;
	}
	switch (key) {
	case REDIS_URL:
		return store(st, &r->url, value);
	case REDIS_PASSFILE:
		return store(st, &r->passfile, value);
	case REDIS_DATABASES:
		return store(st, &r->databases, value);
	case REDIS_TIMEOUT:
		return store(st, &r->timeout, value);
	case REDIS_CACHE_TIMEOUT:
		return store(st, &r->cache_timeout, value);
	case REDIS_RO:
		return set_bool(st, &r->ro, redis_keys[key], value);
	case REDIS_NOFLUSH:
		return set_bool(st, &r->noflush, redis_keys[key], value);
	case REDIS_DELIMITER:
		return store(st, &r->delimiter, value);
	case REDIS_TLS_CA:
		return store(st, &r->tls_ca, value);
	case REDIS_TLS_CERT:
		return store(st, &r->tls_cert, value);
	case REDIS_TLS_KEY:
		return store(st, &r->tls_key, value);
	case REDIS_TLS_SNI:
		return store(st, &r->tls_sni, value);
	case REDIS_TLS_INSECURE:
		return set_bool(st, &r->tls_insecure, redis_keys[key], value);
	}
	return 0;
}

static int set_mysql_key(struct load_state *st, enum mysql_key key, const char *value)
{
	struct config_mysql *m = &st->cfg->mysql;
	char show[SHOWN_SIZE];
	long port;

	switch (key) {
	case MYSQL_HOST:
		return store(st, &m->host, value);
	case MYSQL_PORT:
		port = parse_number(value, 1, 65535);
		if (port < 0)
			return fail(st, st->lineno, -EINVAL,
				    "bad port '%s': expected a number from 1 to 65535",
				    shown(show, value));
		m->port = (int) port;
		return 0;
	case MYSQL_SOCKET:
		return store(st, &m->socket, value);
	case MYSQL_USER:
		return store(st, &m->user, value);
	case MYSQL_PASSWORD_FILE:
		if (store(st, &m->password_file, value))
			return -ENOMEM;
		return read_password_file(st, m->password_file, &m->password);
	case MYSQL_DEFAULTS_FILE:
		return store(st, &m->defaults_file, value);
	case MYSQL_DATABASE:
		return store(st, &m->database, value);
	}
	return 0;
}

/* Compile `pattern` only to check it: the ghost code compiles its own copy. */
static int check_member_pattern(struct load_state *st, const char *pattern)
{
	char show[SHOWN_SIZE], why[128];
	size_t groups;
	regex_t re;
	int rc;

	rc = regcomp(&re, pattern, REG_EXTENDED);
	if (rc) {
		regerror(rc, &re, why, sizeof why);
		return fail(st, st->lineno, -EINVAL, "member pattern '%s' does not compile: %s",
			    shown(show, pattern), why);
	}
	groups = re.re_nsub;
	regfree(&re);
	if (groups < 1)
		return fail(st, st->lineno, -EINVAL,
			    "member pattern '%s' has no group: group 1 must capture the ID, "
			    "as in ^([0-9]+)",
			    shown(show, pattern));
	return 0;
}

static int set_rule_key(struct load_state *st, enum rule_key key, const char *value)
{
	struct config_ghost_rule *rule = &st->cfg->rules[st->cfg->rule_count - 1];
	char show[SHOWN_SIZE];
	long db;

	if (key == RULE_DB)
		rule->db_line = st->lineno;
	else if (key == RULE_KEYS)
		rule->keys_line = st->lineno;
	else if (key == RULE_TABLE)
		rule->table_line = st->lineno;
	else if (key == RULE_COLUMN)
		rule->column_line = st->lineno;
	switch (key) {
	case RULE_DB:
		db = parse_number(value, 0, GHOST_DB_MAX);
		if (db < 0)
			return fail(st, st->lineno, -EINVAL,
				    "bad db '%s': expected a number from 0 to %d",
				    shown(show, value), GHOST_DB_MAX);
		rule->db = (int) db;
		return 0;
	case RULE_KEYS:
		return store(st, &rule->keys, value);
	case RULE_TABLE:
		if (!is_table_name(value, true))
			return fail(st, st->lineno, -EINVAL,
				    "table '%s' is not a plain MySQL name: 1 to 64 of "
				    "[A-Za-z0-9_$], or db.table",
				    shown(show, value));
		return store(st, &rule->table, value);
	case RULE_COLUMN:
		if (!is_table_name(value, false))
			return fail(st, st->lineno, -EINVAL,
				    "column '%s' is not a plain MySQL name: 1 to 64 of "
				    "[A-Za-z0-9_$]",
				    shown(show, value));
		return store(st, &rule->column, value);
	case RULE_MEMBER:
		if (check_member_pattern(st, value))
			return -EINVAL;
		return store(st, &rule->member, value);
	}
	return 0;
}

/* One "key = value" of the current section. Returns 0 or -errno. */
static int handle_key(struct load_state *st, const char *section, const char *key,
		      const char *value)
{
	static const char *const *const section_keys[] = {
		[SECTION_REDIS] = redis_keys,
		[SECTION_MYSQL] = mysql_keys,
		[SECTION_GHOSTS] = rule_keys,
	};
	char show[SHOWN_SIZE];
	int i;

	/* Our tracking of sections must agree with inih's, or keys land in the wrong place. */
	if (strncmp(section, st->section ? st->section : "", strlen(section)))
		return fail(st, st->lineno, -EINVAL,
			    "libinih sees section [%s] here, redisfs does not: please report",
			    shown(show, section));
	if (st->continuation)
		return fail(st, st->lineno, -EINVAL,
			    "indented line continues the value of '%s': write each key on one "
			    "line, without indentation",
			    shown(show, key));
	if (st->kind == SECTION_NONE)
		return fail(st, st->lineno, -EINVAL, "key '%s' before any [section]",
			    shown(show, key));
	i = key_index(section_keys[st->kind], key);
	if (i < 0) {
		/* Only the key is named: its value may be a secret put in the wrong place. */
		return fail(st, st->lineno, -EINVAL, "unknown key '%s' in [%s]%s", shown(show, key),
			    st->section,
			    st->kind == SECTION_MYSQL && !strcmp(key, "password")
				    ? ": put the password in a file named by password_file"
				    : "");
	}
	if (st->key_lines[i])
		return fail(st, st->lineno, -EINVAL,
			    "duplicate key '%s' in [%s] (first at line %d)", key, st->section,
			    st->key_lines[i]);
	st->key_lines[i] = st->lineno;
	if (!*value)
		return fail(st, st->lineno, -EINVAL, "key '%s' has no value", key);

	switch (st->kind) {
	case SECTION_REDIS:
		return set_redis_key(st, (enum redis_key) i, value);
	case SECTION_MYSQL:
		return set_mysql_key(st, (enum mysql_key) i, value);
	case SECTION_GHOSTS:
		return set_rule_key(st, (enum rule_key) i, value);
	case SECTION_NONE:
		break;
	}
	return 0;
}

/* The inih handler. Returns 1, or 0 on error, as inih wants. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct load_state *st = user;

	if (st->ret)
		return 0; /* read_line() stops at the next line; nothing more to say */
	return handle_key(st, section, key, value) == 0;
}

int config_load(const char *path, struct rfs_config *cfg, char *err, size_t errlen)
{
	struct load_state st = {
		.path = path,
		.cfg = cfg,
		.err = err,
		.errlen = errlen,
	};
	int line, e;

	memset(cfg, 0, sizeof *cfg);
	cfg->redis.ro = -1;
	cfg->redis.noflush = -1;
	cfg->redis.tls_insecure = -1;
	if (err && errlen)
		err[0] = '\0';

	st.file = fopen(path, "re");
	if (!st.file) {
		e = errno;
		fail(&st, 0, -e, "cannot open: %s", strerror(e));
		return -e;
	}
	line = ini_parse_stream(read_line, &st, on_key, &st);
	fclose(st.file);
	free(st.line);

	section_end(&st);
	/* read_line() and on_key() refuse what inih refuses first; this is a safety net. */
	if (line > 0)
		fail(&st, line, -EINVAL, "libinih refuses this line");
	else if (line < 0)
		fail(&st, 0, -ENOMEM, "libinih failed (%d)", line);
	if (cfg->rule_count && !cfg->has_mysql)
		fail(&st, st.rule_lines[0], -EINVAL,
		     "[%s%s] needs a [mysql] section to look its IDs up", GHOSTS_PREFIX,
		     cfg->rules[0].name);

	free(st.section);
	free(st.rule_lines);
	return st.ret;
}

void config_free(struct rfs_config *cfg)
{
	size_t i;

	free(cfg->redis.url);
	free(cfg->redis.passfile);
	free(cfg->redis.databases);
	free(cfg->redis.timeout);
	free(cfg->redis.cache_timeout);
	free(cfg->redis.delimiter);
	free(cfg->redis.tls_ca);
	free(cfg->redis.tls_cert);
	free(cfg->redis.tls_key);
	free(cfg->redis.tls_sni);

	free(cfg->mysql.host);
	free(cfg->mysql.socket);
	free(cfg->mysql.user);
	free(cfg->mysql.password_file);
	if (cfg->mysql.password) {
		explicit_bzero(cfg->mysql.password, strlen(cfg->mysql.password));
		free(cfg->mysql.password);
	}
	free(cfg->mysql.defaults_file);
	free(cfg->mysql.database);

	for (i = 0; i < cfg->rule_count; i++) {
		free(cfg->rules[i].name);
		free(cfg->rules[i].keys);
		free(cfg->rules[i].table);
		free(cfg->rules[i].column);
		free(cfg->rules[i].member);
	}
	free(cfg->rules);
	memset(cfg, 0, sizeof *cfg);
}
