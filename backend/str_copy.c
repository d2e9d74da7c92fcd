/* str_copy.c - copying an endpoint's optional strings, with one failure check for them all. */
#include "str_copy.h"

#include <stdlib.h>
#include <string.h>

char *copy_or_null(const char *s, bool *failed)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*failed = true;
	return c;
}
