/* url.c - parse and display the server URL (SPEC section 1). Pure: no I/O. */
#include "url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shown.h"

/* Our own ASCII tests: <ctype.h> depends on the locale and on unsigned char casts. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A copy of s[0..n) as a C string, or NULL when out of memory. */
static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/*
 * Percent-decode s[0..n) into a new string in *out.
 * Returns 0, -EINVAL for a '%' not followed by two hex digits or for "%00"
 * (a C string cannot hold NUL, and cutting the value short would authenticate
 * with the wrong secret), or -ENOMEM.
 */
static int percent_decode(const char *s, size_t n, char **out)
{
	char *p = malloc(n + 1);
	size_t i, j = 0;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			p[j++] = s[i];
			continue;
		}
		hi = i + 1 < n ? hex_value(s[i + 1]) : -1;
		lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(p);
			return -EINVAL;
		}
		p[j++] = (char) (hi << 4 | lo);
		i += 2;
	}
	p[j] = '\0';
	*out = p;
	return 0;
}

/*
 * Parse s[0..n) as a whole decimal number in 0..max. Only digits: no sign,
 * no space, not empty. Returns the number, or -1.
 */
static long parse_decimal(const char *s, size_t n, long max)
{
	long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]) || v > (max - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int parse_db(const char *s, size_t n, struct redis_url *url, char *err, size_t errlen)
{
	char buf[SHOWN_SIZE];
	long v = parse_decimal(s, n, INT_MAX);

	if (v < 0) {
		set_err(err, errlen, "bad database number '%s' in URL (expected 0 to %d)",
			shown(buf, s, n), INT_MAX);
		return -EINVAL;
	}
	url->db = (int) v;
	return 0;
}

/*
 * Split "user:password" (percent-encoded) into url->user and url->password.
 * An empty user or password counts as absent: ":pw" is the default user with
 * a password, "user" and "user:" are a user with none. Errors never quote the
 * userinfo, since it holds the password.
 */
static int parse_userinfo(const char *s, size_t n, struct redis_url *url, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	size_t user_len = colon ? (size_t) (colon - s) : n;
	int rc;

	if (user_len) {
		rc = percent_decode(s, user_len, &url->user);
		if (rc == -EINVAL)
			set_err(err, errlen, "bad percent-escape in the user name of the URL");
		if (rc)
			return rc;
	}
	if (colon && colon + 1 < s + n) {
		rc = percent_decode(colon + 1, n - user_len - 1, &url->password);
		if (rc == -EINVAL)
			set_err(err, errlen, "bad percent-escape in the password of the URL");
		if (rc)
			return rc;
	}
	return 0;
}

/* Letters, digits and "-._~": what a host name (or an IPv4 address) is made of. */
static bool is_host_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_' && c != '~')
			return false;
	}
	return true;
}

/*
 * The inside of "[...]": an IPv6 address, optionally with a zone written
 * "%25eth0" (RFC 6874). Stored as "fe80::1%eth0", the form getaddrinfo() takes.
 */
static int parse_ipv6(const char *s, size_t n, struct redis_url *url)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *zone = NULL;
	size_t addr_len = n, zone_len = 0, i;

	for (i = 0; i + 2 < n; i++) {
		if (s[i] == '%' && s[i + 1] == '2' && s[i + 2] == '5') {
			addr_len = i;
			zone = s + i + 3;
			zone_len = n - i - 3;
			break;
		}
	}
	if (addr_len == 0 || addr_len >= sizeof addr)
		return -EINVAL;
	memcpy(addr, s, addr_len);
	addr[addr_len] = '\0';
	if (inet_pton(AF_INET6, addr, bin) != 1)
		return -EINVAL;
	if (zone && (zone_len == 0 || !is_host_name(zone, zone_len)))
		return -EINVAL;
	url->host = malloc(n + 1);
	if (!url->host)
		return -ENOMEM;
	memcpy(url->host, addr, addr_len);
	if (zone) {
		url->host[addr_len] = '%';
		memcpy(url->host + addr_len + 1, zone, zone_len);
		addr_len += 1 + zone_len;
	}
	url->host[addr_len] = '\0';
	return 0;
}

