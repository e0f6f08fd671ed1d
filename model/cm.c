/* cm.c - the `cm` profile: the Component Model's canonical ABI as plain data.
 *
 * Citations name the spec's function or section (`cm: canon_subtask_cancel`)
 * in design/mvp/canonical-abi/definitions.py at main@6d281648bd89, or the PR
 * that changed it afterwards (`cm #716`); model/README.md, section "The cm
 * profile", explains each reading. Every operation is written as
 * step(choice): choice 0, 1, 2 ... name the outcomes the spec allows, and
 * step returns false for a choice past the last. Enumerating, checking an
 * observed outcome and picking by an input byte are all done by running
 * step on a copy of the state.
 */
#include "cfm_cm.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define NAME_OPCODE(name, text) text,
#define NAME_TRAP(name, text) #name,
#define TEXT_TRAP(name, text) text,
static const char *const opcode_names[] = {CFM_CM_OPCODES(NAME_OPCODE)};
static const char *const trap_names[] = {CFM_CM_TRAPS(NAME_TRAP)};
static const char *const trap_texts[] = {CFM_CM_TRAPS(TEXT_TRAP)};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *cfm_cm_opcode_name(enum cfm_cm_opcode code)
{
	return (size_t)code < COUNT(opcode_names) ? opcode_names[code] : "?";
}

const char *cfm_cm_trap_text(enum cfm_cm_trap trap)
{
	return (size_t)trap < COUNT(trap_texts) ? trap_texts[trap] : "?";
}

static const char *trap_name(enum cfm_cm_trap trap)
{
	return (size_t)trap < COUNT(trap_names) ? trap_names[trap] : "?";
}

/* ---- lookups ---- */

static struct cfm_cm_task *task_get(struct cfm_cm *m, uint32_t id)
{
	for (size_t i = 0; i < CFM_CM_MAX_TASKS; i++)
		if (id != 0 && m->tasks[i].live && m->tasks[i].id == id)
			return &m->tasks[i];
	return NULL;
}

const struct cfm_cm_task *cfm_cm_task_get(const struct cfm_cm *m, uint32_t id)
{
	return task_get((struct cfm_cm *)m, id);
}

static struct cfm_cm_subtask *sub_at(struct cfm_cm *m, uint32_t inst,
                                     uint32_t h)
{
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++) {
		struct cfm_cm_subtask *s = &m->subtasks[i];
		if (h != 0 && s->live && s->instance == inst && s->handle == h)
			return s;
	}
	return NULL;
}

const struct cfm_cm_subtask *cfm_cm_subtask_get(const struct cfm_cm *m,
                                                uint32_t inst, uint32_t h)
{
	return sub_at((struct cfm_cm *)m, inst, h);
}

static struct cfm_cm_set *set_at(struct cfm_cm *m, uint32_t inst, uint32_t h)
{
	for (size_t i = 0; i < CFM_CM_MAX_SETS; i++) {
		struct cfm_cm_set *w = &m->sets[i];
		if (h != 0 && w->live && w->instance == inst && w->handle == h)
			return w;
	}
	return NULL;
}

/* The subtask of task t: the caller's half of the call that made it. */
static struct cfm_cm_subtask *sub_of(struct cfm_cm *m,
                                     const struct cfm_cm_task *t)
{
	struct cfm_cm_subtask *s = &m->subtasks[t->subtask];
	return s->live && s->task == t->id ? s : NULL;
}

struct cfm_cm_counts cfm_cm_counts(const struct cfm_cm *m)
{
	struct cfm_cm_counts c = {0, 0, 0};
	for (size_t i = 0; i < CFM_CM_MAX_TASKS; i++)
		c.tasks += m->tasks[i].live;
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++)
		c.subtasks += m->subtasks[i].live && m->subtasks[i].handle;
	for (size_t i = 0; i < CFM_CM_MAX_SETS; i++)
		c.sets += m->sets[i].live;
	return c;
}

/* ---- the handle table (cm: Table) ---- */

static bool table_full(const struct cfm_cm *m, uint32_t inst)
{
	const struct cfm_cm_table *t = &m->table[inst];
	return t->nfree == 0 && t->length > CFM_CM_MAX_HANDLES;
}

/* cm: Table.add - the most recently freed index, else a new one. */
static uint32_t table_add(struct cfm_cm *m, uint32_t inst)
{
	struct cfm_cm_table *t = &m->table[inst];
	if (t->length == 0)
		t->length = 1; /* cm: Table.__init__, index 0 is never used */
	if (t->nfree > 0)
		return t->free[--t->nfree];
	return t->length++;
}

/* cm: Table.remove - the index goes on the free stack. */
static void table_remove(struct cfm_cm *m, uint32_t inst, uint32_t h)
{
	struct cfm_cm_table *t = &m->table[inst];
	t->free[t->nfree++] = h;
}

/* ---- waitables and events ---- */

static bool set_has_event(struct cfm_cm *m, uint32_t inst, uint32_t h)
{
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++) {
		struct cfm_cm_subtask *s = &m->subtasks[i];
		if (s->live && s->instance == inst && s->set == h && s->pending)
			return true;
	}
	return false;
}

/* The k-th (by handle) member of a set with a pending event, or NULL. The
 * spec shuffles the set before it looks (cm: WaitableSet.get_pending_event),
 * so every one of them is allowed. */
static struct cfm_cm_subtask *pending_member(struct cfm_cm *m, uint32_t inst,
                                             uint32_t h, uint32_t k)
{
	for (uint32_t handle = 1; handle <= CFM_CM_MAX_HANDLES; handle++) {
		struct cfm_cm_subtask *s = sub_at(m, inst, handle);
		if (s && s->set == h && s->pending && k-- == 0)
			return s;
	}
	return NULL;
}

static uint32_t count_members(struct cfm_cm *m, uint32_t inst, uint32_t h)
{
	uint32_t n = 0;
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS; i++)
		n += m->subtasks[i].live && m->subtasks[i].instance == inst &&
		     m->subtasks[i].set == h;
	return n;
}

