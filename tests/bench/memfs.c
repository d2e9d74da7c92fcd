/* memfs.c - benchmark floor: redisfs's tree shape (db0 of N files) served from memory by FUSE. */

/*
 * Usage: memfs MOUNTPOINT [-f] [-o count=N,size=BYTES,prefix=P,cache_timeout=S]
 *
 * The root holds db0, and db0 holds the files P0 .. P{N-1}, each BYTES long
 * (defaults: 1000 files of 32 bytes named key:0 ..). It does what redisfs does
 * on the kernel side (libfuse's low-level API, multi-threaded, the same cache
 * timeouts, readdirplus, an xattr handler, unlink, and rmdir of db0 that empties
 * it and leaves it) and nothing on the other side, so that tests/bench/run.sh can
 * set redisfs beside the cheapest a FUSE file system can be: no paths, no node
 * table, no lock, nothing allocated per file, per lookup or per listing. The
 * attributes are redisfs's (st_blksize 1 MiB for files, 4096 for folders), so
 * ls -l makes the same syscalls and the kernel the same requests: for ls -l of
 * 100,000 files, 513 READDIRPLUS and 200,003 GETXATTR on both, and no LOOKUP per
 * file (the entries come with readdirplus).
 *
 * Byte `o` of every file is byte o % 8 of the line "%07d\n" of o / 1 MiB: what
 * run.sh stores in Redis, so that an md5sum tells whether both read the same.
 */
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314 /* meson defines it for the whole project */
#endif

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define DB_DIR	     "db0"
#define BLOCK_SHIFT  20	       /* the content's line changes every MiB, like run.sh's big string */
#define LINE_LEN     8	       /* "%07d\n" */
#define READ_ALIGN   4096      /* a page: where read replies start (memfs_read says why) */
#define FILE_BLKSIZE (1 << 20) /* redisfs's st_blksize for files */
#define DIR_BLKSIZE  4096      /* and for folders: it sizes glibc's readdir buffer */
#define LIST_STACK   (128 * 1024) /* the largest readdir reply built on the stack */

/*
 * Fixed inode numbers: the root, db0, then file i of the sorted array. A file's
 * number never changes and is never given to another file (a removed one stays
 * removed), so the number alone says what a request is about.
 */
#define ROOT_INO       FUSE_ROOT_ID /* 1 */
#define DB_INO	       2
#define FIRST_FILE_INO 3

struct memfs_options {
	unsigned long count;
	unsigned long long size;
	char *prefix;
	double cache_timeout;
};

struct memfs_file {
	char *name;	     /* inside memfs.names */
	atomic_bool removed; /* set once, never cleared: a flag needs no lock */
};

struct memfs {
	struct memfs_options opts;
	struct memfs_file *files; /* sorted by name, like redisfs's listings */
	char *names;		  /* every name, NUL-terminated, back to back */
	struct timespec mounted;
	uid_t uid;
	gid_t gid;
};

/* one option a line, which clang-format would pack */
/* clang-format off */
#define MEMFS_OPT(t, p) { t, offsetof(struct memfs_options, p), 1 }
static const struct fuse_opt memfs_opts[] = {
	MEMFS_OPT("count=%lu", count),
	MEMFS_OPT("size=%llu", size),
	MEMFS_OPT("prefix=%s", prefix),
	MEMFS_OPT("cache_timeout=%lf", cache_timeout),
	FUSE_OPT_END
};
/* clang-format on */

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

/* What inode `ino` is now; NODE_NONE for a removed file. */
static enum node memfs_node(const struct memfs *m, fuse_ino_t ino)
{
	if (ino == ROOT_INO)
		return NODE_ROOT;
	if (ino == DB_INO)
		return NODE_DB;
	if (ino < FIRST_FILE_INO || ino - FIRST_FILE_INO >= m->opts.count)
		return NODE_NONE;
	return atomic_load_explicit(&m->files[ino - FIRST_FILE_INO].removed, memory_order_relaxed)
		       ? NODE_NONE
		       : NODE_FILE;
}

/* The inode of `name` in folder `parent`, or 0 when there is none. */
static fuse_ino_t memfs_child(const struct memfs *m, fuse_ino_t parent, const char *name)
{
	struct memfs_file key = {.name = (char *) name};
	const struct memfs_file *f;

	if (parent == ROOT_INO)
		return strcmp(name, DB_DIR) == 0 ? DB_INO : 0;
	if (parent != DB_INO)
		return 0;
	f = bsearch(&key, m->files, m->opts.count, sizeof *m->files, file_cmp);
	if (!f || atomic_load_explicit(&f->removed, memory_order_relaxed))
		return 0;
	return FIRST_FILE_INO + (fuse_ino_t) (f - m->files);
}

