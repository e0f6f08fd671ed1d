/* test_rules.c - one test per rule of the contract (C-1 .. C-35) that has an
 * observable effect, each named after what it proves. The drain (C-36) is in
 * test_scenarios.c; RULES.md maps every rule and error code to its tests.
 *
 * Every expected value is derived from the contract text. A test of an error
 * runs the failing operation through script_fails(), which also checks that the
 * whole model is byte for byte what it was before (C-6).
 */
#include "script.h"
#include "tap.h"

#include <string.h>

/* A run with small caps (C-5); script_init() uses roomy ones. */
static void init_caps(struct cfm *m, uint32_t instances, uint32_t tasks,
                      uint32_t handles, uint32_t resources, uint32_t keys)
{
	struct cfm_config cfg = {
	    .instances = instances,
	    .max_tasks = tasks,
	    .max_handles = handles,
	    .max_resources = resources,
	    .max_keys = keys,
	};
	ASSERT_EQ(cfm_init(m, &cfg), CFM_OK);
}

/* ---- 1. World ---- */

/* C-1, C-5: cfm_init rejects a config outside the bounds and leaves the
 * model zeroed; it accepts the contract's N = 2..6 and the full bounds. */
static void config_init_rejects_bad_config(void)
{
	static struct cfm m, zero;
	static const struct cfm_config bad[] = {
	    {0, 4, 4, 4, 4},
	    {1, 4, 4, 4, 4},
	    {CFM_MAX_INSTANCES + 1, 4, 4, 4, 4},
	    {2, 0, 4, 4, 4},
	    {2, CFM_MAX_TASKS + 1, 4, 4, 4},
	    {2, 4, 0, 4, 4},
	    {2, 4, CFM_MAX_HANDLES + 1, 4, 4},
	    {2, 4, 4, 0, 4},
	    {2, 4, 4, CFM_MAX_RESOURCES + 1, 4},
	    {2, 4, 4, 4, 0},
	    {2, 4, 4, 4, CFM_MAX_KEYS + 1},
	};
	static const struct cfm_config good[] = {
	    {2, 1, 1, 1, 1},
	    {6, 4, 4, 4, 4},
	    {CFM_MAX_INSTANCES, CFM_MAX_TASKS, CFM_MAX_HANDLES,
	     CFM_MAX_RESOURCES, CFM_MAX_KEYS},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0xa5, sizeof(m));
		ASSERT_EQ(cfm_init(&m, &bad[i]), CFM_E_RANGE);
		ASSERT_TRUE(memcmp(&m, &zero, sizeof(m)) == 0);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&m, 0xa5, sizeof(m));
		ASSERT_EQ(cfm_init(&m, &good[i]), CFM_OK);
		script_run(&m,
		    "? clock = 0\n"
		    "? queue = empty\n"
		    "? bp 1 = 0\n"
		    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
	}
}

/* C-1: the host (instance 0) has no tasks and cannot be called; only
 * instances 1..N-1 export a function. */
static void instance_host_is_not_callable(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_fails(&m, "host call 0", "E_BADINSTANCE");
	script_fails(&m, "host call 3", "E_BADINSTANCE");
	script_run(&m,
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"
	    "host call 1              => STARTED h1 T1\n"
	    "host call 2              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n");
	script_fails(&m, "T1 call 0", "E_BADINSTANCE");
	script_run(&m,
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 1\n");
}

/* C-2: code in instance i may call only j > i; the rest is E_BADINSTANCE. */
static void call_graph_rejects_same_or_lower_instance(void)
{
	struct cfm m;
	script_init(&m, 4);
	script_run(&m,
	    "host call 2              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
	script_fails(&m, "T1 call 0", "E_BADINSTANCE");
	script_fails(&m, "T1 call 1", "E_BADINSTANCE");
	script_fails(&m, "T1 call 2", "E_BADINSTANCE");
	script_fails(&m, "T1 call 4", "E_BADINSTANCE");
	script_fails(&m, "T1 call 2 shared(0)", "E_BADINSTANCE");
	script_run(&m,
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 0\n"
	    "T1 call 3                => STARTED h1 T2\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n");
	/* The last instance can call nobody. */
	script_fails(&m, "T2 call 3", "E_BADINSTANCE");
	script_fails(&m, "T2 call 2", "E_BADINSTANCE");
	script_run(&m,
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 0\n");
}

/* C-3: each instance has one handle table, shared by all its tasks. */
static void handle_tables_are_per_instance(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 call 2                => STARTED h2 T4\n"
	    "? h1@0 = STARTED\n"
	    "? h2@0 = STARTED\n"
	    "? h1@1 = STARTED\n"
	    "? h2@1 = STARTED\n"
	    "? h3@1 = free\n"
	    "? T3 subscribers = h1@1\n"
	    "? T4 subscribers = h2@1\n"
	    "? counts = tasks 4 subtasks 4 handles 4 resources 0 keys 0 queue 2\n");
}

/* C-3: a new handle is the lowest free index >= 1, reused at once. */
static void handle_lowest_free_index_reused(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host call 1              => STARTED h3 T3\n"
	    "host subtask.drop 2\n"
	    "? h2@0 = free\n"
	    "host call 1              => STARTED h2 T4\n"
	    "host subtask.drop 3\n"
	    "host subtask.drop 1\n"
	    "host call 1              => STARTED h1 T5\n"
	    "host call 1              => STARTED h3 T6\n"
	    "host call 1              => STARTED h4 T7\n"
	    "? T4 subscribers = h2@0\n"
	    "? T5 subscribers = h1@0\n"
	    "? T6 subscribers = h3@0\n");
}

/* C-3: task ids are 1, 2, 3 ... in creation order and never reused, also
 * after a task was freed without running. */
static void task_ids_never_reused(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h1 T1\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_STARTED\n"
	    "? T1 = EXITED\n"
	    "host subtask.drop 1\n"
	    "host backpressure 1 -1\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"
	    "host call 1              => STARTED h1 T2\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 0\n"
	    "T2 exit\n"
	    "host subtask.drop 1\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"
	    "host call 1              => STARTED h1 T3\n"
	    "? T1 = EXITED\n"
	    "? T2 = EXITED\n"
	    "? T3 = STARTED READY\n");
}

/* C-4: the clock starts at 0 and moves only by tick. */
static void clock_starts_at_zero_and_moves_only_by_tick(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "? clock = 0\n"
	    "host call 1 deadline(9)  => STARTED h1 T1\n"
	    "host backpressure 1 +1\n"
	    "host backpressure 1 -1\n"
	    "host run 0               => T1 START\n"
	    "T1 yield\n"
	    "host run 0               => T1 NONE\n"
	    "T1 wait cancellable\n"
	    "host poll                => NONE\n"
	    "? clock = 0\n"
	    "host tick 3\n"
	    "? clock = 3\n"
	    "host tick 2\n"
	    "? clock = 5\n");
}

/* C-5: the live-task cap is E_LIMIT with no state change; joining a shared
 * task creates no task and is allowed at the cap; an exit frees room. */
static void limit_tasks_is_e_limit_without_change(void)
{
	struct cfm m;
	init_caps(&m, 3, 2, 8, 4, 4);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 1 queue 2\n");
	script_fails(&m, "host call 1", "E_LIMIT");
	script_fails(&m, "host call 2", "E_LIMIT");
	script_fails(&m, "host call 1 shared(1)", "E_LIMIT");
	script_run(&m,
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 1 queue 2\n"
	    "host call 1 shared(0)    => STARTED h3 T1\n"
	    "? counts = tasks 2 subtasks 3 handles 3 resources 0 keys 1 queue 2\n"
	    "host run 1               => T2 START\n");
	script_fails(&m, "T2 call 2", "E_LIMIT");
	script_run(&m,
	    "T2 task.return ok 0\n"
	    "T2 exit\n"
	    "? counts = tasks 1 subtasks 3 handles 3 resources 0 keys 1 queue 1\n"
	    "host call 2              => STARTED h4 T3\n"
	    "? counts = tasks 2 subtasks 4 handles 4 resources 0 keys 1 queue 2\n");
}

/* C-5: the handle cap is per table, E_LIMIT with no state change even for
 * a join; an abandoned subscriber holds no handle. */
static void limit_handles_is_e_limit_without_change(void)
{
	struct cfm m;
	init_caps(&m, 3, 8, 2, 4, 4);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host call 2              => STARTED h2 T2\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 1 queue 2\n");
	script_fails(&m, "host call 1", "E_LIMIT");
	script_fails(&m, "host call 1 shared(0)", "E_LIMIT");
	script_run(&m,
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 1 queue 2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 call 2                => STARTED h2 T4\n");
	script_fails(&m, "T1 call 2", "E_LIMIT");
	script_run(&m,
	    "? counts = tasks 4 subtasks 4 handles 4 resources 0 keys 1 queue 3\n"
	    "T1 yield\n"
	    "host subtask.drop 2\n"
	    "? T2 subscribers = abandoned\n"
	    "host call 2              => STARTED h2 T5\n"
	    "? counts = tasks 5 subtasks 5 handles 4 resources 0 keys 1 queue 5\n");
}

/* C-5: the resource cap is per task, E_LIMIT with no state change. */
static void limit_resources_is_e_limit_without_change(void)
{
	struct cfm m;
	init_caps(&m, 2, 8, 8, 2, 4);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 resource.new          => r1\n"
	    "T1 resource.new          => r2\n");
	script_fails(&m, "T1 resource.new", "E_LIMIT");
	script_run(&m,
	    "? T1 resources = r1 r2\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 2 keys 0 queue 1\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "T2 resource.new          => r1\n"
	    "T2 resource.new          => r2\n");
	script_fails(&m, "T2 resource.new", "E_LIMIT");
	script_run(&m,
	    "? counts = tasks 2 subtasks 2 handles 2 resources 4 keys 0 queue 1\n"
	    "T2 resource.drop 1\n"
	    "T2 resource.new          => r1\n");
}

