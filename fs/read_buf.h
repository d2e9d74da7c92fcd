/* read_buf.h - one page-aligned reply buffer per FUSE thread, kept from one read to the next. */
#ifndef REDISFS_READ_BUF_H
#define REDISFS_READ_BUF_H

#include <pthread.h>
#include <stddef.h>

/*
 * A read's reply is built in a buffer that the kernel then copies into the
 * reader's pages. A fresh malloc per read costs twice: a reply of 256 KiB or
 * more is a new mmap each time (page faults on every page), and the kernel's
 * copy is slower from some offsets within a page than from its start. So each
 * thread keeps one buffer, aligned to a page, grown when a read asks for more.
 */
struct read_bufs {
	pthread_key_t key;
};

/* 0, or -errno when no thread key is left. */
int read_bufs_init(struct read_bufs *rb);

/* Free the calling thread's buffer and the key (other threads freed theirs as they ended). */
void read_bufs_free(struct read_bufs *rb);

/* The calling thread's buffer of at least `size` bytes, page-aligned; NULL when out of memory. */
char *read_bufs_get(struct read_bufs *rb, size_t size);

#endif
