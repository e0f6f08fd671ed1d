/* cm_check.c - the cm fuzz mode: decode, drain, check (see cm_check.h). */
#include "cm_check.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_FINDING(name, text) text,
static const char *const finding_texts[] = {CFH_CM_FINDINGS(TEXT_FINDING)};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CANDS CFH_CM_MAX_CANDS

const char *cfh_cm_finding_text(enum cfh_cm_finding f)
{
	return (size_t)f < COUNT(finding_texts) ? finding_texts[f] : "?";
}

/* ---- reading the model's state ---- */

static const struct cfm_cm_task *active_task(const struct cfm_cm *m)
{
	return m->active ? cfm_cm_task_get(m, m->active) : NULL;
}

static const struct cfm_cm_set *set_get(const struct cfm_cm *m, uint32_t inst,
                                        uint32_t h)
{
	for (size_t i = 0; i < CFM_CM_MAX_SETS; i++)
		if (h && m->sets[i].live && m->sets[i].instance == inst &&
		    m->sets[i].handle == h)
			return &m->sets[i];
	return NULL;
}

static uint32_t members(const struct cfm_cm *m, uint32_t inst, uint32_t set)
{
	uint32_t n = 0;
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++)
		n += m->subtasks[i].live && m->subtasks[i].instance == inst &&
		     m->subtasks[i].handle && m->subtasks[i].set == set;
	return n;
}

static bool resolved(const struct cfm_cm_subtask *s)
{
	return cfm_status_resolved(s->state);
}

/* ---- the decoder's candidates ---- */

static size_t add(struct cfm_cm_op *c, size_t n, struct cfm_cm_op op)
{
	if (n < MAX_CANDS)
		c[n++] = op;
	return n;
}

/* The ops the actor may sensibly do now (no trap among them), in a fixed
 * order: calls, the actor's own ops, then per handle of its table. */
size_t cfh_cm_cands(const struct cfm_cm *m, struct cfm_cm_op *c)
{
	const struct cfm_cm_task *t = active_task(m);
	uint32_t actor = t ? t->id : CFM_HOST, inst = t ? t->instance : 0;
	size_t n = 0;
	for (uint32_t j = inst + 1; j < m->cfg.instances; j++)
		n = add(c, n, (struct cfm_cm_op){.code = CFM_CM_OP_CALL,
		                                 .actor = actor, .instance = j});
	if (!t) {
		n = add(c, n, (struct cfm_cm_op){.code = CFM_CM_OP_RUN});
		n = add(c, n, (struct cfm_cm_op){.code = CFM_CM_OP_POLL});
	} else {
		struct cfm_cm_op op = {.actor = actor};
		if (t->state != CFM_TASK_RESOLVED) {
			op.code = CFM_CM_OP_TASK_RETURN;
			op.kind = CFM_KIND_OK;
			n = add(c, n, op);
			op.kind = CFM_KIND_ERR;
			n = add(c, n, op);
			op.kind = CFM_KIND_OK;
		}
		op.code = CFM_CM_OP_TASK_CANCEL;
		if (t->state == CFM_TASK_CANCEL_DELIVERED)
			n = add(c, n, op);
		op.code = CFM_CM_OP_EXIT;
		if (t->state == CFM_TASK_RESOLVED)
			n = add(c, n, op);
		op.code = CFM_CM_OP_YIELD;
		n = add(c, n, op);
		op.code = CFM_CM_OP_THREAD_YIELD;
		n = add(c, n, op);
		op.code = CFM_CM_OP_WSET_NEW;
		n = add(c, n, op);
		op.code = CFM_CM_OP_BP_INC;
		if (m->backpressure[inst] < 2)
			n = add(c, n, op);
		op.code = CFM_CM_OP_BP_DEC;
		if (m->backpressure[inst] > 0)
			n = add(c, n, op);
	}
	for (uint32_t h = 1; h <= CFM_CM_MAX_HANDLES; h++) {
		const struct cfm_cm_subtask *s = cfm_cm_subtask_get(m, inst, h);
		const struct cfm_cm_set *w = set_get(m, inst, h);
		struct cfm_cm_op op = {.actor = actor, .handle = h, .set = h};
		if (s && !s->delivered && !s->cancel_requested) {
			op.code = CFM_CM_OP_SUBTASK_CANCEL;
			n = add(c, n, op);
		}
		if (s && s->delivered) {
			op.code = CFM_CM_OP_SUBTASK_DROP;
			n = add(c, n, op);
		}
		if (s && t) {
			op.code = CFM_CM_OP_JOIN;
			for (uint32_t k = 0; k <= CFM_CM_MAX_HANDLES; k++)
				if ((k == 0 && s->set) ||
				    (k && k != s->set && set_get(m, inst, k))) {
					op.set = k;
					n = add(c, n, op);
				}
		}
		if (w) {
			enum cfm_cm_opcode codes[] = {CFM_CM_OP_WAIT,
			                              CFM_CM_OP_WSET_WAIT,
			                              CFM_CM_OP_WSET_POLL};
			for (size_t k = 0; k < COUNT(codes); k++) {
				op.code = codes[k];
				n = add(c, n, op);
			}
			op.code = CFM_CM_OP_WSET_DROP;
			if (w->waiting == 0 && members(m, inst, h) == 0)
				n = add(c, n, op);
		}
	}
	return n;
}

