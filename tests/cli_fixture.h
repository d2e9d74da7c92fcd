/* cli_fixture.h - servers, mount points and the refusal check of the command-line suites. */
#ifndef REDISFS_TESTS_CLI_FIXTURE_H
#define REDISFS_TESTS_CLI_FIXTURE_H

#include <stddef.h>

#include "harness.h"

#define PASSWORD    "s3cret-pw" /* the --requirepass of locked_server */
#define RUN_SECONDS 20.0	/* a refusal takes far less; a hang is a failure */

extern struct h_redis *open_server;   /* no password */
extern struct h_redis *locked_server; /* --requirepass PASSWORD; NULL unless setup_servers() */
extern const char *scratch;	      /* a directory for mount points and password files */

/* Unchecked fixtures: open_server and scratch; setup_servers() adds locked_server. */
void setup_open_server(void);
void setup_servers(void);

/*
 * SPEC 1: a refused start is exit status 1 and exactly one line on stderr, redisfs's
 * own ("redisfs: ...", no libfuse prefix), naming `needle` when given; no mount on `mnt`
 * (when given).
 */
void assert_refused(const struct h_run *res, const char *mnt, const char *needle);

/* A fresh empty directory scratch/`tag` into `out`, for a mount point. Returns `out`. */
const char *new_mountpoint(char *out, size_t len, const char *tag);

#endif
