/* render.c - the text of a key's value (SPEC section 4) and its escaping. Pure: no I/O. */
#include "render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RENDER_BUF_MIN 64 /* first allocation: most fields and small values fit at once */

static const char hex_digits[] = "0123456789ABCDEF";

void render_buf_free(struct render_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/*
 * Make room for `extra` more bytes after b->len. Capacity doubles, so n appends
 * cost O(n) copying in all. Returns 0 or -ENOMEM (the buffer is unchanged).
 */
static int render_buf_reserve(struct render_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : RENDER_BUF_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int render_buf_append(struct render_buf *b, const char *p, size_t n)
{
	int err;

	if (n == 0)
		return 0; /* p may be NULL for an empty item */
	err = render_buf_reserve(b, n);
	if (err)
		return err;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static int render_buf_putc(struct render_buf *b, char c)
{
	return render_buf_append(b, &c, 1);
}

/* Bytes that one input byte becomes: 1 (itself), 2 ("\n" and friends) or 4 ("\xHH"). */
static size_t escape_width(unsigned char c)
{
	switch (c) {
	case '\\':
	case '\n':
	case '\t':
	case '\r':
		return 2;
	default:
		return c < 0x20 || c == 0x7F ? 4 : 1;
	}
}

size_t render_escaped_len(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *) p;
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += escape_width(s[i]);
	return len;
}

int render_escape(struct render_buf *b, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *) p;
	size_t len = render_escaped_len(p, n);
	char *o;
	int err;

	/* Measuring first costs a second scan but allocates once and exactly. */
	err = render_buf_reserve(b, len);
	if (err)
		return err;
	if (len == n) /* the usual case: nothing to escape */
		return render_buf_append(b, p, n);
	o = b->data + b->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			if (c < 0x20 || c == 0x7F) {
				*o++ = '\\';
				*o++ = 'x';
				*o++ = hex_digits[c >> 4];
				*o++ = hex_digits[c & 0xF];
			} else {
				*o++ = (char) c;
			}
		}
	}
	b->len += len;
	return 0;
}

#define SORT_CHUNK 8  /* bytes of an item compared at once, as one uint64_t */
#define SORT_SMALL 16 /* ranges this small are sorted by plain insertion */

/*
 * Once sorted, items are read in an order unrelated to where they lie in memory,
 * one cache miss each; asking for them a few items early overlaps the misses
 * (it takes about a third off a million-member set). Only a hint: a no-op
 * where the compiler has no such builtin.
 */
#define PREFETCH_AHEAD 16
#if defined(__GNUC__)
#define prefetch(p) __builtin_prefetch(p)
#else
#define prefetch(p) ((void) (p))
#endif

/*
 * One item of a value, remembered by position so that sorting leaves the value
 * alone. `key` caches SORT_CHUNK bytes from the current depth so that most
 * comparisons touch neither the item's bytes nor a cache line far away.
 */
struct render_item {
	const char *ptr;
	size_t len;
	size_t index; /* item number in v->items */
	uint64_t key; /* bytes [depth, depth + SORT_CHUNK) big-endian, zero-padded */
};

/*
 * A group of items known equal on their first `depth` bytes, still to be sorted;
 * every item in it has at least `depth` bytes.
 */
struct sort_group {
	size_t first;
	size_t count;
	size_t depth;
};

/* Bytes of the item inside the chunk at `depth`: 0 .. SORT_CHUNK (which may mean more). */
static size_t chunk_bytes(const struct render_item *it, size_t depth)
{
	size_t rest = it->len > depth ? it->len - depth : 0;

	return rest < SORT_CHUNK ? rest : SORT_CHUNK;
}

static void chunk_load(struct render_item *it, size_t depth)
{
	size_t n = chunk_bytes(it, depth);
	uint64_t key = 0;

	for (size_t i = 0; i < SORT_CHUNK; i++)
		key = key << 8 | (i < n ? (unsigned char) it->ptr[depth + i] : 0u);
	it->key = key;
}

/*
 * Order on the chunk at `depth`: the key, then the shorter item first (the zero
 * padding made a prefix look equal). Items equal here with SORT_CHUNK bytes in
 * the chunk are only equal so far.
 */
