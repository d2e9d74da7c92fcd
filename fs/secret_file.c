/* secret_file.c - read a password from a file only its owner may read. */
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read up to `room` bytes, or to the end; -errno on a read error. */
static ssize_t read_all(int fd, char *buf, size_t room)
{
	size_t len = 0;

	while (len < room) {
		ssize_t n = read(fd, buf + len, room - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t) n;
	}
	return (ssize_t) len;
}

int secret_file_read(const char *path, const char *what, char **out, char *err, size_t errlen)
{
	/* the password, its newline, and one byte more to notice a longer file */
	char buf[SECRET_FILE_MAX + 2];
	struct stat st;
	ssize_t len;
	int fd, ret = 0;

	/* O_NONBLOCK: a FIFO put there by mistake must not hang the mount; fstat refuses it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s %s: %s", what, path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s %s is not a regular file", what, path);
		return -EINVAL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		snprintf(err, errlen,
			 "%s %s is readable by group or others (mode %04o): chmod 600 it", what,
			 path, (unsigned int) (st.st_mode & 07777));
		return -EACCES;
	}
	len = read_all(fd, buf, sizeof buf);
	close(fd);
	if (len < 0) {
		snprintf(err, errlen, "cannot read %s %s: %s", what, path, strerror((int) -len));
		ret = (int) len;
		goto out;
	}
	if (len && buf[len - 1] == '\n')
		len--; /* the newline an editor adds is not part of the password */
	if (len > SECRET_FILE_MAX) {
		snprintf(err, errlen, "%s %s is longer than %d bytes", what, path, SECRET_FILE_MAX);
		ret = -EINVAL;
	} else if (memchr(buf, '\0', (size_t) len)) {
		snprintf(err, errlen, "%s %s holds a NUL byte", what, path);
		ret = -EINVAL;
	} else if (!(*out = strndup(buf, (size_t) len))) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	}
out:
	explicit_bzero(buf, sizeof buf);
	return ret;
}
