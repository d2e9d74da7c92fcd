/* options.h - the command line and -o options of SPEC section 1, in one fuse_opt table. */
#ifndef REDISFS_OPTIONS_H
#define REDISFS_OPTIONS_H

#include <fuse_opt.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "url.h"

struct rfs_options {
	/* as given */
	char *url_text;	   /* the URL argument, or NULL for the default */
	char *passfile;	   /* -o passfile=PATH */
	char *databases_s; /* -o databases=N */
	char *timeout_s;   /* -o timeout=S */
	char *cache_s;	   /* -o cache_timeout=S */
	char *config_path; /* -o config=PATH */
	char *delimiter;   /* -o delimiter=S: namespaces as folders (SPEC 8) */
	int read_only;	   /* -o ro / rw: 1 / 0, -1 until given */
	int noflush;	   /* -o noflush: 1, -1 until given */
	int cluster;	   /* -o cluster: 1 (a cluster is also detected without it) */
	int allow_other;   /* -o allow_other (implies default_permissions) */
	char *uid_s;	   /* -o uid=N: the owner every file shows */
	char *gid_s;	   /* -o gid=N */
	char *umask_s;	   /* -o umask=M (octal): bits taken from every mode */
	int nonempty;	   /* -o nonempty: mount over a folder that holds files */
	char *log_path;	   /* -o log=PATH: the daemon's messages appended there, not syslog */
	char *tls_ca;	   /* -o tls_ca=PATH: a CA file or folder [the system's] */
	char *tls_cert;	   /* -o tls_cert=PATH: client certificate */
	char *tls_key;	   /* -o tls_key=PATH: its private key */
	char *tls_sni;	   /* -o tls_sni=NAME: sent and verified instead of the host */
	int tls_insecure;  /* -o tls_insecure: no verification (warns) */
	int show_help;
	int show_version;
	char *positional[2]; /* the arguments that are not options, in order */
	int positional_count;
	char *mountpoint; /* resolved from them by options_parse(), or NULL */

	/* the config file's line of each value taken from it, 0 for the command line's */
	struct {
		int url, passfile, databases, timeout, cache_timeout, delimiter;
	} file_line;

	/* derived by options_finish() */
	struct rfs_config config; /* the config file's sections; zero without one */
	struct redis_url url;
	char *password; /* from passfile, REDISCLI_AUTH or the URL; NULL for none */
	int databases;	/* 0: ask the server */
	uid_t uid;	/* -o uid=, else the user who mounts */
	gid_t gid;
	mode_t umask; /* 0 unless -o umask= */
	double timeout;
	double cache_timeout;
};

/*
 * Parse argv into `opts`, leaving in `args` what libfuse handles (the
 * mountpoint, -f, -d, -s, standard -o options). Of two arguments that are
 * not options, the one with "://" is the URL, else the first (a bare
 * host[:port]); one argument alone is the mountpoint, unless it has "://".
 * Returns 0, or -1 after printing one line on stderr.
 */
int options_parse(struct fuse_args *args, struct rfs_options *opts);

/*
 * Read the config file (its [redis] values fill what the command line left
 * unset), validate numbers, parse the URL, read the password (passfile, then
 * REDISCLI_AUTH, then the URL, which warns), hide a password given in the
 * URL from /proc/PID/cmdline by overwriting it in `argv`, and add fsname
 * (the URL without userinfo), subtype and default_permissions (with
 * allow_other) to `args`.
 * Returns 0, or -1 after printing one line on stderr.
 */
int options_finish(struct rfs_options *opts, struct fuse_args *args, int argc, char **argv);

/* Print redisfs's own usage (libfuse's options are printed after it). */
void options_print_usage(const char *progname);

void options_free(struct rfs_options *opts);

#endif
