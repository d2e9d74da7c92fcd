/* paths.c - split a mount path into root, database folder and file name. */
#include "paths.h"

#include <errno.h>
#include <string.h>

int paths_db_visible(int db, int db_count, int only_db)
{
	return db >= 0 && db < db_count && (only_db < 0 || db == only_db);
}

/* "dbN" with N canonical decimal ("db0", not "db00" or "db+1"), of `len` bytes. */
static int parse_db(const char *s, size_t len)
{
	long n = 0;

	if (len < 3 || len > 12 || strncmp(s, "db", 2) != 0)
		return -1;
	if (s[2] == '0' && len > 3)
		return -1;
	for (size_t i = 2; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
		if (n > 0x7fffffff)
			return -1;
	}
	return (int) n;
}

int paths_parse(const char *path, int db_count, int only_db, struct fs_path *out)
{
	const char *first, *slash;
	int db;

	if (path[0] != '/')
		return -ENOENT;
	if (path[1] == '\0') {
		out->kind = PATH_ROOT;
		return 0;
	}
	first = path + 1;
	slash = strchr(first, '/');
	db = parse_db(first, slash ? (size_t) (slash - first) : strlen(first));
	if (db < 0 || !paths_db_visible(db, db_count, only_db))
		return -ENOENT;
	out->db = db;
	if (!slash) {
		out->kind = PATH_DB;
		return 0;
	}
	if (slash[1] == '\0' || strchr(slash + 1, '/'))
		return -ENOENT;
	out->kind = PATH_KEY;
	out->name = slash + 1;
	return 0;
}
