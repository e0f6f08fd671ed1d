/* lockstep.c - one operation on both sides, and the comparison of states. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "lockstep.h"

#include <stdlib.h>
#include <string.h>

bool cfh_lockstep_init(struct cfh_lockstep *ls, const struct cfm_config *cfg,
                       const struct cfh_target *t,
                       const struct cfh_target_env *env)
{
	const char *why = "refused";
	ls->target = t;
	ls->rt = NULL;
	ls->calls = 0;
	ls->foreign = NULL;
	enum cfm_err merr = cfm_init(&ls->model, cfg);
	if (merr != CFM_OK) {
		fprintf(stderr, "model refuses the config: %s\n",
		        cfm_err_text(merr));
		return false;
	}
	ls->rt = t->create(cfg, env, &why);
	if (!ls->rt) {
		fprintf(stderr, "target %s refuses the config: %s\n", t->name,
		        why);
		return false;
	}
	return true;
}

void cfh_lockstep_fini(struct cfh_lockstep *ls)
{
	if (ls->rt)
		ls->target->destroy(ls->rt);
	ls->rt = NULL;
}

static bool event_equal(const struct cfm_event *a, const struct cfm_event *b)
{
	return a->code == b->code &&
	       (a->code != CFM_EV_SUBTASK ||
	        (a->handle == b->handle && a->status == b->status));
}

bool cfh_result_equal(const struct cfm_op *op, const struct cfm_result *a,
                      const struct cfm_result *b)
{
	if (a->err != b->err)
		return false;
	if (a->err != CFM_OK)
		return true;
	switch (op->code) {
	case CFM_OP_CALL:
		return a->status == b->status && a->handle == b->handle &&
		       a->task == b->task;
	case CFM_OP_SUBTASK_CANCEL:
		return a->status == b->status;
	case CFM_OP_RUN:
		return a->task == b->task && event_equal(&a->event, &b->event);
	case CFM_OP_POLL:
		return event_equal(&a->event, &b->event);
	case CFM_OP_RESOURCE_NEW:
		return a->resource == b->resource;
	case CFM_OP_SUBTASK_DROP:
	case CFM_OP_TASK_RETURN:
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_DROP:
	case CFM_OP_BACKPRESSURE:
	case CFM_OP_TICK:
		return true;
	}
	return true;
}

bool cfh_lockstep_apply(struct cfh_lockstep *ls, const struct cfm_op *op,
                        struct cfm_result *model, struct cfm_result *rt)
{
	*model = cfm_apply(&ls->model, op);
	ls->foreign = NULL;
	*rt = ls->target->apply(ls->rt, op, &ls->foreign);
	if (op->code == CFM_OP_CALL && rt->err == CFM_OK)
		ls->calls++;
	return cfh_result_equal(op, model, rt);
}

static bool task_equal(const struct cfm_task *a, const struct cfm_task *b)
{
	return a->id == b->id && a->instance == b->instance &&
	       a->state == b->state && a->activity == b->activity &&
	       a->activated == b->activated &&
	       a->wait_cancellable == b->wait_cancellable &&
	       a->yielded == b->yielded && a->cancel_due == b->cancel_due &&
	       memcmp(a->resource, b->resource, sizeof(a->resource)) == 0;
}

static bool subtask_equal(const struct cfm_subtask *a,
                          const struct cfm_subtask *b)
{
	return a->instance == b->instance && a->handle == b->handle &&
	       a->owner == b->owner && a->task == b->task && a->seq == b->seq &&
	       a->subscribed == b->subscribed && a->state == b->state &&
	       a->cancel_requested == b->cancel_requested &&
	       a->delivered == b->delivered && a->timed_out == b->timed_out &&
	       a->pending == b->pending && a->deadline == b->deadline &&
	       a->slot == b->slot && a->slot_written == b->slot_written &&
	       (!a->slot_written ||
	        (a->kind == b->kind && a->value == b->value));
}

bool cfh_snapshot_equal(const struct cfm_snapshot *a,
                        const struct cfm_snapshot *b)
{
	if (a->clock != b->clock || a->instances != b->instances ||
	    a->next_task_id != b->next_task_id || a->active != b->active ||
	    a->queue_len != b->queue_len || a->ntasks != b->ntasks ||
	    a->nsubtasks != b->nsubtasks || a->nkeys != b->nkeys ||
	    memcmp(a->backpressure, b->backpressure,
	           sizeof(a->backpressure)) != 0 ||
	    memcmp(a->queue, b->queue, a->queue_len * sizeof(a->queue[0])) != 0)
		return false;
	for (uint32_t i = 0; i < a->ntasks; i++)
		if (!task_equal(&a->tasks[i], &b->tasks[i]))
			return false;
	for (uint32_t i = 0; i < a->nsubtasks; i++)
		if (!subtask_equal(&a->subtasks[i], &b->subtasks[i]))
			return false;
	for (uint32_t i = 0; i < a->nkeys; i++)
		if (a->keys[i].instance != b->keys[i].instance ||
		    a->keys[i].key != b->keys[i].key ||
		    a->keys[i].task != b->keys[i].task)
			return false;
	return true;
}

/* The printed snapshot as an array of lines (one allocation). */
static char **print_lines(const struct cfm_snapshot *s, size_t *n,
                          char **buf)
{
	size_t len = 0, count = 0;
	FILE *mem = open_memstream(buf, &len);
	if (!mem)
		return NULL;
	cfm_snapshot_print(mem, s);
	fclose(mem);
	for (char *p = *buf; *p; p++)
		count += *p == '\n';
	char **lines = calloc(count + 1, sizeof(*lines));
	if (!lines)
		return NULL;
	*n = 0;
	for (char *p = *buf, *nl; *p && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		lines[(*n)++] = p;
	}
	return lines;
}

