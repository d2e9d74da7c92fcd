/* config.c - read and validate the INI file of -o config=PATH (SPEC section 6) with libinih. */
#include "config.h"
#include "config_load.h"
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define GHOSTS_PREFIX "ghosts."
#define UTF8_BOM      "\xEF\xBB\xBF"

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

/* Our own ASCII tests: <ctype.h> depends on the locale; inih runs in the C locale's terms. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
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

/* The MySQL password from `file` (secret_file.h); the error, if any, with the line. */
static int read_password_file(struct load_state *st, const char *file, char **password)
{
	char why[512];
	int ret = secret_file_read(file, "password_file", password, why, sizeof why);

	return ret ? config_fail(st, st->lineno, ret, "%s", why) : 0;
}

/* A "[name]" header at the current line: end the previous section, begin this one. */
static void section_begin(struct load_state *st, const char *name)
{
	char show[SHOWN_SIZE];

	config_rule_end(st);
	if (st->ret)
		return;
	st->kind = SECTION_NONE;
	free(st->section);
	st->section = strdup(name);
	if (!st->section) {
		config_fail(st, st->lineno, -ENOMEM, "out of memory");
		return;
	}
	st->section_line = st->lineno;
	memset(st->key_lines, 0, sizeof st->key_lines);

	if (!strcmp(name, "redis")) {
		if (st->redis_line) {
			config_fail(st, st->lineno, -EINVAL,
				    "second [redis] section (first at line %d)", st->redis_line);
			return;
		}
		st->redis_line = st->lineno;
		st->kind = SECTION_REDIS;
	} else if (!strcmp(name, "mysql")) {
		if (st->mysql_line) {
			config_fail(st, st->lineno, -EINVAL,
				    "second [mysql] section (first at line %d)", st->mysql_line);
			return;
		}
		st->mysql_line = st->lineno;
		st->cfg->has_mysql = true;
		st->kind = SECTION_MYSQL;
	} else if (!strncmp(name, GHOSTS_PREFIX, strlen(GHOSTS_PREFIX))) {
		config_rule_begin(st, name + strlen(GHOSTS_PREFIX));
	} else if (!strcmp(name, "ghosts")) {
		config_fail(st, st->lineno, -EINVAL, "[ghosts] needs a rule name: [ghosts.NAME]");
	} else {
		config_fail(st, st->lineno, -EINVAL,
			    "unknown section [%s]: expected [redis], [mysql] or [ghosts.NAME]",
			    config_shown(show, name));
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
			config_fail(st, st->lineno, -EINVAL, "no ']' ends the section header");
			return;
		}
		*end++ = '\0';
		end = skip_space(end);
		if (*end && *end != ';' && *end != '#') {
			config_fail(st, st->lineno, -EINVAL, "text after the section header");
			return;
		}
		st->after_key = false;
		section_begin(st, start + 1);
		return;
	}
	end = find_chars_or_comment(start, "=:");
	if (*end != '=' && *end != ':') {
		config_fail(st, st->lineno, -EINVAL,
			    "expected [section], key = value, or a comment");
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
			config_fail(st, 0, -e, "cannot read: %s", strerror(e));
		}
		return NULL;
	}
	st->lineno++;
	if (n > num - 1) {
		config_fail(st, st->lineno, -EINVAL,
			    "line longer than %d bytes, the most libinih reads", num - 2);
		return NULL;
	}
	if (strlen(st->line) != (size_t) n) {
		config_fail(st, st->lineno, -EINVAL, "line holds a NUL byte");
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
		return config_fail(st, st->lineno, -EINVAL,
				   "bad %s '%s': expected true, false, yes, no, on, off, 1 or 0",
				   key, config_shown(show, value));
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
		return config_store(st, &r->url, value);
	case REDIS_PASSFILE:
		return config_store(st, &r->passfile, value);
	case REDIS_DATABASES:
		return config_store(st, &r->databases, value);
	case REDIS_TIMEOUT:
		return config_store(st, &r->timeout, value);
	case REDIS_CACHE_TIMEOUT:
		return config_store(st, &r->cache_timeout, value);
	case REDIS_RO:
		return set_bool(st, &r->ro, redis_keys[key], value);
	case REDIS_NOFLUSH:
		return set_bool(st, &r->noflush, redis_keys[key], value);
	case REDIS_DELIMITER:
		return config_store(st, &r->delimiter, value);
	case REDIS_TLS_CA:
		return config_store(st, &r->tls_ca, value);
	case REDIS_TLS_CERT:
		return config_store(st, &r->tls_cert, value);
	case REDIS_TLS_KEY:
		return config_store(st, &r->tls_key, value);
	case REDIS_TLS_SNI:
		return config_store(st, &r->tls_sni, value);
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
		return config_store(st, &m->host, value);
	case MYSQL_PORT:
		port = config_number(value, 1, 65535);
		if (port < 0)
			return config_fail(st, st->lineno, -EINVAL,
					   "bad port '%s': expected a number from 1 to 65535",
					   config_shown(show, value));
		m->port = (int) port;
		return 0;
	case MYSQL_SOCKET:
		return config_store(st, &m->socket, value);
	case MYSQL_USER:
		return config_store(st, &m->user, value);
	case MYSQL_PASSWORD_FILE:
		if (config_store(st, &m->password_file, value))
			return -ENOMEM;
		return read_password_file(st, m->password_file, &m->password);
	case MYSQL_DEFAULTS_FILE:
		return config_store(st, &m->defaults_file, value);
	case MYSQL_DATABASE:
		return config_store(st, &m->database, value);
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
		[SECTION_GHOSTS] = config_rule_keys,
	};
	char show[SHOWN_SIZE];
	int i;

	/* Our tracking of sections must agree with inih's, or keys land in the wrong place. */
	if (strncmp(section, st->section ? st->section : "", strlen(section)))
		return config_fail(
			st, st->lineno, -EINVAL,
			"libinih sees section [%s] here, redisfs does not: please report",
			config_shown(show, section));
	if (st->continuation)
		return config_fail(
			st, st->lineno, -EINVAL,
			"indented line continues the value of '%s': write each key on one "
			"line, without indentation",
			config_shown(show, key));
	if (st->kind == SECTION_NONE)
		return config_fail(st, st->lineno, -EINVAL, "key '%s' before any [section]",
				   config_shown(show, key));
	i = key_index(section_keys[st->kind], key);
	if (i < 0) {
		/* Only the key is named: its value may be a secret put in the wrong place. */
		return config_fail(st, st->lineno, -EINVAL, "unknown key '%s' in [%s]%s",
				   config_shown(show, key), st->section,
				   st->kind == SECTION_MYSQL && !strcmp(key, "password")
					   ? ": put the password in a file named by password_file"
					   : "");
	}
	if (st->key_lines[i])
		return config_fail(st, st->lineno, -EINVAL,
				   "duplicate key '%s' in [%s] (first at line %d)", key,
				   st->section, st->key_lines[i]);
	st->key_lines[i] = st->lineno;
	if (!*value)
		return config_fail(st, st->lineno, -EINVAL, "key '%s' has no value", key);

	switch (st->kind) {
	case SECTION_REDIS:
		return set_redis_key(st, (enum redis_key) i, value);
	case SECTION_MYSQL:
		return set_mysql_key(st, (enum mysql_key) i, value);
	case SECTION_GHOSTS:
		return config_rule_key(st, i, value);
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
		config_fail(&st, 0, -e, "cannot open: %s", strerror(e));
		return -e;
	}
	line = ini_parse_stream(read_line, &st, on_key, &st);
	fclose(st.file);
	free(st.line);

	config_rule_end(&st);
	/* read_line() and on_key() refuse what inih refuses first; this is a safety net. */
	if (line > 0)
		config_fail(&st, line, -EINVAL, "libinih refuses this line");
	else if (line < 0)
		config_fail(&st, 0, -ENOMEM, "libinih failed (%d)", line);
	if (cfg->rule_count && !cfg->has_mysql)
		config_fail(&st, st.rule_lines[0], -EINVAL,
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
		free(cfg->rules[i].id);
	}
	free(cfg->rules);
	memset(cfg, 0, sizeof *cfg);
}
