/* file.c - open files: reads in ranges, write buffers, and the commit at close (SPEC 4, 5). */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_log.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_write.h"
#include "ghost_tree.h"
#include "key_type.h"
#include "names.h"
#include "namespace.h"
#include "parse.h"

static bool is_collection(enum rv_type type)
{
	return type == RV_LIST || type == RV_SET || type == RV_ZSET || type == RV_HASH;
}

static struct file *file_new(void)
{
	struct file *f = calloc(1, sizeof *f);

	if (f)
		pthread_mutex_init(&f->lock, NULL);
	return f;
}

static void file_free(struct file *f)
{
	tree_key_free(&f->key);
	render_buf_free(&f->text);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* The whole content of a key as its file shows it, appended to `text`. */
static int load_content(struct rfs *fs, const struct tree_key *k, enum rv_type type,
			struct render_buf *text)
{
	struct rv_value value = {0};
	const char *p;
	size_t len;
	int ret;

	if (type != RV_STRING)
		return tree_render_key(fs, k, type, text);
	ret = redis_fetch_value(fs->pool, k->db, k->key, k->len, type, &value);
	if (!ret && value.items.count) {
		p = rv_array_get(&value.items, 0, &len);
		ret = render_buf_append(text, p, len);
	}
	rv_value_free(&value);
	return ret;
}

/* Write `text` as the value of a key of type `type` (see file_flush). */
static int commit(struct rfs *fs, const struct tree_key *k, enum rv_type type, const char *text,
		  size_t len)
{
	struct rv_value value = {0};
	char err[256], name[NAMES_MAX + 1];
	long long pttl = -1;
	bool emptied = false;
	int ret;

	if (type == RV_STRING) {
		ret = redis_write_string(fs->pool, k->db, k->key, k->len, text, len);
	} else {
		ret = parse_value(type, text, len, &value, err, sizeof err);
		if (ret == -EINVAL) {
			names_encode(k->key, k->len, name);
			fuse_log(FUSE_LOG_ERR,
				 "redisfs: db%d '%s': not written, the %s text has %s\n", k->db,
				 name, rv_type_name(type), err);
		}
		if (!ret) {
			ret = redis_pttl(fs->pool, k->db, k->key, k->len, &pttl);
			if (ret == -ENOENT)
				ret = 0; /* removed meanwhile: written anew, without a TTL */
		}
		if (!ret)
			ret = redis_write_collection(fs->pool, k->db, k->key, k->len, &value, pttl);
		emptied = !ret && value.items.count == 0;
		rv_value_free(&value);
	}
	tree_forget(fs, k->db, k->key, k->len);
	if (emptied) {
		/*
		 * No lines removed the key; the file was just truncated, so for
		 * cache_timeout it shows as empty rather than gone (truncate(2) stats it
		 * right after, and must not fail with ENOENT for a change it made).
		 */
		struct attr_info info = {.status = 0, .type = type, .size = 0};

		attr_cache_put(&fs->attrs, k->db, k->key, k->len, &info);
	}
	if (!ret)
		tree_mark_changed(fs);
	return ret;
}

/* Resolve a key path and its type; -ENOENT when it does not exist. */
static int resolve_typed(struct rfs *fs, const struct fs_path *p, struct tree_key *k,
			 enum rv_type *type)
{
	int ret = tree_resolve(fs, p->db, p->name, k);

	if (!ret)
		ret = redis_key_type(fs->pool, p->db, k->key, k->len, type);
	if (!ret && *type == RV_NONE)
		ret = -ENOENT;
	return ret;
}

static int open_ghost(struct rfs *fs, const struct fs_path *p, int flags, struct file *f)
{
	if ((flags & O_ACCMODE) != O_RDONLY)
		return fs->read_only ? -EROFS : -EACCES;
	f->type = RV_OTHER;
	return ghost_tree_read_member(fs, p, &f->text);
}

/* Prepare a handle opened for writing: its content, unless O_TRUNC empties it. */
static int open_for_writing(struct rfs *fs, struct file *f, int flags)
{
	if (fs->read_only)
		return -EROFS;
	if (!is_collection(f->type) && f->type != RV_STRING)
		return -EACCES; /* streams and module types cannot be written as text */
	f->writable = true;
	if (!(flags & O_TRUNC))
		return load_content(fs, &f->key, f->type, &f->text);
	if (f->type == RV_STRING)
		return commit(fs, &f->key, f->type, "", 0);
	f->pending_trunc = true;
	return 0;
}

int file_open(struct rfs *fs, const char *path, int flags, struct file **out)
{
	struct fs_path p;
	struct file *f;
	int ret;

	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if (p.kind != PATH_KEY && p.kind != PATH_GHOST_MEMBER)
		return -EISDIR;
	f = file_new();
	if (!f)
		return -ENOMEM;
	if (p.kind == PATH_GHOST_MEMBER)
		ret = open_ghost(fs, &p, flags, f);
	else
		ret = resolve_typed(fs, &p, &f->key, &f->type);
	if (!ret && p.kind == PATH_KEY) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			ret = open_for_writing(fs, f, flags);
		else if (f->type == RV_STRING)
			f->ranged = true;
		else
			ret = tree_render_key(fs, &f->key, f->type, &f->text);
	}
	if (ret) {
		file_free(f);
		return ret;
	}
	*out = f;
	return 0;
}

