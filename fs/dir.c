/* dir.c - folder listings: one per opendir, served as readdir asks; attributes for readdirplus. */
#include "dir.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_batch.h"
#include "../backend/redis_keys.h"
#include "../backend/redis_scan.h"
#include "db_key_table.h"
#include "emptying.h"
#include "ghost_tree.h"
#include "namespace.h"
#include "node.h"
#include "recent.h"
#include "stats.h"

/* Push a name with its NUL, so a listing can hand entries out as they are. 0 or -ENOMEM. */
static int push_name(struct rv_array *names, const char *name)
{
	return rv_array_push(names, name, strlen(name) + 1);
}

static int list_root(struct rfs *fs, struct dir_handle *dir)
{
	char name[16];
	int ret = 0;

	dir->type = S_IFDIR;
	for (int db = 0; !ret && db < fs->db_count; db++) {
		if (fs->only_db >= 0 && db != fs->only_db)
			continue;
		snprintf(name, sizeof name, "db%d", db);
		ret = push_name(&dir->names, name);
	}
	if (!ret && fs->ghosts)
		ret = push_name(&dir->names, PATHS_GHOSTS);
	return ret;
}

/*
 * Split the keys under a namespace folder's prefix into its folders (names)
 * and its files (keys kept whole, in order), SPEC 8.
 */
static int split_namespace(struct rfs *fs, struct dir_handle *dir, struct rv_array *keys)
{
	char name[NAMES_MAX + 1];
	size_t len, consumed;
	int ret = 0;

	for (size_t i = 0; !ret && i < keys->count; i++) {
		const char *key = rv_array_get(keys, i, &len);

		if (ns_entry(key + dir->prefix_len, len - dir->prefix_len, fs->delimiter,
			     fs->delimiter_len, name, &consumed))
			ret = push_name(&dir->names, name);
		else
			ret = listing_push(dir->listing, key, len);
	}
	return ret ? ret : rv_array_sort_unique(&dir->names);
}

/*
 * A cluster's database: every master is walked in turn, and again when the
 * slot map changed meanwhile (redis_scan_keys), before readdir hands out any.
 */
static int scan_masters(struct rfs *fs, struct listing *l)
{
	struct rv_array keys = {0};
	size_t len;
	int ret = redis_scan_keys(fs->pool, l->db, NULL, 0, &keys);

	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &len);

		ret = listing_push(l, key, len);
	}
	rv_array_free(&keys);
	return ret;
}

static int walk_next(void *scan, struct rv_array *keys, bool *done)
{
	return redis_scan_next(scan, keys, done);
}

static bool walk_ready(void *scan)
{
	return redis_scan_ready(scan);
}

static void walk_close(void *scan)
{
	redis_scan_close(scan);
}

/* keys an index is made ready for at once: past it, it grows as keys come (bounded memory) */
#define DIR_RESERVE_MAX ((size_t) 1 << 22)

/*
 * A database folder of one server: the first SCAN here, so that its failure
 * fails opendir; when there is more, the listing keeps the walk, and readdir
 * pulls each next batch when it needs it, while the walk has the SCAN after
 * it on its way already (redis_scan.h): the server, the daemon and the
 * kernel work at once, and a million keys are held once, in the listing.
 */
static int walk_database(struct rfs *fs, struct listing *l)
{
	struct redis_scan *scan;
	size_t keys;
	int ret;

	if (redis_pool_is_cluster(fs->pool))
		return scan_masters(fs, l);
	ret = redis_scan_open(fs->pool, l->db, &scan);
	if (ret)
		return ret;
	listing_walk_from(l, &(struct listing_walk){walk_next, walk_ready, walk_close, scan});
	ret = listing_pull(l);
	/* a big database: its index made big enough at once, not doubled a dozen times */
	if (!ret && !listing_complete(l) && !redis_database_size(fs->pool, l->db, &keys))
		ret = listing_reserve(l, keys < DIR_RESERVE_MAX ? keys : DIR_RESERVE_MAX);
	return ret;
}