static int chunk_cmp(const struct render_item *a, const struct render_item *b, size_t depth)
{
	size_t an, bn;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	an = chunk_bytes(a, depth);
	bn = chunk_bytes(b, depth);
	return (an > bn) - (an < bn);
}

/* Full bytewise order from `depth` on (the bytes before it are equal), then fetch order. */
static int item_cmp_from(const struct render_item *a, const struct render_item *b, size_t depth)
{
	size_t alen = a->len - depth, blen = b->len - depth;
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a->ptr + depth, b->ptr + depth, n) : 0;

	if (c)
		return c;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

static int item_cmp_index(const void *x, const void *y)
{
	const struct render_item *a = x, *b = y;

	return (a->index > b->index) - (a->index < b->index);
}

static void item_swap(struct render_item *a, struct render_item *b)
{
	struct render_item t = *a;

	*a = *b;
	*b = t;
}

static void items_insertion_sort(struct render_item *it, size_t n, size_t depth)
{
	for (size_t i = 1; i < n; i++) {
		struct render_item x = it[i];
		size_t j = i;

		while (j > 0 && item_cmp_from(&it[j - 1], &x, depth) > 0) {
			it[j] = it[j - 1];
			j--;
		}
		it[j] = x;
	}
}

static void chunk_sift_down(struct render_item *it, size_t root, size_t n, size_t depth)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && chunk_cmp(&it[child], &it[child + 1], depth) < 0)
			child++;
		if (chunk_cmp(&it[root], &it[child], depth) >= 0)
			return;
		item_swap(&it[root], &it[child]);
	}
}

/* The fallback that keeps chunk_sort() O(n log n) whatever the input. */
static void chunk_heap_sort(struct render_item *it, size_t n, size_t depth)
{
	for (size_t i = n / 2; i-- > 0;)
		chunk_sift_down(it, i, n, depth);
	for (size_t end = n; end-- > 1;) {
		item_swap(&it[0], &it[end]);
		chunk_sift_down(it, 0, end, depth);
	}
}

static const struct render_item *median_of_three(const struct render_item *a,
						 const struct render_item *b,
						 const struct render_item *c, size_t depth)
{
	if (chunk_cmp(a, b, depth) < 0) {
		if (chunk_cmp(b, c, depth) < 0)
			return b;
		return chunk_cmp(a, c, depth) < 0 ? c : a;
	}
	if (chunk_cmp(a, c, depth) < 0)
		return a;
	return chunk_cmp(b, c, depth) < 0 ? c : b;
}

/*
 * Introsort on the cached chunks: quicksort with a three-way partition (shared
 * chunks are common in key names), heapsort once `budget` levels are spent.
 * Written out rather than qsort() so the comparison inlines and the items move
 * directly; glibc's qsort sorts structs this large through an extra pointer array.
 */
static void chunk_sort(struct render_item *it, size_t n, size_t depth, unsigned int budget)
{
	while (n > SORT_SMALL) {
		struct render_item pivot;
		size_t lt = 0, i = 0, gt = n;

		if (budget-- == 0) {
			chunk_heap_sort(it, n, depth);
			return;
		}
		pivot = *median_of_three(&it[0], &it[n / 2], &it[n - 1], depth);
		/* [0, lt) below the pivot, [lt, i) equal, [i, gt) unseen, [gt, n) above */
		while (i < gt) {
			int c = chunk_cmp(&it[i], &pivot, depth);

			if (c < 0)
				item_swap(&it[lt++], &it[i++]);
			else if (c > 0)
				item_swap(&it[i], &it[--gt]);
			else
				i++;
		}
		/* Recurse into the smaller side so the C stack stays O(log n). */
		if (lt < n - gt) {
			chunk_sort(it, lt, depth, budget);
			it += gt;
			n -= gt;
		} else {
			chunk_sort(it + gt, n - gt, depth, budget);
			n = lt;
		}
	}
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && chunk_cmp(&it[j - 1], &it[j], depth) > 0; j--)
			item_swap(&it[j - 1], &it[j]);
	}
}

