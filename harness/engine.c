/* engine.c - steps in lockstep, the drain, teardown and the oracle. */
#include "engine.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define NAME_CLASS(name, text) text,
static const char *const class_names[] = {CFH_CLASSES(NAME_CLASS)};
#undef NAME_CLASS

const char *cfh_class_name(enum cfh_class c)
{
	return (size_t)c < sizeof(class_names) / sizeof(class_names[0])
	           ? class_names[c]
	           : "?";
}

int cfh_class_from_name(const char *text)
{
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]);
	     i++)
		if (strcmp(class_names[i], text) == 0)
			return (int)i;
	return -1;
}

char *cfh_signature(const struct cfh_finding *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%s", cfh_class_name(f->cls), f->op);
	return buf;
}

/* The longest a drain may take before the harness calls it stuck: far more
 * than any drain of a run within the format's caps needs. */
#define DRAIN_LIMIT 100000
#define RING 10

/* One call, as the harness follows it without the model. */
struct call_rec {
	uint32_t instance, handle; /* where the caller holds it */
	uint32_t owner;            /* CFM_HOST or the calling task */
	uint32_t task;             /* the callee the call created or joined */
	bool held;                 /* the caller has not dropped it */
	bool settled;              /* resolved, or released when abandoned */
	bool delivered;
	enum cfr_status state;
	bool sealed; /* the slot must not change any more ... */
	struct cfr_slot seal; /* ... from this */
};

/* One task, as the harness knows it from the calls that made it. */
struct task_rec {
	uint32_t instance; /* the callee instance of its call */
	bool exited;       /* its exit succeeded */
};

struct past {
	uint32_t step;
	struct cfm_op op;
	struct cfm_result model, rt;
};

