/* ops.c - the FUSE low-level operations: inode numbers to nodes, then one call into the logic. */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dir.h"
#include "file.h"
#include "inodes.h"
#include "rename.h"
#include "rfs.h"
#include "tree.h"
#include "xattr.h"
#include "stats.h"
#include "statfs.h"

/*
 * d_ino of an entry that readdir hands out without an inode (what libfuse's
 * high-level API gives too): glibc's readdir skips entries whose d_ino is 0.
 */
#define UNKNOWN_INO 0xffffffffULL

/* The shortest entry fuse_add_direntry_plus() makes: bounds the inodes one reply can carry. */
#define DIRENTPLUS_MIN 160

static struct rfs *rfs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void reply_status(fuse_req_t req, int ret)
{
	fuse_reply_err(req, ret < 0 ? -ret : 0);
}

static void *fh_ptr(const struct fuse_file_info *fi)
{
	return (void *) (uintptr_t) fi->fh;
}

/* Folders above an inode whose node was not kept that node_of resolves again, at most. */
#define NODE_OF_DEPTH 8

/*
 * The node of `ino`, its names into `names`: as the inode keeps it, or, for
 * one whose node was not kept (readdirplus of a shortened name, of a
 * namespace folder), by its name under its folder's node, `depth` folders up
 * at most; its key is then not resolved (key.key NULL): the logic resolves
 * it when it needs it, and ls -l's getxattr calls cost no SCAN.
 */
static int node_up(struct rfs *fs, fuse_ino_t ino, struct rfs_node *n, struct fs_path *names,
		   int depth)
{
	char name[NAME_MAX + 1];
	struct rfs_node dir = {0};
	struct fs_path dir_names;
	uint64_t parent;
	int ret = inodes_node(&fs->inodes, ino, n, names);

	if (ret || n->kind != NODE_UNKNOWN)
		return ret;
	ret = inodes_name(&fs->inodes, ino, &parent, name);
	if (!ret)
		ret = depth ? node_up(fs, parent, &dir, &dir_names, depth - 1) : -EIO;
	if (!ret)
		ret = node_name(fs, &dir, name, n);
	node_free(&dir);
	return ret;
}

static int node_of(struct rfs *fs, fuse_ino_t ino, struct rfs_node *n, struct fs_path *names)
{
	return node_up(fs, ino, n, names, NODE_OF_DEPTH);
}

/*
 * The folder `parent`'s node, for an operation on `name` in it: a name past
 * 255 bytes (statfs's f_namemax) is ENAMETOOLONG, as on any file system, for
 * every operation that takes one: the kernel lets up to 1024 through.
 */
static int folder_of(struct rfs *fs, fuse_ino_t parent, const char *name, struct rfs_node *dir,
		     struct fs_path *names)
{
	memset(dir, 0, sizeof *dir);
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	return node_of(fs, parent, dir, names);
}

static void rfs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void) userdata;
	/* O_TRUNC arrives with open, not as a separate truncate before it */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	/*
	 * The low-level API's defaults are kept: readdirplus where the kernel
	 * thinks it pays (READDIRPLUS_AUTO: the first batch, and after lookups),
	 * no writeback cache (close() must reach Redis), and the page cache
	 * dropped at each open (keep_cache is never set: Redis changes behind
	 * our back).
	 */
}

/*
 * Answer a lookup of `name` in `parent` (whose path is `path`) with the
 * attributes `ret` and `st` say, counting it in the inode table. A key that
 * does not exist is a negative entry the kernel may keep for cache_timeout.
 */
static void reply_entry(fuse_req_t req, struct rfs *fs, fuse_ino_t parent, const char *name,
			const struct rfs_node *node, int ret, struct stat *st)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof e);
	e.attr_timeout = fs->cache_timeout;
	e.entry_timeout = fs->cache_timeout;
	if (ret == -ENOENT && fs->cache_timeout > 0) {
		fuse_reply_entry(req, &e); /* ino 0: "no such name", cached */
		return;
	}
	if (!ret)
		ret = inodes_lookup(&fs->inodes, parent, name, node, &e.ino, &e.generation);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.attr = *st;
	e.attr.st_ino = e.ino;
	if (fuse_reply_entry(req, &e) != 0)
		inodes_forget(&fs->inodes, e.ino, 1); /* interrupted: the kernel did not count it */
}

