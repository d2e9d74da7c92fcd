/* ops.c - the FUSE operations table: thin adapters from libfuse to tree.c. */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "rfs.h"
#include "dir.h"
#include "file.h"
#include "rename.h"
#include "tree.h"
#include "xattr.h"

static struct rfs *rfs_get(void)
{
	return fuse_get_context()->private_data;
}

static void *rfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct rfs *fs = rfs_get();

	/* O_TRUNC arrives with open, not as a separate truncate before it */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	/* Redis changes behind our back: cache only as long as the user allows */
	cfg->entry_timeout = fs->cache_timeout;
	cfg->attr_timeout = fs->cache_timeout;
	cfg->negative_timeout = fs->cache_timeout;
	cfg->kernel_cache = 0;
	cfg->hard_remove = 1; /* an unlinked key is gone: no .fuse_hidden renames */
	return fs;
}

static int rfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void) fi;
	return tree_getattr(rfs_get(), path, st);
}

static int rfs_opendir(const char *path, struct fuse_file_info *fi)
{
	struct tree_dir *dir = NULL;
	int ret = tree_opendir(rfs_get(), path, &dir);

	fi->fh = (uint64_t) (uintptr_t) dir;
	return ret;
}

/*
 * Offsets are 1 for ".", 2 for "..", 3 + i for entry i. They must be nonzero:
 * libfuse before 3.17.1 drops readdirplus attributes given with offset 0.
 */
static int rfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct tree_dir *dir = (struct tree_dir *) (uintptr_t) fi->fh;
	char namebuf[NAMES_MAX + 1];
	bool filled = false;
	struct stat st;

	(void) path;
	for (off_t at = off < 0 ? 0 : off;; at++) {
		enum fuse_fill_dir_flags fill = 0;
		const char *name;

		memset(&st, 0, sizeof st);
		if (at < 2) {
			name = at == 0 ? "." : "..";
			st.st_mode = S_IFDIR;
		} else {
			mode_t type;
			/* once something is filled, hand it out rather than wait for Redis */
			int got = tree_dir_entry(dir, (size_t) at - 2, !filled, namebuf, &name,
						 &type);

			if (got < 0 && !filled)
				return got; /* the scan failed: never an end that looks complete */
			if (got <= 0)
				break; /* the end, keys on their way, or an error the next request
					  gets */
			st.st_mode = type;
			/* readdirplus: attributes for a batch at once, not a lookup per file */
			if ((flags & FUSE_READDIR_PLUS) &&
			    tree_dir_stat(rfs_get(), dir, (size_t) at - 2, &st) == 0) {
				fill = FUSE_FILL_DIR_PLUS;
			} else {
				memset(&st, 0, sizeof st); /* the kernel looks this one up */
				st.st_mode = type;
			}
		}
		if (filler(buf, name, &st, at + 1, fill))
			break;
		filled = true;
	}
	return 0;
}

static int rfs_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void) path;
	tree_closedir(rfs_get(), (struct tree_dir *) (uintptr_t) fi->fh);
	return 0;
}

static struct file *file_of(struct fuse_file_info *fi)
{
	return (struct file *) (uintptr_t) fi->fh;
}

static int rfs_open(const char *path, struct fuse_file_info *fi)
{
	struct file *f = NULL;
	int ret = file_open(rfs_get(), path, fi->flags, &f);

	fi->fh = (uint64_t) (uintptr_t) f;
	return ret;
}

static int rfs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void) path;
	return (int) file_read(rfs_get(), file_of(fi), buf, size, off);
}

static int rfs_release(const char *path, struct fuse_file_info *fi)
{
	(void) path;
	file_release(rfs_get(), file_of(fi));
	return 0;
}

/* close(2) of every descriptor calls this: what was written must be in Redis when it returns */
static int rfs_flush(const char *path, struct fuse_file_info *fi)
{
	(void) path;
	return file_flush(rfs_get(), file_of(fi));
}

