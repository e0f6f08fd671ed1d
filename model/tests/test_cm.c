/* test_cm.c - the cm profile: one test per rule of model/README.md's "The
 * cm profile" (CM-1 ..), one per trap, and the refinement API.
 *
 * Scripts are lines of
 *   ACTOR OP ARGS => OUTCOME    OUTCOME must be allowed; it is followed
 *   ACTOR OP ARGS =/> OUTCOME   OUTCOME must NOT be allowed (a divergence)
 *   ? allowed ACTOR OP ARGS = {A | B}   the allowed set, in choice order
 *   ? T<id> = STATE SUSP | EXITED
 *   ? h<h>@<i> = STATE[ cancel_requested][ delivered][ pending][ in s<n>]
 *                | free
 *   ? counts = tasks N subtasks N sets N
 *   ? trapped <j> = yes | no
 * Every expected value comes from the spec text as the README reads it.
 */
#include "cfm_cm.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static const char *const susp_names[] = {
    "ACTIVE", "ENTER", "CB_WAIT", "CB_YIELD", "WSET_WAIT",
    "THREAD_YIELD", "CANCEL", "CALLING",
};

static void init(struct cfm_cm *m, uint32_t instances)
{
	struct cfm_config cfg = {instances, 16, 16, 4, 4};
	ASSERT_EQ(cfm_cm_init(m, &cfg), CFM_OK);
}

static void query(const struct cfm_cm *m, const char *subject, char *out,
                  size_t size, int line)
{
	uint32_t a, b;
	struct cfm_cm_op op;
	if (strncmp(subject, "allowed ", 8) == 0) {
		const char *bad = cfm_cm_op_parse(subject + 8, &op);
		if (bad)
			tap_fail(__FILE__, line, "%s: %s", subject, bad);
		cfm_cm_allowed_format(m, &op, out, size);
	} else if (sscanf(subject, "T%u", &a) == 1) {
		const struct cfm_cm_task *t = cfm_cm_task_get(m, a);
		if (!t)
			snprintf(out, size, "EXITED");
		else
			snprintf(out, size, "%s %s",
			         cfm_task_state_name(t->state),
			         susp_names[t->susp]);
	} else if (sscanf(subject, "h%u@%u", &a, &b) == 2) {
		const struct cfm_cm_subtask *s = cfm_cm_subtask_get(m, b, a);
		if (!s) {
			snprintf(out, size, "free");
			return;
		}
		snprintf(out, size, "%s%s%s%s", cfm_status_name(s->state),
		         s->cancel_requested ? " cancel_requested" : "",
		         s->delivered ? " delivered" : "",
		         s->pending ? " pending" : "");
		if (s->set) {
			size_t n = strlen(out);
			snprintf(out + n, size - n, " in s%u", s->set);
		}
	} else if (strcmp(subject, "counts") == 0) {
		struct cfm_cm_counts c = cfm_cm_counts(m);
		snprintf(out, size, "tasks %u subtasks %u sets %u", c.tasks,
		         c.subtasks, c.sets);
	} else if (sscanf(subject, "trapped %u", &a) == 1) {
		snprintf(out, size, "%s", m->trapped[a] ? "yes" : "no");
	} else if (sscanf(subject, "bp %u", &a) == 1) {
		snprintf(out, size, "%u", m->backpressure[a]);
	} else {
		tap_fail(__FILE__, line, "unknown subject '%s'", subject);
	}
}

