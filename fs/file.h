/* file.h - open files: reads in ranges, write buffers, and the commit at close (SPEC 4, 5). */
#ifndef REDISFS_FILE_H
#define REDISFS_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "handles.h"
#include "open_keys.h"
#include "render.h"
#include "rfs.h"
#include "key.h"
#include "node.h"

/* Redis's default proto-max-bulk-len: the largest string, when the server does not say. */
#define FILE_DEFAULT_MAX_SIZE ((size_t) 512 << 20)

/*
 * An open file. Every descriptor of one key shares its open key (open_keys.h):
 * once a writer opens the key, the open key holds its whole content, which
 * every descriptor reads and writes, and close() writes it to Redis. Until
 * then a string opened read-only is read in ranges (GETRANGE), and any other
 * read-only file is rendered once at open into `text`.
 */
struct file {
	struct handle_link open; /* in rfs.open_files from open to release */
	struct open_key *ok;	 /* the key's shared state; NULL for a ghost member */
	struct rfs_key key;	 /* the key as opened: what ranged reads read */
	enum rv_type type;
	struct render_buf text; /* a read-only snapshot taken at open */
	bool ranged;		/* read from Redis in ranges instead of `text` */
	bool writable;		/* opened for writing */
};

/*
 * Ask the server for the largest string it takes (proto-max-bulk-len), or
 * take Redis's default of 512 MiB when it will not say. Called once at start.
 */
void file_ask_max_size(struct rfs *fs);

/* The largest file the mount takes: the server's proto-max-bulk-len. */
size_t file_max_size(const struct rfs *fs);

/*
 * open(2) of a node (a file's, its names filled) with `flags`; its key is
 * resolved again, for a shortened name that a key made since may share.
 * Writing needs a key of type string, list, set, zset or hash (streams:
 * EACCES) and a read-write mount (EROFS). O_TRUNC empties a string at once
 * (its TTL kept); a collection is replaced only once text is written, or
 * removed at the last close if none was: the shell's `>` closes a duplicate
 * descriptor before the command writes.
 */
int file_open(struct rfs *fs, const struct rfs_node *n, int flags, struct file **out);

/*
 * creat(2) of `name` in the folder `parent` (its node, names filled): a new
 * key is an empty string (SET key "" NX). A name that is not the canonical
 * name of a key (SPEC 3), or a shortened one, is EINVAL.
 */
int file_create(struct rfs *fs, const struct rfs_node *parent, const char *name, int flags,
		struct file **out);

/* read(2): the count read or -errno. */
ssize_t file_read(struct rfs *fs, struct file *f, char *buf, size_t size, off_t off);

/* The inode the kernel knows the file by: fstat after rm finds its bytes by it. */
void file_set_ino(struct rfs *fs, struct file *f, uint64_t ino);

/*
 * write(2) into the key's shared buffer, at its end with `append` (O_APPEND):
 * the count written or -errno; -EFBIG past file_max_size(), nothing kept.
 */
ssize_t file_write(struct rfs *fs, struct file *f, const char *buf, size_t size, off_t off,
		   bool append);

/*
 * copy_file_range(2): `len` bytes of `in` from `off_in` written into `out`
 * at `off_out`, through the same buffers as read and write, so that the
 * count is exact: fewer only at the end of `in`. The count copied or -errno.
 */
ssize_t file_copy_range(struct rfs *fs, struct file *in, off_t off_in, struct file *out,
			off_t off_out, size_t len);

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
void file_abandon(struct rfs *fs, struct file *f);

/*
 * truncate(2) (f NULL) and ftruncate(2) (f an open handle): -EFBIG past
 * file_max_size(), nothing allocated. A node (names filled; NULL for a
 * descriptor whose name is gone) whose key is open changes the shared bytes
 * and writes them to Redis at once.
 */
int file_truncate(struct rfs *fs, const struct rfs_node *n, off_t size, struct file *f);

/*
 * (db, key) is about to be removed or renamed: a descriptor that reads it
 * from Redis in ranges gets its whole content kept instead, so that it goes
 * on reading its own bytes (POSIX). 0 also when the key is not open.
 */
int file_keep_bytes(struct rfs *fs, int db, const char *key, size_t len);

/*
 * The key's type was changed through the mount (setxattr user.redis.type):
 * its open descriptors' text is of that type from now on, so that what tar
 * writes after setting the type is parsed as it, not written as a string.
 */
void file_type_changed(struct rfs *fs, int db, const char *key, size_t len, enum rv_type type);

#endif
