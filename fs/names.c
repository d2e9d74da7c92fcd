/* names.c - Redis key <-> file name encoding (SPEC section 3). Pure: no I/O. */
#include "fs/names.h"

#include <errno.h>
#include <string.h>

#define FNV64_OFFSET 0xcbf29ce484222325ULL /* FNV-1a 64-bit offset basis */
#define FNV64_PRIME  0x100000001b3ULL	   /* FNV-1a 64-bit prime */
#define ESCAPE_LEN   3			   /* "%XX" */

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

/* Whether a key byte must appear as %XX: the bytes a file name cannot hold or shows badly. */
static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '/' || c == '%';
}

/* Value of an upper-case hex digit, or -1: lower case is not canonical. */
static int hex_upper_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of a lower-case hex digit, or -1: shortened names show the hash in lower case only. */
static int hex_lower_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_dot(const char *key, size_t len)
{
	return len == 1 && key[0] == '.';
}

static bool is_dotdot(const char *key, size_t len)
{
	return len == 2 && key[0] == '.' && key[1] == '.';
}

/* Encoded length of one key byte: 1, or ESCAPE_LEN. */
static size_t byte_encoded_len(unsigned char c)
{
	return needs_escape(c) ? ESCAPE_LEN : 1;
}

/* Append the encoding of one key byte at out; returns the number of bytes written. */
static size_t encode_byte(unsigned char c, char *out)
{
	if (!needs_escape(c)) {
		out[0] = (char) c;
		return 1;
	}
	out[0] = '%';
	out[1] = hex_upper[c >> 4];
	out[2] = hex_upper[c & 0xf];
	return ESCAPE_LEN;
}

/*
 * Decode `n` bytes of plain encoding (no whole-name special cases) into out,
 * or only check them when out is NULL. Returns the decoded length, or -EINVAL
 * when the bytes are not exactly what encode_byte would write for some key bytes.
 */
static ssize_t decode_fragment(const char *s, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char) s[i];

		if (c != '%') {
			/* A byte that needs escaping must not appear raw: it has one name, %XX. */
			if (needs_escape(c))
				return -EINVAL;
			if (out)
				out[o] = (char) c;
			o++;
			i++;
			continue;
		}
		if (n - i < ESCAPE_LEN)
			return -EINVAL;
		int hi = hex_upper_value(s[i + 1]);
		int lo = hex_upper_value(s[i + 2]);

		/* %XX of a byte that may stand as itself would give the key a second name. */
		if (hi < 0 || lo < 0 || !needs_escape((unsigned char) (hi << 4 | lo)))
			return -EINVAL;
		if (out)
			out[o] = (char) (hi << 4 | lo);
		o++;
		i += ESCAPE_LEN;
	}
	return (ssize_t) o;
}

uint64_t names_hash(const char *key, size_t len)
{
	uint64_t h = FNV64_OFFSET;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char) key[i];
		h *= FNV64_PRIME;
	}
	return h;
}

/*
 * Includes the whole-key special cases ("" -> 1, "." -> 3, ".." -> 6), so that
 * the result is the length names_encode gives whenever it is at most NAMES_MAX.
 */
size_t names_encoded_len(const char *key, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return 1;
	if (is_dot(key, len))
		return ESCAPE_LEN;
	if (is_dotdot(key, len))
		return 2 * ESCAPE_LEN;
	for (size_t i = 0; i < len; i++)
		n += byte_encoded_len((unsigned char) key[i]);
	return n;
}

size_t names_encode(const char *key, size_t len, char *out)
{
	size_t o = 0;

	/* "", "." and ".." cannot be file names, so they take the names no other key has. */
	if (len == 0) {
		memcpy(out, "%", 2);
		return 1;
	}
	if (is_dot(key, len)) {
		memcpy(out, "%2E", 4);
		return ESCAPE_LEN;
	}
	if (is_dotdot(key, len)) {
		memcpy(out, "%2E%2E", 7);
		return 2 * ESCAPE_LEN;
	}

	if (names_encoded_len(key, len) <= NAMES_MAX) {
		for (size_t i = 0; i < len; i++)
			o += encode_byte((unsigned char) key[i], out + o);
		out[o] = '\0';
		return o;
	}

	/* Keep whole bytes only: a cut %XX would decode to nothing, or to another key. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) key[i];

		if (o + byte_encoded_len(c) > NAMES_HASHED_KEEP)
			break;
		o += encode_byte(c, out + o);
	}

	uint64_t h = names_hash(key, len);

	out[o++] = '~';
	for (int d = NAMES_HASH_DIGITS - 1; d >= 0; d--)
		out[o++] = hex_lower[(h >> (4 * d)) & 0xf];
	out[o] = '\0';
	return o;
}

/*
 * Names longer than NAMES_MAX are rejected as well: the key whose full encoding
 * they are is shown shortened, so they are nobody's canonical name.
 */
ssize_t names_decode(const char *name, char *out)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAMES_MAX)
		return -EINVAL;
	if (strcmp(name, "%") == 0)
		return 0;
	if (strcmp(name, "%2E") == 0) {
		out[0] = '.';
		return 1;
	}
	if (strcmp(name, "%2E%2E") == 0) {
		out[0] = '.';
		out[1] = '.';
		return 2;
	}
	/* The kernel's own entries; the keys "." and ".." are shown as %2E and %2E%2E. */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	/* '/' is refused by decode_fragment: it needs escaping. */
	return decode_fragment(name, n, out);
}

/*
 * Accepted exactly: P '~' H, where H is NAMES_HASH_DIGITS lower-case hex digits
 * and P is a canonical encoding fragment (literal bytes that need no escape and
 * %XX escapes, upper-case, of bytes that do; no whole-name special cases) whose
 * length is NAMES_HASHED_KEEP, or NAMES_HASHED_KEEP - 1 or - 2. A shorter P is
 * not what the cut gives: whatever followed it, one more byte (1 or 3 encoded
 * bytes) would still have fit. For the shorter two the key must continue with
 * an escaped byte, which only the hash knows; every accepted P is the prefix of
 * some long key, so the shape check cannot be tightened further. Outputs are
 * untouched when false is returned.
 */
bool names_parse_hashed(const char *name, char *prefix, size_t *prefix_len, uint64_t *hash)
{
	size_t n = strlen(name);
	uint64_t h = 0;

	if (n < NAMES_HASHED_KEEP - 2 + 1 + NAMES_HASH_DIGITS ||
	    n > NAMES_HASHED_KEEP + 1 + NAMES_HASH_DIGITS)
		return false;

	size_t plen = n - 1 - NAMES_HASH_DIGITS;

	if (name[plen] != '~')
		return false;
	for (size_t i = plen + 1; i < n; i++) {
		int v = hex_lower_value(name[i]);

		if (v < 0)
			return false;
		h = h << 4 | (uint64_t) v;
	}
	if (decode_fragment(name, plen, NULL) < 0)
		return false;

	*prefix_len = (size_t) decode_fragment(name, plen, prefix);
	*hash = h;
	return true;
}
