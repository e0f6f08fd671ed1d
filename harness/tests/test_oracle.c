/* test_oracle.c - what the engine and the oracle report, and what they
 * must not: the outcome comparison after the drain, the harness's own
 * limits, and error codes the contract does not have. The model-free
 * checks each have a mutant in minimized/mutants/ that only they catch
 * (suite 'mutants'); these cases cover what a mutant cannot show. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "mutants.h"
#include "tap.h"

static const struct cfh_setup setup = {
    .caps = {.instances = 3, .max_tasks = 8, .max_handles = 8,
             .max_resources = 4, .max_keys = 4},
    .features = CFH_F_ALL,
};

static struct cfm_op host_call(uint32_t instance)
{
	static uint32_t slot;
	return (struct cfm_op){.code = CFM_OP_CALL, .actor = CFM_HOST,
	                       .instance = instance, .slot = ++slot};
}

static void run_ops(const struct cfm_op *ops, size_t n,
                    const struct cfh_options *opts, struct cfh_outcome *out)
{
	struct cfh_source src = {.setup = &setup, .ops = ops, .nops = n};
	cfh_run(&src, opts, out, NULL);
}

/* A call the drain cancels: host call, START, a cancellable wait. The
 * drain's host cancels h1, the task answers TASK_CANCELLED with
 * task.cancel, the host drops the resolved handle. */
static const struct cfm_op waiting_call[] = {
    {.code = CFM_OP_CALL, .actor = CFM_HOST, .instance = 1, .slot = 1},
    {.code = CFM_OP_RUN, .actor = CFM_HOST},
    {.code = CFM_OP_WAIT, .actor = 1, .cancellable = true},
};

/* The drain frees the record of a call it resolved, so no snapshot shows
 * it: only the per-call outcome comparison sees a cancellation turned
 * into a result there. The model-free checks are off to show it alone. */
#if defined(CFH_TEST_MUTANTS)
static void outcomes_compared_after_drain(void)
{
	struct cfh_options opts = {.diff = true, .no_invariants = true,
	                           .mutant = cfr_mutant_from_name(
	                               "cancel_as_error")};
	struct cfh_outcome out;
	run_ops(waiting_call, 3, &opts, &out);
	ASSERT_EQ(out.finding.cls, CFH_DIVERGENCE);
	ASSERT_STR_EQ(out.finding.op, "drain");
	ASSERT_TRUE(strstr(out.finding.detail, "call #1 ended differently") !=
	            NULL);
	ASSERT_TRUE(out.drain_steps > 0);

	/* The correct runtime: the same run is clean. */
	opts.mutant = 0;
	run_ops(waiting_call, 3, &opts, &out);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
}

/* Without the model, the oracle's own bookkeeping still sees it: a call
 * resolved RETURNED that no task.return gave. */
static void oracle_sees_forged_result(void)
{
	struct cfh_options opts = {.diff = false,
	                           .mutant = cfr_mutant_from_name(
	                               "cancel_as_error")};
	struct cfh_outcome out;
	run_ops(waiting_call, 3, &opts, &out);
	ASSERT_EQ(out.finding.cls, CFH_WRONG_RESULT);
}
#endif

/* More calls than the harness keeps slots for: the input stops there,
 * the run is drained and judged, and the limit is said, not reported as
 * a finding of the runtime's. */
static void call_limit_is_the_harness(void)
{
	struct cfm_op ops[3] = {host_call(1), host_call(1), host_call(2)};
	struct cfh_options opts = {.diff = true, .max_calls = 2};
	struct cfh_outcome out;
	run_ops(ops, 3, &opts, &out);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
	ASSERT_EQ(out.steps, 2);
	ASSERT_TRUE(out.drain_steps > 0);
	ASSERT_TRUE(strstr(out.limit, "2 calls per run") != NULL);

	/* Under the limit nothing is said. */
	opts.max_calls = 3;
	run_ops(ops, 3, &opts, &out);
	ASSERT_EQ(out.steps, 3);
	ASSERT_STR_EQ(out.limit, "");
}

/* A code the contract does not have is a divergence, with or without the
 * model; the run does not pretend it was E_LIMIT. The runtime's first
 * allocation makes it; the second is the first call's pool chunk. */
static void foreign_error_code_is_divergence(void)
{
	struct cfm_op ops[1] = {host_call(1)};
	for (int diff = 0; diff <= 1; diff++) {
		struct cfh_options opts = {.diff = diff, .fail_alloc = 2};
		struct cfh_outcome out;
		run_ops(ops, 1, &opts, &out);
		ASSERT_EQ(out.finding.cls, CFH_DIVERGENCE);
		ASSERT_EQ(out.finding.step, 1);
		ASSERT_TRUE(strstr(out.finding.detail, "E_NOMEM") != NULL);
	}
}

/* The same source twice in one process gives the same outcome: nothing
 * of one run survives into the next. */
static void runs_do_not_share_state(void)
{
	struct cfh_options opts = {.diff = true, .trace = NULL};
	struct cfh_outcome a, b;
	run_ops(waiting_call, 3, &opts, &a);
	run_ops(waiting_call, 3, &opts, &b);
	ASSERT_EQ(a.finding.cls, CFH_NONE);
	ASSERT_EQ(a.steps, b.steps);
	ASSERT_EQ(a.drain_steps, b.drain_steps);
	ASSERT_EQ(a.trace_hash, b.trace_hash);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
#if defined(CFH_TEST_MUTANTS) /* builds with -Dmutants=true */
	    TAP_TEST(outcomes_compared_after_drain),
	    TAP_TEST(oracle_sees_forged_result),
#endif
	    TAP_TEST(call_limit_is_the_harness),
	    TAP_TEST(foreign_error_code_is_divergence),
	    TAP_TEST(runs_do_not_share_state),
	};
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
