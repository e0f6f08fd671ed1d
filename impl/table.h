/* table.h - one instance's table of subtask handles (C-3).
 *
 * A handle is an index >= 1; a new one is always the lowest free index, and
 * a freed index is reused at once, as the contract demands. Each slot also
 * has a generation that moves on whenever the slot is freed, and every
 * reference the runtime keeps to a subtask through its table is checked
 * against it: a record that was dropped from its slot can never reach the
 * slot's next occupant. */
#ifndef CFR_TABLE_H
#define CFR_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

struct cfr_slot_entry {
	void *item;   /* the occupant, NULL when free */
	uint32_t gen; /* bumped on every free */
};

struct cfr_table {
	struct cfr_slot_entry *slots; /* [1 .. cap]; [0] unused */
	uint32_t *free_heap;          /* freed indices below `fresh`, a min-heap */
	uint32_t nfree;
	uint32_t fresh; /* the lowest index never used since the last reset */
	uint32_t cap;
	uint32_t live;
};

/* The memory a table of cap handles needs; the caller provides it (the
 * runtime carves every table from one block made at creation). */
size_t cfr_table_size(uint32_t cap);
void cfr_table_init(struct cfr_table *t, uint32_t cap, void *mem);
void cfr_table_reset(struct cfr_table *t);

/* Puts item in the lowest free slot; returns the index, 0 if full. *gen is
 * the slot's generation for later checked lookups. */
uint32_t cfr_table_insert(struct cfr_table *t, void *item, uint32_t *gen);
/* Frees a slot: its generation moves on and the index is free at once. */
void cfr_table_remove(struct cfr_table *t, uint32_t index);
/* The occupant of index, or NULL. */
void *cfr_table_get(const struct cfr_table *t, uint32_t index);
/* The occupant of index only if it is still generation gen's, or NULL. */
void *cfr_table_get_checked(const struct cfr_table *t, uint32_t index,
                            uint32_t gen);

#endif /* CFR_TABLE_H */
