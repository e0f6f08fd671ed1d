/* rtview.c - drives the runtime with the model's operations. */
#include "rtview.h"

#include <stdlib.h>
#include <string.h>

/* The contract's codes are the runtime's first codes, in the same order;
 * the states and events are numbered alike. */
_Static_assert((int)CFR_E_ACTIVE == (int)CFM_E_ACTIVE, "error codes");
_Static_assert((int)CFR_BLOCKED == (int)CFM_BLOCKED, "statuses");
_Static_assert((int)CFR_TASK_RESOLVED == (int)CFM_TASK_RESOLVED, "states");
_Static_assert((int)CFR_ACT_EXITED == (int)CFM_ACT_EXITED, "activities");
_Static_assert((int)CFR_EV_TASK_CANCELLED == (int)CFM_EV_TASK_CANCELLED,
               "events");
_Static_assert(CFM_MAX_RESOURCES <= CFR_MAX_RESOURCES, "resources");
_Static_assert((int)CFR_NOTICE_SETTLE == (int)CFH_NOTICE_SETTLE &&
                   (int)CFR_NOTICE_RELEASE == (int)CFH_NOTICE_RELEASE &&
                   (int)CFR_NOTICE_SLOT_WRITE == (int)CFH_NOTICE_SLOT_WRITE &&
                   (int)CFR_NOTICE_DELIVER == (int)CFH_NOTICE_DELIVER,
               "notices");
_Static_assert((int)CFR_KIND_ERR == (int)CFM_KIND_ERR, "kinds");

/* The runtime's notice, told in the model's vocabulary. */
static void forward_notice(void *ctx, const struct cfr_notice *n)
{
	struct cfh_rt *v = ctx;
	v->note = (struct cfh_notice){
	    .kind = (enum cfh_notice_kind)n->kind,
	    .instance = n->instance,
	    .handle = n->handle,
	    .call = n->call,
	    .task = n->task,
	    .status = (enum cfm_status)n->status,
	};
	v->notice(v->notice_ctx, &v->note);
}

enum cfr_err cfh_rt_init(struct cfh_rt *v, const struct cfm_config *cfg,
                         const struct cfh_rt_options *opts)
{
	static const struct cfh_rt_options defaults;
	if (!opts)
		opts = &defaults;
	struct cfr_config rc = {
	    .instances = cfg->instances,
	    .max_tasks = cfg->max_tasks,
	    .max_handles = cfg->max_handles,
	    .max_resources = cfg->max_resources,
	    .max_keys = cfg->max_keys,
	    .pool_chunk = opts->pool_chunk,
	    .mutant = opts->mutant,
	};
	memset(v, 0, sizeof(*v));
	if (opts->allocator) {
		v->alloc = (struct cfr_allocator){opts->allocator->alloc,
		                                  opts->allocator->release,
		                                  opts->allocator->ctx};
		rc.allocator = &v->alloc;
	}
	if (opts->notice) {
		v->notice = opts->notice;
		v->notice_ctx = opts->notice_ctx;
		rc.observer = forward_notice;
		rc.observer_ctx = v;
	}
	v->snap.backpressure = calloc(CFM_MAX_INSTANCES, sizeof(uint32_t));
	v->snap.queue = calloc(CFM_MAX_TASKS, sizeof(uint32_t));
	v->snap.tasks = calloc(CFM_MAX_TASKS, sizeof(struct cfr_task_info));
	v->snap.subtasks =
	    calloc(CFM_MAX_SUBTASKS, sizeof(struct cfr_subtask_info));
	v->snap.keys = calloc(CFM_MAX_KEYS, sizeof(struct cfr_key_info));
	v->snap.queue_cap = CFM_MAX_TASKS;
	v->snap.tasks_cap = CFM_MAX_TASKS;
	v->snap.subtasks_cap = CFM_MAX_SUBTASKS;
	v->snap.keys_cap = CFM_MAX_KEYS;
	if (!v->snap.backpressure || !v->snap.queue || !v->snap.tasks ||
	    !v->snap.subtasks || !v->snap.keys) {
		cfh_rt_fini(v);
		return CFR_E_NOMEM;
	}
	enum cfr_err err = cfr_create(&rc, &v->rt);
	if (err != CFR_OK)
		cfh_rt_fini(v);
	return err;
}

