/* fuzz_parse.c - libFuzzer target for the SPEC 4 text parser: safe, and round-trips render. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/rv.h"
#include "fs/parse.h"
#include "fs/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		abort();
}

/* Items per line: 1 for lists and sets, 2 for zsets and hashes. */
static size_t per_line(enum rv_type type)
{
	return type == RV_ZSET || type == RV_HASH ? 2 : 1;
}

/* Bytewise, shorter first on a common prefix: the order of SPEC 4's "sorted bytewise". */
static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an > bn) - (an < bn);
}

struct line_ref {
	const struct rv_array *a;
	size_t first; /* index of the line's first item */
	size_t width;
};

static int line_cmp(const void *x, const void *y)
{
	const struct line_ref *l = x, *r = y;

	for (size_t k = 0; k < l->width; k++) {
		size_t ln, rn;
		const char *lp = rv_array_get(l->a, l->first + k, &ln);
		const char *rp = rv_array_get(r->a, r->first + k, &rn);
		int c = bytes_cmp(lp, ln, rp, rn);

		if (c)
			return c;
	}
	return 0;
}

/* The value's lines, sorted: equal for two values with the same multiset of lines. */
static struct line_ref *sorted_lines(const struct rv_value *v, size_t *count)
{
	size_t width = per_line(v->type), n = v->items.count / width;
	struct line_ref *lines = calloc(n ? n : 1, sizeof *lines);

	require(lines != NULL);
	for (size_t i = 0; i < n; i++)
		lines[i] = (struct line_ref){&v->items, i * width, width};
	qsort(lines, n, sizeof *lines, line_cmp);
	*count = n;
	return lines;
}

/*
 * Whether parse(render(v)) gave v back: a list exactly, in order; a set, zset
 * or hash as the same lines (render sorts sets and hashes, and a zset's order
 * is the server's), and sets and hashes come back sorted bytewise.
 */
static bool same_value(const struct rv_value *v, const struct rv_value *w)
{
	size_t nv, nw;
	struct line_ref *lv, *lw;
	bool same;

	if (v->type != w->type || v->items.count != w->items.count)
		return false;
	if (v->type == RV_SET || v->type == RV_HASH) {
		for (size_t i = per_line(w->type); i < w->items.count; i += per_line(w->type)) {
			struct line_ref prev = {&w->items, i - per_line(w->type), 1};
			struct line_ref here = {&w->items, i, 1};

			if (line_cmp(&prev, &here) > 0)
				return false;
		}
	}
	lv = sorted_lines(v, &nv);
	lw = sorted_lines(w, &nw);
	same = nv == nw;
	for (size_t i = 0; same && i < nv; i++)
		same = line_cmp(&lv[i], &lw[i]) == 0;
	if (v->type == RV_LIST) {
		for (size_t i = 0; same && i < v->items.count; i++) {
			size_t an, bn;
			const char *a = rv_array_get(&v->items, i, &an);
			const char *b = rv_array_get(&w->items, i, &bn);

			same = bytes_cmp(a, an, b, bn) == 0;
		}
	}
	free(lv);
	free(lw);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum rv_type types[] = {RV_LIST, RV_SET, RV_ZSET, RV_HASH, RV_STRING,
					     RV_STREAM};
	struct rv_value v = {0}, back = {0};
	struct render_buf text = {0};
	char err[256] = "";
	enum rv_type type;
	int ret;

	if (size == 0)
		return 0;
	type = types[data[0] % (sizeof types / sizeof types[0])];
	ret = parse_value(type, (const char *) data + 1, size - 1, &v, err, sizeof err);
	require(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (type == RV_STRING || type == RV_STREAM)
		require(ret == -EINVAL);
	if (ret == -EINVAL)
		require(memchr(err, '\0', sizeof err) && err[0]);
	if (ret == 0) {
		require(v.type == type && v.items.count % per_line(type) == 0);
		require(render_value(&v, &text) == 0);
		require(text.len == render_value_size(&v));
		require(parse_value(type, text.data, text.len, &back, err, sizeof err) == 0);
		require(same_value(&v, &back));
	}
	render_buf_free(&text);
	rv_value_free(&v);
	rv_value_free(&back);
	return 0;
}