static void memfs_stat(const struct memfs *m, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_ino = ino;
	st->st_uid = m->uid;
	st->st_gid = m->gid;
	st->st_atim = m->mounted;
	st->st_mtim = m->mounted;
	st->st_ctim = m->mounted;
	if (ino >= FIRST_FILE_INO) {
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_size = (off_t) m->opts.size;
		st->st_blocks = (blkcnt_t) ((m->opts.size + 511) / 512);
		st->st_blksize = FILE_BLKSIZE;
	} else {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		st->st_blksize = DIR_BLKSIZE;
	}
}

/*
 * The entry of `ino`, cached as long as redisfs lets the kernel cache its own.
 * For ino 0 it is a negative entry, which the kernel keeps for entry_timeout as
 * redisfs's negative_timeout = cache_timeout asks.
 */
static void memfs_entry(const struct memfs *m, fuse_ino_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof *e);
	e->ino = ino;
	e->entry_timeout = m->opts.cache_timeout;
	if (ino) {
		e->attr_timeout = m->opts.cache_timeout;
		memfs_stat(m, ino, &e->attr);
	}
}

static void memfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memfs *m = fuse_req_userdata(req);
	struct fuse_entry_param e;
	fuse_ino_t ino = memfs_child(m, parent, name);

	memfs_entry(m, ino, &e);
	fuse_reply_entry(req, &e);
}

/*
 * Every lookup and every readdirplus entry adds one to the kernel's count for an
 * inode, and forget takes them back. Nothing here is allocated per lookup and no
 * number is reused, so there is nothing to count or free: forget only answers.
 */
static void memfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void) ino;
	(void) nlookup;
	fuse_reply_none(req);
}

static void memfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	(void) count;
	(void) forgets;
	fuse_reply_none(req);
}

static void memfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct memfs *m = fuse_req_userdata(req);
	struct stat st;

	(void) fi;
	if (memfs_node(m, ino) == NODE_NONE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memfs_stat(m, ino, &st);
	fuse_reply_attr(req, &st, m->opts.cache_timeout);
}

static void memfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct memfs *m = fuse_req_userdata(req);
	enum node n = memfs_node(m, ino);

	if (n == NODE_NONE || n == NODE_FILE) {
		fuse_reply_err(req, n == NODE_NONE ? ENOENT : ENOTDIR);
		return;
	}
	fuse_reply_open(req, fi); /* no state: offsets say where a listing is */
}

/*
 * Entry `i` of folder `dir`: its name, or NULL past the end; *ino is 0 for a
 * removed file, which the listing skips. Entry i's offset is i + 1: nonzero, and
 * stable however many files are removed.
 */
static const char *memfs_dirent(const struct memfs *m, fuse_ino_t dir, off_t i, fuse_ino_t *ino)
{
	const struct memfs_file *f;

	if (i == 0 || i == 1) {
		*ino = i == 0 ? dir : ROOT_INO;
		return i == 0 ? "." : "..";
	}
	if (dir == ROOT_INO) {
		*ino = DB_INO;
		return i == 2 ? DB_DIR : NULL;
	}
	if ((uint64_t) i - 2 >= m->opts.count)
		return NULL;
	f = &m->files[i - 2];
	*ino = atomic_load_explicit(&f->removed, memory_order_relaxed)
		       ? 0
		       : FIRST_FILE_INO + (fuse_ino_t) (i - 2);
	return f->name;
}

/*
 * Add entry `name` at `buf`, with its attributes when `plus`. Returns the space
 * it needs, more than `room` when it did not fit (and was not added).
 */
static size_t memfs_add(fuse_req_t req, char *buf, size_t room, const char *name,
			const struct fuse_entry_param *e, off_t next, bool plus)
{
	if (plus)
		return fuse_add_direntry_plus(req, buf, room, name, e, next);
	return fuse_add_direntry(req, buf, room, name, &e->attr, next);
}

