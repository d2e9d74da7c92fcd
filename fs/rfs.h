/* rfs.h - the mount's state: the one FUSE private-data struct every operation reads. */
#ifndef REDISFS_RFS_H
#define REDISFS_RFS_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "../backend/redis_conn.h"
#include "attr_cache.h"

struct ghosts;
struct listing;

struct rfs {
	struct redis_pool *pool;
	struct ghosts *ghosts; /* the ghost rules (ghosts.h), or NULL when there are none */
	int db_count;	       /* databases the server has */
	int only_db;	       /* the database of a URL with /N, or -1 for all */
	bool read_only;	       /* -o ro: every change is EROFS, no write command is sent */
	bool noflush;	       /* -o noflush: rmdir of a database is EPERM */
	double timeout;	       /* -o timeout: seconds one command may take */
	double cache_timeout;  /* seconds the kernel may keep names and attributes */
	const char *delimiter; /* -o delimiter: namespaces as folders (SPEC 8), or NULL */
	size_t delimiter_len;
	uid_t uid; /* owner of every file: the user who mounted */
	gid_t gid;

	/*
	 * Redis keeps no modification time: mtime is the time of the mount or
	 * of the last change made through it, so it stays stable while tar reads.
	 */
	pthread_mutex_t changed_lock;
	struct timespec changed;

	struct attr_cache attrs;     /* stat results, forgotten on our own changes */
	pthread_mutex_t recent_lock; /* guards recent[] and listings' refs */
	struct listing **recent;     /* per database: its last listing (dir.h), or NULL */
};

#endif