bool file_direct_io(const struct file *f)
{
	return f->writable || !f->ranged;
}

/*
 * The key a new file's path names: its canonical, unshortened name below
 * the database (or below a namespace folder, whose prefix comes first).
 * -EINVAL for a name that says no key (SPEC 3), or holds the delimiter.
 */
static int new_key(struct rfs *fs, const struct fs_path *p, struct tree_key *k)
{
	const char *last = strrchr(p->name, '/');
	char hashed[NAMES_HASHED_KEEP], *bytes;
	struct tree_key parent = {0};
	size_t hashed_len;
	bool folder = true;
	uint64_t hash;
	ssize_t len;
	int ret = 0;

	last = last ? last + 1 : p->name;
	if (last != p->name) {
		char *dir = strndup(p->name, (size_t) (last - 1 - p->name));

		ret = dir ? ns_resolve(fs, p->db, dir, &parent, &folder) : -ENOMEM;
		free(dir);
		if (!ret && !folder)
			ret = -ENOTDIR;
		if (ret)
			return ret;
	}
	bytes = malloc(parent.len + strlen(last) + 1);
	len = bytes ? names_decode(last, bytes + parent.len) : -ENOMEM;
	if (len == -ENOMEM)
		ret = -ENOMEM;
	else if (len < 0 || names_parse_hashed(last, hashed, &hashed_len, &hash))
		ret = -EINVAL;
	else if (fs->delimiter &&
		 memmem(bytes + parent.len, (size_t) len, fs->delimiter, fs->delimiter_len))
		ret = -EINVAL; /* that would be a folder, and folders are not made */
	if (!ret) {
		if (parent.len) /* at the database level there is no parent prefix */
			memcpy(bytes, parent.key, parent.len);
		k->db = p->db;
		k->key = bytes;
		k->len = parent.len + (size_t) len;
	} else {
		free(bytes);
	}
	tree_key_free(&parent);
	return ret;
}

int file_create(struct rfs *fs, const char *path, int flags, struct file **out)
{
	struct fs_path p;
	struct file *f;
	int ret, created = 0;

	ret = tree_parse(fs, path, &p);
	if (ret == -ENOENT && paths_at_root(path))
		ret = -EACCES; /* the root holds database folders only */
	if (ret)
		return ret == -ENOENT || ret == -EACCES ? tree_refuse_change(fs, path, ret) : ret;
	if (p.kind != PATH_KEY)
		return fs->read_only ? -EROFS : -EACCES;
	if (fs->read_only)
		return -EROFS;
	f = file_new();
	if (!f)
		return -ENOMEM;
	ret = new_key(fs, &p, &f->key);
	if (!ret)
		ret = redis_create_string(fs->pool, p.db, f->key.key, f->key.len, &created);
	if (!ret && !created) {
		/* it appeared meanwhile: open what is there, as open(O_CREAT) does */
		file_free(f);
		return file_open(fs, path, flags, out);
	}
	if (ret) {
		file_free(f);
		return ret;
	}
	tree_forget(fs, f->key.db, f->key.key, f->key.len);
	tree_mark_changed(fs);
	f->type = RV_STRING;
	f->writable = true;
	*out = f;
	return 0;
}

