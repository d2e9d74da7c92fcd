/* harness_expect.c - the tests' own reading of SPEC 3 and 4, and checks of Redis behind a mount. */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NAME_MAX_BYTES 255 /* SPEC 3: longer encodings are shortened */
#define NAME_KEEP      200 /* SPEC 3: encoded bytes kept before '~' */

static bool must_escape(unsigned char c)
{
	return c == '/' || c == '%' || c < 0x20 || c == 0x7F;
}

size_t h_key_name(const char *key, size_t len, char *out, bool *hashed)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t full = 0, n = 0;

	*hashed = false;
	if (len == 0) {
		strcpy(out, "%");
		return 1;
	}
	if (len == 1 && key[0] == '.') {
		strcpy(out, "%2E");
		return 3;
	}
	if (len == 2 && key[0] == '.' && key[1] == '.') {
		strcpy(out, "%2E%2E");
		return 6;
	}
	for (size_t i = 0; i < len; i++)
		full += must_escape((unsigned char) key[i]) ? 3 : 1;
	if (full > NAME_MAX_BYTES)
		*hashed = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) key[i];
		size_t w = must_escape(c) ? 3 : 1;

		/* A shortened name never cuts a %XX: it stops before one that would pass 200. */
		if (*hashed && n + w > NAME_KEEP)
			break;
		if (w == 3) {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char) c;
		}
	}
	if (*hashed)
		out[n++] = '~';
	out[n] = '\0';
	return n;
}

static int compare_replies(const void *a, const void *b)
{
	const redisReply *x = *(redisReply *const *) a, *y = *(redisReply *const *) b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->str, y->str, n);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

redisReply *h_all_keys(redisContext *c)
{
	redisReply *reply = h_cmd(c, "KEYS *");

	ck_assert_msg(reply->type == REDIS_REPLY_ARRAY, "KEYS * gave type %d", reply->type);
	if (reply->elements)
		qsort(reply->element, reply->elements, sizeof *reply->element, compare_replies);
	return reply;
}

/* A growing byte buffer for expected contents. */
struct text {
	char *p;
	size_t len, cap;
};

static void text_add(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (cap < t->len + n + 1)
			cap *= 2;
		t->p = realloc(t->p, cap);
		ck_assert_msg(t->p, "out of memory");
		t->cap = cap;
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* SPEC 4 escaping inside the lines of a non-string value. */
static void text_add_escaped(struct text *t, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) p[i];
		char esc[4];

		if (c == '\\')
			text_add(t, "\\\\", 2);
		else if (c == '\n')
			text_add(t, "\\n", 2);
		else if (c == '\t')
			text_add(t, "\\t", 2);
		else if (c == '\r')
			text_add(t, "\\r", 2);
		else if (c < 0x20 || c == 0x7F) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			text_add(t, esc, 4);
		} else {
			text_add(t, p + i, 1);
		}
	}
}

static int compare_pairs(const void *a, const void *b)
{
	/* Each element points at the first reply of a (field, value) pair. */
	return compare_replies(a, b);
}

static redisReply *array_reply(redisContext *c, const char *what, int argc, const char **argv,
			       const size_t *lens)
{
	redisReply *r = redisCommandArgv(c, argc, argv, lens);

	ck_assert_msg(r, "%s: no reply: %s", what, c->errstr);
	ck_assert_msg(r->type == REDIS_REPLY_ARRAY, "%s gave type %d (%s)", what, r->type,
		      r->type == REDIS_REPLY_ERROR ? r->str : "");
	return r;
}

