/* tree.c - what each path of the mount is and does: the logic behind the FUSE callbacks. */
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_batch.h"
#include "../backend/redis_keys.h"
#include "dir.h"
#include "file.h"
#include "key_times.h"
#include "emptying.h"
#include "ghost_tree.h"
#include "names.h"
#include "namespace.h"
#include "paths.h"

#define FILE_BLOCK_SIZE (1 << 20) /* st_blksize: reads of a big value come in 1 MiB ranges */
/*
 * A folder's st_blksize sizes glibc's readdir buffer (32 KiB at least, up to 1 MiB). With
 * 1 MiB every getdents was a READDIRPLUS of ~6,000 keys and ls -l of 100,000 keys took 6.9 s;
 * with 4 KiB, what disks and memfs say, 5.4 s. ls -f and rm -r did not change.
 */
#define DIR_BLOCK_SIZE 4096

int tree_parse(struct rfs *fs, const char *path, struct fs_path *p)
{
	int ret = paths_parse_nested(path, fs->db_count, fs->only_db, fs->ghosts != NULL,
				     fs->delimiter != NULL, p);

	return ret ? ret : ghost_tree_refine(fs, p); /* a keys rule's files: PATH_GHOST_KEY */
}

void tree_key_free(struct tree_key *k)
{
	free(k->key);
	k->key = NULL;
	k->len = 0;
}

void tree_key_changed(struct rfs *fs, int db, const char *key, size_t len)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	key_times_set(&fs->times, db, KEY_TIME_KEY, key, len, &now);
}

/* The folder a key shows in: its database (prefix ""), or its namespace's prefix. */
static size_t parent_prefix_len(const struct rfs *fs, const char *key, size_t len)
{
	size_t at = 0;

	if (!fs->delimiter || !fs->delimiter_len)
		return 0;
	for (size_t i = 0; i + fs->delimiter_len <= len; i++)
		if (!memcmp(key + i, fs->delimiter, fs->delimiter_len))
			at = i + fs->delimiter_len;
	/* a key that ends with the delimiter is the file '%' in its own folder (SPEC 8) */
	return at;
}

void tree_folder_changed(struct rfs *fs, int db, const char *prefix, size_t len)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	key_times_set(&fs->times, db, KEY_TIME_FOLDER, prefix, len, &now);
}

void tree_entry_changed(struct rfs *fs, int db, const char *key, size_t len, bool removed)
{
	if (removed)
		key_times_forget(&fs->times, db, KEY_TIME_KEY, key, len);
	else
		tree_key_changed(fs, db, key, len);
	tree_folder_changed(fs, db, key, parent_prefix_len(fs, key, len));
}

/* The time of the last change through the mount to a key or folder, if there was one. */
static void apply_time(struct rfs *fs, int db, enum key_time_kind kind, const char *bytes,
		       size_t len, struct stat *st)
{
	struct timespec when;

	if (!key_times_get(&fs->times, db, kind, bytes, len, &when))
		return;
	st->st_mtim = when;
	st->st_ctim = when;
	st->st_atim = when;
}

/* Log a key for a human: its file name, which is printable by construction. */
static void log_key(int level, int db, const char *key, size_t len, const char *what)
{
	char name[NAMES_MAX + 1];

	names_encode(key, len, name);
	fuse_log(level, "redisfs: db%d '%s': %s\n", db, name, what);
}

/*
 * The keys that a shortened name stands for: those whose own name is exactly
 * `name`, and the short key that reads literally as it, when it exists.
 */
static int resolve_shortened(struct rfs *fs, int db, const char *name, const char *prefix,
			     size_t prefix_len, char *literal, ssize_t literal_len,
			     struct tree_key *out)
{
	struct rv_array keys = {0};
	char encoded[NAMES_MAX + 1];
	size_t found = 0, which = 0, len;
	int ret, exists = 0;

	ret = redis_scan_keys(fs->pool, db, prefix, prefix_len, &keys);
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &len);

		if (names_encoded_len(key, len) <= NAMES_MAX)
			continue;
		names_encode(key, len, encoded);
		if (strcmp(encoded, name) == 0) {
			found++;
			which = i;
		}
	}
	if (!ret && literal_len >= 0)
		ret = redis_key_exists(fs->pool, db, literal, (size_t) literal_len, &exists);
	if (ret)
		goto out;
	if (found + (size_t) exists > 1) {
		/* never pick one of two keys: an rm could remove the wrong one */
		fuse_log(FUSE_LOG_ERR, "redisfs: db%d '%s': %zu keys share this name\n", db, name,
			 found + (size_t) exists);
		ret = -EIO;
	} else if (exists) {
		out->key = literal;
		out->len = (size_t) literal_len;
		literal = NULL;
	} else if (found) {
		const char *key = rv_array_get(&keys, which, &len);

		out->key = malloc(len ? len : 1);
		if (!out->key)
			ret = -ENOMEM;
		else
			memcpy(out->key, key, len);
		out->len = len;
	} else {
		ret = -ENOENT;
	}