ssize_t file_read(struct rfs *fs, struct file *f, char *buf, size_t size, off_t off)
{
	size_t got = 0;
	int ret;

	if (off < 0)
		return -EINVAL;
	if (f->ranged) {
		ret = redis_string_range(fs->pool, f->key.db, f->key.key, f->key.len, off, size,
					 buf, &got);
		return ret ? ret : (ssize_t) got;
	}
	pthread_mutex_lock(&f->lock);
	if ((size_t) off < f->text.len) {
		got = f->text.len - (size_t) off;
		if (got > size)
			got = size;
		memcpy(buf, f->text.data + off, got);
	}
	pthread_mutex_unlock(&f->lock);
	return (ssize_t) got;
}

/* Make the buffer exactly `len` bytes long; new bytes are zero, as after truncate(2). */
static int resize(struct render_buf *text, size_t len)
{
	if (len <= text->len) {
		text->len = len;
		return 0;
	}
	while (text->len < len) {
		static const char zeros[4096];
		size_t n = len - text->len < sizeof zeros ? len - text->len : sizeof zeros;
		int ret = render_buf_append(text, zeros, n);

		if (ret)
			return ret;
	}
	return 0;
}

ssize_t file_write(struct rfs *fs, struct file *f, const char *buf, size_t size, off_t off)
{
	int ret = 0;

	(void) fs;
	if (!f->writable)
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&f->lock);
	if ((size_t) off + size > f->text.len)
		ret = resize(&f->text, (size_t) off + size);
	if (!ret) {
		memcpy(f->text.data + off, buf, size);
		f->dirty = true;
		f->pending_trunc = false;
	}
	pthread_mutex_unlock(&f->lock);
	return ret ? ret : (ssize_t) size;
}

int file_flush(struct rfs *fs, struct file *f)
{
	int ret = 0;

	pthread_mutex_lock(&f->lock);
	/* a type set while the text was on its way (cp -a, tar --xattrs): key_type.h */
	if (f->dirty && f->type == RV_STRING && f->text.len)
		f->type = key_type_take(fs, &f->key);
	if (f->dirty) {
		ret = commit(fs, &f->key, f->type, f->text.data, f->text.len);
		/* text that does not parse never will: do not try again at release */
		if (!ret || ret == -EINVAL)
			f->dirty = false;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

void file_release(struct rfs *fs, struct file *f)
{
	if (!f)
		return;
	/* opened with O_TRUNC and closed without a byte: the empty text removes the key */
	if (f->pending_trunc && commit(fs, &f->key, f->type, "", 0))
		fuse_log(FUSE_LOG_ERR, "redisfs: db%d: emptying a key at close failed\n",
			 f->key.db);
	else if (f->dirty && file_flush(fs, f))
		fuse_log(FUSE_LOG_ERR, "redisfs: db%d: writing a key at close failed\n", f->key.db);
	file_free(f);
}

void file_abandon(struct file *f)
{
	char name[NAMES_MAX + 1];

	if (f->dirty || f->pending_trunc) {
		names_encode(f->key.key, f->key.len, name);
		fuse_log(FUSE_LOG_ERR,
			 "redisfs: db%d '%s': stopped while open for writing: not written\n",
			 f->key.db, name);
	}
	file_free(f);
}

int file_truncate(struct rfs *fs, const char *path, off_t size, struct file *f)
{
	struct render_buf text = {0};
	struct tree_key k = {0};
	struct fs_path p;
	enum rv_type type;
	int ret;

	if (size < 0)
		return -EINVAL;
	if (fs->read_only)
		return -EROFS;
	if (f && f->writable) {
		pthread_mutex_lock(&f->lock);
		ret = resize(&f->text, (size_t) size);
		if (!ret) {
			f->dirty = true;
			f->pending_trunc = false;
		}
		pthread_mutex_unlock(&f->lock);
		return ret;
	}
	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if (p.kind != PATH_KEY)
		return p.kind == PATH_GHOST_MEMBER ? -EACCES : -EISDIR;
	ret = resolve_typed(fs, &p, &k, &type);
	if (!ret && !is_collection(type) && type != RV_STRING)
		ret = -EACCES;
	if (!ret && size)
		ret = load_content(fs, &k, type, &text);
	if (!ret)
		ret = resize(&text, (size_t) size);
	if (!ret)
		ret = commit(fs, &k, type, text.data, text.len);
	render_buf_free(&text);
	tree_key_free(&k);
	return ret;
}
