/* redis_cluster.h - Redis Cluster's slot map: key slots, nodes, CLUSTER SLOTS, MOVED and ASK. */
#ifndef REDISFS_REDIS_CLUSTER_H
#define REDISFS_REDIS_CLUSTER_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#define CLUSTER_SLOTS	  16384 /* fixed by the cluster protocol */
#define CLUSTER_NODES_MAX 1024	/* the cluster spec's upper bound on the size of a cluster */
#define CLUSTER_HOST_MAX  256	/* a host name or address, NUL included */

/*
 * The slot map of one cluster, shared by every thread of a pool. Nodes get
 * an index the first time they are seen and keep it (a thread's connections
 * are indexed by it); node 0 is the server of the URL. Every function is
 * thread-safe.
 */
struct redis_cluster;

/*
 * The slot of a key: CRC16 (XMODEM) of the key, or of its hash tag (the
 * bytes between the first '{' and the first '}' after it, when there are
 * any), modulo 16384. Pure.
 */
unsigned int cluster_key_slot(const char *key, size_t len);

/*
 * A map with one node, the seed (`host` may be a unix socket path: it is
 * only a name here) and no slots. Returns NULL when out of memory.
 * Free with cluster_free().
 */
struct redis_cluster *cluster_create(const char *host, int port);

void cluster_free(struct redis_cluster *cluster);

/* The node serving `slot`, or -1 when no node does (yet). */
int cluster_slot_node(struct redis_cluster *cluster, unsigned int slot);

/* Record that `node` serves `slot` (after a MOVED). */
void cluster_set_slot(struct redis_cluster *cluster, unsigned int slot, int node);

/*
 * The index of the node at host:port, added when new. Returns the index, or
 * -ENOSPC when CLUSTER_NODES_MAX nodes are known already.
 */
int cluster_node_index(struct redis_cluster *cluster, const char *host, int port);

/* Copy node `node`'s address out; `host` must hold CLUSTER_HOST_MAX bytes. -ENOENT if unknown. */
int cluster_node_address(struct redis_cluster *cluster, int node, char *host, int *port);

/* How many nodes are known (the bound of node indexes). */
int cluster_node_count(struct redis_cluster *cluster);

/*
 * The distinct nodes that serve at least one slot, in index order, into
 * nodes[room]. Returns how many there are (possibly more than `room`).
 */
size_t cluster_masters(struct redis_cluster *cluster, int *nodes, size_t room);

/*
 * Replace the map with a CLUSTER SLOTS reply ([[start, end, [host, port,
 * ...], replicas...], ...]; only the first node of each range, the master,
 * is used). An empty host (or "?") is the host of `asked`, the node that
 * answered. Returns 0, -EIO for a reply of another shape (the map is then
 * unchanged), -ENOSPC.
 */
int cluster_apply_slots(struct redis_cluster *cluster, const redisReply *reply, int asked);

/* A counter that grows each time the map changes: a listing notices a resharding with it. */
unsigned long cluster_version(struct redis_cluster *cluster);

/*
 * Whether the caller should ask for a new map now: true at most once per
 * `gap_ns` (CLOCK_MONOTONIC `now_ns`), so that a burst of redirections or
 * failures across threads asks CLUSTER SLOTS once, not once each.
 */
bool cluster_refresh_claim(struct redis_cluster *cluster, long long now_ns, long long gap_ns);

/*
 * Whether a CLUSTER NODES reply says that the node that sent it imports
 * some slot (its "myself" line holds a "[slot-<-id]" entry): keys arrive on
 * it while a listing runs. Pure.
 */
bool cluster_nodes_importing(const char *text, size_t len);

/* What a redirection error reply says. */
struct cluster_redirect {
	bool ask; /* ASK (once, after ASKING) rather than MOVED (for good) */
	unsigned int slot;
	char host[CLUSTER_HOST_MAX]; /* empty: the host of the node that answered */
	int port;
};

/*
 * Parse "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381" (the host
 * may be empty, as in "MOVED 3999 :6381", or an IPv6 address). Returns true
 * when `text` is such a redirection. Pure.
 */
bool cluster_parse_redirect(const char *text, size_t len, struct cluster_redirect *out);

#endif