static void run(struct cfm_cm *m, const char *text)
{
	/* Static, not malloc'd: a failed assertion longjmps out of here. */
	static char copy[8192];
	char *line, *next, got[512], allowed[512];
	int n = 0;
	ASSERT_TRUE(strlen(text) < sizeof(copy));
	strcpy(copy, text);
	for (line = copy; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		n++;
		if (!*line)
			continue;
		if (line[0] == '?') {
			char *eq = strstr(line, " = ");
			ASSERT_TRUE(eq != NULL);
			*eq = '\0';
			query(m, line + 2, got, sizeof(got), n);
			if (strcmp(got, eq + 3) != 0) {
				tap_note("line %d: %s", n, line);
				ASSERT_STR_EQ(got, eq + 3);
			}
			continue;
		}
		char *arrow = strstr(line, " => ");
		char *not = strstr(line, " =/> ");
		struct cfm_cm_op op;
		struct cfm_cm_outcome o;
		char *end = arrow ? arrow : not;
		ASSERT_TRUE(end != NULL);
		*end = '\0';
		const char *bad = cfm_cm_op_parse(line, &op);
		if (bad) {
			tap_note("line %d: '%s': %s", n, line, bad);
			ASSERT_TRUE(bad == NULL);
		}
		const char *want = arrow ? arrow + 4 : not + 5;
		cfm_cm_allowed_format(m, &op, allowed, sizeof(allowed));
		int r = cfm_cm_apply(m, &op, want, 0, &o);
		if (arrow && r != 0) {
			tap_note("line %d: %s => %s", n, line, want);
			tap_note("allowed: %s", allowed);
			ASSERT_EQ(r, 0);
		}
		if (not && r == 0) {
			tap_note("line %d: %s =/> %s", n, line, want);
			ASSERT_EQ(r, -1);
		}
	}
}

/* A trap changes the state as the spec's Trap does; an error is not a
 * spec case and changes nothing. */
static void fails_unchanged(struct cfm_cm *m, const char *op_text,
                            const char *want)
{
	static struct cfm_cm before;
	struct cfm_cm_op op;
	struct cfm_cm_outcome o;
	char got[128];
	ASSERT_TRUE(cfm_cm_op_parse(op_text, &op) == NULL);
	before = *m;
	ASSERT_EQ(cfm_cm_apply(m, &op, NULL, 0, &o), 0);
	ASSERT_STR_EQ(cfm_cm_outcome_format(&o, got, sizeof(got)), want);
	ASSERT_TRUE(memcmp(&before, m, sizeof(before)) == 0);
}

/* ---- CM-1 calls: the callee's first turn runs inside the call ---- */

static void call_runs_callee_first_turn_inside(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "? allowed host call 1 = {T1 START}\n"
	    "host call 1 => T1 START\n"
	    "? T1 = STARTED ACTIVE\n"
	    "T1 call 2 => T2 START\n"
	    "? T1 = STARTED CALLING\n"
	    "T2 waitable-set.new => h1\n"
	    "? allowed T2 wait 1 = {suspended; T1 <- STARTED h1 T2}\n"
	    "T2 wait 1 => suspended; T1 <- STARTED h1 T2\n"
	    "? T1 = STARTED ACTIVE\n"
	    "? h1@1 = STARTED\n"
	    "T1 waitable-set.new => h2\n"
	    "T1 yield => suspended; host <- STARTED h1 T1\n"
	    "? counts = tasks 2 subtasks 2 sets 2\n");
}

/* CM-1: a callee that returns in its first turn resolves the call: no
 * handle, RETURNED. */
static void call_resolved_in_first_turn_returns_no_handle(void)
{
	static struct cfm_cm m;
	init(&m, 2);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 task.return ok 7 => ok\n"
	    "T1 exit => ok; host <- RETURNED T1\n"
	    "? counts = tasks 0 subtasks 0 sets 0\n"
	    "host call 1 => T2 START\n"
	    "T2 task.return ok 1 => ok\n"
	    "T2 yield => suspended; host <- RETURNED T2\n"
	    "? counts = tasks 1 subtasks 0 sets 0\n"
	    "host run 0 => T2 NONE\n"
	    "T2 exit => ok\n");
}

/* CM-2 handles: one table per instance, the spec's free stack (the most
 * recently freed index first), sets and subtasks share it. */
static void table_reuses_last_freed_index_first(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 waitable-set.new => h1\n"
	    "T1 call 2 => T2 START\n"
	    "T2 task.return ok 0 => ok\n"
	    "T2 yield => suspended; T1 <- RETURNED T2\n"
	    "T1 call 2 => T3 START\n"
	    "T3 yield => suspended; T1 <- STARTED h2 T3\n"
	    "T1 call 2 => T4 START\n"
	    "T4 yield => suspended; T1 <- STARTED h3 T4\n"
	    "T1 waitable-set.new => h4\n"
	    "T1 waitable-set.drop 4 => ok\n"
	    "T1 waitable-set.drop 1 => ok\n"
	    "T1 waitable-set.new => h1\n"
	    "T1 waitable-set.new => h4\n"
	    "T1 waitable-set.new => h5\n");
}

