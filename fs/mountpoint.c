/* mountpoint.c - refuse a mount point that is not an empty folder, before anything starts. */
#include "mountpoint.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SHOWN_MAX 200 /* longest path quoted: the message stays one line */

/* Whether the folder holds anything but "." and ".."; -errno when it cannot be read. */
static int has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -errno;
	errno = 0;
	while (!found && (e = readdir(d)))
		found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (!found && errno)
		found = -errno;
	closedir(d);
	return found;
}

int mountpoint_check(const char *path, bool nonempty, char *err, size_t len)
{
	const char *cut = strlen(path) > SHOWN_MAX ? "..." : "";
	struct stat st;
	int ret;

	if (strncmp(path, "/dev/fd/", 8) == 0)
		return 0;
	if (stat(path, &st) != 0) {
		ret = -errno;
		if (ret == -ENOENT)
			snprintf(err, len, "mount point '%.*s%s' does not exist (mkdir it first)",
				 SHOWN_MAX, path, cut);
		else
			snprintf(err, len, "mount point '%.*s%s': %s", SHOWN_MAX, path, cut,
				 strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, len, "mount point '%.*s%s' is not a folder", SHOWN_MAX, path, cut);
		return -ENOTDIR;
	}
	if (nonempty)
		return 0;
	ret = has_entries(path);
	if (ret < 0) {
		snprintf(err, len, "mount point '%.*s%s': %s", SHOWN_MAX, path, cut,
			 strerror(-ret));
		return ret;
	}
	if (ret) {
		snprintf(err, len,
			 "mount point '%.*s%s' is not empty: its files would be hidden "
			 "(-o nonempty mounts anyway)",
			 SHOWN_MAX, path, cut);
		return -ENOTEMPTY;
	}
	return 0;
}
