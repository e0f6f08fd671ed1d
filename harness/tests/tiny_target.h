/* tiny_target.h - the minimal example of an in-process target (target.h):
 * what a user writes to drive a runtime of their own in lockstep with the
 * contract model. See tiny_target.c. */
#ifndef CFH_TINY_TARGET_H
#define CFH_TINY_TARGET_H

#include "target.h"

/* Its planted bug (cfh_options.mutant): subtask.cancel says BLOCKED where
 * the call had resolved at once. */
#define TINY_MUTANT_CANCEL_BLOCKED 1u

extern const struct cfh_target tiny_target;

#endif /* CFH_TINY_TARGET_H */
