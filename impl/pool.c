/* pool.c - chunked free-list pools and the allocator wrapper. */
#include "pool.h"

#include <string.h>

struct cfr_chunk {
	struct cfr_chunk *next;
	size_t bytes;
	/* records follow, aligned for any record type */
	_Alignas(max_align_t) unsigned char data[];
};

void *cfr_mem_alloc(struct cfr_mem *m, size_t size)
{
	void *p = m->a.alloc(m->a.ctx, size);
	if (p)
		m->bytes += size;
	return p;
}

void cfr_mem_free(struct cfr_mem *m, void *p, size_t size)
{
	if (!p)
		return;
	m->bytes -= size;
	m->a.release(m->a.ctx, p, size);
}

void *cfr_carve(struct cfr_carve *c, size_t size)
{
	size_t align = _Alignof(max_align_t);
	size_t at = (c->used + align - 1) / align * align;
	c->used = at + size;
	return c->base ? c->base + at : NULL;
}

void cfr_pool_init(struct cfr_pool *p, size_t size, uint32_t per_chunk)
{
	size_t align = _Alignof(max_align_t);
	memset(p, 0, sizeof(*p));
	if (size < sizeof(void *))
		size = sizeof(void *);
	p->size = (size + align - 1) / align * align;
	p->per_chunk = per_chunk ? per_chunk : 1;
}

static void push_free(struct cfr_pool *p, void *record)
{
	memcpy(record, &p->free, sizeof(void *));
	p->free = record;
}

static void free_chunk_records(struct cfr_pool *p, struct cfr_chunk *c)
{
	for (uint32_t i = p->per_chunk; i-- > 0;)
		push_free(p, c->data + (size_t)i * p->size);
}

void *cfr_pool_get(struct cfr_pool *p, struct cfr_mem *m)
{
	if (!p->free) {
		size_t bytes = sizeof(struct cfr_chunk) +
		               (size_t)p->per_chunk * p->size;
		struct cfr_chunk *c = cfr_mem_alloc(m, bytes);
		if (!c)
			return NULL;
		c->bytes = bytes;
		c->next = p->chunks;
		p->chunks = c;
		free_chunk_records(p, c);
	}
	void *record = p->free;
	memcpy(&p->free, record, sizeof(void *));
	memset(record, 0, p->size);
	p->live++;
	return record;
}

void cfr_pool_put(struct cfr_pool *p, void *record)
{
	push_free(p, record);
	p->live--;
}

void cfr_pool_reset(struct cfr_pool *p)
{
	p->free = NULL;
	for (struct cfr_chunk *c = p->chunks; c; c = c->next)
		free_chunk_records(p, c);
	p->live = 0;
}

void cfr_pool_release(struct cfr_pool *p, struct cfr_mem *m)
{
	struct cfr_chunk *c = p->chunks;
	while (c) {
		struct cfr_chunk *next = c->next;
		cfr_mem_free(m, c, c->bytes);
		c = next;
	}
	p->chunks = NULL;
	p->free = NULL;
	p->live = 0;
}
