/* ops.h - the FUSE low-level operations: inode numbers to paths, then one call into the logic. */
#ifndef REDISFS_OPS_H
#define REDISFS_OPS_H

#include <fuse_lowlevel.h>

/* The operations redisfs serves; the session's userdata is a struct rfs (rfs.h). */
const struct fuse_lowlevel_ops *ops_table(void);

struct rfs;

/*
 * Free what the kernel left open (teardown, once the session loop has ended:
 * a stop while files were open, or releases an unmount dropped). Nothing is
 * written: see file_abandon().
 */
void ops_release_all(struct rfs *fs);

#endif
