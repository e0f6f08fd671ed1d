/* fuzz.c - the libFuzzer entry: one input, both sides, the oracle.
 * CANCELFUZZ_NO_DIFF=1 turns the model comparison off, leaving the
 * invariant checks to stand on their own; CANCELFUZZ_MUTANT=name switches
 * one of the runtime's known bugs on (impl/mutants.h). A finding prints its
 * report and aborts, so libFuzzer keeps the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "mutants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *no_diff = getenv("CANCELFUZZ_NO_DIFF");
	bool diff = !(no_diff && strcmp(no_diff, "1") == 0);
	uint32_t mutant = cfr_mutant_from_name(getenv("CANCELFUZZ_MUTANT"));
	if (cfh_check(data, size, diff, mutant, stderr) != CFH_NONE)
		abort();
	return 0;
}
