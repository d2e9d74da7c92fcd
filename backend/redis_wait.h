/* redis_wait.h - time and waiting: the monotonic clock, a pause, a bounded wait for a socket. */
#ifndef REDISFS_REDIS_WAIT_H
#define REDISFS_REDIS_WAIT_H

/*
 * Backend-internal, below every file that bounds a wait: the transport and
 * its TLS, the connections' backoff and stall hold, the cluster map's
 * refresh rate, the sentinels' watcher. No Redis here.
 */

/* CLOCK_MONOTONIC in ns. */
long long wait_now_ns(void);

/* Sleep `ns` nanoseconds, EINTR or not. */
void wait_nap_ns(long long ns);

/*
 * Wait until `fd` is ready for `events` (POLLIN, POLLOUT) or `timeout_ns`
 * has passed. Returns 0 (ready, or an error or hang-up that the next call
 * on it reports), -ETIMEDOUT, or -errno of poll(2).
 */
int wait_fd(int fd, short events, long long timeout_ns);

#endif
