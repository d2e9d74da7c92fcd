/* statfs.h - df of a mount: the server's memory as blocks, its keys as inodes (SPEC 4). */
#ifndef REDISFS_STATFS_H
#define REDISFS_STATFS_H

#include <sys/statvfs.h>

#include "rfs.h"

/*
 * Fill `st` for statfs(2): used_memory against maxmemory (the server
 * machine's memory when there is none) in 4 KiB blocks, and the number of
 * keys of every database as used inodes; zeros when the server refuses INFO
 * to this user (and it is not asked again). Returns 0 or -errno (-EIO when
 * the server cannot be asked).
 */
int statfs_fill(struct rfs *fs, struct statvfs *st);

#endif