out:
	free(literal);
	rv_array_free(&keys);
	return ret;
}

int tree_resolve(struct rfs *fs, int db, const char *name, struct tree_key *out)
{
	char prefix[NAMES_HASHED_KEEP];
	size_t prefix_len;
	ssize_t literal_len;
	uint64_t hash;
	char *literal;
	bool folder;
	int ret;

	if (fs->delimiter) {
		ret = ns_resolve(fs, db, name, out, &folder);
		if (!ret && folder) {
			tree_key_free(out);
			ret = -EISDIR;
		}
		return ret;
	}
	out->db = db;
	out->key = NULL;
	out->len = 0;
	literal = malloc(strlen(name) + 1);
	if (!literal)
		return -ENOMEM;
	literal_len = names_decode(name, literal);
	if (names_parse_hashed(name, prefix, &prefix_len, &hash))
		return resolve_shortened(fs, db, name, prefix, prefix_len, literal, literal_len,
					 out);
	if (literal_len < 0) {
		free(literal);
		return -ENOENT; /* not the canonical name of any key */
	}
	out->key = literal;
	out->len = (size_t) literal_len;
	return 0;
}

int tree_render_key(struct rfs *fs, const struct tree_key *k, enum rv_type type,
		    struct render_buf *text)
{
	struct rv_value value = {0};
	int ret;

	ret = redis_fetch_value(fs->pool, k->db, k->key, k->len, type, &value);
	if (!ret)
		ret = render_value(&value, text);
	rv_value_free(&value);
	return ret;
}

static void fill_common(struct rfs *fs, struct stat *st)
{
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	pthread_mutex_lock(&fs->changed_lock);
	st->st_mtim = fs->changed;
	pthread_mutex_unlock(&fs->changed_lock);
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

void tree_stat_dir(struct rfs *fs, struct stat *st)
{
	memset(st, 0, sizeof *st);
	fill_common(fs, st);
	st->st_mode = S_IFDIR | ((fs->read_only ? 0555 : 0755) & ~fs->umask);
	st->st_nlink = 2;
	st->st_blksize = DIR_BLOCK_SIZE;
}

void tree_stat_file(struct rfs *fs, struct stat *st, size_t size, mode_t perm)
{
	memset(st, 0, sizeof *st);
	fill_common(fs, st);
	st->st_mode = S_IFREG | ((fs->read_only ? (perm & 0444) : perm) & ~fs->umask);
	st->st_nlink = 1;
	st->st_blksize = FILE_BLOCK_SIZE;
	st->st_size = (off_t) size;
	st->st_blocks = (blkcnt_t) ((size + 511) / 512);
}

static void stat_from_info(struct rfs *fs, const struct attr_info *info, struct stat *st)
{
	if (!info->status)
		tree_stat_file(fs, st, info->size, info->type == RV_STREAM ? 0444 : 0644);
	else /* libfuse sends a negative lookup's attributes too: no stack bytes in them */
		memset(st, 0, sizeof *st);
}

int tree_stat_open_key(struct rfs *fs, struct open_key *ok, struct stat *st)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&ok->lock);
	if (ok->loaded) {
		tree_stat_file(fs, st, ok->text.len, 0644);
		apply_time(fs, ok->db, KEY_TIME_KEY, ok->key, ok->len, st);
		if (ok->unlinked)
			st->st_nlink = 0; /* open but removed, as POSIX has it */
		ret = 0;
	}
	pthread_mutex_unlock(&ok->lock);
	return ret;
}

int tree_getattr_removed(struct rfs *fs, uint64_t ino, struct stat *st)
{
	struct open_key *ok = open_keys_find_ino(&fs->open_keys, ino);
	int ret = ok ? tree_stat_open_key(fs, ok, st) : -ENOENT;

	open_keys_put(&fs->open_keys, ok);
	return ret;
}

