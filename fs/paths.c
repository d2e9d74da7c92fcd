/* paths.c - database folder names: which "dbN" is a database, and which databases show. */
#include "paths.h"

#include <string.h>

bool paths_db_visible(int db, int db_count, int only_db)
{
	return db >= 0 && db < db_count && (only_db < 0 || db == only_db);
}

int paths_db_number(const char *s)
{
	size_t len = strlen(s);
	long n = 0;

	if (len < 3 || len > 12 || strncmp(s, "db", 2) != 0)
		return -1;
	if (s[2] == '0' && len > 3)
		return -1;
	for (size_t i = 2; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
		if (n > 0x7fffffff)
			return -1;
	}
	return (int) n;
}
