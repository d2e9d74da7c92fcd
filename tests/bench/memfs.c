/* memfs.c - benchmark floor: redisfs's tree shape (db0 of N files) served from memory by FUSE. */

/*
 * Usage: memfs MOUNTPOINT [-f] [-o count=N,size=BYTES,prefix=P,cache_timeout=S]
 *
 * The root holds db0, and db0 holds the files P0 .. P{N-1}, each BYTES long
 * (defaults: 1000 files of 32 bytes named key:0 ..). It does what redisfs does
 * on the kernel side (the high-level libfuse API, multi-threaded, the same cache
 * timeouts, readdirplus, an xattr handler, unlink, and rmdir of db0 that empties
 * it and leaves it) and nothing on the other side, so that tests/bench/run.sh can
 * set redisfs beside the cheapest a FUSE file system can be.
 *
 * Byte `o` of every file is byte o % 8 of the line "%07d\n" of o / 1 MiB: what
 * run.sh stores in Redis, so that an md5sum tells whether both read the same.
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314 /* meson defines it for the whole project */
#endif

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DB_DIR "db0"
#define BLOCK_SHIFT 20 /* the content's line changes every MiB, like run.sh's big string */
#define LINE_LEN 8     /* "%07d\n" */

struct memfs_options {
	unsigned long count;
	unsigned long long size;
	char *prefix;
	double cache_timeout;
};

struct memfs_file {
	char *name; /* inside memfs.names */
	bool removed;
};

struct memfs {
	struct memfs_options opts;
	struct memfs_file *files; /* sorted by name, like redisfs's listings */
	char *names;		  /* every name, NUL-terminated, back to back */
	pthread_rwlock_t lock;	  /* over files[].removed */
	struct timespec mounted;
	uid_t uid;
	gid_t gid;
};

#define MEMFS_OPT(t, p) { t, offsetof(struct memfs_options, p), 1 }
static const struct fuse_opt memfs_opts[] = {
	MEMFS_OPT("count=%lu", count),
	MEMFS_OPT("size=%llu", size),
	MEMFS_OPT("prefix=%s", prefix),
	MEMFS_OPT("cache_timeout=%lf", cache_timeout),
	FUSE_OPT_END
};

static struct memfs *memfs_get(void)
{
	return fuse_get_context()->private_data;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct memfs_file *) a)->name, ((const struct memfs_file *) b)->name);
}

/* Generate the names and sort them. Returns 0, or -ENOMEM; memfs_free frees. */
static int memfs_fill(struct memfs *m)
{
	size_t width = strlen(m->opts.prefix) + 21; /* a 64-bit decimal and its NUL */
	char *at;

	m->files = calloc(m->opts.count ? m->opts.count : 1, sizeof *m->files);
	m->names = malloc(m->opts.count * width + 1);
	if (!m->files || !m->names)
		return -ENOMEM;
	at = m->names;
	for (unsigned long i = 0; i < m->opts.count; i++) {
		m->files[i].name = at;
		at += sprintf(at, "%s%lu", m->opts.prefix, i) + 1;
	}
	qsort(m->files, m->opts.count, sizeof *m->files, file_cmp);
	return 0;
}

static void memfs_free(struct memfs *m)
{
	free(m->files);
	free(m->names);
	free(m->opts.prefix);
}

enum node { NODE_NONE, NODE_ROOT, NODE_DB, NODE_FILE };

/* What `path` names; for a file, its index in *at. Call with the lock held. */
static enum node memfs_find(struct memfs *m, const char *path, size_t *at)
{
	struct memfs_file key, *f;
	const char *rest;

	if (strcmp(path, "/") == 0)
		return NODE_ROOT;
	if (strncmp(path, "/" DB_DIR, strlen("/" DB_DIR)) != 0)
		return NODE_NONE;
	rest = path + strlen("/" DB_DIR);
	if (!*rest)
		return NODE_DB;
	if (*rest != '/')
		return NODE_NONE;
	key.name = (char *) rest + 1;
	f = bsearch(&key, m->files, m->opts.count, sizeof *m->files, file_cmp);
	if (!f || f->removed)
		return NODE_NONE;
	*at = (size_t) (f - m->files);
	return NODE_FILE;
}