/*
 * A database folder, or a namespace folder below one. Its listing becomes
 * the folder's latest for rmdir (emptying.h), whether or not it works out.
 */
static int list_keys(struct rfs *fs, const struct fs_path *p, struct dir_handle *dir)
{
	struct rfs_key prefix = {0};
	struct rv_array keys = {0};
	bool folder = true;
	int ret = 0;

	dir->type = S_IFDIR;
	if (p->kind == PATH_KEY) {
		ret = ns_resolve(fs, p->db, p->name, &prefix, &folder);
		if (!ret && !folder)
			ret = -ENOTDIR;
		if (ret) {
			rfs_key_free(&prefix);
			return ret; /* not a folder: no listing of it to forget */
		}
	}
	recent_forget(fs, p->db);
	dir->listing = listing_new(p->db);
	if (!dir->listing) {
		ret = -ENOMEM;
		goto out;
	}
	dir->prefix_len = prefix.len;
	if (!fs->delimiter) {
		ret = walk_database(fs, dir->listing);
		goto out;
	}
	ret = redis_scan_keys(fs->pool, p->db, prefix.key, prefix.len, &keys);
	/* a namespace folder exists while some key has its prefix */
	if (!ret && prefix.len && !keys.count && !ns_folder_marked(fs, p->db, p->name) &&
	    !emptying_removed_some(fs->emptying, p->db, prefix.key, prefix.len))
		ret = -ENOENT;
	if (!ret)
		ret = split_namespace(fs, dir, &keys);
out:
	if (!ret)
		emptying_listed(fs->emptying, p->db, prefix.key, prefix.len, dir->listing,
				&dir->names);
	else
		emptying_forget(fs->emptying, p->db, prefix.key, prefix.len);
	rv_array_free(&keys);
	rfs_key_free(&prefix);
	return ret;
}

/*
 * A folder's listing, once complete, becomes its database's recent one: ls -l
 * and find look its files up next. A walk that has not got to the end (or
 * failed) is never remembered: look-ahead would miss keys.
 */
static void remember_once(struct dir_handle *dir)
{
	if (dir->listing && !dir->remembered && listing_complete(dir->listing)) {
		recent_remember(dir->fs, dir->listing);
		dir->remembered = true;
	}
}

int dir_open(struct rfs *fs, const struct rfs_node *n, struct dir_handle **out)
{
	const struct fs_path *p = n->names;
	struct dir_handle *dir;
	int ret;

	if (n->kind == NODE_KEY || node_is_ghost_file(n->kind))
		return -ENOTDIR;
	dir = calloc(1, sizeof *dir);
	if (!dir)
		return -ENOMEM;
	pthread_mutex_init(&dir->lock, NULL);
	if (p->kind >= PATH_GHOSTS) {
		ret = ghost_tree_list(fs, p, &dir->names, &dir->type);
	} else if (p->kind == PATH_ROOT) {
		ret = list_root(fs, dir);
	} else {
		ret = list_keys(fs, p, dir);
	}
	if (ret) {
		/* a partial listing must never look complete, nor be remembered */
		dir_close(fs, dir);
		return ret;
	}
	dir->fs = fs;
	remember_once(dir);
	*out = dir;
	return 0;
}

void dir_close(struct rfs *fs, struct dir_handle *dir)
{
	(void) fs; /* listings count their own references */
	if (!dir)
		return;
	/* the fetch after a reply (dir_reply_end) may still be using it */
	pthread_mutex_lock(&dir->lock);
	pthread_mutex_unlock(&dir->lock);
	pthread_mutex_destroy(&dir->lock);
	listing_put(dir->listing); /* a walk still going ends with it, its connection too */
	rv_array_free(&dir->names);
	free(dir);
}

