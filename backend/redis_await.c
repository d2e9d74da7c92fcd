/* redis_await.c - send what a context holds, then wait for its reply spinning briefly first. */
#include "redis_await.h"

#include <errno.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void redis_await_reply(redisContext *ctx)
{
	long long until;
	int done = 0;
	char byte;

	while (!done) {
		if (redisBufferWrite(ctx, &done) != REDIS_OK)
			return; /* ctx->err says why: redisGetReply() fails with it */
	}
	if (ctx->reader->pos < ctx->reader->len)
		return; /* a reply (or part of one) is here already */
	until = now_ns() + REDIS_AWAIT_SPIN_NS;
	do {
		ssize_t n = recv(ctx->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return; /* data, EOF or an error: the read that follows sees it */
		sched_yield();
	} while (now_ns() < until);
}
