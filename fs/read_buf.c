/* read_buf.c - one page-aligned reply buffer per FUSE thread, kept from one read to the next. */
#include "read_buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define PAGE 4096

struct read_buf {
	char *raw;     /* what malloc gave */
	char *aligned; /* the first page boundary in it */
	size_t room;   /* bytes from `aligned` on */
};

static void buf_free(void *p)
{
	struct read_buf *b = p;

	if (b)
		free(b->raw);
	free(b);
}

int read_bufs_init(struct read_bufs *rb)
{
	return -pthread_key_create(&rb->key, buf_free);
}

void read_bufs_free(struct read_bufs *rb)
{
	buf_free(pthread_getspecific(rb->key));
	pthread_setspecific(rb->key, NULL);
	pthread_key_delete(rb->key);
}

char *read_bufs_get(struct read_bufs *rb, size_t size)
{
	struct read_buf *b = pthread_getspecific(rb->key);
	char *raw;

	if (b && b->room >= size)
		return b->aligned;
	if (!b) {
		b = calloc(1, sizeof *b);
		if (!b || pthread_setspecific(rb->key, b)) {
			free(b);
			return NULL;
		}
	}
	/* rounded by hand: posix_memalign took longer per call in measurements */
	raw = malloc(size + PAGE);
	if (!raw)
		return NULL;
	free(b->raw);
	b->raw = raw;
	b->aligned = (char *) (((uintptr_t) raw + PAGE - 1) & ~(uintptr_t) (PAGE - 1));
	b->room = size;
	return b->aligned;
}
