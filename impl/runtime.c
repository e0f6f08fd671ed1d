/* runtime.c - the contract's operations over the runtime's structures.
 *
 * The semantics are those of model/README.md, rule for rule; what differs
 * from the model is only how state is found: records from pools, handle
 * tables with generations, intrusive lists for the run queue, admission
 * queues, subscribers and owned subtasks, pairing heaps for deadlines and
 * per-owner pending events, and a hash registry.
 *
 * Every public operation checks all its errors, then acquires any memory it
 * needs, and only then changes state, so a failure changes nothing (C-6).
 */
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

#include "mutants.h"

/* Is the known bug `id` switched on? Constant false unless the build has
 * mutants (meson -Dmutants=true), so release code carries none of them. */
#define MUTANT(rt, id)                                                         \
	(CFR_WITH_MUTANTS && (rt)->cfg.mutant == CFR_MUTANT_##id)

/* ---- names ---- */

#define CFR_NAME(name, text) #name,
#define CFR_TEXT(name, text) text,
static const char *const err_names[] = {CFR_ERRORS(CFR_NAME)};
static const char *const err_texts[] = {CFR_ERRORS(CFR_TEXT)};

const char *cfr_err_name(enum cfr_err err)
{
	return (size_t)err < sizeof(err_names) / sizeof(err_names[0])
	           ? err_names[err]
	           : "?";
}

const char *cfr_strerror(enum cfr_err err)
{
	return (size_t)err < sizeof(err_texts) / sizeof(err_texts[0])
	           ? err_texts[err]
	           : "unknown error";
}

/* ---- bookkeeping ---- */

static bool status_resolved(enum cfr_status s)
{
	return s == CFR_RETURNED || s == CFR_CANCELLED_BEFORE_STARTED ||
	       s == CFR_CANCELLED_BEFORE_RETURNED;
}

static void set_state(struct cfr *rt, struct task *t, enum cfr_task_state s)
{
	rt->by_state[t->state]--;
	rt->by_state[s]++;
	t->state = s;
}

static void set_activity(struct cfr *rt, struct task *t, enum cfr_activity a)
{
	rt->by_activity[t->activity]--;
	rt->by_activity[a]++;
	t->activity = a;
}

static struct task *owner_task(struct owner *o)
{
	return o->id == CFR_HOST ? NULL : cfr_container_of(o, struct task, own);
}

/* Tells the observer about s; `task` is the task whose resolution it is. */
static void notify_from(struct cfr *rt, enum cfr_notice_kind kind,
                        const struct subtask *s, uint32_t handle,
                        uint32_t task)
{
	if (!rt->cfg.observer)
		return;
	struct cfr_notice n = {
	    .kind = kind,
	    .instance = s->instance,
	    .handle = handle,
	    .call = s->call,
	    .task = task,
	    .status = s->state,
	    .slot = kind == CFR_NOTICE_SLOT_WRITE ? s->slot : NULL,
	};
	rt->cfg.observer(rt->cfg.observer_ctx, &n);
}

static void notify(struct cfr *rt, enum cfr_notice_kind kind,
                   const struct subtask *s, uint32_t handle)
{
	notify_from(rt, kind, s, handle, s->task_id);
}

static bool pending_less(const struct cfr_pnode *a, const struct cfr_pnode *b)
{
	return cfr_container_of(a, struct subtask, pend)->handle <
	       cfr_container_of(b, struct subtask, pend)->handle;
}

static bool timer_less(const struct cfr_pnode *a, const struct cfr_pnode *b)
{
	const struct subtask *x = cfr_container_of(a, struct subtask, timer);
	const struct subtask *y = cfr_container_of(b, struct subtask, timer);
	/* C-29: by deadline, then by creation order. */
	return x->deadline < y->deadline ||
	       (x->deadline == y->deadline && x->call < y->call);
}

static void owner_init(struct owner *o, uint32_t id)
{
	o->id = id;
	cfr_list_init(&o->owned);
	o->nowned = 0;
	cfr_pheap_init(&o->pending, pending_less);
}

/* Is s still the occupant of its handle, under the generation it was
 * created with? False once it was dropped (abandoned), whatever occupies
 * the index now. */
static bool in_table(const struct cfr *rt, const struct subtask *s)
{
	return cfr_table_get_checked(&rt->inst[s->instance].table, s->handle,
	                             s->gen) == s;
}

/* ---- the run queue (C-21) ---- */

static void make_ready(struct cfr *rt, struct task *t)
{
	set_activity(rt, t, CFR_ACT_READY);
	cfr_list_append(&rt->runq, &t->sched); /* at the tail */
	rt->runq_len++;
}

/* ---- events, deadlines ---- */

static void disarm(struct cfr *rt, struct subtask *s)
{
	if (s->armed) {
		cfr_pheap_remove(&rt->timers, &s->timer);
		s->armed = false;
	}
}

/* C-23: a pending event; a BLOCKED owner wakes at the tail. */
static void set_pending(struct cfr *rt, struct subtask *s)
{
	if (!s->pending) {
		s->pending = true;
		cfr_pheap_insert(&s->owner->pending, &s->pend);
	}
	struct task *o = owner_task(s->owner);
	if (o && o->activity == CFR_ACT_BLOCKED)
		make_ready(rt, o);
}

static void clear_pending(struct subtask *s)
{
	if (s->pending) {
		s->pending = false;
		cfr_pheap_remove(&s->owner->pending, &s->pend);
	}
}

/* C-22, C-25: deliver a subtask's state now; a resolved one is delivered. */
static struct cfr_event deliver_event(struct cfr *rt, struct subtask *s)
{
	struct cfr_event ev = {CFR_EV_SUBTASK, s->handle, s->state};
	clear_pending(s);
	if (status_resolved(s->state)) {
		s->delivered = true;
		notify(rt, CFR_NOTICE_DELIVER, s, s->handle);
	}
	return ev;
}

/* ---- records ---- */

/* Returns a record to its pool. The caller has taken it out of its table
 * (or it was never in one) and out of its task's subscribers. */
static void free_subtask(struct cfr *rt, struct subtask *s)
{
	disarm(rt, s);
	if (cfr_list_linked(&s->sub)) /* only a mutant leaves it there */
		cfr_list_remove(&s->sub);
	if (cfr_list_linked(&s->own)) {
		clear_pending(s);
		cfr_list_remove(&s->own);
		s->owner->nowned--;
	}
	cfr_list_remove(&s->all);
	cfr_pool_put(&rt->subtask_pool, s);
}

static void free_task(struct cfr *rt, struct task *t)
{
	cfr_registry_remove(&rt->reg, &t->reg);
	if (cfr_list_linked(&t->sched))
		cfr_list_remove(&t->sched); /* an INITIAL task's admission queue */
	cfr_list_remove(&t->all);
	rt->by_state[t->state]--;
	rt->by_activity[t->activity]--;
	rt->resources -= (uint32_t)__builtin_popcountll(t->resources);
	rt->ntasks--;
	cfr_pool_put(&rt->task_pool, t);
}

/* ---- resolution ---- */

/* One subscriber's one resolution (C-20, C-33). The resolution goes to the
 * subtask that holds the subscriber's handle under its generation; an
 * abandoned subscriber holds none any more and is released with no event
 * and no slot write (C-27). */
static void settle(struct cfr *rt, struct subtask *s, enum cfr_status state,
                   enum cfr_kind kind, uint32_t value)
{
	cfr_list_remove(&s->sub);
	if (s->subscribed) /* (a mutant leaves a settled one on the list) */
		s->task->nsubscribers--;
	s->subscribed = false;
	s->task = NULL; /* the task may be freed after this */
	if (!in_table(rt, s)) {
		struct subtask *occupant =
		    cfr_table_get(&rt->inst[s->instance].table, s->handle);
		if (MUTANT(rt, STALE_HANDLE_EVENT) && occupant &&
		    !status_resolved(occupant->state)) {
			/* Bug: found by index alone, the resolution goes to the
			 * handle's next occupant. */
			occupant->state = state;
			if (state == CFR_RETURNED && occupant->slot)
				*occupant->slot = (struct cfr_slot){kind, value};
			notify_from(rt, CFR_NOTICE_SETTLE, occupant,
			            occupant->handle, s->task_id);
			set_pending(rt, occupant);
		}
		if (MUTANT(rt, LATE_PUBLISH) && state == CFR_RETURNED &&
		    s->slot) {
			/* Bug: the abandoned caller's slot is written anyway. */
			*s->slot = (struct cfr_slot){kind, value};
			notify(rt, CFR_NOTICE_SLOT_WRITE, s, s->handle);
		}
		notify(rt, CFR_NOTICE_RELEASE, s, 0);
		if (MUTANT(rt, RELEASED_RECORD_KEPT)) {
			/* Bug: the release is announced, but the record stays
			 * on the runtime's list until teardown. */
			disarm(rt, s);
			return;
		}
		free_subtask(rt, s);
		return;
	}
	disarm(rt, s);
	s->state = state;
	/* C-9: exactly here. (The mutant skips the write when the caller
	 * had asked to cancel: it takes the lost race for a cancellation.) */
	if (state == CFR_RETURNED && s->slot &&
	    !(MUTANT(rt, RESULT_LOST_AFTER_CANCEL) && s->cancel_requested)) {
		s->slot->kind = kind;
		s->slot->value = value;
		notify(rt, CFR_NOTICE_SLOT_WRITE, s, s->handle);
	}
	notify(rt, CFR_NOTICE_SETTLE, s, s->handle);
	set_pending(rt, s);
}

/* The task resolves; every subscriber settles once, in subscription order
 * (C-33). Returns how many result slots were written. */
static void resolve_task(struct cfr *rt, struct task *t, enum cfr_status state,
                         enum cfr_kind kind, uint32_t value)
{
	if (!(MUTANT(rt, REGISTRY_LEAK) && state != CFR_RETURNED))
		cfr_registry_remove(&rt->reg, &t->reg); /* C-31 */
	if (MUTANT(rt, CANCEL_AS_ERROR) &&
	    state == CFR_CANCELLED_BEFORE_RETURNED) {
		/* Bug: a cancellation surfaces as an error result. */
		state = CFR_RETURNED;
		kind = CFR_KIND_ERR;
		value = 0;
	}
	set_state(rt, t, CFR_TASK_RESOLVED);
	t->cancel_due = false; /* C-24 */
	while (!cfr_list_empty(&t->subscribers)) {
		struct subtask *s = cfr_container_of(t->subscribers.next,
		                                     struct subtask, sub);
		settle(rt, s, state, kind, value);
	}
}

/* C-13: a waiting-cancellably task. */
static bool waiting_cancellably(const struct cfr *rt, const struct task *t)
{
	/* Bug (mutant): any wait counts, so a non-cancellable one is
	 * interrupted too. */
	return t->activated &&
	       (t->wait_cancellable || MUTANT(rt, NONCANCELLABLE_DELIVERY)) &&
	       (t->activity == CFR_ACT_BLOCKED || t->activity == CFR_ACT_READY);
}

static void deliver_cancel(struct cfr *rt, struct task *t)
{
	set_state(rt, t, CFR_TASK_CANCEL_DELIVERED);
	t->cancel_due = true;
	if (t->activity != CFR_ACT_READY)
		make_ready(rt, t); /* a READY task keeps its place */
}

/* C-13: a cancellation request reaching a task. */
static void request_task_cancel(struct cfr *rt, struct task *t)
{
	switch (t->state) {
	case CFR_TASK_INITIAL:
		resolve_task(rt, t, CFR_CANCELLED_BEFORE_STARTED, CFR_KIND_OK,
		             0);
		if (MUTANT(rt, CANCELLED_INITIAL_STILL_STARTS)) {
			/* Bug: the callers are told, but the task stays in
			 * the admission queue and will start. */
			set_state(rt, t, CFR_TASK_INITIAL);
			return;
		}
		set_activity(rt, t, CFR_ACT_EXITED);
		free_task(rt, t); /* never ran, never will */
		return;
	case CFR_TASK_STARTED:
		if (!MUTANT(rt, REGISTRY_LEAK))
			cfr_registry_remove(&rt->reg, &t->reg); /* C-31 */
		if (MUTANT(rt, CANCEL_DELIVERY_NO_WAKE) &&
		    waiting_cancellably(rt, t) &&
		    t->activity == CFR_ACT_BLOCKED) {
			/* Bug: the cancellation is recorded as delivered, but
			 * the blocked task is never woken to hear it. */
			set_state(rt, t, CFR_TASK_CANCEL_DELIVERED);
			t->cancel_due = true;
		} else if (waiting_cancellably(rt, t))
			deliver_cancel(rt, t);
		else
			set_state(rt, t, CFR_TASK_PENDING_CANCEL);
		return;
	case CFR_TASK_PENDING_CANCEL:
	case CFR_TASK_CANCEL_DELIVERED:
	case CFR_TASK_RESOLVED:
		return;
	}
}

/* C-11.3, C-27, C-29: one path for every way a subscriber cancels. */
static void request_cancel(struct cfr *rt, struct subtask *s)
{
	struct task *t = s->task;
	s->cancel_requested = true;
	if (!MUTANT(rt, TIMER_SURVIVES_CANCEL)) /* the mutant keeps it */
		disarm(rt, s);
	if (t->nsubscribers > 1 && !MUTANT(rt, SHARED_EARLY_TEARDOWN)) {
		/* C-32: detach. (The mutant tears the producer down for
		 * everyone on any subscriber's cancel.) */
		bool held = in_table(rt, s); /* settle releases it if not */
		settle(rt, s,
		       t->state == CFR_TASK_INITIAL
		           ? CFR_CANCELLED_BEFORE_STARTED
		           : CFR_CANCELLED_BEFORE_RETURNED,
		       CFR_KIND_OK, 0);
		if (MUTANT(rt, SHARED_DOUBLE_SETTLE) && held) {
			/* Bug: the detached subscriber stays on the task's
			 * list and is settled again when the task resolves. */
			cfr_list_append(&t->subscribers, &s->sub);
			s->task = t;
		}
		return;
	}
	if (MUTANT(rt, SHARED_NEVER_TEARDOWN) && t->shared)
		return; /* Bug: the last subscriber's cancel goes nowhere. */
	request_task_cancel(rt, t);
}

/* C-12: takes s out of its table now; a resolved record goes with it
 * (C-28), an unresolved one is abandoned (C-27). */
static void drop_subtask(struct cfr *rt, struct subtask *s, bool on_exit)
{
	cfr_table_remove(&rt->inst[s->instance].table, s->handle);
	clear_pending(s);
	cfr_list_remove(&s->own);
	s->owner->nowned--;
	if (status_resolved(s->state)) {
		free_subtask(rt, s);
		return;
	}
	disarm(rt, s);
	/* Bugs (mutants): the handle goes, but no request is made. */
	if (on_exit ? MUTANT(rt, NO_CASCADE_ON_EXIT)
	            : MUTANT(rt, DROP_NOT_PROPAGATED))
		return;
	if (!s->cancel_requested)
		request_cancel(rt, s);
}

/* ---- the actor (section 3) ---- */

enum actor_kind { ANY_ACTOR, TASK_ONLY, HOST_ONLY };

static enum cfr_err check_actor(struct cfr *rt, uint32_t actor,
                                enum actor_kind kind, struct task **out)
{
	*out = NULL;
	if (actor == CFR_HOST) {
		if (rt->active)
			return CFR_E_ACTIVE;
		return kind == TASK_ONLY ? CFR_E_NOTACTIVE : CFR_OK;
	}
	if (!rt->active || rt->active->own.id != actor)
		return CFR_E_NOTACTIVE;
	if (kind == HOST_ONLY)
		return CFR_E_ACTIVE;
	*out = rt->active;
	return CFR_OK;
}

static struct owner *actor_owner(struct cfr *rt, struct task *a)
{
	return a ? &a->own : &rt->host;
}

/* C-11.1, C-12: a live handle of the actor's table, and the actor's own. */
static enum cfr_err own_subtask(struct cfr *rt, struct task *a, uint32_t h,
                                struct subtask **out)
{
	uint32_t inst = a ? a->instance : 0;
	struct subtask *s = cfr_table_get(&rt->inst[inst].table, h);
	if (!s)
		return CFR_E_BADHANDLE;
	if (s->owner != actor_owner(rt, a))
		return CFR_E_NOTOWNER;
	*out = s;
	return CFR_OK;
}

/* ---- operations ---- */

enum cfr_err cfr_call(struct cfr *rt, uint32_t actor, uint32_t j,
                      const struct cfr_call_options *opts,
                      struct cfr_slot *slot, struct cfr_call_result *out)
{
	static const struct cfr_call_options no_options;
	struct task *a, *t = NULL, *fresh = NULL;
	enum cfr_err err = check_actor(rt, actor, ANY_ACTOR, &a);
	if (err != CFR_OK)
		return err;
	if (!opts)
		opts = &no_options;
	uint32_t from = a ? a->instance : 0;
	if (j < 1 || j >= rt->cfg.instances || j <= from)
		return CFR_E_BADINSTANCE; /* C-2 */
	if (opts->has_deadline && opts->deadline == 0)
		return CFR_E_RANGE;
	struct cfr_table *table = &rt->inst[from].table;
	if (table->live >= rt->cfg.max_handles)
		return CFR_E_LIMIT; /* C-5 */
	if (opts->shared) { /* C-31: join a registered producer */
		struct cfr_reg_node *n =
		    cfr_registry_find(&rt->reg, j, opts->key);
		if (n)
			t = cfr_container_of(n, struct task, reg);
	}
	if (!t) {
		if (rt->ntasks >= rt->cfg.max_tasks)
			return CFR_E_LIMIT;
		if (opts->shared && rt->reg.len >= rt->cfg.max_keys)
			return CFR_E_LIMIT;
		if (!(fresh = cfr_pool_get(&rt->task_pool, &rt->mem)))
			return CFR_E_NOMEM;
	}
	struct subtask *s = cfr_pool_get(&rt->subtask_pool, &rt->mem);
	if (!s) {
		if (fresh)
			cfr_pool_put(&rt->task_pool, fresh);
		return CFR_E_NOMEM;
	}

	/* Nothing fails from here on. */
	if (fresh) {
		struct instance *in = &rt->inst[j];
		t = fresh;
		owner_init(&t->own, ++rt->next_task_id); /* C-3 */
		t->instance = j;
		cfr_list_init(&t->subscribers);
		cfr_list_init(&t->sched);
		cfr_list_append(&rt->tasks, &t->all);
		rt->ntasks++;
		t->state = CFR_TASK_INITIAL;
		t->activity = CFR_ACT_QUEUED;
		rt->by_state[CFR_TASK_INITIAL]++;
		rt->by_activity[CFR_ACT_QUEUED]++;
		if (in->backpressure > 0 || !cfr_list_empty(&in->queued)) {
			cfr_list_append(&in->queued, &t->sched); /* C-10 */
		} else {
			set_state(rt, t, CFR_TASK_STARTED);
			make_ready(rt, t);
		}
		if (opts->shared) {
			cfr_registry_add(&rt->reg, &t->reg, j, opts->key);
			t->shared = true;
		}
	}

	s->handle = cfr_table_insert(table, s, &s->gen); /* C-3 */
	s->instance = from;
	s->owner = actor_owner(rt, a);
	s->owner_id = s->owner->id;
	s->task = t;
	s->task_id = t->own.id;
	s->call = ++rt->next_call;
	s->subscribed = true;
	s->state = t->state == CFR_TASK_INITIAL ? CFR_STARTING : CFR_STARTED;
	s->slot = slot;
	cfr_list_append(&rt->subtasks, &s->all);
	cfr_list_append(&s->owner->owned, &s->own);
	s->owner->nowned++;
	cfr_list_append(&t->subscribers, &s->sub);
	t->nsubscribers++;
	if (opts->has_deadline) { /* C-29 */
		s->deadline = rt->clock + opts->deadline;
		s->armed = true;
		cfr_pheap_insert(&rt->timers, &s->timer);
	}
	if (out)
		*out = (struct cfr_call_result){s->state, s->handle, s->task_id};
	return CFR_OK;
}

enum cfr_err cfr_subtask_cancel(struct cfr *rt, uint32_t actor, uint32_t h,
                                enum cfr_status *status)
{
	struct task *a;
	struct subtask *s;
	enum cfr_err err = check_actor(rt, actor, ANY_ACTOR, &a);
	if (err == CFR_OK)
		err = own_subtask(rt, a, h, &s);
	if (err != CFR_OK)
		return err;
	if (s->delivered)
		return CFR_E_DELIVERED;
	if (s->cancel_requested)
		return CFR_E_ALREADY;
	if (!status_resolved(s->state)) {
		if (MUTANT(rt, CANCEL_NOT_PROPAGATED)) {
			/* Bug: recorded, never routed to the exporter. */
			s->cancel_requested = true;
			disarm(rt, s);
		} else {
			request_cancel(rt, s); /* C-11.3 */
		}
		if (!status_resolved(s->state)) {
			if (status)
				*status = CFR_BLOCKED;
			return CFR_OK;
		}
	}
	if (MUTANT(rt, CANCEL_OVERRIDES_COMPLETION) &&
	    s->state == CFR_RETURNED) {
		/* Bug: the lost race is rewritten as a cancellation. */
		s->state = CFR_CANCELLED_BEFORE_RETURNED;
		notify(rt, CFR_NOTICE_SETTLE, s, s->handle);
	}
	/* C-11.2, or C-11.3 resolved at once: the return is the delivery. */
	clear_pending(s);
	s->delivered = true;
	notify(rt, CFR_NOTICE_DELIVER, s, s->handle);
	if (status)
		*status = s->state;
	return CFR_OK;
}

enum cfr_err cfr_subtask_drop(struct cfr *rt, uint32_t actor, uint32_t h)
{
	struct task *a;
	struct subtask *s;
	enum cfr_err err = check_actor(rt, actor, ANY_ACTOR, &a);
	if (err == CFR_OK)
		err = own_subtask(rt, a, h, &s);
	if (err != CFR_OK)
		return err;
	drop_subtask(rt, s, false);
	return CFR_OK;
}

enum cfr_err cfr_task_return(struct cfr *rt, uint32_t actor,
                             enum cfr_kind kind, uint32_t value)
{
	struct task *t;
	enum cfr_err err = check_actor(rt, actor, TASK_ONLY, &t);
	if (err != CFR_OK)
		return err;
	if (kind != CFR_KIND_OK && kind != CFR_KIND_ERR)
		return CFR_E_RANGE;
	if (t->state == CFR_TASK_RESOLVED &&
	    !MUTANT(rt, RETURN_TWICE_ACCEPTED)) /* the mutant forgets it */
		return CFR_E_RESOLVED; /* C-14 */
	resolve_task(rt, t, CFR_RETURNED, kind, value); /* C-20 */
	return CFR_OK;
}

enum cfr_err cfr_task_cancel(struct cfr *rt, uint32_t actor)
{
	struct task *t;
	enum cfr_err err = check_actor(rt, actor, TASK_ONLY, &t);
	if (err != CFR_OK)
		return err;
	if (t->state != CFR_TASK_CANCEL_DELIVERED)
		return CFR_E_NOTDELIVERED; /* C-15 */
	t->resolved_by_cancel = true;
	resolve_task(rt, t, CFR_CANCELLED_BEFORE_RETURNED, CFR_KIND_OK, 0);
	return CFR_OK;
}

/* C-16: wait and yield end the activation. */
static enum cfr_err end_activation(struct cfr *rt, uint32_t actor,
                                   bool cancellable, bool yield)
{
	struct task *t;
	enum cfr_err err = check_actor(rt, actor, TASK_ONLY, &t);
	if (err != CFR_OK)
		return err;
	rt->active = NULL;
	t->wait_cancellable = cancellable;
	t->yielded = yield;
	set_activity(rt, t, CFR_ACT_BLOCKED);
	if (MUTANT(rt, CANCEL_REDELIVERED) && yield &&
	    t->state == CFR_TASK_CANCEL_DELIVERED)
		t->cancel_due = true; /* Bug: a sticky state taken for news */
	if (cancellable && t->state == CFR_TASK_PENDING_CANCEL &&
	    !MUTANT(rt, PENDING_CANCEL_LOST)) /* the mutant forgets it */
		deliver_cancel(rt, t);
	else if (yield || cfr_pheap_min(&t->own.pending))
		make_ready(rt, t);
	return CFR_OK;
}

enum cfr_err cfr_wait(struct cfr *rt, uint32_t actor, bool cancellable)
{
	return end_activation(rt, actor, cancellable, false);
}

enum cfr_err cfr_yield(struct cfr *rt, uint32_t actor)
{
	return end_activation(rt, actor, true, true);
}

static int by_handle(const void *a, const void *b)
{
	const struct subtask *x = *(struct subtask *const *)a;
	const struct subtask *y = *(struct subtask *const *)b;
	return (x->handle > y->handle) - (x->handle < y->handle);
}

enum cfr_err cfr_exit(struct cfr *rt, uint32_t actor)
{
	struct task *t;
	enum cfr_err err = check_actor(rt, actor, TASK_ONLY, &t);
	if (err != CFR_OK)
		return err;
	if (t->state != CFR_TASK_RESOLVED)
		return CFR_E_UNRESOLVED;
	rt->active = NULL;
	/* C-34: on every path. (The mutant forgets them after task.cancel:
	 * the task goes, its resources stay counted as held.) */
	if (!(MUTANT(rt, RESOURCE_LEAK_ON_CANCEL) && t->resolved_by_cancel))
		rt->resources -= (uint32_t)__builtin_popcountll(t->resources);
	t->resources = 0;

	/* C-35: drop its subtasks, lowest handle first. A drop can resolve
	 * other records but never free one still in a table, so the pointers
	 * gathered here stay valid; each is re-checked all the same. */
	uint32_t n = 0;
	for (struct cfr_link *l = t->own.owned.next; l != &t->own.owned;
	     l = l->next)
		rt->scratch[n++] = cfr_container_of(l, struct subtask, own);
	qsort(rt->scratch, n, sizeof(rt->scratch[0]), by_handle);
	for (uint32_t i = 0; i < n; i++)
		if (in_table(rt, rt->scratch[i]))
			drop_subtask(rt, rt->scratch[i], true);

	set_activity(rt, t, CFR_ACT_EXITED);
	if (MUTANT(rt, REPOLL_EXITED)) {
		/* Bug: a stale wake-up puts the exited task back in the run
		 * queue instead of freeing it. */
		cfr_list_append(&rt->runq, &t->sched);
		rt->runq_len++;
		return CFR_OK;
	}
	free_task(rt, t);
	return CFR_OK;
}

enum cfr_err cfr_resource_new(struct cfr *rt, uint32_t actor, uint32_t *id)
{
	struct task *t;
	enum cfr_err err = check_actor(rt, actor, TASK_ONLY, &t);
	if (err != CFR_OK)
		return err;
	if ((uint32_t)__builtin_popcountll(t->resources) >=
	    rt->cfg.max_resources)
		return CFR_E_LIMIT;
	/* C-34: the lowest free id >= 1 is the lowest clear bit, plus one. */
	unsigned bit = (unsigned)__builtin_ctzll(~t->resources);
	if (MUTANT(rt, RESOURCE_ID_NOT_LOWEST) && t->resources &&
	    !(t->resources >> 63)) /* Bug: ids from a bump counter */
		bit = 64u - (unsigned)__builtin_clzll(t->resources);
	t->resources |= 1ull << bit;
	rt->resources++;
	if (id)
		*id = bit + 1;
	return CFR_OK;
}

enum cfr_err cfr_resource_drop(struct cfr *rt, uint32_t actor, uint32_t id)
{
	struct task *t;
	enum cfr_err err = check_actor(rt, actor, TASK_ONLY, &t);
	if (err != CFR_OK)
		return err;
	if (id < 1 || id > CFR_MAX_RESOURCES ||
	    !(t->resources & (1ull << (id - 1))))
		return CFR_E_BADRESOURCE;
	t->resources &= ~(1ull << (id - 1));
	rt->resources--;
	return CFR_OK;
}

/* C-19: admit every QUEUED task of an instance in FIFO order. */
static void admit_queued(struct cfr *rt, struct instance *in)
{
	while (!cfr_list_empty(&in->queued)) {
		struct task *t =
		    cfr_container_of(in->queued.next, struct task, sched);
		cfr_list_remove(&t->sched);
		set_state(rt, t, CFR_TASK_STARTED);
		if (MUTANT(rt, ADMITTED_NOT_SCHEDULED))
			set_activity(rt, t, CFR_ACT_READY); /* Bug: not queued */
		else
			make_ready(rt, t);
		for (struct cfr_link *l = t->subscribers.next;
		     l != &t->subscribers; l = l->next) {
			struct subtask *s =
			    cfr_container_of(l, struct subtask, sub);
			s->state = CFR_STARTED;
			set_pending(rt, s);
		}
	}
}

enum cfr_err cfr_backpressure(struct cfr *rt, uint32_t actor, uint32_t j,
                              int32_t delta)
{
	struct task *a;
	enum cfr_err err = check_actor(rt, actor, ANY_ACTOR, &a);
	if (err != CFR_OK)
		return err;
	if (a ? j != a->instance : (j < 1 || j >= rt->cfg.instances))
		return CFR_E_BADINSTANCE;
	if (delta != 1 && delta != -1)
		return CFR_E_RANGE;
	struct instance *in = &rt->inst[j];
	int64_t next = (int64_t)in->backpressure + delta;
	if (next < 0 || next > CFR_BACKPRESSURE_MAX)
		return CFR_E_RANGE;
	in->backpressure = (uint32_t)next;
	if (next == 0)
		admit_queued(rt, in); /* C-17 */
	return CFR_OK;
}

enum cfr_err cfr_tick(struct cfr *rt, uint32_t actor, uint32_t n)
{
	struct task *a;
	enum cfr_err err = check_actor(rt, actor, HOST_ONLY, &a);
	if (err != CFR_OK)
		return err;
	if (n == 0)
		return CFR_E_RANGE;
	rt->clock += n;
	/* C-29: O(expired * log n); the heap holds only armed deadlines. */
	struct cfr_pnode *min;
	while ((min = cfr_pheap_min(&rt->timers)) != NULL) {
		struct subtask *s = cfr_container_of(min, struct subtask, timer);
		if (s->deadline > rt->clock)
			break;
		disarm(rt, s);
		s->timed_out = true;
		if (MUTANT(rt, TIMER_SURVIVES_CANCEL) && s->cancel_requested)
			continue; /* Bug: a stale deadline marks a done call */
		if (MUTANT(rt, TIMEOUT_WITHOUT_CANCEL)) {
			/* Bug: the caller is settled, the exporter never
			 * hears of it. */
			s->cancel_requested = true;
			settle(rt, s, CFR_CANCELLED_BEFORE_RETURNED,
			       CFR_KIND_OK, 0);
			continue;
		}
		request_cancel(rt, s); /* an outcome stays a pending event */
	}
	return CFR_OK;
}

/* C-22: the activation event, decided now. */
static struct cfr_event activation_event(struct cfr *rt, struct task *t)
{
	struct cfr_event none = {CFR_EV_NONE, 0, CFR_STARTING};
	bool yielded = t->yielded;
	t->yielded = false;
	if (!t->activated) {
		t->activated = true;
		return (struct cfr_event){CFR_EV_START, 0, CFR_STARTING};
	}
	if (t->cancel_due) {
		t->cancel_due = false;
		return (struct cfr_event){CFR_EV_TASK_CANCELLED, 0,
		                          CFR_STARTING};
	}
	if (yielded)
		return none;
	struct cfr_pnode *p = cfr_pheap_min(&t->own.pending);
	return p ? deliver_event(rt, cfr_container_of(p, struct subtask, pend))
	         : none;
}

enum cfr_err cfr_run(struct cfr *rt, uint32_t actor, uint32_t k,
                     uint32_t *task, struct cfr_event *event)
{
	struct task *a;
	enum cfr_err err = check_actor(rt, actor, HOST_ONLY, &a);
	if (err != CFR_OK)
		return err;
	if (rt->runq_len == 0)
		return CFR_E_RANGE;
	/* C-21: position k mod length, walked from the nearer end. */
	uint32_t pos = k % rt->runq_len;
	struct cfr_link *l;
	if (pos <= rt->runq_len / 2) {
		for (l = rt->runq.next; pos > 0; pos--)
			l = l->next;
	} else {
		for (l = rt->runq.prev; pos < rt->runq_len - 1; pos++)
			l = l->prev;
	}
	struct task *t = cfr_container_of(l, struct task, sched);
	cfr_list_remove(&t->sched);
	rt->runq_len--;
	set_activity(rt, t, CFR_ACT_ACTIVE);
	rt->active = t;
	struct cfr_event ev = activation_event(rt, t);
	if (task)
		*task = t->own.id;
	if (event)
		*event = ev;
	return CFR_OK;
}

enum cfr_err cfr_poll(struct cfr *rt, uint32_t actor, struct cfr_event *event)
{
	struct task *a;
	enum cfr_err err = check_actor(rt, actor, HOST_ONLY, &a);
	if (err != CFR_OK)
		return err;
	struct cfr_event ev = {CFR_EV_NONE, 0, CFR_STARTING};
	struct cfr_pnode *p = cfr_pheap_min(&rt->host.pending);
	if (p)
		ev = deliver_event(rt, cfr_container_of(p, struct subtask, pend));
	if (event)
		*event = ev;
	return CFR_OK;
}

/* ---- life cycle ---- */

static void *default_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void default_release(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static bool config_ok(const struct cfr_config *c)
{
	return c->instances >= 2 && c->instances <= (1u << 16) &&
	       c->max_tasks >= 1 && c->max_handles >= 1 &&
	       c->max_handles <= (1u << 24) && c->max_resources >= 1 &&
	       c->max_resources <= CFR_MAX_RESOURCES && c->max_keys >= 1 &&
	       (!c->allocator || (c->allocator->alloc && c->allocator->release)) &&
	       (c->mutant == CFR_MUTANT_NONE ||
	        (CFR_WITH_MUTANTS && c->mutant < CFR_MUTANT_COUNT));
}

void cfr_reset(struct cfr *rt)
{
	cfr_pool_reset(&rt->task_pool);
	cfr_pool_reset(&rt->subtask_pool);
	for (uint32_t i = 0; i < rt->cfg.instances; i++) {
		cfr_table_reset(&rt->inst[i].table);
		rt->inst[i].backpressure = 0;
		cfr_list_init(&rt->inst[i].queued);
	}
	cfr_registry_reset(&rt->reg);
	owner_init(&rt->host, CFR_HOST);
	rt->active = NULL;
	cfr_list_init(&rt->tasks);
	cfr_list_init(&rt->subtasks);
	cfr_list_init(&rt->runq);
	rt->runq_len = 0;
	cfr_pheap_init(&rt->timers, timer_less);
	rt->clock = 0;
	rt->next_task_id = 0;
	rt->next_call = 0;
	rt->ntasks = 0;
	rt->resources = 0;
	memset(rt->by_state, 0, sizeof(rt->by_state));
	memset(rt->by_activity, 0, sizeof(rt->by_activity));
}

/* Lays out everything the config sizes — the runtime, its instances, their
 * handle tables, the exit scratch and the registry buckets — in one block:
 * with c->base NULL it only measures. Pools grow apart from it. */
static struct cfr *carve_runtime(struct cfr_carve *c,
                                 const struct cfr_config *cfg)
{
	struct cfr *rt = cfr_carve(c, sizeof(*rt));
	struct instance *inst =
	    cfr_carve(c, cfg->instances * sizeof(struct instance));
	struct subtask **scratch =
	    cfr_carve(c, cfg->max_handles * sizeof(struct subtask *));
	void *buckets = cfr_carve(c, cfr_registry_size(cfg->max_keys));
	if (rt) {
		memset(rt, 0, sizeof(*rt));
		memset(inst, 0, cfg->instances * sizeof(*inst));
		rt->inst = inst;
		rt->scratch = scratch;
		cfr_registry_init(&rt->reg, cfg->max_keys, buckets);
	}
	for (uint32_t i = 0; i < cfg->instances; i++) {
		void *table = cfr_carve(c, cfr_table_size(cfg->max_handles));
		if (rt)
			cfr_table_init(&inst[i].table, cfg->max_handles, table);
	}
	if (rt)
		rt->block_size = c->used;
	return rt;
}

enum cfr_err cfr_create(const struct cfr_config *cfg, struct cfr **out)
{
	struct cfr_mem mem = {{default_alloc, default_release, NULL}, 0};
	struct cfr_carve c = {NULL, 0};
	*out = NULL;
	if (!config_ok(cfg))
		return CFR_E_CONFIG;
	if (cfg->allocator)
		mem.a = *cfg->allocator;

	carve_runtime(&c, cfg); /* measure */
	if (!(c.base = cfr_mem_alloc(&mem, c.used)))
		return CFR_E_NOMEM;
	c.used = 0;
	struct cfr *rt = carve_runtime(&c, cfg);
	rt->cfg = *cfg;
	rt->mem = mem;
	uint32_t chunk = cfg->pool_chunk ? cfg->pool_chunk : 64;
	cfr_pool_init(&rt->task_pool, sizeof(struct task), chunk);
	cfr_pool_init(&rt->subtask_pool, sizeof(struct subtask), chunk);
	cfr_reset(rt);
	*out = rt;
	return CFR_OK;
}

void cfr_destroy(struct cfr **prt)
{
	struct cfr *rt = prt ? *prt : NULL;
	if (!rt)
		return;
	struct cfr_mem mem = rt->mem;
	cfr_pool_release(&rt->task_pool, &mem);
	cfr_pool_release(&rt->subtask_pool, &mem);
	cfr_mem_free(&mem, rt, rt->block_size); /* the block starts with rt */
	*prt = NULL;
}
