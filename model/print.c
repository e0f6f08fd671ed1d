/* print.c - the model's snapshot in canonical order, and text forms of
 * operations, results and state for traces. */
#include "cfm.h"

#include <stdarg.h>
#include <string.h>

#include "text.h"

void cfm_text_put(struct cfm_text *t, const char *fmt, ...)
{
	va_list ap;
	if (t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < t->size - t->len ? (size_t)n
		                                       : t->size - t->len - 1;
}

static struct cfm_text text_of(char *buf, size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	return (struct cfm_text){buf, size, 0};
}

static void put_actor(struct cfm_text *t, uint32_t actor)
{
	if (actor == CFM_HOST)
		cfm_text_put(t, "host");
	else
		cfm_text_put(t, "T%u", actor);
}

char *cfm_op_format(const struct cfm_op *op, char *buf, size_t size)
{
	struct cfm_text t = text_of(buf, size);
	put_actor(&t, op->actor);
	cfm_text_put(&t, " %s", cfm_opcode_name(op->code));
	switch (op->code) {
	case CFM_OP_CALL:
		cfm_text_put(&t, " %u", op->instance);
		if (op->shared)
			cfm_text_put(&t, " shared(%u)", op->key);
		if (op->has_deadline)
			cfm_text_put(&t, " deadline(%u)", op->deadline);
		break;
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		cfm_text_put(&t, " %u", op->handle);
		break;
	case CFM_OP_TASK_RETURN:
		cfm_text_put(&t, " %s %u", cfm_kind_name(op->kind), op->value);
		break;
	case CFM_OP_WAIT:
		cfm_text_put(&t, op->cancellable ? " cancellable" : " noncancellable");
		break;
	case CFM_OP_RESOURCE_DROP:
		cfm_text_put(&t, " %u", op->resource);
		break;
	case CFM_OP_BACKPRESSURE:
		cfm_text_put(&t, " %u %+d", op->instance, op->delta);
		break;
	case CFM_OP_TICK:
	case CFM_OP_RUN:
		cfm_text_put(&t, " %u", op->n);
		break;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		break;
	}
	return buf;
}

char *cfm_event_format(const struct cfm_event *ev, char *buf, size_t size)
{
	struct cfm_text t = text_of(buf, size);
	if (ev->code == CFM_EV_SUBTASK)
		cfm_text_put(&t, "SUBTASK(h%u, %s)", ev->handle,
		    cfm_status_name(ev->status));
	else
		cfm_text_put(&t, "%s", cfm_event_name(ev->code));
	return buf;
}

char *cfm_result_format(const struct cfm_op *op, const struct cfm_result *r,
                        char *buf, size_t size)
{
	struct cfm_text t = text_of(buf, size);
	char ev[64];
	if (r->err != CFM_OK) {
		cfm_text_put(&t, "%s", cfm_err_name(r->err));
		return buf;
	}
	switch (op->code) {
	case CFM_OP_CALL:
		cfm_text_put(&t, "%s h%u T%u", cfm_status_name(r->status), r->handle,
		    r->task);
		break;
	case CFM_OP_SUBTASK_CANCEL:
		cfm_text_put(&t, "%s", cfm_status_name(r->status));
		break;
	case CFM_OP_RUN:
		cfm_text_put(&t, "T%u %s", r->task,
		    cfm_event_format(&r->event, ev, sizeof(ev)));
		break;
	case CFM_OP_POLL:
		cfm_text_put(&t, "%s", cfm_event_format(&r->event, ev, sizeof(ev)));
		break;
	case CFM_OP_RESOURCE_NEW:
		cfm_text_put(&t, "r%u", r->resource);
		break;
	case CFM_OP_SUBTASK_DROP:
	case CFM_OP_TASK_RETURN:
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_DROP:
	case CFM_OP_BACKPRESSURE:
	case CFM_OP_TICK:
		cfm_text_put(&t, "ok");
		break;
	}
	return buf;
}

/* ---- canonical snapshot ---- */

/* Subtasks in tables by (instance, handle), then abandoned ones by seq. */
static bool subtask_before(const struct cfm_subtask *a,
                           const struct cfm_subtask *b)
{
	if ((a->handle == 0) != (b->handle == 0))
		return a->handle != 0;
	if (a->handle == 0)
		return a->seq < b->seq;
	if (a->instance != b->instance)
		return a->instance < b->instance;
	return a->handle < b->handle;
}

void cfm_snapshot(const struct cfm *m, struct cfm_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->clock = m->clock;
	s->instances = m->cfg.instances;
	s->next_task_id = m->next_task_id;
	memcpy(s->backpressure, m->backpressure, sizeof(s->backpressure));
	s->queue_len = m->queue_len;
	memcpy(s->queue, m->queue, sizeof(s->queue));
	const struct cfm_task *active = cfm_active_task(m);
	s->active = active ? active->id : 0;

	/* Insertion sorts: the arrays are small and this is the model. */
	for (size_t i = 0; i < m->tasks_used; i++) {
		if (!m->tasks[i].live)
			continue;
		uint32_t at = s->ntasks++;
		while (at > 0 && s->tasks[at - 1].id > m->tasks[i].id) {
			s->tasks[at] = s->tasks[at - 1];
			at--;
		}
		s->tasks[at] = m->tasks[i];
	}
	for (size_t i = 0; i < m->subtasks_used; i++) {
		if (!m->subtasks[i].live)
			continue;
		uint32_t at = s->nsubtasks++;
		while (at > 0 &&
		       subtask_before(&m->subtasks[i], &s->subtasks[at - 1])) {
			s->subtasks[at] = s->subtasks[at - 1];
			at--;
		}
		s->subtasks[at] = m->subtasks[i];
	}
	for (size_t i = 0; i < m->keys_used; i++) {
		const struct cfm_key *k = &m->keys[i];
		if (!k->live)
			continue;
		uint32_t at = s->nkeys++;
		while (at > 0 && (s->keys[at - 1].instance > k->instance ||
		                  (s->keys[at - 1].instance == k->instance &&
		                   s->keys[at - 1].key > k->key))) {
			s->keys[at] = s->keys[at - 1];
			at--;
		}
		s->keys[at] = *k;
	}
}

struct cfm_counts cfm_snapshot_counts(const struct cfm_snapshot *s)
{
	struct cfm_counts c = {0};
	c.tasks = s->ntasks;
	c.subtasks = s->nsubtasks;
	for (uint32_t i = 0; i < s->nsubtasks; i++)
		c.handles += s->subtasks[i].handle != 0;
	for (uint32_t i = 0; i < s->ntasks; i++)
		for (uint32_t r = 1; r <= CFM_MAX_RESOURCES; r++)
			c.resources += s->tasks[i].resource[r];
	c.keys = s->nkeys;
	c.queue = s->queue_len;
	return c;
}

void cfm_snapshot_print(FILE *out, const struct cfm_snapshot *s)
{
	fprintf(out, "clock %llu, next task T%u, active ",
	        (unsigned long long)s->clock, s->next_task_id + 1);
	if (s->active)
		fprintf(out, "T%u\n", s->active);
	else
		fprintf(out, "none\n");
	fprintf(out, "backpressure");
	for (uint32_t j = 1; j < s->instances; j++)
		fprintf(out, " %u:%u", j, s->backpressure[j]);
	fprintf(out, "\nqueue [");
	for (uint32_t i = 0; i < s->queue_len; i++)
		fprintf(out, "%sT%u", i ? ", " : "", s->queue[i]);
	fprintf(out, "]\n");
	for (uint32_t i = 0; i < s->ntasks; i++) {
		const struct cfm_task *t = &s->tasks[i];
		fprintf(out, "task T%u@%u %s %s%s%s%s%s resources [", t->id,
		        t->instance, cfm_task_state_name(t->state),
		        cfm_activity_name(t->activity),
		        t->activated ? "" : " unstarted",
		        t->wait_cancellable ? " cancellable" : "",
		        t->yielded ? " yielded" : "",
		        t->cancel_due ? " cancel-due" : "");
		const char *sep = "";
		for (uint32_t r = 1; r <= CFM_MAX_RESOURCES; r++) {
			if (t->resource[r]) {
				fprintf(out, "%sr%u", sep, r);
				sep = ", ";
			}
		}
		fprintf(out, "]\n");
	}
	for (uint32_t i = 0; i < s->nsubtasks; i++) {
		const struct cfm_subtask *st = &s->subtasks[i];
		if (st->handle)
			fprintf(out, "subtask h%u@%u", st->handle,
			        st->instance);
		else
			fprintf(out, "abandoned @%u", st->instance);
		fprintf(out, " #%u owner ", st->seq);
		if (st->owner == CFM_HOST)
			fprintf(out, "host");
		else
			fprintf(out, "T%u", st->owner);
		fprintf(out, " -> T%u %s%s%s%s%s%s", st->task,
		        cfm_status_name(st->state),
		        st->subscribed ? " subscribed" : "",
		        st->cancel_requested ? " cancel-requested" : "",
		        st->delivered ? " delivered" : "",
		        st->timed_out ? " timed-out" : "",
		        st->pending ? " pending" : "");
		if (st->deadline)
			fprintf(out, " deadline %llu",
			        (unsigned long long)st->deadline);
		if (st->slot_written)
			fprintf(out, " slot %u=(%s, %u)", st->slot,
			        cfm_kind_name(st->kind), st->value);
		fprintf(out, "\n");
	}
	for (uint32_t i = 0; i < s->nkeys; i++)
		fprintf(out, "key %u@%u -> T%u\n", s->keys[i].key,
		        s->keys[i].instance, s->keys[i].task);
}
