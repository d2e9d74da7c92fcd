/* shown.c - a piece of what the user typed, made fit to quote in a one-line message. Pure. */
#include "shown.h"

#include <string.h>

const char *shown(char out[SHOWN_SIZE], const char *s, size_t n)
{
	size_t i, keep = n > SHOWN_MAX ? SHOWN_MAX : n;

	for (i = 0; i < keep; i++) {
		unsigned char c = (unsigned char) s[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
	}
	if (keep < n) {
		memcpy(out + keep, "...", 3);
		keep += 3;
	}
	out[keep] = '\0';
	return out;
}
