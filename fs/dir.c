/* dir.c - folder listings: a snapshot per opendir, entries with attributes for readdirplus. */
#include "dir.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_batch.h"
#include "../backend/redis_keys.h"
#include "ghost_tree.h"
#include "namespace.h"
#include "tree.h"

int tree_push_name(struct rv_array *names, const char *name)
{
	return rv_array_push(names, name, strlen(name) + 1);
}

static int list_root(struct rfs *fs, struct tree_dir *dir)
{
	char name[16];
	int ret = 0;

	dir->type = S_IFDIR;
	for (int db = 0; !ret && db < fs->db_count; db++) {
		if (fs->only_db >= 0 && db != fs->only_db)
			continue;
		snprintf(name, sizeof name, "db%d", db);
		ret = tree_push_name(&dir->names, name);
	}
	if (!ret && fs->ghosts)
		ret = tree_push_name(&dir->names, PATHS_GHOSTS);
	return ret;
}

void dir_listing_put(struct rfs *fs, struct listing *l)
{
	bool last;

	if (!l)
		return;
	pthread_mutex_lock(&fs->recent_lock);
	last = --l->refs == 0;
	pthread_mutex_unlock(&fs->recent_lock);
	if (last) {
		rv_array_free(&l->keys);
		free(l);
	}
}

/* Make a new listing the recent one of its database, for lookups that follow it. */
static void remember(struct rfs *fs, struct listing *l)
{
	struct listing *old;

	if (!fs->recent || fs->cache_timeout <= 0)
		return;
	pthread_mutex_lock(&fs->recent_lock);
	old = fs->recent[l->db];
	fs->recent[l->db] = l;
	l->refs++;
	pthread_mutex_unlock(&fs->recent_lock);
	dir_listing_put(fs, old);
}

/*
 * Split the keys under a namespace folder's prefix into its folders (names)
 * and its files (keys kept whole, in order), SPEC 8.
 */
static int split_namespace(struct rfs *fs, struct tree_dir *dir, struct rv_array *keys)
{
	char name[NAMES_MAX + 1];
	size_t len, consumed;
	int ret = 0;

	for (size_t i = 0; !ret && i < keys->count; i++) {
		const char *key = rv_array_get(keys, i, &len);

		if (ns_entry(key + dir->prefix_len, len - dir->prefix_len, fs->delimiter,
			     fs->delimiter_len, name, &consumed))
			ret = tree_push_name(&dir->names, name);
		else
			ret = rv_array_push(&dir->listing->keys, key, len);
	}
	return ret ? ret : rv_array_sort_unique(&dir->names);
}

/* A database folder, or a namespace folder below one: one SCAN, kept as the snapshot. */
static int list_keys(struct rfs *fs, const struct fs_path *p, struct tree_dir *dir)
{
	struct tree_key prefix = {0};
	struct rv_array keys = {0};
	bool folder = true;
	int ret = 0;

	dir->type = S_IFDIR;
	if (p->kind == PATH_KEY) {
		ret = ns_resolve(fs, p->db, p->name, &prefix, &folder);
		if (!ret && !folder)
			ret = -ENOTDIR;
	}
	dir->listing = ret ? NULL : calloc(1, sizeof *dir->listing);
	if (!ret && !dir->listing)
		ret = -ENOMEM;
	if (!ret) {
		dir->listing->db = p->db;
		dir->listing->refs = 1;
		dir->prefix_len = prefix.len;
		clock_gettime(CLOCK_MONOTONIC, &dir->listing->taken);
		dir->listing->used = dir->listing->taken;
		if (!fs->delimiter)
			return redis_scan_keys(fs->pool, p->db, NULL, 0, &dir->listing->keys);
		ret = redis_scan_keys(fs->pool, p->db, prefix.key, prefix.len, &keys);
	}
	/* a namespace folder exists while some key has its prefix */
	if (!ret && prefix.len && !keys.count && !ns_folder_marked(fs, p->db, p->name))
		ret = -ENOENT;
	if (!ret)
		ret = split_namespace(fs, dir, &keys);
	rv_array_free(&keys);
	tree_key_free(&prefix);
	return ret;
}

