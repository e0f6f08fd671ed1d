/* oracle.h - the checks that need no model.
 *
 * The oracle follows every call of a run through what the runtime itself
 * says: the results it returns and its notices (target.h; the bundled
 * runtime's observer, cfr.h). It reaches the runtime only through the
 * target's table, and runs only for a target that tells notices; a part
 * the target lacks (result slots, snapshot, counts) switches off the
 * checks that read it (target.h lists which). From
 * those alone, with bookkeeping of its own (which call holds which handle,
 * which task made which call, what each task.return gave, the clock and
 * the deadlines, each task's resources), it checks the rules that fix one
 * answer whatever the schedule:
 *
 *   C-3   a new handle is the lowest free index of its table, never one a
 *         live call holds; task ids come 1, 2, 3 ... (a new task is the
 *         next id, a joined one is live)
 *   C-9   a slot is written exactly when its call resolves RETURNED, with
 *         exactly the bytes of the task.return that resolved it, and never
 *         changes afterwards; a dropped call's slot is never written
 *   C-14, C-15, C-20, C-33   a task resolves once; a subscriber settles
 *         once and is delivered once, and an event matches its settlement
 *   C-21, C-22, C-24   START exactly once, as the first activation;
 *         TASK_CANCELLED at most once, never into a non-cancellable wait,
 *         never after the task resolved; an exited task never runs
 *   C-31, C-32   a shared call joins the task registered under its key
 *         while that task has a live subscriber, and only then; a
 *         subscriber resolves cancelled only if its own cancellation was
 *         requested (or, as the last one, the task's)
 *   C-27, C-28   after the drain, no record of a released or dropped call
 *         remains in the runtime
 *   C-29, C-30   a deadline reached after its call was cancelled, resolved
 *         or dropped changes nothing; one reached while the call was
 *         waiting times it out
 *   C-34  resource ids are the lowest free id and never live twice
 *   C-36  after the drain only a guest's own dead ends remain
 *
 * With the model comparison on, the oracle also keeps the model's
 * settlements (cfm_observer) and compares every call's outcome after the
 * drain, including calls whose records the drain freed.
 *
 * What is not model-free: the model still decodes the input and chooses
 * the drain (the same operations go to the runtime with or without the
 * comparison), and the oracle reads the runtime's own snapshot for the
 * state of its tasks (left_running) and for its timed-out flags.
 */
#ifndef CFH_ORACLE_H
#define CFH_ORACLE_H

#include <stdint.h>

#include "cfm.h"
#include "engine.h"
#include "lockstep.h"
#include "target.h"

/* One call, as the harness follows it without the model. */
struct cfh_call {
	uint32_t instance, handle; /* where the caller holds it */
	uint32_t owner;            /* CFM_HOST or the calling task */
	uint32_t task;             /* the callee the call created or joined */
	uint64_t deadline;         /* absolute, 0 for none */
	bool held;                 /* the caller has not dropped it */
	bool settled;              /* resolved, or released when abandoned */
	bool released;
	bool delivered;
	bool cancel_requested; /* by cancel, drop, exit or timeout */
	bool timed_out;        /* its deadline fired while it waited */
	bool done_at_tick; /* resolved, cancelled or dropped before this tick */
	uint32_t requesting; /* the step that requests its cancellation */
	enum cfm_status state;
	uint32_t noticed; /* the last step a notice named it */
	bool sealed;          /* the slot must not change any more ... */
	struct cfh_slot seal; /* ... from this */
	bool returned;        /* settled RETURNED: the slot must hold ... */
	struct cfh_slot result; /* ... the task.return's kind and value */
	/* The model's settlement (with the comparison on). */
	bool m_settled, m_released, m_written;
	enum cfm_status m_state;
	struct cfh_slot m_slot;
};