/* C-5: the key cap counts registry entries of every instance, E_LIMIT with
 * no state change; joins and unshared calls need no key. */
static void limit_keys_is_e_limit_without_change(void)
{
	struct cfm m;
	init_caps(&m, 3, 8, 8, 4, 1);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "? key 0@1 = T1\n"
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 1 queue 1\n");
	script_fails(&m, "host call 1 shared(1)", "E_LIMIT");
	script_fails(&m, "host call 2 shared(0)", "E_LIMIT");
	script_run(&m,
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 1 queue 1\n"
	    "? key 1@1 = none\n"
	    "? key 0@2 = none\n"
	    "host call 1 shared(0)    => STARTED h2 T1\n"
	    "host call 1              => STARTED h3 T2\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_RETURNED\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "? key 0@1 = none\n"
	    "host call 2 shared(5)    => STARTED h4 T3\n"
	    "? key 5@2 = T3\n"
	    "? counts = tasks 3 subtasks 4 handles 4 resources 0 keys 1 queue 3\n");
}

/* C-6, C-10: call checks E_BADINSTANCE, then E_RANGE (deadline 0), then
 * E_LIMIT; each changes nothing. */
static void call_errors_checked_in_order(void)
{
	struct cfm m;
	init_caps(&m, 2, 8, 1, 4, 4);
	script_run(&m, "host call 1              => STARTED h1 T1\n");
	script_fails(&m, "host call 2 deadline(0)", "E_BADINSTANCE");
	script_fails(&m, "host call 1 deadline(0)", "E_RANGE");
	script_fails(&m, "host call 1", "E_LIMIT");
	script_run(&m,
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 1\n");
}

/* ---- 2. The two halves of one call ---- */

/* C-7: the subtask states carry the contract's numbers; 2-4 are resolved
 * and the status BLOCKED is not. */
static void subtask_states_numbered_and_resolved(void)
{
	ASSERT_EQ(CFM_STARTING, 0);
	ASSERT_EQ(CFM_STARTED, 1);
	ASSERT_EQ(CFM_RETURNED, 2);
	ASSERT_EQ(CFM_CANCELLED_BEFORE_STARTED, 3);
	ASSERT_EQ(CFM_CANCELLED_BEFORE_RETURNED, 4);
	ASSERT_TRUE(!cfm_status_resolved(CFM_STARTING));
	ASSERT_TRUE(!cfm_status_resolved(CFM_STARTED));
	ASSERT_TRUE(cfm_status_resolved(CFM_RETURNED));
	ASSERT_TRUE(cfm_status_resolved(CFM_CANCELLED_BEFORE_STARTED));
	ASSERT_TRUE(cfm_status_resolved(CFM_CANCELLED_BEFORE_RETURNED));
	ASSERT_TRUE(!cfm_status_resolved(CFM_BLOCKED));
}

/* C-8: a task goes INITIAL/QUEUED -> STARTED/READY -> ACTIVE -> BLOCKED ->
 * CANCEL_DELIVERED/READY -> RESOLVED -> EXITED; its subtask follows. */
static void task_passes_through_every_activity(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h1 T1\n"
	    "? T1 = INITIAL QUEUED\n"
	    "? h1@0 = STARTING\n"
	    "host backpressure 1 -1\n"
	    "? T1 = STARTED READY\n"
	    "? h1@0 = STARTED pending\n"
	    "host run 0               => T1 START\n"
	    "? T1 = STARTED ACTIVE\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? h1@0 = STARTED cancel_requested pending\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "? T1 = CANCEL_DELIVERED ACTIVE\n"
	    "T1 task.cancel\n"
	    "? T1 = RESOLVED ACTIVE\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "T1 exit\n"
	    "? T1 = EXITED\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n");
}

/* C-9, C-14: the slot is written at task.return with its kind and value,
 * only for the subtasks that resolve RETURNED. */
static void slot_written_at_task_return_with_kind_and_value(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host call 1 slot(2)      => STARTED h2 T2\n"
	    "? h1@0 = STARTED\n"
	    "host run 0               => T1 START\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 7, 1);
	script_run(&m,
	    "? h1@0 = RETURNED pending slot=ok:7\n"
	    "? h2@0 = STARTED\n"
	    "T1 exit\n"
	    "host run 0               => T2 START\n");
	script_return_writes(&m, 2, CFM_KIND_ERR, 3, 1);
	script_run(&m,
	    "? h2@0 = RETURNED pending slot=err:3\n"
	    "? h1@0 = RETURNED pending slot=ok:7\n");
}

/* C-9: a call resolved cancelled (before started, before returned, or by a
 * detach that the producer's later return must not reach) has no slot. */
static void slot_not_written_for_cancelled_calls(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 slot(1)      => STARTING h1 T1\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_STARTED\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "host backpressure 1 -1\n"
	    "host call 1 slot(2)      => STARTED h2 T2\n"
	    "host run 0               => T2 START\n"
	    "T2 wait cancellable\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "T2 task.cancel\n"
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "T2 exit\n"
	    "host call 1 shared(0) slot(3) => STARTED h3 T3\n"
	    "host call 1 shared(0) slot(4) => STARTED h4 T3\n"
	    "host subtask.cancel 3    => CANCELLED_BEFORE_RETURNED\n"
	    "host run 0               => T3 START\n");
	script_return_writes(&m, 3, CFM_KIND_OK, 9, 1);
	script_run(&m,
	    "? h3@0 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n"
	    "? h4@0 = RETURNED pending slot=ok:9\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n");
}

/* C-9, C-27: an abandoned call's slot is never written, even when the
 * callee returns; its record is released at that return. */
static void slot_not_written_for_abandoned_call(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 yield\n"
	    "host subtask.drop 1\n"
	    "? h1@0 = free\n"
	    "? T1 subscribers = abandoned\n"
	    "? counts = tasks 1 subtasks 1 handles 0 resources 0 keys 0 queue 1\n"
	    "host run 0               => T1 TASK_CANCELLED\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 7, 0);
	script_run(&m,
	    "? T1 subscribers = none\n"
	    "? counts = tasks 1 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"
	    "T1 exit\n"
	    "host poll                => NONE\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

/* ---- 3. Operations ---- */

/* C-10: without backpressure a call starts the task READY with START at
 * the queue's tail, and the subtask is STARTED. */
static void call_starts_task_with_start_at_queue_tail(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "? T1 = STARTED READY\n"
	    "? h1@0 = STARTED\n"
	    "? queue = T1\n"
	    "host call 2              => STARTED h2 T2\n"
	    "? queue = T1 T2\n"
	    "host run 1               => T2 START\n"
	    "T2 yield\n"
	    "host run 0               => T1 START\n");
}

/* C-10: under backpressure the task is INITIAL/QUEUED (not in the run
 * queue) and the subtask STARTING; other instances are unaffected. */
static void call_under_backpressure_is_queued_and_starting(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h1 T1\n"
	    "? T1 = INITIAL QUEUED\n"
	    "? h1@0 = STARTING\n"
	    "? queue = empty\n"
	    "host call 2              => STARTED h2 T2\n"
	    "? queue = T2\n"
	    "host call 1              => STARTING h3 T3\n"
	    "? T3 = INITIAL QUEUED\n"
	    "? queue = T2\n"
	    "host run 0               => T2 START\n"
	    "? T1 = INITIAL QUEUED\n"
	    "? T3 = INITIAL QUEUED\n");
}

/* C-10: both options at once: registered under the key and expiring. */
static void call_with_shared_and_deadline_options(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(3) deadline(4) slot(1) => STARTED h1 T1\n"
	    "? key 3@1 = T1\n"
	    "host call 1 deadline(4) shared(3) => STARTED h2 T1\n"
	    "? T1 subscribers = h1@0 h2@0\n"
	    "host tick 3\n"
	    "? h1@0 = STARTED\n"
	    "host tick 1\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested timed_out pending\n"
	    "? h2@0 = STARTED cancel_requested timed_out\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "? key 3@1 = none\n");
}

/* C-10: deadline(0) is E_RANGE and changes nothing. */
static void call_deadline_zero_is_e_range(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_fails(&m, "host call 1 deadline(0)", "E_RANGE");
	script_fails(&m, "host call 1 shared(0) deadline(0)", "E_RANGE");
	script_run(&m,
	    "? key 0@1 = none\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"
	    "host call 1 deadline(1)  => STARTED h1 T1\n");
}

/* C-11.1: a handle not live in the actor's own table is E_BADHANDLE. */
static void subtask_cancel_unknown_handle_is_e_badhandle(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_fails(&m, "host subtask.cancel 1", "E_BADHANDLE");
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host subtask.drop 2\n");
	script_fails(&m, "host subtask.cancel 0", "E_BADHANDLE");
	script_fails(&m, "host subtask.cancel 2", "E_BADHANDLE");
	script_fails(&m, "host subtask.cancel 3", "E_BADHANDLE");
	script_run(&m,
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 call 2                => STARTED h2 T4\n");
	script_fails(&m, "T1 subtask.cancel 3", "E_BADHANDLE");
	script_run(&m,
	    "T1 subtask.drop 2\n"
	    "T1 yield\n");
	/* h2@1 is free; h2 is live in no table the host can see. */
	script_fails(&m, "host subtask.cancel 2", "E_BADHANDLE");
	script_run(&m,
	    "? queue = T2 T3 T4 T1\n"
	    "host run 3               => T1 NONE\n");
	script_fails(&m, "T1 subtask.cancel 2", "E_BADHANDLE");
	script_run(&m,
	    "? counts = tasks 4 subtasks 4 handles 2 resources 0 keys 0 queue 3\n");
}

/* C-11.1: a handle of the same table created by another task is
 * E_NOTOWNER, for cancel and for drop. */
static void subtask_cancel_other_tasks_handle_is_e_notowner(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "? counts = tasks 3 subtasks 3 handles 3 resources 0 keys 0 queue 1\n");
	script_fails(&m, "T2 subtask.cancel 1", "E_NOTOWNER");
	script_fails(&m, "T2 subtask.drop 1", "E_NOTOWNER");
	script_run(&m,
	    "? h1@1 = STARTED\n"
	    "? T3 = STARTED READY\n"
	    "? counts = tasks 3 subtasks 3 handles 3 resources 0 keys 0 queue 1\n");
}

