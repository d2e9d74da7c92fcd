/* redis_glob.c - Redis's glob patterns (SCAN MATCH, KEYS) matched locally. Pure: no I/O. */
#include "redis_glob.h"

/* One [...] class at *pattern (just past '['); advances *pattern past ']'. */
static bool class_match(const char **pattern, unsigned char c)
{
	const char *p = *pattern;
	bool negate = false, match = false;

	if (*p == '^') {
		negate = true;
		p++;
	}
	for (; *p && *p != ']'; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			match |= (unsigned char) *p == c;
		} else if (p[1] == '-' && p[2] && p[2] != ']') {
			unsigned char lo = (unsigned char) p[0], hi = (unsigned char) p[2];

			if (lo > hi) {
				unsigned char t = lo;

				lo = hi;
				hi = t;
			}
			match |= c >= lo && c <= hi;
			p += 2;
		} else {
			match |= (unsigned char) *p == c;
		}
	}
	*pattern = *p ? p + 1 : p; /* like Redis, an unclosed class ends the pattern */
	return negate ? !match : match;
}

bool redis_glob_match(const char *pattern, const char *s, size_t len)
{
	size_t i = 0;

	while (*pattern) {
		switch (*pattern) {
		case '*':
			while (pattern[1] == '*')
				pattern++;
			if (!pattern[1])
				return true;
			/* try every split: keys are short, patterns few */
			for (size_t at = i; at <= len; at++) {
				if (redis_glob_match(pattern + 1, s + at, len - at))
					return true;
			}
			return false;
		case '?':
			if (i == len)
				return false;
			i++;
			pattern++;
			break;
		case '[':
			if (i == len)
				return false;
			pattern++;
			if (!class_match(&pattern, (unsigned char) s[i]))
				return false;
			i++;
			break;
		case '\\':
			/* the quoted character matches itself, as any other does */
			if (pattern[1])
				pattern++;
			/* fall through */
		default:
			if (i == len || s[i] != *pattern)
				return false;
			i++;
			pattern++;
			break;
		}
	}
	return i == len;
}
