/* render_fixture.h - renderings compared byte for byte, for the render unit suites. */
#ifndef REDISFS_TESTS_RENDER_FIXTURE_H
#define REDISFS_TESTS_RENDER_FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/render.h"

/* A string literal as (pointer, length), its NUL bytes included. */
#define LIT(s) (s), (sizeof(s) - 1)

void push(struct rv_value *v, const char *p, size_t n);

/* Render `v` and compare with the expected bytes exactly (length first, then content). */
void assert_renders(const struct rv_value *v, const char *expect, size_t n);

#endif
