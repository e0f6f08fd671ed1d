/* registry.h - the shared-producer registry (C-31): (instance, key) -> one
 * entry, in a chained hash table whose buckets are allocated once. Entries
 * are intrusive: the runtime embeds a cfr_reg_node in each task. */
#ifndef CFR_REGISTRY_H
#define CFR_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

struct cfr_reg_node {
	struct cfr_reg_node *next; /* bucket chain */
	uint32_t instance, key;
	bool registered;
};

struct cfr_registry {
	struct cfr_reg_node **buckets;
	uint32_t mask; /* buckets - 1, a power of two minus one */
	uint32_t len;
};

/* The memory for buckets enough for `expected` entries at load factor
 * <= 1/2; the caller provides it to cfr_registry_init(). */
size_t cfr_registry_size(uint32_t expected);
void cfr_registry_init(struct cfr_registry *r, uint32_t expected, void *mem);
void cfr_registry_reset(struct cfr_registry *r);

struct cfr_reg_node *cfr_registry_find(const struct cfr_registry *r,
                                       uint32_t instance, uint32_t key);
/* The key must not be registered yet. */
void cfr_registry_add(struct cfr_registry *r, struct cfr_reg_node *n,
                      uint32_t instance, uint32_t key);
/* Removes n if it is registered; harmless otherwise. */
void cfr_registry_remove(struct cfr_registry *r, struct cfr_reg_node *n);

#endif /* CFR_REGISTRY_H */