/* "host", "host:port", "[v6]" or "[v6]:port". */
static int parse_hostport(const char *s, size_t n, struct redis_url *url, char *err, size_t errlen)
{
	char buf[SHOWN_SIZE];
	const char *host = s, *port = NULL, *end = s + n;
	size_t host_len;
	long v;
	int rc;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close || (close + 1 < end && close[1] != ':')) {
			set_err(err, errlen, "bad host '%s' in URL", shown(buf, s, n));
			return -EINVAL;
		}
		if (close + 1 < end)
			port = close + 2;
		host = s + 1;
		host_len = (size_t) (close - host);
	} else {
		const char *colon = memchr(s, ':', n);

		if (colon && memchr(colon + 1, ':', (size_t) (end - colon - 1))) {
			set_err(err, errlen,
				"bad host '%s' in URL (an IPv6 address goes in brackets: [::1])",
				shown(buf, s, n));
			return -EINVAL;
		}
		if (colon)
			port = colon + 1;
		host_len = colon ? (size_t) (colon - s) : n;
	}

	if (host_len == 0) {
		set_err(err, errlen, "empty host in URL");
		return -EINVAL;
	}
	if (host != s) {
		rc = parse_ipv6(host, host_len, url);
		if (rc == -EINVAL)
			set_err(err, errlen, "bad IPv6 address '%s' in URL",
				shown(buf, host, host_len));
		if (rc)
			return rc;
	} else {
		if (!is_host_name(host, host_len)) {
			set_err(err, errlen, "bad host '%s' in URL", shown(buf, host, host_len));
			return -EINVAL;
		}
		url->host = dup_n(host, host_len);
		if (!url->host)
			return -ENOMEM;
	}

	url->port = URL_DEFAULT_PORT;
	if (port) {
		/* "host:" is refused rather than defaulted: it is most likely a typo. */
		v = parse_decimal(port, (size_t) (end - port), 65535);
		if (v < 1) {
			set_err(err, errlen, "bad port '%s' in URL (expected 1 to 65535)",
				shown(buf, port, (size_t) (end - port)));
			return -EINVAL;
		}
		url->port = (int) v;
	}
	return 0;
}

/* After "redis://": [user[:password]@]host[:port][/N] */
static int parse_tcp(const char *s, struct redis_url *url, char *err, size_t errlen)
{
	const char *at = strrchr(s, '@');
	const char *slash;
	int rc;

	/*
	 * The userinfo ends at the last '@', not at the first '/' as RFC 3986
	 * would have it: a password with an unencoded '/' or '@' then still
	 * works, and no piece of it can end up quoted in a "bad host" or "bad
	 * database" message. Nothing after the host may hold an '@' anyway.
	 */
	if (at) {
		rc = parse_userinfo(s, (size_t) (at - s), url, err, errlen);
		if (rc)
			return rc;
		s = at + 1;
	}
	slash = strchr(s, '/');
	rc = parse_hostport(s, slash ? (size_t) (slash - s) : strlen(s), url, err, errlen);
	if (rc)
		return rc;
	/* "redis://h/" names no database, like "redis://h": all of them. */
	if (slash && slash[1])
		return parse_db(slash + 1, strlen(slash + 1), url, err, errlen);
	return 0;
}

/* Whether a "host[:port]" piece names its port ("[::1]" does not, "[::1]:1" and "h:1" do). */
static bool names_port(const char *s, size_t n)
{
	const char *close = n && s[0] == '[' ? memchr(s, ']', n) : NULL;

	if (close)
		return close + 1 < s + n;
	return memchr(s, ':', n) != NULL;
}

/* One sentinel "host[:port]" of the list, port 26379 unless it names one. */
static int parse_sentinel_host(const char *s, size_t n, struct url_sentinel *out, char *err,
			       size_t errlen)
{
	struct redis_url one = {.db = -1};
	int rc;

	if (n == 0) {
		set_err(err, errlen, "empty sentinel host in URL (hosts are joined by ',')");
		return -EINVAL;
	}
	rc = parse_hostport(s, n, &one, err, errlen);
	if (rc) {
		free(one.host); /* a good host before a bad port */
		return rc;
	}
	out->host = one.host;
	out->port = names_port(s, n) ? one.port : URL_SENTINEL_PORT;
	return 0;
}

/*
 * After "redis-sentinel://": [user[:password]@]host[:port][,host[:port]...][/N]#MASTER.
 * The master's name comes after the last '#' (a password may hold one;
 * Sentinel names do not), the userinfo before the last '@' ahead of it.
 */
