/* rtview.h - the runtime (impl/) seen through the model's vocabulary.
 *
 * A cfh_rt wraps one struct cfr: it takes the model's operations
 * (struct cfm_op), calls the runtime's API, and returns the model's result
 * type; it owns the caller memory the runtime writes results into (one
 * slot per call, by call number) and turns the runtime's snapshot into a
 * struct cfm_snapshot, so the two sides can be compared field by field.
 */
#ifndef CFH_RTVIEW_H
#define CFH_RTVIEW_H

#include "cfm.h"
#include "cfr.h"

/* A result slot the runtime has not written holds this kind. */
#define CFH_SLOT_UNWRITTEN 0xfffffffeu

/* Result slots live in blocks that never move: the runtime keeps pointers
 * into them (they are the callers' memory), so they cannot be realloc'd. */
#define CFH_SLOTS_PER_BLOCK 256u
#define CFH_SLOT_BLOCKS 1024u
/* So one run makes at most this many calls (call numbers start at 1): a
 * limit of the harness, never of the runtime under test. */
#define CFH_MAX_CALLS (CFH_SLOTS_PER_BLOCK * CFH_SLOT_BLOCKS - 1u)

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
};

/* How to build the runtime beyond the model's caps; all may be zero. */
struct cfh_rt_options {
	const struct cfr_allocator *allocator;
	void (*observer)(void *ctx, const struct cfr_notice *notice);
	void *observer_ctx;
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

/* Makes room for the next call's result slot. Returns false when the run
 * has made CFH_MAX_CALLS calls or memory is short: the harness's limit,
 * which the caller reports as such, never as the runtime's. */
bool cfh_rt_reserve_slot(struct cfh_rt *v);

/* Performs op on the runtime. The result's err is the contract's code; a
 * code the contract does not have (E_NOMEM) is in v->last_err and shows as
 * E_LIMIT in the result; the engine reports it as a divergence. */
struct cfm_result cfh_rt_apply(struct cfh_rt *v, const struct cfm_op *op);

/* The runtime's state in the model's canonical form. */
void cfh_rt_snapshot(struct cfh_rt *v, struct cfm_snapshot *out);

/* The caller memory of call number `call` (1-based), or NULL. */
const struct cfr_slot *cfh_rt_slot(const struct cfh_rt *v, uint32_t call);

#endif /* CFH_RTVIEW_H */