/* C-11.1: a resolution already delivered (by an event or by the cancel
 * itself) is E_DELIVERED, checked before E_ALREADY. */
static void subtask_cancel_after_delivery_is_e_delivered(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 1\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "? h1@0 = RETURNED delivered slot=ok:1\n");
	script_fails(&m, "host subtask.cancel 1", "E_DELIVERED");
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h2 T2\n"
	    "host subtask.cancel 2    => CANCELLED_BEFORE_STARTED\n"
	    "? h2@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n");
	script_fails(&m, "host subtask.cancel 2", "E_DELIVERED");
	script_run(&m,
	    "? h1@0 = RETURNED delivered slot=ok:1\n"
	    "? counts = tasks 0 subtasks 2 handles 2 resources 0 keys 0 queue 0\n");
}

/* C-11.1: a second request is E_ALREADY, also once the outcome is resolved
 * but not yet delivered (E_ALREADY is checked before C-11.2). */
static void subtask_cancel_twice_is_e_already(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n");
	script_fails(&m, "host subtask.cancel 1", "E_ALREADY");
	script_run(&m,
	    "? T1 = PENDING_CANCEL READY\n"
	    "? h1@0 = STARTED cancel_requested\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n");
	script_fails(&m, "host subtask.cancel 1", "E_ALREADY");
	script_run(&m,
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n");
}

/* C-11.1: the checks come in order: E_NOTOWNER before E_DELIVERED. */
static void subtask_cancel_checks_owner_before_delivery(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait cancellable\n"
	    "host run 1               => T3 START\n"
	    "T3 task.return ok 4\n"
	    "T3 exit\n"
	    "host run 1               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "? h1@1 = RETURNED delivered slot=ok:4\n");
	script_fails(&m, "T2 subtask.cancel 1", "E_NOTOWNER");
}

/* C-11.2, C-20: cancelling a resolved, undelivered subtask only reports the
 * state (its delivery), clears the pending event and makes no request. */
static void subtask_cancel_resolved_undelivered_only_reports(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 7\n"
	    "T1 yield\n"
	    "? h1@0 = RETURNED pending slot=ok:7\n"
	    "host subtask.cancel 1    => RETURNED\n"
	    "? h1@0 = RETURNED delivered slot=ok:7\n"
	    "? T1 = RESOLVED READY\n"
	    "host poll                => NONE\n"
	    "host run 0               => T1 NONE\n"
	    "T1 exit\n");
	script_fails(&m, "host subtask.cancel 1", "E_DELIVERED");
}

/* C-11.3, C-13: cancelling a call whose task is INITIAL resolves it at once:
 * the state is returned (and so delivered), no event follows. */
static void subtask_cancel_initial_resolves_cancelled_before_started(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 slot(1)      => STARTING h1 T1\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_STARTED\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "? T1 = EXITED\n"
	    "host poll                => NONE\n"
	    "? counts = tasks 0 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
}

/* C-11.3: a request that does not resolve the call returns BLOCKED, and
 * exactly one terminal SUBTASK event follows. */
static void subtask_cancel_started_returns_blocked_then_one_event(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? h1@0 = STARTED cancel_requested\n"
	    "host poll                => NONE\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n"
	    "host poll                => NONE\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n");
}

/* C-12: drop fails like cancel: E_BADHANDLE outside the actor's table,
 * E_NOTOWNER for another task's subtask; nothing changes. */
static void drop_bad_handle_or_other_owner_fails(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_fails(&m, "host subtask.drop 1", "E_BADHANDLE");
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n");
	script_fails(&m, "T2 subtask.drop 1", "E_NOTOWNER");
	script_fails(&m, "T2 subtask.drop 2", "E_BADHANDLE");
	script_fails(&m, "T2 subtask.drop 0", "E_BADHANDLE");
	script_run(&m,
	    "? h1@1 = STARTED\n"
	    "? counts = tasks 3 subtasks 3 handles 3 resources 0 keys 0 queue 1\n");
}

/* C-12, C-28: drop succeeds in every state and frees the handle at once. */
static void drop_always_succeeds_and_frees_handle(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host call 1              => STARTED h3 T3\n"
	    "host call 1              => STARTED h4 T4\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 1\n"
	    "T1 exit\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 2\n"
	    "T2 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host subtask.drop 1\n"
	    "? h1@0 = free\n"
	    "? h2@0 = RETURNED pending slot=ok:2\n"
	    "host subtask.drop 2\n"
	    "? h2@0 = free\n"
	    "host subtask.cancel 3    => BLOCKED\n"
	    "host subtask.drop 3\n"
	    "? h3@0 = free\n"
	    "host subtask.drop 4\n"
	    "? h4@0 = free\n"
	    "? counts = tasks 2 subtasks 2 handles 0 resources 0 keys 0 queue 2\n");
}

/* C-12, C-27: dropping an unresolved call requests its cancellation once;
 * after an explicit cancel the drop requests nothing more. */
static void drop_unresolved_requests_cancel_once(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.drop 1\n"
	    "? h1@0 = free\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? T1 subscribers = abandoned\n"
	    "? queue = T1\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "? counts = tasks 1 subtasks 0 handles 0 resources 0 keys 0 queue 0\n"
	    "T1 exit\n"
	    "host poll                => NONE\n"
	    "host call 1              => STARTED h1 T2\n"
	    "host run 0               => T2 START\n"
	    "T2 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "? queue = T2\n"
	    "host subtask.drop 1\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "? queue = T2\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "? queue = empty\n"
	    "T2 task.cancel\n"
	    "T2 exit\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

/* C-13 (INITIAL): the task resolves at once without ever running and is
 * freed; admission later skips it. */
static void cancel_initial_task_never_runs(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h1 T1\n"
	    "host call 1              => STARTING h2 T2\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_STARTED\n"
	    "? T1 = EXITED\n"
	    "? T2 = INITIAL QUEUED\n"
	    "? counts = tasks 1 subtasks 2 handles 2 resources 0 keys 0 queue 0\n"
	    "host backpressure 1 -1\n"
	    "? queue = T2\n"
	    "? h2@0 = STARTED pending\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n"
	    "host run 0               => T2 START\n"
	    "? queue = empty\n");
}

/* C-13 (STARTED, waiting cancellably, BLOCKED): CANCEL_DELIVERED, READY at
 * the queue's tail, TASK_CANCELLED at its next activation. */
static void cancel_blocked_cancellable_wait_delivers_at_tail(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "? queue = T2\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? queue = T2 T1\n"
	    "host run 1               => T1 TASK_CANCELLED\n");
}

/* C-13 (STARTED, READY after a cancellable wait): CANCEL_DELIVERED, it keeps
 * its place, and the event it had stays pending for a later wait. */
static void cancel_ready_after_cancellable_wait_keeps_place_and_event(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 5\n"
	    "? T1 = STARTED READY\n"
	    "T2 yield\n"
	    "? queue = T1 T2\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? queue = T1 T2\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "? h1@1 = RETURNED pending slot=ok:5\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? queue = T2 T1\n"
	    "host run 1               => T1 SUBTASK(h1, RETURNED)\n"
	    "? h1@1 = RETURNED delivered slot=ok:5\n");
}

/* C-13 (STARTED, READY after a yield): CANCEL_DELIVERED, keeps its place. */
static void cancel_ready_after_yield_keeps_place(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 yield\n"
	    "host call 1              => STARTED h3 T3\n"
	    "? queue = T2 T1 T3\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? queue = T2 T1 T3\n"
	    "host run 1               => T1 TASK_CANCELLED\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED BLOCKED\n"
	    "? queue = T2 T3\n");
}

/* C-13 (STARTED, not yet activated): PENDING_CANCEL, whether it was started
 * by the call or by admission; START still comes first (C-22). */
static void cancel_unactivated_task_is_pending_cancel(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "? queue = T1\n"
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h2 T2\n"
	    "host backpressure 1 -1\n"
	    "? T2 = STARTED READY\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "? T2 = PENDING_CANCEL READY\n"
	    "? queue = T1 T2\n"
	    "host run 0               => T1 START\n"
	    "host run 0               => E_ACTIVE\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T2 START\n"
	    "T2 yield\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "host run 0               => T2 TASK_CANCELLED\n");
}

/* C-13 (STARTED, BLOCKED in a non-cancellable wait): PENDING_CANCEL; it
 * stays BLOCKED and is woken only by its subtask (C-24). */
static void cancel_blocked_noncancellable_wait_is_pending_cancel(void)
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
	    "T2 task.return ok 1\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n");
}

/* C-13 (STARTED, READY after a non-cancellable wait): PENDING_CANCEL; the
 * cancellation is delivered at its next cancellable wait. */
static void cancel_ready_after_noncancellable_wait_is_pending_cancel(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 wait noncancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 1\n"
	    "T2 exit\n"
	    "? T1 = STARTED READY\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "? queue = T1\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 subtask.drop 1\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T1 TASK_CANCELLED\n");
}

/* C-13 (any other state): once a task has its request, later drops of the
 * same call (C-27) and due deadlines (C-29) change nothing about it. */
static void cancel_request_reaches_a_task_once(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 deadline(1)  => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host tick 1\n"
	    "? h1@0 = STARTED cancel_requested\n"
	    "host subtask.drop 1\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "? queue = T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? queue = T1\n"
	    "host call 1 deadline(1)  => STARTED h1 T2\n"
	    "host run 1               => T2 START\n"
	    "T2 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "? queue = T1 T2\n"
	    "host tick 1\n"
	    "host subtask.drop 1\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "? queue = T1 T2\n"
	    "host run 1               => T2 TASK_CANCELLED\n"
	    "T2 task.cancel\n"
	    "T2 exit\n"
	    "host run 0               => T1 TASK_CANCELLED\n");
}

