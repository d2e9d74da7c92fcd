/* render_fixture.c - renderings compared byte for byte, for the render unit suites. */
#include "render_fixture.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void push(struct rv_value *v, const char *p, size_t n)
{
	ck_assert_int_eq(rv_array_push(&v->items, p, n), 0);
}

/* Render `v` and compare with the expected bytes exactly (length first, then content). */
void assert_renders(const struct rv_value *v, const char *expect, size_t n)
{
	struct render_buf out = {0};

	ck_assert_int_eq(render_value(v, &out), 0);
	ck_assert_uint_eq(out.len, n);
	if (n)
		ck_assert_mem_eq(out.data, expect, n);
	render_buf_free(&out);
}
