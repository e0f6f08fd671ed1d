/* list.h - intrusive circular doubly linked lists (a head is a sentinel). */
#ifndef CFR_LIST_H
#define CFR_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct cfr_link {
	struct cfr_link *prev, *next;
};

#define cfr_container_of(ptr, type, member)                                    \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void cfr_list_init(struct cfr_link *head)
{
	head->prev = head->next = head;
}

static inline bool cfr_list_empty(const struct cfr_link *head)
{
	return head->next == head;
}

/* A link that is in no list points at itself (after init or remove). */
static inline bool cfr_list_linked(const struct cfr_link *link)
{
	return link->next != link && link->next != NULL;
}

static inline void cfr_list_append(struct cfr_link *head, struct cfr_link *link)
{
	link->prev = head->prev;
	link->next = head;
	head->prev->next = link;
	head->prev = link;
}

static inline void cfr_list_remove(struct cfr_link *link)
{
	link->prev->next = link->next;
	link->next->prev = link->prev;
	link->prev = link->next = link;
}

#endif /* CFR_LIST_H */
