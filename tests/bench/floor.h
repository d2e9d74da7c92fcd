/* floor.h - what the benchmark floors share: one database's connection, replies, a clock. */
#ifndef REDISFS_BENCH_FLOOR_H
#define REDISFS_BENCH_FLOOR_H

#include <hiredis/hiredis.h>
#include <time.h>

/* A connection to HOST:PORT with database DB selected, or NULL after printing why as PROG. */
redisContext *floor_connect(const char *prog, const char *host, const char *port, const char *db);

/* The reply to command WHAT, or NULL after printing why as PROG (an error reply is freed). */
redisReply *floor_reply(const char *prog, redisContext *c, const char *what, redisReply *r);

/* Seconds since *t0, a CLOCK_MONOTONIC time. */
double floor_seconds_since(const struct timespec *t0);

#endif