static void memfs_list(fuse_req_t req, fuse_ino_t dir, size_t size, off_t off, bool plus)
{
	struct memfs *m = fuse_req_userdata(req);
	char stack[LIST_STACK]; /* the kernel asks for 32 KiB and more: no malloc for it */
	char *buf = size <= sizeof stack ? stack : malloc(size);
	struct fuse_entry_param file, folder;
	const char *name;
	size_t used = 0;
	fuse_ino_t ino;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* every file has the same attributes, and so has every folder: only st_ino differs */
	memfs_entry(m, FIRST_FILE_INO, &file);
	memfs_entry(m, DB_INO, &folder);
	for (off_t i = off < 0 ? 0 : off; (name = memfs_dirent(m, dir, i, &ino)); i++) {
		struct fuse_entry_param *e = ino >= FIRST_FILE_INO ? &file : &folder;
		size_t len;

		if (!ino)
			continue;
		/*
		 * "." and ".." go with ino 0, which the kernel takes as no lookup (it
		 * ignores their attributes anyway), but keep st_ino for d_ino: glibc's
		 * readdir hides entries whose d_ino is 0.
		 */
		e->ino = i < 2 ? 0 : ino;
		e->attr.st_ino = ino;
		len = memfs_add(req, buf + used, size - used, name, e, i + 1, plus);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	if (buf != stack)
		free(buf);
}

/* opendir let only folders through: `ino` is the root or db0. */
static void memfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi)
{
	(void) fi;
	memfs_list(req, ino, size, off, false);
}

static void memfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			      struct fuse_file_info *fi)
{
	(void) fi;
	memfs_list(req, ino, size, off, true);
}

static void memfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void) ino;
	(void) fi;
	fuse_reply_err(req, 0); /* opendir kept nothing */
}

static void memfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	enum node n = memfs_node(fuse_req_userdata(req), ino);

	if (n != NODE_FILE) {
		fuse_reply_err(req, n == NODE_NONE ? ENOENT : EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req,
			       EROFS); /* a floor for reading and removing: nothing to write to */
		return;
	}
	fi->keep_cache = 0; /* as redisfs: every open reads again */
	fuse_reply_open(req, fi);
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

/* open let only files through; a removed file stays readable while it is open. */
static void memfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct memfs *m = fuse_req_userdata(req);
	char *raw, *buf;

	(void) ino;
	(void) fi;
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((uint64_t) off >= m->opts.size || !size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > m->opts.size - (uint64_t) off)
		size = (size_t) (m->opts.size - (uint64_t) off);
	/*
	 * The kernel copies the reply into page-cache pages, and from some of the
	 * offsets in a page that malloc gave (it varies by thread) that copy took up
	 * to twice as long: 300-450 ms of daemon CPU for five reads of 100 MiB
	 * against 215-230 ms from the start of a page. posix_memalign was slower
	 * still (600 ms and more), hence the rounding by hand.
	 */
	raw = malloc(size + READ_ALIGN);
	if (!raw) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	buf = (char *) (((uintptr_t) raw + READ_ALIGN - 1) & ~(uintptr_t) (READ_ALIGN - 1));
	memfs_content(buf, size, (uint64_t) off);
	fuse_reply_buf(req, buf, size);
	free(raw);
}

static void memfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void) ino;
	(void) fi;
	fuse_reply_err(req, 0); /* open kept nothing */
}

static void memfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memfs *m = fuse_req_userdata(req);
	fuse_ino_t ino = memfs_child(m, parent, name);

	if (ino >= FIRST_FILE_INO)
		atomic_store(&m->files[ino - FIRST_FILE_INO].removed, true);
	if (!ino)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_err(req, ino >= FIRST_FILE_INO ? 0 : EISDIR);
}

/* rmdir of db0 empties it and leaves it, as redisfs's FLUSHDB does. */
static void memfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct memfs *m = fuse_req_userdata(req);
	fuse_ino_t ino = memfs_child(m, parent, name);

	if (ino == DB_INO) {
		for (size_t i = 0; i < m->opts.count; i++)
			atomic_store(&m->files[i].removed, true);
	}
	if (!ino)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_err(req, ino == DB_INO ? 0 : ENOTDIR);
}

/* Whether `ino` is there, for the xattr calls. */
static bool memfs_exists(struct memfs *m, fuse_ino_t ino)
{
	return memfs_node(m, ino) != NODE_NONE;
}

/* No attributes at all, answered without work: ls -l asks every file for two. */
static void memfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	(void) name;
	(void) size;
	fuse_reply_err(req, memfs_exists(fuse_req_userdata(req), ino) ? ENODATA : ENOENT);
}

static void memfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	if (!memfs_exists(fuse_req_userdata(req), ino))
		fuse_reply_err(req, ENOENT);
	else if (!size)
		fuse_reply_xattr(req, 0); /* the size of the empty list */
	else
		fuse_reply_buf(req, NULL, 0);
}

