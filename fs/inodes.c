/* inodes.c - the inode numbers the kernel holds: each a (parent, name), until it forgets. */
#include "inodes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "node.h"

#define SLOTS_FIRST   1024 /* slots of a new table; doubles as the kernel looks names up */
#define BUCKETS_FIRST 1024
#define INLINE_NAME   19 /* bytes of a name kept in its slot; longer ones are allocated */
#define NAME_MAX_LEN  255
#define KIND_MASK     0x7f /* enum node_kind in slot.kind */
#define KEY_KEPT      0x80 /* and its key follows its name in the name's allocation */

enum slot_state {
	SLOT_FREE,
	SLOT_NAMED,    /* has its name, in a hash chain */
	SLOT_NAMELESS, /* the root, or an inode whose name was removed: live, in no chain */
};

/*
 * 48 bytes: a million inodes (ls -l of a million keys) cost 46 MiB. A slot is
 * free when the kernel holds no lookup of it and no inode names it as parent:
 * a parent is never handed out again while a child still points at it, so
 * a late operation on a child can never reach another folder's keys.
 *
 * The slot keeps the node its name was resolved to: its kind, its database,
 * and its key only when that is not the name decoded (a shortened name: long,
 * so allocated, and the key follows it there as a 4-byte length and bytes).
 */
struct inode_slot {
	uint64_t nlookup;    /* lookups the kernel has not forgotten */
	uint32_t parent;     /* the folder's slot; 0 for the root */
	uint32_t next;	     /* the next slot of its hash chain, or of the free list */
	uint32_t children;   /* live slots whose parent this is */
	uint32_t generation; /* bumped each time the slot is handed out */
	uint16_t db;	     /* the node's database */
	uint8_t kind;	     /* enum node_kind (NODE_UNKNOWN: by the path), and KEY_KEPT */
	uint8_t name_len;
	uint8_t state;		/* enum slot_state */
	char name[INLINE_NAME]; /* the name, or a pointer to it when longer */
};

_Static_assert(sizeof(struct inode_slot) == 48, "an inode slot is 48 bytes");

static const char *slot_name(const struct inode_slot *s)
{
	const char *heap;

	if (s->name_len <= INLINE_NAME)
		return s->name;
	memcpy(&heap, s->name, sizeof heap); /* name[] is not aligned for a pointer */
	return heap;
}

static void slot_set_name(struct inode_slot *s, char *heap_or_null, const char *name, size_t len)
{
	s->name_len = (uint8_t) len;
	if (len <= INLINE_NAME)
		memcpy(s->name, name, len);
	else
		memcpy(s->name, &heap_or_null, sizeof heap_or_null);
}

static void slot_drop_name(struct inode_slot *s)
{
	if (s->name_len > INLINE_NAME)
		free((char *) slot_name(s));
	s->name_len = 0;
	s->kind = NODE_UNKNOWN; /* a new name is resolved anew */
}

static uint32_t hash_of(uint32_t parent, const char *name, size_t len)
{
	uint64_t h = names_hash(name, len) ^ ((uint64_t) parent * 0x9E3779B97F4A7C15ULL);

	return (uint32_t) (h ^ (h >> 32));
}

static bool live(const struct inodes *t, uint64_t ino)
{
	return ino >= INODES_ROOT && ino < t->used && t->slots[ino].state != SLOT_FREE;
}

