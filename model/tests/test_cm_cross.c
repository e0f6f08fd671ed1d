/* test_cm_cross.c - the two profiles agree on the subset model/README.md
 * names ("Cross-profile consistency"): per call, its final state and
 * returned (kind, value), in call order, and the events each callee sees.
 *
 * A program: the host calls k distinct components (one task per instance,
 * nothing nested, no cancellation, no backpressure, no shared, deadline or
 * resource); callee i yields y[i] times, then returns (kind[i], value[i])
 * and exits. The contract runs it FIFO (run 0); cm runs it from the call
 * (the first turn runs inside it, CM-1) and then by `run`, always taking
 * the lowest-id ready task. Random programs from a fixed LCG.
 */
#include "cfm.h"
#include "cfm_cm.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define PROGRAMS 2000
#define MAX_CALLS 7

struct program {
	uint32_t instances, calls;
	uint32_t target[MAX_CALLS], yields[MAX_CALLS], value[MAX_CALLS];
	enum cfm_kind kind[MAX_CALLS];
};

/* What one profile made of one call. */
struct seen {
	enum cfm_status state;
	enum cfm_kind kind;
	uint32_t value;
	char events[64]; /* what the callee saw: S (START), N (NONE) ... */
};

static uint64_t lcg = 0x2545F4914F6CDD1DULL;

static uint32_t next(uint32_t n)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(lcg >> 33) % n;
}

static void generate(struct program *p)
{
	p->instances = 2 + next(CFM_MAX_INSTANCES - 1);
	p->calls = 1 + next(p->instances - 1);
	uint32_t used = 0;
	for (uint32_t i = 0; i < p->calls; i++) {
		uint32_t j;
		do
			j = 1 + next(p->instances - 1);
		while (used & (1u << j)); /* one task per instance */
		used |= 1u << j;
		p->target[i] = j;
		p->yields[i] = next(4);
		p->kind[i] = next(2) ? CFM_KIND_ERR : CFM_KIND_OK;
		p->value[i] = next(1000);
	}
}

static char letter(enum cfm_event_code e)
{
	return e == CFM_EV_START ? 'S' : e == CFM_EV_NONE ? 'N' : '?';
}

static void add_event(struct seen *s, char c)
{
	size_t n = strlen(s->events);
	if (n + 1 < sizeof(s->events))
		s->events[n] = c;
}

/* The callee's next action after an activation: yield, or return then
 * exit. left[i] counts the yields still due. */
static void contract_run(const struct program *p, struct seen *out,
                         uint64_t *steps)
{
	static struct cfm m;
	struct cfm_config cfg = {p->instances, 16, 16, 4, 4};
	uint32_t task_of[MAX_CALLS], handle[MAX_CALLS], left[MAX_CALLS];
	ASSERT_EQ(cfm_init(&m, &cfg), CFM_OK);
	for (uint32_t i = 0; i < p->calls; i++) {
		struct cfm_op op = {.code = CFM_OP_CALL, .actor = CFM_HOST,
		                    .instance = p->target[i], .slot = i + 1};
		struct cfm_result r = cfm_apply(&m, &op);
		ASSERT_EQ(r.err, CFM_OK);
		task_of[i] = r.task;
		handle[i] = r.handle;
		left[i] = p->yields[i];
		out[i].state = r.status;
		(*steps)++;
	}
	for (;;) {
		struct cfm_op run = {.code = CFM_OP_RUN, .actor = CFM_HOST};
		struct cfm_result r = cfm_apply(&m, &run);
		(*steps)++;
		if (r.err == CFM_E_RANGE)
			break;
		ASSERT_EQ(r.err, CFM_OK);
		uint32_t i = 0;
		while (i < p->calls && task_of[i] != r.task)
			i++;
		ASSERT_TRUE(i < p->calls);
		add_event(&out[i], letter(r.event.code));
		struct cfm_op op = {.actor = r.task};
		if (left[i] > 0) {
			left[i]--;
			op.code = CFM_OP_YIELD;
			ASSERT_EQ(cfm_apply(&m, &op).err, CFM_OK);
		} else {
			op.code = CFM_OP_TASK_RETURN;
			op.kind = p->kind[i];
			op.value = p->value[i];
			ASSERT_EQ(cfm_apply(&m, &op).err, CFM_OK);
			op.code = CFM_OP_EXIT;
			ASSERT_EQ(cfm_apply(&m, &op).err, CFM_OK);
		}
		*steps += 2;
	}
	for (uint32_t i = 0; i < p->calls; i++) {
		const struct cfm_subtask *s =
		    cfm_subtask_get(&m, CFM_HOST, handle[i]);
		ASSERT_TRUE(s != NULL);
		out[i].state = s->state;
		out[i].kind = s->slot_written ? s->kind : CFM_KIND_OK;
		out[i].value = s->slot_written ? s->value : 0;
	}
}

/* One cm step that must have exactly one allowed outcome, or the one for
 * task `want` (run). */
static void cm_do(struct cfm_cm *m, const struct cfm_cm_op *op,
                  struct cfm_cm_outcome *o, uint64_t *steps)
{
	ASSERT_EQ(cfm_cm_apply(m, op, NULL, 0, o), 0);
	ASSERT_TRUE(o->what != CFM_CM_ERR && o->what != CFM_CM_TRAP);
	(*steps)++;
}

