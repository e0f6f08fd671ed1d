/* fuzz.c - the libFuzzer entry: one input, both sides, the oracle.
 * CANCELFUZZ_NO_DIFF=1 turns the model comparison off, leaving the
 * invariant checks to stand on their own. A finding prints its report and
 * aborts, so libFuzzer keeps the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *no_diff = getenv("CANCELFUZZ_NO_DIFF");
	bool diff = !(no_diff && strcmp(no_diff, "1") == 0);
	if (cfh_check(data, size, diff, stderr) != CFH_NONE)
		abort();
	return 0;
}
