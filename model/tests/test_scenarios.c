/* test_scenarios.c - short component-model runs: cancellation as a caller
 * and a callee see it, the drain of C-36, and handle reuse after abandon.
 * Every expected value is derived from the contract text.
 */
#include "script.h"
#include "tap.h"

#include <string.h>

#define EMPTY                                                                  \
	"? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"

/* Drains m step by step with cfm_drain_next/cfm_apply; no step may fail
 * and the drain must end within max_steps. Returns the number of steps. */
static long drain_checked(struct cfm *m, long max_steps)
{
	struct cfm_op op;
	long steps = 0;
	while (cfm_drain_next(m, &op)) {
		char optext[128], restext[128];
		struct cfm_result r = cfm_apply(m, &op);
		cfm_op_format(&op, optext, sizeof(optext));
		cfm_result_format(&op, &r, restext, sizeof(restext));
		if (r.err != CFM_OK)
			tap_fail(__FILE__, __LINE__, "drain step %ld failed: %s => %s",
			         steps, optext, restext);
		if (++steps > max_steps)
			tap_fail(__FILE__, __LINE__, "drain did not end in %ld steps",
			         max_steps);
	}
	return steps;
}

/* 1. C-10, C-11.3, C-13, C-17, C-21: a call queued behind backpressure and
 * cancelled resolves CANCELLED_BEFORE_STARTED synchronously; the callee
 * never runs and is not admitted when backpressure returns to 0. */
static void scenario_cancel_queued_callee_never_runs(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 slot(1)      => STARTING h1 T1\n"
	    "host call 1 slot(2)      => STARTING h2 T2\n"
	    "? T1 = INITIAL QUEUED\n"
	    "? queue = empty\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_STARTED\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "? T1 = EXITED\n"
	    "? queue = empty\n"
	    "? counts = tasks 1 subtasks 2 handles 2 resources 0 keys 0 queue 0\n"
	    "host backpressure 1 -1\n"
	    "? T1 = EXITED\n"
	    "? queue = T2\n"
	    "host run 0               => T2 START\n"
	    "? queue = empty\n"
	    "T2 task.return ok 2\n"
	    "T2 exit\n"
	    "host poll                => SUBTASK(h2, RETURNED)\n"
	    "host poll                => NONE\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n");
	script_fails(&m, "host run 0", "E_RANGE");
	script_run(&m,
	    "host subtask.drop 1\n"
	    "host subtask.drop 2\n"
	    EMPTY);

	/* The same with a component as the caller. */
	script_init(&m, 3);
	script_run(&m,
	    "host backpressure 2 +1\n"
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2 slot(1)        => STARTING h1 T2\n"
	    "T1 subtask.cancel 1      => CANCELLED_BEFORE_STARTED\n"
	    "? T2 = EXITED\n"
	    "? h1@1 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "T1 subtask.drop 1\n"
	    "T1 wait cancellable\n"
	    "host backpressure 2 -1\n"
	    "? queue = empty\n"
	    "? T1 = STARTED BLOCKED\n"
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
}

/* 2. C-11.3, C-13, C-16, C-22: cancelling a started callee that is not
 * waiting returns BLOCKED; the callee runs on (START first) and the
 * cancellation is delivered at its next cancellable wait, as TASK_CANCELLED
 * on the next run; the caller gets one terminal event. */
static void scenario_cancel_started_callee_delivered_at_cancellable_wait(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2 slot(1)        => STARTED h1 T2\n"
	    "T1 subtask.cancel 1      => BLOCKED\n"
	    "? T2 = PENDING_CANCEL READY\n"
	    "? h1@1 = STARTED cancel_requested\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 resource.new          => r1\n"
	    "? T2 = PENDING_CANCEL ACTIVE\n"
	    "T2 wait cancellable\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "? queue = T2\n"
	    "? T1 = STARTED BLOCKED\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "T2 resource.drop 1\n"
	    "T2 task.cancel\n"
	    "? h1@1 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "? T1 = STARTED READY\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "T1 subtask.drop 1\n"
	    "T1 task.return ok 0\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host subtask.drop 1\n"
	    EMPTY);
}

/* 3. C-13, C-16, C-24: a task in a non-cancellable wait never receives
 * TASK_CANCELLED: a subtask event wakes it with SUBTASK, a second
 * non-cancellable wait still gets none, and only its next cancellable wait
 * delivers. */