/*
 * The node of `name` in folder `parent`, resolved under the folder's node (a
 * shortened name's SCAN too), its names into `names`.
 */
static int child_of(struct rfs *fs, fuse_ino_t parent, const char *name, struct rfs_node *child,
		    struct fs_path *names)
{
	struct fs_path dir_names;
	struct rfs_node dir;
	int ret = folder_of(fs, parent, name, &dir, &dir_names);

	memset(child, 0, sizeof *child);
	child->names = names;
	if (!ret)
		ret = node_child(fs, &dir, name, child);
	node_free(&dir);
	return ret;
}

/* A name is resolved once, here, and its inode keeps the node. */
static void rfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node child;
	struct stat st;
	int ret = child_of(fs, parent, name, &child, &names);

	memset(&st, 0, sizeof st);
	if (!ret)
		ret = tree_getattr(fs, &child, &st);
	reply_entry(req, fs, parent, name, &child, ret, &st);
	node_free(&child);
}

static void rfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inodes_forget(&rfs_of(req)->inodes, ino, nlookup);
	fuse_reply_none(req);
}

static void rfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct rfs *fs = rfs_of(req);

	for (size_t i = 0; i < count; i++)
		inodes_forget(&fs->inodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* The attributes of `ino`, node `n`, or of its open bytes when its name is gone (n NULL). */
static void reply_attr(fuse_req_t req, struct rfs *fs, fuse_ino_t ino, const struct rfs_node *n)
{
	struct stat st;
	int ret;

	memset(&st, 0, sizeof st);
	ret = n ? tree_getattr(fs, n, &st) : stats_removed(fs, ino, &st);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	st.st_ino = ino;
	fuse_reply_attr(req, &st, fs->cache_timeout);
}

/* getattr by the inode's node, with no path made. */
static void rfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node n;
	int ret = node_of(fs, ino, &n, &names);

	(void) fi;
	if (ret && ret != -ENOENT)
		fuse_reply_err(req, -ret);
	else
		reply_attr(req, fs, ino, ret ? NULL : &n); /* fstat after rm: nlink 0 */
	node_free(&n);
}

/*
 * chmod, chown and utimens succeed and change nothing (Redis keeps no modes,
 * owners or times), so that cp -p, sed -i and touch work; truncate is real.
 */
static void rfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi)
{
	const int ignored = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID |
			    FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			    FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node n;
	int ret = node_of(fs, ino, &n, &names);

	bool removed = ret == -ENOENT && fi; /* ftruncate after rm: the descriptor's own bytes */

	if (removed)
		ret = 0;
	if (!ret && (to_set & ignored))
		ret = tree_refuse_change(fs, 0);
	if (!ret && (to_set & FUSE_SET_ATTR_SIZE))
		ret = file_truncate(fs, removed ? NULL : &n, attr->st_size, fi ? fh_ptr(fi) : NULL);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		reply_attr(req, fs, ino, removed ? NULL : &n);
	node_free(&n);
}

/* rm resolves its name again: a key that came since may share a shortened name. */
static void rfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node child;
	int ret = child_of(fs, parent, name, &child, &names);

	if (!ret)
		ret = tree_unlink(fs, &child);
	node_free(&child);
	if (!ret)
		inodes_remove(&fs->inodes, parent, name); /* the kernel's inode of it is dead */
	reply_status(req, ret);
}

/* A database folder stays after rmdir, but as a new inode: the kernel's old one is dead. */
static void rfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path dir_names, names;
	struct rfs_node dir, child = {.names = &names};
	int ret = folder_of(fs, parent, name, &dir, &dir_names);

	if (!ret)
		ret = node_name(fs, &dir, name, &child); /* by its name: no key is resolved */
	if (!ret)
		ret = tree_rmdir(fs, &child);
	if (!ret)
		inodes_remove(&fs->inodes, parent, name);
	node_free(&dir);
	reply_status(req, ret);
}

