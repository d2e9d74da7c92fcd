/* ghost_find.c - a rule by its name; a detection's queue or member by bytes or file name. Pure. */
#include "ghost_find.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

/* Bytewise order, shorter first on a common prefix: the order of rv_array_sort_unique. */
int ghost_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	return rv_bytes_cmp(a, alen, b, blen);
}

/*
 * Index of the item of `a` whose file name is `name`: by decoding it and a
 * binary search, or for a shortened name by comparing names. -1 when none,
 * -2 when two items share a shortened name (never pick one of two).
 */
long ghost_find_by_name(const struct rv_array *a, const char *name)
{
	char prefix[NAMES_HASHED_KEEP], encoded[NAMES_MAX + 1];
	char *bytes = malloc(strlen(name) + 1);
	long found = -1;
	size_t plen, len;
	uint64_t hash;
	ssize_t n;

	if (!bytes)
		return -1;
	n = names_decode(name, bytes);
	if (n >= 0)
		found = rv_array_find(a, bytes, (size_t) n);
	free(bytes);
	if (found >= 0 || !names_parse_hashed(name, prefix, &plen, &hash))
		return found;
	for (size_t i = 0; i < a->count; i++) {
		const char *item = rv_array_get(a, i, &len);

		if (names_encoded_len(item, len) <= NAMES_MAX)
			continue;
		names_encode(item, len, encoded);
		if (strcmp(encoded, name) != 0)
			continue;
		if (found >= 0)
			return -2;
		found = (long) i;
	}
	return found;
}

/* The queue of `snap` whose file name is `name`, or NULL (*ambiguous when two share it). */
struct ghost_queue *ghost_find_queue(struct ghost_snapshot *snap, const char *name, bool *ambiguous)
{
	char encoded[NAMES_MAX + 1];
	struct ghost_queue *found = NULL;

	*ambiguous = false;
	for (size_t i = 0; i < snap->count; i++) {
		names_encode(snap->queues[i].key, snap->queues[i].key_len, encoded);
		if (strcmp(encoded, name) != 0)
			continue;
		if (found)
			*ambiguous = true;
		found = &snap->queues[i];
	}
	return *ambiguous ? NULL : found;
}

/*
 * A copy of (p, len) with a NUL after it: regexec() with REG_STARTEND reads
 * only the range, but sanitizers' interceptors of it read up to a NUL.
 */
char *ghost_copy_bytes(const char *p, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		if (len)
			memcpy(c, p, len);
		c[len] = '\0';
	}
	return c;
}

/* A name's bytes when it is a canonical, unshortened name; -ENOENT otherwise. */
int ghost_decode_name(const char *name, char **out, size_t *len)
{
	char prefix[NAMES_HASHED_KEEP];
	size_t plen;
	uint64_t hash;
	ssize_t n;

	/* a shortened name is known only from a detection, which did not list it */
	if (names_parse_hashed(name, prefix, &plen, &hash))
		return -ENOENT;
	*out = malloc(strlen(name) + 1);
	if (!*out)
		return -ENOMEM;
	n = names_decode(name, *out);
	if (n < 0) {
		free(*out);
		*out = NULL;
		return -ENOENT;
	}
	(*out)[n] = '\0'; /* see ghost_copy_bytes() */
	*len = (size_t) n;
	return 0;
}

bool ghosts_member_id(const struct ghost_rule *rule, const char *member, size_t len,
		      const char **id, size_t *id_len)
{
	regmatch_t m[2];

	if (!rule->has_pattern) {
		*id = member;
		*id_len = len;
		return true;
	}
	/* REG_STARTEND: members are binary and not NUL-terminated */
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t) len;
	if (regexec(&rule->pattern, member, 2, m, REG_STARTEND) != 0 || m[1].rm_so < 0)
		return false;
	*id = member + m[1].rm_so;
	*id_len = (size_t) (m[1].rm_eo - m[1].rm_so);
	return true;
}

int ghosts_rule_find(const struct ghosts *g, const char *name)
{
	for (size_t i = 0; i < g->rule_count; i++) {
		if (strcmp(g->rules[i].cfg->name, name) == 0)
			return (int) i;
	}
	return -ENOENT;
}