/* cm: canon_lower's on_progress - only once the call has returned with a
 * handle; progress during the callee's first turn makes no event. The
 * event is a closure that reads the state when delivered, so a later
 * progress coalesces with an earlier one. */
static void progress(struct cfm_cm_subtask *s)
{
	if (s->handle != 0)
		s->pending = true;
}

/* cm: subtask_event - the state now; a resolved one is delivered. */
static struct cfm_event deliver(struct cfm_cm_subtask *s)
{
	struct cfm_event ev = {CFM_EV_SUBTASK, s->handle, s->state};
	s->pending = false;
	if (cfm_status_resolved(s->state))
		s->delivered = true; /* cm: Subtask.deliver_resolve */
	return ev;
}

/* cm: Subtask.resolve, through canon_lower's on_resolve. */
static void resolve(struct cfm_cm_subtask *s, enum cfm_status state,
                    enum cfm_kind kind, uint32_t value)
{
	if (!s)
		return; /* its caller trapped away */
	s->state = state;
	s->kind = kind;
	s->value = value;
	progress(s);
}

/* ---- threads and control ---- */

static void free_task(struct cfm_cm *m, struct cfm_cm_task *t)
{
	if (m->exclusive[t->instance] == t->id)
		m->exclusive[t->instance] = 0;
	t->live = false;
}

/* The task t's thread blocked or exited during the first turn its caller
 * started: control goes back to the caller, whose call returns now (cm:
 * canon_lift returns after thread.resume(), then canon_lower). */
static void back_to_caller(struct cfm_cm *m, struct cfm_cm_task *t,
                           struct cfm_cm_subtask *s, struct cfm_cm_outcome *o)
{
	t->nested = false;
	o->back = true;
	o->back_to = t->caller;
	o->back_task = t->id;
	if (s && cfm_status_resolved(s->state)) {
		/* cm: canon_lower, resolved before returning: RETURNED, no
		 * handle, nothing left to deliver. */
		o->back_status = s->state;
		memset(s, 0, sizeof(*s));
	} else if (s) {
		s->handle = table_add(m, s->instance); /* cm: canon_lower */
		o->back_status = s->state;
		o->back_handle = s->handle;
	}
	struct cfm_cm_task *c = task_get(m, t->caller);
	if (c) {
		c->susp = CFM_CM_S_ACTIVE;
		m->active = c->id;
	} else {
		m->active = 0;
	}
}

/* The active task's thread blocks in state susp. */
static void suspend(struct cfm_cm *m, struct cfm_cm_task *t,
                    enum cfm_cm_susp susp, struct cfm_cm_outcome *o)
{
	t->susp = susp;
	o->what = CFM_CM_SUSPENDED;
	if (t->nested)
		back_to_caller(m, t, sub_of(m, t), o);
	else
		m->active = 0;
}

/* cm: trap - a Trap unwinds the whole stack of the active thread: the task
 * that trapped and every caller waiting in a call below it are gone, none
 * of them resolved. The trapping instance refuses entry from now on. */
static void trap_out(struct cfm_cm *m, struct cfm_cm_task *t,
                     enum cfm_cm_trap code, struct cfm_cm_outcome *o)
{
	o->what = CFM_CM_TRAP;
	o->trap = code;
	if (!t)
		return;
	if (code != CFM_CM_TRAP_TRAPPED_INSTANCE)
		m->trapped[t->instance] = true;
	while (t) {
		struct cfm_cm_task *next = t->nested ? task_get(m, t->caller)
		                                     : NULL;
		free_task(m, t);
		t = next;
	}
	m->active = 0;
}

/* cm: Task.enter_implicit_thread's has_backpressure - a callback-lifted
 * task needs the instance to itself (needs_exclusive). */
static bool has_backpressure(const struct cfm_cm *m, uint32_t inst)
{
	return m->backpressure[inst] > 0 || m->exclusive[inst] != 0;
}

static uint32_t waiting_to_enter(struct cfm_cm *m, uint32_t inst)
{
	uint32_t n = 0;
	for (size_t i = 0; i < CFM_CM_MAX_TASKS; i++)
		n += m->tasks[i].live && m->tasks[i].instance == inst &&
		     m->tasks[i].susp == CFM_CM_S_ENTER;
	return n;
}

/* The thread starts its turn: it holds its instance (cm: canon_lift's
 * event loop, `inst.exclusive_thread = task.implicit_thread`). */
static void activate(struct cfm_cm *m, struct cfm_cm_task *t)
{
	t->susp = CFM_CM_S_ACTIVE;
	m->active = t->id;
	m->exclusive[t->instance] = t->id;
}

/* cm: Task.start via on_start - the subtask is STARTED. */
static void start(struct cfm_cm *m, struct cfm_cm_task *t)
{
	struct cfm_cm_subtask *s = sub_of(m, t);
	t->state = CFM_TASK_STARTED;
	t->started = true;
	if (s) {
		s->state = CFM_STARTED;
		progress(s);
	}
}

/* ---- operations: each takes a choice and returns false past the last ---- */