/* One task, as the harness knows it from the calls and its own steps. */
struct cfh_task {
	uint32_t instance;
	bool exited;             /* its exit succeeded */
	bool activated;          /* it has been run once (START) */
	bool resolved;           /* task.return or task.cancel succeeded */
	bool cancel_seen;        /* TASK_CANCELLED was delivered */
	bool ended_cancellably;  /* its last wait was cancellable, or a yield */
	bool returning;          /* its task.return is the step in progress */
	struct cfh_slot result;  /* what that task.return gives */
	uint64_t resources;      /* bit r-1: resource r is live (C-34) */
	uint32_t live_subs; /* subscribers neither resolved nor cancelling */
};

/* A shared task the harness knows to be registered (C-31). */
struct cfh_key {
	uint32_t instance, key, task;
};

struct cfh_oracle {
	struct cfh_lockstep *ls; /* the target, its instance, its calls */
	bool model_ledger; /* keep the model's settlements */
	struct cfh_call *calls; /* by call number; [0] unused */
	uint32_t calls_cap;
	struct cfh_task *tasks; /* by task id; [0] unused */
	uint32_t tasks_cap;
	uint32_t last_task; /* the highest task id issued (C-3) */
	uint32_t occupant[CFM_MAX_INSTANCES][CFM_MAX_HANDLES + 1];
	struct cfh_key keys[CFM_MAX_TASKS]; /* at most one per live task */
	uint32_t nkeys;
	uint64_t clock;
	/* The step in progress. */
	uint32_t step;
	uint32_t dropping_call; /* subtask.drop: a release is expected */
	uint32_t exiting_task;  /* exit: releases of its calls are expected */
	bool cancel_was_settled; /* subtask.cancel of a call already resolved */
	bool detaching; /* the call cancelled or dropped in this step is live
	                   and its task has other live subscribers (C-32) */
	uint32_t *settled_now;  /* calls that settled RETURNED in this step */
	uint32_t nsettled_now, settled_now_cap;
	uint32_t *timers; /* calls whose deadline is still ahead */
	uint32_t ntimers, timers_cap;
	/* The first finding. */
	enum cfh_class cls;
	char detail[256];
	bool out_of_memory; /* the oracle's own bookkeeping could not grow */
};

/* Starts an empty oracle over the target of ls. model_ledger: also keep
 * the model's settlements (give cfh_oracle_model_observer to the model). */
void cfh_oracle_init(struct cfh_oracle *o, struct cfh_lockstep *ls,
                     bool model_ledger);
void cfh_oracle_fini(struct cfh_oracle *o);

/* The observers: the target's (cfh_target_env.notice) and the model's. */
void cfh_oracle_notice(void *ctx, const struct cfh_notice *n);
void cfh_oracle_model_observer(void *ctx, const struct cfm_settlement *s);

/* Around each operation both sides perform (only for a target that tells
 * notices): before() with the step's number, after() with what the
 * runtime returned. scratch is room for a snapshot of the runtime, which
 * after() takes when a deadline was reached. */
void cfh_oracle_before(struct cfh_oracle *o, uint32_t step,
                       const struct cfm_op *op);
void cfh_oracle_after(struct cfh_oracle *o, const struct cfm_op *op,
                      const struct cfm_result *r,
                      struct cfm_snapshot *scratch);

/* After the drain: what may remain, and every slot. rs is the runtime's
 * snapshot in the model's form, taken after the drain, or NULL for a
 * target without one. dead_ends: judge the tasks still there by C-36
 * alone (without the model); that needs only rs. The rest needs notices. */
void cfh_oracle_after_drain(struct cfh_oracle *o,
                            const struct cfm_snapshot *rs, bool dead_ends);

/* With the model comparison on, after the drain: every call's outcome on
 * both sides (resolved or not, released, state, slot contents). Returns
 * false and says which call differs in detail if one does. */
bool cfh_oracle_compare_outcomes(struct cfh_oracle *o, char *detail,
                                 size_t size);

#endif /* CFH_ORACLE_H */
