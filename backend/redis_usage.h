/* redis_usage.h - what df shows of a server: its memory and its number of keys (INFO). */
#ifndef REDISFS_REDIS_USAGE_H
#define REDISFS_REDIS_USAGE_H

#include "redis_conn.h"

/* Summed over every master (the one server, or a cluster's masters). */
struct redis_usage {
	unsigned long long used_memory;	  /* INFO memory used_memory, bytes */
	unsigned long long maxmemory;	  /* its maxmemory; 0 when some master has none */
	unsigned long long system_memory; /* total_system_memory: the machine's, 0 if unknown */
	unsigned long long keys;	  /* INFO keyspace: keys=N of every database */
};

/*
 * INFO memory and INFO keyspace of every master. Returns 0, or -EIO when a
 * master cannot be asked or answers something else than INFO's lines.
 */
int redis_usage(struct redis_pool *pool, struct redis_usage *u);

#endif