static bool op_call(struct cfm_cm *m, struct cfm_cm_task *actor,
                    const struct cfm_cm_op *op, uint32_t choice,
                    struct cfm_cm_outcome *o)
{
	uint32_t from = actor ? actor->instance : 0, j = op->instance;
	if (j < 1 || j >= m->cfg.instances || j <= from) {
		o->err = CFM_E_BADINSTANCE; /* the harness's call graph (C-2) */
		return choice == 0;
	}
	if (m->trapped[j]) {
		/* cm: Store.lift's trap_if(not inst.may_enter_from(caller)),
		 * read as: a trapped instance is never entered again. */
		if (choice == 0)
			trap_out(m, actor, CFM_CM_TRAP_TRAPPED_INSTANCE, o);
		return choice == 0;
	}
	struct cfm_cm_task *t = NULL;
	struct cfm_cm_subtask *s = NULL;
	for (size_t i = 0; i < CFM_CM_MAX_TASKS && !t; i++)
		if (!m->tasks[i].live)
			t = &m->tasks[i];
	for (size_t i = 0; i < CFM_CM_MAX_SUBTASKS && !s; i++)
		if (!m->subtasks[i].live)
			s = &m->subtasks[i];
	if (!t || !s ||
	    (uint32_t)cfm_cm_counts(m).tasks >= m->cfg.max_tasks ||
	    table_full(m, from)) {
		o->err = CFM_E_LIMIT; /* the model's arrays, not the spec */
		return choice == 0;
	}
	/* cm: Task.enter_implicit_thread - it waits while there is
	 * backpressure, or while others wait, but then wait_until's ready
	 * function already holds and the host may go on at once. */
	uint32_t n = has_backpressure(m, j)      ? 1
	             : waiting_to_enter(m, j) > 0 ? 2
	                                          : 1;
	bool queue = has_backpressure(m, j) || (n == 2 && choice == 0);
	if (choice >= n)
		return false;
	memset(t, 0, sizeof(*t));
	t->live = true;
	t->id = ++m->next_task_id;
	t->instance = j;
	t->state = CFM_TASK_INITIAL;
	t->subtask = (uint32_t)(s - m->subtasks);
	t->caller = actor ? actor->id : CFM_HOST;
	memset(s, 0, sizeof(*s));
	s->live = true;
	s->instance = from;
	s->task = t->id;
	s->state = CFM_STARTING;
	if (queue) {
		/* cm: canon_lower - not resolved: a handle, STARTING. */
		t->susp = CFM_CM_S_ENTER;
		s->handle = table_add(m, from);
		o->what = CFM_CM_STATUS;
		o->status = CFM_STARTING;
		o->handle = s->handle;
		o->task = t->id;
		return true;
	}
	/* cm: canon_lift - thread.resume() runs the callee's first turn
	 * inside the call; the caller waits in it. */
	if (actor)
		actor->susp = CFM_CM_S_CALLING;
	t->nested = true;
	start(m, t);
	activate(m, t);
	o->what = CFM_CM_EVENT;
	o->task = t->id;
	o->event.code = CFM_EV_START;
	return true;
}

/* A handle of the actor's instance that must be a subtask. */
static struct cfm_cm_subtask *subtask_or_trap(struct cfm_cm *m,
                                              struct cfm_cm_task *actor,
                                              uint32_t h,
                                              struct cfm_cm_outcome *o)
{
	uint32_t inst = actor ? actor->instance : 0;
	struct cfm_cm_subtask *s = sub_at(m, inst, h);
	if (!s)
		trap_out(m, actor,
		         set_at(m, inst, h) ? CFM_CM_TRAP_NOT_SUBTASK
		                            : CFM_CM_TRAP_BAD_INDEX,
		         o); /* cm: Table.get, isinstance(Subtask) */
	return s;
}

static struct cfm_cm_set *set_or_trap(struct cfm_cm *m,
                                      struct cfm_cm_task *actor, uint32_t h,
                                      struct cfm_cm_outcome *o)
{
	uint32_t inst = actor ? actor->instance : 0;
	struct cfm_cm_set *w = set_at(m, inst, h);
	if (!w)
		trap_out(m, actor,
		         sub_at(m, inst, h) ? CFM_CM_TRAP_NOT_SET
		                            : CFM_CM_TRAP_BAD_INDEX,
		         o); /* cm: Table.get, isinstance(WaitableSet) */
	return w;
}

/* cm: Task.request_cancellation, post-#716: a task waiting in its event
 * loop is resumed later with TASK_CANCELLED (it is a candidate unless
 * another thread holds its instance); any other is PENDING_CANCEL. */
static void request_cancellation(struct cfm_cm *m, struct cfm_cm_task *t)
{
	struct cfm_cm_subtask *s = sub_of(m, t);
	switch (t->state) {
	case CFM_TASK_INITIAL:
		/* cm: the waiting-to-enter thread resumes cancelled, so
		 * enter_implicit_thread calls Task.cancel: it never starts. */
		resolve(s, CFM_CANCELLED_BEFORE_STARTED, CFM_KIND_OK, 0);
		free_task(m, t);
		return;
	case CFM_TASK_STARTED:
		if ((t->susp == CFM_CM_S_CB_WAIT ||
		     t->susp == CFM_CM_S_CB_YIELD) &&
		    m->exclusive[t->instance] == 0) {
			t->state = CFM_TASK_CANCEL_DELIVERED;
			t->cancel_due = true;
		} else {
			t->state = CFM_TASK_PENDING_CANCEL;
		}
		return;
	case CFM_TASK_PENDING_CANCEL:
	case CFM_TASK_CANCEL_DELIVERED:
	case CFM_TASK_RESOLVED:
		return;
	}
}

static bool op_subtask_cancel(struct cfm_cm *m, struct cfm_cm_task *actor,
                              const struct cfm_cm_op *op, uint32_t choice,
                              struct cfm_cm_outcome *o)
{
	struct cfm_cm_subtask *s = subtask_or_trap(m, actor, op->handle, o);
	if (!s)
		return choice == 0;
	if (s->delivered) { /* cm: canon_subtask_cancel */
		trap_out(m, actor, CFM_CM_TRAP_CANCEL_DELIVERED, o);
		return choice == 0;
	}
	if (s->cancel_requested) { /* cm: canon_subtask_cancel */
		trap_out(m, actor, CFM_CM_TRAP_CANCEL_TWICE, o);
		return choice == 0;
	}
	if (!cfm_status_resolved(s->state)) {
		struct cfm_cm_task *t = task_get(m, s->task);
		bool yields = actor && t && t->state == CFM_TASK_STARTED;
		if (choice >= (yields ? 2u : 1u))
			return false;
		s->cancel_requested = true;
		if (t)
			request_cancellation(m, t); /* cm: on_cancel */
		if (!cfm_status_resolved(s->state)) {
			/* cm #716: the caller yields before deciding; the
			 * yield may return at once (BLOCKED: nothing ran) or
			 * let the host run anyone first. The host has no
			 * thread to yield. */
			if (choice == 1) {
				actor->cancel_handle = op->handle;
				suspend(m, actor, CFM_CM_S_CANCEL, o);
				o->what = CFM_CM_SWITCH;
				return true;
			}
			o->what = CFM_CM_STATUS;
			o->status = CFM_BLOCKED;
			return true;
		}
	} else if (choice > 0) {
		return false;
	}
	/* cm: canon_subtask_cancel - resolved: its pending event is taken
	 * and returned as the state, which delivers it. */
	deliver(s);
	o->what = CFM_CM_STATUS;
	o->status = s->state;
	return true;
}

