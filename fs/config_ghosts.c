/* config_ghosts.c - the [ghosts.NAME] sections of the config file (SPEC section 6). */
#include "config_load.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define RULE_NAME_MAX 255     /* NAME_MAX: a rule is the folder ghosts/NAME */
#define GHOST_DB_MAX  1000000 /* the largest -o databases=N that options accept */

/* The keys of a rule; the order is the index into load_state.key_lines. */
enum rule_key { RULE_DB, RULE_KEYS, RULE_TABLE, RULE_COLUMN, RULE_MEMBER, RULE_KIND, RULE_ID };
const char *const config_rule_keys[] = {"db",	  "keys", "table", "column",
					"member", "kind", "id",	   NULL};
_Static_assert(RULE_ID < KEYS_MAX, "key_lines[] holds a line for every rule key");

/* Why `name` cannot be the folder ghosts/NAME, or NULL when it can. */
static const char *rule_name_problem(const char *name)
{
	size_t i, n = strlen(name);

	if (!n)
		return "is empty";
	if (n > RULE_NAME_MAX)
		return "is longer than 255 bytes";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "is not a file name";
	for (i = 0; i < n; i++) {
		if (name[i] == '/')
			return "holds '/': it names one folder";
		if (name[i] < 0x20 || name[i] >= 0x7f)
			return "holds a byte that is not printable ASCII";
	}
	return NULL;
}

void config_rule_end(struct load_state *st)
{
	static const enum rule_key required[] = {RULE_KEYS, RULE_TABLE, RULE_COLUMN};
	const struct config_ghost_rule *rule;
	const int *lines = st->key_lines;

	if (st->kind != SECTION_GHOSTS)
		return;
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		if (!lines[required[i]]) {
			config_fail(st, st->section_line, -EINVAL,
				    "[%s] has no '%s', which a rule needs", st->section,
				    config_rule_keys[required[i]]);
			return;
		}
	}
	/* kind may come after member or id: the section's end is where both are known */
	rule = &st->cfg->rules[st->cfg->rule_count - 1];
	if (rule->kind == CONFIG_GHOSTS_KEYS && lines[RULE_MEMBER])
		config_fail(st, lines[RULE_MEMBER], -EINVAL,
			    "member = is for queue rules; a kind = keys rule takes the ID from "
			    "the key's name with id = (a POSIX ERE with one group)");
	else if (rule->kind == CONFIG_GHOSTS_QUEUES && lines[RULE_ID])
		config_fail(st, lines[RULE_ID], -EINVAL,
			    "id = is for kind = keys rules; a queue rule finds the ID in each "
			    "member with member =");
	else if (rule->kind == CONFIG_GHOSTS_KEYS && !lines[RULE_ID])
		config_fail(st, st->section_line, -EINVAL,
			    "[%s] has kind = keys but no 'id': a POSIX ERE whose one group is "
			    "the ID in the key's name, as in ^session:([0-9]+)$",
			    st->section);
}

void config_rule_begin(struct load_state *st, const char *name)
{
	struct rfs_config *cfg = st->cfg;
	struct config_ghost_rule *rule;
	const char *problem = rule_name_problem(name);
	char show[SHOWN_SIZE];
	size_t i;

	if (problem) {
		config_fail(st, st->lineno, -EINVAL, "rule name '%s' %s", config_shown(show, name),
			    problem);
		return;
	}
	for (i = 0; i < cfg->rule_count; i++) {
		if (!strcmp(cfg->rules[i].name, name)) {
			config_fail(st, st->lineno, -EINVAL,
				    "duplicate rule [%s] (first at line %d)", st->section,
				    st->rule_lines[i]);
			return;
		}
	}
	if (cfg->rule_count == st->rule_cap) {
		size_t cap = st->rule_cap ? 2 * st->rule_cap : 4;
		struct config_ghost_rule *rules = realloc(cfg->rules, cap * sizeof *rules);
		int *lines;

		if (!rules) {
			config_fail(st, st->lineno, -ENOMEM, "out of memory");
			return;
		}
		cfg->rules = rules;
		lines = realloc(st->rule_lines, cap * sizeof *lines);
		if (!lines) {
			config_fail(st, st->lineno, -ENOMEM, "out of memory");
			return;
		}
		st->rule_lines = lines;
		st->rule_cap = cap;
	}
	rule = &cfg->rules[cfg->rule_count];
	memset(rule, 0, sizeof *rule);
	rule->line = st->lineno;
	rule->name = strdup(name);
	if (!rule->name) {
		config_fail(st, st->lineno, -ENOMEM, "out of memory");
		return;
	}
	st->rule_lines[cfg->rule_count++] = st->lineno;
	st->kind = SECTION_GHOSTS;
}

