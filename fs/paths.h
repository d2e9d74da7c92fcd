/* paths.h - split a mount path into root, database folders, keys and ghost folders. Pure. */
#ifndef REDISFS_PATHS_H
#define REDISFS_PATHS_H

#include <stdbool.h>

#define PATHS_GHOSTS "ghosts" /* the root folder of ghost rules (SPEC section 6) */

enum path_kind {
	PATH_ROOT,	   /* "/" */
	PATH_DB,	   /* "/dbN" */
	PATH_KEY,	   /* "/dbN/NAME": NAME still to be resolved into a key */
	PATH_GHOSTS,	   /* "/ghosts" */
	PATH_GHOST_RULE,   /* "/ghosts/RULE" */
	PATH_GHOST_QUEUE,  /* "/ghosts/RULE/QUEUE" */
	PATH_GHOST_MEMBER, /* "/ghosts/RULE/QUEUE/MEMBER" */
};

struct fs_path {
	enum path_kind kind;
	int db;		/* for PATH_DB and PATH_KEY */
	char name[256]; /* PATH_KEY: the file name; ghosts: the rule */
	char queue[256];
	char member[256];
};

/*
 * Parse `path` (as FUSE passes it: absolute, no trailing '/').
 * Database folders are "db" and a canonical decimal number below
 * `db_count`, and only `only_db` when it is >= 0; "ghosts" exists only when
 * `ghosts` is true. Returns 0, or -ENOENT for anything else (deeper paths,
 * "db01", "db16", components longer than 255 bytes).
 */
int paths_parse(const char *path, int db_count, int only_db, bool ghosts, struct fs_path *out);

/* Whether database `db` is shown at the root. */
bool paths_db_visible(int db, int db_count, int only_db);

#endif