/* C-14, C-33: task.return resolves the task; every live subscriber becomes
 * RETURNED with its slot written and an event pending; the key is gone. */
static void task_return_resolves_every_subscriber_returned(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0) slot(1) => STARTED h1 T1\n"
	    "host call 1 shared(0) slot(2) => STARTED h2 T1\n"
	    "host run 0               => T1 START\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 7, 2);
	script_run(&m,
	    "? T1 = RESOLVED ACTIVE\n"
	    "? h1@0 = RETURNED pending slot=ok:7\n"
	    "? h2@0 = RETURNED pending slot=ok:7\n"
	    "? T1 subscribers = none\n"
	    "? key 0@1 = none\n");
}

/* C-14: a second task.return (or one after task.cancel) is E_RESOLVED. */
static void task_return_when_resolved_is_e_resolved(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 7\n");
	script_fails(&m, "T1 task.return ok 8", "E_RESOLVED");
	script_fails(&m, "T1 task.return err 8", "E_RESOLVED");
	script_run(&m,
	    "? h1@0 = RETURNED pending slot=ok:7\n"
	    "T1 exit\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T2 START\n"
	    "T2 wait cancellable\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "T2 task.cancel\n");
	script_fails(&m, "T2 task.return ok 1", "E_RESOLVED");
	script_run(&m,
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n");
}

/* C-14, C-20: a task.return during a pending cancellation wins: RETURNED
 * with the slot, and TASK_CANCELLED never comes (C-24). */
static void task_return_after_pending_cancel_wins(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host run 0               => T1 START\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 7, 1);
	script_run(&m,
	    "? T1 = RESOLVED ACTIVE\n"
	    "? h1@0 = RETURNED cancel_requested pending slot=ok:7\n"
	    "T1 yield\n"
	    "host run 0               => T1 NONE\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host poll                => NONE\n");
}

/* C-14, C-20: a task.return after the cancellation was delivered still
 * wins: RETURNED with the slot. */
static void task_return_after_delivered_cancel_wins(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(1)      => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "? T1 = CANCEL_DELIVERED ACTIVE\n");
	script_return_writes(&m, 1, CFM_KIND_ERR, 4, 1);
	script_run(&m,
	    "? T1 = RESOLVED ACTIVE\n"
	    "? h1@0 = RETURNED cancel_requested pending slot=err:4\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n");
}

/* C-15: task.cancel is E_NOTDELIVERED in STARTED, PENDING_CANCEL and
 * RESOLVED; nothing changes. */
static void task_cancel_before_delivery_is_e_notdelivered(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "host run 0               => T1 START\n");
	script_fails(&m, "T1 task.cancel", "E_NOTDELIVERED");
	script_run(&m,
	    "? T1 = STARTED ACTIVE\n"
	    "T1 task.return ok 0\n");
	script_fails(&m, "T1 task.cancel", "E_NOTDELIVERED");
	script_run(&m,
	    "? h1@0 = RETURNED pending slot=ok:0\n"
	    "T1 exit\n"
	    "host run 0               => T2 START\n"
	    "? T2 = PENDING_CANCEL ACTIVE\n");
	script_fails(&m, "T2 task.cancel", "E_NOTDELIVERED");
	script_run(&m,
	    "? h2@0 = STARTED cancel_requested\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "T2 task.cancel\n");
	script_fails(&m, "T2 task.cancel", "E_NOTDELIVERED");
	script_run(&m,
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n");
}

/* C-15: task.cancel resolves the task; its subscriber becomes
 * CANCELLED_BEFORE_RETURNED with no slot, and its owner is woken (C-23). */
static void task_cancel_resolves_cancelled_before_returned(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2 slot(1)        => STARTED h1 T2\n"
	    "T1 subtask.cancel 1      => BLOCKED\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "? T1 = STARTED BLOCKED\n"
	    "T2 task.cancel\n"
	    "? T2 = RESOLVED ACTIVE\n"
	    "? h1@1 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "? T1 = STARTED READY\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n");
}

/* C-16 (wait): cancellable and PENDING_CANCEL -> CANCEL_DELIVERED and READY
 * at the tail with TASK_CANCELLED. */
static void wait_cancellable_with_pending_cancel_delivers(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? queue = T2 T1\n"
	    "host run 1               => T1 TASK_CANCELLED\n");
}

/* C-16 (wait): with a subtask event pending the task is READY at once
 * (cancellable or not); with nothing pending it is BLOCKED. */
static void wait_with_pending_subtask_event_is_ready_else_blocked(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 call 2                => STARTED h2 T3\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 1\n"
	    "T2 exit\n"
	    "host run 0               => T3 START\n"
	    "T3 task.return ok 2\n"
	    "T3 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "? h2@1 = RETURNED pending slot=ok:2\n"
	    "T1 wait noncancellable\n"
	    "? T1 = STARTED READY\n"
	    "host run 0               => T1 SUBTASK(h2, RETURNED)\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "? queue = empty\n");
}

/* C-16 (yield): READY with NONE at the tail. */
static void yield_is_ready_with_none_at_tail(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 yield\n"
	    "? T1 = STARTED READY\n"
	    "? queue = T2 T1\n"
	    "host run 1               => T1 NONE\n");
}

/* C-16 (yield): it is cancellable: PENDING_CANCEL -> CANCEL_DELIVERED. */
static void yield_with_pending_cancel_delivers(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 START\n"
	    "T1 yield\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n");
}

/* C-16 (exit): E_UNRESOLVED unless RESOLVED; the task stays ACTIVE with
 * everything it holds. */
static void exit_unresolved_is_e_unresolved_and_stays_active(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 resource.new          => r1\n"
	    "T1 call 2                => STARTED h1 T2\n");
	script_fails(&m, "T1 exit", "E_UNRESOLVED");
	script_run(&m,
	    "? T1 = STARTED ACTIVE\n"
	    "? T1 resources = r1\n"
	    "? h1@1 = STARTED\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 1               => T1 TASK_CANCELLED\n");
	script_fails(&m, "T1 exit", "E_UNRESOLVED");
	script_run(&m,
	    "? T1 = CANCEL_DELIVERED ACTIVE\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "? T1 = EXITED\n"
	    "? counts = tasks 1 subtasks 2 handles 1 resources 0 keys 0 queue 1\n");
}

/* C-16 (exit): a RESOLVED task's exit releases its resources, abandons its
 * unresolved subtasks (a request reaches the callee), discards resolved
 * ones, and the task is EXITED and freed. */
static void exit_resolved_releases_abandons_and_frees(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 resource.new          => r1\n"
	    "T1 resource.new          => r2\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 call 2                => STARTED h2 T3\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 1\n"
	    "T2 exit\n"
	    "host run 1               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 task.return ok 0\n"
	    "? counts = tasks 2 subtasks 3 handles 3 resources 2 keys 0 queue 1\n"
	    "T1 exit\n"
	    "? T1 = EXITED\n"
	    "? T1 resources = none\n"
	    "? h1@1 = free\n"
	    "? h2@1 = free\n"
	    "? T3 = PENDING_CANCEL READY\n"
	    "? T3 subscribers = abandoned\n"
	    "? counts = tasks 1 subtasks 2 handles 1 resources 0 keys 0 queue 1\n");
	script_fails(&m, "T1 yield", "E_NOTACTIVE");
}

/* C-17: the host may set any component's backpressure, a task only its own
 * instance's; other instances are E_BADINSTANCE. */
static void backpressure_host_any_component_task_only_its_own(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host backpressure 2 +1\n"
	    "? bp 1 = 1\n"
	    "? bp 2 = 1\n");
	script_fails(&m, "host backpressure 0 +1", "E_BADINSTANCE");
	script_fails(&m, "host backpressure 3 +1", "E_BADINSTANCE");
	script_run(&m,
	    "host backpressure 1 -1\n"
	    "host backpressure 2 -1\n"
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 backpressure 1 +1\n"
	    "? bp 1 = 1\n");
	script_fails(&m, "T1 backpressure 2 +1", "E_BADINSTANCE");
	script_fails(&m, "T1 backpressure 0 +1", "E_BADINSTANCE");
	script_run(&m,
	    "T1 yield\n"
	    "host call 1              => STARTING h2 T2\n"
	    "host run 0               => T1 NONE\n"
	    "T1 backpressure 1 -1\n"
	    "? bp 1 = 0\n"
	    "? T2 = STARTED READY\n"
	    "? queue = T2\n");
}

/* C-17: backpressure stays within 0..255; leaving it is E_RANGE. */
static void backpressure_range_is_0_to_255(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_fails(&m, "host backpressure 1 -1", "E_RANGE");
	for (int i = 0; i < 255; i++)
		script_run(&m, "host backpressure 1 +1\n");
	script_run(&m, "? bp 1 = 255\n");
	script_fails(&m, "host backpressure 1 +1", "E_RANGE");
	script_run(&m,
	    "? bp 1 = 255\n"
	    "host backpressure 1 -1\n"
	    "? bp 1 = 254\n");
}

/* C-17: a delta other than +1 or -1 is E_RANGE. */
static void backpressure_delta_other_than_one_is_e_range(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m, "host backpressure 1 +1\n");
	script_fails(&m, "host backpressure 1 0", "E_RANGE");
	script_fails(&m, "host backpressure 1 +2", "E_RANGE");
	script_fails(&m, "host backpressure 1 -2", "E_RANGE");
	script_run(&m, "? bp 1 = 1\n");
}

/* C-17, C-19: reaching 0 (not before) admits the QUEUED tasks in FIFO
 * order, each subscriber STARTED with an event pending. */
