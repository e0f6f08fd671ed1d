/* model.c - the cancellation contract as plain data and linear scans.
 *
 * Rule numbers (C-n) refer to model/README.md. Each operation checks its
 * errors first, in the order the contract gives, and changes nothing until
 * every check has passed (C-6); then it performs the transitions, citing the
 * rule for each one. Orders the contract fixes are kept by construction:
 * lowest handle first, subscribers in the order they subscribed, queued
 * tasks in creation order, deadlines by (expiry, creation order).
 */
#include "cfm.h"

#include <assert.h>
#include <string.h>

/* ---- names ---- */

#define NAME_ERR(name, text) #name,
#define TEXT_ERR(name, text) text,
#define NAME_PLAIN(name) #name,
#define NAME_OPCODE(name, text) text,

static const char *const err_names[] = {CFM_ERRORS(NAME_ERR)};
static const char *const err_texts[] = {CFM_ERRORS(TEXT_ERR)};
static const char *const status_names[] = {CFM_STATUSES(NAME_PLAIN)};
static const char *const task_state_names[] = {CFM_TASK_STATES(NAME_PLAIN)};
static const char *const activity_names[] = {CFM_ACTIVITIES(NAME_PLAIN)};
static const char *const event_names[] = {CFM_EVENTS(NAME_PLAIN)};
static const char *const opcode_names[] = {CFM_OPCODES(NAME_OPCODE)};
#define CLAUSE_RULE(id, rule, text) rule,
#define CLAUSE_TEXT(id, rule, text) text,
#define CLAUSE_ID(id, rule, text) #id,
static const char *const clause_rules[] = {CFM_CLAUSES(CLAUSE_RULE)};
static const char *const clause_texts[] = {CFM_CLAUSES(CLAUSE_TEXT)};
static const char *const clause_ids[] = {CFM_CLAUSES(CLAUSE_ID)};

#define NAME_OF(table, value)                                                  \
	((size_t)(value) < sizeof(table) / sizeof((table)[0]) ? (table)[value]  \
	                                                      : "?")

const char *cfm_err_name(enum cfm_err err) { return NAME_OF(err_names, err); }
const char *cfm_err_text(enum cfm_err err) { return NAME_OF(err_texts, err); }
const char *cfm_status_name(enum cfm_status status)
{
	return NAME_OF(status_names, status);
}
const char *cfm_task_state_name(enum cfm_task_state state)
{
	return NAME_OF(task_state_names, state);
}
const char *cfm_activity_name(enum cfm_activity activity)
{
	return NAME_OF(activity_names, activity);
}
const char *cfm_event_name(enum cfm_event_code code)
{
	return NAME_OF(event_names, code);
}
const char *cfm_opcode_name(enum cfm_opcode code)
{
	return NAME_OF(opcode_names, code);
}
#define CLAUSE_OF(table, c) ((size_t)(c) < CFM_CLAUSE_COUNT ? (table)[c] : NULL)
const char *cfm_clause_rule(enum cfm_clause c)
{
	return CLAUSE_OF(clause_rules, c);
}
const char *cfm_clause_text(enum cfm_clause c)
{
	return CLAUSE_OF(clause_texts, c);
}
const char *cfm_clause_id(enum cfm_clause c)
{
	return CLAUSE_OF(clause_ids, c);
}

bool cfm_cited(const struct cfm *m, enum cfm_clause c)
{
	return (size_t)c < CFM_CLAUSE_COUNT &&
	       (m->cited[c / 32] >> (c % 32) & 1u) != 0;
}

/* Marks clause c as applied by this step (cover.h). It changes nothing the
 * contract can see: the harness reads it to measure and guide. */
static void cite(struct cfm *m, enum cfm_clause c)
{
	m->cited[c / 32] |= 1u << (c % 32);
}

const char *cfm_kind_name(enum cfm_kind kind)
{
	return kind == CFM_KIND_OK ? "ok" : kind == CFM_KIND_ERR ? "err" : "?";
}

bool cfm_status_resolved(enum cfm_status status)
{
	switch (status) {
	case CFM_RETURNED:
	case CFM_CANCELLED_BEFORE_STARTED:
	case CFM_CANCELLED_BEFORE_RETURNED:
		return true;
	case CFM_STARTING:
	case CFM_STARTED:
	case CFM_BLOCKED:
		return false;
	}
	return false;
}

/* ---- lookups (linear scans over the fixed arrays) ---- */

/* Scans stop at the high-water marks: no record past one has ever been
 * live (struct cfm). */
static struct cfm_task *task_get(struct cfm *m, uint32_t id)
{
	for (size_t i = 0; i < m->tasks_used; i++)
		if (id != 0 && m->tasks[i].live && m->tasks[i].id == id)
			return &m->tasks[i];
	return NULL;
}

const struct cfm_task *cfm_task_get(const struct cfm *m, uint32_t id)
{
	return task_get((struct cfm *)m, id);
}

/* The ACTIVE task (at most one, C-21), remembered by run and forgotten by
 * wait, yield and exit, the only transitions into and out of ACTIVE. */
static struct cfm_task *active_task(struct cfm *m)
{
	if (m->active == 0)
		return NULL;
	struct cfm_task *t = &m->tasks[m->active - 1];
	assert(t->live && t->activity == CFM_ACT_ACTIVE);
	return t;
}

const struct cfm_task *cfm_active_task(const struct cfm *m)
{
	return active_task((struct cfm *)m);
}

static struct cfm_subtask *subtask_get(struct cfm *m, uint32_t instance,
                                       uint32_t handle)
{
	for (size_t i = 0; i < m->subtasks_used; i++) {
		struct cfm_subtask *s = &m->subtasks[i];
		if (handle != 0 && s->live && s->instance == instance &&
		    s->handle == handle)
			return s;
	}
	return NULL;
}