static void memfs_stat(const struct memfs *m, enum node n, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_atim = m->mounted;
	st->st_mtim = m->mounted;
	st->st_ctim = m->mounted;
	if (n == NODE_FILE) {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = (off_t) m->opts.size;
		st->st_blocks = (blkcnt_t) ((m->opts.size + 511) / 512);
	} else {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	}
}

static void *memfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct memfs *m = memfs_get();

	(void) conn;
	/* as redisfs's rfs_init: what it may cache, memfs may cache, and no more */
	cfg->entry_timeout = m->opts.cache_timeout;
	cfg->attr_timeout = m->opts.cache_timeout;
	cfg->negative_timeout = m->opts.cache_timeout;
	cfg->kernel_cache = 0;
	cfg->hard_remove = 1;
	return m;
}

static int memfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct memfs *m = memfs_get();
	enum node n;
	size_t at;

	(void) fi;
	pthread_rwlock_rdlock(&m->lock);
	n = memfs_find(m, path, &at);
	pthread_rwlock_unlock(&m->lock);
	if (n == NODE_NONE)
		return -ENOENT;
	memfs_stat(m, n, st);
	return 0;
}

/*
 * Offsets are 1 for ".", 2 for "..", 3 + i for file i (removed ones skipped):
 * nonzero, because libfuse before 3.17.1 drops readdirplus attributes given
 * with offset 0. "." and ".." go without attributes: libfuse would pass their
 * st_ino of 0 on, and glibc's readdir hides entries whose d_ino is 0.
 */
static int memfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
			 struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	enum fuse_fill_dir_flags fill = (flags & FUSE_READDIR_PLUS) ? FUSE_FILL_DIR_PLUS : 0;
	struct memfs *m = memfs_get();
	struct stat dir, file;
	enum node n;
	size_t at;

	(void) fi;
	pthread_rwlock_rdlock(&m->lock);
	n = memfs_find(m, path, &at);
	if (n != NODE_ROOT && n != NODE_DB) {
		pthread_rwlock_unlock(&m->lock);
		return n == NODE_NONE ? -ENOENT : -ENOTDIR;
	}
	memfs_stat(m, NODE_DB, &dir);
	memfs_stat(m, NODE_FILE, &file);
	for (off_t i = off < 0 ? 0 : off;; i++) {
		if (i == 0) {
			if (filler(buf, ".", &dir, 1, 0))
				break;
		} else if (i == 1) {
			if (filler(buf, "..", &dir, 2, 0))
				break;
		} else if (n == NODE_ROOT) {
			if (i == 2)
				filler(buf, DB_DIR, &dir, 3, fill);
			break;
		} else if ((size_t) i - 2 < m->opts.count) {
			const struct memfs_file *f = &m->files[i - 2];

			if (!f->removed && filler(buf, f->name, &file, i + 1, fill))
				break;
		} else {
			break;
		}
	}
	pthread_rwlock_unlock(&m->lock);
	return 0;
}

static int memfs_open(const char *path, struct fuse_file_info *fi)
{
	struct memfs *m = memfs_get();
	enum node n;
	size_t at;

	pthread_rwlock_rdlock(&m->lock);
	n = memfs_find(m, path, &at);
	pthread_rwlock_unlock(&m->lock);
	if (n != NODE_FILE)
		return n == NODE_NONE ? -ENOENT : -EISDIR;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS; /* a floor for reading and removing: nothing to write to */
	return 0;
}

