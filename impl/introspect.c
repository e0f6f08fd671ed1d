/* introspect.c - live counts and snapshots of a runtime, for the oracle. */
#include "runtime.h"

#include <string.h>

struct cfr_counts cfr_counts(const struct cfr *rt)
{
	struct cfr_counts c;
	memset(&c, 0, sizeof(c));
	c.tasks = rt->ntasks;
	memcpy(c.tasks_by_state, rt->by_state, sizeof(c.tasks_by_state));
	memcpy(c.tasks_by_activity, rt->by_activity,
	       sizeof(c.tasks_by_activity));
	c.subtasks = rt->subtask_pool.live;
	for (uint32_t i = 0; i < rt->cfg.instances; i++)
		c.handles += rt->inst[i].table.live;
	c.resources = rt->resources;
	c.keys = rt->reg.len;
	c.queue = rt->runq_len;
	c.bytes = rt->mem.bytes;
	return c;
}

static void subtask_info(const struct subtask *s, bool abandoned,
                         struct cfr_subtask_info *out)
{
	*out = (struct cfr_subtask_info){
	    .instance = s->instance,
	    .handle = abandoned ? 0 : s->handle,
	    .owner = s->owner_id,
	    .task = s->task_id,
	    .call = s->call,
	    .subscribed = s->subscribed,
	    .state = s->state,
	    .cancel_requested = s->cancel_requested,
	    .delivered = s->delivered,
	    .timed_out = s->timed_out,
	    .pending = s->pending,
	    .deadline = s->deadline,
	};
}

enum cfr_err cfr_snapshot(const struct cfr *rt, struct cfr_snapshot *snap)
{
	size_t n;
	bool fits = true;

	snap->clock = rt->clock;
	snap->next_task_id = rt->next_task_id;
	snap->active = rt->active ? rt->active->own.id : 0;
	snap->instances = rt->cfg.instances;
	for (uint32_t i = 0; snap->backpressure && i < rt->cfg.instances; i++)
		snap->backpressure[i] = rt->inst[i].backpressure;

	n = 0;
	for (const struct cfr_link *l = rt->runq.next; l != &rt->runq;
	     l = l->next, n++)
		if (n < snap->queue_cap)
			snap->queue[n] =
			    cfr_container_of(l, struct task, sched)->own.id;
	fits &= n <= snap->queue_cap;
	snap->queue_len = n;

	n = 0; /* tasks are listed in creation order, which is id order */
	for (const struct cfr_link *l = rt->tasks.next; l != &rt->tasks;
	     l = l->next, n++) {
		const struct task *t = cfr_container_of(l, struct task, all);
		if (n < snap->tasks_cap)
			snap->tasks[n] = (struct cfr_task_info){
			    .id = t->own.id,
			    .instance = t->instance,
			    .state = t->state,
			    .activity = t->activity,
			    .activated = t->activated,
			    .wait_cancellable = t->wait_cancellable,
			    .yielded = t->yielded,
			    .cancel_due = t->cancel_due,
			    .resources = t->resources,
			};
	}
	fits &= n <= snap->tasks_cap;
	snap->ntasks = n;

	/* Subtasks in tables by (instance, handle), then abandoned records,
	 * which no table reaches any more, in creation order. */
	n = 0;
	for (uint32_t i = 0; i < rt->cfg.instances; i++) {
		const struct cfr_table *t = &rt->inst[i].table;
		for (uint32_t h = 1; h < t->fresh; h++) {
			const struct subtask *s = cfr_table_get(t, h);
			if (s && n < snap->subtasks_cap)
				subtask_info(s, false, &snap->subtasks[n]);
			n += s != NULL;
		}
	}
	for (const struct cfr_link *l = rt->subtasks.next; l != &rt->subtasks;
	     l = l->next) {
		const struct subtask *s = cfr_container_of(l, struct subtask, all);
		if (cfr_table_get_checked(&rt->inst[s->instance].table,
		                          s->handle, s->gen) == s)
			continue;
		if (n < snap->subtasks_cap)
			subtask_info(s, true, &snap->subtasks[n]);
		n++;
	}
	fits &= n <= snap->subtasks_cap;
	snap->nsubtasks = n;

	/* Keys by (instance, key): insertion into the sorted prefix. */
	n = 0;
	for (const struct cfr_link *l = rt->tasks.next; l != &rt->tasks;
	     l = l->next) {
		const struct task *t = cfr_container_of(l, struct task, all);
		if (!t->reg.registered)
			continue;
		struct cfr_key_info k = {t->reg.instance, t->reg.key, t->own.id};
		if (n < snap->keys_cap) {
			size_t at = n;
			while (at > 0 &&
			       (snap->keys[at - 1].instance > k.instance ||
			        (snap->keys[at - 1].instance == k.instance &&
			         snap->keys[at - 1].key > k.key))) {
				snap->keys[at] = snap->keys[at - 1];
				at--;
			}
			snap->keys[at] = k;
		}
		n++;
	}
	fits &= n <= snap->keys_cap;
	snap->nkeys = n;
	return fits ? CFR_OK : CFR_E_LIMIT;
}
