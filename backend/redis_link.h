/* redis_link.h - one connection to one Redis server: RESP over a transport, plain or TLS. */
#ifndef REDISFS_REDIS_LINK_H
#define REDISFS_REDIS_LINK_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "redis_cmd.h"
#include "redis_transport.h"

/*
 * What hiredis's redisContext was to this code, over any transport: hiredis
 * 0.14 reads and writes the socket itself, so its context cannot carry TLS;
 * its reader (RESP to replies) and formatter (arguments to RESP) need no
 * socket, and are used here for every connection, plain or TLS, so that
 * there is one code path above. Not thread-safe; unusable after an error,
 * like a redisContext.
 */
struct redis_link {
	struct redis_transport *transport;
	redisReader *reader; /* callers may change its functions and privdata */
	char *out;	     /* formatted commands not yet written: out[sent .. len) */
	size_t len, sent, room;
	bool read_only;	  /* refuse every command that writes (redis_allow.h), before sending */
	int err;	  /* 0, or REDIS_ERR_IO, _EOF, _PROTOCOL, _OOM: unusable after */
	int sys_errno;	  /* with REDIS_ERR_IO: the errno (ETIMEDOUT for a timeout) */
	char errstr[256]; /* with err: what happened, one line */
};

/*
 * Connect (over TLS when `tls` is not NULL) within `timeout_ns`, which then
 * bounds every wait of every read and write. Returns 0 with *out (free with
 * redis_link_free()), or -errno with a one-line reason in `err`.
 */
int redis_link_open(const struct redis_address *addr, struct redis_tls *tls, long long timeout_ns,
		    struct redis_link **out, char *err, size_t errlen);

/*
 * Queue `count` commands: every command to a server goes through here.
 * Returns 0, or -errno with nothing queued: a command's own error (its
 * builder's -E2BIG), or -EROFS for a command that writes on a read-only
 * link (the one place the read-only allow-list is checked). Out of memory
 * is -ENOMEM and leaves the link unusable.
 */
int redis_link_send(struct redis_link *l, const struct redis_cmd *cmds, size_t count);

/*
 * Write out what is queued. Returns REDIS_OK, or REDIS_ERR with l->err set
 * (and errno = l->sys_errno).
 */
int redis_link_flush(struct redis_link *l);

/*
 * The next reply: one already read, or the queue written out and the
 * socket read until a whole reply is there. Returns REDIS_OK with *reply,
 * or REDIS_ERR with l->err set (and errno = l->sys_errno).
 */
int redis_link_get_reply(struct redis_link *l, void **reply);

/* One command and its reply, or NULL with l->err set (also for a command refused before it was
 * sent). */
redisReply *redis_link_command(struct redis_link *l, const struct redis_cmd *cmd);

/* Whether bytes of a reply are here already, not yet parsed: a read would not wait. */
bool redis_link_buffered(const struct redis_link *l);

/* The socket, for poll(2). */
int redis_link_fd(const struct redis_link *l);

/* Close and free. NULL is fine. */
void redis_link_free(struct redis_link *l);

#endif
