/* redis_scan_reply.c - SCAN replies read by hiredis straight into an rv_array. */
#include "redis_scan_reply.h"

#include <errno.h>
#include <string.h>

#define REPLY_ARRAY_MAX (1 << 24) /* as redis_bound.c: no SCAN reply comes near it */

/*
 * What the reader is handed back in place of objects: the stand-in for a
 * whole SCAN reply (an array of two, which is all that redis_dedicated.c
 * looks at), and one for its parts. Read-only: hiredis only passes them on.
 */
static const redisReply scan_reply = {.type = REDIS_REPLY_ARRAY, .elements = 2};
static const char scan_part;

static void *stand_in(const void *p)
{
	return (void *) p; /* hiredis takes void *; nothing ever writes through these */
}

/* What a reply's part is: a part of the SCAN reply at the top, or of its key array. */
static bool in_top(const redisReadTask *task)
{
	return task->parent && task->parent->obj == &scan_reply;
}

static bool in_keys(const redisReadTask *task)
{
	return task->parent && task->parent->parent && task->parent->parent->obj == &scan_reply &&
	       task->parent->idx == 1;
}

static void *mark_malformed(const redisReadTask *task)
{
	((struct scan_sink *) task->privdata)->malformed = true;
	return stand_in(&scan_part); /* read on to the end: the connection stays in step */
}

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
	struct scan_sink *sink = task->privdata;

	if (!task->parent)
		return sink->inner->createString(task, str, len); /* an error, a status */
	if (task->type != REDIS_REPLY_STRING)
		return mark_malformed(task);
	if (in_top(task) && task->idx == 0) {
		if (len == 0 || len >= SCAN_CURSOR_SIZE)
			return mark_malformed(task);
		for (size_t i = 0; i < len; i++) {
			if (str[i] < '0' || str[i] > '9')
				return mark_malformed(task); /* a cursor is an unsigned decimal */
		}
		memcpy(sink->cursor, str, len);
		sink->cursor[len] = '\0';
		sink->has_cursor = true;
		return stand_in(&scan_part);
	}
	if (!in_keys(task))
		return mark_malformed(task);
	if (rv_array_push(sink->keys, str, len))
		return NULL; /* the reader fails with "Out of memory": the call is EIO */
	return stand_in(&scan_part);
}

static void *create_array(const redisReadTask *task, int elements)
{
	struct scan_sink *sink = task->privdata;

	if (elements > REPLY_ARRAY_MAX)
		return NULL;
	if (!task->parent) {
		/* a reply begins: one read again after a redial drops what the broken one gave */
		rv_array_truncate(sink->keys, sink->mark);
		sink->has_cursor = sink->has_keys = sink->malformed = false;
		if (elements != 2)
			sink->malformed = true;
		return stand_in(&scan_reply);
	}
	if (!in_top(task) || task->idx != 1)
		return mark_malformed(task);
	sink->has_keys = true;
	return stand_in(&scan_part);
}

static void *create_integer(const redisReadTask *task, long long value)
{
	struct scan_sink *sink = task->privdata;

	return task->parent ? mark_malformed(task) : sink->inner->createInteger(task, value);
}

static void *create_nil(const redisReadTask *task)
{
	struct scan_sink *sink = task->privdata;

	return task->parent ? mark_malformed(task) : sink->inner->createNil(task);
}

static void free_object(void *obj)
{
	if (obj != &scan_reply && obj != &scan_part)
		freeReplyObject(obj);
}

static redisReplyObjectFunctions scan_functions = {
	.createString = create_string,
	.createArray = create_array,
	.createInteger = create_integer,
	.createNil = create_nil,
	.freeObject = free_object,
};

void scan_sink_attach(redisReader *reader, struct scan_sink *sink)
{
	sink->inner = reader->fn;
	reader->fn = &scan_functions;
	redisReaderSetPrivdata(reader, sink);
}

bool scan_sink_is_reply(const redisReply *reply)
{
	return reply == &scan_reply;
}

int scan_sink_check(const struct scan_sink *sink)
{
	return sink->has_cursor && sink->has_keys && !sink->malformed ? 0 : -EIO;
}

void scan_sink_free_reply(redisReply *reply)
{
	if (reply)
		free_object(reply);
}
