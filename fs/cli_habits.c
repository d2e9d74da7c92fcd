/* cli_habits.c - redis-cli's -h, -p, -a, -n answered with the URL to use (SPEC 1). Pure: no I/O. */
#include "cli_habits.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shown.h"

struct habits {
	const char *flags[4]; /* in the order given, each once */
	int flag_count;
	const char *host, *port, *db, *mountpoint;
	bool password;
};

static void note_flag(struct habits *h, const char *flag)
{
	for (int i = 0; i < h->flag_count; i++) {
		if (strcmp(h->flags[i], flag) == 0)
			return;
	}
	h->flags[h->flag_count++] = flag;
}

/* The value of a flag: "-p6379" or "-p 6379"; NULL when none follows. */
static const char *flag_value(int argc, char *const argv[], int *i)
{
	if (argv[*i][2])
		return argv[*i] + 2;
	if (*i + 1 < argc && argv[*i + 1][0] != '-') {
		(*i)++;
		return argv[*i];
	}
	return NULL;
}

static void scan(int argc, char *const argv[], struct habits *h)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;

		if (strcmp(a, "-o") == 0) {
			i++; /* its argument is an option list, never a habit */
			continue;
		}
		if (a[0] != '-') {
			if (!h->mountpoint || strstr(h->mountpoint, "://"))
				h->mountpoint = a;
			continue;
		}
		if (a[1] == '\0' || strchr("hpan", a[1]) == NULL)
			continue;
		if (a[1] == 'h' && a[2] == '\0' && (i + 1 == argc || argv[i + 1][0] == '-'))
			continue; /* a lone -h asks for help */
		v = flag_value(argc, argv, &i);
		switch (a[1]) {
		case 'h':
			note_flag(h, "-h");
			h->host = v;
			break;
		case 'p':
			note_flag(h, "-p");
			h->port = v;
			break;
		case 'a':
			note_flag(h, "-a");
			h->password = true;
			break;
		default:
			note_flag(h, "-n");
			h->db = v;
			break;
		}
	}
}

int cli_habits_check(int argc, char *const argv[], char *msg, size_t len)
{
	struct habits h = {0};
	char names[32] = "", host[SHOWN_SIZE], port[SHOWN_SIZE], db[SHOWN_SIZE], mnt[SHOWN_SIZE];
	const char *hs;
	bool v6;

	scan(argc, argv, &h);
	if (!h.flag_count)
		return 0;
	for (int i = 0; i < h.flag_count; i++) {
		const char *sep = i == 0 ? "" : i + 1 == h.flag_count ? " and " : ", ";

		strcat(names, sep);
		strcat(names, h.flags[i]);
	}
	hs = h.host ? shown(host, h.host, strlen(h.host)) : "127.0.0.1";
	v6 = strchr(hs, ':') != NULL;
	snprintf(msg, len,
		 "%s %s redis-cli's; redisfs takes a URL: %sredisfs redis://%s%s%s:%s%s%s %s",
		 names, h.flag_count == 1 ? "is" : "are",
		 h.password ? "REDISCLI_AUTH=PASSWORD " : "", v6 ? "[" : "", hs, v6 ? "]" : "",
		 h.port ? shown(port, h.port, strlen(h.port)) : "6379", h.db ? "/" : "",
		 h.db ? shown(db, h.db, strlen(h.db)) : "",
		 h.mountpoint && !strstr(h.mountpoint, "://")
			 ? shown(mnt, h.mountpoint, strlen(h.mountpoint))
			 : "MOUNTPOINT");
	return 1;
}