static void rfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node dir;
	int ret = folder_of(fs, parent, name, &dir, &names);

	(void) mode;
	node_free(&dir);
	reply_status(req, ret ? ret : tree_refuse_change(fs, -EPERM));
}

/* Redis has no links: EPERM, as POSIX has it for a file system without symlinks. */
static void rfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node dir;
	int ret = folder_of(fs, parent, name, &dir, &names);

	(void) link;
	node_free(&dir);
	reply_status(req, ret ? ret : tree_refuse_change(fs, -EPERM));
}

/*
 * Hand an open file to the kernel: its handle, whether it bypasses the page
 * cache (file.h says why), and a place in the list that teardown frees.
 */
static void set_handle(struct rfs *fs, struct fuse_file_info *fi, struct file *f, fuse_ino_t ino)
{
	file_set_ino(fs, f, ino);
	fi->fh = (uint64_t) (uintptr_t) f;
	fi->direct_io = file_direct_io(f);
	handle_list_add(&fs->open_files, &f->open);
}

static void release_file(struct rfs *fs, struct file *f)
{
	handle_list_remove(&fs->open_files, &f->open);
	file_release(fs, f);
}

/* The entry of a file just made, `name` in `parent`: its attributes, one lookup counted. */
static int made_entry(struct rfs *fs, fuse_ino_t parent, const char *name,
		      struct fuse_entry_param *e)
{
	struct fs_path names;
	struct rfs_node n;
	int ret;

	memset(e, 0, sizeof *e);
	ret = child_of(fs, parent, name, &n, &names);
	if (!ret)
		ret = tree_getattr(fs, &n, &e->attr);
	if (!ret)
		ret = inodes_lookup(&fs->inodes, parent, name, &n, &e->ino, &e->generation);
	node_free(&n);
	e->attr.st_ino = e->ino;
	e->attr_timeout = fs->cache_timeout;
	e->entry_timeout = fs->cache_timeout;
	return ret;
}

static void rfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct rfs *fs = rfs_of(req);
	struct fuse_entry_param e;
	struct file *f = NULL;
	struct fs_path names;
	struct rfs_node dir;
	int ret = folder_of(fs, parent, name, &dir, &names);

	(void) rdev;
	if (!ret && !S_ISREG(mode))
		ret = tree_refuse_change(fs, -EPERM); /* no fifos or devices */
	else if (!ret)
		ret = file_create(fs, &dir, name, O_WRONLY, &f);
	node_free(&dir);
	if (f)
		file_release(fs, f);
	if (!ret)
		ret = made_entry(fs, parent, name, &e);
	if (ret)
		fuse_reply_err(req, -ret);
	else if (fuse_reply_entry(req, &e) != 0)
		inodes_forget(&fs->inodes, e.ino, 1);
}

static void rfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       struct fuse_file_info *fi)
{
	struct rfs *fs = rfs_of(req);
	struct fuse_entry_param e;
	struct file *f = NULL;
	struct fs_path names;
	struct rfs_node dir;
	int ret = folder_of(fs, parent, name, &dir, &names);

	(void) mode; /* Redis keeps no modes: every key is 0644 */
	if (!ret)
		ret = file_create(fs, &dir, name, fi->flags, &f);
	node_free(&dir);
	if (!ret)
		ret = made_entry(fs, parent, name, &e);
	if (ret) {
		if (f)
			file_release(fs, f);
		fuse_reply_err(req, -ret);
		return;
	}
	set_handle(fs, fi, f, e.ino);
	if (fuse_reply_create(req, &e, fi) != 0) {
		inodes_forget(&fs->inodes, e.ino, 1);
		release_file(fs, f);
	}
}

