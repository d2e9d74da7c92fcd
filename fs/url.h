/* url.h - parse the server URL of SPEC section 1 (redis[s]://, unix://, sentinels). No I/O. */
#ifndef REDISFS_URL_H
#define REDISFS_URL_H

#include <stddef.h>

#define URL_DEFAULT	  "redis://127.0.0.1:6379"
#define URL_DEFAULT_PORT  6379
#define URL_SENTINEL_PORT 26379
#define URL_SENTINELS_MAX 32 /* sentinels in one URL: a deployment has 3 or 5 */

/* One sentinel of a redis-sentinel:// URL. */
struct url_sentinel {
	char *host;
	int port;
};

/* What a URL says. Strings are allocated; url_free() releases them. */
struct redis_url {
	char *host;	   /* TCP host (brackets of an IPv6 literal removed), or NULL */
	int port;	   /* TCP port, 1..65535 */
	char *socket_path; /* unix socket path, or NULL */
	char *user;	   /* ACL user name from userinfo, or NULL */
	char *password;	   /* password from userinfo, or NULL */
	int db;		   /* database from "/N" or "?db=N", or -1 for all */
	int tls;	   /* rediss:// or rediss-sentinel:// */
	/* redis-sentinel://: the sentinels and the master's name; host is NULL then */
	struct url_sentinel *sentinels;
	size_t sentinel_count;
	char *master;
};

/*
 * Parse `text`: redis://[user[:password]@]host[:port][/N], rediss://
 * (the same over TLS), unix:///path/redis.sock[?db=N], or
 * redis-sentinel://[user[:password]@]host[:port][,host[:port]...][/N]#MASTER
 * (rediss-sentinel:// over TLS; sentinels on port 26379 by default), or a
 * bare host[:port][/N] (redis://, no userinfo).
 * Userinfo may be percent-encoded. Returns 0, or -EINVAL with a one-line
 * reason in `err` that names the bad part ("bad port '70000' in ...",
 * "unknown scheme 'http' ..."). On error `url` holds nothing.
 */
int url_parse(const char *text, struct redis_url *url, char *err, size_t errlen);

/*
 * The URL without userinfo, for fsname and logs: "redis://host:port[/N]",
 * "rediss://...", "unix:///path[?db=N]" or "redis-sentinel://h:p,h:p[/N]#M". Returns the length
 * written (truncated to fit `len`, always NUL-terminated).
 */
size_t url_display(const struct redis_url *url, char *out, size_t len);

void url_free(struct redis_url *url);

#endif
