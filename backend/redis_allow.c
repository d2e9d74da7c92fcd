/* redis_allow.c - the commands a read-only mount may send: an allow-list of reads. */
#include "redis_allow.h"

#include <string.h>
#include <strings.h>

/*
 * Commands a read-only pool may send: an allow-list, so that a command added
 * later is refused on a read-only mount until someone decides it only reads.
 * ROLE asks whether a server is a master (behind sentinels). READWRITE, the
 * cluster probe, changes no key: it only undoes a READONLY of the
 * connection, which redisfs never sends (@connection, not @write).
 */
static const char *const read_commands[] = {
	"PING",	  "AUTH",     "SELECT",	 "SCAN",   "TYPE",	"STRLEN",    "GETRANGE", "GET",
	"LRANGE", "SSCAN",    "ZRANGE",	 "HSCAN",  "XRANGE",	"EXISTS",    "LLEN",	 "SCARD",
	"ZCARD",  "HLEN",     "XLEN",	 "TTL",	   "PTTL",	"OBJECT",    "MEMORY",	 "DBSIZE",
	"INFO",	  "SMEMBERS", "HGETALL", "CONFIG", "LPOS",	"SISMEMBER", "ZSCORE",	 "HEXISTS",
	"DUMP",	  "ASKING",   "CLUSTER", "ROLE",   "READWRITE",
};

/* A subcommand is argv[1]; `name` is upper-case. */
static bool subcommand_is(const struct redis_cmd *cmd, const char *name)
{
	return cmd->argc > 1 && redis_cmd_argvlen(cmd)[1] == strlen(name) &&
	       strncasecmp(redis_cmd_argv(cmd)[1], name, strlen(name)) == 0;
}

bool redis_command_only_reads(const struct redis_cmd *cmd)
{
	const char *name = redis_cmd_argv(cmd)[0];
	size_t len = redis_cmd_argvlen(cmd)[0];

	for (size_t i = 0; i < sizeof read_commands / sizeof read_commands[0]; i++) {
		if (strlen(read_commands[i]) != len || strncasecmp(read_commands[i], name, len))
			continue;
		/* CONFIG reads only with GET; CLUSTER only with SLOTS and NODES */
		if (strcmp(read_commands[i], "CONFIG") == 0)
			return subcommand_is(cmd, "GET");
		if (strcmp(read_commands[i], "CLUSTER") == 0)
			return subcommand_is(cmd, "SLOTS") || subcommand_is(cmd, "NODES");
		return true;
	}
	return false;
}
