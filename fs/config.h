/* config.h - the INI file of -o config=PATH (SPEC section 6), read with libinih. */
#ifndef REDISFS_CONFIG_H
#define REDISFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* [redis]: url and the -o options by the same name; NULL / -1 where the file is silent. */
struct config_redis {
	char *url;
	char *passfile;
	char *databases;
	char *timeout;
	char *cache_timeout;
	char *delimiter;
	int ro;	     /* -1 unset, 0 or 1 */
	int noflush; /* -1 unset, 0 or 1 */
	/* the line of each value, 0 where unset: checks made later still name it */
	struct {
		int url, passfile, databases, timeout, cache_timeout, delimiter;
	} lines;
	char *tls_ca;
	char *tls_cert;
	char *tls_key;
	char *tls_sni;
	int tls_insecure; /* -1 unset, 0 or 1 */
};

/* [mysql]; NULL / 0 where the file is silent. */
struct config_mysql {
	char *host;
	int port;
	char *socket;
	char *user;
	char *password_file; /* refused at load when group or others can read it */
	char *password;	     /* read from password_file, or NULL; config_free() wipes it */
	char *defaults_file;
	char *database;
};

/* What a rule's IDs are in (SPEC 6): the members of queue keys, or the names of keys. */
enum config_ghost_kind {
	CONFIG_GHOSTS_QUEUES, /* kind = queues, the default: ghosts/RULE/QUEUE/MEMBER */
	CONFIG_GHOSTS_KEYS,   /* kind = keys: ghosts/RULE/KEY, the ID from the key's name */
};

/* [ghosts.NAME] */
struct config_ghost_rule {
	char *name; /* NAME: the folder ghosts/NAME */
	enum config_ghost_kind kind;
	int db;	      /* database of the keys (default 0) */
	char *keys;   /* SCAN MATCH pattern of queue keys, or (kind = keys) of the keys */
	char *table;  /* validated identifier, optionally db.table */
	char *column; /* validated identifier */
	char *member; /* POSIX ERE whose group 1 is the ID, or NULL: the whole member */
	char *id;     /* kind = keys: POSIX ERE with one group, the ID in the key's name */
	/* the lines of its header and values (0 where unset), for errors found at start */
	int line, db_line, keys_line, table_line, column_line;
};

struct rfs_config {
	struct config_redis redis;
	bool has_mysql;
	struct config_mysql mysql;
	struct config_ghost_rule *rules;
	size_t rule_count;
};

/*
 * Read and validate the file at `path`. Unknown sections and keys, a rule
 * without keys/table/column, an identifier that is not [A-Za-z0-9_$]+, a
 * member pattern that does not compile or has no group, a kind that is not
 * queues or keys, a keys rule without an id pattern of exactly one group (or
 * with member =, or a queues rule with id =), a bad number, ghost
 * rules without [mysql], a rule NAME that is not a plain file name: each is
 * -EINVAL with "PATH:LINE: reason" in `err`. The password of [mysql]
 * password_file is read here (one trailing newline dropped); a password file
 * that group or others may access is -EACCES, one that cannot be opened is
 * its errno, and so is a config file that cannot be read ("PATH: reason").
 * No message ever holds the password. `cfg` is overwritten, not freed: pass a
 * fresh one. Release with config_free() (also after an error).
 */
int config_load(const char *path, struct rfs_config *cfg, char *err, size_t errlen);

/* Free what config_load() left in `cfg` and zero it; safe on a zeroed struct and twice. */
void config_free(struct rfs_config *cfg);

#endif
