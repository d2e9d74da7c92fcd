/* rv.c - containers for binary keys and values shared by the backend and the fs side. */
#include "rv.h"

#include <errno.h>
#include <stdint.h>
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

/* Bytewise order, shorter first on a common prefix, of items i and j of `a`. */
int rv_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	return c ? c : (alen > blen) - (alen < blen);
}

static int item_cmp(const struct rv_array *a, uint32_t i, uint32_t j)
{
	size_t la, lb;
	const char *pa = rv_array_get(a, i, &la), *pb = rv_array_get(a, j, &lb);

	return rv_bytes_cmp(pa, la, pb, lb);
}

static int index_cmp(const void *x, const void *y, void *arg)
{
	return item_cmp(arg, *(const uint32_t *) x, *(const uint32_t *) y);
}

/*
 * Sorts 4-byte indices rather than (pointer, length) pairs: a million keys
 * then need 4 MB beside the array and its sorted copy, not 16 MB.
 */
long rv_array_find(const struct rv_array *a, const char *p, size_t len)
{
	size_t lo = 0, hi = a->count, n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = rv_array_get(a, mid, &n);
		int c = rv_bytes_cmp(m, n, p, len);

		if (c == 0)
			return (long) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rv_array_sort_unique(struct rv_array *a)
{
	struct rv_array out = {0};
	uint32_t *order;
	size_t i, len;
	int err = 0;

	if (a->count < 2)
		return 0;
	if (a->count > UINT32_MAX)
		return -ENOMEM;
	order = malloc(a->count * sizeof *order);
	if (!order)
		return -ENOMEM;
	for (i = 0; i < a->count; i++)
		order[i] = (uint32_t) i;
	qsort_r(order, a->count, sizeof *order, index_cmp, a);
	/* the copy is made exactly as big as needed: no doubling slack at the peak */
	out.buf = malloc(a->used + 1);
	out.start = malloc((a->count + 1) * sizeof *out.start);
	if (!out.buf || !out.start) {
		free(order);
		rv_array_free(&out);
		return -ENOMEM;
	}
	out.room = a->used + 1;
	out.slots = a->count + 1;
	for (i = 0; i < a->count && !err; i++) {
		const char *p;

		if (i > 0 && item_cmp(a, order[i - 1], order[i]) == 0)
			continue;
		p = rv_array_get(a, order[i], &len);
		err = rv_array_push(&out, p, len);
	}
	free(order);
	if (err) {
		rv_array_free(&out);
		return err;
	}
	rv_array_free(a);
	*a = out;
	return 0;
}

void rv_array_truncate(struct rv_array *a, size_t count)
{
	if (count >= a->count)
		return;
	a->used = count ? a->start[count] : 0;
	a->count = count;
	if (a->buf)
		a->buf[a->used] = '\0';
}

void rv_array_clear(struct rv_array *a)
{
	rv_array_truncate(a, 0);
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