static void scenario_noncancellable_wait_never_gets_task_cancelled(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 wait noncancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL BLOCKED\n"
	    "? queue = T2\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 3\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 subtask.drop 1\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait noncancellable\n"
	    "? T1 = PENDING_CANCEL BLOCKED\n"
	    "host run 0               => T3 START\n"
	    "T3 task.return ok 4\n"
	    "T3 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 subtask.drop 1\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "host subtask.drop 1\n"
	    EMPTY);
}

/* 4. C-15: task.cancel before the cancellation was delivered (STARTED, or
 * PENDING_CANCEL) is E_NOTDELIVERED and changes nothing. */
static void scenario_task_cancel_before_delivery_is_e_notdelivered(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "host run 0               => T1 START\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 1\n");
	script_fails(&m, "T1 task.cancel", "E_NOTDELIVERED");
	script_run(&m,
	    "? T1 = STARTED ACTIVE\n"
	    "? h1@0 = STARTED\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "? T2 = PENDING_CANCEL ACTIVE\n");
	script_fails(&m, "T2 task.cancel", "E_NOTDELIVERED");
	script_run(&m,
	    "? T2 = PENDING_CANCEL ACTIVE\n"
	    "? h2@0 = STARTED cancel_requested\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 1\n"
	    "T2 yield\n"
	    "? queue = T1 T2\n"
	    "host run 1               => T2 TASK_CANCELLED\n"
	    "T2 task.cancel\n"
	    "T2 exit\n"
	    "host poll                => SUBTASK(h2, CANCELLED_BEFORE_RETURNED)\n");
}

/* 5. C-9, C-14, C-20: task.return after the cancellation was delivered
 * (CANCEL_DELIVERED) still resolves RETURNED with the slot written. */
static void scenario_task_return_after_delivery_returns_with_slot(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(4)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "? T1 = CANCEL_DELIVERED ACTIVE\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 7, 1);
	script_run(&m,
	    "? T1 = RESOLVED ACTIVE\n"
	    "? h1@0 = RETURNED cancel_requested pending slot=ok:7\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "? h1@0 = RETURNED cancel_requested delivered slot=ok:7\n"
	    "host subtask.drop 1\n"
	    EMPTY);
}

/* 6. C-11.2, C-20: a cancel after resolution only reports it: no request
 * (the callee is not cancelled and never sees TASK_CANCELLED), the state
 * comes back as the delivery, the pending event is gone. */
static void scenario_cancel_after_resolution_only_reports(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 5\n"
	    "T1 yield\n"
	    "? h1@0 = RETURNED pending slot=ok:5\n"
	    "host subtask.cancel 1    => RETURNED\n"
	    "? h1@0 = RETURNED delivered slot=ok:5\n"
	    "? T1 = RESOLVED READY\n"
	    "? queue = T1\n"
	    "host poll                => NONE\n"
	    "host run 0               => T1 NONE\n"
	    "T1 exit\n"
	    "? counts = tasks 0 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
}

/* 7. C-11.1, C-29: a second cancel is E_ALREADY, also when the first
 * request was a timeout. */
