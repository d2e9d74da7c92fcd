/* changes.h - the one place that keeps the mount's caches and times true after a change. */
#ifndef REDISFS_CHANGES_H
#define REDISFS_CHANGES_H

#include "key.h"
#include "rfs.h"

/*
 * What happened to a key (or, for the folder changes, to the folder whose
 * database and prefix `k` names: prefix "" for a database folder). Every
 * operation that changes something through the mount reports it here, and
 * change_done() alone decides what the attribute cache, the key and folder
 * times (key_times.h), the type marks (key_type.h), the rm -r records
 * (emptying.h) and the recent listings (recent.h) must forget or learn, as
 * sshfs's cache.c wraps every changing operation.
 */
enum change {
	CHANGE_WRITTEN,	    /* an open key's bytes changed (Redis gets them at close): mtime */
	CHANGE_EXPIRY,	    /* its TTL was set or removed: ctime, a TTL is part of the key */
	CHANGE_STORED,	    /* Redis holds a new value of it: its attributes are asked again */
	CHANGE_EMPTIED,	    /* a collection's text was emptied: Redis has no key, the file shows */
	CHANGE_CONVERTED,   /* its type was changed in Redis: attributes and time */
	CHANGE_MADE,	    /* created: its time and its folder's */
	CHANGE_REMOVED,	    /* removed: nothing known of it stays; one fewer for rm -r */
	CHANGE_FOUND_GONE,  /* asked to be removed and found gone: one fewer for rm -r */
	CHANGE_MOVED_AWAY,  /* the source of a rename: gone from its folder */
	CHANGE_MOVED_IN,    /* the target of a rename: made, or replaced */
	CHANGE_UNSURE,	    /* a change failed midway: what was known of it may be wrong */
	CHANGE_KEYS_GONE,   /* every key of a folder was removed (or may have been) */
	CHANGE_FOLDER_GONE, /* rmdir of the folder succeeded */
};

void change_done(struct rfs *fs, enum change what, const struct rfs_key *k);

#endif
