/* handles.h - the open files and folders the kernel has not released: freed at unmount. */
#ifndef REDISFS_HANDLES_H
#define REDISFS_HANDLES_H

#include <pthread.h>
#include <stddef.h>

/*
 * The kernel sends RELEASE and RELEASEDIR in the background after the last
 * close; an unmount that follows at once can drop them. Each open handle is
 * linked here from open to release, so that teardown frees what is left.
 */
struct handle_link {
	struct handle_link *prev, *next;
};

struct handle_list {
	pthread_mutex_t lock;
	struct handle_link head; /* a ring: head.next is the first, &head the end */
};

/* The struct that holds `link` as its member `member`. */
#define handle_owner(link, type, member) ((type *) ((char *) (link) -offsetof(type, member)))

void handle_list_init(struct handle_list *l);
void handle_list_destroy(struct handle_list *l);

void handle_list_add(struct handle_list *l, struct handle_link *h);
void handle_list_remove(struct handle_list *l, struct handle_link *h);

/* Unlink and return one handle, or NULL when none is left (teardown). */
struct handle_link *handle_list_pop(struct handle_list *l);

#endif
