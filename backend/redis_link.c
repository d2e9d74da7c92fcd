/* redis_link.c - one connection to one Redis server: RESP over a transport, plain or TLS. */
#include "redis_link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_allow.h"

/*
 * Bytes asked of the transport at once. A TLS read returns one record (16
 * KiB) at most; a plain one takes what the socket holds, and a big value
 * (a 100 MiB string) comes in a quarter of hiredis's reads.
 */
#define READ_CHUNK (64 << 10)

int redis_link_open(const struct redis_address *addr, struct redis_tls *tls, long long timeout_ns,
		    struct redis_link **out, char *err, size_t errlen)
{
	struct redis_link *l = calloc(1, sizeof *l);
	int ret;

	*out = NULL;
	if (!l || !(l->reader = redisReaderCreate())) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = transport_connect(addr, tls, timeout_ns, &l->transport, err, errlen);
	if (ret) {
		redisReaderFree(l->reader);
		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

/* Mark the link unusable, as hiredis's __redisSetError does. Returns REDIS_ERR. */
static int fail(struct redis_link *l, int type, int sys_errno, const char *why)
{
	if (!l->err) {
		l->err = type;
		l->sys_errno = sys_errno;
		snprintf(l->errstr, sizeof l->errstr, "%s", why);
	}
	errno = l->sys_errno;
	return REDIS_ERR;
}

/* A failed transport call as hiredis would have said it. */
static int fail_io(struct redis_link *l, ssize_t ret)
{
	const char *detail = transport_error(l->transport);

	if (ret == 0)
		return fail(l, REDIS_ERR_EOF, 0,
			    detail[0] ? detail : "Server closed the connection");
	return fail(l, REDIS_ERR_IO, (int) -ret, detail[0] ? detail : strerror((int) -ret));
}

/* Queue one command. Returns REDIS_OK, or REDIS_ERR when out of memory. */
static int append(struct redis_link *l, const struct redis_cmd *c)
{
	char *cmd;
	int n = redisFormatCommandArgv(&cmd, c->argc, redis_cmd_argv(c), redis_cmd_argvlen(c));

	if (n < 0)
		return REDIS_ERR;
	if (l->sent == l->len && l->room < (size_t) n) {
		/* nothing waits: the formatted command becomes the queue, not a second copy */
		free(l->out);
		l->out = cmd;
		l->len = (size_t) n;
		l->room = (size_t) n;
		l->sent = 0;
		return REDIS_OK;
	}
	if (l->sent == l->len)
		l->sent = l->len = 0;
	if (l->len + (size_t) n > l->room) {
		size_t room = (l->len + (size_t) n) * 2;
		char *grown = realloc(l->out, room);

		if (!grown) {
			free(cmd);
			return REDIS_ERR;
		}
		l->out = grown;
		l->room = room;
	}
	memcpy(l->out + l->len, cmd, (size_t) n);
	l->len += (size_t) n;
	free(cmd);
	return REDIS_OK;
}

int redis_link_send(struct redis_link *l, const struct redis_cmd *cmds, size_t count)
{
	/* every command is checked before any is queued: a pipeline goes whole or not at all */
	for (size_t i = 0; i < count; i++) {
		if (cmds[i].err)
			return cmds[i].err;
		if (l->read_only && !redis_command_only_reads(&cmds[i]))
			return -EROFS; /* a read-only mount: nothing that writes leaves */
	}
	for (size_t i = 0; i < count; i++) {
		if (append(l, &cmds[i]) != REDIS_OK) {
			fail(l, REDIS_ERR_OOM, ENOMEM, "Out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

int redis_link_flush(struct redis_link *l)
{
	if (l->err)
		return fail(l, l->err, l->sys_errno, l->errstr);
	while (l->sent < l->len) {
		ssize_t n = transport_write(l->transport, l->out + l->sent, l->len - l->sent);

		if (n <= 0)
			return fail_io(l, n < 0 ? n : -EPIPE);
		l->sent += (size_t) n;
	}
	l->sent = l->len = 0;
	return REDIS_OK;
}

/* A reply the reader holds already, or NULL; REDIS_ERR for a protocol error. */
static int take_reply(struct redis_link *l, void **reply)
{
	if (redisReaderGetReply(l->reader, reply) != REDIS_OK)
		return fail(l, l->reader->err == REDIS_ERR_OOM ? REDIS_ERR_OOM : REDIS_ERR_PROTOCOL,
			    0, l->reader->errstr);
	return REDIS_OK;
}

int redis_link_get_reply(struct redis_link *l, void **reply)
{
	char buf[READ_CHUNK];
	void *r = NULL;

	*reply = NULL;
	if (l->err)
		return fail(l, l->err, l->sys_errno, l->errstr);
	if (take_reply(l, &r) != REDIS_OK)
		return REDIS_ERR;
	if (!r && redis_link_flush(l) != REDIS_OK)
		return REDIS_ERR;
	while (!r) {
		ssize_t n = transport_read(l->transport, buf, sizeof buf);

		if (n <= 0)
			return fail_io(l, n);
		if (redisReaderFeed(l->reader, buf, (size_t) n) != REDIS_OK ||
		    take_reply(l, &r) != REDIS_OK)
			return fail(l, REDIS_ERR_PROTOCOL, 0, l->reader->errstr);
	}
	*reply = r;
	return REDIS_OK;
}

redisReply *redis_link_command(struct redis_link *l, const struct redis_cmd *cmd)
{
	void *reply = NULL;
	int ret = redis_link_send(l, cmd, 1);

	if (ret) {
		/* a command refused before it was queued: the link says why, as for any NULL */
		fail(l, REDIS_ERR_OTHER, -ret, strerror(-ret));
		return NULL;
	}
	if (redis_link_get_reply(l, &reply) != REDIS_OK)
		return NULL;
	return reply;
}

bool redis_link_buffered(const struct redis_link *l)
{
	return l->reader->pos < l->reader->len || transport_buffered(l->transport);
}

int redis_link_fd(const struct redis_link *l)
{
	return transport_fd(l->transport);
}

void redis_link_free(struct redis_link *l)
{
	if (!l)
		return;
	transport_close(l->transport);
	redisReaderFree(l->reader);
	free(l->out);
	free(l);
}