static void backpressure_zero_admits_queued_in_fifo_order(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h1 T1\n"
	    "host call 1              => STARTING h2 T2\n"
	    "host call 1              => STARTING h3 T3\n"
	    "host backpressure 1 -1\n"
	    "? T1 = INITIAL QUEUED\n"
	    "? queue = empty\n"
	    "host backpressure 1 -1\n"
	    "? queue = T1 T2 T3\n"
	    "? T1 = STARTED READY\n"
	    "? T2 = STARTED READY\n"
	    "? T3 = STARTED READY\n"
	    "? h1@0 = STARTED pending\n"
	    "? h2@0 = STARTED pending\n"
	    "? h3@0 = STARTED pending\n"
	    "host poll                => SUBTASK(h1, STARTED)\n"
	    "host poll                => SUBTASK(h2, STARTED)\n"
	    "host poll                => SUBTASK(h3, STARTED)\n"
	    "host poll                => NONE\n"
	    "? h1@0 = STARTED\n"
	    "host run 0               => T1 START\n");
}

/* C-18: tick needs n >= 1 (tick 0 is E_RANGE) and is host-only. */
static void tick_zero_is_e_range(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m, "host call 1 deadline(1)  => STARTED h1 T1\n");
	script_fails(&m, "host tick 0", "E_RANGE");
	script_run(&m,
	    "? clock = 0\n"
	    "? h1@0 = STARTED\n"
	    "host run 0               => T1 START\n");
	script_fails(&m, "T1 tick 1", "E_ACTIVE");
	script_run(&m,
	    "T1 wait cancellable\n"
	    "host tick 1\n"
	    "? clock = 1\n"
	    "? h1@0 = STARTED cancel_requested timed_out\n");
}

/* C-19: admission makes every subscriber of a shared QUEUED task STARTED
 * with its event pending. */
static void admission_starts_task_and_all_subscribers(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 shared(0)    => STARTING h1 T1\n"
	    "host call 1 shared(0)    => STARTING h2 T1\n"
	    "host backpressure 1 -1\n"
	    "? T1 = STARTED READY\n"
	    "? h1@0 = STARTED pending\n"
	    "? h2@0 = STARTED pending\n"
	    "host run 0               => T1 START\n");
}

/* C-19, C-23: each admitted task is enqueued before its subscribers'
 * owners are woken. */
static void admission_enqueues_task_before_waking_owner(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host backpressure 2 +1\n"
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTING h1 T2\n"
	    "T1 call 2                => STARTING h2 T3\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "host backpressure 2 -1\n"
	    "? queue = T2 T1 T3\n"
	    "host run 1               => T1 SUBTASK(h1, STARTED)\n"
	    "? h1@1 = STARTED\n"
	    "? h2@1 = STARTED pending\n");
}

/* C-21: run(k) activates position k mod length and removes it. */
static void run_activates_position_k_mod_length(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host call 1              => STARTED h3 T3\n"
	    "host run 4               => T2 START\n"
	    "? T2 = STARTED ACTIVE\n"
	    "? queue = T1 T3\n"
	    "T2 yield\n"
	    "? queue = T1 T3 T2\n"
	    "host run 5               => T2 NONE\n"
	    "T2 yield\n"
	    "host run 3               => T1 START\n");
}

/* C-21: run on an empty queue is E_RANGE and changes nothing. */
static void run_empty_queue_is_e_range(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_fails(&m, "host run 0", "E_RANGE");
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n");
	script_fails(&m, "host run 7", "E_RANGE");
	script_run(&m,
	    "? T1 = STARTED BLOCKED\n"
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
}

/* C-22: TASK_CANCELLED beats NONE after a yield and a pending SUBTASK; NONE
 * after a yield beats a pending SUBTASK. */
static void activation_event_priority(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 2\n"
	    "T2 exit\n"
	    "? queue = T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 yield\n"
	    "host run 0               => T1 NONE\n"
	    "? h1@1 = RETURNED pending slot=ok:2\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "? h1@1 = RETURNED delivered slot=ok:2\n");
}

/* C-22: SUBTASK reports the lowest pending handle with its state now (a
 * STARTED update is swallowed by RETURNED); a resolved state delivered is
 * marked delivered, an unresolved one only clears the pending flag. */
static void activation_subtask_event_lowest_handle_state_now(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host backpressure 2 +1\n"
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTING h1 T2\n"
	    "T1 call 2                => STARTING h2 T3\n"
	    "T1 wait cancellable\n"
	    "host backpressure 2 -1\n"
	    "? queue = T2 T1 T3\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 9\n"
	    "T2 exit\n"
	    "? h1@1 = RETURNED pending slot=ok:9\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "? h1@1 = RETURNED delivered slot=ok:9\n"
	    "? h2@1 = STARTED pending\n"
	    "T1 wait cancellable\n"
	    "? queue = T3 T1\n"
	    "host run 1               => T1 SUBTASK(h2, STARTED)\n"
	    "? h2@1 = STARTED\n");
	script_fails(&m, "T1 subtask.cancel 1", "E_DELIVERED");
	script_run(&m, "T1 subtask.cancel 2      => BLOCKED\n");
}

/* C-23: a BLOCKED owner becomes READY at the queue's tail when a subtask
 * gets an event, once; a READY one is not queued twice. */
static void waking_blocked_owner_moves_to_queue_tail(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 call 2                => STARTED h2 T4\n"
	    "T1 wait cancellable\n"
	    "? queue = T2 T3 T4\n"
	    "host run 1               => T3 START\n"
	    "T3 task.return ok 0\n"
	    "? T1 = STARTED READY\n"
	    "? queue = T2 T4 T1\n"
	    "T3 exit\n"
	    "host run 1               => T4 START\n"
	    "T4 task.return ok 0\n"
	    "? queue = T2 T1\n"
	    "T4 exit\n"
	    "host run 1               => T1 SUBTASK(h1, RETURNED)\n");
}

/* C-24: TASK_CANCELLED is reported once; later cancellable waits block. */
static void task_cancelled_reported_once(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 yield\n"
	    "host run 0               => T1 NONE\n"
	    "T1 wait cancellable\n"
	    "? T1 = CANCEL_DELIVERED BLOCKED\n"
	    "? queue = empty\n");
}

/* C-24: never TASK_CANCELLED after the task resolved, even with a request
 * it never saw, at a yield or a cancellable wait. */
static void task_cancelled_never_after_resolved(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 1\n"
	    "T1 yield\n"
	    "? T1 = RESOLVED READY\n"
	    "host run 0               => T1 NONE\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 wait cancellable\n"
	    "? T1 = RESOLVED BLOCKED\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 2\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n");
}

/* C-24: never TASK_CANCELLED to a non-cancellable wait, even with a
 * request pending and a subtask event to wake it. */
static void task_cancelled_never_to_noncancellable_wait(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 wait noncancellable\n"
	    "? T1 = PENDING_CANCEL BLOCKED\n"
	    "host run 0               => T2 START\n"
	    "T2 yield\n"
	    "host run 0               => T2 NONE\n"
	    "? T1 = PENDING_CANCEL BLOCKED\n"
	    "T2 task.return ok 1\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "? T1 = PENDING_CANCEL ACTIVE\n");
}

/* C-25: poll returns the host's lowest pending event (coalesced) or NONE
 * and delivers it; poll is host-only. */
static void poll_returns_lowest_pending_event_or_none(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host poll                => NONE\n"
	    "host backpressure 1 +1\n"
	    "host call 1              => STARTING h1 T1\n"
	    "host call 1              => STARTING h2 T2\n"
	    "host call 1              => STARTING h3 T3\n"
	    "host backpressure 1 -1\n"
	    "host poll                => SUBTASK(h1, STARTED)\n"
	    "host run 2               => T3 START\n"
	    "T3 task.return ok 3\n"
	    "T3 exit\n"
	    "host run 1               => T2 START\n"
	    "T2 task.return ok 2\n");
	script_fails(&m, "T2 poll", "E_ACTIVE");
	script_run(&m,
	    "T2 exit\n"
	    "host poll                => SUBTASK(h2, RETURNED)\n"
	    "host poll                => SUBTASK(h3, RETURNED)\n"
	    "host poll                => NONE\n"
	    "? h1@0 = STARTED\n"
	    "? h2@0 = RETURNED delivered slot=ok:2\n"
	    "? h3@0 = RETURNED delivered slot=ok:3\n");
}

/* C-26: a RESOLVED task keeps running (calls, resources, waits, events)
 * until it exits. */