static bool op_subtask_drop(struct cfm_cm *m, struct cfm_cm_task *actor,
                            const struct cfm_cm_op *op, uint32_t choice,
                            struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	struct cfm_cm_subtask *s = subtask_or_trap(m, actor, op->handle, o);
	if (!s)
		return true;
	if (!s->delivered) { /* cm: Subtask.drop */
		trap_out(m, actor, CFM_CM_TRAP_DROP_UNDELIVERED, o);
		return true;
	}
	table_remove(m, s->instance, s->handle); /* cm: canon_subtask_drop */
	memset(s, 0, sizeof(*s)); /* cm: Waitable.drop leaves its set */
	o->what = CFM_CM_OK;
	return true;
}

static bool op_task_return(struct cfm_cm *m, struct cfm_cm_task *t,
                           const struct cfm_cm_op *op, uint32_t choice,
                           struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	if (t->state == CFM_TASK_RESOLVED) { /* cm: Task.return_ */
		trap_out(m, t, CFM_CM_TRAP_RETURN_RESOLVED, o);
		return true;
	}
	resolve(sub_of(m, t), CFM_RETURNED, op->kind, op->value);
	t->state = CFM_TASK_RESOLVED;
	o->what = CFM_CM_OK;
	return true;
}

static bool op_task_cancel(struct cfm_cm *m, struct cfm_cm_task *t,
                           uint32_t choice, struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	if (t->state != CFM_TASK_CANCEL_DELIVERED) { /* cm: Task.cancel */
		trap_out(m, t, CFM_CM_TRAP_CANCEL_NOT_DELIVERED, o);
		return true;
	}
	struct cfm_cm_subtask *s = sub_of(m, t);
	/* cm: canon_lower's on_resolve(None) */
	resolve(s, s && s->state == CFM_STARTING ? CFM_CANCELLED_BEFORE_STARTED
	                                          : CFM_CANCELLED_BEFORE_RETURNED,
	        CFM_KIND_OK, 0);
	t->state = CFM_TASK_RESOLVED;
	o->what = CFM_CM_OK;
	return true;
}

static bool op_wset_new(struct cfm_cm *m, struct cfm_cm_task *actor,
                        uint32_t choice, struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	struct cfm_cm_set *w = NULL;
	for (size_t i = 0; i < CFM_CM_MAX_SETS && !w; i++)
		if (!m->sets[i].live)
			w = &m->sets[i];
	if (!w || table_full(m, actor->instance)) {
		o->err = CFM_E_LIMIT;
		return true;
	}
	memset(w, 0, sizeof(*w)); /* cm: canon_waitable_set_new */
	w->live = true;
	w->instance = actor->instance;
	w->handle = table_add(m, actor->instance);
	o->what = CFM_CM_NEW;
	o->handle = w->handle;
	return true;
}

static bool op_wset_drop(struct cfm_cm *m, struct cfm_cm_task *actor,
                         const struct cfm_cm_op *op, uint32_t choice,
                         struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	struct cfm_cm_set *w = set_or_trap(m, actor, op->set, o);
	if (!w)
		return true;
	if (count_members(m, w->instance, w->handle) > 0) {
		trap_out(m, actor, CFM_CM_TRAP_SET_NOT_EMPTY, o);
		return true; /* cm: WaitableSet.drop */
	}
	if (w->waiting > 0) {
		trap_out(m, actor, CFM_CM_TRAP_SET_WAITED_ON, o);
		return true; /* cm: WaitableSet.drop */
	}
	table_remove(m, w->instance, w->handle);
	memset(w, 0, sizeof(*w));
	o->what = CFM_CM_OK;
	return true;
}

static bool op_join(struct cfm_cm *m, struct cfm_cm_task *actor,
                    const struct cfm_cm_op *op, uint32_t choice,
                    struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	/* cm: canon_waitable_join - a set is not a waitable. */
	struct cfm_cm_subtask *s = subtask_or_trap(m, actor, op->handle, o);
	if (!s)
		return true;
	if (op->set != 0 && !set_or_trap(m, actor, op->set, o))
		return true;
	s->set = op->set; /* cm: Waitable.join */
	o->what = CFM_CM_OK;
	return true;
}

static bool op_wset_poll(struct cfm_cm *m, struct cfm_cm_task *actor,
                         const struct cfm_cm_op *op, uint32_t choice,
                         struct cfm_cm_outcome *o)
{
	struct cfm_cm_set *w = set_or_trap(m, actor, op->set, o);
	if (!w)
		return choice == 0;
	/* cm #716: poll takes no `cancellable`, so never TASK_CANCELLED. */
	o->what = CFM_CM_EVENT;
	if (!set_has_event(m, w->instance, w->handle)) {
		o->event.code = CFM_EV_NONE;
		return choice == 0;
	}
	struct cfm_cm_subtask *s =
	    pending_member(m, w->instance, w->handle, choice);
	if (!s)
		return false;
	o->event = deliver(s); /* cm: WaitableSet.get_pending_event */
	return true;
}

