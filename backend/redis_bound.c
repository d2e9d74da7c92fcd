/* redis_bound.c - a hiredis reader that refuses absurd array sizes instead of allocating them. */
#include "redis_bound.h"

#include <pthread.h>

#define REPLY_ARRAY_MAX (1 << 24) /* elements in one reply: far above what we ask for */

/*
 * Bytes of read buffer a reader keeps between replies. hiredis frees its
 * buffer once a reply is consumed if more than 16 KiB are spare, so every
 * reply of a big read (GETRANGE of 256 KiB) grew it anew, doubling and
 * copying; kept up to this size, it grows once. A bigger reply (a whole
 * value) still gives its buffer back.
 */
#define READER_KEEP (2 << 20)

/*
 * hiredis allocates an array of `elements` pointers as soon as a reply
 * announces them: a broken or hostile server could ask for 16 GiB with a
 * dozen bytes. No command redisfs sends gets anywhere near this many.
 */
static const redisReplyObjectFunctions *hiredis_functions; /* hiredis's own */
static redisReplyObjectFunctions bounded_functions;
static pthread_once_t bounded_once = PTHREAD_ONCE_INIT;

static void *create_bounded_array(const redisReadTask *task, int elements)
{
	if (elements > REPLY_ARRAY_MAX)
		return NULL; /* the reader fails with "Out of memory": the call is EIO */
	return hiredis_functions->createArray(task, elements);
}

static void bounded_functions_init(void)
{
	redisReader *reader = redisReaderCreate();

	if (!reader)
		return;
	hiredis_functions = reader->fn;
	bounded_functions = *reader->fn;
	bounded_functions.createArray = create_bounded_array;
	redisReaderFree(reader);
}

void redis_bound_reader(redisReader *reader)
{
	pthread_once(&bounded_once, bounded_functions_init);
	if (hiredis_functions && reader->fn == hiredis_functions)
		reader->fn = &bounded_functions;
	reader->maxbuf = READER_KEEP;
}
