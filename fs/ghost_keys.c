/* ghost_keys.c - kind = keys rules (SPEC 6): keys whose own names carry an ID with no row. */
#include "ghost_keys.h"

#include <errno.h>
#include <string.h>

#include "../backend/redis_glob.h"
#include "../backend/redis_keys.h"
#include "ghost_column.h"
#include "ghost_find.h"

int ghost_keys_detect(struct ghosts *g, const struct ghost_rule *rule, ghost_filter_fn filter,
		      void *filter_arg, struct rv_array *ghosts)
{
	const struct config_ghost_rule *cfg = rule->cfg;
	struct rv_array keys = {0};
	int ret;

	/* every master of a cluster, as a database folder's listing */
	ret = redis_scan_match(g->redis, cfg->db, cfg->keys, strlen(cfg->keys), &keys);
	if (!ret)
		ret = ghost_scan_names(g, rule, &keys, filter, filter_arg, ghosts);
	rv_array_free(&keys);
	return ret;
}

int ghost_keys_next(struct ghosts *g, size_t rule, const char *key, size_t len, size_t max,
		    struct rv_array *out)
{
	struct ghost_snapshot *snap;
	struct ghost_queue *q;
	size_t mlen, n = 0;
	long i = -1;
	int ret = 0;

	pthread_mutex_lock(&g->lock);
	snap = g->rules[rule].cached;
	q = snap && snap->count == 1 ? &snap->queues[0] : NULL; /* the one pseudo-queue */
	if (q)
		i = rv_array_find(&q->members, key, len);
	for (size_t j = i < 0 ? 0 : (size_t) i; i >= 0 && !ret && j < q->members.count && n < max;
	     j++) {
		const char *m = rv_array_get(&q->members, j, &mlen);

		if (q->gone[j])
			continue;
		ret = rv_array_push(out, m, mlen);
		n++;
	}
	pthread_mutex_unlock(&g->lock);
	return ret ? -ENOMEM : 0;
}

int ghost_keys_lookup(struct ghosts *g, size_t rule, const char *queue_name, const char *key_name,
		      struct ghost_ref *out)
{
	const struct ghost_rule *r = &g->rules[rule];
	enum rv_type type;
	const char *id;
	size_t id_len;
	int ret;

	if (!key_name || strcmp(queue_name, GHOST_KEYS_QUEUE) != 0)
		return -ENOENT;
	out->key = ghost_copy_bytes("", 0);
	out->type = RV_NONE;
	if (!out->key)
		return -ENOMEM;
	ret = ghost_decode_name(key_name, &out->member, &out->member_len);
	if (ret)
		return ret;
	/* the rule's SCAN MATCH pattern, as a glob; a key with a NUL cannot be tested so */
	if (memchr(out->member, '\0', out->member_len) ||
	    !redis_glob_match(r->cfg->keys, out->member, out->member_len) ||
	    !ghosts_member_id(r, out->member, out->member_len, &id, &id_len))
		return -ENOENT;
	ret = redis_key_type(g->redis, r->cfg->db, out->member, out->member_len, &type);
	if (ret)
		return ret;
	if (type == RV_NONE)
		return -ENOENT;
	ret = ghosts_id_has_row(g, rule, id, id_len);
	return ret < 0 ? ret : (ret ? -ENOENT : 0);
}

int ghost_keys_refine(struct ghosts *g, struct fs_path *p)
{
	int rule;

	if (p->kind != PATH_GHOST_QUEUE && p->kind != PATH_GHOST_MEMBER)
		return 0;
	rule = ghosts_rule_find(g, p->name);
	if (rule < 0 || g->rules[rule].cfg->kind != CONFIG_GHOSTS_KEYS)
		return 0;
	if (p->kind == PATH_GHOST_MEMBER)
		return -ENOENT; /* a keys rule's folder holds files only */
	/* its files are members of the rule's one pseudo-queue */
	p->kind = PATH_GHOST_KEY;
	memcpy(p->member, p->queue, sizeof p->member);
	strcpy(p->queue, GHOST_KEYS_QUEUE);
	return 0;
}
