/* tiny_target.c - the smallest in-process target worth copying.
 *
 * "The runtime" here is a stand-in: a struct cfm, the contract model itself
 * (as the protocol's example target, ../example_target.c, is the cm model).
 * In your own target, each place that calls cfm_* calls your runtime
 * instead, and converts between its types and the model's.
 *
 * It has only what target.h requires (name, caps, create, destroy, apply)
 * and two cheap optional parts (reset, counts). It declares a subset: no
 * clock (so no tick and no deadlines), no resources, no backpressure, no
 * yield; shared calls and misuse it takes. The harness then never sends it
 * anything else; if it did, apply would answer with an error code of its
 * own, which the engine reports as a divergence.
 *
 * What it leaves out, and what each would switch on (target.h):
 *   snapshot    the state comparisons, left_running, records, timeouts
 *   read_slot   the result-slot checks (wrong_result, late_publication)
 *   notices     the model-free oracle and the outcome comparison
 *   allocator   the leak check at teardown
 */
#include "tiny_target.h"

#include <stdlib.h>

struct tiny {
	struct cfm rt; /* your runtime's handle goes here */
	struct cfm_config cfg;
	uint32_t mutant;
};

static void *tiny_create(const struct cfm_config *cfg,
                         const struct cfh_target_env *env, const char **why)
{
	if (env->mutant > TINY_MUTANT_CANCEL_BLOCKED) {
		*why = "no such mutant";
		return NULL;
	}
	struct tiny *t = malloc(sizeof(*t));
	if (!t) {
		*why = "out of memory";
		return NULL;
	}
	if (cfm_init(&t->rt, cfg) != CFM_OK) {
		*why = "caps out of range";
		free(t);
		return NULL;
	}
	t->cfg = *cfg;
	t->mutant = env->mutant;
	return t;
}

static void tiny_destroy(void *rt) { free(rt); }

static void tiny_reset(void *rt)
{
	struct tiny *t = rt;
	cfm_init(&t->rt, &t->cfg);
}

static struct cfm_result tiny_apply(void *rt, const struct cfm_op *op,
                                    const char **foreign)
{
	struct tiny *t = rt;
	/* What it does not support, a real runtime would refuse in its own
	 * words: the harness must never ask (caps below). */
	if (op->code == CFM_OP_TICK || op->code == CFM_OP_YIELD ||
	    op->code == CFM_OP_RESOURCE_NEW ||
	    op->code == CFM_OP_RESOURCE_DROP ||
	    op->code == CFM_OP_BACKPRESSURE ||
	    (op->code == CFM_OP_CALL && op->has_deadline)) {
		*foreign = "E_UNSUPPORTED";
		return (struct cfm_result){.err = CFM_E_RANGE};
	}
	struct cfm_result r = cfm_apply(&t->rt, op);
	if (t->mutant == TINY_MUTANT_CANCEL_BLOCKED &&
	    op->code == CFM_OP_SUBTASK_CANCEL && r.err == CFM_OK &&
	    cfm_status_resolved(r.status))
		r.status = CFM_BLOCKED;
	return r;
}

static bool tiny_counts(void *rt, struct cfm_counts *out)
{
	*out = cfm_counts(&((struct tiny *)rt)->rt);
	return true;
}

const struct cfh_target tiny_target = {
    .name = "tiny",
    .caps = {.ops = CFH_TARGET_OPS_REQUIRED,
             .features = CFH_F_SHARED | CFH_F_MISUSE},
    .create = tiny_create,
    .destroy = tiny_destroy,
    .reset = tiny_reset,
    .apply = tiny_apply,
    .counts = tiny_counts,
};