static void rfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		       const char *newname, unsigned int flags)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path from_names, to_names, names;
	struct rfs_node from, to, moved = {.names = &names};
	int ret = folder_of(fs, parent, name, &from, &from_names);

	if (!ret)
		ret = folder_of(fs, newparent, newname, &to, &to_names);
	if (!ret)
		ret = rename_key(fs, &from, name, &to, newname, flags);
	/* the inode takes its new name's node; unknown when it cannot be resolved now */
	if (!ret && node_child(fs, &to, newname, &moved) != 0)
		moved.kind = NODE_UNKNOWN;
	if (!ret)
		ret = inodes_rename(&fs->inodes, parent, name, newparent, newname, &moved);
	node_free(&moved);
	node_free(&from);
	node_free(&to);
	reply_status(req, ret);
}

static void rfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rfs *fs = rfs_of(req);
	struct file *f = NULL;
	struct fs_path names;
	struct rfs_node n;
	int ret = node_of(fs, ino, &n, &names);

	if (!ret)
		ret = file_open(fs, &n, fi->flags, &f);
	node_free(&n);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	set_handle(fs, fi, f, ino);
	if (fuse_reply_open(req, fi) != 0)
		release_file(fs, f);
}

static void rfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct rfs *fs = rfs_of(req);
	char *buf = read_bufs_get(&fs->read_bufs, size);
	ssize_t n;

	(void) ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = file_read(fs, fh_ptr(fi), buf, size, off);
	if (n < 0)
		fuse_reply_err(req, (int) -n);
	else
		fuse_reply_buf(req, buf, (size_t) n);
}

static void rfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	ssize_t n = file_write(rfs_of(req), fh_ptr(fi), buf, size, off, fi->flags & O_APPEND);

	(void) ino;
	if (n < 0)
		fuse_reply_err(req, (int) -n);
	else
		fuse_reply_write(req, (size_t) n);
}

/* copy_file_range(2) done here, exactly: the kernel trusts the count (cp loops on it) */
static void rfs_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
				struct fuse_file_info *fi_in, fuse_ino_t ino_out, off_t off_out,
				struct fuse_file_info *fi_out, size_t len, int flags)
{
	ssize_t n = flags ? -EINVAL
			  : file_copy_range(rfs_of(req), fh_ptr(fi_in), off_in, fh_ptr(fi_out),
					    off_out, len);

	(void) ino_in;
	(void) ino_out;
	if (n < 0)
		fuse_reply_err(req, (int) -n);
	else
		fuse_reply_write(req, (size_t) n);
}

/* close(2) of every descriptor calls this: what was written must be in Redis when it returns */
static void rfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void) ino;
	reply_status(req, file_flush(rfs_of(req), fh_ptr(fi)));
}

static void rfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void) ino;
	(void) datasync;
	reply_status(req, file_flush(rfs_of(req), fh_ptr(fi)));
}

static void rfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void) ino;
	release_file(rfs_of(req), fh_ptr(fi));
	fuse_reply_err(req, 0);
}

static void close_dir(struct rfs *fs, struct dir_handle *dir)
{
	handle_list_remove(&fs->open_dirs, &dir->open);
	dir_close(fs, dir);
}

static void rfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rfs *fs = rfs_of(req);
	struct dir_handle *dir = NULL;
	struct fs_path names;
	struct rfs_node n;
	int ret = node_of(fs, ino, &n, &names);

	if (!ret)
		ret = dir_open(fs, &n, &dir);
	node_free(&n);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uint64_t) (uintptr_t) dir;
	handle_list_add(&fs->open_dirs, &dir->open);
	if (fuse_reply_open(req, fi) != 0)
		close_dir(fs, dir);
}

/*
 * Entry `at` of an open folder (offsets: 1 for ".", 2 for "..", 3 + i for
 * entry i, so that an offset is never 0): its name and type. Returns 1, 0
 * past the end, or -errno when the listing failed before it got there;
 * without `wait`, -EAGAIN for keys still on their way (dir_entry).
 */
static int entry_at(struct dir_handle *dir, off_t at, bool wait, char buf[NAMES_MAX + 1],
		    const char **name, mode_t *type)
{
	if (at < 2) {
		*name = at == 0 ? "." : "..";
		*type = S_IFDIR;
		return 1;
	}
	return dir_entry(dir, (size_t) at - 2, wait, buf, name, type);
}

