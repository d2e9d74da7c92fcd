/* harness_files.h - whole files and sorted directory listings, as the tests read and write them. */
#ifndef REDISFS_TESTS_HARNESS_FILES_H
#define REDISFS_TESTS_HARNESS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness_mount.h"

/* A sorted list of names, as read from a directory. */
struct h_names {
	char **v;
	size_t n;
};

/* "MNT/rel" into `out` (aborts when it does not fit). Returns `out`. */
char *h_path(char *out, size_t len, const struct h_mount *m, const char *rel);

/*
 * Read a whole file with open/read. Returns 0 with a malloc'ed buffer
 * (NUL-terminated, *len bytes before it) that the caller frees, or -errno.
 */
int h_read_file(const char *path, char **buf, size_t *len);

/* Write a whole file with mode `mode`. Returns 0 or -errno. */
int h_write_file(const char *path, const void *buf, size_t len, mode_t mode);

/* The names in a directory, without "." and "..", sorted bytewise. Returns 0 or -errno. */
int h_list(const char *dir, struct h_names *names);

void h_names_free(struct h_names *names);

/* Whether `name` is in the sorted list. */
bool h_names_has(const struct h_names *names, const char *name);

#endif