const struct cfm_subtask *cfm_subtask_get(const struct cfm *m,
                                          uint32_t instance, uint32_t handle)
{
	return subtask_get((struct cfm *)m, instance, handle);
}

/* The lowest-handle subtask in a table that belongs to owner and satisfies
 * pred, or NULL. "Lowest handle first" is the order the contract fixes for
 * events (C-22, C-25), for exit (C-35) and for the drain (C-36). */
static struct cfm_subtask *
lowest_owned(struct cfm *m, uint32_t owner,
             bool (*pred)(const struct cfm_subtask *))
{
	struct cfm_subtask *best = NULL;
	for (size_t i = 0; i < m->subtasks_used; i++) {
		struct cfm_subtask *s = &m->subtasks[i];
		if (!s->live || s->handle == 0 || s->owner != owner)
			continue;
		if (pred(s) && (!best || s->handle < best->handle))
			best = s;
	}
	return best;
}

static bool any_subtask(const struct cfm_subtask *s) { return s != NULL; }
static bool has_pending(const struct cfm_subtask *s) { return s->pending; }
static bool is_resolved(const struct cfm_subtask *s)
{
	return cfm_status_resolved(s->state);
}
static bool is_unresolved(const struct cfm_subtask *s)
{
	return !cfm_status_resolved(s->state);
}
static bool is_uncancelled(const struct cfm_subtask *s)
{
	return !cfm_status_resolved(s->state) && !s->cancel_requested;
}

/* The subscriber of task id with the smallest seq greater than after. */
static struct cfm_subtask *next_subscriber(struct cfm *m, uint32_t task,
                                           uint32_t after)
{
	struct cfm_subtask *best = NULL;
	for (size_t i = 0; i < m->subtasks_used; i++) {
		struct cfm_subtask *s = &m->subtasks[i];
		if (s->live && s->subscribed && s->task == task &&
		    s->seq > after && (!best || s->seq < best->seq))
			best = s;
	}
	return best;
}

static uint32_t count_subscribers(const struct cfm *m, uint32_t task)
{
	uint32_t n = 0;
	for (size_t i = 0; i < m->subtasks_used; i++) {
		const struct cfm_subtask *s = &m->subtasks[i];
		n += s->live && s->subscribed && s->task == task;
	}
	return n;
}

static uint32_t count_handles(const struct cfm *m, uint32_t instance)
{
	uint32_t n = 0;
	for (size_t i = 0; i < m->subtasks_used; i++)
		if (m->subtasks[i].live && m->subtasks[i].handle != 0 &&
		    m->subtasks[i].instance == instance)
			n++;
	return n;
}

static uint32_t count_resources(const struct cfm_task *t)
{
	uint32_t n = 0;
	for (uint32_t r = 1; r <= CFM_MAX_RESOURCES; r++)
		n += t->resource[r];
	return n;
}

static uint32_t count_tasks(const struct cfm *m)
{
	uint32_t n = 0;
	for (size_t i = 0; i < m->tasks_used; i++)
		n += m->tasks[i].live;
	return n;
}

static uint32_t count_keys(const struct cfm *m)
{
	uint32_t n = 0;
	for (size_t i = 0; i < m->keys_used; i++)
		n += m->keys[i].live;
	return n;
}

struct cfm_counts cfm_counts(const struct cfm *m)
{
	struct cfm_counts c = {0};
	for (size_t i = 0; i < m->tasks_used; i++) {
		if (!m->tasks[i].live)
			continue;
		c.tasks++;
		c.resources += count_resources(&m->tasks[i]);
	}
	for (size_t i = 0; i < m->subtasks_used; i++) {
		c.subtasks += m->subtasks[i].live;
		c.handles += m->subtasks[i].live && m->subtasks[i].handle != 0;
	}
	c.keys = count_keys(m);
	c.queue = m->queue_len;
	return c;
}

/* ---- the registry of shared keys (C-31) ---- */

static struct cfm_key *key_get(struct cfm *m, uint32_t instance, uint32_t key)
{
	for (size_t i = 0; i < m->keys_used; i++)
		if (m->keys[i].live && m->keys[i].instance == instance &&
		    m->keys[i].key == key)
			return &m->keys[i];
	return NULL;
}

uint32_t cfm_registry_get(const struct cfm *m, uint32_t instance,
                          uint32_t key)
{
	const struct cfm_key *k = key_get((struct cfm *)m, instance, key);
	return k ? k->task : 0;
}

/* C-31: a task leaves the registry when a cancellation is requested for it
 * or it resolves, whichever comes first. */
static bool unregister(struct cfm *m, const struct cfm_task *t)
{
	bool was = false;
	for (size_t i = 0; i < m->keys_used; i++)
		if (m->keys[i].live && m->keys[i].task == t->id) {
			m->keys[i].live = false;
			was = true;
		}
	return was;
}

/* ---- the run queue (C-21) ---- */

static void make_ready(struct cfm *m, struct cfm_task *t)
{
	assert(m->queue_len < CFM_MAX_TASKS);
	t->activity = CFM_ACT_READY;
	m->queue[m->queue_len++] = t->id; /* at the tail */
}

static void queue_remove_at(struct cfm *m, uint32_t pos)
{
	memmove(&m->queue[pos], &m->queue[pos + 1],
	        (m->queue_len - pos - 1) * sizeof(m->queue[0]));
	m->queue_len--;
}

/* ---- transitions shared by several operations ---- */

