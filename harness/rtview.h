/* rtview.h - the runtime (impl/) seen through the model's vocabulary.
 *
 * A cfh_rt wraps one struct cfr: it takes the model's operations
 * (struct cfm_op), calls the runtime's API, and returns the model's result
 * type; it owns the caller memory the runtime writes results into (one
 * slot per call, by call number) and turns the runtime's snapshot into a
 * struct cfm_snapshot, so the two sides can be compared field by field.
 * cfh_target_bundled (target.h) is this view as a target: the engine
 * reaches the runtime only through that table; the functions below are
 * for it and for cancelfuzz-bench, which times the runtime alone.
 */
#ifndef CFH_RTVIEW_H
#define CFH_RTVIEW_H

#include "cfm.h"
#include "cfr.h"
#include "target.h"

/* Result slots live in blocks that never move: the runtime keeps pointers
 * into them (they are the callers' memory), so they cannot be realloc'd. */
#define CFH_SLOTS_PER_BLOCK 256u
#define CFH_SLOT_BLOCKS 1024u
/* So one run makes at most CFH_MAX_CALLS calls (target.h). */
_Static_assert(CFH_MAX_CALLS == CFH_SLOTS_PER_BLOCK * CFH_SLOT_BLOCKS - 1u,
               "the slot blocks hold CFH_MAX_CALLS calls");

struct cfh_slot_block {
	struct cfr_slot slot[CFH_SLOTS_PER_BLOCK];
	uint32_t tag[CFH_SLOTS_PER_BLOCK]; /* the op's slot tag */
};

struct cfh_rt {
	struct cfr *rt;
	struct cfh_slot_block *blocks[CFH_SLOT_BLOCKS]; /* by call number */
	uint32_t calls; /* call numbers handed out, from 1 */
	enum cfr_err last_err;  /* the runtime's own code for the last op */
	struct cfr_snapshot snap;
	struct cfr_allocator alloc; /* the harness's hooks, as cfr takes them */
	void (*notice)(void *ctx, const struct cfh_notice *n);
	void *notice_ctx;
	struct cfh_notice note; /* the one being told (not on the stack:
	                           cheaper under ASan, measured) */
};

/* How to build the runtime beyond the model's caps; all may be zero. */
struct cfh_rt_options {
	const struct cfh_allocator *allocator;
	/* Told of the runtime's notices, in the model's vocabulary. */
	void (*notice)(void *ctx, const struct cfh_notice *n);
	void *notice_ctx;
	uint32_t pool_chunk;
	uint32_t mutant; /* impl/mutants.h; 0 for the correct runtime */
};

/* Creates the runtime with the model's caps. opts may be NULL. Returns
 * CFR_OK, CFR_E_CONFIG or CFR_E_NOMEM. */
enum cfr_err cfh_rt_init(struct cfh_rt *v, const struct cfm_config *cfg,
                         const struct cfh_rt_options *opts);
void cfh_rt_fini(struct cfh_rt *v);
/* Back to a fresh runtime, reusing every allocation. */
void cfh_rt_reset(struct cfh_rt *v);

/* Performs op on the runtime. The result's err is the contract's code; a
 * code the contract does not have (E_NOMEM) is in v->last_err and shows as
 * E_LIMIT in the result; the engine reports it as a divergence. */
struct cfm_result cfh_rt_apply(struct cfh_rt *v, const struct cfm_op *op);

/* The runtime's state in the model's canonical form. */
void cfh_rt_snapshot(struct cfh_rt *v, struct cfm_snapshot *out);

/* The caller memory of call number `call` (1-based), or NULL. */
const struct cfr_slot *cfh_rt_slot(const struct cfh_rt *v, uint32_t call);

#endif /* CFH_RTVIEW_H */