static int rfs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void) path;
	(void) datasync;
	return file_flush(rfs_get(), file_of(fi));
}

static int rfs_unlink(const char *path)
{
	return tree_unlink(rfs_get(), path);
}

static int rfs_rmdir(const char *path)
{
	return tree_rmdir(rfs_get(), path);
}

static int rfs_mkdir(const char *path, mode_t mode)
{
	(void) mode;
	return tree_refuse_change(rfs_get(), path, -EPERM);
}

static int rfs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct file *f = NULL;
	int ret;

	(void) mode; /* Redis keeps no modes: every key is 0644 */
	ret = file_create(rfs_get(), path, fi->flags, &f);
	fi->fh = (uint64_t) (uintptr_t) f;
	return ret;
}

static int rfs_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct file *f = NULL;
	int ret;

	(void) rdev;
	if (!S_ISREG(mode))
		return tree_refuse_change(rfs_get(), path, -EPERM); /* no fifos or devices */
	ret = file_create(rfs_get(), path, O_WRONLY, &f);
	if (!ret)
		file_release(rfs_get(), f);
	return ret;
}

static int rfs_rename(const char *from, const char *to, unsigned int flags)
{
	return rename_key(rfs_get(), from, to, flags);
}

static int rfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	return file_truncate(rfs_get(), path, size, fi ? file_of(fi) : NULL);
}

static int rfs_write(const char *path, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void) path;
	return (int) file_write(rfs_get(), file_of(fi), buf, size, off);
}

static int rfs_setxattr(const char *path, const char *name, const char *value, size_t size,
			int flags)
{
	return xattr_set(rfs_get(), path, name, value, size, flags);
}

static int rfs_getxattr(const char *path, const char *name, char *value, size_t size)
{
	return xattr_get(rfs_get(), path, name, value, size);
}

static int rfs_listxattr(const char *path, char *list, size_t size)
{
	return xattr_list(rfs_get(), path, list, size);
}

static int rfs_removexattr(const char *path, const char *name)
{
	return xattr_remove(rfs_get(), path, name);
}

/*
 * Redis keeps no modes or owners: chmod and chown succeed and change nothing,
 * so that cp -p, sed -i and editors that copy a file's mode do not fail.
 */
static int rfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void) mode;
	(void) fi;
	return tree_refuse_change(rfs_get(), path, 0);
}

static int rfs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void) uid;
	(void) gid;
	(void) fi;
	return tree_refuse_change(rfs_get(), path, 0);
}

static int rfs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	(void) tv;
	(void) fi;
	/* Redis keeps no times; touch of an existing key succeeds and changes nothing */
	return tree_refuse_change(rfs_get(), path, 0);
}

static int rfs_statfs(const char *path, struct statvfs *st)
{
	(void) path;
	memset(st, 0, sizeof *st);
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namemax = 255;
	return 0;
}

static const struct fuse_operations rfs_operations = {
	.init = rfs_init,
	.getattr = rfs_getattr,
	.opendir = rfs_opendir,
	.readdir = rfs_readdir,
	.releasedir = rfs_releasedir,
	.open = rfs_open,
	.read = rfs_read,
	.release = rfs_release,
	.flush = rfs_flush,
	.fsync = rfs_fsync,
	.unlink = rfs_unlink,
	.rmdir = rfs_rmdir,
	.mkdir = rfs_mkdir,
	.create = rfs_create,
	.mknod = rfs_mknod,
	.rename = rfs_rename,
	.truncate = rfs_truncate,
	.write = rfs_write,
	.setxattr = rfs_setxattr,
	.getxattr = rfs_getxattr,
	.listxattr = rfs_listxattr,
	.removexattr = rfs_removexattr,
	.chmod = rfs_chmod,
	.chown = rfs_chown,
	.utimens = rfs_utimens,
	.statfs = rfs_statfs,
};

const struct fuse_operations *ops_table(void)
{
	return &rfs_operations;
}
