/* ghost_tree.c - the ghosts/ folders of SPEC section 6 as paths: list, stat, read, rm. */
#include "ghost_tree.h"

#include <errno.h>
#include <fuse_log.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/redis_batch.h"
#include "../backend/redis_keys.h"
#include "attr_cache.h"
#include "changes.h"
#include "ghost_find.h"
#include "ghost_keys.h"
#include "ghosts.h"
#include "stats.h"

/* ghost keys a stat that misses fetches: a database listing's batch */
#define GHOST_STAT_AHEAD 256

/* The rule a ghost path names, or -ENOENT. */
static int rule_of(struct rfs *fs, const struct fs_path *p)
{
	return ghosts_rule_find(fs->ghosts, p->name);
}

/* Resolve a queue folder or ghost file of `p` into `ref` (see ghosts_lookup). */
static int lookup(struct rfs *fs, const struct fs_path *p, struct ghost_ref *ref)
{
	int rule = rule_of(fs, p);

	if (rule < 0)
		return rule;
	return ghosts_lookup(
		fs->ghosts, (size_t) rule, p->queue,
		p->kind == PATH_GHOST_MEMBER || p->kind == PATH_GHOST_KEY ? p->member : NULL, ref);
}

static bool keys_rule(struct rfs *fs, int rule)
{
	return rule >= 0 && fs->ghosts->rules[rule].cfg->kind == CONFIG_GHOSTS_KEYS;
}

/* The database of the keys of the rule that `p` names (which exists). */
static int db_of(struct rfs *fs, const struct fs_path *p)
{
	return fs->ghosts->rules[rule_of(fs, p)].cfg->db;
}

/*
 * The attributes of the ghost keys after `ref` in the listing, into the
 * attribute cache, in one batch: rm -r looks each of them up next, and one
 * batch costs the round trips of a single key. Best effort: a stat that
 * misses still asks Redis for its own key.
 */
static void stat_ahead(struct rfs *fs, int rule, int db, const struct ghost_ref *ref)
{
	const char *keys[GHOST_STAT_AHEAD];
	size_t lens[GHOST_STAT_AHEAD];
	struct stat *st = malloc(GHOST_STAT_AHEAD * sizeof *st); /* 36 KiB: not on the stack */
	int status[GHOST_STAT_AHEAD];
	struct rv_array next = {0};
	struct redis_batch b = {.db = db, .keys = keys, .lens = lens};

	if (st && ghost_keys_next(fs->ghosts, (size_t) rule, ref->member, ref->member_len,
				  GHOST_STAT_AHEAD, &next) == 0) {
		for (size_t i = 0; i < next.count; i++)
			keys[i] = rv_array_get(&next, i, &lens[i]);
		b.count = next.count;
		if (b.count > 1)
			(void) stats_keys(fs, &b, st, status, true);
	}
	rv_array_free(&next);
	free(st);
}

/* stat of a ghost key: what its file in the database folder shows. */
static int stat_ghost_key(struct rfs *fs, const struct fs_path *p, const struct ghost_ref *ref,
			  struct stat *st)
{
	struct rfs_key k = {.db = db_of(fs, p), .key = ref->member, .len = ref->member_len};
	struct attr_info info;

	if (!attr_cache_get(&fs->attrs, k.db, k.key, k.len, &info))
		stat_ahead(fs, rule_of(fs, p), k.db, ref);
	return stats_key(fs, &k, st);
}

int ghost_tree_getattr(struct rfs *fs, const struct fs_path *p, struct stat *st)
{
	struct ghost_ref ref;
	int ret;

	if (p->kind == PATH_GHOSTS || p->kind == PATH_GHOST_RULE) {
		/* rule folders exist while the rule does: no detection needed */
		ret = p->kind == PATH_GHOST_RULE ? rule_of(fs, p) : 0;
		if (ret < 0)
			return ret;
		stats_dir(fs, st);
		return 0;
	}
	ret = lookup(fs, p, &ref);
	if (ret)
		return ret;
	if (p->kind == PATH_GHOST_KEY)
		ret = stat_ghost_key(fs, p, &ref, st);
	else if (p->kind == PATH_GHOST_MEMBER)
		stats_file(fs, st, ref.member_len, 0644);
	else
		stats_dir(fs, st);
	ghosts_ref_free(&ref);
	return ret;
}

int ghost_tree_list(struct rfs *fs, const struct fs_path *p, struct rv_array *names, mode_t *type)
{
	struct ghosts *g = fs->ghosts;
	int rule, ret = 0;

	*type = p->kind == PATH_GHOST_QUEUE ? S_IFREG : S_IFDIR;
	if (p->kind == PATH_GHOSTS) {
		for (size_t i = 0; !ret && i < g->rule_count; i++) {
			const char *name = g->rules[i].cfg->name;

			ret = rv_array_push(names, name, strlen(name) + 1); /* with its NUL */
		}
		return ret;
	}
	rule = rule_of(fs, p);
	if (rule < 0)
		return rule;
	if (keys_rule(fs, rule)) { /* the key files: the members of its one pseudo-queue */
		*type = S_IFREG;
		return ghosts_list(g, (size_t) rule, GHOST_KEYS_QUEUE, names);
	}
	return ghosts_list(g, (size_t) rule, p->kind == PATH_GHOST_QUEUE ? p->queue : NULL, names);
}

