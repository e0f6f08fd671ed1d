/* lockstep.h - the model and a target (target.h), side by side.
 *
 * cfh_lockstep_apply() performs one operation on both and compares what
 * they return; cfh_lockstep_compare() compares their whole states. Both say
 * what differs in words a person can act on. The runtime is reached only
 * through the target's table. */
#ifndef CFH_LOCKSTEP_H
#define CFH_LOCKSTEP_H

#include <stdio.h>

#include "cfm.h"
#include "target.h"

struct cfh_lockstep {
	struct cfm model;
	const struct cfh_target *target;
	void *rt;       /* the target's instance */
	uint32_t calls; /* the target's successful calls, numbered 1..calls */
	const char *foreign; /* the last op's error code outside the contract,
	                        by the runtime's own name; NULL if none */
	struct cfm_snapshot ms, rs; /* scratch for comparisons */
};

/* Sets up both sides with the same caps: the model, and an instance of
 * target t made with env. Returns false (and prints why to stderr) if
 * either refuses the config or memory is short. */
bool cfh_lockstep_init(struct cfh_lockstep *ls, const struct cfm_config *cfg,
                       const struct cfh_target *t,
                       const struct cfh_target_env *env);
void cfh_lockstep_fini(struct cfh_lockstep *ls);

/* Applies op to both sides; fills both results. Returns true if they are
 * the same observable result (C-37 divergence otherwise). */
bool cfh_lockstep_apply(struct cfh_lockstep *ls, const struct cfm_op *op,
                        struct cfm_result *model, struct cfm_result *rt);

/* True if two results are observably the same for op. */
bool cfh_result_equal(const struct cfm_op *op, const struct cfm_result *a,
                      const struct cfm_result *b);

/* Takes both sides' whole states into ls->ms and ls->rs. False, and
 * nothing taken, if the target has no snapshot. A target that reads no
 * result slots has the slot fields cleared on both sides. */
bool cfh_lockstep_snapshots(struct cfh_lockstep *ls);

/* Compares the two sides' whole states (into ls->ms and ls->rs). Returns
 * true if equal, or if the target has no snapshot (the check is skipped);
 * otherwise, if out is not NULL, prints each differing line as "- model" /
 * "+ runtime". */
bool cfh_lockstep_compare(struct cfh_lockstep *ls, FILE *out);

/* Field-by-field equality of two canonical snapshots. */
bool cfh_snapshot_equal(const struct cfm_snapshot *a,
                        const struct cfm_snapshot *b);

/* Prints the lines where two snapshots' printed forms differ. */
void cfh_snapshot_diff(const struct cfm_snapshot *model,
                       const struct cfm_snapshot *rt, FILE *out);

#endif /* CFH_LOCKSTEP_H */
