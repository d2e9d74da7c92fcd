/* file.c - open files: reads in ranges, write buffers, and the commit at close (SPEC 4, 5). */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_log.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_write.h"
#include "changes.h"
#include "collection_text.h"
#include "ghost_tree.h"
#include "key_type.h"
#include "names.h"
#include "namespace.h"
#include "node.h"
#include "parse.h"

static struct file *file_new(void)
{
	return calloc(1, sizeof(struct file));
}

static void file_free(struct rfs *fs, struct file *f)
{
	open_keys_put(&fs->open_keys, f->ok);
	rfs_key_free(&f->key);
	render_buf_free(&f->text);
	free(f);
}

void file_ask_max_size(struct rfs *fs)
{
	fs->max_size = FILE_DEFAULT_MAX_SIZE;
	if (redis_max_string_size(fs->pool, &fs->max_size))
		fs->max_size = FILE_DEFAULT_MAX_SIZE; /* refused (an ACL): Redis's default */
}

size_t file_max_size(const struct rfs *fs)
{
	return fs->max_size ? fs->max_size : FILE_DEFAULT_MAX_SIZE;
}

/* Fetch a key's value of type `type` and append its SPEC 4 text to `text`. */
static int render_key(struct rfs *fs, const struct rfs_key *k, enum rv_type type,
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

/* The whole content of a key as its file shows it, appended to `text`. */
static int load_content(struct rfs *fs, const struct rfs_key *k, enum rv_type type,
			struct render_buf *text)
{
	struct rv_value value = {0};
	const char *p;
	size_t len;
	int ret;

	if (type != RV_STRING)
		return render_key(fs, k, type, text);
	ret = redis_fetch_value(fs->pool, k->db, k->key, k->len, type, &value);
	if (!ret && value.items.count) {
		p = rv_array_get(&value.items, 0, &len);
		ret = render_buf_append(text, p, len);
	}
	rv_value_free(&value);
	return ret;
}

/* Write `text` as the value of a key of type `type` (see file_flush). */
static int commit(struct rfs *fs, const struct rfs_key *k, enum rv_type type, const char *text,
		  size_t len)
{
	bool emptied = false;
	int ret;

	if (type == RV_STRING)
		ret = redis_write_string(fs->pool, k->db, k->key, k->len, text, len);
	else
		ret = collection_text_write(fs, k, type, text, len, "not written", &emptied);
	change_done(fs, emptied ? CHANGE_EMPTIED : CHANGE_STORED, k);
	return ret;
}

/* The key an open key names now, as an rfs_key to read (not to free); under ok->lock. */
static struct rfs_key key_of(const struct open_key *ok)
{
	return (struct rfs_key){.db = ok->db, .key = ok->key, .len = ok->len};
}

/*
 * After a collection's text was written, Redis holds the parsed value: what
 * every descriptor reads from now on is its rendering (sorted, escaped, the
 * scores as Redis prints them), as a new open shows it. The writer's release
 * comes after close() returns, so an open in between shares this text.
 * On a failed fetch the typed text stays: it says the same members.
 */
static void reload_rendered(struct rfs *fs, struct open_key *ok)
{
	struct rfs_key k = key_of(ok);
	struct render_buf rendered = {0};
	int ret = load_content(fs, &k, ok->type, &rendered);

	if (ret && ret != -ENOENT) { /* -ENOENT: no lines removed the key, the text is empty */
		render_buf_free(&rendered);
		return;
	}
	render_buf_free(&ok->text);
	ok->text = rendered;
}

/* An open key's bytes changed: its times say so (changes.h); under ok->lock. */
static void written(struct rfs *fs, const struct open_key *ok)
{
	struct rfs_key k = key_of(ok);

	change_done(fs, CHANGE_WRITTEN, &k);
}

/* Write an open key's text to Redis now; under ok->lock. */
static int commit_open(struct rfs *fs, struct open_key *ok)
{
	struct rfs_key k = key_of(ok);
	int ret;

	if (ok->unlinked)
		return 0; /* removed through the mount: no close brings it back */
	if (ok->refused)
		return -EINVAL; /* the key stays as it was: part of the text was refused */
	ret = commit(fs, &k, ok->type, ok->text.data, ok->text.len);
	/* text that does not parse never will: do not try again at release */
	if (!ret || ret == -EINVAL) {
		ok->dirty = false;
		ok->pending_trunc = false;
	}
	if (!ret && collection_type(ok->type))
		reload_rendered(fs, ok);
	return ret;
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

/*
 * Load an open key's whole content into its text, once; under ok->lock. A
 * string larger than the mount's limit is not loaded (EFBIG): Redis itself
 * would refuse to take it back.
 */
static int load_open(struct rfs *fs, struct open_key *ok)
{
	struct rfs_key k = key_of(ok);
	int ret;

	if (ok->loaded)
		return 0;
	ok->text.len = 0;
	ret = load_content(fs, &k, ok->type, &ok->text);
	if (!ret && ok->text.len > file_max_size(fs))
		ret = -EFBIG;
	if (ret) {
		render_buf_free(&ok->text);
		return ret;
	}
	ok->loaded = true;
	return 0;
}

static int open_ghost(struct rfs *fs, const struct fs_path *p, int flags, struct file *f)
{
	if ((flags & O_ACCMODE) != O_RDONLY)
		return fs->read_only ? -EROFS : -EACCES;
	f->type = RV_OTHER;
	return ghost_tree_read_member(fs, p, &f->text);
}

/* Prepare a handle opened for writing: the shared content, emptied by O_TRUNC; under ok->lock. */
static int open_for_writing(struct rfs *fs, struct file *f, int flags)
{
	struct open_key *ok = f->ok;
	int ret = 0;

	if (fs->read_only)
		return -EROFS;
	if (!collection_type(ok->type) && ok->type != RV_STRING)
		return -EACCES; /* streams and module types cannot be written as text */
	if (!(flags & O_TRUNC))
		ret = load_open(fs, ok);
	if (!ret && (flags & O_TRUNC)) {
		ok->text.len = 0;
		ok->loaded = true;
		ok->refused = false; /* the text starts over */
		ok->dirty = ok->type == RV_STRING;
		ok->pending_trunc = ok->type != RV_STRING;
		if (ok->type == RV_STRING) {
			written(fs, ok);
			ret = commit_open(fs, ok);
		}
	}
	if (!ret) {
		f->writable = true;
		ok->writers++; /* file_release counts it down */
	}
	return ret;
}

/*
 * Open the key of `f` for `flags` through its shared open key: that state is
 * the truth once a writer has loaded it, Redis's TYPE and value before.
 */
static int open_key(struct rfs *fs, struct file *f, int flags)
{
	struct open_key *ok;
	int ret;

	ret = open_keys_get(&fs->open_keys, f->key.db, f->key.key, f->key.len, &f->ok);
	if (ret)
		return ret;
	ok = f->ok;
	pthread_mutex_lock(&ok->lock);
	if (!ok->loaded) {
		ret = redis_key_type(fs->pool, f->key.db, f->key.key, f->key.len, &ok->type);
		if (!ret && ok->type == RV_NONE)
			ret = -ENOENT;
	}
	f->type = ok->type;
	if (!ret && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		ret = open_for_writing(fs, f, flags);
	else if (!ret && !ok->loaded && ok->type == RV_STRING)
		f->ranged = true;
	else if (!ret && !ok->loaded)
		ret = render_key(fs, &f->key, ok->type, &f->text);
	pthread_mutex_unlock(&ok->lock);
	return ret;
}

int file_open(struct rfs *fs, const struct rfs_node *n, int flags, struct file **out)
{
	const struct fs_path *p = n->names;
	struct file *f;
	int ret = 0;

	if (!node_may_be_file(n->kind))
		return -EISDIR;
	f = file_new();
	if (!f)
		return -ENOMEM;
	if (node_is_ghost_file(n->kind))
		ret = open_ghost(fs, p, flags, f);
	else /* resolved again: a shortened name may be shared by a key made since */
		ret = node_resolve(fs, p->db, p->name, &f->key);
	if (!ret && !node_is_ghost_file(n->kind))
		ret = open_key(fs, f, flags);
	if (ret) {
		file_free(fs, f);
		return ret;
	}
	*out = f;
	return 0;
}

void file_set_ino(struct rfs *fs, struct file *f, uint64_t ino)
{
	if (f->ok)
		open_keys_set_ino(&fs->open_keys, f->ok, ino);
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
static int new_key(struct rfs *fs, const struct fs_path *p, struct rfs_key *k)
{
	const char *last = strrchr(p->name, '/');
	char hashed[NAMES_HASHED_KEEP], *bytes;
	struct rfs_key parent = {0};
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
	rfs_key_free(&parent);
	return ret;
}

int file_create(struct rfs *fs, const struct rfs_node *parent, const char *name, int flags,
		struct file **out)
{
	struct fs_path p;
	struct rfs_node n = {.names = &p};
	struct file *f;
	int ret, created = 0;

	ret = node_name(fs, parent, name, &n);
	if (ret == -ENOENT && parent->kind == NODE_ROOT)
		ret = -EACCES; /* the root holds database folders only */
	if (ret)
		return fs->read_only && (ret == -ENOENT || ret == -EACCES) ? -EROFS : ret;
	if (!node_is_key(n.kind))
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
		file_free(fs, f);
		return file_open(fs, &n, flags, out);
	}
	if (!ret)
		ret = open_keys_get(&fs->open_keys, f->key.db, f->key.key, f->key.len, &f->ok);
	if (ret) {
		file_free(fs, f);
		return ret;
	}
	change_done(fs, CHANGE_MADE, &f->key);
	pthread_mutex_lock(&f->ok->lock);
	/* a key just made is empty; an open key of its name that is loaded knows better */
	if (!f->ok->loaded) {
		f->ok->type = RV_STRING;
		f->ok->text.len = 0;
		f->ok->loaded = true;
	}
	f->type = f->ok->type;
	f->ok->writers++;
	f->writable = true;
	pthread_mutex_unlock(&f->ok->lock);
	*out = f;
	return 0;
}

ssize_t file_read(struct rfs *fs, struct file *f, char *buf, size_t size, off_t off)
{
	const struct render_buf *text = &f->text;
	size_t got = 0;
	int ret;

	if (off < 0)
		return -EINVAL;
	if (f->ok)
		pthread_mutex_lock(&f->ok->lock);
	if (f->ok && f->ok->loaded) {
		text = &f->ok->text; /* a writer's bytes, also those not yet closed */
	} else if (f->ranged) {
		if (f->ok)
			pthread_mutex_unlock(&f->ok->lock);
		ret = redis_string_range(fs->pool, f->key.db, f->key.key, f->key.len, off, size,
					 buf, &got);
		return ret ? ret : (ssize_t) got;
	}
	if ((size_t) off < text->len) {
		got = text->len - (size_t) off;
		if (got > size)
			got = size;
		memcpy(buf, text->data + off, got);
	}
	if (f->ok)
		pthread_mutex_unlock(&f->ok->lock);
	return (ssize_t) got;
}

/*
 * Parse the complete lines of a collection's text that bytes [from, to) touch:
 * 0, or -EINVAL with the reason logged. A last line without '\n' waits for
 * more bytes, or for close(). Under ok->lock.
 */
static int check_lines(const struct open_key *ok, size_t from, size_t to)
{
	const char *text = ok->text.data, *nl, *why;
	struct rv_value value = {0};
	size_t start = from, end = to, line = 0;
	char err[256], name[NAMES_MAX + 1];
	int ret;

	while (start > 0 && text[start - 1] != '\n')
		start--;
	if (end > start && text[end - 1] != '\n') {
		nl = memchr(text + end, '\n', ok->text.len - end);
		if (nl) {
			end = (size_t) (nl - text) + 1;
		} else {
			while (end > start && text[end - 1] != '\n')
				end--; /* an unfinished last line: checked when it ends */
		}
	}
	if (end <= start)
		return 0;
	ret = parse_value(ok->type, text + start, end - start, &value, err, sizeof err);
	rv_value_free(&value);
	if (ret != -EINVAL)
		return ret;
	/* parse_value counts from `start`: the line number in the whole file, for the log */
	for (size_t i = 0; i < start; i++)
		line += text[i] == '\n';
	why = strchr(err, ':');
	line += strtoul(err + strlen("line "), NULL, 10);
	names_encode(ok->key, ok->len, name);
	fuse_log(FUSE_LOG_ERR, "redisfs: write db%d '%s': refused, the %s text has line %zu:%s\n",
		 ok->db, name, rv_type_name(ok->type), line, why ? why + 1 : err);
	return ret;
}

/*
 * Put `size` bytes at `off` into an open key's text. A collection's lines
 * are parsed as they complete: a write that brings a bad one is -EINVAL,
 * its bytes are taken back, and the key is never written from this text
 * (SPEC 5: the key untouched, even by the shell's `>`). Under ok->lock.
 */
static int write_checked(struct open_key *ok, const char *buf, size_t size, size_t off)
{
	size_t old_len = ok->text.len;
	size_t kept = off < old_len ? (old_len - off < size ? old_len - off : size) : 0;
	char *saved = NULL;
	int ret = 0;

	if (collection_type(ok->type) && kept) {
		saved = malloc(kept);
		if (!saved)
			return -ENOMEM;
		memcpy(saved, ok->text.data + off, kept);
	}
	if (off + size > ok->text.len)
		ret = resize(&ok->text, off + size);
	if (!ret) {
		memcpy(ok->text.data + off, buf, size);
		if (collection_type(ok->type))
			ret = check_lines(ok, off, off + size);
		if (ret) {
			if (kept)
				memcpy(ok->text.data + off, saved, kept);
			ok->text.len = old_len;
		}
	}
	if (ret == -EINVAL) {
		ok->refused = true;
		ok->pending_trunc =
			false; /* the shell's `>` of bad text leaves the key as it was */
	}
	free(saved);
	return ret;
}

ssize_t file_write(struct rfs *fs, struct file *f, const char *buf, size_t size, off_t off,
		   bool append)
{
	struct open_key *ok = f->ok;
	int ret = 0;

	if (!f->writable || !ok)
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	if (!size)
		return 0; /* writing nothing past the end makes no hole */
	pthread_mutex_lock(&ok->lock);
	/*
	 * O_APPEND writes at the end of what the file holds now, not where the
	 * kernel's idea of its size says: that may be older than a writer's bytes.
	 */
	if (append)
		off = (off_t) ok->text.len;
	if (size > file_max_size(fs) || (size_t) off > file_max_size(fs) - size)
		ret = -EFBIG; /* Redis would refuse the value at close: refused now, nothing kept */
	else
		ret = write_checked(ok, buf, size, (size_t) off);
	if (!ret) {
		ok->dirty = true;
		ok->pending_trunc = false;
		written(fs, ok);
	}
	pthread_mutex_unlock(&ok->lock);
	return ret ? ret : (ssize_t) size;
}

/* Bytes copy_file_range moves at a time: its buffer is this big, whatever the length asked. */
#define COPY_CHUNK ((size_t) 1 << 20)

ssize_t file_copy_range(struct rfs *fs, struct file *in, off_t off_in, struct file *out,
			off_t off_out, size_t len)
{
	size_t done = 0, chunk = len < COPY_CHUNK ? len : COPY_CHUNK;
	char *buf;
	ssize_t ret = 0;

	if (off_in < 0 || off_out < 0)
		return -EINVAL;
	if (!out->writable)
		return -EBADF;
	if (!len)
		return 0;
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		size_t want = len - done < chunk ? len - done : chunk;
		ssize_t got = file_read(fs, in, buf, want, off_in + (off_t) done);

		ret = got > 0 ? file_write(fs, out, buf, (size_t) got, off_out + (off_t) done,
					   false)
			      : got;
		if (ret <= 0)
			break;
		done += (size_t) ret;
		if ((size_t) got < want)
			break; /* the end of the source */
	}
	free(buf);
	/* a failure after some bytes were copied: the count so far, as write(2) does */
	return done || ret >= 0 ? (ssize_t) done : ret;
}

int file_flush(struct rfs *fs, struct file *f)
{
	int ret = 0;

	if (!f->ok)
		return 0;
	pthread_mutex_lock(&f->ok->lock);
	/* a type set while the text was on its way (cp -a, tar --xattrs): key_type.h */
	if (f->ok->dirty && f->ok->type == RV_STRING && f->ok->text.len) {
		struct rfs_key k = key_of(f->ok);

		f->ok->type = key_type_take(fs, &k);
	}
	if (f->ok->dirty)
		ret = commit_open(fs, f->ok);
	pthread_mutex_unlock(&f->ok->lock);
	return ret;
}

/* Log a failure of `what` on the open key of `f` by its database and name. */
static void log_open_key(struct open_key *ok, const char *what, int err)
{
	char name[NAMES_MAX + 1];

	names_encode(ok->key, ok->len, name);
	fuse_log(FUSE_LOG_ERR, "redisfs: %s db%d '%s': %s\n", what, ok->db, name, strerror(-err));
}

void file_release(struct rfs *fs, struct file *f)
{
	struct open_key *ok = f ? f->ok : NULL;
	int ret;

	if (!f)
		return;
	if (ok && f->writable) {
		pthread_mutex_lock(&ok->lock);
		ok->writers--;
		/* opened with O_TRUNC and closed without a byte: the empty text removes the key */
		if (ok->pending_trunc && !ok->writers) {
			ok->dirty = true;
			ret = commit_open(fs, ok);
			if (ret)
				log_open_key(ok, "emptying at close", ret);
			else
				written(fs, ok);
		} else if (ok->dirty) {
			ret = commit_open(fs, ok);
			if (ret)
				log_open_key(ok, "write at close", ret);
		}
		pthread_mutex_unlock(&ok->lock);
	}
	file_free(fs, f);
}

void file_abandon(struct rfs *fs, struct file *f)
{
	struct open_key *ok = f->ok;

	if (ok && f->writable && (ok->dirty || ok->pending_trunc) && !ok->unlinked) {
		log_open_key(ok, "stopped while open for writing: not written", -EIO);
		ok->dirty = false;
		ok->pending_trunc = false;
	}
	file_free(fs, f);
}

/* truncate(2) of a node: the shared bytes when the key is open, Redis's otherwise. */
static int truncate_node(struct rfs *fs, const struct rfs_node *n, size_t size)
{
	struct render_buf text = {0};
	struct rfs_key k = {0};
	struct open_key *ok;
	enum rv_type type;
	int ret;

	if (!node_is_key(n->kind))
		return node_is_ghost_file(n->kind) ? -EACCES : -EISDIR;
	/* resolved again: a shortened name may be shared by a key made since */
	ret = node_resolve(fs, n->names->db, n->names->name, &k);
	if (ret)
		return ret;
	ok = open_keys_find(&fs->open_keys, k.db, k.key, k.len);
	if (ok) {
		pthread_mutex_lock(&ok->lock);
		if (ok->loaded) {
			ret = resize(&ok->text, size);
			ok->dirty = true;
			written(fs, ok);
			if (!ret)
				ret = commit_open(fs, ok);
			pthread_mutex_unlock(&ok->lock);
			open_keys_put(&fs->open_keys, ok);
			rfs_key_free(&k);
			return ret;
		}
		pthread_mutex_unlock(&ok->lock);
		open_keys_put(&fs->open_keys, ok);
	}
	ret = redis_key_type(fs->pool, k.db, k.key, k.len, &type);
	if (!ret && type == RV_NONE)
		ret = -ENOENT;
	if (!ret && !collection_type(type) && type != RV_STRING)
		ret = -EACCES;
	if (!ret && size)
		ret = load_content(fs, &k, type, &text);
	if (!ret)
		ret = resize(&text, size);
	if (!ret)
		ret = commit(fs, &k, type, text.data, text.len);
	if (!ret)
		change_done(fs, CHANGE_WRITTEN, &k);
	render_buf_free(&text);
	rfs_key_free(&k);
	return ret;
}

int file_truncate(struct rfs *fs, const struct rfs_node *n, off_t size, struct file *f)
{
	struct open_key *ok = f ? f->ok : NULL;
	int ret;

	if (size < 0)
		return -EINVAL;
	if (fs->read_only)
		return -EROFS;
	if ((size_t) size > file_max_size(fs))
		return -EFBIG; /* Redis would refuse it: nothing is allocated for it */
	if (!ok || !f->writable)
		return n ? truncate_node(fs, n, (size_t) size) : -EBADF;
	pthread_mutex_lock(&ok->lock);
	ret = resize(&ok->text, (size_t) size);
	if (!ret) {
		ok->dirty = true;
		ok->pending_trunc = false;
		if (!size)
			ok->refused = false; /* the text starts over */
		written(fs, ok);
	}
	pthread_mutex_unlock(&ok->lock);
	return ret;
}

int file_keep_bytes(struct rfs *fs, int db, const char *key, size_t len)
{
	struct open_key *ok = open_keys_find(&fs->open_keys, db, key, len);
	int ret = 0;

	if (!ok)
		return 0;
	pthread_mutex_lock(&ok->lock);
	if (!ok->loaded && ok->type != RV_NONE)
		ret = load_open(fs, ok);
	if (ret == -ENOENT)
		ret = 0; /* gone already: nothing to keep */
	pthread_mutex_unlock(&ok->lock);
	open_keys_put(&fs->open_keys, ok);
	return ret;
}

void file_type_changed(struct rfs *fs, int db, const char *key, size_t len, enum rv_type type)
{
	struct open_key *ok = open_keys_find(&fs->open_keys, db, key, len);

	if (!ok)
		return;
	pthread_mutex_lock(&ok->lock);
	ok->type = type;
	pthread_mutex_unlock(&ok->lock);
	open_keys_put(&fs->open_keys, ok);
}