/* CM-3 ownership per instance: a sibling task may cancel a subtask its
 * sibling made. */
static void sibling_task_may_cancel_instance_subtask(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 waitable-set.new => h1\n"
	    "T2 wait 1 => suspended; T1 <- STARTED h1 T2\n"
	    "T1 waitable-set.new => h2\n"
	    "T1 wait 2 => suspended; host <- STARTED h1 T1\n"
	    "host call 1 => T3 START\n"
	    "? allowed T3 subtask.cancel 1 = {BLOCKED | switch; host <- STARTED h2 T3}\n"
	    "T3 subtask.cancel 1 => BLOCKED\n"
	    "? h1@1 = STARTED cancel_requested\n"
	    "? T2 = CANCEL_DELIVERED CB_WAIT\n");
}

/* ---- CM-4 subtask.cancel ---- */

static void cancel_queued_callee_resolves_before_started(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 backpressure.inc => ok\n"
	    "T2 waitable-set.new => h1\n"
	    "T2 wait 1 => suspended; T1 <- STARTED h1 T2\n"
	    "T1 call 2 => STARTING h2 T3\n"
	    "? allowed T1 subtask.cancel 2 = {CANCELLED_BEFORE_STARTED}\n"
	    "T1 subtask.cancel 2 => CANCELLED_BEFORE_STARTED\n"
	    "? T3 = EXITED\n"
	    "? h2@1 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "T1 subtask.drop 2 => ok\n");
}

/* CM-4, post-#716: a task's cancel of a started callee yields; it may go
 * on at once (BLOCKED), or the host runs anyone first and the cancel then
 * reports what happened meanwhile. */
static void cancel_while_waiting_may_switch_and_see_resolution(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 waitable-set.new => h1\n"
	    "T2 wait 1 => suspended; T1 <- STARTED h1 T2\n"
	    "T1 yield => suspended; host <- STARTED h1 T1\n"
	    "host run 0 => T1 NONE\n"
	    "T1 subtask.cancel 1 => switch\n"
	    "? T1 = STARTED CANCEL\n"
	    "? allowed host run 0 = {T1 <- BLOCKED | T2 TASK_CANCELLED}\n"
	    "host run 0 =/> T2 NONE\n"
	    "host run 1 => T2 TASK_CANCELLED\n"
	    "T2 task.cancel => ok\n"
	    "T2 exit => ok\n"
	    "host run 0 => T1 <- CANCELLED_BEFORE_RETURNED\n"
	    "? h1@1 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n"
	    "T1 subtask.drop 1 => ok\n");
}

/* CM-4: cancel after the callee returned only reports; the callee never
 * hears of it. */
static void cancel_after_return_only_reports(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 yield => suspended; T1 <- STARTED h1 T2\n"
	    "T1 yield => suspended; host <- STARTED h1 T1\n"
	    "host run 1 => T2 NONE\n"
	    "T2 task.return ok 5 => ok\n"
	    "T2 exit => ok\n"
	    "? h1@1 = RETURNED pending\n"
	    "host run 0 => T1 NONE\n"
	    "? allowed T1 subtask.cancel 1 = {RETURNED}\n"
	    "T1 subtask.cancel 1 => RETURNED\n"
	    "? h1@1 = RETURNED delivered\n");
}

/* CM-5 pending cancellation: a callee busy in a builtin is not a
 * candidate; the request waits and goes on at once at its next callback
 * return. */
