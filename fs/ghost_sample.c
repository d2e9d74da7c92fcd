/* ghost_sample.c - at start, what each ghost rule would skip, from a sample of its queues (SPEC 6).
 */
#include "ghost_sample.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../backend/redis_keys.h"
#include "../backend/redis_sample.h"
#include "ghost_column.h"
#include "ghost_find.h"
#include "names.h"

#define KEYS_LOOKED_AT 64 /* matching keys looked at for queues: most are, in practice */

static void say(struct rv_array *lines, const char *line)
{
	fprintf(stderr, "%s\n", line);
	(void) rv_array_push(lines, line, strlen(line) + 1);
}

/* "member = ^user:([0-9]+)$" when the example is a word and a number, else a general hint. */
static void suggest(const struct mysql_column *column, const char *example, char *out, size_t len)
{
	size_t word = strspn(example, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:-/.#");
	size_t digits = strspn(example + word, "0123456789");

	if (column->kind == MYSQL_COLUMN_INTEGER && word && digits && !example[word + digits])
		snprintf(out, len, "add member = ^%.*s([0-9]+)$ to the rule", (int) word, example);
	else
		snprintf(out, len,
			 "if the IDs are inside the members, add member = (a POSIX ERE "
			 "whose group 1 is the ID) to the rule");
}

/* Classify a queue's sampled members: count the skipped ones into `skips`. */
static void classify(const struct ghost_rule *r, const struct mysql_column *column,
		     const struct rv_array *members, const char *key, size_t klen,
		     struct ghost_skips *skips)
{
	const char *id;
	size_t len, idlen;

	for (size_t i = 0; i < members->count; i++) {
		const char *m = rv_array_get(members, i, &len);
		enum mysql_id_doubt why = ghosts_id_doubt(r, column, m, len, &id, &idlen);

		if (why != MYSQL_ID_OK)
			ghosts_skips_note(skips, why, m, len, key, klen);
	}
}

/*
 * Look at the rule's first queues: *sampled members of *queues queues
 * (the first one's name in `first`), of *matched keys the pattern matched.
 */
static int sample(struct ghosts *g, size_t rule, const struct mysql_column *column,
		  struct ghost_skips *skips, size_t *sampled, size_t *queues, size_t *matched,
		  char first[GHOSTS_EXAMPLE_MAX])
{
	const struct ghost_rule *r = &g->rules[rule];
	const struct config_ghost_rule *cfg = r->cfg;
	struct rv_array keys = {0}, members = {0};
	char name[NAMES_MAX + 1];
	int scanned_all, ret;
	size_t klen;

	*sampled = *queues = 0;
	ret = redis_sample_keys(g->redis, cfg->db, cfg->keys, KEYS_LOOKED_AT, &keys, &scanned_all);
	*matched = keys.count;
	for (size_t i = 0; !ret && i < keys.count && *queues < GHOST_SAMPLE_QUEUES &&
			   *sampled < GHOST_SAMPLE_MEMBERS;
	     i++) {
		const char *key = rv_array_get(&keys, i, &klen);
		enum rv_type type;

		ret = redis_key_type(g->redis, cfg->db, key, klen, &type);
		if (ret ||
		    (type != RV_LIST && type != RV_SET && type != RV_ZSET && type != RV_HASH))
			continue;
		rv_array_clear(&members);
		ret = redis_sample_members(g->redis, cfg->db, key, klen, type,
					   GHOST_SAMPLE_MEMBERS - *sampled, &members);
		if (ret)
			break;
		classify(r, column, &members, key, klen, skips);
		*sampled += members.count;
		if ((*queues)++ == 0) {
			names_encode(key, klen, name);
			name[GHOSTS_EXAMPLE_MAX - 1] = '\0';
			strcpy(first, name);
		}
	}
	rv_array_free(&members);
	rv_array_free(&keys);
	return ret;
}

/*
 * A keys rule's line: how many of the first keys its pattern matches have
 * no ID by its id pattern, or one the column cannot hold (never ghosts).
 */
static void report_keys_rule(struct ghosts *g, size_t rule, struct rv_array *lines)
{
	const struct ghost_rule *r = &g->rules[rule];
	const struct config_ghost_rule *cfg = r->cfg;
	struct ghost_skips skips = {0};
	struct rv_array keys = {0};
	struct mysql_column column;
	enum mysql_id_doubt why;
	size_t klen, idlen, unmatched = 0, matched;
	char line[1024], name[NAMES_MAX + 1] = "";
	const char *id;
	int scanned_all, ret;

	ghosts_column(g, rule, &column);
	ret = redis_sample_keys(g->redis, cfg->db, cfg->keys, KEYS_LOOKED_AT, &keys, &scanned_all);
	for (size_t i = 0; !ret && i < keys.count; i++) {
		const char *key = rv_array_get(&keys, i, &klen);

		if (!ghosts_member_id(r, key, klen, &id, &idlen)) {
			if (!unmatched++)
				names_encode(key, klen, name);
			continue;
		}
		why = mysql_column_holds(&column, id, idlen);
		if (why != MYSQL_ID_OK)
			ghosts_skips_note(&skips, why, key, klen, "", 0);
	}
	name[GHOSTS_EXAMPLE_MAX - 1] = '\0';
	matched = keys.count;
	rv_array_free(&keys);
	if (ret)
		snprintf(line, sizeof line, "redisfs: ghosts.%s: could not look at its keys (%s)",
			 cfg->name, strerror(-ret));
	else if (!matched)
		snprintf(line, sizeof line, "redisfs: ghosts.%s: keys = %s matches no key of db%d",
			 cfg->name, cfg->keys, cfg->db);
	else if (unmatched)
		snprintf(line, sizeof line,
			 "redisfs: ghosts.%s: %zu of %zu sampled keys do not match id = %s, e.g. "
			 "'%s': they are never ghosts",
			 cfg->name, unmatched, matched, cfg->id, name);
	else if (skips.count)
		snprintf(line, sizeof line,
			 "redisfs: ghosts.%s: %zu of %zu sampled keys have IDs that are not values "
			 "of %s.%s (%s), e.g. '%s' (%s): they are never ghosts",
			 cfg->name, skips.count, matched, cfg->table, cfg->column, column.type,
			 skips.example, mysql_id_doubt_text(skips.why));
	if (ret || !matched || unmatched || skips.count)
		say(lines, line);
}

static void report_rule(struct ghosts *g, size_t rule, struct rv_array *lines)
{
	const struct config_ghost_rule *cfg = g->rules[rule].cfg;
	struct ghost_skips skips = {0};
	struct mysql_column column;
	size_t sampled, queues, matched;
	char line[1024], hint[256], first[GHOSTS_EXAMPLE_MAX] = "", more[64] = "";
	int ret;

	if (cfg->kind == CONFIG_GHOSTS_KEYS) {
		report_keys_rule(g, rule, lines);
		return;
	}
	ghosts_column(g, rule, &column);
	ret = sample(g, rule, &column, &skips, &sampled, &queues, &matched, first);
	if (ret) {
		snprintf(line, sizeof line, "redisfs: ghosts.%s: could not look at its queues (%s)",
			 cfg->name, strerror(-ret));
	} else if (!matched) {
		snprintf(line, sizeof line, "redisfs: ghosts.%s: keys = %s matches no key of db%d",
			 cfg->name, cfg->keys, cfg->db);
	} else if (!queues) {
		snprintf(line, sizeof line,
			 "redisfs: ghosts.%s: keys = %s matches no list, set, zset or hash of db%d",
			 cfg->name, cfg->keys, cfg->db);
	} else if (skips.count) {
		suggest(&column, skips.example, hint, sizeof hint);
		if (queues > 1)
			snprintf(more, sizeof more, " and %zu more queue%s", queues - 1,
				 queues > 2 ? "s" : "");
		snprintf(line, sizeof line,
			 "redisfs: ghosts.%s: %zu of %zu sampled members of %s%s are not values of "
			 "%s.%s (%s), e.g. '%s'%s%s (%s): they are never ghosts; %s",
			 cfg->name, skips.count, sampled, first, more, cfg->table, cfg->column,
			 column.type, skips.example, queues > 1 ? " of " : "",
			 queues > 1 ? skips.queue : "", mysql_id_doubt_text(skips.why), hint);
	} else {
		return; /* every sampled member is an ID the column can hold */
	}
	say(lines, line);
}

void ghost_sample_all(struct ghosts *g, struct rv_array *lines)
{
	for (size_t i = 0; i < g->rule_count; i++)
		report_rule(g, i, lines);
}