/*
 * Compile a member or id pattern only to check it (the ghost code compiles
 * its own copy): it must compile, and have at least one group (member) or
 * exactly one (id: the ID is that group, with no second one to mistake for it).
 */
static int check_pattern(struct load_state *st, const char *what, const char *pattern,
			 bool one_group)
{
	char show[SHOWN_SIZE], why[128];
	size_t groups;
	regex_t re;
	int rc;

	rc = regcomp(&re, pattern, REG_EXTENDED);
	if (rc) {
		regerror(rc, &re, why, sizeof why);
		return config_fail(st, st->lineno, -EINVAL, "%s pattern '%s' does not compile: %s",
				   what, config_shown(show, pattern), why);
	}
	groups = re.re_nsub;
	regfree(&re);
	if (groups < 1)
		return config_fail(st, st->lineno, -EINVAL,
				   "%s pattern '%s' has no group: group 1 must capture the ID, "
				   "as in %s",
				   what, config_shown(show, pattern),
				   one_group ? "^session:([0-9]+)$" : "^([0-9]+)");
	if (one_group && groups > 1)
		return config_fail(st, st->lineno, -EINVAL,
				   "id pattern '%s' has %zu groups: it needs exactly one, the ID",
				   config_shown(show, pattern), groups);
	return 0;
}

static int set_kind(struct load_state *st, struct config_ghost_rule *rule, const char *value)
{
	char show[SHOWN_SIZE];

	if (!strcmp(value, "queues"))
		rule->kind = CONFIG_GHOSTS_QUEUES;
	else if (!strcmp(value, "keys"))
		rule->kind = CONFIG_GHOSTS_KEYS;
	else
		return config_fail(st, st->lineno, -EINVAL,
				   "bad kind '%s': expected queues (IDs in the members of "
				   "queue keys, the default) or keys (IDs in the keys' names)",
				   config_shown(show, value));
	return 0;
}

int config_rule_key(struct load_state *st, int key, const char *value)
{
	struct config_ghost_rule *rule = &st->cfg->rules[st->cfg->rule_count - 1];
	char show[SHOWN_SIZE];
	long db;

	if (key == RULE_DB)
		rule->db_line = st->lineno;
	else if (key == RULE_KEYS)
		rule->keys_line = st->lineno;
	else if (key == RULE_TABLE)
		rule->table_line = st->lineno;
	else if (key == RULE_COLUMN)
		rule->column_line = st->lineno;
	switch ((enum rule_key) key) {
	case RULE_DB:
		db = config_number(value, 0, GHOST_DB_MAX);
		if (db < 0)
			return config_fail(st, st->lineno, -EINVAL,
					   "bad db '%s': expected a number from 0 to %d",
					   config_shown(show, value), GHOST_DB_MAX);
		rule->db = (int) db;
		return 0;
	case RULE_KEYS:
		return config_store(st, &rule->keys, value);
	case RULE_TABLE:
		if (!config_is_table_name(value, true))
			return config_fail(st, st->lineno, -EINVAL,
					   "table '%s' is not a plain MySQL name: 1 to 64 of "
					   "[A-Za-z0-9_$], or db.table",
					   config_shown(show, value));
		return config_store(st, &rule->table, value);
	case RULE_COLUMN:
		if (!config_is_table_name(value, false))
			return config_fail(st, st->lineno, -EINVAL,
					   "column '%s' is not a plain MySQL name: 1 to 64 of "
					   "[A-Za-z0-9_$]",
					   config_shown(show, value));
		return config_store(st, &rule->column, value);
	case RULE_MEMBER:
		if (check_pattern(st, "member", value, false))
			return -EINVAL;
		return config_store(st, &rule->member, value);
	case RULE_KIND:
		return set_kind(st, rule, value);
	case RULE_ID:
		if (check_pattern(st, "id", value, true))
			return -EINVAL;
		return config_store(st, &rule->id, value);
	}
	return 0;
}