static void cancel_of_busy_callee_is_pending_until_its_next_wait(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 waitable-set.new => h1\n"
	    "T1 thread.yield => suspended; host <- STARTED h1 T1\n"
	    "host subtask.cancel 1 => BLOCKED\n"
	    "? T1 = PENDING_CANCEL THREAD_YIELD\n"
	    "host run 0 => T1 NONE\n"
	    "? allowed T1 wait 1 = {T1 TASK_CANCELLED}\n"
	    "T1 wait 1 => T1 TASK_CANCELLED\n"
	    "T1 task.cancel => ok\n"
	    "T1 exit => ok\n"
	    "host poll => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n");
}

/* CM-6 return wins: task.return after the cancel was delivered resolves
 * RETURNED. */
static void return_after_delivered_cancel_wins(void)
{
	static struct cfm_cm m;
	init(&m, 2);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 yield => suspended; host <- STARTED h1 T1\n"
	    "host subtask.cancel 1 => BLOCKED\n"
	    "host run 0 => T1 TASK_CANCELLED\n"
	    "T1 task.return ok 3 => ok\n"
	    "T1 exit => ok\n"
	    "host poll => SUBTASK(h1, RETURNED)\n");
}

/* ---- CM-7 events ---- */

/* Events go through waitable sets only, and any pending member may come
 * first. */
static void wait_hands_out_any_pending_member(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 waitable-set.new => h1\n"
	    "T1 call 2 => T2 START\n"
	    "T2 task.return ok 1 => ok\n"
	    "T2 yield => suspended; T1 <- RETURNED T2\n"
	    "T1 call 2 => T3 START\n"
	    "T3 yield => suspended; T1 <- STARTED h2 T3\n"
	    "T1 call 2 => T4 START\n"
	    "T4 yield => suspended; T1 <- STARTED h3 T4\n"
	    "T1 waitable.join 2 1 => ok\n"
	    "T1 waitable.join 3 1 => ok\n"
	    "T1 wait 1 => suspended; host <- STARTED h1 T1\n"
	    "host run 0 => T3 NONE\n"
	    "T3 task.return ok 3 => ok\n"
	    "T3 exit => ok\n"
	    "host run 0 => T4 NONE\n"
	    "T4 task.return ok 4 => ok\n"
	    "T4 exit => ok\n"
	    "? allowed host run 0 = {T1 SUBTASK(h2, RETURNED) | T1 SUBTASK(h3, RETURNED) | T2 NONE}\n"
	    "host run 0 => T1 SUBTASK(h3, RETURNED)\n"
	    "? allowed T1 waitable-set.poll 1 = {SUBTASK(h2, RETURNED)}\n"
	    "T1 waitable-set.poll 1 => SUBTASK(h2, RETURNED)\n"
	    "T1 waitable-set.poll 1 => NONE\n");
}

/* Coalescing: STARTED then RETURNED before the waiter looks is one event
 * with the state now. */
static void events_coalesce_to_the_state_now(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 backpressure.inc => ok\n"
	    "T2 waitable-set.new => h1\n"
	    "T2 wait 1 => suspended; T1 <- STARTED h1 T2\n"
	    "T1 call 2 => STARTING h2 T3\n"
	    "T1 waitable-set.new => h3\n"
	    "T1 waitable.join 2 3 => ok\n"
	    "T1 wait 3 => suspended; host <- STARTED h1 T1\n"
	    "? allowed host run 0 = {E_RANGE}\n");
	/* T2 cannot run (nothing pending), T3 waits behind backpressure: the
	 * host's cancel of T1 wakes T1 instead. */
	run(&m,
	    "host subtask.cancel 1 => BLOCKED\n"
	    "host run 0 => T1 TASK_CANCELLED\n"
	    "T1 subtask.cancel 1 => switch\n"
	    "host run 1 => T2 TASK_CANCELLED\n"
	    "T2 backpressure.dec => ok\n"
	    "T2 task.cancel => ok\n"
	    "T2 exit => ok\n"
	    "? allowed host run 0 = {T1 <- CANCELLED_BEFORE_RETURNED | T3 START}\n"
	    "host run 1 => T3 START\n"
	    "T3 task.return ok 9 => ok\n"
	    "T3 exit => ok\n"
	    "? h2@1 = RETURNED pending in s3\n"
	    "host run 0 => T1 <- CANCELLED_BEFORE_RETURNED\n"
	    "? allowed T1 waitable-set.poll 3 = {SUBTASK(h2, RETURNED)}\n");
}

