/* log_line.h - where a backend's error lines go: one callback type for Redis and MySQL. */
#ifndef REDISFS_LOG_LINE_H
#define REDISFS_LOG_LINE_H

/*
 * One line, no newline, with the `arg` it was registered with; the fs side
 * sends it to stderr or syslog. Called from any thread.
 */
typedef void (*log_line_fn)(void *arg, const char *line);

#endif
