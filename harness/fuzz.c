/* fuzz.c - the libFuzzer entry: one input, both sides, the oracle.
 * CANCELFUZZ_NO_DIFF=1 turns the model comparison off, leaving the
 * invariant checks to stand on their own; CANCELFUZZ_MUTANT=name switches
 * one of the runtime's known bugs on (impl/mutants.h). A name that is not
 * a mutant of this build stops the target at start-up: fuzzing the correct
 * runtime instead would report a mutant as missed. A finding prints its
 * report and aborts, so libFuzzer keeps the input. */
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *no_diff = getenv("CANCELFUZZ_NO_DIFF");
	diff = !(no_diff && strcmp(no_diff, "1") == 0);
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
	if (cfh_check(data, size, diff, mutant, stderr) != CFH_NONE)
		abort();
	return 0;
}