void cfh_snapshot_diff(const struct cfm_snapshot *model,
                       const struct cfm_snapshot *rt, FILE *out)
{
	char *mbuf = NULL, *rbuf = NULL;
	size_t mn = 0, rn = 0;
	char **ml = print_lines(model, &mn, &mbuf);
	char **rl = print_lines(rt, &rn, &rbuf);
	if (ml && rl) {
		/* Both are in canonical order, so a merge by line shows each
		 * record that differs as a -/+ pair, and extra records alone. */
		size_t i = 0, j = 0;
		while (i < mn || j < rn) {
			if (i < mn && j < rn && strcmp(ml[i], rl[j]) == 0) {
				i++, j++;
				continue;
			}
			if (i < mn)
				fprintf(out, "  - model:   %s\n", ml[i++]);
			if (j < rn)
				fprintf(out, "  + runtime: %s\n", rl[j++]);
		}
	}
	free(ml);
	free(rl);
	free(mbuf);
	free(rbuf);
}

/* The slot fields of every subtask, for a target that reads no slots. */
static void clear_slots(struct cfm_snapshot *s)
{
	for (uint32_t i = 0; i < s->nsubtasks; i++) {
		struct cfm_subtask *st = &s->subtasks[i];
		st->slot = 0;
		st->slot_written = false;
		st->kind = CFM_KIND_OK;
		st->value = 0;
	}
}

bool cfh_lockstep_snapshots(struct cfh_lockstep *ls)
{
	if (!ls->target->snapshot)
		return false;
	cfm_snapshot(&ls->model, &ls->ms);
	ls->target->snapshot(ls->rt, &ls->rs);
	if (!ls->target->read_slot) {
		clear_slots(&ls->ms);
		clear_slots(&ls->rs);
	}
	return true;
}

bool cfh_lockstep_compare(struct cfh_lockstep *ls, FILE *out)
{
	if (!cfh_lockstep_snapshots(ls) ||
	    cfh_snapshot_equal(&ls->ms, &ls->rs))
		return true;
	if (out)
		cfh_snapshot_diff(&ls->ms, &ls->rs, out);
	return false;
}
