/* pool.h - fixed-size record pools over the runtime's allocator.
 *
 * Records come from chunks of `per_chunk` records; a freed record goes back
 * on the pool's free list, and a chunk is returned to the allocator only at
 * teardown. A reset puts every record back without touching the allocator,
 * so a fuzz target can reuse one runtime for every input. */
#ifndef CFR_POOL_H
#define CFR_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "cfr.h"

/* The allocator plus the byte count the runtime reports (cfr_counts). */
struct cfr_mem {
	struct cfr_allocator a;
	size_t bytes;
};

void *cfr_mem_alloc(struct cfr_mem *m, size_t size);
void cfr_mem_free(struct cfr_mem *m, void *p, size_t size);

/* Carves aligned pieces, one after another, out of one block: run it once
 * with base NULL to measure the block, then again over the block. */
struct cfr_carve {
	unsigned char *base; /* NULL while measuring */
	size_t used;
};

/* The next size bytes (aligned for any type), or NULL while measuring. */
void *cfr_carve(struct cfr_carve *c, size_t size);

struct cfr_chunk;

struct cfr_pool {
	size_t size;        /* record size, at least a pointer */
	uint32_t per_chunk; /* records per chunk */
	void *free;         /* free records, chained through their first word */
	struct cfr_chunk *chunks;
	uint32_t live; /* records handed out */
};

void cfr_pool_init(struct cfr_pool *p, size_t size, uint32_t per_chunk);
/* Returns a zeroed record, or NULL if a new chunk could not be had. */
void *cfr_pool_get(struct cfr_pool *p, struct cfr_mem *m);
void cfr_pool_put(struct cfr_pool *p, void *record);
/* Makes every record free again; chunks are kept. */
void cfr_pool_reset(struct cfr_pool *p);
/* Returns every chunk to the allocator. */
void cfr_pool_release(struct cfr_pool *p, struct cfr_mem *m);

#endif /* CFR_POOL_H */
