/* alloc.c - counting allocator with failure injection. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *counted_alloc(void *ctx, size_t size)
{
	struct cfh_alloc *a = ctx;
	if (++a->allocs == a->fail_at)
		return NULL;
	void *p = malloc(size);
	if (p) {
		a->bytes += size;
		if (a->bytes > a->peak)
			a->peak = a->bytes;
	}
	return p;
}

static void counted_release(void *ctx, void *p, size_t size)
{
	struct cfh_alloc *a = ctx;
	a->frees++;
	a->bytes -= size;
	free(p);
}

void cfh_alloc_init(struct cfh_alloc *a, unsigned long fail_at)
{
	memset(a, 0, sizeof(*a));
	a->fail_at = fail_at;
	a->hooks = (struct cfh_allocator){counted_alloc, counted_release, a};
}
