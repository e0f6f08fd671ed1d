/* cover.c - the points of contract coverage, their names, and counting.
 *
 * The point space is a fixed concatenation of blocks (below); a block is a
 * product of small dimensions, so a point's number is a mixed-radix index
 * and its name is read back from the digits. Adding a point changes the
 * numbering: counts are compared within one version only.
 */
#include "cover.h"

#include <stdio.h>
#include <string.h>

/* ---- dimensions ---- */

/* Contract: subtask transitions, subtask.cancel and subtask.drop by the
 * subtask's state before, to a status, ok, or a refusal. */
enum { SUB_OPS = 2, SUB_STATES = 5, SUB_OUTS = 8 };
static const char *const sub_ops[SUB_OPS] = {"subtask.cancel", "subtask.drop"};
/* outcomes: 0..5 a status (cfm_status), 6 ok, 7 refused */
#define SUB_OK 6
#define SUB_REFUSED 7

/* Contract: task transitions of the acting task (and of the task run
 * activates) by its state before. */
enum { TASK_OPS = 7, TASK_STATES = 5, TASK_OUTS = 6 };
static const char *const task_ops[TASK_OPS] = {
    "task.return", "task.cancel", "wait", "wait cancellable",
    "yield",       "exit",        "run"};
static const char *const task_outs[TASK_OUTS] = {
    "ok", "refused", "START", "TASK_CANCELLED", "NONE", "SUBTASK"};
enum { TO_OK, TO_REFUSED, TO_START, TO_CANCELLED, TO_NONE, TO_SUBTASK };

/* Features: cancellation depth (1, 2, 3, 4+) by subtask.cancel and
 * subtask.drop; subscribers settled by one resolution (2, 3, 4+). */
enum { DEPTHS = 4, FANOUTS = 3 };

/* cm: outcome kinds per op, traps, subtask and task transitions, the
 * task a run resumes, and choice points. */
enum { CM_OPS = CFM_CM_OPCODE_COUNT, CM_WHATS = 9, CM_TRAPS = 14 };
static const char *const cm_whats[CM_WHATS] = {
    "refused", "trap",      "ok",     "status", "new",
    "event",   "suspended", "switch", "resumed"};
enum { CM_SUB_OUTS = 9 };
/* outcomes: 0..5 a status, 6 ok, 7 trap, 8 switch */
static const char *const cm_sub_outs[CM_SUB_OUTS] = {
    "STARTING", "STARTED", "RETURNED", "CANCELLED_BEFORE_STARTED",
    "CANCELLED_BEFORE_RETURNED", "BLOCKED", "ok", "trap", "switch"};
enum { CM_TASK_OPS = 8, CM_TASK_OUTS = 7 };
static const enum cfm_cm_opcode cm_task_ops[CM_TASK_OPS] = {
    CFM_CM_OP_TASK_RETURN, CFM_CM_OP_TASK_CANCEL, CFM_CM_OP_WAIT,
    CFM_CM_OP_YIELD,       CFM_CM_OP_EXIT,        CFM_CM_OP_WSET_WAIT,
    CFM_CM_OP_THREAD_YIELD, CFM_CM_OP_SUBTASK_CANCEL};
static const char *const cm_task_outs[CM_TASK_OUTS] = {
    "ok", "trap", "suspended", "goes on", "switch", "status", "refused"};
enum { CM_SUSPS = 8, CM_RUN_OUTS = 5 };
static const char *const cm_susps[CM_SUSPS] = {
    "active",   "entering",     "callback WAIT", "callback YIELD",
    "in waitable-set.wait", "in thread.yield", "in subtask.cancel",
    "calling"};
static const char *const cm_run_outs[CM_RUN_OUTS] = {
    "START", "SUBTASK", "TASK_CANCELLED", "NONE", "cancel resumed"};
enum { CM_CHOICES = 4 };

/* ---- blocks ---- */

enum block {
	B_CLAUSE,
	B_SUB,
	B_TASK,
	B_DEPTH,
	B_FANOUT,
	B_CM_WHAT,
	B_CM_TRAP,
	B_CM_SUB,
	B_CM_TASK,
	B_CM_RUN,
	B_CM_CHOICE,
	B_CM_DEPTH,
	BLOCKS
};