/* The choices of a wait that may go on at once (cm: Thread.wait_until:
 * `if ready_func() and random.randint(0,1)`): 0 blocks, k >= 1 goes on
 * with the (k-1)-th pending member of the set, or with NONE for a set of
 * 0 (a yield). Returns false past the last choice. */
static bool wait_or_go_on(struct cfm_cm *m, struct cfm_cm_task *t,
                          enum cfm_cm_susp susp, uint32_t set, bool ready,
                          uint32_t choice, struct cfm_cm_outcome *o)
{
	struct cfm_cm_set *w = set ? set_at(m, t->instance, set) : NULL;
	if (choice == 0) {
		t->set = set;
		if (w)
			w->waiting++; /* cm: WaitableSet.num_waiting */
		suspend(m, t, susp, o);
		return true;
	}
	if (!ready)
		return false;
	o->what = CFM_CM_EVENT;
	o->task = t->id;
	if (w) {
		struct cfm_cm_subtask *s =
		    pending_member(m, t->instance, set, choice - 1);
		if (!s)
			return false;
		o->event = deliver(s);
	} else if (choice > 1) {
		return false;
	}
	activate(m, t);
	return true;
}

/* The callback returned WAIT(set) or YIELD (cm: canon_lift's event loop):
 * the instance is let go; a pending cancellation goes on at once as
 * TASK_CANCELLED (cm: Task.deliver_pending_cancel, cancellable). */
static bool op_cb_wait(struct cfm_cm *m, struct cfm_cm_task *t,
                       const struct cfm_cm_op *op, bool yield,
                       uint32_t choice, struct cfm_cm_outcome *o)
{
	if (!yield && !set_or_trap(m, t, op->set, o))
		return choice == 0;
	m->exclusive[t->instance] = 0;
	if (t->state == CFM_TASK_PENDING_CANCEL) {
		if (choice > 0)
			return false;
		t->state = CFM_TASK_CANCEL_DELIVERED;
		activate(m, t);
		o->what = CFM_CM_EVENT;
		o->task = t->id;
		o->event.code = CFM_EV_TASK_CANCELLED;
		return true;
	}
	bool ready = yield || set_has_event(m, t->instance, op->set);
	return wait_or_go_on(m, t,
	                     yield ? CFM_CM_S_CB_YIELD : CFM_CM_S_CB_WAIT,
	                     yield ? 0 : op->set, ready, choice, o);
}

/* waitable-set.wait and thread.yield called inside the callback: the
 * thread blocks holding its instance, and (cm #716: no `cancellable`)
 * never receives TASK_CANCELLED there. */
static bool op_builtin_wait(struct cfm_cm *m, struct cfm_cm_task *t,
                            const struct cfm_cm_op *op, bool yield,
                            uint32_t choice, struct cfm_cm_outcome *o)
{
	if (!yield && !set_or_trap(m, t, op->set, o))
		return choice == 0;
	bool ready = yield || set_has_event(m, t->instance, op->set);
	uint32_t holder = m->exclusive[t->instance];
	bool r = wait_or_go_on(m, t,
	                       yield ? CFM_CM_S_THREAD_YIELD
	                             : CFM_CM_S_WSET_WAIT,
	                       yield ? 0 : op->set, ready, choice, o);
	m->exclusive[t->instance] = holder; /* still held while blocked */
	return r;
}

static bool op_exit(struct cfm_cm *m, struct cfm_cm_task *t, uint32_t choice,
                    struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	if (t->state != CFM_TASK_RESOLVED) { /* cm: Task.unregister_thread */
		trap_out(m, t, CFM_CM_TRAP_EXIT_UNRESOLVED, o);
		return true;
	}
	o->what = CFM_CM_OK;
	if (t->nested)
		back_to_caller(m, t, sub_of(m, t), o);
	else
		m->active = 0;
	free_task(m, t); /* cm: Task.exit_implicit_thread */
	return true;
}

static bool op_backpressure(struct cfm_cm *m, struct cfm_cm_task *t, int delta,
                            uint32_t choice, struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	uint32_t *bp = &m->backpressure[t->instance];
	if (delta > 0 && *bp + 1 >= CFM_CM_BACKPRESSURE_LIMIT) {
		trap_out(m, t, CFM_CM_TRAP_BP_OVERFLOW, o);
		return true; /* cm: canon_backpressure_inc */
	}
	if (delta < 0 && *bp == 0) {
		trap_out(m, t, CFM_CM_TRAP_BP_UNDERFLOW, o);
		return true; /* cm: canon_backpressure_dec */
	}
	*bp = delta > 0 ? *bp + 1 : *bp - 1;
	o->what = CFM_CM_OK;
	return true;
}

/* cm #707 (a reading): a cancellation left PENDING_CANCEL because another
 * thread held the instance may reach a callback waiting in its event loop
 * as soon as the instance is free, as TASK_CANCELLED; the snapshot's
 * definitions.py hands it over only at the callback's next WAIT or YIELD.
 * Both are allowed: 1 when t has that extra outcome. */
static uint32_t late_cancel(const struct cfm_cm_task *t)
{
	return t->state == CFM_TASK_PENDING_CANCEL && !t->cancel_due;
}

/* How many outcomes resuming t has now (cm: Store.tick's candidates, each
 * with what its thread is handed); 0 if it is not ready. */
static uint32_t resumptions(struct cfm_cm *m, struct cfm_cm_task *t)
{
	uint32_t j = t->instance, n = 0;
	if (!t->live || m->trapped[j])
		return 0;
	switch (t->susp) {
	case CFM_CM_S_ENTER:
		return !has_backpressure(m, j);
	case CFM_CM_S_CB_WAIT:
		if (m->exclusive[j] != 0)
			return 0;
		if (t->cancel_due)
			return 1;
		while (pending_member(m, j, t->set, n))
			n++;
		return n + late_cancel(t); /* cm #707: one more, last */
	case CFM_CM_S_CB_YIELD:
		return m->exclusive[j] == 0 ? 1 + late_cancel(t) : 0;
	case CFM_CM_S_WSET_WAIT:
		while (pending_member(m, j, t->set, n))
			n++;
		return n;
	case CFM_CM_S_THREAD_YIELD:
	case CFM_CM_S_CANCEL:
		return 1;
	case CFM_CM_S_ACTIVE:
	case CFM_CM_S_CALLING:
		return 0;
	}
	return 0;
}

