/* fuzz.c - the libFuzzer entry: one input, both sides, the oracle.
 * CANCELFUZZ_NO_DIFF=1 turns the model comparison off, leaving the
 * invariant checks to stand on their own; CANCELFUZZ_MUTANT=name switches
 * one of the runtime's known bugs on (impl/mutants.h). A name that is not
 * a mutant of this build stops the target at start-up: fuzzing the correct
 * runtime instead would report a mutant as missed. A finding prints its
 * report and aborts, so libFuzzer keeps the input.
 *
 * The guide: every input's contract coverage (cover.h) goes into
 * libFuzzer's extra counters, so an input that reaches a new clause,
 * transition or feature of the contract is kept even when it runs no new
 * line of C (the idea of IJON, S&P 2020). CANCELFUZZ_GUIDE=0 turns it
 * off; libFuzzer clears the counters before each input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mutants.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool diff = true;
static uint32_t mutant = CFR_MUTANT_NONE;

/* Read by libFuzzer after each input (Linux: this section's bounds). */
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t
    guide_counters[CFH_COVER_MAX_POINTS];
static struct cfh_cover guide = {.counters = guide_counters};
static const struct cfh_cover *guide_on = &guide;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *no_diff = getenv("CANCELFUZZ_NO_DIFF");
	diff = !(no_diff && strcmp(no_diff, "1") == 0);
	const char *g = getenv("CANCELFUZZ_GUIDE");
	if (g && strcmp(g, "0") == 0)
		guide_on = NULL;
	const char *name = getenv("CANCELFUZZ_MUTANT");
	if (!name || !*name)
		return 0; /* unset or empty: the correct runtime */
	mutant = cfr_mutant_from_name(name);
	if (mutant == CFR_MUTANT_NONE || !cfr_mutants_built()) {
		fprintf(stderr,
		        "cancelfuzz-fuzz: CANCELFUZZ_MUTANT=%s: %s "
		        "(cancelfuzz mutants lists them)\n",
		        name,
		        mutant == CFR_MUTANT_NONE
		            ? "no such mutant"
		            : "this build has no mutants (meson -Dmutants=true)");
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (cfh_check_covered(data, size, diff, mutant, guide_on, stderr) !=
	    CFH_NONE)
		abort();
	return 0;
}
