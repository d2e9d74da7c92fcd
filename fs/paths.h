/* paths.h - the names a node keeps (struct fs_path) and the database folders' names. Pure. */
#ifndef REDISFS_PATHS_H
#define REDISFS_PATHS_H

#include <stdbool.h>

#define PATHS_GHOSTS	 "ghosts" /* the root folder of ghost rules (SPEC section 6) */
#define PATHS_NAME_MAX	 4096	  /* PATH_MAX: a key below namespace folders */
#define PATHS_KEYS_QUEUE "%"	  /* a keys rule's one pseudo-queue (ghost_keys.h) */

enum path_kind {
	PATH_ROOT,	   /* "/" */
	PATH_DB,	   /* "/dbN" */
	PATH_KEY,	   /* "/dbN/NAME" (or "/dbN/NS/.../NAME" with namespaces): to be resolved */
	PATH_GHOSTS,	   /* "/ghosts" */
	PATH_GHOST_RULE,   /* "/ghosts/RULE" */
	PATH_GHOST_QUEUE,  /* "/ghosts/RULE/QUEUE" */
	PATH_GHOST_MEMBER, /* "/ghosts/RULE/QUEUE/MEMBER" */
	PATH_GHOST_KEY,	   /* "/ghosts/RULE/KEY" of a kind = keys rule */
};

struct fs_path {
	enum path_kind kind;
	int db;			   /* for PATH_DB and PATH_KEY */
	char name[PATHS_NAME_MAX]; /* PATH_KEY: the path below dbN; ghosts: the rule */
	char queue[256];
	char member[256];
};

/* The N of a folder name "dbN", N canonical decimal ("db0", not "db00" or "db+1"); else -1. */
int paths_db_number(const char *name);

/* Whether database `db` is shown at the root. */
bool paths_db_visible(int db, int db_count, int only_db);

#endif
