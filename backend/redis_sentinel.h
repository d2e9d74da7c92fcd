/* redis_sentinel.h - where the master is: ask Redis Sentinels, again after a failover
 * (backend-internal). */
#ifndef REDISFS_REDIS_SENTINEL_H
#define REDISFS_REDIS_SENTINEL_H

#include <stddef.h>

#include "log_line.h"
#include "redis_dial.h"

#define SENTINEL_HOST_MAX 256 /* a host name or address, NUL included */

/*
 * The sentinels of one master name and the address they gave last. Shared
 * by every thread of a pool: the address changes under a lock, and a
 * generation number counts the changes, so that a connection made to an
 * older master is known as such.
 */
struct redis_sentinel;

/*
 * Remember the sentinels (copied) and the master's name. Nothing is asked
 * yet. Returns 0 or -ENOMEM.
 */
int sentinel_create(const struct redis_address *sentinels, size_t count, const char *master,
		    struct redis_sentinel **out);

void sentinel_free(struct redis_sentinel *s);

/*
 * Ask the sentinels in turn (SENTINEL get-master-addr-by-name) until one
 * names the master; `how` gives the TLS, timeout and credentials (a
 * sentinel that answers NOAUTH is asked again after AUTH with them; its
 * addr and want_master are ignored). When `seen` is not the current
 * generation, another thread asked meanwhile and its answer is taken as it
 * is. Returns 0, or -errno with one line naming each sentinel's answer in
 * `err` (-ENOENT: none knows the master).
 */
int sentinel_refresh(struct redis_sentinel *s, const struct redis_dial *how, unsigned long seen,
		     char *err, size_t errlen);

/*
 * The master's address as last learnt, and its generation (0: never
 * learnt). `host` must hold SENTINEL_HOST_MAX bytes.
 */
unsigned long sentinel_master(struct redis_sentinel *s, char *host, int *port);

/* The generation now, without the lock: a connection from an older one is stale. */
unsigned long sentinel_generation(const struct redis_sentinel *s);

/*
 * Start a thread that stays subscribed to +switch-master on one sentinel
 * after another, and takes the new address as soon as one announces it for
 * this master (connections to the old one are then stale). `how` must
 * outlive `s`; lost sentinels are logged through `log` (may be NULL).
 * Returns 0 or -errno. sentinel_free() stops it.
 */
int sentinel_watch(struct redis_sentinel *s, const struct redis_dial *how, log_line_fn log,
		   void *log_arg);

/* The master's name. */
const char *sentinel_master_name(const struct redis_sentinel *s);

#endif