static const size_t block_size[BLOCKS] = {
    CFM_CLAUSE_COUNT,
    SUB_OPS * SUB_STATES * SUB_OUTS,
    TASK_OPS * TASK_STATES * TASK_OUTS,
    SUB_OPS * DEPTHS,
    FANOUTS,
    CM_OPS * CM_WHATS,
    CM_TRAPS,
    SUB_OPS * SUB_STATES * CM_SUB_OUTS,
    CM_TASK_OPS * TASK_STATES * CM_TASK_OUTS,
    TASK_STATES * CM_SUSPS * CM_RUN_OUTS,
    CM_OPS * CM_CHOICES,
    SUB_OPS * DEPTHS,
};

static size_t block_start(enum block b)
{
	size_t at = 0;
	for (int i = 0; i < (int)b; i++)
		at += block_size[i];
	return at;
}

const size_t CFH_COVER_POINTS =
    CFM_CLAUSE_COUNT + SUB_OPS * SUB_STATES * SUB_OUTS +
    TASK_OPS * TASK_STATES * TASK_OUTS + SUB_OPS * DEPTHS + FANOUTS +
    CM_OPS * CM_WHATS + CM_TRAPS + SUB_OPS * SUB_STATES * CM_SUB_OUTS +
    CM_TASK_OPS * TASK_STATES * CM_TASK_OUTS +
    TASK_STATES * CM_SUSPS * CM_RUN_OUTS + CM_OPS * CM_CHOICES +
    SUB_OPS * DEPTHS;

_Static_assert(CFM_CLAUSE_COUNT + SUB_OPS * SUB_STATES * SUB_OUTS +
                       TASK_OPS * TASK_STATES * TASK_OUTS +
                       SUB_OPS * DEPTHS + FANOUTS + CM_OPS * CM_WHATS +
                       CM_TRAPS + SUB_OPS * SUB_STATES * CM_SUB_OUTS +
                       CM_TASK_OPS * TASK_STATES * CM_TASK_OUTS +
                       TASK_STATES * CM_SUSPS * CM_RUN_OUTS +
                       CM_OPS * CM_CHOICES + SUB_OPS * DEPTHS <=
                   CFH_COVER_MAX_POINTS,
               "CFH_COVER_MAX_POINTS is too small");
_Static_assert(CM_WHATS == CFM_CM_RESUMED + 1, "cm outcome kinds");
_Static_assert(CM_TRAPS == CFM_CM_TRAP_TRAPPED_INSTANCE + 1, "cm traps");
_Static_assert(CM_SUSPS == CFM_CM_S_CALLING + 1, "cm suspensions");

/* The block of point i, and i's offset in it. */
static enum block block_of(size_t i, size_t *off)
{
	for (int b = 0; b < BLOCKS; b++) {
		if (i < block_size[b]) {
			*off = i;
			return (enum block)b;
		}
		i -= block_size[b];
	}
	*off = 0;
	return BLOCKS;
}

/* ---- counting ---- */

static void hit(const struct cfh_cover *c, enum block b, size_t off)
{
	size_t i = block_start(b) + off;
	if (off >= block_size[b])
		return;
	if (c->hits)
		c->hits[i]++;
	if (c->counters && c->counters[i] != 0xff)
		c->counters[i]++;
}

static uint32_t bucket(uint32_t v, uint32_t lo, uint32_t n)
{
	return v < lo ? 0 : v - lo >= n - 1 ? n - 1 : v - lo;
}

/* ---- the contract profile ---- */

static const struct cfm_task *active_of(const struct cfm *m, uint32_t actor)
{
	const struct cfm_task *t = cfm_active_task(m);
	return t && actor != CFM_HOST && t->id == actor ? t : NULL;
}