/* C-23: a subtask gets a pending event; a BLOCKED owner wakes at the tail. */
static void set_pending(struct cfm *m, struct cfm_subtask *s)
{
	s->pending = true;
	if (s->owner != CFM_HOST) {
		struct cfm_task *owner = task_get(m, s->owner);
		if (owner && owner->activity == CFM_ACT_BLOCKED) {
			cite(m, CFM_CL_C23_WAKE);
			make_ready(m, owner);
		}
	}
}

/* One subscriber's one resolution (C-20, C-33). An abandoned subscriber is
 * released with no event and no slot write (C-27); the others take the state,
 * a RETURNED one gets its slot written (C-9), and all get a pending event. */
static void settle(struct cfm *m, struct cfm_subtask *s, enum cfm_status state,
                   enum cfm_kind kind, uint32_t value)
{
	assert(cfm_status_resolved(state) && !cfm_status_resolved(s->state));
	struct cfm_settlement told = {s->seq, state, s->handle == 0, false,
	                              kind, value};
	s->subscribed = false;
	if (s->handle == 0) {
		cite(m, CFM_CL_C27_RELEASED);
		memset(s, 0, sizeof(*s)); /* C-27: released */
	} else {
		s->state = state;
		if (state == CFM_RETURNED) { /* C-9: written exactly here */
			cite(m, CFM_CL_C9_SLOT);
			s->slot_written = told.slot_written = true;
			s->kind = kind;
			s->value = value;
		}
		set_pending(m, s);
	}
	if (m->observer)
		m->observer(m->observer_ctx, &told);
}

/* The task resolves: every subscriber still subscribed settles once with the
 * same outcome, in the order they subscribed (C-33). Returns how many result
 * slots were written. */
static uint32_t resolve_task(struct cfm *m, struct cfm_task *t,
                             enum cfm_status state, enum cfm_kind kind,
                             uint32_t value)
{
	uint32_t written = 0, settled = 0;
	unregister(m, t); /* C-31 */
	t->state = CFM_TASK_RESOLVED;
	t->cancel_due = false; /* C-24: never after the task resolved */
	struct cfm_subtask *s;
	uint32_t seq = 0;
	while ((s = next_subscriber(m, t->id, seq)) != NULL) {
		seq = s->seq; /* settle may release the record */
		written += state == CFM_RETURNED && s->handle != 0;
		settle(m, s, state, kind, value);
		settled++;
	}
	if (settled >= 2)
		cite(m, CFM_CL_C33_FANOUT);
	if (settled > m->fanout)
		m->fanout = settled;
	return written;
}

static void free_task(struct cfm_task *t)
{
	t->activity = CFM_ACT_EXITED;
	t->live = false;
}

/* C-13: a task is waiting cancellably when it is BLOCKED after a cancellable
 * wait, or READY after a cancellable wait or a yield. A task that was never
 * activated has made no wait at all. */
static bool waiting_cancellably(const struct cfm_task *t)
{
	return t->activated && t->wait_cancellable &&
	       (t->activity == CFM_ACT_BLOCKED ||
	        t->activity == CFM_ACT_READY);
}

/* C-13 and C-16: the cancellation becomes due as the next activation event;
 * a BLOCKED task becomes READY at the tail, a READY one keeps its place. */
static void deliver_cancel(struct cfm *m, struct cfm_task *t)
{
	t->state = CFM_TASK_CANCEL_DELIVERED;
	t->cancel_due = true;
	if (t->activity != CFM_ACT_READY)
		make_ready(m, t);
}

/* C-13: a cancellation request reaching a task. */
static void request_task_cancel(struct cfm *m, struct cfm_task *t)
{
	switch (t->state) {
	case CFM_TASK_INITIAL:
		/* C-13: it resolves at once and never runs. */
		cite(m, CFM_CL_C13_INITIAL);
		resolve_task(m, t, CFM_CANCELLED_BEFORE_STARTED, CFM_KIND_OK,
		             0);
		free_task(t);
		return;
	case CFM_TASK_STARTED:
		if (unregister(m, t)) /* C-31: leaves the registry on request */
			cite(m, CFM_CL_C31_LEAVE);
		if (waiting_cancellably(t)) {
			cite(m, t->activity == CFM_ACT_BLOCKED
			            ? CFM_CL_C13_BLOCKED
			            : CFM_CL_C13_READY);
			deliver_cancel(m, t);
		} else {
			cite(m, CFM_CL_C13_PENDING);
			t->state = CFM_TASK_PENDING_CANCEL;
		}
		return;
	case CFM_TASK_PENDING_CANCEL:
	case CFM_TASK_CANCEL_DELIVERED:
	case CFM_TASK_RESOLVED:
		cite(m, CFM_CL_C13_NOTHING);
		return; /* C-13: nothing happens */
	}
}

/* C-11.3: record a subscriber's cancellation and route it. Explicit cancel,
 * drop (C-27) and timeout (C-29) all come through here, so the exporter
 * cannot tell them apart. */
static void request_cancel(struct cfm *m, struct cfm_subtask *s)
{
	struct cfm_task *t = task_get(m, s->task);
	assert(t && s->subscribed && !cfm_status_resolved(s->state));
	s->cancel_requested = true;
	if (count_subscribers(m, t->id) > 1) {
		/* C-32: others still listen; this one detaches, the task is
		 * untouched. */
		cite(m, CFM_CL_C32_DETACH);
		settle(m, s,
		       t->state == CFM_TASK_INITIAL
		           ? CFM_CANCELLED_BEFORE_STARTED
		           : CFM_CANCELLED_BEFORE_RETURNED,
		       CFM_KIND_OK, 0);
		return;
	}
	request_task_cancel(m, t); /* C-32: the last one is a normal request */
}

/* Delivers a subtask's event to its owner (C-22, C-25): its state now; a
 * resolved state counts as delivered. */
