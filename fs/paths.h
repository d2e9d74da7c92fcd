/* paths.h - split a mount path into root, database folders, keys and ghost folders. Pure. */
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
	PATH_GHOST_KEY,	   /* "/ghosts/RULE/KEY" of a kind = keys rule: from tree_parse only */
};

struct fs_path {
	enum path_kind kind;
	int db;			   /* for PATH_DB and PATH_KEY */
	char name[PATHS_NAME_MAX]; /* PATH_KEY: the path below dbN; ghosts: the rule */
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

/*
 * As paths_parse, and with `nested` (namespace folders, SPEC 8) a path below
 * a database folder may have any depth: PATH_KEY with `name` holding all of
 * it ("user:/1:/name"), for the namespace code to tell folders from files.
 */
int paths_parse_nested(const char *path, int db_count, int only_db, bool ghosts, bool nested,
		       struct fs_path *out);

/* The N of a folder name "dbN", N canonical decimal ("db0", not "db00" or "db+1"); else -1. */
int paths_db_number(const char *name);

/* Whether database `db` is shown at the root. */
bool paths_db_visible(int db, int db_count, int only_db);

/*
 * Whether `path` names an entry of the mount's root ("/x"): what parses as no
 * database there would be created outside every dbN folder, which is EACCES
 * rather than ENOENT (the root holds only the database folders).
 */
bool paths_at_root(const char *path);

#endif
