/* tree.c - what each path of the mount is and does: the logic behind the FUSE callbacks. */
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_log.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "ghost_tree.h"
#include "names.h"
#include "paths.h"

#define BLOCK_SIZE (1 << 20) /* st_blksize: reads of a big value come in 1 MiB ranges */

int tree_parse(struct rfs *fs, const char *path, struct fs_path *p)
{
	return paths_parse(path, fs->db_count, fs->only_db, fs->ghosts != NULL, p);
}

void tree_key_free(struct tree_key *k)
{
	free(k->key);
	k->key = NULL;
	k->len = 0;
}

void tree_mark_changed(struct rfs *fs)
{
	pthread_mutex_lock(&fs->changed_lock);
	clock_gettime(CLOCK_REALTIME, &fs->changed);
	pthread_mutex_unlock(&fs->changed_lock);
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
	st->st_blksize = BLOCK_SIZE;
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
	st->st_mode = S_IFDIR | (fs->read_only ? 0555 : 0755);
	st->st_nlink = 2;
}

void tree_stat_file(struct rfs *fs, struct stat *st, size_t size, mode_t perm)
{
	memset(st, 0, sizeof *st);
	fill_common(fs, st);
	st->st_mode = S_IFREG | (fs->read_only ? (perm & 0444) : perm);
	st->st_nlink = 1;
	st->st_size = (off_t) size;
	st->st_blocks = (blkcnt_t) ((size + 511) / 512);
}

/* The size of what read() returns for a key of this type. */
static int value_size(struct rfs *fs, const struct tree_key *k, enum rv_type type, size_t *size)
{
	struct render_buf text = {0};
	int ret;

	if (type == RV_STRING)
		return redis_string_length(fs->pool, k->db, k->key, k->len, size);
	ret = tree_render_key(fs, k, type, &text);
	*size = text.len;
	render_buf_free(&text);
	return ret;
}

static int stat_key(struct rfs *fs, const struct tree_key *k, struct stat *st)
{
	enum rv_type type;
	size_t size = 0;
	int ret;

	ret = redis_key_type(fs->pool, k->db, k->key, k->len, &type);
	if (!ret && type == RV_NONE)
		ret = -ENOENT;
	if (!ret)
		ret = value_size(fs, k, type, &size);
	if (ret)
		return ret;
	tree_stat_file(fs, st, size, type == RV_STREAM ? 0444 : 0644);
	return 0;
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
		return 0;
	}
	ret = tree_resolve(fs, p.db, p.name, &k);
	if (ret)
		return ret;
	ret = stat_key(fs, &k, st);
	tree_key_free(&k);
	return ret;
}

/* Push a NUL-terminated name, terminator included, so entries can be handed out as is. */
int tree_push_name(struct rv_array *names, const char *name)
{
	return rv_array_push(names, name, strlen(name) + 1);
}

static int list_database(struct rfs *fs, int db, struct rv_array *names)
{
	struct rv_array keys = {0};
	char name[NAMES_MAX + 1];
	size_t len;
	int ret;

	ret = redis_scan_keys(fs->pool, db, NULL, 0, &keys);
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &len);

		names_encode(key, len, name);
		ret = tree_push_name(names, name);
	}
	rv_array_free(&keys);
	/* keys are unique, names too but for shortened collisions: list those once */
	return ret ? ret : rv_array_sort_unique(names);
}

int tree_opendir(struct rfs *fs, const char *path, struct tree_dir **out)
{
	struct tree_dir *dir;
	struct fs_path p;
	char name[16];
	int ret;

	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if (p.kind == PATH_KEY || p.kind == PATH_GHOST_MEMBER)
		return -ENOTDIR;
	dir = calloc(1, sizeof *dir);
	if (!dir)
		return -ENOMEM;
	if (p.kind >= PATH_GHOSTS) {
		ret = ghost_tree_list(fs, &p, dir);
	} else if (p.kind == PATH_ROOT) {
		dir->type = S_IFDIR;
		for (int db = 0; !ret && db < fs->db_count; db++) {
			if (fs->only_db >= 0 && db != fs->only_db)
				continue;
			snprintf(name, sizeof name, "db%d", db);
			ret = tree_push_name(&dir->names, name);
		}
		if (!ret && fs->ghosts)
			ret = tree_push_name(&dir->names, PATHS_GHOSTS);
	} else {
		dir->type = S_IFREG;
		ret = list_database(fs, p.db, &dir->names);
	}
	if (ret) {
		/* a partial listing must never look complete */
		tree_closedir(dir);
		return ret;
	}
	*out = dir;
	return 0;
}

void tree_closedir(struct tree_dir *dir)
{
	if (!dir)
		return;
	rv_array_free(&dir->names);
	free(dir);
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
	if (p.kind != PATH_KEY && p.kind != PATH_GHOST_MEMBER)
		return -EISDIR;
	if (fs->read_only)
		return -EROFS;
	if (p.kind == PATH_GHOST_MEMBER) {
		ret = ghost_tree_unlink(fs, &p);
		if (!ret)
			tree_mark_changed(fs);
		return ret;
	}
	ret = tree_resolve(fs, p.db, p.name, &k);
	if (ret)
		return ret;
	ret = redis_unlink(fs->pool, k.db, k.key, k.len);
	if (!ret)
		tree_mark_changed(fs);
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
	if (p.kind == PATH_KEY || p.kind == PATH_GHOST_MEMBER)
		return -ENOTDIR;
	if (p.kind == PATH_ROOT)
		return -EBUSY;
	if (fs->read_only)
		return -EROFS;
	if (p.kind >= PATH_GHOSTS) {
		ret = ghost_tree_rmdir(fs, &p);
		if (!ret)
			tree_mark_changed(fs);
		return ret;
	}
	if (fs->noflush)
		return -EPERM;
	ret = redis_flush_database(fs->pool, p.db);
	if (!ret)
		tree_mark_changed(fs);
	return ret;
}