/* ---- CM-8 backpressure and admission ---- */

static void backpressure_queues_and_any_waiter_may_enter(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 backpressure.inc => ok\n"
	    "T2 yield => suspended; T1 <- STARTED h1 T2\n"
	    "T1 call 2 => STARTING h2 T3\n"
	    "T1 call 2 => STARTING h3 T4\n"
	    "T1 yield => suspended; host <- STARTED h1 T1\n"
	    "? allowed host run 0 = {T1 NONE | T2 NONE}\n"
	    "host run 1 => T2 NONE\n"
	    "T2 backpressure.dec => ok\n"
	    "T2 task.return ok 0 => ok\n"
	    "T2 exit => ok\n"
	    "? allowed host run 0 = {T1 NONE | T3 START | T4 START}\n"
	    "host run 2 => T4 START\n"
	    "? allowed T4 wait 0 = {TRAP(BAD_INDEX)}\n"
	    "T4 yield => suspended\n"
	    "? allowed host run 0 = {T1 NONE | T3 START | T4 NONE}\n");
}

/* CM-8: with others waiting to enter but no backpressure, a new call may
 * wait or enter at once. */
static void call_with_waiters_may_queue_or_enter(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 backpressure.inc => ok\n"
	    "T2 yield => suspended; T1 <- STARTED h1 T2\n"
	    "T1 call 2 => STARTING h2 T3\n"
	    "T1 yield => suspended; host <- STARTED h1 T1\n"
	    "host run 1 => T2 NONE\n"
	    "T2 backpressure.dec => ok\n"
	    "T2 yield => suspended\n"
	    "host run 0 => T1 NONE\n"
	    "? allowed T1 call 2 = {STARTING h3 T4 | T4 START}\n"
	    "T1 call 2 => T4 START\n");
}

/* ---- CM-9 traps, one per condition; the instance refuses entry after ---- */

static void trap_cancel_twice_and_instance_refuses_entry(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 yield => suspended; T1 <- STARTED h1 T2\n"
	    "T1 subtask.cancel 1 => BLOCKED\n"
	    "T1 subtask.cancel 1 => TRAP(CANCEL_TWICE)\n"
	    "? trapped 1 = yes\n"
	    "? T1 = EXITED\n"
	    "? allowed host call 1 = {TRAP(TRAPPED_INSTANCE)}\n"
	    "host call 2 => T3 START\n");
}

