/* xattr.c - the user.redis.* extended attributes of a key's file (SPEC section 4). */
#include "xattr.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_meta.h"
#include "changes.h"
#include "collection_text.h"
#include "file.h"
#include "key_type.h"
#include "ghost_xattr.h"
#include "paths.h"
#include "node.h"

#define XATTR_OURS "user.redis." /* the namespace of our names: no other name is settable */

/*
 * The largest TTL accepted: EXPIRE refuses seconds whose milliseconds,
 * added to the server's clock, overflow 64 bits. Half of that limit keeps
 * clear of the edge whatever the clock says, and is still 146 million years.
 */
#define TTL_MAX (LLONG_MAX / 1000 / 2)

#define VALUE_MAX REDIS_META_WORD_MAX /* a value: a word, or a 64-bit decimal (20 bytes) */

enum attr {
	ATTR_TYPE,
	ATTR_TTL,
	ATTR_LENGTH,
	ATTR_ENCODING,
	ATTR_MEMORY,
	ATTR_COUNT,
};

/*
 * listxattr names the first ATTR_LISTED only: what a copy can restore (cp -a,
 * rsync -aX and tar --xattrs set every name they list). The others are read
 * by name.
 */
#define ATTR_LISTED (ATTR_TTL + 1)

/* The order listxattr gives them in (getfattr -d sorts them by name). */
static const char *const attr_names[ATTR_COUNT] = {
	[ATTR_TYPE] = "user.redis.type",     [ATTR_TTL] = "user.redis.ttl",
	[ATTR_LENGTH] = "user.redis.length", [ATTR_ENCODING] = "user.redis.encoding",
	[ATTR_MEMORY] = "user.redis.memory",
};

/* The attribute called `name`, or -1. Pure: the check that spares Redis foreign names. */
static int attr_find(const char *name)
{
	for (int a = 0; a < ATTR_COUNT; a++) {
		if (strcmp(name, attr_names[a]) == 0)
			return a;
	}
	return -1;
}

static bool attr_ours(const char *name)
{
	return strncmp(name, XATTR_OURS, strlen(XATTR_OURS)) == 0;
}

/*
 * The value of attribute `attr` of key `k` into `text` (VALUE_MAX bytes,
 * NUL-terminated): its length, or -errno.
 */
static int attr_read(struct rfs *fs, const struct rfs_key *k, enum attr attr, char *text)
{
	long long n = 0;
	int ret;

	switch (attr) {
	case ATTR_TYPE:
		ret = redis_meta_type(fs->pool, k->db, k->key, k->len, text);
		/* an empty string set to a collection shows it while its text is on its way */
		if (!ret && !strcmp(text, "string") && key_type_pending(fs, k) != RV_NONE)
			snprintf(text, VALUE_MAX, "%s", rv_type_name(key_type_pending(fs, k)));
		return ret ? ret : (int) strlen(text);
	case ATTR_ENCODING:
		ret = redis_meta_encoding(fs->pool, k->db, k->key, k->len, text);
		return ret ? ret : (int) strlen(text);
	case ATTR_TTL:
		ret = redis_meta_ttl(fs->pool, k->db, k->key, k->len, &n);
		break;
	case ATTR_LENGTH:
		/* which command counts depends on the type: a second round trip */
		ret = redis_meta_type(fs->pool, k->db, k->key, k->len, text);
		if (!ret)
			ret = redis_meta_length(fs->pool, k->db, k->key, k->len,
						rv_type_parse(text, strlen(text)), &n);
		break;
	case ATTR_MEMORY:
		ret = redis_meta_memory(fs->pool, k->db, k->key, k->len, &n);
		break;
	default:
		return -ENODATA;
	}
	return ret ? ret : snprintf(text, VALUE_MAX, "%lld", n);
}

/* Hand out `len` bytes of `data` by the size-0 protocol of getxattr and listxattr. */
static int hand_out(const char *data, int len, char *buf, size_t size)
{
	if (size == 0)
		return len;
	if ((size_t) len > size)
		return -ERANGE;
	memcpy(buf, data, (size_t) len);
	return len;
}

