/* paths.c - split a mount path into root, database folders, keys and ghost folders. */
#include "paths.h"

#include <errno.h>
#include <string.h>

#define MAX_DEPTH 4 /* ghosts/RULE/QUEUE/MEMBER */

bool paths_db_visible(int db, int db_count, int only_db)
{
	return db >= 0 && db < db_count && (only_db < 0 || db == only_db);
}

int paths_db_number(const char *s)
{
	size_t len = strlen(s);
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

/* Split into at most MAX_DEPTH components of at most 255 bytes; returns the count or -1. */
static int split(const char *path, char parts[MAX_DEPTH][256])
{
	const char *p = path + 1;
	int n = 0;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t) (slash - p) : strlen(p);

		if (n == MAX_DEPTH || len == 0 || len > 255)
			return -1;
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		n++;
		if (!slash)
			break;
		p = slash + 1;
		if (!*p)
			return -1; /* trailing slash */
	}
	return n;
}

int paths_parse(const char *path, int db_count, int only_db, bool ghosts, struct fs_path *out)
{
	return paths_parse_nested(path, db_count, only_db, ghosts, false, out);
}

/* Below dbN with namespaces: every component a valid name, the whole kept as one. */
static int parse_below_db(const char *rest, struct fs_path *out)
{
	size_t len = strlen(rest);
	const char *p = rest;

	if (len == 0 || len >= sizeof out->name)
		return -ENOENT;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t) (slash - p) : strlen(p);

		if (n == 0 || n > 255 || (slash && !slash[1]))
			return -ENOENT;
		p += n + (slash ? 1 : 0);
	}
	memcpy(out->name, rest, len + 1);
	out->kind = PATH_KEY;
	return 0;
}

int paths_parse_nested(const char *path, int db_count, int only_db, bool ghosts, bool nested,
		       struct fs_path *out)
{
	char parts[MAX_DEPTH][256];
	int n, db;

	if (path[0] != '/')
		return -ENOENT;
	if (nested && strncmp(path, "/db", 3) == 0 && strchr(path + 1, '/')) {
		const char *slash = strchr(path + 1, '/');
		char first[16];

		if ((size_t) (slash - path - 1) >= sizeof first)
			return -ENOENT;
		memcpy(first, path + 1, (size_t) (slash - path - 1));
		first[slash - path - 1] = '\0';
		db = paths_db_number(first);
		if (db < 0 || !paths_db_visible(db, db_count, only_db))
			return -ENOENT;
		out->db = db;
		return parse_below_db(slash + 1, out);
	}
	n = split(path, parts);
	if (n < 0)
		return -ENOENT;
	if (n == 0) {
		out->kind = PATH_ROOT;
		return 0;
	}
	if (ghosts && strcmp(parts[0], PATHS_GHOSTS) == 0) {
		static const enum path_kind kinds[] = {PATH_GHOSTS, PATH_GHOST_RULE,
						       PATH_GHOST_QUEUE, PATH_GHOST_MEMBER};

		out->kind = kinds[n - 1];
		if (n > 1)
			memcpy(out->name, parts[1], sizeof parts[1]);
		if (n > 2)
			memcpy(out->queue, parts[2], sizeof parts[2]);
		if (n > 3)
			memcpy(out->member, parts[3], sizeof parts[3]);
		return 0;
	}
	db = paths_db_number(parts[0]);
	if (db < 0 || !paths_db_visible(db, db_count, only_db) || n > 2)
		return -ENOENT;
	out->db = db;
	out->kind = n == 1 ? PATH_DB : PATH_KEY;
	if (n == 2)
		memcpy(out->name, parts[1], sizeof parts[1]);
	return 0;
}

bool paths_at_root(const char *path)
{
	return path[0] == '/' && path[1] && !strchr(path + 1, '/');
}