static int parse_sentinel(const char *s, struct redis_url *url, char *err, size_t errlen)
{
	char buf[SHOWN_SIZE];
	const char *hash = strrchr(s, '#'), *at, *slash, *hosts_end, *p;
	size_t count = 1;
	int rc;

	if (!hash || !hash[1]) {
		set_err(err, errlen,
			"redis-sentinel:// URL names no master: end it with #MASTER, the name "
			"the sentinels know it by");
		return -EINVAL;
	}
	if (!is_host_name(hash + 1, strlen(hash + 1))) {
		set_err(err, errlen, "bad master name '%s' in URL",
			shown(buf, hash + 1, strlen(hash + 1)));
		return -EINVAL;
	}
	url->master = strdup(hash + 1);
	if (!url->master)
		return -ENOMEM;
	at = memrchr(s, '@', (size_t) (hash - s));
	if (at) {
		rc = parse_userinfo(s, (size_t) (at - s), url, err, errlen);
		if (rc)
			return rc;
		s = at + 1;
	}
	slash = memchr(s, '/', (size_t) (hash - s));
	hosts_end = slash ? slash : hash;
	for (p = s; p < hosts_end; p++)
		count += *p == ',';
	if (count > URL_SENTINELS_MAX) {
		set_err(err, errlen, "%zu sentinels in URL: at most %d", count, URL_SENTINELS_MAX);
		return -EINVAL;
	}
	url->sentinels = calloc(count, sizeof *url->sentinels);
	if (!url->sentinels)
		return -ENOMEM;
	for (p = s; url->sentinel_count < count; url->sentinel_count++) {
		const char *comma = memchr(p, ',', (size_t) (hosts_end - p));
		const char *end = comma ? comma : hosts_end;

		rc = parse_sentinel_host(p, (size_t) (end - p),
					 &url->sentinels[url->sentinel_count], err, errlen);
		if (rc)
			return rc;
		p = end + 1;
	}
	if (slash && slash + 1 < hash)
		return parse_db(slash + 1, (size_t) (hash - slash - 1), url, err, errlen);
	return 0;
}

/* The query of a unix:// URL: "db=N", parameters joined by '&'. */
static int parse_query(const char *s, struct redis_url *url, char *err, size_t errlen)
{
	char buf[SHOWN_SIZE];
	bool have_db = false;

	while (*s) {
		size_t len = strcspn(s, "&");
		const char *eq = memchr(s, '=', len);
		size_t key_len = eq ? (size_t) (eq - s) : len;
		int rc;

		if (len == 0) {
			s++;
			continue;
		}
		/* Only the name is quoted: the value of an unknown one may be a secret. */
		if (key_len != 2 || memcmp(s, "db", 2) != 0) {
			set_err(err, errlen,
				"unknown query parameter '%s' in URL (only db is known)",
				shown(buf, s, key_len));
			return -EINVAL;
		}
		if (have_db) {
			set_err(err, errlen, "query parameter 'db' given twice in URL");
			return -EINVAL;
		}
		have_db = true;
		rc = eq ? parse_db(eq + 1, len - key_len - 1, url, err, errlen)
			: parse_db("", 0, url, err, errlen);
		if (rc)
			return rc;
		s += len;
	}
	return 0;
}

/* After "unix://": /path[?db=N] */
static int parse_unix(const char *s, struct redis_url *url, char *err, size_t errlen)
{
	char buf[SHOWN_SIZE];
	size_t path_len = strcspn(s, "?");
	int rc;

	if (path_len == 0) {
		set_err(err, errlen, "empty socket path in URL (expected unix:///path/redis.sock)");
		return -EINVAL;
	}
	/*
	 * Not quoted: whatever stands between "unix://" and the path is a host
	 * or userinfo, which may hold a password.
	 */
	if (s[0] != '/') {
		set_err(err, errlen,
			"unix:// URL takes an absolute socket path and no host or user "
			"(expected unix:///path/redis.sock)");
		return -EINVAL;
	}
	if (s[path_len - 1] == '/') {
		set_err(err, errlen, "socket path '%s' in URL names a directory",
			shown(buf, s, path_len));
		return -EINVAL;
	}
	rc = percent_decode(s, path_len, &url->socket_path);
	if (rc == -EINVAL)
		set_err(err, errlen, "bad percent-escape in socket path '%s' in URL",
			shown(buf, s, path_len));
	if (rc)
		return rc;
	if (s[path_len] == '?')
		return parse_query(s + path_len + 1, url, err, errlen);
	return 0;
}

/* Whether s[0..n) has the form of a URI scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static bool is_scheme(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alpha(s[0]))
		return false;
	for (i = 1; i < n; i++) {
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return false;
	}
	return true;
}

/* Schemes are case-insensitive (RFC 3986 section 3.1). */
static bool scheme_is(const char *s, size_t n, const char *name)
{
	size_t i;

	if (strlen(name) != n)
		return false;
	for (i = 0; i < n; i++) {
		if (ascii_lower(s[i]) != name[i])
			return false;
	}
	return true;
}