struct engine {
	const struct cfh_options *opts;
	struct cfh_setup setup;
	struct cfh_alloc alloc;
	struct cfh_lockstep ls;
	struct call_rec *calls; /* by call number; [0] unused */
	uint32_t calls_cap;
	struct task_rec *tasks; /* by task id */
	uint32_t tasks_cap;
	uint32_t occupant[CFM_MAX_INSTANCES][CFM_MAX_HANDLES + 1];
	struct past ring[RING];
	/* What the step in progress drops: one call (subtask.drop) or every
	 * call a task owns (exit). A release notice for these is expected. */
	uint32_t dropping_call;
	uint32_t exiting_task;
	uint32_t step;
	const char *phase; /* NULL while running input steps */
	uint64_t hash;
	struct cfh_finding finding;
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void flag(struct engine *e, enum cfh_class cls, const char *fmt, ...)
{
	va_list ap;
	if (e->finding.cls != CFH_NONE)
		return; /* the first finding is the one reported */
	e->finding.cls = cls;
	e->finding.step = e->step;
	snprintf(e->finding.op, sizeof(e->finding.op), "%s",
	         e->phase ? e->phase
	                  : cfm_opcode_name(e->ring[e->step % RING].op.code));
	va_start(ap, fmt);
	vsnprintf(e->finding.detail, sizeof(e->finding.detail), fmt, ap);
	va_end(ap);
}

static struct call_rec *call_rec(struct engine *e, uint32_t call)
{
	return call >= 1 && call <= e->ls.rt.calls ? &e->calls[call] : NULL;
}

static const struct cfr_slot *slot_of(struct engine *e, uint32_t call)
{
	return cfh_rt_slot(&e->ls.rt, call);
}

static void seal(struct engine *e, uint32_t call)
{
	struct call_rec *c = &e->calls[call];
	if (!c->sealed) {
		c->sealed = true;
		c->seal = *slot_of(e, call);
	}
}

static bool resolved(enum cfr_status s)
{
	return s == CFR_RETURNED || s == CFR_CANCELLED_BEFORE_STARTED ||
	       s == CFR_CANCELLED_BEFORE_RETURNED;
}

static const char *status_name(enum cfr_status s)
{
	return cfm_status_name((enum cfm_status)s);
}

/* ---- the invariant half: the runtime's notices ---- */

static void on_notice(void *ctx, const struct cfr_notice *n)
{
	struct engine *e = ctx;
	struct call_rec *c = call_rec(e, n->call);
	if (!c) {
		flag(e, CFH_STALE_EVENT, "notice for call #%u, which was never made",
		     n->call);
		return;
	}
	switch (n->kind) {
	case CFR_NOTICE_SLOT_WRITE:
		/* C-9: written only as the call resolves RETURNED. A write to
		 * a dropped call is late publication; a write to a call that
		 * had resolved is a second resolution of it (C-20, C-33). */
		if (!c->held)
			flag(e, CFH_LATE_PUBLICATION,
			     "call #%u (h%u@%u): result slot written after the "
			     "call was dropped",
			     n->call, c->handle, c->instance);
		else if (c->settled)
			flag(e, CFH_DOUBLE_SETTLEMENT,
			     "call #%u (h%u@%u) settled again: result slot "
			     "written after it resolved %s",
			     n->call, c->handle, c->instance,
			     status_name(c->state));
		break;
	case CFR_NOTICE_SETTLE:
		if (c->settled)
			flag(e, CFH_DOUBLE_SETTLEMENT,
			     "call #%u (h%u@%u) settled twice: %s, then %s",
			     n->call, c->handle, c->instance,
			     status_name(c->state), status_name(n->status));
		else if (!c->held || e->occupant[c->instance][c->handle] !=
		                         n->call)
			flag(e, CFH_STALE_EVENT,
			     "call #%u settled %s through h%u@%u, which it no "
			     "longer holds",
			     n->call, status_name(n->status), n->handle,
			     n->instance);
		else if (n->task != c->task || n->handle != c->handle)
			flag(e, CFH_STALE_EVENT,
			     "call #%u (h%u@%u, callee T%u) settled by T%u",
			     n->call, c->handle, c->instance, c->task, n->task);
		c->settled = true;
		c->state = n->status;
		if (n->status != CFR_RETURNED)
			seal(e, n->call); /* C-9: a cancelled call is never written */
		break;
	case CFR_NOTICE_RELEASE:
		if (c->settled)
			flag(e, CFH_DOUBLE_SETTLEMENT,
			     "call #%u released after it had settled %s",
			     n->call, status_name(c->state));
		else if (c->held && n->call != e->dropping_call &&
		         !(e->exiting_task && c->owner == e->exiting_task))
			flag(e, CFH_STALE_EVENT,
			     "call #%u released while h%u@%u still holds it",
			     n->call, c->handle, c->instance);
		c->settled = true;
		break;
	case CFR_NOTICE_DELIVER:
		if (c->delivered)
			flag(e, CFH_DOUBLE_SETTLEMENT,
			     "call #%u (h%u@%u) delivered twice", n->call,
			     c->handle, c->instance);
		else if (!c->settled)
			flag(e, CFH_STALE_EVENT,
			     "call #%u (h%u@%u) delivered %s without resolving",
			     n->call, c->handle, c->instance,
			     status_name(n->status));
		c->delivered = true;
		seal(e, n->call);
		break;
	}
}

/* ---- the harness's bookkeeping of calls and handles ---- */

static bool grow(void **array, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need < *cap)
		return true;
	uint32_t n = *cap ? *cap : 64;
	while (n <= need)
		n *= 2;
	void *p = realloc(*array, (size_t)n * elem);
	if (!p)
		return false;
	memset((char *)p + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
	*array = p;
	*cap = n;
	return true;
}

static uint32_t instance_of(struct engine *e, uint32_t actor)
{
	return actor == CFM_HOST || actor >= e->tasks_cap
	           ? 0
	           : e->tasks[actor].instance;
}

static void forget_handle(struct engine *e, uint32_t instance, uint32_t h)
{
	uint32_t call = e->occupant[instance][h];
	if (!call)
		return;
	e->calls[call].held = false;
	e->occupant[instance][h] = 0;
	seal(e, call);
}

/* Checks an event the runtime delivered to owner (its table in instance)
 * against what the harness knows of the call behind the handle. */
static void check_event(struct engine *e, uint32_t owner, uint32_t instance,
                        const struct cfm_event *ev)
{
	if (ev->code != CFM_EV_SUBTASK)
		return;
	uint32_t h = ev->handle;
	uint32_t call = h <= CFM_MAX_HANDLES ? e->occupant[instance][h] : 0;
	struct call_rec *c = call ? &e->calls[call] : NULL;
	enum cfr_status st = (enum cfr_status)ev->status;
	if (!c)
		flag(e, CFH_STALE_EVENT, "event SUBTASK(h%u, %s) for a free handle",
		     h, status_name(st));
	else if (c->owner != owner)
		flag(e, CFH_STALE_EVENT,
		     "event for h%u@%u reached T%u, but call #%u belongs to %s%u",
		     h, instance, owner, call, c->owner ? "T" : "host ",
		     c->owner);
	else if (resolved(st) && (!c->settled || c->state != st))
		flag(e, CFH_STALE_EVENT,
		     "event SUBTASK(h%u, %s) but call #%u there %s", h,
		     status_name(st), call,
		     c->settled ? "resolved otherwise" : "has not resolved");
	else if (!resolved(st) && c->settled)
		flag(e, CFH_DOUBLE_SETTLEMENT,
		     "event SUBTASK(h%u, %s) after call #%u resolved %s", h,
		     status_name(st), call, status_name(c->state));
}

/* What the harness learns from an operation that succeeded. */
static void follow(struct engine *e, const struct cfm_op *op,
                   const struct cfm_result *r)
{
	uint32_t inst = instance_of(e, op->actor);
	switch (op->code) {
	case CFM_OP_CALL: {
		uint32_t call = e->ls.rt.calls;
		if (!grow((void **)&e->calls, &e->calls_cap, call,
		          sizeof(*e->calls)) ||
		    !grow((void **)&e->tasks, &e->tasks_cap, r->task,
		          sizeof(*e->tasks))) {
			fprintf(stderr, "cancelfuzz: out of memory\n");
			abort();
		}
		if (r->handle < 1 || r->handle > CFM_MAX_HANDLES)
			return; /* out of range: the model comparison says so */
		if (e->occupant[inst][r->handle])
			flag(e, CFH_STALE_EVENT,
			     "call #%u was given h%u@%u, which call #%u holds",
			     call, r->handle, inst,
			     e->occupant[inst][r->handle]);
		e->calls[call] = (struct call_rec){
		    .instance = inst,
		    .handle = r->handle,
		    .owner = op->actor,
		    .task = r->task,
		    .held = true,
		};
		e->occupant[inst][r->handle] = call;
		e->tasks[r->task].instance = op->instance;
		return;
	}
	case CFM_OP_SUBTASK_DROP:
		if (op->handle <= CFM_MAX_HANDLES)
			forget_handle(e, inst, op->handle);
		return;
	case CFM_OP_EXIT: /* C-35: every handle it owns goes */
		if (op->actor < e->tasks_cap)
			e->tasks[op->actor].exited = true;
		for (uint32_t h = 1; h <= CFM_MAX_HANDLES; h++) {
			uint32_t call = e->occupant[inst][h];
			if (call && e->calls[call].owner == op->actor)
				forget_handle(e, inst, h);
		}
		return;
	case CFM_OP_SUBTASK_CANCEL:
		if (resolved((enum cfr_status)r->status)) {
			struct cfm_event ev = {CFM_EV_SUBTASK, op->handle,
			                       r->status};
			check_event(e, op->actor, inst, &ev);
		}
		return;
	case CFM_OP_RUN:
		/* C-21: an EXITED task is never activated. */
		if (r->task < e->tasks_cap && e->tasks[r->task].exited)
			flag(e, CFH_STALE_EVENT,
			     "T%u was activated after it exited", r->task);
		check_event(e, r->task, instance_of(e, r->task), &r->event);
		return;
	case CFM_OP_POLL:
		check_event(e, CFM_HOST, 0, &r->event);
		return;
	case CFM_OP_TASK_RETURN:
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_RESOURCE_DROP:
	case CFM_OP_BACKPRESSURE:
	case CFM_OP_TICK:
		return;
	}
}

/* ---- one step ---- */

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ '\n') * 0x100000001b3ull;
}