static void trap_each_misuse(void)
{
	static const struct {
		const char *setup, *op, *trap;
	} cases[] = {
	    {"", "T1 subtask.cancel 9", "TRAP(BAD_INDEX)"},
	    {"T1 waitable-set.new => h1\n", "T1 subtask.cancel 1",
	     "TRAP(NOT_SUBTASK)"},
	    {"T1 waitable-set.new => h1\n", "T1 subtask.drop 1",
	     "TRAP(NOT_SUBTASK)"},
	    {"T1 waitable-set.new => h1\n", "T1 waitable.join 1 0",
	     "TRAP(NOT_SUBTASK)"},
	    {"", "T1 waitable-set.poll 3", "TRAP(BAD_INDEX)"},
	    {"", "T1 wait 3", "TRAP(BAD_INDEX)"},
	    {"", "T1 waitable-set.wait 3", "TRAP(BAD_INDEX)"},
	    {"T1 call 2 => T2 START\nT2 yield => suspended; T1 <- STARTED h1 T2\n",
	     "T1 waitable-set.drop 1", "TRAP(NOT_SET)"},
	    {"T1 call 2 => T2 START\nT2 yield => suspended; T1 <- STARTED h1 T2\n",
	     "T1 subtask.drop 1", "TRAP(DROP_UNDELIVERED)"},
	    {"T1 call 2 => T2 START\nT2 task.return ok 0 => ok\n"
	     "T2 yield => suspended; T1 <- RETURNED T2\n"
	     "T1 call 2 => T3 START\nT3 yield => suspended; T1 <- STARTED h1 T3\n"
	     "T1 subtask.cancel 1 => BLOCKED\n",
	     "T1 subtask.drop 1", "TRAP(DROP_UNDELIVERED)"},
	    {"T1 task.return ok 0 => ok\n", "T1 task.return ok 0",
	     "TRAP(RETURN_RESOLVED)"},
	    {"", "T1 task.cancel", "TRAP(CANCEL_NOT_DELIVERED)"},
	    {"", "T1 exit", "TRAP(EXIT_UNRESOLVED)"},
	    {"T1 waitable-set.new => h1\nT1 call 2 => T2 START\n"
	     "T2 yield => suspended; T1 <- STARTED h2 T2\n"
	     "T1 waitable.join 2 1 => ok\n",
	     "T1 waitable-set.drop 1", "TRAP(SET_NOT_EMPTY)"},
	    {"", "T1 backpressure.dec", "TRAP(BP_UNDERFLOW)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct cfm_cm m;
		char text[1024];
		init(&m, 3);
		snprintf(text, sizeof(text),
		         "host call 1 => T1 START\n%s"
		         "? allowed %s = {%s}\n"
		         "%s => %s\n"
		         "? trapped 1 = yes\n"
		         "? allowed host call 1 = {TRAP(TRAPPED_INSTANCE)}\n",
		         cases[i].setup, cases[i].op, cases[i].trap,
		         cases[i].op, cases[i].trap);
		run(&m, text);
	}
}

/* CM-9: cancel after the resolution was delivered traps. */
static void trap_cancel_after_delivery(void)
{
	static struct cfm_cm m;
	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 yield => suspended; T1 <- STARTED h1 T2\n"
	    "T1 waitable-set.new => h2\n"
	    "T1 waitable.join 1 2 => ok\n"
	    "T1 wait 2 => suspended; host <- STARTED h1 T1\n"
	    "host run 0 => T2 NONE\n"
	    "T2 task.return ok 0 => ok\n"
	    "T2 exit => ok\n"
	    "host run 0 => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 subtask.cancel 1 => TRAP(CANCEL_DELIVERED)\n");
}

/* CM-9: backpressure.inc past 65535, and a set a thread waits on. */
static void trap_backpressure_overflow_and_set_waited_on(void)
{
	static struct cfm_cm m;
	struct cfm_cm_op inc;
	struct cfm_cm_outcome o;
	init(&m, 3);
	run(&m, "host call 1 => T1 START\n");
	ASSERT_TRUE(cfm_cm_op_parse("T1 backpressure.inc", &inc) == NULL);
	for (int i = 0; i < 65535; i++)
		ASSERT_EQ(cfm_cm_apply(&m, &inc, "ok", 0, &o), 0);
	run(&m, "T1 backpressure.inc => TRAP(BP_OVERFLOW)\n");

	init(&m, 3);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 waitable-set.new => h1\n"
	    "T1 call 2 => T2 START\n"
	    "T2 yield => suspended; T1 <- STARTED h2 T2\n"
	    "T1 waitable.join 2 1 => ok\n"
	    "T1 wait 1 => suspended; host <- STARTED h1 T1\n"
	    "host call 1 => T3 START\n"
	    "T3 waitable-set.drop 1 => TRAP(SET_NOT_EMPTY)\n");
	init(&m, 2);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 waitable-set.new => h1\n"
	    "T1 wait 1 => suspended; host <- STARTED h1 T1\n"
	    "host call 1 => T2 START\n"
	    "T2 waitable-set.drop 1 => TRAP(SET_WAITED_ON)\n");
}

/* ---- CM-10 nested cancellation three deep ---- */