/* The callee's turn in cm, from the event it was handed: the same
 * actions as in the contract; returns true once it exited. */
static void cm_turn(struct cfm_cm *m, const struct program *p, uint32_t i,
                    uint32_t task, uint32_t *left, struct seen *out,
                    uint64_t *steps)
{
	struct cfm_cm_op op = {.actor = task};
	struct cfm_cm_outcome o;
	if (left[i] > 0) {
		left[i]--;
		op.code = CFM_CM_OP_YIELD; /* choice 0: it suspends */
		cm_do(m, &op, &o, steps);
		return;
	}
	op.code = CFM_CM_OP_TASK_RETURN;
	op.kind = p->kind[i];
	op.value = p->value[i];
	cm_do(m, &op, &o, steps);
	/* cm keeps (kind, value) on the subtask; read it before exit,
	 * which frees a subtask resolved inside the call (no handle). */
	out[i].kind = p->kind[i];
	out[i].value = p->value[i];
	op.code = CFM_CM_OP_EXIT;
	cm_do(m, &op, &o, steps);
	if (o.back) /* resolved within the call: RETURNED, no handle */
		out[i].state = o.back_status;
}

static void cm_run(const struct program *p, struct seen *out,
                   uint64_t *steps)
{
	static struct cfm_cm m;
	struct cfm_config cfg = {p->instances, 16, 16, 4, 4};
	uint32_t task_of[MAX_CALLS], handle[MAX_CALLS], left[MAX_CALLS];
	ASSERT_EQ(cfm_cm_init(&m, &cfg), CFM_OK);
	for (uint32_t i = 0; i < p->calls; i++) {
		struct cfm_cm_op op = {.code = CFM_CM_OP_CALL,
		                       .actor = CFM_HOST,
		                       .instance = p->target[i]};
		struct cfm_cm_outcome o;
		left[i] = p->yields[i];
		handle[i] = 0;
		cm_do(&m, &op, &o, steps);
		ASSERT_EQ(o.what, CFM_CM_EVENT);
		task_of[i] = o.task;
		add_event(&out[i], letter(o.event.code));
		cm_turn(&m, p, i, o.task, left, out, steps);
		ASSERT_EQ(m.active, 0); /* back at the host */
	}
	for (uint32_t i = 0; i < p->calls; i++) {
		const struct cfm_cm_task *t = cfm_cm_task_get(&m, task_of[i]);
		for (uint32_t h = 1; t && h <= CFM_CM_MAX_HANDLES; h++) {
			const struct cfm_cm_subtask *s =
			    cfm_cm_subtask_get(&m, 0, h);
			if (s && s->task == task_of[i])
				handle[i] = h;
		}
	}
	for (;;) {
		struct cfm_cm_op run = {.code = CFM_CM_OP_RUN};
		struct cfm_cm_outcome o;
		if (cfm_cm_apply(&m, &run, NULL, 0, &o) != 0 ||
		    o.what == CFM_CM_ERR)
			break; /* E_RANGE: nothing ready */
		(*steps)++;
		uint32_t i = 0;
		while (i < p->calls && task_of[i] != o.task)
			i++;
		ASSERT_TRUE(i < p->calls);
		add_event(&out[i], letter(o.event.code));
		cm_turn(&m, p, i, o.task, left, out, steps);
	}
	for (uint32_t i = 0; i < p->calls; i++) {
		if (!handle[i])
			continue; /* resolved inside its call */
		const struct cfm_cm_subtask *s =
		    cfm_cm_subtask_get(&m, 0, handle[i]);
		ASSERT_TRUE(s != NULL);
		out[i].state = s->state;
		out[i].kind = s->kind;
		out[i].value = s->value;
	}
}

static void profiles_agree(void)
{
	uint64_t steps = 0, calls = 0;
	uint32_t disagreements = 0;
	for (uint32_t n = 0; n < PROGRAMS; n++) {
		struct program p;
		struct seen a[MAX_CALLS], b[MAX_CALLS];
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		generate(&p);
		contract_run(&p, a, &steps);
		cm_run(&p, b, &steps);
		calls += p.calls;
		for (uint32_t i = 0; i < p.calls; i++) {
			if (a[i].state == b[i].state && a[i].kind == b[i].kind &&
			    a[i].value == b[i].value &&
			    strcmp(a[i].events, b[i].events) == 0)
				continue;
			disagreements++;
			tap_note("program %u call %u: contract %s %s %u %s, "
			         "cm %s %s %u %s", n, i,
			         cfm_status_name(a[i].state),
			         cfm_kind_name(a[i].kind), a[i].value,
			         a[i].events, cfm_status_name(b[i].state),
			         cfm_kind_name(b[i].kind), b[i].value,
			         b[i].events);
		}
	}
	tap_note("%u programs, %llu calls, %llu steps, %u disagreements",
	         PROGRAMS, (unsigned long long)calls,
	         (unsigned long long)steps, disagreements);
	ASSERT_EQ(disagreements, 0);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {TAP_TEST(profiles_agree)};
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
