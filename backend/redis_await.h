/* redis_await.h - send what a context holds, then wait for its reply spinning briefly first. */
#ifndef REDISFS_REDIS_AWAIT_H
#define REDISFS_REDIS_AWAIT_H

#include "redis_link.h"

/*
 * How long a thread polls for a reply before it sleeps in read(2): most
 * replies come within it. Waking a thread that sleeps costs about 10 µs on
 * a virtual machine (an interrupt to an idle core), as much as a third of a
 * loopback round trip: rm of a key is one round trip, and rm -r is a chain
 * of them. A longer command (a SCAN, a big GETRANGE) costs this much CPU
 * more, then sleeps as before.
 */
#define REDIS_AWAIT_SPIN_NS 50000LL

/*
 * Write out the commands appended to `link` (within its timeout),
 * then, if no reply is buffered yet, poll the socket without blocking for up
 * to REDIS_AWAIT_SPIN_NS, yielding the CPU between polls to whatever else
 * could run. Returns when data, EOF or an error is there, or the time is
 * up; the caller's redis_link_get_reply() then reads as always (and reports a
 * broken connection, which this never hides).
 */
void redis_await_reply(struct redis_link *link);

#endif
