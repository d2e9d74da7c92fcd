/* ghost_tree.c - the ghosts/ folders of SPEC section 6 as paths: list, stat, read, rm. */
#include "ghost_tree.h"

#include <errno.h>
#include <fuse_log.h>
#include <string.h>

#include "ghosts.h"
#include "names.h"

/* What a ghost path points at, with the snapshot that keeps it alive. */
struct ghost_target {
	int rule;
	struct ghost_snapshot *snap;	/* NULL for ghosts/ and rule folders */
	const struct ghost_queue *queue;
	long member; /* index in queue->members, or -1 */
};

static void target_put(struct rfs *fs, struct ghost_target *t)
{
	ghosts_snapshot_put(fs->ghosts, t->snap);
	t->snap = NULL;
}

/*
 * Resolve a ghost path. Rule folders need no detection (they exist while the
 * rule does); queue folders and files need the rule's snapshot, so they fail
 * with EIO while MySQL is unreachable.
 */
static int target_get(struct rfs *fs, const struct fs_path *p, struct ghost_target *t)
{
	bool ambiguous;
	int ret;

	memset(t, 0, sizeof *t);
	t->member = -1;
	if (p->kind == PATH_GHOSTS)
		return 0;
	t->rule = ghosts_rule_find(fs->ghosts, p->name);
	if (t->rule < 0 || p->kind == PATH_GHOST_RULE)
		return t->rule < 0 ? t->rule : 0;
	ret = ghosts_snapshot_get(fs->ghosts, (size_t) t->rule, false, &t->snap);
	if (ret)
		return ret;
	t->queue = ghosts_find_queue(t->snap, p->queue, &ambiguous);
	if (!t->queue) {
		target_put(fs, t);
		return ambiguous ? -EIO : -ENOENT;
	}
	if (p->kind == PATH_GHOST_MEMBER) {
		t->member = ghosts_find_member(t->queue, p->member);
		if (t->member < 0) {
			target_put(fs, t);
			return (int) t->member;
		}
	}
	return 0;
}

int ghost_tree_getattr(struct rfs *fs, const struct fs_path *p, struct stat *st)
{
	struct ghost_target t;
	size_t len = 0;
	int ret;

	ret = target_get(fs, p, &t);
	if (ret)
		return ret;
	if (p->kind == PATH_GHOST_MEMBER) {
		rv_array_get(&t.queue->members, (size_t) t.member, &len);
		tree_stat_file(fs, st, len, 0644);
	} else {
		tree_stat_dir(fs, st);
	}
	target_put(fs, &t);
	return 0;
}

static int list_names(const char *const *items, const size_t *lens, size_t count,
		      struct tree_dir *dir)
{
	char name[NAMES_MAX + 1];
	int ret = 0;

	for (size_t i = 0; !ret && i < count; i++) {
		names_encode(items[i], lens[i], name);
		ret = tree_push_name(&dir->names, name);
	}
	return ret;
}

int ghost_tree_list(struct rfs *fs, const struct fs_path *p, struct tree_dir *dir)
{
	struct ghosts *g = fs->ghosts;
	struct ghost_snapshot *snap;
	struct ghost_target t;
	size_t len;
	int ret = 0;

	if (p->kind == PATH_GHOSTS) {
		dir->type = S_IFDIR;
		for (size_t i = 0; !ret && i < g->rule_count; i++)
			ret = tree_push_name(&dir->names, g->rules[i].cfg->name);
		return ret;
	}
	ret = target_get(fs, p, &t);
	if (ret)
		return ret;
	if (p->kind == PATH_GHOST_RULE) {
		/* cached for cache_timeout, so ls then rm see the same ghosts */
		ret = ghosts_snapshot_get(g, (size_t) t.rule, false, &snap);
		if (ret)
			return ret;
		dir->type = S_IFDIR;
		for (size_t i = 0; !ret && i < snap->count; i++) {
			const char *key = snap->queues[i].key;

			ret = list_names(&key, &snap->queues[i].key_len, 1, dir);
		}
		ghosts_snapshot_put(g, snap);
	} else {
		dir->type = S_IFREG;
		for (size_t i = 0; !ret && i < t.queue->members.count; i++) {
			const char *m = rv_array_get(&t.queue->members, i, &len);

			ret = list_names(&m, &len, 1, dir);
		}
		target_put(fs, &t);
	}
	return ret ? ret : rv_array_sort_unique(&dir->names);
}

int ghost_tree_read_member(struct rfs *fs, const struct fs_path *p, struct render_buf *text)
{
	struct ghost_target t;
	const char *m;
	size_t len;
	int ret;

	ret = target_get(fs, p, &t);
	if (ret)
		return ret;
	m = rv_array_get(&t.queue->members, (size_t) t.member, &len);
	ret = render_buf_append(text, m, len);
	target_put(fs, &t);
	return ret;
}

int ghost_tree_unlink(struct rfs *fs, const struct fs_path *p)
{
	struct ghost_target t;
	const char *m;
	size_t len;
	int ret;

	ret = target_get(fs, p, &t);
	if (ret)
		return ret;
	m = rv_array_get(&t.queue->members, (size_t) t.member, &len);
	ret = ghosts_remove_member(fs->ghosts, (size_t) t.rule, t.queue, m, len);
	if (ret == -ESTALE)
		fuse_log(FUSE_LOG_WARNING,
			 "redisfs: ghosts/%s/%s/%s: its ID has a row again; left alone\n", p->name,
			 p->queue, p->member);
	target_put(fs, &t);
	return ret;
}

int ghost_tree_rmdir(struct rfs *fs, const struct fs_path *p)
{
	struct ghosts *g = fs->ghosts;
	int ret = 0, rule;

	if (p->kind == PATH_GHOSTS) {
		for (size_t i = 0; !ret && i < g->rule_count; i++)
			ret = ghosts_remove_all(g, i, NULL);
		return ret;
	}
	rule = ghosts_rule_find(g, p->name);
	if (rule < 0)
		return rule;
	/* the folder stays: rm -r succeeds having removed exactly the ghosts */
	return ghosts_remove_all(g, (size_t) rule, p->kind == PATH_GHOST_QUEUE ? p->queue : NULL);
}
