/* namespace.c - key namespaces as folders (SPEC 8): user:1:name is db0/user:/1:/name. */
#include "namespace.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "render.h"

bool ns_entry(const char *rest, size_t len, const char *delim, size_t dlen,
	      char name[NAMES_MAX + 1], size_t *consumed)
{
	const char *d = dlen <= len ? memmem(rest, len, delim, dlen) : NULL;

	*consumed = d ? (size_t) (d - rest) + dlen : len;
	names_encode(rest, *consumed, name);
	return d != NULL;
}

/* A segment that a shortened component may stand for: its bytes and whether it is a folder. */
struct candidate {
	char *bytes;
	size_t len;
	bool folder;
};

/*
 * The segments below `prefix` whose names are exactly `comp` (a shortened
 * name), found by a SCAN of the keys that start with prefix + the decoded
 * part of the name. Counts distinct segments into *found, keeps the first.
 */
static int match_shortened(struct rfs *fs, int db, const struct render_buf *prefix,
			   const char *comp, const char *hashed_prefix, size_t hashed_len,
			   struct candidate *first, size_t *found)
{
	struct render_buf pattern = {0};
	struct rv_array keys = {0};
	char name[NAMES_MAX + 1];
	size_t len, consumed;
	int ret;

	ret = render_buf_append(&pattern, prefix->data, prefix->len);
	if (!ret)
		ret = render_buf_append(&pattern, hashed_prefix, hashed_len);
	if (!ret)
		ret = redis_scan_keys(fs->pool, db, pattern.data, pattern.len, &keys);
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &len);
		const char *rest = key + prefix->len;
		bool folder = ns_entry(rest, len - prefix->len, fs->delimiter, fs->delimiter_len,
				       name, &consumed);

		if (strcmp(name, comp) != 0)
			continue;
		if (*found && first->len == consumed && !memcmp(first->bytes, rest, consumed))
			continue; /* the same folder again, through another of its keys */
		if (!*found) {
			first->bytes = malloc(consumed ? consumed : 1);
			if (!first->bytes) {
				ret = -ENOMEM;
				break;
			}
			memcpy(first->bytes, rest, consumed);
			first->len = consumed;
			first->folder = folder;
		}
		(*found)++;
	}
	rv_array_free(&keys);
	render_buf_free(&pattern);
	return ret;
}

/* Classify a decoded canonical component: file (0), folder (1), or neither (-ENOENT). */
static int classify(struct rfs *fs, const char *bytes, size_t len)
{
	const char *d = fs->delimiter_len <= len
				? memmem(bytes, len, fs->delimiter, fs->delimiter_len)
				: NULL;

	if (!d)
		return 0;
	return (size_t) (d - bytes) + fs->delimiter_len == len ? 1 : -ENOENT;
}

/* Whether the literal reading of a component exists below `prefix`. */
static int literal_exists(struct rfs *fs, int db, struct render_buf *prefix, const char *bytes,
			  size_t len, bool folder, int *exists)
{
	size_t had = prefix->len;
	int ret = render_buf_append(prefix, bytes, len);

	*exists = 0;
	if (!ret && folder)
		*exists = ns_folder_exists(fs, db, prefix->data, prefix->len) == 0;
	else if (!ret)
		ret = redis_key_exists(fs->pool, db, prefix->data, prefix->len, exists);
	prefix->len = had;
	return ret;
}

/* Append to `prefix` the segment that component `comp` stands for. */
static int resolve_component(struct rfs *fs, int db, struct render_buf *prefix, const char *comp,
			     bool *folder)
{
	char hashed[NAMES_HASHED_KEEP], *bytes = malloc(strlen(comp) + 1);
	struct candidate first = {0};
	size_t hashed_len, found = 0;
	int kind, ret, exists = 0;
	uint64_t hash;
	ssize_t len;

	if (!bytes)
		return -ENOMEM;
	len = names_decode(comp, bytes);
	kind = len >= 0 ? classify(fs, bytes, (size_t) len) : -ENOENT;
	if (!names_parse_hashed(comp, hashed, &hashed_len, &hash)) {
		ret = kind < 0 ? kind : render_buf_append(prefix, bytes, (size_t) len);
		*folder = kind == 1;
		free(bytes);
		return ret;
	}
	/* a shortened name: the segments it names, and its literal reading */
	ret = match_shortened(fs, db, prefix, comp, hashed, hashed_len, &first, &found);
	if (!ret && kind >= 0)
		ret = literal_exists(fs, db, prefix, bytes, (size_t) len, kind == 1, &exists);
	if (!ret && found + (size_t) exists > 1) {
		fuse_log(FUSE_LOG_ERR, "redisfs: db%d '%s': several keys share this name\n", db,
			 comp);
		ret = -EIO;
	} else if (!ret && exists) {
		ret = render_buf_append(prefix, bytes, (size_t) len);
		*folder = kind == 1;
	} else if (!ret && found) {
		ret = render_buf_append(prefix, first.bytes, first.len);
		*folder = first.folder;
	} else if (!ret) {
		ret = -ENOENT;
	}
	free(first.bytes);
	free(bytes);
	return ret;
}

int ns_resolve(struct rfs *fs, int db, const char *rel, struct rfs_key *out, bool *folder)
{
	struct render_buf prefix = {0};
	const char *p = rel;
	char comp[NAMES_MAX + 1];
	int ret = 0;

	*folder = false;
	while (*p && !ret) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t) (slash - p) : strlen(p);

		if (n > NAMES_MAX || (!*folder && p != rel)) {
			ret = -ENOENT; /* only folders have something below them */
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		ret = resolve_component(fs, db, &prefix, comp, folder);
		p += n + (slash ? 1 : 0);
	}
	if (ret) {
		render_buf_free(&prefix);
		return ret;
	}
	out->db = db;
	out->key = prefix.data ? prefix.data : malloc(1);
	out->len = prefix.len;
	return out->key ? 0 : -ENOMEM;
}

int ns_folder_exists(struct rfs *fs, int db, const char *prefix, size_t len)
{
	int exists = 0;
	int ret = redis_prefix_exists(fs->pool, db, prefix, len, &exists);

	return ret ? ret : (exists ? 0 : -ENOENT);
}

int ns_remove(struct rfs *fs, int db, const char *prefix, size_t len)
{
	struct rv_array keys = {0};
	int ret;

	if (len == 0)
		return -EPERM; /* the whole database is rmdir dbN, with its own rules */
	ret = redis_scan_keys(fs->pool, db, prefix, len, &keys);
	if (!ret)
		ret = redis_unlink_many(fs->pool, db, &keys);
	rv_array_free(&keys);
	return ret;
}

void ns_mark_folders(struct rfs *fs, int db, const char *rel, bool self)
{
	size_t len = strlen(rel);

	for (size_t i = 1; i <= len; i++) {
		if ((i == len && self) || (i < len && rel[i] == '/'))
			ns_marks_put(&fs->ns_marks, db, rel, i);
	}
}

bool ns_folder_marked(struct rfs *fs, int db, const char *rel)
{
	return ns_marks_has(&fs->ns_marks, db, rel, strlen(rel));
}