/* What redisfs's statfs says: nothing about space, only the block and name sizes. */
static void memfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void) ino;
	memset(&st, 0, sizeof st);
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	fuse_reply_statfs(req, &st);
}

/*
 * No init: the low-level API's defaults are what memfs wants. Having readdirplus
 * turns on FUSE_CAP_READDIRPLUS and FUSE_CAP_READDIRPLUS_AUTO, so the kernel asks
 * for readdirplus at the start of a listing and again once entries are looked up
 * (ls -l), and for plain readdir otherwise (ls -f): the choice it makes for redisfs.
 */
static const struct fuse_lowlevel_ops memfs_ops = {
	.lookup = memfs_lookup,
	.forget = memfs_forget,
	.forget_multi = memfs_forget_multi,
	.getattr = memfs_getattr,
	.opendir = memfs_opendir,
	.readdir = memfs_readdir,
	.readdirplus = memfs_readdirplus,
	.releasedir = memfs_releasedir,
	.open = memfs_open,
	.read = memfs_read,
	.release = memfs_release,
	.unlink = memfs_unlink,
	.rmdir = memfs_rmdir,
	.getxattr = memfs_getxattr,
	.listxattr = memfs_listxattr,
	.statfs = memfs_statfs,
};

/* --help, --version, or no mountpoint. Returns the exit status. */
static int memfs_usage(const char *prog, const struct fuse_cmdline_opts *cmd)
{
	if (cmd->show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		return 0;
	}
	printf("usage: %s MOUNTPOINT [options]\n\n"
	       "    -o count=N             files in db0 (1000)\n"
	       "    -o size=BYTES          bytes of every file (32)\n"
	       "    -o prefix=P            names P0 .. P{N-1} (key:)\n"
	       "    -o cache_timeout=S     entry, attribute and negative timeouts (1)\n\n",
	       prog);
	if (!cmd->show_help)
		return 1;
	fuse_cmdline_help();
	fuse_lowlevel_help();
	return 0;
}

/* The loop fuse_main would run: multi-threaded unless -s. Returns the loop's result. */
static int memfs_loop(struct fuse_session *se, const struct fuse_cmdline_opts *cmd)
{
	struct fuse_loop_config *config;
	int ret;

	if (cmd->singlethread)
		return fuse_session_loop(se);
	config = fuse_loop_cfg_create();
	if (!config)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(config, (unsigned int) cmd->clone_fd);
	/* UINT_MAX is "not given": passing it on only makes libfuse 3.14 print a warning */
	if (cmd->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(config, cmd->max_idle_threads);
	fuse_loop_cfg_set_max_threads(config, cmd->max_threads);
	ret = fuse_session_loop_mt(se, config);
	fuse_loop_cfg_destroy(config);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd;
	struct fuse_session *se;
	struct memfs m;
	int ret = 1;

	memset(&cmd, 0, sizeof cmd);
	memset(&m, 0, sizeof m);
	m.opts.count = 1000;
	m.opts.size = 32;
	m.opts.cache_timeout = 1.0; /* redisfs's default cache_timeout */
	m.uid = getuid();
	m.gid = getgid();
	clock_gettime(CLOCK_REALTIME, &m.mounted);

	/* libfuse's options first; what is left of -o is memfs's, then the session's */
	if (fuse_parse_cmdline(&args, &cmd) != 0)
		goto out1;
	if (cmd.show_help || cmd.show_version || !cmd.mountpoint) {
		ret = memfs_usage(argv[0], &cmd);
		goto out1;
	}
	if (fuse_opt_parse(&args, &m.opts, memfs_opts, NULL) != 0)
		goto out1;
	if (!m.opts.prefix) {
		m.opts.prefix = strdup("key:");
		if (!m.opts.prefix)
			goto out1;
	}
	if (memfs_fill(&m)) {
		fprintf(stderr, "memfs: out of memory for %lu names\n", m.opts.count);
		goto out1;
	}
	se = fuse_session_new(&args, &memfs_ops, sizeof memfs_ops, &m);
	if (!se)
		goto out1;
	if (fuse_set_signal_handlers(se) != 0)
		goto out2;
	if (fuse_session_mount(se, cmd.mountpoint) != 0)
		goto out3;
	fuse_daemonize(cmd.foreground);
	ret = memfs_loop(se, &cmd) ? 1 : 0;
	fuse_session_unmount(se);
out3:
	fuse_remove_signal_handlers(se);
out2:
	fuse_session_destroy(se);
out1:
	memfs_free(&m); /* what fuse_opt_parse or memfs_fill left, too */
	free(cmd.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
