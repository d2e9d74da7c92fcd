/* changes.c - the one place that keeps the mount's caches and times true after a change. */
#include "changes.h"

#include <string.h>
#include <time.h>

#include "emptying.h"
#include "key_type.h"
#include "recent.h"

/* The folder a key shows in: its database (prefix length 0), or its namespace's prefix. */
static size_t parent_len(const struct rfs *fs, const char *key, size_t len)
{
	size_t at = 0;

	if (!fs->delimiter || !fs->delimiter_len)
		return 0;
	for (size_t i = 0; i + fs->delimiter_len <= len; i++)
		if (!memcmp(key + i, fs->delimiter, fs->delimiter_len))
			at = i + fs->delimiter_len;
	/* a key that ends with the delimiter is the file '%' in its own folder (SPEC 8) */
	return at;
}

/* A key's bytes, or "" for a database folder's empty prefix, which may come without any. */
static const char *bytes_of(const struct rfs_key *k)
{
	return k->key ? k->key : "";
}

static void time_now(struct rfs *fs, enum key_time_kind kind, const struct rfs_key *k, size_t len)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	key_times_set(&fs->times, k->db, kind, bytes_of(k), len, &now);
}

/* An entry of the folder `k` shows in came or went: that folder's time is now. */
static void parent_changed(struct rfs *fs, const struct rfs_key *k)
{
	time_now(fs, KEY_TIME_FOLDER, k, parent_len(fs, bytes_of(k), k->len));
}

/* Nothing known of the key stays: its attributes, and the type waiting for its text. */
static void forget(struct rfs *fs, const struct rfs_key *k)
{
	key_type_forget(fs, k->db, k->key, k->len);
	attr_cache_forget(&fs->attrs, k->db, k->key, k->len);
}

void change_done(struct rfs *fs, enum change what, const struct rfs_key *k)
{
	/*
	 * A file just truncated never shows as gone: no lines removed the key, and
	 * for cache_timeout it stays an empty file (truncate(2) stats it right
	 * after, and must not fail with ENOENT for a change it made). Any
	 * collection's type will do: only a stream's would show otherwise.
	 */
	const struct attr_info emptied = {.status = 0, .type = RV_LIST, .size = 0};

	/* attributes fetched ahead before now are not handed out (dir.h dir_reply_begin) */
	__atomic_fetch_add(&fs->changes, 1, __ATOMIC_RELAXED);
	switch (what) {
	case CHANGE_WRITTEN:
	case CHANGE_EXPIRY:
		time_now(fs, KEY_TIME_KEY, k, k->len);
		break;
	case CHANGE_STORED:
		attr_cache_forget(&fs->attrs, k->db, k->key, k->len);
		break;
	case CHANGE_EMPTIED:
		attr_cache_forget(&fs->attrs, k->db, k->key, k->len);
		attr_cache_put(&fs->attrs, k->db, k->key, k->len, &emptied);
		break;
	case CHANGE_CONVERTED:
		attr_cache_forget(&fs->attrs, k->db, k->key, k->len);
		time_now(fs, KEY_TIME_KEY, k, k->len);
		break;
	case CHANGE_MADE:
		attr_cache_forget(&fs->attrs, k->db, k->key, k->len);
		time_now(fs, KEY_TIME_KEY, k, k->len);
		parent_changed(fs, k);
		break;
	case CHANGE_REMOVED:
	case CHANGE_FOUND_GONE:
		emptying_key_removed(fs->emptying, k->db, k->key, k->len);
		if (what == CHANGE_FOUND_GONE) {
			forget(fs, k); /* removed by someone else: no change of ours to show */
			break;
		}
		/* fall through */
	case CHANGE_MOVED_AWAY:
		forget(fs, k);
		/* a key made again later shows the mount's time, not this one's */
		key_times_forget(&fs->times, k->db, KEY_TIME_KEY, k->key, k->len);
		parent_changed(fs, k);
		break;
	case CHANGE_MOVED_IN:
		forget(fs, k);
		time_now(fs, KEY_TIME_KEY, k, k->len);
		parent_changed(fs, k);
		break;
	case CHANGE_UNSURE:
		forget(fs, k);
		break;
	case CHANGE_KEYS_GONE:
		key_type_forget_prefix(fs, k->db, bytes_of(k), k->len);
		attr_cache_forget_db(&fs->attrs, k->db);
		recent_forget(fs, k->db); /* its keys are not there to fetch along */
		break;
	case CHANGE_FOLDER_GONE:
		emptying_folder_removed(fs->emptying, k->db, k->len ? k->key : NULL, k->len);
		/* a database folder stays, emptied; a namespace folder goes from its parent */
		time_now(fs, KEY_TIME_FOLDER, k,
			 k->len ? parent_len(fs, bytes_of(k), k->len - fs->delimiter_len) : 0);
		break;
	}
}
