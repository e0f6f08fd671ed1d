/* oracle.c - the model-free checks of oracle.h: the runtime's results and
 * notices against the harness's own bookkeeping. */
#include "oracle.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void flag(struct cfh_oracle *o, enum cfh_class cls, const char *fmt,
                 ...)
{
	va_list ap;
	if (o->cls != CFH_NONE)
		return; /* the first finding is the one reported */
	o->cls = cls;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
}

static const char *status_name(enum cfm_status s)
{
	return cfm_status_name(s);
}

static bool resolved(enum cfm_status s)
{
	return s == CFM_RETURNED || s == CFM_CANCELLED_BEFORE_STARTED ||
	       s == CFM_CANCELLED_BEFORE_RETURNED;
}

/* The target's parts the checks read (target.h). */
static const struct cfh_target *target(const struct cfh_oracle *o)
{
	return o->ls->target;
}

static bool slot_equal(struct cfh_slot a, struct cfh_slot b)
{
	return a.kind == b.kind && a.value == b.value;
}

/* The result slot of call as the runtime's caller sees it now. */
static struct cfh_slot slot_of(const struct cfh_oracle *o, uint32_t call)
{
	return target(o)->read_slot(o->ls->rt, call);
}

/* ---- bookkeeping that grows: bounded, so it can never overflow ---- */

/* Every array is indexed by call number or task id, or holds at most one
 * entry per call; a run has at most CFH_MAX_CALLS calls, and each task is
 * made by a call. */
#define MAX_ENTRIES (CFH_MAX_CALLS + 1u)