static void scenario_second_cancel_is_e_already(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 1\n");
	script_fails(&m, "host subtask.cancel 1", "E_ALREADY");
	script_run(&m,
	    "? T1 = PENDING_CANCEL READY\n"
	    "? h1@0 = STARTED cancel_requested\n"
	    "host call 1 deadline(1)  => STARTED h2 T2\n"
	    "host tick 1\n"
	    "? h2@0 = STARTED cancel_requested timed_out\n");
	script_fails(&m, "host subtask.cancel 2", "E_ALREADY");
	script_run(&m,
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 2\n");
}

/* The input of the nested drain runs: host -> T1 -> T2 -> T3, ending with
 * T1 BLOCKED in a cancellable wait, T2 READY and T3 ACTIVE. */
static const char nested_three_deep[] =
    "host call 1 slot(1)      => STARTED h1 T1\n"
    "host run 0               => T1 START\n"
    "T1 call 2                => STARTED h1 T2\n"
    "T1 wait cancellable\n"
    "host run 0               => T2 START\n"
    "T2 call 3                => STARTED h1 T3\n"
    "T2 resource.new          => r1\n"
    "T2 yield\n"
    "? queue = T3 T2\n"
    "host run 0               => T3 START\n"
    "T3 resource.new          => r1\n"
    "? T1 = STARTED BLOCKED\n"
    "? T2 = STARTED READY\n"
    "? T3 = STARTED ACTIVE\n"
    "? counts = tasks 3 subtasks 3 handles 3 resources 2 keys 0 queue 1\n";

/* 8. C-36: the drain empties the model for calls nested three deep with
 * tasks BLOCKED, READY and ACTIVE when the input ends. */
static void scenario_drain_nested_three_deep_empties_model(void)
{
	struct cfm m;
	script_init(&m, 4);
	script_run(&m, nested_three_deep);
	ASSERT_TRUE(cfm_drain(&m, 10000) >= 0);
	script_run(&m, EMPTY "? T1 = EXITED\n? T2 = EXITED\n? T3 = EXITED\n");
	struct cfm_op op;
	ASSERT_TRUE(!cfm_drain_next(&m, &op));
}

/* 8. C-36: the same drain step by step: the ACTIVE task continues first,
 * no step ever fails, and cfm_drain agrees with the manual run. */
static void scenario_drain_steps_never_fail(void)
{
	struct cfm m;
	struct cfm_op op;
	script_init(&m, 4);
	script_run(&m, nested_three_deep);
	ASSERT_TRUE(cfm_drain_next(&m, &op));
	ASSERT_EQ(op.actor, 3);
	long steps = drain_checked(&m, 1000);
	ASSERT_TRUE(steps > 0);
	script_run(&m, EMPTY);

	script_init(&m, 4);
	script_run(&m, nested_three_deep);
	ASSERT_EQ(cfm_drain(&m, 10000), steps);
	script_run(&m, EMPTY);
}

/* 8. C-36: a drain from a richer state (backpressure with queued calls, a
 * shared producer with two subscribers and a deadline, post-return work, a
 * PENDING_CANCEL callee) runs every kind of step without an error and
 * empties the model. */
static void scenario_drain_every_kind_of_step_never_fails(void)
{
	struct cfm m;
	struct cfm_op op;
	bool seen[CFM_OPCODE_COUNT] = {false};
	script_init(&m, 4);
	script_run(&m,
	    "host call 1 shared(0) deadline(100) => STARTED h1 T1\n"
	    "host call 1 shared(0)    => STARTED h2 T1\n"
	    "host backpressure 2 +1\n"
	    "host call 2              => STARTING h3 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTING h1 T3\n"
	    "T1 call 3                => STARTED h2 T4\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T4 START\n"
	    "T4 resource.new          => r1\n"
	    "T4 task.return ok 1\n"
	    "T4 yield\n"
	    "? queue = T1 T4\n"
	    "host run 0               => T1 SUBTASK(h2, RETURNED)\n"
	    "? counts = tasks 4 subtasks 5 handles 5 resources 1 keys 1 queue 1\n");
	ASSERT_TRUE(cfm_drain_next(&m, &op));
	ASSERT_EQ(op.actor, 1);
	long steps = 0;
	while (cfm_drain_next(&m, &op)) {
		struct cfm_result r = cfm_apply(&m, &op);
		char optext[128], restext[128];
		cfm_op_format(&op, optext, sizeof(optext));
		cfm_result_format(&op, &r, restext, sizeof(restext));
		if (r.err != CFM_OK)
			tap_fail(__FILE__, __LINE__, "drain step %ld failed: %s => %s",
			         steps, optext, restext);
		seen[op.code] = true;
		ASSERT_TRUE(++steps < 1000);
	}
	ASSERT_TRUE(seen[CFM_OP_BACKPRESSURE]);
	ASSERT_TRUE(seen[CFM_OP_SUBTASK_DROP]);
	ASSERT_TRUE(seen[CFM_OP_SUBTASK_CANCEL]);
	ASSERT_TRUE(seen[CFM_OP_TASK_RETURN]);
	ASSERT_TRUE(seen[CFM_OP_TASK_CANCEL]);
	ASSERT_TRUE(seen[CFM_OP_WAIT]);
	ASSERT_TRUE(seen[CFM_OP_EXIT]);
	ASSERT_TRUE(seen[CFM_OP_RUN]);
	script_run(&m, EMPTY "? bp 2 = 0\n? key 0@1 = none\n");
}

/* 9. C-36: a guest's own deadlock (T1 waits non-cancellably on T3, which
 * waits non-cancellably on nothing) cannot be unwound; the drain ends and
 * leaves exactly that behind, having unwound everything else. */
static void scenario_drain_leaves_guest_deadlock_behind(void)
{
	struct cfm m;
	struct cfm_op op;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait noncancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 resource.new          => r1\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T3 START\n"
	    "T3 wait noncancellable\n"
	    "? queue = empty\n");
	ASSERT_TRUE(drain_checked(&m, 1000) > 0);
	ASSERT_TRUE(!cfm_drain_next(&m, &op));
	ASSERT_EQ(cfm_drain(&m, 10000), 0);
	script_run(&m,
	    "? T1 = PENDING_CANCEL BLOCKED\n"
	    "? T3 = STARTED BLOCKED\n"
	    "? T2 = EXITED\n"
	    "? h1@0 = STARTED cancel_requested\n"
	    "? h1@1 = STARTED\n"
	    "? h2@0 = free\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 0\n");
}