/* A misuse: any opcode with a raw argument; the actor is still the one
 * that may act, so the spec's traps (not the harness's errors) show. */
struct cfm_cm_op cfh_cm_misuse(const struct cfm_cm *m, uint8_t code,
                               uint8_t arg)
{
	const struct cfm_cm_task *t = active_task(m);
	struct cfm_cm_op op = {.code = (enum cfm_cm_opcode)(code %
	                                                    CFM_CM_OPCODE_COUNT),
	                       .actor = t ? t->id : CFM_HOST};
	op.instance = arg % CFM_MAX_INSTANCES;
	op.handle = arg & 15;
	op.set = op.code == CFM_CM_OP_JOIN ? arg >> 4 : arg & 15;
	op.value = arg;
	op.n = arg;
	op.kind = arg & 1 ? CFM_KIND_ERR : CFM_KIND_OK;
	return op;
}

/* ---- the drain policy ---- */

static bool instance_has_task(const struct cfm_cm *m, uint32_t j)
{
	for (size_t k = 0; k < CFM_CM_MAX_TASKS; k++)
		if (m->tasks[k].live && m->tasks[k].instance == j)
			return true;
	return false;
}

/* Instance j holds handles and has no task to clean them up, but may be
 * entered: not trapped, no backpressure left raised. */
static bool janitor_needed(const struct cfm_cm *m, uint32_t j)
{
	if (m->trapped[j] || m->backpressure[j] > 0 || instance_has_task(m, j))
		return false;
	for (uint32_t h = 1; h <= CFM_CM_MAX_HANDLES; h++)
		if (cfm_cm_subtask_get(m, j, h) || set_get(m, j, h))
			return true;
	return false;
}

/* The next op of the fixed drain policy, or false at quiescence. A task
 * (the active one acts first) answers TASK_CANCELLED with task.cancel,
 * lowers its instance's backpressure, drops delivered subtasks, takes the
 * resolution of resolved ones with subtask.cancel (it delivers), cancels
 * unresolved ones once, returns ok while STARTED with nothing unresolved
 * left, and exits once resolved with an empty table; otherwise it joins
 * what is still outstanding to one set of its instance and WAITs there
 * (creating the set, dropping the others when they are empty). A subtask
 * in a set another thread waits on is that thread's: taking it would
 * strand the waiter. The host
 * does the same with its table (poll instead of a set) and runs the
 * lowest-numbered ready thread. Choice 0 everywhere: a cancel does not
 * switch, a wait blocks, run takes the first ready thread. */