static struct cfm_event deliver_event(struct cfm_subtask *s)
{
	struct cfm_event ev = {CFM_EV_SUBTASK, s->handle, s->state};
	s->pending = false;
	if (cfm_status_resolved(s->state))
		s->delivered = true;
	return ev;
}

/* C-12: drop a subtask of the actor's table. A resolved one is discarded
 * with its pending event (C-28); an unresolved one is abandoned (C-27). */
static void drop_subtask(struct cfm *m, struct cfm_subtask *s)
{
	if (cfm_status_resolved(s->state)) {
		cite(m, CFM_CL_C28_DISCARD);
		memset(s, 0, sizeof(*s));
		return;
	}
	s->handle = 0; /* C-12: the handle is free at once */
	s->pending = false;
	if (s->cancel_requested) {
		cite(m, CFM_CL_C27_ABANDON_CANCELLED);
	} else {
		cite(m, CFM_CL_C27_ABANDON);
		request_cancel(m, s); /* C-27: exactly as C-11.3 */
	}
}

/* ---- operations ---- */

static bool op_is_task_only(enum cfm_opcode code)
{
	switch (code) {
	case CFM_OP_TASK_RETURN:
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_RESOURCE_DROP:
		return true;
	case CFM_OP_CALL:
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
	case CFM_OP_BACKPRESSURE:
	case CFM_OP_TICK:
	case CFM_OP_RUN:
	case CFM_OP_POLL:
		return false;
	}
	return false;
}

static bool op_is_host_only(enum cfm_opcode code)
{
	return code == CFM_OP_TICK || code == CFM_OP_RUN || code == CFM_OP_POLL;
}

/* Section 3: who may act. The host acts only while no task is ACTIVE; a task
 * acts only while it is the ACTIVE one. Host-only operations attempted while
 * a task is active are E_ACTIVE; task-only ones by the host are E_NOTACTIVE.
 * On success *actor is the acting task, or NULL for the host. */
static enum cfm_err check_actor(struct cfm *m, const struct cfm_op *op,
                                struct cfm_task **actor)
{
	struct cfm_task *active = active_task(m);
	*actor = NULL;
	if (op->actor == CFM_HOST) {
		if (active)
			return CFM_E_ACTIVE;
		return op_is_task_only(op->code) ? CFM_E_NOTACTIVE : CFM_OK;
	}
	if (!active || active->id != op->actor)
		return CFM_E_NOTACTIVE;
	if (op_is_host_only(op->code))
		return CFM_E_ACTIVE;
	*actor = active;
	return CFM_OK;
}

static uint32_t actor_instance(const struct cfm_task *actor)
{
	return actor ? actor->instance : 0;
}

static uint32_t actor_id(const struct cfm_task *actor)
{
	return actor ? actor->id : CFM_HOST;
}

static bool instance_has_queued(struct cfm *m, uint32_t instance)
{
	for (size_t i = 0; i < m->tasks_used; i++)
		if (m->tasks[i].live && m->tasks[i].instance == instance &&
		    m->tasks[i].activity == CFM_ACT_QUEUED)
			return true;
	return false;
}

static struct cfm_task *new_task(struct cfm *m, uint32_t instance)
{
	for (size_t i = 0; i < m->cfg.max_tasks; i++) {
		struct cfm_task *t = &m->tasks[i];
		if (t->live)
			continue;
		memset(t, 0, sizeof(*t));
		if (i + 1 > m->tasks_used)
			m->tasks_used = (uint32_t)i + 1;
		t->live = true;
		t->id = ++m->next_task_id; /* C-3: 1, 2, 3 ..., never reused */
		t->instance = instance;
		return t;
	}
	assert(!"more live tasks than the cap");
	return NULL;
}

/* C-3: the lowest free index >= 1 of a table: one pass marks the handles
 * in use (the caps keep them <= CFM_MAX_HANDLES), then the first unmarked. */
static uint32_t lowest_free_handle(struct cfm *m, uint32_t instance)
{
	bool used[CFM_MAX_HANDLES + 2] = {false};
	for (size_t i = 0; i < m->subtasks_used; i++) {
		const struct cfm_subtask *s = &m->subtasks[i];
		if (s->live && s->instance == instance &&
		    s->handle <= CFM_MAX_HANDLES)
			used[s->handle] = true;
	}
	uint32_t h = 1;
	while (used[h])
		h++;
	return h;
}

static struct cfm_subtask *new_subtask(struct cfm *m, uint32_t instance)
{
	for (size_t i = 0; i < m->subtask_slots; i++) {
		struct cfm_subtask *s = &m->subtasks[i];
		if (s->live)
			continue;
		if (i + 1 > m->subtasks_used)
			m->subtasks_used = (uint32_t)i + 1;
		s->handle = lowest_free_handle(m, instance);
		s->live = true;
		s->instance = instance;
		s->seq = ++m->next_seq;
		return s;
	}
	assert(!"subtask records exhausted");
	return NULL;
}