/* 9. C-36, C-29: the drain's final tick fires a deadline that nothing else
 * could, so a call a non-cancellable waiter depends on still unwinds. */
static void scenario_drain_tick_fires_deadline_nothing_else_could(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2 deadline(5)    => STARTED h1 T2\n"
	    "T1 wait noncancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 wait cancellable\n");
	ASSERT_TRUE(drain_checked(&m, 1000) > 0);
	script_run(&m,
	    "? clock = 5\n"
	    EMPTY);
}

/* 10. C-3, C-9, C-27, C-37 (stale_event): after a subtask is dropped while
 * its callee runs, the next call reuses the handle index; the old callee's
 * task.return must not touch the new subtask (state, pending flag, slot). */
static void scenario_handle_reuse_after_abandon_untouched_by_old_callee(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 yield\n"
	    "host subtask.drop 1\n"
	    "? h1@0 = free\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? T1 subscribers = abandoned\n"
	    "host call 1 slot(2)      => STARTED h1 T2\n"
	    "? h1@0 = STARTED\n"
	    "? T2 subscribers = h1@0\n"
	    "? queue = T1 T2\n"
	    "host run 0               => T1 TASK_CANCELLED\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 7, 0);
	script_run(&m,
	    "? h1@0 = STARTED\n"
	    "? T1 subscribers = none\n"
	    "? T2 subscribers = h1@0\n"
	    "? T2 = STARTED READY\n"
	    "T1 exit\n"
	    "host poll                => NONE\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 9\n"
	    "? h1@0 = RETURNED pending slot=ok:9\n"
	    "T2 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host subtask.drop 1\n"
	    EMPTY);

	/* The new occupant has a pending STARTED event (admission) when the
	 * old callee, never told, returns: the event stays STARTED. */
	script_init(&m, 3);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host subtask.drop 1\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host backpressure 2 +1\n"
	    "host call 2 slot(2)      => STARTING h1 T2\n"
	    "host backpressure 2 -1\n"
	    "? h1@0 = STARTED pending\n"
	    "host run 0               => T1 START\n");
	script_return_writes(&m, 1, CFM_KIND_ERR, 7, 0);
	script_run(&m,
	    "? h1@0 = STARTED pending\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, STARTED)\n"
	    "host poll                => NONE\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 3\n"
	    "T2 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "? h1@0 = RETURNED delivered slot=ok:3\n"
	    "host subtask.drop 1\n"
	    EMPTY);
}

static const struct tap_test tests[] = {
    TAP_TEST(scenario_cancel_queued_callee_never_runs),
    TAP_TEST(scenario_cancel_started_callee_delivered_at_cancellable_wait),
    TAP_TEST(scenario_noncancellable_wait_never_gets_task_cancelled),
    TAP_TEST(scenario_task_cancel_before_delivery_is_e_notdelivered),
    TAP_TEST(scenario_task_return_after_delivery_returns_with_slot),
    TAP_TEST(scenario_cancel_after_resolution_only_reports),
    TAP_TEST(scenario_second_cancel_is_e_already),
    TAP_TEST(scenario_drain_nested_three_deep_empties_model),
    TAP_TEST(scenario_drain_steps_never_fail),
    TAP_TEST(scenario_drain_every_kind_of_step_never_fails),
    TAP_TEST(scenario_drain_leaves_guest_deadlock_behind),
    TAP_TEST(scenario_drain_tick_fires_deadline_nothing_else_could),
    TAP_TEST(scenario_handle_reuse_after_abandon_untouched_by_old_callee),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