int h_expected_content(redisContext *c, const char *key, size_t klen, char **out, size_t *len)
{
	redisReply *type = h_cmd(c, "TYPE %b", key, klen);
	struct text t = {0};
	redisReply *r = NULL;

	ck_assert_msg(type->type == REDIS_REPLY_STATUS, "TYPE gave type %d", type->type);
	if (!strcmp(type->str, "none")) {
		freeReplyObject(type);
		return -ENOENT;
	}
	text_add(&t, "", 0);
	if (!strcmp(type->str, "string")) {
		r = h_cmd(c, "GET %b", key, klen);
		ck_assert_msg(r->type == REDIS_REPLY_STRING, "GET gave type %d", r->type);
		text_add(&t, r->str, r->len);
	} else if (!strcmp(type->str, "list") || !strcmp(type->str, "set")) {
		bool list = !strcmp(type->str, "list");
		const char *argv[] = {list ? "LRANGE" : "SMEMBERS", key, "0", "-1"};
		const size_t lens[] = {strlen(argv[0]), klen, 1, 2};

		r = array_reply(c, argv[0], list ? 4 : 2, argv, lens);
		if (!list && r->elements)
			qsort(r->element, r->elements, sizeof *r->element, compare_replies);
		for (size_t i = 0; i < r->elements; i++) {
			text_add_escaped(&t, r->element[i]->str, r->element[i]->len);
			text_add(&t, "\n", 1);
		}
	} else if (!strcmp(type->str, "zset") || !strcmp(type->str, "hash")) {
		bool zset = !strcmp(type->str, "zset");
		const char *argv[] = {zset ? "ZRANGE" : "HGETALL", key, "0", "-1", "WITHSCORES"};
		const size_t lens[] = {strlen(argv[0]), klen, 1, 2, 10};
		redisReply **pairs;
		size_t n;

		r = array_reply(c, argv[0], zset ? 5 : 2, argv, lens);
		n = r->elements / 2;
		pairs = calloc(n ? n : 1, sizeof *pairs);
		ck_assert_msg(pairs, "out of memory");
		for (size_t i = 0; i < n; i++)
			pairs[i] = r->element[2 * i];
		/* A hash is sorted bytewise by field; a zset keeps its rank order. */
		if (!zset && n)
			qsort(pairs, n, sizeof *pairs, compare_pairs);
		for (size_t i = 0; i < n; i++) {
			size_t at = 0;

			while (r->element[at] != pairs[i])
				at++;
			text_add_escaped(&t, pairs[i]->str, pairs[i]->len);
			text_add(&t, "\t", 1);
			text_add_escaped(&t, r->element[at + 1]->str, r->element[at + 1]->len);
			text_add(&t, "\n", 1);
		}
		free(pairs);
	} else if (!strcmp(type->str, "stream")) {
		const char *argv[] = {"XRANGE", key, "-", "+"};
		const size_t lens[] = {6, klen, 1, 1};

		r = array_reply(c, "XRANGE", 4, argv, lens);
		for (size_t i = 0; i < r->elements; i++) {
			redisReply *entry = r->element[i], *fields = entry->element[1];

			text_add_escaped(&t, entry->element[0]->str, entry->element[0]->len);
			for (size_t f = 0; f < fields->elements; f++) {
				text_add(&t, "\t", 1);
				text_add_escaped(&t, fields->element[f]->str,
						 fields->element[f]->len);
			}
			text_add(&t, "\n", 1);
		}
	} else {
		ck_abort_msg("no expectation for a key of type %s", type->str);
	}
	if (r)
		freeReplyObject(r);
	freeReplyObject(type);
	*out = t.p;
	*len = t.len;
	return 0;
}

static bool is_hash_suffix(const char *s)
{
	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[16] == '\0';
}

/* Whether the file at `path` holds exactly (want, wlen). */
static bool file_holds(const char *path, const char *want, size_t wlen)
{
	char *got;
	size_t glen;
	bool same;

	if (h_read_file(path, &got, &glen) != 0)
		return false;
	same = glen == wlen && !memcmp(got, want, wlen);
	free(got);
	return same;
}

/*
 * The entry of `names` (not yet in `used`, when given) that is a shortened
 * name with `prefix` and, when `want` is given, holds it. Returns its index or -1.
 */
static long find_hashed(const char *dir, const struct h_names *names, const bool *used,
			const char *prefix, const char *want, size_t wlen, size_t *matches)
{
	size_t plen = strlen(prefix);
	long found = -1;

	*matches = 0;
	for (size_t i = 0; i < names->n; i++) {
		char path[H_PATH_MAX + 300];

		if ((used && used[i]) || strncmp(names->v[i], prefix, plen) ||
		    !is_hash_suffix(names->v[i] + plen))
			continue;
		(*matches)++;
		if (found >= 0)
			continue;
		h_join_path(path, sizeof path, dir, names->v[i]);
		if (!want || file_holds(path, want, wlen))
			found = (long) i;
	}
	return found;
}

