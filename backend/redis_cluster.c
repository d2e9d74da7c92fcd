/* redis_cluster.c - Redis Cluster's slot map: CRC16 key slots, the node table, redirections. */
#include "redis_cluster.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRC16_POLY 0x1021 /* CRC-16/XMODEM, as the cluster specification prescribes */

struct cluster_node {
	char *host;
	int port;
};

struct redis_cluster {
	pthread_mutex_t lock; /* guards everything below */
	struct cluster_node nodes[CLUSTER_NODES_MAX];
	int node_count;
	short slot_node[CLUSTER_SLOTS]; /* -1: no node serves the slot */
	unsigned long version;
	long long refreshed_at; /* CLOCK_MONOTONIC ns of the last claimed refresh, 0: never */
};

static unsigned int crc16(const unsigned char *p, size_t len)
{
	unsigned int crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (unsigned int) p[i] << 8;
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 0x8000 ? (crc << 1) ^ CRC16_POLY : crc << 1;
		crc &= 0xFFFF;
	}
	return crc;
}

unsigned int cluster_key_slot(const char *key, size_t len)
{
	const char *open = len ? memchr(key, '{', len) : NULL;

	if (open) {
		size_t from = (size_t) (open - key) + 1;
		const char *close = memchr(key + from, '}', len - from);

		/* an empty tag ("{}") hashes the whole key */
		if (close && close > key + from)
			return crc16((const unsigned char *) key + from,
				     (size_t) (close - (key + from))) &
			       (CLUSTER_SLOTS - 1);
	}
	return crc16((const unsigned char *) key, len) & (CLUSTER_SLOTS - 1);
}

struct redis_cluster *cluster_create(const char *host, int port)
{
	struct redis_cluster *cluster = calloc(1, sizeof *cluster);

	if (!cluster)
		return NULL;
	cluster->nodes[0].host = strdup(host ? host : "");
	if (!cluster->nodes[0].host) {
		free(cluster);
		return NULL;
	}
	cluster->nodes[0].port = port;
	cluster->node_count = 1;
	for (int i = 0; i < CLUSTER_SLOTS; i++)
		cluster->slot_node[i] = -1;
	pthread_mutex_init(&cluster->lock, NULL);
	return cluster;
}

void cluster_free(struct redis_cluster *cluster)
{
	if (!cluster)
		return;
	for (int i = 0; i < cluster->node_count; i++)
		free(cluster->nodes[i].host);
	pthread_mutex_destroy(&cluster->lock);
	free(cluster);
}

int cluster_slot_node(struct redis_cluster *cluster, unsigned int slot)
{
	int node;

	pthread_mutex_lock(&cluster->lock);
	node = cluster->slot_node[slot % CLUSTER_SLOTS];
	pthread_mutex_unlock(&cluster->lock);
	return node;
}

void cluster_set_slot(struct redis_cluster *cluster, unsigned int slot, int node)
{
	pthread_mutex_lock(&cluster->lock);
	if (cluster->slot_node[slot % CLUSTER_SLOTS] != node) {
		cluster->slot_node[slot % CLUSTER_SLOTS] = (short) node;
		cluster->version++;
	}
	pthread_mutex_unlock(&cluster->lock);
}

/* The node at host:port, added when new; the caller holds the lock. */
static int node_index_locked(struct redis_cluster *cluster, const char *host, int port)
{
	char *copy;

	for (int i = 0; i < cluster->node_count; i++) {
		if (cluster->nodes[i].port == port && strcmp(cluster->nodes[i].host, host) == 0)
			return i;
	}
	if (cluster->node_count == CLUSTER_NODES_MAX)
		return -ENOSPC;
	copy = strdup(host);
	if (!copy)
		return -ENOMEM;
	cluster->nodes[cluster->node_count].host = copy;
	cluster->nodes[cluster->node_count].port = port;
	return cluster->node_count++;
}

int cluster_node_index(struct redis_cluster *cluster, const char *host, int port)
{
	int node;

	pthread_mutex_lock(&cluster->lock);
	node = node_index_locked(cluster, host, port);
	pthread_mutex_unlock(&cluster->lock);
	return node;
}

int cluster_node_address(struct redis_cluster *cluster, int node, char *host, int *port)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&cluster->lock);
	if (node >= 0 && node < cluster->node_count) {
		snprintf(host, CLUSTER_HOST_MAX, "%s", cluster->nodes[node].host);
		*port = cluster->nodes[node].port;
		ret = 0;
	}
	pthread_mutex_unlock(&cluster->lock);
	return ret;
}

int cluster_node_count(struct redis_cluster *cluster)
{
	int n;

	pthread_mutex_lock(&cluster->lock);
	n = cluster->node_count;
	pthread_mutex_unlock(&cluster->lock);
	return n;
}