bool cfh_cm_drain_next(const struct cfm_cm *m, bool host_cancels,
                       struct cfm_cm_op *op)
{
	const struct cfm_cm_task *t = active_task(m);
	uint32_t inst = t ? t->instance : 0;
	uint32_t drain_set = 0, other_set = 0;
	bool unresolved = false, await = false;
	memset(op, 0, sizeof(*op));
	op->actor = t ? t->id : CFM_HOST;
	if (t && t->state == CFM_TASK_CANCEL_DELIVERED) {
		op->code = CFM_CM_OP_TASK_CANCEL;
		return true;
	}
	if (t && m->backpressure[inst] > 0) {
		op->code = CFM_CM_OP_BP_DEC;
		return true;
	}
	for (uint32_t h = 1; h <= CFM_CM_MAX_HANDLES; h++) {
		const struct cfm_cm_subtask *s = cfm_cm_subtask_get(m, inst, h);
		const struct cfm_cm_set *w = set_get(m, inst, h);
		if (w && !drain_set && w->waiting == 0)
			drain_set = h;
		else if (w && w->waiting == 0 && members(m, inst, h) == 0)
			other_set = h;
		if (!s || (s->set && set_get(m, inst, s->set)->waiting > 0))
			continue; /* the thread waiting there will take it */
		op->handle = h;
		if (s->delivered) {
			op->code = CFM_CM_OP_SUBTASK_DROP;
			return true;
		}
		if (!s->cancel_requested && (t || host_cancels)) {
			op->code = CFM_CM_OP_SUBTASK_CANCEL;
			return true;
		}
		unresolved |= !resolved(s);
		await = true;
	}
	if (!t) {
		op->code = await ? CFM_CM_OP_POLL : CFM_CM_OP_RUN;
		if (await) {
			for (uint32_t h = 1; h <= CFM_CM_MAX_HANDLES; h++) {
				const struct cfm_cm_subtask *s =
				    cfm_cm_subtask_get(m, 0, h);
				if (s && s->pending)
					return true;
			}
		}
		struct cfm_cm_op run = {.code = CFM_CM_OP_RUN};
		struct cfm_cm_outcome o;
		cfm_cm_allowed(m, &run, &o, 1);
		*op = run;
		if (o.what != CFM_CM_ERR)
			return true; /* not E_RANGE: something is ready */
		/* A table no task of its instance is left to clean (its
		 * tasks exited and cm's exit drops nothing): a fresh call
		 * there, a janitor, cleans it as any task would (CM-3). */
		for (uint32_t j = 1; j < m->cfg.instances; j++) {
			if (!janitor_needed(m, j))
				continue;
			if (cfm_cm_counts(m).tasks >= m->cfg.max_tasks)
				return false; /* the run's cap: cfh_cm_quiescent
				                 stops short, no finding */
			op->code = CFM_CM_OP_CALL;
			op->instance = j;
			return true;
		}
		return false;
	}
	if (t->state == CFM_TASK_STARTED && !unresolved) {
		op->code = CFM_CM_OP_TASK_RETURN;
		return true;
	}
	if (other_set) {
		op->code = CFM_CM_OP_WSET_DROP;
		op->set = other_set;
		return true;
	}
	if (!await && t->state == CFM_TASK_RESOLVED) {
		if (drain_set) {
			op->code = CFM_CM_OP_WSET_DROP;
			op->set = drain_set;
			return true;
		}
		op->code = CFM_CM_OP_EXIT;
		return true;
	}
	if (!drain_set) {
		op->code = CFM_CM_OP_WSET_NEW;
		return true;
	}
	for (uint32_t h = 1; h <= CFM_CM_MAX_HANDLES; h++) {
		const struct cfm_cm_subtask *s = cfm_cm_subtask_get(m, inst, h);
		if (s && s->set != drain_set &&
		    !(s->set && set_get(m, inst, s->set)->waiting > 0)) {
			op->code = CFM_CM_OP_JOIN;
			op->handle = h;
			op->set = drain_set;
			return true;
		}
	}
	op->code = CFM_CM_OP_WAIT; /* also a pending cancellation's way in */
	op->set = drain_set;
	return true;
}

/* ---- invariants ---- */

struct record {
	uint8_t resolved[CFH_CM_MAX_IDS + 1]; /* status + 1, by callee id */
	bool delivered[CFH_CM_MAX_IDS + 1];
	uint32_t callee[CFM_MAX_INSTANCES][CFM_CM_MAX_HANDLES + 1];
};