/* A task's depth in the call graph: 1 for the host's calls. */
static uint32_t depth_of(const struct cfm *m, uint32_t task)
{
	uint32_t d = 1;
	while (task != CFM_HOST && d < 16) {
		uint32_t owner = CFM_HOST;
		for (uint32_t i = 0; i < m->subtasks_used; i++)
			if (m->subtasks[i].live && m->subtasks[i].task == task) {
				owner = m->subtasks[i].owner;
				break;
			}
		if (owner == CFM_HOST)
			break;
		task = owner;
		d++;
	}
	return d;
}

void cfh_cover_contract_before(const struct cfm *m, const struct cfm_op *op,
                               struct cfh_cover_pre *pre)
{
	memset(pre, 0, sizeof(*pre));
	const struct cfm_task *t = active_of(m, op->actor);
	if (t) {
		pre->actor_active = true;
		pre->actor = t->state;
	}
	if (op->code == CFM_OP_SUBTASK_CANCEL ||
	    op->code == CFM_OP_SUBTASK_DROP) {
		uint32_t inst = t ? t->instance : 0;
		const struct cfm_subtask *s = NULL;
		if (op->actor == CFM_HOST || t)
			s = cfm_subtask_get(m, inst, op->handle);
		if (s && s->owner == op->actor) {
			pre->has_subtask = true;
			pre->subtask = s->state;
			pre->callee_depth = depth_of(m, s->task);
		}
	}
	if (op->code == CFM_OP_RUN && m->queue_len > 0 && !cfm_active_task(m)) {
		const struct cfm_task *r =
		    cfm_task_get(m, m->queue[op->n % m->queue_len]);
		if (r) {
			pre->run_known = true;
			pre->run_state = r->state;
		}
	}
}

static int task_op_index(const struct cfm_op *op)
{
	switch (op->code) {
	case CFM_OP_TASK_RETURN:
		return 0;
	case CFM_OP_TASK_CANCEL:
		return 1;
	case CFM_OP_WAIT:
		return op->cancellable ? 3 : 2;
	case CFM_OP_YIELD:
		return 4;
	case CFM_OP_EXIT:
		return 5;
	case CFM_OP_RUN:
		return 6;
	case CFM_OP_CALL:
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_RESOURCE_DROP:
	case CFM_OP_BACKPRESSURE:
	case CFM_OP_TICK:
	case CFM_OP_POLL:
		break;
	}
	return -1;
}

void cfh_cover_contract_after(const struct cfh_cover *c, const struct cfm *m,
                              const struct cfm_op *op,
                              const struct cfh_cover_pre *pre,
                              const struct cfm_result *r)
{
	for (size_t k = 0; k < CFM_CLAUSE_COUNT; k++)
		if (cfm_cited(m, (enum cfm_clause)k))
			hit(c, B_CLAUSE, k);
	if (pre->has_subtask) {
		size_t o = op->code == CFM_OP_SUBTASK_CANCEL ? 0 : 1;
		size_t out = r->err != CFM_OK ? SUB_REFUSED
		             : o == 0         ? (size_t)r->status
		                              : SUB_OK;
		hit(c, B_SUB, (o * SUB_STATES + pre->subtask) * SUB_OUTS + out);
		if (r->err == CFM_OK && !cfm_status_resolved(pre->subtask))
			hit(c, B_DEPTH,
			    o * DEPTHS + bucket(pre->callee_depth, 1, DEPTHS));
	}
	int t = task_op_index(op);
	if (t >= 0 && t < 6 && pre->actor_active) {
		size_t out = r->err == CFM_OK ? TO_OK : TO_REFUSED;
		hit(c, B_TASK, ((size_t)t * TASK_STATES + pre->actor) *
		                       TASK_OUTS + out);
	} else if (t == 6 && pre->run_known && r->err == CFM_OK) {
		size_t out = r->event.code == CFM_EV_START ? TO_START
		             : r->event.code == CFM_EV_TASK_CANCELLED
		                 ? TO_CANCELLED
		             : r->event.code == CFM_EV_NONE ? TO_NONE
		                                            : TO_SUBTASK;
		hit(c, B_TASK, ((size_t)t * TASK_STATES + pre->run_state) *
		                       TASK_OUTS + out);
	}
	if (m->fanout >= 2)
		hit(c, B_FANOUT, bucket(m->fanout, 2, FANOUTS));
}

/* ---- the cm profile ---- */

