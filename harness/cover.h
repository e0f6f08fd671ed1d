/* cover.h - contract coverage: which parts of the contract a run exercised.
 *
 * Edge coverage says which lines of C ran; it cannot tell a cancel racing
 * a return from a plain return when the same lines run, and it sees
 * nothing of a runtime in another process. Contract coverage counts what
 * the model did instead, as numbered points of four kinds:
 *
 *   clause      a branch of a rule of the contract profile, as the model
 *               cites it (model/cover.h): "C-13 a request wakes a task
 *               blocked in a cancellable wait"
 *   transition  (subtask state, operation, result) and (task state,
 *               operation, result) of the contract profile, and of the cm
 *               profile (task state x how its thread is suspended, for the
 *               task a `run` resumes)
 *   outcome     cm: what kind of outcome each operation had, each trap
 *               condition, and which alternative a choice point took
 *   feature     deeper shapes: how deep in the call graph a cancellation
 *               lands, how many subscribers one resolution settles
 *
 * Points are stable numbers (a table, not a hash), so counts from different
 * runs and builds of the same version add up, and a point never hit is
 * listed by name. Some points the contract rules out; cfh_cover_unreachable
 * gives the reason, and a run that hits one of them has found a bug in this
 * table or in the model (the coverage tool says so).
 *
 * Collecting a contract step is two calls around it: _before() reads what
 * the step starts from, _after() counts; a cm step is one call with both
 * states (the refinement check keeps them anyway). A struct
 * cfh_cover says where counts go: hits (32-bit totals, for reports) and/or
 * counters (8-bit, saturating: libFuzzer's extra counters, the guide).
 */
#ifndef CFH_COVER_H
#define CFH_COVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfm.h"
#include "cfm_cm.h"

struct cfh_cover {
	uint32_t *hits;    /* NULL, or CFH_COVER_POINTS totals */
	uint8_t *counters; /* NULL, or CFH_COVER_POINTS saturating counters */
};

/* The number of points; the layout is in cover.c. */
extern const size_t CFH_COVER_POINTS;
#define CFH_COVER_MAX_POINTS 1536

enum cfh_cover_kind {
	CFH_COVER_CLAUSE,
	CFH_COVER_TRANSITION,
	CFH_COVER_OUTCOME,
	CFH_COVER_FEATURE,
};

enum cfh_cover_profile { CFH_COVER_CONTRACT, CFH_COVER_CM };

/* Point i: its profile, kind, and name ("C-11.3 a cancel request returns
 * BLOCKED", "subtask STARTED --subtask.cancel--> BLOCKED"). */
enum cfh_cover_profile cfh_cover_profile_of(size_t i);
enum cfh_cover_kind cfh_cover_kind_of(size_t i);
const char *cfh_cover_kind_name(enum cfh_cover_kind k);
char *cfh_cover_name(size_t i, char *buf, size_t size);

/* Why point i cannot be hit (citing the rule), or NULL if it can. */
const char *cfh_cover_unreachable(size_t i);

/* ---- the contract profile ---- */

struct cfh_cover_pre {
	bool actor_active;             /* the actor is the ACTIVE task */
	enum cfm_task_state actor;     /* its state */
	bool has_subtask;              /* cancel/drop: the handle is live */
	enum cfm_status subtask;       /* its state */
	uint32_t callee_depth;         /* its callee's depth, host's calls 1 */
	enum cfm_task_state run_state; /* run: the task it activates */
	bool run_known;
};

void cfh_cover_contract_before(const struct cfm *m, const struct cfm_op *op,
                               struct cfh_cover_pre *pre);
void cfh_cover_contract_after(const struct cfh_cover *c, const struct cfm *m,
                              const struct cfm_op *op,
                              const struct cfh_cover_pre *pre,
                              const struct cfm_result *r);

/* ---- the cm profile ---- */

/* One step of the cm model from before to after: op had outcome taken,
 * alternative number choice of the n the spec allowed. */
void cfh_cover_cm_step(const struct cfh_cover *c, const struct cfm_cm *before,
                       const struct cfm_cm *after, const struct cfm_cm_op *op,
                       const struct cfm_cm_outcome *taken, uint32_t choice,
                       size_t n);

#endif /* CFH_COVER_H */