static void post_return_work_continues_until_exit(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 1\n"
	    "T1 resource.new          => r1\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 yield\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host subtask.drop 1\n"
	    "? T1 = RESOLVED READY\n"
	    "host run 1               => T1 NONE\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 2\n"
	    "T2 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 subtask.drop 1\n"
	    "T1 resource.drop 1\n"
	    "T1 exit\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

/* ---- 5. Abandon ---- */

/* C-27: an abandoned subscriber is released at the resolution with no event
 * (its owner is not woken) and no slot write. */
static void abandon_releases_subscriber_without_event_or_slot(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2 slot(1)        => STARTED h1 T2\n"
	    "T1 subtask.drop 1\n"
	    "? h1@1 = free\n"
	    "? T2 = PENDING_CANCEL READY\n"
	    "? T2 subscribers = abandoned\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n");
	script_return_writes(&m, 2, CFM_KIND_OK, 5, 0);
	script_run(&m,
	    "? T2 subscribers = none\n"
	    "? T1 = STARTED BLOCKED\n"
	    "? h1@1 = free\n"
	    "? counts = tasks 2 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
}

/* C-27: explicit cancel and drop reach the callee through the same path:
 * in every callee state the callee ends up identical. */
static void abandon_and_cancel_look_the_same_to_the_callee(void)
{
	static struct cfm a, b;
	static struct cfm_snapshot sa, sb;
	static const char *const setups[] = {
	    "host call 1 => STARTED h1 T1\n",
	    "host call 1 => STARTED h1 T1\nhost run 0 => T1 START\n"
	    "T1 wait cancellable\n",
	    "host call 1 => STARTED h1 T1\nhost run 0 => T1 START\n"
	    "T1 wait noncancellable\n",
	    "host call 1 => STARTED h1 T1\nhost run 0 => T1 START\n"
	    "T1 yield\n",
	    "host backpressure 1 +1\nhost call 1 => STARTING h1 T1\n",
	};
	for (size_t i = 0; i < sizeof(setups) / sizeof(setups[0]); i++) {
		char qa[256], qb[256];
		script_init(&a, 2);
		script_init(&b, 2);
		script_run(&a, setups[i]);
		script_run(&b, setups[i]);
		script_run(&a, "host subtask.cancel 1\n");
		script_run(&b, "host subtask.drop 1\n");
		cfm_snapshot(&a, &sa);
		cfm_snapshot(&b, &sb);
		ASSERT_TRUE(script_query(&sa, "T1", qa, sizeof(qa)));
		ASSERT_TRUE(script_query(&sb, "T1", qb, sizeof(qb)));
		ASSERT_STR_EQ(qa, qb);
		ASSERT_TRUE(script_query(&sa, "queue", qa, sizeof(qa)));
		ASSERT_TRUE(script_query(&sb, "queue", qb, sizeof(qb)));
		ASSERT_STR_EQ(qa, qb);
		const struct cfm_task *ta = cfm_task_get(&a, 1);
		const struct cfm_task *tb = cfm_task_get(&b, 1);
		ASSERT_EQ(ta != NULL, tb != NULL);
		if (ta)
			ASSERT_TRUE(memcmp(ta, tb, sizeof(*ta)) == 0);
		if (a.queue_len > 0) {
			struct cfm_op run = {.code = CFM_OP_RUN};
			struct cfm_result ra = cfm_apply(&a, &run);
			struct cfm_result rb = cfm_apply(&b, &run);
			ASSERT_EQ(ra.err, CFM_OK);
			ASSERT_EQ(rb.err, CFM_OK);
			ASSERT_EQ(ra.task, rb.task);
			ASSERT_EQ(ra.event.code, rb.event.code);
		}
	}
}

/* ---- 5. Abandon: a resolved subtask ---- */

/* C-28: dropping a resolved but undelivered subtask discards it: no event
 * follows, for the host or for a task. */
static void drop_resolved_undelivered_discards_event(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 1               => T2 START\n"
	    "T2 task.return ok 1\n"
	    "T2 exit\n"
	    "? h2@0 = RETURNED pending slot=ok:1\n"
	    "host subtask.drop 2\n"
	    "host poll                => NONE\n"
	    "? h2@0 = free\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 call 2                => STARTED h2 T4\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T3 START\n"
	    "T3 task.return ok 3\n"
	    "T3 exit\n"
	    "host run 0               => T4 START\n"
	    "T4 task.return ok 4\n"
	    "T4 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "? h2@1 = RETURNED pending slot=ok:4\n"
	    "T1 subtask.drop 2\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "? queue = empty\n"
	    "? h2@1 = free\n");
}

/* ---- 6. Timeouts ---- */

/* C-29: a deadline(d) expires at now + d: not before, at it or past it. */
static void deadline_fires_when_clock_reaches_now_plus_d(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host tick 2\n"
	    "host call 1 deadline(3)  => STARTED h1 T1\n"
	    "host tick 2\n"
	    "? clock = 4\n"
	    "? h1@0 = STARTED\n"
	    "? T1 = STARTED READY\n"
	    "host tick 1\n"
	    "? h1@0 = STARTED cancel_requested timed_out\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host call 1 deadline(1)  => STARTED h2 T2\n"
	    "host tick 10\n"
	    "? clock = 15\n"
	    "? h2@0 = STARTED cancel_requested timed_out\n"
	    "? T2 = PENDING_CANCEL READY\n");
}

/* C-29: expiries fire in order of deadline, then handle creation order
 * (not handle number): with one shared task the first to fire detaches,
 * the last one is the request (C-32). */
static void deadline_fires_in_order(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0) deadline(5) => STARTED h1 T1\n"
	    "host call 1 shared(0) deadline(3) => STARTED h2 T1\n"
	    "host tick 10\n"
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested timed_out pending\n"
	    "? h1@0 = STARTED cancel_requested timed_out\n"
	    "? T1 = PENDING_CANCEL READY\n");

	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1 shared(0) deadline(4) => STARTED h2 T2\n"
	    "host subtask.drop 1\n"
	    "host call 1 shared(0) deadline(4) => STARTED h1 T2\n"
	    "host tick 4\n"
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested timed_out pending\n"
	    "? h1@0 = STARTED cancel_requested timed_out\n"
	    "? T2 = PENDING_CANCEL READY\n");
}

/* C-29: a deadline does not fire for a resolved subtask or one whose
 * cancel was already requested. */
static void deadline_skips_resolved_or_cancel_requested(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 deadline(2)  => STARTED h1 T1\n"
	    "host call 1 deadline(2)  => STARTED h2 T2\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 1\n"
	    "T1 exit\n"
	    "host tick 5\n"
	    "? h1@0 = RETURNED pending slot=ok:1\n"
	    "? h2@0 = STARTED cancel_requested\n"
	    "? T2 = PENDING_CANCEL READY\n");
}

/* C-29: a timeout is an async cancel: the outcome arrives as a SUBTASK
 * event (pending, not delivered) and wakes the owner. */
static void deadline_outcome_arrives_as_event(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host backpressure 2 +1\n"
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2 deadline(2)    => STARTING h1 T2\n"
	    "T1 wait cancellable\n"
	    "host tick 2\n"
	    "? h1@1 = CANCELLED_BEFORE_STARTED cancel_requested timed_out pending\n"
	    "? T2 = EXITED\n"
	    "? T1 = STARTED READY\n"
	    "host run 0               => T1 SUBTASK(h1, CANCELLED_BEFORE_STARTED)\n"
	    "? h1@1 = CANCELLED_BEFORE_STARTED cancel_requested delivered timed_out\n");
	script_fails(&m, "T1 subtask.cancel 1", "E_DELIVERED");
}

/* C-30: a timeout is a cancellation: it ends CANCELLED_BEFORE_RETURNED. */
static void timeout_ends_cancelled_before_returned(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 deadline(1)  => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host tick 1\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested timed_out pending\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_RETURNED)\n");
}

/* C-30: if the callee wins the race a timed-out call ends RETURNED. */
static void timeout_loses_race_to_return(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 deadline(1) slot(1) => STARTED h1 T1\n"
	    "host tick 1\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 6\n"
	    "? h1@0 = RETURNED cancel_requested timed_out pending slot=ok:6\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n");
}

/* ---- 7. Shared producers ---- */

/* C-31: a shared call joins the registered task and mirrors it: STARTING
 * while INITIAL, STARTED once started (also while it runs). */
static void shared_join_mirrors_task_state(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 shared(0)    => STARTING h1 T1\n"
	    "host call 1 shared(0)    => STARTING h2 T1\n"
	    "? T1 subscribers = h1@0 h2@0\n"
	    "host backpressure 1 -1\n"
	    "host call 1 shared(0)    => STARTED h3 T1\n"
	    "? h3@0 = STARTED\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host call 1 shared(0)    => STARTED h4 T1\n"
	    "? T1 subscribers = h1@0 h2@0 h3@0 h4@0\n"
	    "? counts = tasks 1 subtasks 4 handles 4 resources 0 keys 1 queue 0\n");
}

/* C-31: the registry maps (instance, key) to one task; unshared calls
 * never join. */
static void shared_keys_are_per_instance(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host call 2 shared(0)    => STARTED h2 T2\n"
	    "host call 1 shared(1)    => STARTED h3 T3\n"
	    "host call 1              => STARTED h4 T4\n"
	    "host call 1 shared(0)    => STARTED h5 T1\n"
	    "? key 0@1 = T1\n"
	    "? key 0@2 = T2\n"
	    "? key 1@1 = T3\n"
	    "? counts = tasks 4 subtasks 5 handles 5 resources 0 keys 3 queue 4\n");
}

/* C-31: a task leaves the registry as soon as a cancellation is requested
 * for it (explicit or timeout); a detach is no request. */
static void shared_registry_leaves_on_cancel_request(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? key 0@1 = none\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host call 1 shared(0)    => STARTED h2 T2\n"
	    "? key 0@1 = T2\n"
	    "? T1 subscribers = h1@0\n"
	    "? T2 subscribers = h2@0\n"
	    "host call 1 shared(1)    => STARTED h3 T3\n"
	    "host call 1 shared(1)    => STARTED h4 T3\n"
	    "host subtask.cancel 3    => CANCELLED_BEFORE_RETURNED\n"
	    "? key 1@1 = T3\n"
	    "host call 1 shared(2) deadline(1) => STARTED h5 T4\n"
	    "host tick 1\n"
	    "? key 2@1 = none\n"
	    "? counts = tasks 4 subtasks 5 handles 5 resources 0 keys 2 queue 4\n");
}

/* C-31: a task leaves the registry when it resolves; a RESOLVED task still
 * running is not joined. */
static void shared_registry_leaves_on_resolution(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 1\n"
	    "? key 0@1 = none\n"
	    "T1 yield\n"
	    "host call 1 shared(0)    => STARTED h2 T2\n"
	    "? key 0@1 = T2\n"
	    "? T1 subscribers = none\n"
	    "? T2 subscribers = h2@0\n"
	    "? h1@0 = RETURNED pending slot=ok:1\n");
}

/* C-31, C-33: importers in different instances share one producer; both
 * get its outcome. */
static void shared_join_from_several_importers(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 2 shared(0) slot(1) => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 1               => T2 START\n"
	    "T2 call 2 shared(0) slot(2) => STARTED h1 T1\n"
	    "? T1 subscribers = h1@0 h1@1\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T1 START\n");
	script_return_writes(&m, 1, CFM_KIND_OK, 4, 2);
	script_run(&m,
	    "? h1@0 = RETURNED pending slot=ok:4\n"
	    "? h1@1 = RETURNED pending slot=ok:4\n"
	    "? queue = T2\n");
}