void cfh_rt_fini(struct cfh_rt *v)
{
	cfr_destroy(&v->rt);
	/* Blocks are taken in order: stop at the first unused one (ASan
	 * unwinds the stack even for free(NULL), which is not free). */
	for (uint32_t b = 0; b < CFH_SLOT_BLOCKS && v->blocks[b]; b++)
		free(v->blocks[b]);
	free(v->snap.backpressure);
	free(v->snap.queue);
	free(v->snap.tasks);
	free(v->snap.subtasks);
	free(v->snap.keys);
	memset(v, 0, sizeof(*v));
}

void cfh_rt_reset(struct cfh_rt *v)
{
	cfr_reset(v->rt);
	v->calls = 0;
}

/* The slot of a call number, allocating its block if need be; NULL if
 * memory is short or the run has used every block. */
static struct cfr_slot *slot_at(struct cfh_rt *v, uint32_t call,
                                uint32_t **tag)
{
	uint32_t b = call / CFH_SLOTS_PER_BLOCK, i = call % CFH_SLOTS_PER_BLOCK;
	if (b >= CFH_SLOT_BLOCKS)
		return NULL;
	if (!v->blocks[b] && !(v->blocks[b] = calloc(1, sizeof(*v->blocks[b]))))
		return NULL;
	*tag = &v->blocks[b]->tag[i];
	return &v->blocks[b]->slot[i];
}

/* The one body of cfh_rt_apply and of the table's apply, inlined into
 * each so that the table costs no extra call on the hot path (measured).
 * foreign, if not NULL, gets the name of a code outside the contract. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline struct cfm_result rt_apply(struct cfh_rt *v,
                                         const struct cfm_op *op,
                                         const char **foreign)
{
	struct cfm_result r = {0};
	struct cfr *rt = v->rt;
	uint32_t actor = op->actor;
	enum cfr_err err = CFR_E_RANGE;
	enum cfr_status status = CFR_STARTING;
	struct cfr_event ev = {CFR_EV_NONE, 0, CFR_STARTING};

	switch (op->code) {
	case CFM_OP_CALL: {
		struct cfr_call_options o = {op->shared, op->key,
		                             op->has_deadline, op->deadline};
		struct cfr_call_result cr = {CFR_STARTING, 0, 0};
		/* The slot the runtime gets if the call succeeds. */
		uint32_t call = v->calls + 1, *tag;
		struct cfr_slot *slot = slot_at(v, call, &tag);
		if (!slot) {
			err = CFR_E_NOMEM;
			break;
		}
		*slot = (struct cfr_slot){CFH_SLOT_UNWRITTEN, 0};
		*tag = op->slot;
		err = cfr_call(rt, actor, op->instance, &o, slot, &cr);
		if (err == CFR_OK) {
			v->calls = call;
			r.status = (enum cfm_status)cr.status;
			r.handle = cr.handle;
			r.task = cr.task;
		}
		break;
	}
	case CFM_OP_SUBTASK_CANCEL:
		err = cfr_subtask_cancel(rt, actor, op->handle, &status);
		r.status = (enum cfm_status)status;
		break;
	case CFM_OP_SUBTASK_DROP:
		err = cfr_subtask_drop(rt, actor, op->handle);
		break;
	case CFM_OP_TASK_RETURN:
		err = cfr_task_return(rt, actor, (enum cfr_kind)op->kind,
		                      op->value);
		break;
	case CFM_OP_TASK_CANCEL:
		err = cfr_task_cancel(rt, actor);
		break;
	case CFM_OP_WAIT:
		err = cfr_wait(rt, actor, op->cancellable);
		break;
	case CFM_OP_YIELD:
		err = cfr_yield(rt, actor);
		break;
	case CFM_OP_EXIT:
		err = cfr_exit(rt, actor);
		break;
	case CFM_OP_RESOURCE_NEW:
		err = cfr_resource_new(rt, actor, &r.resource);
		break;
	case CFM_OP_RESOURCE_DROP:
		err = cfr_resource_drop(rt, actor, op->resource);
		break;
	case CFM_OP_BACKPRESSURE:
		err = cfr_backpressure(rt, actor, op->instance, op->delta);
		break;
	case CFM_OP_TICK:
		err = cfr_tick(rt, actor, op->n);
		break;
	case CFM_OP_RUN:
		err = cfr_run(rt, actor, op->n, &r.task, &ev);
		break;
	case CFM_OP_POLL:
		err = cfr_poll(rt, actor, &ev);
		break;
	}
	v->last_err = err;
	if (err != CFR_OK) { /* C-6: an error returns nothing else */
		if (err > CFR_E_ACTIVE && foreign)
			*foreign = cfr_err_name(err);
		return (struct cfm_result){
		    .err = err <= CFR_E_ACTIVE ? (enum cfm_err)err
		                                : CFM_E_LIMIT};
	}
	r.event = (struct cfm_event){(enum cfm_event_code)ev.code, ev.handle,
	                             (enum cfm_status)ev.status};
	return r;
}

