/* redis_errors.h - what error replies mean: the one errno mapping, and what may be sent again. */
#ifndef REDISFS_REDIS_ERRORS_H
#define REDISFS_REDIS_ERRORS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "redis_cmd.h"
#include "redis_link.h"

/*
 * The errno that a failed reply or a broken link stands for: the one place
 * where server errors become errno (SPEC section 5). A NULL reply, or a
 * link with an error, is EIO.
 */
int redis_errno(const struct redis_link *ctx, const redisReply *reply);

/* Whether an error reply starts with the error code `code` ("LOADING", "BUSY"). */
bool redis_error_code_is(const redisReply *r, const char *code);

/*
 * Whether a pipeline may simply be sent again: some reply said LOADING or
 * BUSY and none shows that a command ran (MULTI's +OK, +QUEUED and
 * EXECABORT do not: a transaction with a refused command runs nothing).
 * Returns the index of the first such reply, or -1.
 */
long redis_later_index(const struct redis_cmd *cmds, redisReply *const *replies, size_t count);

/*
 * Whether the replies show a master demoted to a replica and nothing
 * written: some command was refused with READONLY, and every other one
 * only read, or was a MULTI that the READONLY made EXECABORT. Sending the
 * pipeline to the new master then changes nothing twice.
 */
bool redis_demoted(const struct redis_cmd *cmds, redisReply *const *replies, size_t count);

#endif
