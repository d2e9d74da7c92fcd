/* ghost_xattr.c - a ghost rule folder's user.ghosts.* attributes: the dry run of SPEC 6. */
#include "ghost_xattr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ghost_column.h"
#include "ghost_find.h"
#include "ghosts.h"
#include "node.h"

enum ghost_attr {
	GHOST_ATTR_TABLE,
	GHOST_ATTR_COLUMN,
	GHOST_ATTR_COUNT,
	GHOST_ATTR_SKIPPED,
	GHOST_ATTRS,
};

static const char *const names[GHOST_ATTRS] = {
	[GHOST_ATTR_TABLE] = GHOST_XATTR_PREFIX "table",
	[GHOST_ATTR_COLUMN] = GHOST_XATTR_PREFIX "column",
	[GHOST_ATTR_COUNT] = GHOST_XATTR_PREFIX "count",
	[GHOST_ATTR_SKIPPED] = GHOST_XATTR_PREFIX "skipped",
};

/* Hand out `len` bytes of `data` by the size-0 protocol of getxattr and listxattr. */
static int hand_out(const char *data, size_t len, char *buf, size_t size)
{
	if (size == 0)
		return (int) len;
	if (len > size)
		return -ERANGE;
	memcpy(buf, data, len);
	return (int) len;
}

/* The rule of a rule folder's node, or -ENODATA for any other node. */
static int rule_of(struct rfs *fs, const struct rfs_node *n)
{
	if (n->kind != NODE_GHOST_RULE)
		return -ENODATA;
	return ghosts_rule_find(fs->ghosts, n->names->name);
}

int ghost_xattr_get(struct rfs *fs, const struct rfs_node *n, const char *name, char *value,
		    size_t size)
{
	const struct config_ghost_rule *cfg;
	struct mysql_column column;
	size_t ghosts, skipped;
	char text[256];
	int rule, attr = -1, ret = 0;

	for (int a = 0; a < GHOST_ATTRS; a++)
		if (strcmp(name, names[a]) == 0)
			attr = a;
	if (attr < 0)
		return -ENODATA;
	rule = rule_of(fs, n);
	if (rule < 0)
		return rule;
	cfg = fs->ghosts->rules[rule].cfg;
	switch (attr) {
	case GHOST_ATTR_TABLE:
		snprintf(text, sizeof text, "%s", cfg->table);
		break;
	case GHOST_ATTR_COLUMN:
		ghosts_column(fs->ghosts, (size_t) rule, &column);
		snprintf(text, sizeof text, "%s %s", cfg->column, column.type);
		break;
	default:
		/* a detection (or the cached one): the figures of what ls and rm -r see */
		ret = ghosts_figures(fs->ghosts, (size_t) rule, &ghosts, &skipped);
		snprintf(text, sizeof text, "%zu", attr == GHOST_ATTR_COUNT ? ghosts : skipped);
	}
	return ret ? ret : hand_out(text, strlen(text), value, size);
}

int ghost_xattr_list(struct rfs *fs, const struct fs_path *p, char *list, size_t size)
{
	char all[GHOST_ATTRS * 32];
	size_t len = 0;

	if (p->kind != PATH_GHOST_RULE || ghosts_rule_find(fs->ghosts, p->name) < 0)
		return 0;
	for (int a = 0; a < GHOST_ATTRS; a++) {
		memcpy(all + len, names[a], strlen(names[a]) + 1);
		len += strlen(names[a]) + 1;
	}
	return hand_out(all, len, list, size);
}
