/* minimize.h - shrink a finding to the smallest scenario with the same
 * signature.
 *
 * A semantic pass over the operation list, not the bytes: delta debugging
 * removes operations (in halving chunks), then arguments shrink one at a
 * time, then unused instances go and the features narrow to what the
 * remaining operations use. Every candidate runs in a fresh process (fork)
 * and is kept only if it gives exactly the same signature "class:operation"
 * as the input.
 */
#ifndef CFH_MINIMIZE_H
#define CFH_MINIMIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

struct cfh_minimize {
	/* how to run: set by the caller */
	uint32_t mutant;
	bool diff;
	/* what happened */
	char signature[80];    /* the input's, kept throughout */
	struct cfh_setup setup; /* the smallest that still gives it */
	size_t before, after;   /* operations */
	unsigned long checks;   /* candidates run */
};

/* Minimizes the input scenario's operations into *out (its setup, ops, the
 * model's result for each op, and expect = the signature's class; the
 * caller sets title, origin and mutant). Returns 0, 1 if the input gives
 * no finding at all (nothing to keep), or -1 if memory is short. */
int cfh_minimize(struct cfh_minimize *mz, const struct cfh_scenario *in,
                 struct cfh_scenario *out);

#endif /* CFH_MINIMIZE_H */