size_t cluster_masters(struct redis_cluster *cluster, int *nodes, size_t room)
{
	bool seen[CLUSTER_NODES_MAX] = {false};
	size_t n = 0;

	pthread_mutex_lock(&cluster->lock);
	for (int i = 0; i < CLUSTER_SLOTS; i++) {
		if (cluster->slot_node[i] >= 0)
			seen[cluster->slot_node[i]] = true;
	}
	for (int i = 0; i < cluster->node_count; i++) {
		if (!seen[i])
			continue;
		if (n < room)
			nodes[n] = i;
		n++;
	}
	pthread_mutex_unlock(&cluster->lock);
	return n;
}

unsigned long cluster_version(struct redis_cluster *cluster)
{
	unsigned long v;

	pthread_mutex_lock(&cluster->lock);
	v = cluster->version;
	pthread_mutex_unlock(&cluster->lock);
	return v;
}

bool cluster_refresh_claim(struct redis_cluster *cluster, long long now_ns, long long gap_ns)
{
	bool due;

	pthread_mutex_lock(&cluster->lock);
	due = cluster->refreshed_at == 0 || now_ns - cluster->refreshed_at >= gap_ns;
	if (due)
		cluster->refreshed_at = now_ns;
	pthread_mutex_unlock(&cluster->lock);
	return due;
}

/* One range of a CLUSTER SLOTS reply: its bounds and its master's address. */
static bool parse_range(const redisReply *r, long long *start, long long *end,
			const redisReply **host, long long *port)
{
	const redisReply *master;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER)
		return false;
	*start = r->element[0]->integer;
	*end = r->element[1]->integer;
	master = r->element[2];
	if (master->type != REDIS_REPLY_ARRAY || master->elements < 2 ||
	    master->element[0]->type != REDIS_REPLY_STRING ||
	    master->element[1]->type != REDIS_REPLY_INTEGER)
		return false;
	*host = master->element[0];
	*port = master->element[1]->integer;
	return *start >= 0 && *start <= *end && *end<CLUSTER_SLOTS && * port> 0 && *port < 65536 &&
	       (*host)->len < CLUSTER_HOST_MAX;
}

int cluster_apply_slots(struct redis_cluster *cluster, const redisReply *reply, int asked)
{
	short map[CLUSTER_SLOTS];
	int ret = 0;

	if (reply->type != REDIS_REPLY_ARRAY)
		return -EIO;
	for (size_t i = 0; i < reply->elements; i++) {
		const redisReply *host;
		long long start, end, port;

		if (!parse_range(reply->element[i], &start, &end, &host, &port))
			return -EIO;
	}
	for (int i = 0; i < CLUSTER_SLOTS; i++)
		map[i] = -1;
	pthread_mutex_lock(&cluster->lock);
	for (size_t i = 0; i < reply->elements && !ret; i++) {
		const redisReply *host;
		long long start, end, port;
		char name[CLUSTER_HOST_MAX];
		int node;

		parse_range(reply->element[i], &start, &end, &host, &port);
		/* "" or "?": the node does not know its own address; we reached it at `asked` */
		if ((host->len == 0 || (host->len == 1 && host->str[0] == '?')) && asked >= 0 &&
		    asked < cluster->node_count)
			snprintf(name, sizeof name, "%s", cluster->nodes[asked].host);
		else
			snprintf(name, sizeof name, "%.*s", (int) host->len, host->str);
		node = node_index_locked(cluster, name, (int) port);
		if (node < 0) {
			ret = node;
			break;
		}
		for (long long s = start; s <= end; s++)
			map[s] = (short) node;
	}
	if (!ret && memcmp(map, cluster->slot_node, sizeof map) != 0) {
		memcpy(cluster->slot_node, map, sizeof map);
		cluster->version++;
	}
	pthread_mutex_unlock(&cluster->lock);
	return ret;
}

bool cluster_parse_redirect(const char *text, size_t len, struct cluster_redirect *out)
{
	char buf[CLUSTER_HOST_MAX + 64], *p, *end, *colon;
	unsigned long slot;
	long port;

	if (len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (strncmp(buf, "MOVED ", 6) == 0)
		out->ask = false;
	else if (strncmp(buf, "ASK ", 4) == 0)
		out->ask = true;
	else
		return false;
	p = buf + (out->ask ? 4 : 6);
	slot = strtoul(p, &end, 10);
	if (end == p || *end != ' ' || slot >= CLUSTER_SLOTS)
		return false;
	p = end + 1;
	colon = strrchr(p, ':'); /* the last one: an IPv6 address holds colons */
	if (!colon || (size_t) (colon - p) >= CLUSTER_HOST_MAX)
		return false;
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port <= 0 || port > 65535)
		return false;
	out->slot = (unsigned int) slot;
	out->port = (int) port;
	memcpy(out->host, p, (size_t) (colon - p));
	out->host[colon - p] = '\0';
	return true;
}

bool cluster_nodes_importing(const char *text, size_t len)
{
	const char *line = text, *end = text + len;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t) (end - line));
		size_t n = (size_t) ((nl ? nl : end) - line);

		if (memmem(line, n, "myself", 6))
			return memmem(line, n, "-<-", 3) != NULL;
		line = nl ? nl + 1 : end;
	}
	return false;
}