/* The content at `off`: its MiB's line "%07d\n" over and over, 8 bytes at a time. */
static void memfs_content(char *buf, size_t len, uint64_t off)
{
	while (len) {
		uint64_t block = off >> BLOCK_SHIFT;
		uint64_t block_end = (block + 1) << BLOCK_SHIFT;
		size_t n = block_end - off < len ? (size_t) (block_end - off) : len;
		char line[LINE_LEN + 1];
		size_t i = 0;

		snprintf(line, sizeof line, "%07llu\n", (unsigned long long) (block % 10000000));
		for (; i < n && (off + i) % LINE_LEN; i++)
			buf[i] = line[(off + i) % LINE_LEN];
		for (; i + LINE_LEN <= n; i += LINE_LEN)
			memcpy(buf + i, line, LINE_LEN);
		for (; i < n; i++)
			buf[i] = line[(off + i) % LINE_LEN];
		buf += n;
		off += n;
		len -= n;
	}
}

static int memfs_read(const char *path, char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct memfs *m = memfs_get();

	(void) path;
	(void) fi;
	if (off < 0)
		return -EINVAL;
	if ((uint64_t) off >= m->opts.size)
		return 0;
	if (size > m->opts.size - (uint64_t) off)
		size = (size_t) (m->opts.size - (uint64_t) off);
	memfs_content(buf, size, (uint64_t) off);
	return (int) size;
}

static int memfs_unlink(const char *path)
{
	struct memfs *m = memfs_get();
	enum node n;
	size_t at;

	pthread_rwlock_wrlock(&m->lock);
	n = memfs_find(m, path, &at);
	if (n == NODE_FILE)
		m->files[at].removed = true;
	pthread_rwlock_unlock(&m->lock);
	if (n == NODE_NONE)
		return -ENOENT;
	return n == NODE_FILE ? 0 : -EISDIR;
}

/* rmdir of db0 empties it and leaves it, as redisfs's FLUSHDB does. */
static int memfs_rmdir(const char *path)
{
	struct memfs *m = memfs_get();
	enum node n;
	size_t at;

	pthread_rwlock_wrlock(&m->lock);
	n = memfs_find(m, path, &at);
	if (n == NODE_DB) {
		for (size_t i = 0; i < m->opts.count; i++)
			m->files[i].removed = true;
	}
	pthread_rwlock_unlock(&m->lock);
	if (n == NODE_NONE)
		return -ENOENT;
	if (n == NODE_FILE)
		return -ENOTDIR;
	return n == NODE_DB ? 0 : -EBUSY;
}

/* No attributes at all, answered without work: ls -l asks every file for two. */
static int memfs_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct stat st;
	int ret = memfs_getattr(path, &st, NULL);

	(void) name;
	(void) value;
	(void) size;
	return ret ? ret : -ENODATA;
}

static int memfs_listxattr(const char *path, char *list, size_t size)
{
	struct stat st;

	(void) list;
	(void) size;
	return memfs_getattr(path, &st, NULL);
}

static const struct fuse_operations memfs_operations = {
	.init = memfs_init,
	.getattr = memfs_getattr,
	.readdir = memfs_readdir,
	.open = memfs_open,
	.read = memfs_read,
	.unlink = memfs_unlink,
	.rmdir = memfs_rmdir,
	.getxattr = memfs_getxattr,
	.listxattr = memfs_listxattr,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct memfs m;
	int ret = 1;

	memset(&m, 0, sizeof m);
	m.opts.count = 1000;
	m.opts.size = 32;
	m.opts.cache_timeout = 1.0; /* redisfs's default cache_timeout */
	m.uid = getuid();
	m.gid = getgid();
	clock_gettime(CLOCK_REALTIME, &m.mounted);
	pthread_rwlock_init(&m.lock, NULL);

	if (fuse_opt_parse(&args, &m.opts, memfs_opts, NULL) != 0)
		goto out;
	if (!m.opts.prefix) {
		m.opts.prefix = strdup("key:");
		if (!m.opts.prefix)
			goto out;
	}
	if (memfs_fill(&m)) {
		fprintf(stderr, "memfs: out of memory for %lu names\n", m.opts.count);
		goto out;
	}
	ret = fuse_main(args.argc, args.argv, &memfs_operations, &m);
out:
	memfs_free(&m); /* what fuse_opt_parse or memfs_fill left, too */
	fuse_opt_free_args(&args);
	pthread_rwlock_destroy(&m.lock);
	return ret;
}
