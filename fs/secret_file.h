/* secret_file.h - read a password from a file only its owner may read. */
#ifndef REDISFS_SECRET_FILE_H
#define REDISFS_SECRET_FILE_H

#include <stddef.h>

#define SECRET_FILE_MAX 4096 /* bytes of a password: a longer file is the wrong file */

/*
 * Read the password in `path` into *out (the caller frees it). The file must
 * be a regular file that group and others cannot access (-EACCES, "chmod 600
 * it"); one trailing newline is not part of the password; a NUL byte or more
 * than SECRET_FILE_MAX bytes is -EINVAL. `what` names the file in messages
 * ("passfile", "password_file"); on error `err` holds one line without the
 * password, and nothing of it is left in memory but *out.
 */
int secret_file_read(const char *path, const char *what, char **out, char *err, size_t errlen);

#endif
