/* test_target.c - targets behind the in-process interface (target.h): the
 * bundled runtime's table, a table with parts left out (the checks those
 * parts feed are skipped and said to be, the rest still find bugs), the
 * decoder keeping to what a target declares, and the minimal example
 * target (tiny_target.c). */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mutants.h"
#include "tap.h"
#include "target.h"
#include "tiny_target.h"

static const struct cfh_setup setup = {
    .caps = {.instances = 3, .max_tasks = 8, .max_handles = 8,
             .max_resources = 4, .max_keys = 4},
    .features = CFH_F_ALL,
};

static void run_ops(const struct cfm_op *ops, size_t n,
                    const struct cfh_options *opts, struct cfh_outcome *out,
                    FILE *report)
{
	struct cfh_source src = {.setup = &setup, .ops = ops, .nops = n};
	cfh_run(&src, opts, out, report);
}

/* Knuth's MMIX LCG, high bits. */
static uint32_t lcg(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

/* A random input in format version 2 with every feature bit set (misuse
 * included), so only the target's caps narrow what is generated. */
static size_t random_input(uint64_t *seed, uint8_t *buf, size_t cap)
{
	size_t len = CFH_HEADER_SIZE + lcg(seed) % (cap - CFH_HEADER_SIZE);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(lcg(seed) >> 8);
	buf[0] = CFH_FORMAT_V2;
	buf[2] = CFH_F_ALL;
	return len;
}

/* A call the drain cancels: host call, START, a cancellable wait. */
static const struct cfm_op waiting_call[] = {
    {.code = CFM_OP_CALL, .actor = CFM_HOST, .instance = 1, .slot = 1},
    {.code = CFM_OP_RUN, .actor = CFM_HOST},
    {.code = CFM_OP_WAIT, .actor = 1, .cancellable = true},
};

/* The bundled runtime as the minimal target of C-34's mutant: resource.new
 * must give the lowest free id (minimized/mutants/resource_id_not_lowest). */
static const struct cfm_op resources[] = {
    {.code = CFM_OP_CALL, .actor = CFM_HOST, .instance = 1, .slot = 1},
    {.code = CFM_OP_RUN, .actor = CFM_HOST},
    {.code = CFM_OP_RESOURCE_NEW, .actor = 1},
    {.code = CFM_OP_RESOURCE_NEW, .actor = 1},
    {.code = CFM_OP_RESOURCE_DROP, .actor = 1, .resource = 1},
    {.code = CFM_OP_RESOURCE_NEW, .actor = 1},
};

/* The bundled runtime without its snapshot: what a runtime that cannot
 * show its whole state gives. */
static struct cfh_target no_snapshot(void)
{
	struct cfh_target t = cfh_target_bundled;
	t.name = "bundled-without-snapshot";
	t.snapshot = NULL;
	return t;
}

static void bundled_has_every_part(void)
{
	char why[160];
	ASSERT_TRUE(cfh_target_check(&cfh_target_bundled, why, sizeof(why)));
	ASSERT_EQ(cfh_target_skipped(&cfh_target_bundled), 0);
	ASSERT_EQ(cfh_target_features(&cfh_target_bundled), CFH_F_ALL);
	struct cfh_options opts = {.diff = true};
	struct cfh_outcome out;
	run_ops(waiting_call, 3, &opts, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
	ASSERT_EQ(out.skipped, 0);
	/* NULL in cfh_options.target is the bundled runtime. */
	struct cfh_outcome named;
	opts.target = &cfh_target_bundled;
	run_ops(waiting_call, 3, &opts, &named, NULL);
	ASSERT_EQ(named.steps, out.steps);
	ASSERT_EQ(named.drain_steps, out.drain_steps);
}

/* A table the harness cannot drive is refused, and says why. */
static void incomplete_tables_are_refused(void)
{
	char why[160];
	struct cfh_target t = tiny_target;
	ASSERT_TRUE(cfh_target_check(&t, why, sizeof(why)));
	t.apply = NULL;
	ASSERT_TRUE(!(cfh_target_check(&t, why, sizeof(why))));
	ASSERT_TRUE(strstr(why, "required") != NULL);
	t = tiny_target;
	t.caps.ops &= ~CFH_OP_BIT(CFM_OP_TASK_CANCEL);
	ASSERT_TRUE(!(cfh_target_check(&t, why, sizeof(why))));
	ASSERT_TRUE(strstr(why, "task.cancel") != NULL);
	t = tiny_target;
	t.caps.features |= CFH_F_DEADLINES; /* but no tick */
	ASSERT_TRUE(!(cfh_target_check(&t, why, sizeof(why))));
	ASSERT_TRUE(strstr(why, "deadlines") != NULL);
	ASSERT_EQ(cfh_target_features(&t), CFH_F_SHARED | CFH_F_MISUSE);
}

/* The decoder generates only what a target declares, misuse and raw steps
 * included; with everything declared it decodes exactly as before. */
static void decoder_keeps_to_declared_caps(void)
{
	uint8_t input[300];
	uint64_t seed = 7;
	uint32_t ops = tiny_target.caps.ops;
	uint32_t features = cfh_target_features(&tiny_target);
	unsigned long seen = 0, misuse_seen = 0;
	struct cfm *m = malloc(sizeof(*m)), *m2 = malloc(sizeof(*m2));
	ASSERT_TRUE(m && m2);
	for (int round = 0; round < 400; round++) {
		size_t size = random_input(&seed, input, sizeof(input));
		struct cfh_decoder d, all, plain;
		struct cfm_op op, op2;
		bool misuse, misuse2;
		cfh_decode_begin(&d, input, size);
		cfh_decode_restrict(&d, features, ops);
		ASSERT_EQ(d.setup.features, features);
		ASSERT_EQ(cfm_init(m, &d.setup.caps), CFM_OK);
		while (cfh_decode_next(&d, m, &op, &misuse)) {
			ASSERT_TRUE(ops & CFH_OP_BIT(op.code));
			ASSERT_TRUE(!(op.has_deadline));
			seen++;
			misuse_seen += misuse;
			(void)cfm_apply(m, &op);
		}
		/* Everything allowed: the same ops as no restriction. */
		cfh_decode_begin(&all, input, size);
		cfh_decode_restrict(&all, CFH_F_ALL, CFH_TARGET_OPS_ALL);
		ASSERT_TRUE(!(all.restricted));
		cfh_decode_begin(&plain, input, size);
		ASSERT_EQ(cfm_init(m, &plain.setup.caps), CFM_OK);
		ASSERT_EQ(cfm_init(m2, &all.setup.caps), CFM_OK);
		for (;;) {
			bool a = cfh_decode_next(&plain, m, &op, &misuse);
			bool b = cfh_decode_next(&all, m2, &op2, &misuse2);
			ASSERT_EQ(a, b);
			if (!a)
				break;
			ASSERT_TRUE(cfm_op_equal(&op, &op2));
			ASSERT_EQ(op.slot, op2.slot);
			ASSERT_EQ(misuse, misuse2);
			(void)cfm_apply(m, &op);
			(void)cfm_apply(m2, &op2);
		}
	}
	free(m);
	free(m2);
	ASSERT_TRUE(seen > 1000);
	ASSERT_TRUE(misuse_seen > 0);
	tap_note("%lu ops decoded for tiny, %lu of them misuse", seen,
	         misuse_seen);
}

/* The minimal example: random inputs with every feature bit set run clean
 * (it would answer E_UNSUPPORTED to anything it did not declare), and the
 * checks it has no parts for are said to be skipped. */
static void tiny_target_runs_clean(void)
{
	uint8_t input[300];
	uint64_t seed = 11;
	unsigned long steps = 0;
	struct cfh_options opts = {.diff = true, .target = &tiny_target};
	for (int round = 0; round < 200; round++) {
		size_t size = random_input(&seed, input, sizeof(input));
		struct cfh_source src = {.data = input, .size = size};
		struct cfh_outcome out;
		cfh_run(&src, &opts, &out, stderr);
		ASSERT_EQ(out.finding.cls, CFH_NONE);
		ASSERT_STR_EQ(out.limit, "");
		steps += out.steps + out.drain_steps;
	}
	ASSERT_TRUE(steps > 1000);
	struct cfh_source src = {.data = input, .size = 0};
	struct cfh_outcome out;
	cfh_run(&src, &opts, &out, NULL);
	char text[200];
	ASSERT_STR_EQ(cfh_checks_text(out.skipped, text, sizeof(text)),
	              "states, left_running, oracle, outcomes, records, "
	              "timeouts, slots, teardown");
}

/* Its planted bug is a result the model does not give: found, with the
 * step and the operation, though most checks are skipped. */
static void tiny_target_bug_is_found(void)
{
	/* The callee returns and exits; the host's cancel comes too late
	 * (C-11.2) and must give RETURNED. */
	static const struct cfm_op ops[] = {
	    {.code = CFM_OP_CALL, .actor = CFM_HOST, .instance = 1, .slot = 1},
	    {.code = CFM_OP_RUN, .actor = CFM_HOST},
	    {.code = CFM_OP_TASK_RETURN, .actor = 1, .value = 5},
	    {.code = CFM_OP_EXIT, .actor = 1},
	    {.code = CFM_OP_SUBTASK_CANCEL, .actor = CFM_HOST, .handle = 1},
	};
	struct cfh_options opts = {.diff = true, .target = &tiny_target};
	struct cfh_outcome out;
	run_ops(ops, 5, &opts, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
	opts.mutant = TINY_MUTANT_CANCEL_BLOCKED;
	run_ops(ops, 5, &opts, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_DIVERGENCE);
	ASSERT_EQ(out.finding.step, 5);
	ASSERT_STR_EQ(out.finding.op, "subtask.cancel");
	/* An operation it does not take, given explicitly: the harness's
	 * limit, not a finding. */
	static const struct cfm_op tick[] = {
	    {.code = CFM_OP_TICK, .actor = CFM_HOST, .n = 1},
	};
	opts.mutant = 0;
	run_ops(tick, 1, &opts, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
	ASSERT_EQ(out.steps, 0);
	ASSERT_TRUE(strstr(out.limit, "does not take tick") != NULL);
}

/* reset gives back a fresh runtime: the same ops give the same results. */
static void reset_gives_a_fresh_runtime(void)
{
	const struct cfh_target *targets[] = {&cfh_target_bundled,
	                                      &tiny_target};
	for (size_t i = 0; i < 2; i++) {
		const struct cfh_target *t = targets[i];
		struct cfh_target_env env = {0};
		const char *why = NULL, *foreign = NULL;
		void *rt = t->create(&setup.caps, &env, &why);
		ASSERT_TRUE(rt != NULL);
		struct cfm_result a[3], b[3];
		for (int k = 0; k < 3; k++)
			a[k] = t->apply(rt, &waiting_call[k], &foreign);
		t->reset(rt);
		for (int k = 0; k < 3; k++)
			b[k] = t->apply(rt, &waiting_call[k], &foreign);
		for (int k = 0; k < 3; k++)
			ASSERT_TRUE(cfh_result_equal(&waiting_call[k], &a[k],
			                             &b[k]));
		ASSERT_EQ(a[0].err, CFM_OK);
		ASSERT_EQ(a[0].task, 1);
		ASSERT_TRUE(foreign == NULL);
		t->destroy(rt);
	}
}

/* Without a snapshot the runs are the same, with the state checks said to
 * be skipped. */
static void without_snapshot_runs_the_same(void)
{
	struct cfh_target t = no_snapshot();
	uint8_t input[300];
	uint64_t seed = 5;
	for (int round = 0; round < 100; round++) {
		size_t size = random_input(&seed, input, sizeof(input));
		struct cfh_source src = {.data = input, .size = size};
		struct cfh_options full = {.diff = true},
		                   part = {.diff = true, .target = &t};
		struct cfh_outcome a, b;
		cfh_run(&src, &full, &a, stderr);
		cfh_run(&src, &part, &b, stderr);
		ASSERT_EQ(a.finding.cls, CFH_NONE);
		ASSERT_EQ(b.finding.cls, CFH_NONE);
		ASSERT_EQ(a.steps, b.steps);
		ASSERT_EQ(a.drain_steps, b.drain_steps);
		ASSERT_EQ(a.skipped, 0);
		ASSERT_EQ(b.skipped, CFH_CHECK_STATES | CFH_CHECK_LEFT_RUNNING |
		                         CFH_CHECK_RECORDS | CFH_CHECK_TIMEOUTS);
	}
}

#if defined(CFH_TEST_MUTANTS)
/* A bug in a result is still found without the snapshot, at its step, and
 * the report says which checks were skipped. */
static void without_snapshot_finds_a_result_bug(void)
{
	struct cfh_target t = no_snapshot();
	struct cfh_options opts = {
	    .diff = true, .target = &t,
	    .mutant = cfr_mutant_from_name("resource_id_not_lowest")};
	struct cfh_outcome out;
	char *text = NULL;
	size_t len = 0;
	FILE *report = open_memstream(&text, &len);
	ASSERT_TRUE(report != NULL);
	run_ops(resources, 6, &opts, &out, report);
	fclose(report);
	ASSERT_EQ(out.finding.cls, CFH_DIVERGENCE);
	ASSERT_EQ(out.finding.step, 6);
	ASSERT_STR_EQ(out.finding.op, "resource.new");
	ASSERT_TRUE(strstr(text, "checks skipped (target "
	                         "bundled-without-snapshot lacks their parts): "
	                         "states, left_running, records, timeouts") !=
	            NULL);
	ASSERT_TRUE(strstr(text, "state difference") == NULL);
	free(text);

	/* And the correct runtime passes. */
	opts.mutant = 0;
	run_ops(resources, 6, &opts, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
}

/* A check skipped is a check not made: without notices, the call the
 * drain turns from cancelled into a result (cancel_as_error) goes unseen,
 * where the bundled table's notices and outcome comparison see it. */
static void without_notices_the_oracle_is_skipped(void)
{
	struct cfh_target t = cfh_target_bundled;
	t.name = "bundled-without-notices";
	t.caps.notices = false;
	uint32_t mutant = cfr_mutant_from_name("cancel_as_error");
	struct cfh_options full = {.diff = true, .mutant = mutant},
	                   part = {.diff = true, .mutant = mutant, .target = &t};
	struct cfh_outcome out;
	run_ops(waiting_call, 3, &full, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_WRONG_RESULT);
	run_ops(waiting_call, 3, &part, &out, NULL);
	ASSERT_EQ(out.finding.cls, CFH_NONE);
	ASSERT_EQ(out.skipped, CFH_CHECK_ORACLE | CFH_CHECK_OUTCOMES |
	                           CFH_CHECK_RECORDS | CFH_CHECK_TIMEOUTS |
	                           CFH_CHECK_SLOTS);
}
#endif

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
	    TAP_TEST(bundled_has_every_part),
	    TAP_TEST(incomplete_tables_are_refused),
	    TAP_TEST(decoder_keeps_to_declared_caps),
	    TAP_TEST(tiny_target_runs_clean),
	    TAP_TEST(tiny_target_bug_is_found),
	    TAP_TEST(reset_gives_a_fresh_runtime),
	    TAP_TEST(without_snapshot_runs_the_same),
#if defined(CFH_TEST_MUTANTS) /* builds with -Dmutants=true */
	    TAP_TEST(without_snapshot_finds_a_result_bug),
	    TAP_TEST(without_notices_the_oracle_is_skipped),
#endif
	};
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
