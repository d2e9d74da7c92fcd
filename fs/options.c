/* options.c - the command line and -o options of SPEC section 1, in one fuse_opt table. */
#include "options.h"
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DELIMITER_MAX 16 /* a namespace separator, not a string to search for */

enum {
	KEY_KEEP,	 /* passed on to libfuse as well */
	KEY_ALLOW_OTHER, /* noted, and passed on */
	KEY_HELP,
	KEY_VERSION,
};

#define RFS_OPT(t, p, v)                                                                           \
	{                                                                                          \
		t, offsetof(struct rfs_options, p), v                                              \
	}

static const struct fuse_opt rfs_opts[] = {
	RFS_OPT("passfile=%s", passfile, 0),
	RFS_OPT("databases=%s", databases_s, 0),
	RFS_OPT("timeout=%s", timeout_s, 0),
	RFS_OPT("cache_timeout=%s", cache_s, 0),
	RFS_OPT("config=%s", config_path, 0),
	RFS_OPT("delimiter=%s", delimiter, 0),
	RFS_OPT("uid=%s", uid_s, 0),
	RFS_OPT("gid=%s", gid_s, 0),
	RFS_OPT("umask=%s", umask_s, 0),
	RFS_OPT("log=%s", log_path, 0),
	RFS_OPT("tls_ca=%s", tls_ca, 0),
	RFS_OPT("tls_cert=%s", tls_cert, 0),
	RFS_OPT("tls_key=%s", tls_key, 0),
	RFS_OPT("tls_sni=%s", tls_sni, 0),
	RFS_OPT("tls_insecure", tls_insecure, 1),
	RFS_OPT("noflush", noflush, 1),
	RFS_OPT("cluster", cluster, 1),
	/* ours: libfuse 3 mounts over files without a word, redisfs refuses unless told */
	RFS_OPT("nonempty", nonempty, 1),
	/* ro is ours (the daemon enforces it) and the kernel's (mount shows it) */
	RFS_OPT("ro", read_only, 1),
	FUSE_OPT_KEY("ro", KEY_KEEP),
	RFS_OPT("rw", read_only, 0), /* overrides ro = yes of a config file */
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	/* what mount(8), fstab and their helpers add: meaningless to a FUSE daemon */
	FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD),
	/* mount(8) passes fstab's atime options on: redisfs keeps no access time to tune */
	FUSE_OPT_KEY("relatime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("norelatime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("strictatime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nostrictatime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("diratime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nodiratime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("lazytime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_KEY("nolazytime", FUSE_OPT_KEY_DISCARD),
	FUSE_OPT_END,
};

static int option_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct rfs_options *opts = data;

	(void) outargs;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		/* URL or mountpoint: told apart once all are known (options_parse) */
		if (opts->positional_count == 2) {
			fprintf(stderr,
				"redisfs: one argument too many: '%s' (usage: redisfs [URL] "
				"MOUNTPOINT [-o OPTIONS])\n",
				arg);
			return -1;
		}
		opts->positional[opts->positional_count] = strdup(arg);
		if (!opts->positional[opts->positional_count])
			return -1;
		opts->positional_count++;
		return 0;
	case KEY_ALLOW_OTHER:
		opts->allow_other = 1;
		return 1;
	case KEY_HELP:
		opts->show_help = 1;
		return 1; /* fuse_parse_cmdline sees it too, and prints nothing itself */
	case KEY_VERSION:
		opts->show_version = 1;
		return 1;
	default:
		return 1;
	}
}

/* Which positional argument is the URL and which the mountpoint (see options.h). */
static int resolve_positional(struct rfs_options *opts)
{
	char **p = opts->positional;
	int url = -1, mnt = -1;

	if (opts->positional_count == 1) {
		if (strstr(p[0], "://"))
			url = 0;
		else
			mnt = 0;
	} else if (opts->positional_count == 2) {
		/* a URL after the mountpoint was always taken; else sshfs order */
		bool swapped = strstr(p[1], "://") && !strstr(p[0], "://");

		url = swapped ? 1 : 0;
		mnt = swapped ? 0 : 1;
	}
	if (url >= 0) {
		opts->url_text = p[url];
		p[url] = NULL;
	}
	if (mnt >= 0) {
		opts->mountpoint = p[mnt];
		p[mnt] = NULL;
	}
	return 0;
}