static void print_step(FILE *out, const struct past *p)
{
	char op[96], mr[96], rr[96];
	cfm_op_format(&p->op, op, sizeof(op));
	cfm_result_format(&p->op, &p->model, mr, sizeof(mr));
	cfm_result_format(&p->op, &p->rt, rr, sizeof(rr));
	if (strcmp(mr, rr) == 0)
		fprintf(out, "%5u  %-36s => %s\n", p->step, op, mr);
	else
		fprintf(out, "%5u  %-36s => model %s, runtime %s\n", p->step,
		        op, mr, rr);
}

static void step(struct engine *e, const struct cfm_op *op)
{
	struct past *p = &e->ring[++e->step % RING];
	p->step = e->step;
	p->op = *op;
	uint32_t inst = instance_of(e, op->actor);
	e->dropping_call = op->code == CFM_OP_SUBTASK_DROP &&
	                           op->handle <= CFM_MAX_HANDLES
	                       ? e->occupant[inst][op->handle]
	                       : 0;
	e->exiting_task = op->code == CFM_OP_EXIT ? op->actor : 0;
	bool same = cfh_lockstep_apply(&e->ls, op, &p->model, &p->rt);
	e->dropping_call = e->exiting_task = 0;
	if (e->opts->trace || e->opts->every_step) {
		char op_text[96], mr[96], rr[96];
		cfm_op_format(op, op_text, sizeof(op_text));
		cfm_result_format(op, &p->model, mr, sizeof(mr));
		cfm_result_format(op, &p->rt, rr, sizeof(rr));
		e->hash = fnv(fnv(fnv(e->hash, op_text), mr), rr);
		if (e->opts->trace)
			print_step(e->opts->trace, p);
	}
	if (e->ls.rt.last_err == CFR_OK)
		follow(e, op, &p->rt);
	if (!e->opts->diff)
		return;
	/* Results are compared at every step; whole states only with
	 * every_step, otherwise once after the last step and once after the
	 * drain. A fast run that finds a difference is run again with
	 * every_step (cfh_check), which names the first step. */
	if (!same)
		flag(e, CFH_DIVERGENCE, "the runtime returned another result");
	else if (e->opts->every_step && !cfh_lockstep_compare(&e->ls, NULL))
		flag(e, CFH_DIVERGENCE, "the states differ after this step");
}