int dir_entry(struct dir_handle *dir, size_t i, bool wait, char buf[NAMES_MAX + 1],
	      const char **name, mode_t *type)
{
	size_t len;
	int ret;

	if (i < dir->names.count) {
		*type = dir->type;
		*name = rv_array_get(&dir->names, i, &len);
		return 1;
	}
	if (!dir->listing)
		return 0;
	*type = S_IFREG;
	*name = buf;
	ret = listing_name(dir->listing, i - dir->names.count, dir->prefix_len, wait, buf);
	if (ret == 0) {
		remember_once(dir); /* the walk got to its end */
		listing_mark_read_to_end(dir->listing);
	}
	return ret;
}

/* Fetch the attributes of keys[first ..] into batch `b`. */
static int stat_batch(struct rfs *fs, struct dir_handle *dir, struct dir_stats *b, size_t first)
{
	size_t got;
	int ret;

	b->count = 0;
	b->changes = __atomic_load_n(&fs->changes, __ATOMIC_RELAXED);
	b->until = db_key_deadline(fs->cache_timeout);
	ret = stats_listed(fs, dir->listing, first, DIR_STAT_BATCH, b->stats, b->status, &got,
			   false);
	if (ret)
		return ret;
	b->first = first;
	b->count = got;
	return 0;
}

static bool batch_holds(const struct dir_stats *b, size_t i)
{
	return i >= b->first && i < b->first + b->count;
}

/* Whether batch b may still be handed out: no change through the mount since, not too old. */
static bool batch_fresh(struct rfs *fs, const struct dir_stats *b)
{
	return b->changes == __atomic_load_n(&fs->changes, __ATOMIC_RELAXED) &&
	       db_key_ahead(&b->until);
}

void dir_reply_begin(struct rfs *fs, struct dir_handle *dir)
{
	pthread_mutex_lock(&dir->lock);
	for (int k = 0; k < 2; k++)
		if (dir->stat[k].count && !batch_fresh(fs, &dir->stat[k]))
			dir->stat[k].count = 0;
}

int dir_stat(struct rfs *fs, struct dir_handle *dir, size_t i, struct stat *st)
{
	struct dir_stats *b = &dir->stat[dir->stat_cur];
	int ret;

	if (i < dir->names.count)
		return -ENOENT; /* folders and ghosts: the kernel looks them up */
	i -= dir->names.count;
	if (!batch_holds(b, i) && batch_holds(&dir->stat[!dir->stat_cur], i)) {
		dir->stat_cur = !dir->stat_cur; /* the batch fetched ahead is reached */
		b = &dir->stat[dir->stat_cur];
	}
	if (!batch_holds(b, i)) {
		ret = stat_batch(fs, dir, b, i);
		if (ret)
			return ret;
		if (!b->count)
			return -ENOENT; /* not scanned yet: the kernel looks it up */
	}
	*st = b->stats[i - b->first];
	return b->status[i - b->first];
}

void dir_reply_end(struct rfs *fs, struct dir_handle *dir, size_t next, size_t served)
{
	const struct dir_stats *cur = &dir->stat[dir->stat_cur];
	struct dir_stats *ahead = &dir->stat[!dir->stat_cur];
	size_t end = cur->first + cur->count;

	/*
	 * Only keys have attributes, and only a big folder's next reply would
	 * wait; with a cache_timeout of 0 the next reply could not use them.
	 */
	if (dir->listing && served && next >= dir->names.count && cur->count &&
	    fs->cache_timeout > 0) {
		next -= dir->names.count;
		if (next >= cur->first && next <= end && next + served > end &&
		    !(ahead->count && ahead->first == end)) {
			/* the keys first: a batch of SCAN would hold the next reply up too */
			listing_fill(dir->listing, end + DIR_STAT_BATCH);
			(void) stat_batch(fs, dir, ahead, end); /* a failure: fetched when asked */
		}
	}
	pthread_mutex_unlock(&dir->lock);
}