static bool grow(struct cfh_oracle *o, void **array, uint32_t *cap,
                 uint32_t need, size_t elem)
{
	if (need < *cap)
		return true;
	if (need >= MAX_ENTRIES) {
		o->out_of_memory = true;
		return false;
	}
	uint32_t n = *cap ? *cap : 64;
	while (n <= need)
		n = n > MAX_ENTRIES / 2 ? MAX_ENTRIES : n * 2;
	void *p = realloc(*array, (size_t)n * elem);
	if (!p) {
		o->out_of_memory = true;
		return false;
	}
	memset((char *)p + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
	*array = p;
	*cap = n;
	return true;
}

static bool push(struct cfh_oracle *o, uint32_t **list, uint32_t *n,
                 uint32_t *cap, uint32_t value)
{
	if (!grow(o, (void **)list, cap, *n, sizeof(**list)))
		return false;
	(*list)[(*n)++] = value;
	return true;
}

static struct cfh_call *call_rec(struct cfh_oracle *o, uint32_t call)
{
	return call >= 1 && call <= o->ls->calls && call < o->calls_cap
	           ? &o->calls[call]
	           : NULL;
}

static struct cfh_task *task_rec(struct cfh_oracle *o, uint32_t id)
{
	return id >= 1 && id <= o->last_task ? &o->tasks[id] : NULL;
}

static uint32_t instance_of(struct cfh_oracle *o, uint32_t actor)
{
	const struct cfh_task *t = task_rec(o, actor);
	return t ? t->instance : 0;
}

static void seal(struct cfh_oracle *o, uint32_t call)
{
	struct cfh_call *c = &o->calls[call];
	if (!c->sealed && target(o)->read_slot) {
		c->sealed = true;
		c->seal = slot_of(o, call);
	}
}

/* C-31: the registry as the harness knows it. */
static struct cfh_key *key_of(struct cfh_oracle *o, uint32_t instance,
                              uint32_t key)
{
	for (uint32_t i = 0; i < o->nkeys; i++)
		if (o->keys[i].instance == instance && o->keys[i].key == key)
			return &o->keys[i];
	return NULL;
}

static void unregister(struct cfh_oracle *o, uint32_t task)
{
	for (uint32_t i = 0; i < o->nkeys; i++)
		if (o->keys[i].task == task) {
			o->keys[i] = o->keys[--o->nkeys];
			return;
		}
}

/* A subscriber stops being live: it resolved, or its cancellation was
 * requested. Call before setting either. A task left with no live
 * subscriber has resolved or been asked to cancel (only the last live
 * subscriber's request reaches it, C-32), so it has left the registry
 * (C-31) and nothing may join it. */
static void retire(struct cfh_oracle *o, struct cfh_call *c)
{
	if (c->settled || c->cancel_requested)
		return;
	struct cfh_task *t = task_rec(o, c->task);
	if (t && t->live_subs > 0 && --t->live_subs == 0)
		unregister(o, c->task);
}

void cfh_oracle_init(struct cfh_oracle *o, struct cfh_lockstep *ls,
                     bool model_ledger)
{
	memset(o, 0, sizeof(*o));
	o->ls = ls;
	o->model_ledger = model_ledger;
}

void cfh_oracle_fini(struct cfh_oracle *o)
{
	free(o->calls);
	free(o->tasks);
	free(o->settled_now);
	free(o->timers);
	memset(o, 0, sizeof(*o));
}

/* ---- the runtime's notices ---- */

void cfh_oracle_notice(void *ctx, const struct cfh_notice *n)
{
	struct cfh_oracle *o = ctx;
	struct cfh_call *c = call_rec(o, n->call);
	if (!c) {
		flag(o, CFH_STALE_EVENT,
		     "notice for call #%u, which was never made", n->call);
		return;
	}
	c->noticed = o->step;
	switch (n->kind) {
	case CFH_NOTICE_SLOT_WRITE:
		/* C-9: written only as the call resolves RETURNED. A write to
		 * a dropped call is late publication; a write to a call that
		 * had resolved is a second resolution of it (C-20, C-33). */
		if (!c->held)
			flag(o, CFH_LATE_PUBLICATION,
			     "call #%u (h%u@%u): result slot written after the "
			     "call was dropped",
			     n->call, c->handle, c->instance);
		else if (c->settled)
			flag(o, CFH_DOUBLE_SETTLEMENT,
			     "call #%u (h%u@%u) settled again: result slot "
			     "written after it resolved %s",
			     n->call, c->handle, c->instance,
			     status_name(c->state));
		break;
	case CFH_NOTICE_SETTLE: {
		if (c->settled)
			flag(o, CFH_DOUBLE_SETTLEMENT,
			     "call #%u (h%u@%u) settled twice: %s, then %s",
			     n->call, c->handle, c->instance,
			     status_name(c->state), status_name(n->status));
		else if (!c->held ||
		         o->occupant[c->instance][c->handle] != n->call)
			flag(o, CFH_STALE_EVENT,
			     "call #%u settled %s through h%u@%u, which it no "
			     "longer holds",
			     n->call, status_name(n->status), n->handle,
			     n->instance);
		else if (n->task != c->task || n->handle != c->handle)
			flag(o, CFH_STALE_EVENT,
			     "call #%u (h%u@%u, callee T%u) settled by T%u",
			     n->call, c->handle, c->instance, c->task, n->task);
		else if (n->status != CFM_RETURNED && !c->cancel_requested &&
		         c->requesting != o->step)
			/* C-32, C-33: a live subscriber's task is cancelled only
			 * by the last live subscriber's request, so one that
			 * asked for nothing resolves cancelled never. */
			flag(o, CFH_DIVERGENCE,
			     "C-32: call #%u (h%u@%u) resolved %s, but its caller "
			     "never cancelled it",
			     n->call, c->handle, c->instance,
			     status_name(n->status));
		retire(o, c);
		c->settled = true;
		c->state = n->status;
		if (n->status != CFM_RETURNED) {
			seal(o, n->call); /* C-9: a cancelled call is never written */
			break;
		}
		/* C-9, C-14: only the callee's task.return resolves a call
		 * RETURNED, and the slot must hold what it gave; checked at
		 * the end of the step, when every write is done. */
		const struct cfh_task *t = task_rec(o, c->task);
		if (!t || !t->returning) {
			flag(o, CFH_WRONG_RESULT,
			     "call #%u (h%u@%u) resolved RETURNED, but its callee "
			     "T%u made no task.return",
			     n->call, c->handle, c->instance, c->task);
			break;
		}
		c->returned = true;
		c->result = t->result;
		push(o, &o->settled_now, &o->nsettled_now, &o->settled_now_cap,
		     n->call);
		break;
	}
	case CFH_NOTICE_RELEASE:
		if (c->settled)
			flag(o, CFH_DOUBLE_SETTLEMENT,
			     "call #%u released after it had settled %s",
			     n->call, status_name(c->state));
		else if (c->held && n->call != o->dropping_call &&
		         !(o->exiting_task && c->owner == o->exiting_task))
			flag(o, CFH_STALE_EVENT,
			     "call #%u released while h%u@%u still holds it",
			     n->call, c->handle, c->instance);
		retire(o, c);
		c->settled = c->released = true;
		break;
	case CFH_NOTICE_DELIVER:
		if (c->delivered)
			flag(o, CFH_DOUBLE_SETTLEMENT,
			     "call #%u (h%u@%u) delivered twice", n->call,
			     c->handle, c->instance);
		else if (!c->settled)
			flag(o, CFH_STALE_EVENT,
			     "call #%u (h%u@%u) delivered %s without resolving",
			     n->call, c->handle, c->instance,
			     status_name(n->status));
		c->delivered = true;
		seal(o, n->call);
		break;
	}
}

void cfh_oracle_model_observer(void *ctx, const struct cfm_settlement *s)
{
	struct cfh_oracle *o = ctx;
	if (!o->model_ledger ||
	    !grow(o, (void **)&o->calls, &o->calls_cap, s->seq,
	          sizeof(*o->calls)))
		return;
	struct cfh_call *c = &o->calls[s->seq];
	c->m_settled = true;
	c->m_released = s->released;
	c->m_state = s->state;
	c->m_written = s->slot_written;
	c->m_slot = (struct cfh_slot){s->kind, s->value};
}

/* ---- before and after one operation ---- */

/* The lowest index of a table the harness knows to be free (C-3). */
static uint32_t lowest_free(const struct cfh_oracle *o, uint32_t instance)
{
	uint32_t h = 1;
	while (h <= CFM_MAX_HANDLES && o->occupant[instance][h])
		h++;
	return h;
}

void cfh_oracle_before(struct cfh_oracle *o, uint32_t step,
                       const struct cfm_op *op)
{
	uint32_t inst = instance_of(o, op->actor);
	o->step = step;
	o->nsettled_now = 0;
	o->dropping_call = op->code == CFM_OP_SUBTASK_DROP &&
	                           op->handle <= CFM_MAX_HANDLES
	                       ? o->occupant[inst][op->handle]
	                       : 0;
	o->exiting_task = op->code == CFM_OP_EXIT ? op->actor : 0;
	struct cfh_task *t = task_rec(o, op->actor);
	if (t && op->code == CFM_OP_TASK_RETURN) {
		t->returning = true;
		t->result = (struct cfh_slot){op->kind, op->value};
	}
	/* C-11.2: a cancel after the race was lost makes no request. */
	o->cancel_was_settled = op->code == CFM_OP_SUBTASK_CANCEL &&
	                        op->handle <= CFM_MAX_HANDLES &&
	                        o->occupant[inst][op->handle] &&
	                        o->calls[o->occupant[inst][op->handle]].settled;
	/* The calls whose cancellation this step requests (C-11, C-12,
	 * C-29, C-35): a settlement CANCELLED_* is theirs to take. */
	uint32_t *row = o->occupant[inst];
	o->detaching = false;
	if ((op->code == CFM_OP_SUBTASK_CANCEL ||
	     op->code == CFM_OP_SUBTASK_DROP) &&
	    op->handle <= CFM_MAX_HANDLES && row[op->handle]) {
		struct cfh_call *c = &o->calls[row[op->handle]];
		const struct cfh_task *callee = task_rec(o, c->task);
		c->requesting = step;
		o->detaching = !c->settled && !c->cancel_requested && callee &&
		               callee->live_subs >= 2;
	}
	if (op->code == CFM_OP_EXIT)
		for (uint32_t h = 1; h <= CFM_MAX_HANDLES; h++)
			if (row[h] && o->calls[row[h]].owner == op->actor)
				o->calls[row[h]].requesting = step;
	/* C-29: what each call with a deadline ahead was before a tick. */
	if (op->code == CFM_OP_TICK)
		for (uint32_t i = 0; i < o->ntimers; i++) {
			struct cfh_call *c = &o->calls[o->timers[i]];
			c->done_at_tick =
			    c->settled || c->cancel_requested || !c->held;
			if (c->deadline <= o->clock + op->n)
				c->requesting = step;
		}
}

/* Checks an event the runtime delivered to owner (its table in instance)
 * against what the harness knows of the call behind the handle. */
static void check_event(struct cfh_oracle *o, uint32_t owner,
                        uint32_t instance, const struct cfm_event *ev)
{
	if (ev->code != CFM_EV_SUBTASK)
		return;
	uint32_t h = ev->handle;
	uint32_t call = h <= CFM_MAX_HANDLES ? o->occupant[instance][h] : 0;
	struct cfh_call *c = call ? &o->calls[call] : NULL;
	enum cfm_status st = ev->status;
	if (!c)
		flag(o, CFH_STALE_EVENT,
		     "event SUBTASK(h%u, %s) for a free handle", h,
		     status_name(st));
	else if (c->owner != owner)
		flag(o, CFH_STALE_EVENT,
		     "event for h%u@%u reached T%u, but call #%u belongs to %s%u",
		     h, instance, owner, call, c->owner ? "T" : "host ",
		     c->owner);
	else if (resolved(st) && (!c->settled || c->state != st))
		flag(o, CFH_STALE_EVENT,
		     "event SUBTASK(h%u, %s) but call #%u there %s", h,
		     status_name(st), call,
		     c->settled ? "resolved otherwise" : "has not resolved");
	else if (!resolved(st) && c->settled)
		flag(o, CFH_DOUBLE_SETTLEMENT,
		     "event SUBTASK(h%u, %s) after call #%u resolved %s", h,
		     status_name(st), call, status_name(c->state));
}

/* The caller lets go of a handle: the call is dropped (C-12, C-35), and
 * an unresolved one is abandoned, which requests its cancellation. */
static void forget_handle(struct cfh_oracle *o, uint32_t instance,
                          uint32_t h)
{
	uint32_t call = o->occupant[instance][h];
	if (!call)
		return;
	struct cfh_call *c = &o->calls[call];
	c->held = false;
	retire(o, c);
	if (!c->settled)
		c->cancel_requested = true; /* C-27 */
	o->occupant[instance][h] = 0;
	seal(o, call);
}

/* C-3, C-10: a call's handle and task, checked before they are trusted. */
static void follow_call(struct cfh_oracle *o, const struct cfm_op *op,
                        const struct cfm_result *r, uint32_t inst)
{
	uint32_t call = o->ls->calls;
	struct cfh_task *t = task_rec(o, r->task);
	if (r->status != CFM_STARTING && r->status != CFM_STARTED) {
		flag(o, CFH_DIVERGENCE,
		     "C-10: call returned %s; a new call is STARTING or STARTED",
		     cfm_status_name(r->status));
		return;
	}
	struct cfh_key *k = op->shared ? key_of(o, op->instance, op->key) : NULL;
	if (r->task == o->last_task + 1) {
		if (k) {
			flag(o, CFH_DIVERGENCE,
			     "C-31: call made T%u, but T%u is registered under key "
			     "%u of instance %u and still has a live subscriber",
			     r->task, k->task, op->key, op->instance);
			return;
		}
		if (!grow(o, (void **)&o->tasks, &o->tasks_cap, r->task,
		          sizeof(*o->tasks)))
			return;
		o->last_task = r->task;
		t = &o->tasks[r->task];
		*t = (struct cfh_task){.instance = op->instance};
		if (op->shared && o->nkeys < CFM_MAX_TASKS)
			o->keys[o->nkeys++] =
			    (struct cfh_key){op->instance, op->key, r->task};
	} else if (!k || k->task != r->task) {
		flag(o, CFH_DIVERGENCE,
		     "C-3, C-31: call gave T%u; a new task would be T%u, and "
		     "T%u is not the live task registered under %s",
		     r->task, o->last_task + 1, r->task,
		     op->shared ? "its key" : "a key (the call is not shared)");
		return;
	}
	if (r->handle < 1 || r->handle > CFM_MAX_HANDLES) {
		flag(o, CFH_DIVERGENCE, "C-3: call gave handle h%u@%u, out of range",
		     r->handle, inst);
		return;
	}
	if (o->occupant[inst][r->handle]) {
		flag(o, CFH_STALE_EVENT,
		     "call #%u was given h%u@%u, which call #%u holds", call,
		     r->handle, inst, o->occupant[inst][r->handle]);
		return;
	}
	if (r->handle != lowest_free(o, inst)) {
		flag(o, CFH_DIVERGENCE,
		     "C-3: call #%u was given h%u@%u; the lowest free index is "
		     "h%u",
		     call, r->handle, inst, lowest_free(o, inst));
		return;
	}
	if (!grow(o, (void **)&o->calls, &o->calls_cap, call,
	          sizeof(*o->calls)))
		return;
	o->calls[call] = (struct cfh_call){
	    .instance = inst,
	    .handle = r->handle,
	    .owner = op->actor,
	    .task = r->task,
	    .held = true,
	};
	o->occupant[inst][r->handle] = call;
	t->live_subs++;
	if (op->has_deadline) { /* C-29 */
		o->calls[call].deadline = o->clock + op->deadline;
		push(o, &o->timers, &o->ntimers, &o->timers_cap, call);
	}
}

/* C-22, C-24, C-21: what an activation may bring. */
static void follow_run(struct cfh_oracle *o, const struct cfm_result *r)
{
	struct cfh_task *t = task_rec(o, r->task);
	enum cfm_event_code ev = r->event.code;
	if (!t) {
		flag(o, CFH_STALE_EVENT, "run activated T%u, which no call made",
		     r->task);
		return;
	}
	if (t->exited)
		flag(o, CFH_STALE_EVENT, "T%u was activated after it exited",
		     r->task);
	else if (!t->activated && ev != CFM_EV_START)
		flag(o, CFH_DIVERGENCE,
		     "C-22: T%u's first activation brought %s, not START",
		     r->task, cfm_event_name(ev));
	else if (t->activated && ev == CFM_EV_START)
		flag(o, CFH_DOUBLE_SETTLEMENT, "C-22: START delivered twice to T%u",
		     r->task);
	else if (ev == CFM_EV_TASK_CANCELLED && t->cancel_seen)
		flag(o, CFH_DOUBLE_SETTLEMENT,
		     "C-24: TASK_CANCELLED delivered twice to T%u", r->task);
	else if (ev == CFM_EV_TASK_CANCELLED && t->resolved)
		flag(o, CFH_DIVERGENCE,
		     "C-24: TASK_CANCELLED delivered to T%u after it resolved",
		     r->task);
	else if (ev == CFM_EV_TASK_CANCELLED && !t->ended_cancellably)
		flag(o, CFH_DIVERGENCE,
		     "C-24: TASK_CANCELLED delivered to T%u in a non-cancellable "
		     "wait",
		     r->task);
	t->activated = true;
	t->cancel_seen |= ev == CFM_EV_TASK_CANCELLED;
	check_event(o, r->task, t->instance, &r->event);
}

/* C-14, C-15, C-20: a task resolves once. */
static void follow_resolve(struct cfh_oracle *o, const struct cfm_op *op)
{
	struct cfh_task *t = task_rec(o, op->actor);
	if (!t)
		return;
	if (t->resolved)
		flag(o, CFH_DOUBLE_SETTLEMENT,
		     "T%u resolved twice: %s succeeded after it had resolved",
		     op->actor, cfm_opcode_name(op->code));
	t->resolved = true;
}

/* C-34: the lowest free id, never one that is live. */
static void follow_resource(struct cfh_oracle *o, const struct cfm_op *op,
                            const struct cfm_result *r)
{
	struct cfh_task *t = task_rec(o, op->actor);
	if (!t)
		return;
	if (op->code == CFM_OP_RESOURCE_DROP) {
		uint64_t bit = op->resource >= 1 && op->resource <= 64
		                   ? 1ull << (op->resource - 1)
		                   : 0;
		if (!(t->resources & bit))
			flag(o, CFH_DIVERGENCE,
			     "C-34: resource.drop r%u succeeded, but T%u holds "
			     "no resource r%u",
			     op->resource, op->actor, op->resource);
		t->resources &= ~bit;
		return;
	}
	uint32_t id = r->resource;
	uint32_t lowest = 1u + (uint32_t)__builtin_ctzll(~t->resources);
	if (id < 1 || id > 64) {
		flag(o, CFH_DIVERGENCE, "C-34: resource.new gave r%u, out of range",
		     id);
		return;
	}
	if (t->resources & (1ull << (id - 1)))
		flag(o, CFH_STALE_EVENT,
		     "C-34: resource.new gave T%u r%u, which is live already",
		     op->actor, id);
	else if (id != lowest)
		flag(o, CFH_DIVERGENCE,
		     "C-34: resource.new gave T%u r%u; the lowest free id is r%u",
		     op->actor, id, lowest);
	t->resources |= 1ull << (id - 1);
}

/* C-29, C-30: the clock moved to o->clock. A deadline reached while its
 * call waited (held, unresolved, no cancel requested) times it out, which
 * requests its cancellation; one reached after the call was cancelled,
 * resolved or dropped changes nothing: no notice names the call in this
 * step, and its timed-out flag stays as it was. A timeout settles at most
 * its own call (C-32: a shared task is left alone unless this was its last
 * subscriber, and then no other call is on it), so the state each call had
 * before the tick decides. The flags are read from the runtime's snapshot
 * (into scratch), only when a deadline was reached. */
static void follow_tick(struct cfh_oracle *o, struct cfm_snapshot *scratch)
{
	uint32_t fired = 0, kept = 0;
	for (uint32_t i = 0; i < o->ntimers; i++) {
		uint32_t call = o->timers[i];
		struct cfh_call *c = &o->calls[call];
		if (c->deadline > o->clock) {
			o->timers[kept++] = call;
			continue;
		}
		fired++;
		if (c->done_at_tick && c->noticed == o->step)
			flag(o, CFH_STALE_EVENT,
			     "C-29: the deadline of call #%u (h%u@%u), reached "
			     "after it was %s, changed it",
			     call, c->handle, c->instance,
			     c->settled ? "resolved"
			                : c->held ? "cancelled" : "dropped");
		if (!c->done_at_tick) {
			retire(o, c);
			c->timed_out = c->cancel_requested = true;
		}
	}
	o->ntimers = kept;
	if (fired == 0 || !target(o)->snapshot) /* CFH_CHECK_TIMEOUTS */
		return;
	target(o)->snapshot(o->ls->rt, scratch);
	for (uint32_t j = 0; j < scratch->nsubtasks; j++) {
		const struct cfm_subtask *s = &scratch->subtasks[j];
		struct cfh_call *c = call_rec(o, s->seq);
		if (!c || c->deadline == 0 || c->deadline > o->clock ||
		    s->timed_out == c->timed_out)
			continue;
		if (s->timed_out)
			flag(o, CFH_STALE_EVENT,
			     "C-29, C-30: call #%u (h%u@%u) was marked timed out "
			     "by a deadline reached after it was %s",
			     s->seq, c->handle, c->instance,
			     c->settled ? "resolved" : "cancelled");
		else
			flag(o, CFH_DIVERGENCE,
			     "C-29: the deadline of call #%u (h%u@%u) passed while "
			     "it waited, but it did not time out",
			     s->seq, c->handle, c->instance);
	}
}

/* Verifies, at the end of a step, every call that settled RETURNED in it:
 * its slot holds exactly what the task.return gave (C-9), and from now on
 * must not change. */
static void verify_results(struct cfh_oracle *o)
{
	bool slots = target(o)->read_slot != NULL; /* CFH_CHECK_SLOTS */
	for (uint32_t i = 0; i < o->nsettled_now; i++) {
		uint32_t call = o->settled_now[i];
		struct cfh_call *c = &o->calls[call];
		const struct cfh_slot s = slots ? slot_of(o, call) : c->result;
		if (s.kind != c->result.kind || s.value != c->result.value) {
			if (s.kind == CFH_SLOT_UNWRITTEN)
				flag(o, CFH_WRONG_RESULT,
				     "call #%u (h%u@%u) resolved RETURNED, but its "
				     "result slot was never written",
				     call, c->handle, c->instance);
			else
				flag(o, CFH_WRONG_RESULT,
				     "call #%u (h%u@%u) resolved RETURNED with "
				     "(%u, %u) in its slot; task.return gave "
				     "(%u, %u)",
				     call, c->handle, c->instance, s.kind,
				     s.value, c->result.kind, c->result.value);
		}
		c->sealed = true;
		c->seal = c->result;
	}
	o->nsettled_now = 0;
}

void cfh_oracle_after(struct cfh_oracle *o, const struct cfm_op *op,
                      const struct cfm_result *r,
                      struct cfm_snapshot *scratch)
{
	struct cfh_task *actor = task_rec(o, op->actor);
	uint32_t inst = actor ? actor->instance : 0;
	if (r->err != CFM_OK) {
		if (actor)
			actor->returning = false;
		return;
	}
	switch (op->code) {
	case CFM_OP_CALL:
		follow_call(o, op, r, inst);
		break;
	case CFM_OP_SUBTASK_CANCEL: {
		uint32_t call = op->handle <= CFM_MAX_HANDLES
		                    ? o->occupant[inst][op->handle]
		                    : 0;
		if (call && r->status == CFM_BLOCKED && o->calls[call].settled)
			flag(o, CFH_DIVERGENCE,
			     "C-11.2: subtask.cancel h%u returned BLOCKED, but "
			     "call #%u had resolved %s",
			     op->handle, call,
			     status_name(o->calls[call].state));
		else if (resolved(r->status)) {
			struct cfm_event ev = {CFM_EV_SUBTASK, op->handle,
			                       r->status};
			check_event(o, op->actor, inst, &ev);
		}
		if (call && o->detaching && !resolved(r->status))
			flag(o, CFH_DIVERGENCE,
			     "C-32: subtask.cancel h%u returned %s, but call #%u "
			     "shares T%u with other live subscribers, so it "
			     "detaches and resolves at once",
			     op->handle, cfm_status_name(r->status), call,
			     o->calls[call].task);
		if (call && !o->cancel_was_settled) {
			retire(o, &o->calls[call]);
			o->calls[call].cancel_requested = true; /* C-11.3 */
		}
		break;
	}
	case CFM_OP_SUBTASK_DROP: {
		uint32_t call = op->handle <= CFM_MAX_HANDLES
		                    ? o->occupant[inst][op->handle]
		                    : 0;
		if (call && o->detaching && !o->calls[call].settled)
			flag(o, CFH_DIVERGENCE,
			     "C-32: dropping h%u left call #%u subscribed, but it "
			     "shares T%u with other live subscribers, so it "
			     "detaches and is released at once",
			     op->handle, call, o->calls[call].task);
		if (call)
			forget_handle(o, inst, op->handle);
		break;
	}
	case CFM_OP_EXIT: /* C-35: every handle it owns goes */
		if (actor) {
			actor->exited = true;
			actor->resources = 0; /* C-34 */
		}
		for (uint32_t h = 1; h <= CFM_MAX_HANDLES; h++) {
			uint32_t call = o->occupant[inst][h];
			if (call && o->calls[call].owner == op->actor)
				forget_handle(o, inst, h);
		}
		break;
	case CFM_OP_TASK_RETURN:
	case CFM_OP_TASK_CANCEL:
		follow_resolve(o, op);
		break;
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
		if (actor)
			actor->ended_cancellably =
			    op->code == CFM_OP_YIELD || op->cancellable;
		break;
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_RESOURCE_DROP:
		follow_resource(o, op, r);
		break;
	case CFM_OP_TICK:
		o->clock += op->n;
		follow_tick(o, scratch);
		break;
	case CFM_OP_RUN:
		follow_run(o, r);
		break;
	case CFM_OP_POLL:
		check_event(o, CFM_HOST, 0, &r->event);
		break;
	case CFM_OP_BACKPRESSURE:
		break;
	}
	/* Looked up again: a call may have grown the task array. */
	if ((actor = task_rec(o, op->actor)) != NULL)
		actor->returning = false;
	verify_results(o);
}

/* ---- after the drain ---- */

/* The runtime's own counts must be what its state shows; anything counted
 * but not there is held and never given back. */
static void check_counts(struct cfh_oracle *o, const struct cfm_snapshot *rs)
{
	struct cfm_counts h = cfm_snapshot_counts(rs), c;
	if (!target(o)->counts || !target(o)->counts(o->ls->rt, &c))
		return; /* CFH_CHECK_COUNTS */
	if (c.tasks != h.tasks || c.subtasks != h.subtasks ||
	    c.handles != h.handles || c.resources != h.resources ||
	    c.keys != h.keys || c.queue != h.queue)
		flag(o, CFH_LEAK,
		     "the runtime counts tasks %u subtasks %u handles %u "
		     "resources %u keys %u queue %u but holds %u %u %u %u %u %u",
		     c.tasks, c.subtasks, c.handles, c.resources, c.keys,
		     c.queue, h.tasks, h.subtasks, h.handles, h.resources,
		     h.keys, h.queue);
}

/* C-27, C-28: the records the runtime may still hold are those of calls
 * whose handle is held, and of abandoned calls not yet released; a
 * released or dropped call's record must be gone. Judged against the
 * harness's own bookkeeping, not the runtime's. */
static void check_records(struct cfh_oracle *o, const struct cfm_snapshot *rs)
{
	uint32_t expected = 0;
	for (uint32_t call = 1; call <= o->ls->calls; call++)
		expected += o->calls[call].held || !o->calls[call].settled;
	for (uint32_t j = 0; j < rs->nsubtasks; j++) {
		const struct cfm_subtask *s = &rs->subtasks[j];
		const struct cfh_call *c = call_rec(o, s->seq);
		if (!c) {
			flag(o, CFH_LEAK,
			     "after the drain the runtime holds a record of call "
			     "#%u, which was never made",
			     s->seq);
			return;
		}
		if (!c->held && c->settled) {
			flag(o, CFH_LEAK,
			     "after the drain the runtime still holds the record "
			     "of call #%u, which was %s",
			     s->seq, c->released ? "released" : "dropped");
			return;
		}
	}
	struct cfm_counts held;
	if (target(o)->counts && target(o)->counts(o->ls->rt, &held) &&
	    held.subtasks > expected)
		flag(o, CFH_LEAK,
		     "after the drain the runtime holds %u subtask records; the "
		     "calls still held or awaiting release are %u",
		     held.subtasks, expected);
}

/* C-36: after the drain only a guest's own dead ends may remain. A task is
 * excused if nothing can wake it — BLOCKED in a non-cancellable wait, or
 * BLOCKED once no cancellation can reach it (it resolved, or it was told
 * of its cancellation and chose to wait on), with no undelivered event of
 * its own subtasks (that would be a lost wake-up, C-23) — or if an excused
 * task called it (its caller will never cancel it). A task BLOCKED with a
 * delivered cancellation still due is not excused: the delivery must have
 * woken it (C-13). Anything else was left running. */
static bool has_pending_event(const struct cfm_snapshot *s, uint32_t task)
{
	for (uint32_t j = 0; j < s->nsubtasks; j++)
		if (s->subtasks[j].handle && s->subtasks[j].owner == task &&
		    s->subtasks[j].pending)
			return true;
	return false;
}

static bool called_by_excused(const struct cfm_snapshot *s, uint32_t task,
                              const bool *excused)
{
	for (uint32_t j = 0; j < s->nsubtasks; j++) {
		const struct cfm_subtask *st = &s->subtasks[j];
		if (st->task != task || !st->subscribed || st->handle == 0)
			continue;
		for (uint32_t k = 0; k < s->ntasks; k++)
			if (excused[k] && s->tasks[k].id == st->owner)
				return true;
	}
	return false;
}

static void check_left_running(struct cfh_oracle *o,
                               const struct cfm_snapshot *s)
{
	bool excused[CFM_MAX_TASKS] = {false};
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t i = 0; i < s->ntasks; i++) {
			const struct cfm_task *t = &s->tasks[i];
			if (excused[i])
				continue;
			bool unreachable =
			    !t->wait_cancellable ||
			    t->state == CFM_TASK_RESOLVED ||
			    (t->state == CFM_TASK_CANCEL_DELIVERED &&
			     !t->cancel_due);
			bool dead_end = t->activity == CFM_ACT_BLOCKED &&
			                unreachable &&
			                !has_pending_event(s, t->id);
			if (dead_end || called_by_excused(s, t->id, excused))
				excused[i] = changed = true;
		}
	}
	for (uint32_t i = 0; i < s->ntasks; i++)
		if (!excused[i]) {
			flag(o, CFH_LEFT_RUNNING,
			     "T%u is still %s/%s%s after the drain", s->tasks[i].id,
			     cfm_task_state_name(s->tasks[i].state),
			     cfm_activity_name(s->tasks[i].activity),
			     s->tasks[i].cancel_due ? " with its cancellation due"
			                            : "");
			return;
		}
}

