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

void redis_await_reply(struct redis_link *link)
{
	long long until;
	char byte;

	if (redis_link_flush(link) != REDIS_OK)
		return; /* link->err says why: redis_link_get_reply() fails with it */
	if (redis_link_buffered(link))
		return; /* a reply (or part of one) is here already */
	until = now_ns() + REDIS_AWAIT_SPIN_NS;
	do {
		/* over TLS too: bytes of a record on the socket mean the reply is coming */
		ssize_t n = recv(redis_link_fd(link), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return; /* data, EOF or an error: the read that follows sees it */
		sched_yield();
	} while (now_ns() < until);
}