/* C-10: call(j, options, slot). */
static enum cfm_err op_call(struct cfm *m, struct cfm_task *actor,
                            const struct cfm_op *op, struct cfm_result *r)
{
	uint32_t from = actor_instance(actor), j = op->instance;
	struct cfm_task *t = NULL;
	struct cfm_key *k = NULL;

	if (j < 1 || j >= m->cfg.instances || j <= from) {
		cite(m, CFM_CL_C2_CALL_GRAPH);
		return CFM_E_BADINSTANCE; /* C-2 */
	}
	if (op->has_deadline && op->deadline == 0)
		return CFM_E_RANGE; /* C-10: deadline(d) needs d >= 1 */
	if (count_handles(m, from) >= m->cfg.max_handles) {
		cite(m, CFM_CL_C5_LIMIT);
		return CFM_E_LIMIT; /* C-5 */
	}
	if (op->shared && (k = key_get(m, j, op->key)) != NULL)
		t = task_get(m, k->task); /* C-31: join */
	if (t)
		cite(m, CFM_CL_C31_JOIN);
	if (!t) {
		if (count_tasks(m) >= m->cfg.max_tasks ||
		    (op->shared && count_keys(m) >= m->cfg.max_keys)) {
			cite(m, CFM_CL_C5_LIMIT);
			return CFM_E_LIMIT; /* C-5 */
		}
		bool queue_it =
		    m->backpressure[j] > 0 || instance_has_queued(m, j);
		t = new_task(m, j);
		if (queue_it) {
			cite(m, CFM_CL_C10_QUEUED);
			t->state = CFM_TASK_INITIAL; /* C-10: waits for admission */
			t->activity = CFM_ACT_QUEUED;
		} else {
			cite(m, CFM_CL_C10_STARTED);
			t->state = CFM_TASK_STARTED; /* C-10: START pending */
			make_ready(m, t);
		}
		if (op->shared) { /* C-31: register under the key */
			cite(m, CFM_CL_C31_REGISTER);
			for (k = m->keys; k->live; k++)
				;
			if (k - m->keys + 1 > m->keys_used)
				m->keys_used = (uint32_t)(k - m->keys) + 1;
			*k = (struct cfm_key){true, j, op->key, t->id};
		}
	}

	struct cfm_subtask *s = new_subtask(m, from);
	s->owner = actor_id(actor);
	s->task = t->id;
	s->subscribed = true;
	/* C-10, C-31: the subtask mirrors the task. */
	s->state = t->state == CFM_TASK_INITIAL ? CFM_STARTING : CFM_STARTED;
	if (op->has_deadline) {
		cite(m, CFM_CL_C10_DEADLINE);
		s->deadline = m->clock + op->deadline; /* C-29 */
	}
	s->slot = op->slot;

	r->status = s->state;
	r->handle = s->handle;
	r->task = t->id;
	return CFM_OK;
}

/* C-11.1, C-12: the handle must be live in the actor's table and the actor's
 * own. */
static enum cfm_err own_subtask(struct cfm *m, const struct cfm_task *actor,
                                uint32_t handle, struct cfm_subtask **out)
{
	struct cfm_subtask *s = subtask_get(m, actor_instance(actor), handle);
	if (!s)
		return CFM_E_BADHANDLE;
	if (s->owner != actor_id(actor))
		return CFM_E_NOTOWNER;
	*out = s;
	return CFM_OK;
}

/* C-11: subtask.cancel(h). */
static enum cfm_err op_subtask_cancel(struct cfm *m, struct cfm_task *actor,
                                      const struct cfm_op *op,
                                      struct cfm_result *r)
{
	struct cfm_subtask *s;
	enum cfm_err err = own_subtask(m, actor, op->handle, &s);
	if (err != CFM_OK)
		return err;
	if (s->delivered) {
		cite(m, CFM_CL_C11_1_DELIVERED);
		return CFM_E_DELIVERED; /* C-11.1 */
	}
	if (s->cancel_requested) {
		cite(m, CFM_CL_C11_1_ALREADY);
		return CFM_E_ALREADY; /* C-11.1 */
	}
	if (!cfm_status_resolved(s->state)) {
		request_cancel(m, s); /* C-11.3 */
		if (!cfm_status_resolved(s->state)) {
			cite(m, CFM_CL_C11_3_BLOCKED);
			r->status = CFM_BLOCKED; /* one SUBTASK event follows */
			return CFM_OK;
		}
		cite(m, CFM_CL_C11_3_AT_ONCE);
	} else {
		cite(m, CFM_CL_C11_2_LOST);
	}
	/* C-11.2 (the race was already lost: no request) or C-11.3 (the
	 * request resolved it at once): the state is returned, which is its
	 * delivery, and the pending event is gone. */
	s->pending = false;
	s->delivered = true;
	r->status = s->state;
	return CFM_OK;
}

/* C-12: subtask.drop(h). */
static enum cfm_err op_subtask_drop(struct cfm *m, struct cfm_task *actor,
                                    const struct cfm_op *op)
{
	struct cfm_subtask *s;
	enum cfm_err err = own_subtask(m, actor, op->handle, &s);
	if (err != CFM_OK)
		return err;
	drop_subtask(m, s);
	return CFM_OK;
}

/* C-14: task.return(kind, value). */
static enum cfm_err op_task_return(struct cfm *m, struct cfm_task *t,
                                   const struct cfm_op *op,
                                   struct cfm_result *r)
{
	if (op->kind != CFM_KIND_OK && op->kind != CFM_KIND_ERR)
		return CFM_E_RANGE;
	if (t->state == CFM_TASK_RESOLVED) {
		cite(m, CFM_CL_C14_RESOLVED);
		return CFM_E_RESOLVED;
	}
	/* STARTED, PENDING_CANCEL or CANCEL_DELIVERED: the completion wins
	 * the race (C-20). */
	cite(m, t->state == CFM_TASK_STARTED ? CFM_CL_C14_RETURN
	        : t->state == CFM_TASK_PENDING_CANCEL
	            ? CFM_CL_C20_RETURN_PENDING
	            : CFM_CL_C20_RETURN_DELIVERED);
	r->written = resolve_task(m, t, CFM_RETURNED, op->kind, op->value);
	return CFM_OK;
}

