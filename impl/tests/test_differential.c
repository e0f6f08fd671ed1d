/* test_differential.c - the runtime against the model over many generated
 * inputs: every step's result, the states, the drain and the teardown must
 * agree, and the model-free invariant checks must stay silent. Inputs come
 * from a fixed LCG, so every run of this test checks the same inputs. */
#include "engine.h"
#include "tap.h"

#include <string.h>

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* An input of len bytes: a header, then step bytes biased the way a
 * fuzzer's corpus drifts (misuse bytes included when the mask allows). */
static void make_input(uint32_t *seed, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)lcg(seed);
	buf[0] = CFH_FORMAT_VERSION;
}

static void run_inputs(uint32_t seed, int count, bool diff, bool every_step)
{
	static uint8_t buf[1024];
	struct cfh_options o = {.diff = diff, .every_step = every_step};
	for (int i = 0; i < count; i++) {
		size_t len = 8 + lcg(&seed) % (sizeof(buf) - 8);
		make_input(&seed, buf, len);
		struct cfh_source src = {.data = buf, .size = len};
		struct cfh_outcome out;
		cfh_run(&src, &o, &out, stdout);
		if (out.finding.cls != CFH_NONE) {
			char sig[64];
			tap_fail(__FILE__, __LINE__,
			         "input %d (seed %u, %zu bytes): %s at step %u",
			         i, seed, len,
			         cfh_signature(&out.finding, sig, sizeof(sig)),
			         out.finding.step);
		}
	}
}

/* C-1..C-36 on the runtime: thousands of interleavings, model compared. */
static void differential_runtime_matches_model(void)
{
	run_inputs(1, 500, true, false);
}

/* The same with whole states compared after every single step. */
static void differential_every_step_matches_model(void)
{
	run_inputs(2, 100, true, true);
}

/* C-37 with the model comparison off: the invariants alone stay silent on
 * the correct runtime. */
static void differential_invariants_alone_are_silent(void)
{
	run_inputs(3, 500, false, false);
}

/* The drain empties the runtime of all but a guest's own dead ends, and a
 * run leaves nothing: checked inside cfh_run; here, that the runs were
 * real (steps taken, drains run). */
static void differential_runs_are_not_trivial(void)
{
	uint8_t buf[512];
	uint32_t seed = 4, steps = 0, drained = 0;
	struct cfh_options o = {.diff = true};
	for (int i = 0; i < 50; i++) {
		make_input(&seed, buf, sizeof(buf));
		struct cfh_source src = {.data = buf, .size = sizeof(buf)};
		struct cfh_outcome out;
		cfh_run(&src, &o, &out, stdout);
		ASSERT_EQ(out.finding.cls, CFH_NONE);
		steps += out.steps;
		drained += out.drain_steps;
	}
	tap_note("%u steps, %u drain steps over 50 inputs", steps, drained);
	ASSERT_TRUE(steps > 50 * 100);
	ASSERT_TRUE(drained > 50);
}

static const struct tap_test tests[] = {
    TAP_TEST(differential_runtime_matches_model),
    TAP_TEST(differential_every_step_matches_model),
    TAP_TEST(differential_invariants_alone_are_silent),
    TAP_TEST(differential_runs_are_not_trivial),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
