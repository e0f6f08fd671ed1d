/* alloc.h - a counting allocator for the runtime, with a "fail the n-th
 * allocation" mode. The harness judges leaks by it: after teardown it must
 * hold no bytes. */
#ifndef CFH_ALLOC_H
#define CFH_ALLOC_H

#include <stddef.h>

#include "target.h"

struct cfh_alloc {
	size_t bytes, peak;
	unsigned long allocs, frees;
	unsigned long fail_at; /* 1-based allocation number to fail; 0 never */
	struct cfh_allocator hooks; /* for cfh_target_env.allocator */
};

void cfh_alloc_init(struct cfh_alloc *a, unsigned long fail_at);

#endif /* CFH_ALLOC_H */