/* C-15: task.cancel. */
static enum cfm_err op_task_cancel(struct cfm *m, struct cfm_task *t)
{
	if (t->state != CFM_TASK_CANCEL_DELIVERED) {
		cite(m, CFM_CL_C15_NOTDELIVERED);
		return CFM_E_NOTDELIVERED;
	}
	cite(m, CFM_CL_C15_CANCEL);
	resolve_task(m, t, CFM_CANCELLED_BEFORE_RETURNED, CFM_KIND_OK, 0);
	return CFM_OK;
}

/* C-16: wait(cancellable) and yield end the activation. */
static enum cfm_err op_wait(struct cfm *m, struct cfm_task *t, bool cancellable,
                            bool yield)
{
	t->wait_cancellable = cancellable; /* C-8 */
	t->yielded = yield;
	t->activity = CFM_ACT_BLOCKED;
	m->active = 0; /* the activation ends */
	if (cancellable && t->state == CFM_TASK_PENDING_CANCEL) {
		cite(m, CFM_CL_C16_WAIT_DELIVERS);
		deliver_cancel(m, t); /* READY with TASK_CANCELLED */
		return CFM_OK;
	}
	if (t->state == CFM_TASK_PENDING_CANCEL)
		cite(m, CFM_CL_C16_WAIT_KEEPS_PENDING);
	if (yield || lowest_owned(m, t->id, has_pending)) {
		cite(m, yield ? CFM_CL_C16_YIELD : CFM_CL_C16_WAIT_GOES_ON);
		make_ready(m, t); /* READY with NONE, or with its event */
	} else {
		cite(m, CFM_CL_C16_WAIT_BLOCKS);
	}
	return CFM_OK;
}

/* C-16: exit. */
static enum cfm_err op_exit(struct cfm *m, struct cfm_task *t)
{
	struct cfm_subtask *s;
	if (t->state != CFM_TASK_RESOLVED) {
		cite(m, CFM_CL_C16_EXIT_UNRESOLVED);
		return CFM_E_UNRESOLVED;
	}
	cite(m, CFM_CL_C16_EXIT);
	if (count_resources(t) > 0)
		cite(m, CFM_CL_C34_RELEASE);
	memset(t->resource, 0, sizeof(t->resource)); /* C-34: every path */
	if (lowest_owned(m, t->id, any_subtask))
		cite(m, CFM_CL_C35_CASCADE);
	while ((s = lowest_owned(m, t->id, any_subtask)) != NULL)
		drop_subtask(m, s); /* C-35: lowest handle first */
	free_task(t);
	m->active = 0; /* the activation ends with the task */
	return CFM_OK;
}

/* C-34: resource.new. */
static enum cfm_err op_resource_new(struct cfm_task *t, uint32_t cap,
                                    struct cfm_result *r)
{
	if (count_resources(t) >= cap)
		return CFM_E_LIMIT; /* C-5 */
	uint32_t id = 1;
	while (t->resource[id])
		id++; /* the lowest free id >= 1 */
	t->resource[id] = true;
	r->resource = id;
	return CFM_OK;
}

/* C-34: resource.drop(r). */
static enum cfm_err op_resource_drop(struct cfm_task *t, uint32_t id)
{
	if (id < 1 || id > CFM_MAX_RESOURCES || !t->resource[id])
		return CFM_E_BADRESOURCE;
	t->resource[id] = false;
	return CFM_OK;
}

/* C-19: admit the QUEUED tasks of an instance, in FIFO (= creation, = id)
 * order: each becomes STARTED and READY with START at the tail, then each of
 * its subscribers becomes STARTED with a pending event. */
static void admit_queued(struct cfm *m, uint32_t instance)
{
	for (;;) {
		struct cfm_task *t = NULL;
		for (size_t i = 0; i < m->tasks_used; i++) {
			struct cfm_task *c = &m->tasks[i];
			if (c->live && c->instance == instance &&
			    c->activity == CFM_ACT_QUEUED &&
			    (!t || c->id < t->id))
				t = c;
		}
		if (!t)
			return;
		cite(m, CFM_CL_C19_ADMIT);
		t->state = CFM_TASK_STARTED;
		make_ready(m, t);
		for (struct cfm_subtask *s = next_subscriber(m, t->id, 0); s;
		     s = next_subscriber(m, t->id, s->seq)) {
			s->state = CFM_STARTED;
			set_pending(m, s); /* C-23 */
		}
	}
}

/* C-17: backpressure(j, delta). */
static enum cfm_err op_backpressure(struct cfm *m, struct cfm_task *actor,
                                    const struct cfm_op *op)
{
	uint32_t j = op->instance;
	if (actor ? j != actor->instance : (j < 1 || j >= m->cfg.instances))
		return CFM_E_BADINSTANCE;
	if (op->delta != 1 && op->delta != -1)
		return CFM_E_RANGE;
	int64_t next = (int64_t)m->backpressure[j] + op->delta;
	if (next < 0 || next > CFM_BACKPRESSURE_MAX)
		return CFM_E_RANGE;
	m->backpressure[j] = (uint32_t)next;
	if (next == 0)
		admit_queued(m, j); /* at once (C-17, C-19) */
	return CFM_OK;
}

/* C-29: can this subtask's deadline still fire? */
static bool deadline_armed(const struct cfm_subtask *s)
{
	return s->live && s->handle != 0 && s->deadline != 0 &&
	       !cfm_status_resolved(s->state) && !s->cancel_requested;
}

