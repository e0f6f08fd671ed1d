/* table.c - handle tables: lowest-free-index allocation with generations. */
#include "table.h"

#include <string.h>

size_t cfr_table_size(uint32_t cap)
{
	return ((size_t)cap + 1) * sizeof(struct cfr_slot_entry) +
	       (size_t)cap * sizeof(uint32_t);
}

void cfr_table_init(struct cfr_table *t, uint32_t cap, void *mem)
{
	memset(t, 0, sizeof(*t));
	t->slots = mem;
	t->free_heap = (uint32_t *)(void *)(t->slots + cap + 1);
	t->cap = cap;
	cfr_table_reset(t);
}

void cfr_table_reset(struct cfr_table *t)
{
	memset(t->slots, 0, ((size_t)t->cap + 1) * sizeof(t->slots[0]));
	t->nfree = 0;
	t->fresh = 1;
	t->live = 0;
}

static void heap_push(struct cfr_table *t, uint32_t v)
{
	uint32_t i = t->nfree++;
	while (i > 0 && t->free_heap[(i - 1) / 2] > v) {
		t->free_heap[i] = t->free_heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	t->free_heap[i] = v;
}

static uint32_t heap_pop(struct cfr_table *t)
{
	uint32_t top = t->free_heap[0], last = t->free_heap[--t->nfree];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= t->nfree)
			break;
		if (c + 1 < t->nfree && t->free_heap[c + 1] < t->free_heap[c])
			c++;
		if (t->free_heap[c] >= last)
			break;
		t->free_heap[i] = t->free_heap[c];
		i = c;
	}
	if (t->nfree > 0)
		t->free_heap[i] = last;
	return top;
}

uint32_t cfr_table_insert(struct cfr_table *t, void *item, uint32_t *gen)
{
	uint32_t index;
	if (t->live == t->cap)
		return 0;
	/* Every freed index is below `fresh`, so the heap's top, when there
	 * is one, is the lowest free index (C-3). */
	index = t->nfree > 0 ? heap_pop(t) : t->fresh++;
	t->slots[index].item = item;
	t->live++;
	*gen = t->slots[index].gen;
	return index;
}

void cfr_table_remove(struct cfr_table *t, uint32_t index)
{
	t->slots[index].item = NULL;
	t->slots[index].gen++;
	t->live--;
	heap_push(t, index);
}

void *cfr_table_get(const struct cfr_table *t, uint32_t index)
{
	if (index < 1 || index > t->cap)
		return NULL;
	return t->slots[index].item;
}

void *cfr_table_get_checked(const struct cfr_table *t, uint32_t index,
                            uint32_t gen)
{
	void *item = cfr_table_get(t, index);
	return item && t->slots[index].gen == gen ? item : NULL;
}
