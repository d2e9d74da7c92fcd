/* harness_files.c - whole files and sorted directory listings, as the tests read and write them. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *h_path(char *out, size_t len, const struct h_mount *m, const char *rel)
{
	h_join_path(out, len, m->mnt, rel);
	return out;
}

int h_read_file(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			free(*buf);
			*buf = NULL;
			return -err;
		}
		if (n == 0)
			break;
		if (*len + n + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			while (cap < *len + n + 1)
				cap *= 2;
			*buf = realloc(*buf, cap);
			ck_assert_msg(*buf, "out of memory");
		}
		memcpy(*buf + *len, chunk, n);
		*len += n;
	}
	close(fd);
	if (!*buf)
		*buf = calloc(1, 1);
	else
		(*buf)[*len] = '\0';
	return 0;
}

int h_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const char *p = buf;

	if (fd < 0)
		return -errno;
	/* The umask must not widen or narrow what the test asked for. */
	if (fchmod(fd, mode) != 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		p += n;
		len -= n;
	}
	return close(fd) == 0 ? 0 : -errno;
}

int h_list(const char *dir, struct h_names *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	names->v = NULL;
	names->n = 0;
	if (!d)
		return -errno;
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (names->n == cap) {
			cap = cap ? cap * 2 : 64;
			names->v = realloc(names->v, cap * sizeof *names->v);
			ck_assert_msg(names->v, "out of memory");
		}
		names->v[names->n] = strdup(e->d_name);
		ck_assert_msg(names->v[names->n], "out of memory");
		names->n++;
		errno = 0;
	}
	if (errno) {
		int err = errno;

		closedir(d);
		h_names_free(names);
		return -err;
	}
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof *names->v, h_compare_strings);
	return 0;
}

void h_names_free(struct h_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	names->v = NULL;
	names->n = 0;
}

bool h_names_has(const struct h_names *names, const char *name)
{
	return names->n &&
	       bsearch(&name, names->v, names->n, sizeof *names->v, h_compare_strings) != NULL;
}

#define NAME_MAX_BYTES 255 /* SPEC 3: longer encodings are shortened */