/* ---- after the steps ---- */

/* Without the model: after the drain (C-36) only a guest's own dead ends
 * may remain. A task is excused if nothing can wake it — BLOCKED in a
 * non-cancellable wait, or BLOCKED once no cancellation can reach it (it
 * resolved, or it was told of its cancellation and chose to wait on), with
 * no undelivered event of its own subtasks (that would be a lost wake-up,
 * C-23) — or if an excused task called it (its caller will never cancel
 * it). Anything else was left running. */
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

static void check_left_running_alone(struct engine *e)
{
	const struct cfm_snapshot *s = &e->ls.rs;
	bool excused[CFM_MAX_TASKS] = {false};
	for (bool changed = true; changed;) {
		changed = false;
		for (uint32_t i = 0; i < s->ntasks; i++) {
			const struct cfm_task *t = &s->tasks[i];
			if (excused[i])
				continue;
			bool dead_end = t->activity == CFM_ACT_BLOCKED &&
			                (!t->wait_cancellable ||
			                 t->state == CFM_TASK_RESOLVED ||
			                 t->state == CFM_TASK_CANCEL_DELIVERED) &&
			                !has_pending_event(s, t->id);
			if (dead_end || called_by_excused(s, t->id, excused))
				excused[i] = changed = true;
		}
	}
	for (uint32_t i = 0; i < s->ntasks; i++)
		if (!excused[i]) {
			flag(e, CFH_LEFT_RUNNING,
			     "T%u is still %s/%s after the drain",
			     s->tasks[i].id,
			     cfm_task_state_name(s->tasks[i].state),
			     cfm_activity_name(s->tasks[i].activity));
			return;
		}
}

/* Without the model: the runtime's own counts must be what its state
 * shows; anything counted but not there is held and never given back. */