int tree_opendir(struct rfs *fs, const char *path, struct tree_dir **out)
{
	struct tree_dir *dir;
	struct fs_path p;
	int ret;

	ret = tree_parse(fs, path, &p);
	if (ret)
		return ret;
	if ((p.kind == PATH_KEY && !fs->delimiter) || p.kind == PATH_GHOST_MEMBER)
		return -ENOTDIR;
	dir = calloc(1, sizeof *dir);
	if (!dir)
		return -ENOMEM;
	if (p.kind >= PATH_GHOSTS) {
		ret = ghost_tree_list(fs, &p, dir);
	} else if (p.kind == PATH_ROOT) {
		ret = list_root(fs, dir);
	} else {
		ret = list_keys(fs, &p, dir);
	}
	if (ret) {
		/* a partial listing must never look complete, nor be remembered */
		tree_closedir(fs, dir);
		return ret;
	}
	if (dir->listing)
		remember(fs, dir->listing); /* ls -l and find look its files up next */
	*out = dir;
	return 0;
}

void tree_closedir(struct rfs *fs, struct tree_dir *dir)
{
	if (!dir)
		return;
	dir_listing_put(fs, dir->listing);
	rv_array_free(&dir->names);
	free(dir);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double) (b->tv_sec - a->tv_sec) + (double) (b->tv_nsec - a->tv_nsec) / 1e9;
}

struct listing *dir_recent_listing(struct rfs *fs, int db)
{
	struct listing *l = NULL;
	struct timespec now;

	if (!fs->recent)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&fs->recent_lock);
	l = fs->recent[db];
	if (l && (seconds_between(&l->taken, &now) < fs->cache_timeout ||
		  seconds_between(&l->used, &now) < DIR_LOOKAHEAD_IDLE)) {
		l->refs++;
		l->used = now;
	} else {
		l = NULL;
	}
	pthread_mutex_unlock(&fs->recent_lock);
	return l;
}

void dir_forget_listings(struct rfs *fs)
{
	for (int db = 0; fs->recent && db < fs->db_count; db++) {
		dir_listing_put(fs, fs->recent[db]);
		fs->recent[db] = NULL;
	}
}

long dir_listing_find(const struct listing *l, const char *key, size_t len)
{
	size_t lo = 0, hi = l->keys.count, n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = rv_array_get(&l->keys, mid, &n);
		size_t common = n < len ? n : len;
		int c = common ? memcmp(k, key, common) : 0;

		if (!c)
			c = (n > len) - (n < len);
		if (!c)
			return (long) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t tree_dir_count(const struct tree_dir *dir)
{
	return dir->names.count + (dir->listing ? dir->listing->keys.count : 0);
}

const char *tree_dir_name(const struct tree_dir *dir, size_t i, char buf[NAMES_MAX + 1],
			  mode_t *type)
{
	const char *p;
	size_t len;

	if (i < dir->names.count) {
		*type = dir->type;
		return rv_array_get(&dir->names, i, &len);
	}
	*type = S_IFREG;
	p = rv_array_get(&dir->listing->keys, i - dir->names.count, &len);
	names_encode(p + dir->prefix_len, len - dir->prefix_len, buf);
	return buf;
}

/* Fetch the attributes of keys[first ..] for a batch. */
static int stat_batch(struct rfs *fs, struct tree_dir *dir, size_t first)
{
	int ret;

	dir->stat_count = 0;
	ret = tree_stat_listed(fs, dir->listing, first, DIR_STAT_BATCH, dir->stats, dir->status);
	if (ret)
		return ret;
	dir->stat_first = first;
	dir->stat_count = dir->listing->keys.count - first < DIR_STAT_BATCH
				  ? dir->listing->keys.count - first
				  : DIR_STAT_BATCH;
	return 0;
}

int tree_dir_stat(struct rfs *fs, struct tree_dir *dir, size_t i, struct stat *st)
{
	int ret;

	if (i < dir->names.count)
		return -ENOENT; /* folders and ghosts: the kernel looks them up */
	i -= dir->names.count;
	if (i < dir->stat_first || i >= dir->stat_first + dir->stat_count) {
		ret = stat_batch(fs, dir, i);
		if (ret)
			return ret;
	}
	*st = dir->stats[i - dir->stat_first];
	return dir->status[i - dir->stat_first];
}