static uint32_t cm_depth_of(const struct cfm_cm *m, uint32_t task)
{
	uint32_t d = 1;
	const struct cfm_cm_task *t = cfm_cm_task_get(m, task);
	while (t && d < 16) {
		/* The caller is the owner of the task's subtask: a task of the
		 * subtask's instance; nested tasks name it. */
		uint32_t caller = t->caller;
		if (caller == CFM_HOST)
			break;
		t = cfm_cm_task_get(m, caller);
		d++;
	}
	return d;
}

static size_t cm_task_op_index(enum cfm_cm_opcode code)
{
	for (size_t i = 0; i < CM_TASK_OPS; i++)
		if (cm_task_ops[i] == code)
			return i;
	return CM_TASK_OPS;
}

void cfh_cover_cm_step(const struct cfh_cover *c, const struct cfm_cm *before,
                       const struct cfm_cm *after, const struct cfm_cm_op *op,
                       const struct cfm_cm_outcome *taken, uint32_t choice,
                       size_t n)
{
	(void)after;
	if ((unsigned)op->code < CM_OPS && (unsigned)taken->what < CM_WHATS)
		hit(c, B_CM_WHAT, (size_t)op->code * CM_WHATS + taken->what);
	if (taken->what == CFM_CM_TRAP)
		hit(c, B_CM_TRAP, taken->trap);
	if (n >= 2)
		hit(c, B_CM_CHOICE,
		    (size_t)op->code * CM_CHOICES + bucket(choice, 0, CM_CHOICES));
	const struct cfm_cm_task *actor =
	    op->actor != CFM_HOST ? cfm_cm_task_get(before, op->actor) : NULL;
	if (op->code == CFM_CM_OP_SUBTASK_CANCEL ||
	    op->code == CFM_CM_OP_SUBTASK_DROP) {
		uint32_t inst = actor ? actor->instance : 0;
		const struct cfm_cm_subtask *s =
		    (actor || op->actor == CFM_HOST)
		        ? cfm_cm_subtask_get(before, inst, op->handle)
		        : NULL;
		if (s) {
			size_t o = op->code == CFM_CM_OP_SUBTASK_CANCEL ? 0 : 1;
			size_t out = taken->what == CFM_CM_TRAP     ? 7
			             : taken->what == CFM_CM_SWITCH ? 8
			             : taken->what == CFM_CM_STATUS
			                 ? (size_t)taken->status
			                 : 6;
			hit(c, B_CM_SUB,
			    (o * SUB_STATES + s->state) * CM_SUB_OUTS + out);
			if (taken->what != CFM_CM_TRAP &&
			    !cfm_status_resolved(s->state))
				hit(c, B_CM_DEPTH,
				    o * DEPTHS +
				        bucket(cm_depth_of(before, s->task), 1,
				               DEPTHS));
		}
	}
	size_t t = cm_task_op_index(op->code);
	if (t < CM_TASK_OPS && actor) {
		size_t out;
		switch (taken->what) {
		case CFM_CM_OK:
		case CFM_CM_NEW:
			out = 0;
			break;
		case CFM_CM_TRAP:
			out = 1;
			break;
		case CFM_CM_SUSPENDED:
			out = 2;
			break;
		case CFM_CM_EVENT:
			out = 3;
			break;
		case CFM_CM_SWITCH:
			out = 4;
			break;
		case CFM_CM_STATUS:
		case CFM_CM_RESUMED:
			out = 5;
			break;
		case CFM_CM_ERR:
		default:
			out = 6;
			break;
		}
		hit(c, B_CM_TASK,
		    (t * TASK_STATES + actor->state) * CM_TASK_OUTS + out);
	}
	if (op->code == CFM_CM_OP_RUN &&
	    (taken->what == CFM_CM_EVENT || taken->what == CFM_CM_RESUMED)) {
		const struct cfm_cm_task *r = cfm_cm_task_get(before, taken->task);
		if (r && (unsigned)r->susp < CM_SUSPS) {
			size_t out = taken->what == CFM_CM_RESUMED ? 4
			             : taken->event.code == CFM_EV_START ? 0
			             : taken->event.code == CFM_EV_SUBTASK ? 1
			             : taken->event.code == CFM_EV_TASK_CANCELLED
			                 ? 2
			                 : 3;
			hit(c, B_CM_RUN,
			    ((size_t)r->state * CM_SUSPS + r->susp) *
			            CM_RUN_OUTS + out);
		}
	}
}