int url_parse(const char *text, struct redis_url *url, char *err, size_t errlen)
{
	char buf[SHOWN_SIZE];
	const char *sep = text ? strstr(text, "://") : NULL;
	size_t scheme_len = sep ? (size_t) (sep - text) : 0;
	int rc;

	*url = (struct redis_url){.db = -1};
	set_err(err, errlen, "%s", "");

	/*
	 * A bare host[:port][/N] is redis://host[:port][/N], as redis-cli and
	 * sshfs users type it (SPEC 1). Userinfo needs the scheme: text without
	 * one that has an '@' is not quoted, since "user:secret@host" would show
	 * the password.
	 */
	if (text && !sep && text[0] && !strchr(text, '@')) {
		rc = parse_tcp(text, url, err, errlen);
		goto out;
	}
	if (!sep || !is_scheme(text, scheme_len)) {
		set_err(err, errlen,
			"URL has no scheme (expected redis://, unix:// or host[:port])");
		return -EINVAL;
	}
	url->tls = scheme_is(text, scheme_len, "rediss") ||
		   scheme_is(text, scheme_len, "rediss-sentinel");
	if (scheme_is(text, scheme_len, "redis") || scheme_is(text, scheme_len, "rediss")) {
		rc = parse_tcp(sep + 3, url, err, errlen);
	} else if (scheme_is(text, scheme_len, "unix")) {
		rc = parse_unix(sep + 3, url, err, errlen);
	} else if (scheme_is(text, scheme_len, "redis-sentinel") ||
		   scheme_is(text, scheme_len, "rediss-sentinel")) {
		rc = parse_sentinel(sep + 3, url, err, errlen);
	} else {
		set_err(err, errlen,
			"unknown scheme '%s' in URL (expected redis://, rediss://, unix://, "
			"redis-sentinel:// or rediss-sentinel://)",
			shown(buf, text, scheme_len));
		rc = -EINVAL;
	}
out:
	if (rc == -ENOMEM)
		set_err(err, errlen, "out of memory while parsing the URL");
	if (rc) {
		url_free(url);
		return -EINVAL;
	}
	return 0;
}

/*
 * Format at out + pos, as much as fits in `len`. Returns the position after
 * the whole text, as if nothing had been cut, so that calls chain.
 */
static size_t append(char *out, size_t len, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(pos < len ? out + pos : NULL, pos < len ? len - pos : 0, fmt, ap);
	va_end(ap);
	return n > 0 ? pos + (size_t) n : pos;
}

/* "host:port", an IPv6 address in brackets. */
static size_t append_host(char *out, size_t len, size_t pos, const char *host, int port)
{
	const char *zone = strchr(host, '%');
	int addr_len = zone ? (int) (zone - host) : (int) strlen(host);

	if (strchr(host, ':')) {
		/* A zone goes back to "%25" so that the display parses again. */
		pos = append(out, len, pos, "[%.*s%s%s]", addr_len, host, zone ? "%25" : "",
			     zone ? zone + 1 : "");
	} else {
		pos = append(out, len, pos, "%s", host);
	}
	return append(out, len, pos, ":%d", port);
}

size_t url_display(const struct redis_url *url, char *out, size_t len)
{
	size_t pos = 0;
	const char *p;

	if (!len)
		return 0;
	out[0] = '\0';
	if (url->socket_path) {
		pos = append(out, len, pos, "unix://");
		/*
		 * Percent-encode what would make the display ambiguous or span
		 * lines, so that it parses back to the same path.
		 */
		for (p = url->socket_path; *p; p++) {
			unsigned char c = (unsigned char) *p;

			if (c <= 0x20 || c == 0x7f || c == '%' || c == '?')
				pos = append(out, len, pos, "%%%02X", c);
			else
				pos = append(out, len, pos, "%c", c);
		}
		if (url->db >= 0)
			pos = append(out, len, pos, "?db=%d", url->db);
	} else if (url->master) {
		pos = append(out, len, pos, "%s://",
			     url->tls ? "rediss-sentinel" : "redis-sentinel");
		for (size_t i = 0; i < url->sentinel_count; i++) {
			if (i)
				pos = append(out, len, pos, ",");
			pos = append_host(out, len, pos, url->sentinels[i].host,
					  url->sentinels[i].port);
		}
		if (url->db >= 0)
			pos = append(out, len, pos, "/%d", url->db);
		pos = append(out, len, pos, "#%s", url->master);
	} else {
		pos = append(out, len, pos, "%s://", url->tls ? "rediss" : "redis");
		pos = append_host(out, len, pos, url->host ? url->host : "", url->port);
		if (url->db >= 0)
			pos = append(out, len, pos, "/%d", url->db);
	}
	return pos < len ? pos : len - 1;
}

void url_free(struct redis_url *url)
{
	free(url->host);
	free(url->socket_path);
	free(url->user);
	/* The password should not linger in freed heap memory. */
	if (url->password) {
		volatile char *p = url->password;

		while (*p)
			*p++ = '\0';
	}
	free(url->password);
	for (size_t i = 0; i < url->sentinel_count; i++)
		free(url->sentinels[i].host);
	free(url->sentinels);
	free(url->master);
	*url = (struct redis_url){.db = -1};
}
