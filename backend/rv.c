/* rv.c - containers for binary keys and values shared by the backend and the fs side. */
#include "rv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	[RV_NONE] = "none", [RV_STRING] = "string", [RV_LIST] = "list",	    [RV_SET] = "set",
	[RV_ZSET] = "zset", [RV_HASH] = "hash",	    [RV_STREAM] = "stream", [RV_OTHER] = "other",
};

const char *rv_type_name(enum rv_type type)
{
	if ((size_t) type >= sizeof type_names / sizeof type_names[0])
		return "other";
	return type_names[type];
}

enum rv_type rv_type_parse(const char *word, size_t len)
{
	for (size_t t = RV_NONE; t < RV_OTHER; t++) {
		if (strlen(type_names[t]) == len && memcmp(type_names[t], word, len) == 0)
			return (enum rv_type) t;
	}
	return RV_OTHER;
}

/* Grow *mem so that it holds `need` elements of `size` bytes; doubles to stay linear. */
static int grow(void **mem, size_t *have, size_t need, size_t size)
{
	size_t n = *have ? *have : 16;
	void *p;

	if (need <= *have)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*mem, n * size);
	if (!p)
		return -ENOMEM;
	*mem = p;
	*have = n;
	return 0;
}

int rv_array_push(struct rv_array *a, const char *ptr, size_t len)
{
	if (grow((void **) &a->buf, &a->room, a->used + len + 1, 1) ||
	    grow((void **) &a->start, &a->slots, a->count + 2, sizeof(size_t)))
		return -ENOMEM;
	if (a->count == 0)
		a->start[0] = 0;
	if (len)
		memcpy(a->buf + a->used, ptr, len);
	a->used += len;
	a->buf[a->used] = '\0'; /* a NUL after the last item keeps strtod and friends safe */
	a->count++;
	a->start[a->count] = a->used;
	return 0;
}

const char *rv_array_get(const struct rv_array *a, size_t i, size_t *len)
{
	*len = a->start[i + 1] - a->start[i];
	return a->buf + a->start[i];
}

struct span {
	const char *ptr;
	size_t len;
};

static int span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->ptr, b->ptr, n) : 0;

	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

int rv_array_sort_unique(struct rv_array *a)
{
	struct rv_array out = {0};
	struct span *spans;
	size_t i;
	int err = 0;

	if (a->count < 2)
		return 0;
	spans = malloc(a->count * sizeof *spans);
	if (!spans)
		return -ENOMEM;
	for (i = 0; i < a->count; i++)
		spans[i].ptr = rv_array_get(a, i, &spans[i].len);
	qsort(spans, a->count, sizeof *spans, span_cmp);
	for (i = 0; i < a->count && !err; i++) {
		if (i > 0 && span_cmp(&spans[i - 1], &spans[i]) == 0)
			continue;
		err = rv_array_push(&out, spans[i].ptr, spans[i].len);
	}
	free(spans);
	if (err) {
		rv_array_free(&out);
		return err;
	}
	rv_array_free(a);
	*a = out;
	return 0;
}

void rv_array_free(struct rv_array *a)
{
	free(a->buf);
	free(a->start);
	memset(a, 0, sizeof *a);
}

int rv_value_end_entry(struct rv_value *v, size_t n)
{
	if (grow((void **) &v->entry_items, &v->entry_slots, v->entries + 1, sizeof(size_t)))
		return -ENOMEM;
	v->entry_items[v->entries++] = n;
	return 0;
}

void rv_value_free(struct rv_value *v)
{
	rv_array_free(&v->items);
	free(v->entry_items);
	memset(v, 0, sizeof *v);
}
