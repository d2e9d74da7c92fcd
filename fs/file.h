/* file.h - open files: reads in ranges, write buffers, and the commit at close (SPEC 4, 5). */
#ifndef REDISFS_FILE_H
#define REDISFS_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "handles.h"
#include "render.h"
#include "rfs.h"
#include "tree.h"

/*
 * An open file. A string opened read-only is read in ranges (GETRANGE); any
 * other read-only file is rendered once at open. A file opened for writing
 * holds its whole content in `text`, and close() writes it to Redis.
 */
struct file {
	struct handle_link open; /* in rfs.open_files from open to release */
	struct tree_key key;
	enum rv_type type;
	struct render_buf text;
	bool ranged;	      /* read from Redis in ranges instead of `text` */
	bool writable;	      /* opened for writing */
	bool dirty;	      /* changed since the last commit */
	bool pending_trunc;   /* opened with O_TRUNC, nothing written yet (non-strings) */
	pthread_mutex_t lock; /* the kernel reads one handle from several threads */
};

/*
 * open(2) of a path with `flags`. Writing needs a key of type string, list,
 * set, zset or hash (streams: EACCES) and a read-write mount (EROFS).
 * O_TRUNC empties a string at once (its TTL kept); a collection is replaced
 * only once text is written, or removed at the last close if none was: the
 * shell's `>` closes a duplicate descriptor before the command writes.
 */
int file_open(struct rfs *fs, const char *path, int flags, struct file **out);

/*
 * creat(2): a new key is an empty string (SET key "" NX). A name that is not
 * the canonical name of a key (SPEC 3), or a shortened one, is EINVAL.
 */
int file_create(struct rfs *fs, const char *path, int flags, struct file **out);

/* read(2): the count read or -errno. */
ssize_t file_read(struct rfs *fs, struct file *f, char *buf, size_t size, off_t off);

/* write(2) into the handle's buffer: the count written or -errno. */
ssize_t file_write(struct rfs *fs, struct file *f, const char *buf, size_t size, off_t off);

/*
 * close(2) and fsync(2): write a changed buffer to Redis. A string's bytes
 * replace the value (SET KEEPTTL); other types' text is parsed (SPEC 4) and
 * replaces the key in one MULTI/EXEC that keeps its TTL. Text that does not
 * parse is EINVAL, the key untouched, the reason in the log.
 */
int file_flush(struct rfs *fs, struct file *f);

/*
 * Whether the handle's reads and writes must bypass the kernel's page cache
 * (direct I/O). The cache of an inode is shared by all its descriptors, and
 * a writer's bytes land in it while another process copies them out, so a
 * reader could see two versions mixed. A handle that writes, or that reads a
 * snapshot taken at open (a collection's text, a ghost), goes straight to
 * the daemon: each read sees one whole value, exactly the bytes the handle
 * holds. A string opened read-only is read in ranges from Redis and keeps
 * the cache, whose readahead overlaps the daemon's reads with the reader's
 * work (cat | md5sum of 100 MiB takes half the time).
 */
bool file_direct_io(const struct file *f);

/* The last close: a pending O_TRUNC of a collection removes it; then frees `f`. */
void file_release(struct rfs *fs, struct file *f);

/*
 * Free a handle the kernel never released (the daemon stops with it open):
 * nothing is written, since its writer never closed it; a change it held is
 * logged as lost.
 */
void file_abandon(struct file *f);

/* truncate(2) (f NULL) and ftruncate(2) (f an open handle). */
int file_truncate(struct rfs *fs, const char *path, off_t size, struct file *f);

#endif
