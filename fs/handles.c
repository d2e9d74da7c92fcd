/* handles.c - the open files and folders the kernel has not released: freed at unmount. */
#include "handles.h"

void handle_list_init(struct handle_list *l)
{
	pthread_mutex_init(&l->lock, NULL);
	l->head.prev = &l->head;
	l->head.next = &l->head;
}

void handle_list_destroy(struct handle_list *l)
{
	pthread_mutex_destroy(&l->lock);
}

void handle_list_add(struct handle_list *l, struct handle_link *h)
{
	pthread_mutex_lock(&l->lock);
	h->next = l->head.next;
	h->prev = &l->head;
	l->head.next->prev = h;
	l->head.next = h;
	pthread_mutex_unlock(&l->lock);
}

static void unlink_locked(struct handle_link *h)
{
	h->prev->next = h->next;
	h->next->prev = h->prev;
	h->prev = h->next = h;
}

void handle_list_remove(struct handle_list *l, struct handle_link *h)
{
	pthread_mutex_lock(&l->lock);
	unlink_locked(h);
	pthread_mutex_unlock(&l->lock);
}

struct handle_link *handle_list_pop(struct handle_list *l)
{
	struct handle_link *h = NULL;

	pthread_mutex_lock(&l->lock);
	if (l->head.next != &l->head) {
		h = l->head.next;
		unlink_locked(h);
	}
	pthread_mutex_unlock(&l->lock);
	return h;
}
