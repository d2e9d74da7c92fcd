/* statfs.c - df of a mount: the server's memory as blocks, its keys as inodes (SPEC 4). */
#include "statfs.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../backend/redis_usage.h"

#define STATFS_BLOCK 4096 /* df's unit: a page, as tmpfs reports it */

/* This machine's memory: the bound when the server says neither maxmemory nor its own. */
static unsigned long long local_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (unsigned long long) pages * (unsigned long long) size : 0;
}

int statfs_fill(struct rfs *fs, struct statvfs *st)
{
	struct redis_usage u;
	unsigned long long cap, used;
	int ret = 0;

	memset(st, 0, sizeof *st);
	st->f_bsize = STATFS_BLOCK;
	st->f_frsize = STATFS_BLOCK;
	st->f_namemax = 255;
	/*
	 * A Redis user limited to +@read may not run INFO: df then shows zeros,
	 * as find and rm -r (which ask statfs of every folder) need nothing more,
	 * and INFO is not sent again to fill the server's ACL LOG.
	 */
	if (__atomic_load_n(&fs->usage_refused, __ATOMIC_RELAXED))
		return 0;
	ret = redis_usage(fs->pool, &u);
	if (ret == -EACCES) {
		__atomic_store_n(&fs->usage_refused, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (ret)
		return ret;
	cap = u.maxmemory ? u.maxmemory : u.system_memory ? u.system_memory : local_memory();
	used = u.used_memory;
	st->f_blocks = cap / STATFS_BLOCK;
	/* used_memory passes maxmemory while the server evicts: full, never negative */
	st->f_bfree = used / STATFS_BLOCK < st->f_blocks ? st->f_blocks - used / STATFS_BLOCK : 0;
	st->f_bavail = st->f_bfree;
	/*
	 * Redis has no inode table: a new key needs memory, so each free block
	 * counts as room for one more key, and df -i shows the keys as used.
	 */
	st->f_ffree = st->f_bfree;
	st->f_favail = st->f_bfree;
	st->f_files = u.keys + st->f_ffree;
	return 0;
}