/* cm: Store.tick - any ready thread may run; the choices go by task id,
 * then by what the thread is handed. */
static bool op_run(struct cfm_cm *m, uint32_t choice, struct cfm_cm_outcome *o)
{
	struct cfm_cm_task *t = NULL;
	uint32_t k = choice, total = 0;
	for (uint32_t id = 1; id <= m->next_task_id; id++) {
		struct cfm_cm_task *c = task_get(m, id);
		uint32_t n = c ? resumptions(m, c) : 0;
		total += n;
		if (!t && k < n)
			t = c;
		else if (!t)
			k -= n;
	}
	if (total == 0) {
		o->err = CFM_E_RANGE; /* nothing is ready */
		return choice == 0;
	}
	if (!t)
		return false;
	struct cfm_cm_set *w = set_at(m, t->instance, t->set);
	o->what = CFM_CM_EVENT;
	o->task = t->id;
	switch (t->susp) {
	case CFM_CM_S_ENTER:
		start(m, t); /* cm: Task.enter_implicit_thread, then start */
		o->event.code = CFM_EV_START;
		break;
	case CFM_CM_S_CB_WAIT:
	case CFM_CM_S_WSET_WAIT:
		if (w && w->waiting > 0)
			w->waiting--;
		if (t->cancel_due) {
			t->cancel_due = false; /* resumed Cancelled.TRUE */
			o->event.code = CFM_EV_TASK_CANCELLED;
		} else if (t->susp == CFM_CM_S_CB_WAIT &&
		           !pending_member(m, t->instance, t->set, k)) {
			/* cm #707: the extra, last outcome (late_cancel) */
			t->state = CFM_TASK_CANCEL_DELIVERED;
			o->event.code = CFM_EV_TASK_CANCELLED;
		} else {
			o->event = deliver(pending_member(m, t->instance,
			                                  t->set, k));
		}
		break;
	case CFM_CM_S_CB_YIELD:
		o->event.code = t->cancel_due || k == 1 ? CFM_EV_TASK_CANCELLED
		                                        : CFM_EV_NONE;
		if (k == 1) /* cm #707: the extra outcome (late_cancel) */
			t->state = CFM_TASK_CANCEL_DELIVERED;
		t->cancel_due = false;
		break;
	case CFM_CM_S_THREAD_YIELD:
		o->event.code = CFM_EV_NONE;
		break;
	case CFM_CM_S_CANCEL: {
		/* cm #716: after its yield, subtask.cancel returns the state
		 * if the subtask resolved meanwhile, else BLOCKED. */
		struct cfm_cm_subtask *s =
		    sub_at(m, t->instance, t->cancel_handle);
		o->what = CFM_CM_RESUMED;
		o->status = CFM_BLOCKED;
		if (s && cfm_status_resolved(s->state)) {
			deliver(s);
			o->status = s->state;
		}
		break;
	}
	case CFM_CM_S_ACTIVE:
	case CFM_CM_S_CALLING:
		break;
	}
	t->set = 0;
	activate(m, t);
	return true;
}

/* The host's own events, lowest handle first (the host is the harness,
 * not a component: a reading, as in the contract's C-25). */
static bool op_poll(struct cfm_cm *m, uint32_t choice, struct cfm_cm_outcome *o)
{
	if (choice > 0)
		return false;
	o->what = CFM_CM_EVENT;
	for (uint32_t h = 1; h <= CFM_CM_MAX_HANDLES; h++) {
		struct cfm_cm_subtask *s = sub_at(m, 0, h);
		if (s && s->pending) {
			o->event = deliver(s);
			return true;
		}
	}
	o->event.code = CFM_EV_NONE;
	return true;
}

static bool task_only(enum cfm_cm_opcode code)
{
	switch (code) {
	case CFM_CM_OP_CALL:
	case CFM_CM_OP_SUBTASK_CANCEL:
	case CFM_CM_OP_SUBTASK_DROP:
	case CFM_CM_OP_RUN:
	case CFM_CM_OP_POLL:
		return false;
	case CFM_CM_OP_TASK_RETURN:
	case CFM_CM_OP_TASK_CANCEL:
	case CFM_CM_OP_WSET_NEW:
	case CFM_CM_OP_WSET_WAIT:
	case CFM_CM_OP_WSET_POLL:
	case CFM_CM_OP_WSET_DROP:
	case CFM_CM_OP_JOIN:
	case CFM_CM_OP_THREAD_YIELD:
	case CFM_CM_OP_BP_INC:
	case CFM_CM_OP_BP_DEC:
	case CFM_CM_OP_WAIT:
	case CFM_CM_OP_YIELD:
	case CFM_CM_OP_EXIT:
		return true;
	}
	return true;
}