static void nested_cancellation_three_deep(void)
{
	static struct cfm_cm m;
	init(&m, 4);
	run(&m,
	    "host call 1 => T1 START\n"
	    "T1 call 2 => T2 START\n"
	    "T2 call 3 => T3 START\n"
	    "T3 yield => suspended; T2 <- STARTED h1 T3\n"
	    "T2 waitable-set.new => h2\n"
	    "T2 waitable.join 1 2 => ok\n"
	    "T2 wait 2 => suspended; T1 <- STARTED h1 T2\n"
	    "T1 waitable-set.new => h2\n"
	    "T1 waitable.join 1 2 => ok\n"
	    "T1 wait 2 => suspended; host <- STARTED h1 T1\n"
	    "host subtask.cancel 1 => BLOCKED\n"
	    "host run 0 => T1 TASK_CANCELLED\n"
	    "T1 subtask.cancel 1 => BLOCKED\n"
	    "T1 wait 2 => suspended\n"
	    "host run 0 => T2 TASK_CANCELLED\n"
	    "T2 subtask.cancel 1 => BLOCKED\n"
	    "T2 wait 2 => suspended\n"
	    "? T3 = CANCEL_DELIVERED CB_YIELD\n"
	    "host run 0 => T3 TASK_CANCELLED\n"
	    "T3 task.cancel => ok\n"
	    "T3 exit => ok\n"
	    "host run 0 => T2 SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "T2 task.cancel => ok\n"
	    "T2 subtask.drop 1 => ok\n"
	    "T2 waitable-set.drop 2 => ok\n"
	    "T2 exit => ok\n"
	    "host run 0 => T1 SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "T1 task.cancel => ok\n"
	    "T1 subtask.drop 1 => ok\n"
	    "T1 waitable-set.drop 2 => ok\n"
	    "T1 exit => ok\n"
	    "host poll => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "host subtask.drop 1 => ok\n"
	    "? counts = tasks 0 subtasks 0 sets 0\n");
}

/* ---- the refinement API ---- */

/* Not allowed: the model says so, names the set and changes nothing. */
static void refinement_rejects_and_keeps_state(void)
{
	static struct cfm_cm m, before;
	struct cfm_cm_op op;
	struct cfm_cm_outcome o;
	char text[128];
	init(&m, 2);
	run(&m, "host call 1 => T1 START\n"
	        "T1 yield => suspended; host <- STARTED h1 T1\n");
	before = m;
	ASSERT_TRUE(cfm_cm_op_parse("host subtask.cancel 1", &op) == NULL);
	ASSERT_EQ(cfm_cm_apply(&m, &op, "CANCELLED_BEFORE_RETURNED", 0, &o),
	          -1);
	ASSERT_TRUE(memcmp(&m, &before, sizeof(m)) == 0);
	ASSERT_STR_EQ(cfm_cm_allowed_format(&m, &op, text, sizeof(text)),
	              "{BLOCKED}");
}

/* Without an observation the choice number picks, mod the set's size. */
static void choice_picks_mod_the_set(void)
{
	static struct cfm_cm a, b;
	struct cfm_cm_op op;
	struct cfm_cm_outcome o;
	char text[128];
	init(&a, 3);
	run(&a, "host call 1 => T1 START\n"
	        "T1 call 2 => T2 START\n"
	        "T2 yield => suspended; T1 <- STARTED h1 T2\n");
	b = a;
	ASSERT_TRUE(cfm_cm_op_parse("T1 subtask.cancel 1", &op) == NULL);
	ASSERT_EQ(cfm_cm_apply(&a, &op, NULL, 0, &o), 0);
	ASSERT_STR_EQ(cfm_cm_outcome_format(&o, text, sizeof(text)),
	              "BLOCKED");
	ASSERT_EQ(cfm_cm_apply(&b, &op, NULL, 3, &o), 0);
	ASSERT_STR_EQ(cfm_cm_outcome_format(&o, text, sizeof(text)),
	              "switch; host <- STARTED h1 T1");
}

/* Actor errors are not spec cases: they change nothing. */
static void actor_errors_change_nothing(void)
{
	static struct cfm_cm m;
	init(&m, 2);
	fails_unchanged(&m, "T1 task.return ok 0", "E_NOTACTIVE");
	fails_unchanged(&m, "host task.cancel", "E_NOTACTIVE");
	fails_unchanged(&m, "host call 0", "E_BADINSTANCE");
	fails_unchanged(&m, "host run 0", "E_RANGE");
	run(&m, "host call 1 => T1 START\n");
	fails_unchanged(&m, "host poll", "E_ACTIVE");
	fails_unchanged(&m, "T1 run 0", "E_ACTIVE");
}