/* A rule folder's figures' names: only with ghost rules set. */
static bool ghost_name(const struct rfs *fs, const char *name)
{
	return fs->ghosts && !strncmp(name, GHOST_XATTR_PREFIX, strlen(GHOST_XATTR_PREFIX));
}

bool xattr_known(const struct rfs *fs, const char *name)
{
	return attr_find(name) >= 0 || ghost_name(fs, name);
}

int xattr_get(struct rfs *fs, const struct rfs_node *n, const char *name, char *value, size_t size)
{
	int attr = attr_find(name);
	char text[VALUE_MAX];
	struct rfs_key k;
	const struct fs_path *p = n->names;
	int ret;

	if (attr < 0 && ghost_name(fs, name))
		return ghost_xattr_get(fs, n, name, value, size); /* a rule folder's figures */
	if (attr < 0)
		return -ENODATA; /* security.*, system.*: no round trip, no path parsing */
	if (!node_is_key(n->kind))
		return -ENODATA;
	ret = node_resolve(fs, p->db, p->name, &k); /* a ~hash name re-checked */
	if (ret)
		return ret;
	ret = attr_read(fs, &k, (enum attr) attr, text);
	rfs_key_free(&k);
	return ret < 0 ? ret : hand_out(text, ret, value, size);
}

int xattr_list(struct rfs *fs, const struct rfs_node *n, char *list, size_t size)
{
	char names[ATTR_LISTED * 24]; /* the longest name has 19 bytes */
	const struct fs_path *p = n->names;
	size_t len = 0;

	/* a folder or a ghost file: a rule folder's list, or none */
	if (!node_is_key(n->kind))
		return fs->ghosts ? ghost_xattr_list(fs, p, list, size) : 0;
	for (int a = 0; a < ATTR_LISTED; a++) {
		size_t n = strlen(attr_names[a]) + 1;

		memcpy(names + len, attr_names[a], n);
		len += n;
	}
	return hand_out(names, (int) len, list, size);
}

int xattr_parse_ttl(const char *value, size_t size, long long *seconds)
{
	long long n = 0;

	if (size == 2 && memcmp(value, "-1", 2) == 0) {
		*seconds = XATTR_TTL_PERSIST;
		return 0;
	}
	if (size == 0)
		return -EINVAL;
	for (size_t i = 0; i < size; i++) {
		int digit = value[i] - '0';

		if (digit < 0 || digit > 9 || n > (TTL_MAX - digit) / 10)
			return -EINVAL;
		n = n * 10 + digit;
	}
	if (n == 0)
		return -EINVAL; /* EXPIRE 0 would remove the key: rm is the way to do that */
	*seconds = n;
	return 0;
}

/* EXPIRE or PERSIST the key of a file; the mount's mtime moves on when it worked. */
static int set_ttl(struct rfs *fs, const struct fs_path *p, long long seconds)
{
	struct rfs_key k;
	int ret;

	ret = node_resolve(fs, p->db, p->name, &k);
	if (ret)
		return ret;
	if (seconds == XATTR_TTL_PERSIST)
		ret = redis_meta_persist(fs->pool, k.db, k.key, k.len);
	else
		ret = redis_meta_expire(fs->pool, k.db, k.key, k.len, seconds);
	if (!ret) /* its ctime: a TTL is part of the key */
		change_done(fs, CHANGE_EXPIRY, &k);
	rfs_key_free(&k);
	return ret;
}

/* Parse the string's text as `type` and write it over the key, keeping its TTL. */
static int convert(struct rfs *fs, const struct rfs_key *k, const char *text, size_t len,
		   enum rv_type type)
{
	int ret = collection_text_write(fs, k, type, text, len, "stays a string", NULL);

	change_done(fs, ret ? CHANGE_STORED : CHANGE_CONVERTED, k);
	return ret;
}

