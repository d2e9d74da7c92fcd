/* changes.c - what a change made through the mount does to the mount's caches and times. */
#include "changes.h"

#include <string.h>
#include <time.h>

void changes_key_touched(struct rfs *fs, int db, const char *key, size_t len)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	key_times_set(&fs->times, db, KEY_TIME_KEY, key, len, &now);
}

size_t changes_parent_len(const struct rfs *fs, const char *key, size_t len)
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

void changes_folder(struct rfs *fs, int db, const char *prefix, size_t len)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	key_times_set(&fs->times, db, KEY_TIME_FOLDER, prefix, len, &now);
}

void changes_entry(struct rfs *fs, int db, const char *key, size_t len, bool removed)
{
	if (removed)
		key_times_forget(&fs->times, db, KEY_TIME_KEY, key, len);
	else
		changes_key_touched(fs, db, key, len);
	changes_folder(fs, db, key, changes_parent_len(fs, key, len));
}

void changes_forget(struct rfs *fs, int db, const char *key, size_t len)
{
	attr_cache_forget(&fs->attrs, db, key, len);
}