/* ---- names ---- */

enum cfh_cover_profile cfh_cover_profile_of(size_t i)
{
	size_t off;
	return block_of(i, &off) >= B_CM_WHAT ? CFH_COVER_CM
	                                      : CFH_COVER_CONTRACT;
}

enum cfh_cover_kind cfh_cover_kind_of(size_t i)
{
	size_t off;
	switch (block_of(i, &off)) {
	case B_CLAUSE:
		return CFH_COVER_CLAUSE;
	case B_SUB:
	case B_TASK:
	case B_CM_SUB:
	case B_CM_TASK:
	case B_CM_RUN:
		return CFH_COVER_TRANSITION;
	case B_CM_WHAT:
	case B_CM_TRAP:
	case B_CM_CHOICE:
		return CFH_COVER_OUTCOME;
	case B_DEPTH:
	case B_FANOUT:
	case B_CM_DEPTH:
	case BLOCKS:
		break;
	}
	return CFH_COVER_FEATURE;
}

const char *cfh_cover_kind_name(enum cfh_cover_kind k)
{
	switch (k) {
	case CFH_COVER_CLAUSE:
		return "clause";
	case CFH_COVER_TRANSITION:
		return "transition";
	case CFH_COVER_OUTCOME:
		return "outcome";
	case CFH_COVER_FEATURE:
		return "feature";
	}
	return "?";
}

static const char *const depth_names[DEPTHS] = {"1", "2", "3", "4+"};
static const char *const fanout_names[FANOUTS] = {"2", "3", "4+"};
static const char *const choice_names[CM_CHOICES] = {"first", "second",
                                                     "third", "fourth+"};

char *cfh_cover_name(size_t i, char *buf, size_t size)
{
	size_t off;
	enum block b = block_of(i, &off);
	size_t a, s, o;
	switch (b) {
	case B_CLAUSE:
		snprintf(buf, size, "%s %s",
		         cfm_clause_rule((enum cfm_clause)off),
		         cfm_clause_text((enum cfm_clause)off));
		break;
	case B_SUB:
		o = off % SUB_OUTS, s = off / SUB_OUTS % SUB_STATES,
		a = off / SUB_OUTS / SUB_STATES;
		snprintf(buf, size, "subtask %s --%s--> %s",
		         cfm_status_name((enum cfm_status)s), sub_ops[a],
		         o == SUB_OK        ? "ok"
		         : o == SUB_REFUSED ? "refused"
		                            : cfm_status_name((enum cfm_status)o));
		break;
	case B_TASK:
		o = off % TASK_OUTS, s = off / TASK_OUTS % TASK_STATES,
		a = off / TASK_OUTS / TASK_STATES;
		snprintf(buf, size, "task %s --%s--> %s",
		         cfm_task_state_name((enum cfm_task_state)s), task_ops[a],
		         task_outs[o]);
		break;
	case B_DEPTH:
		snprintf(buf, size, "%s lands at depth %s", sub_ops[off / DEPTHS],
		         depth_names[off % DEPTHS]);
		break;
	case B_FANOUT:
		snprintf(buf, size, "one resolution settles %s subscribers",
		         fanout_names[off]);
		break;
	case B_CM_WHAT:
		snprintf(buf, size, "cm: %s => %s",
		         cfm_cm_opcode_name((enum cfm_cm_opcode)(off / CM_WHATS)),
		         cm_whats[off % CM_WHATS]);
		break;
	case B_CM_TRAP:
		snprintf(buf, size, "cm: trap, %s",
		         cfm_cm_trap_text((enum cfm_cm_trap)off));
		break;
	case B_CM_SUB:
		o = off % CM_SUB_OUTS, s = off / CM_SUB_OUTS % SUB_STATES,
		a = off / CM_SUB_OUTS / SUB_STATES;
		snprintf(buf, size, "cm: subtask %s --%s--> %s",
		         cfm_status_name((enum cfm_status)s), sub_ops[a],
		         cm_sub_outs[o]);
		break;
	case B_CM_TASK:
		o = off % CM_TASK_OUTS, s = off / CM_TASK_OUTS % TASK_STATES,
		a = off / CM_TASK_OUTS / TASK_STATES;
		snprintf(buf, size, "cm: task %s --%s--> %s",
		         cfm_task_state_name((enum cfm_task_state)s),
		         cfm_cm_opcode_name(cm_task_ops[a]), cm_task_outs[o]);
		break;
	case B_CM_RUN:
		o = off % CM_RUN_OUTS, s = off / CM_RUN_OUTS % CM_SUSPS,
		a = off / CM_RUN_OUTS / CM_SUSPS;
		snprintf(buf, size, "cm: task %s, %s --run--> %s",
		         cfm_task_state_name((enum cfm_task_state)a), cm_susps[s],
		         cm_run_outs[o]);
		break;
	case B_CM_CHOICE:
		snprintf(buf, size, "cm: %s takes its %s allowed outcome",
		         cfm_cm_opcode_name(
		             (enum cfm_cm_opcode)(off / CM_CHOICES)),
		         choice_names[off % CM_CHOICES]);
		break;
	case B_CM_DEPTH:
		snprintf(buf, size, "cm: %s lands at depth %s",
		         sub_ops[off / DEPTHS], depth_names[off % DEPTHS]);
		break;
	case BLOCKS:
		snprintf(buf, size, "?");
		break;
	}
	return buf;
}