/*
 * The readdirplus part of entry `at`: attributes for a batch of keys at once,
 * and an inode counted for the kernel, which keeps both for cache_timeout.
 * Returns false when the entry goes without them (folders, a key gone
 * meanwhile): the kernel then looks it up when it needs to.
 */
static bool dir_entry_plus(struct rfs *fs, fuse_ino_t ino, const struct rfs_node *folder,
			   struct dir_handle *dir, off_t at, const char *name,
			   struct fuse_entry_param *e)
{
	char key[NAMES_MAX + 1], prefix[NAMES_HASHED_KEEP];
	struct rfs_node node = {.kind = NODE_UNKNOWN};
	size_t prefix_len;
	uint64_t hash;
	ssize_t len;

	if (at < 2 || dir_stat(fs, dir, (size_t) at - 2, &e->attr) != 0)
		return false;
	/* a file of a database folder: its key is its name decoded, unless shortened */
	if (folder->kind == NODE_DB && !fs->delimiter &&
	    !names_parse_hashed(name, prefix, &prefix_len, &hash) &&
	    (len = names_decode(name, key)) >= 0)
		node = (struct rfs_node){NODE_KEY, {folder->key.db, key, (size_t) len}, NULL};
	if (inodes_lookup(&fs->inodes, ino, name, &node, &e->ino, &e->generation) != 0)
		return false;
	e->attr.st_ino = e->ino;
	e->attr_timeout = fs->cache_timeout;
	e->entry_timeout = fs->cache_timeout;
	return true;
}

static void list_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi, bool plus)
{
	struct rfs *fs = rfs_of(req);
	struct dir_handle *dir = fh_ptr(fi);
	struct rfs_node folder = {.kind = NODE_UNKNOWN};
	size_t used = 0, counted = 0, max_counted = size / DIRENTPLUS_MIN + 1;
	char *buf = malloc(size ? size : 1);
	fuse_ino_t *inos = plus ? malloc(max_counted * sizeof *inos) : NULL;
	char namebuf[NAMES_MAX + 1];
	off_t at = off < 0 ? 0 : off;
	int ret = 0;

	dir_reply_begin(fs, dir);
	if (!buf || (plus && !inos)) {
		ret = -ENOMEM;
		goto out;
	}
	if (plus && inodes_node(&fs->inodes, ino, &folder, NULL) != 0)
		folder.kind = NODE_UNKNOWN; /* its entries are then resolved by name later */
	for (;; at++) {
		struct fuse_entry_param e;
		const char *name;
		mode_t type;
		size_t need;
		/* once something is filled, hand it out rather than wait for Redis */
		int got = entry_at(dir, at, used == 0, namebuf, &name, &type);

		if (got <= 0) {
			if (!used)
				ret = got; /* a failed scan: never an end that looks complete */
			break; /* else keys on their way, or an error the next request gets */
		}
		memset(&e, 0, sizeof e);
		need = plus ? fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0)
			    : fuse_add_direntry(req, NULL, 0, name, NULL, 0);
		if (used + need > size || (plus && counted == max_counted))
			break;
		if (plus && dir_entry_plus(fs, ino, &folder, dir, at, name, &e)) {
			inos[counted++] = e.ino;
		} else {
			memset(&e, 0, sizeof e);
			e.attr.st_mode = type;
			e.attr.st_ino = at == 0 ? ino : UNKNOWN_INO;
		}
		if (plus)
			fuse_add_direntry_plus(req, buf + used, size - used, name, &e, at + 1);
		else
			fuse_add_direntry(req, buf + used, size - used, name, &e.attr, at + 1);
		used += need;
	}
out:
	if (ret)
		fuse_reply_err(req, -ret);
	else if (fuse_reply_buf(req, buf, used) != 0)
		for (size_t i = 0; i < counted; i++)
			inodes_forget(&fs->inodes, inos[i], 1); /* never reached the kernel */
	/* the next batch's attributes are fetched while the kernel works on this reply */
	dir_reply_end(fs, dir, at >= 2 ? (size_t) at - 2 : 0, counted);
	node_free(&folder);
	free(inos);
	free(buf);
}