static void note_before(const struct cfm_cm *m, struct record *r)
{
	memset(r->callee, 0, sizeof(r->callee));
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++) {
		const struct cfm_cm_subtask *s = &m->subtasks[i];
		if (s->live && s->handle && s->handle <= CFM_CM_MAX_HANDLES)
			r->callee[s->instance][s->handle] = s->task;
	}
}

/* Which instance an event outcome of op belongs to. */
static uint32_t event_instance(const struct cfm_cm *before,
                               const struct cfm_cm_op *op,
                               const struct cfm_cm_outcome *o)
{
	const struct cfm_cm_task *t =
	    o->task ? cfm_cm_task_get(before, o->task) : NULL;
	if (op->code == CFM_CM_OP_POLL && op->actor == CFM_HOST)
		return 0;
	if (t)
		return t->instance;
	t = active_task(before);
	return t ? t->instance : 0;
}

static enum cfh_cm_finding check_step(const struct cfm_cm *before,
                                      const struct cfm_cm *m,
                                      const struct cfm_cm_op *op,
                                      const struct cfm_cm_outcome *o,
                                      struct record *r)
{
	if (op->code == CFM_CM_OP_CALL && op->instance < m->cfg.instances &&
	    before->trapped[op->instance] && o->what != CFM_CM_ERR &&
	    !(o->what == CFM_CM_TRAP && o->trap == CFM_CM_TRAP_TRAPPED_INSTANCE))
		return CFH_CM_TRAPPED_ENTERED;
	const struct cfm_cm_task *a = active_task(m);
	if (a && m->trapped[a->instance])
		return CFH_CM_TRAPPED_ENTERED;
	if (o->what == CFM_CM_EVENT && o->event.code == CFM_EV_SUBTASK) {
		uint32_t inst = event_instance(before, op, o);
		uint32_t id = o->event.handle <= CFM_CM_MAX_HANDLES
		                  ? r->callee[inst][o->event.handle]
		                  : 0;
		const struct cfm_cm_subtask *s =
		    cfm_cm_subtask_get(m, inst, o->event.handle);
		if (id == 0 || id > CFH_CM_MAX_IDS || r->delivered[id])
			return CFH_CM_EVENT_AFTER_DELIVERY;
		if (!s || s->state != o->event.status)
			return CFH_CM_EVENT_STALE;
	}
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++) {
		const struct cfm_cm_subtask *s = &m->subtasks[i];
		if (!s->live || s->task > CFH_CM_MAX_IDS)
			continue;
		uint8_t now = resolved(s) ? (uint8_t)(s->state + 1) : 0;
		if (r->resolved[s->task] && r->resolved[s->task] != now)
			return CFH_CM_RESOLVED_TWICE;
		r->resolved[s->task] = now;
		if (s->delivered && !resolved(s))
			return CFH_CM_RESOLVED_TWICE;
		r->delivered[s->task] |= s->delivered;
	}
	return CFH_CM_NONE;
}

/* D5: a component the guest left with backpressure raised and no task
 * to lower it: nothing can enter it again, so nothing can clean it. */
static bool closed(const struct cfm_cm *m, uint32_t j)
{
	if (j == 0 || m->backpressure[j] == 0)
		return false;
	for (size_t k = 0; k < CFM_CM_MAX_TASKS; k++)
		if (m->tasks[k].live && m->tasks[k].instance == j &&
		    m->tasks[k].susp != CFM_CM_S_ENTER)
			return false;
	return true; /* only calls waiting to enter, which never will */
}

/* Whether t, stuck at quiescence, still had a way out that a thread
 * outside the stuck set ex[] (or the host) owed it: then the drain, or
 * the model, left it running. */
