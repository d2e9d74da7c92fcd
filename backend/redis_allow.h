/* redis_allow.h - the commands a read-only mount may send (backend-internal). */
#ifndef REDISFS_REDIS_ALLOW_H
#define REDISFS_REDIS_ALLOW_H

#include <stdbool.h>

#include "redis_cmd.h"

/*
 * Whether `cmd` only reads (SPEC 7): on the allow-list, CONFIG only with
 * GET, CLUSTER only with SLOTS and NODES. A command nobody has put on the
 * list counts as a write. Checked where every command is sent
 * (redis_link_send), on every connection of a read-only pool.
 */
bool redis_command_only_reads(const struct redis_cmd *cmd);

#endif