/* C-9: no slot may change once sealed, and none may be written for a call
 * that never resolved RETURNED. */
static void check_slots(struct cfh_oracle *o)
{
	if (!target(o)->read_slot) /* CFH_CHECK_SLOTS */
		return;
	for (uint32_t call = 1; call <= o->ls->calls; call++) {
		const struct cfh_call *c = &o->calls[call];
		const struct cfh_slot s = slot_of(o, call);
		bool written = s.kind != CFH_SLOT_UNWRITTEN;
		if ((c->sealed && !slot_equal(s, c->seal)) ||
		    (written && !(c->settled && c->state == CFM_RETURNED))) {
			flag(o, CFH_LATE_PUBLICATION,
			     "call #%u's result slot holds (%u, %u) though the "
			     "call %s",
			     call, s.kind, s.value,
			     c->settled ? status_name(c->state)
			                : "never resolved");
			return;
		}
	}
}

void cfh_oracle_after_drain(struct cfh_oracle *o,
                            const struct cfm_snapshot *rs, bool dead_ends)
{
	bool notices = target(o)->caps.notices;
	if (rs) {
		check_counts(o, rs);
		if (notices)
			check_records(o, rs);
		if (dead_ends)
			check_left_running(o, rs);
	}
	if (notices)
		check_slots(o);
}