/* stat of a key from its open state, when a descriptor holds its bytes: -ENOENT when none does. */
static int stat_open(struct rfs *fs, int db, const char *key, size_t len, struct stat *st)
{
	struct open_key *ok = open_keys_find(&fs->open_keys, db, key, len);
	int ret = ok ? tree_stat_open_key(fs, ok, st) : -ENOENT;

	open_keys_put(&fs->open_keys, ok);
	return ret;
}

/* Values whose sizes are computed per batch: collections need their text measured. */
static bool needs_value(enum rv_type type)
{
	return type == RV_LIST || type == RV_SET || type == RV_ZSET || type == RV_HASH ||
	       type == RV_STREAM;
}

int tree_stat_keys(struct rfs *fs, const struct redis_batch *b, struct stat *st, int *status)
{
	size_t n = b->count ? b->count : 1;
	enum rv_type *types = calloc(n, sizeof *types);
	size_t *lengths = calloc(n, sizeof *lengths);
	struct rv_value *values = calloc(n, sizeof *values);
	/* a change through the mount while this batch is on its way makes its answers old */
	uint64_t epoch = attr_cache_epoch(&fs->attrs);
	int ret = -ENOMEM;

	if (!types || !lengths || !values)
		goto out;
	/* three round trips for the whole batch: types, lengths, small collections */
	ret = redis_batch_types(fs->pool, b, types);
	if (!ret)
		ret = redis_batch_lengths(fs->pool, b, types, lengths);
	for (size_t i = 0; !ret && i < b->count; i++) {
		if (!needs_value(types[i]))
			lengths[i] = types[i] == RV_STRING ? lengths[i] : 0;
	}
	if (!ret) {
		enum rv_type *wanted = malloc(n * sizeof *wanted);

		if (!wanted) {
			ret = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < b->count; i++)
			wanted[i] = needs_value(types[i]) ? types[i] : RV_NONE;
		ret = redis_batch_values(fs->pool, b, wanted, lengths, values);
		free(wanted);
	}
	for (size_t i = 0; !ret && i < b->count; i++) {
		struct attr_info info = {
			.status = types[i] == RV_NONE ? -ENOENT : 0,
			.type = types[i],
			.size = needs_value(types[i]) ? render_value_size(&values[i]) : lengths[i],
		};

		status[i] = info.status;
		stat_from_info(fs, &info, &st[i]);
		apply_time(fs, b->db, KEY_TIME_KEY, b->keys[i], b->lens[i], &st[i]);
		attr_cache_put_since(&fs->attrs, epoch, b->db, b->keys[i], b->lens[i], &info);
		if (stat_open(fs, b->db, b->keys[i], b->lens[i], &st[i]) == 0)
			status[i] = 0; /* an open descriptor's bytes, not yet in Redis */
	}
out:
	for (size_t i = 0; values && i < b->count; i++)
		rv_value_free(&values[i]);
	free(types);
	free(lengths);
	free(values);
	return ret;
}

int tree_stat_listed(struct rfs *fs, struct listing *l, size_t first, size_t max, struct stat *st,
		     int *status, size_t *got)
{
	const char **keys = malloc((max ? max : 1) * sizeof *keys);
	size_t *lens = malloc((max ? max : 1) * sizeof *lens);
	struct redis_batch b = {.db = l->db, .keys = keys, .lens = lens};
	struct rv_array copy = {0}; /* a scan may move the listing's keys meanwhile */
	int ret = -ENOMEM;

	*got = 0;
	if (keys && lens && !listing_copy(l, first, max, &copy)) {
		for (b.count = 0; b.count < copy.count; b.count++)
			keys[b.count] = rv_array_get(&copy, b.count, &lens[b.count]);
		ret = tree_stat_keys(fs, &b, st, status);
		*got = b.count;
	}
	rv_array_free(&copy);
	free(keys);
	free(lens);
	return ret;
}

/*
 * Keys after a looked-up one whose attributes come along: rm -r and find look
 * every file up in listing order, and a batch costs three round trips plus
 * two commands a key, so a bigger batch spreads the round trips thinner
 * (rm -r of 100,000 keys: 9.3 µs of a lookup's time at 64, 6.5 at 256).
 */
#define LOOKAHEAD 256