/* ---- what the contract rules out ---- */

static const char *sub_unreachable(size_t a, enum cfm_status s, size_t o)
{
	/* Counted only for the subtask's owner: refused is E_DELIVERED or
	 * E_ALREADY. */
	if (a == 1)
		return o == SUB_OK ? NULL
		       : o == SUB_REFUSED
		           ? "its owner may always drop a subtask (C-12)"
		           : "subtask.drop returns ok or an error (C-12)";
	if (o == SUB_REFUSED)
		return s == CFM_STARTING
		           ? "a STARTING subtask is neither delivered nor "
		             "cancelled: a cancel resolves it at once (C-11, "
		             "C-13)"
		           : NULL;
	if (o == SUB_OK || o == CFM_STARTING || o == CFM_STARTED)
		return "subtask.cancel returns a resolved state or BLOCKED "
		       "(C-11)";
	if (cfm_status_resolved(s) && o != (size_t)s)
		return "a resolved subtask keeps its state; cancel reports it "
		       "(C-11.2, C-20)";
	if (s == CFM_CANCELLED_BEFORE_STARTED ||
	    s == CFM_CANCELLED_BEFORE_RETURNED)
		return "a subtask ends CANCELLED_* only after its own request "
		       "(its other subscribers detached or were released "
		       "first, C-13, C-32), so a cancel is E_ALREADY (C-11.1)";
	if (cfm_status_resolved(s))
		return NULL;
	if (s == CFM_STARTING)
		return o == CFM_CANCELLED_BEFORE_STARTED
		           ? NULL
		           : "a STARTING subtask's task is INITIAL: a request "
		             "or a detach resolves it CANCELLED_BEFORE_STARTED "
		             "at once (C-13, C-32)";
	/* STARTED */
	if (o == CFM_BLOCKED || o == CFM_CANCELLED_BEFORE_RETURNED)
		return NULL;
	return "a request never resolves a STARTED task at once; only a "
	       "detach does, CANCELLED_BEFORE_RETURNED (C-13, C-32)";
}

