/* test_examples.c - the four worked runs of model/README.md, step by step. */
#include "script.h"
#include "tap.h"

#include <string.h>

/* A: a nested cancellation must reach the exporter (Wasmtime #13196). */
static void example_a_nested_cancel_reaches_exporter(void)
{
	struct cfm m;
	script_init(&m, 4);
	script_run(&m,
	    "host call 1              => STARTED h1 T1\n"
	    "? T1 = STARTED READY\n"
	    "host run 0               => T1 START\n"
	    "T1 call 2                => STARTED h1 T2\n"
	    "T1 yield\n"
	    "? queue = T2 T1\n"
	    "host run 0               => T2 START\n"
	    "T2 call 3                => STARTED h1 T3\n"
	    "? queue = T1 T3\n"
	    "T2 wait cancellable\n"
	    "? T2 = STARTED BLOCKED\n"
	    "host run 0               => T1 NONE\n"
	    "T1 call 2                => STARTED h2 T4\n"
	    "? queue = T3 T4\n"
	    "T1 subtask.cancel 2      => BLOCKED\n"
	    "? T4 = PENDING_CANCEL READY\n"
	    "? h2@1 = STARTED cancel_requested\n"
	    "T1 wait cancellable\n"
	    "? T1 = STARTED BLOCKED\n"
	    "host run 1               => T4 START\n"
	    "T4 wait cancellable\n"
	    "? T4 = CANCEL_DELIVERED READY\n"
	    "? queue = T3 T4\n"
	    "host run 1               => T4 TASK_CANCELLED\n"
	    "T4 task.cancel\n"
	    "? h2@1 = CANCELLED_BEFORE_RETURNED cancel_requested pending\n"
	    "? T1 = STARTED READY\n"
	    "T4 exit\n"
	    "? T4 = EXITED\n"
	    "host run 1               => T1 SUBTASK(h2, CANCELLED_BEFORE_RETURNED)\n"
	    "? h2@1 = CANCELLED_BEFORE_RETURNED cancel_requested delivered\n"
	    "T1 subtask.drop 2\n"
	    "? h2@1 = free\n");
	/* The drain continues T1 and unwinds everything top-down. */
	ASSERT_TRUE(cfm_drain(&m, 10000) > 0);
	script_run(&m, "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

/* B: the completion wins a race against a pending cancellation. */
static void example_b_return_wins_over_pending_cancel(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 slot(5)      => STARTED h1 T1\n"
	    "host subtask.cancel 1    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "host run 0               => T1 START\n"
	    "T1 task.return ok 7\n"
	    "? h1@0 = RETURNED cancel_requested pending slot=ok:7\n"
	    "T1 exit\n"
	    "host poll                => SUBTASK(h1, RETURNED)\n"
	    "host poll                => NONE\n"
	    "host subtask.drop 1\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

/* C: a shared producer outlives one subscriber, not the last. */
static void example_c_shared_outlives_one_subscriber(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host call 1 shared(0)    => STARTED h1 T1\n"
	    "? key 0@1 = T1\n"
	    "host call 1 shared(0)    => STARTED h2 T1\n"
	    "? T1 subscribers = h1@0 h2@0\n"
	    "host subtask.cancel 1    => CANCELLED_BEFORE_RETURNED\n"
	    "? T1 = STARTED READY\n"
	    "host subtask.cancel 2    => BLOCKED\n"
	    "? T1 = PENDING_CANCEL READY\n"
	    "? key 0@1 = none\n"
	    "host subtask.drop 1\n"
	    "host call 1 shared(0)    => STARTED h1 T2\n"
	    "? key 0@1 = T2\n"
	    "host run 0               => T1 START\n"
	    "T1 wait cancellable\n"
	    "? queue = T2 T1\n"
	    "host run 1               => T1 TASK_CANCELLED\n"
	    "T1 task.cancel\n"
	    "T1 exit\n"
	    "? h1@0 = STARTED\n"
	    "host poll                => SUBTASK(h2, CANCELLED_BEFORE_RETURNED)\n"
	    "host poll                => NONE\n");
}

/* D: a timeout cancels a call still queued behind backpressure. */
static void example_d_timeout_cancels_queued_call(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m,
	    "host backpressure 1 +1\n"
	    "host call 1 deadline(5)  => STARTING h1 T1\n"
	    "? T1 = INITIAL QUEUED\n"
	    "host tick 4\n"
	    "? h1@0 = STARTING\n"
	    "host tick 1\n"
	    "? h1@0 = CANCELLED_BEFORE_STARTED cancel_requested timed_out pending\n"
	    "? T1 = EXITED\n"
	    "host poll                => SUBTASK(h1, CANCELLED_BEFORE_STARTED)\n"
	    "host backpressure 1 -1\n"
	    "? queue = empty\n"
	    "host subtask.drop 1\n"
	    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n");
}

static const struct tap_test tests[] = {
    TAP_TEST(example_a_nested_cancel_reaches_exporter),
    TAP_TEST(example_b_return_wins_over_pending_cancel),
    TAP_TEST(example_c_shared_outlives_one_subscriber),
    TAP_TEST(example_d_timeout_cancels_queued_call),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