static void check_counts_alone(struct engine *e)
{
	struct cfm_counts h = cfm_snapshot_counts(&e->ls.rs);
	struct cfr_counts c = cfr_counts(e->ls.rt.rt);
	if (c.tasks != h.tasks || c.subtasks != h.subtasks ||
	    c.handles != h.handles || c.resources != h.resources ||
	    c.keys != h.keys || c.queue != h.queue)
		flag(e, CFH_LEAK,
		     "the runtime counts tasks %u subtasks %u handles %u "
		     "resources %u keys %u queue %u but holds %u %u %u %u %u %u",
		     c.tasks, c.subtasks, c.handles, c.resources, c.keys,
		     c.queue, h.tasks, h.subtasks, h.handles, h.resources,
		     h.keys, h.queue);
}

static void check_after_drain(struct engine *e)
{
	e->phase = "drain";
	cfm_snapshot(&e->ls.model, &e->ls.ms);
	cfh_rt_snapshot(&e->ls.rt, &e->ls.rs);
	check_counts_alone(e);
	if (!e->opts->diff) {
		check_left_running_alone(e);
	} else {
		/* C-37: tasks the model has EXITED must not exist. */
		for (uint32_t i = 0; i < e->ls.rs.ntasks; i++) {
			uint32_t id = e->ls.rs.tasks[i].id;
			if (!cfm_task_get(&e->ls.model, id)) {
				flag(e, CFH_LEFT_RUNNING,
				     "T%u (%s/%s) still exists; the model "
				     "has it EXITED",
				     id,
				     cfm_task_state_name(e->ls.rs.tasks[i].state),
				     cfm_activity_name(
				         e->ls.rs.tasks[i].activity));
				break;
			}
		}
		struct cfm_counts m = cfm_counts(&e->ls.model);
		struct cfr_counts r = cfr_counts(e->ls.rt.rt);
		if (r.tasks > m.tasks || r.subtasks > m.subtasks ||
		    r.handles > m.handles || r.resources > m.resources ||
		    r.keys > m.keys || r.queue > m.queue)
			flag(e, CFH_LEAK,
			     "after the drain the runtime holds tasks %u "
			     "subtasks %u resources %u keys %u queue %u; the "
			     "model %u %u %u %u %u",
			     r.tasks, r.subtasks, r.resources, r.keys, r.queue,
			     m.tasks, m.subtasks, m.resources, m.keys, m.queue);
		if (!cfh_snapshot_equal(&e->ls.ms, &e->ls.rs))
			flag(e, CFH_DIVERGENCE,
			     "the states differ after the drain");
	}
	/* C-9: no slot may change once sealed, and none may be written
	 * for a call that never resolved RETURNED. */
	for (uint32_t call = 1; call <= e->ls.rt.calls; call++) {
		const struct call_rec *c = &e->calls[call];
		const struct cfr_slot *s = slot_of(e, call);
		bool written = s->kind != CFH_SLOT_UNWRITTEN;
		if ((c->sealed && memcmp(s, &c->seal, sizeof(*s)) != 0) ||
		    (written && !(c->settled && c->state == CFR_RETURNED))) {
			flag(e, CFH_LATE_PUBLICATION,
			     "call #%u's result slot holds (%u, %u) though the "
			     "call %s",
			     call, s->kind, s->value,
			     c->settled ? status_name(c->state)
			                : "never resolved");
			break;
		}
	}
}

static void report(struct engine *e, FILE *out)
{
	char sig[64];
	fprintf(out, "cancelfuzz: finding %s at step %u\n",
	        cfh_signature(&e->finding, sig, sizeof(sig)), e->finding.step);
	fprintf(out, "  %s\n", e->finding.detail);
	fprintf(out, "last steps (model and runtime results):\n");
	uint32_t first = e->step >= RING ? e->step - RING + 1 : 1;
	for (uint32_t i = first; i <= e->step; i++)
		print_step(out, &e->ring[i % RING]);
	if (e->opts->diff && e->ls.rt.rt) {
		cfm_snapshot(&e->ls.model, &e->ls.ms);
		cfh_rt_snapshot(&e->ls.rt, &e->ls.rs);
		if (!cfh_snapshot_equal(&e->ls.ms, &e->ls.rs)) {
			fprintf(out, "state difference (- model, + runtime):\n");
			cfh_snapshot_diff(&e->ls.ms, &e->ls.rs, out);
		}
	}
}