static int sort_group_push(struct sort_group **stack, size_t *used, size_t *room,
			   struct sort_group g)
{
	if (*used == *room) {
		size_t n = *room ? *room * 2 : 64;
		struct sort_group *p = realloc(*stack, n * sizeof *p);

		if (!p)
			return -ENOMEM;
		*stack = p;
		*room = n;
	}
	(*stack)[(*used)++] = g;
	return 0;
}

/* Levels of quicksort allowed before heapsort takes over: twice log2(n). */
static unsigned int sort_budget(size_t n)
{
	unsigned int levels = 0;

	while (n >>= 1)
		levels++;
	return 2 * levels + 2;
}

/*
 * Sort items bytewise on their raw bytes, shorter first on a common prefix, ties
 * in fetch order. Most significant chunk first: each group is sorted on 8 bytes
 * at a time, and runs still equal go one chunk deeper. Names sharing a long
 * prefix ("user:session:...") cost one cheap pass per shared chunk instead of a
 * memcmp of the prefix in every one of n log n comparisons. Groups wait on a
 * heap stack, not the C stack, since a shared prefix may be megabytes long.
 * Returns 0 or -ENOMEM.
 */
static int items_sort(struct render_item *items, size_t n)
{
	struct sort_group *stack = NULL;
	size_t used = 0, room = 0;
	int err = sort_group_push(&stack, &used, &room, (struct sort_group){0, n, 0});

	while (!err && used) {
		struct sort_group g = stack[--used];
		struct render_item *it = items + g.first;
		bool all_same = true;

		if (g.count <= SORT_SMALL) {
			items_insertion_sort(it, g.count, g.depth);
			continue;
		}
		for (size_t i = 0; i < g.count; i++) {
			if (i + PREFETCH_AHEAD < g.count)
				prefetch(it[i + PREFETCH_AHEAD].ptr + g.depth);
			chunk_load(&it[i], g.depth);
			all_same = all_same && chunk_cmp(&it[i], &it[0], g.depth) == 0;
		}
		if (all_same && chunk_bytes(&it[0], g.depth) == SORT_CHUNK) {
			/* A shared prefix: nothing to order at this depth. */
			g.depth += SORT_CHUNK;
			err = sort_group_push(&stack, &used, &room, g);
			continue;
		}
		chunk_sort(it, g.count, g.depth, sort_budget(g.count));
		for (size_t i = 0, j; i < g.count && !err; i = j) {
			for (j = i + 1; j < g.count && chunk_cmp(&it[i], &it[j], g.depth) == 0; j++)
				;
			if (j - i < 2)
				continue;
			if (chunk_bytes(&it[i], g.depth) == SORT_CHUNK)
				err = sort_group_push(&stack, &used, &room,
						      (struct sort_group){g.first + i, j - i,
									  g.depth + SORT_CHUNK});
			else /* identical items (duplicates): fetch order */
				qsort(&it[i], j - i, sizeof *it, item_cmp_index);
		}
	}
	free(stack);
	return err;
}

/* Append item i escaped, then `end` (TAB or newline). */
static int render_field(struct render_buf *out, const struct rv_array *a, size_t i, char end)
{
	size_t len;
	const char *p = rv_array_get(a, i, &len);
	int err = render_escape(out, p, len);

	return err ? err : render_buf_putc(out, end);
}

/* Lines of `per_line` items each (TAB between, newline after), in fetched order. */
static int render_lines(struct render_buf *out, const struct rv_array *a, size_t per_line)
{
	size_t lines = a->count / per_line; /* a stray odd item cannot form a line: dropped */
	int err = 0;

	for (size_t l = 0; l < lines && !err; l++) {
		for (size_t k = 0; k < per_line && !err; k++)
			err = render_field(out, a, l * per_line + k,
					   k + 1 < per_line ? '\t' : '\n');
	}
	return err;
}

/*
 * Lines of `per_line` items sorted by the first item of each line (a set's
 * member, a hash's field), the rest of the line carried along with it.
 */