int ghost_tree_read_member(struct rfs *fs, const struct fs_path *p, struct render_buf *text)
{
	struct ghost_ref ref;
	int ret;

	ret = lookup(fs, p, &ref);
	if (ret)
		return ret;
	if (p->kind == PATH_GHOST_KEY) {
		/* the key's content, rendered as its file in the database folder shows it */
		struct rv_value value = {0};
		enum rv_type type;
		int db = db_of(fs, p);

		ret = redis_key_type(fs->pool, db, ref.member, ref.member_len, &type);
		if (!ret && type == RV_NONE)
			ret = -ENOENT;
		if (!ret)
			ret = redis_fetch_value(fs->pool, db, ref.member, ref.member_len, type,
						&value);
		if (!ret)
			ret = render_value(&value, text);
		rv_value_free(&value);
	} else {
		ret = render_buf_append(text, ref.member, ref.member_len);
	}
	ghosts_ref_free(&ref);
	return ret;
}

int ghost_tree_key(struct rfs *fs, const struct fs_path *p, struct rfs_key *k)
{
	struct ghost_ref ref;
	int ret;

	ret = lookup(fs, p, &ref);
	if (ret)
		return ret;
	k->db = db_of(fs, p);
	k->len = ref.member_len;
	k->key = malloc(ref.member_len + 1);
	if (k->key) {
		memcpy(k->key, ref.member, ref.member_len);
		k->key[ref.member_len] = '\0';
	}
	ghosts_ref_free(&ref);
	return k->key ? 0 : -ENOMEM;
}

int ghost_tree_unlink_key(struct rfs *fs, const struct fs_path *p, const struct rfs_key *k)
{
	char none[1] = ""; /* the keys rule's one queue, GHOST_KEYS_QUEUE's key */
	const struct ghost_ref ref = {
		.key = none, .type = RV_NONE, .member = k->key, .member_len = k->len};
	int ret;

	/* ghost_tree_key resolved it: only the re-check and the UNLINK are left */
	ret = ghosts_remove_member(fs->ghosts, (size_t) rule_of(fs, p), &ref);
	if (ret == -ESTALE)
		fuse_log(FUSE_LOG_WARNING,
			 "redisfs: ghosts/%s/%s: its ID has a row again; left alone\n", p->name,
			 p->member);
	return ret;
}

int ghost_tree_unlink(struct rfs *fs, const struct fs_path *p)
{
	struct ghost_ref ref;
	struct rfs_key queue;
	int ret;

	ret = lookup(fs, p, &ref);
	if (ret)
		return ret;
	ret = ghosts_remove_member(fs->ghosts, (size_t) rule_of(fs, p), &ref);
	/* the queue's file in its database folder just changed size */
	queue = (struct rfs_key){fs->ghosts->rules[rule_of(fs, p)].cfg->db, ref.key, ref.key_len};
	change_done(fs, CHANGE_STORED, &queue);
	if (ret == -ESTALE)
		fuse_log(FUSE_LOG_WARNING,
			 "redisfs: ghosts/%s/%s/%s: its ID has a row again; left alone\n", p->name,
			 p->queue, p->member);
	ghosts_ref_free(&ref);
	return ret;
}

/* Whether rule `rule` (or its queue called `queue`) has ghosts now: 1, 0 or -errno. */
static int has_ghosts(struct ghosts *g, size_t rule, const char *queue)
{
	struct rv_array names = {0};
	int ret = ghosts_list(g, rule, queue, &names);

	if (!ret)
		ret = names.count > 0;
	rv_array_free(&names);
	return ret;
}

int ghost_tree_rmdir(struct rfs *fs, const struct fs_path *p)
{
	struct ghosts *g = fs->ghosts;
	const char *queue;
	int ret = 0, rule;

	/*
	 * SPEC 5: a ghost folder's rmdir removes no member, so an rm -ri whose
	 * user kept a ghost keeps it. The folder "is empty" at the end of an rm -r
	 * of it, or when it has no ghost (a detection that fails is EIO, never
	 * empty); it stays either way.
	 */
	if (p->kind == PATH_GHOSTS) {
		for (size_t i = 0; !ret && i < g->rule_count; i++)
			ret = ghosts_emptied(g, i, NULL) ? 0 : has_ghosts(g, i, NULL);
	} else {
		rule = rule_of(fs, p);
		if (rule < 0)
			return rule;
		queue = p->kind == PATH_GHOST_QUEUE ? p->queue : NULL;
		/* the end of an rm -r: a new detection (seconds for a big queue) would only
		 * find the ghosts that came since, and they stay either way */
		if (!ghosts_emptied(g, (size_t) rule, queue))
			ret = has_ghosts(g, (size_t) rule, queue);
	}
	return ret > 0 ? -ENOTEMPTY : ret;
}
