/* mountpoint.h - refuse a mount point that is not an empty folder, before anything starts. */
#ifndef REDISFS_MOUNTPOINT_H
#define REDISFS_MOUNTPOINT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Check `path` before connecting: it must be a folder we can reach and, unless
 * `nonempty`, hold nothing (libfuse 3 would mount over files and hide them;
 * libfuse's own check prints "fuse: bad mount point" for the rest). libfuse's
 * "/dev/fd/N" (a descriptor handed over by mount.fuse3) is left to libfuse.
 * Returns 0, or -errno with one line in `err` ("mount point 'x' is not a
 * folder"), without the "redisfs: " prefix.
 */
int mountpoint_check(const char *path, bool nonempty, char *err, size_t len);

#endif