/* C-18, C-29: tick(n). */
static enum cfm_err op_tick(struct cfm *m, uint32_t n)
{
	if (n == 0)
		return CFM_E_RANGE;
	m->clock += n;
	for (;;) {
		/* The next expiry by (deadline, creation order). */
		struct cfm_subtask *due = NULL;
		for (size_t i = 0; i < m->subtasks_used; i++) {
			struct cfm_subtask *s = &m->subtasks[i];
			if (!deadline_armed(s) || s->deadline > m->clock)
				continue;
			if (!due || s->deadline < due->deadline ||
			    (s->deadline == due->deadline && s->seq < due->seq))
				due = s;
		}
		if (!due)
			return CFM_OK;
		cite(m, CFM_CL_C29_EXPIRE);
		due->timed_out = true;
		/* As an async subtask.cancel: a resolution it causes stays a
		 * pending event (settle), never a return value. */
		request_cancel(m, due);
	}
}

/* C-22: the event of an activation, decided now. */
static struct cfm_event activation_event(struct cfm *m, struct cfm_task *t)
{
	struct cfm_event none = {CFM_EV_NONE, 0, CFM_STARTING};
	bool yielded = t->yielded;
	t->yielded = false;
	if (!t->activated) {
		t->activated = true;
		return (struct cfm_event){CFM_EV_START, 0, CFM_STARTING};
	}
	if (t->cancel_due) {
		t->cancel_due = false; /* C-24: reported once */
		return (struct cfm_event){CFM_EV_TASK_CANCELLED, 0,
		                          CFM_STARTING};
	}
	if (yielded)
		return none;
	struct cfm_subtask *s = lowest_owned(m, t->id, has_pending);
	return s ? deliver_event(s) : none;
}

/* C-21: run(k). */
static enum cfm_err op_run(struct cfm *m, uint32_t k, struct cfm_result *r)
{
	if (m->queue_len == 0)
		return CFM_E_RANGE;
	uint32_t pos = k % m->queue_len;
	struct cfm_task *t = task_get(m, m->queue[pos]);
	assert(t && t->activity == CFM_ACT_READY);
	queue_remove_at(m, pos);
	t->activity = CFM_ACT_ACTIVE;
	m->active = (uint32_t)(t - m->tasks) + 1;
	r->task = t->id;
	r->event = activation_event(m, t);
	return CFM_OK;
}

/* C-25: poll. */
static enum cfm_err op_poll(struct cfm *m, struct cfm_result *r)
{
	struct cfm_subtask *s = lowest_owned(m, CFM_HOST, has_pending);
	if (s)
		r->event = deliver_event(s);
	return CFM_OK;
}

/* The clauses of the operations whose functions need no state to cite
 * them: read off the result. */
static void cite_simple(struct cfm *m, const struct cfm_op *op,
                        const struct cfm_result *r)
{
	bool ok = r->err == CFM_OK;
	switch (op->code) {
	case CFM_OP_RESOURCE_NEW:
		cite(m, ok ? CFM_CL_C34_NEW : CFM_CL_C5_LIMIT);
		break;
	case CFM_OP_RESOURCE_DROP:
		cite(m, ok ? CFM_CL_C34_DROP : CFM_CL_C34_BAD);
		break;
	case CFM_OP_BACKPRESSURE:
		if (ok || r->err == CFM_E_RANGE)
			cite(m, ok ? CFM_CL_C17_CHANGE : CFM_CL_C17_RANGE);
		break;
	case CFM_OP_TICK:
		if (ok)
			cite(m, CFM_CL_C18_TICK);
		break;
	case CFM_OP_RUN:
		if (!ok) {
			cite(m, CFM_CL_C21_EMPTY);
			break;
		}
		cite(m, CFM_CL_C21_RUN);
		cite(m, r->event.code == CFM_EV_START ? CFM_CL_C22_START
		        : r->event.code == CFM_EV_TASK_CANCELLED
		            ? CFM_CL_C22_CANCELLED
		        : r->event.code == CFM_EV_NONE ? CFM_CL_C22_NONE
		        : r->event.status == CFM_STARTED ? CFM_CL_C22_PROGRESS
		                                         : CFM_CL_C22_RESOLVED);
		break;
	case CFM_OP_POLL:
		cite(m, r->event.code == CFM_EV_SUBTASK ? CFM_CL_C25_EVENT
		                                        : CFM_CL_C25_NONE);
		break;
	case CFM_OP_CALL: /* these cite inside their functions */
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
	case CFM_OP_TASK_RETURN:
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
		break;
	}
}

struct cfm_result cfm_apply(struct cfm *m, const struct cfm_op *op)
{
	struct cfm_result r = {0};
	struct cfm_task *t;

	memset(m->cited, 0, sizeof(m->cited));
	m->fanout = 0;
	r.err = check_actor(m, op, &t);
	if (r.err != CFM_OK) {
		cite(m, CFM_CL_C6_ACTOR);
		return r;
	}
	switch (op->code) {
	case CFM_OP_CALL:
		r.err = op_call(m, t, op, &r);
		break;
	case CFM_OP_SUBTASK_CANCEL:
		r.err = op_subtask_cancel(m, t, op, &r);
		break;
	case CFM_OP_SUBTASK_DROP:
		r.err = op_subtask_drop(m, t, op);
		break;
	case CFM_OP_TASK_RETURN:
		r.err = op_task_return(m, t, op, &r);
		break;
	case CFM_OP_TASK_CANCEL:
		r.err = op_task_cancel(m, t);
		break;
	case CFM_OP_WAIT:
		r.err = op_wait(m, t, op->cancellable, false);
		break;
	case CFM_OP_YIELD:
		r.err = op_wait(m, t, true, true); /* C-16: yield is cancellable */
		break;
	case CFM_OP_EXIT:
		r.err = op_exit(m, t);
		break;
	case CFM_OP_RESOURCE_NEW:
		r.err = op_resource_new(t, m->cfg.max_resources, &r);
		break;
	case CFM_OP_RESOURCE_DROP:
		r.err = op_resource_drop(t, op->resource);
		break;
	case CFM_OP_BACKPRESSURE:
		r.err = op_backpressure(m, t, op);
		break;
	case CFM_OP_TICK:
		r.err = op_tick(m, op->n);
		break;
	case CFM_OP_RUN:
		r.err = op_run(m, op->n, &r);
		break;
	case CFM_OP_POLL:
		r.err = op_poll(m, &r);
		break;
	default:
		r.err = CFM_E_RANGE; /* not an operation */
		break;
	}
	if (r.err != CFM_OK) /* C-6: an error returns nothing else */
		r = (struct cfm_result){.err = r.err};
	cite_simple(m, op, &r);
	return r;
}

