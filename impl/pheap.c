/* pheap.c - intrusive pairing heap (Fredman, Sedgewick, Sleator, Tarjan). */
#include "pheap.h"

void cfr_pheap_init(struct cfr_pheap *h, cfr_pheap_less less)
{
	h->root = NULL;
	h->less = less;
	h->len = 0;
}

/* Links two roots; the loser becomes the winner's first child. */
static struct cfr_pnode *meld(const struct cfr_pheap *h, struct cfr_pnode *a,
                              struct cfr_pnode *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (h->less(b, a)) {
		struct cfr_pnode *t = a;
		a = b;
		b = t;
	}
	b->prev = a;
	b->next = a->child;
	if (a->child)
		a->child->prev = b;
	a->child = b;
	a->next = a->prev = NULL;
	return a;
}

/* Two-pass merge of a sibling list: pair left to right, then fold the
 * pairs right to left. Iterative, so deep heaps cannot exhaust the stack. */
static struct cfr_pnode *merge_pairs(const struct cfr_pheap *h,
                                     struct cfr_pnode *first)
{
	struct cfr_pnode *pairs = NULL; /* melded pairs, chained through prev */
	while (first) {
		struct cfr_pnode *a = first, *b = a->next;
		first = b ? b->next : NULL;
		a->next = a->prev = NULL;
		if (b)
			b->next = b->prev = NULL;
		struct cfr_pnode *m = meld(h, a, b);
		m->prev = pairs;
		pairs = m;
	}
	struct cfr_pnode *root = NULL;
	while (pairs) {
		struct cfr_pnode *up = pairs->prev;
		pairs->prev = NULL;
		root = meld(h, root, pairs);
		pairs = up;
	}
	return root;
}

void cfr_pheap_insert(struct cfr_pheap *h, struct cfr_pnode *n)
{
	n->child = n->next = n->prev = NULL;
	h->root = meld(h, h->root, n);
	h->len++;
}

void cfr_pheap_remove(struct cfr_pheap *h, struct cfr_pnode *n)
{
	struct cfr_pnode *sub = merge_pairs(h, n->child);
	if (n == h->root) {
		h->root = sub;
	} else {
		/* Unlink n from its parent's child list, then meld what was
		 * below it back in at the root. */
		if (n->prev->child == n)
			n->prev->child = n->next;
		else
			n->prev->next = n->next;
		if (n->next)
			n->next->prev = n->prev;
		h->root = meld(h, h->root, sub);
	}
	n->child = n->next = n->prev = NULL;
	h->len--;
}