int inodes_init(struct inodes *t)
{
	memset(t, 0, sizeof *t);
	t->slots = calloc(SLOTS_FIRST, sizeof *t->slots);
	t->buckets = calloc(BUCKETS_FIRST, sizeof *t->buckets);
	if (!t->slots || !t->buckets) {
		free(t->slots);
		free(t->buckets);
		return -ENOMEM;
	}
	t->room = SLOTS_FIRST;
	t->nbuckets = BUCKETS_FIRST;
	t->used = INODES_ROOT + 1;
	t->live = 1;
	t->slots[INODES_ROOT].state = SLOT_NAMELESS; /* live, and in no hash chain */
	t->slots[INODES_ROOT].nlookup = 1;	     /* the kernel never forgets the root */
	t->slots[INODES_ROOT].kind = NODE_ROOT;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

void inodes_free(struct inodes *t)
{
	for (uint32_t i = INODES_ROOT; t->slots && i < t->used; i++)
		slot_drop_name(&t->slots[i]);
	free(t->slots);
	free(t->buckets);
	t->slots = NULL;
	t->buckets = NULL;
	pthread_mutex_destroy(&t->lock);
}

static uint32_t *bucket_of(struct inodes *t, uint32_t i)
{
	const struct inode_slot *s = &t->slots[i];

	return &t->buckets[hash_of(s->parent, slot_name(s), s->name_len) & (t->nbuckets - 1)];
}

/* Take slot `i` out of its hash chain; under the lock. */
static void unhash(struct inodes *t, uint32_t i)
{
	struct inode_slot *s = &t->slots[i];
	uint32_t *link = bucket_of(t, i);

	while (*link && *link != i)
		link = &t->slots[*link].next;
	if (*link)
		*link = s->next;
	s->next = 0;
	s->state = SLOT_NAMELESS;
}

static void hash_in(struct inodes *t, uint32_t i)
{
	struct inode_slot *s = &t->slots[i];
	uint32_t *head = bucket_of(t, i);

	s->next = *head;
	*head = i;
	s->state = SLOT_NAMED;
}

/* Twice the buckets once there are more inodes than buckets; under the lock. */
static void grow_buckets(struct inodes *t)
{
	uint32_t n = t->nbuckets * 2, *fresh;

	if (t->live <= t->nbuckets || n == 0)
		return;
	fresh = calloc(n, sizeof *fresh);
	if (!fresh)
		return; /* longer chains, still correct */
	free(t->buckets);
	t->buckets = fresh;
	t->nbuckets = n;
	for (uint32_t i = INODES_ROOT + 1; i < t->used; i++) {
		if (t->slots[i].state == SLOT_NAMED)
			hash_in(t, i);
	}
}

/* Free slot `i` when nothing holds it any more, and its parent after it; under the lock. */
static void release(struct inodes *t, uint32_t i)
{
	while (i > INODES_ROOT) {
		struct inode_slot *s = &t->slots[i];
		uint32_t parent = s->parent;

		if (s->nlookup || s->children)
			return;
		if (s->state == SLOT_NAMED)
			unhash(t, i);
		slot_drop_name(s);
		s->state = SLOT_FREE;
		s->parent = 0;
		s->next = t->free_list;
		t->free_list = i;
		t->live--;
		if (!parent)
			return;
		t->slots[parent].children--;
		i = parent;
	}
}

/* The named slot of (parent, name), or 0; under the lock. */
static uint32_t find(const struct inodes *t, uint32_t parent, const char *name, size_t len)
{
	uint32_t i = t->buckets[hash_of(parent, name, len) & (t->nbuckets - 1)];

	for (; i; i = t->slots[i].next) {
		const struct inode_slot *s = &t->slots[i];

		if (s->parent == parent && s->name_len == len &&
		    memcmp(slot_name(s), name, len) == 0)
			return i;
	}
	return 0;
}

/* A slot to fill, from the free list or the end; 0 when out of memory. Under the lock. */
static uint32_t take_slot(struct inodes *t)
{
	struct inode_slot *grown;
	uint32_t i;

	if (t->free_list) {
		i = t->free_list;
		t->free_list = t->slots[i].next;
		return i;
	}
	if (t->used == t->room) {
		if (t->room > UINT32_MAX / 2)
			return 0;
		grown = realloc(t->slots, (size_t) t->room * 2 * sizeof *grown);
		if (!grown)
			return 0;
		memset(grown + t->room, 0, (size_t) t->room * sizeof *grown);
		t->slots = grown;
		t->room *= 2;
	}
	return t->used++;
}

/*
 * What a lookup keeps of `node` for `name`: *keep, and in *block (allocated,
 * outside the lock) the name followed by its key when the key is not the
 * name decoded. A node that cannot be kept leaves the inode NODE_UNKNOWN,
 * resolved by its name later.
 */
static int node_block(const struct rfs_node *node, const char *name, size_t len, char **block,
		      bool *keep)
{
	char decoded[NAME_MAX_LEN + 1];
	uint32_t key_len;
	ssize_t n;

	*block = NULL;
	*keep = node->key.db >= 0 && node->key.db <= UINT16_MAX && node->key.len <= UINT32_MAX;
	if (!*keep || node->kind != NODE_KEY)
		return 0;
	n = names_decode(name, decoded);
	if (n >= 0 && (size_t) n == node->key.len &&
	    memcmp(decoded, node->key.key, (size_t) n) == 0)
		return 0; /* the key is its name, decoded: nothing more to keep */
	if (len <= INLINE_NAME) {
		*keep = false; /* only a shortened name stands for other bytes, and it is long */
		return 0;
	}
	*block = malloc(len + sizeof key_len + node->key.len);
	if (!*block)
		return -ENOMEM;
	key_len = (uint32_t) node->key.len;
	memcpy(*block, name, len);
	memcpy(*block + len, &key_len, sizeof key_len);
	memcpy(*block + len + sizeof key_len, node->key.key, node->key.len);
	return 0;
}

/*
 * Keep `node` in slot `s` (`block` from node_block, or NULL); under the lock.
 * Returns the allocation the slot no longer uses, for the caller to free.
 */
static char *slot_set_node(struct inode_slot *s, const struct rfs_node *node, bool keep,
			   char *block)
{
	char *old = NULL;

	s->kind = NODE_UNKNOWN;
	if (!keep)
		return NULL;
	if (block) { /* the same name, now followed by its key */
		old = (char *) slot_name(s);
		memcpy(s->name, &block, sizeof block);
	}
	s->kind = (uint8_t) (node->kind | (block ? KEY_KEPT : 0));
	s->db = (uint16_t) node->key.db;
	return old;
}

int inodes_lookup(struct inodes *t, uint64_t parent, const char *name, const struct rfs_node *node,
		  uint64_t *ino, uint64_t *generation)
{
	size_t len = strlen(name);
	char *heap = NULL, *block = NULL, *old = NULL;
	bool keep = false, known = node && node->kind != NODE_UNKNOWN;
	uint32_t i;
	int ret = 0;

	if (len > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	if (known) {
		ret = node_block(node, name, len, &block, &keep);
		if (ret)
			return ret;
	}
	pthread_mutex_lock(&t->lock);
	if (!live(t, parent)) {
		ret = -ESTALE;
		goto out;
	}
	i = find(t, (uint32_t) parent, name, len);
	if (!i) {
		if (len > INLINE_NAME && !block && !(heap = malloc(len))) {
			ret = -ENOMEM;
			goto out;
		}
		i = take_slot(t);
		if (!i) {
			free(heap);
			ret = -ENOMEM;
			goto out;
		}
		if (heap)
			memcpy(heap, name, len);
		t->slots[i].parent = (uint32_t) parent;
		t->slots[i].nlookup = 0;
		t->slots[i].children = 0;
		t->slots[i].generation++;
		t->slots[i].kind = NODE_UNKNOWN;
		slot_set_name(&t->slots[i], block ? block : heap, name, len);
		hash_in(t, i);
		t->slots[parent].children++;
		t->live++;
		grow_buckets(t);
		if (known && keep) { /* its block, if any, is its name now */
			t->slots[i].kind = (uint8_t) (node->kind | (block ? KEY_KEPT : 0));
			t->slots[i].db = (uint16_t) node->key.db;
		}
		block = NULL;
	} else if (known) { /* the latest resolution: a lookup re-resolves the name */
		old = slot_set_node(&t->slots[i], node, keep, block);
		block = NULL;
	}
	t->slots[i].nlookup++;
	*ino = i;
	*generation = t->slots[i].generation;
out:
	pthread_mutex_unlock(&t->lock);
	free(block);
	free(old);
	return ret;
}

void inodes_forget(struct inodes *t, uint64_t ino, uint64_t n)
{
	pthread_mutex_lock(&t->lock);
	if (live(t, ino) && ino != INODES_ROOT) {
		struct inode_slot *s = &t->slots[ino];

		s->nlookup = n < s->nlookup ? s->nlookup - n : 0;
		release(t, (uint32_t) ino);
	}
	pthread_mutex_unlock(&t->lock);
}

/*
 * The names of the node of slot `ino` (kind `kind`, database `db`) into
 * `names`, from its slot and its parents', as the logic reads them; under the
 * lock. -ENAMETOOLONG when a namespace path is longer than names->name.
 */
static int fill_names(const struct inodes *t, uint32_t ino, enum node_kind kind, int db,
		      struct fs_path *names)
{
	const struct inode_slot *s = &t->slots[ino];
	size_t total = 0, at;
	uint32_t i;

	names->kind = node_path_kind(kind);
	names->db = db;
	switch (kind) {
	case NODE_KEY:
	case NODE_GHOST_RULE:
		memcpy(names->name, slot_name(s), s->name_len);
		names->name[s->name_len] = '\0';
		return 0;
	case NODE_NS: /* every name below the database folder, '/' between them */
		for (i = ino; (t->slots[i].kind & KIND_MASK) != NODE_DB; i = t->slots[i].parent) {
			/* a folder above a namespace node is one, known or not (never renamed) */
			if (i == INODES_ROOT || ((t->slots[i].kind & KIND_MASK) != NODE_NS &&
						 (t->slots[i].kind & KIND_MASK) != NODE_UNKNOWN))
				return -EIO; /* never a shorter path */
			total += t->slots[i].name_len + 1;
		}
		if (total == 0 || total > sizeof names->name)
			return total ? -ENAMETOOLONG : -EIO;
		at = total - 1;
		names->name[at] = '\0';
		for (i = ino; (t->slots[i].kind & KIND_MASK) != NODE_DB; i = t->slots[i].parent) {
			at -= t->slots[i].name_len;
			memcpy(names->name + at, slot_name(&t->slots[i]), t->slots[i].name_len);
			if (at)
				names->name[--at] = '/';
		}
		return 0;
	case NODE_GHOST_MEMBER:
	case NODE_GHOST_KEY:
		memcpy(names->member, slot_name(s), s->name_len);
		names->member[s->name_len] = '\0';
		if (kind == NODE_GHOST_KEY)
			strcpy(names->queue, PATHS_KEYS_QUEUE); /* a keys rule's one pseudo-queue */
		s = &t->slots[s->parent];
		if (kind == NODE_GHOST_KEY)
			break;
		/* fall through */
	case NODE_GHOST_QUEUE:
		memcpy(names->queue, slot_name(s), s->name_len);
		names->queue[s->name_len] = '\0';
		s = &t->slots[s->parent];
		break;
	default:
		return 0; /* the root, a database folder, ghosts/: their kind says all */
	}
	memcpy(names->name, slot_name(s), s->name_len); /* the rule */
	names->name[s->name_len] = '\0';
	return 0;
}

int inodes_node(struct inodes *t, uint64_t ino, struct rfs_node *out, struct fs_path *names)
{
	char name[NAME_MAX_LEN + 1], *key = NULL;
	const struct inode_slot *s;
	bool from_name = false;
	uint32_t key_len;
	size_t len = 0;
	ssize_t n;
	int ret = 0;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&t->lock);
	if (!live(t, ino)) {
		ret = -ESTALE;
		goto out;
	}
	for (uint32_t i = (uint32_t) ino; i != INODES_ROOT; i = t->slots[i].parent) {
		if (t->slots[i].state != SLOT_NAMED) {
			ret = -ENOENT; /* it, or a folder above it, lost its name */
			goto out;
		}
	}
	s = &t->slots[ino];
	out->kind = (enum node_kind)(s->kind & KIND_MASK);
	out->key.db = s->db;
	out->names = names;
	if (names && out->kind != NODE_UNKNOWN)
		ret = fill_names(t, (uint32_t) ino, out->kind, s->db, names);
	if (ret || out->kind != NODE_KEY)
		goto out;
	from_name = !(s->kind & KEY_KEPT);
	if (from_name) {
		len = s->name_len;
		memcpy(name, slot_name(s), len);
	} else {
		memcpy(&key_len, slot_name(s) + s->name_len, sizeof key_len);
		len = key_len;
	}
	key = malloc(len + 1); /* a decoded name is never longer than the name */
	if (!key)
		ret = -ENOMEM;
	else if (!from_name)
		memcpy(key, slot_name(s) + s->name_len + sizeof key_len, len);
out:
	pthread_mutex_unlock(&t->lock);
	if (ret || out->kind != NODE_KEY)
		return ret;
	if (from_name) { /* decoded outside the lock, from our copy */
		name[len] = '\0';
		n = names_decode(name, key);
		if (n < 0) {
			free(key);
			out->kind = NODE_UNKNOWN; /* never kept so: go by the path */
			return 0;
		}
		len = (size_t) n;
	}
	out->key.key = key;
	out->key.len = len;
	return 0;
}

int inodes_name(struct inodes *t, uint64_t ino, uint64_t *parent, char name[NAME_MAX_LEN + 1])
{
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	if (!live(t, ino)) {
		ret = -ESTALE;
	} else if (t->slots[ino].state != SLOT_NAMED) {
		ret = -ENOENT;
	} else {
		const struct inode_slot *s = &t->slots[ino];

		*parent = s->parent;
		memcpy(name, slot_name(s), s->name_len);
		name[s->name_len] = '\0';
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void inodes_remove(struct inodes *t, uint64_t parent, const char *name)
{
	size_t len = strlen(name);
	uint32_t i;

	if (len > NAME_MAX_LEN)
		return;
	pthread_mutex_lock(&t->lock);
	i = live(t, parent) ? find(t, (uint32_t) parent, name, len) : 0;
	if (i) {
		unhash(t, i);
		release(t, i);
	}
	pthread_mutex_unlock(&t->lock);
}

int inodes_rename(struct inodes *t, uint64_t parent, const char *name, uint64_t newparent,
		  const char *newname, const struct rfs_node *node)
{
	size_t len = strlen(name), newlen = strlen(newname);
	bool keep = false, known = node && node->kind != NODE_UNKNOWN;
	char *heap = NULL, *block = NULL;
	uint32_t from, to;
	int ret = 0;

	if (len > NAME_MAX_LEN || newlen > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	if (known)
		ret = node_block(node, newname, newlen, &block, &keep);
	if (!ret && !block && newlen > INLINE_NAME && !(heap = malloc(newlen)))
		ret = -ENOMEM;
	if (!ret && heap)
		memcpy(heap, newname, newlen);
	if (block)
		heap = block; /* the new name, followed by its key */
	pthread_mutex_lock(&t->lock);
	from = live(t, parent) ? find(t, (uint32_t) parent, name, len) : 0;
	to = live(t, newparent) ? find(t, (uint32_t) newparent, newname, newlen) : 0;
	if (to && to != from) {
		unhash(t, to);
		release(t, to);
	}
	if (from && (ret || !live(t, newparent))) {
		unhash(t, from); /* no memory for the new name: the old one must not stay */
		release(t, from);
	} else if (from) {
		struct inode_slot *s = &t->slots[from];

		unhash(t, from);
		slot_drop_name(s); /* and its node: the new name's, resolved at the rename */
		slot_set_name(s, heap, newname, newlen);
		heap = NULL;
		if (known && keep) {
			s->kind = (uint8_t) (node->kind | (block ? KEY_KEPT : 0));
			s->db = (uint16_t) node->key.db;
		}
		if (s->parent != newparent) {
			t->slots[newparent].children++;
			t->slots[s->parent].children--;
			s->parent = (uint32_t) newparent;
			/* the old parent may have waited only for this child */
		}
		hash_in(t, from);
		release(t, (uint32_t) parent);
	}
	pthread_mutex_unlock(&t->lock);
	free(heap);
	return ret;
}

size_t inodes_count(struct inodes *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->live;
	pthread_mutex_unlock(&t->lock);
	return n;
}