int options_parse(struct fuse_args *args, struct rfs_options *opts)
{
	opts->read_only = -1;
	opts->noflush = -1;
	if (fuse_opt_parse(args, opts, rfs_opts, option_proc) == -1)
		return -1; /* libfuse or option_proc printed the reason */
	if (resolve_positional(opts))
		return -1;
	/* fuse_parse_cmdline takes the mountpoint from what is left */
	if (opts->mountpoint && fuse_opt_add_arg(args, opts->mountpoint)) {
		fprintf(stderr, "redisfs: out of memory\n");
		return -1;
	}
	return 0;
}

/*
 * "PATH:LINE: " when the value came from line `line` of the config file, ""
 * when from the command line: every error names where the bad value is.
 */
static const char *where(const struct rfs_options *opts, int line, char *buf, size_t len)
{
	if (!line || !opts->config_path)
		return "";
	snprintf(buf, len, "%s:%d: ", opts->config_path, line);
	return buf;
}

/* A number of seconds in [min, max]; 0 or -1 after printing which option is wrong. */
static int parse_seconds(const char *at, const char *name, const char *text, double min, double max,
			 double *out)
{
	char *end;
	double v;

	if (!text)
		return 0;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "redisfs: %sbad %s '%s': expected seconds from %g to %g\n", at,
			name, text, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_databases(const char *at, const char *text, int *out)
{
	char *end;
	long v;

	if (!text)
		return 0;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || text[0] == '+' || v < 1 || v > 1000000) {
		fprintf(stderr,
			"redisfs: %sbad databases '%s': expected a number from 1 to 1000000\n", at,
			text);
		return -1;
	}
	*out = (int) v;
	return 0;
}

/* -o uid=, gid=: a decimal id; 0 or -1 after printing which option is wrong. */
static int parse_id(const char *name, const char *text, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!text)
		return 0;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' || v >= UINT32_MAX) {
		fprintf(stderr, "redisfs: bad %s '%s': expected a number\n", name, text);
		return -1;
	}
	*out = v;
	return 0;
}

/* -o umask=: octal bits of 0777 */
static int parse_umask(const char *text, mode_t *out)
{
	char *end;
	unsigned long v;

	if (!text)
		return 0;
	errno = 0;
	v = strtoul(text, &end, 8);
	if (errno || end == text || *end || text[0] == '-' || text[0] == '+' || v > 0777) {
		fprintf(stderr, "redisfs: bad umask '%s': expected octal from 0 to 0777\n", text);
		return -1;
	}
	*out = (mode_t) v;
	return 0;
}

/*
 * The tls_* options: only with a TLS URL (over plain TCP they would
 * silently do nothing), a SNI name that is a host name, and a warning for
 * tls_insecure. Returns 0, or -1 after printing one line.
 */