char *h_key_path(const char *dir, redisContext *c, const char *key, size_t klen, char *out,
		 size_t len)
{
	char name[256], *want = NULL;
	size_t wlen = 0, matches;
	struct h_names names;
	bool hashed;
	long at;

	h_key_name(key, klen, name, &hashed);
	if (!hashed) {
		h_join_path(out, len, dir, name);
		return out;
	}
	ck_assert_msg(h_list(dir, &names) == 0, "cannot list %s", dir);
	if (c)
		ck_assert_msg(h_expected_content(c, key, klen, &want, &wlen) == 0,
			      "key %s... does not exist", name);
	at = find_hashed(dir, &names, NULL, name, want, wlen, &matches);
	ck_assert_msg(at >= 0 && (c || matches == 1),
		      "%s holds %zu shortened names %s<16 hex digits> (%s)", dir, matches, name,
		      c ? "none with the key's content" : "want exactly one");
	h_join_path(out, len, dir, names.v[at]);
	h_names_free(&names);
	free(want);
	return out;
}

void h_assert_dir_matches_db(const char *dir, redisContext *c)
{
	redisReply *keys = h_all_keys(c);
	struct h_names names;
	int err = h_list(dir, &names);
	bool *used;

	ck_assert_msg(err == 0, "cannot list %s: %s", dir, strerror(-err));
	ck_assert_msg(names.n == keys->elements, "%s lists %zu names for %zu keys", dir, names.n,
		      keys->elements);
	used = calloc(names.n ? names.n : 1, sizeof *used);
	ck_assert_msg(used, "out of memory");
	for (size_t k = 0; k < keys->elements; k++) {
		const redisReply *key = keys->element[k];
		char name[256], path[H_PATH_MAX + 300], *want, *got;
		size_t wlen, glen, matches;
		struct stat st;
		bool hashed;
		long at;

		h_key_name(key->str, key->len, name, &hashed);
		ck_assert_msg(h_expected_content(c, key->str, key->len, &want, &wlen) == 0,
			      "key for %s vanished", name);
		if (hashed) {
			at = find_hashed(dir, &names, used, name, want, wlen, &matches);
			ck_assert_msg(at >= 0,
				      "%s: no shortened name %s<16 hex digits> holds its key's "
				      "value (%zu candidates)",
				      dir, name, matches);
		} else {
			at = -1;
			for (size_t i = 0; i < names.n && at < 0; i++)
				if (!strcmp(names.v[i], name))
					at = (long) i;
			ck_assert_msg(at >= 0, "%s: the key's name '%s' is not listed", dir, name);
		}
		used[at] = true;
		h_join_path(path, sizeof path, dir, names.v[at]);
		ck_assert_msg(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
		err = h_read_file(path, &got, &glen);
		ck_assert_msg(err == 0, "read %s: %s", path, strerror(-err));
		ck_assert_msg(glen == wlen && !memcmp(got, want, wlen),
			      "%s holds %zu bytes '%.60s', Redis says %zu bytes '%.60s'", path,
			      glen, got, wlen, want);
		ck_assert_msg((size_t) st.st_size == glen, "%s: st_size %lld, read gives %zu bytes",
			      path, (long long) st.st_size, glen);
		free(got);
		free(want);
	}
	free(used);
	h_names_free(&names);
	freeReplyObject(keys);
}

/* Whether COMMAND INFO flags the command `name` ("get", "config|get") as a write. */
static bool command_writes(redisContext *c, const char *name)
{
	redisReply *r = h_cmd(c, "COMMAND INFO %s", name);
	bool writes = false;

	ck_assert_msg(r->type == REDIS_REPLY_ARRAY && r->elements == 1, "COMMAND INFO %s failed",
		      name);
	if (r->element[0]->type == REDIS_REPLY_ARRAY) {
		const redisReply *flags = r->element[0]->element[2];

		for (size_t i = 0; i < flags->elements; i++)
			if (!strcmp(flags->element[i]->str, "write"))
				writes = true;
	} else {
		/* Unknown to COMMAND INFO: judge by the usual write commands' names. */
		static const char *const known[] = {"set",	"del",	  "unlink", "flushdb",
						    "flushall", "rename", "move",   "copy",
						    "expire",	"persist"};

		for (size_t i = 0; i < sizeof known / sizeof *known; i++)
			if (!strcmp(name, known[i]))
				writes = true;
	}
	freeReplyObject(r);
	return writes;
}

void h_assert_no_write_command(redisContext *c)
{
	redisReply *info = h_cmd(c, "INFO commandstats");
	char *save = NULL, *text;

	ck_assert_msg(info->type == REDIS_REPLY_STRING, "INFO commandstats gave type %d",
		      info->type);
	text = strdup(info->str);
	ck_assert(text);
	for (char *line = strtok_r(text, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char name[128];
		const char *colon = strchr(line, ':');
		size_t n;

		if (strncmp(line, "cmdstat_", 8) || !colon)
			continue;
		n = (size_t) (colon - line) - 8;
		ck_assert(n < sizeof name);
		memcpy(name, line + 8, n);
		name[n] = '\0';
		ck_assert_msg(!command_writes(c, name), "a write command reached Redis: %s", line);
	}
	free(text);
	freeReplyObject(info);
}

/* Whether `object` starts with one of the '|'-separated prefixes of `allowed`. */
static bool allowed_object(const char *allowed, const char *object)
{
	while (allowed && *allowed) {
		size_t n = strcspn(allowed, "|");

		if (n && !strncmp(object, allowed, n))
			return true;
		allowed += n + (allowed[n] == '|');
	}
	return false;
}

void h_assert_acl_log_clean(redisContext *c, const char *allowed)
{
	redisReply *log = h_cmd(c, "ACL LOG");

	ck_assert_msg(log->type == REDIS_REPLY_ARRAY, "ACL LOG gave type %d", log->type);
	for (size_t i = 0; i < log->elements; i++) {
		const redisReply *e = log->element[i];
		const char *object = "?", *user = "?", *reason = "?";

		for (size_t f = 0; f + 1 < e->elements; f += 2) {
			const char *k = e->element[f]->str, *v = e->element[f + 1]->str;

			if (!k || !v)
				continue;
			if (!strcmp(k, "object"))
				object = v;
			else if (!strcmp(k, "username"))
				user = v;
			else if (!strcmp(k, "reason"))
				reason = v;
		}
		ck_assert_msg(allowed_object(allowed, object),
			      "ACL LOG: user %s was denied '%s' (reason: %s)", user, object,
			      reason);
	}
	freeReplyObject(log);
}

char *h_redis_snapshot(const struct h_redis *r, int databases, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	for (int db = 0; db < databases; db++) {
		redisContext *c = h_redis_connect(r, db);
		redisReply *keys = h_all_keys(c);

		for (size_t i = 0; i < keys->elements; i++) {
			const redisReply *k = keys->element[i];
			redisReply *dump = h_cmd(c, "DUMP %b", k->str, k->len);
			long long ttl = h_cmd_int(c, "PTTL %b", k->str, k->len);
			size_t need = *len + k->len + dump->len + 64;

			ck_assert_int_eq(dump->type, REDIS_REPLY_STRING);
			if (need > cap) {
				cap = need * 2;
				buf = realloc(buf, cap);
				ck_assert(buf);
			}
			*len += (size_t) sprintf(buf + *len, "%d:%zu:", db, k->len);
			memcpy(buf + *len, k->str, k->len);
			*len += k->len;
			*len += (size_t) sprintf(buf + *len, ":%zu:", dump->len);
			memcpy(buf + *len, dump->str, dump->len);
			*len += dump->len;
			/* whether a TTL is set, not its value: that ticks on */
			*len += (size_t) sprintf(buf + *len, ":%lld\n", ttl < 0 ? ttl : 1);
			freeReplyObject(dump);
		}
		freeReplyObject(keys);
		redisFree(c);
	}
	return buf;
}
