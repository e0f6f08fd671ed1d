/* test_alloc.c - allocation failures: fail each allocation in turn while a
 * scenario with nested calls runs. Every failure must come back as
 * E_NOMEM from the operation that needed memory, with the state exactly as
 * it was, and teardown must return every byte (LSan checks the rest). */
#include "fixture.h"
#include "tap.h"

#include <string.h>

/* Nested calls three deep, shared and timed calls, resources, an abandon
 * and a cascade on exit. */
static const char nested[] =
    "host call 1\n"
    "host call 1 shared(2) deadline(4)\n"
    "host run 0\n"
    "T1 resource.new\n"
    "T1 call 2\n"
    "T1 call 2 shared(1)\n"
    "T1 yield\n"
    "host run 1\n"
    "T3 call 3 deadline(2)\n"
    "T3 call 3\n"
    "T3 wait cancellable\n"
    "host run 0\n"
    "host subtask.drop 1\n"
    "host tick 5\n"
    "host call 2 shared(1)\n"
    "host run 0\n";

static struct cfm_snapshot before, after;

/* Runs the scenario on a runtime whose allocation number fail_at fails.
 * Returns true if that allocation was reached. */
static bool run_failing_at(unsigned long fail_at)
{
	struct cfh_alloc ca;
	struct cfh_rt v;
	struct cfm m;
	cfh_alloc_init(&ca, fail_at);
	script_init(&m, 4);
	struct cfh_rt_options opts = {.allocator = &ca.hooks, .pool_chunk = 1};
	enum cfr_err err = cfh_rt_init(&v, &m.cfg, &opts);
	if (err != CFR_OK) {
		ASSERT_EQ(err, CFR_E_NOMEM); /* creation itself failed */
		ASSERT_EQ(ca.bytes, 0);
		return true;
	}
	char line[128];
	for (const char *p = nested, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		struct cfm_op op;
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		ASSERT_TRUE(script_parse_op(line, &op) == NULL);
		cfh_rt_snapshot(&v, &before);
		struct cfr_counts c0 = cfr_counts(v.rt);
		unsigned long allocs0 = ca.allocs;
		cfh_rt_apply(&v, &op);
		/* The failing allocation happened in this operation exactly
		 * when it answers E_NOMEM: no other error, no success. */
		bool failed_here = allocs0 < fail_at && ca.allocs >= fail_at;
		ASSERT_EQ(v.last_err == CFR_E_NOMEM, failed_here);
		if (failed_here) {
			/* Nothing changed; a pool chunk that was had before
			 * the failing one stays as capacity for the next
			 * call (alloc_failure_then_retry_succeeds). */
			struct cfr_counts c1 = cfr_counts(v.rt);
			cfh_rt_snapshot(&v, &after);
			ASSERT_TRUE(cfh_snapshot_equal(&before, &after));
			ASSERT_EQ(c1.tasks, c0.tasks);
			ASSERT_EQ(c1.subtasks, c0.subtasks);
			ASSERT_EQ(c1.handles, c0.handles);
			ASSERT_EQ(c1.keys, c0.keys);
			ASSERT_EQ(c1.bytes, ca.bytes);
		}
	}
	bool reached = ca.allocs >= fail_at;
	cfh_rt_fini(&v);
	ASSERT_EQ(ca.bytes, 0);
	ASSERT_EQ(ca.allocs - (ca.allocs >= fail_at), ca.frees);
	return reached;
}

/* Every allocation of the scenario, failed in turn. */
static void alloc_failure_each_allocation_is_clean(void)
{
	unsigned long n = 1;
	while (run_failing_at(n))
		n++;
	tap_note("%lu allocations failed in turn", n - 1);
	/* Creation (one block) plus one record per task and per subtask,
	 * with chunks of one record: the scenario makes 7 calls. */
	ASSERT_TRUE(n - 1 >= 1 + 7);
}

/* An operation that fails for memory leaves the runtime usable: the same
 * call succeeds once memory is there again. */
static void alloc_failure_then_retry_succeeds(void)
{
	struct cfh_alloc ca;
	struct cfh_rt v;
	struct cfm m;
	script_init(&m, 2);
	cfh_alloc_init(&ca, 0);
	struct cfh_rt_options opts = {.allocator = &ca.hooks, .pool_chunk = 1};
	ASSERT_EQ(cfh_rt_init(&v, &m.cfg, &opts), CFR_OK);
	ca.fail_at = ca.allocs + 2; /* the subtask record, after the task's */
	struct cfm_op call = {.code = CFM_OP_CALL, .instance = 1};
	cfh_rt_apply(&v, &call);
	ASSERT_EQ(v.last_err, CFR_E_NOMEM);
	ASSERT_EQ(cfr_counts(v.rt).tasks, 0);
	ASSERT_EQ(cfr_counts(v.rt).subtasks, 0);
	/* The retry takes the task record the failed call gave back, from
	 * the chunk that call got: only the subtask's chunk is new. */
	unsigned long allocs = ca.allocs;
	struct cfm_result r = cfh_rt_apply(&v, &call);
	ASSERT_EQ(v.last_err, CFR_OK);
	ASSERT_EQ(ca.allocs, allocs + 1);
	ASSERT_EQ(r.handle, 1);
	ASSERT_EQ(r.task, 1);
	cfh_rt_fini(&v);
	ASSERT_EQ(ca.bytes, 0);
}

static const struct tap_test tests[] = {
    TAP_TEST(alloc_failure_each_allocation_is_clean),
    TAP_TEST(alloc_failure_then_retry_succeeds),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