static bool way_out(const struct cfm_cm *m, const bool *ex,
                    const struct cfm_cm_task *t, bool host_cancels)
{
	if (m->trapped[t->instance])
		return false; /* a trapped instance never runs again (CM-9) */
	/* W3: the thread holding its instance is outside ex[]; held by one
	 * inside, nothing else can help it (it can never run). */
	uint32_t holder = m->exclusive[t->instance];
	for (size_t q = 0; q < CFM_CM_MAX_TASKS && holder; q++)
		if (m->tasks[q].live && m->tasks[q].id == holder &&
		    holder != t->id)
			return !ex[q];
	/* W1: nobody cancelled it though its caller's side can: the host
	 * always drains its table; a component's table is drained by any
	 * of its tasks outside ex[]. */
	const struct cfm_cm_subtask *s = &m->subtasks[t->subtask];
	if (s->live && s->task == t->id && !s->cancel_requested &&
	    (t->state == CFM_TASK_STARTED || t->state == CFM_TASK_INITIAL)) {
		if (s->instance == 0 && s->handle)
			return host_cancels;
		for (size_t q = 0; q < CFM_CM_MAX_TASKS; q++)
			if (m->tasks[q].live &&
			    m->tasks[q].instance == s->instance && !ex[q])
				return true;
	}
	/* W2: it waits on a set with a member that will resolve: its
	 * callee is live and outside ex[]. */
	if (t->susp == CFM_CM_S_CB_WAIT || t->susp == CFM_CM_S_WSET_WAIT) {
		for (size_t k = 0; k < CFM_CM_MAX_SUBTASKS; k++) {
			const struct cfm_cm_subtask *w = &m->subtasks[k];
			if (!w->live || !w->handle ||
			    w->instance != t->instance || w->set != t->set)
				continue;
			if (w->pending)
				return true;
			for (size_t q = 0; q < CFM_CM_MAX_TASKS; q++)
				if (!resolved(w) && m->tasks[q].live &&
				    m->tasks[q].id == w->task && !ex[q])
					return true;
		}
	}
	return false;
}

enum cfh_cm_finding cfh_cm_quiescent(const struct cfm_cm *m, bool host_cancels,
                                    struct cfh_cm_stats *st, FILE *trace)
{
	/* The guest dead end (model/README.md, "The cm fuzz mode"): the
	 * largest set of live tasks none of which has a way out. */
	bool ex[CFM_CM_MAX_TASKS];
	for (size_t k = 0; k < CFM_CM_MAX_TASKS; k++)
		ex[k] = m->tasks[k].live;
	for (bool shrank = true; shrank;) {
		shrank = false;
		for (size_t k = 0; k < CFM_CM_MAX_TASKS; k++)
			if (ex[k] &&
			    way_out(m, ex, &m->tasks[k], host_cancels))
				ex[k] = false, shrank = true;
	}
	bool held[CFM_MAX_INSTANCES] = {false};
	for (size_t k = 0; k < CFM_CM_MAX_TASKS; k++) {
		if (!m->tasks[k].live)
			continue;
		if (!ex[k]) {
			if (trace)
				fprintf(trace, "left running: T%u\n",
				        m->tasks[k].id);
			return CFH_CM_LEFT_RUNNING;
		}
		held[m->tasks[k].instance] = true;
		st->dead_ends++;
	}
	if (m->active)
		return CFH_CM_LEFT_RUNNING;
	for (uint32_t j = 1; j < m->cfg.instances; j++) {
		if (janitor_needed(m, j)) {
			/* A janitor was due but max_tasks left no room for it
			 * (cfh_cm_drain_next): a limit of the run, not a finding. */
			st->short_runs++;
			return CFH_CM_NONE;
		}
	}
	for (size_t k = 0; k < CFM_CM_MAX_SUBTASKS; k++) {
		const struct cfm_cm_subtask *s = &m->subtasks[k];
		if (!s->live || !s->handle || held[s->instance] ||
		    m->trapped[s->instance] || closed(m, s->instance))
			continue;
		/* The host's and others' outstanding calls into a dead end or
		 * into a thread a trap unwound can never resolve. */
		bool stuck = !resolved(s);
		for (size_t q = 0; q < CFM_CM_MAX_TASKS && stuck; q++)
			if (m->tasks[q].live && m->tasks[q].id == s->task)
				stuck = ex[q];
		if (!stuck) {
			if (trace)
				fprintf(trace, "leak: h%u@%u\n", s->handle,
				        s->instance);
			return CFH_CM_LEAK;
		}
	}
	for (size_t k = 0; k < CFM_CM_MAX_SETS; k++) {
		const struct cfm_cm_set *w = &m->sets[k];
		if (w->live && !held[w->instance] && !m->trapped[w->instance] &&
		    !closed(m, w->instance)) {
			if (trace)
				fprintf(trace, "leak: set h%u@%u\n", w->handle,
				        w->instance);
			return CFH_CM_LEAK;
		}
	}
	return CFH_CM_NONE;
}