bool cfm_op_equal(const struct cfm_op *a, const struct cfm_op *b)
{
	return a->code == b->code && a->actor == b->actor &&
	       a->instance == b->instance && a->handle == b->handle &&
	       a->resource == b->resource && a->delta == b->delta &&
	       a->n == b->n && a->cancellable == b->cancellable &&
	       a->kind == b->kind && a->value == b->value &&
	       a->shared == b->shared && a->key == b->key &&
	       a->has_deadline == b->has_deadline &&
	       a->deadline == b->deadline;
}

enum cfm_err cfm_init(struct cfm *m, const struct cfm_config *cfg)
{
	memset(m, 0, sizeof(*m));
	if (cfg->instances < 2 || cfg->instances > CFM_MAX_INSTANCES ||
	    cfg->max_tasks < 1 || cfg->max_tasks > CFM_MAX_TASKS ||
	    cfg->max_handles < 1 || cfg->max_handles > CFM_MAX_HANDLES ||
	    cfg->max_resources < 1 || cfg->max_resources > CFM_MAX_RESOURCES ||
	    cfg->max_keys < 1 || cfg->max_keys > CFM_MAX_KEYS)
		return CFM_E_RANGE;
	m->cfg = *cfg;
	/* Every handle of every table plus one abandoned subscriber per
	 * task (see CFM_MAX_SUBTASKS): the records this run can need. */
	m->subtask_slots = cfg->instances * cfg->max_handles + cfg->max_tasks;
	return CFM_OK;
}

/* ---- the drain (C-36) ---- */

/* The policy of an activated task, in this order: drop a resolved subtask;
 * cancel an unresolved one not cancelled yet; answer a delivered
 * cancellation with task.cancel; return ok if still STARTED with nothing
 * unresolved below it; exit once resolved with no subtasks; else wait
 * cancellably. */
static void drain_task_step(struct cfm *m, struct cfm_task *t,
                            struct cfm_op *op)
{
	struct cfm_subtask *s;
	op->actor = t->id;
	if ((s = lowest_owned(m, t->id, is_resolved)) != NULL) {
		op->code = CFM_OP_SUBTASK_DROP;
		op->handle = s->handle;
	} else if ((s = lowest_owned(m, t->id, is_uncancelled)) != NULL) {
		op->code = CFM_OP_SUBTASK_CANCEL;
		op->handle = s->handle;
	} else if (t->state == CFM_TASK_CANCEL_DELIVERED) {
		op->code = CFM_OP_TASK_CANCEL;
	} else if (t->state == CFM_TASK_STARTED &&
	           !lowest_owned(m, t->id, is_unresolved)) {
		op->code = CFM_OP_TASK_RETURN;
		op->kind = CFM_KIND_OK;
	} else if (t->state == CFM_TASK_RESOLVED &&
	           !lowest_owned(m, t->id, any_subtask)) {
		op->code = CFM_OP_EXIT;
	} else {
		op->code = CFM_OP_WAIT;
		op->cancellable = true;
	}
}

bool cfm_drain_next(const struct cfm *cm, struct cfm_op *op)
{
	struct cfm *m = (struct cfm *)cm; /* lookups only; nothing changes */
	struct cfm_task *t = active_task(m);
	struct cfm_subtask *s;

	memset(op, 0, sizeof(*op));
	if (t) { /* an activation in progress continues first */
		drain_task_step(m, t, op);
		return true;
	}
	op->actor = CFM_HOST;
	for (uint32_t j = 1; j < m->cfg.instances; j++) {
		if (m->backpressure[j] > 0) {
			op->code = CFM_OP_BACKPRESSURE;
			op->instance = j;
			op->delta = -1;
			return true;
		}
	}
	if ((s = lowest_owned(m, CFM_HOST, is_resolved)) != NULL) {
		op->code = CFM_OP_SUBTASK_DROP;
		op->handle = s->handle;
		return true;
	}
	if ((s = lowest_owned(m, CFM_HOST, is_uncancelled)) != NULL) {
		op->code = CFM_OP_SUBTASK_CANCEL;
		op->handle = s->handle;
		return true;
	}
	if (m->queue_len > 0) {
		op->code = CFM_OP_RUN;
		op->n = 0;
		return true;
	}
	/* Move the clock past the last deadline still ahead, once: an armed
	 * one may cancel a call nothing else would. */
	uint64_t last = m->clock;
	for (size_t i = 0; i < m->subtasks_used; i++)
		if (m->subtasks[i].live && m->subtasks[i].deadline > last)
			last = m->subtasks[i].deadline;
	if (last > m->clock) {
		op->code = CFM_OP_TICK;
		op->n = (uint32_t)(last - m->clock);
		return true;
	}
	return false;
}

long cfm_drain(struct cfm *m, long max_steps)
{
	struct cfm_op op;
	long steps = 0;
	while (cfm_drain_next(m, &op)) {
		if (steps == max_steps)
			return -1;
		cfm_apply(m, &op);
		steps++;
	}
	return steps;
}