static int check_tls(const struct rfs_options *opts)
{
	const char *given = opts->tls_ca	 ? "tls_ca="
			    : opts->tls_cert	 ? "tls_cert="
			    : opts->tls_key	 ? "tls_key="
			    : opts->tls_sni	 ? "tls_sni="
			    : opts->tls_insecure ? "tls_insecure"
						 : NULL;

	if (given && !opts->url.tls) {
		fprintf(stderr, "redisfs: %s needs a TLS URL (rediss:// or rediss-sentinel://)\n",
			given);
		return -1;
	}
	if (opts->tls_sni &&
	    (!opts->tls_sni[0] || strlen(opts->tls_sni) > 253 ||
	     strspn(opts->tls_sni, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789-.") != strlen(opts->tls_sni))) {
		fprintf(stderr, "redisfs: bad tls_sni '%s': expected a host name\n", opts->tls_sni);
		return -1;
	}
	if (opts->tls_insecure)
		fprintf(stderr, "redisfs: warning: tls_insecure: the server's certificate is not "
				"checked, so anyone on the way can read and change what redisfs "
				"sends, the password too\n");
	return 0;
}

/* Overwrite the password part of the URL argument so /proc/PID/cmdline does not show it. */
static void hide_url_password(const char *url_text, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *scheme, *at, *colon;

		if (strcmp(argv[i], url_text) != 0)
			continue;
		scheme = strstr(argv[i], "://");
		at = scheme ? strchr(scheme + 3, '@') : NULL;
		if (!at)
			continue;
		colon = memchr(scheme + 3, ':', (size_t) (at - (scheme + 3)));
		if (colon)
			memset(colon + 1, 'x', (size_t) (at - colon - 1));
	}
}

/* fsname=URL, with the commas and backslashes fuse_opt would split on escaped. */
static int add_fsname(struct fuse_args *args, const struct redis_url *url)
{
	char display[1024], opt[2 * sizeof display + 16];
	size_t o;

	url_display(url, display, sizeof display);
	o = (size_t) snprintf(opt, sizeof opt, "-ofsname=");
	for (const char *p = display; *p; p++) {
		if (*p == ',' || *p == '\\')
			opt[o++] = '\\';
		opt[o++] = *p;
	}
	opt[o] = '\0';
	return fuse_opt_add_arg(args, opt);
}

/* Take a [redis] value where the command line gave none; -1 on out of memory. */
static int fill_string(char **opt, const char *from_file, int line, int *opt_line)
{
	if (*opt || !from_file)
		return 0;
	*opt = strdup(from_file);
	*opt_line = line;
	return *opt ? 0 : -1;
}

static int merge_config(struct rfs_options *opts)
{
	const struct config_redis *r = &opts->config.redis;
	int unnamed_line; /* tls_* values are checked when used, not against their line */
	char err[512];
	int ret;

	ret = config_load(opts->config_path, &opts->config, err, sizeof err);
	if (ret) {
		fprintf(stderr, "redisfs: %s\n", err);
		return -1;
	}
	if (fill_string(&opts->url_text, r->url, r->lines.url, &opts->file_line.url) ||
	    fill_string(&opts->passfile, r->passfile, r->lines.passfile,
			&opts->file_line.passfile) ||
	    fill_string(&opts->databases_s, r->databases, r->lines.databases,
			&opts->file_line.databases) ||
	    fill_string(&opts->timeout_s, r->timeout, r->lines.timeout, &opts->file_line.timeout) ||
	    fill_string(&opts->cache_s, r->cache_timeout, r->lines.cache_timeout,
			&opts->file_line.cache_timeout) ||
	    fill_string(&opts->delimiter, r->delimiter, r->lines.delimiter,
			&opts->file_line.delimiter) ||
	    fill_string(&opts->tls_ca, r->tls_ca, 0, &unnamed_line) ||
	    fill_string(&opts->tls_cert, r->tls_cert, 0, &unnamed_line) ||
	    fill_string(&opts->tls_key, r->tls_key, 0, &unnamed_line) ||
	    fill_string(&opts->tls_sni, r->tls_sni, 0, &unnamed_line)) {
		fprintf(stderr, "redisfs: out of memory\n");
		return -1;
	}
	if (opts->read_only < 0)
		opts->read_only = r->ro;
	if (opts->noflush < 0)
		opts->noflush = r->noflush;
	if (!opts->tls_insecure && r->tls_insecure > 0)
		opts->tls_insecure = 1;
	return 0;
}

int options_finish(struct rfs_options *opts, struct fuse_args *args, int argc, char **argv)
{
	const char *env = getenv("REDISCLI_AUTH");
	unsigned long uid, gid;
	char err[512], at[PATH_MAX + 32];
	int ret;

	if (opts->config_path && merge_config(opts))
		return -1;
	/* ro from a config file reaches the kernel too, like -o ro */
	if (opts->read_only > 0 && fuse_opt_add_arg(args, "-oro"))
		return -1;
	opts->read_only = opts->read_only > 0;
	opts->noflush = opts->noflush > 0;

	opts->timeout = 5.0;
	opts->cache_timeout = 1.0;
	if (parse_seconds(where(opts, opts->file_line.timeout, at, sizeof at), "timeout",
			  opts->timeout_s, 0.1, 3600, &opts->timeout) ||
	    parse_seconds(where(opts, opts->file_line.cache_timeout, at, sizeof at),
			  "cache_timeout", opts->cache_s, 0, 86400, &opts->cache_timeout) ||
	    parse_databases(where(opts, opts->file_line.databases, at, sizeof at),
			    opts->databases_s, &opts->databases))
		return -1;
	uid = getuid();
	gid = getgid();
	if (parse_id("uid", opts->uid_s, &uid) || parse_id("gid", opts->gid_s, &gid) ||
	    parse_umask(opts->umask_s, &opts->umask))
		return -1;
	opts->uid = (uid_t) uid;
	opts->gid = (gid_t) gid;

	if (opts->delimiter && (!opts->delimiter[0] || strchr(opts->delimiter, '/') ||
				strlen(opts->delimiter) > DELIMITER_MAX)) {
		fprintf(stderr, "redisfs: %sbad delimiter '%s': 1 to %d bytes, none of them '/'\n",
			where(opts, opts->file_line.delimiter, at, sizeof at), opts->delimiter,
			DELIMITER_MAX);
		return -1;
	}
	if (url_parse(opts->url_text ? opts->url_text : URL_DEFAULT, &opts->url, err, sizeof err)) {
		fprintf(stderr, "redisfs: %s%s\n", where(opts, opts->file_line.url, at, sizeof at),
			err);
		return -1;
	}
	if (check_tls(opts))
		return -1;
	if (opts->cluster && opts->url.master) {
		fprintf(stderr, "redisfs: -o cluster: the sentinels of a URL name a master, not a "
				"Redis Cluster\n");
		return -1;
	}
	if (opts->passfile) {
		ret = secret_file_read(opts->passfile, "passfile", &opts->password, err,
				       sizeof err);
		if (ret) {
			fprintf(stderr, "redisfs: %s%s\n",
				where(opts, opts->file_line.passfile, at, sizeof at), err);
			return -1;
		}
	} else if (env) {
		opts->password = strdup(env);
	} else if (opts->url.password) {
		fprintf(stderr,
			"redisfs: warning: a password in the URL is visible to other "
			"users while redisfs starts; prefer REDISCLI_AUTH or -o passfile\n");
		opts->password = strdup(opts->url.password);
	}
	if ((env || opts->passfile || opts->url.password) && !opts->password) {
		fprintf(stderr, "redisfs: out of memory\n");
		return -1;
	}
	/*
	 * Children (fusermount3) need not see it, and /proc/PID/environ should
	 * not: that file shows the environment block the process started with,
	 * which unsetenv() leaves as it was, so the value is wiped in place first.
	 */
	if (env)
		explicit_bzero((char *) env, strlen(env));
	unsetenv("REDISCLI_AUTH");
	if (opts->url_text)
		hide_url_password(opts->url_text, argc, argv);

	if (add_fsname(args, &opts->url) || fuse_opt_add_arg(args, "-osubtype=redisfs") ||
	    (opts->allow_other && fuse_opt_add_arg(args, "-odefault_permissions"))) {
		fprintf(stderr, "redisfs: out of memory\n");
		return -1;
	}
	return 0;
}

void options_print_usage(const char *progname)
{
	printf("usage: %s [URL] MOUNTPOINT [-o OPTION[,OPTION...]] [-f] [-d] [-s]\n"
	       "       %s --help | --version\n"
	       "\n"
	       "Mount a Redis server: one folder per database, one file per key.\n"
	       "\n"
	       "URL:   redis://[user[:password]@]host[:port][/N]\n"
	       "       rediss://[user[:password]@]host[:port][/N]         (TLS)\n"
	       "       host[:port][/N]   (the same as redis://host[:port][/N])\n"
	       "       unix:///path/redis.sock[?db=N]\n"
	       "       redis-sentinel://[user[:password]@]host[:port][,host[:port]...][/N]#MASTER\n"
	       "       rediss-sentinel://...                              (TLS; sentinels on "
	       "26379)\n"
	       "       (default " URL_DEFAULT "; /N or ?db=N shows only dbN)\n"
	       "\n"
	       "Password: -o passfile=PATH, else $REDISCLI_AUTH, else the URL (warns).\n"
	       "\n"
	       "redisfs options (defaults in brackets):\n"
	       "    -o ro                  read-only: changes fail with EROFS, nothing is written "
	       "[off]\n"
	       "    -o rw                  read-write, over ro = yes in a config file [rw]\n"
	       "    -o noflush             keys can be removed, databases not flushed [off]\n"
	       "    -o databases=N         number of databases [CONFIG GET databases, else "
	       "probed]\n"
	       "    -o timeout=S           connect and command timeout in seconds [5]\n"
	       "    -o cache_timeout=S     seconds listings and attributes may be cached [1]\n"
	       "    -o passfile=PATH       Redis password file, mode 0600 or stricter [none]\n"
	       "    -o config=PATH         INI file: [redis], [mysql], [ghosts.NAME] [none]\n"
	       "    -o delimiter=S         show key namespaces up to S as folders [none]\n"
	       "    -o cluster             a Redis Cluster: db0 over every master [detected]\n"
	       "    -o nonempty            mount on a folder that holds files [refused]\n"
	       "    -o uid=N               the owner every file shows [the user who mounts]\n"
	       "    -o gid=N               the group every file shows [the user's group]\n"
	       "    -o umask=M             octal mode bits taken from every file [0]\n"
	       "    -o log=PATH            append the daemon's messages to PATH [syslog]\n"
	       "    -o tls_ca=PATH         CA file or folder for rediss:// [the system's store]\n"
	       "    -o tls_cert=PATH       client certificate (PEM) [none]\n"
	       "    -o tls_key=PATH        its private key (PEM) [none]\n"
	       "    -o tls_sni=NAME        name sent and verified instead of the host [the host]\n"
	       "    -o tls_insecure        skip certificate verification, with a warning [off]\n"
	       "    -f                     foreground, messages to stderr [background, syslog]\n"
	       "    -d                     debug: -f, and every FUSE request traced [off]\n"
	       "    -s                     one request at a time [multi-threaded]\n"
	       "\n"
	       "Accepted and ignored, for fstab and mount(8): _netdev, nofail, noauto, auto,\n"
	       "user, nouser, users, defaults, and (no access time is kept) [no]relatime,\n"
	       "[no]strictatime, [no]diratime, [no]lazytime. See redisfs(1).\n"
	       "\n",
	       progname, progname);
}

void options_free(struct rfs_options *opts)
{
	free(opts->positional[0]);
	free(opts->positional[1]);
	free(opts->mountpoint);
	free(opts->url_text);
	free(opts->passfile);
	free(opts->databases_s);
	free(opts->timeout_s);
	free(opts->cache_s);
	free(opts->config_path);
	free(opts->delimiter);
	free(opts->uid_s);
	free(opts->gid_s);
	free(opts->umask_s);
	free(opts->log_path);
	free(opts->tls_ca);
	free(opts->tls_cert);
	free(opts->tls_key);
	free(opts->tls_sni);
	config_free(&opts->config);
	if (opts->password)
		explicit_bzero(opts->password, strlen(opts->password));
	free(opts->password);
	url_free(&opts->url);
}
