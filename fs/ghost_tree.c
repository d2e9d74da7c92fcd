/* ghost_tree.c - the ghosts/ folders of SPEC section 6 as paths: list, stat, read, rm. */
#include "ghost_tree.h"

#include <errno.h>
#include <fuse_log.h>
#include <string.h>

#include "changes.h"
#include "ghosts.h"
#include "stats.h"

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
	return ghosts_lookup(fs->ghosts, (size_t) rule, p->queue,
			     p->kind == PATH_GHOST_MEMBER ? p->member : NULL, ref);
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
	if (p->kind == PATH_GHOST_MEMBER)
		stats_file(fs, st, ref.member_len, 0644);
	else
		stats_dir(fs, st);
	ghosts_ref_free(&ref);
	return 0;
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
	return ghosts_list(g, (size_t) rule, p->kind == PATH_GHOST_QUEUE ? p->queue : NULL, names);
}

int ghost_tree_read_member(struct rfs *fs, const struct fs_path *p, struct render_buf *text)
{
	struct ghost_ref ref;
	int ret;

	ret = lookup(fs, p, &ref);
	if (ret)
		return ret;
	ret = render_buf_append(text, ref.member, ref.member_len);
	ghosts_ref_free(&ref);
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
	int ret = 0, rule;

	/*
	 * SPEC 5: a ghost folder's rmdir removes no member, so an rm -ri whose
	 * user kept a ghost keeps it. The folder "is empty" when it has no ghost
	 * (a detection that fails is EIO, never empty); it stays either way.
	 */
	if (p->kind == PATH_GHOSTS) {
		for (size_t i = 0; !ret && i < g->rule_count; i++)
			ret = has_ghosts(g, i, NULL);
	} else {
		rule = rule_of(fs, p);
		if (rule < 0)
			return rule;
		ret = has_ghosts(g, (size_t) rule, p->kind == PATH_GHOST_QUEUE ? p->queue : NULL);
	}
	return ret > 0 ? -ENOTEMPTY : ret;
}