static void rfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	list_dir(req, ino, size, off, fi, false);
}

static void rfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			    struct fuse_file_info *fi)
{
	list_dir(req, ino, size, off, fi, true);
}

static void rfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void) ino;
	close_dir(rfs_of(req), fh_ptr(fi));
	fuse_reply_err(req, 0);
}

static void rfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;
	int ret = statfs_fill(rfs_of(req), &st);

	(void) ino;
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_statfs(req, &st);
}

static void rfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
			 size_t size, int flags)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node n;
	int ret = node_of(fs, ino, &n, &names);

	reply_status(req, ret ? ret : xattr_set(fs, &n, name, value, size, flags));
	node_free(&n);
}

/* A getxattr or listxattr answer: with `size` 0 only the length, else the bytes. */
static void reply_xattr_value(fuse_req_t req, int len, const char *value, size_t size)
{
	if (len < 0)
		fuse_reply_err(req, -len);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t) len);
	else
		fuse_reply_buf(req, value, (size_t) len);
}

static void rfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct rfs *fs = rfs_of(req);
	char *value;
	struct fs_path names;
	struct rfs_node n;
	int len;

	if (!xattr_known(fs, name)) {
		fuse_reply_err(req, ENODATA); /* ls -l's two a file: the node is not needed */
		return;
	}
	value = size ? malloc(size) : NULL;
	len = node_of(fs, ino, &n, &names);

	if (!len)
		len = size && !value ? -ENOMEM : xattr_get(fs, &n, name, value, size);
	reply_xattr_value(req, len, value, size);
	node_free(&n);
	free(value);
}

static void rfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct rfs *fs = rfs_of(req);
	char *list = size ? malloc(size) : NULL;
	struct fs_path names;
	struct rfs_node n;
	int len = node_of(fs, ino, &n, &names);

	if (!len)
		len = size && !list ? -ENOMEM : xattr_list(fs, &n, list, size);
	reply_xattr_value(req, len, list, size);
	node_free(&n);
	free(list);
}

static void rfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct rfs *fs = rfs_of(req);
	struct fs_path names;
	struct rfs_node n;
	int ret = node_of(fs, ino, &n, &names);

	reply_status(req, ret ? ret : xattr_remove(fs, &n, name));
	node_free(&n);
}

static const struct fuse_lowlevel_ops rfs_operations = {
	.init = rfs_init,
	.lookup = rfs_lookup,
	.forget = rfs_forget,
	.forget_multi = rfs_forget_multi,
	.getattr = rfs_getattr,
	.setattr = rfs_setattr,
	.mknod = rfs_mknod,
	.mkdir = rfs_mkdir,
	.symlink = rfs_symlink,
	.unlink = rfs_unlink,
	.rmdir = rfs_rmdir,
	.rename = rfs_rename,
	.open = rfs_open,
	.read = rfs_read,
	.write = rfs_write,
	.flush = rfs_flush,
	.release = rfs_release,
	.fsync = rfs_fsync,
	.opendir = rfs_opendir,
	.readdir = rfs_readdir,
	.readdirplus = rfs_readdirplus,
	.releasedir = rfs_releasedir,
	.statfs = rfs_statfs,
	.setxattr = rfs_setxattr,
	.getxattr = rfs_getxattr,
	.listxattr = rfs_listxattr,
	.removexattr = rfs_removexattr,
	.create = rfs_create,
	.copy_file_range = rfs_copy_file_range,
};

void ops_release_all(struct rfs *fs)
{
	struct handle_link *h;

	while ((h = handle_list_pop(&fs->open_files)))
		file_abandon(fs, handle_owner(h, struct file, open));
	while ((h = handle_list_pop(&fs->open_dirs)))
		dir_close(fs, handle_owner(h, struct dir_handle, open));
}

const struct fuse_lowlevel_ops *ops_table(void)
{
	return &rfs_operations;
}