/* The outcome of a call in words: "unresolved", "released", "RETURNED
 * (0, 7)", "CANCELLED_BEFORE_RETURNED". */
static void outcome_text(bool settled, bool released, enum cfm_status state,
                         bool written, struct cfh_slot slot, char *buf,
                         size_t size)
{
	if (!settled)
		snprintf(buf, size, "unresolved");
	else if (released)
		snprintf(buf, size, "released");
	else if (written)
		snprintf(buf, size, "%s, slot (%u, %u)", cfm_status_name(state),
		         slot.kind, slot.value);
	else
		snprintf(buf, size, "%s, slot unwritten", cfm_status_name(state));
}

bool cfh_oracle_compare_outcomes(struct cfh_oracle *o, char *detail,
                                 size_t size)
{
	/* Without read_slot the slots are not compared (CFH_CHECK_SLOTS):
	 * the runtime's side is taken to hold what the model's does. */
	bool slots = target(o)->read_slot != NULL;
	for (uint32_t call = 1; call <= o->ls->calls; call++) {
		const struct cfh_call *c = &o->calls[call];
		const struct cfh_slot slot = slots ? slot_of(o, call) : c->m_slot;
		bool written =
		    slots ? slot.kind != CFH_SLOT_UNWRITTEN : c->m_written;
		bool rt_released = c->released && !c->held;
		enum cfm_status rt_state = c->state;
		bool same = c->m_settled == c->settled &&
		            (!c->settled ||
		             (c->m_released == rt_released &&
		              (c->m_released ||
		               (c->m_state == rt_state &&
		                c->m_written == written &&
		                (!written || slot_equal(c->m_slot, slot))))));
		if (same)
			continue;
		char m[64], r[64];
		outcome_text(c->m_settled, c->m_released, c->m_state,
		             c->m_written, c->m_slot, m, sizeof(m));
		outcome_text(c->settled, rt_released, rt_state, written, slot, r,
		             sizeof(r));
		snprintf(detail, size,
		         "call #%u ended differently: the model has %s, the "
		         "runtime %s",
		         call, m, r);
		return false;
	}
	return true;
}
