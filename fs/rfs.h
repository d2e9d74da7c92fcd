/* rfs.h - the mount's state: the one FUSE userdata struct every operation reads. */
#ifndef REDISFS_RFS_H
#define REDISFS_RFS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../backend/redis_conn.h"
#include "attr_cache.h"
#include "handles.h"
#include "inodes.h"
#include "key_type.h"
#include "key_times.h"
#include "ns_marks.h"
#include "open_keys.h"
#include "read_buf.h"

struct emptying;
struct ghosts;
struct listing;

struct rfs {
	struct inodes inodes;	       /* what each inode number the kernel holds names */
	struct handle_list open_files; /* what the kernel has not released (handles.h) */
	struct handle_list open_dirs;
	struct open_keys open_keys; /* what every descriptor of an open key shares */
	size_t max_size;	    /* the largest value the server takes (proto-max-bulk-len) */
	struct read_bufs read_bufs; /* each thread's reply buffer for read(2) */
	struct redis_pool *pool;
	struct ghosts *ghosts; /* the ghost rules (ghosts.h), or NULL when there are none */
	int db_count;	       /* databases the server has */
	int only_db;	       /* the database of a URL with /N, or -1 for all */
	bool read_only;	       /* -o ro: every change is EROFS, no write command is sent */
	bool noflush;	       /* -o noflush: rmdir of a database is EPERM */
	double cache_timeout;  /* seconds the kernel may keep names and attributes */
	const char *delimiter; /* -o delimiter: namespaces as folders (SPEC 8), or NULL */
	size_t delimiter_len;
	uid_t uid; /* owner of every file: the user who mounted, or -o uid= */
	gid_t gid;
	mode_t umask; /* -o umask=: bits taken from every mode */

	/*
	 * Redis keeps no modification time: mtime is the time of the mount, or
	 * of the last change made through it to that key or folder (`times`),
	 * so it stays stable while tar reads and vim edits.
	 */
	pthread_mutex_t changed_lock;
	struct timespec changed; /* the mount's time */
	struct key_times times;

	struct attr_cache attrs;  /* stat results, forgotten on our own changes */
	uint64_t changes;	  /* change_done() calls so far (atomic): older answers are old */
	struct ns_marks ns_marks; /* namespace folders rm -r is emptying (ns_marks.h) */
	pthread_mutex_t recent_lock; /* guards recent[] and listings' refs */
	struct listing **recent;     /* per database: its last listing (dir.h), or NULL */

	/* empty strings whose type was set to a collection: their text decides (key_type.h) */
	struct key_type_marks type_marks;
	int usage_refused; /* INFO was refused (an ACL without it): df shows zeros (atomic) */
	struct emptying *emptying; /* each folder's latest listing, for rmdir (emptying.h) */
};

#endif