struct cfm_result cfh_rt_apply(struct cfh_rt *v, const struct cfm_op *op)
{
	return rt_apply(v, op, NULL);
}

const struct cfr_slot *cfh_rt_slot(const struct cfh_rt *v, uint32_t call)
{
	if (call < 1 || call > v->calls)
		return NULL;
	return &v->blocks[call / CFH_SLOTS_PER_BLOCK]
	            ->slot[call % CFH_SLOTS_PER_BLOCK];
}

static uint32_t slot_tag(const struct cfh_rt *v, uint32_t call)
{
	return v->blocks[call / CFH_SLOTS_PER_BLOCK]
	    ->tag[call % CFH_SLOTS_PER_BLOCK];
}

void cfh_rt_snapshot(struct cfh_rt *v, struct cfm_snapshot *out)
{
	struct cfr_snapshot *s = &v->snap;
	memset(out, 0, sizeof(*out));
	/* The arrays hold the model's maxima, which the caps never exceed;
	 * counts beyond them are clamped and show up as differences. */
	(void)cfr_snapshot(v->rt, s);
	out->clock = s->clock;
	out->instances = s->instances;
	out->next_task_id = s->next_task_id;
	out->active = s->active;
	for (uint32_t i = 0; i < s->instances && i < CFM_MAX_INSTANCES; i++)
		out->backpressure[i] = s->backpressure[i];
	out->queue_len = (uint32_t)(s->queue_len < CFM_MAX_TASKS ? s->queue_len
	                                                        : CFM_MAX_TASKS);
	memcpy(out->queue, s->queue, out->queue_len * sizeof(out->queue[0]));

	out->ntasks = (uint32_t)(s->ntasks < CFM_MAX_TASKS ? s->ntasks
	                                                  : CFM_MAX_TASKS);
	for (uint32_t i = 0; i < out->ntasks; i++) {
		const struct cfr_task_info *t = &s->tasks[i];
		struct cfm_task *m = &out->tasks[i];
		m->live = true;
		m->id = t->id;
		m->instance = t->instance;
		m->state = (enum cfm_task_state)t->state;
		m->activity = (enum cfm_activity)t->activity;
		m->activated = t->activated;
		m->wait_cancellable = t->wait_cancellable;
		m->yielded = t->yielded;
		m->cancel_due = t->cancel_due;
		for (uint32_t r = 1; r <= CFM_MAX_RESOURCES; r++)
			m->resource[r] = (t->resources >> (r - 1)) & 1;
	}

	out->nsubtasks = (uint32_t)(s->nsubtasks < CFM_MAX_SUBTASKS
	                                ? s->nsubtasks
	                                : CFM_MAX_SUBTASKS);
	for (uint32_t i = 0; i < out->nsubtasks; i++) {
		const struct cfr_subtask_info *st = &s->subtasks[i];
		struct cfm_subtask *m = &out->subtasks[i];
		const struct cfr_slot *slot = cfh_rt_slot(v, st->call);
		m->live = true;
		m->instance = st->instance;
		m->handle = st->handle;
		m->owner = st->owner;
		m->task = st->task;
		m->seq = st->call;
		m->subscribed = st->subscribed;
		m->state = (enum cfm_status)st->state;
		m->cancel_requested = st->cancel_requested;
		m->delivered = st->delivered;
		m->timed_out = st->timed_out;
		m->pending = st->pending;
		m->deadline = st->deadline;
		m->slot = slot ? slot_tag(v, st->call) : 0;
		if (slot && slot->kind != CFH_SLOT_UNWRITTEN) {
			m->slot_written = true;
			m->kind = (enum cfm_kind)slot->kind;
			m->value = slot->value;
		}
	}

	out->nkeys = (uint32_t)(s->nkeys < CFM_MAX_KEYS ? s->nkeys
	                                               : CFM_MAX_KEYS);
	for (uint32_t i = 0; i < out->nkeys; i++)
		out->keys[i] = (struct cfm_key){true, s->keys[i].instance,
		                                s->keys[i].key,
		                                s->keys[i].task};
}

