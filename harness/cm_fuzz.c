/* cm_fuzz.c - the libFuzzer entry of the cm fuzz mode: the model alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cm_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Silent while it holds; a finding replays the input with its trace
	 * before aborting, so the report says what broke where. */
	if (cfh_cm_check(data, size, NULL, NULL) != CFH_CM_NONE) {
		cfh_cm_check(data, size, stderr, NULL);
		abort();
	}
	return 0;
}
