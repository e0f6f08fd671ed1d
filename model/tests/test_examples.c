/* test_examples.c - the four worked runs of model/README.md, on the model. */
#include "examples.h"
#include "script.h"
#include "tap.h"

static const char empty[] =
    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n";

/* C-11.3, C-13, C-16, C-22, C-36: a nested cancel reaches the exporter. */
static void example_a_nested_cancel_reaches_exporter(void)
{
	struct cfm m;
	script_init(&m, 4);
	script_run(&m, example_a_script);
	/* The drain continues T1 and unwinds everything top-down. */
	ASSERT_TRUE(cfm_drain(&m, 10000) > 0);
	script_run(&m, empty);
}

/* C-14, C-20, C-24: the completion wins over a pending cancel. */
static void example_b_return_wins_over_pending_cancel(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m, example_b_script);
}

/* C-31, C-32: a shared producer outlives one subscriber, not the last. */
static void example_c_shared_outlives_one_subscriber(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m, example_c_script);
	ASSERT_TRUE(cfm_drain(&m, 10000) >= 0);
	script_run(&m, empty);
}

/* C-29, C-13: a timeout cancels a call queued behind backpressure. */
static void example_d_timeout_cancels_queued_call(void)
{
	struct cfm m;
	script_init(&m, 2);
	script_run(&m, example_d_script);
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