/* ---- the run ---- */

struct input {
	const uint8_t *data;
	size_t size, at;
};

static uint8_t take(struct input *in)
{
	return in->at < in->size ? in->data[in->at++] : 0;
}

static void print_step(FILE *trace, uint32_t n, const struct cfm_cm_op *op,
                       const struct cfm_cm_outcome *o, const char *tag)
{
	char a[96], b[160];
	if (trace)
		fprintf(trace, "%4u. %s%s => %s\n", n, tag,
		        cfm_cm_op_format(op, a, sizeof(a)),
		        cfm_cm_outcome_format(o, b, sizeof(b)));
}

struct run {
	struct cfm_cm m, before;
	struct record r;
};

static enum cfh_cm_finding apply(struct run *run, const struct cfm_cm_op *op,
                                 uint32_t choice, struct cfm_cm_outcome *o)
{
	run->before = run->m;
	note_before(&run->m, &run->r);
	if (cfm_cm_apply(&run->m, op, NULL, choice, o) != 0)
		return CFH_CM_REFUSED;
	return check_step(&run->before, &run->m, op, o, &run->r);
}

enum cfh_cm_finding cfh_cm_check(const uint8_t *data, size_t size,
                                 FILE *trace, struct cfh_cm_stats *stats)
{
	struct cfh_cm_stats st = {0, 0, 0, 0, 0, 0};
	struct input in = {data, size, 0};
	struct run *run = calloc(1, sizeof(*run));
	struct cfm_cm_op *c = malloc(MAX_CANDS * sizeof(*c));
	struct cfm_cm_outcome *all =
	    malloc(CFM_CM_MAX_OUTCOMES * sizeof(*all));
	enum cfh_cm_finding f = CFH_CM_NONE;
	if (!run || !c || !all)
		goto out; /* short of memory: the harness's limit, no finding */
	struct cfm_config cfg = {2 + take(&in) % 7u, 1 + take(&in) % 32u, 0, 0,
	                         0};
	cfm_cm_init(&run->m, &cfg);
	while (in.at < in.size && st.steps < CFH_CM_MAX_STEPS && !f) {
		struct cfm_cm_op op;
		struct cfm_cm_outcome o;
		uint8_t b = take(&in);
		if (b == 0xFF) {
			uint8_t code = take(&in);
			op = cfh_cm_misuse(&run->m, code, take(&in));
		} else {
			size_t n = cfh_cm_cands(&run->m, c);
			op = c[b % n]; /* never empty: the host can run/poll,
			                  a task can yield */
			if (op.code == CFM_CM_OP_TASK_RETURN)
				op.value = take(&in);
		}
		size_t k = cfm_cm_allowed(&run->m, &op, all,
		                          CFM_CM_MAX_OUTCOMES);
		uint32_t choice = 0;
		if (k > 1) {
			choice = take(&in);
			st.choice_points++;
		}
		f = apply(run, &op, choice, &o);
		st.traps += o.what == CFM_CM_TRAP;
		print_step(trace, ++st.steps, &op, &o, "");
	}
	while (!f) {
		struct cfm_cm_op op;
		struct cfm_cm_outcome o;
		if (!cfh_cm_drain_next(&run->m, true, &op)) {
			f = cfh_cm_quiescent(&run->m, true, &st, trace);
			break;
		}
		if (st.drain_steps++ >= CFH_CM_MAX_DRAIN) {
			f = CFH_CM_DRAIN_UNBOUNDED;
			break;
		}
		f = apply(run, &op, 0, &o);
		print_step(trace, st.steps + st.drain_steps, &op, &o, "drain ");
		if (!f && (o.what == CFM_CM_TRAP || o.what == CFM_CM_ERR))
			f = CFH_CM_DRAIN_MISUSE;
	}
	if (f && trace)
		fprintf(trace, "finding: %s\n", cfh_cm_finding_text(f));
out:
	free(run);
	free(c);
	free(all);
	if (stats)
		*stats = st;
	return f;
}