/* ---- the bundled runtime as a target (target.h) ---- */

static void *bundled_create(const struct cfm_config *cfg,
                            const struct cfh_target_env *env,
                            const char **why)
{
	struct cfh_rt *v = malloc(sizeof(*v));
	if (!v) {
		*why = cfr_strerror(CFR_E_NOMEM);
		return NULL;
	}
	struct cfh_rt_options o = {.allocator = env->allocator,
	                           .notice = env->notice,
	                           .notice_ctx = env->notice_ctx,
	                           .mutant = env->mutant};
	enum cfr_err err = cfh_rt_init(v, cfg, &o);
	if (err != CFR_OK) {
		*why = cfr_strerror(err);
		free(v);
		return NULL;
	}
	return v;
}

static void bundled_destroy(void *rt)
{
	cfh_rt_fini(rt);
	free(rt);
}

static void bundled_reset(void *rt) { cfh_rt_reset(rt); }

static struct cfm_result bundled_apply(void *rt, const struct cfm_op *op,
                                       const char **foreign)
{
	return rt_apply(rt, op, foreign);
}

static bool bundled_reserve_slot(void *rt, uint32_t call)
{
	uint32_t *tag;
	return slot_at(rt, call, &tag) != NULL;
}

static struct cfh_slot bundled_read_slot(void *rt, uint32_t call)
{
	const struct cfr_slot *s = cfh_rt_slot(rt, call);
	return s ? (struct cfh_slot){s->kind, s->value}
	         : (struct cfh_slot){CFH_SLOT_UNWRITTEN, 0};
}

static void bundled_snapshot(void *rt, struct cfm_snapshot *out)
{
	cfh_rt_snapshot(rt, out);
}

static bool bundled_counts(void *rt, struct cfm_counts *out)
{
	const struct cfh_rt *v = rt;
	struct cfr_counts c = cfr_counts(v->rt);
	*out = (struct cfm_counts){.tasks = c.tasks,
	                           .subtasks = c.subtasks,
	                           .handles = c.handles,
	                           .resources = c.resources,
	                           .keys = c.keys,
	                           .queue = c.queue};
	return true;
}

const struct cfh_target cfh_target_bundled = {
    .name = "bundled",
    .caps = {.ops = CFH_TARGET_OPS_ALL,
             .features = CFH_F_ALL,
             .notices = true,
             .allocator = true},
    .create = bundled_create,
    .destroy = bundled_destroy,
    .reset = bundled_reset,
    .apply = bundled_apply,
    .reserve_slot = bundled_reserve_slot,
    .read_slot = bundled_read_slot,
    .snapshot = bundled_snapshot,
    .counts = bundled_counts,
};