static int render_sorted_lines(struct render_buf *out, const struct rv_array *a, size_t per_line)
{
	size_t lines = a->count / per_line;
	struct render_item *order;
	int err = 0;

	if (lines == 0)
		return 0;
	if (lines > SIZE_MAX / sizeof *order)
		return -ENOMEM;
	order = malloc(lines * sizeof *order);
	if (!order)
		return -ENOMEM;
	for (size_t l = 0; l < lines; l++) {
		order[l].index = l * per_line;
		order[l].ptr = rv_array_get(a, order[l].index, &order[l].len);
	}
	err = items_sort(order, lines);
	for (size_t l = 0; l < lines && !err; l++) {
		if (l + PREFETCH_AHEAD < lines)
			prefetch(order[l + PREFETCH_AHEAD].ptr);
		/* The sort key is at hand; the rest of the line is read from the array. */
		err = render_escape(out, order[l].ptr, order[l].len);
		if (!err)
			err = render_buf_putc(out, per_line > 1 ? '\t' : '\n');
		for (size_t k = 1; k < per_line && !err; k++)
			err = render_field(out, a, order[l].index + k,
					   k + 1 < per_line ? '\t' : '\n');
	}
	free(order);
	return err;
}

/* One line per entry: id TAB field TAB value ..., as fetched (Redis gives them by id). */
static int render_stream(struct render_buf *out, const struct rv_value *v)
{
	const struct rv_array *a = &v->items;
	size_t next = 0;
	int err = 0;

	for (size_t e = 0; e < v->entries && !err; e++) {
		size_t n = v->entry_items[e];

		/* Never read past the items, whatever the entry counts claim. */
		if (n > a->count - next)
			n = a->count - next;
		if (n == 0)
			continue; /* not even an id: nothing to show */
		for (size_t k = 0; k < n && !err; k++)
			err = render_field(out, a, next + k, k + 1 < n ? '\t' : '\n');
		next += n;
	}
	return err;
}

/* On -ENOMEM `out` is cut back to its length on entry: no half-rendered value is left. */
int render_value(const struct rv_value *v, struct render_buf *out)
{
	const struct rv_array *a = &v->items;
	size_t had = out->len;
	size_t len;
	const char *p;
	int err = 0;

	switch (v->type) {
	case RV_STRING:
		if (a->count) {
			p = rv_array_get(a, 0, &len);
			err = render_buf_append(out, p, len);
		}
		break;
	case RV_LIST:
		err = render_lines(out, a, 1);
		break;
	case RV_SET:
		err = render_sorted_lines(out, a, 1);
		break;
	case RV_ZSET:
		err = render_lines(out, a, 2); /* by rank, as ZRANGE returned them */
		break;
	case RV_HASH:
		err = render_sorted_lines(out, a, 2);
		break;
	case RV_STREAM:
		err = render_stream(out, v);
		break;
	case RV_NONE:
	case RV_OTHER:
		break;
	}
	if (err)
		out->len = had;
	return err;
}

/* The length of every item's escaped text plus one separator each, for `count` items. */
static size_t escaped_items(const struct rv_array *a, size_t first, size_t count)
{
	size_t total = 0, len;

	for (size_t i = first; i < first + count; i++) {
		const char *p = rv_array_get(a, i, &len);

		total += render_escaped_len(p, len) + 1; /* its TAB or newline */
	}
	return total;
}

size_t render_value_size(const struct rv_value *v)
{
	const struct rv_array *a = &v->items;
	size_t len, next = 0, total = 0;

	switch (v->type) {
	case RV_STRING:
		if (a->count)
			rv_array_get(a, 0, &len);
		return a->count ? len : 0;
	case RV_LIST:
	case RV_SET:
		return escaped_items(a, 0, a->count);
	case RV_ZSET:
	case RV_HASH:
		return escaped_items(a, 0, a->count / 2 * 2); /* order does not change the size */
	case RV_STREAM:
		for (size_t e = 0; e < v->entries; e++) {
			size_t n = v->entry_items[e];

			if (n > a->count - next)
				n = a->count - next;
			total += escaped_items(a, next, n);
			next += n;
		}
		return total;
	case RV_NONE:
	case RV_OTHER:
		break;
	}
	return 0;
}