/* One outcome of op: choice names which; false past the last. */
static bool step(struct cfm_cm *m, const struct cfm_cm_op *op, uint32_t choice,
                 struct cfm_cm_outcome *o)
{
	struct cfm_cm_task *t = m->active ? task_get(m, m->active) : NULL;
	memset(o, 0, sizeof(*o));
	o->what = CFM_CM_ERR;
	/* Who may act, as in the contract (section 3): not a spec case. */
	if (op->actor == CFM_HOST) {
		if (t)
			o->err = CFM_E_ACTIVE;
		else if (task_only(op->code))
			o->err = CFM_E_NOTACTIVE;
	} else if (!t || t->id != op->actor) {
		o->err = CFM_E_NOTACTIVE;
	} else if (op->code == CFM_CM_OP_RUN || op->code == CFM_CM_OP_POLL) {
		o->err = CFM_E_ACTIVE;
	}
	if (o->err != CFM_OK)
		return choice == 0;
	switch (op->code) {
	case CFM_CM_OP_CALL:
		return op_call(m, t, op, choice, o);
	case CFM_CM_OP_SUBTASK_CANCEL:
		return op_subtask_cancel(m, t, op, choice, o);
	case CFM_CM_OP_SUBTASK_DROP:
		return op_subtask_drop(m, t, op, choice, o);
	case CFM_CM_OP_TASK_RETURN:
		return op_task_return(m, t, op, choice, o);
	case CFM_CM_OP_TASK_CANCEL:
		return op_task_cancel(m, t, choice, o);
	case CFM_CM_OP_WSET_NEW:
		return op_wset_new(m, t, choice, o);
	case CFM_CM_OP_WSET_WAIT:
		return op_builtin_wait(m, t, op, false, choice, o);
	case CFM_CM_OP_WSET_POLL:
		return op_wset_poll(m, t, op, choice, o);
	case CFM_CM_OP_WSET_DROP:
		return op_wset_drop(m, t, op, choice, o);
	case CFM_CM_OP_JOIN:
		return op_join(m, t, op, choice, o);
	case CFM_CM_OP_THREAD_YIELD:
		return op_builtin_wait(m, t, op, true, choice, o);
	case CFM_CM_OP_BP_INC:
		return op_backpressure(m, t, +1, choice, o);
	case CFM_CM_OP_BP_DEC:
		return op_backpressure(m, t, -1, choice, o);
	case CFM_CM_OP_WAIT:
		return op_cb_wait(m, t, op, false, choice, o);
	case CFM_CM_OP_YIELD:
		return op_cb_wait(m, t, op, true, choice, o);
	case CFM_CM_OP_EXIT:
		return op_exit(m, t, choice, o);
	case CFM_CM_OP_RUN:
		return op_run(m, choice, o);
	case CFM_CM_OP_POLL:
		return op_poll(m, choice, o);
	}
	o->err = CFM_E_RANGE; /* not an operation */
	return choice == 0;
}

/* ---- the refinement API ---- */

enum cfm_err cfm_cm_init(struct cfm_cm *m, const struct cfm_config *cfg)
{
	memset(m, 0, sizeof(*m));
	if (cfg->instances < 2 || cfg->instances > CFM_MAX_INSTANCES ||
	    cfg->max_tasks < 1 || cfg->max_tasks > CFM_CM_MAX_TASKS)
		return CFM_E_RANGE;
	m->cfg = *cfg;
	return CFM_OK;
}

size_t cfm_cm_allowed(const struct cfm_cm *m, const struct cfm_cm_op *op,
                      struct cfm_cm_outcome *out, size_t max)
{
	struct cfm_cm *copy = malloc(sizeof(*copy));
	size_t n = 0;
	if (!copy)
		return 0;
	for (uint32_t c = 0; n < max; c++) {
		*copy = *m;
		if (!step(copy, op, c, &out[n]))
			break;
		n++;
	}
	free(copy);
	return n;
}

int cfm_cm_apply(struct cfm_cm *m, const struct cfm_cm_op *op,
                 const char *observed, uint32_t choice,
                 struct cfm_cm_outcome *taken)
{
	struct cfm_cm_outcome all[CFM_CM_MAX_OUTCOMES];
	char text[160];
	size_t n = cfm_cm_allowed(m, op, all, CFM_CM_MAX_OUTCOMES);
	size_t pick = n;
	if (n == 0) { /* out of memory: say so as an error, change nothing */
		memset(taken, 0, sizeof(*taken));
		taken->err = CFM_E_LIMIT;
		return -1;
	}
	if (observed) {
		for (size_t i = 0; i < n && pick == n; i++)
			if (strcmp(cfm_cm_outcome_format(&all[i], text,
			                                 sizeof(text)),
			           observed) == 0)
				pick = i;
		if (pick == n) {
			*taken = all[0];
			return -1;
		}
	} else {
		pick = choice % n;
	}
	step(m, op, (uint32_t)pick, taken);
	return 0;
}

/* ---- text ---- */


static void put_actor(struct cfm_text *t, uint32_t actor)
{
	if (actor == CFM_HOST)
		cfm_text_put(t, "host");
	else
		cfm_text_put(t, "T%u", actor);
}

char *cfm_cm_op_format(const struct cfm_cm_op *op, char *buf, size_t size)
{
	struct cfm_text t = {buf, size, 0};
	if (size)
		buf[0] = '\0';
	put_actor(&t, op->actor);
	cfm_text_put(&t, " %s", cfm_cm_opcode_name(op->code));
	switch (op->code) {
	case CFM_CM_OP_CALL:
		cfm_text_put(&t, " %u", op->instance);
		break;
	case CFM_CM_OP_SUBTASK_CANCEL:
	case CFM_CM_OP_SUBTASK_DROP:
		cfm_text_put(&t, " %u", op->handle);
		break;
	case CFM_CM_OP_TASK_RETURN:
		cfm_text_put(&t, " %s %u", cfm_kind_name(op->kind), op->value);
		break;
	case CFM_CM_OP_WSET_WAIT:
	case CFM_CM_OP_WSET_POLL:
	case CFM_CM_OP_WSET_DROP:
	case CFM_CM_OP_WAIT:
		cfm_text_put(&t, " %u", op->set);
		break;
	case CFM_CM_OP_JOIN:
		cfm_text_put(&t, " %u %u", op->handle, op->set);
		break;
	case CFM_CM_OP_RUN:
		cfm_text_put(&t, " %u", op->n);
		break;
	case CFM_CM_OP_TASK_CANCEL:
	case CFM_CM_OP_WSET_NEW:
	case CFM_CM_OP_THREAD_YIELD:
	case CFM_CM_OP_BP_INC:
	case CFM_CM_OP_BP_DEC:
	case CFM_CM_OP_YIELD:
	case CFM_CM_OP_EXIT:
	case CFM_CM_OP_POLL:
		break;
	}
	return buf;
}

