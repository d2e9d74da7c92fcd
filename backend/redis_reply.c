/* redis_reply.c - turn hiredis replies into numbers and rv.h containers (backend-internal). */
#include "redis_reply.h"

#include <errno.h>
#include <string.h>

int reply_integer(const redisReply *reply, void *arg)
{
	if (reply->type == REDIS_REPLY_NIL)
		return -ENOENT;
	if (reply->type != REDIS_REPLY_INTEGER)
		return -EIO;
	*(long long *) arg = reply->integer;
	return 0;
}

int reply_scan_page(const redisReply *reply, char *cursor, size_t cursor_size, struct rv_array *out)
{
	const redisReply *c;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
		return -EIO;
	c = reply->element[0];
	if (c->type != REDIS_REPLY_STRING || c->len == 0 || c->len >= cursor_size ||
	    strspn(c->str, "0123456789") != c->len)
		return -EIO; /* a cursor is an unsigned decimal, or this is no page of a walk */
	memcpy(cursor, c->str, c->len);
	cursor[c->len] = '\0';
	return reply_push_strings(reply->element[1], out, NULL);
}

int reply_push_strings(const redisReply *reply, struct rv_array *out, size_t *count)
{
	if (reply->type != REDIS_REPLY_ARRAY)
		return -EIO;
	for (size_t i = 0; i < reply->elements; i++) {
		const redisReply *e = reply->element[i];

		if (e->type != REDIS_REPLY_STRING)
			return -EIO;
		if (rv_array_push(out, e->str, e->len))
			return -ENOMEM;
	}
	if (count)
		*count = reply->elements;
	return 0;
}

int reply_push_stream(const redisReply *reply, struct rv_value *v, char *last_id,
		      size_t last_id_size)
{
	if (reply->type != REDIS_REPLY_ARRAY)
		return -EIO;
	for (size_t i = 0; i < reply->elements; i++) {
		const redisReply *entry = reply->element[i];
		size_t fields = 0;
		int ret;

		if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
		    entry->element[0]->type != REDIS_REPLY_STRING ||
		    entry->element[0]->len >= last_id_size)
			return -EIO;
		if (rv_array_push(&v->items, entry->element[0]->str, entry->element[0]->len))
			return -ENOMEM;
		if (entry->element[1]->type != REDIS_REPLY_NIL) {
			ret = reply_push_strings(entry->element[1], &v->items, &fields);
			if (ret)
				return ret;
		}
		if (rv_value_end_entry(v, 1 + fields))
			return -ENOMEM;
		memcpy(last_id, entry->element[0]->str, entry->element[0]->len);
		last_id[entry->element[0]->len] = '\0';
	}
	return 0;
}