/* stat of the key at position `at` of listing `l`, fetched with the LOOKAHEAD keys from it on. */
static int stat_ahead(struct rfs *fs, struct listing *l, size_t at, struct stat *st)
{
	struct stat *ahead = malloc(LOOKAHEAD * sizeof *ahead);
	int *status = malloc(LOOKAHEAD * sizeof *status);
	size_t got;
	int ret = -ENOMEM;

	if (ahead && status)
		ret = tree_stat_listed(fs, l, at, LOOKAHEAD, ahead, status, &got);
	/* a missing key leaves its stat unset: the kernel gets the caller's, zeroed */
	if (!ret && !status[0])
		*st = ahead[0];
	if (!ret)
		ret = status[0];
	free(ahead);
	free(status);
	return ret;
}

/*
 * stat of one key: what an open descriptor holds, else from the attribute cache, else with the keys
 * that follow it in its database's recent listing (find, du and `stat *` look up every file of a
 * folder in turn: one round trip per batch, not per file).
 */
int tree_stat_key(struct rfs *fs, const struct tree_key *k, struct stat *st)
{
	const char *keys[] = {k->key};
	struct redis_batch b = {.db = k->db, .count = 1, .keys = keys, .lens = &k->len};
	struct attr_info info;
	struct listing *l;
	int status, ret;
	long at;

	if (stat_open(fs, k->db, k->key, k->len, st) == 0)
		return 0;
	if (attr_cache_get(&fs->attrs, k->db, k->key, k->len, &info)) {
		stat_from_info(fs, &info, st);
		apply_time(fs, k->db, KEY_TIME_KEY, k->key, k->len, st);
		return info.status;
	}
	l = dir_recent_listing(fs, k->db);
	at = l ? listing_find(l, k->key, k->len) : -1;
	if (at >= 0) {
		ret = stat_ahead(fs, l, (size_t) at, st);
	} else {
		ret = tree_stat_keys(fs, &b, st, &status);
		if (!ret)
			ret = status;
	}
	listing_put(l);
	return ret;
}

void tree_forget(struct rfs *fs, int db, const char *key, size_t len)
{
	attr_cache_forget(&fs->attrs, db, key, len);
}

/* A namespace folder exists while some key has its prefix (SPEC 8). */
static int stat_namespace(struct rfs *fs, const struct fs_path *p, struct stat *st)
{
	struct tree_key prefix = {0};
	bool folder;
	int ret;

	ret = ns_resolve(fs, p->db, p->name, &prefix, &folder);
	if (!ret) {
		ret = ns_folder_exists(fs, p->db, prefix.key, prefix.len);
		/* emptied through the mount a moment ago: rm -r rmdirs it next */
		if (ret == -ENOENT &&
		    emptying_removed_some(fs->emptying, p->db, prefix.key, prefix.len))
			ret = 0;
	}
	if (ret == -ENOENT && ns_folder_marked(fs, p->db, p->name))
		ret = 0; /* emptied through the mount a moment ago: rm -r rmdirs it next */
	if (!ret) {
		tree_stat_dir(fs, st);
		apply_time(fs, p->db, KEY_TIME_FOLDER, prefix.key, prefix.len, st);
	}
	tree_key_free(&prefix);
	return ret;
}

/*
 * rmdir of a namespace folder (SPEC 5, 8): at the end of an rm -r (emptying.h)
 * the keys still under it go, those other clients added meanwhile too;
 * otherwise a folder that holds keys is ENOTEMPTY and nothing is removed.
 */
static int rmdir_namespace(struct rfs *fs, const struct fs_path *p)
{
	struct tree_key prefix = {0};
	bool folder = true;
	int ret, exists = 0;

	if (fs->read_only)
		return -EROFS;
	ret = ns_resolve(fs, p->db, p->name, &prefix, &folder);
	if (ret == -ENOENT && ns_folder_marked(fs, p->db, p->name))
		return 0; /* a shortened name whose keys are gone already: nothing to remove */
	if (!ret && !folder)
		ret = -ENOTDIR;
	if (ret)
		goto out;
	if (emptying_done(fs->emptying, p->db, prefix.key, prefix.len)) {
		ret = ns_remove(fs, p->db, prefix.key, prefix.len);
		key_type_forget_prefix(fs, p->db, prefix.key, prefix.len);
	} else {
		ret = redis_prefix_exists(fs->pool, p->db, prefix.key, prefix.len, &exists);
		if (!ret && exists)
			ret = -ENOTEMPTY;
	}
	if (!ret) {
		attr_cache_forget_db(&fs->attrs, p->db);
		ns_mark_folders(fs, p->db, p->name, false); /* the parents, for rm -r */
		emptying_folder_removed(fs->emptying, p->db, prefix.key, prefix.len);
		/* the folder it showed in: the prefix without its last delimiter */
		tree_folder_changed(fs, p->db, prefix.key,
				    parent_prefix_len(fs, prefix.key,
						      prefix.len - fs->delimiter_len));
	}
out:
	tree_key_free(&prefix);
	return ret;
}