static const char *task_unreachable(size_t a, enum cfm_task_state s,
                                    size_t o)
{
	bool run = a == 6;
	if (s == CFM_TASK_INITIAL)
		return "an INITIAL task is never activated before admission "
		       "(C-10, C-19), so it neither acts nor is run";
	if (!run && o >= TO_START)
		return "only run has an activation event";
	if (run && o < TO_START)
		return "a run is counted by its activation event";
	switch (a) {
	case 0: /* task.return */
		return (o == TO_OK) == (s != CFM_TASK_RESOLVED)
		           ? NULL
		           : "task.return is allowed exactly until the task "
		             "resolves (C-14, C-20)";
	case 1: /* task.cancel */
		return (o == TO_OK) == (s == CFM_TASK_CANCEL_DELIVERED)
		           ? NULL
		           : "task.cancel succeeds exactly in CANCEL_DELIVERED "
		             "(C-15)";
	case 2:
	case 3:
	case 4: /* wait, yield */
		return o == TO_OK ? NULL
		                  : "ending an activation cannot fail (C-16)";
	case 5: /* exit */
		return (o == TO_OK) == (s == CFM_TASK_RESOLVED)
		           ? NULL
		           : "exit succeeds exactly once the task resolved "
		             "(C-16)";
	default:
		break;
	}
	switch (o) {
	case TO_START:
		return s == CFM_TASK_STARTED || s == CFM_TASK_PENDING_CANCEL
		           ? NULL
		           : "before its first activation a task can neither "
		             "resolve nor be told of a cancellation: that needs "
		             "a wait (C-13, C-14, C-15)";
	case TO_CANCELLED:
		return s == CFM_TASK_CANCEL_DELIVERED
		           ? NULL
		           : "TASK_CANCELLED is due only after delivery and "
		             "never after the task resolved (C-22, C-24)";
	case TO_NONE:
		return s == CFM_TASK_PENDING_CANCEL
		           ? "NONE follows a yield, and a yield delivers a "
		             "pending cancellation (C-16)"
		           : NULL;
	default:
		return NULL;
	}
}

const char *cfh_cover_unreachable(size_t i)
{
	size_t off;
	switch (block_of(i, &off)) {
	case B_SUB:
		return sub_unreachable(off / SUB_OUTS / SUB_STATES,
		                       (enum cfm_status)(off / SUB_OUTS %
		                                         SUB_STATES),
		                       off % SUB_OUTS);
	case B_TASK:
		return task_unreachable(off / TASK_OUTS / TASK_STATES,
		                        (enum cfm_task_state)(off / TASK_OUTS %
		                                              TASK_STATES),
		                        off % TASK_OUTS);
	case B_CM_WHAT: {
		enum cfm_cm_opcode op = (enum cfm_cm_opcode)(off / CM_WHATS);
		enum cfm_cm_what w = (enum cfm_cm_what)(off % CM_WHATS);
		if (w == CFM_CM_NEW && op != CFM_CM_OP_WSET_NEW)
			return "only waitable-set.new makes a new handle";
		if (w == CFM_CM_SWITCH && op != CFM_CM_OP_SUBTASK_CANCEL)
			return "only subtask.cancel switches to its callee (CM-4)";
		if (w == CFM_CM_RESUMED && op != CFM_CM_OP_RUN)
			return "only run resumes a cancel (CM-4)";
		return NULL;
	}
	case B_CM_RUN:
		if (off % CM_RUN_OUTS == 0 &&
		    off / CM_RUN_OUTS % CM_SUSPS != CFM_CM_S_ENTER)
			return "START is the first turn of a task that waited to "
			       "enter (CM-1, CM-8)";
		if (off / CM_RUN_OUTS % CM_SUSPS == CFM_CM_S_ACTIVE)
			return "run resumes a suspended thread";
		return NULL;
	case B_CLAUSE:
		if (off == CFM_CL_C13_NOTHING)
			return "a request comes from a task's last live "
			       "subscriber, once: none joins after it (C-31) "
			       "and the others detached (C-32); the model keeps "
			       "the branch as a guard";
		return NULL;
	case B_DEPTH:
	case B_FANOUT:
		return NULL;
	case B_CM_DEPTH:
		return off / DEPTHS == 1
		           ? "cm: dropping an unresolved subtask traps (CM-9), "
		             "so a drop never lands on a task"
		           : NULL;
	case B_CM_TRAP:
	case B_CM_SUB:
	case B_CM_TASK:
	case B_CM_CHOICE:
	case BLOCKS:
		break;
	}
	return NULL;
}