/* C-32: cancelling one of several subscribers detaches it at once
 * (CANCELLED_BEFORE_RETURNED, delivered); the producer is untouched and
 * keeps running and registered; the detached one is settled only once. */
static void shared_detach_leaves_producer_running(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0) slot(1) => STARTED h1 T1\n"
	    "host call 1 shared(0) slot(2) => STARTED h2 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_RETURNED\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n"
	    "? T1 = STARTED BLOCKED\n"
	    "? key 0@1 = T1\n"
	    "? T1 subscribers = h2@0\n"
	    "? queue = empty\n"
	    "host poll                => NONE\n");
	script_fails(&m, "host subtask.cancel 1", "E_DELIVERED");
	script_run(&m,
	    "host subtask.cancel 2    => BLOCKED\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n"
	    "host poll                => SUBTASK(h2, CANCELLED_BEFORE_RETURNED)\n"
	    "host poll                => NONE\n");
}

/* C-32: a detach while the task is INITIAL is CANCELLED_BEFORE_STARTED;
 * the task stays queued and is admitted for the others. */
static void shared_detach_initial_is_cancelled_before_started(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 shared(0)    => STARTING h1 T1\n"
	    "host call 1 shared(0)    => STARTING h2 T1\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_STARTED\n"
	    "? T1 = INITIAL QUEUED\n"
	    "? key 0@1 = T1\n"
	    "host backpressure 1 -1\n"
	    "? T1 = STARTED READY\n"
	    "? h2@0 = STARTED pending\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested delivered\n");
}

/* C-32: a drop detaches and releases at once; a timeout detaches with a
 * pending event; the producer is untouched by both. */
static void shared_detach_by_drop_and_by_timeout(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host call 1 shared(0) deadline(2) => STARTED h2 T1\n"
	    "host call 1 shared(0)    => STARTED h3 T1\n"
	    "host subtask.drop 1\n"
	    "? h1@0 = free\n"
	    "? T1 subscribers = h2@0 h3@0\n"
	    "? counts = tasks 1 subtasks 2 handles 2 resources 0 keys 1 queue 1\n"
	    "? T1 = STARTED READY\n"
	    "host tick 2\n"
	    "? h2@0 = CANCELLED_BEFORE_RETURNED cancel_requested timed_out pending\n"
	    "? T1 = STARTED READY\n"
	    "? T1 subscribers = h3@0\n"
	    "? key 0@1 = T1\n"
	    "host poll                => SUBTASK(h2, CANCELLED_BEFORE_RETURNED)\n"
	    "host run 0               => T1 START\n");
}

/* C-32, C-20: the last subscriber's cancel is a normal request and that
 * subscriber follows the task, here to RETURNED. */
static void shared_last_subscriber_cancel_is_normal_request(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "host call 1 shared(0)    => STARTED h2 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_RETURNED\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "? T1 = CANCEL_DELIVERED READY\n"
	    "? key 0@1 = none\n"
	    "host run 0               => T1 TASK_CANCELLED\n"
	    "T1 task.return ok 3\n"
	    "? h2@0 = RETURNED cancel_requested pending slot=ok:3\n"
	    "? h1@0 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n");
}

/* C-33: subscribers live at resolution get the same outcome, each once, in
 * subscription order (not handle or task order): owners wake in it. */
static void shared_subscribers_settle_once_in_subscription_order(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 call 2 shared(0) slot(2) => STARTED h2 T4\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T3 START\n"
	    "T3 task.return ok 0\n"
	    "T3 exit\n"
	    "host run 1               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 subtask.drop 1\n"
	    "T1 call 2 shared(0) slot(1) => STARTED h1 T4\n"
	    "? T4 subscribers = h2@1 h1@1\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T4 START\n");
	script_return_writes(&m, 4, CFM_KIND_OK, 8, 2);
	script_run(&m,
	    "? queue = T2 T1\n"
	    "? h1@1 = RETURNED pending slot=ok:8\n"
	    "? h2@1 = RETURNED pending slot=ok:8\n"
	    "? T4 subscribers = none\n"
	    "T4 exit\n"
	    "host run 0               => T2 SUBTASK(h2, RETURNED)\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "T1 wait cancellable\n"
	    "? queue = empty\n");
}

/* ---- 8. Resources and cascade ---- */

/* C-34: resource.new returns the lowest free id >= 1, per task. */
static void resource_ids_are_per_task_lowest_free(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 resource.new          => r1\n"
	    "T1 resource.new          => r2\n"
	    "T1 resource.new          => r3\n"
	    "T1 resource.drop 2\n"
	    "? T1 resources = r1 r3\n"
	    "T1 resource.new          => r2\n"
	    "T1 resource.new          => r4\n"
	    "? T1 resources = r1 r2 r3 r4\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "T2 resource.new          => r1\n"
	    "? T2 resources = r1\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 5 keys 0 queue 1\n");
}

/* C-34: resource.drop of anything but the actor's own live resource is
 * E_BADRESOURCE and changes nothing. */
static void resource_drop_not_own_live_is_e_badresource(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 resource.new          => r1\n"
	    "T1 resource.new          => r2\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "T2 resource.new          => r1\n");
	script_fails(&m, "T2 resource.drop 2", "E_BADRESOURCE");
	script_fails(&m, "T2 resource.drop 0", "E_BADRESOURCE");
	script_fails(&m, "T2 resource.drop 17", "E_BADRESOURCE");
	script_run(&m, "T2 resource.drop 1\n");
	script_fails(&m, "T2 resource.drop 1", "E_BADRESOURCE");
	script_run(&m,
	    "? T2 resources = none\n"
	    "? T1 resources = r1 r2\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 2 keys 0 queue 1\n");
}

/* C-34, C-16: exit releases every resource the task holds, on the returned
 * and on the cancelled path. */
static void exit_releases_resources_on_every_path(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 resource.new          => r1\n"
	    "T1 resource.new          => r2\n"
	    "T1 task.return ok 0\n"
	    "T1 exit\n"
	    "? counts = tasks 1 subtasks 2 handles 2 resources 0 keys 0 queue 1\n"
	    "host run 0               => T2 START\n"
	    "T2 resource.new          => r1\n"
	    "T2 wait cancellable\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "host run 0               => T2 TASK_CANCELLED\n"
	    "T2 resource.new          => r2\n"
	    "? counts = tasks 1 subtasks 2 handles 2 resources 2 keys 0 queue 0\n"
	    "T2 task.cancel\n"
	    "T2 exit\n"
	    "? counts = tasks 0 subtasks 2 handles 2 resources 0 keys 0 queue 0\n");
}

/* C-35, C-27: exit abandons unresolved subtasks and the cancellation
 * cascades down the call graph. */
static void exit_abandons_unresolved_subtasks_down_the_graph(void)
{
	struct cfm m;
	script_init(&m, 4);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 yield\n"
	    "host run 0               => T2 START\n"
	    "T2 call 3                => STARTED h1 T3\n"
	    "T2 wait cancellable\n"
	    "? queue = T1 T3\n"
	    "host run 0               => T1 NONE\n"
	    "T1 task.return ok 1\n"
	    "T1 exit\n"
	    "? T1 = EXITED\n"
	    "? h1@1 = free\n"
	    "? T2 = CANCEL_DELIVERED READY\n"
	    "? T2 subscribers = abandoned\n"
	    "? queue = T3 T2\n"
	    "host run 1               => T2 TASK_CANCELLED\n"
	    "T2 task.cancel\n"
	    "? T2 subscribers = none\n"
	    "T2 exit\n"
	    "? h1@2 = free\n"
	    "? T3 = PENDING_CANCEL READY\n"
	    "? T3 subscribers = abandoned\n"
	    "host run 0               => T3 START\n"
	    "T3 wait cancellable\n"
	    "host run 0               => T3 TASK_CANCELLED\n"
	    "T3 task.cancel\n"
	    "T3 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host subtask.drop 1\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

/* C-35, C-28: exit discards resolved subtasks, delivered or not. */
static void exit_discards_resolved_subtasks(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 call 2                => STARTED h2 T3\n"
	    "T1 wait cancellable\n"
	    "host run 0               => T2 START\n"
	    "T2 task.return ok 1\n"
	    "T2 exit\n"
	    "host run 0               => T3 START\n"
	    "T3 task.return ok 2\n"
	    "T3 exit\n"
	    "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	    "? h1@1 = RETURNED delivered slot=ok:1\n"
	    "? h2@1 = RETURNED pending slot=ok:2\n"
	    "T1 task.return ok 0\n"
	    "T1 exit\n"
	    "? h1@1 = free\n"
	    "? h2@1 = free\n"
	    "? counts = tasks 0 subtasks 1 handles 1 resources 0 keys 0 queue 0\n");
}

/* C-35: exit drops its subtasks lowest handle first (not creation order):
 * the callees are woken in that order. */
static void exit_drops_subtasks_lowest_handle_first(void)
{
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 call 2                => STARTED h2 T3\n"
	    "T1 subtask.drop 1\n"
	    "T1 call 2                => STARTED h1 T4\n"
	    "T1 yield\n"
	    "? queue = T2 T3 T4 T1\n"
	    "host run 0               => T2 START\n"
	    "T2 wait cancellable\n"
	    "host run 0               => T3 START\n"
	    "T3 wait cancellable\n"
	    "host run 0               => T4 START\n"
	    "T4 wait cancellable\n"
	    "? queue = T1 T2\n"
	    "host run 0               => T1 NONE\n"
	    "T1 task.return ok 0\n"
	    "T1 exit\n"
	    "? queue = T2 T4 T3\n"
	    "? T4 = CANCEL_DELIVERED READY\n"
	    "? T3 = CANCEL_DELIVERED READY\n");
}

/* ---- Actors (section 3) ---- */

/* Section 3: the host acting while a task is ACTIVE is E_ACTIVE, whatever
 * the operation. */