/*
 * rmdir of a database folder (SPEC 5): FLUSHDB ASYNC at the end of an rm -r,
 * which takes the keys other clients added meanwhile too; 0 for a database
 * with no key; otherwise ENOTEMPTY and nothing is removed. The folder stays.
 */
static int rmdir_database(struct rfs *fs, int db)
{
	int ret, exists = 0;

	if (fs->noflush)
		return -EPERM;
	if (emptying_done(fs->emptying, db, NULL, 0)) {
		ret = redis_flush_database(fs->pool, db);
		key_type_forget_prefix(fs, db, "", 0);
		attr_cache_forget_db(&fs->attrs, db);
	} else {
		ret = redis_prefix_exists(fs->pool, db, NULL, 0, &exists);
		if (!ret && exists)
			ret = -ENOTEMPTY;
	}
	if (!ret) {
		emptying_folder_removed(fs->emptying, db, NULL, 0);
		tree_folder_changed(fs, db, "", 0);
	}
	return ret;
}

int tree_getattr(struct rfs *fs, const char *path, struct stat *st)
{
	struct tree_key k;
	struct fs_path p;
	int ret;

	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if (p.kind >= PATH_GHOSTS)
		return ghost_tree_getattr(fs, &p, st);
	if (p.kind != PATH_KEY) {
		tree_stat_dir(fs, st);
		if (p.kind == PATH_DB)
			apply_time(fs, p.db, KEY_TIME_FOLDER, "", 0, st);
		return 0;
	}
	ret = tree_resolve(fs, p.db, p.name, &k);
	if (ret == -EISDIR)
		return stat_namespace(fs, &p, st);
	if (ret)
		return ret;
	ret = tree_stat_key(fs, &k, st);
	tree_key_free(&k);
	return ret;
}

int tree_refuse_change(struct rfs *fs, const char *path, int err)
{
	(void) path;
	return fs->read_only ? -EROFS : err;
}

int tree_unlink(struct rfs *fs, const char *path)
{
	struct tree_key k;
	struct fs_path p;
	int ret;

	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if (p.kind != PATH_KEY && p.kind != PATH_GHOST_MEMBER && p.kind != PATH_GHOST_KEY)
		return -EISDIR;
	if (fs->read_only)
		return -EROFS;
	if (p.kind == PATH_GHOST_MEMBER || p.kind == PATH_GHOST_KEY)
		return ghost_tree_unlink(fs, &p);
	ret = tree_resolve(fs, p.db, p.name, &k);
	if (ret)
		return ret;
	ret = file_keep_bytes(fs, k.db, k.key, k.len);
	if (!ret)
		ret = redis_unlink(fs->pool, k.db, k.key, k.len);
	if (!ret) /* no close of a descriptor brings it back */
		open_keys_unlinked(&fs->open_keys, k.db, k.key, k.len);
	key_type_forget(fs, k.db, k.key, k.len);
	tree_forget(fs, k.db, k.key, k.len);
	if (!ret || ret == -ENOENT) /* gone either way: one fewer for its folder's rmdir */
		emptying_key_removed(fs->emptying, k.db, k.key, k.len);
	if (fs->delimiter && (!ret || ret == -ENOENT))
		ns_mark_folders(fs, p.db, p.name, false);
	if (!ret)
		tree_entry_changed(fs, k.db, k.key, k.len, true);
	else if (ret != -ENOENT)
		log_key(FUSE_LOG_ERR, k.db, k.key, k.len, "cannot remove");
	tree_key_free(&k);
	return ret;
}

int tree_rmdir(struct rfs *fs, const char *path)
{
	struct fs_path p;
	int ret;

	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if (p.kind == PATH_KEY && fs->delimiter)
		return rmdir_namespace(fs, &p);
	if (p.kind == PATH_KEY || p.kind == PATH_GHOST_MEMBER || p.kind == PATH_GHOST_KEY)
		return -ENOTDIR;
	if (p.kind == PATH_ROOT)
		return -EBUSY;
	if (fs->read_only)
		return -EROFS;
	if (p.kind >= PATH_GHOSTS)
		return ghost_tree_rmdir(fs, &p); /* removes nothing: 0 or ENOTEMPTY */
	return rmdir_database(fs, p.db);
}