/*
 * setxattr("user.redis.type") of key `k` to `value` (not NUL-terminated).
 * The type it has: 0, no change. A string to list, set, zset or hash: its
 * text is parsed (SPEC 4) and replaces it, keeping its TTL; an empty string
 * is marked instead, for the text written next (key_type.h). Returns 0,
 * -EINVAL for text that does not parse (nothing changed) or a word that is
 * no type, -EPERM for any other change of type, -ENOENT when the key is
 * gone, or the server's errno.
 */
static int convert_type(struct rfs *fs, const struct rfs_key *k, const char *value, size_t size)
{
	enum rv_type want = rv_type_parse(value, size), have;
	struct rv_value text = {0};
	const char *p = "";
	size_t len = 0;
	int ret;

	if (want == RV_NONE || want == RV_OTHER)
		return -EINVAL; /* not a word TYPE answers with */
	ret = redis_key_type(fs->pool, k->db, k->key, k->len, &have);
	if (!ret && have == RV_NONE)
		ret = -ENOENT;
	if (ret)
		return ret;
	if (want == have) {
		if (want == RV_STRING)
			key_type_forget(fs, k->db, k->key, k->len); /* string after all */
		return 0;
	}
	if (have != RV_STRING || !collection_type(want))
		return -EPERM;
	ret = redis_fetch_value(fs->pool, k->db, k->key, k->len, RV_STRING, &text);
	if (!ret && text.items.count)
		p = rv_array_get(&text.items, 0, &len);
	if (!ret && len == 0)
		ret = key_type_mark(fs, k, want); /* no text yet: it decides when it comes */
	else if (!ret)
		ret = convert(fs, k, p, len, want);
	rv_value_free(&text);
	return ret;
}

/* A string's type set to a collection's converts it (key_type.h). */
static int set_type(struct rfs *fs, const struct fs_path *p, const char *value, size_t size)
{
	struct rfs_key k;
	int ret;

	ret = node_resolve(fs, p->db, p->name, &k);
	if (ret)
		return ret;
	ret = convert_type(fs, &k, value, size);
	/*
	 * Converted in Redis: a writer's unclosed text is of the new type too, or
	 * its close would write it back as a string. (An empty string's type waits
	 * in a mark that the writer's flush takes: key_type.h.)
	 */
	if (!ret && key_type_pending(fs, &k) == RV_NONE) {
		enum rv_type type = rv_type_parse(value, size);

		if (type != RV_STRING)
			file_type_changed(fs, k.db, k.key, k.len, type);
	}
	rfs_key_free(&k);
	return ret;
}

int xattr_set(struct rfs *fs, const struct rfs_node *n, const char *name, const char *value,
	      size_t size, int flags)
{
	int attr = attr_find(name);
	long long seconds;
	const struct fs_path *p = n->names;
	int ret;

	if (fs->read_only)
		return -EROFS; /* first: no name or value may lead to a command */
	if (!node_is_key(n->kind) || !attr_ours(name))
		return -ENOTSUP;
	if (attr != ATTR_TTL && attr != ATTR_TYPE)
		return -EPERM; /* length, encoding, memory: Redis's to say */
	if (flags & XATTR_CREATE)
		return -EEXIST; /* every key has a type and a TTL, -1 when it has none */
	if (attr == ATTR_TYPE)
		return set_type(fs, p, value, size);
	ret = xattr_parse_ttl(value, size, &seconds);
	return ret ? ret : set_ttl(fs, p, seconds);
}

int xattr_remove(struct rfs *fs, const struct rfs_node *n, const char *name)
{
	int attr = attr_find(name);
	const struct fs_path *p = n->names;

	if (fs->read_only)
		return -EROFS;
	if (!node_is_key(n->kind) || attr < 0)
		return -ENODATA;
	if (attr != ATTR_TTL)
		return -EPERM;
	/* a key without its TTL attribute is a key that does not expire */
	return set_ttl(fs, p, XATTR_TTL_PERSIST);
}