/* Every outcome of every op in every reachable state of random runs is
 * followable: apply(observed = each allowed) succeeds. */
static void random_runs_every_allowed_outcome_is_accepted(void)
{
	static struct cfm_cm m, copy;
	static const char *const ops[] = {
	    "call 1", "call 2", "call 3", "subtask.cancel 1",
	    "subtask.cancel 2", "subtask.drop 1", "subtask.drop 2",
	    "task.return ok 1", "task.cancel", "waitable-set.new",
	    "waitable.join 1 2", "waitable.join 2 1", "wait 1", "wait 2",
	    "yield", "exit", "thread.yield", "waitable-set.poll 1",
	    "backpressure.inc", "backpressure.dec", "waitable-set.drop 1",
	};
	struct cfm_cm_outcome all[CFM_CM_MAX_OUTCOMES], o;
	uint64_t x = 12345;
	unsigned steps = 0, choices = 0;
	char text[256], line[64];
	for (int run_no = 0; run_no < 200; run_no++) {
		init(&m, 4);
		for (int i = 0; i < 60; i++) {
			struct cfm_cm_op op;
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t r = (uint32_t)(x >> 33);
			if (!m.active)
				snprintf(line, sizeof(line), "host %s",
				         r % 3 == 0 ? "call 1"
				         : r % 3 == 1 ? "run 0"
				                      : "subtask.cancel 1");
			else
				snprintf(line, sizeof(line), "T%u %s",
				         m.active,
				         ops[r % (sizeof(ops) / sizeof(ops[0]))]);
			ASSERT_TRUE(cfm_cm_op_parse(line, &op) == NULL);
			size_t n = cfm_cm_allowed(&m, &op, all,
			                          CFM_CM_MAX_OUTCOMES);
			ASSERT_TRUE(n >= 1);
			for (size_t k = 0; k < n; k++) {
				copy = m;
				cfm_cm_outcome_format(&all[k], text,
				                      sizeof(text));
				ASSERT_EQ(cfm_cm_apply(&copy, &op, text, 0, &o),
				          0);
			}
			choices += n > 1;
			ASSERT_EQ(cfm_cm_apply(&m, &op, NULL, r >> 8, &o), 0);
			steps++;
		}
	}
	tap_note("%u steps, %u with a choice", steps, choices);
	ASSERT_TRUE(choices > 20);
}

static const struct tap_test tests[] = {
    TAP_TEST(call_runs_callee_first_turn_inside),
    TAP_TEST(call_resolved_in_first_turn_returns_no_handle),
    TAP_TEST(table_reuses_last_freed_index_first),
    TAP_TEST(sibling_task_may_cancel_instance_subtask),
    TAP_TEST(cancel_queued_callee_resolves_before_started),
    TAP_TEST(cancel_while_waiting_may_switch_and_see_resolution),
    TAP_TEST(cancel_after_return_only_reports),
    TAP_TEST(cancel_of_busy_callee_is_pending_until_its_next_wait),
    TAP_TEST(return_after_delivered_cancel_wins),
    TAP_TEST(wait_hands_out_any_pending_member),
    TAP_TEST(events_coalesce_to_the_state_now),
    TAP_TEST(backpressure_queues_and_any_waiter_may_enter),
    TAP_TEST(call_with_waiters_may_queue_or_enter),
    TAP_TEST(trap_cancel_twice_and_instance_refuses_entry),
    TAP_TEST(trap_each_misuse),
    TAP_TEST(trap_cancel_after_delivery),
    TAP_TEST(trap_backpressure_overflow_and_set_waited_on),
    TAP_TEST(nested_cancellation_three_deep),
    TAP_TEST(refinement_rejects_and_keeps_state),
    TAP_TEST(choice_picks_mod_the_set),
    TAP_TEST(actor_errors_change_nothing),
    TAP_TEST(random_runs_every_allowed_outcome_is_accepted),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