static bool next_op(struct engine *e, const struct cfh_source *src,
                    struct cfh_decoder *d, size_t *i, struct cfm_op *op)
{
	bool misuse;
	if (!src->ops)
		return cfh_decode_next(d, &e->ls.model, op, &misuse);
	if (*i >= src->nops)
		return false;
	*op = src->ops[(*i)++];
	return true;
}

void cfh_run(const struct cfh_source *src, const struct cfh_options *opts,
             struct cfh_outcome *out, FILE *report_to)
{
	struct engine *e = malloc(sizeof(*e));
	struct cfh_decoder d;
	struct cfm_op op;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (!e) {
		fprintf(stderr, "cancelfuzz: out of memory\n");
		abort();
	}
	memset(e, 0, sizeof(*e));
	e->opts = opts;
	e->hash = 0xcbf29ce484222325ull;
	if (src->ops) {
		e->setup = *src->setup;
	} else {
		cfh_decode_begin(&d, src->data, src->size);
		e->setup = d.setup;
	}
	cfh_alloc_init(&e->alloc, 0);
	struct cfh_rt_options ro = {.allocator = &e->alloc.hooks,
	                            .observer = on_notice,
	                            .observer_ctx = e,
	                            .mutant = opts->mutant};
	if (!cfh_lockstep_init(&e->ls, &e->setup.caps, &ro)) {
		fprintf(stderr, "cancelfuzz: cannot set up the run%s\n",
		        opts->mutant ? " (is this build without mutants?)" : "");
		abort();
	}

	while (e->finding.cls == CFH_NONE && next_op(e, src, &d, &i, &op))
		step(e, &op);
	out->steps = e->step;
	if (e->finding.cls == CFH_NONE && opts->diff &&
	    !cfh_lockstep_compare(&e->ls, NULL)) {
		e->phase = "end";
		flag(e, CFH_DIVERGENCE, "the states differ after the last step");
	}

	/* C-36: the drain, chosen by the model, applied to both. */
	e->phase = NULL;
	if (opts->trace && e->finding.cls == CFH_NONE)
		fprintf(opts->trace, "drain:\n");
	uint32_t drained = 0;
	while (e->finding.cls == CFH_NONE &&
	       cfm_drain_next(&e->ls.model, &op)) {
		if (++drained > DRAIN_LIMIT) {
			e->phase = "drain";
			flag(e, CFH_LEFT_RUNNING, "the drain did not finish");
			break;
		}
		step(e, &op);
	}
	out->drain_steps = drained;
	if (e->finding.cls == CFH_NONE)
		check_after_drain(e);
	if (e->finding.cls != CFH_NONE && report_to)
		report(e, report_to);

	/* Teardown: everything the runtime took must come back. */
	bool clean = e->finding.cls == CFH_NONE;
	cfh_lockstep_fini(&e->ls);
	if (clean && (e->alloc.bytes != 0 || e->alloc.allocs != e->alloc.frees)) {
		e->phase = "teardown";
		flag(e, CFH_LEAK, "%zu bytes in %lu allocations left after teardown",
		     e->alloc.bytes, e->alloc.allocs - e->alloc.frees);
		if (report_to)
			report(e, report_to);
	}
	out->finding = e->finding;
	out->trace_hash = e->hash;
	free(e->calls);
	free(e->tasks);
	free(e);
}

enum cfh_class cfh_check(const uint8_t *data, size_t size, bool diff,
                         uint32_t mutant, FILE *report)
{
	struct cfh_source src = {.data = data, .size = size};
	struct cfh_options fast = {.diff = diff, .mutant = mutant};
	struct cfh_outcome out;
	cfh_run(&src, &fast, &out, NULL);
	if (out.finding.cls == CFH_NONE)
		return CFH_NONE;
	/* Found: run again comparing every step, to name the first one. */
	struct cfh_options slow = {.diff = diff, .every_step = true,
	                           .mutant = mutant};
	cfh_run(&src, &slow, &out, report);
	return out.finding.cls;
}
