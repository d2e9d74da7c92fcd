/* redis_wait.c - time and waiting: the monotonic clock, a pause, a bounded wait for a socket. */
#include "redis_wait.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

long long wait_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void wait_nap_ns(long long ns)
{
	struct timespec ts = {.tv_sec = (time_t) (ns / 1000000000LL),
			      .tv_nsec = (long) (ns % 1000000000LL)};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int wait_fd(int fd, short events, long long timeout_ns)
{
	long long deadline = wait_now_ns() + timeout_ns;
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		long long left = deadline - wait_now_ns();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		/* round up: a wait of 0 ms would spin on the last fraction of a millisecond */
		n = poll(&p, 1, (int) ((left + 999999) / 1000000));
		if (n > 0)
			return 0; /* ready, or an error or hang-up that the next call reports */
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}