static void actor_host_while_task_active_is_e_active(void)
{
	static const char *const ops[] = {
	    "host call 1",
	    "host subtask.cancel 1",
	    "host subtask.drop 1",
	    "host backpressure 1 +1",
	    "host tick 1",
	    "host run 0",
	    "host poll",
	    "host task.return ok 0",
	    "host task.cancel",
	    "host wait cancellable",
	    "host yield",
	    "host exit",
	    "host resource.new",
	    "host resource.drop 1",
	};
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		script_fails(&m, ops[i], "E_ACTIVE");
	script_run(&m,
	    "? T1 = STARTED ACTIVE\n"
	    "? counts = tasks 2 subtasks 2 handles 2 resources 0 keys 0 queue 1\n");
}

/* Section 3: a task-only operation by the host is E_NOTACTIVE. */
static void actor_task_only_op_by_host_is_e_notactive(void)
{
	static const char *const ops[] = {
	    "host task.return ok 0",
	    "host task.cancel",
	    "host wait cancellable",
	    "host wait noncancellable",
	    "host yield",
	    "host exit",
	    "host resource.new",
	    "host resource.drop 1",
	};
	struct cfm m;
	script_init(&m, 2);
	script_run(&m, "host call 1              => STARTED h1 T1\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		script_fails(&m, ops[i], "E_NOTACTIVE");
	script_run(&m,
	    "? T1 = STARTED READY\n"
	    "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 1\n");
}

/* Section 3: a task that is not the ACTIVE one (READY, BLOCKED, unknown, or
 * none active) cannot act: E_NOTACTIVE, even for host-only operations. */
static void actor_task_not_active_is_e_notactive(void)
{
	static const char *const ops[] = {
	    "T2 call 2",
	    "T2 yield",
	    "T2 task.return ok 0",
	    "T2 subtask.cancel 1",
	    "T2 backpressure 1 +1",
	    "T2 tick 1",
	    "T9 yield",
	    "T3 resource.new",
	};
	struct cfm m;
	script_init(&m, 3);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T3\n");
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		script_fails(&m, ops[i], "E_NOTACTIVE");
	script_run(&m, "T1 wait cancellable\n");
	script_fails(&m, "T1 yield", "E_NOTACTIVE");
	script_fails(&m, "T1 call 2", "E_NOTACTIVE");
	script_run(&m,
	    "? T1 = STARTED BLOCKED\n"
	    "? counts = tasks 3 subtasks 3 handles 3 resources 0 keys 0 queue 2\n");
}

/* Section 3: a host-only operation (run, poll, tick) by the ACTIVE task is
 * E_ACTIVE. */
static void actor_host_only_op_by_task_is_e_active(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "host call 1              => STARTED h2 T2\n"
	    "host run 0               => T1 START\n");
	script_fails(&m, "T1 run 0", "E_ACTIVE");
	script_fails(&m, "T1 poll", "E_ACTIVE");
	script_fails(&m, "T1 tick 1", "E_ACTIVE");
	script_run(&m,
	    "? clock = 0\n"
	    "? queue = T2\n");
}

static const struct tap_test tests[] = {
    /* 1. World */
    TAP_TEST(config_init_rejects_bad_config),
    TAP_TEST(instance_host_is_not_callable),
    TAP_TEST(call_graph_rejects_same_or_lower_instance),
    TAP_TEST(handle_tables_are_per_instance),
    TAP_TEST(handle_lowest_free_index_reused),
    TAP_TEST(task_ids_never_reused),
    TAP_TEST(clock_starts_at_zero_and_moves_only_by_tick),
    TAP_TEST(limit_tasks_is_e_limit_without_change),
    TAP_TEST(limit_handles_is_e_limit_without_change),
    TAP_TEST(limit_resources_is_e_limit_without_change),
    TAP_TEST(limit_keys_is_e_limit_without_change),
    TAP_TEST(call_errors_checked_in_order),
    /* 2. The two halves of one call */
    TAP_TEST(subtask_states_numbered_and_resolved),
    TAP_TEST(task_passes_through_every_activity),
    TAP_TEST(slot_written_at_task_return_with_kind_and_value),
    TAP_TEST(slot_not_written_for_cancelled_calls),
    TAP_TEST(slot_not_written_for_abandoned_call),
    /* 3. Operations */
    TAP_TEST(call_starts_task_with_start_at_queue_tail),
    TAP_TEST(call_under_backpressure_is_queued_and_starting),
    TAP_TEST(call_with_shared_and_deadline_options),
    TAP_TEST(call_deadline_zero_is_e_range),
    TAP_TEST(subtask_cancel_unknown_handle_is_e_badhandle),
    TAP_TEST(subtask_cancel_other_tasks_handle_is_e_notowner),
    TAP_TEST(subtask_cancel_after_delivery_is_e_delivered),
    TAP_TEST(subtask_cancel_twice_is_e_already),
    TAP_TEST(subtask_cancel_checks_owner_before_delivery),
    TAP_TEST(subtask_cancel_resolved_undelivered_only_reports),
    TAP_TEST(subtask_cancel_initial_resolves_cancelled_before_started),
    TAP_TEST(subtask_cancel_started_returns_blocked_then_one_event),
    TAP_TEST(drop_bad_handle_or_other_owner_fails),
    TAP_TEST(drop_always_succeeds_and_frees_handle),
    TAP_TEST(drop_unresolved_requests_cancel_once),
    TAP_TEST(cancel_initial_task_never_runs),
    TAP_TEST(cancel_blocked_cancellable_wait_delivers_at_tail),
    TAP_TEST(cancel_ready_after_cancellable_wait_keeps_place_and_event),
    TAP_TEST(cancel_ready_after_yield_keeps_place),
    TAP_TEST(cancel_unactivated_task_is_pending_cancel),
    TAP_TEST(cancel_blocked_noncancellable_wait_is_pending_cancel),
    TAP_TEST(cancel_ready_after_noncancellable_wait_is_pending_cancel),
    TAP_TEST(cancel_request_reaches_a_task_once),
    TAP_TEST(task_return_resolves_every_subscriber_returned),
    TAP_TEST(task_return_when_resolved_is_e_resolved),
    TAP_TEST(task_return_after_pending_cancel_wins),
    TAP_TEST(task_return_after_delivered_cancel_wins),
    TAP_TEST(task_cancel_before_delivery_is_e_notdelivered),
    TAP_TEST(task_cancel_resolves_cancelled_before_returned),
    TAP_TEST(wait_cancellable_with_pending_cancel_delivers),
    TAP_TEST(wait_with_pending_subtask_event_is_ready_else_blocked),
    TAP_TEST(yield_is_ready_with_none_at_tail),
    TAP_TEST(yield_with_pending_cancel_delivers),
    TAP_TEST(exit_unresolved_is_e_unresolved_and_stays_active),
    TAP_TEST(exit_resolved_releases_abandons_and_frees),
    TAP_TEST(backpressure_host_any_component_task_only_its_own),
    TAP_TEST(backpressure_range_is_0_to_255),
    TAP_TEST(backpressure_delta_other_than_one_is_e_range),
    TAP_TEST(backpressure_zero_admits_queued_in_fifo_order),
    TAP_TEST(tick_zero_is_e_range),
    /* 4. Scheduling and events */
    TAP_TEST(admission_starts_task_and_all_subscribers),
    TAP_TEST(admission_enqueues_task_before_waking_owner),
    TAP_TEST(run_activates_position_k_mod_length),
    TAP_TEST(run_empty_queue_is_e_range),
    TAP_TEST(activation_event_priority),
    TAP_TEST(activation_subtask_event_lowest_handle_state_now),
    TAP_TEST(waking_blocked_owner_moves_to_queue_tail),
    TAP_TEST(task_cancelled_reported_once),
    TAP_TEST(task_cancelled_never_after_resolved),
    TAP_TEST(task_cancelled_never_to_noncancellable_wait),
    TAP_TEST(poll_returns_lowest_pending_event_or_none),
    TAP_TEST(post_return_work_continues_until_exit),
    /* 5. Abandon */
    TAP_TEST(abandon_releases_subscriber_without_event_or_slot),
    TAP_TEST(abandon_and_cancel_look_the_same_to_the_callee),
    TAP_TEST(drop_resolved_undelivered_discards_event),
    /* 6. Timeouts */
    TAP_TEST(deadline_fires_when_clock_reaches_now_plus_d),
    TAP_TEST(deadline_fires_in_order),
    TAP_TEST(deadline_skips_resolved_or_cancel_requested),
    TAP_TEST(deadline_outcome_arrives_as_event),
    TAP_TEST(timeout_ends_cancelled_before_returned),
    TAP_TEST(timeout_loses_race_to_return),
    /* 7. Shared producers */
    TAP_TEST(shared_join_mirrors_task_state),
    TAP_TEST(shared_keys_are_per_instance),
    TAP_TEST(shared_registry_leaves_on_cancel_request),
    TAP_TEST(shared_registry_leaves_on_resolution),
    TAP_TEST(shared_join_from_several_importers),
    TAP_TEST(shared_detach_leaves_producer_running),
    TAP_TEST(shared_detach_initial_is_cancelled_before_started),
    TAP_TEST(shared_detach_by_drop_and_by_timeout),
    TAP_TEST(shared_last_subscriber_cancel_is_normal_request),
    TAP_TEST(shared_subscribers_settle_once_in_subscription_order),
    /* 8. Resources and cascade */
    TAP_TEST(resource_ids_are_per_task_lowest_free),
    TAP_TEST(resource_drop_not_own_live_is_e_badresource),
    TAP_TEST(exit_releases_resources_on_every_path),
    TAP_TEST(exit_abandons_unresolved_subtasks_down_the_graph),
    TAP_TEST(exit_discards_resolved_subtasks),
    TAP_TEST(exit_drops_subtasks_lowest_handle_first),
    /* Actors */
    TAP_TEST(actor_host_while_task_active_is_e_active),
    TAP_TEST(actor_task_only_op_by_host_is_e_notactive),
    TAP_TEST(actor_task_not_active_is_e_notactive),
    TAP_TEST(actor_host_only_op_by_task_is_e_active),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
