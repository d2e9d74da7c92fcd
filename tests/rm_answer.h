/* rm_answer.h - rm -ri run as a user would: answers read off its prompts, "n" for one name. */
#ifndef REDISFS_TESTS_RM_ANSWER_H
#define REDISFS_TESTS_RM_ANSWER_H

#include "harness.h"

/*
 * Run `rm -ri DIR` in `cwd`, answering each of its prompts as it comes: "n"
 * for a file whose name is exactly `keep`, "y" for every other (folders
 * too). The answers depend on the prompts, not on their order, which is
 * the order of the listing. Returns rm's exit status; `res` (release with
 * h_run_free()) holds its prompts and messages, on stderr.
 */
int h_rm_ri(const char *cwd, const char *dir, const char *keep, struct h_run *res);

#endif
