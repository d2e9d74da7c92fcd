/* fuzz_names.c - libFuzzer target for SPEC 3 names: every key has one name, every name one key. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken property is a crash: libFuzzer keeps the input that caused it. */
static void require(bool ok)
{
	if (!ok)
		abort();
}

/* The input as a key: its name decodes back to it, or, shortened, to its prefix and hash. */
static void key_round_trip(const char *key, size_t len)
{
	char name[NAMES_MAX + 1], prefix[NAMES_HASHED_KEEP], *back;
	size_t n = names_encode(key, len, name), plen;
	uint64_t hash;
	ssize_t got;

	require(n >= 1 && n <= NAMES_MAX && strlen(name) == n);
	back = malloc(n + 1);
	require(back != NULL);
	got = names_decode(name, back);
	if (names_encoded_len(key, len) <= NAMES_MAX) {
		require(got == (ssize_t) len && memcmp(back, key, len) == 0);
	} else {
		require(names_parse_hashed(name, prefix, &plen, &hash));
		require(hash == names_hash(key, len));
		require(plen > 0 && plen <= len && memcmp(prefix, key, plen) == 0);
	}
	free(back);
}

/* The input as a name: decoding is safe, and a name that decodes is the key's own name. */
static void name_is_canonical(const char *name)
{
	char again[NAMES_MAX + 1], prefix[NAMES_HASHED_KEEP], *key = malloc(strlen(name) + 1);
	size_t plen;
	uint64_t hash;
	ssize_t len;

	require(key != NULL);
	len = names_decode(name, key);
	if (len >= 0) {
		names_encode(key, (size_t) len, again);
		require(strcmp(again, name) == 0);
	}
	if (names_parse_hashed(name, prefix, &plen, &hash)) {
		const char *tilde = strrchr(name, '~');

		require(tilde && plen <= NAMES_HASHED_KEEP);
		/* the prefix is canonical: encoding its bytes gives it back */
		names_encode(prefix, plen, again);
		require(strlen(again) == (size_t) (tilde - name) &&
			memcmp(again, name, (size_t) (tilde - name)) == 0);
	}
	free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = strndup((const char *) data, size); /* up to the first NUL */

	require(name != NULL);
	key_round_trip((const char *) data, size);
	name_is_canonical(name);
	free(name);
	return 0;
}
