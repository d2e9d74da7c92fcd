/* paths.h - split a mount path into root, database folder and file name. Pure: no I/O. */
#ifndef REDISFS_PATHS_H
#define REDISFS_PATHS_H

enum path_kind {
	PATH_ROOT, /* "/" */
	PATH_DB,   /* "/dbN" */
	PATH_KEY,  /* "/dbN/NAME": NAME still to be resolved into a key */
};

struct fs_path {
	enum path_kind kind;
	int db;		  /* for PATH_DB and PATH_KEY */
	const char *name; /* for PATH_KEY: points into the parsed path */
};

/*
 * Parse `path` (as FUSE passes it: absolute, no trailing '/').
 * Database folders are "db" and a canonical decimal number below
 * `db_count`, and only `only_db` when it is >= 0.
 * Returns 0, or -ENOENT for anything else (deeper paths, "db01", "db16").
 */
int paths_parse(const char *path, int db_count, int only_db, struct fs_path *out);

/* Whether database `db` is shown at the root. */
int paths_db_visible(int db, int db_count, int only_db);

#endif
