/* rm_answer.c - rm -ri run as a user would: answers read off its prompts, "n" for one name. */
#include "rm_answer.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/*
 * rm's prompts go to its stderr, a fifo that the answering loop reads up to
 * each '?'; its answers go to rm's stdin. The loop copies what it read to
 * its own stderr, so the test sees the prompts and rm's last messages.
 */
static const char script[] =
	"#!/bin/bash\n"
	"dir=$1 keep=$2 fifo=$3\n"
	"mkfifo \"$fifo\" || exit 125\n"
	"answer() {\n"
	"\twhile IFS= read -r -d '?' prompt; do\n"
	"\t\tprintf '%s?\\n' \"$prompt\" >&2\n"
	"\t\tcase $prompt in\n"
	"\t\t*\"/$keep'\") echo n ;;\n"
	"\t\t*) echo y ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\tprintf '%s' \"$prompt\" >&2\n"
	"}\n"
	"answer < \"$fifo\" | rm -ri \"$dir\" 2> \"$fifo\"\n"
	"status=${PIPESTATUS[1]}\n"
	"rm -f \"$fifo\"\n"
	"exit $status\n";

int h_rm_ri(const char *cwd, const char *dir, const char *keep, struct h_run *res)
{
	const char *scratch = h_scratch_dir();
	char path[H_PATH_MAX];

	ck_assert_int_lt(snprintf(path, sizeof path, "%s/rm_answer.sh", scratch), H_PATH_MAX);
	ck_assert_int_eq(h_write_file(path, script, strlen(script), 0700), 0);
	return h_sh_out(cwd, res, "bash '%s' '%s' '%s' '%s/answers'", path, dir, keep, scratch);
}
