/* ops.h - the FUSE operations table: thin adapters from libfuse to tree.c. */
#ifndef REDISFS_OPS_H
#define REDISFS_OPS_H

#include <fuse.h>

/* The operations redisfs serves; private data is a struct rfs (rfs.h). */
const struct fuse_operations *ops_table(void);

#endif
