/* pheap.h - an intrusive pairing heap: O(1) insert and min, O(log n)
 * amortized removal of the minimum or of any node.
 *
 * The runtime keeps deadlines in one (ordered by expiry, then call number)
 * and each owner's pending events in another (ordered by handle). */
#ifndef CFR_PHEAP_H
#define CFR_PHEAP_H

#include <stdbool.h>
#include <stddef.h>

struct cfr_pnode {
	struct cfr_pnode *child; /* first child */
	struct cfr_pnode *next;  /* next sibling */
	struct cfr_pnode *prev;  /* previous sibling, or the parent of a first child */
};

/* Strict weak order: true if a must come out before b. */
typedef bool (*cfr_pheap_less)(const struct cfr_pnode *a,
                               const struct cfr_pnode *b);

struct cfr_pheap {
	struct cfr_pnode *root;
	cfr_pheap_less less;
	size_t len;
};

void cfr_pheap_init(struct cfr_pheap *h, cfr_pheap_less less);
void cfr_pheap_insert(struct cfr_pheap *h, struct cfr_pnode *n);
/* Removes n, which must be in h. */
void cfr_pheap_remove(struct cfr_pheap *h, struct cfr_pnode *n);

static inline struct cfr_pnode *cfr_pheap_min(const struct cfr_pheap *h)
{
	return h->root;
}

#endif /* CFR_PHEAP_H */
