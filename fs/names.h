/* names.h - Redis key <-> file name encoding (SPEC section 3). Pure: no I/O. */
#ifndef REDISFS_NAMES_H
#define REDISFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NAMES_MAX	  255 /* longest file name the kernel passes (NAME_MAX) */
#define NAMES_HASHED_KEEP 200 /* encoded bytes kept before "~hash" in a shortened name */
#define NAMES_HASH_DIGITS 16  /* lower-case hex digits of the 64-bit hash */

/*
 * 64-bit FNV-1a hash of the whole key, the hash shown in shortened names.
 * Stable across versions: changing it would rename every long key.
 */
uint64_t names_hash(const char *key, size_t len);

/* Length of the full percent-encoding of a key (before any shortening). */
size_t names_encoded_len(const char *key, size_t len);

/*
 * Encode a key as its canonical file name: "%XX" for '/', '%', NUL, bytes below
 * 0x20 and 0x7F; "%2E" for ".", "%2E%2E" for "..", "%" for the empty key. A name
 * longer than NAMES_MAX becomes its first NAMES_HASHED_KEEP encoded bytes (fewer
 * where that would cut a %XX), '~' and the hash in hex.
 * `out` must hold NAMES_MAX + 1 bytes; the name is NUL-terminated.
 * Returns the name's length (1 .. NAMES_MAX).
 */
size_t names_encode(const char *key, size_t len, char *out);

/*
 * Decode a file name into the key it stands for, read literally (a shortened
 * name decodes to its own characters, see names_parse_hashed for the other reading).
 * Returns the key's length, or -EINVAL when `name` is not the canonical
 * encoding of any key. `out` must hold strlen(name) bytes; nothing is allocated.
 */
ssize_t names_decode(const char *name, char *out);

/*
 * Whether `name` has the shape of a shortened name: a canonical encoded prefix
 * of at most NAMES_HASHED_KEEP bytes that a cut at NAMES_HASHED_KEEP would give,
 * '~', NAMES_HASH_DIGITS lower-case hex digits. On true, `prefix` (which must
 * hold NAMES_HASHED_KEEP bytes) gets the decoded key bytes the prefix stands
 * for, *prefix_len their count and *hash the hash.
 * A key matches the name when names_encode(key) gives exactly `name`.
 */
bool names_parse_hashed(const char *name, char *prefix, size_t *prefix_len, uint64_t *hash);

#endif
