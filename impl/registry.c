/* registry.c - chained hash table of shared keys. */
#include "registry.h"

#include <string.h>

static uint32_t bucket_of(const struct cfr_registry *r, uint32_t instance,
                          uint32_t key)
{
	/* A multiplicative mix of both words (Knuth); keys chosen by a fuzzer
	 * are small and dense, so the high bits carry the spread. */
	uint64_t h = ((uint64_t)instance << 32 | key) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32) & r->mask;
}

static uint32_t buckets_for(uint32_t expected)
{
	uint32_t n = 2;
	while (n < 2 * (uint64_t)expected && n < (1u << 30))
		n *= 2;
	return n;
}

size_t cfr_registry_size(uint32_t expected)
{
	return (size_t)buckets_for(expected) * sizeof(struct cfr_reg_node *);
}

void cfr_registry_init(struct cfr_registry *r, uint32_t expected, void *mem)
{
	memset(r, 0, sizeof(*r));
	r->buckets = mem;
	r->mask = buckets_for(expected) - 1;
	cfr_registry_reset(r);
}

void cfr_registry_reset(struct cfr_registry *r)
{
	memset(r->buckets, 0, ((size_t)r->mask + 1) * sizeof(r->buckets[0]));
	r->len = 0;
}

struct cfr_reg_node *cfr_registry_find(const struct cfr_registry *r,
                                       uint32_t instance, uint32_t key)
{
	struct cfr_reg_node *n = r->buckets[bucket_of(r, instance, key)];
	while (n && (n->instance != instance || n->key != key))
		n = n->next;
	return n;
}

void cfr_registry_add(struct cfr_registry *r, struct cfr_reg_node *n,
                      uint32_t instance, uint32_t key)
{
	struct cfr_reg_node **b = &r->buckets[bucket_of(r, instance, key)];
	n->instance = instance;
	n->key = key;
	n->registered = true;
	n->next = *b;
	*b = n;
	r->len++;
}

void cfr_registry_remove(struct cfr_registry *r, struct cfr_reg_node *n)
{
	if (!n->registered)
		return;
	struct cfr_reg_node **p = &r->buckets[bucket_of(r, n->instance, n->key)];
	while (*p != n)
		p = &(*p)->next;
	*p = n->next;
	n->next = NULL;
	n->registered = false;
	r->len--;
}