char *cfm_cm_outcome_format(const struct cfm_cm_outcome *o, char *buf,
                            size_t size)
{
	struct cfm_text t = {buf, size, 0};
	char ev[64];
	if (size)
		buf[0] = '\0';
	switch (o->what) {
	case CFM_CM_ERR:
		cfm_text_put(&t, "%s", cfm_err_name(o->err));
		return buf;
	case CFM_CM_TRAP:
		cfm_text_put(&t, "TRAP(%s)", trap_name(o->trap));
		return buf;
	case CFM_CM_OK:
		cfm_text_put(&t, "ok");
		break;
	case CFM_CM_STATUS:
		cfm_text_put(&t, "%s", cfm_status_name(o->status));
		if (o->task)
			cfm_text_put(&t, " h%u T%u", o->handle, o->task);
		break;
	case CFM_CM_NEW:
		cfm_text_put(&t, "h%u", o->handle);
		break;
	case CFM_CM_EVENT:
		if (o->task)
			cfm_text_put(&t, "T%u ", o->task);
		cfm_text_put(&t, "%s", cfm_event_format(&o->event, ev, sizeof(ev)));
		break;
	case CFM_CM_SUSPENDED:
		cfm_text_put(&t, "suspended");
		break;
	case CFM_CM_SWITCH:
		cfm_text_put(&t, "switch");
		break;
	case CFM_CM_RESUMED:
		cfm_text_put(&t, "T%u <- %s", o->task, cfm_status_name(o->status));
		break;
	}
	if (o->back) {
		cfm_text_put(&t, "; ");
		put_actor(&t, o->back_to);
		cfm_text_put(&t, " <- %s", cfm_status_name(o->back_status));
		if (o->back_handle)
			cfm_text_put(&t, " h%u", o->back_handle);
		cfm_text_put(&t, " T%u", o->back_task);
	}
	return buf;
}

char *cfm_cm_allowed_format(const struct cfm_cm *m,
                            const struct cfm_cm_op *op, char *buf,
                            size_t size)
{
	struct cfm_cm_outcome all[CFM_CM_MAX_OUTCOMES];
	struct cfm_text t = {buf, size, 0};
	char one[160];
	size_t n = cfm_cm_allowed(m, op, all, CFM_CM_MAX_OUTCOMES);
	if (size)
		buf[0] = '\0';
	cfm_text_put(&t, "{");
	for (size_t i = 0; i < n; i++)
		cfm_text_put(&t, "%s%s", i ? " | " : "",
		    cfm_cm_outcome_format(&all[i], one, sizeof(one)));
	cfm_text_put(&t, "}");
	return buf;
}

/* ---- parsing ---- */

static bool word(const char **p, char *out, size_t size)
{
	size_t n = 0;
	while (**p == ' ' || **p == '\t')
		(*p)++;
	while (**p && **p != ' ' && **p != '\t') {
		if (n + 1 < size)
			out[n++] = **p;
		(*p)++;
	}
	out[n] = '\0';
	return n > 0;
}

static bool number(const char **p, uint32_t *v)
{
	char w[16], *end;
	if (!word(p, w, sizeof(w)) || w[0] < '0' || w[0] > '9')
		return false;
	unsigned long x = strtoul(w, &end, 10);
	if (*end || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

const char *cfm_cm_op_parse(const char *text, struct cfm_cm_op *op)
{
	char w[32];
	const char *p = text;
	memset(op, 0, sizeof(*op));
	if (!word(&p, w, sizeof(w)))
		return "no actor";
	if (strcmp(w, "host") == 0)
		op->actor = CFM_HOST;
	else if (w[0] == 'T' && w[1] >= '1' && w[1] <= '9')
		op->actor = (uint32_t)strtoul(w + 1, NULL, 10);
	else
		return "bad actor";
	if (!word(&p, w, sizeof(w)))
		return "no operation";
	int code = 0;
	while (code < CFM_CM_OPCODE_COUNT && strcmp(opcode_names[code], w) != 0)
		code++;
	if (code == CFM_CM_OPCODE_COUNT)
		return "unknown operation";
	op->code = (enum cfm_cm_opcode)code;
	bool ok = true;
	switch (op->code) {
	case CFM_CM_OP_CALL:
		ok = number(&p, &op->instance);
		break;
	case CFM_CM_OP_SUBTASK_CANCEL:
	case CFM_CM_OP_SUBTASK_DROP:
		ok = number(&p, &op->handle);
		break;
	case CFM_CM_OP_TASK_RETURN:
		ok = word(&p, w, sizeof(w)) &&
		     (strcmp(w, "ok") == 0 || strcmp(w, "err") == 0);
		op->kind = strcmp(w, "err") == 0 ? CFM_KIND_ERR : CFM_KIND_OK;
		ok = ok && number(&p, &op->value);
		break;
	case CFM_CM_OP_WSET_WAIT:
	case CFM_CM_OP_WSET_POLL:
	case CFM_CM_OP_WSET_DROP:
	case CFM_CM_OP_WAIT:
		ok = number(&p, &op->set);
		break;
	case CFM_CM_OP_JOIN:
		ok = number(&p, &op->handle) && number(&p, &op->set);
		break;
	case CFM_CM_OP_RUN:
		ok = number(&p, &op->n);
		break;
	case CFM_CM_OP_TASK_CANCEL:
	case CFM_CM_OP_WSET_NEW:
	case CFM_CM_OP_THREAD_YIELD:
	case CFM_CM_OP_BP_INC:
	case CFM_CM_OP_BP_DEC:
	case CFM_CM_OP_YIELD:
	case CFM_CM_OP_EXIT:
	case CFM_CM_OP_POLL:
		break;
	}
	if (!ok)
		return "bad arguments";
	if (word(&p, w, sizeof(w)))
		return "extra arguments";
	return NULL;
}