/* ---- the encoder ---- */

struct out {
	uint8_t *buf;
	size_t max, len;
};

static bool put(struct out *o, uint32_t b)
{
	if (b > 0xFF || o->len >= o->max)
		return false;
	o->buf[o->len++] = (uint8_t)b;
	return true;
}

static bool same_op(const struct cfm_cm_op *a, const struct cfm_cm_op *b)
{
	char x[96], y[96];
	struct cfm_cm_op a2 = *a, b2 = *b;
	a2.value = b2.value = 0; /* task.return's value is its own byte */
	a2.n = b2.n = 0;         /* run's choice is the choice byte */
	return strcmp(cfm_cm_op_format(&a2, x, sizeof(x)),
	              cfm_cm_op_format(&b2, y, sizeof(y))) == 0;
}

/* The misuse bytes that decode to op, if any. */
static bool encode_misuse(const struct cfm_cm *m, const struct cfm_cm_op *op,
                          struct out *o)
{
	for (uint32_t arg = 0; arg < 256; arg++) {
		struct cfm_cm_op d =
		    cfh_cm_misuse(m, (uint8_t)op->code, (uint8_t)arg);
		if (same_op(&d, op) && d.value == (op->code ==
		                                   CFM_CM_OP_TASK_RETURN
		                                       ? op->value
		                                       : d.value))
			return put(o, 0xFF) && put(o, op->code) && put(o, arg);
	}
	return false;
}

size_t cfh_cm_encode(const struct cfm_config *cfg, const struct cfm_cm_op *ops,
                     char *const *results, size_t n, uint8_t *buf, size_t max,
                     size_t *bad)
{
	struct cfm_cm *m = malloc(sizeof(*m));
	struct cfm_cm_op *c = malloc(MAX_CANDS * sizeof(*c));
	struct cfm_cm_outcome *all =
	    malloc(CFM_CM_MAX_OUTCOMES * sizeof(*all));
	struct out o = {buf, max, 0};
	size_t i = 0;
	bool ok = m && c && all && cfg->instances >= 2 &&
	          cfg->instances <= 8 && cfg->max_tasks >= 1 &&
	          cfg->max_tasks <= 32 && put(&o, cfg->instances - 2) &&
	          put(&o, cfg->max_tasks - 1);
	struct cfm_config c2 = {ok ? cfg->instances : 2,
	                        ok ? cfg->max_tasks : 1, 0, 0, 0};
	if (ok)
		cfm_cm_init(m, &c2);
	for (; ok && i < n && i < CFH_CM_MAX_STEPS; i++) {
		const struct cfm_cm_task *t = active_task(m);
		if (ops[i].actor != (t ? t->id : CFM_HOST)) {
			ok = false;
			break;
		}
		size_t nc = cfh_cm_cands(m, c), k;
		for (k = 0; k < nc && !same_op(&c[k], &ops[i]); k++)
			;
		if (k < nc) {
			ok = put(&o, (uint32_t)k) &&
			     (ops[i].code != CFM_CM_OP_TASK_RETURN ||
			      put(&o, ops[i].value));
		} else {
			ok = encode_misuse(m, &ops[i], &o);
		}
		size_t na = cfm_cm_allowed(m, &ops[i], all,
		                           CFM_CM_MAX_OUTCOMES);
		uint32_t choice = ops[i].code == CFM_CM_OP_RUN ? ops[i].n : 0;
		if (results && results[i]) {
			char text[160];
			for (choice = 0; choice < na; choice++)
				if (strcmp(cfm_cm_outcome_format(&all[choice],
				                                 text,
				                                 sizeof(text)),
				           results[i]) == 0)
					break;
			ok = ok && choice < na;
		}
		if (na > 1)
			ok = ok && put(&o, choice % (uint32_t)na);
		struct cfm_cm_outcome taken;
		ok = ok && cfm_cm_apply(m, &ops[i], NULL,
		                        choice % (uint32_t)(na ? na : 1),
		                        &taken) == 0;
	}
	free(m);
	free(c);
	free(all);
	if (!ok) {
		*bad = i;
		return 0;
	}
	return o.len;
}
