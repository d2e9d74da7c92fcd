/* rename.c - mv within and across databases (SPEC 5): RENAME, COPY+UNLINK, text into a collection.
 */
#include "rename.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_write.h"
#include "changes.h"
#include "collection_text.h"
#include "file.h"
#include "node.h"

/* The target of a rename: a canonical name (it may not exist yet) or an existing shortened one. */
static int resolve_target(struct rfs *fs, const struct fs_path *p, struct rfs_key *k)
{
	int ret = node_resolve(fs, p->db, p->name, k);

	/* a non-canonical name, or a shortened one that names no key, says no key to make */
	return ret == -ENOENT ? -EINVAL : ret;
}

/* Parse the string `src` as text of the target's type and write it over the target. */
static int string_into_collection(struct rfs *fs, const struct rfs_key *src,
				  const struct rfs_key *dst, enum rv_type dst_type)
{
	struct rv_value text = {0};
	const char *p = NULL;
	size_t len = 0;
	int ret;

	ret = redis_fetch_value(fs->pool, src->db, src->key, src->len, RV_STRING, &text);
	if (!ret && text.items.count)
		p = rv_array_get(&text.items, 0, &len);
	if (!ret)
		ret = collection_text_write(fs, dst, dst_type, p, len, "not replaced", NULL);
	/* the target holds the text now: a failure here leaves both, never neither */
	if (!ret)
		ret = redis_unlink(fs->pool, src->db, src->key, src->len);
	rv_value_free(&text);
	return ret;
}

/* The TTL a same-database RENAME should leave on the target: its own, when the source has none. */
static int inherited_pttl(struct rfs *fs, const struct rfs_key *src, const struct rfs_key *dst,
			  long long *pttl)
{
	long long src_pttl = -1;
	int ret;

	*pttl = -1;
	ret = redis_pttl(fs->pool, src->db, src->key, src->len, &src_pttl);
	if (ret || src_pttl >= 0)
		return ret;
	ret = redis_pttl(fs->pool, dst->db, dst->key, dst->len, pttl);
	return ret == -ENOENT ? 0 : ret;
}

static int rename_resolved(struct rfs *fs, const struct rfs_key *src, const struct rfs_key *dst,
			   bool noreplace)
{
	enum rv_type src_type, dst_type;
	long long pttl = -1;
	int ret;

	ret = redis_key_type(fs->pool, src->db, src->key, src->len, &src_type);
	if (!ret && src_type == RV_NONE)
		ret = -ENOENT;
	if (!ret)
		ret = redis_key_type(fs->pool, dst->db, dst->key, dst->len, &dst_type);
	if (ret)
		return ret;
	if (noreplace && dst_type != RV_NONE)
		return -EEXIST;
	if (src->db == dst->db && src->len == dst->len && !memcmp(src->key, dst->key, src->len))
		return 0; /* rename(2) of a name onto itself does nothing */
	if (src_type == RV_STRING && collection_type(dst_type))
		return string_into_collection(fs, src, dst, dst_type);
	if (src->db != dst->db)
		return redis_move(fs->pool, src->db, src->key, src->len, dst->db, dst->key,
				  dst->len, noreplace);
	if (dst_type != RV_NONE)
		ret = inherited_pttl(fs, src, dst, &pttl);
	return ret ? ret
		   : redis_rename(fs->pool, src->db, src->key, src->len, dst->key, dst->len,
				  noreplace, pttl);
}

/*
 * The key was renamed: its descriptors now write to the new name, with the
 * type the target has now (a string renamed over a hash became the hash),
 * and a descriptor of the name replaced keeps its bytes and writes nowhere.
 */
static int follow_open_key(struct rfs *fs, const struct rfs_key *src, const struct rfs_key *dst)
{
	struct open_key *ok;
	enum rv_type type;
	int ret;

	ret = open_keys_renamed(&fs->open_keys, src->db, src->key, src->len, dst->db, dst->key,
				dst->len);
	ok = ret ? NULL : open_keys_find(&fs->open_keys, dst->db, dst->key, dst->len);
	if (!ok)
		return ret;
	if (!redis_key_type(fs->pool, dst->db, dst->key, dst->len, &type) && type != RV_NONE) {
		pthread_mutex_lock(&ok->lock);
		ok->type = type;
		pthread_mutex_unlock(&ok->lock);
	}
	open_keys_put(&fs->open_keys, ok);
	return 0;
}

int rename_key(struct rfs *fs, const struct rfs_node *parent, const char *name,
	       const struct rfs_node *newparent, const char *newname, unsigned int flags)
{
	struct rfs_key src = {0}, dst = {0};
	struct fs_path pf, pt;
	struct rfs_node from = {.names = &pf}, to = {.names = &pt};
	int ret;

	ret = node_name(fs, parent, name, &from);
	if (!ret && pf.kind != PATH_KEY)
		ret = -EPERM; /* folders and ghosts are not renamed, whatever the target */
	if (!ret)
		ret = node_name(fs, newparent, newname, &to);
	if (ret == -ENOENT && newparent->kind == NODE_ROOT)
		ret = -EACCES; /* a key cannot live outside a dbN folder */
	if (ret)
		return fs->read_only ? -EROFS : ret;
	if (fs->read_only)
		return -EROFS;
	if (pt.kind != PATH_KEY)
		return pt.kind == PATH_ROOT || pt.kind == PATH_DB ? -EPERM : -EACCES;
	if (flags & ~(unsigned int) RENAME_NOREPLACE)
		return -EINVAL;
	/* both resolved again: a shortened name may be shared by a key made since */
	ret = node_resolve(fs, pf.db, pf.name, &src);
	if (!ret)
		ret = resolve_target(fs, &pt, &dst);
	if (ret == -EISDIR)
		ret = -EPERM; /* namespace folders are not renamed (SPEC 8) */
	/* descriptors of either name go on with their own bytes (POSIX) */
	if (!ret)
		ret = file_keep_bytes(fs, src.db, src.key, src.len);
	if (!ret)
		ret = file_keep_bytes(fs, dst.db, dst.key, dst.len);
	if (!ret)
		ret = rename_resolved(fs, &src, &dst, flags & RENAME_NOREPLACE);
	if (!ret)
		ret = follow_open_key(fs, &src, &dst);
	if (!ret) {
		change_done(fs, CHANGE_MOVED_AWAY, &src);
		change_done(fs, CHANGE_MOVED_IN, &dst);
	} else {
		if (src.key)
			change_done(fs, CHANGE_UNSURE, &src);
		if (dst.key)
			change_done(fs, CHANGE_UNSURE, &dst);
	}
	rfs_key_free(&src);
	rfs_key_free(&dst);
	return ret;
}
